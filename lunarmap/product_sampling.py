"""The product functions: elevation, slope and PSR at lon/lat points from the finest product covering each.

Elevation also reads the catalogue's full-resolution DEMs (``role = "elevation-full"``: LOLA 5 m to 87 S,
20 m to 80 S, the 256 px/deg global DEM) wherever :mod:`lunarmap.remote` finds them: a copy the user points at
(``LUNARMAP_PRODUCT_<NAME>``, ``products.toml``), a downloaded copy, or the catalogue URL read in place by
windows (HTTP range requests, never the whole file). A product that cannot be reached or read is left out,
its points fall back to the default data, and the result's ``problems`` say which and what to do.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import Product
from .errors import DataMissingError, LunarmapError
from .paths import PREPARED
from .paths import data_dir as _data_dir
from .rasters import SOURCE_DEM, SOURCE_DEM_5M, SOURCE_DEM_POLAR, Sampled, _combine, _grid, _points
from .remote import Location, check_remote, locate, remote_products

__all__ = ["elevation_sources", "elevation_stack", "full_resolution_dems", "full_resolution_paths", "sample_elevation_m", "sample_slope_deg", "sample_psr"]

logger = logging.getLogger(__name__)


def _prepared(data_dir: str | Path | None, key: str) -> Path:
    p = _data_dir(data_dir) / "prepared" / PREPARED[key]
    if not p.exists():
        raise DataMissingError(f"prepared layer {p} does not exist; run python -m lunarmap prepare first.")
    return p


def elevation_sources(data_dir: str | Path | None = None) -> list[Path]:
    """The default elevation products present in the data folder, finest first: 5 m crop, 1.6 km polar DEM, global
    grid (the full-resolution DEMs come from :func:`full_resolution_dems`)."""
    root = _data_dir(data_dir)
    if not (root / SOURCE_DEM).exists():
        raise DataMissingError(f"elevation source {root / SOURCE_DEM} does not exist; run python -m lunarmap fetch first.")
    return [p for p in (root / SOURCE_DEM_5M, root / SOURCE_DEM_POLAR, root / SOURCE_DEM) if p.exists()]


def sample_elevation_m(lon_deg: Any, lat_deg: Any, data_dir: str | Path | None = None) -> Sampled:
    """Elevation in metres above the 1,737,400 m sphere at lon/lat points, from the finest product covering each.

    The 5 m Shoemaker site DEM where it covers (and has data), else the 1.6 km
    polar LOLA DEM (LDEM_256, pole to about 70 S), else the global LOLA grid
    (about 10.7 km per pixel in latitude), each read in its own CRS.
    Before those, the full-resolution DEMs found by :func:`full_resolution_dems`, all in order of
    resolution (the 5 m crop first, then LOLA 5 m, 20 m, the 118 m global DEM, the 1.6 km DEM, ...).
    A full-resolution DEM that cannot be read leaves its points to the next product; ``problems`` of the
    result name it, the URL and what to do.
    """
    paths, remote, problems = elevation_stack(lat_deg, data_dir)
    return _combine(paths, lon_deg, lat_deg, "m", remote=remote, problems=problems)


def elevation_stack(lat_deg: Any, data_dir: str | Path | None = None
                    ) -> tuple[list[Path | str], dict[str, Location], tuple[LunarmapError, ...]]:
    """The elevation products for points at ``lat_deg``, finest first, as :func:`sample_elevation_m` reads them:
    (GDAL paths, the URLs' locations by path, the problems met). The data folder's DEMs
    (:func:`elevation_sources`) and the full-resolution DEMs that can be read (:func:`full_resolution_dems`),
    together by resolution, a data-folder DEM before a full-resolution one of the same resolution. Also
    the stack of the elevation profile and the 3D mesh (:mod:`lunarmap.dem_stack`)."""
    local = elevation_sources(data_dir)
    full, remote, problems = full_resolution_dems(np.asarray(lat_deg, dtype=float), data_dir)
    ranked: list[tuple[float, int, Path | str]] = [(_grid(p).resolution_m, 0, p) for p in local]
    ranked += [(r, 1, p) for r, p in full]
    return [p for _, _, p in sorted(ranked, key=lambda t: (t[0], t[1]))], remote, problems


@lru_cache(maxsize=1)
def _full_resolution_products() -> tuple[Product, ...]:
    return tuple(remote_products("elevation-full"))


def full_resolution_paths(data_dir: str | Path | None = None) -> list[str]:
    """Where the full-resolution DEMs are (GDAL paths: a file, or ``/vsicurl/URL``), asking no server: a key of caches."""
    out = []
    for product in _full_resolution_products():
        try:
            where = locate(product, data_dir)
        except LunarmapError:
            continue
        if where is not None:
            out.append(where.gdal_path)
    return out


def full_resolution_dems(lat_deg: Any, data_dir: str | Path | None = None
                         ) -> tuple[list[tuple[float, str]], dict[str, Location], tuple[LunarmapError, ...]]:
    """The full-resolution DEMs that can be read for points at ``lat_deg``: ([(resolution m, path)], the URLs'
    locations by GDAL path, the problems met). A DEM whose latitude range holds none of the points is not looked
    at; one read in place is checked first (:func:`lunarmap.remote.check_remote`: size, Range)."""
    lat = np.asarray(lat_deg, dtype=float)
    found: list[tuple[float, str]] = []
    remote: dict[str, Location] = {}
    problems: list[LunarmapError] = []
    for product in _full_resolution_products():
        if product.lat_range is not None and not np.any((lat >= product.lat_range[0]) & (lat <= product.lat_range[1])):
            continue
        try:
            where = locate(product, data_dir)
            if where is None:
                continue
            if where.remote:
                check_remote(where, data_dir)
                remote[where.gdal_path] = where
        except LunarmapError as err:
            logger.warning("%s", err)
            problems.append(err)
            continue
        found.append((product.resolution_m or float("inf"), where.gdal_path))
    return found, remote, tuple(problems)


def sample_slope_deg(lon_deg: Any, lat_deg: Any, data_dir: str | Path | None = None) -> Sampled:
    """Slope in degrees (true on the sphere) at lon/lat points, from the finest product covering each.

    Where a full-resolution DEM covers a point (:func:`full_resolution_dems`, finest first), Horn's slope on its
    3 x 3 pixels around the point (:func:`lunarmap.fullres_slope.slope_on_dem`: a 10 m baseline on the 5 m
    DEM); else the 5 m Shoemaker slope where it covers, else the slope of the 1.6 km polar DEM (pole to about
    70 S), else the polar slope layer (to 40 S, effective resolution that of the ~10.7 km global grid); NaN
    beyond. A full-resolution DEM that cannot be read leaves its points to the next product (``problems``).
    """
    from rasterio.errors import RasterioError

    from .errors import RasterError
    from .fullres_slope import slope_on_dem
    from .rasters import _stem
    from .remote import read_failed

    root = _data_dir(data_dir) / "prepared"
    coarse = _prepared(data_dir, "slope")
    paths = [p for p in (root / PREPARED["slope_5m"], root / PREPARED["slope_1600m"], coarse) if p.exists()]
    lon, lat, shape = _points(lon_deg, lat_deg)
    full, remote, problems = full_resolution_dems(lat, data_dir)
    if not full:
        return _combine(paths, lon_deg, lat_deg, "deg", problems=problems)
    values, res = np.full(lon.shape, np.nan), np.full(lon.shape, np.nan)
    used: list[str] = []
    failed = list(problems)
    for _, path in sorted(full):
        todo = np.isnan(values)
        if not todo.any():
            break
        try:
            got, res_m = slope_on_dem(path, lon[todo], lat[todo])
        except (RasterioError, RasterError) as err:
            if path not in remote:
                raise
            failed.append(read_failed(remote[path], err))
            continue
        if np.isfinite(got).any():
            used.append(_stem(path))
            idx = np.flatnonzero(todo)[np.isfinite(got)]
            values[idx], res[idx] = got[np.isfinite(got)], res_m
    rest = np.isnan(values)
    if rest.any():
        rough = _combine(paths, lon[rest], lat[rest], "deg")
        values[rest], res[rest] = rough.values, rough.resolution_m
        used += [name for name in rough.product.split(" + ") if np.isfinite(rough.values).any()]
    finite = res[np.isfinite(res)]
    uniform = finite.size == res.size and finite.size > 0 and np.all(finite == finite[0])
    return Sampled(values=values.reshape(shape), product=" + ".join(used) or _stem(paths[-1]),
                   resolution_m=float(finite[0]) if uniform else res.reshape(shape), units="deg",
                   problems=tuple(failed))


def sample_psr(lon_deg: Any, lat_deg: Any, data_dir: str | Path | None = None) -> Sampled:
    """Permanent shadow at lon/lat points: 1.0 PSR, 0.0 not, NaN where no PSR data covers the point.

    With the prepared official LOLA PSR outlines (``psr_official``; every PSR
    >= 5 km2, 75 S to the pole): 1.0 inside an official outline, else the 60 m
    grid's pixel where it covers (all PSR sizes, poleward of about 85 S), else
    0.0 up to the edge of the outlines' map (75 S at its sides, about 69 S in
    its corners: no PSR >= 5 km2 there, smaller ones unknown), NaN beyond.
    ``product`` names the sources used (the outlines as
    :data:`lunarmap.psr_official.OFFICIAL_PRODUCT`); ``resolution_m`` is that
    of the map each point's answer comes from (60 m grid, 60 m outlines
    poleward of 82 S, 120 m beyond). Without the outlines: the 60 m grid only,
    NaN beyond it. Nearest pixel (the mask is a class, not a quantity).
    """
    from .psr_official import OFFICIAL_FINE_RADIUS_M, OFFICIAL_PRODUCT, load_official, official_index_and_cover

    grid = _combine([_prepared(data_dir, "psr")], lon_deg, lat_deg, "", method="nearest")
    official = load_official(data_dir)
    if official is None:
        return grid
    lon, lat, shape = _points(lon_deg, lat_deg)
    idx, cover, radius_m = official_index_and_cover(lon, lat, official)
    grid_v = np.asarray(grid.values, dtype=float).ravel()
    by_grid = (idx < 0) & np.isfinite(grid_v)
    by_official = ~by_grid & cover
    values = np.full(lon.shape, np.nan)
    values[by_grid] = grid_v[by_grid]
    values[by_official] = (idx[by_official] >= 0).astype(float)
    res = np.full(lon.shape, np.nan)
    res[by_grid] = np.broadcast_to(np.asarray(grid.resolution_m, dtype=float), grid_v.shape)[by_grid]
    res[by_official] = np.where(radius_m[by_official] <= OFFICIAL_FINE_RADIUS_M, 60.0, 120.0)
    used = [name for name, hit in ((OFFICIAL_PRODUCT, by_official.any()), (grid.product, by_grid.any())) if hit]
    product = " + ".join(used) if used else OFFICIAL_PRODUCT
    levels = np.unique(res[np.isfinite(res)])
    resolution: float | np.ndarray = (float(levels[0]) if len(used) <= 1 and levels.size == 1 and np.isfinite(res).all()
                                      else res.reshape(shape))
    return Sampled(values=values.reshape(shape), product=product, resolution_m=resolution, units="")
