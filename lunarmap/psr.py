"""Permanently shadowed regions: outlines from the 60 m mask, and PSR area inside polygons on the sphere.

Size: about 430 lines: outlines, exact pixel fractions and the area sums. The exact fractions
(:func:`coverage_fractions` and its row pieces, about 110 lines of pure geometry) are the seam to
move into their own module.

The mask (1 = PSR, 0 = not, 255 = nodata) is in south polar stereographic
metres (IAU_2015:30135), where a map pixel of side ``p`` covers ``p^2 / k^2``
of the sphere (``k = 2 / (1 + sin|lat|)``, the stereographic scale factor at
the pixel centre). :func:`psr_area_in_many` (and :func:`psr_area_in`, its
one-polygon case) weights every pixel by that true area and by the exact
fraction of the pixel inside the polygon, reading only the grid windows the
polygons need.

Where prepare has written the official LOLA PSR outlines
(:mod:`lunarmap.psr_official`: every PSR >= 5 km2 from 75 S to the pole),
the PSR area is the exact geodesic area of the polygon's intersection with
them plus the grid's PSR outside them (PSRs under 5 km2, poleward of about
85 S), and the covered area is the part of the polygon inside the outlines'
map; without them, the grid alone, as above.

Exact fractions (:func:`coverage_fractions`) come from Green's theorem, with
no pixel-by-pixel geometry: the polygon's edges (exterior counter-clockwise,
holes clockwise) are cut at the pixel row lines, and within one row the area
of the polygon left of a vertical line ``x = a`` is the sum over the pieces of
``-integral (x - a) dy`` where ``x < a``, a closed form per straight piece.
A pixel's area is the difference at its two sides, so pieces wholly left of it
add their (signed) height and pieces crossing it add the part left of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio.features import shapes
from rasterio.windows import Window
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from .crs import SOUTH_POLAR, SOUTH_POLAR_CODE, require_lunar_crs
from .errors import GeometryError, RasterError
from .geodesy import area_km2
from .paths import data_dir as _data_dir
from .psr_official import OFFICIAL_PRODUCT, OfficialPsrs, load_official, official_area_in, official_resolution_m
from .rasters import PREPARED, open_raster, raster_resolution_m, window_for_bounds
from .terrain import stereographic_scale_factor

__all__ = ["PSR_VALUE", "NOT_PSR_VALUE", "NODATA_VALUE", "COVERAGE_METHOD", "COMBINED_METHOD", "PsrStats", "psr_outlines",
           "coverage_fractions", "psr_area_in", "psr_area_in_many"]

PSR_VALUE, NOT_PSR_VALUE, NODATA_VALUE = 1, 0, 255
COVERAGE_METHOD = "exact fractional pixel coverage, each pixel weighted by its true area on the sphere (p^2 / k^2)"
COMBINED_METHOD = ("exact geodesic area of the intersection with the official LOLA PSR outlines (>= 5 km2), plus the "
                   "60 m grid's PSR outside them (" + COVERAGE_METHOD + ")")
#: Pixels handled at once per polygon (rows of its window in blocks of about this size): bounds memory.
_BLOCK_PX = 1 << 18
#: Read one window covering all polygons when it is at most this many times the pixels of their own windows.
_COVER_FACTOR = 2.0
#: Fractions below this are rounding noise of pixels the boundary only touches.
_TINY = 1e-12


@dataclass(frozen=True)
class PsrStats:
    """PSR statistics inside a polygon.

    ``psr_area_km2`` and ``valid_area_km2`` (the part of the polygon the grid
    covers with data) are true areas on the sphere; ``covered_fraction`` is
    ``valid_area_km2`` over the polygon's geodesic area (below 1 where the
    polygon leaves the grid or meets nodata). A polygon the grid does not cover
    at all gives NaN areas. ``psr_count`` counts PSR outlines intersecting the
    polygon with some area inside it (from the outline-id grid prepare writes
    with the outlines).

    With the official outlines: the covered area is the polygon's part inside
    their map (75 S at its sides, about 69 S in its corners), ``psr_count``
    counts official outlines with area inside plus grid outlines that share no
    area with any official one, ``product`` names both sources when the
    polygon also meets the grid ("official LOLA PSR outlines (>= 5 km2) +
    psr_60m") and ``resolution_m`` is the coarsest of the maps used (outlines:
    60 m poleward of 82 S, 120 m beyond; grid 60 m).
    """

    psr_area_km2: float
    valid_area_km2: float
    covered_fraction: float
    psr_count: int
    product: str
    resolution_m: float
    method: str = COVERAGE_METHOD
    #: Share of the polygon on the 60 m grid's valid pixels, where PSRs of every size are mapped (with the
    #: official outlines, those under 5 km2 are known only there); equal to ``covered_fraction`` without them.
    grid_covered_fraction: float = 0.0

    @property
    def psr_fraction(self) -> float:
        """PSR share of the covered area (NaN when nothing is covered)."""
        if not self.valid_area_km2 > 0:
            return float("nan")
        return self.psr_area_km2 / self.valid_area_km2


def psr_outlines(mask: np.ndarray, transform: Affine) -> gpd.GeoDataFrame:
    """Vectorise a PSR mask into outlines (4-connected pixels, holes kept) in IAU_2015:30135.

    Columns: ``id`` (1.., in raster order), ``area_km2`` (geodesic, on the
    sphere), ``n_pixels``; CRS IAU_2015:30135.
    """
    is_psr = np.asarray(mask) == PSR_VALUE
    polys = [shape(geom) for geom, _ in shapes(is_psr.astype(np.uint8), mask=is_psr, transform=transform, connectivity=4)]
    geoms = np.array(polys, dtype=object) if polys else np.array([], dtype=object)
    px = abs(transform.a * transform.e)
    areas = area_km2(geoms) if len(geoms) else np.array([], dtype=float)
    n_pixels = np.rint(shapely.area(geoms) / px).astype(np.int64) if len(geoms) else np.array([], dtype=np.int64)
    return gpd.GeoDataFrame(
        {"id": np.arange(1, len(geoms) + 1, dtype=np.int64), "area_km2": np.asarray(areas, dtype=float), "n_pixels": n_pixels},
        geometry=list(geoms), crs=SOUTH_POLAR,
    )


def _check_polygon(geom: Any, what: str) -> BaseGeometry:
    if not isinstance(geom, (Polygon, MultiPolygon)) or geom.is_empty:
        raise GeometryError(
            f"{what} needs a non-empty Polygon or MultiPolygon in IAU_2015:30135 metres "
            f"(got {type(geom).__name__}{' (empty)' if isinstance(geom, BaseGeometry) and geom.is_empty else ''}); "
            "build one with lunarmap.geodesy.geodesic_circle or to_polar."
        )
    if not geom.is_valid:
        raise GeometryError(
            f"{what}: polygon is invalid ({shapely.is_valid_reason(geom)}); repair it (shapely.make_valid) and retry."
        )
    return geom


def _check_north_up(t: Affine, what: str, fix: str) -> None:
    if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
        raise RasterError(f"{what} is not a north-up grid (transform {tuple(t)[:6]!r}; allowed: no rotation, "
                          f"pixel width > 0, pixel height < 0); {fix}.")


# ----------------------------------------------------------------- exact coverage
def _spread(first: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Item ``i`` repeated ``count[i]`` times, with the run ``first[i], first[i] + 1, ...`` beside it."""
    item = np.repeat(np.arange(count.size), count)
    step = np.arange(item.size) - np.repeat(np.cumsum(count) - count, count)
    return item, first[item] + step


@dataclass(frozen=True)
class _RowPieces:
    """A polygon's boundary cut at the row lines of a grid, in pixel units (u = column, v = row), sorted by row."""

    row: np.ndarray
    u_lo: np.ndarray
    u_hi: np.ndarray
    dv: np.ndarray      # signed height within the row, positive going down the grid

    @property
    def col_lo(self) -> np.ndarray:
        return np.floor(self.u_lo).astype(np.int64)

    @property
    def col_hi(self) -> np.ndarray:
        return np.floor(self.u_hi).astype(np.int64)


def _row_pieces(geom: BaseGeometry, t: Affine, n_rows: int) -> _RowPieces:
    rings = shapely.get_rings(shapely.get_parts(shapely.orient_polygons(geom)))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    u, v = (xy[:, 0] - t.c) / t.a, (xy[:, 1] - t.f) / t.e
    edge = (ring[1:] == ring[:-1]) & (v[1:] != v[:-1])      # horizontal edges add nothing
    u1, v1, u2, v2 = u[:-1][edge], v[:-1][edge], u[1:][edge], v[1:][edge]
    v_lo, v_hi = np.minimum(v1, v2), np.maximum(v1, v2)
    first = np.maximum(np.floor(v_lo), 0).astype(np.int64)
    last = np.minimum(np.ceil(v_hi) - 1, n_rows - 1).astype(np.int64)
    e, row = _spread(first, np.maximum(last - first + 1, 0))
    a, b = np.maximum(v_lo[e], row), np.minimum(v_hi[e], row + 1.0)
    keep = b > a
    e, row, a, b = e[keep], row[keep], a[keep], b[keep]
    slope = (u2 - u1)[e] / (v2 - v1)[e]
    ua, ub = u1[e] + (a - v1[e]) * slope, u1[e] + (b - v1[e]) * slope
    order = np.argsort(row, kind="stable")
    dv = np.sign(v2 - v1)[e] * (b - a)
    return _RowPieces(row[order], np.minimum(ua, ub)[order], np.maximum(ua, ub)[order], dv[order])


def _left_of(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``-mean(max(a - u, 0))`` over a straight piece whose column coordinate u runs from ``lo`` to ``hi``."""
    out = np.where(a >= hi, 0.5 * (lo + hi) - a, 0.0)
    mid = (a > lo) & (a < hi)
    out[mid] = -((a - lo)[mid] ** 2) / (2.0 * (hi - lo)[mid])
    return out


def _block_fractions(p: _RowPieces, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """Exact fraction inside the polygon of each pixel of rows ``r0:r1``, columns ``c0:c1``.

    Pixels no piece crosses are 0 or 1 up to rounding of the summed heights (about 1e-16).
    """
    i0, i1 = np.searchsorted(p.row, [r0, r1])
    row, lo, hi, dv = p.row[i0:i1] - r0, p.u_lo[i0:i1] - c0, p.u_hi[i0:i1] - c0, p.dv[i0:i1]
    col_lo, col_hi = np.floor(lo).astype(np.int64), np.floor(hi).astype(np.int64)
    n_rows, n_cols = r1 - r0, c1 - c0
    # Pieces wholly left of a pixel: their heights, summed along the row, are 1 inside the polygon and 0 outside.
    # That level is constant between the columns where pieces end: fill those runs (np.repeat) row by row.
    start = np.maximum(col_hi + 1, 0)
    ok = start < n_cols
    e_row, e_col, e_dv = row[ok], start[ok], dv[ok]
    order = np.lexsort((e_col, e_row))
    e_row, e_col, e_dv = e_row[order], e_col[order], e_dv[order]
    first = np.flatnonzero(np.r_[True, e_row[1:] != e_row[:-1]]) if e_row.size else np.zeros(0, np.int64)
    if first.size > 1:                          # each row starts from 0 (the sum stays small: no rounding drift)
        e_dv[first[1:]] -= np.add.reduceat(e_dv, first)[:-1]
    level = np.cumsum(e_dv)
    resets = np.arange(n_rows + 1, dtype=np.int64) * n_cols
    pos = np.concatenate([resets, e_row * n_cols + e_col])
    val = np.concatenate([np.zeros(n_rows + 1), level])
    order = np.lexsort((np.arange(pos.size), pos))                  # a reset before the levels at its place
    pos, val = pos[order], val[order]
    frac = np.repeat(val[:-1], np.diff(pos)).reshape(n_rows, n_cols)
    # Pixels a piece crosses: the area left of the piece within the pixel, exactly.
    first = np.maximum(col_lo, 0)
    k, col = _spread(first, np.maximum(np.minimum(col_hi, n_cols - 1) - first + 1, 0))
    ck, lk, hk = col.astype(np.float64), lo[k], hi[k]
    np.add.at(frac, (row[k], col), -dv[k] * (_left_of(ck + 1.0, lk, hk) - _left_of(ck, lk, hk)))
    touched = (row[k], col)
    edge = frac[touched]
    frac[touched] = np.where(edge < _TINY, 0.0, np.minimum(edge, 1.0))
    return frac


def coverage_fractions(geom_polar: BaseGeometry, transform: Affine, shape_: tuple[int, int]) -> np.ndarray:
    """Exact fraction (0-1) of each pixel of a north-up grid inside a polygon (same CRS), by Green's theorem.

    Exact up to rounding (about 1e-15; values within 1e-12 of 0 or 1 are set to 0 or 1).

    >>> t = Affine(1.0, 0.0, 0.0, 0.0, -1.0, 2.0)
    >>> coverage_fractions(shapely.box(0.5, 0.0, 2.0, 1.5), t, (2, 2)).tolist()
    [[0.25, 0.5], [0.5, 1.0]]
    """
    _check_north_up(transform, "coverage_fractions: the grid", "give a north-up affine transform")
    geom = _check_polygon(geom_polar, "coverage_fractions")
    frac = _block_fractions(_row_pieces(geom, transform, shape_[0]), 0, shape_[0], 0, shape_[1])
    frac[frac < _TINY] = 0.0                    # rounding of the summed heights (about 1e-16) away
    frac[frac > 1.0 - _TINY] = 1.0
    return frac


def _polygon_sums(geom: BaseGeometry, data: np.ndarray, t: Affine,
                  read_ids: Callable[[int, int, int, int], np.ndarray],
                  seen_ids: list[np.ndarray] | None = None) -> tuple[float, float, int]:
    """(PSR km2, valid km2, PSR outlines with area inside) of a polygon over a window ``data`` with transform ``t``.

    Rows go in blocks of about :data:`_BLOCK_PX` pixels, each cut to the columns its boundary pieces span;
    ``read_ids(r0, r1, c0, c1)`` gives the outline ids of that part of the window. The ids of the outlines
    with area inside are appended to ``seen_ids`` when it is given.
    """
    n_rows, n_cols = data.shape
    pieces = _row_pieces(geom, t, n_rows)
    if pieces.row.size == 0:
        if seen_ids is not None:
            seen_ids.append(np.zeros(0, dtype=np.int64))
        return 0.0, 0.0, 0
    # k = 1 + (x^2 + y^2) / (4 R^2) is k(x, 0) + k(0, y) - 1: two short vectors instead of a grid of squares.
    k_col = stereographic_scale_factor(t.c + t.a * (np.arange(n_cols) + 0.5), 0.0)
    k_row = stereographic_scale_factor(0.0, t.f + t.e * (np.arange(n_rows) + 0.5)) - 1.0
    psr_px = valid_px = 0.0      # sums of fraction / k^2, in pixels
    seen = np.zeros(1, dtype=bool)
    step = max(1, _BLOCK_PX // max(n_cols, 1))
    col_lo, col_hi = pieces.col_lo, pieces.col_hi
    for r0 in range(int(pieces.row[0]), int(pieces.row[-1]) + 1, step):
        r1 = min(r0 + step, n_rows)
        i0, i1 = np.searchsorted(pieces.row, [r0, r1])
        if i0 == i1:
            continue
        c0, c1 = max(int(col_lo[i0:i1].min()), 0), min(int(col_hi[i0:i1].max()) + 1, n_cols)
        if c1 <= c0:
            continue
        frac = _block_fractions(pieces, r0, r1, c0, c1)
        hit = frac > _TINY
        k2 = np.add(k_col[None, c0:c1], k_row[r0:r1, None])
        np.multiply(k2, k2, out=k2)
        frac /= k2
        block = data[r0:r1, c0:c1]
        is_psr = block == PSR_VALUE
        psr_px += float(np.sum(frac, where=is_psr))
        valid_px += float(frac.sum())
        nodata = ~is_psr & (block != NOT_PSR_VALUE)
        if nodata.any():
            valid_px -= float(np.sum(frac, where=nodata))
        hit &= is_psr
        if hit.any():
            ids = read_ids(r0, r1, c0, c1)[hit]
            ids = ids[ids > 0]
            if ids.size:
                top = int(ids.max())
                if top >= seen.size:
                    seen = np.concatenate([seen, np.zeros(top + 1 - seen.size, dtype=bool)])
                seen[ids] = True
    px_km2 = abs(t.a * t.e) / 1e6
    psr_km2, valid_km2 = psr_px * px_km2, valid_px * px_km2
    if seen_ids is not None:
        seen_ids.append(np.flatnonzero(seen))
    return psr_km2, valid_km2, int(np.count_nonzero(seen))


# ----------------------------------------------------------------- reading the grid
def _reader(ds: Any, wins: Sequence[Window | None]) -> Callable[[Window], np.ndarray]:
    """How to get each polygon's window: slices of one covering read when that is small enough, else own reads."""
    used = [w for w in wins if w is not None]
    if not used:
        return lambda w: ds.read(1, window=w)
    r0, c0 = min(w.row_off for w in used), min(w.col_off for w in used)
    r1, c1 = max(w.row_off + w.height for w in used), max(w.col_off + w.width for w in used)
    if (r1 - r0) * (c1 - c0) > _COVER_FACTOR * sum(w.width * w.height for w in used):
        return lambda w: ds.read(1, window=w)
    block = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
    return lambda w: block[w.row_off - r0: w.row_off - r0 + w.height, w.col_off - c0: w.col_off - c0 + w.width]


def psr_area_in_many(geoms_polar: Iterable[BaseGeometry], data_dir: str | Path | None = None) -> list[PsrStats]:
    """PSR area, covered area and outline count inside each polygon (IAU_2015:30135 metres) on the sphere.

    Opens the prepared 60 m mask once and reads only what the polygons need:
    one window covering them all when they lie close together (it is at most
    twice their own windows), otherwise each polygon's own window. A polygon
    the grid does not cover gives NaN areas (see :class:`PsrStats`). With the
    prepared official outlines, they count too (see the module docstring).
    """
    if isinstance(geoms_polar, BaseGeometry) or not hasattr(geoms_polar, "__iter__"):
        raise GeometryError(f"psr_area_in_many needs a list of polygons (got {type(geoms_polar).__name__}); "
                            "pass [polygon], or call psr_area_in for one polygon.")
    geoms = [_check_polygon(g, f"psr_area_in_many (polygon {i})") for i, g in enumerate(geoms_polar)]
    return _area_in_many(geoms, data_dir)


def psr_area_in(geom_polar: BaseGeometry, data_dir: str | Path | None = None) -> PsrStats:
    """PSR area, covered area and outline count inside one polygon (IAU_2015:30135 metres) on the sphere.

    The one-polygon case of :func:`psr_area_in_many`: reads only the polygon's window of the grid.
    """
    return _area_in_many([_check_polygon(geom_polar, "psr_area_in")], data_dir)[0]


_GridSums = tuple[float, float, int, np.ndarray]


def _grid_sums(geoms: list[BaseGeometry | None], root: Path) -> tuple[list[_GridSums | None], float, str]:
    """(PSR km2, valid km2, outline count, outline ids) of each polygon on the 60 m grid, with its resolution and name.

    None for a polygon off the grid or on no valid pixel; ``None`` polygons are skipped.
    """
    mask_path, ids_path = root / PREPARED["psr"], root / PREPARED["psr_ids"]
    with open_raster(mask_path) as ds, open_raster(ids_path) as ids_ds:
        require_lunar_crs(ds.crs.to_wkt() if ds.crs else None, f"raster {mask_path}", expected=SOUTH_POLAR_CODE)
        _check_north_up(ds.transform, f"PSR grid {mask_path}", "prepare it again (python -m lunarmap prepare --force)")
        if ids_ds.shape != ds.shape or ids_ds.transform != ds.transform:
            raise RasterError(f"PSR outline-id grid {ids_path} is not on the PSR grid {mask_path}; "
                              "prepare again (python -m lunarmap prepare --force).")
        res, product = raster_resolution_m(ds), mask_path.stem
        wins = [window_for_bounds(ds, g.bounds) if g is not None else None for g in geoms]
        read = _reader(ds, wins)
        out: list[_GridSums | None] = []
        for geom, win in zip(geoms, wins, strict=True):
            if win is None or geom is None:
                out.append(None)
                continue

            def read_ids(r0: int, r1: int, c0: int, c1: int, w: Window = win) -> np.ndarray:
                return ids_ds.read(1, window=Window(w.col_off + c0, w.row_off + r0, c1 - c0, r1 - r0))

            seen: list[np.ndarray] = []
            psr_km2, valid_km2, count = _polygon_sums(geom, read(win), ds.window_transform(win), read_ids, seen)
            out.append((psr_km2, valid_km2, count, seen[0]) if valid_km2 > 0 else None)
    return out, res, product


def _area_in_many(geoms: list[BaseGeometry], data_dir: str | Path | None) -> list[PsrStats]:
    root = _data_dir(data_dir) / "prepared"
    if not geoms:
        return []
    official = load_official(data_dir)
    if official is not None:
        return _combined_area_in_many(geoms, root, official)
    poly_km2 = np.asarray(area_km2(np.array(geoms, dtype=object)), dtype=float)
    sums, res, product = _grid_sums(list(geoms), root)
    nan_stats = PsrStats(float("nan"), float("nan"), 0.0, 0, product, res)
    out = []
    for s, full_km2 in zip(sums, poly_km2, strict=True):
        cov = min(s[1] / full_km2, 1.0) if s is not None else 0.0
        out.append(nan_stats if s is None else PsrStats(s[0], s[1], cov, s[2], product, res, grid_covered_fraction=cov))
    return out


def _combined_area_in_many(geoms: list[BaseGeometry], root: Path, official: OfficialPsrs) -> list[PsrStats]:
    """PSR area from the official outlines (exact, geodesic) plus the 60 m grid's PSR outside them.

    Double counting: the grid's PSR inside the official outlines is subtracted
    exactly, as the grid's PSR (exact fractional pixels, p^2/k^2) over the
    polygon's part inside the outlines: PSR = official + grid(polygon) -
    grid(polygon & outlines), which is the area of the union. A prepared grid
    with the outlines' pixels zeroed would not be exact: the outlines' pixel
    edges lie half a 60 m pixel off the reconstructed grid's, so every edge
    pixel would be half counted twice or half missed.
    """
    poly_km2 = np.asarray(area_km2(np.array(geoms, dtype=object)), dtype=float)
    off = official_area_in(geoms, official)
    sums, grid_res, grid_product = _grid_sums(list(geoms), root)
    overlap = [g if s is not None else None for g, s in zip(off.inside, sums, strict=True)]
    twice = _grid_sums(overlap, root)[0] if any(g is not None for g in overlap) else [None] * len(geoms)
    out = []
    for i, geom in enumerate(geoms):
        covered_km2 = float(off.covered_km2[i])
        if not covered_km2 > 0:
            out.append(PsrStats(float("nan"), float("nan"), 0.0, 0, OFFICIAL_PRODUCT, official_resolution_m(geom),
                                COMBINED_METHOD))
            continue
        psr_km2, res, product = float(off.psr_km2[i]), official_resolution_m(geom), OFFICIAL_PRODUCT
        psrs, grid_cov, small = set(off.indices[i].tolist()), 0.0, 0
        grid, grid_twice = sums[i], twice[i]
        if grid is not None:
            grid_cov = min(grid[1] / poly_km2[i], 1.0)
            grid_only = grid[0] - (grid_twice[0] if grid_twice is not None else 0.0)
            psr_km2 += max(grid_only, 0.0)
            # A grid outline sharing area with official ones is those PSRs; any other is a PSR of its own.
            psrs |= set(official.partners_of(grid[3]).tolist())
            small = int(np.count_nonzero(~np.isin(grid[3], official.link_grid_ids)))
            res, product = max(res, grid_res), f"{OFFICIAL_PRODUCT} + {grid_product}"
        count = len(psrs) + small
        out.append(PsrStats(psr_km2, covered_km2, min(covered_km2 / poly_km2[i], 1.0), count, product, res,
                            COMBINED_METHOD, grid_cov))
    return out
