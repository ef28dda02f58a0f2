"""lunarmap.geodesy: distances, azimuths, circles and areas on the Moon sphere.

Checked against analytic answers on the sphere and against pyproj.Geod (an
independent geodesic solver) on a sphere of the same radius.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point, Polygon

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar
from lunarmap.errors import GeometryError, InvalidRadiusError
from lunarmap.geodesy import (
    area_km2,
    cap_area_km2,
    centroid_lonlat,
    distance_m,
    distance_matrix_m,
    forward,
    forward_lonlat,
    geodesic_circle,
    inverse,
    lens_area_km2,
    to_polar,
    validate_lonlat,
)

from . import cases

R = MOON_RADIUS_M
GEOD = Geod(a=R, b=R)  # independent reference solver (Karney), not our code path

lons = st.floats(-180.0, 180.0, allow_nan=False)
lats = st.floats(-90.0, 90.0, allow_nan=False)


def test_distance_m__pole_to_89s_is_known_answer():
    assert distance_m(*cases.SOUTH_POLE, 0.0, -89.0) == pytest.approx(30_323.35, abs=0.01)


@pytest.mark.parametrize(("lon1", "lat1", "lon2", "lat2"), cases.POINT_PAIRS)
def test_distance_m__awkward_pairs_agree_with_pyproj_geod(lon1, lat1, lon2, lat2):
    """Exactly -90 (any longitude), both signs of 180, 0..360 longitudes, antipodes: pyproj's distance to 1 mm."""
    _, _, ref = GEOD.inv(lon1, lat1, lon2, lat2)
    assert distance_m(lon1, lat1, lon2, lat2) == pytest.approx(ref, abs=1e-3)
    assert distance_m(lon2, lat2, lon1, lat1) == pytest.approx(ref, abs=1e-3)


@pytest.mark.parametrize(("lon", "lat"), cases.AWKWARD_POINTS)
@pytest.mark.parametrize("azimuth_deg", [0.0, 45.0, 90.0, 179.0, 181.0, 270.0, 359.9])
def test_forward_lonlat__awkward_starts_agree_with_pyproj_geod(lon, lat, azimuth_deg):
    """The closed-form end points match pyproj's, also from exactly the pole (azimuth A from longitude L leads
    along L + A there) and from either side of 180."""
    dist = np.array([10.0, 1_000.0, 100_000.0, 3_000_000.0])
    got_lon, got_lat = forward_lonlat(np.full(4, lon), np.full(4, lat), np.full(4, azimuth_deg), dist)
    ref_lon, ref_lat, _ = GEOD.fwd(np.full(4, lon), np.full(4, lat), np.full(4, azimuth_deg), dist)
    assert np.all(distance_m(got_lon, got_lat, ref_lon, ref_lat) < 1e-6)
    assert np.all((got_lon >= -180.0) & (got_lon < 180.0))


@pytest.mark.parametrize(("lon1", "lat1", "lon2", "lat2"), cases.POINT_PAIRS)
def test_inverse_azimuth_then_forward_lonlat_reaches_the_end(lon1, lat1, lon2, lat2):
    """Azimuth and distance from :func:`inverse`, walked with :func:`forward_lonlat`, arrive (also from the pole)."""
    inv = inverse(lon1, lat1, lon2, lat2)
    lon, lat = forward_lonlat(lon1, lat1, inv.azimuth_deg, inv.distance_m)
    assert distance_m(lon, lat, lon2, lat2) < 1e-3


def test_distance_m__pole_to_89_5s_is_pi_r_over_360_for_any_longitude():
    d = distance_m(np.zeros(5), np.full(5, -90.0), np.array([-180.0, -90.0, 0.0, 90.0, 179.0]), np.full(5, -89.5))
    assert np.allclose(d, np.pi * R / 360.0, atol=1e-6)


def test_distance_m__change_4_to_change_6_is_geodesic_not_planar_or_earth():
    d_km = distance_m(177.5991, -45.4446, -153.9852, -41.6385) / 1000.0
    assert d_km == pytest.approx(631.727, abs=0.01)
    # The mistakes this guards against, computed here to show they differ:
    x, y = lonlat_to_polar(np.array([177.5991, -153.9852]), np.array([-45.4446, -41.6385]))
    planar_km = float(np.hypot(x[1] - x[0], y[1] - y[0])) / 1000.0
    assert planar_km == pytest.approx(744, abs=2)
    assert d_km * 6_371_000 / R == pytest.approx(2317, abs=2)


def test_distance_m__scalar_in_float_out_and_array_shape_kept():
    assert isinstance(distance_m(0, -90, 0, -89), float)
    out = distance_m(np.zeros((2, 3)), np.full((2, 3), -90.0), np.ones((2, 3)), np.full((2, 3), -80.0))
    assert out.shape == (2, 3)


def test_distance_m__antipodal_is_half_circumference():
    assert distance_m(10.0, -30.0, -170.0, 30.0) == pytest.approx(np.pi * R, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(lons, lats, lons, lats)
def test_distance_m__agrees_with_pyproj_geod_to_1mm(lon1, lat1, lon2, lat2):
    _, _, ref = GEOD.inv(lon1, lat1, lon2, lat2)
    assert distance_m(lon1, lat1, lon2, lat2) == pytest.approx(ref, abs=1e-3)


@settings(max_examples=200, deadline=None)
@given(lons, lats, lons, lats)
def test_distance_m__is_symmetric(lon1, lat1, lon2, lat2):
    assert distance_m(lon1, lat1, lon2, lat2) == pytest.approx(distance_m(lon2, lat2, lon1, lat1), abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(lons, lats, lons, lats, lons, lats)
def test_distance_m__triangle_inequality(lo1, la1, lo2, la2, lo3, la3):
    ab = distance_m(lo1, la1, lo2, la2)
    bc = distance_m(lo2, la2, lo3, la3)
    ac = distance_m(lo1, la1, lo3, la3)
    assert ac <= ab + bc + 1e-6


@settings(max_examples=200, deadline=None)
@given(lons, st.floats(-89.9, 89.9), st.floats(0.0, 360.0), st.floats(1.0, 3_000_000.0))
def test_forward_then_inverse_returns_start_distance_and_azimuth(lon, lat, az, dist):
    lon2, lat2, _ = forward(lon, lat, az, dist)
    inv = inverse(lon, lat, lon2, lat2)
    assert inv.distance_m == pytest.approx(dist, abs=1e-3)
    assert distance_m(lon, lat, lon2, lat2) == pytest.approx(dist, abs=1e-3)
    daz = (inv.azimuth_deg - az + 180.0) % 360.0 - 180.0
    assert abs(daz) < 1e-6 or dist < 10.0


def test_inverse__back_azimuth_points_home():
    inv = inverse(0.0, -80.0, 90.0, -80.0)
    lon, lat, _ = forward(90.0, -80.0, inv.back_azimuth_deg, inv.distance_m)
    assert distance_m(lon, lat, 0.0, -80.0) < 1e-3


def test_distance_matrix_m__agrees_with_pyproj_and_is_symmetric():
    rng = np.random.default_rng(7)
    lon = rng.uniform(-180, 180, 60)
    lat = rng.uniform(-90, -40, 60)
    m = distance_matrix_m(lon, lat)
    i, j = np.triu_indices(60, 1)
    _, _, ref = GEOD.inv(lon[i], lat[i], lon[j], lat[j])
    assert np.max(np.abs(m[i, j] - ref)) < 1e-3
    assert np.array_equal(m, m.T) and np.all(np.diag(m) == 0)


def test_distance_matrix_m__refuses_bad_latitude():
    with pytest.raises(GeometryError, match=r"latitude -91\.0 is outside the Moon's range \[-90, 90\]"):
        distance_matrix_m([0.0], [-91.0])


@pytest.mark.parametrize(
    ("lon", "lat", "radius_km"),
    [*cases.AWKWARD_CIRCLES, (180.0, -70.0, 50.0), (-45.0, -89.0, 200.0), (32.3, -69.4, 500.0),
     pytest.param(*cases.SOUTH_POLE, cases.HUGE_RADIUS_KM, id="pole-5000km")],
)
def test_geodesic_circle__area_is_spherical_cap_within_0_1_percent(lon, lat, radius_km):
    circle = geodesic_circle(lon, lat, radius_km)
    assert circle.is_valid and circle.geom_type == "Polygon"
    assert area_km2(circle) == pytest.approx(cap_area_km2(radius_km), rel=1e-3)


def test_geodesic_circle__contains_pole_when_centred_near_it():
    circle = geodesic_circle(*cases.NEAR_POLE, 13.0)
    assert circle.contains(Point(0.0, 0.0))
    assert not geodesic_circle(*cases.NEAR_POLE, 9.0).contains(Point(0.0, 0.0))


def test_geodesic_circle__site_on_the_boundary_touches_it():
    """A site exactly the radius away (the zone-touching-a-site case) lies on the outline, within 1 mm."""
    from lunarmap.crs import lonlat_to_polar

    (clon, clat), radius_km, az = cases.ZONE_TOUCHING_SITE
    slon, slat = forward_lonlat(clon, clat, az, radius_km * 1_000.0)
    assert distance_m(clon, clat, slon, slat) == pytest.approx(radius_km * 1_000.0, abs=1e-6)
    site = Point(*(float(v) for v in lonlat_to_polar(slon, slat)))
    circle = geodesic_circle(clon, clat, radius_km, n_vertices=360)
    assert circle.exterior.distance(site) < 1e-3     # vertex at azimuth 0 within rounding


def test_geodesic_circle__vertices_are_at_the_radius():
    circle = geodesic_circle(179.5, -60.0, 40.0, n_vertices=64)
    from lunarmap.crs import polar_to_lonlat

    xy = np.asarray(circle.exterior.coords)
    lon, lat = polar_to_lonlat(xy[:, 0], xy[:, 1])
    assert np.allclose(distance_m(179.5, -60.0, lon, lat), 40_000.0, atol=1e-3)


@pytest.mark.parametrize("radius", cases.BAD_RADII_KM)
def test_geodesic_circle__bad_radius_is_refused(radius):
    with pytest.raises(InvalidRadiusError, match=r"radius_km must be greater than 0 and at most 5000 \(got .*\); give the radius in kilometres"):
        geodesic_circle(0.0, -89.0, radius)


def test_geodesic_circle__bad_centre_is_refused():
    with pytest.raises(GeometryError, match=r"circle centre: longitude 400\.0 is outside the Moon's range \[-180, 360\)"):
        geodesic_circle(400.0, -89.0, 10.0)


@pytest.mark.parametrize(("r1", "r2", "d"), [(20, 20, 27.8), (50, 30, 31.5), (40, 5, 15.2), (100, 100, 150), (10, 10, 19.0)])
def test_lens_area_km2__matches_clipped_geodesic_circles(r1, r2, d):
    a = geodesic_circle(0.0, -88.0, r1, n_vertices=2048)
    lon2, lat2, _ = forward(0.0, -88.0, 70.0, d * 1000.0)
    b = geodesic_circle(lon2, lat2, r2, n_vertices=2048)
    assert area_km2(a.intersection(b)) == pytest.approx(lens_area_km2(r1, r2, d), rel=5e-4)


def test_lens_area_km2__disjoint_and_contained():
    assert lens_area_km2(10, 10, 20.0001) == 0.0
    assert lens_area_km2(30, 10, 5) == pytest.approx(cap_area_km2(10))


def test_area_km2__agrees_with_pyproj_geodesic_area_for_a_lonlat_quad():
    ring = [(54.461782, -84.0479716), (59.9616123, -84.4046507), (63.0242496, -83.8263807), (57.8402006, -83.501582)]
    poly_ll = Polygon(ring)
    # Both measure the same region: our lon/lat edges densified then projected; pyproj on the densified ring.
    dense = shapely.segmentize(poly_ll, 0.01)
    x, y = np.asarray(dense.exterior.coords).T
    ref_m2, _ = GEOD.polygon_area_perimeter(x, y)
    assert area_km2(to_polar(poly_ll)) == pytest.approx(abs(ref_m2) / 1e6, rel=1e-4)


def _geod_area_km2(poly_lonlat: Polygon) -> float:
    """pyproj's geodesic area of a lon/lat polygon densified along its lon/lat edges (longitudes unwrapped)."""
    xy = np.asarray(poly_lonlat.exterior.coords)
    lon = np.degrees(np.unwrap(np.radians(xy[:, 0])))
    dense = np.asarray(shapely.segmentize(shapely.LineString(np.column_stack([lon, xy[:, 1]])), 0.01).coords)
    area_m2, _ = GEOD.polygon_area_perimeter(dense[:, 0], dense[:, 1])
    return abs(area_m2) / 1e6


@pytest.mark.parametrize("poly", cases.AWKWARD_POLYGONS_LONLAT)
def test_area_km2__awkward_lonlat_polygons_agree_with_pyproj_geod(poly):
    """Caps round the pole (with and without an edge along -90), rings across 180, a pole vertex: pyproj's area."""
    polar = to_polar(poly)
    assert polar.is_valid
    assert area_km2(polar) == pytest.approx(_geod_area_km2(poly), rel=1e-5)


def test_area_km2__polygon_split_at_180_equals_the_whole():
    """Two boxes touching along 180 (as GIS exports split them) have the area of the one box across 180."""
    whole = Polygon([(179.0, -70.0), (181.0, -70.0), (181.0, -71.0), (179.0, -71.0)])
    assert area_km2(to_polar(cases.MULTIPOLYGON_ACROSS_180_LONLAT)) == pytest.approx(area_km2(to_polar(whole)), rel=1e-6)
    assert area_km2(to_polar(whole)) == pytest.approx(_geod_area_km2(whole), rel=1e-5)


def test_area_km2__array_in_array_out():
    circles = np.array([geodesic_circle(0, -90, r) for r in (10, 20)], dtype=object)
    out = area_km2(circles)
    assert out.shape == (2,) and out[1] > out[0]


def test_to_polar__polar_cap_written_in_lonlat_with_a_pole_edge():
    cap = to_polar(cases.POLAR_CAP_85S_LONLAT)
    assert cap.is_valid and cap.contains(Point(0, 0))
    # Edges along -85 are straight in lon/lat (a parallel): the area is the cap to 85 S.
    assert area_km2(cap) == pytest.approx(cap_area_km2(np.radians(5.0) * R / 1000.0), rel=1e-4)
    lon, lat = centroid_lonlat(cap)
    assert lat == pytest.approx(-90.0, abs=1e-6)


def test_to_polar__self_intersecting_polygon_is_refused():
    with pytest.raises(GeometryError, match=r"zone: polygon is invalid \(Self-intersection.*\); fix the ring"):
        to_polar(cases.BOWTIE_LONLAT, "zone")


@pytest.mark.parametrize("geom", cases.EMPTY_GEOMETRIES)
def test_to_polar__empty_or_missing_geometry_is_refused(geom):
    with pytest.raises(GeometryError, match=r"thing: geometry is empty"):
        to_polar(geom, "thing")


def test_to_polar__crossing_180_meridian_with_continuous_longitudes():
    polar = to_polar(cases.RING_CROSSING_180_CONTINUOUS_LONLAT)
    assert polar.is_valid
    # Width along 60.5 S about 4 degrees of longitude: 4 * pi/180 * R cos(60.5) ~ 59.8 km; height 1 deg ~ 30.3 km.
    assert area_km2(polar) == pytest.approx(59.8 * 30.32, rel=0.01)


def test_validate_lonlat__messages():
    with pytest.raises(GeometryError, match=r"site: latitude 95\.0 is outside"):
        validate_lonlat(0, 95.0, "site")
    with pytest.raises(GeometryError, match=r"site: longitude 360\.0 is outside the Moon's range \[-180, 360\)"):
        validate_lonlat(360.0, 0.0, "site")


@pytest.mark.parametrize(("lon", "lat", "named"), cases.BAD_POINTS)
def test_validate_lonlat__bad_points_name_the_value(lon, lat, named):
    """Swapped lat/lon, just beyond the pole, 360, NaN, inf: refused, naming the coordinate and its value."""
    with pytest.raises(GeometryError, match=rf"site: {named} is outside the Moon's range"):
        validate_lonlat(lon, lat, "site")


@pytest.mark.parametrize(("lon", "lat"), cases.AWKWARD_POINTS)
def test_validate_lonlat__awkward_but_valid_points_pass(lon, lat):
    validate_lonlat(lon, lat, "site")


def test_polar_to_laea_m__matches_pyproj_everywhere_south_of_the_equator():
    from lunarmap.crs import LAEA_SOUTH_PROJ, SOUTH_POLAR_CODE, transformer
    from lunarmap.geodesy import polar_to_laea_m

    rng = np.random.default_rng(7)
    xy = rng.uniform(-2 * 1_737_400.0, 2 * 1_737_400.0, (50_000, 2))
    t = transformer(SOUTH_POLAR_CODE, LAEA_SOUTH_PROJ)
    expected = np.column_stack(t.transform(xy[:, 0], xy[:, 1]))
    np.testing.assert_allclose(polar_to_laea_m(xy), expected, rtol=0, atol=1e-6)
