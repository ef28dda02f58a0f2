"""PSR measurements for many sites at once: nearest PSR edge, and PSR area inside circles and regions.

PSR areas come from :func:`lunarmap.psr.psr_area_in_many` (the grid opened
once, only the windows the shapes need read; each 60 m pixel weighs its true
area on the sphere, ``p^2 / k^2``, times its exact fraction inside; with the
prepared official LOLA PSR outlines, their exact geodesic intersection area
plus the grid's PSR outside them). PSR outlines (the grid's, and the official
ones where prepared) and the PSR catalogue are loaded once per data folder
(cached until the files change) with a spatial index (shapely STRtree) for
nearest-edge queries.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .catalog import load_catalog
from .crs import SOUTH_POLAR_CODE, lonlat_to_polar, polar_to_lonlat, require_lunar_crs
from .errors import CatalogError, DataMissingError
from .geodesy import distance_m
from .paths import data_dir as _data_dir
from .psr import PsrStats, psr_area_in_many
from .psr_official import OFFICIAL_PRODUCT, load_official
from .rasters import PREPARED, open_raster, raster_resolution_m, sample_raster
from .terrain import stereographic_scale_factor

__all__ = ["PSR_CATALOG_PRODUCT", "PSR_EDGE_METHOD", "PSR_RADIUS_METHOD", "PSR_EDGE_METHOD_OFFICIAL",
           "PSR_RADIUS_METHOD_OFFICIAL", "GRID_OUTLINE_SOURCE", "PsrLayers", "PsrEdges",
           "psr_layers", "psr_stats_many", "nearest_psr_edges"]

logger = logging.getLogger(__name__)

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
    "outlines with some area inside the circle; NaN with a reason where the grid does not cover (it reaches about 85 S)"
)
#: The methods when the official LOLA PSR outlines are prepared too.
PSR_EDGE_METHOD_OFFICIAL = (
    "geodesic distance from the site (a region: its outline) to the nearest PSR edge; PSR outlines: the official "
    "LOLA outlines of every PSR >= 5 km2 (75 S to the pole; about 69 S in the corners of their map) and the outlines "
    "vectorised from the 60 m grid (PSRs of every size, poleward of about 85 S); nearest point found in the polar "
    "map, distance measured on the sphere; beyond both, the PSR catalogue's remaining PSRs (>= 1 km2) as equivalent "
    "circles of radius sqrt(area/pi) around the catalogue centroid; 0 when the site is inside (a region: overlaps) a PSR"
)
PSR_RADIUS_METHOD_OFFICIAL = (
    "PSR area inside the geodesic circle of radius r around the site, true area on the sphere: the exact geodesic "
    "area of its intersection with the official LOLA PSR outlines (every PSR >= 5 km2, 75 S to the pole), plus the "
    "60 m grid's PSR pixels outside those outlines (PSRs under 5 km2, poleward of about 85 S; each pixel weighted by "
    "p^2/k^2 and its exact fraction inside); count = official outlines plus grid outlines apart from them with some "
    "area inside; NaN with a reason beyond the official outlines' map"
)
GRID_OUTLINE_SOURCE = "PSR outlines (60 m grid)"


@dataclass(frozen=True)
class PsrLayers:
    """The PSR grid's location and extent, the outlines with their index, and the catalogue beyond them.

    ``outlines`` holds the grid's outlines, then the official ones where
    prepared; ``outline_ids`` the grid's outline ids and the official PSR_IDs,
    ``outline_sources`` which of the two each outline is.
    """

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
    outline_sources: np.ndarray | None = field(default=None, repr=False)
    edge_method: str = PSR_EDGE_METHOD
    radius_method: str = PSR_RADIUS_METHOD


def _catalog_path(root: Path) -> tuple[Path, str]:
    try:
        product = load_catalog().get(PSR_CATALOG_PRODUCT)
        return product.path_in(root), f"{product.name} sha256 {product.sha256}"
    except CatalogError as err:
        logger.warning("the PSR catalogue is looked for at %s (the data catalogue cannot say where)",
                       root / _CATALOG_FALLBACK, exc_info=err)
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
    official = root / "prepared" / PREPARED["psr_official"]
    official_stamp = (official.stat().st_mtime_ns, official.stat().st_size) if official.exists() else None
    return _load_layers(stamp, catalog_version, official_stamp)


@lru_cache(maxsize=4)
def _load_layers(stamp: tuple, catalog_version: str, official_stamp: tuple | None = None) -> PsrLayers:
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
    covered = np.isfinite(sample_raster(grid, lon, lat, method="nearest").values)
    ids = meta["id"].to_numpy().astype(object)
    sources = np.full(geoms.size, GRID_OUTLINE_SOURCE, dtype=object)
    official = load_official(grid.parent.parent) if official_stamp is not None else None
    if official is not None:
        # The official outlines stand for their catalogue entries (same PSR_ID) wherever they are.
        covered |= table["PSR_ID"].astype(str).isin(set(official.psr_ids)).to_numpy()
        geoms = np.concatenate([geoms, official.geoms])
        ids = np.concatenate([ids, official.psr_ids.astype(object)])
        sources = np.concatenate([sources, np.full(official.geoms.size, OFFICIAL_PRODUCT, dtype=object)])
    beyond = ~covered
    provenance = {
        "psr_grid": f"{grid.name} ({res:g} m, {bounds[2] - bounds[0]:,.0f} m square around the pole)",
        "psr_outlines": f"{outlines.name} ({len(geoms):,} outlines vectorised from the PSR grid)",
        "psr_catalogue": f"{catalog.name} ({len(table):,} PSRs >= 1 km2, {int(beyond.sum()):,} beyond the grid "
                         f"{'and the official outlines ' if official is not None else ''}used as equivalent circles; "
                         f"{catalog_version})",
    }
    if official is not None:
        provenance["psr_official"] = (f"{official.path.name} ({official.geoms.size:,} {OFFICIAL_PRODUCT}, "
                                      "75 S to the pole, from LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL)")
    return PsrLayers(
        grid, bounds, res, geoms, ids, shapely.STRtree(geoms),
        lon[beyond], lat[beyond], np.sqrt(table["area"].to_numpy(float)[beyond] * 1e6 / np.pi),
        table["PSR_ID"].astype(str).to_numpy()[beyond], provenance, sources,
        PSR_EDGE_METHOD_OFFICIAL if official is not None else PSR_EDGE_METHOD,
        PSR_RADIUS_METHOD_OFFICIAL if official is not None else PSR_RADIUS_METHOD,
    )


def psr_stats_many(geoms_polar: Sequence[BaseGeometry], layers: PsrLayers) -> list[PsrStats]:
    """:class:`PsrStats` for each polygon (IAU_2015:30135 metres), from the PSR grid of ``layers``.

    The data folder's :func:`lunarmap.psr.psr_area_in_many`: one read of the grid for shapes close together.
    """
    return psr_area_in_many(geoms_polar, layers.grid_path.parent.parent)


@dataclass(frozen=True)
class PsrEdges:
    """Nearest PSR edge per site: distance (km), status, which PSR data was used, and which PSR."""

    distance_km: np.ndarray
    status: np.ndarray
    source: np.ndarray
    nearest: np.ndarray


def _segments(geom: BaseGeometry) -> np.ndarray:
    """The straight segments of a polygon's rings, as an array of two-point LineStrings."""
    parts: list[np.ndarray] = []
    for ring in shapely.get_rings(shapely.get_parts(geom)):
        xy = shapely.get_coordinates(ring)
        # (n, 2, 2) coordinates: always an array of n LineStrings (the stub cannot tell it from one LineString)
        parts.append(cast(np.ndarray, shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))))
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
        if isinstance(g, Point):
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
    sources = layers.outline_sources if layers.outline_sources is not None else np.full(
        layers.outlines.size, GRID_OUTLINE_SOURCE, dtype=object)
    if n and layers.outlines.size:
        si, oj = layers.tree.query(geoms, predicate="intersects")
        # A site in both a grid outline and an official one is named by the official one.
        order = np.lexsort((sources[oj] == OFFICIAL_PRODUCT, si))
        last = order[np.r_[si[order][1:] != si[order][:-1], True]] if si.size else order
        out_m[si[last]], out_j[si[last]] = 0.0, oj[last]
        todo = np.flatnonzero(np.isinf(out_m))
        if todo.size:
            (ni, _), planar = layers.tree.query_nearest(geoms[todo], return_distance=True, all_matches=False)
            planar = planar[np.argsort(ni, kind="stable")]
            # On this map a geodesic of length G has map length between G and k_max G (k >= 1 grows away
            # from the pole), so only outlines with planar distance <= k_max * min(nearest, catalogue) can win.
            coords = [shapely.get_coordinates(g) for g in geoms[todo]]
            far = np.abs(shapely.total_bounds(layers.outlines)).max()     # the outlines' farthest corner
            k_corner = float(stereographic_scale_factor(far, far))
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
    source = np.array([sources[out_j[i]] if use_outline[i] and out_j[i] >= 0 else
                       (GRID_OUTLINE_SOURCE if use_outline[i] else "PSR catalogue (equivalent circle)")
                       for i in range(n)], dtype=object)
    nearest = np.array([
        (layers.outline_ids[out_j[i]] if use_outline[i] and out_j[i] >= 0 and sources[out_j[i]] == OFFICIAL_PRODUCT
         else f"outline {layers.outline_ids[out_j[i]]}" if use_outline[i] and out_j[i] >= 0
         else (layers.catalog_ids[cat_i[i]] if cat_i[i] >= 0 else "")) for i in range(n)
    ], dtype=object)
    dist_km = np.where(np.isfinite(dist_m), dist_m / 1e3, np.nan)
    return PsrEdges(dist_km, status.astype(object), source.astype(object), nearest)
