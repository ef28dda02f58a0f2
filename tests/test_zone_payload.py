"""lunarmap.zones.payload: the map component's draw and edit payloads as zones, and the repaired-shape offer."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import Polygon

from lunarmap.crs import lonlat_to_polar
from lunarmap.geodesy import area_km2, cap_area_km2, distance_m
from lunarmap.zones import (
    SelfIntersectionError,
    ZoneError,
    circle_zone,
    polygon_zone,
    radius_between_km,
    repair_summary,
    repaired_parts,
    repaired_zones,
    zone_after_edit,
    zone_from_drawing,
)


def _xy(lon, lat):
    x, y = lonlat_to_polar(lon, lat)
    return [float(x), float(y)]


def _bowtie_repair():
    bowtie = [_xy(0, -88), _xy(90, -88), _xy(0, -87), _xy(90, -87)]
    with pytest.raises(SelfIntersectionError) as info:
        zone_from_drawing({"kind": "polygon", "vertices": bowtie}, "Z", "ESA")
    return info.value.repaired


# ----------------------------------------------------------------- payloads -> zones
def test_drawn_circle_around_the_pole_is_geodesic_with_the_edge_distance_as_radius():
    value = {"kind": "circle", "center": [0.0, 0.0], "edge": _xy(37.0, -89.0), "seq": 1}
    zone = zone_from_drawing(value, "Z", "NASA")
    assert zone.radius_km == pytest.approx(distance_m(0, -90, 37.0, -89.0) / 1000, rel=1e-9)
    assert zone.radius_km == pytest.approx(math.radians(1.0) * 1737.4, rel=1e-6)
    assert zone.area_km2 == pytest.approx(cap_area_km2(zone.radius_km), rel=1e-3)


def test_drawn_circle_across_the_180_meridian_keeps_its_centre_and_cap_area():
    value = {"kind": "circle", "center": _xy(179.9, -87.0), "edge": _xy(-179.5, -87.2)}
    zone = zone_from_drawing(value, "Z", "CNSA")
    lon, lat = zone.centre_lonlat
    assert (abs(lon), lat) == (pytest.approx(179.9, abs=1e-9), pytest.approx(-87.0, abs=1e-9))
    assert zone.area_km2 == pytest.approx(cap_area_km2(zone.radius_km), rel=1e-3)


def test_drawn_self_intersecting_polygon_is_refused_with_the_repair_offered():
    bowtie = [_xy(0, -88), _xy(90, -88), _xy(0, -87), _xy(90, -87)]
    with pytest.raises(SelfIntersectionError, match="crosses itself") as info:
        zone_from_drawing({"kind": "polygon", "vertices": bowtie}, "Z", "ESA")
    assert info.value.repaired.area > 0


def test_drawn_polygon_with_two_vertices_is_refused():
    with pytest.raises(ZoneError, match="at least 3 distinct vertices"):
        zone_from_drawing({"kind": "polygon", "vertices": [_xy(0, -88), _xy(90, -88)]}, "Z", "ESA")


def test_moving_a_circle_keeps_its_radius_and_resizing_measures_the_new_edge():
    zone = circle_zone("Z", "NASA", 0.0, -85.0, 20.0)
    moved = zone_after_edit(zone, {"id": zone.id, "kind": "circle", "center": _xy(90.0, -88.0), "edge": None})
    assert (moved.id, moved.radius_km) == (zone.id, 20.0)
    assert moved.centre_lonlat == (pytest.approx(90.0), pytest.approx(-88.0))
    assert moved.area_km2 == pytest.approx(zone.area_km2, rel=1e-3)  # same cap, wherever it is
    resized = zone_after_edit(zone, {"id": zone.id, "kind": "circle", "center": _xy(0.0, -85.0),
                                        "edge": _xy(0.0, -85.5)})
    assert resized.radius_km == pytest.approx(math.radians(0.5) * 1737.4, rel=1e-6)


def test_a_polygon_moved_on_the_map_keeps_its_true_area():
    sq = polygon_zone("Sq", "NASA", [(0, -89.0), (10, -89.0), (10, -88.9), (0, -88.9)])
    start, end = _xy(5.0, -88.95), _xy(40.0, -60.0)
    shifted = [[x + end[0] - start[0], y + end[1] - start[1]] for x, y in sq.geometry_polar.exterior.coords[:-1]]
    moved = zone_after_edit(sq, {"id": sq.id, "kind": "polygon", "vertices": shifted,
                                    "move": {"from": start, "to": end}})
    assert moved.id == sq.id and moved.area_km2 == pytest.approx(sq.area_km2, rel=1e-4)
    plain = zone_after_edit(sq, {"id": sq.id, "kind": "polygon", "vertices": shifted})   # a map translation
    assert abs(plain.area_km2 / sq.area_km2 - 1) > 0.05


def test_drawn_zone_keeps_the_attributes_given_and_names_how_it_was_drawn():
    value = {"kind": "circle", "center": [0.0, 0.0], "edge": _xy(0.0, -89.9)}
    zone = zone_from_drawing(value, "Z", "NASA", purpose="rover", start="2028-01-01")
    assert (zone.purpose, zone.start, zone.rule) == ("rover", "2028-01-01", "drawn on the map (radius along the great circle)")
    square = [_xy(0, -89.0), _xy(90, -89.0), _xy(180, -89.0), _xy(-90, -89.0)]
    poly = zone_from_drawing({"kind": "polygon", "vertices": square}, "P", "ESA", rule="by hand")
    assert (poly.shape, poly.rule) == ("polygon", "by hand")


def test_an_edited_polygon_keeps_its_id_and_attributes():
    sq = polygon_zone("Sq", "NASA", [(0, -89.0), (10, -89.0), (10, -88.9), (0, -88.9)], purpose="base", end="2030-01-01")
    ring = [list(c) for c in sq.geometry_polar.exterior.coords[:-1]]
    ring[0] = [ring[0][0] - 500.0, ring[0][1] - 500.0]
    edited = zone_after_edit(sq, {"id": sq.id, "kind": "polygon", "vertices": ring})
    assert (edited.id, edited.name, edited.owner, edited.purpose, edited.end) == (sq.id, "Sq", "NASA", "base", "2030-01-01")
    assert edited.area_km2 != pytest.approx(sq.area_km2, rel=1e-6)


def test_radius_between_km__pole_to_89_south_is_the_known_distance():
    assert radius_between_km([0.0, 0.0], _xy(10.0, -89.0)) == pytest.approx(30.32335, abs=1e-5)
    assert radius_between_km(_xy(10.0, -89.0), [0.0, 0.0]) == pytest.approx(radius_between_km([0.0, 0.0], _xy(10.0, -89.0)))


# ----------------------------------------------------------------- the repaired shape
def test_repaired_zones__one_zone_per_part_numbered_with_the_rule_marked_repaired():
    repaired = _bowtie_repair()
    parts = repaired_parts(repaired)
    assert len(parts) == 2                                    # a bow-tie repairs into its two triangles
    zones = repaired_zones(repaired, "Z", "ESA", {"rule": "drawn on the map", "purpose": "landing"})
    assert [z.name for z in zones] == ["Z (1)", "Z (2)"]
    assert all(z.rule == "drawn on the map (repaired)" and z.purpose == "landing" and z.owner == "ESA" for z in zones)
    assert sum(z.geometry_polar.area for z in zones) == pytest.approx(repaired.area, rel=1e-5)


def test_repaired_zones__a_single_part_keeps_the_name_and_a_missing_rule_becomes_repaired():
    single = shapely.Polygon([_xy(0, -89.0), _xy(90, -89.0), _xy(180, -89.0)])
    (zone,) = repaired_zones(single, "Tri", "NASA", {})
    assert (zone.name, zone.rule) == ("Tri", "(repaired)")      # rule text is trimmed
    assert zone.area_km2 == pytest.approx(float(area_km2(single)), rel=1e-9)


def test_repaired_zones__a_part_that_cannot_be_a_zone_is_refused():
    sliver = shapely.MultiPolygon([Polygon([_xy(0, -89.0), _xy(90, -89.0), _xy(180, -89.0)]),
                                   Polygon([(0, 0), (0.001, 0), (0, 0.001)])])
    with pytest.raises(ZoneError):
        repaired_zones(sliver, "Z", "ESA", {})


def test_repair_summary__says_how_many_polygons_and_their_area_on_the_sphere():
    repaired = _bowtie_repair()
    assert repair_summary(repaired) == f"2 polygon(s), {float(area_km2(repaired)):,.2f} km² on the sphere"
