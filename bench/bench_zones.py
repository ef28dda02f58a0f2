"""Benchmark: keep-out zone conflict analysis with the real 60 m PSR grid.

Budgets (issue "Keep-out zones"):
- from finishing a drawn zone to the conflict table: under 500 ms with 50 zones
  (measured here as: add one new zone to 49 already analysed, re-run the analysis;
  PSR areas of unchanged zones come from the cache, as in the dashboard);
- ``python -m lunarmap zones check`` on 200 zones: under 5 s (cold: every PSR area computed).

The page part is measured too: the dashboard under Streamlit's AppTest with 50 zones in the
session, timing (a) the server-side steps of a drawn zone (payload -> zone -> analysis -> map
pieces -> component data) and (b) the whole script rerun that follows, median of 5.

Also printed (no budget of its own): the PSR part alone, i.e. the 200 zones' PSR areas in one
``psr_area_in_many`` batch, and the total PSR area of the grid (computed once per process).

Needs fetched and prepared data: python -m lunarmap fetch && python -m lunarmap prepare.
Run: python bench/bench_zones.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap.psr import psr_area_in_many  # noqa: E402
from lunarmap.sites import load_sites  # noqa: E402
from lunarmap.zonecheck import check_zones, psr_measure  # noqa: E402
from lunarmap.zones import circle_zone, zones_to_geojson  # noqa: E402


def random_zones(n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    owners = ["NASA", "CNSA", "ESA", "ISRO", "Roscosmos"]
    return [
        circle_zone(f"zone {i}", owners[i % len(owners)], float(rng.uniform(-180, 180)), float(rng.uniform(-90, -84)),
                    float(rng.uniform(2, 30)))
        for i in range(n)
    ]


def page_rerun(zones: list) -> None:
    """The dashboard rerun after a drawn zone, 50 zones in the session (AppTest, real data)."""
    import os
    import statistics

    from streamlit.testing.v1 import AppTest

    from lunarmap import zone_layers
    from lunarmap.crs import lonlat_to_polar
    from lunarmap.paths import data_dir
    from lunarmap.zones import zone_from_drawing
    from lunarmap_ui.zone_state import K_ZONES

    os.environ["LUNARMAP_SCENARIO_DB"] = str(Path(tempfile.mkdtemp()) / "bench.gpkg")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[K_ZONES] = zones[:49]
    at.run()
    catalog, root = load_sites(), data_dir()
    steps, reruns = [], []
    for k in range(5):
        cx, cy = (float(v) for v in lonlat_to_polar(30.0 * k, -89.0))
        ex, ey = (float(v) for v in lonlat_to_polar(30.0 * k, -88.6))
        payload = {"kind": "circle", "center": [cx, cy], "edge": [ex, ey], "seq": k}
        t0 = time.perf_counter()
        new = zone_from_drawing(payload, f"drawn {k}", "ESA")
        report = check_zones(zones[:49] + [new])
        zone_layers.map_pieces(zones[:49] + [new], report)
        steps.append(time.perf_counter() - t0)
        at.session_state[K_ZONES] = zones[:49] + [new]
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
    del catalog, root
    print(f"drawn zone -> analysis + map pieces, 50 zones: {statistics.median(steps) * 1000:.0f} ms median of 5")
    print(f"whole dashboard rerun after a drawn zone (AppTest, 50 zones): {statistics.median(reruns) * 1000:.0f} ms "
          "median of 5 (budget 500 ms)")


def main() -> None:
    load_sites()
    t0 = time.perf_counter()
    measure, total, status = psr_measure()
    print(f"PSR total in the 60 m grid: {total:,.1f} km2 ({status}); first load {time.perf_counter() - t0:.2f} s")
    zones = random_zones(50, 1)
    check_zones(zones[:49])  # the 49 zones already on the map
    t0 = time.perf_counter()
    report = check_zones(zones)
    dt = time.perf_counter() - t0
    print(f"50 zones, one newly drawn: {dt * 1000:.0f} ms (budget 500 ms); {len(report.pairs)} overlapping pairs, "
          f"{len(report.conflicts)} conflicts")
    page_rerun(zones)
    many = random_zones(200, 2)
    t0 = time.perf_counter()
    stats = psr_area_in_many([z.geometry_polar for z in many])
    covered = sum(s.covered_fraction > 0 for s in stats)
    print(f"PSR areas of the 200 zones, one psr_area_in_many batch: {time.perf_counter() - t0:.2f} s "
          f"({covered} of 200 on the 60 m grid)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zones.geojson"
        path.write_text(json.dumps(zones_to_geojson(many)))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lunarmap", "zones", "check", str(path), "--format", "json"],
                       cwd=ROOT, check=True, capture_output=True)
        print(f"zones check, 200 zones (whole command, cold cache): {time.perf_counter() - t0:.2f} s (budget 5 s)")


if __name__ == "__main__":
    main()
