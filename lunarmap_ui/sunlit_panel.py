"""The sunlit-% map layer over the area in view: a background job per browser session, its status and the layer.

The map's toolbar sends the trigger ``region`` = ``{"x0", "y0", "x1", "y1"
(the view's bounds in IAU_2015:30135 metres), "zoom", "seq"}``;
:func:`on_region_request` (the map's ``on_region`` callback) clips the view to
the data, chooses the grid spacing and starts a :class:`SunlitJob`: a thread in
this server process running :func:`lunarmap.visibility.region_visibility`
(which uses worker processes for large grids) with the visibility section's
window, step and mast height. One job per session, kept in
``st.session_state``; a new request cancels the one running. The status
fragment (:func:`sunlit_status`) shows its progress and, when it is done,
reruns the page so the map gets the layer (:func:`sunlit_overlays`,
:func:`sunlit_legend`). Every number comes from :mod:`lunarmap.sunlit_map` and
:mod:`lunarmap.visibility`.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydeck as pdk
import streamlit as st
from shapely.geometry import Polygon

from lunarmap import layers as L
from lunarmap.errors import LunarmapError
from lunarmap.paths import data_dir as default_data_dir
from lunarmap.sunlit_map import (
    MAP_AZIMUTH_STEP_DEG,
    choose_spacing_km,
    clip_view,
    png_bytes,
    sunlit_image,
)
from lunarmap.sunlit_map import (
    sunlit_legend as legend_entry,
)
from lunarmap.visibility import region_visibility

from . import page
from .errors import show_error
from .page import md_text
from .static_files import publish
from .visibility_panel import chosen_window

__all__ = [
    "K_SUNLIT_JOB", "K_SUNLIT_LAYER", "K_SUNLIT_SHOW", "K_SUNLIT_DRAWN", "K_SUNLIT_PROBLEM", "LAYER_ID", "REGION_LABEL",
    "POLL_SECONDS", "SunlitLayer", "SunlitJob", "region_request", "start_job",
    "on_region_request", "sunlit_overlays", "sunlit_legend", "sunlit_status",
]

K_SUNLIT_JOB = "sunlit_job"
K_SUNLIT_LAYER = "sunlit_layer"
K_SUNLIT_SHOW = "sunlit_show"
K_SUNLIT_DRAWN = "sunlit_drawn"
K_SUNLIT_PROBLEM = "sunlit_problem"
K_SUNLIT_CANCEL = "sunlit_cancel"
K_SUNLIT_CLEAR = "sunlit_clear"
LAYER_ID = "sunlit-map"
#: The map toolbar's button that sends the view (trigger "region").
REGION_LABEL = "Sunlit % here"
POLL_SECONDS = 1.0


class _JobCancelled(Exception):
    """Raised inside the job's progress callback to stop the computation (never leaves :meth:`SunlitJob._run`)."""


@dataclass(frozen=True)
class SunlitLayer:
    """A finished layer: the image's URL and bounds (30135 metres), its legend entry and what it was computed for."""

    url: str
    bounds_m: tuple[float, float, float, float]
    legend: dict
    spacing_km: float
    n_points: int
    window_text: str
    seconds: float
    seq: Any


@dataclass
class SunlitJob:
    """One computation in a background thread; progress and outcome are read under a lock from the page."""

    polygon: Polygon
    spacing_km: float
    window: tuple[str, float, float, float]
    data_dir: str
    seq: Any = None
    azimuth_step_deg: float = MAP_AZIMUTH_STEP_DEG
    workers: int | None = None
    static_dir: Path | None = None
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _done: int = 0
    _total: int = 0
    _state: str = "running"
    _error: BaseException | None = None
    _result: SunlitLayer | None = None
    _finished: float | None = None
    adopted: bool = False

    @property
    def window_text(self) -> str:
        """The window as shown next to the progress bar and in the legend."""
        start, days, step, mast = self.window
        return f"{start} + {days:g} d every {step:g} h, mast {mast:g} m"

    def start(self) -> SunlitJob:
        """Run the job in a daemon thread (returns at once)."""
        self._thread = threading.Thread(target=self._run, name="lunarmap-sunlit", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the job to stop; it stops at its next progress report."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def snapshot(self) -> dict[str, Any]:
        """State, points done and total, seconds elapsed, an estimate of the seconds left (None if unknown), the error.

        ``"error"`` is the exception that ended the job (state ``"error"``), else None.
        """
        with self._lock:
            end = self._finished if self._finished is not None else time.monotonic()
            elapsed = end - self.started
            left = None
            if self._state == "running" and 0 < self._done < self._total:
                left = elapsed * (self._total - self._done) / self._done
            return {"state": self._state, "done": self._done, "total": self._total, "elapsed_s": elapsed,
                    "left_s": left, "error": self._error, "result": self._result}

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = int(done), int(total)
        if self._cancel.is_set():
            raise _JobCancelled()

    def _finish(self, state: str, error: BaseException | None = None, result: SunlitLayer | None = None) -> None:
        with self._lock:
            self._state, self._error, self._result = state, error, result
            self._finished = time.monotonic()

    def _run(self) -> None:
        start, days, step, mast = self.window
        try:
            result = region_visibility(self.polygon, start, days=days, step_hours=step, spacing_km=self.spacing_km,
                                       mast_m=mast, azimuth_step_deg=self.azimuth_step_deg, data_dir=self.data_dir,
                                       workers=self.workers, progress=self._progress)
            if self._cancel.is_set():
                raise _JobCancelled()
            image = sunlit_image(result, self.polygon)
            with tempfile.TemporaryDirectory(prefix="lunarmap-sunlit-") as tmp:
                path = Path(tmp) / "sunlit.png"
                path.write_bytes(png_bytes(image))
                url = publish(path, stem="sunlit", static_dir=self.static_dir)
            legend = legend_entry(result, mast, self.azimuth_step_deg)
            layer = SunlitLayer(url, image.bounds_m, legend, result.spacing_km, result.n_points, self.window_text,
                                time.monotonic() - self.started, self.seq)
            with self._lock:
                self._done = self._total = result.n_points
            self._finish("done", result=layer)
        except _JobCancelled:
            self._finish("cancelled")
        except Exception as err:  # noqa: BLE001 - the page shows any failure instead of a silent dead thread
            self._finish("error", error=err)    # the error itself: lunarmap_ui.errors logs and shows it


def region_request() -> dict | None:
    """The map's last ``region`` trigger payload, or None."""
    try:
        from .map_component import trigger_value  # type: ignore[attr-defined]
    except ImportError:
        state = st.session_state.get(page.K_MAP)
        value = state.get("region") if hasattr(state, "get") else None
    else:
        value = trigger_value(page.K_MAP, "region")
    return value if isinstance(value, dict) else None


def start_job(payload: dict, data_dir: str | Path | None = None, **job_options: Any) -> SunlitJob | None:
    """Start a job for a region payload in this session (cancelling the running one); None when the view is unusable.

    A view that cannot be used (outside the data, no area) is stored as the
    session's problem and shown by :func:`sunlit_status`.
    """
    old: SunlitJob | None = st.session_state.get(K_SUNLIT_JOB)
    if old is not None:
        old.cancel()
    st.session_state[K_SUNLIT_PROBLEM] = None
    try:
        polygon = clip_view(payload.get("x0"), payload.get("y0"), payload.get("x1"), payload.get("y1"))
        spacing = choose_spacing_km(polygon)
    except LunarmapError as err:
        st.session_state[K_SUNLIT_JOB] = None
        st.session_state[K_SUNLIT_PROBLEM] = err
        return None
    folder = str(data_dir) if data_dir is not None else str(default_data_dir())
    job = SunlitJob(polygon, spacing, chosen_window(), folder, seq=payload.get("seq"), **job_options)
    st.session_state[K_SUNLIT_JOB] = job.start()
    return job


def on_region_request() -> None:
    """The map's ``on_region`` callback: start the sunlit-% job for the view sent by the map."""
    payload = region_request()
    if payload is not None:
        start_job(payload)


def _adopt_finished() -> None:
    """Move a finished job's layer into the session's layer (and show it)."""
    job: SunlitJob | None = st.session_state.get(K_SUNLIT_JOB)
    if job is None:
        return
    snap = job.snapshot()
    if snap["state"] == "done" and snap["result"] is not None and not job.adopted:
        job.adopted = True
        st.session_state[K_SUNLIT_LAYER] = snap["result"]
        st.session_state[K_SUNLIT_SHOW] = True


def _shown_layer() -> SunlitLayer | None:
    _adopt_finished()
    layer: SunlitLayer | None = st.session_state.get(K_SUNLIT_LAYER)
    return layer if layer is not None and st.session_state.get(K_SUNLIT_SHOW, True) else None


def sunlit_overlays() -> list[dict]:
    """The map layer (JSON dicts) of this session's sunlit-% result, or none (records what the map got)."""
    layer = _shown_layer()
    st.session_state[K_SUNLIT_DRAWN] = layer.url if layer is not None else None
    if layer is None:
        return []
    minx, miny, maxx, maxy = layer.bounds_m
    bitmap = pdk.Layer("BitmapLayer", id=LAYER_ID, image=pdk.types.String(layer.url),
                       bounds=[minx, miny, maxx, maxy], coordinate_system=pdk.types.String("cartesian"),
                       opacity=0.85, pickable=False)
    return L.layer_dicts([bitmap])


def sunlit_legend() -> list[dict]:
    """The layer's legend entry when the layer is shown."""
    layer = _shown_layer()
    return [dict(layer.legend)] if layer is not None else []


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _status_body(polling: bool) -> None:
    job: SunlitJob | None = st.session_state.get(K_SUNLIT_JOB)
    problem = st.session_state.get(K_SUNLIT_PROBLEM)
    if problem is not None:
        show_error(problem, "The sunlit-% map could not be computed")
    snap = job.snapshot() if job is not None else None
    if snap is not None and snap["state"] == "running":
        total = snap["total"]
        frac = snap["done"] / total if total else 0.0
        left = f", about {_fmt_s(snap['left_s'])} left" if snap["left_s"] is not None else ""
        what = (f"{snap['done']:,} of {total:,} points" if total else "preparing the grid and the Sun/Earth positions")
        st.progress(min(frac, 1.0), text=f"Sunlit-% map: {what}, {_fmt_s(snap['elapsed_s'])} elapsed{left}")
        st.caption(f"Grid every {job.spacing_km:g} km over the view; window {md_text(job.window_text)}.")
        if job.cancel_requested:
            st.caption("Cancelling ...")
        elif st.button("Cancel", key=K_SUNLIT_CANCEL):
            job.cancel()
            st.rerun(scope="fragment")
    elif snap is not None and snap["state"] == "error":
        show_error(snap["error"], "The sunlit-% map could not be computed")
    elif snap is not None and snap["state"] == "cancelled":
        st.caption("The sunlit-% computation was cancelled.")
    _adopt_finished()
    layer: SunlitLayer | None = st.session_state.get(K_SUNLIT_LAYER)
    if layer is not None:
        cols = st.columns([3, 1])
        cols[0].toggle("Show the sunlit-% layer", key=K_SUNLIT_SHOW)
        if cols[1].button("Clear the layer", key=K_SUNLIT_CLEAR):
            st.session_state[K_SUNLIT_LAYER] = None
        else:
            st.caption(f"Sunlit-% layer: {layer.n_points:,} points every {layer.spacing_km:g} km, window "
                       f"{md_text(layer.window_text)}; computed in {_fmt_s(layer.seconds)}.")
    elif snap is None and problem is None:
        st.caption("Sunlit % over the area in view: press the map's “Sunlit % here” button to compute it for the window "
                   "of Sunlight and Earth visibility (grids of up to about 100 x 100 points, 1 km at the finest).")
    # the map shows what sunlit_overlays() gave it: rerun the page when that is no longer what should be shown,
    # and when the job this fragment polls for has ended (so the polling stops)
    if K_SUNLIT_DRAWN in st.session_state:
        want = _shown_layer()
        stale = (want.url if want is not None else None) != st.session_state.get(K_SUNLIT_DRAWN)
        if stale or (polling and (snap is None or snap["state"] != "running")):
            st.rerun(scope="app")


def sunlit_status() -> None:
    """The status panel under the map: a fragment polling every second while a job runs."""
    job: SunlitJob | None = st.session_state.get(K_SUNLIT_JOB)
    running = job is not None and job.snapshot()["state"] == "running"
    st.fragment(_status_body, run_every=POLL_SECONDS if running else None)(running)
