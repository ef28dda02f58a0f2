"""Slope at points from the full-resolution DEMs: Horn's method on the 3 x 3 pixels around each point.

The readout and the comparison table ask for the slope at a few points. Where a full-resolution DEM covers a
point (:func:`lunarmap.product_sampling.full_resolution_dems`: LOLA 5 m to 87 S, 20 m to 80 S, read from a
local copy or in place over HTTP range requests), the slope is that of the DEM's own pixel there: Horn (1981)
over the pixel and its eight neighbours (a 3 x 3 window read for the point, never the file), true on the sphere
(:func:`lunarmap.terrain.slope_deg` with the stereographic scale factor), so a 5 m DEM gives the slope over a
10 m baseline. A point on the DEM's edge or next to no-data gets NaN here and its slope from the next product.
DEMs on a lon/lat grid (the 118 m global DEM) are left to the prepared slope layers.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from .crs import LONLAT_CODE, transformer
from .rasters import _grid, open_raster
from .remote import gdal_env, is_remote_path
from .terrain import scale_factor_grid, slope_deg

__all__ = ["slope_on_dem"]

logger = logging.getLogger(__name__)


def slope_on_dem(path: str | Path, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, float]:
    """(slope in degrees at each lon/lat point, NaN where the DEM cannot give one; the DEM's resolution in m).

    Raises rasterio's error when the file (or the server holding it) fails mid-read: the caller names the product.
    """
    with gdal_env() if is_remote_path(path) else nullcontext():
        return _slope_on_dem(path, lon, lat)


def _slope_on_dem(path: str | Path, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, float]:
    grid = _grid(path)
    out = np.full(np.shape(lon), np.nan)
    if grid.code == LONLAT_CODE or np.size(lon) == 0:
        return out, grid.resolution_m
    x, y = transformer(LONLAT_CODE, grid.code).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    inv = ~grid.transform
    cols = np.floor(inv.a * np.asarray(x) + inv.b * np.asarray(y) + inv.c).astype(np.int64)
    rows = np.floor(inv.d * np.asarray(x) + inv.e * np.asarray(y) + inv.f).astype(np.int64)
    inside = (rows >= 1) & (rows < grid.height - 1) & (cols >= 1) & (cols < grid.width - 1)
    if not inside.any():
        return out, grid.resolution_m
    with open_raster(path) as ds:
        scale = ds.scales[0] if ds.scales else 1.0
        offset = ds.offsets[0] if ds.offsets else 0.0
        for i in np.flatnonzero(inside):
            win = Window(int(cols[i]) - 1, int(rows[i]) - 1, 3, 3)
            z = ds.read(1, window=win, masked=True).astype(np.float64).filled(np.nan) * scale + offset
            t = window_transform(win, ds.transform)
            out[i] = slope_deg(z, t, scale_factor_grid(t, z.shape))[1, 1]
    return out, grid.resolution_m
