"""lunarmap measure: legs of a polyline from the command line (lunarmap/cli/measure.py)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from pyproj import Geod

from lunarmap.cli import main

GEOD = Geod(a=1_737_400.0, b=1_737_400.0)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_measure__three_legs_across_the_pole_and_180_total_equals_pyproj(capsys):
    pts = [(0.0, -89.0), (180.0, -89.0), (-179.0, -88.0), (170.0, -87.5)]
    code, out, _ = run(capsys, "measure", "--format", "json", "--", *(f"{lo},{la}" for lo, la in pts))
    doc = json.loads(out)
    lon, lat = np.array(pts).T
    ref = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    assert code == 0 and len(doc["legs"]) == 3
    assert [leg["length_m"] for leg in doc["legs"]] == pytest.approx(list(ref), abs=1e-3)
    assert doc["total_m"] == pytest.approx(float(ref.sum()), abs=1e-3)


def test_measure__table_and_csv(capsys):
    code, out, _ = run(capsys, "measure", "0,-89", "90,-89")
    ref = GEOD.inv(0.0, -89.0, 90.0, -89.0)[2]
    assert code == 0 and out.splitlines()[0].startswith("leg") and f"{ref / 1000:.3f}" in out
    assert "Total" in out and "clockwise from north" in out
    code, out, _ = run(capsys, "measure", "0,-89", "90,-89", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and float(rows[0]["length_m"]) == pytest.approx(ref, abs=1e-3)


@pytest.mark.parametrize(("argv", "message"), [
    (["measure", "0,-89"], r"error: measure: needs at least 2 points \(got 1\)"),
    (["measure", "0,-89", "abc"], r"error: point 2 'abc' is not LON,LAT; give two numbers"),
    (["measure", "0,-89", "1;-88"], r"error: point 2 '1;-88' is not LON,LAT"),
    (["measure", "0,-89", "10,-30"], r"is off the map, which reaches 40 S"),
    (["measure", "0,-89", "nan,-88"], r"not a finite number pair"),
])
def test_measure__bad_input_exits_2_saying_what_to_fix(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert __import__("re").search(message, err)
