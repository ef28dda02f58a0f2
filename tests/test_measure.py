"""lunarmap.measure: legs of a clicked polyline on the Moon sphere.

Lengths against pyproj.Geod on a sphere of R = 1,737,400 m built here (an independent solver), azimuths
against the spherical initial-bearing formula, map points projected with a PROJ string written here.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest
from pyproj import Geod, Transformer

from lunarmap.crs import LONLAT_CODE, SOUTH_POLAR_CODE
from lunarmap.errors import GeometryError, LunarmapError
from lunarmap.measure import CSV_COLUMNS, measure_legs

R = 1_737_400.0
GEOD = Geod(a=R, b=R)
TO_MAP = Transformer.from_proj(f"+proj=longlat +R={R:.0f} +no_defs",
                               f"+proj=stere +lat_0=-90 +lat_ts=-90 +lon_0=0 +R={R:.0f} +units=m +no_defs",
                               always_xy=True)

POLYLINES = {
    "across the pole": [(0.0, -89.0), (180.0, -89.0), (90.0, -88.0)],
    "through the pole vertex": [(45.0, -89.5), (0.0, -90.0), (-135.0, -89.5)],
    "across 180": [(179.5, -60.0), (-179.5, -60.5), (178.0, -61.0), (-170.0, -40.0)],
    "0..360 longitudes": [(359.5, -45.0), (0.5, -45.0), (200.0, -85.0)],
    "long legs": [(10.0, -41.0), (-170.0, -41.0), (100.0, -70.0)],
    "metre legs": [(129.78, -89.67), (129.78001, -89.67), (129.78001, -89.67001)],
}


def _bearing_deg(lon1, lat1, lon2, lat2):
    """Initial great-circle bearing (deg, 0..360) by the spherical formula, for points off the pole."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


@pytest.mark.parametrize("name", list(POLYLINES))
def test_leg_lengths_and_totals_equal_pyproj_geod_to_1mm(name):
    pts = POLYLINES[name]
    m = measure_legs(pts)
    lon, lat = np.array(pts).T
    _, _, ref = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert [leg.length_m for leg in m.legs] == pytest.approx(list(ref), abs=1e-3)
    assert [leg.total_m for leg in m.legs] == pytest.approx(list(np.cumsum(ref)), abs=1e-3)
    assert m.total_m == pytest.approx(float(np.sum(ref)), abs=1e-3)


@pytest.mark.parametrize("name", ["across the pole", "across 180", "long legs"])
def test_map_points_give_the_same_legs_as_lonlat(name):
    """Clicks arrive in IAU_2015:30135 metres: the same legs as the lon/lat they project from."""
    pts = POLYLINES[name]
    lon, lat = np.array(pts).T
    x, y = TO_MAP.transform(lon, lat)
    m = measure_legs(np.column_stack([x, y]), crs=SOUTH_POLAR_CODE)
    _, _, ref = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert [leg.length_m for leg in m.legs] == pytest.approx(list(ref), abs=1e-3)
    assert m.x_m == pytest.approx(x) and m.lon_deg == pytest.approx((lon + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize("name", ["across the pole", "across 180", "0..360 longitudes", "long legs"])
def test_azimuths_match_the_spherical_bearing_formula(name):
    pts = POLYLINES[name]
    m = measure_legs(pts)
    for leg, a, b in zip(m.legs, pts[:-1], pts[1:], strict=True):
        assert 0.0 <= leg.azimuth_deg < 360.0
        assert leg.azimuth_deg == pytest.approx(_bearing_deg(*a, *b), abs=1e-7)


def test_azimuth_into_and_out_of_the_pole_follows_the_documented_convention():
    """Into the pole: due south. From the pole: the longitude of the meridian the leg leaves along, which is
    the bearing on the polar map clockwise from its up (+y), whatever longitude the pole was written with."""
    ends = [(0.0, -89.0), (90.0, -89.0), (-135.0, -88.0), (200.0, -80.0)]
    for lon2, lat2 in ends:
        for pole_lon in (0.0, 77.0, -180.0):
            into, out = measure_legs([(lon2, lat2), (pole_lon, -90.0), (lon2, lat2)]).legs
            assert into.azimuth_deg == pytest.approx(180.0, abs=1e-9)
            assert out.azimuth_deg == pytest.approx(lon2 % 360.0, abs=1e-9)
            x, y = TO_MAP.transform(lon2, lat2)
            assert out.azimuth_deg == pytest.approx(math.degrees(math.atan2(x, y)) % 360.0, abs=1e-7)
            # pyproj, going that azimuth from the pole given at longitude 0, arrives at the end point
            elon, elat, _ = GEOD.fwd(0.0, -90.0, out.azimuth_deg, out.length_m)
            assert GEOD.inv(elon, elat, lon2, lat2)[2] == pytest.approx(0.0, abs=1e-3)


def test_csv_has_units_in_every_header_and_full_precision():
    m = measure_legs(POLYLINES["across 180"])
    rows = list(csv.DictReader(io.StringIO(m.to_csv())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert all(c == "leg" or c.endswith(("_m", "_deg")) for c in CSV_COLUMNS)
    assert [float(r["length_m"]) for r in rows] == [leg.length_m for leg in m.legs]   # exact round trip
    assert float(rows[-1]["total_m"]) == m.total_m


def test_text_lists_every_leg_and_the_total_in_km():
    pts = POLYLINES["across the pole"]
    text = measure_legs(pts).to_text()
    _, _, ref = GEOD.inv(*pts[0], *pts[1])
    lines = text.splitlines()
    assert lines[0].split()[0] == "leg" and "length (km)" in lines[0] and "azimuth (deg)" in lines[0]
    assert len(lines) == 2 + len(pts) - 1
    assert f"{ref / 1000:.3f}" in lines[1]
    assert lines[-1].startswith(f"Total {measure_legs(pts).total_m / 1000:.3f} km.")


def test_as_dict_is_json_ready():
    import json

    doc = json.loads(json.dumps(measure_legs(POLYLINES["across the pole"]).as_dict(), allow_nan=False))
    assert len(doc["legs"]) == 2 and len(doc["points"]["x_m"]) == 3 and "pole" in doc["azimuth"]


@pytest.mark.parametrize(("points", "crs", "message"), [
    ([(0.0, -89.0)], LONLAT_CODE, r"at least 2 points \(got 1\)"),
    ([], LONLAT_CODE, r"points must be pairs of numbers"),
    ([(0.0, -89.0), (float("nan"), -88.0)], LONLAT_CODE, r"point 2 is \(nan, -88.0\), not a finite number pair"),
    ([(0.0, -89.0), (10.0, float("inf"))], LONLAT_CODE, r"point 2 .* not a finite number pair"),
    ([(0.0, -89.0), (10.0, -30.0)], LONLAT_CODE, r"point 2 \(lon 10, lat -30\) is off the map, which reaches 40 S"),
    ([(0.0, -89.0), (10.0, -95.0)], LONLAT_CODE, r"latitude -95.0 is outside the Moon's range"),
    ([(0.0, -89.0), (400.0, -85.0)], LONLAT_CODE, r"longitude 400.0 is outside the Moon's range"),
    ([(0.0, 0.0), (2_000_000.0, 0.0)], SOUTH_POLAR_CODE, r"point 2 \(2000000.0, 0.0\) m is off the map \(beyond 40 S"),
    ([(5.0, -89.0), (5.0, -89.0), (6.0, -88.0)], LONLAT_CODE, r"points 1 and 2 are the same place"),
    ([(0.0, -90.0), (123.0, -90.0)], LONLAT_CODE, r"points 1 and 2 are the same place"),
    ([("a", -89.0), (1.0, -88.0)], LONLAT_CODE, r"points must be pairs of numbers"),
    ([(0.0, -89.0, 1.0), (1.0, -88.0, 1.0)], LONLAT_CODE, r"shape \(2, 3\)"),
    ([(0.0, -89.0), (1.0, -88.0)], "EPSG:4326", r"crs must be 'IAU_2015:30100'"),
])
def test_bad_input_is_refused_with_a_clear_error(points, crs, message):
    with pytest.raises(GeometryError, match=message) as err:
        measure_legs(points, crs=crs)
    assert isinstance(err.value, LunarmapError)
