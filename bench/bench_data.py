"""Benchmarks of the data layer against their budgets: prepare, sampling, PSR area, display image sizes.

Run: ``python bench/bench_data.py [--data-dir DIR]`` (the source products must be fetched).
``prepare`` runs from scratch into a temporary copy of the data folder, in a
child process so its peak memory is measured alone.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap.geodesy import geodesic_circle  # noqa: E402
from lunarmap.paths import data_dir as default_data_dir  # noqa: E402
from lunarmap.prepare import display_layers, prepare  # noqa: E402
from lunarmap.product_sampling import sample_elevation_m, sample_slope_deg  # noqa: E402
from lunarmap.psr import psr_area_in  # noqa: E402
from lunarmap.rasters import SOURCE_DEM, SOURCE_DEM_5M, SOURCE_MOSAIC, SOURCE_PSR  # noqa: E402

SOURCES = (SOURCE_DEM, SOURCE_DEM_5M, SOURCE_MOSAIC, SOURCE_PSR)
_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from lunarmap.prepare import prepare
t = time.perf_counter()
prepare({data!r})
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def line(what: str, value: float, unit: str, budget: float) -> bool:
    ok = value <= budget
    print(f"{what:<46} {value:10.3f} {unit:<3} budget {budget:g} {unit:<3} {'ok' if ok else 'OVER BUDGET'}")
    return ok


def best_of(n: int, func) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    root = default_data_dir(args.data_dir)
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for rel in SOURCES:
            shutil.copy2(root / rel, Path(tmp) / rel)
        out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), data=tmp)], check=True,
                             capture_output=True, text=True).stdout.split()
        seconds, peak_kib = float(out[0]), float(out[1])
    ok &= line("prepare from scratch (time)", seconds, "s", 60.0)
    ok &= line("prepare from scratch (peak memory)", peak_kib / 1024 / 1024, "GB", 2.0)

    prepare(root)   # make sure the real folder is prepared for the rest
    t = time.perf_counter()
    prepare(root)
    ok &= line("prepare again, nothing changed", time.perf_counter() - t, "s", 1.0)

    rng = np.random.default_rng(0)
    n = 10_000
    lat = -np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(40.0)), 1.0, n)))   # uniform on the cap to 40 S
    lon = rng.uniform(-180.0, 180.0, n)
    sample_elevation_m(lon[:10], lat[:10], root)
    secs = best_of(3, lambda: (sample_elevation_m(lon, lat, root), sample_slope_deg(lon, lat, root)))
    ok &= line(f"sample elevation + slope at {n:,} points", secs, "s", 0.5)

    circle = geodesic_circle(0.0, -90.0, 50.0)
    first = time.perf_counter()
    stats = psr_area_in(circle, root)
    first = time.perf_counter() - first
    ok &= line("PSR area in a 50 km circle at the pole (first)", first, "s", 0.2)
    ok &= line("PSR area in a 50 km circle at the pole (best of 5)", best_of(5, lambda: psr_area_in(circle, root)), "s", 0.2)
    print(f"  -> {stats.psr_area_km2:,.1f} km2 PSR of {stats.valid_area_km2:,.1f} km2, {stats.psr_count} outlines "
          f"(the 60 m grid is {5058 * 5058:,} px; the circle's window is about {(2 * 50_000 / 60) ** 2:,.0f} px; "
          "aim under 0.1 s)")

    for ly in display_layers(root):
        ok &= line(f"display image {ly.file}", ly.path.stat().st_size / 1024 / 1024, "MB", 4.0)
    print(f"this process's peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
