"""A sunlit-% map over a view: grid spacing, clipping to the data, colours, an image and its legend.

The view is a box in IAU_2015:30135 metres (the map's bounds). It is clipped
to the map's data extent (the pole to :data:`COVERAGE_EDGE_LAT_DEG`, where the
elevation, slope and hillshade layers are prepared), a grid spacing is chosen
so the grid holds at most about :data:`MAX_POINTS_PER_SIDE` squared points (and
never finer than :data:`MIN_SPACING_KM`), and
:func:`lunarmap.visibility.region_visibility` computes the sunlit fraction at
every grid point. :func:`sunlit_image` turns the result into an RGBA image in
map metres: each pixel takes the colour of its nearest grid point (the grid is
square on the ground, laid out around the view's centre), pixels outside the
clipped view are transparent.

>>> choose_spacing_km_for_extent(100.0), choose_spacing_km_for_extent(250.0), choose_spacing_km_for_extent(20.0)
(1.0, 2.5, 1.0)
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .crs import LONLAT_CODE, lonlat_to_polar, polar_to_lonlat, transformer
from .errors import GeometryError
from .geodesy import area_km2
from .visibility import RegionVisibility, region_grid_projection

__all__ = [
    "MAX_POINTS_PER_SIDE",
    "MIN_SPACING_KM",
    "MAP_AZIMUTH_STEP_DEG",
    "COVERAGE_EDGE_LAT_DEG",
    "SUNLIT_STOPS",
    "SunlitImage",
    "coverage_radius_m",
    "clip_view",
    "grid_extent_km",
    "choose_spacing_km_for_extent",
    "choose_spacing_km",
    "sunlit_rgba",
    "sunlit_image",
    "png_bytes",
    "sunlit_legend",
]

MAX_POINTS_PER_SIDE = 100
MIN_SPACING_KM = 1.0
#: Azimuth step of the horizons behind the map layer (the site table uses 0.5 deg).
MAP_AZIMUTH_STEP_DEG = 3.0
#: The map and its prepared layers reach from the pole to this latitude.
COVERAGE_EDGE_LAT_DEG = -40.0
#: Colour ramp of the layer: (sunlit %, colour), dark (never lit) to bright (always lit).
SUNLIT_STOPS: tuple[tuple[float, str], ...] = (
    (0.0, "#0d0887"), (25.0, "#7e03a8"), (50.0, "#cc4778"), (75.0, "#f89540"), (100.0, "#f0f921"),
)
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def coverage_radius_m(edge_lat_deg: float = COVERAGE_EDGE_LAT_DEG) -> float:
    """Distance from the pole in map metres (IAU_2015:30135) of the data's edge latitude.

    >>> round(coverage_radius_m(-40.0) / 1000.0, 1)   # 2 R tan(25 deg)
    1620.3
    """
    _, y = lonlat_to_polar(0.0, float(edge_lat_deg))
    return float(abs(y))


def clip_view(x0: Any, y0: Any, x1: Any, y1: Any, edge_lat_deg: float = COVERAGE_EDGE_LAT_DEG) -> Polygon:
    """The view box (IAU_2015:30135 metres, corners in any order) clipped to the data's extent (pole to edge_lat).

    Raises :class:`GeometryError` when a bound is not a number, the box has no
    area, or it lies wholly outside the data.
    """
    try:
        xa, ya, xb, yb = (float(v) for v in (x0, y0, x1, y1))
    except (TypeError, ValueError) as err:
        raise GeometryError(f"the view bounds must be numbers in metres (got {(x0, y0, x1, y1)!r}).") from err
    if not all(math.isfinite(v) for v in (xa, ya, xb, yb)):
        raise GeometryError(f"the view bounds must be finite metres (got {(x0, y0, x1, y1)!r}).")
    if xa == xb or ya == yb:
        raise GeometryError("the view has no area (its bounds are equal); zoom to an area and try again.")
    view = box(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
    disc = Point(0.0, 0.0).buffer(coverage_radius_m(edge_lat_deg), quad_segs=128)
    clipped = view.intersection(disc)
    if not isinstance(clipped, Polygon) or clipped.is_empty or clipped.area <= 0.0:
        raise GeometryError(
            f"the view lies outside the data, which reaches from the pole to {abs(edge_lat_deg):g} S; "
            "pan the map back over the south polar region."
        )
    return clipped


def grid_extent_km(geom_polar: BaseGeometry) -> float:
    """Side, in km, of a square with the region's true area on the sphere (a grid of spacing s has about
    (side / s)^2 points inside the region, whatever the region's shape and orientation)."""
    return math.sqrt(float(area_km2(geom_polar)))


def choose_spacing_km_for_extent(extent_km: float, max_points: int = MAX_POINTS_PER_SIDE,
                                 min_km: float = MIN_SPACING_KM) -> float:
    """The smallest round spacing (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k km), at least ``min_km``,
    with at most ``max_points`` intervals across ``extent_km`` (see :func:`grid_extent_km`)."""
    if not (math.isfinite(extent_km) and extent_km > 0):
        raise GeometryError(f"the view's extent must be a positive number of km (got {extent_km!r}).")
    need = max(float(min_km), extent_km / float(max_points))
    exp = math.floor(math.log10(need))
    for e in (exp, exp + 1):
        for m in _NICE:
            s = round(m * 10.0 ** e, 6)
            if s >= need * (1 - 1e-9):
                return s
    return round(10.0 ** (exp + 1), 6)  # pragma: no cover - the loop always returns


def choose_spacing_km(geom_polar: BaseGeometry, max_points: int = MAX_POINTS_PER_SIDE,
                      min_km: float = MIN_SPACING_KM) -> float:
    """Grid spacing (km on the ground) for a region so it holds at most about ``max_points`` x ``max_points`` points."""
    return choose_spacing_km_for_extent(grid_extent_km(geom_polar), max_points, min_km)


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def sunlit_rgba(percent: Any, stops: tuple[tuple[float, str], ...] = SUNLIT_STOPS, alpha: int = 210) -> np.ndarray:
    """RGBA (uint8, shape ``(..., 4)``) for sunlit percentages: linear between the stops, NaN transparent.

    >>> sunlit_rgba([0.0, 100.0, float("nan")]).tolist()
    [[13, 8, 135, 210], [240, 249, 33, 210], [0, 0, 0, 0]]
    """
    v = np.asarray(percent, dtype=float)
    xs = np.array([s for s, _ in stops], dtype=float)
    rgb = np.array([_hex_rgb(c) for _, c in stops], dtype=float)
    ok = np.isfinite(v)
    vv = np.clip(np.where(ok, v, 0.0), xs[0], xs[-1])
    out = np.zeros(v.shape + (4,), dtype=np.uint8)
    for k in range(3):
        out[..., k] = np.rint(np.interp(vv, xs, rgb[:, k])).astype(np.uint8)
    out[..., 3] = np.where(ok, alpha, 0).astype(np.uint8)
    out[~ok, :3] = 0
    return out


@dataclass(frozen=True, eq=False)
class SunlitImage:
    """An RGBA image (row 0 at the top) and its bounds (minx, miny, maxx, maxy) in IAU_2015:30135 metres."""

    rgba: np.ndarray
    bounds_m: tuple[float, float, float, float]
    pixel_m: float


def sunlit_image(result: RegionVisibility, geom_polar: BaseGeometry, max_pixels: int = 512,
                 pixels_per_cell: float = 2.0) -> SunlitImage:
    """The sunlit % of ``result`` (computed over ``geom_polar``) as an image over the region's bounds.

    Each pixel takes its nearest grid point's value: the pixel centre is taken
    to the grid's own square layout (:func:`lunarmap.visibility.region_grid_projection`)
    and rounded to the nearest node; at the region's edge, where that node lies
    outside the region, one of its eight neighbours inside it. Pixels outside
    ``geom_polar`` are transparent.
    """
    if result.n_points == 0:
        raise GeometryError("the sunlit result has no grid points; use a smaller spacing or a larger area.")
    minx, miny, maxx, maxy = (float(b) for b in geom_polar.bounds)
    step = result.spacing_km * 1000.0
    # map metres per ground metre at the centre of the view (stereographic scale factor) sets the pixel size
    clon, clat = polar_to_lonlat(0.5 * (minx + maxx), 0.5 * (miny + maxy))
    k = 2.0 / (1.0 + abs(math.sin(math.radians(float(clat)))))
    pixel = max(step * k / pixels_per_cell, (maxx - minx) / max_pixels, (maxy - miny) / max_pixels)
    nx, ny = max(1, math.ceil((maxx - minx) / pixel)), max(1, math.ceil((maxy - miny) / pixel))
    xs = minx + (np.arange(nx) + 0.5) * pixel
    ys = maxy - (np.arange(ny) + 0.5) * pixel
    X, Y = np.meshgrid(xs, ys)
    grid = region_grid_projection(geom_polar)
    gx, gy = transformer(LONLAT_CODE, grid).transform(result.lon_deg, result.lat_deg)
    gi, gj = np.rint(np.asarray(gx) / step).astype(np.int64), np.rint(np.asarray(gy) / step).astype(np.int64)
    i0, j0 = int(gi.min()), int(gj.min())
    table = np.full((int(gj.max()) - j0 + 1, int(gi.max()) - i0 + 1), np.nan)
    table[gj - j0, gi - i0] = 100.0 * np.asarray(result.sunlit_fraction, dtype=float)
    plon, plat = polar_to_lonlat(X.ravel(), Y.ravel())
    px, py = transformer(LONLAT_CODE, grid).transform(plon, plat)
    pi = np.rint(np.asarray(px) / step).astype(np.int64) - i0
    pj = np.rint(np.asarray(py) / step).astype(np.int64) - j0
    values = np.full(pi.shape, np.nan)
    # the nearest node, else (at the region's edge, where the nearest node lies outside it) a neighbouring one
    for di, dj in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
        qi, qj = pi + di, pj + dj
        todo = np.isnan(values) & (qi >= 0) & (qi < table.shape[1]) & (qj >= 0) & (qj < table.shape[0])
        values[todo] = table[qj[todo], qi[todo]]
    values[~shapely.contains_xy(geom_polar, X.ravel(), Y.ravel())] = np.nan
    return SunlitImage(sunlit_rgba(values.reshape(ny, nx)), (minx, maxy - ny * pixel, minx + nx * pixel, maxy), pixel)


def png_bytes(image: SunlitImage) -> bytes:
    """The image as PNG bytes (RGBA)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image.rgba), mode="RGBA").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def sunlit_legend(result: RegionVisibility, mast_m: float, azimuth_step_deg: float = MAP_AZIMUTH_STEP_DEG) -> dict:
    """Legend entry of the layer (the map component's ramp format) with the window, spacing and horizon data."""
    start = str(result.start_utc.astype("datetime64[m]")).replace("T", " ")
    end = str(result.end_utc.astype("datetime64[m]")).replace("T", " ")
    coarse = ("the 10 km LOLA grid misses hills and craters smaller than about 10 km"
              if "lola_global" in result.method else "")
    note = (f"Window {start} to {end} UTC every {result.step_hours:g} h, sensor {mast_m:g} m above the ground; "
            f"{result.n_points:,} points {result.spacing_km:g} km apart (each pixel shows its nearest point, or a neighbour at the edge); "
            f"horizons every {azimuth_step_deg:g} deg of azimuth (the site table uses 0.5 deg) from the "
            f"elevation data (10 km LOLA grid, 5 m where the Shoemaker DEM covers)" + (f": {coarse}." if coarse else "."))
    return {"title": "Sunlit", "units": "% of the window", "type": "ramp",
            "stops": [[s, c] for s, c in SUNLIT_STOPS], "note": note}
