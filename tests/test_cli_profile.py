"""lunarmap profile: an elevation profile from the command line (lunarmap/cli/profile.py)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from pyproj import Geod

from lunarmap.cli import main

GEOD = Geod(a=1_737_400.0, b=1_737_400.0)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.realdata
def test_profile__across_shackleton_summary_lists_its_psr(prepared_data_dir, capsys):
    code, out, _ = run(capsys, "profile", "--from", "100,-89.2", "--to", "160,-89.9", "--samples", "400",
                       "--data-dir", str(prepared_data_dir))
    length = GEOD.inv(100.0, -89.2, 160.0, -89.9)[2]
    assert code == 0 and out.startswith(f"Length {length / 1000:,.3f} km, 400 samples")
    assert re.search(r"SP_896450_1282030 +Shackleton", out) and "ldem256_south_polar_1600m" in out


@pytest.mark.realdata
def test_profile__via_points_csv_file_and_json(prepared_data_dir, capsys, tmp_path):
    target = tmp_path / "p.csv"
    code, out, err = run(capsys, "profile", "--from=-170,-88", "--via", "0,-90", "--via", "90,-89", "--to", "120,-88",
                         "--spacing-m", "500", "--csv", str(target), "--format", "json",
                         "--data-dir", str(prepared_data_dir))
    legs = GEOD.inv([-170.0, 0.0, 90.0], [-88.0, -90.0, -89.0], [0.0, 90.0, 120.0], [-90.0, -89.0, -88.0])[2]
    doc = json.loads(out)
    assert code == 0 and doc["total_m"] == pytest.approx(float(sum(legs)), abs=1e-3)
    assert doc["vertices"]["distance_m"][1] == pytest.approx(legs[0], abs=1e-3)
    assert doc["spacing_m"] <= 500.0 and doc["n"] == len(doc["x_m"])
    assert re.search(r"wrote .*p\.csv \([\d,]+ bytes, [\d,]+ samples\)", err)
    text = target.read_text()
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))))
    assert len(rows) == doc["n"] and float(rows[-1]["distance_m"]) == pytest.approx(doc["total_m"], abs=1e-3)
    shadow = [r for r in rows if r["in_psr_flag"] == "1"]
    assert shadow and all(r["psr_id"] for r in shadow) and all(r["psr_id"] == "" for r in rows if r["in_psr_flag"] == "0")
    assert text.count("\n# psr band: ") == len(doc["psr_bands"]) > 0


@pytest.mark.parametrize(("argv", "message"), [
    (["profile", "--from", "x", "--to", "0,-89"], r"error: --from 'x' is not LON,LAT"),
    (["profile", "--from", "0,-89", "--via", "1,2,3", "--to", "5,-89"], r"error: --via '1,2,3' is not LON,LAT"),
    (["profile", "--from", "0,-89", "--to", "0,-10"], r"point 2 \(lon 0, lat -10\) is off the map"),
    (["profile", "--from", "0,-89", "--to", "10,-89", "--samples", "1"], r"samples must be a whole number from 2"),
    (["profile", "--from", "0,-89", "--to", "10,-89", "--spacing-m", "0"], r"spacing_m must be a distance in metres"),
    (["profile", "--from", "0,-89", "--to", "10,-89", "--csv", "/nonexistent-folder/p.csv"],
     r"the folder '/nonexistent-folder' does not exist"),
])
def test_profile__bad_input_exits_2_saying_what_to_fix(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert re.search(message, err), err
