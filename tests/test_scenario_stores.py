"""The scenario stores' shared contract, run against both: the embedded GeoPackage and the team's PostGIS.

The PostGIS store runs against a real throwaway PostgreSQL + PostGIS server
(tests/postgis_cluster.py; ``.ci/run`` installs Debian's packages). Tests that
only one store can have (GeoPackage files, the SQL views) follow the shared ones.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import numpy as np
import psycopg
import pytest
import shapely

from lunarmap.errors import ScenarioError
from lunarmap.geodesy import area_km2
from lunarmap.scenarios import ScenarioStore, open_store
from lunarmap.scenarios_postgis import LONLAT_SRID, POLAR_SRID, PostgisScenarioStore, redacted_url
from lunarmap.zones import analyse_zones, circle_zone, polygon_zone, with_attributes

from .conftest import PROJECT_ROOT


@pytest.fixture(params=["geopackage", "postgis"])
def store_location(request, tmp_path) -> str:
    """Where a store lives: a GeoPackage path, or a PostGIS database emptied for the test."""
    if request.param == "geopackage":
        return str(tmp_path / "scenarios.gpkg")
    return request.getfixturevalue("empty_postgis")


@pytest.fixture
def store(store_location):
    return open_store(store_location)


def zones():
    return [
        circle_zone("Shackleton rim", "CNSA", 129.78, -89.67, 13.0, purpose="station", start="2026-08-01", end="2030-12-31",
                    rule="descent/landing boundary"),
        polygon_zone("Haworth", "NASA", [(-20, -87), (-30, -87), (-30, -86.5), (-20, -86.5)]),
    ]


def test_open_store__a_postgresql_address_opens_the_team_store_and_a_path_the_geopackage(store_location):
    expected = PostgisScenarioStore if store_location.startswith("postgresql://") else ScenarioStore
    assert type(open_store(store_location)) is expected


def test_save_list_load_rename_delete(store):
    original = zones()
    sid = store.save("Pole 2030", original)
    (info,) = store.list()
    assert (info.id, info.name, info.zone_count) == (sid, "Pole 2030", 2)
    loaded = store.load(sid)
    assert [z.name for z in loaded] == ["Shackleton rim", "Haworth"]
    for a, b in zip(original, loaded, strict=True):
        assert b.geometry_polar.equals_exact(a.geometry_polar, 1e-9)
        assert (b.id, b.owner, b.purpose, b.start, b.end, b.rule, b.shape, b.radius_km, b.centre_lonlat) == (
            a.id, a.owner, a.purpose, a.start, a.end, a.rule, a.shape, a.radius_km, a.centre_lonlat)
    store.rename(sid, "Pole 2031")
    assert store.info(sid).name == "Pole 2031"
    store.save("Pole 2031", loaded[:1], scenario_id=sid)
    assert store.info(sid).zone_count == 1
    store.delete(sid)
    assert store.list() == []


def test_saved_in_one_store_object_opens_in_another(store_location):
    sid = open_store(store_location).save("shared", zones())
    assert len(open_store(store_location).load(sid)) == 2


def test_zones_at_the_pole_and_across_the_180_meridian_round_trip(store):
    awkward = [circle_zone("On the pole", "ESA", 0.0, -90.0, 20.0),
               polygon_zone("Across 180", "JAXA", [(175, -85), (-175, -85), (-175, -84), (175, -84)])]
    sid = store.save("awkward", awkward)
    back = store.load(sid)
    for a, b in zip(awkward, back, strict=True):
        assert b.geometry_polar.equals_exact(a.geometry_polar, 1e-9)
        assert b.area_km2 == pytest.approx(a.area_km2, rel=1e-12)


def test_refusals(store):
    with pytest.raises(ScenarioError, match=r"a scenario needs a name; type one before saving\."):
        store.save("  ", zones())
    with pytest.raises(ScenarioError, match=r"no saved scenario has id 'nope'; pick one from the list of saved scenarios\."):
        store.load("nope")
    with pytest.raises(ScenarioError, match=r"no saved scenario has id 'nope'; save it as a new scenario instead\."):
        store.save("x", zones(), scenario_id="nope")
    sid = store.save("x", zones())
    with pytest.raises(ScenarioError, match=r"the new scenario name is empty; type a name\."):
        store.rename(sid, "")
    assert [s.name for s in store.list()] == ["x"]


_SLOW_SAVE = """
import sys
from lunarmap.scenarios import open_store
from lunarmap.zones import circle_zone
store = open_store(sys.argv[1])
zs = [circle_zone(f"z{i}", "ESA", 10.0 * i, -88.0, 5.0) for i in range(30)]
print("saving", flush=True)
store.save("replacement", zs, scenario_id=sys.argv[2])
"""


def test_save_killed_midway_leaves_previous_scenario_intact(store, store_location):
    sid = store.save("before", zones())
    env = dict(os.environ, LUNARMAP_TEST_SLOW_SAVE="0.05", PYTHONPATH=str(PROJECT_ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, store_location, sid], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "saving"
    for _ in range(12):                              # a dozen rows into the transaction
        assert proc.stdout.readline().strip() == "row"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    after = open_store(store_location)
    assert after.info(sid).name == "before"
    assert [z.name for z in after.load(sid)] == ["Shackleton rim", "Haworth"]


def test_second_session_saving_over_a_newer_save_is_refused(store):
    sid = store.save("Pole", zones())
    opened = store.info(sid).saved_utc            # both sessions open the scenario
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", opened)
    first = [with_attributes(zones()[0], owner="ESA")]
    store.save("Pole", first, scenario_id=sid, expect_saved_utc=opened)
    assert store.info(sid).saved_utc != opened
    with pytest.raises(ScenarioError, match=r"the scenario 'Pole' was changed in another session at \S+ \(after you "
                                            r"opened it\); nothing was saved\. Use Save as new, or open it again to "
                                            r"see the other changes\."):
        store.save("Pole", zones(), scenario_id=sid, expect_saved_utc=opened)
    assert [(z.name, z.owner) for z in store.load(sid)] == [("Shackleton rim", "ESA")]
    # With the new stamp (after opening it again) the save goes through; without one it is not checked.
    store.save("Pole", zones(), scenario_id=sid, expect_saved_utc=store.info(sid).saved_utc)
    assert store.info(sid).zone_count == 2
    store.save("Pole", first, scenario_id=sid)
    assert store.info(sid).zone_count == 1


def test_every_save_gets_a_new_stamp(store):
    sid = store.save("a", zones())
    stamps = {store.info(sid).saved_utc}
    for _ in range(20):
        store.save("a", zones(), scenario_id=sid)
        stamps.add(store.info(sid).saved_utc)
    assert len(stamps) == 21


def test_save__a_taken_name_is_refused_or_numbered_as_asked(store):
    zone = circle_zone("A", "NASA", 0.0, -89.5, 5.0)
    first = store.save("Rim plan", [zone])
    with pytest.raises(ScenarioError, match=r"already named 'rim PLAN '|already named 'rim PLAN'"):
        store.save("rim PLAN ", [zone])
    second = store.save("rim PLAN", [zone], number_if_taken=True)
    third = store.save("Rim plan", [zone], number_if_taken=True)
    assert [store.info(i).name for i in (first, second, third)] == ["Rim plan", "rim PLAN (2)", "Rim plan (3)"]
    assert store.save("Rim plan", [zone], scenario_id=first) == first          # its own name is not "taken"
    with pytest.raises(ScenarioError, match="already named"):
        store.rename(second, "RIM plan")
    assert store.rename(second, "Rim plan", number_if_taken=True) == "Rim plan (2)"
    assert len({s.name.casefold() for s in store.list()}) == len(store.list())


def test_sizing_rules_of_a_scenario_round_trip(store):
    from lunarmap.sizing_rules import make_rule

    rule = make_rule("Rover buffer", 2.5, "r = 500 m either side of the track", "Mission plan v2, section 4",
                     "https://example.org/plan")
    sid = store.save("with a rule", zones(), rules=[rule])
    assert store.rules(sid) == (rule,)


# --- PostGIS: what a team queries in SQL ----------------------------------------------------------


def _crossing_zones():
    """Five zones at Shackleton, of three owners, overlapping in pairs (one pair never at the same time)."""
    return [
        circle_zone("CN rim", "CNSA", 129.78, -89.67, 13.0, start="2027-01-01", end="2030-12-31"),
        circle_zone("US rim", "NASA", 150.0, -89.5, 10.0, start="2028-01-01"),
        circle_zone("US pole", " nasa ", 0.0, -90.0, 15.0),
        polygon_zone("ESA ridge", "ESA", [(170, -89.0), (-170, -89.0), (-170, -88.5), (170, -88.5)],
                     start="2031-01-01", end="2032-01-01"),
        circle_zone("CN pole", "CNSA", 180.0, -89.3, 12.0, end="2026-12-31"),
    ]


def test_postgis_registers_the_lunar_crs_from_pyproj_and_stores_true_geometry(empty_postgis):
    store = PostgisScenarioStore(empty_postgis)
    store.save("s", zones())
    with psycopg.connect(empty_postgis) as con:
        srs = dict(con.execute("SELECT srid, auth_name || ':' || auth_srid FROM spatial_ref_sys WHERE srid IN (%s, %s)",
                               (POLAR_SRID, LONLAT_SRID)).fetchall())
        assert srs == {POLAR_SRID: "IAU_2015:30135", LONLAT_SRID: "IAU_2015:30100"}
        assert con.execute("SELECT Find_SRID('lunarmap', 'zones', 'geom')").fetchone()[0] == POLAR_SRID
        # PostGIS's own transform to lon/lat on the Moon sphere lands the circle's centre where it was drawn.
        lon, lat = con.execute(
            f"SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(geom), {LONLAT_SRID}) c "
            "FROM lunarmap.zones WHERE name = 'Shackleton rim') q").fetchone()
    assert (lon, lat) == pytest.approx((129.78, -89.67), abs=2e-3)


def test_postgis_zone_areas_equal_the_librarys_to_a_tenth_of_a_percent(empty_postgis):
    store = PostgisScenarioStore(empty_postgis)
    drawn = _crossing_zones()
    sid = store.save("areas", drawn)
    with psycopg.connect(empty_postgis) as con:
        got = dict(con.execute("SELECT name, area_km2 FROM lunarmap.zone_areas WHERE scenario_id = %s",
                               (sid,)).fetchall())
    for z in drawn:
        assert got[z.name] == pytest.approx(z.area_km2, rel=1e-3), z.name
    # and a cap against its analytic area: 2 pi R^2 (1 - cos(r/R)), R = 1,737.4 km
    r_km, R_km = 15.0, 1737.4
    assert got["US pole"] == pytest.approx(2 * np.pi * R_km**2 * (1 - np.cos(r_km / R_km)), rel=1e-3)


def test_postgis_conflict_view_matches_the_librarys_conflict_analysis(empty_postgis):
    store = PostgisScenarioStore(empty_postgis)
    drawn = _crossing_zones()
    sid = store.save("conflicts", drawn)
    with psycopg.connect(empty_postgis) as con:
        rows = con.execute("SELECT zone_a, zone_b, overlap_km2, periods_overlap, conflict FROM lunarmap.zone_conflicts "
                           "WHERE scenario_id = %s", (sid,)).fetchall()
    sql = {frozenset((a, b)): (km2, periods, conflict) for a, b, km2, periods, conflict in rows}
    report = analyse_zones(drawn)
    lib = {frozenset((p.a, p.b)): (p.overlap_km2, p.periods_overlap, p.conflict) for p in report.pairs}
    assert set(sql) == set(lib) and len(lib) >= 4
    for key, (km2, periods, conflict) in lib.items():
        assert sql[key][0] == pytest.approx(km2, rel=1e-3)
        assert sql[key][1:] == (periods, conflict)
    assert any(not c for _, _, c in lib.values()) and any(c for _, _, c in lib.values())


def test_postgis_zones_edited_in_sql_are_checked_on_load_and_named(empty_postgis):
    store = PostgisScenarioStore(empty_postgis)
    sid = store.save("edited", [circle_zone(f"Z{i}", "NASA", 30.0 * i, -89.0, 5.0) for i in range(3)])
    hole = shapely.box(0, 0, 10_000, 10_000).difference(shapely.box(2000, 2000, 3000, 3000))
    with psycopg.connect(empty_postgis) as con:
        con.execute("UPDATE lunarmap.zones SET owner = NULL WHERE name = 'Z1'")
        con.execute(f"UPDATE lunarmap.zones SET geom = ST_GeomFromWKB(%s, {POLAR_SRID}) WHERE name = 'Z2'",
                    (shapely.to_wkb(hole),))
    loaded, problems = store.load_checked(sid)
    assert [z.name for z in loaded] == ["Z0"]
    assert any("'Z1'" in p and "owner is empty" in p for p in problems)
    assert any("'Z2'" in p and "has 1 hole" in p for p in problems)


def test_postgis_unreachable_server_is_a_clear_error_without_the_password():
    with pytest.raises(ScenarioError) as err:
        PostgisScenarioStore("postgresql://ann:s3cret@127.0.0.1:9/moon", connect_timeout_s=2)
    text = str(err.value)
    assert text.startswith("cannot reach the scenario database postgresql://ann@127.0.0.1:9/moon (")
    assert "check LUNARMAP_SCENARIO_DB (postgresql://user@host:port/database) and that the server is running" in text
    assert "s3cret" not in text


def test_redacted_url_never_shows_a_password():
    assert redacted_url("postgresql://u:pw@h:5/db") == "postgresql://u@h:5/db"
    assert "pw" not in redacted_url("postgres://u:pw@h/db?sslmode=require")


def test_postgis_area_of_a_large_zone_at_the_180_meridian_matches_the_library(empty_postgis):
    store = PostgisScenarioStore(empty_postgis)
    wide = polygon_zone("wide", "ISRO", [(150, -80), (-150, -80), (-150, -70), (150, -70)])
    sid = store.save("wide", [wide])
    with psycopg.connect(empty_postgis) as con:
        (got,) = con.execute("SELECT area_km2 FROM lunarmap.zone_areas WHERE scenario_id = %s", (sid,)).fetchone()
    assert got == pytest.approx(float(area_km2(wide.geometry_polar)), rel=1e-3)
