"""Benchmark: the elevation profile of a 100 km line near Shackleton, 1,000 samples (server side).

Budget (issue 15, "Speed"): under 300 ms of server time per profile. Timed: the profile itself
(:func:`lunarmap.profile.elevation_profile`: path, elevation, slopes, PSR and bands) and the chart payload the
page sends (:func:`lunarmap.profile_export.profile_payload`); the CSV export is timed apart. The modules are
imported first, as in the running page (their import, about 1.5 s with geopandas and pandas, is reported but not
counted). The first call in a fresh process (reading the DEMs, the PSR outlines and their index into memory) is
reported on its own; then
repeated runs, each line turned 9 degrees further about Shackleton's centre so every run reads other parts of
the PSR grid, give the median and the maximum. The machine's load average is reported beside them: on a shared
machine a busy moment shows in the maximum. Elevation and PSR data from the data folder
(LUNARMAP_DATA_DIR, default data/rasters; or give a folder as the first argument). Writes
bench/results/bench_profile.json. Run: python bench/bench_profile.py [DATA_DIR]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

t_import = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lunarmap.psr_official  # noqa: E402,F401  (imported by the page already: geopandas/pandas, about 1 s)
from lunarmap.geodesy import forward  # noqa: E402
from lunarmap.profile import elevation_profile  # noqa: E402
from lunarmap.profile_export import profile_csv, profile_payload  # noqa: E402

IMPORT_S = time.perf_counter() - t_import
SHACKLETON = (129.78, -89.67)
HALF_M = 50_000.0
SAMPLES = 1_000
RUNS = 40
BUDGET_S = 0.300


def line(az_deg: float) -> list[tuple[float, float]]:
    a = forward(*SHACKLETON, az_deg, HALF_M)[:2]
    b = forward(*SHACKLETON, az_deg + 180.0, HALF_M)[:2]
    return [(float(a[0]), float(a[1])), (float(b[0]), float(b[1]))]


def timed(az_deg: float, data_dir: str | None) -> tuple[float, float, object]:
    t0 = time.perf_counter()
    p = elevation_profile(line(az_deg), samples=SAMPLES, data_dir=data_dir)
    t1 = time.perf_counter()
    payload = profile_payload(p)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0, (p, payload)


def main() -> None:
    data_dir = sys.argv[1] if len(sys.argv) > 1 else None
    load_before = os.getloadavg()[0]
    cold_profile, cold_total, (p, payload) = timed(0.0, data_dir)
    print(f"imports: {IMPORT_S * 1000:.0f} ms (not counted)")
    print(f"cold first call: profile {cold_profile * 1000:.1f} ms, with payload {cold_total * 1000:.1f} ms "
          f"[{p.total_m / 1000:.1f} km, {p.n} samples, {len(p.psr_bands)} PSR bands, "
          f"DEMs {sorted(set(p.elevation_product.tolist()))}]")
    prof, total = [], []
    for k in range(RUNS):
        a, b, _ = timed(9.0 * (k + 1), data_dir)
        prof.append(a)
        total.append(b)
    t0 = time.perf_counter()
    csv_text = profile_csv(p)
    csv_s = time.perf_counter() - t0
    med, worst = statistics.median(total), max(total)
    verdict = "OK" if worst <= BUDGET_S else "OVER BUDGET"
    print(f"warm, {RUNS} runs: profile median {statistics.median(prof) * 1000:.1f} ms, max {max(prof) * 1000:.1f} ms; "
          f"with payload median {med * 1000:.1f} ms, max {worst * 1000:.1f} ms (budget {BUDGET_S * 1000:.0f} ms) {verdict}")
    load_after = os.getloadavg()[0]
    print(f"machine load (1-minute average, {os.cpu_count()} cores): {load_before:.1f} before, {load_after:.1f} after")
    print(f"CSV export: {csv_s * 1000:.1f} ms ({len(csv_text):,} bytes); payload JSON {len(json.dumps(payload)):,} bytes")
    out = Path(__file__).resolve().parent / "results" / "bench_profile.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "profile of a 100 km line through Shackleton's centre, 1,000 samples",
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "budget_ms": BUDGET_S * 1000, "runs": RUNS, "imports_ms": round(IMPORT_S * 1000, 1),
        "cold_profile_ms": round(cold_profile * 1000, 1), "cold_with_payload_ms": round(cold_total * 1000, 1),
        "warm_profile_median_ms": round(statistics.median(prof) * 1000, 1),
        "warm_profile_max_ms": round(max(prof) * 1000, 1),
        "warm_with_payload_median_ms": round(med * 1000, 1), "warm_with_payload_max_ms": round(worst * 1000, 1),
        "csv_export_ms": round(csv_s * 1000, 1), "csv_bytes": len(csv_text), "payload_json_bytes": len(json.dumps(payload)),
        "load_average_1min": [round(load_before, 2), round(load_after, 2)], "cpu_count": os.cpu_count(),
        "verdict": verdict,
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
