"""Map tiles of the full-resolution products: a tile pyramid in IAU_2015:30135 metres, rendered on demand.

The tile matrix set (:func:`polar_tms`, a morecantile custom TMS) covers the square of +-2^21 m
(2,097,152 m, to about 28 S at the middle of its sides) around the south pole with 256 px tiles. Level ``z``
(1 to :data:`MAX_ZOOM` = 14) has 2^z x 2^z tiles of 2^22 / 2^z map metres, ``2^14 / 2^z`` m per pixel:

=====  ==========  ==============================================
level  m / pixel   used for
=====  ==========  ==============================================
1      8,192       the whole map
8      64          the WAC 100 m mosaic at full resolution
10     16          the LOLA 20 m DEM
12     4           the LOLA 5 m DEM
14     1           the NAC 1 m mosaic
=====  ==========  ==============================================

Why powers of two: deck.gl's TileLayer in an OrthographicView cuts the plane into tiles of ``256 / 2^d`` map
units at its level ``d``, edges at multiples of that from 0. With map metres as units, its level ``d`` is this
TMS's level ``d + 14`` (:data:`DECK_LEVEL_OFFSET`) tile for tile, so the browser asks for exactly these tiles.
Level 0 is left out: its one tile is centred on the pole, where deck.gl's tiles meet.

A tile is read by rio-tiler (windowed reads of the level's overview; never the whole file) and coloured like the
page's images (:mod:`lunarmap.prepare_display`): elevation on the page's elevation legend (the same colours as
the 1.6 km image beside it), slope and hillshade from Horn's method at the tile's own pixel size (true on the
sphere: the stereographic scale factor is corrected), pictures (mosaics, shaded relief) as they are. Tiles are
cached on disk by content (:func:`tile_png`): the key of a source changes with the product's file, size and
recipe, so a cached tile is never stale.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import paths as _paths
from .crs import SOUTH_POLAR
from .errors import LunarmapError, TileError
from .remote import Location, check_remote, gdal_env, locate, read_failed, remote_products

__all__ = ["TMS_HALF_M", "TILE_PX", "MIN_ZOOM", "MAX_ZOOM", "DECK_LEVEL_OFFSET", "RECIPE", "STYLES", "TileSource",
           "polar_tms", "tile_bounds_m", "native_zoom", "tile_sources", "tile_values", "render_tile", "tile_png",
           "tile_cache_dir"]

logger = logging.getLogger(__name__)

TMS_HALF_M = 2.0 ** 21
TILE_PX = 256
MIN_ZOOM = 1
MAX_ZOOM = 14
#: deck.gl TileLayer level + this = TMS level (see the module docstring).
DECK_LEVEL_OFFSET = 14
#: A file without overviews larger than this (pixels a side) has no tiles at the coarse levels (see TileSource).
PLAIN_FILE_MAX_PX = 4096
#: Bump when the look of any tile changes (every tile URL changes with it).
RECIPE = 1
STYLES = ("elevation", "hillshade", "slope", "image")
#: The styles of a product by catalogue role, and the map layer (toggle) each one sharpens.
_ROLE_STYLES: dict[str, tuple[tuple[str, str], ...]] = {
    "elevation-full": (("elevation", "elevation"), ("hillshade", "hillshade"), ("slope", "slope")),
    "hillshade-full": (("image", "hillshade"),),
    "shaded-relief-full": (("image", "hillshade"),),
    "basemap-full": (("image", "wac"),),
}


@lru_cache(maxsize=1)
def polar_tms() -> Any:
    """The lunar south polar tile matrix set (morecantile), levels :data:`MIN_ZOOM` to :data:`MAX_ZOOM`."""
    import morecantile

    h = TMS_HALF_M
    return morecantile.TileMatrixSet.custom([-h, -h, h, h], SOUTH_POLAR, tile_width=TILE_PX, tile_height=TILE_PX,
                                            minzoom=MIN_ZOOM, maxzoom=MAX_ZOOM, id="LunarSouthPolarStereographic",
                                            title="Lunar south polar stereographic (IAU_2015:30135), 256 px tiles")


def _check_tile(z: int, x: int, y: int) -> None:
    if not (MIN_ZOOM <= z <= MAX_ZOOM):
        raise TileError(f"tile level {z} is outside {MIN_ZOOM}..{MAX_ZOOM}; reload the page for fresh tile URLs.")
    n = 2 ** z
    if not (0 <= x < n and 0 <= y < n):
        raise TileError(f"tile {z}/{x}/{y} is outside the map: level {z} has columns and rows 0..{n - 1}.")


def tile_bounds_m(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of a tile in IAU_2015:30135 metres (row 0 at the top, +y)."""
    _check_tile(z, x, y)
    b = polar_tms().xy_bounds(x, y, z)
    return (b.left, b.bottom, b.right, b.top)


def native_zoom(pixel_m: float) -> int:
    """The coarsest level whose pixels are no larger than ``pixel_m`` map metres (clamped to the TMS's levels)."""
    if not (pixel_m > 0 and math.isfinite(pixel_m)):
        raise TileError(f"a raster's pixel size must be a positive number of metres (got {pixel_m!r}).")
    return int(min(MAX_ZOOM, max(MIN_ZOOM, math.ceil(math.log2(TMS_HALF_M * 2 / TILE_PX / pixel_m) - 1e-9))))


@dataclass(frozen=True)
class TileSource:
    """One product in one style, as tiles: what the map asks for and what :func:`render_tile` reads."""

    product: str
    style: str
    layer: str
    gdal_path: str
    resolution_m: float
    bounds_m: tuple[float, float, float, float]
    max_zoom: int
    min_zoom: int
    ramp: tuple[float, float] | None
    colors: tuple[str, ...] | None
    digest: str
    title: str

    @property
    def key(self) -> str:
        """The source's name in tile URLs: ``<style>.<product>.<digest>``."""
        return f"{self.style}.{self.product}.{self.digest}"


def _identity(where: Location, data_dir: Path) -> str:
    if where.remote:
        return f"{where.source}|{check_remote(where, data_dir)}"
    st = os.stat(where.source)
    return f"{where.source}|{st.st_size}|{st.st_mtime_ns}"


def _page_ramps(data_dir: Path) -> dict[str, tuple[tuple[float, float], tuple[str, ...]]]:
    """Value ranges and colours of the page's elevation and slope legends (``prepared/display.json``), so tiles
    are coloured exactly as the legend beside them says (stops evenly spaced, as :mod:`lunarmap.prepare_display`
    writes them)."""
    from .prepare import display_layers

    try:
        layers = display_layers(data_dir)
    except (LunarmapError, OSError, ValueError, KeyError):
        return {}
    out = {}
    for d in layers:
        stops = d.legend.get("stops") if isinstance(d.legend, dict) else None
        if d.name in ("elevation", "slope") and stops and len(stops) >= 2:
            out[d.name] = ((float(stops[0][0]), float(stops[-1][0])), tuple(str(c) for _, c in stops))
    return out


def _overview_ramp(ds: Any, style: str) -> tuple[float, float] | None:
    """A value range from the product's smallest overview (1st-99th percentile), for pictures not of 8 bits."""
    if style == "image" and ds.dtypes[0] == "uint8":
        return None
    scale = max(1, max(ds.width, ds.height) // 512)
    arr = ds.read(1, out_shape=(max(1, ds.height // scale), max(1, ds.width // scale)), masked=True)
    values = np.asarray(arr.compressed(), dtype=float)
    if values.size == 0:
        return None
    lo, hi = np.percentile(values, [1, 99])
    return (float(lo), float(hi) if hi > lo else float(lo) + 1.0)


def _footprint(ds: Any) -> tuple[float, float, float, float]:
    """A dataset's bounds in map metres, within the TMS square."""
    from rasterio.crs import CRS
    from rasterio.warp import transform_bounds

    h = TMS_HALF_M
    if ds.crs is not None and ds.crs.is_geographic:
        north = min(float(ds.bounds.top), 90.0)
        r = h if north > -28.0 else min(h, 2.0 * 1_737_400.0 * math.tan(math.radians(90.0 + north) / 2.0))
        return (-r, -r, r, r)
    if ds.crs == CRS.from_wkt(SOUTH_POLAR.to_wkt()):
        x0, y0, x1, y1 = ds.bounds
    else:
        x0, y0, x1, y1 = transform_bounds(ds.crs, SOUTH_POLAR.to_wkt(), *ds.bounds, densify_pts=21)
    return (max(x0, -h), max(y0, -h), min(x1, h), min(y1, h))


def _source(where: Location, style: str, layer: str, root: Path,
            ramps: dict[str, tuple[tuple[float, float], tuple[str, ...]]]) -> TileSource:
    import rasterio

    identity = _identity(where, root)
    try:
        with gdal_env(), rasterio.open(where.gdal_path) as ds:
            bounds = _footprint(ds)
            if ds.crs is not None and ds.crs.is_geographic:
                pixel = abs(ds.transform.a) * math.pi / 180.0 * 1_737_400.0
            else:
                pixel = abs(ds.transform.a)
            # a big file without overviews (the 20 m DEM is a plain GeoTIFF) would be read whole for one coarse
            # tile: its tiles start 2 levels above its own (16x fewer pixels a tile), the default images below
            plain = not ds.overviews(1) and max(ds.width, ds.height) > PLAIN_FILE_MAX_PX
            ramp, colors = ramps.get(style, (None, None)) if style in ("elevation", "slope") else (None, None)
            if ramp is None and style in ("elevation", "slope", "image"):
                ramp = (0.0, 30.0) if style == "slope" else _overview_ramp(ds, style)
    except rasterio.errors.RasterioError as err:
        raise read_failed(where, err) from err
    product = where.product
    digest = hashlib.sha256(f"{identity}|{style}|{ramp}|{colors}|{RECIPE}".encode()).hexdigest()[:12]
    res = product.resolution_m or pixel
    top = native_zoom(pixel)
    return TileSource(product.name, style, layer, where.gdal_path, float(res), bounds, top,
                      max(MIN_ZOOM, top - 2) if plain else MIN_ZOOM, ramp, colors, digest, f"{product.description.split(',')[0]} ({res:g} m)")


def tile_sources(data_dir: str | os.PathLike[str] | None = None) -> tuple[list[TileSource], list[LunarmapError]]:
    """The full-resolution products that can be shown as tiles (one source per style), and the problems met.

    A product is found as :func:`lunarmap.remote.locate` says (a copy the user pointed at, a download, or the
    catalogue URL when reading in place is on); a URL is checked first (:func:`lunarmap.remote.check_remote`).
    One that cannot be reached is left out and its error returned: the page then shows the default data.
    """
    root = _paths.data_dir(data_dir)
    ramps = _page_ramps(root)
    found: list[TileSource] = []
    problems: list[LunarmapError] = []
    for role, styles in _ROLE_STYLES.items():
        for product in remote_products(role):
            try:
                where = locate(product, root)
                if where is None:
                    continue
                found.extend(_source(where, style, layer, root, ramps) for style, layer in styles)
            except LunarmapError as err:
                logger.warning("%s", err)
                problems.append(err)
    return found, problems


_IMPORT_LOCK = threading.Lock()


def _rio_tiler() -> tuple[Any, type[Exception]]:
    """rio-tiler's ``Reader`` and ``TileOutsideBounds``, imported by one thread at a time.

    Tiles are rendered on several threads at once (the server's thread pool, ``lunarmap tiles seed``), and the
    first of them import rio-tiler, whose packages import each other: two threads importing it at once met a
    partially initialised ``rio_tiler.io`` ("cannot import name 'AsyncBaseReader'") in a seeding test.
    """
    with _IMPORT_LOCK:
        from rio_tiler.errors import TileOutsideBounds
        from rio_tiler.io import Reader
    return Reader, TileOutsideBounds


def tile_values(source: TileSource, z: int, x: int, y: int, buffer: int = 0) -> tuple[np.ndarray, dict | None]:
    """(values float64 with NaN where there is no data, colormap or None) of one tile, ``buffer`` pixels of its
    neighbours around it; raises :class:`TileError` outside the source and the product's error if it cannot be read.

    rio-tiler reads the window of the overview nearest the tile's pixel size (bilinear for DEMs, nearest for pictures).
    """
    Reader, TileOutsideBounds = _rio_tiler()
    _check_tile(z, x, y)
    resampling = "nearest" if source.style == "image" else "bilinear"
    try:
        with gdal_env(), Reader(source.gdal_path, tms=polar_tms()) as src:
            img = src.tile(x, y, z, tilesize=TILE_PX, buffer=buffer, resampling_method=resampling,
                           reproject_method=resampling)
            colormap = (src.colormap or None) if source.style == "image" else None
    except TileOutsideBounds as err:
        raise TileError(f"tile {z}/{x}/{y} is outside {source.product}.") from err
    except Exception as err:            # rasterio/GDAL errors of a file or a server: the product's error
        if isinstance(err, LunarmapError):
            raise
        where = _location_of(source)
        if where is None:
            raise TileError(f"{source.product} could not be read ({err}).") from err
        raise read_failed(where, err) from err
    values = np.ma.filled(img.array[0].astype(np.float64), np.nan)    # masked: no data (nodata or outside)
    return values, colormap


def _location_of(source: TileSource) -> Location | None:
    for role in _ROLE_STYLES:
        for product in remote_products(role):
            if product.name == source.product:
                try:
                    return locate(product)
                except LunarmapError:
                    return None
    return None


def render_tile(source: TileSource, z: int, x: int, y: int) -> bytes | None:
    """PNG bytes of one tile (RGBA; transparent where there is no data), or None for a tile with no data at all."""
    from rasterio.transform import from_origin

    from .prepare_display import ELEVATION_COLORS, SLOPE_COLORS, png_bytes, ramp_rgba
    from .terrain import hillshade_from_gradients, horn_gradients, scale_factor_grid

    left, bottom, right, top = tile_bounds_m(z, x, y)
    b = source.bounds_m
    if right <= b[0] or left >= b[2] or top <= b[1] or bottom >= b[3]:
        return None
    derived = source.style in ("hillshade", "slope")
    buffer = 1 if derived else 0
    try:
        values, colormap = tile_values(source, z, x, y, buffer=buffer)
    except TileError:
        return None
    if not np.isfinite(values).any():
        return None
    if derived:
        cell = (right - left) / TILE_PX
        transform = from_origin(left - cell, top + cell, cell, cell)
        d_row, d_col = horn_gradients(values, transform, scale_factor_grid(transform, values.shape))
        if source.style == "slope":
            lo, hi = source.ramp or (0.0, 30.0)
            grid = np.degrees(np.arctan(np.hypot(d_row, d_col)))[1:-1, 1:-1]
            rgba = ramp_rgba(grid, lo, hi, source.colors or SLOPE_COLORS)
        else:
            shade = hillshade_from_gradients(d_row, d_col, transform)[1:-1, 1:-1]
            rgba = ramp_rgba(shade, 0.0, 1.0, ("#000000", "#ffffff"))
    elif source.style == "elevation":
        lo, hi = source.ramp or (-5000.0, 5000.0)
        rgba = ramp_rgba(values, lo, hi, source.colors or ELEVATION_COLORS)
    elif colormap:
        lut = np.zeros((256, 4), dtype=np.uint8)
        for k, colour in colormap.items():
            if 0 <= int(k) < 256:
                lut[int(k)] = colour
        idx = np.nan_to_num(values, nan=0.0).astype(np.uint8)
        rgba = lut[idx]
        rgba[..., 3] = np.where(np.isfinite(values), rgba[..., 3], 0)
    else:
        lo, hi = source.ramp or (0.0, 255.0)
        rgba = ramp_rgba(values, lo, hi, ("#000000", "#ffffff"))
    return png_bytes(rgba)


def tile_cache_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where rendered tiles are kept: ``tiles/`` in the data folder (safe to delete; rebuilt on demand)."""
    return _paths.data_dir(data_dir) / "tiles"


def tile_png(source: TileSource, z: int, x: int, y: int, data_dir: str | os.PathLike[str] | None = None) -> bytes | None:
    """:func:`render_tile` through the disk cache (``tiles/<key>/<z>/<x>/<y>.png``; an empty file: no data)."""
    _check_tile(z, x, y)
    path = tile_cache_dir(data_dir) / source.key / str(z) / str(x) / f"{y}.png"
    try:
        data = path.read_bytes()
        return data or None
    except FileNotFoundError:
        pass
    png = render_tile(source, z, x, y)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(png)}.tmp")
        tmp.write_bytes(png or b"")
        os.replace(tmp, path)
    except OSError as err:          # a cache only: the tile is still served
        logger.warning("cannot cache tile %s (%s)", path, err)
    return png
