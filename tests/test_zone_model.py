"""lunarmap.zones.model: making zones (geodesic circles, polygons on the polar map) and every refusal."""

from __future__ import annotations

import time

import pytest
from shapely.geometry import Point

from lunarmap.crs import SOUTH_POLAR_CODE
from lunarmap.errors import GeometryError, InvalidRadiusError, ZoneError, ZoneRadiusError
from lunarmap.geodesy import cap_area_km2
from lunarmap.zones import (
    MAX_RADIUS_KM,
    MIN_RADIUS_KM,
    SelfIntersectionError,
    check_zone_radius_km,
    circle_zone,
    owner_key,
    polygon_zone,
    zones_from_geojson,
)


@pytest.mark.parametrize("radius_km", [1.0, 30.0, 150.0, 500.0])
def test_circle_zone_centred_on_pole_keeps_spherical_cap_area(radius_km):
    z = circle_zone("pole", "NASA", 0.0, -90.0, radius_km)
    assert z.area_km2 == pytest.approx(cap_area_km2(radius_km), rel=1e-3)
    assert z.geometry_polar.contains(Point(0, 0)) and z.shape == "circle"


def test_circle_zone_across_180_meridian_keeps_cap_area():
    z = circle_zone("far", "CNSA", 179.9, -45.0, 80.0)
    assert z.area_km2 == pytest.approx(cap_area_km2(80.0), rel=1e-3)


# --- refusals ------------------------------------------------------------------------------------


def test_self_intersecting_polygon_is_refused_with_a_repaired_shape_offered():
    bowtie = [(0.0, 0.0), (10_000.0, 10_000.0), (10_000.0, 0.0), (0.0, 10_000.0)]
    with pytest.raises(SelfIntersectionError, match=r"zone 'Bow': the polygon crosses itself at lon .*, lat .*; nothing was changed\. A repaired shape is offered \(2 parts, 50\.0 km2\)") as info:
        polygon_zone("Bow", "NASA", bowtie, crs=SOUTH_POLAR_CODE)
    assert info.value.repaired.is_valid and info.value.repaired.area == pytest.approx(50e6)


@pytest.mark.parametrize("verts", [[(0, -80), (0, -80), (0, -80)], [(0, -80), (1, -80)], [(0, -80), (1, -80), (0, -80)]])
def test_fewer_than_three_distinct_vertices_is_refused(verts):
    with pytest.raises(ZoneError, match=r"zone 'Z': a polygon needs at least 3 distinct vertices \(got \d\); add vertices\."):
        polygon_zone("Z", "NASA", verts)


def test_sliver_polygon_is_refused():
    with pytest.raises(ZoneError, match=r"zone 'S': the polygon encloses almost no area \([\d,]+ m2 for a [\d.]+ km outline\): its vertices are \(nearly\) in a line; spread them out\."):
        polygon_zone("S", "NASA", [(1.0, -39.934), (1.0000001, -39.967), (1.0, -40.066)])


@pytest.mark.parametrize("radius", [0.0, -3.0, 500.01, 1e9])
def test_radius_out_of_range_is_refused(radius):
    with pytest.raises(InvalidRadiusError, match=r"zone 'Z': radius_km must be between 0\.01 and 500 \(got .*\)"):
        circle_zone("Z", "NASA", 0.0, -89.0, radius)


def test_coordinates_outside_the_moon_ranges_are_refused():
    with pytest.raises(GeometryError, match=r"zone 'Z' centre: latitude -91\.0 is outside the Moon's range \[-90, 90\]"):
        circle_zone("Z", "NASA", 0.0, -91.0, 5.0)
    with pytest.raises(GeometryError, match=r"zone 'Z': longitude 400\.0 is outside the Moon's range \[-180, 360\)"):
        polygon_zone("Z", "NASA", [(400, -80), (10, -80), (10, -81)])


def test_missing_owner_and_bad_dates_are_refused():
    with pytest.raises(ZoneError, match=r"zone 'Z': owner is empty; give the owner"):
        circle_zone("Z", " ", 0.0, -89.0, 5.0)
    with pytest.raises(ZoneError, match=r"zone 'Z': end 2027-01-01 is before start 2028-01-01; swap or correct the dates\."):
        circle_zone("Z", "NASA", 0.0, -89.0, 5.0, start="2028-01-01", end="2027-01-01")
    with pytest.raises(ZoneError, match=r"zone 'Z': start date 'soon' is not a date; use YYYY-MM-DD\."):
        circle_zone("Z", "NASA", 0.0, -89.0, 5.0, start="soon")


# --- southern hemisphere only ----------------------------------------------------------------------


_NORTH = r"north of the equator; lunarmap maps the southern hemisphere from the south pole\. Did you swap longitude and latitude\? Give 'longitude, latitude'\."


def test_northern_circle_is_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(ZoneError, match=r"zone 'N': latitude 90 is " + _NORTH):
        circle_zone("N", "NASA", 0.0, 90.0, 1.0)
    assert time.perf_counter() - t0 < 0.5  # refused before any geometry is built
    # 20 km is 0.66 degrees on the Moon: a centre at 0.5 S reaches 0.16 N.
    with pytest.raises(ZoneError, match=r"zone 'E': a 20 km circle around latitude -0\.5 reaches latitude 0\.1596, north of the equator; .* Move the centre south or make the radius smaller\."):
        circle_zone("E", "NASA", 0.0, -0.5, 20.0)
    assert circle_zone("S", "NASA", 0.0, -0.7, 20.0).area_km2 == pytest.approx(cap_area_km2(20.0), rel=1e-3)


def test_swapped_lonlat_polygon_is_refused():
    with pytest.raises(ZoneError, match=r"zone 'X': latitude 16 is " + _NORTH):
        polygon_zone("X", "NASA", [(-89.2, 15.5), (-89.3, 15.5), (-89.3, 16.0)])
    with pytest.raises(ZoneError, match=r"zone 'X': latitude [\d.]+ is " + _NORTH):  # polar metres beyond 2 R
        polygon_zone("X", "NASA", [(0, 3_500_000), (10_000, 3_500_000), (10_000, 3_510_000)], crs=SOUTH_POLAR_CODE)


@pytest.mark.parametrize("make, message", [
    (lambda: polygon_zone("line", "o", [(0, -89), (0, -88), (0, -87)]),
     r"the vertices enclose no area \(they lie on one line"),
    (lambda: circle_zone("speck", "o", 0.0, -89.0, 1e-9), r"radius_km must be between 0\.01 and 500 \(got 1e-09\); give the radius in kilometres, from 10 m"),
    (lambda: polygon_zone("hemisphere", "o", [(0, -0.001), (90, -0.001), (180, -0.001), (-90, -0.001)]),
     r"covers 14,599,849 km², more than the largest zone \(779,992 km², a 500 km circle\)"),
    (lambda: zones_from_geojson('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                                '{"name": "n", "owner": "o"}, "geometry": {"type": "Polygon", "coordinates": '
                                '[[[NaN, -89], [90, -89], [180, -89], [NaN, -89]]]}}]}'),
     r"has a coordinate that is not a finite number \(NaN or Infinity\)"),
])
def test_refusals_that_used_to_mislead_say_what_is_wrong(make, message):
    with pytest.raises((ZoneError, InvalidRadiusError), match=message) as err:
        make()
    assert not isinstance(err.value, SelfIntersectionError)   # no "repaired shape (0 parts, 0.0 km2)" on offer


# --- the one owner comparison and the one radius check ----------------------------------------------


@pytest.mark.parametrize(("a", "b", "same"), [
    ("NASA", "nasa", True), ("  NASA ", "NASA", True), ("ESA", "CNSA", False), ("Straße", "STRASSE", True),
    (None, "", True),
])
def test_owner_key__owners_compare_trimmed_and_case_insensitively(a, b, same):
    assert (owner_key(a) == owner_key(b)) is same


@pytest.mark.parametrize("radius", [0.0, 0.009, -3.0, 500.01, float("nan"), float("inf"), None, "wide"])
def test_check_zone_radius_km__one_check_one_message_for_zones_and_rules(radius):
    with pytest.raises(ZoneRadiusError, match=r"^zone 'Z': radius_km must be between 0\.01 and 500 \(got .*\); give "
                                              r"the radius in kilometres, from 10 m \(0\.01\) to 500 km\.$") as err:
        check_zone_radius_km(radius, "zone 'Z'")
    assert isinstance(err.value, ZoneError) and isinstance(err.value, InvalidRadiusError)
    if isinstance(radius, float):         # circles and sizing rules refuse the same radii
        with pytest.raises(ZoneRadiusError):
            circle_zone("Z", "NASA", 0.0, -89.0, radius)


@pytest.mark.parametrize("radius", [MIN_RADIUS_KM, 2.0, "2.5", MAX_RADIUS_KM])
def test_check_zone_radius_km__accepts_the_limits_and_numbers_as_text(radius):
    assert check_zone_radius_km(radius, "zone 'Z'") == float(radius)
