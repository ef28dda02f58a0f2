"""PSR measurements for many sites at once: nearest PSR edge, and PSR area inside circles and regions.

Batch counterparts of :func:`lunarmap.psr.psr_area_in` for comparison tables:
the PSR grid is opened once and the window covering all shapes read once; PSR
outlines and the PSR catalogue are loaded once per data folder (cached until
the files change) with a spatial index (shapely STRtree) for nearest-edge
queries. Same area method as :mod:`lunarmap.psr`: each 60 m pixel weighs its
true area on the sphere, ``p^2 / k^2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from affine import Affine
from rasterio.features import rasterize
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from .catalog import load_catalog
from .crs import SOUTH_POLAR_CODE, lonlat_to_polar, polar_to_lonlat, require_lunar_crs
from .errors import CatalogError, DataMissingError, RasterError
from .geodesy import area_km2, distance_m
from .paths import data_dir as _data_dir
from .psr import NOT_PSR_VALUE, PSR_VALUE, PsrStats
from .rasters import PREPARED, open_raster, raster_resolution_m, sample_psr
from .terrain import stereographic_scale_factor

__all__ = ["PSR_CATALOG_PRODUCT", "PSR_EDGE_METHOD", "PSR_RADIUS_METHOD", "PsrLayers", "PsrEdges",
           "psr_layers", "psr_stats_many", "nearest_psr_edges"]

PSR_CATALOG_PRODUCT = "psr-catalog-csv"
_CATALOG_FALLBACK = "psr_catalog/LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv"
PSR_EDGE_METHOD = (
    "geodesic distance from the site (a region: its outline) to the nearest PSR edge; PSR outlines vectorised "
    "from the 60 m grid where it covers (nearest point found in the polar map, distance measured on the sphere); "
    "beyond the grid, the PSR catalogue's PSRs as equivalent circles of radius sqrt(area/pi) around the catalogue "
    "centroid; 0 when the site is inside (a region: overlaps) a PSR"
)
PSR_RADIUS_METHOD = (
    "60 m PSR grid pixels inside the geodesic circle of radius r around the site, each weighted by its true area "
    "on the sphere (p^2/k^2); PSR pixels cut by the circle count by their exact fraction inside; count = PSR "
    "outlines meeting the circle; NaN with a reason where the grid does not cover (it reaches about 85 S)"
)
_CHUNK_ROWS = 1024
_TILE_PX = 64


@dataclass(frozen=True)
class PsrLayers:
    """The PSR grid's location and extent, the outlines with their index, and the catalogue beyond the grid."""

    grid_path: Path
    grid_bounds: tuple[float, float, float, float]
    grid_resolution_m: float
    outlines: np.ndarray = field(repr=False)
    outline_ids: np.ndarray = field(repr=False)
    tree: shapely.STRtree = field(repr=False)
    catalog_lon_deg: np.ndarray = field(repr=False)
    catalog_lat_deg: np.ndarray = field(repr=False)
    catalog_radius_m: np.ndarray = field(repr=False)
    catalog_ids: np.ndarray = field(repr=False)
    provenance: Mapping[str, str] = field(default_factory=dict)


def _catalog_path(root: Path) -> tuple[Path, str]:
    try:
        product = load_catalog().get(PSR_CATALOG_PRODUCT)
        return product.path_in(root), f"{product.name} sha256 {product.sha256}"
    except CatalogError:
        return root / _CATALOG_FALLBACK, "not in the data catalogue"


def psr_layers(data_dir: Any = None) -> PsrLayers:
    """The PSR layers of a data folder (prepared grid and outlines, fetched catalogue), cached until they change."""
    root = _data_dir(data_dir)
    grid = root / "prepared" / PREPARED["psr"]
    outlines = root / "prepared" / PREPARED["psr_outlines"]
    catalog, catalog_version = _catalog_path(root)
    for path, how in ((grid, "prepare"), (outlines, "prepare"), (catalog, "fetch")):
        if not path.exists():
            raise DataMissingError(f"PSR data {path} does not exist; run python -m lunarmap {how} first "
                                   "(or point --data-dir / LUNARMAP_DATA_DIR at a prepared data folder).")
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in (grid, outlines, catalog))
    return _load_layers(stamp, catalog_version)


@lru_cache(maxsize=4)
def _load_layers(stamp: tuple, catalog_version: str) -> PsrLayers:
    grid, outlines, catalog = (Path(s[0]) for s in stamp)
    with open_raster(grid) as ds:
        require_lunar_crs(ds.crs.to_wkt() if ds.crs else None, f"raster {grid}", expected=SOUTH_POLAR_CODE)
        bounds, res = tuple(ds.bounds), raster_resolution_m(ds)
    meta = pyogrio.read_dataframe(outlines, columns=["id"], read_geometry=True)
    require_lunar_crs(meta.crs.to_wkt() if meta.crs else None, f"PSR outlines {outlines}", expected=SOUTH_POLAR_CODE)
    geoms = np.asarray(meta.geometry.values, dtype=object)
    table = pd.read_csv(catalog)
    lon = np.where(table["longitude"].to_numpy(float) > 180.0, table["longitude"].to_numpy(float) - 360.0,
                   table["longitude"].to_numpy(float))
    lat = table["latitude"].to_numpy(float)
    covered = np.isfinite(sample_psr(lon, lat, grid.parent.parent).values)
    beyond = ~covered
    provenance = {
        "psr_grid": f"{grid.name} ({res:g} m, {bounds[2] - bounds[0]:,.0f} m square around the pole)",
        "psr_outlines": f"{outlines.name} ({len(geoms):,} outlines vectorised from the PSR grid)",
        "psr_catalogue": f"{catalog.name} ({len(table):,} PSRs >= 1 km2, {int(beyond.sum()):,} beyond the grid "
                         f"used as equivalent circles; {catalog_version})",
    }
    return PsrLayers(
        grid, bounds, res, geoms, meta["id"].to_numpy(), shapely.STRtree(geoms),
        lon[beyond], lat[beyond], np.sqrt(table["area"].to_numpy(float)[beyond] * 1e6 / np.pi),
        table["PSR_ID"].astype(str).to_numpy()[beyond], provenance,
    )


def _window(geom: BaseGeometry, t: Affine, width: int, height: int) -> tuple[int, int, int, int] | None:
    """(row0, row1, col0, col1) of the pixels of a north-up grid that ``geom``'s bounds touch, or None."""
    minx, miny, maxx, maxy = geom.bounds
    c0, c1 = int(np.floor((minx - t.c) / t.a)), int(np.ceil((maxx - t.c) / t.a))
    r0, r1 = int(np.floor((maxy - t.f) / t.e)), int(np.ceil((miny - t.f) / t.e))
    c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, width), min(r1, height)
    return (r0, r1, c0, c1) if r1 > r0 and c1 > c0 else None


def _shifted(t: Affine, rows: int, cols: int) -> Affine:
    return Affine(t.a, 0.0, t.c + cols * t.a, 0.0, t.e, t.f + rows * t.e)


def _edge_fractions(geom: BaseGeometry, t: Affine, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact fraction of each pixel (``rows``/``cols`` of a north-up grid with transform ``t``) inside ``geom``.

    Pixels go in tiles of ``_TILE_PX`` squares, each clipped against ``geom`` cut to its tile first
    (rectangle clipping, fast), so a long outline is not walked whole for every pixel.
    """
    out = np.empty(rows.size)
    tiles = (rows // _TILE_PX) * (1 << 20) + cols // _TILE_PX
    left, top = t.c + cols * t.a, t.f + rows * t.e
    for key in np.unique(tiles):
        idx = np.flatnonzero(tiles == key)
        tr, tc = int(key >> 20) * _TILE_PX, int(key & ((1 << 20) - 1)) * _TILE_PX
        x0, y0 = t.c + tc * t.a, t.f + (tr + _TILE_PX) * t.e
        local = shapely.clip_by_rect(geom, x0, y0, x0 + _TILE_PX * t.a, y0 - _TILE_PX * t.e)
        out[idx] = [shapely.area(shapely.clip_by_rect(local, x, y + t.e, x + t.a, y))
                    for x, y in zip(left[idx], top[idx], strict=True)]
    return out / abs(t.a * t.e)


def _true_km2(t: Affine, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """True area on the sphere (km2) of the pixels at ``rows``/``cols`` of a polar grid: p^2 / k^2."""
    x, y = t.c + (cols + 0.5) * t.a, t.f + (rows + 0.5) * t.e
    return abs(t.a * t.e) / stereographic_scale_factor(x, y) ** 2 / 1e6


def _stats_one(geom: BaseGeometry, data: np.ndarray, t: Affine) -> tuple[float, float]:
    """(PSR km2, nodata km2) inside ``geom`` on the grid ``data`` (a window with transform ``t``)."""
    psr_km2 = nodata_km2 = 0.0
    for r0 in range(0, data.shape[0], _CHUNK_ROWS):
        block = data[r0: r0 + _CHUNK_ROWS]
        bt = _shifted(t, r0, 0)
        inside = rasterize([(geom, 1)], out_shape=block.shape, transform=bt, dtype="uint8").view(bool)
        edge = rasterize([(geom.boundary, 1)], out_shape=block.shape, transform=bt, all_touched=True,
                         dtype="uint8").view(bool)
        pr, pc = np.nonzero((inside | edge) & (block == PSR_VALUE))
        frac = np.ones(pr.size)
        on_edge = edge[pr, pc]
        if on_edge.any():
            frac[on_edge] = _edge_fractions(geom, bt, pr[on_edge], pc[on_edge])
        psr_km2 += float((_true_km2(bt, pr, pc) * frac).sum())
        nodata = inside & (block != PSR_VALUE) & (block != NOT_PSR_VALUE)
        if nodata.any():
            nr, nc = np.nonzero(nodata)
            nodata_km2 += float(_true_km2(bt, nr, nc).sum())
    return psr_km2, nodata_km2


def psr_stats_many(geoms_polar: Sequence[BaseGeometry], layers: PsrLayers) -> list[PsrStats]:
    """:class:`PsrStats` for each polygon (IAU_2015:30135 metres), reading the grid window that covers them all once.

    Covered area = the polygon's part inside the grid's square (true area) less nodata pixels inside it.
    """
    nan = float("nan")
    res, product = layers.grid_resolution_m, layers.grid_path.stem
    out: list[PsrStats] = [PsrStats(nan, nan, 0.0, 0, product, res)] * len(geoms_polar)
    with open_raster(layers.grid_path) as ds:
        t = ds.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise RasterError(f"PSR grid {layers.grid_path} is not a north-up grid (transform {tuple(t)[:6]!r}); "
                              "prepare it again (python -m lunarmap prepare --force).")
        wins = [_window(g, t, ds.width, ds.height) for g in geoms_polar]
        used = [w for w in wins if w is not None]
        if not used:
            return out
        r0, r1 = min(w[0] for w in used), max(w[1] for w in used)
        c0, c1 = min(w[2] for w in used), max(w[3] for w in used)
        data = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
    todo = [i for i, w in enumerate(wins) if w is not None]
    geoms = np.array([geoms_polar[i] for i in todo], dtype=object)
    on_grid_km2 = np.asarray(area_km2(shapely.intersection(geoms, shapely.box(*layers.grid_bounds))), dtype=float)
    full_km2 = np.asarray(area_km2(geoms), dtype=float)
    for k, i in enumerate(todo):
        w = wins[i]
        sub = data[w[0] - r0: w[1] - r0, w[2] - c0: w[3] - c0]
        psr_km2, nodata_km2 = _stats_one(geoms[k], sub, _shifted(t, w[0], w[2]))
        valid_km2 = on_grid_km2[k] - nodata_km2
        if not valid_km2 > 1e-9 * full_km2[k]:
            continue
        count = int(layers.tree.query(geoms[k], predicate="intersects").size)
        out[i] = PsrStats(psr_km2, valid_km2, min(valid_km2 / full_km2[k], 1.0), count, product, res)
    return out


@dataclass(frozen=True)
class PsrEdges:
    """Nearest PSR edge per site: distance (km), status, which PSR data was used, and which PSR."""

    distance_km: np.ndarray
    status: np.ndarray
    source: np.ndarray
    nearest: np.ndarray


def _segments(geom: BaseGeometry) -> np.ndarray:
    """The straight segments of a polygon's rings, as an array of two-point LineStrings."""
    parts = []
    for ring in shapely.get_rings(shapely.get_parts(geom)):
        xy = shapely.get_coordinates(ring)
        parts.append(shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1)))
    return np.concatenate(parts)


def _catalog_distance_m(geoms: Sequence[BaseGeometry], layers: PsrLayers) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) from each shape to the nearest catalogue circle edge (0 inside) and its index."""
    n = len(geoms)
    best, which = np.full(n, np.inf), np.full(n, -1)
    if layers.catalog_ids.size == 0:
        return best, which
    clon, clat = layers.catalog_lon_deg, layers.catalog_lat_deg
    cx, cy = lonlat_to_polar(clon, clat)
    centres = shapely.points(cx, cy)
    for i, g in enumerate(geoms):
        if g.geom_type == "Point":
            lon, lat = polar_to_lonlat(g.x, g.y)
            gap = distance_m(lon, lat, clon, clat) - layers.catalog_radius_m
        else:
            # Nearest point of the region's outline to each centre, found in the map with an index of the
            # outline's segments, then measured on the sphere; centres inside the region are at 0.
            segs = _segments(g)
            _, sj = shapely.STRtree(segs).query_nearest(centres, all_matches=False)
            ends = shapely.get_coordinates(shapely.shortest_line(segs[sj], centres)).reshape(-1, 2, 2)
            lon, lat = polar_to_lonlat(ends[:, 0, 0], ends[:, 0, 1])
            gap = distance_m(lon, lat, clon, clat) - layers.catalog_radius_m
            gap[shapely.contains_xy(g, cx, cy)] = 0.0
        which[i] = int(np.argmin(gap))
        best[i] = max(float(gap[which[i]]), 0.0)
    return best, which


def nearest_psr_edges(geoms_polar: Sequence[BaseGeometry], layers: PsrLayers) -> PsrEdges:
    """Geodesic distance from each site shape (IAU_2015:30135) to the nearest PSR edge; see ``PSR_EDGE_METHOD``."""
    geoms = np.asarray(list(geoms_polar), dtype=object)
    n = geoms.size
    cat_m, cat_i = _catalog_distance_m(list(geoms), layers)
    out_m, out_j = np.full(n, np.inf), np.full(n, -1)
    if n and layers.outlines.size:
        si, oj = layers.tree.query(geoms, predicate="intersects")
        out_m[si], out_j[si] = 0.0, oj
        todo = np.flatnonzero(np.isinf(out_m))
        if todo.size:
            (ni, _), planar = layers.tree.query_nearest(geoms[todo], return_distance=True, all_matches=False)
            planar = planar[np.argsort(ni, kind="stable")]
            # On this map a geodesic of length G has map length between G and k_max G (k >= 1 grows away
            # from the pole), so only outlines with planar distance <= k_max * min(nearest, catalogue) can win.
            coords = [shapely.get_coordinates(g) for g in geoms[todo]]
            k_corner = float(stereographic_scale_factor(layers.grid_bounds[2], layers.grid_bounds[3]))
            k_max = np.array([max(float(np.max(stereographic_scale_factor(c[:, 0], c[:, 1]))), k_corner) for c in coords])
            limit = k_max * np.minimum(planar, cat_m[todo])
            hopeful = planar / k_max < cat_m[todo]
            if hopeful.any():
                qi, qj = layers.tree.query(geoms[todo][hopeful], predicate="dwithin", distance=limit[hopeful])
                site = todo[hopeful][qi]
                lines = shapely.shortest_line(geoms[site], layers.outlines[qj])
                ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
                lon, lat = polar_to_lonlat(ends[:, :, 0], ends[:, :, 1])
                d = np.asarray(distance_m(lon[:, 0], lat[:, 0], lon[:, 1], lat[:, 1]), dtype=float)
                order = np.lexsort((d, site))
                first = order[np.r_[True, site[order][1:] != site[order][:-1]]]
                out_m[site[first]], out_j[site[first]] = d[first], qj[first]
    use_outline = out_m <= cat_m
    dist_m = np.where(use_outline, out_m, cat_m)
    is_point = np.array([g.geom_type == "Point" for g in geoms], dtype=bool)
    status = np.where(dist_m > 0, "outside PSR", np.where(is_point, "inside PSR", "region overlaps PSR"))
    source = np.where(use_outline, "PSR outlines (60 m grid)", "PSR catalogue (equivalent circle)")
    nearest = np.array([
        (f"outline {layers.outline_ids[out_j[i]]}" if use_outline[i] and out_j[i] >= 0
         else (layers.catalog_ids[cat_i[i]] if cat_i[i] >= 0 else "")) for i in range(n)
    ], dtype=object)
    dist_km = np.where(np.isfinite(dist_m), dist_m / 1e3, np.nan)
    return PsrEdges(dist_km, status.astype(object), source.astype(object), nearest)
