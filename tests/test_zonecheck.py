"""python -m lunarmap zones check: conflicts, sites inside and PSR area, from the command line."""

from __future__ import annotations

import json

import pytest

from lunarmap.cli import main
from lunarmap.geodesy import geodesic_circle
from lunarmap.zonecheck import check_zones, psr_measure
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
    # The mirror states about 9,691 km2 of PSR in the 60 m grid (map-plane area; the sphere's is a little less).
    assert doc["psr_total_km2"] == pytest.approx(9691, rel=0.01)
    assert pole["psr_share_of_all_psr"] == pytest.approx(pole["psr_km2"] / doc["psr_total_km2"], rel=1e-3)
    assert "ilrs" in pole["sites_inside"].split()


@pytest.mark.realdata
def test_zone_outside_psr_grid_reports_no_data_not_zero(prepared_data_dir):
    report = check_zones([circle_zone("far side", "CNSA", 177.5991, -45.4446, 5.0)], prepared_data_dir)
    (z,) = report.zones
    assert z.psr_km2 != z.psr_km2 and "no PSR data" in z.psr_note  # NaN, with the reason
    assert z.sites_inside == ("chang-e-4",)


def test_zones_check_without_prepared_data_still_runs_and_says_why(tmp_path, capsys):
    path = write_zones(tmp_path, two_zones())
    code = main(["zones", "check", str(path), "--data-dir", str(tmp_path / "empty")])
    out = capsys.readouterr().out
    assert code == 0 and "1 conflict (overlapping zones of different owners)" in out
    assert psr_measure(tmp_path / "empty")[0] is None


def test_zones_check_bad_input_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.geojson"
    bad.write_text("not json at all")
    assert main(["zones", "check", str(bad)]) == 2
    assert "is not GeoJSON: it does not parse as JSON" in capsys.readouterr().err
    assert main(["zones", "check", str(tmp_path / "missing.geojson")]) == 2
    assert "does not exist; give the path of a GeoJSON file of zones" in capsys.readouterr().err
