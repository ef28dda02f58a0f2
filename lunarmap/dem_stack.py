"""Elevation at points from a stack of DEMs, finest first per point: the sampling behind the profile and the 3D mesh.

:func:`dem_stack` ranks the DEMs exactly as :func:`lunarmap.product_sampling.sample_elevation_m` does
(:func:`lunarmap.product_sampling.elevation_stack`): the full-resolution DEMs that are found and reachable (LOLA
5 m to 87 S, 20 m to 80 S, the 118 m global DEM; a local copy or a URL read in place, see :mod:`lunarmap.remote`)
and the data folder's DEMs (5 m Shoemaker crop, 1.6 km polar DEM, ~10.7 km global grid), together by resolution.
:class:`DemStack` samples them bilinearly, each in its own CRS, reading only the blocks of pixels around the
points (:data:`lunarmap.rasters.CHUNK_PX` squares, HTTP range requests for a URL), never a whole full-resolution
file, and remembers which DEM each point's value comes from and that DEM's ground resolution.

A full-resolution DEM that cannot be reached is left out before any reading (its check fails); one read in place
that fails mid-read is dropped from the stack at that moment. Either way its points go to the next DEM and
``problems`` holds a :class:`~lunarmap.errors.RemoteProductError` naming the product, the URL and what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from rasterio.errors import RasterioError

from .errors import LunarmapError, RasterError
from .product_sampling import elevation_stack
from .rasters import _grid, _sample_grid
from .remote import Location, gdal_env, is_remote_path, read_failed

__all__ = ["DemStack", "dem_stack"]

logger = logging.getLogger(__name__)


class DemStack:
    """DEMs finest first (GDAL paths: files, or ``/vsicurl/`` URLs whose :class:`~lunarmap.remote.Location` is in
    ``remote``), sampled per point from the finest that has data there.

    ``names``: each DEM's file name without extension; ``problems``: the finer DEMs that could not be used, the
    ones met before (``problems`` given) and those that failed mid-read here.
    """

    def __init__(self, paths: list[Path | str], remote: dict[str, Location] | None = None,
                 problems: tuple[LunarmapError, ...] = ()) -> None:
        self.paths = list(paths)
        self.names = [PurePosixPath(str(p)).stem for p in self.paths]
        self._remote = dict(remote or {})
        self._problems = list(problems)
        self._res: dict[int, float] = {}
        self._failed: set[int] = set()

    @property
    def problems(self) -> tuple[LunarmapError, ...]:
        """Why finer DEMs were not used (each names the product and what to do); empty when none failed."""
        return tuple(self._problems)

    def resolution_m(self, index: int) -> float:
        """Ground resolution (m) of DEM ``index`` (NaN for -1, or a DEM not read yet)."""
        return self._res.get(int(index), float("nan"))

    def sample(self, index: int, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Bilinear values (m) of DEM ``index`` at flat lon/lat arrays (degrees): NaN outside it, on nodata, or
        for all points when it failed (a URL that could not be read: the failure joins :attr:`problems`)."""
        out = np.full(lon.shape, np.nan)
        if index in self._failed or lon.size == 0:
            return out
        path = self.paths[index]
        try:
            with gdal_env() if is_remote_path(path) else contextlib.nullcontext():
                grid = _grid(path)
                values, _ = _sample_grid(grid, lon, lat, 1, "bilinear")
        except (RasterioError, RasterError) as err:
            where = self._remote.get(str(path))
            if where is None:
                raise
            self._failed.add(index)
            self._problems.append(read_failed(where, err))
            return out
        self._res[index] = float(grid.resolution_m)
        return values

    def finest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(values m, index of the DEM used or -1): at each point the first (finest) DEM with data there."""
        values = np.full(lon.shape, np.nan)
        which = np.full(lon.shape, -1, dtype=np.int64)
        for i in range(len(self.paths)):
            todo = np.flatnonzero(np.isnan(values))
            if todo.size == 0:
                break
            got = self.sample(i, lon[todo], lat[todo])
            ok = np.isfinite(got)
            values[todo[ok]] = got[ok]
            which[todo[ok]] = i
        return values, which


def dem_stack(lat_deg: Any, data_dir: str | os.PathLike[str] | None = None,
              dem_paths: list[str | Path] | None = None) -> DemStack:
    """The DEMs for points at ``lat_deg`` (degrees), finest first, as :func:`~lunarmap.product_sampling.sample_elevation_m`
    ranks them (full-resolution DEMs included); or exactly ``dem_paths`` (finest first) when given. A URL that
    fails its check is left out and named in ``problems``."""
    if dem_paths is not None:
        return DemStack([p if isinstance(p, str) else Path(p) for p in dem_paths])
    paths, remote, problems = elevation_stack(lat_deg, None if data_dir is None else Path(data_dir))
    logger.debug("elevation stack: %s", [PurePosixPath(str(p)).stem for p in paths])
    return DemStack(paths, remote, problems)
