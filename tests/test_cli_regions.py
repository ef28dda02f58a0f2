"""lunarmap region-stats and best-sites from the command line (lunarmap/cli/regions.py)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from lunarmap.cli import main
from lunarmap.zones import circle_zone, zones_to_geojson

WINDOW = ["--start", "2026-10-15", "--days", "10", "--step-hours", "12"]


@pytest.mark.realdata
def test_region_stats__a_catalogue_region_and_a_zone_file_as_json(prepared_data_dir, tmp_path, capsys):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(zones_to_geojson([circle_zone("Rim", "A", 0.0, -89.8, 5.0)])))
    argv = ["region-stats", "artemis-iii-mons-mouton", str(path), *WINDOW, "--spacing-km", "2",
            "--data-dir", str(prepared_data_dir), "--format", "json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)["regions"]
    assert [r["region"] for r in rows] == ["artemis-iii-mons-mouton", "Rim"]
    mouton, rim = rows
    assert mouton["region_area_km2"] == pytest.approx(255.0, rel=0.01) and mouton["region_spacing_km"] == 2.0
    assert rim["region_area_km2"] == pytest.approx(78.5, rel=0.01)
    for r in rows:
        assert r["sunlit_pct_min"] <= r["sunlit_pct_median"] <= r["sunlit_pct_max"]
        assert r["slope_resolution"] == "1,600 m" and "UTC every 12 h" in r["window"]
        assert re.fullmatch(r"[\d.,-]+-[\d.,-]+ % \(median [\d.,-]+ %\)", r["sunlit_pct_text"])


@pytest.mark.realdata
def test_best_sites__csv_with_criteria_and_units(prepared_data_dir, capsys):
    argv = ["best-sites", "chang-e-7-target", *WINDOW, "--spacing-km", "2", "--min-sunlit", "50", "--top", "3",
            "--data-dir", str(prepared_data_dir), "--format", "csv"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("# lunarmap best sites; criteria: sunlit at least 50 %")
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))))
    assert 1 <= len(rows) <= 3 and all(float(r["sunlit_pct"]) >= 50 for r in rows)
    assert all(r["psr_edge_km"] != "" for r in rows)         # exports carry the distance to the nearest PSR edge


@pytest.mark.realdata
def test_best_sites__no_point_meets_the_criteria_says_which_excluded_most(prepared_data_dir, capsys):
    argv = ["best-sites", "chang-e-7-target", *WINDOW, "--spacing-km", "3", "--max-slope", "0.01",
            "--data-dir", str(prepared_data_dir)]
    assert main(argv) == 0
    assert "'maximum slope' excluded the most" in capsys.readouterr().out


def test_region_commands_refuse_bad_input_with_status_2(tmp_path, capsys):
    two = tmp_path / "two.geojson"
    two.write_text(json.dumps(zones_to_geojson([circle_zone("a", "A", 0.0, -89.0, 5.0),
                                                circle_zone("b", "B", 10.0, -89.0, 5.0)])))
    cases = [
        (["region-stats", "chang-e-4", *WINDOW], r"'chang-e-4' is a point site, not a region"),
        (["region-stats", "nowhere", *WINDOW], r"unknown site id 'nowhere'"),
        (["region-stats", str(tmp_path / "missing.geojson"), *WINDOW], r"does not exist"),
        (["best-sites", str(two), *WINDOW], r"holds 2 zones; best-sites takes one region"),
        (["best-sites", "ilrs", *WINDOW, "--min-sunlit", "120"], r"criterion min_sunlit_pct is a percentage"),
        (["region-stats", "ilrs", *WINDOW, "--spacing-km", "-1"], r"spacing must be a positive number"),
    ]
    for argv, message in cases:
        assert main(argv) == 2, argv
        assert re.search(message, capsys.readouterr().err), argv
