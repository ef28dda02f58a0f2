"""Fuzzing zone import and stored-scenario loading: the only exception that may escape is the project's own.

Fixed seed (derandomize) and a bounded number of examples, so CI runs the same cases every time.
"""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lunarmap.errors import LunarmapError
from lunarmap.scenario_rows import gpkg_blob
from lunarmap.scenarios import ScenarioStore
from lunarmap.zones import circle_zone, zones_from_geojson

FUZZ = settings(max_examples=200, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

#: Any text, lone surrogates and control characters included.
_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=40)
_NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6),
                    st.floats(-180, 180), st.floats(-90, 0))
_POSITION = st.one_of(st.lists(_NUMBER, min_size=0, max_size=4), _NUMBER, _TEXT, st.none())
_RING = st.one_of(st.lists(_POSITION, min_size=0, max_size=8), _TEXT, st.none())
_VALUE = st.one_of(_TEXT, _NUMBER, st.none(), st.booleans(), st.lists(_TEXT, max_size=3))


@st.composite
def geojson_docs(draw):
    """GeoJSON-shaped documents, mostly almost right: odd types, coordinates, properties and members."""
    def feature():
        kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "GeometryCollection", "Nope"]))
        coords = draw(st.lists(_RING, min_size=0, max_size=3))
        if kind == "MultiPolygon":
            coords = [coords]
        geometry = draw(st.one_of(st.just({"type": kind, "coordinates": coords}), st.none(), _VALUE))
        props = draw(st.one_of(st.dictionaries(st.sampled_from(
            ["name", "owner", "purpose", "start", "end", "rule", "id", "shape", "radius_km", "centre_lon_deg",
             "centre_lat_deg"]), _VALUE, max_size=8), st.none(), _VALUE))
        return {"type": draw(st.sampled_from(["Feature", "feature", "X"])), "geometry": geometry, "properties": props}

    doc = {"type": draw(st.sampled_from(["FeatureCollection", "Feature", "Topology"])),
           "features": draw(st.one_of(st.lists(st.builds(feature), max_size=4), _VALUE))}
    for member in draw(st.lists(st.sampled_from(["crs", "body", "lunarmap_edges"]), max_size=3, unique=True)):
        doc[member] = draw(st.one_of(_VALUE, st.just({"type": "name", "properties": {"name": "IAU_2015:30135"}})))
    return doc


@FUZZ
@given(geojson_docs())
def test_fuzz__geojson_import_raises_only_the_projects_errors(doc):
    text = json.dumps(doc, allow_nan=True)
    try:
        zones = zones_from_geojson(text, default_owner="fuzz")
    except LunarmapError:
        return
    for z in zones:                                   # what is accepted is a usable zone
        assert math.isfinite(z.area_km2) and z.area_km2 > 0 and z.name and z.owner
        z.name.encode("utf-8")


@FUZZ
@given(st.binary(max_size=2_000))
def test_fuzz__arbitrary_bytes_raise_only_the_projects_errors(data):
    try:
        zones_from_geojson(data)
    except LunarmapError:
        pass


@pytest.fixture(scope="module")
def saved_two_zones(tmp_path_factory) -> tuple[Path, str]:
    """A scenario store holding one saved scenario of two circles, Z and Y (made once: 0.16 s a store); its id."""
    db = ScenarioStore(tmp_path_factory.mktemp("fuzz-template") / "s.gpkg")
    sid = db.save("fuzz", [circle_zone("Z", "NASA", 0.0, -89.0, 5.0), circle_zone("Y", "ESA", 90.0, -89.0, 5.0)])
    return db.path, sid


_COLUMN_VALUES = st.one_of(_TEXT, st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**9, 10**9),
                           st.none(), st.binary(max_size=60))


@FUZZ
@given(st.dictionaries(st.sampled_from(["name", "owner", "purpose", "start", "end", "rule", "shape", "radius_km",
                                        "centre_lon_deg", "centre_lat_deg", "zone_id", "geom"]),
                       _COLUMN_VALUES, min_size=1, max_size=5))
def test_fuzz__stored_scenario_rows_edited_by_hand_load_or_are_named(saved_two_zones, tmp_path_factory, edits):
    """A GeoPackage edited in QGIS: any value in any column of a zone row; the load never raises a traceback."""
    template, sid = saved_two_zones
    path = tmp_path_factory.mktemp("fuzz") / "s.gpkg"
    shutil.copyfile(template, path)                   # each example edits its own copy of the same saved file
    db = ScenarioStore(path)
    if "geom" in edits and isinstance(edits["geom"], str):
        edits["geom"] = gpkg_blob(circle_zone("P", "X", 10.0, -88.0, 2.0).geometry_polar)[: len(edits["geom"])]
    with sqlite3.connect(db.path) as con:
        for column, value in edits.items():
            if isinstance(value, str):
                value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            con.execute(f'UPDATE zones SET "{column}"=? WHERE name=?', (value, "Z"))
    try:
        zones, problems = db.load_checked(sid)
    except LunarmapError:
        return
    assert len(zones) + len(problems) == 2
    assert all(isinstance(p, str) and p for p in problems)
