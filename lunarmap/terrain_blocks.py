"""Slope and hillshade of a DEM larger than memory: block by block, with a one-pixel halo, into COGs with overviews.

:mod:`lunarmap.terrain` works on a whole array. A 5 m polar DEM of 16k x 16k
pixels is 2 GB as float64 and several times that in temporaries, so here the
DEM is read in square blocks (``block_px``, 2,048 by default) each with a
one-pixel halo (Horn's stencil is 3 x 3), the block's inner part is computed
and written, and nothing but one block and its results is ever in memory.
Because every inner pixel sees the same 3 x 3 neighbourhood as in the
whole-array computation, the result is identical to it, seams included (the
tests compare both on a raster small enough for both); the raster's own edge
is NaN, as there.

The output is first written as a tiled GeoTIFF, then GDAL's COG driver copies
it into a Cloud-Optimised GeoTIFF with overviews (average), streaming, with
GDAL's block cache capped (:data:`GDAL_CACHE_MB`). Progress is reported per
block with an estimate of the time left.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.errors
import rasterio.shutil
from rasterio.windows import Window

from .errors import RasterError
from .terrain import hillshade_from_gradients, horn_gradients, scale_factor_grid

__all__ = ["BlockProgress", "GDAL_CACHE_MB", "terrain_blockwise", "blocks"]

logger = logging.getLogger(__name__)

#: GDAL's raster block cache while writing (MB): GDAL's default is 5 % of the machine's memory.
GDAL_CACHE_MB = 256
#: Compression of the output COGs: Zstandard at a low level compresses float rasters about as well as
#: DEFLATE (with the floating-point predictor) at several times the speed.
COG_COMPRESS, COG_LEVEL = "ZSTD", 3


@dataclass(frozen=True)
class BlockProgress:
    """How far a blockwise run is: blocks done of all, seconds so far and (estimated) left, and the phase."""

    done: int
    total: int
    elapsed_s: float
    eta_s: float
    phase: str   # "blocks" (computing) or "cog" (writing the COG and its overviews)

    def __str__(self) -> str:
        if self.phase == "cog":
            return f"writing the COGs with overviews ({self.elapsed_s:.0f} s so far)"
        return (f"block {self.done:,} of {self.total:,} ({100.0 * self.done / max(self.total, 1):.0f} %), "
                f"{self.elapsed_s:.0f} s so far, about {self.eta_s:.0f} s left")


def blocks(height: int, width: int, block_px: int) -> Iterator[tuple[Window, Window]]:
    """``(read window with a one-pixel halo, inner window)`` for square blocks covering a raster.

    The halo is clipped at the raster's edges; a read window is at least 3 pixels each way (a thin last
    block reads further back: more context leaves its pixels' 3 x 3 neighbourhoods as they are).

    >>> [(tuple(r.flatten()), tuple(i.flatten())) for r, i in blocks(5, 3, 4)]
    [((0, 0, 3, 5), (0, 0, 3, 4)), ((0, 2, 3, 3), (0, 4, 3, 1))]
    """
    for row in range(0, height, block_px):
        for col in range(0, width, block_px):
            h, w = min(block_px, height - row), min(block_px, width - col)
            r1, c1 = min(row + h + 1, height), min(col + w + 1, width)
            r0, c0 = max(min(row - 1, r1 - 3), 0), max(min(col - 1, c1 - 3), 0)
            yield Window(c0, r0, c1 - c0, r1 - r0), Window(col, row, w, h)


def _open_dem(path: str | Path) -> rasterio.DatasetReader:
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as err:
        raise RasterError(f"cannot read the DEM {str(path)!r} ({err}); give a GeoTIFF in IAU_2015:30135 metres.") from err


def terrain_blockwise(
    dem_path: str | Path,
    slope_path: str | Path | None = None,
    hillshade_path: str | Path | None = None,
    block_px: int = 2048,
    tags: Mapping[str, Any] | None = None,
    azimuth_deg: float = 315.0,
    altitude_deg: float = 45.0,
    z_factor: float = 1.0,
    progress: Callable[[BlockProgress], None] | None = None,
) -> None:
    """Write the slope (degrees) and/or hillshade ([0, 1]) of a DEM in IAU_2015:30135 metres as COGs.

    The DEM's scale, offset and nodata are applied; nodata and the raster's edge give NaN. Slopes are
    true on the sphere (gradients x the stereographic scale factor, as in :mod:`lunarmap.terrain`).
    ``tags`` are written into both outputs. Each output appears only when complete (written aside, renamed).
    """
    if slope_path is None and hillshade_path is None:
        raise ValueError("terrain_blockwise needs slope_path, hillshade_path or both")
    if block_px < 16:
        raise ValueError(f"block_px must be at least 16 (got {block_px})")
    outs = {name: Path(p) for name, p in (("slope", slope_path), ("hillshade", hillshade_path)) if p is not None}
    tmp = {name: p.with_name(f".{p.stem}-{os.getpid()}.blocks.tif") for name, p in outs.items()}
    t0 = time.perf_counter()
    try:
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), _open_dem(dem_path) as src:
            if src.crs is None:
                raise RasterError(f"the DEM {str(dem_path)!r} has no CRS; lunarmap needs it in IAU_2015:30135 metres.")
            profile = {"driver": "GTiff", "width": src.width, "height": src.height, "count": 1, "dtype": "float32",
                       "crs": src.crs, "transform": src.transform, "nodata": float("nan"), "tiled": True,
                       "blockxsize": 512, "blockysize": 512, "BIGTIFF": "YES"}   # uncompressed: read once, fast
            windows = list(blocks(src.height, src.width, block_px))
            scale, offset = float(src.scales[0]), float(src.offsets[0])
            dsts = {name: rasterio.open(path, "w", **profile) for name, path in tmp.items()}
            try:
                for n, (read, inner) in enumerate(windows, start=1):
                    z = src.read(1, window=read, masked=True).astype(np.float64)
                    z = (z * scale + offset).filled(np.nan)
                    transform = src.window_transform(read)
                    k = scale_factor_grid(transform, z.shape)
                    cut = (slice(inner.row_off - read.row_off, inner.row_off - read.row_off + inner.height),
                           slice(inner.col_off - read.col_off, inner.col_off - read.col_off + inner.width))
                    d_row, d_col = horn_gradients(z, transform, k)        # once, for slope and shade
                    d_row, d_col = d_row[cut], d_col[cut]
                    slope = np.degrees(np.arctan(np.hypot(d_row, d_col)))
                    if "slope" in dsts:
                        dsts["slope"].write(slope.astype("float32"), 1, window=inner)
                    if "hillshade" in dsts:
                        shade = hillshade_from_gradients(d_row, d_col, transform, azimuth_deg, altitude_deg, z_factor)
                        shade = np.where(np.isnan(slope), np.nan, shade)
                        dsts["hillshade"].write(shade.astype("float32"), 1, window=inner)
                    if progress is not None:
                        elapsed = time.perf_counter() - t0
                        progress(BlockProgress(n, len(windows), elapsed, elapsed / n * (len(windows) - n), "blocks"))
                for name, dst in dsts.items():
                    dst.update_tags(**{str(k_): str(v) for k_, v in (tags or {}).items()})
                    dst.set_band_unit(1, "deg" if name == "slope" else "")
            finally:
                for dst in dsts.values():
                    dst.close()
            for name, path in outs.items():
                if progress is not None:
                    progress(BlockProgress(len(windows), len(windows), time.perf_counter() - t0, 0.0, "cog"))
                cog = path.with_name(f".{path.stem}-{os.getpid()}.cog.tif")
                try:
                    rasterio.shutil.copy(tmp[name], cog, driver="COG", COMPRESS=COG_COMPRESS, PREDICTOR="YES",
                                         LEVEL=COG_LEVEL, BLOCKSIZE=512, OVERVIEW_RESAMPLING="AVERAGE", RESAMPLING="AVERAGE",
                                         BIGTIFF="IF_SAFER", NUM_THREADS="ALL_CPUS")
                    os.replace(cog, path)
                finally:
                    cog.unlink(missing_ok=True)
    finally:
        for p in tmp.values():
            p.unlink(missing_ok=True)
    logger.info("terrain of %s written blockwise in %.1f s", dem_path, time.perf_counter() - t0)
