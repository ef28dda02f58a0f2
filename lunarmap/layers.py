"""pydeck layers, views and the map spec of the south-polar map, in IAU_2015:30135 metres.

Size: about 445 lines: the graticule, sites and regions, rasters and the whole map's assembly; the graticule
(about 65 lines) is the seam to move out.

Views (where the map looks, zoom for a width) are in :mod:`lunarmap.views` and re-exported here.
Keep-out zone layers (zone rows, overlaps, the repair outline, the zones legend) are in
:mod:`lunarmap.zone_layers`, built the same way (``pydeck.Layer`` -> :func:`layer_dicts`).

Pure functions: no Streamlit. Every layer uses deck.gl's cartesian coordinate
system (positions are south polar stereographic metres; the pole is (0, 0) and
0 degrees longitude points along +y, so the near side is up), and the one view
is an ``OrthographicView`` with ``flipY=False``. No basemap: nothing leaves the
machine.

The stereographic map stretches distances by the scale factor
``k = 2 / (1 + sin|lat|)`` (map metres per true metre): 1 at the pole, about
1.22 at 40 S. Scale bars must use it.

>>> round(scale_factor(-90.0), 6), round(scale_factor(-40.0), 4)
(1.0, 1.2174)
>>> round(polar_radius_m(-40.0) / 1000.0, 1)   # the map's edge, km from the pole
1620.3
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize
from shapely.geometry import Point

from .crs import lonlat_to_polar, polar_to_lonlat
from .errors import GeometryError, RasterError
from .sites import KINDS, Site
from .views import (
    MAP_EDGE_LAT_DEG,
    ViewTarget,
    lat_of_radius_deg,
    map_view,
    polar_radius_m,
    scale_factor,
    view_for_point,
    view_for_sites,
    zoom_for_width_m,
)

__all__ = [
    "MAP_EDGE_LAT_DEG",
    "REGION_LABEL_MIN_ZOOM",
    "KIND_COLORS",
    "RASTER_ORDER",
    "ViewTarget",
    "scale_factor",
    "polar_radius_m",
    "lat_of_radius_deg",
    "zoom_for_width_m",
    "view_for_sites",
    "view_for_point",
    "map_view",
    "graticule_paths",
    "graticule_labels",
    "graticule_layers",
    "site_rows",
    "site_layers",
    "raster_layer",
    "coverage_layer",
    "deck_spec",
    "LayerSetting",
    "RasterSource",
    "VECTOR_DEFAULTS",
    "RASTER_DEFAULTS",
    "map_layers",
    "raster_layers",
    "kinds_legend",
    "LEGEND_MEANINGS",
    "LABEL_BACKGROUND",
    "legend_meaning",
    "known_kinds",
    "polar_point_lonlat",
    "layer_dicts",
    "short_label",
]

#: Site and region colours by kind (RGB), one per :data:`lunarmap.sites.KINDS`.
KIND_COLORS: dict[str, tuple[int, int, int]] = {
    "landed": (255, 214, 10),
    "crash": (255, 69, 58),
    "target": (191, 90, 242),
    "planned": (48, 209, 88),
    "region": (255, 159, 10),
}
#: Region names are drawn only from this zoom in (about 1 km per pixel); below it they would pile up at the pole.
#: (``lmMinZoom`` is read by the map component, not by deck.gl.)
REGION_LABEL_MIN_ZOOM = -10.0
#: Raster layers from bottom to top.
RASTER_ORDER = ("mosaic", "wac", "hillshade", "elevation", "slope", "psr")
_CARTESIAN = pdk.types.String("cartesian")
_LABEL_FONT = "Helvetica, Arial, sans-serif"
#: Site and region labels sit on a near-opaque dark backing (RGBA), so they read on light and dark terrain alike.
LABEL_BACKGROUND = [14, 17, 26, 225]
#: The backing's padding around the text, pixels: left, top, right, bottom.
_LABEL_PADDING = [4, 2, 4, 2]
#: What each raster layer's colour means and its units, shown in the legend under its title.
LEGEND_MEANINGS: dict[str, tuple[str, str]] = {
    "elevation": ("height above the 1,737.4 km sphere", "m"),
    "hillshade": ("illumination from the upper left", "no units"),
    "slope": ("steepness of the ground", "degrees"),
    "mosaic": ("brightness", "no units"),
    "wac": ("brightness", "no units"),
    "psr": ("never lit by the Sun", "no units"),
}


# ----------------------------------------------------------------- graticule
def _parallels_deg() -> list[float]:
    fine = [-89.0 + i for i in range(10)]          # 89 S .. 80 S every degree
    coarse = [-75.0, -70.0, -65.0, -60.0, -55.0, -50.0, -45.0, -40.0]
    return fine + coarse


def graticule_paths(n_vertices: int = 180) -> list[dict[str, Any]]:
    """Latitude circles (every 1 deg from 89 S to 80 S, every 5 deg to 40 S) and meridians every 30 deg.

    Paths are in IAU_2015:30135 metres rounded to 1 m. A latitude circle is a
    circle about the pole on this map; meridians are straight lines from the
    pole to 40 S.
    """
    rows: list[dict[str, Any]] = []
    t = np.linspace(0.0, 2.0 * math.pi, n_vertices + 1)
    for lat in _parallels_deg():
        r = polar_radius_m(lat)
        path = np.round(np.column_stack([r * np.sin(t), r * np.cos(t)])).tolist()
        rows.append({"id": f"lat{lat:g}", "kind": "parallel", "deg": lat, "path": path})
    r_edge = polar_radius_m(MAP_EDGE_LAT_DEG)
    for lon in range(-150, 181, 30):
        x, y = lonlat_to_polar(float(lon), MAP_EDGE_LAT_DEG)
        rows.append({"id": f"lon{lon}", "kind": "meridian", "deg": float(lon),
                     "path": [[0.0, 0.0], [round(float(x)), round(float(y))]]})
    assert abs(math.hypot(*rows[-1]["path"][1]) - r_edge) < 2.0
    return rows


def _lon_label(lon: float) -> str:
    lon = ((lon + 180.0) % 360.0) - 180.0
    if lon == 0.0:
        return "0°"
    if abs(lon) == 180.0:
        return "180°"
    return f"{abs(lon):g}°{'E' if lon > 0 else 'W'}"


def graticule_labels() -> list[dict[str, Any]]:
    """Labels: meridians just outside 40 S, latitudes along the 15 deg E meridian (every 5 deg, and 85..89 S)."""
    rows = []
    for lon in range(-150, 181, 30):
        x, y = lonlat_to_polar(float(lon), MAP_EDGE_LAT_DEG + 1.5)
        rows.append({"text": _lon_label(float(lon)), "position": [round(float(x)), round(float(y))]})
    for lat in [-89.0, -88.0, -87.0, -86.0, -85.0, -80.0, -75.0, -70.0, -65.0, -60.0, -55.0, -50.0, -45.0, -40.0]:
        x, y = lonlat_to_polar(15.0, lat)
        rows.append({"text": f"{abs(lat):g}°S", "position": [round(float(x)), round(float(y))]})
    return rows


def graticule_layers(opacity: float = 1.0, visible: bool = True) -> list[pdk.Layer]:
    """PathLayer of the graticule lines and TextLayer of their labels."""
    lines = pdk.Layer(
        "PathLayer", id="graticule", data=graticule_paths(), get_path="path", coordinate_system=_CARTESIAN,
        get_color=[220, 220, 220, 110], get_width=1, width_units=pdk.types.String("pixels"), pickable=False,
        opacity=opacity, visible=visible,
    )
    labels = pdk.Layer(
        "TextLayer", id="graticule-labels", data=graticule_labels(), get_position="position", get_text="text",
        coordinate_system=_CARTESIAN, get_size=12, get_color=[235, 235, 235, 220], font_family=pdk.types.String(_LABEL_FONT),
        character_set=pdk.types.String("auto"),
        outline_width=2, outline_color=[0, 0, 0, 200], font_settings={"sdf": True},
        pickable=False, opacity=opacity, visible=visible,
    )
    return [lines, labels]


# ----------------------------------------------------------------- sites and regions
def _tooltip(site: Site) -> dict[str, Any]:
    lon, lat = site.lonlat
    return {
        "id": site.id, "name": site.name, "kind": site.kind, "agency": site.agency, "date": site.date or "",
        "lon": round(lon, 4), "lat": round(lat, 4), "source": site.source,
        "area_km2": round(site.area_km2, 1) if site.is_region else None,
    }


#: Region outlines are simplified to this tolerance for display (they are densified to 1 km edges for accuracy).
DISPLAY_TOLERANCE_M = 20.0


def _rings(geom: Any) -> list[list[list[float]]]:
    geom = shapely.simplify(geom, DISPLAY_TOLERANCE_M, preserve_topology=True)
    polys = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    return [np.round(np.asarray(p.exterior.coords)[:, :2], 1).tolist() for p in polys]


def site_rows(sites: Iterable[Site], selected: Sequence[str] = ()) -> tuple[list[dict], list[dict]]:
    """Rows for the sites layers: (points, regions), each with tooltip fields, colour and map position in metres."""
    chosen = set(selected)
    points, regions = [], []
    for s in sites:
        rgb = list(KIND_COLORS.get(s.kind, (200, 200, 200)))
        row = _tooltip(s)
        row["selected"] = s.id in chosen
        row["color"] = rgb + [255]
        row["line"] = [255, 255, 255, 255] if s.id in chosen else [0, 0, 0, 255]
        if s.is_region:
            for i, ring in enumerate(_rings(s.geometry_polar)):
                reg = dict(row, polygon=ring, part=i, fill=rgb + [90 if s.id in chosen else 40],
                           line=([255, 255, 255, 255] if s.id in chosen else rgb + [255]))
                regions.append(reg)
        else:
            pt = s.geometry_polar
            assert isinstance(pt, Point)  # a site is a Point or a (Multi)Polygon region
            row["position"] = [round(pt.x, 1), round(pt.y, 1)]
            points.append(row)
    return points, regions


def site_layers(sites: Iterable[Site], selected: Sequence[str] = (), opacity: float = 1.0,
                show_sites: bool = True, show_regions: bool = True, regions_opacity: float | None = None) -> list[pdk.Layer]:
    """Regions (outlined polygons with names) and sites (points with labels coloured by kind)."""
    sites = list(sites)
    points, regions = site_rows(sites, selected)
    region_labels = []
    for r in regions:
        if r["part"] == 0:
            x, y = lonlat_to_polar(r["lon"], r["lat"])
            # the region's own tooltip fields too: a label is pickable (a click on it selects, hovering it tells)
            fields = {k: v for k, v in r.items() if k not in ("polygon", "fill", "line", "part", "color")}
            region_labels.append({**fields, "text": r["name"].removeprefix("Artemis III candidate: "),
                                  "kind": "region", "position": [round(float(x), 1), round(float(y), 1)]})
    common = {"coordinate_system": _CARTESIAN, "opacity": opacity}
    region_common = dict(common, opacity=opacity if regions_opacity is None else regions_opacity)
    return [
        pdk.Layer("PolygonLayer", id="regions", data=regions, get_polygon="polygon", get_fill_color="fill",
                  get_line_color="line", line_width_units=pdk.types.String("pixels"), get_line_width=2,
                  stroked=True, filled=True, pickable=True, auto_highlight=True, visible=show_regions, **region_common),
        pdk.Layer("TextLayer", id="region-labels", data=region_labels, get_position="position", get_text="text",
                  get_size=12, get_color=[255, 236, 200, 255], font_family=pdk.types.String(_LABEL_FONT),
                  character_set=pdk.types.String("auto"), background=True, get_background_color=LABEL_BACKGROUND,
                  background_padding=_LABEL_PADDING, get_text_anchor=pdk.types.String("middle"),
                  get_alignment_baseline=pdk.types.String("top"), get_pixel_offset=[0, 6], visible=show_regions,
                  pickable=True, lm_min_zoom=REGION_LABEL_MIN_ZOOM, **region_common),   # a click on it selects
        pdk.Layer("ScatterplotLayer", id="sites", data=points, get_position="position", get_fill_color="color",
                  get_line_color="line", stroked=True, line_width_min_pixels=1.5, radius_units=pdk.types.String("pixels"),
                  get_radius=7, pickable=True, auto_highlight=True, visible=show_sites, **common),
        pdk.Layer("TextLayer", id="site-labels", data=[dict(p, text=short_label(p["name"])) for p in points],
                  get_position="position", get_text="text", get_color="color", get_size=13,
                  font_family=pdk.types.String(_LABEL_FONT), character_set=pdk.types.String("auto"),
                  background=True, get_background_color=LABEL_BACKGROUND, background_padding=_LABEL_PADDING,
                  get_text_anchor=pdk.types.String("start"), get_alignment_baseline=pdk.types.String("center"),
                  get_pixel_offset=[10, 0], visible=show_sites, pickable=True, **common),   # a click on it selects
    ]


def short_label(name: str) -> str:
    """A map label: the name without its parenthesised part ("Chang'e 4 lander (Statio Tianhe)" -> "Chang'e 4 lander").

    >>> short_label("Chang'e 4 lander (Statio Tianhe)")
    "Chang'e 4 lander"
    """
    cut = name.split(" (", 1)[0].strip()
    return cut or name


# ----------------------------------------------------------------- rasters
def raster_layer(name: str, url: str, bounds_m: Sequence[float], opacity: float = 1.0,
                 visible: bool = True, preview_url: str | None = None) -> pdk.Layer:
    """BitmapLayer of a display image served at ``url`` (a static file), placed by its bounds in metres.

    ``preview_url``: a smaller copy (``lmPreview``) the map draws at the zooms where its pixels are not magnified;
    the full image is fetched only once the view is zoomed in beyond it (``lunarmap_ui/map/lod.js``)."""
    minx, miny, maxx, maxy = (float(b) for b in bounds_m)
    if not (minx < maxx and miny < maxy):
        raise GeometryError(f"bounds_m of layer {name!r} must have minx < maxx and miny < maxy (got {list(bounds_m)!r}).")
    if url.startswith("data:"):
        raise RasterError(
            f"layer {name!r} was given a data URL ({url[:30]!r}...); data URLs are re-sent on every rerun. "
            "Publish the image as a static file and pass its URL (app/static/NAME)."
        )
    extra = {"lmPreview": pdk.types.String(preview_url)} if preview_url else {}
    return pdk.Layer("BitmapLayer", id=f"raster-{name}", image=pdk.types.String(url), bounds=[minx, miny, maxx, maxy],
                     coordinate_system=_CARTESIAN, opacity=opacity, visible=visible, pickable=False, **extra)


def coverage_layer(name: str, bounds_m: Sequence[float], visible: bool = True,
                   inner_bounds_m: Sequence[float] | None = None) -> pdk.Layer:
    """Dashed-looking outline of a raster's coverage (e.g. the PSR grid stopping at about 85 S).

    ``inner_bounds_m``: a second box inside, where a finer part of the data
    stops (e.g. the 60 m PSR grid inside the official outlines' map).
    """
    rows = []
    for label, box in ((name, bounds_m), (f"{name} (inner)", inner_bounds_m)):
        if box is None:
            continue
        minx, miny, maxx, maxy = (float(b) for b in box)
        ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
        lat = lat_of_radius_deg(min(abs(minx), abs(maxx), abs(miny), abs(maxy)))
        rows.append({"path": ring, "name": label, "edge_lat": round(lat, 2)})
    return pdk.Layer("PathLayer", id=f"coverage-{name}", data=rows,
                     get_path="path", coordinate_system=_CARTESIAN, get_color=[120, 190, 255, 200], get_width=1.5,
                     width_units=pdk.types.String("pixels"), visible=visible, pickable=False)


# ----------------------------------------------------------------- spec
def layer_dicts(layers: Sequence[pdk.Layer]) -> list[dict[str, Any]]:
    """Layers as the JSON dicts deck.gl's JSONConverter reads."""
    deck = pdk.Deck(layers=list(layers), views=[map_view()], map_style=None, map_provider=None)
    # pydeck's own to_json indents (pure-Python encoder, twice the bytes): encode compactly instead.
    return json.loads(json.dumps(deck, sort_keys=True, default=default_serialize))["layers"]


def deck_spec(layers: Sequence[Mapping[str, Any] | pdk.Layer], view: ViewTarget) -> dict[str, Any]:
    """The whole map as one JSON-able dict: views, initial view state and layers (``mapStyle`` None)."""
    plain = [dict(x) if isinstance(x, Mapping) else None for x in layers]
    to_convert = [x for x in layers if not isinstance(x, Mapping)]
    converted = iter(layer_dicts(to_convert)) if to_convert else iter(())
    out_layers = [p if p is not None else next(converted) for p in plain]
    return {"views": json.loads(_views_json()), "initialViewState": view.as_dict(), "layers": out_layers, "mapStyle": None}


@lru_cache(maxsize=1)
def _views_json() -> str:
    """The map's views as JSON, made once (building a pydeck Deck costs milliseconds: it probes for Jupyter)."""
    deck = pdk.Deck(layers=[], views=[map_view()], map_style=None, map_provider=None)
    return json.dumps(json.loads(json.dumps(deck, default=default_serialize))["views"])


def known_kinds() -> tuple[str, ...]:
    """Kinds with a colour (all of :data:`lunarmap.sites.KINDS`)."""
    return tuple(k for k in KINDS if k in KIND_COLORS)


def _check_colours() -> None:
    missing = [k for k in KINDS if k not in KIND_COLORS]
    if missing:  # pragma: no cover - guards the table above against a new kind
        raise ValueError(f"KIND_COLORS lacks colours for kinds {missing}; add them.")


_check_colours()


def polar_point_lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """Lon/lat degrees of a map point in metres (thin wrapper for the click readout)."""
    lon, lat = polar_to_lonlat(float(x_m), float(y_m))
    return float(lon), float(lat)


# ----------------------------------------------------------------- the whole map
@dataclass(frozen=True)
class LayerSetting:
    """A layer's toggle and opacity (0..1)."""

    visible: bool
    opacity: float


@dataclass(frozen=True)
class RasterSource:
    """A display image ready for the browser: layer name, static URL and bounds in 30135 metres."""

    name: str
    url: str
    bounds_m: tuple[float, float, float, float]
    preview_url: str | None = None


#: Vector layers with a toggle and opacity, and their defaults.
VECTOR_DEFAULTS: dict[str, LayerSetting] = {
    "sites": LayerSetting(True, 1.0),
    "regions": LayerSetting(True, 1.0),
    "graticule": LayerSetting(True, 0.8),
}
#: Raster layers' defaults: as LROC QuickMap opens, the WAC mosaic is the basemap poleward of 70 S (the global
#: mosaic beyond), elevation colours a see-through overlay, PSRs on top; hillshade and slope when chosen.
RASTER_DEFAULTS: dict[str, LayerSetting] = {
    "mosaic": LayerSetting(True, 1.0),
    "wac": LayerSetting(True, 1.0),
    "hillshade": LayerSetting(False, 1.0),
    "elevation": LayerSetting(True, 0.35),
    "slope": LayerSetting(False, 0.8),
    "psr": LayerSetting(True, 1.0),
}


def _setting(settings: Mapping[str, LayerSetting], name: str) -> LayerSetting:
    return settings.get(name) or VECTOR_DEFAULTS.get(name) or RASTER_DEFAULTS.get(name) or LayerSetting(True, 1.0)


def raster_layers(rasters: Sequence[RasterSource], settings: Mapping[str, LayerSetting]) -> list[pdk.Layer]:
    """BitmapLayers of the visible rasters bottom to top (:data:`RASTER_ORDER`), then the PSR grid's coverage outline."""
    by_name = {r.name: r for r in rasters}
    out: list[pdk.Layer] = []
    for name in [n for n in RASTER_ORDER if n in by_name] + [n for n in by_name if n not in RASTER_ORDER]:
        s = _setting(settings, name)
        if s.visible:  # hidden rasters are left out, so the browser fetches an image only once it is shown
            r = by_name[name]
            out.append(raster_layer(name, r.url, r.bounds_m, s.opacity, preview_url=r.preview_url))
    if "psr" in by_name:    # past about 80 S the image holds the official outlines, the 60 m grid to 85 S inside
        b, r85 = by_name["psr"].bounds_m, polar_radius_m(-85.0)
        inner = (-r85, -r85, r85, r85) if lat_of_radius_deg(min(abs(v) for v in b)) > -80.0 else None
        out.append(coverage_layer("psr", b, visible=_setting(settings, "psr").visible, inner_bounds_m=inner))
    return out


def map_layers(sites: Sequence[Site], rasters: Sequence[RasterSource], settings: Mapping[str, LayerSetting],
               selected: Sequence[str] = ()) -> list[pdk.Layer]:
    """Every layer of the map, bottom to top: rasters, raster coverage outlines, graticule, regions, sites."""
    def setting(name: str) -> LayerSetting:
        return _setting(settings, name)

    out = raster_layers(rasters, settings)
    g = setting("graticule")
    out += graticule_layers(g.opacity, g.visible)
    return out + site_layers(sites, selected, opacity=setting("sites").opacity, show_sites=setting("sites").visible,
                             show_regions=setting("regions").visible, regions_opacity=setting("regions").opacity)


def kinds_legend() -> dict[str, Any]:
    """Legend entry of the site colours by kind."""
    classes = [{"label": f"{k}: {KINDS[k]}", "color": "#{:02x}{:02x}{:02x}".format(*KIND_COLORS[k]),
                "shape": "area" if k == "region" else "point"} for k in known_kinds()]
    return {"title": "Sites and regions", "units": "", "meaning": "marker colour: what is or was there",
            "type": "classes", "classes": classes, "note": ""}


def legend_meaning(name: str) -> dict[str, str]:
    """The legend's ``meaning`` and ``units`` of raster layer ``name`` (:data:`LEGEND_MEANINGS`; empty if unknown).

    >>> legend_meaning("hillshade")
    {'meaning': 'illumination from the upper left', 'units': 'no units'}
    """
    meaning, units = LEGEND_MEANINGS.get(name, ("", ""))
    return {"meaning": meaning, "units": units}
