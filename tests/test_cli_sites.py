"""lunarmap sites: the site catalogue as a table, JSON or CSV (lunarmap/cli/sites.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lunarmap.cli import main
from lunarmap.sites import load_sites


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sites_formats(capsys):
    code, out, _ = run(capsys, "sites", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["crs"] == "IAU_2015:30100" and len(doc["sites"]) == len(load_sites())
    code, out, _ = run(capsys, "sites", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["id"] == "chang-e-4" and float(rows[0]["lat_deg"]) == pytest.approx(-45.4446)
    code, out, _ = run(capsys, "sites")
    assert code == 0 and "chang-e-6" in out and "-153.985" in out

