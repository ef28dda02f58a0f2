"""Sections of the map page: layer controls, the map, about (the selection and the click readout are
:mod:`lunarmap_ui.point_panels`).

The place search is :mod:`lunarmap_ui.search_panel` (it flies the map with :func:`fly_to`).

Streamlit-specific code only; every number comes from the lunarmap library.
Text from data files (site names, sources, layer notes) is shown through
:func:`md_text`, which escapes Markdown and HTML, or as plain table cells.
Errors are shown through :mod:`lunarmap_ui.errors` (its table decides how).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from lunarmap import layers as L
from lunarmap.errors import DataMissingError, LunarmapError
from lunarmap.sites import SiteCatalog

from . import map_tiles
from .errors import show_error
from .map_component import click_value, lunar_map, map_data
from .map_rows import by_reference, published
from .reruns import K_PAGE_RERUN, in_fragment_run, request_page_rerun, rerun_page_if_asked, whole_page
from .static_files import publish, publish_preview

__all__ = [
    "K_MAP", "K_SELECTED", "K_CLICK", "K_VIEW", "MAP_HEIGHT_PX",
    "DataState", "md_text", "load_data_state", "layer_controls", "render_map", "about_data", "init_state", "fly_to", "K_PAGE_RERUN", "SELECTING_LAYERS",
    "page_style", "title_line", "about_popover", "in_fragment_run", "request_page_rerun", "rerun_page_if_asked",
    "whole_page", "layer_names", "data_stamp",
]

K_MAP = "lunar_map"
K_SELECTED = "selected_sites"
K_CLICK = "last_click"
K_VIEW = "map_view"
MAP_HEIGHT_PX = 640
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<&$:])")
_LABELS = {"elevation": "Elevation", "hillshade": "Hillshade", "slope": "Slope", "psr": "Permanent shadow (PSR)",
           "mosaic": "Global image mosaic", "wac": "LROC WAC mosaic", "sites": "Sites", "regions": "Regions", "graticule": "Graticule"}


def md_text(text: object) -> str:
    """Text safe inside Markdown: every Markdown/HTML special character backslash-escaped.

    >>> md_text("<img src=x onerror=alert(1)>")
    '\\\\<img src=x onerror=alert\\\\(1\\\\)\\\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text))


@dataclass(frozen=True)
class DataState:
    """What prepared data the page has: display layers (possibly none) and, if some are missing, the error why."""

    layers: tuple[Any, ...]
    problem: DataMissingError | None


@st.cache_data(show_spinner=False)
def _display_layers_cached(data_dir: str, stamp: float) -> tuple[tuple[Any, ...], DataMissingError | None]:
    from lunarmap.prepare import display_layers

    try:
        return tuple(display_layers(data_dir)), None
    except DataMissingError as err:
        return (), err          # the error itself: lunarmap_ui.errors decides how it is shown


def data_stamp(data_dir: Path) -> int:
    """The prepared data's state: the time of ``prepared/display.json`` in ns (-1 before ``prepare``).

    Caches of answers that depend on the data take it as a key, so nothing said before a first-start fetch
    (e.g. "data missing") outlives it.
    """
    try:
        return (Path(data_dir) / "prepared" / "display.json").stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def load_data_state(data_dir: Path) -> DataState:
    """The prepared display layers of ``data_dir`` (re-read when display.json changes)."""
    layers, problem = _display_layers_cached(str(data_dir), data_stamp(data_dir))
    present = tuple(d for d in layers if Path(d.path).exists())
    if layers and len(present) < len(layers):
        missing = sorted(d.file for d in layers if d not in present)
        problem = DataMissingError(f"display images {missing} are missing; run python -m lunarmap prepare again.")
    return DataState(present, problem)


def init_state() -> None:
    """Session-state defaults (each key declared once, above)."""
    st.session_state.setdefault(K_CLICK, None)
    st.session_state.setdefault(K_VIEW, None)


# ----------------------------------------------------------------- page frame
_PAGE_CSS = """
<style>
/* map first: the page's own padding shrinks so the map starts near the top at 1280 x 800 */
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem; padding-left: 1.25rem; padding-right: 1.25rem; }
.lm-title p { margin: 0; font-size: 1.05rem; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
</style>
"""


def page_style() -> None:
    """The page's own CSS (fixed text, no user input): tighter padding so the map comes first."""
    st.html(_PAGE_CSS)


def title_line() -> None:
    """The page title, one line."""
    st.markdown('<div class="lm-title"><p><b>lunarmap</b> · the lunar south pole</p></div>', unsafe_allow_html=True)


def about_popover(display: Sequence[Any]) -> None:
    """What the map is, in a popover beside the title (the captions that used to sit above the map)."""
    with st.popover("About", icon=":material/info:", width="stretch"):
        st.markdown(
            "South polar stereographic map of the IAU 2015 Moon sphere (R = 1,737,400 m) from the pole to 40° S; "
            "0° longitude up, the far side down. Distances in the panels are geodesic on that sphere."
        )
        if any(d.name == "psr" for d in display):
            st.caption("Permanent shadow (blue): the official LOLA outlines of every PSR of 5 km² or more from 75° S "
                       "to the pole (outer blue box), and the 60 m PSR grid, with the smaller ones too, from 85° S "
                       "(inner box). Beyond the outer box the map says nothing about shadow.")
        st.caption("Sources, resolutions and licences: 'About the data' at the bottom of the page.")


# ----------------------------------------------------------------- layer list
def layer_names(display: Sequence[Any]) -> list[str]:
    """The page's layers, top first: sites, regions, the graticule, then the prepared rasters present."""
    return ["sites", "regions", "graticule"] + [n for n in reversed(L.RASTER_ORDER) if any(d.name == n for d in display)]


def layer_controls(display: Sequence[Any]) -> dict[str, L.LayerSetting]:
    """A toggle and an opacity slider per layer, in the current container (the map's layer list); the settings."""
    settings: dict[str, L.LayerSetting] = {}
    all_names = layer_names(display)
    names = all_names[3:]
    for name in all_names:
        default = L.VECTOR_DEFAULTS.get(name) or L.RASTER_DEFAULTS.get(name) or L.LayerSetting(True, 1.0)
        label = _LABELS.get(name, name)
        shown = st.toggle(label, value=default.visible, key=f"show_{name}")
        opacity = st.slider(f"{label} opacity", 0, 100, int(round(default.opacity * 100)), step=5,
                            key=f"opacity_{name}", disabled=not shown, label_visibility="collapsed", format="%d%%")
        settings[name] = L.LayerSetting(bool(shown), opacity / 100.0)
    if not names:
        st.caption("Elevation, hillshade, slope and PSR layers appear here once the data is prepared.")
    for line in map_tiles.tiles_caption():
        st.caption(md_text(line))
    return settings


# ----------------------------------------------------------------- the map
@st.cache_resource(show_spinner=False)
def _published_url(path: str, size: int) -> str:
    return publish(path)


@st.cache_resource(show_spinner=False)
def _published_preview(path: str, size: int) -> str | None:
    return publish_preview(path)


# cache_resource, not cache_data: the layer dicts are read, never changed (``_with_opacity`` copies shallowly), and
# cache_data would unpickle a fresh copy of every site row on every run of the map
# their rows go by reference (static JSON files, :mod:`lunarmap_ui.map_rows`): a rerun sends only the layers' props
@st.cache_resource(show_spinner=False, max_entries=64)
def _site_layer_dicts(_catalog: SiteCatalog, catalog_key: str, selected: tuple[str, ...],
                      show_sites: bool, show_regions: bool) -> list[dict]:
    return by_reference(L.layer_dicts(L.site_layers(list(_catalog), selected, show_sites=show_sites,
                                                    show_regions=show_regions)))


@st.cache_resource(show_spinner=False, max_entries=4)
def _graticule_dicts(visible: bool) -> list[dict]:
    return by_reference(L.layer_dicts(L.graticule_layers(1.0, visible)))


@st.cache_resource(show_spinner=False, max_entries=64)
def _raster_dicts(rasters: tuple[tuple[str, str, tuple[float, ...], str | None], ...],
                  settings: tuple[tuple[str, bool, float], ...]) -> list[dict]:
    """The raster layers' JSON dicts for these images and settings (pydeck's conversion is the slow part)."""
    below = L.raster_layers([L.RasterSource(name, url, bounds, preview) for name, url, bounds, preview in rasters],
                            {name: L.LayerSetting(shown, opacity) for name, shown, opacity in settings})
    return L.layer_dicts(below) if below else []


def _with_opacity(layers: list[dict], opacity_by_prefix: dict[str, float]) -> list[dict]:
    """Shallow copies with each layer's opacity set (cached layer data is shared, not copied)."""
    out = []
    for layer in layers:
        prefix = next((p for p in opacity_by_prefix if layer["id"].startswith(p)), None)
        out.append(dict(layer, opacity=opacity_by_prefix[prefix]) if prefix else layer)
    return out


@st.cache_resource(show_spinner=False)
def _opening_view(_catalog: SiteCatalog, catalog_key: str) -> L.ViewTarget:
    return L.view_for_sites(list(_catalog), MAP_HEIGHT_PX - 40)


def _legend(display: Sequence[Any], settings: dict[str, L.LayerSetting]) -> list[dict]:
    entries = []
    for name in reversed(L.RASTER_ORDER):
        for d in display:
            if d.name == name and settings.get(name, L.LayerSetting(False, 1)).visible:
                legend = dict(d.legend)
                note = ""
                if name == "psr":
                    edge = L.lat_of_radius_deg(min(abs(b) for b in d.bounds_m))
                    note = f"Data stops at about {abs(edge):.0f}° S (blue box); nothing is known beyond it."
                    if abs(edge) < 80.0:        # the official outlines (>= 5 km2) reach beyond the 60 m grid
                        corner = L.lat_of_radius_deg(math.sqrt(2.0) * min(abs(b) for b in d.bounds_m))
                        note = (f"PSRs ≥ 5 km² are mapped to about {abs(edge):.0f}° S (outer blue box; about "
                                f"{abs(corner):.0f}° S in its corners), PSRs under 5 km² only poleward of 85° S (inner "
                                "box); nothing is known beyond the outer box.")
                words = L.legend_meaning(name)
                entries.append({"title": d.title, "units": words["units"] or d.units, "meaning": words["meaning"],
                                "type": legend.get("type"), "stops": legend.get("stops"),
                                "classes": legend.get("classes"), "note": note})
    if settings.get("sites", L.VECTOR_DEFAULTS["sites"]).visible or settings.get("regions").visible:
        entries.append(L.kinds_legend())
    return entries


def _sources(display: Sequence[Any], settings: dict[str, L.LayerSetting]) -> list[dict]:
    """Title, source and metres per pixel of each raster shown, in legend order (the PNG export's caption)."""
    shown = [d for name in reversed(L.RASTER_ORDER) for d in display
             if d.name == name and settings.get(name, L.LayerSetting(False, 1)).visible]
    return [{"title": d.title, "source": d.source, "resolution_m": d.resolution_m} for d in shown]


def build_map_data(catalog: SiteCatalog, display: Sequence[Any], settings: dict[str, L.LayerSetting],
                   selected: Sequence[str], view: dict | None, overlays: Sequence[dict] = (),
                   legend_extra: Sequence[dict] = (), **component: Any) -> dict:
    """The component data for this rerun (rasters as static URLs; unchanged parts from cache).

    ``overlays``: extra layers (JSON dicts) drawn above the graticule, below the sites;
    ``legend_extra``: their legend entries (shown first); ``component``: further keyword arguments
    of :func:`lunarmap_ui.map_component.map_data` (zones, tools, ...).
    """
    key = str(catalog.path)
    rasters = tuple((d.name, _published_url(str(d.path), size := Path(d.path).stat().st_size), tuple(d.bounds_m),
                     _published_preview(str(d.path), size)) for d in display)
    dicts = map_tiles.with_tiles(_raster_dicts(rasters, tuple((name, s.visible, s.opacity)
                                                              for name, s in sorted(settings.items()))),
                                 map_tiles.tile_specs(settings))
    graticule = _graticule_dicts(settings["graticule"].visible)
    sites = _site_layer_dicts(catalog, key, tuple(selected), settings["sites"].visible, settings["regions"].visible)
    if not published(graticule + sites):        # the static folder was cleared meanwhile: publish them again
        _graticule_dicts.clear()
        _site_layer_dicts.clear()
        graticule = _graticule_dicts(settings["graticule"].visible)
        sites = _site_layer_dicts(catalog, key, tuple(selected), settings["sites"].visible, settings["regions"].visible)
    dicts += _with_opacity(graticule, {"graticule": settings["graticule"].opacity})
    dicts += list(overlays)
    dicts += _with_opacity(sites, {"region": settings["regions"].opacity, "site": settings["sites"].opacity})
    opening = _opening_view(catalog, key)
    spec = L.deck_spec(dicts, opening)
    view = view or {**opening.as_dict(), "nonce": 0}
    # the user's own layers (zones, a computed sunlit map) head the legend: never pushed below the fold
    return map_data(spec, view, list(legend_extra) + _legend(display, settings) + map_tiles.tiles_legend(settings),
                    height=MAP_HEIGHT_PX, sources=_sources(display, settings) + map_tiles.tiles_sources(settings),
                    **component)


def _on_click() -> None:
    value = click_value(K_MAP)
    if not value:
        return
    try:
        x, y = float(value["x"]), float(value["y"])
    except (KeyError, TypeError, ValueError):
        return
    st.session_state[K_CLICK] = {"x": x, "y": y, "seq": value.get("seq")}
    picked = value.get("picked") or {}
    site_id = picked.get("id") if isinstance(picked, dict) else None
    if site_id and _selects(str(picked.get("layer", "")), bool(value.get("shift"))):
        chosen = list(st.session_state.get(K_SELECTED, []))
        if site_id in chosen:
            chosen.remove(site_id)
        else:
            chosen.append(site_id)
        st.session_state[K_SELECTED] = chosen
        request_page_rerun()     # the comparison and the visibility section read the selection


#: Picked layers whose click selects (or unselects) the site or region: a site's marker or label, a region's label.
SELECTING_LAYERS = ("sites", "site-labels", "region-labels")


def _selects(layer: str, shift: bool) -> bool:
    """Whether a click on ``layer`` changes the selection: a marker or label does; inside a region only with Shift.

    A plain click inside a region reads the point and leaves the selection as it is.

    >>> _selects("sites", False), _selects("regions", False), _selects("regions", True)
    (True, False, True)
    """
    return layer in SELECTING_LAYERS or (layer == "regions" and shift)


def render_map(data: dict, **callbacks: Any) -> None:
    """Mount the one map component (clicks handled here; ``callbacks``: further ``on_<trigger>`` handlers)."""
    lunar_map(data, key=K_MAP, on_click=_on_click, **callbacks)


# ----------------------------------------------------------------- fly to
def fly_to(lon_deg: float, lat_deg: float, width_km: float) -> None:
    """Move the map (on the next render) to a point, showing about ``width_km`` across."""
    target = L.view_for_point(lon_deg, lat_deg, width_km, MAP_HEIGHT_PX)
    nonce = (st.session_state.get(K_VIEW) or {}).get("nonce", 0) + 1
    st.session_state[K_VIEW] = {**target.as_dict(), "nonce": nonce}


# ----------------------------------------------------------------- about
def about_data(display: Sequence[Any]) -> None:
    """Each layer's source, resolution and licence, from the display layer metadata and the catalogue."""
    with st.expander("About the data", expanded=False):
        rows = []
        for d in display:
            res = d.resolution_m
            res_txt = f"{res / 1000:.1f} km per pixel" if res >= 1000 else f"{res:.0f} m per pixel"
            rows.append({"layer": d.title, "resolution": res_txt, "source": d.source, "licence": d.licence,
                         "note": d.note})
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
            elevation = [d for d in display if d.name == "elevation"]
            if elevation:
                st.markdown(
                    f"Terrain layers: **{md_text(elevation[0].title.removeprefix('Elevation '))}**. At 1.6 km "
                    "Shackleton (21 km across) is 13 pixels and its floor reads about -2,750 m (the true floor is "
                    "about -4,200 m: still smoothed); beyond 70 S the ~10.7 km grid resolves nothing smaller than "
                    "about 20 km. The WAC mosaic is a picture (lossy JPEG), never analysed. Credit for LROC WAC: "
                    "NASA/GSFC/Arizona State University."
                )
        else:
            st.caption("No display layers are prepared yet.")
        try:
            from lunarmap.catalog import load_catalog

            products = [{"product": p.name, "file": p.file, "what": p.description, "licence": p.licence,
                         "citation": p.citation} for p in load_catalog()]
        except (ImportError, LunarmapError) as err:
            show_error(err, "The data catalogue could not be read")
        else:
            st.markdown("**Source products** (data/sources.toml)")
            st.dataframe(products, hide_index=True, width="stretch")
        st.markdown(
            "Map: south polar stereographic on the IAU 2015 Moon sphere (IAU_2015:30135, R = 1,737,400 m), "
            "0° longitude up. Distances on the map are stretched by k = 2 / (1 + sin|lat|) (1.22 at 40° S); "
            "the scale bar uses k at the centre of the view, and every distance in the panels is geodesic."
        )
