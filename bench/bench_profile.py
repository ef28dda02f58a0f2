"""Benchmark: the elevation profile of a 100 km line near Shackleton, 1,000 samples (server side).

Budget (issue 15, "Speed"): under 300 ms of server time per profile. Timed: the profile itself
(:func:`lunarmap.profile.elevation_profile`: path, elevation, slopes, PSR and bands) and the chart payload the
page sends (:func:`lunarmap.profile_export.profile_payload`); the CSV export is timed apart. The modules are
imported first, as in the running page (their import, about 1.5 s with geopandas and pandas, is reported but not
counted). The first call in a fresh process (reading the DEMs, the PSR maps and outlines, their index and the
gazetteer into memory) is reported on its own, measured in new Python processes (the median of three): as it
is without help, and after :func:`lunarmap.profile.warm_up` (what the page does in a background thread at its
start, lunarmap_ui.tools_panel.start_warm_up), with the warm-up's own time. Then repeated runs, each line turned 9 degrees further about Shackleton's centre so every run reads other parts of
the PSR grid, give the median and the maximum. The machine's load average is reported beside them: on a shared
machine a busy moment shows in the maximum. Elevation and PSR data from the data folder
(LUNARMAP_DATA_DIR, default data/rasters; or give a folder as the first argument). Writes
bench/results/bench_profile.json. Run: python bench/bench_profile.py [DATA_DIR]
(``--first [--warm] [DATA_DIR]``: one first call in this process, as JSON; used by the run above).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

t_import = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lunarmap.psr_official  # noqa: E402,F401  (imported by the page already: geopandas/pandas, about 1 s)
from lunarmap.geodesy import forward  # noqa: E402
from lunarmap.profile import elevation_profile, warm_up  # noqa: E402
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


FRESH_RUNS = 3


def first_call(warm: bool, data_dir: str | None) -> None:
    """In this (fresh) process: the warm-up if asked, then the first profile with its payload; prints JSON (ms)."""
    warm_s = warm_up(data_dir) if warm else 0.0
    _, total, _ = timed(0.0, data_dir)
    print(json.dumps({"warm_up_ms": warm_s * 1000.0, "first_ms": total * 1000.0}))


def fresh(warm: bool, data_dir: str | None) -> dict[str, float]:
    """Median over FRESH_RUNS new processes of :func:`first_call` (ms)."""
    got = []
    for _ in range(FRESH_RUNS):
        cmd = [sys.executable, __file__, "--first", *(["--warm"] if warm else []), *([data_dir] if data_dir else [])]
        got.append(json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
                              .splitlines()[-1]))
    return {k: statistics.median(g[k] for g in got) for k in got[0]}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    data_dir = args[0] if args else None
    if "--first" in sys.argv:
        first_call("--warm" in sys.argv, data_dir)
        return
    load_before = os.getloadavg()[0]
    plain, warmed = fresh(False, data_dir), fresh(True, data_dir)
    cold_profile, cold_total, (p, payload) = timed(0.0, data_dir)
    print(f"imports: {IMPORT_S * 1000:.0f} ms (not counted)")
    print(f"first call in a fresh process (median of {FRESH_RUNS} processes), with payload: "
          f"{plain['first_ms']:.1f} ms as it is; {warmed['first_ms']:.1f} ms after the warm-up "
          f"(the warm-up itself {warmed['warm_up_ms']:.1f} ms, in the page's background thread) "
          f"{'OK' if warmed['first_ms'] <= BUDGET_S * 1000 else 'OVER BUDGET'}")
    print(f"this process's first call: profile {cold_profile * 1000:.1f} ms, with payload {cold_total * 1000:.1f} ms "
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
    verdict = "OK" if worst <= BUDGET_S and warmed["first_ms"] <= BUDGET_S * 1000 else "OVER BUDGET"
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
        "fresh_process_first_ms": round(plain["first_ms"], 1),
        "fresh_process_first_after_warm_up_ms": round(warmed["first_ms"], 1),
        "warm_up_ms": round(warmed["warm_up_ms"], 1),
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
