"""The 3D view of the map: its controls and the mesh the map component draws (the data's ``terrain3d``).

Controls (in the map's Layers popover, :func:`terrain3d_controls`): a "3D terrain" toggle, the vertical
exaggeration (1x, true heights, to 10x) and the Sun's time (UTC; the date defaults to the visibility section's
window start, :func:`lunarmap_ui.visibility_panel.chosen_window`).

Which area: the square centred on the map view's centre, as wide as the view (capped to
:data:`MAX_AREA_M` = 100 km, at least :data:`MIN_AREA_M`). The view is read from the page's address
(``?view=x,y,zoom``, written by the browser after every pan and zoom and sent with every script run;
:func:`lunarmap_ui.address.parse_view`), else the last fly-to the page asked for (``page.K_VIEW``), else the
opening view. The view's width in map metres is the map's width in CSS pixels over ``2**zoom``
(deck.gl's orthographic zoom); the map's width is taken as :data:`ASSUMED_MAP_WIDTH_PX`.

The mesh: :func:`lunarmap.terrain_mesh.terrain_mesh` with :data:`VERTICES_PER_SIDE` = 129 vertices a side
(32,768 triangles; the library's budget is 2 x 256 x 256 = 131,072). 129 a side puts vertices 781 m apart over
the widest square (100 km), twice as fine as the 1.6 km polar DEM that covers it. While the view moves the browser
draws a coarser mesh of 2,048 triangles (``lunarmap_ui/map/terrain3d_detail.js``: in headless Chromium's software
WebGL the full mesh and the outlines' lines each held the orbit to 2 to 3 frames a second; bench/bench_terrain3d.py).
Sent compactly (:func:`mesh_payload`):
heights as a list (0.1 m), colours as base64 RGB bytes; the browser (``lunarmap_ui/map/terrain3d.js``) rebuilds
positions, normals and triangle indices from the regular grid. Sites, zones and the official PSR outlines in the
square are draped on it (:func:`lunarmap.terrain_mesh.drape_lines`), simplified to :data:`OUTLINE_TOLERANCE_SHARE`
of the mesh spacing first.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.horizon_cache import data_stamp
from lunarmap.terrain_mesh import MAX_EXAGGERATION, TerrainMesh, drape_lines, terrain_mesh

from . import address
from . import page as P
from .errors import error_words, show_error
from .visibility_panel import chosen_window

__all__ = ["K_T3D_ON", "K_T3D_EXAG", "K_T3D_DATE", "K_T3D_TIME", "MAX_AREA_M", "MIN_AREA_M", "VERTICES_PER_SIDE",
           "ASSUMED_MAP_WIDTH_PX", "terrain3d_controls", "area_from_view", "mesh_payload", "terrain3d_data"]

logger = logging.getLogger(__name__)

K_T3D_ON = "t3d_on"
K_T3D_EXAG = "t3d_exaggeration"
K_T3D_DATE = "t3d_sun_date"
K_T3D_TIME = "t3d_sun_time"
MAX_AREA_M = 100_000.0
MIN_AREA_M = 2_000.0
VERTICES_PER_SIDE = 129
ASSUMED_MAP_WIDTH_PX = 900.0
_PSR_COLOR = [30, 144, 255, 255]
_ZONE_COLOR = [255, 80, 60, 255]
_SITE_COLOR = [255, 255, 255, 255]
#: Outlines are simplified to this share of the mesh spacing before draping (98 m at 100 km across, about one
#: pixel of a 1,000-pixel view of the square): the official PSR outlines in a 100 km square at Shackleton drop from
#: about 11,000 vertices to a few thousand, which the browser's software WebGL draws several times faster.
OUTLINE_TOLERANCE_SHARE = 0.125


def terrain3d_controls() -> bool:
    """The 3D toggle, exaggeration slider and Sun time; True when the 3D view is on."""
    on = st.toggle("3D terrain", key=K_T3D_ON, help="Show the terrain around the view's centre as a 3D surface lit "
                   "by the Sun at the time below (drag to orbit, Shift-drag or right-drag to pan, wheel to zoom).")
    if on:
        st.slider("Vertical exaggeration", 1.0, MAX_EXAGGERATION, 1.0, 0.5, key=K_T3D_EXAG, format="%.1fx",
                  help="1x is true heights; more stretches heights only.")
        start = dt.date.fromisoformat(chosen_window()[0])
        day, hour = st.columns(2)
        day.date_input("Sun date (UTC)", value=start, key=K_T3D_DATE, min_value=dt.date(1900, 1, 2),
                       max_value=dt.date(2050, 12, 30))
        hour.time_input("Sun time (UTC)", value=dt.time(0, 0), key=K_T3D_TIME, step=dt.timedelta(hours=1))
    return bool(on)


def area_from_view(view: Mapping[str, Any] | None, width_px: float = ASSUMED_MAP_WIDTH_PX) -> tuple[float, float, float]:
    """(centre x, centre y, width) in map metres of the 3D square for a map view ``{"target", "zoom"}``."""
    if not view:
        return 0.0, 0.0, MAX_AREA_M
    x, y = float(view["target"][0]), float(view["target"][1])
    width = width_px / 2.0 ** float(view["zoom"])
    return x, y, float(min(max(width, MIN_AREA_M), MAX_AREA_M))


def _current_view() -> dict[str, Any] | None:
    text = st.query_params.get(address.QUERY_VIEW)
    if text:
        try:
            return address.parse_view(text)
        except ValueError:
            logger.info("3D view: the address's view %r is not usable; using the page's view", text)
    view = st.session_state.get(P.K_VIEW)
    return view if isinstance(view, dict) and "target" in view else None


def _sun_time() -> np.datetime64:
    day = st.session_state.get(K_T3D_DATE)
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(chosen_window()[0])
    when = st.session_state.get(K_T3D_TIME)
    when = when if isinstance(when, dt.time) else dt.time(0, 0)
    return np.datetime64(dt.datetime.combine(day, when).isoformat(timespec="seconds"), "s")


def _rings(geom: Any) -> list[np.ndarray]:
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.geom_type == "Polygon":
            out += [np.asarray(p.exterior.coords)[:, :2]] + [np.asarray(r.coords)[:, :2] for r in p.interiors]
    return out


def _psr_lines(data_dir: Path, box: Any) -> list[np.ndarray]:
    from lunarmap.psr_official import load_official

    official = load_official(data_dir)
    if official is None:
        return []
    lines: list[np.ndarray] = []
    for i in official.tree.query(box):
        lines += _rings(shapely.intersection(official.geoms[i], box))
    return lines


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def mesh_payload(mesh: TerrainMesh, paths: Sequence[Mapping[str, Any]] = (), points: Sequence[Mapping[str, Any]] = (),
                 sun_text: str = "") -> dict[str, Any]:
    """The data's ``terrain3d`` for a mesh: grid heights and colours compactly, the Sun, draped overlays."""
    z = mesh.positions[:, 2].astype(float)
    lo, hi = mesh.resolution_m
    res = f"{lo:,.0f} m" if lo == hi else f"{lo:,.0f} to {hi:,.0f} m"
    note = (f"{mesh.width_m / 1000:,.1f} km square, {mesh.n} x {mesh.n} vertices ({mesh.spacing_m:,.0f} m apart, "
            f"{mesh.n_triangles:,} triangles) from {' + '.join(mesh.products)} (data resolution {res}); heights "
            f"x{mesh.exaggeration:g}; colours {mesh.color_range_m[0]:,.0f} to {mesh.color_range_m[1]:,.0f} m."
            + "".join(f" {_sentence(error_words(p))}" for p in mesh.problems))
    return {
        "n": mesh.n, "spacingM": mesh.spacing_m, "widthM": mesh.width_m, "center": list(mesh.center_xy_m),
        "z": np.round(z, 1).tolist(), "colors": base64.b64encode(mesh.colors.tobytes()).decode("ascii"),
        "sun": None if mesh.sun is None else [float(v) for v in mesh.sun.vector],
        "sunText": sun_text, "exaggeration": mesh.exaggeration, "resolutionM": [lo, hi], "note": note,
        "paths": list(paths), "points": list(points),
    }


@st.cache_data(show_spinner="Building the 3D terrain…", max_entries=8)
def _mesh_cached(cx: float, cy: float, width: float, exaggeration: float, when: str, data_dir: str,
                 stamp: tuple) -> TerrainMesh:
    """The mesh, kept while the square, the Sun and the elevation data (``stamp``: the data folder's DEMs and the
    full-resolution DEMs pointed at, :func:`lunarmap.horizon_cache.data_stamp`) stay the same."""
    return terrain_mesh((cx, cy), width, VERTICES_PER_SIDE, exaggeration, time_utc=when, data_dir=data_dir)


def _overlays(mesh: TerrainMesh, catalog: Iterable[Any], zones: Sequence[Mapping[str, Any]],
              data_dir: Path) -> tuple[list[dict], list[dict]]:
    cx, cy = mesh.center_xy_m
    half = mesh.width_m / 2
    box = shapely.box(cx - half, cy - half, cx + half, cy + half)
    tol = OUTLINE_TOLERANCE_SHARE * mesh.spacing_m
    paths: list[dict] = []
    for piece in drape_lines(mesh, _psr_lines(data_dir, box), tol):
        paths.append({"kind": "psr", "path": np.round(piece, 1).tolist(), "color": _PSR_COLOR})
    for zone in zones:
        ring = zone.get("ring")
        if ring:
            closed = np.vstack([np.asarray(ring, float), np.asarray(ring[:1], float)])
            for piece in drape_lines(mesh, [closed], tol):
                paths.append({"kind": "zone", "path": np.round(piece, 1).tolist(), "color": _ZONE_COLOR})
    points: list[dict] = []
    for site in catalog:
        if site.is_region:
            for piece in drape_lines(mesh, _rings(site.geometry_polar), tol):
                paths.append({"kind": "region", "path": np.round(piece, 1).tolist(), "color": [255, 210, 0, 255]})
            continue
        p = site.geometry_polar
        z = float(mesh.z_at(p.x, p.y))
        if math.isfinite(z):
            points.append({"name": site.name, "position": [p.x - cx, p.y - cy, z + 0.04 * mesh.spacing_m],
                           "color": _SITE_COLOR})
    return paths, points


def terrain3d_data(catalog: Iterable[Any], data_dir: Path, zones: Sequence[Mapping[str, Any]] = ()) -> dict | None:
    """The data's ``terrain3d`` when the toggle is on (None when off, or after an error shown as text)."""
    if not st.session_state.get(K_T3D_ON):
        return None
    cx, cy, width = area_from_view(_current_view())
    exaggeration = float(st.session_state.get(K_T3D_EXAG, 1.0) or 1.0)
    when = _sun_time()
    zones_key = json.dumps([z.get("ring") for z in zones], default=str)
    catalog_key = f"{getattr(catalog, 'path', None)}|{len(list(catalog))}"
    try:
        return _payload_cached(round(cx, 1), round(cy, 1), round(width, 1), exaggeration, str(when), str(data_dir),
                               data_stamp(data_dir), zones_key, catalog_key, catalog, zones)
    except LunarmapError as err:
        show_error(err, "3D terrain")
        return None


@st.cache_data(show_spinner="Draping the map on the 3D terrain…", max_entries=8)
def _payload_cached(cx: float, cy: float, width: float, exaggeration: float, when: str, data_dir: str,
                    stamp: tuple, zones_key: str, catalog_key: str, _catalog: Iterable[Any],
                    _zones: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The payload, kept while the square, the Sun, the elevation data (``stamp``), the zones' rings and the catalogue
    stay the same (``zones_key`` and ``catalog_key`` stand for them in the cache key; the objects are not hashed)."""
    mesh = _mesh_cached(cx, cy, width, exaggeration, when, data_dir, stamp)
    paths, points = _overlays(mesh, _catalog, _zones, Path(data_dir))
    sun = mesh.sun
    sun_text = "" if sun is None else (f"Sun at {when.replace('T', ' ')[:16]} UTC: azimuth {sun.azimuth_deg:.1f}°, "
                                       f"elevation {sun.elevation_deg:.2f}° at the centre")
    return mesh_payload(mesh, paths, points, sun_text)
