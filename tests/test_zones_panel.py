"""The "Keep-out zones" section: map triggers, the conflict tables, exact entry, scenarios and links.

Page tests run dashboard.py under Streamlit's AppTest (the map's drawing
events themselves are driven in a real browser in tests/browser/).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from shapely.geometry import Polygon
from streamlit.testing.v1 import AppTest

from lunarmap.crs import lonlat_to_polar
from lunarmap.geodesy import cap_area_km2, distance_m, lens_area_km2
from lunarmap.scenarios import ScenarioStore
from lunarmap.sites import load_sites
from lunarmap.zone_layers import repair_layers
from lunarmap.zones import circle_zone
from lunarmap_ui import zone_forms, zone_tables
from lunarmap_ui import zone_state as zs
from lunarmap_ui import zones_panel as zp
from lunarmap_ui.page import K_MAP as K_MAP_KEY

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture


def _xy(lon, lat):
    x, y = lonlat_to_polar(lon, lat)
    return [float(x), float(y)]


def test_parse_vertices_names_the_bad_line():
    assert zone_forms.parse_vertices("10, -89\n\n20 -88.5\n-30;-88") == [(10.0, -89.0), (20.0, -88.5), (-30.0, -88.0)]
    with pytest.raises(ValueError, match=r"line 2 \('10 east'\) is not 'longitude, latitude'"):
        zone_forms.parse_vertices("1, -89\n10 east")


# ----------------------------------------------------------------- the page
def _page_with_zones(monkeypatch, data_dir, zones) -> AppTest:
    return run_page(monkeypatch, data_dir, session={zs.K_ZONES: list(zones)})


class _Text:
    def __init__(self, value: str):
        self.value = value


def _plain(elements) -> list[_Text]:
    """Element texts with md_text's backslash escapes taken out."""
    return [_Text(re.sub(r"\\(.)", r"\1", e.value)) for e in elements]


def _table(at, column):
    frames = [d.value for d in at.dataframe]
    found = [f for f in frames if column in f.columns]
    assert found, f"no table with a column {column!r}"
    return found[0]


def test_page_shows_zones_overlaps_and_conflicts_with_analytic_numbers(monkeypatch, prepared_data_dir):
    a = circle_zone("Rim A", "NASA", 0.0, -89.5, 10.0)
    b = circle_zone("Rim B", "CNSA", 180.0, -89.5, 10.0)      # centres 30.3 km apart across the pole
    c = circle_zone("Far", "NASA", 90.0, -60.0, 5.0)       # beyond all PSR data (the official outlines reach 75 S)
    at = _page_with_zones(monkeypatch, prepared_data_dir, [a, b, c])
    zones = _table(at, "Area (km²)")
    assert list(zones["Zone"]) == ["Rim A", "Rim B", "Far"]
    assert zones["Area (km²)"].to_numpy() == pytest.approx([cap_area_km2(10), cap_area_km2(10), cap_area_km2(5)],
                                                             rel=1e-3)
    # both rim zones lie in the PSR data: some shadow, a share of all PSR; Far is outside it (NaN, not 0)
    assert zones["PSR in zone (km²)"].iloc[0] > 0 and np.isnan(zones["PSR in zone (km²)"].iloc[2])
    # centres 30.3 km apart: two 10 km circles share nothing, so there is no overlap table and no conflict
    assert distance_m(0.0, -89.5, 180.0, -89.5) / 1000 == pytest.approx(30.3, abs=0.1)
    assert not any("Overlap (km²)" in d.value.columns for d in at.dataframe)
    assert any(s.value == "No zones share area." for s in at.success)


def test_page_flags_an_overlap_of_different_owners_as_a_conflict_with_the_lens_area(monkeypatch, prepared_data_dir):
    a = circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0)
    b = circle_zone("Rim B", "CNSA", 180.0, -89.8, 10.0)
    at = _page_with_zones(monkeypatch, prepared_data_dir, [a, b])
    pairs = _table(at, "Overlap (km²)")
    d_km = distance_m(0.0, -89.7, 180.0, -89.8) / 1000
    assert pairs["Overlap (km²)"].iloc[0] == pytest.approx(lens_area_km2(10, 10, d_km), rel=2e-3)
    assert pairs["Conflict"].iloc[0] == "yes: different owners"
    assert any("1 conflict" in e.value for e in at.error)
    summary = [m.value for m in _plain(at.markdown) if "zones," in m.value]
    assert summary and "2 zones" in summary[0] and "1 conflict" in summary[0] and "Rim A × Rim B" in summary[0]


def test_exact_circle_from_a_site_with_a_built_in_rule_gets_the_rule_radius_and_source(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.selectbox(key="zc_centre").set_value("chandrayaan-3")
    at.selectbox(key="zc_rule").set_value("nasa-2011-descent-landing")
    at.text_input(key="zc_owner").set_value("ISRO")
    at.button(key="FormSubmitter:zone_circle_form-Add circle zone").click()
    at.run()
    zones = at.session_state[zs.K_ZONES]
    assert len(zones) == 1
    z = zones[0]
    assert (z.owner, z.radius_km, z.shape) == ("ISRO", 2.0, "circle")
    assert z.centre_lonlat == pytest.approx(load_sites()["chandrayaan-3"].lonlat)
    assert "NASA (20 July 2011)" in z.rule and "r = 2.0 km" in z.rule
    assert z.area_km2 == pytest.approx(cap_area_km2(2.0), rel=1e-3)


@pytest.mark.parametrize("radius, message", [
    (0.0, "radius"),
    (600.0, "500"),
])
def test_exact_circle_with_a_bad_radius_is_refused_with_the_reason(monkeypatch, tmp_path, radius, message):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.number_input(key="zc_radius").set_value(radius)
    at.button(key="FormSubmitter:zone_circle_form-Add circle zone").click()
    at.run()
    assert at.session_state[zs.K_ZONES] == []
    texts = [w.value for w in _plain(at.warning)]
    assert any("The circle zone was not added" in t and message in t for t in texts), texts


def test_exact_circle_without_radius_or_rule_asks_for_one(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.button(key="FormSubmitter:zone_circle_form-Add circle zone").click()
    at.run()
    assert any("give the radius in km, or choose a built-in sizing rule" in w.value for w in _plain(at.warning))


def test_exact_polygon_off_the_moon_and_bad_lines_are_refused(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_area(key="zp_vertices").set_value("0, -88\n90, -95\n180, -88")
    at.button(key="FormSubmitter:zone_polygon_form-Add polygon zone").click()
    at.run()
    assert any("The polygon zone was not added" in w.value and "latitude" in w.value for w in _plain(at.warning))
    at.text_area(key="zp_vertices").set_value("0, -88\nnorth")
    at.button(key="FormSubmitter:zone_polygon_form-Add polygon zone").click()
    at.run()
    assert any("line 2" in w.value for w in _plain(at.warning))
    assert at.session_state[zs.K_ZONES] == []


def test_self_intersecting_polygon_is_refused_then_its_repair_can_be_added(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_area(key="zp_vertices").set_value("0, -88\n90, -88\n0, -87\n90, -87")
    at.button(key="FormSubmitter:zone_polygon_form-Add polygon zone").click()
    at.run()
    assert at.session_state[zs.K_ZONES] == []
    assert any("crosses itself" in w.value and "nothing was changed" in w.value for w in _plain(at.warning))
    pending = at.session_state[zs.K_ZONE_REPAIR]
    (layer,) = repair_layers(pending["repaired"])          # what the map outlines while the repair is on offer
    drawn = sum(Polygon(r["polygon"]).area for r in layer["data"])
    assert drawn == pytest.approx(pending["repaired"].area, rel=1e-5) and layer["id"].startswith("zone-overlaps")
    at.button(key="zone_repair_accept").click()
    at.run()
    zones = at.session_state[zs.K_ZONES]
    assert len(zones) >= 1 and all("(repaired)" in z.rule for z in zones)
    assert sum(z.geometry_polar.area for z in zones) == pytest.approx(pending["repaired"].area, rel=1e-5)
    assert at.session_state[zs.K_ZONE_REPAIR] is None


def test_polygon_typed_as_lat_lon_is_caught_and_the_swap_adds_the_polar_zone(monkeypatch, tmp_path):
    """"-89.0, -10 / -89.5, -20 / -89.2, -30" was a 3,564 km2 zone at 10-30 S, 89 W, off the map."""
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_area(key="zp_vertices").set_value("-89.0, -10\n-89.5, -20\n-89.2, -30")
    at.button(key="FormSubmitter:zone_polygon_form-Add polygon zone").click()
    at.run()
    assert at.session_state[zs.K_ZONES] == []
    warning = " ".join(w.value for w in _plain(at.warning))
    assert "off the map, north of 40° S" in warning and "3,564" in warning and "Nothing was added" in warning
    pending = at.session_state[zs.K_ZONE_SWAP]
    assert pending["can_add_as_typed"] is True                             # a zone, off the map: the user decides
    captions = " ".join(c.value for c in at.caption)
    assert "As typed (longitude, latitude)" in captions and "Swapped (latitude, longitude)" in captions
    at.button(key="zone_swap_accept").click()
    at.run()
    (zone,) = at.session_state[zs.K_ZONES]
    assert zone.area_km2 == pytest.approx(pending["swapped"].area_km2, rel=1e-9) and zone.area_km2 < 100.0
    assert zone.geometry_polar.centroid.distance(Polygon([(0, 1), (1, 0), (0, -1)]).centroid) < 40_000  # by the pole
    assert at.session_state[zs.K_ZONE_SWAP] is None


def test_polar_zone_typed_as_lat_lon_on_the_map_can_be_confirmed_as_typed(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_area(key="zp_vertices").set_value("-89.0, -50\n-89.5, -45\n-89.2, -55")
    at.button(key="FormSubmitter:zone_polygon_form-Add polygon zone").click()
    at.run()
    assert at.session_state[zs.K_ZONES] == [] and at.session_state[zs.K_ZONE_SWAP]["can_add_as_typed"]
    at.button(key="zone_swap_as_typed").click()
    at.run()
    (zone,) = at.session_state[zs.K_ZONES]
    assert zone.area_km2 > 1_000.0           # as typed: about 1,087 km2 between 45 and 55 S


def test_circle_centre_typed_as_lat_lon_is_caught(monkeypatch, tmp_path):
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.number_input(key="zc_lon").set_value(-89.5)
    at.number_input(key="zc_lat").set_value(-10.0)
    at.number_input(key="zc_radius").set_value(5.0)
    at.button(key="FormSubmitter:zone_circle_form-Add circle zone").click()
    at.run()
    assert at.session_state[zs.K_ZONES] == []
    assert any("centre lies off the map" in w.value for w in _plain(at.warning))
    at.button(key="zone_swap_accept").click()
    at.run()
    (zone,) = at.session_state[zs.K_ZONES]
    assert zone.centre_lonlat == pytest.approx((-10.0, -89.5)) and zone.radius_km == 5.0


def test_saved_scenario_opens_from_its_link_in_another_session_and_unsaved_zones_stay_put(
        monkeypatch, tmp_path, scenario_store_in_tmp):
    a = circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0)
    at = _page_with_zones(monkeypatch, tmp_path, [a])
    at.text_input(key=zs.K_SCENARIO_NAME).set_value("Rim <b>plan</b>")
    at.button(key="scenario_save").click()
    at.run()
    saved = ScenarioStore(scenario_store_in_tmp).list()
    assert [(s.name, s.zone_count) for s in saved] == [("Rim <b>plan</b>", 1)]
    sid = saved[0].id
    assert at.query_params[zs.QUERY_KEY] == [sid] or at.query_params[zs.QUERY_KEY] == sid
    # a new session with the link sees the saved zones; one without it sees none
    other = run_page(monkeypatch, tmp_path, query={zs.QUERY_KEY: sid})
    assert [z.name for z in other.session_state[zs.K_ZONES]] == ["Rim A"]
    assert other.session_state[zs.K_ZONES][0].area_km2 == pytest.approx(a.area_km2, rel=1e-9)
    fresh = run_page(monkeypatch, tmp_path)
    assert fresh.session_state[zs.K_ZONES] == []


def test_a_link_to_a_missing_scenario_says_so_and_keeps_the_page(monkeypatch, tmp_path):
    at = run_page(monkeypatch, tmp_path, query={zs.QUERY_KEY: "nope"})
    assert any("could not be opened" in w.value and "no saved scenario has id 'nope'" in w.value for w in _plain(at.warning))


def test_rename_and_delete_a_saved_scenario(monkeypatch, tmp_path, scenario_store_in_tmp):
    store = ScenarioStore(scenario_store_in_tmp)
    sid = store.save("Old", [circle_zone("Z", "NASA", 0.0, -89.0, 5.0)])
    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_input(key="scenario_new_name").set_value("New")
    at.button(key="scenario_rename").click()
    at.run()
    assert store.info(sid).name == "New"
    at.checkbox(key="scenario_delete_confirm").check()
    at.run()
    at.button(key="scenario_delete").click()
    at.run()
    assert store.list() == []


# ----------------------------------------------------------------- callbacks, in Streamlit's bare mode
@pytest.fixture
def session():
    """A clean st.session_state (bare mode) with the zone defaults."""
    import streamlit as st

    for k in list(st.session_state.keys()):
        del st.session_state[k]
    zs.init_zone_state()
    yield st.session_state
    for k in list(st.session_state.keys()):
        del st.session_state[k]


def test_table_edits_apply_the_valid_rows_name_the_refused_and_start_a_fresh_editor(session):
    a, b = circle_zone("A", "NASA", 0.0, -89.0, 5.0), circle_zone("B", "NASA", 90.0, -89.0, 5.0)
    session[zs.K_ZONES] = [a, b]
    key = zone_tables.table_key()
    session[key] = {"edited_rows": {0: {"Start": "soon"}, 1: {"Owner": "CNSA", "Purpose": "base", "Radius (km)": 2.0}},
                    "deleted_rows": []}
    zone_tables.apply_table_edits()
    zones = session[zs.K_ZONES]
    assert [(z.owner, z.start, z.purpose) for z in zones] == [("NASA", None, ""), ("CNSA", None, "base")]
    assert (zones[1].id, zones[1].radius_km, zones[1].centre_lonlat) == (b.id, 2.0, b.centre_lonlat)
    assert zones[1].area_km2 == pytest.approx(cap_area_km2(2.0), rel=1e-3)
    assert "start date 'soon' is not a date" in zs.notice_text(session[zs.K_ZONE_NOTICE])
    assert zone_tables.table_key() != key            # the refused edit is not replayed by the next edit
    session[zone_tables.table_key()] = {"edited_rows": {}, "deleted_rows": [0]}
    zone_tables.apply_table_edits()
    assert [z.name for z in session[zs.K_ZONES]] == ["B"]
    zp._undo()
    assert [z.name for z in session[zs.K_ZONES]] == ["A", "B"]


def test_undo_after_opening_a_scenario_also_restores_which_scenario_is_open(session, scenario_store_in_tmp):
    from lunarmap_ui import scenario_panel

    mine = circle_zone("mine", "NASA", 0.0, -89.0, 5.0)
    sid = ScenarioStore(scenario_store_in_tmp).save("B", [circle_zone("b1", "CNSA", 0.0, -88.0, 5.0)])
    session[zs.K_ZONES] = [mine]
    scenario_panel.open_scenario(sid, replace_query=False)
    assert session[zs.K_SCENARIO]["id"] == sid and [z.name for z in session[zs.K_ZONES]] == ["b1"]
    zp._undo()
    assert session[zs.K_SCENARIO] is None and [z.name for z in session[zs.K_ZONES]] == ["mine"]


def test_a_drawing_with_the_owner_field_emptied_gets_the_default_owner(session):
    session[zs.K_NEW_OWNER] = "   "
    session[K_MAP_KEY] = {"draw": {"kind": "circle", "center": _xy(0.0, -90.0), "edge": _xy(0.0, -89.9), "seq": 3}}
    zp.on_draw()
    (zone,) = session[zs.K_ZONES]
    assert zone.owner == zs.DEFAULT_OWNER and session[zs.K_ACK] == 3


def test_a_refused_drawing_is_acknowledged_and_explained(session):
    session[K_MAP_KEY] = {"draw": {"kind": "polygon", "vertices": [_xy(0, -88), _xy(90, -88)], "seq": 7}}
    zp.on_draw()
    assert session[zs.K_ZONES] == [] and session[zs.K_ACK] == 7
    assert "at least 3 distinct vertices" in zs.notice_text(session[zs.K_ZONE_NOTICE])


def test_show_on_the_map_flies_to_the_zone_and_selects_it(monkeypatch, tmp_path):
    far = circle_zone("Far", "NASA", 120.0, -80.0, 30.0)
    at = _page_with_zones(monkeypatch, tmp_path, [circle_zone("Near", "NASA", 0.0, -89.0, 5.0), far])
    at.selectbox(key=zs.K_SHOW_ZONE).set_value(far.id)
    at.run()
    view = at.session_state["map_view"]
    assert view["target"][:2] == pytest.approx(_xy(120.0, -80.0), abs=50.0)   # the circle's centre, to 50 m
    assert view["nonce"] >= 1
    assert at.session_state[zs.K_SHOW_ZONE] == far.id


def test_scenario_name_taken_is_refused_then_numbered_when_asked_and_times_are_to_the_minute(
        monkeypatch, tmp_path, scenario_store_in_tmp):
    a = circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0)
    at = _page_with_zones(monkeypatch, tmp_path, [a])
    at.text_input(key=zs.K_SCENARIO_NAME).set_value("Rim plan")
    at.button(key="scenario_save").click()
    at.run()
    at.button(key="scenario_save_new").click()            # the same name again, as a new scenario
    at.run()
    assert any("already named 'Rim plan'" in w.value and "nothing was saved" in w.value for w in _plain(at.warning))
    at.checkbox(key="scenario_number_names").check()
    at.button(key="scenario_save_new").click()
    at.run()
    saved = ScenarioStore(scenario_store_in_tmp).list()
    assert sorted(s.name for s in saved) == ["Rim plan", "Rim plan (2)"]
    assert at.text_input(key=zs.K_SCENARIO_NAME).value == "Rim plan (2)"
    shown = at.selectbox(key="scenario_pick").options       # as the user reads them (formatted)
    assert len(shown) == 2 and all(re.search(r"saved \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text) for text in shown), shown


def test_scenario_link_with_damaged_rows_opens_the_good_zones_and_names_the_bad(monkeypatch, tmp_path,
                                                                                scenario_store_in_tmp):
    import sqlite3

    db = ScenarioStore(scenario_store_in_tmp)
    sid = db.save("edited in QGIS", [circle_zone("Good", "NASA", 0.0, -89.0, 5.0),
                                     circle_zone("Broken", "ESA", 90.0, -89.0, 5.0)])
    with sqlite3.connect(db.path) as con:
        con.execute("UPDATE zones SET geom=NULL WHERE name='Broken'")
    at = run_page(monkeypatch, tmp_path, query={zs.QUERY_KEY: sid})
    assert [z.name for z in at.session_state[zs.K_ZONES]] == ["Good"]
    assert any("1 damaged row(s) were left out" in w.value and "'Broken'" in w.value and "has no geometry" in w.value
               for w in _plain(at.warning))


def test_page_with_an_unreachable_team_database_loads_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNARMAP_SCENARIO_DB", "postgresql://team:pw@127.0.0.1:9/moon")   # nothing listens on 9
    at = _page_with_zones(monkeypatch, tmp_path, [circle_zone("A", "NASA", 0.0, -89.0, 5.0)])
    said = [w.value for w in _plain(at.warning) if "The scenario database cannot be read" in w.value]
    assert said and "cannot reach the scenario database postgresql://team@127.0.0.1:9/moon" in said[0]
    assert "check LUNARMAP_SCENARIO_DB" in said[0] and "pw" not in said[0].replace("postgresql", "")
    assert [z.name for z in at.session_state[zs.K_ZONES]] == ["A"]        # the zones in hand are kept
    at.text_input(key=zs.K_SCENARIO_NAME).set_value("plan")
    at.button(key="scenario_save").click()
    at.run()
    assert not at.exception
    assert any("The scenario was not saved" in w.value and "cannot reach" in w.value for w in _plain(at.warning))
    assert [z.name for z in at.session_state[zs.K_ZONES]] == ["A"]


def test_page_with_an_unwritable_scenario_database_loads_and_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNARMAP_SCENARIO_DB", "/proc/lunarmap-page-test.gpkg")
    at = _page_with_zones(monkeypatch, tmp_path, [circle_zone("A", "NASA", 0.0, -89.0, 5.0)])
    assert any("The scenario database cannot be read" in w.value and "writable file path" in w.value
               for w in _plain(at.warning))
    at.text_input(key=zs.K_SCENARIO_NAME).set_value("plan")
    at.button(key="scenario_save").click()
    at.run()
    assert not at.exception
    assert any("The scenario was not saved" in w.value for w in _plain(at.warning))


def test_own_sizing_rule_sizes_a_circle_and_changing_it_resizes_the_zone_with_undo(monkeypatch, tmp_path):
    from lunarmap.geodesy import cap_area_km2

    at = _page_with_zones(monkeypatch, tmp_path, [])
    at.text_input(key="zr_label").set_value("Rover buffer")
    at.number_input(key="zr_radius").set_value(0.5)
    at.text_input(key="zr_formula").set_value("r = 500 m either side of the track")
    at.text_input(key="zr_source").set_value("")                    # no source: refused, nothing added
    at.button(key="FormSubmitter:zone_rule_form-Add the rule").click()
    at.run()
    assert at.session_state[zs.K_RULES] == ()
    assert any("The sizing rule was not added" in w.value and "source is empty" in w.value for w in _plain(at.warning))
    at.text_input(key="zr_source").set_value("Mission plan v2, section 4")
    at.button(key="FormSubmitter:zone_rule_form-Add the rule").click()
    at.run()
    (rule,) = at.session_state[zs.K_RULES]
    # a circle at coordinates, sized by the new rule (radius left empty: the rule's)
    at.selectbox(key="zc_rule").set_value(rule.key)
    at.number_input(key="zc_lon").set_value(10.0)
    at.number_input(key="zc_lat").set_value(-89.0)
    at.button(key="FormSubmitter:zone_circle_form-Add circle zone").click()
    at.run()
    (zone,) = at.session_state[zs.K_ZONES]
    assert zone.rule_key == rule.key and zone.radius_km == 0.5 and "Mission plan v2" in zone.rule
    table = _table(at, "Zones sized by it")
    assert table.set_index("Rule").loc["Rover buffer", "Zones sized by it"] == 1
    # the rule changes: the zone follows
    at.selectbox(key="zr_change_key").set_value(rule.key)
    at.number_input(key="zr_change_radius").set_value(2.0)
    at.button(key="FormSubmitter:zone_rule_change_form-Change it and resize its zones").click()
    at.run()
    (resized,) = at.session_state[zs.K_ZONES]
    assert resized.id == zone.id and resized.radius_km == 2.0
    assert resized.area_km2 == pytest.approx(cap_area_km2(2.0), rel=1e-3)
    assert at.session_state[zs.K_RULES][0].radius_km == 2.0
    at.button(key="zones_undo_button").click()
    at.run()
    (back,) = at.session_state[zs.K_ZONES]
    assert back.radius_km == 0.5 and at.session_state[zs.K_RULES][0].radius_km == 0.5


def test_zone_files_are_made_with_the_zones_and_follow_them(tmp_path):
    """The download files are made when the zones change (not on click, where a deferred answer can be lost)."""
    import pyogrio

    from lunarmap.zones import zones_from_geojson
    from lunarmap_ui import scenario_panel as sp

    a = [circle_zone("Cap", "NASA", 0.0, -90.0, 10.0)]
    b = [*a, circle_zone("Rim", "CNSA", 0.0, -89.5, 10.0)]
    assert sp.files_key(a, "plan", ()) != sp.files_key(b, "plan", ())
    text_a = sp._geojson_text(sp.files_key(a, "plan", ()), a, "plan", ())
    assert [(z.name, z.owner) for z in zones_from_geojson(text_a.encode())] == [("Cap", "NASA")]
    text_b = sp._geojson_text(sp.files_key(b, "plan", ()), b, "plan", ())
    assert [z.name for z in zones_from_geojson(text_b.encode())] == ["Cap", "Rim"]
    path = tmp_path / "plan.gpkg"
    path.write_bytes(sp._gpkg_bytes(sp.files_key(b, "plan", ()), b, "plan", ()))
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert layers and len(pyogrio.read_dataframe(path, layer=layers[0])) == 2
