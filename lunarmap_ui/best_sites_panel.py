"""The "Best sites in a region" section: the planner's criteria, a background finder, ranked places on the map.

The region is a catalogue region or one of this session's keep-out zones; the
window is the visibility section's. Pressing *Find best sites* starts a
:class:`~lunarmap_ui.jobs.BackgroundJob` running
:func:`lunarmap.region_stats.region_stats` (the sunlit-% engine on an
area-weighted grid), the distance of each point to the nearest PSR edge and
:func:`lunarmap.best_sites.best_sites`, with other parties' zones (owners other
than "Owner of new zones") as places to stay out of. A fragment polls the job
(progress, Cancel); the result is a table, CSV and GeoJSON downloads, numbered
markers on the map (:func:`best_site_overlays`) and a button that makes a
candidate the centre of a new keep-out zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from lunarmap import layers as L
from lunarmap.best_sites import Criteria, Ranking, best_sites, ranking_csv, ranking_geojson
from lunarmap.errors import LunarmapError
from lunarmap.region_stats import RegionStats, region_stats
from lunarmap.sites import SiteCatalog, point_site
from lunarmap.zones import circle_zone, owner_key

from .compare_panel import add_compare_site
from .errors import show_error
from .jobs import BackgroundJob, format_seconds
from .page import fly_to, md_text
from .visibility_panel import chosen_window
from .zone_state import K_NEW_OWNER, current_zones, next_name, notice_error, set_zones

__all__ = ["K_BEST_JOB", "K_BEST_RESULT", "LAYER_ID", "BestSitesResult", "region_choices", "start_finder",
           "best_site_overlays", "best_sites_section"]

K_BEST_JOB = "best_sites_job"
K_BEST_RESULT = "best_sites_result"
K_BEST_DRAWN = "best_sites_drawn"
K_BEST_RERUN_APP = "best_sites_rerun_app"
LAYER_ID = "marker-best-sites"    # "marker-": drawn above the sites and labels
POLL_SECONDS = 1.0
#: Grid points of the finder's default spacing (region-stats on the command line can go finer).
FINDER_POINTS = 1_500
_MARKER_RGB = (0, 229, 160)


@dataclass(frozen=True)
class BestSitesResult:
    """A finished search: the region's name, its statistics' description, the ranking."""

    region: str
    stats_text: str
    ranking: Ranking
    seconds: float


def region_choices(catalog: SiteCatalog) -> dict[str, tuple[str, Any]]:
    """Label -> (name, polygon in IAU_2015:30135 metres) of the catalogue regions and this session's zones."""
    out: dict[str, tuple[str, Any]] = {}
    for site in catalog:
        if site.is_region:
            out[f"{site.name} (catalogue)"] = (site.name, site.geometry_polar)
    for z in current_zones():
        out[f"{z.name} (zone of {z.owner})"] = (z.name, z.geometry_polar)
    return out


def _work(name: str, geom: Any, criteria: Criteria, top: int, keep_out: list, window: tuple, data_dir: str,
          workers: int | None = None):
    start, days, step, mast = window

    def run(progress) -> BestSitesResult:
        import time

        from lunarmap.compare_psr import nearest_psr_edges, psr_layers

        t0 = time.monotonic()
        stats: RegionStats = region_stats(geom, start, days=days, step_hours=step, mast_m=mast,
                                          max_points=FINDER_POINTS, data_dir=data_dir, workers=workers,
                                          progress=progress)
        try:
            edges = nearest_psr_edges(shapely.points(stats.grid.x_m, stats.grid.y_m), psr_layers(data_dir))
            psr_km = np.asarray(edges.distance_km, dtype=float)
        except LunarmapError:
            if criteria.max_psr_km is not None:
                raise
            psr_km = None
        ranking = best_sites(stats, criteria, top=top, keep_out=keep_out, psr_edge_km=psr_km)
        return BestSitesResult(name, stats.describe(), ranking, time.monotonic() - t0)

    return run


def start_finder(name: str, geom: Any, criteria: Criteria, top: int, data_dir: str | Path,
                 keep_out: list | None = None, workers: int | None = None) -> BackgroundJob:
    """Start the finder for one region in this session (cancelling the one running).

    ``workers``: processes for the horizons of large grids (default: the CPU count; 1 keeps them in this
    process, e.g. under a test runner whose main module worker processes cannot import)."""
    old: BackgroundJob | None = st.session_state.get(K_BEST_JOB)
    if old is not None:
        old.cancel()
    job = BackgroundJob(_work(name, geom, criteria, int(top), list(keep_out or []), chosen_window(), str(data_dir),
                              workers), name="lunarmap-best-sites").start()
    st.session_state[K_BEST_JOB] = job
    return job


def _adopt() -> BestSitesResult | None:
    job: BackgroundJob | None = st.session_state.get(K_BEST_JOB)
    if job is not None:
        snap = job.snapshot()
        if snap["state"] == "done" and snap["result"] is not None:
            st.session_state[K_BEST_RESULT] = snap["result"]
            st.session_state[K_BEST_JOB] = None
    return st.session_state.get(K_BEST_RESULT)


def best_site_overlays() -> list[dict]:
    """Numbered markers of the last search's candidates (JSON layer dicts), or none; records what the map got."""
    result = _adopt()
    cands = result.ranking.candidates if result is not None else []
    st.session_state[K_BEST_DRAWN] = id(result) if cands else None
    if not cands:
        return []
    rows = [{"position": [c.x_m, c.y_m], "label": str(c.rank), "name": f"Best site #{c.rank} in {result.region}",
             "lines": [f"{abs(c.lat_deg):.4f}° S, {c.lon_deg:.4f}° E",
                       f"sunlit {c.sunlit_pct:.1f} %, Earth {c.earth_pct:.1f} %",
                       f"longest darkness {c.longest_dark_h:.0f} h, slope {c.slope_deg:.1f}° "
                       f"({c.slope_resolution_m:,.0f} m data)"]} for c in cands]
    dots = pdk.Layer("ScatterplotLayer", id=LAYER_ID, data=rows, get_position="position", get_radius=9,
                     radius_units=pdk.types.String("pixels"), get_fill_color=[*_MARKER_RGB, 230],
                     get_line_color=[0, 0, 0, 255], line_width_min_pixels=1.5, stroked=True, pickable=True,
                     coordinate_system=pdk.types.String("cartesian"))
    labels = pdk.Layer("TextLayer", id=f"{LAYER_ID}-labels", data=rows, get_position="position", get_text="label",
                       get_size=13, get_color=[0, 0, 0, 255], font_weight=700, character_set=pdk.types.String("auto"),
                       coordinate_system=pdk.types.String("cartesian"))
    return L.layer_dicts([dots, labels])


def best_sites_legend() -> list[dict]:
    """The markers' legend entry when they are shown."""
    result = st.session_state.get(K_BEST_RESULT)
    if result is None or not result.ranking.candidates:
        return []
    return [{"title": "Best sites", "units": "", "type": "classes",
             "classes": [{"label": f"ranked places in {result.region}", "color": "#{:02x}{:02x}{:02x}".format(*_MARKER_RGB),
                          "shape": "point"}],
             "note": result.ranking.criteria.describe()}]


def _table(ranking: Ranking) -> pd.DataFrame:
    return pd.DataFrame([{"#": c.rank, "lat (°)": c.lat_deg, "lon (°)": c.lon_deg, "sunlit (%)": c.sunlit_pct,
                          "Earth visible (%)": c.earth_pct, "longest darkness (h)": c.longest_dark_h,
                          "slope (°)": c.slope_deg, "elevation (m)": c.elevation_m,
                          "PSR edge (km)": np.nan if c.psr_edge_km is None else c.psr_edge_km}
                         for c in ranking.candidates])


def _zone_here(rank: int) -> None:
    result: BestSitesResult | None = st.session_state.get(K_BEST_RESULT)
    if result is None:
        return
    c = next(c for c in result.ranking.candidates if c.rank == rank)
    zones = current_zones()
    owner = st.session_state.get(K_NEW_OWNER) or "Party A"
    try:
        zone = circle_zone(next_name(zones), owner, c.lon_deg, c.lat_deg, 5.0,
                           purpose=f"around best site #{rank} in {result.region}"[:200])
    except LunarmapError as err:
        notice_error(err, "The zone was not added")
        return
    set_zones(zones + [zone], f"Added {zone.name}: 5 km around best site #{rank} ({zone.area_km2:,.1f} km²).")


def _to_compare(rank: int) -> None:
    """Callback: candidate ``rank`` becomes a site of the comparison (the page reruns whole to show it)."""
    result: BestSitesResult | None = st.session_state.get(K_BEST_RESULT)
    if result is None:
        return
    c = next(c for c in result.ranking.candidates if c.rank == rank)
    slug = "".join(ch if ch.isalnum() else "-" for ch in result.region.lower()).strip("-")[:40].strip("-") or "region"
    try:
        site = point_site(f"best-{slug}-{rank}", f"Best site #{rank} in {result.region}", c.lon_deg, c.lat_deg,
                          f"lunarmap best-site finder: {result.ranking.basis}")
    except LunarmapError as err:
        notice_error(err, "The candidate was not added to the comparison")
        return
    add_compare_site(site)
    st.session_state[K_BEST_RERUN_APP] = True


def _status(polling: bool) -> None:
    if st.session_state.pop(K_BEST_RERUN_APP, False):
        st.rerun(scope="app")
    job: BackgroundJob | None = st.session_state.get(K_BEST_JOB)
    snap = job.snapshot() if job is not None else None
    if snap is not None and snap["state"] == "running":
        total = snap["total"]
        frac = snap["done"] / total if total else 0.0
        what = f"{snap['done']:,} of {total:,} points" if total else "laying out the grid"
        left = f", about {format_seconds(snap['left_s'])} left" if snap["left_s"] is not None else ""
        st.progress(min(frac, 1.0), text=f"Best sites: {what}, {format_seconds(snap['elapsed_s'])} elapsed{left}")
        if job.cancel_requested:
            st.caption("Cancelling ...")
        elif st.button("Cancel", key="best_sites_cancel"):
            job.cancel()
            st.rerun(scope="fragment")
    elif snap is not None and snap["state"] == "error":
        show_error(snap["error"], "The best sites could not be found")
    elif snap is not None and snap["state"] == "cancelled":
        st.caption("The search was cancelled.")
    result = _adopt()
    if polling and (snap is None or snap["state"] != "running"):
        st.rerun(scope="app")          # the map gets the markers; polling stops
    if result is None:
        return
    r = result.ranking
    st.markdown(f"**{md_text(result.region)}**: {md_text(r.message)}")
    st.caption(f"Basis: {md_text(r.basis)}. Computed in {format_seconds(result.seconds)}.")
    if r.candidates:
        st.dataframe(_table(r), hide_index=True, width="stretch",
                     column_config={"lat (°)": st.column_config.NumberColumn(format="%.4f"),
                                    "lon (°)": st.column_config.NumberColumn(format="%.4f"),
                                    "sunlit (%)": st.column_config.NumberColumn(format="%.1f"),
                                    "Earth visible (%)": st.column_config.NumberColumn(format="%.1f"),
                                    "longest darkness (h)": st.column_config.NumberColumn(format="%.0f"),
                                    "slope (°)": st.column_config.NumberColumn(format="%.1f"),
                                    "elevation (m)": st.column_config.NumberColumn(format="%.0f"),
                                    "PSR edge (km)": st.column_config.NumberColumn(format="%.1f")})
        c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 1], vertical_alignment="bottom")
        c1.download_button("Best sites as CSV", ranking_csv(r).encode("utf-8"), "lunarmap-best-sites.csv",
                           "text/csv", key="best_sites_csv")
        c2.download_button("Best sites as GeoJSON", json.dumps(ranking_geojson(r), ensure_ascii=False).encode(),
                           "lunarmap-best-sites.geojson", "application/geo+json", key="best_sites_geojson")
        first = r.candidates[0]
        # this runs in a fragment: the map lives outside it, so these rerun the whole page
        if c3.button("Show #1 on the map", key="best_sites_fly"):
            fly_to(first.lon_deg, first.lat_deg, 30.0)
            st.rerun(scope="app")
        pick = c4.selectbox("Candidate", [c.rank for c in r.candidates], format_func=lambda k: f"#{k}",
                            key="best_sites_pick")
        c4.button("Add to the comparison", key="best_sites_compare", on_click=_to_compare, args=(pick or 1,),
                  help="The chosen candidate becomes a site of Compare sites (this session only)")
        if c5.button("New keep-out zone (5 km) here", key="best_sites_zone"):
            _zone_here(pick or 1)
            st.rerun(scope="app")


def best_sites_section(catalog: SiteCatalog, data_dir: Path, workers: int | None = None) -> None:
    """The section: region and criteria, Find, then progress, the ranked places and their downloads."""
    st.header("Best sites in a region")
    st.caption("Where inside a region is best by your criteria, over the window of Sunlight and Earth visibility "
               "below. Leave a criterion empty to not use it.")
    choices = region_choices(catalog)
    with st.form("best_sites_form", border=False):
        label = st.selectbox("Region or zone", list(choices), key="best_sites_region")
        c1, c2, c3 = st.columns(3)
        min_sunlit = c1.number_input("Sunlit at least (%)", 0.0, 100.0, value=None, step=5.0, key="best_min_sunlit")
        min_earth = c2.number_input("Earth visible at least (%)", 0.0, 100.0, value=None, step=5.0,
                                    key="best_min_earth")
        any_earth = c3.checkbox("Some direct-to-Earth time", key="best_any_earth")
        c4, c5, c6, c7 = st.columns(4)
        max_slope = c4.number_input("Slope at most (°)", 0.0, 90.0, value=None, step=1.0, key="best_max_slope")
        max_dark = c5.number_input("Longest darkness at most (h)", 0.0, 10_000.0, value=None, step=12.0,
                                   key="best_max_dark")
        max_psr = c6.number_input("PSR edge within (km)", 0.0, 1_000.0, value=None, step=1.0, key="best_max_psr")
        top = c7.number_input("How many", 1, 50, value=10, step=1, key="best_top")
        submitted = st.form_submit_button("Find best sites", type="primary", disabled=not choices)
    if submitted and label in choices:
        try:
            criteria = Criteria(min_sunlit_pct=min_sunlit, min_earth_pct=min_earth, any_earth=bool(any_earth),
                                max_slope_deg=max_slope, max_dark_h=max_dark, max_psr_km=max_psr)
        except LunarmapError as err:
            show_error(err, "The criteria cannot be used")
        else:
            me = owner_key(st.session_state.get(K_NEW_OWNER) or "")
            keep_out = [z.geometry_polar for z in current_zones() if owner_key(z.owner) != me]
            name, geom = choices[label]
            start_finder(name, geom, criteria, int(top), data_dir, keep_out, workers)
    job: BackgroundJob | None = st.session_state.get(K_BEST_JOB)
    running = job is not None and job.snapshot()["state"] == "running"
    st.fragment(_status, run_every=POLL_SECONDS if running else None)(running)
    if st.session_state.get(K_BEST_RESULT) is not None:
        st.caption("Numbered markers on the map show the ranked places (the map's tooltip gives their values).")
