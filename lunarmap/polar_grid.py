"""The prepared polar grid and raster writing: IAU_2015:30135 metres, 1,600 m pixels, from the pole to 40 S.

Cloud-Optimised GeoTIFFs written atomically (:func:`write_cog`), global lon/lat products reprojected onto the
grid, the 1.6 km polar DEM placed on it, and the blend of the two DEMs (:func:`blend_polar_dem`). Used by
:mod:`lunarmap.prepare`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.warp import Resampling, reproject

from .crs import MOON_RADIUS_M, SOUTH_POLAR
from .errors import RasterError
from .rasters import open_raster

__all__ = ["PIXEL_M", "HALF_EXTENT_M", "DEM_RESOLUTION_M", "POLAR_DEM_RESOLUTION_M", "BLEND_PX", "write_cog",
           "blend_polar_dem"]

#: Pixel of the polar grid: that of the 1.6 km polar LOLA DEM (whose grid it contains exactly, both edges at
#: whole multiples of 1,600 m); beyond about 70 S it holds the ~10.7 km global grid resampled.
PIXEL_M = 1_600.0
#: Half-width of the polar grid: the stereographic radius of 40 S, 2 R tan(25 deg) (1,620 km), rounded up to
#: whole pixels plus a margin of 4 pixels, so slope (which needs neighbours) is defined at 40 S too.
HALF_EXTENT_M = (math.ceil(2.0 * MOON_RADIUS_M * math.tan(math.radians(25.0)) / PIXEL_M) + 4) * PIXEL_M
#: Ground resolution of the global LOLA grid along a meridian (0.3515625 deg of latitude).
DEM_RESOLUTION_M = round(math.radians(0.3515625) * MOON_RADIUS_M, 1)
#: Ground resolution of the polar LOLA DEM (LDEM_256 in polar stereographic metres).
POLAR_DEM_RESOLUTION_M = 1_600.0
#: Width, in polar-DEM pixels, of the band inside its data edge over which it is blended into the global grid.
BLEND_PX = 12

def _rio_crs() -> rasterio.crs.CRS:
    return rasterio.crs.CRS.from_wkt(SOUTH_POLAR.to_wkt())


def write_cog(path: Path, array: np.ndarray, transform: Affine, nodata: float, tags: Mapping[str, Any],
              units: str = "", resampling: str = "average") -> None:
    """Write a single-band Cloud-Optimised GeoTIFF in IAU_2015:30135 (deflate, 512 px tiles, overviews), atomically."""
    tmp_gtiff = path.with_suffix(".tmp-src.tif")
    tmp_cog = path.with_suffix(".tmp-cog.tif")
    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1, "dtype": array.dtype,
               "crs": _rio_crs(), "transform": transform, "nodata": nodata}
    try:
        with rasterio.open(tmp_gtiff, "w", **profile) as dst:
            dst.write(array, 1)
            dst.update_tags(**{k: str(v) for k, v in tags.items()})
            if units:
                dst.set_band_unit(1, units)
        rasterio.shutil.copy(tmp_gtiff, tmp_cog, driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=512,
                             OVERVIEW_RESAMPLING=resampling.upper(), RESAMPLING=resampling.upper())
        os.replace(tmp_cog, path)
    finally:
        for p in (tmp_gtiff, tmp_cog):
            p.unlink(missing_ok=True)


def _polar_grid() -> tuple[Affine, tuple[int, int]]:
    n = int(round(2 * HALF_EXTENT_M / PIXEL_M))
    return Affine(PIXEL_M, 0.0, -HALF_EXTENT_M, 0.0, -PIXEL_M, HALF_EXTENT_M), (n, n)


def _to_polar(src_path: Path, resampling: Resampling, dtype: str, nodata: float) -> tuple[np.ndarray, Affine]:
    """Reproject a global lon/lat product onto the polar grid (scale and offset applied, nodata kept)."""
    with open_raster(src_path) as ds:
        data = ds.read(1, masked=True).astype(np.float64)
        src = (data * ds.scales[0] + ds.offsets[0]).filled(np.nan)
        src_crs, src_transform = ds.crs, ds.transform
    if src_crs is None:
        raise RasterError(f"raster {src_path} has no CRS; fetch it again (python -m lunarmap fetch --force).")
    transform, shape = _polar_grid()
    out = np.full(shape, np.nan)
    reproject(src, out, src_transform=src_transform, src_crs=src_crs, src_nodata=np.nan, dst_transform=transform,
              dst_crs=_rio_crs(), dst_nodata=np.nan, resampling=resampling)
    if dtype != "float32":
        out = np.where(np.isnan(out), nodata, np.clip(np.rint(out), 1, 255))
    return out.astype(dtype), transform


def blend_polar_dem(coarse: np.ndarray, fine: np.ndarray, blend_px: int = BLEND_PX) -> np.ndarray:
    """The fine DEM where it has data, the coarse one elsewhere, blended linearly over ``blend_px`` inside the edge.

    Both arrays are on the same grid (NaN = no data). The fine DEM's weight is
    its distance from the nearest pixel without fine data (or the array's
    edge), in pixels, over ``blend_px``, capped at 1: so the result has no
    step where the fine data ends, only a ramp as gentle as the two products'
    own disagreement spread over ``blend_px`` pixels.

    >>> c, f = np.zeros((9, 9)), np.full((9, 9), np.nan)
    >>> f[1:-1, 1:-1] = 8.0
    >>> blend_polar_dem(c, f, blend_px=2)[4].tolist()
    [0.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 4.0, 0.0]
    """
    from scipy.ndimage import distance_transform_cdt

    has = np.isfinite(fine)
    padded = np.pad(has, 1, constant_values=False)
    dist = distance_transform_cdt(padded, metric="chessboard")[1:-1, 1:-1].astype(np.float64)
    w = np.clip(dist / float(blend_px), 0.0, 1.0)
    w[~has] = 0.0
    out = np.where(has, w * np.nan_to_num(fine) + (1.0 - w) * coarse, coarse)
    return np.where(np.isnan(coarse) & has, fine, out)


def _polar_dem_on(transform: Affine, shape: tuple[int, int], path: Path) -> np.ndarray:
    """The 1.6 km polar DEM on the prepared grid (exact copy where the grids align), NaN beyond its data."""
    with open_raster(path) as ds:
        src = (ds.read(1, masked=True).astype(np.float64) * ds.scales[0] + ds.offsets[0]).filled(np.nan)
        src_crs, src_transform = ds.crs, ds.transform
    out = np.full(shape, np.nan)
    reproject(src, out, src_transform=src_transform, src_crs=src_crs, src_nodata=np.nan, dst_transform=transform,
              dst_crs=_rio_crs(), dst_nodata=np.nan, resampling=Resampling.bilinear)
    return out
