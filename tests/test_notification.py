"""lunarmap.notification: one owner's safety zones as JSON, a printable page and a map (Artemis Accords, Section 11)."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest
from PIL import Image

from lunarmap.crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE
from lunarmap.errors import ZoneError
from lunarmap.geodesy import cap_area_km2
from lunarmap.notification import (
    notification,
    notification_from_json,
    notification_html,
    notification_json,
    owners,
    zones_map_png,
)
from lunarmap.zones import analyse_zones, circle_zone, polygon_zone

STAMP = "2030-05-01T12:00:00Z"
HOSTILE = "<script>alert(1)</script>"


def _psr(geom):
    return 1.5, "synthetic PSR measure"


@pytest.fixture
def zones():
    """Three owners; NASA's zones overlap CNSA's and ESA's; one ESA zone overlaps but ended long ago."""
    return [
        circle_zone(f"Shackleton {HOSTILE}", "NASA", 0.0, -90.0, 15.0, purpose="landing @@=x", start="2030-01-01",
                    end="2031-12-31", rule="r = 2.0 km (NASA 2011)"),
        circle_zone("Rim camp", " nasa ", 30.0, -89.2, 6.0),
        polygon_zone("@@=x", "NASA", [(-80, -88.2), (-60, -88.2), (-60, -88.8), (-80, -88.8)], purpose="ISRU"),
        circle_zone("ILRS station", "CNSA", 10.0, -89.6, 10.0),
        circle_zone("ESA relay", "ESA", -70.0, -88.5, 8.0, start="2029-01-01"),
        circle_zone("Old ESA camp", "ESA", 150.0, -89.5, 8.0, end="2020-01-01"),
        circle_zone("Far CNSA", "CNSA", 170.0, -80.0, 5.0),
    ]


@pytest.fixture
def report(zones):
    return analyse_zones(zones, psr_km2=_psr, psr_total_km2=100.0)


def _doc(zones, report, owner="NASA"):
    return notification(zones, report, owner, generated_utc=STAMP, scenario_name="Test plan")


def test_notification__holds_every_zone_of_the_owner_and_every_conflict(zones, report):
    doc = json.loads(notification_json(_doc(zones, report, "  nAsA ")))
    nasa = [z for z in zones if z.owner.strip().casefold() == "nasa"]
    assert [z["id"] for z in doc["zones"]] == [z.id for z in nasa]
    assert doc["owner"] == "NASA" and doc["generated_utc"] == STAMP and doc["scenario_name"] == "Test plan"
    assert doc["moon_radius_m"] == MOON_RADIUS_M and doc["crs"]["lonlat"] == LONLAT_CODE
    assert doc["crs"]["map"] == SOUTH_POLAR_CODE
    expected = {frozenset((p.a, p.b)) for p in report.conflicts if {p.a, p.b} & {z.id for z in nasa}}
    assert len(expected) == 3   # ILRS x Shackleton, ILRS x Rim camp, ESA relay x the polygon
    assert {frozenset((c["zone_id"], c["other_id"])) for c in doc["conflicts"]} == expected
    assert doc["summary"]["conflict_count"] == 3 and doc["summary"]["parties_in_conflict"] == ["CNSA", "ESA"]
    assert "Old ESA camp" not in {c["other_name"] for c in doc["conflicts"]}   # never at the same time
    for c in doc["conflicts"]:
        pair = next(p for p in report.conflicts if {p.a, p.b} == {c["zone_id"], c["other_id"]})
        assert c["overlap_km2"] == pytest.approx(pair.overlap_km2, abs=1e-6)
        zone_area = next(z.area_km2 for z in zones if z.id == c["zone_id"])
        assert c["share_of_zone"] == pytest.approx(pair.overlap_km2 / zone_area, abs=1e-6)
        assert c["other_owner"] in ("CNSA", "ESA")


def test_notification__describes_each_zone(zones, report):
    doc = _doc(zones, report)
    cap, rim, box = doc["zones"]
    assert cap["shape"] == "circle" and cap["centre_lon_deg"] == 0.0 and cap["centre_lat_deg"] == -90.0
    assert cap["radius_km"] == 15.0 and cap["contains_pole"] and cap["vertices_lonlat_deg"] is None
    assert cap["area_km2"] == pytest.approx(cap_area_km2(15.0), rel=1e-3)
    assert cap["operator"] == "NASA" and cap["purpose"] == "landing @@=x" and cap["rule"].startswith("r = 2.0 km")
    assert cap["period"] == {"start": "2030-01-01", "end": "2031-12-31"} and rim["period"] == {"start": None, "end": None}
    assert cap["psr_km2"] == 1.5 and cap["psr_note"] == "synthetic PSR measure"
    assert box["shape"] == "polygon" and not box["contains_pole"]
    got = sorted(map(tuple, box["vertices_lonlat_deg"]))
    want = sorted([(-80, -88.2), (-60, -88.2), (-60, -88.8), (-80, -88.8)])
    assert np.allclose(got, want, atol=1e-7)


def test_notification__without_a_report_gives_no_psr_area_and_says_why(zones):
    doc = notification(zones, None, "NASA", generated_utc=STAMP)
    assert all(z["psr_km2"] is None and "not" in z["psr_note"] for z in doc["zones"])
    assert doc["summary"]["conflict_count"] == 3
    notification_json(doc)   # no NaN reaches the JSON


def test_notification_from_json__gives_back_the_same_zones(zones, report):
    nasa = [z for z in zones if z.owner.strip().casefold() == "nasa"]
    back = notification_from_json(notification_json(_doc(zones, report)))
    assert [(z.id, z.name, z.owner, z.purpose, z.start, z.end, z.rule, z.shape) for z in back] == \
        [(z.id, z.name, z.owner, z.purpose, z.start, z.end, z.rule, z.shape) for z in nasa]
    for a, b in zip(back, nasa, strict=True):
        assert a.area_km2 == pytest.approx(b.area_km2, rel=1e-6)


def test_notification_from_json__refuses_other_json():
    with pytest.raises(ZoneError, match="is not a lunarmap safety-zone notification"):
        notification_from_json(b'{"type": "FeatureCollection", "features": []}')
    with pytest.raises(ZoneError, match="is not JSON"):
        notification_from_json(b"<html>")


def test_a_zone_round_the_pole_keeps_its_area_through_json():
    """A zone containing the pole keeps its area."""
    cap = circle_zone("Pole cap", "NASA", 0.0, -90.0, 40.0)
    square = polygon_zone("Pole square", "NASA", [(-30_000, -30_000), (30_000, -30_000), (30_000, 30_000),
                                                  (-30_000, 30_000)], crs=SOUTH_POLAR_CODE)
    doc = notification([cap, square], None, "NASA", generated_utc=STAMP)
    assert all(z["contains_pole"] for z in doc["zones"])
    back = notification_from_json(notification_json(doc))
    assert back[0].area_km2 == pytest.approx(cap.area_km2, rel=1e-6)
    assert back[0].area_km2 == pytest.approx(cap_area_km2(40.0), rel=1e-3)
    assert back[1].area_km2 == pytest.approx(square.area_km2, rel=1e-6)


def test_bytes__are_identical_for_the_same_inputs_and_timestamp(zones, report):
    assert notification_json(_doc(zones, report)) == notification_json(_doc(zones, analyse_zones(
        zones, psr_km2=_psr, psr_total_km2=100.0)))
    png = zones_map_png(zones, "NASA", report)
    assert png == zones_map_png(zones, "NASA", report)
    assert notification_html(_doc(zones, report), png) == notification_html(_doc(zones, report), png)
    text = notification_json(_doc(zones, report)).decode("utf-8")
    assert "NaN" not in text and list(json.loads(text)) == sorted(json.loads(text))


def test_json__is_utf8_and_keeps_non_ascii_names():
    z = circle_zone("Schrödinger 月", "CNSA", 0.0, -89.0, 5.0)
    raw = notification_json(notification([z], None, "cnsa", generated_utc=STAMP))
    assert "Schrödinger 月".encode() in raw


def test_html__escapes_hostile_names_and_shows_units(zones, report):
    page = notification_html(_doc(zones, report), zones_map_png(zones, "NASA", report)).decode("utf-8")
    assert HOSTILE not in page and html_escaped(HOSTILE) in page
    assert "<script" not in page.lower()
    assert "@@=x" in page   # shown as text: nothing in an HTML page gives it meaning
    for header in ("Area (km²)", "Overlap (km²)", "Share of zone (%)", "Longitude (° E)", "PSR area (km²)"):
        assert header in page
    assert "@page { size: A4" in page and re.search(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)
    assert "ILRS station" in page and "ESA relay" in page and "Old ESA camp" not in page
    assert "2030-01-01 to 2031-12-31" in page and "from 2029-01-01 until further notice" in page
    assert "<td>until further notice</td>" in page


def html_escaped(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_html__hostile_owner_and_scenario_are_escaped():
    z = circle_zone("a", HOSTILE, 0.0, -89.0, 5.0, purpose='"><img src=x onerror=alert(1)>')
    doc = notification([z], None, HOSTILE, generated_utc=STAMP, scenario_name="<b>plan</b>")
    page = notification_html(doc, None).decode("utf-8")
    assert HOSTILE not in page and "<img src=x" not in page and "<b>plan</b>" not in page
    assert "<img" not in page   # no map given: no image at all


def test_map_png__is_a_square_image_of_the_asked_size_with_the_owner_colour(zones, report):
    img = Image.open(io.BytesIO(zones_map_png(zones, "NASA", report, size_px=400)))
    assert img.format == "PNG" and img.size == (400, 400) and not img.info.get("tIME")
    colours = img.convert("RGB").getcolors(400 * 400)
    red = sum(n for n, (r, g, b) in colours if r > 180 and g < 110 and b < 110)
    assert red > 100   # the conflicting overlaps are drawn


def test_unknown_owner__is_refused_naming_the_owners(zones, report):
    with pytest.raises(ZoneError, match=r"no zones belong to owner 'JAXA'; owners of these zones: 'NASA', 'CNSA', "
                                        r"'ESA'\. Choose one of them\."):
        notification(zones, report, " JAXA ", generated_utc=STAMP)
    with pytest.raises(ZoneError, match="no zones belong to owner"):
        zones_map_png(zones, "JAXA", report)


def test_stale_report__is_refused(zones, report):
    with pytest.raises(ZoneError, match="the conflict report is not of these zones.*analyse the zones again"):
        notification(zones[:3], report, "NASA", generated_utc=STAMP)


def test_bad_timestamp__is_refused(zones, report):
    with pytest.raises(ZoneError, match=r"generated_utc must be an ISO 8601 time .*\(got 'yesterday'\)"):
        notification(zones, report, "NASA", generated_utc="yesterday")


def test_owners__are_distinct_trimmed_and_case_insensitive(zones):
    assert owners(zones) == ["NASA", "CNSA", "ESA"]


def test_doc_numbers_are_finite_or_none(zones, report):
    def walk(v):
        if isinstance(v, float):
            assert math.isfinite(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(_doc(zones, report))


def test_map_png__draws_the_same_overlaps_from_a_report_that_kept_only_the_numbers(zones, report):
    """The page's report keeps no overlap outlines (zonecheck.analyse_for_page): the map intersects the zones again."""
    from dataclasses import replace

    from shapely.geometry import Polygon

    from lunarmap.notification import zones_map_png

    bare = replace(report, pairs=tuple(replace(p, geometry_polar=Polygon()) for p in report.pairs))
    owner = zones[0].owner
    assert report.conflicts
    assert zones_map_png(zones, owner, bare, size_px=300) == zones_map_png(zones, owner, report, size_px=300)
