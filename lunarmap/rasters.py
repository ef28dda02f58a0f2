"""Open, sample and read lunar rasters: windowed, in each raster's own CRS, NaN where there is no data.

Opening and sampling (the in-memory grid cache included) and windowed reads; the product functions
(finest product per point) live in :mod:`lunarmap.product_sampling`.

Points are given as lunar longitude/latitude degrees (IAU_2015:30100) and
transformed into each raster's own CRS; only the blocks of pixels around the
points are read (:data:`CHUNK_PX` squares), never a whole large file.
Bilinear interpolation between pixel centres, clamped to the edge pixel in the
outer half pixel; a global longitude/latitude grid wraps around the 180
meridian. Nodata or outside the raster gives NaN, never 0. The product
functions (:func:`sample_elevation_m`, :func:`sample_slope_deg`,
:func:`sample_psr`) use the finest product that covers each point.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.errors import RasterioError
from rasterio.windows import Window, from_bounds

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, require_lunar_crs, transformer
from .errors import DataMissingError, GeometryError, LunarmapError, OutsideRasterError, RasterError
from .geodesy import validate_lonlat
from .paths import PREPARED  # defined with the folders; re-exported here, where layers are opened
from .remote import Location, gdal_env, is_remote_path, read_failed

__all__ = [
    "Sampled",
    "SOURCE_DEM",
    "SOURCE_DEM_5M",
    "SOURCE_DEM_POLAR",
    "SOURCE_WAC",
    "SOURCE_PSR_POLYGONS",
    "SOURCE_MOSAIC",
    "SOURCE_PSR",
    "PREPARED",
    "CHUNK_PX",
    "open_raster",
    "raster_crs_code",
    "raster_resolution_m",
    "sample_raster",
    "read_window",
    "window_for_bounds",
]

#: Source products, relative to the data folder (as fetched).
SOURCE_DEM = "lola_global_dem_0p35deg.tif"
SOURCE_DEM_5M = "pgda78_shoemaker_5m_crop.tif"
SOURCE_DEM_POLAR = "ldem256_south_polar_1600m.tif"
SOURCE_WAC = "wac_south_polar_400m.jpg"
SOURCE_PSR_POLYGONS = "psr_polygons/LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL.shp"
SOURCE_MOSAIC = "moon_global_mosaic_0p35deg.tif"
SOURCE_PSR = "LPSR_85S_060M_201608_reconstructed.tif"
#: Side of the pixel blocks read around sample points.
CHUNK_PX = 512
#: GeoTIFF tag holding a layer's honest ground resolution when it is coarser than its pixels.
EFFECTIVE_RESOLUTION_TAG = "EFFECTIVE_RESOLUTION_M"
_EPS_PX = 1e-6


@dataclass(frozen=True)
class Sampled:
    """Values sampled at points, with the product and ground resolution used.

    ``values`` has the shape of the (broadcast) input, 0-d for scalars. When
    several products were used, ``product`` names them joined by ``" + "``
    (finest first) and ``resolution_m`` is an array telling, per point, the
    resolution of the product used (NaN where no product covered the point).
    ``problems``: the finer products that could not be read (e.g. a full-resolution
    DEM out of reach), whose points fell back to coarser data; ``note`` says so.
    """

    values: np.ndarray
    product: str
    resolution_m: float | np.ndarray
    units: str
    problems: tuple[LunarmapError, ...] = ()

    @property
    def note(self) -> str:
        """Why finer data was not used, in words ("" when nothing failed)."""
        return " ".join(str(p) for p in self.problems)


def open_raster(path: str | Path) -> rasterio.DatasetReader:
    """Open a raster for reading (a file, or a ``/vsicurl/`` URL), with lunarmap errors for a missing or unreadable one."""
    if is_remote_path(path):
        try:
            return rasterio.open(path)
        except RasterioError as err:
            raise RasterError(f"raster {path} cannot be read in place ({err}).") from err
    p = Path(path)
    if not p.exists():
        raise DataMissingError(
            f"raster {p} does not exist; fetch the data (python -m lunarmap fetch) and prepare the layers "
            "(python -m lunarmap prepare), or check LUNARMAP_DATA_DIR."
        )
    try:
        return rasterio.open(p)
    except RasterioError as err:
        raise RasterError(f"raster {p} cannot be read ({err}); fetch it again (python -m lunarmap fetch --force).") from err


def raster_crs_code(ds: rasterio.DatasetReader) -> str:
    """The IAU code of a raster's CRS; :class:`CRSError` if it has none or is not lunar."""
    wkt = ds.crs.to_wkt() if ds.crs is not None else None
    return require_lunar_crs(wkt, f"raster {ds.name}")


def raster_resolution_m(ds: rasterio.DatasetReader) -> float:
    """Ground resolution in metres: the effective-resolution tag if present, else the coarser pixel side.

    For a lon/lat grid the latitude spacing in metres on the Moon sphere.
    """
    tag = ds.tags().get(EFFECTIVE_RESOLUTION_TAG)
    if tag is not None:
        return float(tag)
    code = raster_crs_code(ds)
    if code == LONLAT_CODE:
        return math.radians(abs(ds.transform.e)) * MOON_RADIUS_M
    return max(abs(ds.transform.a), abs(ds.transform.e))


def _is_global_lon(ds: rasterio.DatasetReader, code: str) -> bool:
    return code == LONLAT_CODE and abs(ds.width * abs(ds.transform.a) - 360.0) < 1e-6


def _read_corners(ds: rasterio.DatasetReader, band: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Values (float64, NaN for nodata) at integer pixel indices, reading only the blocks that hold them."""
    out = np.full(rows.shape, np.nan)
    if rows.size == 0:
        return out
    n_chunk_cols = (ds.width + CHUNK_PX - 1) // CHUNK_PX
    key = (rows // CHUNK_PX) * n_chunk_cols + cols // CHUNK_PX
    scale = ds.scales[band - 1] if ds.scales else 1.0
    offset = ds.offsets[band - 1] if ds.offsets else 0.0
    for k in np.unique(key):
        sel = key == k
        r0, c0 = int(k // n_chunk_cols) * CHUNK_PX, int(k % n_chunk_cols) * CHUNK_PX
        r_hi, c_hi = int(rows[sel].max()) + 1, int(cols[sel].max()) + 1
        win = Window(c0, r0, c_hi - c0, r_hi - r0)
        block = ds.read(band, window=win, masked=True).astype(np.float64).filled(np.nan)
        out[sel] = block[rows[sel] - r0, cols[sel] - c0]
    return out * scale + offset


@dataclass(frozen=True, eq=False)
class _Grid:
    """What sampling needs to know of a raster, read once per file version (see :func:`_grid`).

    ``band1`` holds the whole first band (NaN for nodata, scale and offset applied) when the raster is
    small enough (:data:`IN_MEMORY_PX`), so repeated sampling (horizon rays, sunlit maps) reads no file; never
    for a raster read in place (``/vsicurl/``), which is read only by the blocks around the points.
    """

    path: str | Path
    code: str
    wrap: bool
    width: int
    height: int
    count: int
    transform: Affine
    resolution_m: float
    units: tuple[str, ...]
    bounds: tuple[float, float, float, float]
    band1: np.ndarray | None


#: Rasters of at most this many pixels are sampled from memory (the polar DEM: 0.6 M; the prepared slope: 4.1 M).
IN_MEMORY_PX = 8_000_000


@lru_cache(maxsize=8)
def _grid_cached(path: str, mtime_ns: int, size: int) -> _Grid:
    with open_raster(path) as ds:
        code = raster_crs_code(ds)
        band1 = None
        if ds.width * ds.height <= IN_MEMORY_PX and not is_remote_path(path):
            dtype = np.float64 if ds.dtypes[0] == "float64" else np.float32
            data = ds.read(1, masked=True).astype(dtype).filled(np.nan)
            scale = ds.scales[0] if ds.scales else 1.0
            offset = ds.offsets[0] if ds.offsets else 0.0
            band1 = data * dtype(scale) + dtype(offset) if (scale, offset) != (1.0, 0.0) else data
            band1.setflags(write=False)
        return _Grid(path if is_remote_path(path) else Path(path), code, _is_global_lon(ds, code), ds.width, ds.height, ds.count, ds.transform,
                     raster_resolution_m(ds), tuple(u or "" for u in ds.units), tuple(ds.bounds), band1)


def _grid(path: str | Path) -> _Grid:
    """The raster at ``path`` as a :class:`_Grid`, re-read when the file changes (size or modification time)."""
    if is_remote_path(path):   # checked (size, Range) by lunarmap.remote before it gets here
        return _grid_cached(str(path), 0, 0)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        open_raster(p)  # raises DataMissingError with the fix
        raise
    return _grid_cached(str(p), st.st_mtime_ns, st.st_size)


def _sample_grid(
    grid: _Grid, lon: np.ndarray, lat: np.ndarray, band: int, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Sample flat arrays of lon/lat on a raster: (values, inside); NaN outside or on nodata.

    Reads from memory when the grid holds the band, else only the blocks of the file around the points.
    """
    if not 1 <= band <= grid.count:
        raise RasterError(f"band {band!r} does not exist in raster {grid.path} (it has bands 1..{grid.count}).")
    band1 = grid.band1
    if band == 1 and band1 is not None:
        return _sample_xy(grid, lon, lat, method, lambda rows, cols: band1[rows, cols].astype(np.float64))
    with open_raster(grid.path) as ds:
        return _sample_xy(grid, lon, lat, method, lambda rows, cols: _read_corners(ds, band, rows, cols))


def _sample_xy(grid: _Grid, lon: np.ndarray, lat: np.ndarray, method: str,
               read: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    code, wrap = grid.code, grid.wrap
    if code == LONLAT_CODE:
        x, y = np.where(lon >= 180.0, lon - 360.0, lon), lat
    else:
        x, y = transformer(LONLAT_CODE, code).transform(lon, lat)
    inv = ~grid.transform
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    col_f, row_f = inv.a * x + inv.b * y + inv.c, inv.d * x + inv.e * y + inv.f
    width, height = grid.width, grid.height
    if wrap:
        col_f = np.mod(col_f, width)
    inside = (row_f >= -_EPS_PX) & (row_f <= height + _EPS_PX) & (col_f >= -_EPS_PX) & (col_f <= width + _EPS_PX)
    result = np.full(lon.shape, np.nan)
    if not np.any(inside):
        return result, inside
    cf, rf = col_f[inside], row_f[inside]
    if method == "nearest":
        cols = np.clip(np.floor(cf).astype(np.int64), 0, width - 1)
        rows = np.clip(np.floor(rf).astype(np.int64), 0, height - 1)
        result[inside] = read(rows, cols)
        return result, inside
    u, v = cf - 0.5, rf - 0.5
    j0, i0 = np.floor(u), np.floor(v)
    fu, fv = u - j0, v - i0
    j0, i0 = j0.astype(np.int64), i0.astype(np.int64)
    j1, i1 = j0 + 1, i0 + 1
    if wrap:
        j0, j1 = np.mod(j0, width), np.mod(j1, width)
    else:
        j0, j1 = np.clip(j0, 0, width - 1), np.clip(j1, 0, width - 1)
    i0, i1 = np.clip(i0, 0, height - 1), np.clip(i1, 0, height - 1)
    rows = np.concatenate([i0, i0, i1, i1])
    cols = np.concatenate([j0, j1, j0, j1])
    vals = read(rows, cols).reshape(4, -1)
    weights = np.stack([(1 - fu) * (1 - fv), fu * (1 - fv), (1 - fu) * fv, fu * fv])
    terms = np.where(weights > 0.0, weights * vals, 0.0)   # a zero-weight NaN neighbour does not matter
    values = terms.sum(axis=0)
    if wrap:
        values = _towards_poles(grid, read, v, values)
    result[inside] = values
    return result, inside


def _towards_poles(grid: _Grid, read: Callable[[np.ndarray, np.ndarray], np.ndarray], v: np.ndarray,
                   values: np.ndarray) -> np.ndarray:
    """On a global lon/lat grid, interpolate beyond the outermost row of centres towards the pole itself.

    The pole's value is the mean of the outermost row (all of whose pixels touch it).
    """
    for edge_row, beyond, pole_lat in ((grid.height - 1, v > grid.height - 1, -90.0), (0, v < 0.0, 90.0)):
        edge_lat = grid.transform.f + grid.transform.e * (edge_row + (1.0 if pole_lat < 0 else 0.0))
        if not np.any(beyond) or abs(edge_lat - pole_lat) > 1e-6:
            continue
        row = read(np.full(grid.width, edge_row), np.arange(grid.width))
        pole = float(np.mean(row)) if np.all(np.isfinite(row)) else float("nan")
        t = np.clip(np.abs(v[beyond] - edge_row) / 0.5, 0.0, 1.0)
        values[beyond] = (1.0 - t) * values[beyond] + t * pole
    return values


def _points(lon_deg: Any, lat_deg: Any) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    lon, lat = np.broadcast_arrays(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float))
    validate_lonlat(lon, lat, "sample point")
    return lon.ravel(), lat.ravel(), lon.shape


def sample_raster(path: str | Path, lon_deg: Any, lat_deg: Any, band: int = 1, method: str = "bilinear") -> Sampled:
    """Sample one raster at lon/lat points (bilinear, or ``method="nearest"`` for classes).

    Arrays give NaN outside the raster; a single point outside raises
    :class:`OutsideRasterError`. ``units`` is the raster's band unit, if set.
    """
    if method not in ("bilinear", "nearest"):
        raise RasterError(f"method must be 'bilinear' or 'nearest' (got {method!r}).")
    lon, lat, shape = _points(lon_deg, lat_deg)
    grid = _grid(path)
    values, inside = _sample_grid(grid, lon, lat, band, method)
    res, bounds = grid.resolution_m, grid.bounds
    units = grid.units[band - 1] if len(grid.units) >= band else ""
    if shape == () and not inside[0]:
        raise OutsideRasterError(
            f"point (lon {float(lon[0])!r}, lat {float(lat[0])!r}) is outside raster {path} "
            f"(bounds {tuple(round(b, 6) for b in bounds)} in its own CRS); choose a point it covers, "
            "or use the product functions (sample_elevation_m, ...) which fall back to coarser products."
        )
    return Sampled(values=values.reshape(shape), product=Path(path).stem, resolution_m=res, units=units)


def window_for_bounds(ds: rasterio.DatasetReader, bounds: tuple[float, float, float, float]) -> Window | None:
    """Whole-pixel window of ``ds`` covering ``bounds`` (in its CRS), clipped to the raster; None if they miss it."""
    w = from_bounds(*bounds, transform=ds.transform)
    col0 = max(math.floor(w.col_off + 1e-9), 0)
    row0 = max(math.floor(w.row_off + 1e-9), 0)
    col1 = min(math.ceil(w.col_off + w.width - 1e-9), ds.width)
    row1 = min(math.ceil(w.row_off + w.height - 1e-9), ds.height)
    if col1 <= col0 or row1 <= row0:
        return None
    return Window(col0, row0, col1 - col0, row1 - row0)


def read_window(path: str | Path, bounds_m: tuple[float, float, float, float], band: int = 1) -> tuple[np.ndarray, Affine]:
    """Pixels of a south polar raster inside ``bounds_m`` (minx, miny, maxx, maxy in IAU_2015:30135 metres).

    Native resolution, the window rounded outward to whole pixels and clipped
    to the raster; float with NaN for nodata and scale/offset applied. Returns
    the array and its affine transform.
    """
    try:
        minx, miny, maxx, maxy = (float(b) for b in bounds_m)
    except (TypeError, ValueError) as err:
        raise GeometryError(f"bounds_m must be (minx, miny, maxx, maxy) in metres (got {bounds_m!r}).") from err
    if not (np.isfinite([minx, miny, maxx, maxy]).all() and minx < maxx and miny < maxy):
        raise GeometryError(f"bounds_m must be finite with minx < maxx and miny < maxy (got {bounds_m!r}).")
    with open_raster(path) as ds:
        require_lunar_crs(ds.crs.to_wkt() if ds.crs else None, f"raster {ds.name}", expected=SOUTH_POLAR_CODE)
        win = window_for_bounds(ds, (minx, miny, maxx, maxy))
        if win is None:
            raise OutsideRasterError(
                f"bounds {bounds_m!r} do not overlap raster {path} (bounds {tuple(ds.bounds)}); "
                "ask for a window inside the raster."
            )
        data = ds.read(band, window=win, masked=True).astype(np.float64).filled(np.nan)
        scale = ds.scales[band - 1] if ds.scales else 1.0
        offset = ds.offsets[band - 1] if ds.offsets else 0.0
        return data * scale + offset, ds.window_transform(win)


def _combine(paths: Sequence[Path | str], lon: Any, lat: Any, units: str, method: str = "bilinear",
             remote: dict[str, Location] | None = None, problems: tuple[LunarmapError, ...] = ()) -> Sampled:
    """Sample the first (finest) product that gives a value at each point, then the next, and so on.

    A product read in place (its ``/vsicurl/`` path a key of ``remote``) that fails mid-read is skipped, its
    points taken from the next products, and the failure added to the result's ``problems``.
    """
    lon_f, lat_f, shape = _points(lon, lat)
    values = np.full(lon_f.shape, np.nan)
    res = np.full(lon_f.shape, np.nan)
    used: list[str] = []
    failed = list(problems)
    for path in paths:
        todo = np.isnan(values)
        if not np.any(todo):
            break
        try:
            with gdal_env() if is_remote_path(path) else _nothing():
                grid = _grid(path)
                got, _ = _sample_grid(grid, lon_f[todo], lat_f[todo], 1, method)
        except (RasterioError, RasterError) as err:
            if remote is None or str(path) not in remote:
                raise
            failed.append(read_failed(remote[str(path)], err))
            continue
        r = grid.resolution_m
        if np.any(np.isfinite(got)):
            used.append(_stem(path))
            idx = np.flatnonzero(todo)[np.isfinite(got)]
            values[idx] = got[np.isfinite(got)]
            res[idx] = r
    product = " + ".join(used) if used else _stem(paths[-1])
    finite = res[np.isfinite(res)]
    if len(used) <= 1 and finite.size == res.size:
        resolution: float | np.ndarray = float(finite[0]) if finite.size else float("nan")
    else:
        resolution = res.reshape(shape)
    return Sampled(values=values.reshape(shape), product=product, resolution_m=resolution, units=units,
                   problems=tuple(failed))


def _stem(path: Path | str) -> str:
    return PurePosixPath(str(path)).stem


_nothing = contextlib.nullcontext

