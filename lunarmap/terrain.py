"""Slope and hillshade from an elevation grid (Horn 1981), with the pixel size taken from the affine transform.

Horn's 3x3 finite differences give the gradient along increasing rows
(``d_row``) and increasing columns (``d_col``) in metres of height per metre of
map distance. On the south polar stereographic map (IAU_2015:30135) a map
metre is ``1 / k`` metres on the sphere, with the point scale factor
``k = 2 / (1 + sin|lat|) = 1 + r^2 / (4 R^2)`` (``r`` the distance from the
pole on the map); pass ``scale_factor`` (a number or a grid, see
:func:`stereographic_scale_factor`) and the gradients are multiplied by it so
slopes are true on the sphere. Edge pixels and pixels next to NaN are NaN.

Reference: Horn, B.K.P. (1981), Hill shading and the reflectance map,
Proc. IEEE 69(1), 14-47.

>>> import numpy as np
>>> from affine import Affine
>>> z = np.add.outer(np.zeros(5), np.arange(5) * 60.0)   # rises 1 m per metre eastward
>>> round(float(slope_deg(z, Affine(60, 0, 0, 0, -60, 0))[2, 2]), 6)
45.0
>>> round(float(hillshade(np.zeros((3, 3)), Affine(60, 0, 0, 0, -60, 0))[1, 1]), 6)   # sin(45 deg)
0.707107
"""

from __future__ import annotations

from typing import Any

import numpy as np
from affine import Affine

from .crs import MOON_RADIUS_M
from .errors import RasterError

__all__ = [
    "pixel_size_m",
    "horn_gradients",
    "stereographic_scale_factor",
    "scale_factor_grid",
    "slope_deg",
    "hillshade",
    "hillshade_from_gradients",
]


def pixel_size_m(transform: Affine) -> tuple[float, float]:
    """(column spacing, row spacing) in map units of a north-up affine transform.

    Raises :class:`RasterError` for a rotated or sheared grid, which Horn's
    method as written here does not handle.
    """
    if abs(transform.b) > 1e-12 or abs(transform.d) > 1e-12:
        raise RasterError(
            f"the grid is rotated or sheared (transform {tuple(transform)[:6]!r}); slope and hillshade need a "
            "north-up grid: warp it to a north-up grid first (gdalwarp)."
        )
    dx, dy = abs(float(transform.a)), abs(float(transform.e))
    if not (dx > 0 and dy > 0):
        raise RasterError(f"the grid has a zero pixel size (transform {tuple(transform)[:6]!r}); fix its georeferencing.")
    return dx, dy


def horn_gradients(elevation_m: np.ndarray, transform: Affine, scale_factor: Any = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Horn (1981) gradients ``(d_row, d_col)``: height change per metre along increasing rows and columns.

    Distances come from the transform's pixel size divided by ``scale_factor``
    (a map metre is 1/k true metres). The border is NaN.
    """
    z = np.asarray(elevation_m, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 3:
        raise RasterError(f"elevation must be a 2-D grid of at least 3x3 pixels (got shape {z.shape}).")
    dx, dy = pixel_size_m(transform)
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    d_col = np.full(z.shape, np.nan)
    d_row = np.full(z.shape, np.nan)
    d_col[1:-1, 1:-1] = ((c + 2.0 * f + i) - (a + 2.0 * d + g)) / (8.0 * dx)
    d_row[1:-1, 1:-1] = ((g + 2.0 * h + i) - (a + 2.0 * b + c)) / (8.0 * dy)
    d_col[np.isnan(z)] = np.nan   # Horn's stencil skips the centre: a nodata pixel stays nodata
    d_row[np.isnan(z)] = np.nan
    k = np.asarray(scale_factor, dtype=np.float64)
    return d_row * k, d_col * k


def stereographic_scale_factor(x_m: Any, y_m: Any) -> Any:
    """Point scale factor k of the polar stereographic map at map coordinates (metres).

    ``k = 1 + r^2 / (4 R^2) = 2 / (1 + sin|lat|)``: 1 at the pole, 1.217 at 40 S.

    >>> round(float(stereographic_scale_factor(0.0, 0.0)), 6)
    1.0
    """
    r2 = np.asarray(x_m, dtype=np.float64) ** 2 + np.asarray(y_m, dtype=np.float64) ** 2
    return 1.0 + r2 / (4.0 * MOON_RADIUS_M * MOON_RADIUS_M)


def scale_factor_grid(transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    """Stereographic scale factor at every pixel centre of a grid in IAU_2015:30135 metres."""
    rows, cols = shape
    xs = transform.c + transform.a * (np.arange(cols) + 0.5)
    ys = transform.f + transform.e * (np.arange(rows) + 0.5)
    return stereographic_scale_factor(xs[None, :], ys[:, None])


def slope_deg(elevation_m: np.ndarray, transform: Affine, scale_factor: Any = 1.0) -> np.ndarray:
    """Slope in degrees (0 flat, 90 vertical) by Horn's method; NaN on the border and next to NaN."""
    d_row, d_col = horn_gradients(elevation_m, transform, scale_factor)
    return np.degrees(np.arctan(np.hypot(d_row, d_col)))


def hillshade(
    elevation_m: np.ndarray,
    transform: Affine,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    scale_factor: Any = 1.0,
    z_factor: float = 1.0,
) -> np.ndarray:
    """Lambertian hillshade in [0, 1] (Horn 1981 gradients), light from ``azimuth_deg`` clockwise from map up.

    On a polar map "up" is the grid's +y direction (0 degrees longitude on
    IAU_2015:30135), not geographic north; 315 is the cartographic convention
    of light from the upper left. A flat surface gives ``sin(altitude)``.
    ``z_factor`` exaggerates heights (1 = true relief).
    """
    d_row, d_col = horn_gradients(elevation_m, transform, scale_factor)
    return hillshade_from_gradients(d_row, d_col, transform, azimuth_deg, altitude_deg, z_factor)


def hillshade_from_gradients(d_row: np.ndarray, d_col: np.ndarray, transform: Affine, azimuth_deg: float = 315.0,
                             altitude_deg: float = 45.0, z_factor: float = 1.0) -> np.ndarray:
    """:func:`hillshade` from gradients already computed by :func:`horn_gradients` (slope and shade from one pass)."""
    # Map east = +column; map north = -row for a north-up grid (transform.e < 0).
    sign_row = -1.0 if transform.e < 0 else 1.0
    dz_east = z_factor * d_col * (1.0 if transform.a > 0 else -1.0)
    dz_north = z_factor * d_row * sign_row
    az = np.radians(azimuth_deg)
    alt = np.radians(altitude_deg)
    sun = (np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt))
    norm = np.sqrt(1.0 + dz_east**2 + dz_north**2)
    shade = (-dz_east * sun[0] - dz_north * sun[1] + sun[2]) / norm
    return np.clip(shade, 0.0, 1.0)
