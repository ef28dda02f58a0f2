"""The sunlit-% map job (background thread, progress, cancel) and its session state, on the real data."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from lunarmap.sunlit_map import clip_view, sunlit_rgba
from lunarmap.visibility import _grid_in, region_visibility
from lunarmap_ui.static_files import STATIC_URL_PREFIX
from lunarmap_ui.sunlit_panel import LAYER_ID, SunlitJob

from .apptest_page import fresh_caches  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.realdata

WINDOW = ("2027-01-01", 5.0, 6.0, 2.0)   # start, days, step hours, mast m


class RecordingJob(SunlitJob):
    """A job that records its progress reports, and cancels itself at report ``cancel_at`` if given."""

    def __init__(self, *args, cancel_at: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[int, int]] = []
        self.cancel_at = cancel_at

    def _progress(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        if self.cancel_at is not None and len(self.calls) >= self.cancel_at:
            self.cancel()
        super()._progress(done, total)


def _wait(job: SunlitJob, seconds: float = 120.0) -> dict:
    job.join(seconds)
    snap = job.snapshot()
    assert snap["state"] != "running", "the job did not end in time"
    return snap


def test_job__reports_progress_and_finishes_with_a_published_image(prepared_data_dir, tmp_path):
    polygon = clip_view(-4_000, -4_000, 4_000, 4_000)
    job = RecordingJob(polygon, 1.0, WINDOW, str(prepared_data_dir), seq=7, workers=1, static_dir=tmp_path).start()
    assert job.snapshot()["state"] == "running"
    snap = _wait(job)
    assert snap["state"] == "done", snap["error"]
    n = _grid_in(polygon, 1.0)[0].size
    assert job.calls and job.calls[-1] == (n, n) and all(t == n for _, t in job.calls)
    assert snap["done"] == snap["total"] == n and snap["left_s"] is None and snap["elapsed_s"] > 0
    layer = snap["result"]
    assert layer.n_points == n and layer.spacing_km == 1.0 and layer.seq == 7
    assert layer.window_text == "2027-01-01 + 5 d every 6 h, mast 2 m"
    assert layer.url.startswith(STATIC_URL_PREFIX + "sunlit-") and layer.url.endswith(".png")
    png = Image.open(tmp_path / layer.url.removeprefix(STATIC_URL_PREFIX))
    rgba = np.asarray(png)
    assert png.mode == "RGBA" and (rgba[..., 3] > 0).mean() > 0.8   # the whole square view is covered
    assert layer.bounds_m == pytest.approx((-4_000, -4_000, 4_000, 4_000), abs=700)
    assert f"{n:,} points 1 km apart" in layer.legend["note"] and "3 deg of azimuth" in layer.legend["note"]
    # the image's colours are the library's numbers for the same grid, window and azimuth step
    ref = region_visibility(polygon, "2027-01-01", days=5.0, step_hours=6.0, spacing_km=1.0, mast_m=2.0,
                            azimuth_step_deg=3.0, data_dir=prepared_data_dir, workers=1)
    assert ref.n_points == n and ref.sunlit_fraction.min() < ref.sunlit_fraction.max(), "light and shadow here"
    expected = {tuple(c) for c in sunlit_rgba(100.0 * ref.sunlit_fraction).tolist()}
    drawn = {tuple(c) for c in rgba[rgba[..., 3] > 0].tolist()}
    assert drawn == expected


def test_job__cancelled_at_a_progress_report_stops_without_a_layer(prepared_data_dir, tmp_path):
    polygon = clip_view(-10_000, -10_000, 10_000, 10_000)   # ~400 points: two progress reports
    job = RecordingJob(polygon, 1.0, WINDOW, str(prepared_data_dir), workers=1, static_dir=tmp_path,
                       cancel_at=1).start()
    snap = _wait(job)
    assert snap["state"] == "cancelled" and snap["result"] is None and job.cancel_requested
    assert len(job.calls) == 1 and job.calls[0][0] < job.calls[0][1], "stopped at the first report"
    assert not list(tmp_path.iterdir()), "nothing published"


def test_job__library_error_is_kept_as_the_error_object(prepared_data_dir, tmp_path):
    """The job keeps the exception (class, message, traceback): lunarmap_ui.errors decides how it is shown."""
    from lunarmap.errors import TimeWindowError

    job = SunlitJob(clip_view(-4_000, -4_000, 4_000, 4_000), 1.0, ("2050-12-20", 30.0, 2.0, 2.0),
                    str(prepared_data_dir), workers=1, static_dir=tmp_path).start()
    snap = _wait(job)
    assert snap["state"] == "error" and isinstance(snap["error"], TimeWindowError)
    assert "ephemeris coverage" in str(snap["error"]) and snap["error"].__traceback__ is not None


def _session_script() -> None:
    import json as _json
    import os as _os

    import streamlit as st

    from lunarmap_ui import sunlit_panel as sp

    bounds = _json.loads(_os.environ["SUNLIT_TEST_BOUNDS"])
    if st.button("request", key="request"):
        sp.start_job({**bounds, "zoom": 9, "seq": 1}, data_dir=_os.environ["LUNARMAP_DATA_DIR"], workers=1)
    st.text(_json.dumps({"overlays": sp.sunlit_overlays(), "legend": sp.sunlit_legend()}))
    sp.sunlit_status()


def _page(monkeypatch, data_dir: Path, bounds: dict) -> AppTest:
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SUNLIT_TEST_BOUNDS", json.dumps(bounds))
    at = AppTest.from_function(_session_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> dict:
    return json.loads(at.text[0].value)


def test_session__request_runs_in_the_background_then_the_layer_and_legend_appear_only_in_that_session(
        monkeypatch, prepared_data_dir):
    bounds = {"x0": -3_000, "y0": -3_000, "x1": 3_000, "y1": 3_000}
    at = _page(monkeypatch, prepared_data_dir, bounds)
    assert _shown(at) == {"overlays": [], "legend": []}
    assert any("Sunlit % here" in c.value for c in at.caption)
    t0 = time.monotonic()
    at.button(key="request").click().run()
    assert time.monotonic() - t0 < 10, "the page run does not wait for the job"
    job = at.session_state["sunlit_job"]
    assert isinstance(job, SunlitJob)
    _wait(job)
    at.run()
    assert not at.exception, at.exception
    shown = _shown(at)
    (layer,) = shown["overlays"]
    assert layer["id"] == LAYER_ID and layer["@@type"] == "BitmapLayer" and layer["image"].startswith("app/static/sunlit-")
    (legend,) = shown["legend"]
    assert legend["title"] == "Sunlit" and legend["units"] == "% of the window"
    assert "2027-01-01 00:00 to 2027-01-31 00:00 UTC every 2 h" in legend["note"], "the visibility defaults"
    assert any("points every 1 km" in c.value for c in at.caption)
    # another browser session has neither the job nor the layer
    other = _page(monkeypatch, prepared_data_dir, bounds)
    assert _shown(other) == {"overlays": [], "legend": []}
    assert "sunlit_job" not in other.session_state
    # the toggle hides the layer, the clear button removes it
    at.toggle(key="sunlit_show").set_value(False).run()
    assert _shown(at)["overlays"] == []
    at.toggle(key="sunlit_show").set_value(True).run()
    assert len(_shown(at)["overlays"]) == 1
    at.button(key="sunlit_clear").click().run()
    at.run()
    assert _shown(at) == {"overlays": [], "legend": []}


def test_session__a_view_outside_the_data_is_a_warning_and_no_job(monkeypatch, prepared_data_dir):
    at = _page(monkeypatch, prepared_data_dir, {"x0": 2_000_000, "y0": 2_000_000, "x1": 2_100_000, "y1": 2_100_000})
    at.button(key="request").click().run()
    assert not at.exception, at.exception
    assert at.session_state["sunlit_job"] is None
    assert any("could not be computed" in w.value and "outside the data" in w.value for w in at.warning)
