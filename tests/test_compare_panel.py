"""The "Compare sites" section, run by Streamlit's AppTest on the real prepared data and without data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from lunarmap.crs import MOON_RADIUS_M, polar_to_lonlat
from lunarmap.sites import load_sites
from lunarmap_ui import compare_panel as cp

from .apptest_page import DASHBOARD, fresh_caches, layer_rows, run_page  # noqa: F401 - fresh_caches: autouse fixture

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)


def _run(monkeypatch, data_dir) -> AppTest:
    return run_page(monkeypatch, data_dir)


def _frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def _frame_with_column(at: AppTest, column: str):
    found = [f for f in _frames(at) if column in f.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


def _all_columns(at: AppTest) -> None:
    """Show every column of the comparison table (the column chooser's "All columns")."""
    at.button(key="compare_all_columns").click().run()
    assert not at.exception, at.exception


def _geod_km(a, b) -> float:
    return GEOD.inv(a.lonlat[0], a.lonlat[1], b.lonlat[0], b.lonlat[1])[2] / 1e3


def test_column_label__puts_the_unit_of_the_suffix_in_brackets():
    assert cp.column_label("pole_distance_km") == "pole distance (km)"
    assert cp.column_label("region_area_km2") == "region area (km²)"
    assert cp.column_label("elevation_m") == "elevation (m)"
    assert cp.column_label("region_psr_share_pct") == "region psr share (%)"
    assert cp.column_label("nearest_psr") == "nearest psr"


@pytest.mark.realdata
def test_section__shows_table_matrices_and_downloads_for_the_default_sites(monkeypatch, prepared_data_dir):
    at = _run(monkeypatch, prepared_data_dir)
    assert any(h.value == "Compare sites" for h in at.header)
    _all_columns(at)
    assert list(at.multiselect(key=cp.K_COMPARE_IDS).value) == list(cp.DEFAULT_COMPARE_IDS)
    assert at.number_input(key=cp.K_COMPARE_RADIUS).value == 20.0
    table = _frame_with_column(at, "elevation (m)")
    assert list(table["id"]) == list(cp.DEFAULT_COMPARE_IDS)
    assert {"lat (°)", "pole distance (km)", "psr area in radius (km²)"} <= set(table.columns)
    sites = {s.id: s for s in load_sites()}
    ce4 = table.set_index("id").loc["chang-e-4"]
    assert ce4["pole distance (km)"] == pytest.approx(_geod_km(sites["chang-e-4"], _Pole()), abs=0.05)  # 0.1 km shown
    assert np.isfinite(ce4["elevation (m)"])
    # Displayed with the precision the data supports (whole metres of height, tenths of a degree), not "-5928.3231".
    frame = next(d for d in at.dataframe if "elevation (m)" in d.value.columns)
    columns = json.loads(frame.proto.columns)
    assert columns["elevation (m)"]["type_config"]["format"] == "%.0f"
    assert columns["slope (°)"]["type_config"]["format"] == "%.1f"
    assert columns["elevation resolution (m)"]["type_config"]["format"] == "%.0f"
    # distance matrix: geodesic km, checked against pyproj.Geod on the same sphere
    dist = next(f for f in _frames(at) if list(f.columns) == list(cp.DEFAULT_COMPARE_IDS) and f.index.name == "id"
                and f.loc["chang-e-4", "chang-e-4"] == 0)
    assert dist.loc["chang-e-4", "chang-e-6"] == pytest.approx(_geod_km(sites["chang-e-4"], sites["chang-e-6"]), abs=0.06)
    # overlap matrix: the diagonal is each 20 km circle's own area, 2 pi R^2 (1 - cos(r/R))
    overlap = [f for f in _frames(at) if list(f.columns) == list(cp.DEFAULT_COMPARE_IDS) and f is not dist]
    cap_km2 = 2 * np.pi * (MOON_RADIUS_M / 1e3) ** 2 * (1 - np.cos(20_000 / MOON_RADIUS_M))
    assert any(f.loc["chang-e-4", "chang-e-4"] == pytest.approx(cap_km2, rel=1e-3) for f in overlap)
    assert len(at.get("vega_lite_chart")) == 2, "two heat maps"
    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {"Download CSV", "Download GeoJSON", "Download GeoPackage"}


@pytest.mark.realdata
def test_section__draws_one_geodesic_circle_of_the_radius_per_compared_site(monkeypatch, prepared_data_dir):
    at = _run(monkeypatch, prepared_data_dir)
    at.number_input(key=cp.K_COMPARE_RADIUS).set_value(50.0).run()
    assert not at.exception
    spec = json.loads(at.get("bidi_component")[0].proto.json)["spec"]
    ids = [x["id"] for x in spec["layers"]]
    assert ids.index("compare-circles") < ids.index("sites")
    layer = spec["layers"][ids.index("compare-circles")]
    assert layer["coordinateSystem"] == "cartesian"
    sites = {s.id: s for s in load_sites()}
    assert [r["id"] for r in layer_rows(layer)] == list(cp.DEFAULT_COMPARE_IDS)
    for row in layer_rows(layer):
        x, y = np.asarray(row["polygon"]).T
        lon, lat = polar_to_lonlat(x, y)
        c_lon, c_lat = sites[row["id"]].lonlat
        d_km = GEOD.inv(np.full(lon.shape, c_lon), np.full(lat.shape, c_lat), lon, lat)[2] / 1e3
        assert d_km == pytest.approx(np.full(d_km.shape, 50.0), abs=0.01)


def test_section__without_terrain_data_warns_and_still_shows_the_matrices(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    assert any("Site table not available" in w.value and "fetch" in w.value for w in at.warning)
    assert not at.get("download_button")
    assert len(at.get("vega_lite_chart")) == 2


def test_section__an_empty_choice_asks_for_sites_and_draws_no_circles(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    at.multiselect(key=cp.K_COMPARE_IDS).set_value([]).run()
    assert not at.exception
    assert any("Choose one or more sites" in c.value for c in at.caption)
    spec = json.loads(at.get("bidi_component")[0].proto.json)["spec"]
    assert "compare-circles" not in [x["id"] for x in spec["layers"]]


class _Pole:
    lonlat = (0.0, -90.0)


@pytest.mark.realdata
def test_section__sun_and_earth_columns_for_the_default_selection_follow_the_visibility_window(monkeypatch,
                                                                                               prepared_data_dir):
    from lunarmap.compare import sites_lonlat
    from lunarmap.compare_visibility import COMPARE_REGION_POINTS
    from lunarmap.region_stats import region_stats
    from lunarmap.visibility import site_visibility
    from lunarmap_ui.visibility_panel import DEFAULT_START

    at = _run(monkeypatch, prepared_data_dir)
    _all_columns(at)
    table = _frame_with_column(at, "sunlit (%)")
    cols = list(table.columns)
    new = ["sunlit (%)", "earth visible (%)", "longest darkness (h)", "needs relay", "visibility summary"]
    assert set(new) <= set(cols[:11]), "the Sun/Earth columns lead the table"
    t = table.set_index("id")
    assert list(t["needs relay"]) == ["yes", "yes", "no", "no"]   # Chang'e 4/6 far side; Chandrayaan-3, ILRS
    assert t.loc["chandrayaan-3", "earth visible (%)"] > 90 and t.loc["chang-e-4", "earth visible (%)"] == 0
    # the library's numbers for the default window (2027-01-01 + 30 d every 2 h, 2 m mast); a region over its area
    sites = load_sites().select(list(cp.DEFAULT_COMPARE_IDS))
    for site, lon, lat in zip(sites, *sites_lonlat(sites), strict=True):
        if site.is_region:
            ref = region_stats(site.geometry_polar, DEFAULT_START.isoformat(), days=30, step_hours=2.0, mast_m=2.0,
                               max_points=COMPARE_REGION_POINTS, data_dir=prepared_data_dir).distributions
            assert t.loc[site.id, "sunlit (%)"] == pytest.approx(ref["sunlit_pct"].median, abs=0.05)   # 0.1 % shown
            assert t.loc[site.id, "longest darkness (h)"] == pytest.approx(ref["longest_dark_h"].median, abs=0.5)
            assert f"sunlit {ref['sunlit_pct'].text(0)}" in t.loc[site.id, "visibility summary"]
            assert " points " in t.loc[site.id, "visibility summary"]
            continue
        ref = site_visibility(lon, lat, DEFAULT_START.isoformat(), days=30, step_hours=2.0, mast_m=2.0,
                              data_dir=prepared_data_dir)
        assert t.loc[site.id, "sunlit (%)"] == pytest.approx(100 * ref.sunlit_fraction, abs=0.05)
        assert t.loc[site.id, "earth visible (%)"] == pytest.approx(100 * ref.earth_fraction, abs=0.05)
        assert t.loc[site.id, "longest darkness (h)"] == pytest.approx(ref.longest_dark_h, abs=0.5)
    assert 250 <= t.loc["chang-e-4", "longest darkness (h)"] <= 370, "a lunar night is about 14 days"
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any("2027-01-01 + 30 d every 2 h" in c and "over its whole area" in c for c in captions)
    assert not any("centre point" in c for c in captions)
    defs = next(f for f in _frames(at) if "definition" in f.columns)
    assert defs.set_index("name").loc["needs_relay", "definition"].startswith("True when Earth's centre is never")
    # a shorter window set in the visibility section (drawn further down) changes the columns
    at.number_input(key="vis_days").set_value(5)
    at.run()
    assert not at.exception, at.exception
    t5 = _frame_with_column(at, "sunlit (%)").set_index("id")
    assert (t5["longest darkness (h)"] <= 5 * 24).all()
    assert any("2027-01-01 + 5 d every 2 h" in c.value.replace("\\", "") for c in at.caption)


def _counted(monkeypatch, name: str) -> list:
    """Calls of the panel's ``name`` (the real function still runs), one entry per call."""
    calls: list = []
    real = getattr(cp, name)

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(cp, name, counting)
    return calls


def test_section__a_new_visibility_window_keeps_the_terrain_and_psr_part_of_the_comparison(monkeypatch,
                                                                                            prepared_data_dir):
    """Only the Sun/Earth columns depend on the window: changing it must not measure terrain and PSR again."""
    calls = _counted(monkeypatch, "compare_sites")
    at = _run(monkeypatch, prepared_data_dir)
    _all_columns(at)
    before = _frame_with_column(at, "sunlit (%)").set_index("id")
    assert len(calls) == 1
    at.number_input(key="vis_days").set_value(5)
    at.run()
    assert not at.exception, at.exception
    after = _frame_with_column(at, "sunlit (%)").set_index("id")
    assert len(calls) == 1, "terrain and PSR were measured again for a new window"
    assert not np.allclose(before["sunlit (%)"], after["sunlit (%)"]), "the Sun/Earth columns follow the window"
    assert np.allclose(before["elevation (m)"], after["elevation (m)"])


@pytest.mark.realdata
def test_section__a_new_radius_keeps_the_sun_and_earth_figures(monkeypatch, prepared_data_dir):
    """The Sun/Earth columns do not depend on the radius: a region's rest on its whole grid's horizons (seconds)."""
    calls = _counted(monkeypatch, "sites_visibility")
    at = _run(monkeypatch, prepared_data_dir)
    _all_columns(at)
    before = _frame_with_column(at, "sunlit (%)").set_index("id")
    assert len(calls) == 1
    at.number_input(key=cp.K_COMPARE_RADIUS).set_value(50.0).run()
    assert not at.exception, at.exception
    after = _frame_with_column(at, "sunlit (%)").set_index("id")
    assert len(calls) == 1, "the Sun and Earth figures were computed again for a new radius"
    assert np.allclose(before["sunlit (%)"], after["sunlit (%)"], equal_nan=True)
    assert not np.allclose(before["psr area in radius (km²)"], after["psr area in radius (km²)"], equal_nan=True)


@pytest.mark.realdata
def test_section__opens_with_the_planners_columns_rounded_to_the_data_and_downloads_keep_full_precision(
        monkeypatch, prepared_data_dir):
    at = _run(monkeypatch, prepared_data_dir)
    table = _frame_with_column(at, "elevation (m)")
    assert list(table.columns) == [cp.column_label(c) for c in cp.DEFAULT_COLUMNS], "the first columns, in order"
    # elevation from the 1.6 km DEM: to 10 m; distances to 0.1 km
    assert all(v % 10 == 0 for v in table["elevation (m)"] if np.isfinite(v))
    assert all(round(v, 1) == v for v in table["pole distance (km)"])
    # the column chooser adds a column; the choice is kept across reruns
    at.multiselect(key=cp.K_COMPARE_COLUMNS).select("lat_deg").run()
    assert "lat (°)" in _frame_with_column(at, "elevation (m)").columns
    at.run()
    assert "lat (°)" in _frame_with_column(at, "elevation (m)").columns


def test_display_table__rounds_a_copy_the_downloads_keep_full_precision():
    raw = pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"], "elevation_m": [-5928.3231, 1234.567],
                        "elevation_resolution_m": [1600.0, 5.0], "pole_distance_km": [12.3456, 0.04],
                        "psr_area_in_radius_km2": [123.456, 0.0432], "needs_relay": [True, False]})
    before = raw.copy()
    shown = cp._display_table(raw, ["name", "elevation_m", "pole_distance_km", "psr_area_in_radius_km2",
                                    "needs_relay"])
    pd.testing.assert_frame_equal(raw, before)       # the exports are made from this table: untouched
    assert list(shown.columns) == ["name", "pole distance (km)", "elevation (m)", "psr area in radius (km²)",
                                   "needs relay"], "the planner's reading order, whatever order they were chosen in"
    assert list(shown["elevation (m)"]) == [-5930.0, 1235.0]    # 10 m from 1.6 km pixels, 1 m from 5 m pixels
    assert list(shown["pole distance (km)"]) == [12.3, 0.0]
    assert list(shown["psr area in radius (km²)"]) == [123.5, 0.04]
    assert list(shown["needs relay"]) == ["yes", "no"]
