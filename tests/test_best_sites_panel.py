"""The best-site finder in the page: a background job, progress and cancel, ranked places, markers and downloads."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lunarmap_ui.jobs import BackgroundJob


# ------------------------------------------------------------------ the job
def test_job__reports_progress_and_ends_with_the_result():
    def work(progress):
        for i in range(5):
            progress(i, 5)
        return "done!"

    job = BackgroundJob(work).start()
    job.join(10)
    snap = job.snapshot()
    assert snap["state"] == "done" and snap["result"] == "done!" and snap["total"] == 5 and snap["error"] is None


def test_job__cancel_stops_the_work_at_its_next_report():
    gate = threading.Event()
    reached = []

    def work(progress):
        progress(0, 100)
        gate.wait(10)
        for i in range(1, 100):
            progress(i, 100)
            reached.append(i)
        return "not this"

    job = BackgroundJob(work).start()
    job.cancel()
    gate.set()
    job.join(10)
    assert job.snapshot()["state"] == "cancelled" and job.snapshot()["result"] is None and reached == []


def test_job__an_error_is_kept_as_the_error_object():
    from lunarmap.errors import GeometryError

    err = GeometryError("no region")

    def work(progress):
        raise err

    job = BackgroundJob(work).start()
    job.join(10)
    assert job.snapshot()["state"] == "error" and job.snapshot()["error"] is err


# ------------------------------------------------------------------ the section
def _script() -> None:
    import json as _json
    import os as _os
    from pathlib import Path as _Path

    import streamlit as st

    from lunarmap.sites import load_sites
    from lunarmap_ui import best_sites_panel as bp

    st.text(_json.dumps({"overlays": bp.best_site_overlays(), "legend": bp.best_sites_legend()}))
    bp.best_sites_section(load_sites(), _Path(_os.environ["LUNARMAP_DATA_DIR"]), workers=1)


def _page(monkeypatch, data_dir: Path) -> AppTest:
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    at = AppTest.from_function(_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> dict:
    return json.loads(at.text[0].value)


@pytest.mark.realdata
def test_section__finds_ranked_places_in_the_background_and_puts_numbered_markers_on_the_map(
        monkeypatch, prepared_data_dir):
    at = _page(monkeypatch, prepared_data_dir)
    assert _shown(at) == {"overlays": [], "legend": []}
    region = next(o for o in at.selectbox(key="best_sites_region").options if o.startswith("Artemis III candidate: "
                                                                                             "Mons Mouton ("))
    at.selectbox(key="best_sites_region").set_value(region)
    at.number_input(key="best_min_sunlit").set_value(40.0)
    at.number_input(key="best_top").set_value(3)
    t0 = time.monotonic()
    at.button(key="FormSubmitter:best_sites_form-Find best sites").click().run()
    assert time.monotonic() - t0 < 20, "the page run does not wait for the search"
    assert not at.exception, at.exception
    job = at.session_state["best_sites_job"]
    job.join(300)
    assert job.snapshot()["state"] == "done", job.snapshot()
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "sunlit (%)" in d.value.columns)
    assert list(table["#"]) == [1, 2, 3] and (table["sunlit (%)"] >= 40).all()
    assert list(table["sunlit (%)"]) == sorted(table["sunlit (%)"], reverse=True)
    assert any("of " in m.value and "points meet every criterion" in m.value for m in at.markdown)
    assert any("points " in c.value and " km apart" in c.value and "sunlit at least 40 %" in c.value
               for c in at.caption)
    shown = _shown(at)
    dots, labels = shown["overlays"]
    assert dots["id"] == "marker-best-sites" and dots["@@type"] == "ScatterplotLayer" and len(dots["data"]) == 3
    assert [r["label"] for r in labels["data"]] == ["1", "2", "3"]
    assert shown["legend"][0]["title"] == "Best sites"
    # a candidate becomes a site of the comparison (this session only)
    at.button(key="best_sites_compare").click().run()
    assert not at.exception, at.exception
    (added,) = at.session_state["compare_extra_sites"]
    assert added.name.startswith("Best site #1 in Artemis III candidate: Mons Mouton") and not added.is_region
    assert added.id in at.session_state["compare_ids"]
    # a candidate becomes the centre of a new keep-out zone
    at.button(key="best_sites_zone").click().run()
    zones = at.session_state["zones"]
    assert len(zones) == 1 and zones[0].radius_km == 5.0 and "best site #1" in zones[0].purpose


def test_section__without_data_the_search_ends_with_the_error_said_plainly(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path)           # an empty data folder: no elevation to compute horizons on
    at.button(key="FormSubmitter:best_sites_form-Find best sites").click().run()
    job = at.session_state["best_sites_job"]
    job.join(60)
    assert job.snapshot()["state"] == "error"
    at.run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning] + [e.value for e in at.error]
    assert any("The best sites could not be found" in t and "Data not available" in t for t in said), said
    assert _shown(at) == {"overlays": [], "legend": []}
