"""Sizing rules as named, cited records: built-ins, a planner's own, the zones that follow them, and their travel."""

from __future__ import annotations

import json
import sqlite3

import pytest

from lunarmap.errors import ZoneError
from lunarmap.geodesy import cap_area_km2
from lunarmap.scenario_files import scenario_gpkg_bytes
from lunarmap.scenarios import ScenarioStore
from lunarmap.sizing_rules import (
    all_rules,
    make_rule,
    merged_rules,
    resize_by_rule,
    rule_text,
    rules_from_geojson,
    rules_from_records,
    rules_to_records,
)
from lunarmap.zones import SIZING_RULES, circle_zone, polygon_zone, zones_from_geojson, zones_to_geojson


def _rule(radius_km: float = 0.5, key: str | None = None):
    return make_rule("Rover buffer", radius_km, "r = 500 m either side of the track", "Mission plan v2, section 4",
                     "https://example.org/plan", key=key)


@pytest.mark.parametrize("args, message", [
    (("", 1.0, "f", "s"), r"name is empty"),
    (("R", 1.0, "f", ""), r"source is empty"),
    (("R", 1.0, "", "s"), r"formula is empty"),
    (("R", 0.001, "f", "s"), r"radius_km must be between 0\.01 and 500 \(got 0\.001\)"),
    (("R", "wide", "f", "s"), r"radius_km must be between 0\.01 and 500 \(got 'wide'\)"),
    (("R", 1.0, "f", "s", "javascript:alert(1)"), r"link 'javascript:alert\(1\)' is not an http\(s\) address"),
])
def test_make_rule__refuses_a_rule_without_what_makes_it_a_rule(args, message):
    with pytest.raises(ZoneError, match=message):
        make_rule(*args)


def test_make_rule__built_in_keys_cannot_be_redefined_and_built_ins_cite_nasa_2011():
    with pytest.raises(ZoneError, match="built-in rule"):
        _rule(key="nasa-2011-descent-landing")
    assert all(r.builtin and "NASA (20 July 2011)" in r.source for r in SIZING_RULES.values())
    own = _rule()
    assert list(all_rules([own]))[-1] == own.key and not own.builtin


def test_resize_by_rule__resizes_only_the_circles_that_follow_it_round_the_same_centres():
    rule = _rule(0.5)
    follows = circle_zone("A", "NASA", 10.0, -89.0, 0.5, rule=rule_text(rule), rule_key=rule.key, purpose="ops")
    by_hand = circle_zone("B", "NASA", 40.0, -89.0, 0.7, rule=rule_text(rule, 0.7))
    other = polygon_zone("C", "ESA", [(0, -88), (90, -88), (180, -88)])
    bigger = make_rule(rule.label, 2.0, rule.formula, rule.source, rule.link, key=rule.key)
    zones, n = resize_by_rule([follows, by_hand, other], bigger)
    assert n == 1
    assert zones[0].id == follows.id and zones[0].centre_lonlat == follows.centre_lonlat and zones[0].purpose == "ops"
    assert zones[0].area_km2 == pytest.approx(cap_area_km2(2.0), rel=1e-3) and zones[0].rule_key == rule.key
    assert "2 km" in zones[0].rule
    assert zones[1] is by_hand and zones[2] is other


def test_rules_travel_with_the_zones_in_geojson_and_the_store(tmp_path):
    rule = _rule()
    zone = circle_zone("A", "NASA", 10.0, -89.0, 0.5, rule=rule_text(rule), rule_key=rule.key)
    doc = zones_to_geojson([zone], "plan", [rule, *SIZING_RULES.values()])
    assert [r["key"] for r in doc["sizing_rules"]] == [rule.key]          # built-ins are not written
    text = json.dumps(doc)
    assert rules_from_geojson(text) == (rule,)
    assert zones_from_geojson(text)[0].rule_key == rule.key
    db = ScenarioStore(tmp_path / "s.gpkg")
    sid = db.save("plan", [zone], rules=[rule])
    assert db.rules(sid) == (rule,) and db.load(sid)[0].rule_key == rule.key
    assert rules_from_records(rules_to_records([rule])) == (rule,)
    exported = tmp_path / "export.gpkg"
    exported.write_bytes(scenario_gpkg_bytes("plan", [zone], [rule]))
    assert ScenarioStore(exported).rules(ScenarioStore(exported).list()[0].id) == (rule,)


def test_an_older_store_without_rule_columns_is_upgraded_and_keeps_its_zones(tmp_path):
    db = ScenarioStore(tmp_path / "old.gpkg")
    sid = db.save("old", [circle_zone("A", "NASA", 10.0, -89.0, 2.0)])
    with sqlite3.connect(db.path) as con:                # as a store written before sizing rules were stored
        con.execute("ALTER TABLE zones DROP COLUMN rule_key")
        con.execute("ALTER TABLE scenarios DROP COLUMN sizing_rules")
    again = ScenarioStore(db.path)
    assert [z.name for z in again.load(sid)] == ["A"] and again.rules(sid) == ()
    rule = _rule()
    sid2 = again.save("new", [circle_zone("B", "ESA", 0.0, -89.0, 0.5, rule_key=rule.key)], rules=[rule])
    assert again.rules(sid2) == (rule,)


def test_damaged_rules_in_a_file_are_refused_naming_the_rule():
    with pytest.raises(ZoneError, match=r"the file: sizing rule 'Bad': source is empty"):
        rules_from_geojson(json.dumps({"sizing_rules": [{"key": "own-bad", "label": "Bad", "radius_km": 1,
                                                          "formula": "f", "source": ""}]}))


def test_merged_rules__an_import_adds_only_rules_whose_key_is_new_after_the_own_ones():
    own = _rule(key="own-a")
    same_key = _rule(radius_km=3.0, key="own-a")
    new = _rule(radius_km=2.0, key="own-b")
    merged = merged_rules([own], [same_key, new])
    assert merged == (own, new) and merged[0].radius_km == 0.5          # the planner's own rule wins
    assert merged_rules((), ()) == ()
