"""Zones written as lon/lat by other tools: rings crossing the 180 meridian or winding round the pole.

An edge whose longitudes differ by more than 180 degrees is read the short way across the 180 meridian; a
ring whose longitudes wind once round the pole encloses the pole. Checked against pyproj.Geod's geodesic
polygon areas on the same sphere and against the analytic area of a spherical cap.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Point, Polygon

from lunarmap.cli import main
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.errors import GeometryError
from lunarmap.geodesy import cap_area_km2, lonlat_ring_to_polar, ring_crosses_180, to_polar
from lunarmap.zone_swap import SwappedCoordinatesError, check_not_swapped, readings
from lunarmap.zones import SelfIntersectionError, zones_from_geojson, zones_to_geojson

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)


def _circle_lonlat(lon: float, lat: float, radius_km: float, n: int = 360) -> tuple[np.ndarray, np.ndarray]:
    """A geodesic circle as another tool writes it: n vertices from pyproj.Geod.fwd, longitudes in -180..180."""
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.linspace(0.0, 360.0, n, endpoint=False),
                             np.full(n, radius_km * 1000.0))
    return np.asarray(lons), np.asarray(lats)


def _geojson(lons, lats, name: str = "zone", owner: str = "Other tool") -> bytes:
    ring = [[float(a), float(b)] for a, b in zip(lons, lats, strict=True)]
    ring.append(ring[0])
    return json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": name, "owner": owner},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()


def _geodesic_km2(lons, lats) -> float:
    return abs(GEOD.polygon_area_perimeter(lons, lats)[0]) / 1e6


def _roundtrip(zones):
    return zones_from_geojson(json.dumps(zones_to_geojson(zones)).encode())


def test_shackleton_circle_written_round_the_pole__imports_as_the_cap_and_round_trips():
    """15 km round Shackleton (89.67 S): the ring winds round the pole, its longitudes jump from +180 to -180."""
    lons, lats = _circle_lonlat(129.78, -89.67, 15.0)
    assert ring_crosses_180(np.column_stack([lons, lats]))
    zone = zones_from_geojson(_geojson(lons, lats))[0]
    assert zone.area_km2 == pytest.approx(cap_area_km2(15.0), rel=1e-3)
    assert zone.area_km2 == pytest.approx(_geodesic_km2(lons, lats), rel=1e-4)
    assert zone.geometry_polar.contains(to_polar(Point(0.0, -90.0)))   # encloses the pole
    back = _roundtrip([zone])[0]
    assert back.area_km2 == pytest.approx(zone.area_km2, rel=1e-4)


def test_circle_on_the_180_meridian_away_from_the_pole__is_5026_km2_not_431558():
    lons, lats = _circle_lonlat(180.0, -60.0, 40.0)
    assert lons.max() > 179.0 and lons.min() < -179.0
    zone = zones_from_geojson(_geojson(lons, lats))[0]
    assert zone.area_km2 == pytest.approx(cap_area_km2(40.0), rel=1e-3)      # 5,026 km2
    assert zone.area_km2 == pytest.approx(_geodesic_km2(lons, lats), rel=1e-5)
    assert _roundtrip([zone])[0].area_km2 == pytest.approx(zone.area_km2, rel=1e-4)


def test_zones_check__reads_both_rings_the_short_way(tmp_path, capsys):
    a_lon, a_lat = _circle_lonlat(129.78, -89.67, 15.0)
    b_lon, b_lat = _circle_lonlat(180.0, -60.0, 40.0)
    doc = {"type": "FeatureCollection", "features": []}
    for name, lons, lats in (("shackleton", a_lon, a_lat), ("antimeridian", b_lon, b_lat)):
        doc["features"].append(json.loads(_geojson(lons, lats, name))["features"][0])
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(doc))
    assert main(["zones", "check", str(path), "--format", "json", "--data-dir", str(tmp_path / "none")]) == 0
    report = json.loads(capsys.readouterr().out)
    areas = {z["zone"]: z["area_km2"] for z in report["zones"]}
    assert areas["shackleton"] == pytest.approx(cap_area_km2(15.0), rel=1e-3)
    assert areas["antimeridian"] == pytest.approx(cap_area_km2(40.0), rel=1e-3)


def test_bow_tie_across_the_180_meridian__is_still_refused_with_the_repair_offered():
    lons = [179.0, -179.0, 179.0, -179.0]
    lats = [-60.0, -61.0, -61.0, -60.0]          # the edges cross each other
    with pytest.raises(SelfIntersectionError, match="crosses itself") as err:
        zones_from_geojson(_geojson(lons, lats))
    assert err.value.repaired.area > 0


def test_ring_winding_twice_round_the_pole__is_refused():
    lon = np.r_[np.arange(0.0, 360.0, 30.0), np.arange(0.0, 360.0, 30.0)]
    lon = (lon + 180.0) % 360.0 - 180.0
    lat = np.linspace(-80.0, -81.0, lon.size)
    with pytest.raises(GeometryError, match="winds 2 times round the pole"):
        lonlat_ring_to_polar(np.column_stack([lon, lat]), "zone 'twice'")


@st.composite
def geodesic_outlines(draw):
    """A geodesic circle or star polygon south of the equator, as pyproj writes it: edges densified along the
    geodesic (Geod.npts) in at least 16 pieces of at most 2 km and 0.1 deg of longitude each, so that reading
    them straight in lon/lat (RFC 7946) traces the geodesic polygon even a few metres from the pole."""
    lat = draw(st.floats(-90.0, -3.0))
    lon = draw(st.floats(-180.0, 180.0))
    reach_km = (abs(lat) - 1.0) * np.pi / 180.0 * MOON_RADIUS_M / 1000.0      # stays south of 1 S
    radius = draw(st.floats(1.0, max(1.0, min(500.0, reach_km))))
    if draw(st.booleans()):                       # a circle: n vertices at one radius
        n = draw(st.integers(24, 360))
        az = np.linspace(0.0, 360.0, n, endpoint=False) + draw(st.floats(0.0, 10.0))
        radii = np.full(n, radius * 1000.0)
    else:                                         # a star polygon: 3-12 vertices at 10+ deg of bearing apart
        n = draw(st.integers(3, 12))
        slots = np.array(sorted(draw(st.lists(st.integers(0, 35), min_size=n, max_size=n, unique=True))))
        az = slots * 10.0 + draw(st.floats(0.0, 10.0))
        radii = np.array(draw(st.lists(st.floats(0.3, 1.0), min_size=n, max_size=n))) * radius * 1000.0
    vlon, vlat, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, radii)
    # Only simple outlines: a star whose centre falls outside can cross itself. Geodesics are straight lines in
    # the gnomonic projection, so the corners there tell whether the outline is simple on the sphere.
    gnomonic = Transformer.from_crs(CRS.from_proj4(f"+proj=longlat +R={MOON_RADIUS_M} +no_defs"), CRS.from_proj4(
        f"+proj=gnom +lat_0={lat} +lon_0={lon} +R={MOON_RADIUS_M} +no_defs"), always_xy=True)
    assume(Polygon(np.column_stack(gnomonic.transform(vlon, vlat))).is_valid)
    lons, lats = [], []
    for k in range(n):
        a, b = (vlon[k], vlat[k]), (vlon[(k + 1) % n], vlat[(k + 1) % n])
        dlon = abs((b[0] - a[0] + 180.0) % 360.0 - 180.0)
        steps = max(16, int(GEOD.inv(a[0], a[1], b[0], b[1])[2] // 2_000.0), int(dlon / 0.1))
        mid = GEOD.npts(a[0], a[1], b[0], b[1], steps)
        lons += [a[0]] + [p[0] for p in mid]
        lats += [a[1]] + [p[1] for p in mid]
    return np.asarray(lons), np.asarray(lats)


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(geodesic_outlines())
def test_any_geodesic_outline_written_by_pyproj__imports_with_its_area_to_0_05_percent(outline):
    lons, lats = outline
    zone = zones_from_geojson(_geojson(lons, lats))[0]
    assert zone.area_km2 == pytest.approx(_geodesic_km2(lons, lats), rel=5e-4)


# --- "latitude, longitude" typed where "longitude, latitude" is read -------------------------------------


def test_check_not_swapped__polar_outline_typed_lat_lon_off_the_map_is_held_with_both_readings():
    with pytest.raises(SwappedCoordinatesError, match=r"off the map, north of 40° S") as err:
        check_not_swapped("typed", [(-89.0, -10.0), (-89.5, -20.0), (-89.2, -30.0)])
    assert err.value.can_add_as_typed and not err.value.as_typed.on_map    # a zone, but off the map
    assert err.value.as_typed.area_km2 == pytest.approx(3_564, rel=1e-3)         # what was accepted before
    assert err.value.swapped.on_map and err.value.swapped.area_km2 < 100.0
    assert err.value.swapped.vertices_lonlat == ((-10.0, -89.0), (-20.0, -89.5), (-30.0, -89.2))


@pytest.mark.parametrize("vertices", [
    [(10.0, -89.0), (20.0, -89.5), (30.0, -89.2)],          # a polar zone typed right
    [(170.0, -45.0), (178.0, -46.0), (175.0, -44.0)],       # near Chang'e 4, typed right
    [(-80.0, -50.0), (-70.0, -50.0), (-75.0, -55.0)],       # |lon| 70-80 but latitudes that are not polar swapped
])
def test_check_not_swapped__right_way_round_is_silent(vertices):
    check_not_swapped("fine", vertices)


def test_check_not_swapped__polar_values_on_the_map_ask_to_confirm():
    with pytest.raises(SwappedCoordinatesError, match="look like 'latitude, longitude'") as err:
        check_not_swapped("ask", [(-89.0, -50.0), (-89.5, -45.0), (-89.2, -55.0)])
    assert err.value.can_add_as_typed and err.value.as_typed.on_map


def test_readings__a_circle_keeps_its_radius_both_ways():
    typed, swapped = readings([(-89.5, -10.0)], radius_km=5.0)
    assert typed.area_km2 == pytest.approx(swapped.area_km2, rel=1e-6) == pytest.approx(cap_area_km2(5.0), rel=1e-3)
    assert not typed.on_map and swapped.on_map
