"""Synthetic Cloud-Optimised GeoTIFFs with the real LOLA south polar georeferencing, for the remote-product tests
and bench/bench_remote.py.

The grid is that of the LOLA polar DEMs: IAU_2015:30135 (south polar stereographic metres on the 1,737.4 km
sphere), square pixels, centred on the pole. Written by strips, so a 16,384 x 16,384 raster never sits in memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.transform import from_origin
from rasterio.windows import Window

from lunarmap.crs import SOUTH_POLAR


def smooth_heights(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Heights in metres (float32) varying smoothly everywhere: bilinear sampling has something to interpolate."""
    return (500.0 * np.sin(cols / 70.0) + 300.0 * np.cos(rows / 90.0) + 0.01 * rows * cols / 100.0).astype(np.float32)


def blocky_heights(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Heights in metres (int16), constant over each 512-pixel tile: compresses to almost nothing."""
    return ((rows // 512) * 7 + (cols // 512) * 3 - 2000).astype(np.int16)


def terrain_heights(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Heights in metres (int16): smooth relief plus a metre or two of deterministic roughness, so the file
    compresses about as poorly as a real DEM (DEFLATE cannot squeeze the roughness out)."""
    rough = (rows * 7919 + cols * 104729 + (rows * cols) % 7) % 5 - 2
    return (smooth_heights(rows, cols) + rough).astype(np.int16)


#: The plane of :func:`plane_heights`: metres of height per map metre east (x) and north (y).
PLANE_GRADIENT = (0.2, -0.1)


def plane_heights(rows: np.ndarray, cols: np.ndarray, pixel_m: float = 5.0) -> np.ndarray:
    """Heights in metres (float32) on a plane of map x and y: :data:`PLANE_GRADIENT` (rows run south, columns
    east), so its slope in any direction is known exactly (bilinear interpolation of a plane is the plane)."""
    gx, gy = PLANE_GRADIENT
    return (gx * pixel_m * cols - gy * pixel_m * rows - 600.0).astype(np.float32)


def make_cog(path: Path, size: int, pixel_m: float = 5.0, pattern: str = "smooth") -> Path:
    """Write a ``size`` x ``size`` COG (512 px tiles, DEFLATE, overviews down to < 512 px) centred on the pole;
    ``pattern``: "smooth" (float32), "plane" (float32, 5 m pixels), "blocky" (int16, tiny file) or "terrain"
    (int16, about a real DEM's size)."""
    heights = {"smooth": smooth_heights, "plane": plane_heights, "blocky": blocky_heights, "terrain": terrain_heights}[pattern]
    dtype = "float32" if pattern in ("smooth", "plane") else "int16"
    half = size * pixel_m / 2.0
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": dtype,
               "crs": rasterio.crs.CRS.from_wkt(SOUTH_POLAR.to_wkt()), "transform": from_origin(-half, half, pixel_m, pixel_m),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "nodata": -32768}
    plain = path.with_name(path.stem + ".plain.tif")
    with rasterio.open(plain, "w", **profile) as dst:
        cols = np.arange(size)
        for r0 in range(0, size, 512):
            rows = np.arange(r0, min(r0 + 512, size))
            dst.write(heights(rows[:, None], cols[None, :]), 1, window=Window(0, r0, size, rows.size))
    rasterio.shutil.copy(plain, path, driver="COG", blocksize=512, compress="deflate", overview_resampling="average",
                         num_threads="2")
    plain.unlink()
    return path
