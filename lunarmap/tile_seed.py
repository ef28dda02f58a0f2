"""Render map tiles ahead of use (``lunarmap tiles``): a range of levels over an area, into the tile cache.

The server renders a tile the first time a browser asks for it (:func:`lunarmap.tiles.tile_png`) and keeps it
in ``tiles/`` of the data folder. Seeding fills that same cache beforehand, so the first visit to a landing
site at 5 m is as quick as the hundredth: the keys are the server's (:func:`lunarmap.tiles.tile_sources`), so a
seeded tile is the one the page asks for, and a tile already cached is left as it is.

Which tiles: those of each level whose square meets the area (a polygon in IAU_2015:30135 metres, e.g. a
geodesic circle round a site, or a catalogue region) and the product's footprint.

>>> tile_index_range(1, (-1.0, -1.0, 1.0, 1.0))      # the four level-1 tiles meet at the pole
(0, 0, 1, 1)
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from . import tiles as _tiles
from .errors import TileError

__all__ = ["DEFAULT_MAX_TILES", "SLIVER_SHARE", "SeedLevel", "SeedReport", "tile_index_range", "tiles_over", "seed_tiles",
           "parse_levels"]

#: Seeding more tiles than this needs saying so (``max_tiles``): level 14 over 10 km is 25,000 tiles.
DEFAULT_MAX_TILES = 20_000


@dataclass(frozen=True)
class SeedLevel:
    """One level of a seeding run: tiles over the area, and how many were rendered, found cached, or empty."""

    z: int
    m_per_px: float
    tiles: int
    rendered: int
    cached: int
    empty: int
    seconds: float


@dataclass(frozen=True)
class SeedReport:
    """A seeding run of one tile source."""

    source_key: str
    title: str
    levels: tuple[SeedLevel, ...]
    seconds: float
    cache_dir: Path

    @property
    def tiles(self) -> int:
        return sum(lv.tiles for lv in self.levels)

    @property
    def rendered(self) -> int:
        return sum(lv.rendered for lv in self.levels)


def parse_levels(text: str) -> tuple[int, ...]:
    """Levels from "12" or "8-12" (inclusive), each within the tile matrix set's levels."""
    parts = str(text).strip().split("-")
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (None, None)
    except ValueError:
        lo = hi = None
    if lo is None or hi is None or not (_tiles.MIN_ZOOM <= lo <= hi <= _tiles.MAX_ZOOM):
        raise TileError(f"levels {text!r} are not a level or a range of levels from {_tiles.MIN_ZOOM} to "
                        f"{_tiles.MAX_ZOOM}; write e.g. 12 or 8-12 (level 12 is 4 m a pixel, 14 is 1 m).")
    return tuple(range(lo, hi + 1))


def tile_index_range(z: int, bounds_m: Sequence[float]) -> tuple[int, int, int, int] | None:
    """(first column, first row, last column, last row) of the level-``z`` tiles that meet ``bounds_m``
    (left, bottom, right, top in map metres; edges touching do not count), or None when none does.

    From the tile matrix set's own origin and tile size (morecantile), row 0 at the top.
    """
    matrix = _tiles.polar_tms().matrix(z)
    size = float(matrix.cellSize) * matrix.tileWidth
    x0, y0 = (float(v) for v in matrix.pointOfOrigin)
    left, bottom, right, top = (float(v) for v in bounds_m)
    n = matrix.matrixWidth
    c0 = max(0, math.floor((left - x0) / size))
    c1 = min(n - 1, math.ceil((right - x0) / size) - 1)
    r0 = max(0, math.floor((y0 - top) / size))
    r1 = min(matrix.matrixHeight - 1, math.ceil((y0 - bottom) / size) - 1)
    return (c0, r0, c1, r1) if c0 <= c1 and r0 <= r1 else None


#: A tile sharing less than this share of its square (a tenth of a pixel of a 256 px tile), or of the area when
#: that is smaller, is not needed: footprints computed by transforming bounds overhang their grid by rounding
#: (4e-8 m was seen), and a tile behind such a sliver would be rendered for nothing.
SLIVER_SHARE = 1e-6


def tiles_over(area_m: BaseGeometry, z: int) -> Iterator[tuple[int, int]]:
    """(column, row) of every level-``z`` tile whose square shares area with ``area_m`` (more than
    :data:`SLIVER_SHARE` of the square or of the area, whichever is smaller), row by row."""
    span = tile_index_range(z, area_m.bounds)
    if span is None:
        return
    c0, r0, c1, r1 = span
    cols = np.arange(c0, c1 + 1)
    size = 2 * _tiles.TMS_HALF_M / 2 ** z
    shapely.prepare(area_m)
    for r in range(r0, r1 + 1):
        squares = [box(*_tiles.tile_bounds_m(z, int(c), r)) for c in cols]
        candidates = shapely.intersects(area_m, squares)
        shared = np.zeros(len(cols))
        shared[candidates] = shapely.area(shapely.intersection(area_m, np.asarray(squares)[candidates]))
        yield from ((int(c), r) for c in cols[shared > SLIVER_SHARE * min(size * size, area_m.area)])


def _check_count(source: _tiles.TileSource, levels: list[int], area: BaseGeometry, max_tiles: int) -> None:
    """Refuse at once, from the area's size alone, a run far over the limit (listing its tiles would take long).

    The tiles over an area cover it, so there are at least area / tile area of them at each level.
    """
    if area.is_empty:
        return
    boxes = {z: _boxed(tile_index_range(z, area.bounds)) for z in levels}
    if sum(boxes.values()) <= 4 * max_tiles:
        return                                  # few enough to count exactly
    least = {z: math.floor(area.area / (2 * _tiles.TMS_HALF_M / 2 ** z) ** 2) for z in levels}
    if sum(least.values()) <= max_tiles:
        return
    per = ", ".join(f"level {z}: at least {n:,}" for z, n in least.items())
    raise TileError(f"at least {sum(least.values()):,} tiles of {source.key} over this area ({per}) is more than "
                    f"the limit of {max_tiles:,}; choose a smaller area or fewer levels, or raise the limit.")


def _boxed(span: tuple[int, int, int, int] | None) -> int:
    return 0 if span is None else (span[2] - span[0] + 1) * (span[3] - span[1] + 1)


def seed_tiles(source: _tiles.TileSource, levels: Sequence[int], area_m: BaseGeometry | None = None,
               data_dir: str | os.PathLike[str] | None = None, workers: int = 2,
               max_tiles: int | None = DEFAULT_MAX_TILES,
               progress: Callable[[int, int, int], None] | None = None) -> SeedReport:
    """Render into the tile cache every tile of ``levels`` over ``area_m`` (default: the product's footprint).

    Levels outside the product's own (:attr:`~lunarmap.tiles.TileSource.min_zoom` to ``max_zoom``) are skipped:
    the page never asks for them. ``progress(z, done, total)`` hears of each tile; an exception it raises stops
    the run (tiles not started are dropped). :class:`~lunarmap.errors.TileError` when there are more than
    ``max_tiles`` tiles (nothing is rendered); a product that cannot be read raises its own error.
    """
    footprint = box(*source.bounds_m)
    area = footprint if area_m is None else shapely.intersection(area_m, footprint)
    wanted = [z for z in sorted(set(int(z) for z in levels)) if source.min_zoom <= z <= source.max_zoom]
    if max_tiles is not None:
        _check_count(source, wanted, area, max_tiles)
    plan = {z: list(tiles_over(area, z)) if not area.is_empty else [] for z in wanted}
    total = sum(len(v) for v in plan.values())
    if max_tiles is not None and total > max_tiles:
        per = ", ".join(f"level {z}: {len(v):,}" for z, v in plan.items())
        raise TileError(f"{total:,} tiles of {source.key} over this area ({per}) is more than the limit of "
                        f"{max_tiles:,}; choose a smaller area or fewer levels, or raise the limit.")
    cache = _tiles.tile_cache_dir(data_dir)
    t_all = time.perf_counter()
    out: list[SeedLevel] = []
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        for z, squares in plan.items():
            t0 = time.perf_counter()
            rendered = cached = empty = 0
            todo = []
            for c, r in squares:
                if (cache / source.key / str(z) / str(c) / f"{r}.png").exists():
                    cached += 1
                else:
                    todo.append((c, r))
            if progress:
                progress(z, cached, len(squares))
            futures = [pool.submit(_tiles.tile_png, source, z, c, r, data_dir) for c, r in todo]
            try:
                for done, fut in enumerate(as_completed(futures), start=cached + 1):
                    png = fut.result()
                    rendered += 1
                    empty += png is None
                    if progress:
                        progress(z, done, len(squares))
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise
            m_per_px = 2 * _tiles.TMS_HALF_M / 2 ** z / _tiles.TILE_PX
            out.append(SeedLevel(z, m_per_px, len(squares), rendered, cached, empty, time.perf_counter() - t0))
    return SeedReport(source.key, source.title, tuple(out), time.perf_counter() - t_all, cache)
