"""The "Sunlight and Earth visibility" section, run by Streamlit's AppTest on the real prepared data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from lunarmap.sites import load_sites
from lunarmap.visibility import site_visibility
from lunarmap_ui.visibility_panel import COLUMNS, DEFAULT_VISIBILITY_IDS

from .apptest_page import DASHBOARD, fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture

pytestmark = pytest.mark.realdata


def _page(monkeypatch, data_dir) -> AppTest:
    return run_page(monkeypatch, data_dir)


def _compute(at: AppTest, start=None, days=7, step_hours=6.0) -> AppTest:
    if start is not None:
        at.date_input(key="vis_start").set_value(start)
    at.number_input(key="vis_days").set_value(days)
    at.number_input(key="vis_step_hours").set_value(step_hours)
    at.button(key="vis_run").click()
    at.run()
    assert not at.exception, at.exception
    return at


def _horizon_charts(at: AppTest) -> list[tuple[dict, list[pd.DataFrame]]]:
    """(spec, datasets) of the horizon charts on the page."""
    out = []
    for e in at.get("vega_lite_chart"):
        spec = json.loads(e.proto.spec)
        if "Horizon at" in json.dumps(spec.get("title", "")):
            out.append((spec, [convert_arrow_bytes_to_pandas_df(d.data.data) for d in e.proto.datasets]))
    return out


def _horizon_specs(at: AppTest) -> list[dict]:
    return [spec for spec, _ in _horizon_charts(at)]


def test_section__shows_the_table_and_the_horizon_chart_for_the_default_sites(monkeypatch, prepared_data_dir):
    at = _page(monkeypatch, prepared_data_dir)
    assert any(h.value == "Sunlight and Earth visibility" for h in at.header)
    assert not _horizon_specs(at), "nothing is computed before the button is pressed"
    at = _compute(at)
    table = next(d.value for d in at.dataframe if "Sunlit (%)" in d.value.columns)
    assert list(table.columns) == [c for c, _ in COLUMNS]
    sites = {s.id: s for s in load_sites()}
    assert list(table.index) == [sites[i].name for i in DEFAULT_VISIBILITY_IDS]
    # the table shows the library's numbers for the same window and mast
    for sid in DEFAULT_VISIBILITY_IDS:
        lon, lat = sites[sid].lonlat
        ref = site_visibility(lon, lat, "2027-01-01", days=7, step_hours=6.0, mast_m=2.0, data_dir=prepared_data_dir)
        row = table.loc[sites[sid].name]
        assert row["Sunlit (%)"] == pytest.approx(100 * ref.sunlit_fraction)
        assert row["Earth visible (%)"] == pytest.approx(100 * ref.earth_fraction)
        assert row["Longest darkness (h)"] == pytest.approx(ref.longest_dark_h)
        assert row["Needs relay"] == ("yes" if ref.earth_fraction == 0 else "no")
        assert 0 <= row["Partly sunlit (%)"] <= row["Sunlit (%)"] <= 100
        # 28 samples of 6 h: runs are whole steps and never longer than the window
        assert row["Longest darkness (h)"] % 6 == 0 and row["Longest darkness (h)"] <= 7 * 24
    # Chang'e 4 and 6 are on the far side (Earth never up), Chandrayaan-3 on the near side (Earth always up)
    assert list(table["Needs relay"]) == ["yes", "yes", "no"]
    assert any("lola_global" in c.value.replace("\\", "") and "10 km" in c.value for c in at.caption), "the note on the horizon data"
    assert any("Needs relay" in m.value and "never" in m.value for m in at.markdown), "column definitions"

    charts = _horizon_charts(at)
    assert len(charts) == 1
    spec, datasets = charts[0]
    assert sites["chang-e-4"].name in json.dumps(spec["title"]) and "2027-01-01 + 7 d" in json.dumps(spec["title"])
    terrain = next(d for d in datasets if "body" not in d.columns)
    bodies = next(d for d in datasets if "body" in d.columns)
    assert terrain["azimuth_deg"].iloc[0] == 0 and terrain["azimuth_deg"].iloc[-1] == 360
    assert set(bodies["body"]) == {"Sun", "Earth"} and len(bodies) == 2 * 28
    lon, lat = sites["chang-e-4"].lonlat
    ref = site_visibility(lon, lat, "2027-01-01", days=7, step_hours=6.0, mast_m=2.0, data_dir=prepared_data_dir)
    np.testing.assert_allclose(terrain["elevation_deg"].to_numpy()[:-1], ref.horizon.elevation_deg, atol=1e-9)
    sun_el = bodies.loc[bodies["body"] == "Sun", "elevation_deg"].to_numpy()
    np.testing.assert_allclose(sun_el, ref.series.sun_el_deg, atol=1e-9)


def test_section__other_site_in_the_selectbox_redraws_the_chart_for_it(monkeypatch, prepared_data_dir):
    at = _compute(_page(monkeypatch, prepared_data_dir))
    name = {s.id: s for s in load_sites()}["chandrayaan-3"].name
    at.selectbox(key="vis_horizon_site").set_value(2)
    at.run()
    assert not at.exception, at.exception
    (spec,) = _horizon_specs(at)
    assert name in json.dumps(spec["title"])


def test_section__window_past_the_ephemeris_says_what_is_allowed(monkeypatch, prepared_data_dir):
    import datetime as dt

    at = _compute(_page(monkeypatch, prepared_data_dir), start=dt.date(2050, 12, 1), days=60)
    assert not _horizon_specs(at)
    assert any(w.value.startswith("Visibility could not be computed") and "2050" in w.value for w in at.warning), \
        [w.value for w in at.warning]


def test_section__a_region_is_shown_over_its_whole_area_never_at_its_centre(monkeypatch, prepared_data_dir):
    """The Chang'e 7 target area's centre is Shackleton's dark floor; the section gives the range over the area."""
    at = _page(monkeypatch, prepared_data_dir)
    at.session_state["selected_sites"] = ["chang-e-7-target", "chandrayaan-3"]
    at.run()
    import datetime as dt

    at = _compute(at, start=dt.date(2026, 10, 15), days=7, step_hours=12.0)     # southern summer
    table = next(d.value for d in at.dataframe if "Sunlit (%)" in d.value.columns)
    name = {s.id: s for s in load_sites()}["chang-e-7-target"].name
    row = table.loc[name]
    assert row["Over the area"].startswith("sunlit 0-") and " points " in row["Over the area"]
    best = float(row["Over the area"].split("sunlit 0-")[1].split(" %")[0])
    assert best > 50.0, "the sunlit rim is part of the area (the centre alone is the dark floor)"
    assert table.loc[{s.id: s for s in load_sites()}["chandrayaan-3"].name, "Over the area"] == "at the point"
    (spec,) = _horizon_specs(at)                      # the horizon plot is for the point site only
    assert "Chandrayaan" in json.dumps(spec["title"])
