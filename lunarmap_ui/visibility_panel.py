"""The "Sunlight and Earth visibility" section: a table per site and a horizon plot for one site.

Streamlit-specific code only; every number comes from :mod:`lunarmap.visibility`
(Sun and Earth from :mod:`lunarmap.ephemeris`, skylines from
:mod:`lunarmap.horizon`). Results are computed on a button press and cached on
the (hashable) inputs, so later reruns redraw without recomputing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from lunarmap.compare_visibility import COMPARE_REGION_POINTS
from lunarmap.ephemeris import moon_frame_vectors
from lunarmap.errors import LunarmapError
from lunarmap.region_stats import RegionStats, region_stats
from lunarmap.regions import distribution
from lunarmap.sites import SiteCatalog
from lunarmap.visibility import SiteVisibility, site_visibility, time_window

from .errors import show_error
from .page import K_SELECTED, md_text

__all__ = [
    "DEFAULT_VISIBILITY_IDS", "DEFAULT_START", "DEFAULT_DAYS", "MAX_DAYS", "DEFAULT_STEP_HOURS", "DEFAULT_MAST_M",
    "K_VIS_START", "K_VIS_DAYS", "K_VIS_STEP", "K_VIS_MAST", "K_VIS_RUN", "K_VIS_INPUTS", "K_VIS_SITE",
    "COLUMNS", "chosen_window", "visibility_sites", "compute_visibility", "visibility_table", "horizon_chart", "visibility_section",
]

DEFAULT_VISIBILITY_IDS = ("chang-e-4", "chang-e-6", "chandrayaan-3")
DEFAULT_START = dt.date(2027, 1, 1)
DEFAULT_DAYS = 30
MAX_DAYS = 365
DEFAULT_STEP_HOURS = 2.0
DEFAULT_MAST_M = 2.0
K_VIS_START = "vis_start"
K_VIS_DAYS = "vis_days"
K_VIS_STEP = "vis_step_hours"
K_VIS_MAST = "vis_mast_m"
K_VIS_RUN = "vis_run"
K_VIS_INPUTS = "vis_inputs"
K_VIS_SITE = "vis_horizon_site"

#: Table columns: (header with unit, one-line definition).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Sunlit (%)", "share of the window with some of the Sun's disc above the terrain horizon (fully or partly)"),
    ("Partly sunlit (%)", "share of the window with only part of the Sun's disc above the terrain horizon"),
    ("Earth visible (%)", "share of the window with Earth's centre above the terrain horizon"),
    ("Longest darkness (h)", "longest run of samples with the Sun wholly below the terrain horizon"),
    ("Longest without Earth (h)", "longest run of samples with Earth's centre below the terrain horizon"),
    ("Needs relay", "yes when Earth is never above the terrain horizon in the window (no direct link to Earth); "
                    "a region: when no place in it ever sees Earth"),
    ("Over the area", "a region: each value is the area-weighted median over its whole area; here its range and "
                      "the grid it rests on (a point: its own values)"),
)

#: Inputs of one computation: ((site id, lon, lat), ...), start ISO date, days, step hours, mast m, data folder.
Inputs = tuple[tuple[tuple[str, float, float], ...], str, float, float, float, str]


def chosen_window() -> tuple[str, float, float, float]:
    """(start ISO date, days, step hours, mast m) of this section's inputs, or the defaults before they are drawn.

    Other sections (the comparison table, the sunlit-% map) use the same window.
    """
    start = st.session_state.get(K_VIS_START, DEFAULT_START)
    start = start if isinstance(start, dt.date) else DEFAULT_START
    values = []
    for key, default in ((K_VIS_DAYS, DEFAULT_DAYS), (K_VIS_STEP, DEFAULT_STEP_HOURS), (K_VIS_MAST, DEFAULT_MAST_M)):
        try:
            values.append(float(st.session_state.get(key, default)))
        except (TypeError, ValueError):
            values.append(float(default))
    return (start.isoformat(), *values)


def visibility_sites(catalog: SiteCatalog) -> list[str]:
    """The selected site ids, or the default ones present in the catalogue when nothing is selected."""
    chosen = [i for i in st.session_state.get(K_SELECTED, []) if i in catalog.ids]
    return chosen or [i for i in DEFAULT_VISIBILITY_IDS if i in catalog.ids]


@st.cache_data(show_spinner=False, max_entries=16)
def compute_visibility(inputs: Inputs, _catalog: SiteCatalog | None = None) -> tuple[SiteVisibility | RegionStats, ...]:
    """Visibility for every site of ``inputs``: a point's own (the Sun and Earth vectors computed once, shared),
    a region's over its whole area (:func:`lunarmap.region_stats.region_stats`, the comparison's grid size)."""
    sites, start, days, step_hours, mast_m, data_dir = inputs
    vectors = moon_frame_vectors(time_window(start, days=days, step_hours=step_hours))
    out: list[SiteVisibility | RegionStats] = []
    for sid, lon, lat in sites:
        site = _catalog[sid] if _catalog is not None and sid in _catalog.ids else None
        if site is not None and site.is_region:
            out.append(region_stats(site.geometry_polar, start, days=days, step_hours=step_hours, mast_m=mast_m,
                                    max_points=COMPARE_REGION_POINTS, data_dir=data_dir))
        else:
            out.append(site_visibility(lon, lat, start, days=days, step_hours=step_hours, mast_m=mast_m,
                                       data_dir=data_dir, vectors=vectors))
    return tuple(out)


def _row(r: SiteVisibility | RegionStats) -> tuple:
    if isinstance(r, RegionStats):
        d = r.distributions
        partial = distribution(100.0 * (r.visibility.sunlit_fraction - r.visibility.sun_full_fraction),
                               r.grid.weight_km2, "%")
        return (d["sunlit_pct"].median, partial.median, d["earth_pct"].median, d["longest_dark_h"].median,
                float("nan"), "yes" if d["earth_pct"].max == 0 else "no",
                f"sunlit {d['sunlit_pct'].text(0)}; Earth {d['earth_pct'].text(0)}; darkness "
                f"{d['longest_dark_h'].text(0)}; {r.grid.n_points:,} points {r.grid.spacing_km:g} km apart")
    return (100.0 * r.sunlit_fraction, 100.0 * r.sun_partial_fraction, 100.0 * r.earth_fraction,
            r.longest_dark_h, r.longest_no_earth_h, "yes" if r.needs_relay else "no", "at the point")


def visibility_table(names: list[str], results: tuple[SiteVisibility | RegionStats, ...]) -> pd.DataFrame:
    """One row per site with the :data:`COLUMNS` (percentages 0-100, runs in hours; a region over its area)."""
    return pd.DataFrame([_row(r) for r in results], columns=[c for c, _ in COLUMNS],
                        index=pd.Index(names, name="Site"))


def horizon_chart(name: str, result: SiteVisibility, window_text: str) -> alt.LayerChart:
    """Terrain horizon (area) with the Sun's and Earth's paths (points) over the window, azimuth vs elevation."""
    h = result.horizon
    terrain = pd.DataFrame({"azimuth_deg": np.append(h.azimuth_deg, 360.0),
                            "elevation_deg": np.append(h.elevation_deg, h.elevation_deg[0])})
    s = result.series
    times = pd.to_datetime(s.times_utc).strftime("%Y-%m-%d %H:%M UTC")
    bodies = pd.concat([
        pd.DataFrame({"azimuth_deg": np.mod(s.sun_az_deg, 360.0), "elevation_deg": s.sun_el_deg, "body": "Sun",
                      "time": times}),
        pd.DataFrame({"azimuth_deg": np.mod(s.earth_az_deg, 360.0), "elevation_deg": s.earth_el_deg,
                      "body": "Earth", "time": times}),
    ], ignore_index=True)
    # the ground is shaded from the skyline down to the chart's floor (not to 0°: skylines may dip below it)
    floor = float(np.floor(np.nanmin(np.concatenate([terrain["elevation_deg"], bodies["elevation_deg"]])) / 10) * 10)
    terrain["floor_deg"] = floor
    x = alt.X("azimuth_deg:Q", title="Azimuth (°, clockwise from north)", scale=alt.Scale(domain=[0, 360]))
    y = alt.Y("elevation_deg:Q", title="Elevation (°)", scale=alt.Scale(zero=False))
    ground = alt.Chart(terrain).mark_area(color="#8c7b65", opacity=0.55, line={"color": "#5a4a36"}).encode(
        x=x, y=y, y2="floor_deg:Q", tooltip=[alt.Tooltip("azimuth_deg:Q", format=".1f"), alt.Tooltip("elevation_deg:Q", format=".2f")])
    paths = alt.Chart(bodies).mark_circle(size=18).encode(
        x=x, y=y,
        color=alt.Color("body:N", title=None, scale=alt.Scale(domain=["Sun", "Earth"], range=["#f2b705", "#3b82f6"])),
        tooltip=["body:N", "time:N", alt.Tooltip("azimuth_deg:Q", format=".1f"),
                 alt.Tooltip("elevation_deg:Q", format=".2f")])
    return alt.layer(ground, paths).properties(title=f"Horizon at {name}, {window_text}", height=320)


def _inputs_widgets() -> tuple[dt.date, float, float, float]:
    c1, c2, c3, c4 = st.columns(4)
    start = c1.date_input("Window start (UTC)", value=DEFAULT_START, key=K_VIS_START,
                          min_value=dt.date(1900, 1, 2), max_value=dt.date(2050, 12, 31))
    days = c2.number_input("Days", min_value=1, max_value=MAX_DAYS, value=DEFAULT_DAYS, step=1, key=K_VIS_DAYS)
    step = c3.number_input("Step (h)", min_value=0.25, max_value=48.0, value=DEFAULT_STEP_HOURS, step=0.5,
                           key=K_VIS_STEP)
    mast = c4.number_input("Mast height (m)", min_value=0.0, max_value=100.0, value=DEFAULT_MAST_M, step=0.5,
                           key=K_VIS_MAST)
    return start, float(days), float(step), float(mast)


def visibility_section(catalog: SiteCatalog, data_dir: Path) -> None:
    """The section: inputs, a Compute button, the table with definitions, the data note and the horizon plot."""
    st.header("Sunlight and Earth visibility")
    ids = visibility_sites(catalog)
    st.caption("Sites: " + ", ".join(md_text(catalog[i].name) for i in ids)
               + (" (select sites on the map to change)" if ids else ""))
    start, days, step, mast = _inputs_widgets()
    st.caption("These inputs also set the Sun and Earth columns of the comparison table above and the map's "
               "sunlit-% layer.")
    inputs: Inputs = (tuple((i, *catalog[i].lonlat) for i in ids), start.isoformat(), days, step, mast,
                      str(data_dir))
    if st.button("Compute visibility", key=K_VIS_RUN, type="primary", disabled=not ids):
        st.session_state[K_VIS_INPUTS] = inputs
    shown: Inputs | None = st.session_state.get(K_VIS_INPUTS)
    if shown is None:
        st.caption("Press Compute visibility to sample the Sun and Earth over the window for these sites.")
        return
    if shown != inputs:
        st.caption("The inputs changed: press Compute visibility to update the results below.")
    try:
        with st.spinner("Computing terrain horizons and Sun/Earth positions ..."):
            results = compute_visibility(shown, catalog)
    except LunarmapError as err:     # not cached: the next rerun computes again
        show_error(err, "Visibility could not be computed")
        return
    names = [catalog[i].name if i in catalog.ids else i for i, _, _ in shown[0]]
    _, s_start, s_days, s_step, s_mast, _ = shown
    window_text = f"{s_start} + {s_days:g} d, every {s_step:g} h, mast {s_mast:g} m"
    st.dataframe(visibility_table(names, results), width="stretch",
                 column_config={"Sunlit (%)": st.column_config.NumberColumn(format="%.1f"),
                                "Partly sunlit (%)": st.column_config.NumberColumn(format="%.1f"),
                                "Earth visible (%)": st.column_config.NumberColumn(format="%.1f"),
                                "Longest darkness (h)": st.column_config.NumberColumn(format="%.0f"),
                                "Longest without Earth (h)": st.column_config.NumberColumn(format="%.0f"),
                                "Needs relay": st.column_config.TextColumn(width="small")})
    st.markdown("  \n".join(f"**{md_text(c)}**: {md_text(d)}" for c, d in COLUMNS))
    points = [k for k, r in enumerate(results) if isinstance(r, SiteVisibility)]
    if not points:
        st.caption("Regions have no single horizon: each value above is over the region's whole area. Select a "
                   "point site to plot its horizon.")
        return
    h = results[points[0]].horizon
    coarse = ("; rays beyond about 70 S use the global LOLA grid, about 10 km between points, so hills and craters "
              "smaller than that are missing from that part of the skyline") if "lola_global" in h.data else (
        "; the 1.6 km polar DEM misses hills and craters smaller than a few km" if "1600m" in h.data else "")
    st.caption(f"Window {md_text(window_text)} (UTC). Horizons from {md_text(h.data)}{coarse}. "
               f"Method: {md_text(h.method)}. A run touching the window's edge may continue outside it.")
    pick = st.selectbox("Horizon plot for", points, format_func=lambda k: names[k], key=K_VIS_SITE)
    pick = pick if pick in points else points[0]
    st.altair_chart(horizon_chart(names[pick], results[pick], window_text), width="stretch")
