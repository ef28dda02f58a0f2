"""Zone conflict checks against the PSR data (lunarmap/zonecheck.py); the command is tested in test_cli_zones.py."""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys

import pytest

from lunarmap.zonecheck import check_zones, csv_text, psr_measure, report_document, report_rows
from lunarmap.zones import circle_zone

from .conftest import PROJECT_ROOT

#: Modules that pull in rasterio, the ephemeris, pandas exports or the command line.
HEAVY = ("lunarmap.cli", "lunarmap.compare", "lunarmap.compare_psr", "lunarmap.ephemeris", "lunarmap.export",
         "lunarmap.horizon", "lunarmap.psr", "lunarmap.psr_official", "lunarmap.rasters", "lunarmap.visibility")


def test_import_is_light__no_rasters_psr_compare_or_cli_until_used():
    code = "import lunarmap.zonecheck, sys; print(' '.join(sorted(m for m in sys.modules if m.startswith('lunarmap'))))"
    code += "; print('rasterio' in sys.modules, 'skyfield' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    lunarmap_modules, rasterio_skyfield = proc.stdout.splitlines()
    loaded = set(lunarmap_modules.split())
    assert "lunarmap.zonecheck" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    assert rasterio_skyfield == "False False"


def test_report_document__rows_conflict_count_and_units_without_psr_data(tmp_path):
    zones = [circle_zone("NASA pole", "NASA", 0.0, -90.0, 20.0), circle_zone("CNSA rim", "CNSA", 129.78, -89.67, 13.0)]
    report = check_zones(zones, tmp_path / "empty")
    doc = report_document(report)
    assert (doc["zones"], doc["overlaps"]) == report_rows(report)
    assert doc["units"] == {"area": "km2"} and doc["conflicts"] == 1 and doc["method"] == report.method
    assert doc["psr_total_km2"] is None                          # NaN total: no data, never 0
    assert all(z["psr_km2"] is None for z in doc["zones"])
    assert psr_measure(tmp_path / "empty")[0] is None and math.isnan(psr_measure(tmp_path / "empty")[1])


def test_csv_text__one_table_with_a_kind_column(tmp_path):
    zones = [circle_zone("A", "NASA", 0.0, -89.0, 5.0), circle_zone("B", "CNSA", 0.0, -89.0, 5.0)]
    zone_rows, pair_rows = report_rows(check_zones(zones, tmp_path / "empty"))
    rows = list(csv.DictReader(io.StringIO(csv_text(zone_rows, pair_rows))))
    assert [r["kind"] for r in rows] == ["zone", "zone", "overlap"]
    assert (rows[2]["zone_a"], rows[2]["zone_b"], rows[2]["conflict"]) == ("A", "B", "True")


@pytest.mark.realdata
def test_zone_outside_psr_grid_reports_no_data_not_zero(prepared_data_dir):
    report = check_zones([circle_zone("far side", "CNSA", 177.5991, -45.4446, 5.0)], prepared_data_dir)
    (z,) = report.zones
    assert z.psr_km2 != z.psr_km2 and "no PSR data" in z.psr_note  # NaN, with the reason
    assert z.sites_inside == ("chang-e-4",)


@pytest.mark.realdata
def test_zone_psr_note_names_the_sources(prepared_data_dir):
    """Across 85 S both sources, with the grid's share; in the 75-85 S ring the outlines alone, and what that misses."""
    report = check_zones([circle_zone("IM-2", "NASA", 29.1957, -84.7906, 40.0),
                          circle_zone("ring", "NASA", -5.0, -80.6, 40.0)], prepared_data_dir)
    straddle, ring = report.zones
    assert straddle.psr_note.startswith("from the official LOLA PSR outlines (PSRs >= 5 km2, 75 S to the pole; ")
    assert " and the 60 m PSR grid on " in straddle.psr_note and "% of the zone" in straddle.psr_note
    assert ring.psr_km2 > 0
    assert ring.psr_note.endswith("; PSRs under 5 km2 are not mapped here (only poleward of about 85 S)")


def test_analyse_apart__a_large_scenario_is_analysed_in_a_worker_with_the_same_result(tmp_path):
    """From OFFLOAD_MIN_ZONES zones the page's analysis runs in a worker process; the report is the same."""
    import os

    from lunarmap.zonecheck import OFFLOAD_MIN_ZONES, analyse_apart, analyse_with_psr
    from lunarmap.zones import circle_zone

    zones = [circle_zone(f"z{i}", f"owner {i % 3}", 3.0 * i, -86.0, 40.0) for i in range(OFFLOAD_MIN_ZONES + 5)]
    here, here_status = analyse_with_psr(zones, [], tmp_path)
    apart, apart_status, pieces = analyse_apart(zones, [], tmp_path)
    assert apart_status == here_status and "not prepared" in here_status
    assert [(p.a, p.b, round(p.overlap_km2, 6)) for p in apart.pairs] == [
        (p.a, p.b, round(p.overlap_km2, 6)) for p in here.pairs]
    assert len(apart.conflicts) == len(here.conflicts) > 0
    from lunarmap.zone_layers import map_pieces

    assert pieces == map_pieces(zones, here)                       # the map's pieces from the exact outlines
    # the page's report keeps the numbers, not the outlines (the map pieces were built from them)
    for p, q in zip(apart.pairs, here.pairs, strict=True):
        assert p.geometry_polar.is_empty and not q.geometry_polar.is_empty
        assert p.overlap_km2 == q.overlap_km2
    import lunarmap.zonecheck as zc

    worker_pids = {p.pid for p in zc._pool()._processes.values()}
    assert worker_pids and os.getpid() not in worker_pids        # it ran in another process


def test_analyse_apart__a_library_error_in_the_worker_reaches_the_caller(tmp_path):
    from lunarmap.errors import ZoneError
    from lunarmap.zonecheck import OFFLOAD_MIN_ZONES, analyse_apart
    from lunarmap.zones import circle_zone

    zones = [circle_zone(f"z{i}", "A" if i % 2 else "B", 0.0, -86.0, 40.0) for i in range(OFFLOAD_MIN_ZONES)]
    with pytest.raises(ZoneError, match="pairs"):
        analyse_apart(zones, [], tmp_path, max_pairs=10)


def test_analyse_apart__the_worker_never_runs_the_parents_main_script(tmp_path, monkeypatch):
    """Under Streamlit ``__main__`` is the page script; a spawned worker must not run it (here it would die)."""
    import os
    import sys
    import types

    import lunarmap.zonecheck as zc
    from lunarmap.zonecheck import OFFLOAD_MIN_ZONES, analyse_apart, analyse_with_psr
    from lunarmap.zones import circle_zone

    script = tmp_path / "page.py"
    script.write_text("raise SystemExit('the page script ran in the worker')\n")
    page_main = types.ModuleType("__main__")
    page_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page_main)
    old, zc._POOL = zc._POOL, None
    if old is not None:
        old.shutdown()
    zones = [circle_zone(f"z{i}", f"owner {i % 2}", 3.0 * i, -86.0, 40.0) for i in range(OFFLOAD_MIN_ZONES)]
    apart, _, _ = analyse_apart(zones, [], tmp_path)
    assert sys.modules["__main__"] is page_main                  # put back
    assert len(apart.pairs) == len(analyse_with_psr(zones, [], tmp_path)[0].pairs) > 0
    worker_pids = {p.pid for p in zc._pool()._processes.values()}
    assert worker_pids and os.getpid() not in worker_pids        # the worker lived and did the work
