"""lunarmap.scenarios: scenarios saved in a GeoPackage, atomically, readable by GDAL."""

from __future__ import annotations

import logging
import re
import sqlite3
import threading

import geopandas as gpd
import pyogrio
import pytest

from lunarmap.crs import lunar_crs_code
from lunarmap.errors import ScenarioError
from lunarmap.scenario_files import scenario_from_gpkg_bytes, scenario_gpkg_bytes
from lunarmap.scenarios import ScenarioStore, default_store_path, format_saved
from lunarmap.zones import circle_zone

from .test_scenario_stores import zones


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(tmp_path / "scenarios.gpkg")


def test_database_is_a_geopackage_gdal_reads_as_lunar(store):
    store.save("a", zones())
    layers = dict(pyogrio.list_layers(store.path))
    assert layers["zones"] == "Polygon" and "scenarios" in layers
    frame = gpd.read_file(store.path, layer="zones")
    assert lunar_crs_code(frame.crs) == "IAU_2015:30135"
    assert len(frame) == 2 and frame.geometry.is_valid.all()


def test_default_path_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNARMAP_SCENARIO_DB", str(tmp_path / "x.gpkg"))
    assert default_store_path() == tmp_path / "x.gpkg"


def test_one_scenario_as_geopackage_bytes_round_trips_and_gdal_reads_it(tmp_path):
    original = zones()
    data = scenario_gpkg_bytes("Export <test>", original)
    path = tmp_path / "export.gpkg"
    path.write_bytes(data)
    gdf = gpd.read_file(path, layer="zones", engine="pyogrio")
    assert lunar_crs_code(gdf.crs) == "IAU_2015:30135" and list(gdf["name"]) == ["Shackleton rim", "Haworth"]
    name, back = scenario_from_gpkg_bytes(data)
    assert name == "Export <test>"
    for a, b in zip(back, original, strict=True):
        assert (a.id, a.name, a.owner, a.purpose, a.start, a.end, a.rule, a.shape, a.radius_km) == \
               (b.id, b.name, b.owner, b.purpose, b.start, b.end, b.rule, b.shape, b.radius_km)
        assert a.geometry_polar.equals_exact(b.geometry_polar, 1e-9)


@pytest.mark.parametrize("payload, message", [
    (b'{"type": "FeatureCollection"}', "is not a GeoPackage (it is not an SQLite database)"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "is not a readable GeoPackage"),
    (b"SQLite format 3\x00" + b"\x00" * (10 * 1024 * 1024), "scenario files are limited to 10 MB"),
])
def test_geopackage_import_refusals(payload, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        scenario_from_gpkg_bytes(payload, "'up.gpkg'")


def test_geopackage_without_scenario_tables_is_refused(tmp_path):
    path = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[circle_zone("z", "o", 0, -89, 1).geometry_polar],
                     crs="IAU_2015:30135").to_file(path, driver="GPKG", engine="pyogrio")
    with pytest.raises(ScenarioError, match="without lunarmap scenario tables"):
        scenario_from_gpkg_bytes(path.read_bytes(), "'other.gpkg'")


# --- concurrent sessions ---------------------------------------------------------------------------


def test_old_second_resolution_stamps_are_kept_as_stored(store):
    sid = store.save("a", zones())
    with sqlite3.connect(store.path) as con:
        con.execute("UPDATE scenarios SET saved_utc='2025-01-02T03:04:05Z'")
    assert store.info(sid).saved_utc == "2025-01-02T03:04:05Z"
    store.save("a", zones(), scenario_id=sid, expect_saved_utc="2025-01-02T03:04:05Z")


def test_creating_the_database_never_replaces_an_existing_one(tmp_path):
    path = tmp_path / "s.gpkg"
    barrier = threading.Barrier(4)
    stores, errors = [], []

    def open_store():
        barrier.wait()
        try:
            stores.append(ScenarioStore(path))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(stores) == 4
    sid = stores[0].save("kept", zones())
    stores[1]._create()                      # a late creator finds the file there and keeps it
    assert [s.name for s in ScenarioStore(path).list()] == ["kept"]
    assert len(stores[2].load(sid)) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["s.gpkg"]  # no temporary files left behind


# --- GeoPackage import checks each zone -----------------------------------------------------------


def _tamper(data: bytes, tmp_path, sql: str, *params) -> bytes:
    path = tmp_path / "t.gpkg"
    path.write_bytes(data)
    with sqlite3.connect(path) as con:
        con.execute(sql, params)
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize(("sql", "params", "message"), [
    ("UPDATE zones SET owner=NULL WHERE name='Haworth'", (),
     r"'up\.gpkg': zone 'Haworth' of scenario 'S' cannot be imported \(zone 'Haworth': owner is empty"),
    ("UPDATE zones SET geom=NULL WHERE name='Haworth'", (),
     r"'up\.gpkg': zone 'Haworth' of scenario 'S' has no geometry; draw it again or remove it in the source\."),
    ("UPDATE zones SET geom=? WHERE name='Haworth'", (b"GP\x00\x01garbage",),
     r"'up\.gpkg': zone 'Haworth' of scenario 'S' cannot be imported \("),
    ("UPDATE zones SET geom=? WHERE name='Haworth'", ("multi",),
     r"zone 'Haworth' of scenario 'S' is a MultiPolygon, not one polygon; lunarmap zones are single polygons"),
    ("UPDATE zones SET geom=? WHERE name='Haworth'", ("hole",),
     r"zone 'Haworth' of scenario 'S' has 1 hole; lunarmap zones are single outlines"),
    ("UPDATE zones SET geom=? WHERE name='Haworth'", ("bowtie",),
     r"zone 'Haworth' of scenario 'S' cannot be imported \(zone 'Haworth': the polygon crosses itself"),
    ("UPDATE zones SET start='soon' WHERE name='Haworth'", (),
     r"zone 'Haworth' of scenario 'S' cannot be imported \(zone 'Haworth': start date 'soon' is not a date"),
])
def test_damaged_geopackage_zones_are_refused_naming_the_zone(tmp_path, sql, params, message):
    import shapely

    from lunarmap.scenario_rows import gpkg_blob

    shapes = {
        "multi": shapely.MultiPolygon([shapely.box(0, 0, 1000, 1000), shapely.box(2000, 0, 3000, 1000)]),
        "hole": shapely.box(0, 0, 10_000, 10_000).difference(shapely.box(2000, 2000, 3000, 3000)),
        "bowtie": shapely.Polygon([(0, 0), (10_000, 10_000), (10_000, 0), (0, 10_000)]),
    }
    params = tuple(gpkg_blob(shapes[p]) if p in shapes else p for p in params)
    data = _tamper(scenario_gpkg_bytes("S", zones()), tmp_path, sql, *params)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_gpkg_bytes(data, "'up.gpkg'")


def test_geopackage_circle_columns_are_kept_only_when_they_match(tmp_path):
    data = _tamper(scenario_gpkg_bytes("S", zones()), tmp_path,
                   "UPDATE zones SET radius_km=99 WHERE name='Shackleton rim'")
    circle, polygon = scenario_from_gpkg_bytes(data)[1]
    assert (circle.shape, circle.radius_km, circle.centre_lonlat) == ("polygon", None, None)
    assert scenario_from_gpkg_bytes(scenario_gpkg_bytes("S", zones()))[1][0].radius_km == 13.0


def test_geopackage_with_save_as_new_copies_gets_unique_zone_ids(tmp_path):
    path = tmp_path / "two.gpkg"
    st = ScenarioStore(path)
    original = zones()
    st.save("first", original)
    st.save("copy", original)  # "Save as new": same zone ids in another scenario
    name, back = scenario_from_gpkg_bytes(path.read_bytes())
    assert len(back) == 4 and len({z.id for z in back}) == 4
    assert [z.id for z in back[:2]] == [z.id for z in original]  # the first keeps its ids


def test_format_saved__to_the_minute_in_the_users_time_zone():
    assert format_saved("2026-07-01T23:59:59.999999Z", "America/New_York") == "2026-07-01 19:59 EDT"
    assert format_saved("2026-12-03T08:41:07.123456Z", "Not/A_Zone") == "2026-12-03 08:41 UTC"


def test_load_checked__damaged_rows_edited_in_qgis_are_named_and_the_rest_load(tmp_path, caplog):
    """NULL or garbage geometry, NULL owner or name, a text radius, a Point: each named, none crashes the load."""
    import sqlite3

    import shapely

    db = ScenarioStore(tmp_path / "s.gpkg")
    good = [circle_zone(f"Z{i}", "NASA", 20.0 * i, -89.0, 5.0) for i in range(7)]
    sid = db.save("damaged", good)
    point_blob = bytes(db_blob(shapely.Point(1000.0, 2000.0)))
    with sqlite3.connect(db.path) as con:
        con.execute("UPDATE zones SET geom=NULL WHERE name='Z1'")
        con.execute("UPDATE zones SET geom=? WHERE name='Z2'", (b"not a geometry",))
        con.execute("UPDATE zones SET owner=NULL WHERE name='Z3'")
        con.execute("UPDATE zones SET name=NULL WHERE name='Z4'")
        con.execute("UPDATE zones SET radius_km='wide', shape='circle' WHERE name='Z5'")
        con.execute("UPDATE zones SET geom=? WHERE name='Z6'", (point_blob,))
    with caplog.at_level(logging.WARNING, logger="lunarmap.scenarios"):
        zones, problems = db.load_checked(sid)
    assert len([r for r in caplog.records if "damaged zone row is left out" in r.getMessage()
                and isinstance(r.exc_info[1], ScenarioError)]) == 5, "each row left out is logged with its error"
    names = [z.name for z in zones]
    assert "Z0" in names and "Z5" in names                  # a text radius: loaded as a polygon of the same shape
    assert next(z for z in zones if z.name == "Z5").shape == "polygon"
    assert len(problems) == 5, problems
    assert any("'Z1'" in p and "has no geometry" in p for p in problems)
    assert any("'Z2'" in p and "cannot be imported" in p for p in problems)
    assert any("'Z3'" in p and "owner is empty" in p for p in problems)
    assert any("'#4'" in p and "name is empty" in p for p in problems)
    assert any("'Z6'" in p and "a Point, not one polygon" in p for p in problems)
    with pytest.raises(ScenarioError, match="5 damaged zone row"):
        db.load(sid)


def db_blob(geom):
    from lunarmap.scenario_rows import gpkg_blob

    return gpkg_blob(geom)


def test_store_in_a_folder_that_cannot_be_written__is_refused_with_the_fix(tmp_path):
    # /proc accepts no new files even for root: the GeoPackage driver fails there; the refusal names the fix.
    with pytest.raises(ScenarioError, match=r"cannot create the scenario database '/proc/lunarmap-test\.gpkg'.*"
                                            r"set LUNARMAP_SCENARIO_DB to a writable file path"):
        ScenarioStore("/proc/lunarmap-test.gpkg")
