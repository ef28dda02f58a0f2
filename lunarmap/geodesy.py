"""Distances, azimuths, circles and areas on the IAU 2015 Moon sphere.

Size: about 400 lines of small functions of one family (as shapely's measurement module).

Everything here is geodesic on the sphere of radius :data:`MOON_RADIUS_M`:
never Earth's radius, never planar distance in the stereographic map plane.
Degrees in, metres out. Geometry (circles, zones, regions) lives in
south polar stereographic metres (IAU_2015:30135), where the pole and the
180 meridian are ordinary places; areas are measured by projecting to the
south polar Lambert azimuthal equal-area projection, which preserves area on
the sphere.

>>> round(float(distance_m(0.0, -90.0, 0.0, -89.0)), 2)   # pole to 89 S
30323.35
>>> round(cap_area_km2(10.0), 3)                          # 2 pi R^2 (1 - cos(r/R))
314.158
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from .crs import LAEA_SOUTH_PROJ, LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, lonlat_to_polar, transformer
from .errors import GeometryError, InvalidRadiusError

__all__ = [
    "MOON_RADIUS_M",
    "MOON_GEOD",
    "Inverse",
    "distance_m",
    "inverse",
    "forward",
    "forward_lonlat",
    "polar_to_laea_m",
    "ring_crosses_180",
    "lonlat_ring_to_polar",
    "distance_matrix_m",
    "geodesic_circle",
    "area_m2",
    "area_km2",
    "cap_area_km2",
    "lens_area_km2",
    "validate_lonlat",
    "check_radius_km",
    "to_polar",
    "centroid_lonlat",
]

#: pyproj's geodesic solver on the Moon sphere (used for azimuths and forward problems).
MOON_GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)

#: Densify edges to this length before projecting, so straight map edges keep their shape.
_DENSIFY_M = 1_000.0


@dataclass(frozen=True)
class Inverse:
    """Solution of the inverse geodesic problem between two points (or arrays of them)."""

    distance_m: Any
    azimuth_deg: Any
    back_azimuth_deg: Any


def validate_lonlat(lon_deg: Any, lat_deg: Any, what: str = "point") -> None:
    """Raise :class:`GeometryError` if any longitude is outside [-180, 360) or latitude outside [-90, 90]."""
    lon = np.asarray(lon_deg, dtype=float)
    lat = np.asarray(lat_deg, dtype=float)
    bad_lat = ~np.isfinite(lat) | (lat < -90.0) | (lat > 90.0)
    if np.any(bad_lat):
        value = float(lat[bad_lat].flat[0])
        raise GeometryError(
            f"{what}: latitude {value!r} is outside the Moon's range [-90, 90] degrees; "
            "give latitude in degrees, south negative."
        )
    bad_lon = ~np.isfinite(lon) | (lon < -180.0) | (lon >= 360.0)
    if np.any(bad_lon):
        value = float(lon[bad_lon].flat[0])
        raise GeometryError(
            f"{what}: longitude {value!r} is outside the Moon's range [-180, 360) degrees; "
            "give longitude in degrees east (-180..180 or 0..360)."
        )


def _shape_out(value: np.ndarray, *inputs: Any) -> Any:
    if all(np.ndim(v) == 0 for v in inputs):
        return float(value)
    return value


def distance_m(lon1_deg: Any, lat1_deg: Any, lon2_deg: Any, lat2_deg: Any) -> Any:
    """Great-circle (geodesic) distance on the Moon sphere in metres.

    Scalars in, float out; arrays in (broadcast), array out. Uses the
    atan2 form of Vincenty's formula for the sphere, accurate at every
    distance from 0 to antipodal.

    >>> round(distance_m(0, -90, 123.0, -89.5), 3)   # pi R / 360
    15161.675
    """
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1_deg, lat1_deg, lon2_deg, lat2_deg))
    dlon = lon2 - lon1
    sin1, cos1 = np.sin(lat1), np.cos(lat1)
    sin2, cos2 = np.sin(lat2), np.cos(lat2)
    cos_dlon = np.cos(dlon)
    a = cos2 * np.sin(dlon)
    b = cos1 * sin2 - sin1 * cos2 * cos_dlon
    num = np.hypot(a, b)
    den = sin1 * sin2 + cos1 * cos2 * cos_dlon
    result = MOON_RADIUS_M * np.arctan2(num, den)
    return _shape_out(result, lon1_deg, lat1_deg, lon2_deg, lat2_deg)


def inverse(lon1_deg: Any, lat1_deg: Any, lon2_deg: Any, lat2_deg: Any) -> Inverse:
    """Distance (m), forward azimuth at the start and back azimuth at the end (degrees from north).

    The back azimuth is the direction from the end point back to the start.
    """
    fwd, back, dist = MOON_GEOD.inv(lon1_deg, lat1_deg, lon2_deg, lat2_deg)
    return Inverse(distance_m=dist, azimuth_deg=fwd, back_azimuth_deg=back)


def forward(lon_deg: Any, lat_deg: Any, azimuth_deg: Any, distance_m_: Any) -> tuple[Any, Any, Any]:
    """End point (lon, lat in degrees) and back azimuth after travelling ``distance_m_`` along ``azimuth_deg``."""
    return MOON_GEOD.fwd(lon_deg, lat_deg, azimuth_deg, distance_m_)


def forward_lonlat(lon_deg: Any, lat_deg: Any, azimuth_deg: Any, distance_m_: Any) -> tuple[np.ndarray, np.ndarray]:
    """End points (lon -180..180, lat in degrees) of great-circle paths on the Moon sphere, in closed form.

    The same points as :func:`forward` (the geodesic on a sphere is the great circle), for large arrays at a
    fraction of the cost (plain numpy trigonometry); no back azimuth. Computed with unit vectors: the end
    point is ``cos(d) p + sin(d) (cos(az) north + sin(az) east)``, with north and east at the start taken
    from its longitude, so a start exactly at a pole follows pyproj's convention (from the south pole at
    longitude L, azimuth A leads along longitude L + A) instead of dividing zero by zero.

    >>> lon, lat = forward_lonlat(0.0, -89.0, 180.0, 30_323.35)   # 1 degree of arc towards the pole: the pole
    >>> round(float(lat), 6)
    -90.0
    >>> [round(float(v), 6) for v in forward_lonlat(20.0, -90.0, 135.0, 30_323.35)]   # from the pole: 1 deg out
    [155.0, -89.0]
    """
    lon1, lat1 = np.radians(np.asarray(lon_deg, dtype=float)), np.radians(np.asarray(lat_deg, dtype=float))
    az = np.radians(np.asarray(azimuth_deg, dtype=float))
    delta = np.asarray(distance_m_, dtype=float) / MOON_RADIUS_M
    sin_lat1, cos_lat1 = np.sin(lat1), np.cos(lat1)
    sin_d, cos_d = np.sin(delta), np.cos(delta)
    # In the start meridian's plane: "out" is horizontal towards longitude lon1, "up" the polar axis;
    # "east" is horizontal towards lon1 + 90 deg.
    out = cos_d * cos_lat1 - sin_d * np.cos(az) * sin_lat1
    up = cos_d * sin_lat1 + sin_d * np.cos(az) * cos_lat1
    east = sin_d * np.sin(az)
    lat2 = np.arctan2(up, np.hypot(out, east))
    lon2 = lon1 + np.arctan2(east, out)
    lon2 = (np.degrees(lon2) + 180.0) % 360.0 - 180.0
    return lon2, np.degrees(lat2)


def distance_matrix_m(lon_deg: Any, lat_deg: Any) -> np.ndarray:
    """Symmetric (n, n) matrix of geodesic distances in metres between n points."""
    lon = np.asarray(lon_deg, dtype=float).ravel()
    lat = np.asarray(lat_deg, dtype=float).ravel()
    validate_lonlat(lon, lat)
    m = distance_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    m = np.asarray(m)
    m = 0.5 * (m + m.T)
    np.fill_diagonal(m, 0.0)
    return m


def check_radius_km(radius_km: Any, max_km: float, unit: str = "", hint: str = "give the radius in kilometres.") -> float:
    """``radius_km`` as a float, or :class:`InvalidRadiusError` unless 0 < radius_km <= max_km."""
    try:
        r = float(radius_km)
    except (TypeError, ValueError):
        r = float("nan")
    if not np.isfinite(r) or r <= 0.0 or r > max_km:
        raise InvalidRadiusError(
            f"radius_km must be greater than 0 and at most {max_km:g}{unit} (got {radius_km!r}); {hint}"
        )
    return r


def geodesic_circle(lon_deg: float, lat_deg: float, radius_km: float, n_vertices: int = 360,
                    max_km: float = 5_000.0) -> BaseGeometry:
    """Polygon of all points within ``radius_km`` (geodesic) of a point, in IAU_2015:30135 metres.

    Vertices are exact geodesic destinations at ``n_vertices`` equally spaced
    azimuths, so the circle is right around the pole and across the 180
    meridian. Its area on the sphere (:func:`area_km2`) matches the spherical
    cap 2 pi R^2 (1 - cos(r/R)) to about (2 pi / n)^2 / 6.

    The polar map is stereographic, so the ring is a circle there and the result one Polygon. Only an
    invalid ring (e.g. a vertex at the north pole, where the projection is unbounded) is repaired by
    :func:`shapely.make_valid`, which may give a MultiPolygon or a GeometryCollection: hence the
    return type ``BaseGeometry``; callers that need a Polygon check with ``isinstance``.
    """
    validate_lonlat(lon_deg, lat_deg, "circle centre")
    r_m = check_radius_km(radius_km, max_km) * 1_000.0
    az = np.linspace(0.0, 360.0, n_vertices, endpoint=False)
    lons, lats, _ = MOON_GEOD.fwd(np.full_like(az, float(lon_deg)), np.full_like(az, float(lat_deg)), az, np.full_like(az, r_m))
    x, y = lonlat_to_polar(lons, lats)
    ring = np.column_stack([x, y])
    poly: BaseGeometry = Polygon(ring)
    if not poly.is_valid:  # Orientation is irrelevant; a bad ring here is a bug, not input.
        poly = shapely.make_valid(poly)
    return shapely.normalize(poly) if isinstance(poly, Polygon) else poly


def area_m2(geom_polar: Any) -> Any:
    """Area on the Moon sphere in m^2 of geometry given in IAU_2015:30135 metres.

    Edges are taken as straight in the map plane (as drawn), densified to 1 km
    and projected to the south polar Lambert azimuthal equal-area projection.
    Accepts one geometry (returns float) or an array of them (returns array).
    """
    geoms = np.asarray(geom_polar, dtype=object)
    dense = shapely.segmentize(geoms, _DENSIFY_M)
    projected = shapely.transform(dense, polar_to_laea_m)
    areas = shapely.area(projected)
    if geoms.ndim == 0:
        return float(areas)
    return areas


def polar_to_laea_m(xy: np.ndarray) -> np.ndarray:
    """(n, 2) IAU_2015:30135 metres to south polar Lambert azimuthal equal-area metres, in closed form.

    Both projections are azimuthal about the pole with the same azimuths; only the radius differs:
    stereographic rho_s = 2 R tan(c/2), equal-area rho_l = 2 R sin(c/2) (c the angle from the pole), so
    rho_l = rho_s / sqrt(1 + (rho_s / 2R)^2). The same numbers as pyproj (``+proj=laea +lat_0=-90``),
    at a fraction of the cost for millions of vertices.

    >>> polar_to_laea_m(np.array([[2.0 * MOON_RADIUS_M, 0.0]])).round(3).tolist()   # the equator: R sqrt(2)
    [[2457054.643, 0.0]]
    """
    xy = np.asarray(xy, dtype=float)
    k = 1.0 / np.sqrt(1.0 + (xy[:, 0] ** 2 + xy[:, 1] ** 2) / (4.0 * MOON_RADIUS_M ** 2))
    return xy * k[:, None]


def area_km2(geom_polar: Any) -> Any:
    """Area on the Moon sphere in km^2 of geometry in IAU_2015:30135 metres (see :func:`area_m2`)."""
    a = area_m2(geom_polar)
    return a / 1e6


def cap_area_km2(radius_km: float) -> float:
    """Analytic area of a spherical cap of geodesic radius ``radius_km`` on the Moon: 2 pi R^2 (1 - cos(r/R))."""
    r = MOON_RADIUS_M
    return float(2.0 * np.pi * r * r * (1.0 - np.cos(radius_km * 1_000.0 / r)) / 1e6)


def lens_area_km2(radius1_km: float, radius2_km: float, distance_km: float) -> float:
    """Analytic overlap area of two spherical caps with centres ``distance_km`` apart (geodesic).

    From the spherical law of cosines and Girard's theorem; exact on the sphere.
    """
    R = MOON_RADIUS_M / 1_000.0
    a, b, d = radius1_km / R, radius2_km / R, distance_km / R
    if d >= a + b:
        return 0.0
    if d <= abs(a - b):
        return cap_area_km2(min(radius1_km, radius2_km))
    # Angle at each centre between the centre-centre arc and the arc to an intersection point.
    alpha = np.arccos(np.clip((np.cos(b) - np.cos(a) * np.cos(d)) / (np.sin(a) * np.sin(d)), -1.0, 1.0))
    beta = np.arccos(np.clip((np.cos(a) - np.cos(b) * np.cos(d)) / (np.sin(b) * np.sin(d)), -1.0, 1.0))
    # Angle at an intersection point between the arcs back to the two centres.
    gamma = np.arccos(np.clip((np.cos(d) - np.cos(a) * np.cos(b)) / (np.sin(a) * np.sin(b)), -1.0, 1.0))
    # Area of each circular segment = sector - spherical triangle; sector of a cap:
    sector_a = 2.0 * alpha * (1.0 - np.cos(a))
    sector_b = 2.0 * beta * (1.0 - np.cos(b))
    # Kite formed by the two centres and the two intersection points (spherical quadrilateral):
    kite = 2.0 * alpha + 2.0 * beta + 2.0 * gamma - 2.0 * np.pi
    return float((sector_a + sector_b - kite) * R * R)


def ring_crosses_180(ring_lonlat: Any) -> bool:
    """Whether a lon/lat ring has an edge (the closing one included) whose longitudes differ by more than 180 deg.

    Such an edge crosses the 180 meridian the short way, as every GIS draws it.

    >>> ring_crosses_180([(179.5, -60.0), (-179.5, -60.0), (-179.5, -61.0), (179.5, -61.0)])
    True
    """
    lon = np.asarray(ring_lonlat, dtype=float).reshape(-1, 2)[:, 0]
    return bool(lon.size > 1 and np.any(np.abs(np.diff(np.append(lon, lon[0]))) > 180.0))


def lonlat_ring_to_polar(ring_lonlat: Any, what: str = "ring", densify_deg: float | None = 0.05) -> np.ndarray:
    """An open ring in IAU_2015:30135 metres from a lon/lat ring, every edge read the short way round.

    An edge whose longitudes differ by more than 180 deg crosses the 180 meridian the short way (not the
    long way round the Moon); a ring whose longitudes then wind once round the pole encloses the pole, which
    on the polar map is an ordinary point inside it. Edges are straight in lon/lat (densified every
    ``densify_deg`` degrees, ``None`` keeps the vertices as they are) with the longitudes unwrapped, then
    projected. A ring winding round the pole more than once is refused with :class:`GeometryError`.

    >>> ring = lonlat_ring_to_polar([(0.0, -89.0), (120.0, -89.0), (-120.0, -89.0)], densify_deg=None)
    >>> round(float(area_km2(Polygon(ring))), 1) > 0, len(ring)
    (True, 3)
    """
    pts = np.asarray(ring_lonlat, dtype=float).reshape(-1, 2)
    if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    validate_lonlat(pts[:, 0], pts[:, 1], what)
    closed = np.vstack([pts, pts[:1]])
    lon = np.degrees(np.unwrap(np.radians(closed[:, 0])))
    turns = (lon[-1] - lon[0]) / 360.0
    if abs(turns) > 1.0 + 1e-9:
        raise GeometryError(
            f"{what}: the ring winds {abs(turns):.0f} times round the pole; a zone outline goes round it at most "
            "once. Check the order of the vertices."
        )
    line = np.column_stack([lon, closed[:, 1]])
    if densify_deg is not None:
        line = shapely.get_coordinates(shapely.segmentize(shapely.LineString(line), densify_deg))
    x, y = transformer(LONLAT_CODE, SOUTH_POLAR_CODE).transform(line[:-1, 0], line[:-1, 1])
    return np.column_stack([x, y])


def to_polar(geom_lonlat: BaseGeometry, what: str = "geometry", densify_deg: float | None = 0.05) -> BaseGeometry:
    """Convert a lon/lat geometry (degrees east, edges straight in lon/lat) to IAU_2015:30135 metres.

    ``densify_deg=None`` keeps the vertices as they are (edges straight on the
    map, as lunarmap writes them). A polygon whose ring runs along latitude -90 (the usual way to write a
    polar cap in lon/lat files) has that edge collapsed to the pole and the
    resulting cut along the meridian removed; any other invalid geometry is
    refused with :class:`GeometryError`.
    """
    if geom_lonlat is None or geom_lonlat.is_empty:
        raise GeometryError(f"{what}: geometry is empty; give a point or polygon with coordinates.")
    coords = shapely.get_coordinates(geom_lonlat)
    validate_lonlat(coords[:, 0], coords[:, 1], what)
    touches_pole = bool(np.any(coords[:, 1] <= -90.0 + 1e-9))
    if (not touches_pole and geom_lonlat.geom_type in ("Polygon", "MultiPolygon")
            and any(ring_crosses_180(shapely.get_coordinates(r)) for r in shapely.get_rings(shapely.get_parts(geom_lonlat)))):
        # Edges crossing the 180 meridian are read the short way; a ring winding round the pole encloses it.
        def part(poly: Polygon) -> Polygon:
            rings = [lonlat_ring_to_polar(shapely.get_coordinates(r), what, densify_deg) for r in [poly.exterior, *poly.interiors]]
            return Polygon(rings[0], rings[1:])
        polys = [part(p) for p in shapely.get_parts(geom_lonlat)]
        out: BaseGeometry = polys[0] if geom_lonlat.geom_type == "Polygon" else shapely.MultiPolygon(polys)
        if not out.is_valid or out.is_empty:
            raise GeometryError(
                f"{what}: polygon is invalid ({shapely.is_valid_reason(out)}) with its edges read the short way "
                "across the 180 meridian; fix the ring so it does not cross itself."
            )
        return out
    # Edges straight in lon/lat (densified): the ring must be valid in lon/lat. Edges straight
    # on the map (densify_deg=None): validity is judged in polar metres below.
    if densify_deg is not None and geom_lonlat.geom_type in ("Polygon", "MultiPolygon") and not geom_lonlat.is_valid:
        raise GeometryError(
            f"{what}: polygon is invalid ({shapely.is_valid_reason(geom_lonlat)}); fix the ring so it does not "
            "cross itself (shapely.make_valid offers a repaired shape)."
        )
    dense = geom_lonlat
    if densify_deg is not None and geom_lonlat.geom_type != "Point":
        dense = shapely.segmentize(geom_lonlat, densify_deg)
    t = transformer(LONLAT_CODE, SOUTH_POLAR_CODE)
    out = shapely.transform(dense, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    exact = densify_deg is None
    if out.geom_type in ("Polygon", "MultiPolygon") and (touches_pole or (exact and not out.is_valid)):
        # Edges along latitude -90 collapse to the pole and leave a zero-width cut along
        # a meridian (its two sides differ only by rounding, as lon -180 and 180 do), and
        # exact vertices read back from lon/lat can sit a rounding error off an edge they
        # lay on. Snapping to a micrometre grid and buffer(0) remove such cuts and spikes;
        # a genuine crossing changes the area and is refused below.
        cleaned: BaseGeometry
        try:
            cleaned = shapely.set_precision(out, 1e-6).buffer(0)
        except shapely.errors.GEOSException:
            fixed = shapely.make_valid(out)
            cleaned = shapely.union_all([g for g in getattr(fixed, "geoms", [fixed]) if g.geom_type in ("Polygon", "MultiPolygon")])
        if abs(cleaned.area - out.area) <= 1e-3 * out.length:
            out = cleaned
        elif touches_pole:
            raise GeometryError(f"{what}: polygon touching the pole could not be closed cleanly; check its ring.")
    if out.geom_type in ("Polygon", "MultiPolygon") and (not out.is_valid or out.is_empty):
        raise GeometryError(
            f"{what}: polygon is invalid ({shapely.is_valid_reason(out)}); fix the ring so it does not "
            "cross itself (shapely.make_valid offers a repaired shape)."
        )
    return out


def centroid_lonlat(geom_polar: BaseGeometry) -> tuple[float, float]:
    """Area-weighted centroid on the sphere of a geometry in IAU_2015:30135 metres, as (lon, lat) degrees.

    Computed in the south polar Lambert azimuthal equal-area projection (so
    weights are true areas); a polar cap's centroid is the pole.
    """
    t = transformer(SOUTH_POLAR_CODE, LAEA_SOUTH_PROJ)
    back = transformer(LAEA_SOUTH_PROJ, LONLAT_CODE)
    if isinstance(geom_polar, Point):
        lon, lat = transformer(SOUTH_POLAR_CODE, LONLAT_CODE).transform(geom_polar.x, geom_polar.y)
        return float(lon), float(lat)
    dense = shapely.segmentize(geom_polar, _DENSIFY_M)
    projected = shapely.transform(dense, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    c = projected.centroid
    lon, lat = back.transform(c.x, c.y)
    return float(lon), float(lat)
