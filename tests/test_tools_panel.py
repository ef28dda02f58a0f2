"""The map's measure and profile tools on the Python side: triggers, answers in the map's data, the panel.

The handlers are run over a plain dict as session state (as a trigger's callback would see it); the page
(AppTest) is then run with that state, and the component data it sends is read and checked against
protocol.json. Lengths are checked against pyproj.Geod on the Moon sphere (an independent tool).
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

import numpy as np
import pytest
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar
from lunarmap.geodesy import forward
from lunarmap.sites import load_sites
from lunarmap_ui import map_component as mc
from lunarmap_ui import page
from lunarmap_ui import tools_panel as tp

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)
SHACKLETON = (129.78, -89.67)


def _xy(lon: float, lat: float) -> list[float]:
    x, y = lonlat_to_polar(lon, lat)
    return [float(x), float(y)]


@contextmanager
def _session(s: dict):
    """A plain dict as st.session_state (what a trigger's callback reads and writes), inside the block only."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(tp.st, "session_state", s)
        yield s


@pytest.fixture
def state():
    """A plain dict as st.session_state for the whole test (handler tests that run no page)."""
    with _session({}) as s:
        yield s


def _validate(name: str, value) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    doc = mc.load_protocol()
    v = jsonschema.Draft202012Validator({"$defs": doc["$defs"], **doc["data"]["properties"][name]})
    return [f"{list(e.absolute_path)}: {e.message}" for e in v.iter_errors(value)]


def _page(monkeypatch, data_dir, session: dict) -> AppTest:
    """The page run with this session state (what a trigger's callback left in it)."""
    return run_page(monkeypatch, data_dir, session=session, timeout_s=120)


def _map(at: AppTest) -> dict:
    return json.loads(at.get("bidi_component")[0].proto.json)


# ----------------------------------------------------------------- measure
LONLAT = [(0.0, -85.0), (90.0, -86.0), (180.0, -84.5), (-100.0, -88.0)]      # three legs, one across the pole's side


def test_measure_trigger__legs_are_geodesic_and_match_pyproj_geod(state):
    pts = [_xy(*p) for p in LONLAT]
    state[page.K_MAP] = {"measure": {"points": pts, "seq": 7}}
    tp.on_measure()
    assert page.K_PAGE_RERUN not in state, "measuring is map-only: no whole-page run"
    data = tp.measure_data()
    assert not _validate("measure", data)
    assert data["seq"] == 7 and data["error"] is None and len(data["legs"]) == 3
    lon, lat = np.array(LONLAT).T
    az, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    np.testing.assert_allclose([leg["length_m"] for leg in data["legs"]], dist, rtol=0, atol=1e-3)
    np.testing.assert_allclose([leg["azimuth_deg"] for leg in data["legs"]], np.mod(az, 360.0), rtol=0, atol=1e-6)
    assert data["total_m"] == pytest.approx(dist.sum(), abs=1e-3)
    leg = data["legs"][1]
    assert leg["label"] == f"{dist[1] / 1000:,.3f} km · {np.mod(az[1], 360):.1f}°"
    assert leg["total_label"] == f"total {(dist[0] + dist[1]) / 1000:,.3f} km"
    # each leg is drawn as its great circle: the path's ends are the clicked points, its middle on the arc
    assert leg["path"][0] == pytest.approx(pts[1], abs=1e-2) and leg["path"][-1] == pytest.approx(pts[2], abs=1e-2)
    mid_lon, mid_lat, _ = GEOD.fwd(lon[1], lat[1], az[1], dist[1] / 2)
    assert leg["mid"] == pytest.approx(_xy(mid_lon, mid_lat), abs=dist[1] / (tp.LEG_PATH_POINTS - 1))


def test_measure_trigger__one_point_has_no_legs_and_a_point_off_the_map_says_why(state):
    state[page.K_MAP] = {"measure": {"points": [_xy(10.0, -80.0)], "seq": 1}}
    tp.on_measure()
    assert tp.measure_data() == {"seq": 1, "points": [_xy(10.0, -80.0)], "legs": [], "total_m": None, "error": None}
    state[page.K_MAP] = {"measure": {"points": [_xy(10.0, -80.0), [3.0e6, 0.0]], "seq": 2}}
    tp.on_measure()
    data = tp.measure_data()
    assert not _validate("measure", data)
    assert data["legs"] == [] and re.search(r"point 2 .* is off the map .*click inside the map", data["error"])
    state[page.K_MAP] = {"measure": {"points": [["a", 1]], "seq": 3}}
    tp.on_measure()
    assert "points must be [x, y] pairs of metres" in tp.measure_data()["error"]


def test_page__sends_the_legs_to_the_map_and_lists_them_with_a_copyable_text(monkeypatch, tmp_path):
    with _session({page.K_MAP: {"measure": {"points": [_xy(*p) for p in LONLAT], "seq": 4}}}) as state:
        tp.on_measure()
    at = _page(monkeypatch, tmp_path, {tp.K_MEASURE: state[tp.K_MEASURE]})
    data = _map(at)
    assert not _validate("measure", data["measure"])
    assert data["measure"]["total_m"] == pytest.approx(state[tp.K_MEASURE]["result"].total_m, abs=1e-6)
    code = [c.value for c in at.code if c.value.startswith("leg ")]
    assert len(code) == 1 and f"Total {data['measure']['total_m'] / 1000:.3f} km." in code[0]
    table = next(d.value for d in at.dataframe if "Azimuth (°)" in d.value.columns)
    assert list(table["Leg"]) == [1, 2, 3]
    assert table["Total (km)"].iloc[-1] == pytest.approx(data["measure"]["total_m"] / 1000, abs=5e-4)
    assert data["profile"] is None


# ----------------------------------------------------------------- profile
def _across_shackleton(half_m: float = 15_000.0) -> list[list[float]]:
    a = forward(*SHACKLETON, 90.0, half_m)[:2]
    b = forward(*SHACKLETON, 270.0, half_m)[:2]
    return [_xy(float(a[0]), float(a[1])), _xy(float(b[0]), float(b[1]))]


def test_profile_trigger__payload_has_shackletons_psr_and_is_computed_once_per_line(state, prepared_data_dir,
                                                                                     monkeypatch):
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(prepared_data_dir))
    calls = []
    real = tp.elevation_profile
    monkeypatch.setattr(tp, "elevation_profile", lambda *a, **k: calls.append(a) or real(*a, **k))
    line = _across_shackleton()
    state[page.K_MAP] = {"profile": {"vertices": line, "seq": 5}}
    tp.on_profile()
    assert page.K_PAGE_RERUN not in state, "a profile is map-only: no whole-page run"
    data = tp.profile_data()
    assert not _validate("profile", data)
    p = data["payload"]
    assert data["seq"] == 5 and data["error"] is None and p["n"] == 1000
    assert p["total_m"] == pytest.approx(30_000.0, abs=1e-3)          # two 15 km arcs on one great circle
    floor = [b for b in p["psr_bands"] if b["place"] == "Shackleton"]
    assert any(b["start_m"] < 15_000.0 < b["end_m"] for b in floor), "the crater's floor (the line's middle) is in shadow"
    for _ in range(3):                                                # the fragment's reruns and the same line again
        tp.profile_data()
        tp.on_profile()
    assert len(calls) == 1, "the profile of one line is computed once"
    state[page.K_MAP] = {"profile": {"vertices": [line[0], [0.0, 3.0e6]], "seq": 6}}
    tp.on_profile()
    bad = tp.profile_data()
    assert bad["payload"] is None and "off the map" in bad["error"] and not _validate("profile", bad)


def test_page__profile_payload_reaches_the_map_and_the_csv_is_offered(monkeypatch, prepared_data_dir):
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(prepared_data_dir))
    with _session({page.K_MAP: {"profile": {"vertices": _across_shackleton(), "seq": 3}}}) as state:
        tp.on_profile()
        sent = tp.profile_data()
    at = _page(monkeypatch, prepared_data_dir, {k: state[k] for k in (tp.K_PROFILE, tp.K_PROFILE_CACHE)})
    data = _map(at)
    assert data["profile"]["seq"] == 3 and data["profile"]["payload"] == sent["payload"]
    assert any("Shackleton" in c.value for c in at.caption), "the panel names the PSR the line crosses"
    assert len(at.get("bidi_component")[0].proto.json) < 400_000, "1,000 samples stay a modest message"


def test_page__profile_between_the_selected_sites_follows_them_in_order(monkeypatch, prepared_data_dir):
    catalog = load_sites()
    chosen = ["im-2", "artemis-iii-haworth", "chang-e-7-target"]
    at = _page(monkeypatch, prepared_data_dir, {page.K_SELECTED: chosen})
    assert _map(at)["profile"] is None
    before = _map(at)["view"]["nonce"]
    at.button(key="profile_selected_sites").click().run()
    assert not at.exception, at.exception
    data = _map(at)
    vertices = data["profile"]["payload"]["vertices"]
    want = [catalog[i].lonlat for i in chosen]
    np.testing.assert_allclose(np.c_[vertices["lon_deg"], vertices["lat_deg"]], want, atol=1e-6)
    _, _, d = GEOD.inv([w[0] for w in want[:-1]], [w[1] for w in want[:-1]], [w[0] for w in want[1:]],
                       [w[1] for w in want[1:]])
    assert data["profile"]["payload"]["total_m"] == pytest.approx(float(np.sum(d)), abs=1e-2)
    assert data["view"]["nonce"] == before + 1, "the map flies to the line"


def test_page__sunlit_along_the_line_is_computed_on_demand_with_progress(monkeypatch, prepared_data_dir):
    """The button starts the work in the background (the window of the visibility section), progress shows
    while it runs, then the table; the horizon work itself is lunarmap.profile's (tested there), faked here."""
    import threading

    from lunarmap.profile import SunlitAlong
    from lunarmap_ui.visibility_panel import chosen_window

    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(prepared_data_dir))
    with _session({page.K_MAP: {"profile": {"vertices": _across_shackleton(), "seq": 3}}}) as state:
        tp.on_profile()
        window = chosen_window()          # the section's defaults: this page changes none
    gate, seen = threading.Event(), {}

    def fake(prof, start, **kw):
        seen.update(kw, start=start)
        kw["progress"](1, 2)
        gate.wait(30)
        kw["progress"](2, 2)
        i = np.array([0, prof.n - 1])
        return SunlitAlong(prof.distance_m[i], prof.lon_deg[i], prof.lat_deg[i], prof.x_m[i], prof.y_m[i],
                           np.array([0.25, 0.5]), np.array([0.0, 1.0]), np.datetime64("2026-01-01T00:00"),
                           np.datetime64("2026-01-31T00:00"), 2.0, "fake horizons")

    monkeypatch.setattr(tp, "profile_sunlit", fake)
    at = _page(monkeypatch, prepared_data_dir, {k: state[k] for k in (tp.K_PROFILE, tp.K_PROFILE_CACHE)})
    at.button(key="profile_sunlit_start").click().run()
    try:
        assert not at.exception, at.exception
        bars = at.get("progress")
        assert bars and "1 of 2 points" in bars[0].proto.text, [b.proto.text for b in bars]
        assert (seen["start"], seen["days"], seen["step_hours"], seen["mast_m"]) == window
        assert seen["points"] == tp.SUNLIT_POINTS
    finally:
        gate.set()
    at.session_state[tp.K_SUNLIT_JOB][1].join(30)
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "Sunlit (%)" in d.value.columns)
    assert list(table["Sunlit (%)"]) == [25.0, 50.0] and list(table["Distance (km)"]) == [0.0, 30.0]
    assert not at.get("progress")


def test_warm_up_starts_once_per_process_and_data_folder(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(tp, "warm_up", lambda data_dir: calls.append(data_dir))
    tp._warm_up_thread.clear()
    try:
        first = tp.start_warm_up(tmp_path)
        assert tp.start_warm_up(tmp_path) is first                  # a later run (or session) starts nothing
        other = tp.start_warm_up(tmp_path / "other")
        assert other is not first
        for thread in (first, other):
            thread.join(timeout=30)
            assert not thread.is_alive() and thread.daemon
        assert sorted(calls) == sorted([str(tmp_path), str(tmp_path / "other")])
    finally:
        tp._warm_up_thread.clear()


def test_page__the_first_run_starts_the_profile_warm_up(monkeypatch, prepared_data_dir):
    started = []
    monkeypatch.setattr(tp, "start_warm_up", lambda data_dir=None: started.append(data_dir))
    run_page(monkeypatch, prepared_data_dir, timeout_s=120)   # (run_page checks the run raised nothing)
    assert started, "the page did not start the warm-up"
