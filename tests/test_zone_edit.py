"""lunarmap.zones.edit: zones edited, moved on the sphere and found by a map point."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Polygon

from lunarmap.crs import SOUTH_POLAR_CODE, lonlat_to_polar
from lunarmap.errors import ZoneError
from lunarmap.geodesy import cap_area_km2
from lunarmap.zones import (
    circle_zone,
    moved_zone,
    point_in_zones,
    polygon_zone,
    with_attributes,
    with_fresh_ids,
    with_geometry,
)


def test_point_in_zones_selects_by_click():
    z = circle_zone("A", "NASA", 0.0, -90.0, 10.0)
    x, y = lonlat_to_polar(45.0, -89.9)
    assert point_in_zones([z], float(x), float(y)) == [z.id]
    assert point_in_zones([z], 50_000.0, 0.0) == []


def test_with_attributes_checks_edits_like_new_zones():
    z = circle_zone("Rim", "NASA", 0.0, -89.0, 5.0)
    edited = with_attributes(z, owner="CNSA", start="2027-01-01", end="2028-01-01", purpose="base")
    assert (edited.owner, edited.start, edited.end, edited.purpose, edited.id) == ("CNSA", "2027-01-01", "2028-01-01",
                                                                                    "base", z.id)
    assert edited.geometry_polar is z.geometry_polar
    with pytest.raises(ZoneError, match=r"zone 'Rim': owner is empty; give the owner"):
        with_attributes(z, owner="  ")
    with pytest.raises(ZoneError, match=r"zone 'Rim': start date '1/2/2027' is not a date; use YYYY-MM-DD"):
        with_attributes(z, start="1/2/2027")
    with pytest.raises(ZoneError, match=r"end 2026-01-01 is before start 2027-01-01"):
        with_attributes(z, start="2027-01-01", end="2026-01-01")
    with pytest.raises(ZoneError, match=r"\['shape'\] cannot be edited"):
        with_attributes(z, shape="polygon")


# --- moving ---------------------------------------------------------------------------------------


def _square_at(lon, lat, half_m=10_000.0):
    x, y = (float(v) for v in lonlat_to_polar(lon, lat))
    verts = [(x - half_m, y - half_m), (x + half_m, y - half_m), (x + half_m, y + half_m), (x - half_m, y + half_m)]
    return polygon_zone("Sq", "NASA", verts, crs=SOUTH_POLAR_CODE, purpose="rover", start="2027-01-01", rule="r"), (x, y)


@pytest.mark.parametrize(("lon", "lat"), [(30.0, -60.0), (210.0, -89.0), (179.95, -60.0), (-150.0, -75.0)])
def test_moved_zone_keeps_true_area_and_lands_on_the_target(lon, lat):
    sq, start = _square_at(30.0, -89.0)
    target = tuple(float(v) for v in lonlat_to_polar(lon, lat))
    moved = moved_zone(sq, start, target)
    assert moved.area_km2 == pytest.approx(sq.area_km2, rel=1e-4)
    # A shift in map metres would not keep it: from 89 S to 60 S the same map square is ~13% smaller on the sphere.
    assert (moved.id, moved.name, moved.owner, moved.purpose, moved.start, moved.rule) == (
        sq.id, "Sq", "NASA", "rover", "2027-01-01", "r")
    assert len(moved.geometry_polar.exterior.coords) == 5
    # The start point lands exactly on the target: move the square by one of its own corners.
    corner = sq.geometry_polar.exterior.coords[2]
    landed = np.asarray(moved_zone(sq, corner, target).geometry_polar.exterior.coords)
    assert np.min(np.hypot(*(landed - target).T)) < 1e-6


def test_map_shift_would_change_the_area():
    sq, (x, y) = _square_at(30.0, -89.0)
    tx, ty = (float(v) for v in lonlat_to_polar(30.0, -60.0))
    shifted = polygon_zone("Sq", "NASA", np.asarray(sq.geometry_polar.exterior.coords)[:-1] + [tx - x, ty - y],
                           crs=SOUTH_POLAR_CODE)
    assert shifted.area_km2 / sq.area_km2 == pytest.approx(0.871, abs=0.002)
    assert moved_zone(sq, (x, y), (tx, ty)).area_km2 / sq.area_km2 == pytest.approx(1.0, abs=1e-4)


def test_moved_circle_keeps_its_radius_around_the_moved_centre():
    c = circle_zone("C", "CNSA", 0.0, -89.0, 10.0, purpose="p")
    start = tuple(float(v) for v in lonlat_to_polar(0.0, -89.0))
    moved = moved_zone(c, start, tuple(float(v) for v in lonlat_to_polar(100.0, -70.0)))
    assert moved.shape == "circle" and moved.radius_km == 10.0 and moved.id == c.id and moved.purpose == "p"
    assert moved.centre_lonlat == pytest.approx((100.0, -70.0), abs=1e-9)
    assert moved.area_km2 == pytest.approx(cap_area_km2(10.0), rel=1e-3)


def test_moving_a_zone_across_the_equator_is_refused():
    c = circle_zone("C", "CNSA", 0.0, -5.0, 100.0)
    start = tuple(float(v) for v in lonlat_to_polar(0.0, -5.0))
    with pytest.raises(ZoneError, match=r"zone 'C': a 100 km circle around latitude -1 reaches latitude 2\.2978, north of the equator"):
        moved_zone(c, start, tuple(float(v) for v in lonlat_to_polar(0.0, -1.0)))
    sq, start = _square_at(0.0, -1.0, half_m=30_000.0)
    with pytest.raises(ZoneError, match=r"zone 'Sq': latitude [\d.]+ is north of the equator"):
        moved_zone(sq, start, tuple(float(v) for v in lonlat_to_polar(0.0, -0.5)))


def test_edited_shape_reaching_north_of_the_equator_is_refused():
    z = circle_zone("Z", "NASA", 0.0, -10.0, 5.0)
    far = Polygon([(0, 3_400_000), (100_000, 3_400_000), (100_000, 3_600_000)])
    with pytest.raises(ZoneError, match=r"zone 'Z': latitude [\d.]+ is north of the equator"):
        with_geometry(z, far)


def test_with_fresh_ids__only_zones_whose_id_is_taken_get_a_new_one():
    a = circle_zone("A", "NASA", 0.0, -89.0, 5.0, id="a1")
    b = circle_zone("B", "NASA", 90.0, -89.0, 5.0, id="b1")
    fresh = with_fresh_ids([a, b], {"a1", "zz"})
    assert fresh[1] is b and fresh[0].id not in {"a1", "b1"} and len(fresh[0].id) == 12
    assert (fresh[0].name, fresh[0].geometry_polar) == (a.name, a.geometry_polar)      # only the id changes
