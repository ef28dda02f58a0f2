"""Benchmark: hundreds of mutually overlapping keep-out zones (the file that used to take the server down).

    python bench/bench_zones_overlap.py [--zones 300] [--radius-km 50]

Writes a GeoJSON of N geodesic circles (radius 50 km, centres within 20 km of
85 S 30 E: every pair overlaps, N (N - 1) / 2 pairs, 44,850 for 300; about
0.8 MB, seven owners), then measures, each in a fresh child process so peak
memory is its own:

1. the analysis the page runs (``analyse_zones``) and the map data it sends
   (``zones_panel.map_pieces``): wall time (budget 10 s), peak memory (budget
   1 GB) and the size of the map data as JSON (budget 5 MB per rerun at any
   zone count);
2. ``python -m lunarmap zones check FILE --format json`` on the same file, no
   PSR data: wall time and peak memory (it took 40 s and 1.8 GB before).

Figures are printed beside their budgets; exit status 1 when one is over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from lunarmap.zones import analyse_zones, zones_from_geojson
from lunarmap_ui import zones_panel
zones = zones_from_geojson(open(sys.argv[2], "rb").read())
t0 = time.perf_counter()
report = analyse_zones(zones)
t1 = time.perf_counter()
pieces = zones_panel.map_pieces(zones, report)
t2 = time.perf_counter()
size = len(json.dumps(pieces, separators=(",", ":")))
print(json.dumps({"zones": len(zones), "pairs": len(report.pairs), "conflicts": len(report.conflicts),
                  "analyse_s": t1 - t0, "map_s": t2 - t1, "map_bytes": size,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


# The command line in a child of its own, reporting its own peak memory (MB) as the last line on stderr.
_CLI_CHILD = r"""
import resource, runpy, sys
sys.argv = ["lunarmap", "zones", "check", sys.argv[1], "--format", "json", "--data-dir", sys.argv[2]]
try:
    runpy.run_module("lunarmap", run_name="__main__")
except SystemExit as stop:
    code = stop.code
finally:
    print("peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
"""


def write_zones(path: Path, n: int, radius_km: float) -> None:
    import numpy as np

    from lunarmap.geodesy import forward_lonlat
    from lunarmap.zones import circle_zone, zones_to_geojson

    rng = np.random.default_rng(0)
    lon, lat = forward_lonlat(np.full(n, 30.0), np.full(n, -85.0), rng.uniform(0, 360, n), rng.uniform(0, 20_000, n))
    zones = [circle_zone(f"zone {i}", f"owner {i % 7}", float(a), float(b), radius_km)
             for i, (a, b) in enumerate(zip(lon, lat, strict=True))]
    path.write_text(json.dumps(zones_to_geojson(zones)))


def line(label: str, value: float, unit: str, budget: float | None) -> bool:
    ok = budget is None or value <= budget
    verdict = "" if budget is None else ("ok" if ok else "OVER")
    budget_text = "" if budget is None else f"budget {budget:g} {unit}"
    print(f"  {label:<52} {value:10.2f} {unit:<3} {budget_text:<18} {verdict}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zones", type=int, default=300)
    parser.add_argument("--radius-km", type=float, default=50.0)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "overlapping.geojson"
        write_zones(path, args.zones, args.radius_km)
        print(f"{args.zones} mutually overlapping circles, {path.stat().st_size / 1e6:.2f} MB of GeoJSON "
              f"(load average {os.getloadavg()[0]:.1f})")
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), str(path)], capture_output=True, text=True,
                             env=env, check=True)
        wall = time.perf_counter() - t0
        fig = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"1. the page's analysis and map data ({fig['pairs']:,} pairs, {fig['conflicts']:,} conflicts)")
        ok &= line("analysis + map data (analyse_zones, map_pieces)", fig["analyse_s"] + fig["map_s"], "s", 10.0)
        line("   of which analyse_zones", fig["analyse_s"], "s", None)
        line("   of which map_pieces", fig["map_s"], "s", None)
        ok &= line("peak memory of that process", fig["peak_mb"], "MB", 1024.0)
        ok &= line("map data sent per rerun (zones, overlaps, legend)", fig["map_bytes"] / 1e6, "MB", 5.0)
        line("child process wall time (imports and file read included)", wall, "s", None)
        print("2. python -m lunarmap zones check FILE --format json (no PSR data)")
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-c", _CLI_CHILD, str(path), str(Path(tmp) / "none")],
                             capture_output=True, text=True, cwd=ROOT, env=env)
        wall = time.perf_counter() - t0
        if cli.returncode != 0:
            print(cli.stderr[-2000:])
            return 1
        peak = float(cli.stderr.strip().splitlines()[-1].split()[-1])
        ok &= line("zones check wall time", wall, "s", 10.0)
        ok &= line("zones check peak memory", peak, "MB", 1024.0)
    print("all within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
