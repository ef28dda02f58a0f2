"""lunarmap.zone_layers: the zones, overlaps, repair outline and legend as the map draws them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from lunarmap.crs import lonlat_to_polar
from lunarmap.geodesy import area_km2, forward_lonlat
from lunarmap.zone_layers import (
    MAX_OVERLAP_LABELS,
    MAX_PAIRS_DRAWN,
    km2_text,
    map_pieces,
    owner_colours,
    repair_layers,
    zone_rows,
)
from lunarmap.zones import SelfIntersectionError, analyse_zones, circle_zone, polygon_zone


def _xy(lon, lat):
    x, y = lonlat_to_polar(lon, lat)
    return [float(x), float(y)]


def test_map_pieces_highlight_the_overlap_and_flag_both_zones():
    a = circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0)
    b = circle_zone("Rim B", "CNSA", 180.0, -89.8, 10.0)
    c = circle_zone("Far", "NASA", 90.0, -80.0, 5.0)
    report = analyse_zones([a, b, c])
    zones, overlays, legend = map_pieces([a, b, c], report)
    assert [z["conflict"] for z in zones] == [True, True, False]
    assert [z["kind"] for z in zones] == ["circle"] * 3
    assert zones[0]["radius_m"] == pytest.approx(10_000.0)
    assert zones[0]["center"] == pytest.approx(_xy(0.0, -89.7), abs=0.01)
    assert zones[0]["color"] != zones[1]["color"] and zones[0]["color"] == zones[2]["color"]  # by owner
    layer, labels = overlays
    assert layer["id"] == "zone-overlaps" and len(layer["data"]) == 1
    lens = Polygon(layer["data"][0]["polygon"])
    # drawn to the metre: the highlighted lens has the analysed overlap's area to 1e-4
    assert float(area_km2(lens)) == pytest.approx(report.pairs[0].overlap_km2, rel=1e-4)
    # the overlap is labelled with its km2, inside it; owner colours stay on the zones themselves
    (label,) = labels["data"]
    assert labels["@@type"] == "TextLayer" and label["text"] == f"{km2_text(report.pairs[0].overlap_km2)} km²"
    assert lens.buffer(1.0).contains(shapely.Point(label["position"]))
    assert legend[0]["title"] == "Keep-out zones"
    owners = [c["label"] for c in legend[0]["classes"] if c["label"].startswith("zone of")]
    assert owners == ["zone of NASA", "zone of CNSA"]


def test_map_pieces__hundreds_of_overlaps_are_drawn_as_their_union_and_the_map_data_stays_small():
    rng = np.random.default_rng(5)
    n = 120                                                    # 7,140 overlapping pairs
    lon, lat = forward_lonlat(np.full(n, 30.0), np.full(n, -85.0), rng.uniform(0, 360, n), rng.uniform(0, 20_000, n))
    zones = [circle_zone(f"z{i}", f"owner {i % 5}", float(a), float(b), 50.0) for i, (a, b) in enumerate(zip(lon, lat, strict=True))]
    report = analyse_zones(zones)
    assert len(report.pairs) > MAX_PAIRS_DRAWN
    pieces, overlays, legend = map_pieces(zones, report)
    assert len(json.dumps([pieces, overlays, legend])) < 1_000_000      # was 10 MB at 60 zones, 260 MB at 300
    layer, labels = overlays
    drawn = shapely.union_all([Polygon(r["polygon"]) for r in layer["data"]])
    exact = shapely.union_all([p.geometry_polar for p in report.pairs])
    assert float(area_km2(drawn)) == pytest.approx(float(area_km2(exact)), rel=0.01)   # simplified, same place
    assert len(labels["data"]) == MAX_OVERLAP_LABELS


def test_owners_differing_only_in_case_and_spaces_share_a_colour_and_a_legend_entry():
    zones = [circle_zone("A", "NASA", 0.0, -89.0, 5.0), circle_zone("B", " nasa ", 90.0, -89.0, 5.0),
             circle_zone("C", "ESA", 180.0, -89.0, 5.0)]
    colours = owner_colours(zones)
    assert list(colours) == ["nasa", "esa"] and colours["nasa"] != colours["esa"]
    rows = zone_rows(zones, None)
    assert rows[0]["color"] == rows[1]["color"] != rows[2]["color"]
    _, overlays, legend = map_pieces(zones, analyse_zones(zones))
    assert overlays == []                                         # no shared area: no overlap layers
    assert [c["label"] for c in legend[0]["classes"][:2]] == ["zone of NASA", "zone of ESA"]


def test_zone_rows__a_polygon_is_sent_as_its_vertices_and_a_circle_as_centre_and_radius():
    sq = polygon_zone("Sq", "NASA", [(0, -89.0), (10, -89.0), (10, -88.9), (0, -88.9)], purpose="base")
    (row,) = zone_rows([sq], None)
    assert row["kind"] == "polygon" and row["center"] is None and row["radius_m"] is None
    assert row["ring"] == row["vertices"] and len(row["ring"]) == 4
    assert "purpose: base" in row["lines"] and row["conflict"] is False


def test_user_text_stays_in_data_rows_never_as_a_converter_string():
    a = circle_zone("@@=constructor", "@@=(", 0.0, -89.7, 10.0)
    b = circle_zone("@@#x", "CNSA", 180.0, -89.8, 10.0)
    rows, overlays, legend = map_pieces([a, b], analyse_zones([a, b]))
    for layer in overlays:                      # layer properties are ours; names only inside "data"
        assert not any("@@=(" in json.dumps(v) or "constructor" in json.dumps(v)
                       for k, v in layer.items() if k != "data")


def test_repair_layers__outline_the_repaired_parts_above_the_zones_and_nothing_without_an_offer():
    assert repair_layers(None) == []
    with pytest.raises(SelfIntersectionError) as info:
        polygon_zone("B", "ESA", [(0, -88), (90, -88), (0, -87), (90, -87)])
    (layer,) = repair_layers(info.value.repaired)
    assert layer["id"].startswith("zone-overlaps") and layer["@@type"] == "PolygonLayer"
    assert layer["coordinateSystem"] == "cartesian"
    drawn = sum(Polygon(r["polygon"]).area for r in layer["data"])
    assert drawn == pytest.approx(info.value.repaired.area, rel=1e-5)


def test_overlap_layers_are_the_deck_gl_json_of_pydeck_layers():
    a = circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0)
    b = circle_zone("Rim B", "CNSA", 180.0, -89.8, 10.0)
    _, (layer, labels), _ = map_pieces([a, b], analyse_zones([a, b]))
    assert layer["getPolygon"] == "@@=polygon" and layer["getFillColor"] == "@@=fill"
    assert layer["lineWidthUnits"] == "pixels" and layer["pickable"] is False
    assert labels["getText"] == "@@=text" and labels["characterSet"] == "auto" and labels["fontSettings"] == {"sdf": True}
