"""Benchmark: site comparison, distance matrix and overlaps on the real data.

Budgets (issue "Site comparison"):
- comparison of 10 catalogue sites (7 points, 3 regions including the whole ILRS cap) at r = 20 km: < 1 s
- comparison of 200 synthetic sites at real south-polar positions (the 200 most poleward PSR catalogue
  centroids, all on the 60 m PSR grid: the most work per site) at r = 20 km: < 5 s
- distance matrix of 1,000 sites: < 0.2 s, agreeing with pyproj.Geod(a=R, b=R) to 1 mm

Needs the fetched and prepared data: python -m lunarmap fetch --mirror ../shared/lunar-data && python -m lunarmap prepare
(or LUNARMAP_DATA_DIR / the first argument pointing at a prepared data folder).
Run: python bench/bench_compare.py [DATA_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lunarmap.compare import compare_sites, distance_matrix_km, overlap_matrix  # noqa: E402
from lunarmap.compare_psr import psr_layers  # noqa: E402
from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from lunarmap.sites import Site, load_sites  # noqa: E402


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def synthetic_sites(catalog_csv: Path, n: int, most_poleward: bool) -> list[Site]:
    """Point sites at PSR catalogue centroids (real south-polar positions)."""
    table = pd.read_csv(catalog_csv)
    table = table.sort_values("latitude") if most_poleward else table
    table = table.head(n)
    lon = np.where(table["longitude"] > 180, table["longitude"] - 360, table["longitude"]).astype(float)
    lat = table["latitude"].to_numpy(float)
    x, y = lonlat_to_polar(lon, lat)
    return [
        Site(id=f"psr-{i}", name=str(psr_id), kind="target", agency="synthetic", date=None, source="PSR catalogue",
             uncertainty_m=None, geometry_lonlat=Point(a, b), geometry_polar=Point(px, py))
        for i, (psr_id, a, b, px, py) in enumerate(zip(table["PSR_ID"], lon, lat, x, y, strict=True))
    ]


def report(label: str, seconds: float, budget_s: float, extra: str = "") -> None:
    verdict = "ok" if seconds < budget_s else "OVER BUDGET"
    print(f"{label}: {seconds * 1000:.0f} ms (budget {budget_s * 1000:.0f} ms) {verdict}{extra}")


def main() -> None:
    root = data_dir(sys.argv[1] if len(sys.argv) > 1 else None)
    t0 = time.perf_counter()
    layers = psr_layers(root)
    print(f"load PSR layers once (outlines, index, catalogue; cached afterwards): {time.perf_counter() - t0:.2f} s")
    catalog_csv = root / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv"

    ten = list(load_sites())[:10]
    t, comp = best_of(lambda: compare_sites(ten, 20.0, root))
    report(f"compare 10 catalogue sites ({sum(s.is_region for s in ten)} regions), r = 20 km", t, 1.0)

    two_hundred = synthetic_sites(catalog_csv, 200, most_poleward=True)
    t, comp = best_of(lambda: compare_sites(two_hundred, 20.0, root))
    covered = int((comp.table["psr_coverage_in_radius"] > 0).sum())
    report("compare 200 synthetic sites, r = 20 km", t, 5.0, f" ({covered} of 200 on the PSR grid)")

    thousand = synthetic_sites(catalog_csv, 1000, most_poleward=False)
    t, m = best_of(lambda: distance_matrix_km(thousand), repeat=5)
    lonlat = np.array([s.lonlat for s in thousand])
    i, j = np.triu_indices(len(thousand), 1)
    _, _, ref_m = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M).inv(lonlat[i, 0], lonlat[i, 1], lonlat[j, 0], lonlat[j, 1])
    err_mm = float(np.max(np.abs(m.to_numpy()[i, j] * 1e3 - ref_m)) * 1e3)
    report("distance matrix 1,000 sites", t, 0.2, f"; max |diff vs pyproj.Geod| = {err_mm:.2e} mm (budget 1 mm)")

    t, _ = best_of(lambda: overlap_matrix(two_hundred, 20.0))
    print(f"overlap matrix of 200 sites at r = 20 km: {t * 1000:.0f} ms (no budget)")
    del layers


if __name__ == "__main__":
    main()
