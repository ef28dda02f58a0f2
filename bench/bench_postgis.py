"""Benchmark: the team scenario store in PostGIS with 1,000 zones (budget: the conflict query under 1 s).

    python bench/bench_postgis.py [--zones 1000] [--repeat 5] [--url postgresql://...]

Starts a throwaway PostgreSQL + PostGIS server on a loopback port
(tests/postgis_cluster.py; Debian's postgresql and postgis packages) unless
``--url`` names one, then saves one scenario of N geodesic circles (radius 2 to
15 km, centres spread evenly over 80-90 S at all longitudes, the pole and the 180
meridian included; six owners, mixed periods; ``--dense``: radius 3 to 25 km within
84-90 S, about twelve overlapping pairs per zone, the stress case) and times, each the median of
``--repeat`` runs:

- ``save`` of the N zones (one transaction) and ``load`` back through
  :class:`lunarmap.scenarios_postgis.PostgisScenarioStore`;
- the conflict query a team runs in SQL: every row of ``lunarmap.zone_conflicts`` for the scenario
  (pairs sharing area, overlap km² on the Moon sphere, conflict or not); budget 1 s;
- ``lunarmap.zone_areas`` for the scenario;
- the library's own analysis of the same zones (``analyse_zones``), for comparison, and the largest
  difference between the two overlap areas (relative).

Exit status 1 when the conflict query is over its budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lunarmap.scenarios_postgis import PostgisScenarioStore  # noqa: E402
from lunarmap.zones import analyse_zones, circle_zone  # noqa: E402
from tests.postgis_cluster import PostgisCluster  # noqa: E402

BUDGET_S = 1.0


def make_zones(n: int, seed: int = 7, span_deg: float = 10.0, radius_km: tuple[float, float] = (2.0, 15.0)) -> list:
    rng = np.random.default_rng(seed)
    owners = ["NASA", "CNSA", "ESA", "ISRO", "JAXA", "Roscosmos"]
    periods = [(None, None), ("2027-01-01", "2029-12-31"), ("2030-01-01", None), (None, "2026-12-31")]
    zones = []
    for i in range(n):
        lon = float(rng.uniform(-180.0, 180.0))
        lat = -90.0 + span_deg * float(np.sqrt(rng.uniform(0.0, 1.0)))   # even over the cap's area
        start, end = periods[i % len(periods)]
        zones.append(circle_zone(f"zone {i}", owners[i % len(owners)], lon, lat, float(rng.uniform(*radius_km)),
                                 start=start, end=end))
    zones[0] = circle_zone("on the pole", "NASA", 0.0, -90.0, 20.0)
    zones[1] = circle_zone("on the 180 meridian", "CNSA", 180.0, -88.0, 20.0)
    return zones


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zones", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dense", action="store_true", help="the stress case: radii 3-25 km within 6 deg of the pole")
    ap.add_argument("--url", help="an existing PostGIS database (default: a throwaway server)")
    args = ap.parse_args()
    cluster = None
    url = args.url
    if url is None:
        cluster = PostgisCluster("lunarmap_bench")
        url = cluster.start()
    try:
        store = PostgisScenarioStore(url)
        zones = make_zones(args.zones, span_deg=6.0, radius_km=(3.0, 25.0)) if args.dense else make_zones(args.zones)
        save_s, sid = timed(lambda: store.save(f"bench {time.time()}", zones), 1)
        load_s, _ = timed(lambda: store.load(str(sid)), args.repeat)
        with psycopg.connect(url) as con:
            query_s, rows = timed(lambda: con.execute(
                "SELECT zone_a, zone_b, overlap_km2, conflict FROM lunarmap.zone_conflicts WHERE scenario_id = %s",
                (sid,)).fetchall(), args.repeat)
            areas_s, _ = timed(lambda: con.execute(
                "SELECT zone_id, area_km2 FROM lunarmap.zone_areas WHERE scenario_id = %s", (sid,)).fetchall(),
                args.repeat)
        lib_s, report = timed(lambda: analyse_zones(zones), 1)
        sql = {frozenset((a, b)): km2 for a, b, km2, _ in rows}          # type: ignore[union-attr]
        lib = {frozenset((p.a, p.b)): p.overlap_km2 for p in report.pairs}  # type: ignore[union-attr]
        worst = max((abs(sql[k] - v) / v for k, v in lib.items() if k in sql), default=0.0)
        conflicts = sum(1 for *_, c in rows if c)                          # type: ignore[union-attr]
        print(f"{args.zones} zones, {len(rows)} overlapping pairs ({conflicts} conflicts); "  # type: ignore[arg-type]
              f"library pairs {len(lib)}, same pairs: {set(sql) == set(lib)}, largest area difference {worst:.2e}")
        print(f"save (one transaction): {save_s * 1000:.0f} ms")
        print(f"load: {load_s * 1000:.0f} ms (median of {args.repeat})")
        print(f"conflict query (zone_conflicts): {query_s * 1000:.0f} ms (median of {args.repeat}; budget {BUDGET_S:.0f} s)")
        print(f"areas (zone_areas): {areas_s * 1000:.0f} ms")
        print(f"library analyse_zones, same zones: {lib_s * 1000:.0f} ms")
        return 0 if query_s < BUDGET_S else 1
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    raise SystemExit(main())
