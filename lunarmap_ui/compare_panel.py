"""The "Compare sites" section: the comparison table, distance and overlap matrices, downloads, radius circles.

Streamlit-specific code only; every number comes from :mod:`lunarmap.compare`
and every file from :mod:`lunarmap.export`. Text from data files is shown as
table cells or through :func:`lunarmap_ui.page.md_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pydeck as pdk
import streamlit as st

from lunarmap import layers as L
from lunarmap.compare import (
    DEFAULT_RADIUS_KM,
    MAX_RADIUS_KM,
    check_radius_km,
    compare_sites,
    distance_matrix_km,
    overlap_matrix,
    sites_lonlat,
)
from lunarmap.compare_visibility import sites_visibility, with_visibility
from lunarmap.display_precision import round_table
from lunarmap.errors import LunarmapError
from lunarmap.export import FORMATS, export_bytes, timestamp_text
from lunarmap.geodesy import geodesic_circle
from lunarmap.sites import Site, SiteCatalog

from .errors import show_error
from .map_rows import by_reference
from .page import K_SELECTED, data_stamp, md_text
from .visibility_panel import chosen_window

__all__ = [
    "K_COMPARE_IDS", "K_COMPARE_RADIUS", "K_COMPARE_COLUMNS", "DEFAULT_COLUMNS", "DEFAULT_COMPARE_IDS", "MIN_RADIUS_KM", "DOWNLOADS",
    "CompareResult", "column_label", "init_compare_state", "compare_ids", "compare_radius_km",
    "radius_circle_layers", "compare_section", "K_COMPARE_EXTRA", "with_session_sites", "add_compare_site",
]

K_COMPARE_IDS = "compare_ids"
K_COMPARE_RADIUS = "compare_radius_km"
K_COMPARE_COLUMNS = "compare_columns"
#: The columns a planner reads first, shown by default (the column chooser adds the rest).
DEFAULT_COLUMNS = ("name", "side", "pole_distance_km", "elevation_m", "slope_deg", "psr_area_in_radius_km2",
                   "sunlit_pct", "earth_visible_pct", "needs_relay")
#: Sites added in this session (e.g. best-site candidates): tuple of lunarmap.sites.Site, after the catalogue's.
K_COMPARE_EXTRA = "compare_extra_sites"
DEFAULT_COMPARE_IDS = ("chang-e-4", "chang-e-6", "chandrayaan-3", "ilrs")
MIN_RADIUS_KM = 0.1
#: Displayed precision of the numeric columns: what the data supports (metres of height from a 1.6-10.7 km
#: grid, tenths of a degree of slope, tenths of a km of distance); the exports keep full precision.
_NUMBER_FORMATS = (
    ("sunlit_pct", "%.1f"), ("earth_visible_pct", "%.1f"), ("longest_darkness_h", "%.0f"),
    ("sunlit_min_pct", "%.1f"), ("sunlit_max_pct", "%.1f"), ("earth_visible_max_pct", "%.1f"),
    ("longest_darkness_min_h", "%.0f"), ("visibility_spacing_km", "%.1f"),
    ("elevation_m", "%.0f"), ("elevation_min_m", "%.0f"), ("elevation_max_m", "%.0f"),
    ("elevation_resolution_m", "%.0f"), ("slope_deg", "%.1f"), ("slope_min_deg", "%.1f"), ("slope_max_deg", "%.1f"),
    ("slope_resolution_m", "%.0f"), ("psr_edge_distance_km", "%.1f"), ("psr_radius_km", "%.1f"),
    ("psr_coverage_in_radius", "%.2f"), ("region_area_km2", "%.1f"), ("region_psr_share_pct", "%.1f"),
)   # areas of PSR are rounded by lunarmap.display_precision (0.1 km², 0.01 km² under 1 km²), shown as they are
#: Download buttons: (format, label, MIME type); file names are ``lunarmap-comparison<suffix>``.
DOWNLOADS = (("csv", "CSV", "text/csv"), ("geojson", "GeoJSON", "application/geo+json"),
             ("gpkg", "GeoPackage", "application/geopackage+sqlite3"))
_UNITS = (("_km2", "km²"), ("_pct", "%"), ("_deg", "°"), ("_km", "km"), ("_m", "m"), ("_h", "h"))
#: The Sun/Earth columns, shown after "side" (their window comes from the visibility section's inputs).
_VISIBILITY_SHOWN = ("sunlit_pct", "earth_visible_pct", "longest_darkness_h", "needs_relay", "visibility_summary")
_CIRCLE_RGB = (255, 220, 60)


def column_label(name: str) -> str:
    """A table header with its unit from the column name's suffix.

    >>> column_label("psr_area_in_radius_km2"), column_label("lat_deg"), column_label("side")
    ('psr area in radius (km²)', 'lat (°)', 'side')
    """
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return f"{name.removesuffix(suffix).replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


@dataclass(frozen=True)
class CompareResult:
    """What the section shows for one choice of sites, radius and data folder (plain, picklable parts).

    ``problem`` (no table) and ``visibility_problem`` (no Sun and Earth columns) are the errors themselves,
    shown through :func:`lunarmap_ui.errors.show_error`.
    """

    table: pd.DataFrame | None
    columns: dict[str, str]
    notes: tuple[str, ...]
    problem: LunarmapError | None
    distances_km: pd.DataFrame
    overlap_area_km2: pd.DataFrame
    overlap_pairs: pd.DataFrame
    overlap_definition: str
    downloads: dict[str, bytes]
    visibility_problem: LunarmapError | None = None


@st.cache_resource(show_spinner="Comparing sites…", max_entries=32)
def _compare_base(_catalog: SiteCatalog, catalog_key: str, ids: tuple[str, ...], radius_km: float,
                  data_dir: str, data_stamp: int) -> tuple:
    """What does not depend on the visibility window (terrain, PSR, matrices): kept when only the window changes.

    ``data_stamp`` (:func:`lunarmap_ui.page.data_stamp`) keys it on the prepared data's state: an answer
    given before a first-start fetch ("data missing") is not kept once the data exists.

    A resource cache (shared, not copied): the comparison is a frozen dataclass that callers never change
    (``with_visibility`` returns a new one), and its column mapping cannot be pickled.
    """
    sites = _catalog.select(list(ids))
    distances = distance_matrix_km(sites)
    overlaps = overlap_matrix(sites, radius_km)
    try:
        return compare_sites(sites, radius_km, data_dir), None, distances, overlaps
    except LunarmapError as err:
        return None, err, distances, overlaps


@st.cache_resource(show_spinner="Computing sunlight and Earth visibility…", max_entries=32)
def _visibility(_catalog: SiteCatalog, catalog_key: str, ids: tuple[str, ...], data_dir: str,
                window: tuple[str, float, float, float], data_stamp: int) -> tuple[list | None, LunarmapError | None]:
    """The sites' Sun and Earth figures over the window, or the error: kept when only the radius changes (a
    region's figures rest on the horizons of its whole grid, seconds of work). Shared, never changed by callers."""
    sites = _catalog.select(list(ids))
    start, days, step_hours, mast_m = window
    try:
        return sites_visibility(sites, start, days=days, step_hours=step_hours, mast_m=mast_m, data_dir=data_dir), None
    except LunarmapError as err:
        return None, err


@st.cache_data(show_spinner="Comparing sites…", max_entries=32)
def _compare(_catalog: SiteCatalog, catalog_key: str, ids: tuple[str, ...], radius_km: float,
             data_dir: str, window: tuple[str, float, float, float], data_stamp: int) -> CompareResult:
    comp, err, distances, overlaps = _compare_base(_catalog, catalog_key, ids, radius_km, data_dir, data_stamp)
    if comp is None:
        return CompareResult(None, {}, (), err, distances, overlaps.area_km2, overlaps.pairs,
                             overlaps.definition, {})
    visibility, vis_problem = _visibility(_catalog, catalog_key, ids, data_dir, window, data_stamp)
    if visibility is not None:
        comp = with_visibility(comp, visibility)
    stamp = timestamp_text()
    downloads = {fmt: export_bytes(comp, fmt, stamp) for fmt, _, _ in DOWNLOADS}
    return CompareResult(comp.table, dict(comp.columns), comp.notes, None, distances, overlaps.area_km2,
                         overlaps.pairs, overlaps.definition, downloads, vis_problem)


def with_session_sites(catalog: SiteCatalog) -> tuple[SiteCatalog, str]:
    """The catalogue with this session's added sites, and a cache key naming both."""
    extra = tuple(st.session_state.get(K_COMPARE_EXTRA, ()))
    if not extra:
        return catalog, str(catalog.path)
    key = str(catalog.path) + "|" + ";".join(f"{s.id},{s.name},{s.lonlat[0]:.9f},{s.lonlat[1]:.9f}" for s in extra)
    return catalog.with_sites(extra), key


def add_compare_site(site: Site) -> None:
    """Add a site made in this session to the comparison (replacing one with the same id); call from a callback."""
    extra = [s for s in st.session_state.get(K_COMPARE_EXTRA, ()) if s.id != site.id]
    st.session_state[K_COMPARE_EXTRA] = (*extra, site)
    ids = [i for i in st.session_state.get(K_COMPARE_IDS, []) if i != site.id]
    st.session_state[K_COMPARE_IDS] = [*ids, site.id]


def init_compare_state(catalog: SiteCatalog) -> None:
    """Session-state defaults: the map selection (or the default sites) and the default radius."""
    if K_COMPARE_IDS not in st.session_state:
        chosen = [i for i in st.session_state.get(K_SELECTED, []) if i in catalog.ids]
        st.session_state[K_COMPARE_IDS] = chosen or [i for i in DEFAULT_COMPARE_IDS if i in catalog.ids]
    st.session_state.setdefault(K_COMPARE_RADIUS, DEFAULT_RADIUS_KM)


def compare_ids(catalog: SiteCatalog) -> tuple[str, ...]:
    """The chosen site ids that are in the catalogue, in the order chosen."""
    return tuple(i for i in st.session_state.get(K_COMPARE_IDS, ()) if i in catalog.ids)


def compare_radius_km() -> float | None:
    """The chosen radius in km, or None when it is not a valid radius."""
    try:
        return check_radius_km(st.session_state.get(K_COMPARE_RADIUS, DEFAULT_RADIUS_KM))
    except LunarmapError:
        return None


# cache_resource: the dicts are only read; their rows go by reference (a static JSON file: lunarmap_ui.map_rows)
@st.cache_resource(show_spinner=False, max_entries=32)
def _circle_layer_dicts(_catalog: SiteCatalog, catalog_key: str, ids: tuple[str, ...], radius_km: float) -> list[dict]:
    sites = _catalog.select(list(ids))
    lon, lat = sites_lonlat(sites)
    rows = []
    for site, a, b in zip(sites, lon, lat, strict=True):
        ring = np.round(np.asarray(geodesic_circle(a, b, radius_km).exterior.coords)[:, :2], 1).tolist()
        rows.append({"id": site.id, "name": site.name, "polygon": ring, "radius_km": radius_km})
    layer = pdk.Layer("PolygonLayer", id="compare-circles", data=rows, get_polygon="polygon",
                      get_fill_color=list(_CIRCLE_RGB) + [35], get_line_color=list(_CIRCLE_RGB) + [230],
                      line_width_units=pdk.types.String("pixels"), get_line_width=1.5, stroked=True, filled=True,
                      pickable=False, coordinate_system=pdk.types.String("cartesian"))
    return by_reference(L.layer_dicts([layer]))


def radius_circle_layers(catalog: SiteCatalog) -> list[dict]:
    """The map layer (as JSON dicts) of the radius-r geodesic circles around the compared sites, or none."""
    catalog, key = with_session_sites(catalog)
    init_compare_state(catalog)
    ids, radius = compare_ids(catalog), compare_radius_km()
    if not ids or radius is None:
        return []
    return _circle_layer_dicts(catalog, key, ids, radius)


def _display_table(table: pd.DataFrame, shown: Sequence[str] | None = None) -> pd.DataFrame:
    """The table as shown: numbers rounded to what their data resolves, ``shown`` columns (all when None) in
    the planner's reading order (:data:`DEFAULT_COLUMNS`, the other Sun/Earth columns, then the rest), headers
    with units."""
    out = round_table(table)
    if "needs_relay" in out.columns:
        out["needs_relay"] = np.where(out["needs_relay"].astype(bool), "yes", "no")
    first = [c for c in dict.fromkeys((*DEFAULT_COLUMNS, *_VISIBILITY_SHOWN)) if c in out.columns]
    canonical = first + [c for c in out.columns if c not in first]     # the planner's columns lead
    order = canonical if shown is None else [c for c in canonical if c in shown]
    out = out[order]
    out.columns = [column_label(c) for c in out.columns]
    return out


def _column_chooser(columns: Sequence[str]) -> list[str]:
    """The columns to show (a multiselect in a popover; the planner's first columns by default)."""
    st.session_state.setdefault(K_COMPARE_COLUMNS, [c for c in DEFAULT_COLUMNS if c in columns])
    chosen = [c for c in st.session_state[K_COMPARE_COLUMNS] if c in columns]
    with st.popover(f"Columns ({len(chosen)} of {len(columns)})", icon=":material/view_column:"):
        st.multiselect("Columns shown", list(columns), key=K_COMPARE_COLUMNS, format_func=column_label,
                       help="The downloads always hold every column at full precision.")
        st.button("All columns", key="compare_all_columns",
                  on_click=lambda: st.session_state.update({K_COMPARE_COLUMNS: list(columns)}))
        st.button("The first columns", key="compare_default_columns",
                  on_click=lambda: st.session_state.update(
                      {K_COMPARE_COLUMNS: [c for c in DEFAULT_COLUMNS if c in columns]}))
    return [c for c in st.session_state[K_COMPARE_COLUMNS] if c in columns] or ["name"]


def _heat_map(matrix: pd.DataFrame, value: str, title: str) -> alt.LayerChart:
    """Cells coloured by value with the value written in; NaN cells (e.g. a masked diagonal) left blank."""
    ids = list(matrix.columns)
    long = matrix.rename_axis("site_a").reset_index().melt(id_vars="site_a", var_name="site_b", value_name=value)
    long = long.dropna(subset=[value])
    top = float(long[value].max()) if len(long) else 0.0
    base = alt.Chart(long).encode(
        x=alt.X("site_b:N", sort=ids, title=None, axis=alt.Axis(labelAngle=-40, labelOverlap=False)),
        y=alt.Y("site_a:N", sort=ids, title=None))
    scale = alt.Scale(scheme="viridis", domain=[0.0, top if top > 0 else 1.0])
    rect = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=title, scale=scale,
                                                   legend=alt.Legend(format=",.4~g")),
                                   tooltip=["site_a", "site_b", alt.Tooltip(f"{value}:Q", format=",.1f")])
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text(f"{value}:Q", format=",.0f"),
        color=alt.condition(alt.datum[value] > top / 2, alt.value("black"), alt.value("white")))
    return rect + text


@st.cache_data(show_spinner=False, max_entries=64)
def _heat_map_spec(matrix: pd.DataFrame, value: str, title: str) -> dict:
    """The heat map as a Vega-Lite spec, built once per matrix (building it costs ~20 ms a rerun otherwise)."""
    return _heat_map(matrix, value, title).to_dict()


def _chart_px(res: CompareResult) -> int:
    return 110 + 32 * len(res.distances_km)


def _matrices(res: CompareResult) -> None:
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown("**Distance between sites (km, geodesic)**")
        st.dataframe(res.distances_km.round(1), width="stretch")
        st.vega_lite_chart(_heat_map_spec(res.distances_km, "distance_km", "km"), width="stretch",
                           height=_chart_px(res))
        st.caption(md_text(res.distances_km.attrs.get("definition", "")))
    with right:
        st.markdown("**Overlap area (km² on the sphere)**")
        st.dataframe(res.overlap_area_km2.round(2), width="stretch")
        off_diagonal = res.overlap_area_km2.mask(np.eye(len(res.overlap_area_km2), dtype=bool))
        st.vega_lite_chart(_heat_map_spec(off_diagonal, "overlap_km2", "km²"), width="stretch", height=_chart_px(res))
        st.caption(md_text(res.overlap_definition) + " \\(left blank in the heat map\\)\\.")
    pairs = res.overlap_pairs.copy()
    pairs.columns = [column_label(c) for c in pairs.columns]
    with st.expander("Pairs", expanded=False):
        st.dataframe(pairs, hide_index=True, width="stretch")


def _downloads(res: CompareResult) -> None:
    cols = st.columns(len(DOWNLOADS))
    for col, (fmt, label, mime) in zip(cols, DOWNLOADS, strict=True):
        with col:
            st.download_button(f"Download {label}", data=res.downloads[fmt], mime=mime,
                               file_name=f"lunarmap-comparison{FORMATS[fmt]}", key=f"download_{fmt}",
                               on_click="ignore", width="stretch")


def compare_section(catalog: SiteCatalog, data_dir: Path | str) -> None:
    """Pick sites and a radius; show the comparison, its definitions and notes, the matrices and downloads."""
    catalog, catalog_key = with_session_sites(catalog)
    init_compare_state(catalog)
    st.header("Compare sites")
    pick, rad = st.columns([4, 1], gap="medium")
    with pick:
        st.multiselect("Sites to compare", catalog.ids, key=K_COMPARE_IDS, format_func=lambda i: catalog[i].name,
                       placeholder="Choose sites or regions")
    with rad:
        st.number_input("Radius (km)", min_value=MIN_RADIUS_KM, max_value=MAX_RADIUS_KM, step=1.0, format="%.1f",
                        key=K_COMPARE_RADIUS, help="radius of the geodesic circle around each site (yellow on the map) "
                        "used for the PSR columns and the overlaps of points")
    ids = compare_ids(catalog)
    if not ids:
        st.caption("Choose one or more sites to compare.")
        return
    try:
        radius = check_radius_km(st.session_state.get(K_COMPARE_RADIUS, DEFAULT_RADIUS_KM))
    except LunarmapError as err:
        show_error(err, "The sites cannot be compared")
        return
    window = chosen_window()
    res = _compare(catalog, catalog_key, ids, radius, str(data_dir), window, data_stamp(Path(data_dir)))
    if res.problem is not None:
        show_error(res.problem, "Site table not available")
    else:
        config = {column_label(c): st.column_config.Column(help=d) for c, d in res.columns.items()}
        config.update({column_label(c): st.column_config.NumberColumn(help=res.columns[c], format=f)
                       for c, f in _NUMBER_FORMATS if c in res.columns})
        if "name" in res.columns:
            config[column_label("name")] = st.column_config.Column(help=res.columns["name"], pinned=True)
        shown = _column_chooser(list(res.table.columns))
        st.dataframe(_display_table(res.table, shown), hide_index=True, width="stretch", column_config=config)
        st.caption("Numbers rounded to what their data resolves (elevation to 10 m from the 1.6 km DEM, 1 m from "
                   "the 5 m one; distances to 0.1 km; areas to 0.1 km²); the downloads keep full precision.")
        start, days, step, mast = window
        if res.visibility_problem is not None:
            show_error(res.visibility_problem, "Sunlight and Earth columns not available")
        else:
            st.caption(f"Sunlit, Earth visible, longest darkness and needs relay: window {md_text(start)} + "
                       f"{days:g} d every {step:g} h, sensor {mast:g} m above the ground (set under Sunlight and "
                       "Earth visibility below); a region over its whole area: the area-weighted median, its range in "
                       "the summary column, on a grid whose points and spacing it names; terrain horizons from the finest LOLA "
                       "elevation at each distance (1.6 km poleward of about 70 S, 10.7 km beyond, 5 m where the "
                       "Shoemaker crop covers).")
        with st.expander("Column definitions", expanded=False):
            st.dataframe(pd.DataFrame({"column": [column_label(c) for c in res.columns], "name": list(res.columns),
                                       "definition": list(res.columns.values())}),
                         hide_index=True, width="stretch")
        with st.expander("Notes and methods", expanded=False):
            st.markdown("\n".join(f"- {md_text(n)}" for n in res.notes))
        _downloads(res)
    _matrices(res)

