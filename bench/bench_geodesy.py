"""Benchmark: geodesy on the Moon sphere.

Budget (issue "Site comparison"): distance matrix of 1,000 points under 0.2 s,
agreeing with pyproj.Geod to 1 mm. Run: python bench/bench_geodesy.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from pyproj import Geod

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lunarmap.crs import MOON_RADIUS_M  # noqa: E402
from lunarmap.geodesy import area_km2, cap_area_km2, distance_matrix_m, geodesic_circle  # noqa: E402


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    rng = np.random.default_rng(1)
    lon = rng.uniform(-180, 180, 1000)
    lat = rng.uniform(-90, -40, 1000)
    t, m = best_of(lambda: distance_matrix_m(lon, lat))
    i, j = np.triu_indices(1000, 1)
    _, _, ref = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M).inv(lon[i], lat[i], lon[j], lat[j])
    err_mm = float(np.max(np.abs(m[i, j] - ref)) * 1000)
    print(f"distance matrix 1000 points: {t * 1000:.1f} ms (budget 200 ms) max |diff vs pyproj.Geod| = {err_mm:.2e} mm (budget 1 mm)")
    t, c = best_of(lambda: geodesic_circle(30.0, -89.0, 50.0))
    print(f"geodesic circle (360 vertices): {t * 1000:.2f} ms")
    t, a = best_of(lambda: area_km2(c))
    print(f"area of that circle on the sphere: {t * 1000:.2f} ms, relative error vs cap {a / cap_area_km2(50.0) - 1:.2e}")


if __name__ == "__main__":
    main()
