"""The map's measure and profile tools: their triggers, their answers in the map's data, and the panel beside the map.

Size: about 410 lines: measure, profile and the sunlit % along the line share one panel; the sunlit job
(about 100 lines) is the seam to move out.

Measure (toolbar "Measure", key M): every click sends all the points of the measurement so far
(``measure`` trigger, IAU_2015:30135 metres); :func:`on_measure` measures them with
:func:`lunarmap.measure.measure_legs` (geodesic lengths and azimuths on the Moon sphere, never map pixels)
and :func:`measure_data` hands the legs, their label texts and each leg drawn as a great circle back to
the map. Profile (toolbar "Profile", key L): a finished line sends its vertices (``profile`` trigger);
:func:`on_profile` computes :func:`lunarmap.profile.elevation_profile` (1,000 samples) and its chart payload
(:func:`lunarmap.profile_export.profile_payload`), kept in session state by the vertices so a rerun of the
map fragment never computes it again; the component draws the chart under the map.

Both are map-only: their callbacks run in the map fragment and never ask for a whole-page run.
:func:`tools_panel` lists the legs (with a copyable text and a CSV download) and offers the profile's CSV and,
on demand, the sunlit % at points along the line (:func:`lunarmap.profile.profile_sunlit` in a
:class:`~lunarmap_ui.jobs.BackgroundJob`, with progress; one page run when it ends, to stop the polling);
:func:`profile_between_sites` is the selection panel's "Profile between the selected sites".
:func:`start_warm_up` reads the profile's data in the background once per process, so the first profile a user
draws answers as fast as the next (bench/bench_profile.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lunarmap.crs import LONLAT_CODE, SOUTH_POLAR_CODE, lonlat_to_polar
from lunarmap.errors import GeometryError, LunarmapError
from lunarmap.horizon_cache import data_stamp
from lunarmap.measure import Measurement, measure_legs, parse_points
from lunarmap.paths import data_dir as default_data_dir
from lunarmap.profile import DEFAULT_SAMPLES, Profile, elevation_profile, path_samples, profile_sunlit, warm_up
from lunarmap.profile_export import profile_csv, profile_payload, sunlit_payload
from lunarmap.sites import SiteCatalog

from .errors import error_words, log_error, show_error
from .jobs import BackgroundJob, format_seconds
from .map_component import trigger_value
from .page import K_MAP, K_SELECTED, fly_to, md_text
from .timing import timed

__all__ = ["K_MEASURE", "K_PROFILE", "K_PROFILE_CACHE", "MAX_POINTS", "LEG_PATH_POINTS", "on_measure", "on_profile",
           "measure_data", "profile_data", "set_measure", "set_profile", "tools_panel", "profile_between_sites",
           "K_SUNLIT_JOB", "SUNLIT_POINTS", "start_sunlit", "start_warm_up"]

logger = logging.getLogger(__name__)

K_MEASURE = "measure_tool"
K_PROFILE = "profile_tool"
K_PROFILE_CACHE = "profile_tool_cache"
K_PROFILE_CSV = "profile_tool_csv"
K_SUNLIT_JOB = "profile_sunlit_job"
#: Points along the line whose sunlit % the on-demand button computes (each needs a terrain horizon).
SUNLIT_POINTS = 20
#: Seconds between progress updates of the sunlit computation.
SUNLIT_POLL_S = 1.0
#: Most points of one measurement or vertices of one profile line the page takes.
MAX_POINTS = 500
#: Points along each measured leg drawn on the map (the leg is a great circle, curved on the polar map).
LEG_PATH_POINTS = 48
#: Profiles kept in session state (by their vertices).
_CACHE_SIZE = 4
#: PSR crossings listed beside the map (the longest; the chart and the CSV have all).
_PSR_LINES = 5


# ----------------------------------------------------------------- measure
def _points(value: Any, name: str, key: str) -> list[list[float]]:
    pts = value.get(key) if isinstance(value, dict) else None
    if not isinstance(pts, list) or not pts:
        raise GeometryError(f"{name}: the map sent no points; click the map again.")
    if len(pts) > MAX_POINTS:
        raise GeometryError(f"{name}: {len(pts)} points is more than {MAX_POINTS}; start a new one with Esc.")
    try:
        return [[float(p[0]), float(p[1])] for p in pts]
    except (TypeError, ValueError, IndexError) as err:
        bad = next(p for p in pts if not _is_pair(p))
        raise GeometryError(f"{name}: points must be [x, y] pairs of metres (got {bad!r}); click the map "
                            "again.") from err


def _is_pair(p: Any) -> bool:
    try:
        float(p[0]), float(p[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return False
    return True


def _leg_path(m: Measurement, i: int) -> list[list[float]]:
    """Leg ``i`` (0-based) as a great circle of :data:`LEG_PATH_POINTS` points in map metres."""
    _, lon, lat, _, _ = path_samples(m.lon_deg[i:i + 2], m.lat_deg[i:i + 2], samples=LEG_PATH_POINTS)
    x, y = lonlat_to_polar(lon, lat)
    return [[round(float(a), 3), round(float(b), 3)] for a, b in zip(np.atleast_1d(x), np.atleast_1d(y), strict=True)]


def set_measure(points: Sequence[Sequence[float]], seq: int) -> None:
    """Measure ``points`` (map metres) and keep the answer (or the error) for the map and the panel."""
    state: dict[str, Any] = {"seq": int(seq), "points": [list(map(float, p)) for p in points], "result": None,
                             "error": None}
    try:
        if len(points) >= 2:
            state["result"] = measure_legs(points, SOUTH_POLAR_CODE)
        else:
            parse_points(points, SOUTH_POLAR_CODE, "measure", min_points=1)   # one point: on the map?
    except LunarmapError as err:
        log_error(err, "measure")
        state["error"] = err
    st.session_state[K_MEASURE] = state


def on_measure() -> None:
    """The ``measure`` trigger: the points clicked so far (map-only: no whole-page run)."""
    value = trigger_value(K_MAP, "measure")
    if not value:
        return
    seq = int(value.get("seq") or 0)
    try:
        points = _points(value, "measure", "points")
    except GeometryError as err:
        st.session_state[K_MEASURE] = {"seq": seq, "points": [], "result": None, "error": err}
        return
    set_measure(points, seq)


def measure_data() -> dict[str, Any] | None:
    """The measure tool's answer in the map's data (protocol ``measure``), or None."""
    state = st.session_state.get(K_MEASURE)
    if not state:
        return None
    m: Measurement | None = state["result"]
    legs = []
    if m is not None:
        for i, leg in enumerate(m.legs):
            path = _leg_path(m, i)
            legs.append({"length_m": leg.length_m, "azimuth_deg": leg.azimuth_deg, "total_m": leg.total_m,
                         "label": f"{leg.length_m / 1000:,.3f} km · {leg.azimuth_deg:.1f}°",
                         "total_label": f"total {leg.total_m / 1000:,.3f} km",
                         "mid": path[len(path) // 2], "path": path})
    err = state["error"]
    return {"seq": state["seq"], "points": state["points"], "legs": legs, "total_m": m.total_m if m else None,
            "error": error_words(err) if err is not None else None}


# ----------------------------------------------------------------- profile
def _cache_key(vertices: Sequence[Sequence[float]], crs: str, data_dir: Path | None = None) -> tuple:
    """The line (vertices to the mm or 1e-3 deg, CRS) and the elevation data it is profiled on: the data folder's
    DEMs and the full-resolution DEMs pointed at (:func:`lunarmap.horizon_cache.data_stamp`), so pointing at a DEM
    or changing a file profiles the same line afresh."""
    stamp = data_stamp(data_dir or default_data_dir())
    return (crs, stamp, *((round(float(a), 3), round(float(b), 3)) for a, b in vertices))


def _computed(vertices: Sequence[Sequence[float]], crs: str, data_dir: Path | None,
              key: tuple) -> tuple[Profile, dict[str, Any]]:
    """The profile and its payload, from the session's cache when the same line was profiled before on the same data."""
    cache: dict[tuple, tuple[Profile, dict[str, Any]]] = st.session_state.setdefault(K_PROFILE_CACHE, {})
    if key not in cache:
        prof = elevation_profile(vertices, crs, samples=DEFAULT_SAMPLES, data_dir=data_dir or default_data_dir())
        cache[key] = (prof, profile_payload(prof))
        while len(cache) > _CACHE_SIZE:
            cache.pop(next(iter(cache)))
    else:
        cache[key] = cache.pop(key)          # most recently used last
    return cache[key]


def set_profile(vertices: Sequence[Sequence[float]], seq: int, crs: str = SOUTH_POLAR_CODE,
                data_dir: Path | None = None) -> None:
    """Profile the line through ``vertices`` (in ``crs``) and keep the answer (or the error) for the map and the panel."""
    state: dict[str, Any] = {"seq": int(seq), "vertices": [], "key": None, "error": None}
    try:
        key = _cache_key(vertices, crs, data_dir)
        prof, _ = _computed(vertices, crs, data_dir, key)
        state["vertices"] = [[float(a), float(b)] for a, b in zip(prof.vertex_x_m, prof.vertex_y_m, strict=True)]
        state["key"] = key
    except LunarmapError as err:
        log_error(err, "profile")
        state["error"] = err
        if crs == SOUTH_POLAR_CODE:
            state["vertices"] = [[float(a), float(b)] for a, b in vertices]
    st.session_state[K_PROFILE] = state


def on_profile() -> None:
    """The ``profile`` trigger: a finished line's vertices (map-only: no whole-page run)."""
    value = trigger_value(K_MAP, "profile")
    if not value:
        return
    seq = int(value.get("seq") or 0)
    try:
        vertices = _points(value, "profile", "vertices")
    except GeometryError as err:
        st.session_state[K_PROFILE] = {"seq": seq, "vertices": [], "key": None, "error": err}
        return
    with timed("profile-callback"):          # logged with LUNARMAP_TIMING (bench/bench_profile_page.py)
        set_profile(vertices, seq)


def _current_profile() -> tuple[Profile, dict[str, Any]] | None:
    state = st.session_state.get(K_PROFILE)
    if not state or state.get("key") is None:
        return None
    return st.session_state.get(K_PROFILE_CACHE, {}).get(state["key"])


def profile_data() -> dict[str, Any] | None:
    """The profile tool's answer in the map's data (protocol ``profile``): the chart payload, or None."""
    state = st.session_state.get(K_PROFILE)
    if not state:
        return None
    got = _current_profile()
    err = state["error"]
    return {"seq": state["seq"], "vertices": state["vertices"], "payload": got[1] if got else None,
            "error": error_words(err) if err is not None else None}


def profile_between_sites(catalog: SiteCatalog, data_dir: Path) -> None:
    """Below the selection: "Profile between the selected sites" (two or more), along them in the order chosen."""
    chosen = [catalog[i] for i in st.session_state.get(K_SELECTED, []) if i in catalog.ids]
    if len(chosen) < 2:
        return

    def run() -> None:
        lonlat = [s.lonlat for s in chosen]
        prev = st.session_state.get(K_PROFILE) or {}
        set_profile(lonlat, int(prev.get("seq") or 0), LONLAT_CODE, data_dir)
        got = _current_profile()
        if got is not None:                   # frame the line: its middle, a little wider than it is long
            prof = got[0]
            mid = prof.n // 2
            fly_to(float(prof.lon_deg[mid]), float(prof.lat_deg[mid]), max(prof.total_m / 1000.0 * 1.3, 20.0))

    st.button("Profile between the selected sites", key="profile_selected_sites", on_click=run,
              icon=":material/timeline:",
              help="Elevation, slope and permanent shadow along great-circle arcs through the selected sites "
                   "(region centres), in the order they were chosen; the chart is drawn under the map.")


# ----------------------------------------------------------------- the panel
def _clear(key: str) -> None:
    st.session_state[key] = None


def _measure_panel() -> None:
    state = st.session_state.get(K_MEASURE)
    if not state:
        return
    st.subheader("Measure")
    if state["error"] is not None:
        show_error(state["error"], "The points could not be measured")
    m: Measurement | None = state["result"]
    if m is None:
        if state["error"] is None:
            st.caption("Click a second point to measure the first leg; Esc ends the measurement.")
        return
    rows = pd.DataFrame({"Leg": [leg.index for leg in m.legs],
                         "Length (km)": [round(leg.length_m / 1000.0, 3) for leg in m.legs],
                         "Azimuth (°)": [round(leg.azimuth_deg, 1) for leg in m.legs],
                         "Total (km)": [round(leg.total_m / 1000.0, 3) for leg in m.legs]})
    st.dataframe(rows, hide_index=True, key="measure_legs_table")
    st.markdown(f"**Total {m.total_m / 1000.0:,.3f} km** (geodesic on the Moon sphere, to the metre)")
    st.code(m.to_text(), language=None, wrap_lines=False)
    c1, c2 = st.columns(2)
    c1.download_button("Legs as CSV", m.to_csv(), file_name="lunarmap-measure.csv", mime="text/csv",
                       key="measure_csv", icon=":material/download:")
    c2.button("Clear", key="measure_clear", on_click=_clear, args=(K_MEASURE,))


def _profile_panel() -> None:
    state = st.session_state.get(K_PROFILE)
    if not state:
        return
    st.subheader("Profile")
    if state["error"] is not None:
        show_error(state["error"], "The profile could not be computed")
    got = _current_profile()
    if got is not None:
        prof, payload = got
        elev = prof.elevation_m[np.isfinite(prof.elevation_m)]
        lines = [f"{prof.total_m / 1000.0:,.3f} km, {prof.n:,} samples every {prof.spacing_m:,.1f} m"]
        if elev.size:
            lines.append(f"elevation {elev.min():,.0f} to {elev.max():,.0f} m")
        longest = sorted(prof.psr_bands, key=lambda b: b.start_m - b.end_m)[:_PSR_LINES]     # the longest ones
        for b in sorted(longest, key=lambda b: b.start_m):
            where = f" ({md_text(b.place)})" if b.place else ""
            lines.append(f"PSR {b.start_m / 1000.0:,.2f}–{b.end_m / 1000.0:,.2f} km{where}")
        if len(prof.psr_bands) > _PSR_LINES:
            lines.append(f"and {len(prof.psr_bands) - _PSR_LINES} shorter PSR crossings (all in the chart and the CSV)")
        lines.append(f"elevation from {md_text(payload['sources']['elevation'])}")
        lines += [md_text(error_words(p)) for p in prof.elevation_problems]     # a finer DEM out of reach, and why
        st.caption("  \n".join(lines))
        st.download_button("Profile as CSV", _csv_of(state["key"], prof), file_name="lunarmap-profile.csv",
                           mime="text/csv", key="profile_csv", icon=":material/download:")
        _sunlit_part(state["key"], prof)
    st.button("Clear profile", key="profile_clear", on_click=_clear, args=(K_PROFILE,))


# ----------------------------------------------------------------- sunlit % along the line, on demand
def start_sunlit(key: tuple, prof: Profile, data_dir: Path | None = None, workers: int | None = None) -> BackgroundJob:
    """Start the sunlit % at :data:`SUNLIT_POINTS` points along ``prof`` in the background (cancelling the one running).

    The window, step and mast are the "Sunlight and Earth visibility" section's (the same as every sunlit figure
    on the page). ``workers``: processes for the horizons (default: the CPU count).
    """
    from .visibility_panel import chosen_window

    old = st.session_state.get(K_SUNLIT_JOB)
    if old is not None:
        old[1].cancel()
    start, days, step, mast = chosen_window()
    root = data_dir or default_data_dir()

    def work(progress) -> dict[str, Any]:
        along = profile_sunlit(prof, start, days=days, step_hours=step, mast_m=mast, points=SUNLIT_POINTS,
                               data_dir=root, workers=workers, progress=progress)
        return sunlit_payload(along)

    job = BackgroundJob(work, name="lunarmap-profile-sunlit").start()
    st.session_state[K_SUNLIT_JOB] = (key, job)
    return job


def _sunlit_status(key: tuple, polling: bool) -> None:
    """Progress of the sunlit computation of this profile, then its table (a fragment polling while it runs).

    When the work ends while this fragment polls, one page run follows: it registers the fragment again without
    polling (the map fragment that holds it cannot be rerun from inside).
    """
    held = st.session_state.get(K_SUNLIT_JOB)
    if not held or held[0] != key:
        return
    job: BackgroundJob = held[1]
    snap = job.snapshot()
    if polling and snap["state"] != "running":
        st.rerun(scope="app")
    if snap["state"] == "running":
        total = snap["total"]
        what = f"{snap['done']} of {total} points" if total else "starting"
        left = f", about {format_seconds(snap['left_s'])} left" if snap["left_s"] is not None else ""
        st.progress(min(snap["done"] / total, 1.0) if total else 0.0,
                    text=f"Sunlit % along the line: {what}, {format_seconds(snap['elapsed_s'])} elapsed{left}")
        if st.button("Cancel", key="profile_sunlit_cancel"):
            job.cancel()
        return
    if snap["state"] == "error":
        show_error(snap["error"], "The sunlit % along the line could not be computed")
        return
    if snap["state"] == "cancelled":
        st.caption("The sunlit % along the line was cancelled.")
        return
    got = snap["result"]
    st.dataframe(pd.DataFrame({"Distance (km)": np.round(np.asarray(got["distance_m"], dtype=float) / 1000.0, 2),
                               "Sunlit (%)": got["sunlit_pct"], "Earth visible (%)": got["earth_pct"]}),
                 hide_index=True, key="profile_sunlit_table")
    st.caption(f"{got['start_utc'][:16]} to {got['end_utc'][:16]} UTC every {got['step_hours']:g} h; "
               f"{md_text(got['method'])}")


def _sunlit_part(key: tuple, prof: Profile) -> None:
    """The button that computes sunlit % along the line, and its progress and result (polled while running)."""
    st.button(f"Sunlit % along the line ({SUNLIT_POINTS} points)", key="profile_sunlit_start",
              on_click=start_sunlit, args=(key, prof), icon=":material/wb_sunny:",
              help="Share of the window (Sunlight and Earth visibility section) the Sun is above the terrain "
                   "horizon at points spread evenly along the line; a horizon per point, so it takes a while.")
    held = st.session_state.get(K_SUNLIT_JOB)
    running = bool(held and held[0] == key and held[1].snapshot()["state"] == "running")
    st.fragment(_sunlit_status, run_every=SUNLIT_POLL_S if running else None)(key, running)


def _csv_of(key: tuple, prof: Profile) -> str:
    """The profile's CSV, made once per profile (a rerun of the fragment reuses it)."""
    store: dict[tuple, str] = st.session_state.setdefault(K_PROFILE_CSV, {})
    if key not in store:
        store.clear()
        store[key] = profile_csv(prof)
    return store[key]


@st.cache_resource(show_spinner=False)
def _warm_up_thread(data_dir: str) -> threading.Thread:
    thread = threading.Thread(target=warm_up, args=(data_dir,), name="lunarmap-profile-warm-up", daemon=True)
    thread.start()
    return thread


def start_warm_up(data_dir: Path | None = None) -> threading.Thread:
    """Read the profile's data in a background thread, once per server process and data folder.

    The first profile of a process would otherwise read the DEMs, the PSR maps and outlines and the gazetteer
    (:func:`lunarmap.profile.warm_up`; about 0.2 s, more on a busy machine) while the user waits for the chart.
    Started beside the map, after the map's data has been sent, so the page's first paint does not wait for it;
    Streamlit's resource cache keeps the thread, so later runs and sessions start nothing.
    """
    return _warm_up_thread(str(data_dir or default_data_dir()))


def tools_panel() -> None:
    """Beside the map: the measured legs (copyable text, CSV) and the profile's summary and CSV.

    Also starts the profile's warm-up (:func:`start_warm_up`) on the page's first run in this process.
    """
    start_warm_up()
    _measure_panel()
    _profile_panel()
