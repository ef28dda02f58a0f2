"""Compare landing sites and regions: position, side of the Moon, terrain, PSR access, distances, overlaps.

The PSR measurements live in :mod:`lunarmap.compare_psr`, the Sun and Earth columns in
:mod:`lunarmap.compare_visibility`, the command in :mod:`lunarmap.cli.compare`.

:func:`compare_sites` builds one row per site (columns and their definitions in
:data:`COLUMN_DEFINITIONS`); :func:`distance_matrix_km` and
:func:`overlap_matrix` compare sites pairwise. Everything is on the IAU 2015
Moon sphere: geodesic distances, true areas, geometry in IAU_2015:30135 metres.

>>> side = side_of_moon([177.5991, 32.319, 0.0], [-45.4446, -69.373, -90.0])
>>> list(side.side)
['far side', 'near side', 'limb']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from . import __version__, geodesy
from .compare_psr import nearest_psr_edges, psr_layers, psr_stats_many
from .crs import MOON_RADIUS_M, polar_to_lonlat
from .geodesy import MOON_GEOD, area_km2, distance_m, distance_matrix_m, geodesic_circle
from .product_sampling import sample_elevation_m, sample_slope_deg
from .psr import PsrStats
from .psr_official import OFFICIAL_PRODUCT
from .rasters import Sampled
from .sites import Site
from .terrain import stereographic_scale_factor

__all__ = [
    "DEFAULT_RADIUS_KM",
    "MAX_RADIUS_KM",
    "TERRAIN_SPACING_M",
    "LIBRATION_LON_DEG",
    "LIBRATION_LAT_DEG",
    "COLUMN_DEFINITIONS",
    "SideOfMoon",
    "Comparison",
    "OverlapMatrix",
    "check_radius_km",
    "sites_lonlat",
    "side_of_moon",
    "compare_sites",
    "distance_matrix_km",
    "overlap_matrix",
    "site_shapes",
]

DEFAULT_RADIUS_KM = 20.0
MAX_RADIUS_KM = 500.0
#: Spacing (map metres in IAU_2015:30135) of the grid of points sampled inside a region.
TERRAIN_SPACING_M = 1_000.0
#: Largest optical libration (degrees): the range of Earth's sub-point on the Moon. Textbook values
#: 7 deg 54' in longitude and 6 deg 50' in latitude; one year of JPL DE440 with the MOON_ME_DE421
#: frame gives -7.9..+7.7 and -6.8..+6.9 degrees. Rounded outward here.
LIBRATION_LON_DEG = 7.9
LIBRATION_LAT_DEG = 6.9

SIDE_METHOD = (
    f"side of the Moon from the angular distance theta to Earth's mean sub-point (0 E, 0 N); limb when "
    f"|theta - 90| <= L, with L = {LIBRATION_LON_DEG}|sin a| + {LIBRATION_LAT_DEG}|cos a| degrees the largest "
    f"displacement of the sub-Earth point towards the site (a = azimuth of the site from the sub-point) allowed "
    f"by the libration range (+/-{LIBRATION_LON_DEG} deg longitude, +/-{LIBRATION_LAT_DEG} deg latitude): "
    "L is 6.9 deg due south, up to 10.5 deg on diagonals; near side below, far side above the band"
)
TERRAIN_METHOD = (
    "points: bilinear value at the site; regions: a grid of points every "
    f"{TERRAIN_SPACING_M:,.0f} m (IAU_2015:30135 map metres) inside the polygon, mean weighted by true "
    "area on the sphere (1/k^2); the finest product covering each point is used"
)
COLUMN_DEFINITIONS: Mapping[str, str] = MappingProxyType({
    "id": "site id in the catalogue",
    "name": "site name",
    "kind": "landed, crash, target, planned or region",
    "geometry_type": "point or region (polygon)",
    "lon_deg": "longitude, degrees east (-180..180), IAU 2015 Moon; regions: area-weighted centroid on the sphere",
    "lat_deg": "latitude, degrees (south negative), IAU 2015 Moon; regions: area-weighted centroid on the sphere",
    "pole_distance_km": "geodesic distance from lon_deg/lat_deg to the south pole, km",
    "sub_earth_distance_deg": "angular distance from Earth's mean sub-point (0 E, 0 N), degrees",
    "limb_band_deg": "half-width L of the limb band around 90 deg for this site's direction (libration), degrees",
    "side": "near side, far side or limb (see the notes for the band)",
    "elevation_m": "elevation above the 1,737,400 m sphere, m: at the point, or the area-weighted mean over a region",
    "elevation_min_m": "lowest sampled elevation, m (a point: equal to elevation_m)",
    "elevation_max_m": "highest sampled elevation, m (a point: equal to elevation_m)",
    "elevation_resolution_m": "ground resolution of the elevation data used, m (coarsest used for a region)",
    "elevation_source": "elevation product(s) used",
    "slope_deg": "slope, degrees: at the point, or the area-weighted mean over a region",
    "slope_min_deg": "lowest sampled slope, degrees (a point: equal to slope_deg)",
    "slope_max_deg": "highest sampled slope, degrees (a point: equal to slope_deg)",
    "slope_resolution_m": "ground resolution of the slope data used, m (coarsest used for a region)",
    "slope_source": "slope product(s) used",
    "terrain_sample_count": "number of points sampled for elevation and slope (1 for a point)",
    "psr_edge_distance_km": "geodesic distance to the nearest edge of a permanently shadowed region (PSR), km; 0 inside",
    "psr_edge_status": "inside PSR, outside PSR, or region overlaps PSR",
    "psr_edge_source": "PSR outlines (60 m grid) or PSR catalogue equivalent circle (beyond the grid)",
    "nearest_psr": "the nearest PSR: outline id in the prepared outlines, or catalogue PSR_ID",
    "psr_radius_km": "radius r of the geodesic circle around lon_deg/lat_deg used for the next columns, km",
    "psr_area_in_radius_km2": "PSR area inside the radius-r circle, true km2 on the sphere; NaN where no PSR data",
    "psr_count_in_radius": "number of PSR outlines meeting the radius-r circle; NaN where no PSR data",
    "psr_coverage_in_radius": "fraction (0-1) of the radius-r circle covered by the 60 m PSR grid",
    "psr_note": "how far the PSR data covers the radius-r circle",
    "region_area_km2": "area of the region on the sphere, km2; NaN for a point",
    "region_psr_area_km2": "PSR area inside the region, km2; NaN for a point or where no PSR data",
    "region_psr_share_pct": "region_psr_area_km2 as a percentage of the region's area covered by PSR data",
    "region_psr_note": "how far the PSR data covers the region (empty for a point)",
})

def sites_lonlat(sites: Sequence[Site]) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) degrees of each site: the point, or a region's area-weighted centroid on the sphere (vectorised)."""
    lon, lat = np.full(len(sites), np.nan), np.full(len(sites), np.nan)
    pts = np.array([not s.is_region for s in sites], dtype=bool)
    if pts.any():
        xy = shapely.get_coordinates([s.geometry_polar for s, p in zip(sites, pts, strict=True) if p])
        lon[pts], lat[pts] = polar_to_lonlat(xy[:, 0], xy[:, 1])
    for i in np.flatnonzero(~pts):
        lon[i], lat[i] = sites[int(i)].lonlat
    lon[np.abs(lat + 90.0) < 1e-9] = 0.0   # at the pole longitude is arbitrary: report 0
    return lon, lat


def check_radius_km(radius_km: Any) -> float:
    """The radius as a float, or :class:`InvalidRadiusError` unless 0 < radius_km <= 500."""
    return geodesy.check_radius_km(radius_km, MAX_RADIUS_KM, unit=" km",
                                   hint="give the search radius around each site in kilometres, e.g. 20.")


@dataclass(frozen=True)
class SideOfMoon:
    """Where points lie relative to Earth's mean sub-point (arrays, one value per point)."""

    sub_earth_distance_deg: np.ndarray
    limb_band_deg: np.ndarray
    side: np.ndarray


def side_of_moon(lon_deg: Any, lat_deg: Any) -> SideOfMoon:
    """Near side, far side or limb for lon/lat points (see ``SIDE_METHOD`` for the band)."""
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=float))
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=float))
    theta = np.degrees(distance_m(0.0, 0.0, lon, lat) / MOON_RADIUS_M)
    az, _, _ = MOON_GEOD.inv(np.zeros_like(lon), np.zeros_like(lat), lon, lat)
    az = np.radians(np.asarray(az, dtype=float))
    band = LIBRATION_LON_DEG * np.abs(np.sin(az)) + LIBRATION_LAT_DEG * np.abs(np.cos(az))
    side = np.where(theta < 90.0 - band, "near side", np.where(theta > 90.0 + band, "far side", "limb"))
    return SideOfMoon(np.asarray(theta), band, side.astype(object))


@dataclass(frozen=True)
class Comparison:
    """A site comparison: the table, its column definitions, notes, provenance and the sites' geometries."""

    table: pd.DataFrame
    columns: Mapping[str, str]
    notes: tuple[str, ...]
    radius_km: float
    provenance: Mapping[str, str]
    sites: tuple[Site, ...] = field(repr=False)


def _per_point(sampled: Sampled, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, resolution_m, product name) per point from a possibly multi-product Sampled."""
    values = np.asarray(sampled.values, dtype=float).reshape(n)
    res = np.broadcast_to(np.asarray(sampled.resolution_m, dtype=float), values.shape).reshape(n).copy()
    res[~np.isfinite(values)] = np.nan
    names = np.full(n, "", dtype=object)
    products = [p.strip() for p in sampled.product.split(" + ")]
    levels = np.unique(res[np.isfinite(res)])
    if len(products) == len(levels):
        for name, level in zip(products, levels, strict=True):
            names[res == level] = name
    else:
        names[np.isfinite(res)] = sampled.product
    return values, res, names


def _terrain_points(sites: Sequence[Site]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map-metre sample points of every site and the index of the site each belongs to."""
    xs, ys, owner = [], [], []
    s = TERRAIN_SPACING_M
    for i, site in enumerate(sites):
        g = site.geometry_polar
        if site.is_region:
            minx, miny, maxx, maxy = g.bounds
            gx, gy = np.meshgrid(np.arange(np.ceil(minx / s), np.floor(maxx / s) + 1) * s,
                                 np.arange(np.ceil(miny / s), np.floor(maxy / s) + 1) * s)
            keep = shapely.contains_xy(g, gx, gy)
            px, py = gx[keep], gy[keep]
            if px.size == 0:
                rp = g.representative_point()
                px, py = np.array([rp.x]), np.array([rp.y])
        else:
            assert isinstance(g, Point)  # a site is a Point or a (Multi)Polygon region
            px, py = np.array([g.x]), np.array([g.y])
        xs.append(px)
        ys.append(py)
        owner.append(np.full(px.size, i))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(owner)


def _summarise(values: np.ndarray, res: np.ndarray, names: np.ndarray, weights: np.ndarray) -> tuple:
    ok = np.isfinite(values)
    if not ok.any():
        return np.nan, np.nan, np.nan, np.nan, "no data"
    v, w = values[ok], weights[ok]
    used = " + ".join(sorted({str(n) for n in names[ok]}))
    return float(np.sum(v * w) / np.sum(w)), float(v.min()), float(v.max()), float(np.nanmax(res[ok])), used


def _psr_note(stats: PsrStats, what: str) -> str:
    """How far the PSR data cover a circle or region, and which data (the official outlines and/or the 60 m grid)."""
    cov = stats.covered_fraction
    if stats.product.startswith(OFFICIAL_PRODUCT):
        if not cov > 0:
            return "no PSR data: outside the official LOLA PSR outlines' map (75 S to the pole)"
        grid = stats.grid_covered_fraction
        small = ("PSRs under 5 km2 too (60 m grid)" if grid >= 0.999 else
                 f"PSRs under 5 km2 only on the {grid:.0%} of it the 60 m grid covers" if grid > 0 else
                 "PSRs under 5 km2 are not mapped here (the 60 m grid reaches about 85 S)")
        if cov < 0.999:
            return (f"partially covered: {cov:.0%} of the {what} lies on the official LOLA PSR outlines' map "
                    f"(PSRs >= 5 km2; {small}); PSR figures count that part only")
        return f"covered by the official LOLA PSR outlines (PSRs >= 5 km2); {small}"
    if not cov > 0:
        return "no PSR data: outside the 60 m grid (poleward of 85 S)"
    if cov < 0.999:
        return f"partially covered: {cov:.0%} of the {what} lies on the 60 m PSR grid; PSR figures count that part only"
    return "covered by the 60 m PSR grid"


def compare_sites(sites: Sequence[Site], radius_km: float = DEFAULT_RADIUS_KM, data_dir: Any = None) -> Comparison:
    """Compare sites and regions (see :data:`COLUMN_DEFINITIONS` for the columns, ``notes`` for the methods).

    Needs the fetched and prepared data (``python -m lunarmap fetch`` then ``prepare``).
    """
    r_km = check_radius_km(radius_km)
    sites = tuple(sites)
    lon, lat = sites_lonlat(sites)
    side = side_of_moon(lon, lat) if sites else SideOfMoon(np.array([]), np.array([]), np.array([], dtype=object))

    px, py, owner = _terrain_points(sites) if sites else (np.array([]), np.array([]), np.array([], dtype=int))
    plon, plat = polar_to_lonlat(px, py)
    weights = 1.0 / stereographic_scale_factor(px, py) ** 2
    elev_sampled = sample_elevation_m(plon, plat, data_dir)
    elev = _per_point(elev_sampled, px.size)
    slope = _per_point(sample_slope_deg(plon, plat, data_dir), px.size)
    bounds = np.searchsorted(owner, np.arange(len(sites) + 1))

    layers = psr_layers(data_dir)
    edges = nearest_psr_edges([s.geometry_polar for s in sites], layers)
    circles = [geodesic_circle(a, b, r_km) for a, b in zip(lon, lat, strict=True)]
    regions = [s.geometry_polar for s in sites if s.is_region]
    stats = psr_stats_many(circles + regions, layers)
    circle_stats, region_stats = stats[: len(sites)], iter(stats[len(sites):])

    rows = []
    for i, site in enumerate(sites):
        sl = slice(bounds[i], bounds[i + 1])
        e = _summarise(elev[0][sl], elev[1][sl], elev[2][sl], weights[sl])
        sp = _summarise(slope[0][sl], slope[1][sl], slope[2][sl], weights[sl])
        cs = circle_stats[i]
        row = {
            "id": site.id, "name": site.name, "kind": site.kind, "geometry_type": "region" if site.is_region else "point",
            "lon_deg": lon[i], "lat_deg": lat[i], "pole_distance_km": float(distance_m(lon[i], lat[i], 0.0, -90.0)) / 1e3,
            "sub_earth_distance_deg": float(side.sub_earth_distance_deg[i]), "limb_band_deg": float(side.limb_band_deg[i]),
            "side": side.side[i],
            "elevation_m": e[0], "elevation_min_m": e[1], "elevation_max_m": e[2], "elevation_resolution_m": e[3],
            "elevation_source": e[4],
            "slope_deg": sp[0], "slope_min_deg": sp[1], "slope_max_deg": sp[2], "slope_resolution_m": sp[3],
            "slope_source": sp[4], "terrain_sample_count": bounds[i + 1] - bounds[i],
            "psr_edge_distance_km": edges.distance_km[i], "psr_edge_status": edges.status[i],
            "psr_edge_source": edges.source[i], "nearest_psr": edges.nearest[i],
            "psr_radius_km": r_km, "psr_area_in_radius_km2": cs.psr_area_km2,
            "psr_count_in_radius": cs.psr_count if cs.covered_fraction > 0 else pd.NA,
            "psr_coverage_in_radius": cs.covered_fraction, "psr_note": _psr_note(cs, "circle"),
            "region_area_km2": np.nan, "region_psr_area_km2": np.nan, "region_psr_share_pct": np.nan,
            "region_psr_note": "",
        }
        if site.is_region:
            rs = next(region_stats)
            row.update({
                "region_area_km2": float(area_km2(site.geometry_polar)), "region_psr_area_km2": rs.psr_area_km2,
                "region_psr_share_pct": 100.0 * rs.psr_fraction, "region_psr_note": _psr_note(rs, "region"),
            })
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMN_DEFINITIONS))
    table["terrain_sample_count"] = table["terrain_sample_count"].astype("int64")
    table["psr_count_in_radius"] = table["psr_count_in_radius"].astype("Int64")
    elev_products = sorted({str(n) for n in elev[2] if n})
    slope_products = sorted({str(n) for n in slope[2] if n})
    notes = (
        f"Moon sphere R = {MOON_RADIUS_M:,.0f} m (IAU 2015); lon/lat IAU_2015:30100, geometry IAU_2015:30135 metres.",
        "Regions are placed at their area-weighted centroid on the sphere (lon_deg/lat_deg, distances, radius circle).",
        SIDE_METHOD + ".",
        "Terrain: " + TERRAIN_METHOD + ".",
        "PSR edge: " + layers.edge_method + ".",
        f"PSR within r = {r_km:g} km: " + layers.radius_method + ".",
        *(f"Full-resolution elevation not used, coarser data instead: {p}" for p in elev_sampled.problems),
    )
    provenance = {
        "lunarmap_version": __version__,
        "moon_radius_m": f"{MOON_RADIUS_M:.0f}",
        "radius_km": f"{r_km:g}",
        "elevation_products": _describe(elev_products, elev[1], elev[2]),
        "slope_products": _describe(slope_products, slope[1], slope[2]),
        **layers.provenance,
    }
    return Comparison(table, COLUMN_DEFINITIONS, notes, r_km, MappingProxyType(provenance), sites)


def _describe(products: list[str], res: np.ndarray, names: np.ndarray) -> str:
    parts = []
    for p in products:
        r = res[names == p]
        parts.append(f"{p} ({np.nanmax(r):,.0f} m)")
    return "; ".join(parts) or "none"


def distance_matrix_km(sites: Sequence[Site]) -> pd.DataFrame:
    """Geodesic distances (km) between sites, a symmetric DataFrame indexed by id both ways.

    Regions are measured from their area-weighted centroid on the sphere.
    """
    ids = [s.id for s in sites]
    if not ids:
        return pd.DataFrame(dtype=float)
    m = distance_matrix_m(*sites_lonlat(sites)) / 1e3
    out = pd.DataFrame(m, index=pd.Index(ids, name="id"), columns=ids)
    out.attrs["definition"] = "geodesic distance between sites (regions: from their centroid), km"
    return out


@dataclass(frozen=True)
class OverlapMatrix:
    """Pairwise overlaps: ``overlaps`` (bool) and ``area_km2`` (km2 on the sphere) indexed by id both ways.

    The diagonal holds each shape's own area. ``pairs`` lists each pair once
    (site_a, site_b, overlap, overlap_area_km2, centre_distance_km).
    """

    overlaps: pd.DataFrame
    area_km2: pd.DataFrame
    pairs: pd.DataFrame
    radius_km: float
    definition: str


def site_shapes(sites: Sequence[Site], radius_km: float) -> list[BaseGeometry]:
    """Each site as a shape in IAU_2015:30135 metres: a region's polygon, or a radius-r geodesic circle."""
    r_km = check_radius_km(radius_km)
    lon, lat = sites_lonlat(sites)
    return [s.geometry_polar if s.is_region else geodesic_circle(a, b, r_km) for s, a, b in zip(sites, lon, lat, strict=True)]


def overlap_matrix(sites: Sequence[Site], radius_km: float = DEFAULT_RADIUS_KM) -> OverlapMatrix:
    """Which sites overlap and by how much (km2 on the sphere): regions as polygons, points as radius-r circles."""
    sites = list(sites)
    shapes = site_shapes(sites, radius_km)
    ids = [s.id for s in sites]
    n = len(sites)
    area = np.zeros((n, n))
    if n:
        np.fill_diagonal(area, area_km2(np.array(shapes, dtype=object)))
    tree = shapely.STRtree(shapes)
    pa, pb = tree.query(shapes, predicate="intersects")
    keep = pa < pb
    pa, pb = pa[keep], pb[keep]
    if pa.size:
        inter = shapely.intersection(np.array(shapes, dtype=object)[pa], np.array(shapes, dtype=object)[pb])
        a = np.asarray(area_km2(inter), dtype=float)
        area[pa, pb] = area[pb, pa] = a
    dist = distance_matrix_m(*sites_lonlat(sites)) / 1e3 if n else np.zeros((0, 0))
    overl = area > 0.0
    iu, ju = np.triu_indices(n, 1)
    pairs = pd.DataFrame({
        "site_a": [ids[i] for i in iu], "site_b": [ids[j] for j in ju], "overlap": overl[iu, ju],
        "overlap_area_km2": area[iu, ju], "centre_distance_km": dist[iu, ju],
    })
    index = pd.Index(ids, name="id")
    definition = (f"overlap of regions (polygons) and points (geodesic circles of radius {float(radius_km):g} km), "
                  "intersected in IAU_2015:30135 metres, area on the sphere in km2; the diagonal is each shape's own area")
    return OverlapMatrix(pd.DataFrame(overl, index=index, columns=ids), pd.DataFrame(area, index=index, columns=ids),
                         pairs, float(radius_km), definition)
