"""Benchmark of regions as areas: region statistics and the best-site finder for an Artemis III region.

    python bench/bench_regions.py [--data-dir DIR] [--region ID] [--spacing-km 0.5] [--runs 2]

On the prepared real data (default: data/rasters, as the dashboard uses it),
for the catalogue region ``--region`` (default the Artemis III candidate Mons
Mouton, about 16 x 16 km):

1. region statistics at ``--spacing-km`` over 30 days at 2 h steps
   (:func:`lunarmap.region_stats.region_stats`): wall time, budget 20 s; the
   time to the first progress report;
2. the best-site finder over the same (statistics + ranking with the distance
   to the nearest PSR edge, minimum sunlit 50 %, slope at most 15 deg):
   wall time, budget 30 s; first progress report, budget 1 s.

Runs are alternated and the medians reported beside the budgets; the figures
also go to bench/results/bench_regions-<time>.json. Exit status 0 when within
budget, 1 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS_DIR = ROOT / "bench" / "results"
BUDGET_STATS_S = 20.0
BUDGET_FINDER_S = 30.0
BUDGET_FIRST_PROGRESS_S = 1.0


def _run_stats(geom, spacing_km: float, data_dir: Path) -> tuple[float, float, object]:
    from lunarmap.region_stats import region_stats

    t0 = time.perf_counter()
    first: list[float] = []

    def progress(done: int, total: int) -> None:
        if not first:
            first.append(time.perf_counter() - t0)

    stats = region_stats(geom, "2026-10-15", days=30, step_hours=2, spacing_km=spacing_km, data_dir=data_dir,
                         progress=progress)
    return time.perf_counter() - t0, first[0], stats


def _run_finder(geom, spacing_km: float, data_dir: Path) -> tuple[float, float, object]:
    import shapely

    from lunarmap.best_sites import Criteria, best_sites
    from lunarmap.compare_psr import nearest_psr_edges, psr_layers

    t0 = time.perf_counter()
    wall, first, stats = _run_stats(geom, spacing_km, data_dir)
    layers = psr_layers(data_dir)
    edges = nearest_psr_edges(shapely.points(stats.grid.x_m, stats.grid.y_m), layers)
    ranking = best_sites(stats, Criteria(min_sunlit_pct=50, max_slope_deg=15, max_psr_km=50),
                         psr_edge_km=edges.distance_km, top=10)
    return time.perf_counter() - t0, first, ranking


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=ROOT / "data" / "rasters")
    ap.add_argument("--region", default="artemis-iii-mons-mouton")
    ap.add_argument("--spacing-km", type=float, default=0.5)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args(argv)
    os.environ["LUNARMAP_DATA_DIR"] = str(args.data_dir)
    from lunarmap.sites import load_sites

    site = load_sites().get(args.region)
    print(f"{site.name}: {site.area_km2:,.1f} km2; {args.spacing_km} km spacing; 30 days at 2 h; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    stats_s, stats_first, finder_s, finder_first = [], [], [], []
    ranking = stats = None
    for _ in range(args.runs):
        s, f, stats = _run_stats(site.geometry_polar, args.spacing_km, args.data_dir)
        stats_s.append(s)
        stats_first.append(f)
        s, f, ranking = _run_finder(site.geometry_polar, args.spacing_km, args.data_dir)
        finder_s.append(s)
        finder_first.append(f)
    figures = {
        "region": args.region, "points": stats.grid.n_points, "spacing_km": args.spacing_km,
        "stats_s": statistics.median(stats_s), "stats_first_progress_s": statistics.median(stats_first),
        "finder_s": statistics.median(finder_s), "finder_first_progress_s": statistics.median(finder_first),
        "sunlit": stats.distributions["sunlit_pct"].text(0), "finder_message": ranking.message,
        "runs": args.runs, "cpus": os.cpu_count(),
    }
    ok = (figures["stats_s"] <= BUDGET_STATS_S and figures["finder_s"] <= BUDGET_FINDER_S
          and figures["finder_first_progress_s"] <= BUDGET_FIRST_PROGRESS_S)
    print(f"  {stats.describe()}")
    print(f"  sunlit {figures['sunlit']}")
    print(f"  region statistics  {figures['stats_s']:6.1f} s   (budget {BUDGET_STATS_S:.0f} s); "
          f"first progress {figures['stats_first_progress_s']:.2f} s")
    print(f"  best-site finder   {figures['finder_s']:6.1f} s   (budget {BUDGET_FINDER_S:.0f} s); "
          f"first progress {figures['finder_first_progress_s']:.2f} s (budget {BUDGET_FIRST_PROGRESS_S:.0f} s)")
    print(f"  {ranking.message}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"bench_regions-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"  {'within budget' if ok else 'OVER BUDGET'}; figures in {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
