"""lunarmap zones check: conflicts, sites inside and PSR area, from the command line (lunarmap/cli/zones.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lunarmap.cli import main
from lunarmap.geodesy import geodesic_circle
from lunarmap.zonecheck import check_zones, csv_text, psr_measure, report_rows
from lunarmap.zones import circle_zone, zones_to_geojson


def write_zones(tmp_path, zones):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(zones_to_geojson(zones)))
    return path


def two_zones():
    return [circle_zone("NASA pole", "NASA", 0.0, -90.0, 20.0), circle_zone("CNSA rim", "CNSA", 129.78, -89.67, 13.0)]


@pytest.mark.realdata
def test_zones_check_json_with_real_psr_data(tmp_path, capsys, prepared_data_dir):
    from lunarmap.psr import psr_area_in

    path = write_zones(tmp_path, two_zones())
    code = main(["zones", "check", str(path), "--format", "json", "--data-dir", str(prepared_data_dir)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["conflicts"] == 1
    (pair,) = doc["overlaps"]
    assert pair["conflict"] is True and pair["overlap_km2"] > 0
    pole = next(z for z in doc["zones"] if z["zone"] == "NASA pole")
    expected = psr_area_in(geodesic_circle(0.0, -90.0, 20.0), data_dir=prepared_data_dir).psr_area_km2
    assert pole["psr_km2"] == pytest.approx(expected, rel=1e-3) and pole["psr_km2"] > 0
    # All PSR in the data: the official outlines (20,782 km2 on the sphere; the catalogue's 20,996 km2 is map-plane)
    # plus the 60 m grid's PSR outside them (its PSRs under 5 km2; the grid holds about 9,691 km2 in all).
    assert 20_782 + 500 < doc["psr_total_km2"] < 20_782 + 9_691
    assert pole["psr_share_of_all_psr"] == pytest.approx(pole["psr_km2"] / doc["psr_total_km2"], rel=1e-3)
    assert "ilrs" in pole["sites_inside"].split()



def test_zones_check_without_prepared_data_still_runs_and_says_why(tmp_path, capsys):
    path = write_zones(tmp_path, two_zones())
    code = main(["zones", "check", str(path), "--data-dir", str(tmp_path / "empty")])
    out = capsys.readouterr().out
    assert code == 0 and "1 conflict (overlapping zones of different owners whose periods overlap)" in out
    assert psr_measure(tmp_path / "empty")[0] is None



def test_zones_check_bad_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.geojson"
    bad.write_text("not json at all")
    assert main(["zones", "check", str(bad)]) == 2
    assert "is not GeoJSON: it does not parse as JSON" in capsys.readouterr().err
    assert main(["zones", "check", str(tmp_path / "missing.geojson")]) == 2
    assert "does not exist; give the path of a GeoJSON file of zones" in capsys.readouterr().err



@pytest.mark.parametrize(("text", "message"), [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": "x", "geometry": '
     '{"type": "Polygon", "coordinates": [[[0, -80], [1, -80], [1, -81], [0, -80]]]}}]}',
     "feature #0 has 'properties' that are not an object"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Q", "owner": "A"}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[0, "a"], [1, -80], [1, -81], [0, -80]]]}}]}', "feature #0 ('Q')"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Q", "owner": "A"}, '
     '"geometry": {"type": "Polygon", "coordinates": [[[-89.2, 15.5], [-89.3, 15.5], [-89.3, 16], [-89.2, 15.5]]]}}]}',
     "latitude 16 is north of the equator"),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}, "features": []}',
     "is in EPSG:3857, not lunar lon/lat"),
    ('{"type": "FeatureCollection", "features": {"a": 1}}', "'features' is not a list"),
    ('[' * 100_000 + ']' * 100_000, "nested too deeply"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Q", "owner": "A", '
     '"shape": "circle", "radius_km": {"x": 1}}, "geometry": {"type": "Polygon", "coordinates": [[[0, -80], [1, -80], '
     '[1, -81], [0, -80]], [[0.2, -80.2], [0.3, -80.2], [0.3, -80.3], [0.2, -80.2]]]}}]}', "has 1 hole"),
])
def test_zones_check_on_odd_files_exits_2_with_the_reason(tmp_path, capsys, text, message):
    path = tmp_path / "odd.geojson"
    path.write_text(text)
    assert main(["zones", "check", str(path), "--data-dir", str(tmp_path / "empty")]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err + captured.out



def test_zones_check_reports_periods_and_disjoint_periods_are_no_conflict(tmp_path, capsys):
    zs = [circle_zone("A", "NASA", 0.0, -89.0, 5.0, start="2026-01-01", end="2026-12-31"),
          circle_zone("B", "CNSA", 0.0, -89.0, 5.0, start="2027-01-01"),
          circle_zone("C", "ESA", 0.0, -89.0, 5.0)]
    path = write_zones(tmp_path, zs)
    assert main(["zones", "check", str(path), "--format", "json", "--data-dir", str(tmp_path / "empty")]) == 0
    doc = json.loads(capsys.readouterr().out)
    pairs = {(p["zone_a"], p["zone_b"]): (p["periods_overlap"], p["conflict"]) for p in doc["overlaps"]}
    assert pairs == {("A", "B"): (False, False), ("A", "C"): (True, True), ("B", "C"): (True, True)}
    assert doc["conflicts"] == 2 and "periods" in doc["method"]
    assert main(["zones", "check", str(path), "--format", "csv", "--data-dir", str(tmp_path / "empty")]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["periods_overlap"] for r in rows if r["kind"] == "overlap"] == ["False", "True", "True"]



def test_csv_cells_that_look_like_formulas_are_written_as_text(tmp_path, capsys):
    evil = '=HYPERLINK("http://example.invalid","click")'
    zs = [circle_zone(evil, "+SUM(A1)", 0.0, -89.0, 5.0), circle_zone("@cmd", "-1+2", 0.0, -89.0, 5.0)]
    path = write_zones(tmp_path, zs)
    assert main(["zones", "check", str(path), "--format", "csv", "--data-dir", str(tmp_path / "empty")]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    zone_rows = [r for r in rows if r["kind"] == "zone"]
    assert [r["zone"] for r in zone_rows] == ["'" + evil, "'@cmd"]
    assert [r["owner"] for r in zone_rows] == ["'+SUM(A1)", "'-1+2"]
    (pair,) = [r for r in rows if r["kind"] == "overlap"]
    assert (pair["zone_a"], pair["zone_b"]) == ("'" + evil, "'@cmd")
    assert float(pair["overlap_km2"]) > 0 and not pair["overlap_km2"].startswith("'")
    # JSON and the rows themselves keep the text as entered.
    zone_rows, _ = report_rows(check_zones(zs, tmp_path / "empty"))
    assert zone_rows[0]["zone"] == evil
    assert next(csv.DictReader(io.StringIO(csv_text(zone_rows, []))))["zone"] == "'" + evil



def test_zones_check_on_a_folder_or_an_unreadable_file_exits_2_saying_so(tmp_path, capsys):
    assert main(["zones", "check", str(tmp_path)]) == 2
    assert "is a folder, not a zone file" in capsys.readouterr().err
    # /proc/self/mem is a file that no process can read as a whole (even root): a read error, not a traceback.
    assert main(["zones", "check", "/proc/self/mem"]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "check its permissions" in err and "Traceback" not in err

