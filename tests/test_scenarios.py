"""lunarmap.scenarios: scenarios saved in a GeoPackage, atomically, readable by GDAL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import geopandas as gpd
import pyogrio
import pytest

from lunarmap.crs import lunar_crs_code
from lunarmap.errors import ScenarioError
from lunarmap.scenarios import ScenarioStore, default_store_path, scenario_from_gpkg_bytes, scenario_gpkg_bytes
from lunarmap.zones import circle_zone, polygon_zone

from .conftest import PROJECT_ROOT


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(tmp_path / "scenarios.gpkg")


def zones():
    return [
        circle_zone("Shackleton rim", "CNSA", 129.78, -89.67, 13.0, purpose="station", start="2026-08-01", end="2030-12-31",
                    rule="descent/landing boundary"),
        polygon_zone("Haworth", "NASA", [(-20, -87), (-30, -87), (-30, -86.5), (-20, -86.5)]),
    ]


def test_save_list_load_rename_delete(store):
    original = zones()
    sid = store.save("Pole 2030", original)
    (info,) = store.list()
    assert (info.id, info.name, info.zone_count) == (sid, "Pole 2030", 2)
    loaded = store.load(sid)
    assert [z.name for z in loaded] == ["Shackleton rim", "Haworth"]
    for a, b in zip(original, loaded, strict=True):
        assert b.geometry_polar.equals_exact(a.geometry_polar, 1e-9)
        assert (b.owner, b.purpose, b.start, b.end, b.rule, b.shape, b.radius_km, b.centre_lonlat) == (
            a.owner, a.purpose, a.start, a.end, a.rule, a.shape, a.radius_km, a.centre_lonlat)
    store.rename(sid, "Pole 2031")
    assert store.info(sid).name == "Pole 2031"
    store.save("Pole 2031", loaded[:1], scenario_id=sid)
    assert store.info(sid).zone_count == 1
    store.delete(sid)
    assert store.list() == []


def test_saved_in_one_store_object_opens_in_another(tmp_path):
    sid = ScenarioStore(tmp_path / "s.gpkg").save("shared", zones())
    assert len(ScenarioStore(tmp_path / "s.gpkg").load(sid)) == 2


def test_database_is_a_geopackage_gdal_reads_as_lunar(store):
    store.save("a", zones())
    layers = dict(pyogrio.list_layers(store.path))
    assert layers["zones"] == "Polygon" and "scenarios" in layers
    frame = gpd.read_file(store.path, layer="zones")
    assert lunar_crs_code(frame.crs) == "IAU_2015:30135"
    assert len(frame) == 2 and frame.geometry.is_valid.all()


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


def test_default_path_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LUNARMAP_SCENARIO_DB", str(tmp_path / "x.gpkg"))
    assert default_store_path() == tmp_path / "x.gpkg"


_SLOW_SAVE = """
import sys
from lunarmap.scenarios import ScenarioStore
from lunarmap.zones import circle_zone
store = ScenarioStore(sys.argv[1])
zs = [circle_zone(f"z{i}", "ESA", 10.0 * i, -88.0, 5.0) for i in range(30)]
print("saving", flush=True)
store.save("replacement", zs, scenario_id=sys.argv[2])
"""


def test_save_killed_midway_leaves_previous_scenario_intact(store):
    sid = store.save("before", zones())
    env = dict(os.environ, LUNARMAP_TEST_SLOW_SAVE="0.05", PYTHONPATH=str(PROJECT_ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_SAVE, str(store.path), sid], env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "saving"
    time.sleep(0.6)  # a dozen rows into the transaction
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    after = ScenarioStore(store.path)
    assert after.info(sid).name == "before"
    assert [z.name for z in after.load(sid)] == ["Shackleton rim", "Haworth"]


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
