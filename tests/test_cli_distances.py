"""lunarmap distances: geodesic distances between sites and to the pole (lunarmap/cli/distances.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lunarmap.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


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

