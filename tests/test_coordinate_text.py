"""Coordinates typed as text: every accepted form, the order rules, the pole and the 180 meridian, and the errors."""

from __future__ import annotations

import pytest

from lunarmap.coordinate_text import looks_like_coordinates, parse_coordinates
from lunarmap.errors import CoordinateTextError, GeometryError, LunarmapError


def _one(text: str) -> tuple[float, float]:
    (r,) = parse_coordinates(text)
    return r.lat_deg, r.lon_deg


@pytest.mark.parametrize("text", [
    "89.5S 45E", "89.5 S, 45 E", "89.5°S 45°E", "89.5° S; 45° E", "45E, 89.5S", "45 E 89.5 S", "S89.5 E45",
    "E45, S89.5", "s 89.5 e 45", "89.5s45e", "89.5 deg S, 45 deg E", "89.5S, 45", "45E -89.5", "-89.5, 45E",
])
def test_letters_decide_the_axes(text):
    assert _one(text) == (-89.5, 45.0)


@pytest.mark.parametrize("text, lat, lon", [
    ("10N 20W", 10.0, -20.0), ("20W 10N", 10.0, -20.0), ("+10, 20W", 10.0, -20.0), ("89S 270E", -89.0, -90.0),
    ("89S 360E", -89.0, 0.0), ("89S 0E", -89.0, 0.0),
])
def test_hemispheres_and_east_longitudes_beyond_180(text, lat, lon):
    assert _one(text) == (lat, lon)


@pytest.mark.parametrize("text", ["-89.5, 45", "-89.5 45", "-89.5;45", "\u221289.5, 45", "-89.5°, 45°"])
def test_two_bare_numbers_within_90_give_both_readings(text):
    readings = parse_coordinates(text)
    assert [(r.lat_deg, r.lon_deg, r.order) for r in readings] == [(-89.5, 45.0, "lat, lon"),
                                                                   (45.0, -89.5, "lon, lat")]


@pytest.mark.parametrize("text, lat, lon, order", [
    ("-85, 120", -85.0, 120.0, "lat, lon"), ("120, -85", -85.0, 120.0, "lon, lat"),
    ("-85 -180", -85.0, -180.0, "lat, lon"), ("180, -89", -89.0, 180.0, "lon, lat"),
])
def test_a_number_beyond_90_is_the_longitude(text, lat, lon, order):
    (r,) = parse_coordinates(text)
    assert (r.lat_deg, r.lon_deg, r.order) == (lat, lon, order)


@pytest.mark.parametrize("text, lat, lon", [("89S 180E", -89.0, 180.0), ("89S 180W", -89.0, -180.0),
                                            ("90S 0E", -90.0, 0.0), ("90S 123W", -90.0, -123.0)])
def test_the_180_meridian_and_the_pole_are_ordinary(text, lat, lon):
    assert _one(text) == (lat, lon)


def test_the_pole_as_bare_numbers_reads_both_ways():
    assert [(r.lat_deg, r.lon_deg) for r in parse_coordinates("-90, 0")] == [(-90.0, 0.0), (0.0, -90.0)]


@pytest.mark.parametrize("text, words", [
    ("-89.5", "found 1 number, need two"),
    ("-89.5, 45, 3", "found 3 numbers, need two"),
    ("89,5S, 45,2E", "decimal comma"),
    ("95, 200", "neither 95 nor 200 can be a latitude"),
    ("-95S 45E", "has both a sign and a letter"),
    ("95S 45E", "latitude -95 is outside -90..90"),
    ("89S 45N", "both numbers are latitudes"),
    ("45E 10W", "both numbers are longitudes"),
    ("89S 190W", "longitude -190 is outside -180..180"),
    ("89S 400E", "longitude 400 E is outside 0..360 E"),
    ("-89.5 -200", "longitude -200 is outside -180..180"),
    ("S89.5 45E", "is not next to a number"),
    ("89.5SE 45", "the letter 'E' is not next to a number"),
    ("89.5.5 45", "found 3 numbers"),
    ("89°30'S 45°E", "minutes and seconds are not read: give decimal degrees (89°30' is 89.5)"),
    ("89°30′00″S 45°E", "minutes and seconds are not read"),
    ("89.5S 45E 7", "found 3 numbers"),
])
def test_bad_coordinates_say_what_was_wrong_and_the_forms(text, words):
    with pytest.raises(CoordinateTextError) as info:
        parse_coordinates(text)
    message = str(info.value)
    assert words in message
    assert message.startswith(repr(text)) and "Accepted forms" in message and "89.5S 45E" in message
    assert isinstance(info.value, GeometryError) and isinstance(info.value, LunarmapError)


@pytest.mark.parametrize("text, expected", [
    ("-89.5, 45", True), ("89.5S 45E", True), ("S 89", True), ("45", True), ("89°30'S 45°E", True),
    ("Shackleton", False), ("Chang'e 4", False), ("Nobile Rim 1", False), ("IM-2", False), ("", False), ("NSEW", False),
])
def test_looks_like_coordinates(text, expected):
    assert looks_like_coordinates(text) is expected


def test_describe_rounds_to_four_decimals():
    (r,) = parse_coordinates("89.123456S 45.5W")
    assert r.describe() == "89.1235° S, 45.5000° W"
