"""The command line: python -m lunarmap sites / distances."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from pyproj import Geod

from lunarmap.cli import main
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.sites import load_sites

from .conftest import PROJECT_ROOT

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_distances_json__geodesic_on_moon_sphere_as_python_m_lunarmap():
    proc = subprocess.run(
        [sys.executable, "-m", "lunarmap", "distances", "chang-e-4", "chang-e-6", "chandrayaan-3", "--format", "json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    doc = json.loads(proc.stdout)
    assert doc["units"] == "km" and "1,737,400 m" in doc["method"]
    pairs = {(p["from"], p["to"]): p["distance_km"] for p in doc["pairs"]}
    assert set(pairs) == {("chang-e-4", "chang-e-6"), ("chang-e-4", "chandrayaan-3"), ("chang-e-6", "chandrayaan-3")}
    catalog = load_sites()
    for (a, b), d_km in pairs.items():
        _, _, ref = GEOD.inv(*catalog[a].lonlat, *catalog[b].lonlat)
        assert d_km == pytest.approx(ref / 1000.0, abs=0.001)
    assert pairs[("chang-e-4", "chang-e-6")] == pytest.approx(632, abs=1)
    for sid, d_km in doc["to_pole_km"].items():
        _, _, ref = GEOD.inv(*catalog[sid].lonlat, 0.0, -90.0)
        assert d_km == pytest.approx(ref / 1000.0, abs=0.001)


def test_distances__region_measured_from_centroid_and_says_so(capsys):
    code, out, _ = run(capsys, "distances", "ilrs", "artemis-iii-haworth", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["from_centroid"] == ["ilrs", "artemis-iii-haworth"]
    assert doc["to_pole_km"]["ilrs"] == pytest.approx(0.0, abs=1e-3)
    code, out, _ = run(capsys, "distances", "ilrs", "chang-e-4")
    assert "Measured from the centroid (regions): ilrs." in out


def test_distances_csv_and_table(capsys):
    code, out, _ = run(capsys, "distances", "chang-e-4", "chang-e-6", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[0] == {"from": "chang-e-4", "to": "chang-e-6", "distance_km": "631.727"}
    assert {r["to"] for r in rows[1:]} == {"south-pole"}
    code, out, _ = run(capsys, "distances", "chang-e-4", "chang-e-6")
    assert "631.727" in out and "Method: great-circle" in out


def test_distances__unknown_id_exits_2_listing_known_ids(capsys):
    code, out, err = run(capsys, "distances", "chang-e-4", "chang-e-9")
    assert code == 2 and out == ""
    assert "error: unknown site id 'chang-e-9'; known ids: chang-e-4, chang-e-6, chandrayaan-3" in err


def test_sites_formats(capsys):
    code, out, _ = run(capsys, "sites", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["crs"] == "IAU_2015:30100" and len(doc["sites"]) == len(load_sites())
    code, out, _ = run(capsys, "sites", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["id"] == "chang-e-4" and float(rows[0]["lat_deg"]) == pytest.approx(-45.4446)
    code, out, _ = run(capsys, "sites")
    assert code == 0 and "chang-e-6" in out and "-153.985" in out


def test_bad_catalogue_path_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "--sites", str(tmp_path / "none.geojson"), "sites")
    assert code == 2 and "does not exist; check the path" in err
