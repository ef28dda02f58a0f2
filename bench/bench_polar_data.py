"""Benchmarks of the "sharper data" work (1.6 km polar LOLA DEM, 400 m WAC mosaic, official PSR outlines).

    python bench/bench_polar_data.py [--mirror DIR] [--runs N] [--keep]

Everything runs on a fresh data folder in a temporary directory: the required
products of data/sources.toml are copied from the shared mirror (default
$LUNARMAP_DATA_MIRROR, else ../shared/lunar-data), then

1. ``python -m lunarmap prepare --data-dir TMP`` from scratch, in a child
   process: wall time (budget 60 s) and peak memory (budget 2 GB; the largest
   process by getrusage(RUSAGE_CHILDREN), and the whole process tree's RSS
   sampled every 0.1 s, whichever is larger);
2. the terrain horizon of one site (2 m mast, 0.5 deg azimuths) with the 1.6 km
   DEM: Shackleton rim (89.9 S 0 E) and the IM-1 site (80.13 S 1.44 E), first
   call and warm (best of 3), budget 1 s each;
3. Sun/Earth visibility of 10 catalogue sites poleward of 70 S over 365 days
   at 1 h steps (lunarmap.compare.sites_visibility), budget 5 s;
4. the sunlit-% grid of a 100 x 100 km square around Shackleton at 1 km spacing
   over 30 days at 2 h steps (region_visibility, 2 deg azimuths), and the
   dashboard's map layer for the same view (its spacing, 3 deg azimuths, PNG),
   budget 60 s each;
5. the dashboard's default view under Streamlit's AppTest with
   LUNARMAP_DATA_DIR = the prepared folder: size of the map data (budget 1 MB),
   rasters as content-hashed static file URLs (no data: URL), the median
   server time of a rerun after toggling ``show_psr`` and after changing the
   ``opacity_elevation`` slider (budget 150 ms each); plus the sizes of the
   display images in prepared/display.

Each figure is printed beside its budget; the figures also go to
bench/results/bench_polar_data-<time>.json. Exit status 0 when everything is
within budget, 1 when something is over or failed, 2 when the mirror is missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DEFAULT_MIRROR = ROOT.parent / "shared" / "lunar-data"
RESULTS_DIR = ROOT / "bench" / "results"
POLAR_DEM = "ldem256_south_polar_1600m.tif"

BUDGET_PREPARE_S = 60.0
BUDGET_PREPARE_GB = 2.0
BUDGET_HORIZON_S = 1.0
BUDGET_SITES_VIS_S = 5.0
BUDGET_REGION_S = 60.0
BUDGET_SPEC_MB = 1.0
BUDGET_RERUN_S = 0.150

HORIZON_SITES = (("Shackleton rim", 0.0, -89.9), ("IM-1 site", 1.44, -80.13))
SHACKLETON_LONLAT = (0.0, -89.9)
START = "2025-01-01"
_HASHED_URL = re.compile(r"^app/static/[A-Za-z0-9_.]+-([0-9a-f]{12})\.[A-Za-z0-9]+$")


class Bench:
    """Collects the figures: prints each beside its budget and keeps them for the results file."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.notes: dict[str, object] = {}
        self.failures: list[str] = []

    def figure(self, name: str, value: float, unit: str, budget: float | None, extra: str = "") -> bool:
        ok = budget is None or value <= budget
        verdict = "" if budget is None else ("ok" if ok else "OVER BUDGET")
        shown_budget = "" if budget is None else f"budget {budget:>8g} {unit}"
        print(f"  {name:<62} {value:>10.3f} {unit:<3} {shown_budget:<20} {verdict} {extra}".rstrip(), flush=True)
        self.rows.append(dict(name=name, value=value, unit=unit, budget=budget, ok=ok, extra=extra))
        return ok

    def check(self, name: str, ok: bool, extra: str = "") -> bool:
        print(f"  {name:<62} {'yes' if ok else 'NO':>10}     {'':<20} {'ok' if ok else 'FAILED'} {extra}".rstrip(),
              flush=True)
        self.rows.append(dict(name=name, value=bool(ok), unit="", budget=True, ok=bool(ok), extra=extra))
        return ok

    def failed(self, stage: str, err: BaseException) -> None:
        print(f"  FAILED: {stage}: {type(err).__name__}: {err}", flush=True)
        traceback.print_exc(limit=6)
        self.failures.append(f"{stage}: {type(err).__name__}: {err}")

    @property
    def all_ok(self) -> bool:
        return not self.failures and all(r["ok"] for r in self.rows)


# --- the mirror and the fresh data folder ------------------------------------------------------------------------


def check_mirror(mirror: Path) -> list[str]:
    """Problems with the mirror (empty list: every required product is there, by relative path or by name)."""
    from lunarmap.catalog import load_catalog

    if not mirror.is_dir():
        return [f"the mirror folder {mirror} does not exist"]
    missing = []
    for p in load_catalog().required_products():
        if not (mirror / p.file).is_file() and not (mirror / Path(p.file).name).is_file():
            missing.append(f"{p.name} ({p.file})")
    return [f"the mirror {mirror} lacks required product {m}" for m in missing]


def fetch_into(data: Path, mirror: Path, bench: Bench) -> None:
    from lunarmap.catalog import load_catalog
    from lunarmap.fetch import fetch_all

    t0 = time.perf_counter()
    report = fetch_all(data_dir=data, mirror=str(mirror))
    secs = time.perf_counter() - t0
    required = {p.file for p in load_catalog().required_products()}
    absent = sorted(f for f in required if not (data / f).is_file())
    if absent:
        raise RuntimeError(f"after fetch, missing in {data}: {absent}")
    size = sum((data / f).stat().st_size for f in required)
    print(f"  {report.summary()} in {secs:.2f} s ({len(required)} required files, {size / 1e6:.1f} MB)", flush=True)
    bench.notes["fetch"] = dict(seconds=secs, products=len(report.outcomes), bytes=size,
                                actions=sorted({o.action for o in report.outcomes}))


# --- 1. prepare ----------------------------------------------------------------------------------------------------


def _tree_rss_kib(pid: int) -> int:
    """Resident memory (KiB) of a process and all its descendants, from /proc (0 if it is gone)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for ln in f:
                    if ln.startswith("VmRSS:"):
                        total += int(ln.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def bench_prepare(data: Path, bench: Bench) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cmd = [sys.executable, "-m", "lunarmap", "prepare", "--data-dir", str(data)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree = [0]
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            peak_tree[0] = max(peak_tree[0], _tree_rss_kib(proc.pid))
            stop.wait(0.1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    poller.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError(f"prepare exited with {proc.returncode}:\n{err.strip()[-3000:]}")
    # ru_maxrss of the children is a running maximum: it is prepare's own only if it rose (nothing ran before it)
    largest_kib = after if after > before else None
    steps = [ln.strip() for ln in out.splitlines() if ln.startswith("  ")]
    peak_kib = max(largest_kib or 0, peak_tree[0])
    bench.figure("1. prepare from scratch (wall time, child process)", wall, "s", BUDGET_PREPARE_S)
    largest = f"{largest_kib / 1024:,.0f} MB" if largest_kib else "n/a"
    bench.figure("1. prepare from scratch (peak memory)", peak_kib / 1024 / 1024, "GB", BUDGET_PREPARE_GB,
                 f"[largest process {largest}; process tree sampled every 0.1 s {peak_tree[0] / 1024:,.0f} MB]")
    print("     steps:", flush=True)
    for s in steps:
        print(f"       {s}", flush=True)
    bench.notes["prepare"] = dict(wall_s=wall, largest_process_kib=largest_kib, tree_peak_kib=peak_tree[0], steps=steps,
                                  summary=out.strip().splitlines()[-1] if out.strip() else "")


# --- 2. horizon ------------------------------------------------------------------------------------------------------


def bench_horizon(data: Path, bench: Bench) -> None:
    from lunarmap.horizon import horizon_profile

    for name, lon, lat in HORIZON_SITES:
        t0 = time.perf_counter()
        h = horizon_profile(lon, lat, 2.0, data_dir=data)
        first = time.perf_counter() - t0
        warm = []
        for _ in range(3):
            t0 = time.perf_counter()
            horizon_profile(lon, lat, 2.0, data_dir=data)
            warm.append(time.perf_counter() - t0)
        polar = Path(POLAR_DEM).stem in h.data
        extra = (f"[{h.azimuth_deg.size} azimuths, out to {h.max_distance_m / 1000:.0f} km, data: {h.data}; "
                 f"skyline {np.nanmin(h.elevation_deg):.2f}..{np.nanmax(h.elevation_deg):.2f} deg]")
        where = f"{abs(lat):g} S {lon:g} E"
        bench.figure(f"2. horizon {name} ({where}), first call", first, "s", BUDGET_HORIZON_S)
        bench.figure(f"2. horizon {name} ({where}), warm (best of 3)", min(warm), "s", BUDGET_HORIZON_S, extra)
        bench.check(f"2. horizon {name} samples the 1.6 km polar DEM", polar)
        bench.notes[f"horizon {name}"] = dict(first_s=first, warm_s=warm, data=h.data,
                                              resolution_m=list(map(float, h.resolution_m)))


# --- 3. visibility of 10 sites -------------------------------------------------------------------------------------


def bench_sites_visibility(data: Path, bench: Bench) -> None:
    from lunarmap.compare_visibility import sites_visibility
    from lunarmap.ephemeris import moon_frame_vectors
    from lunarmap.sites import load_sites

    moon_frame_vectors(np.array([START], dtype="datetime64[s]"))  # load the kernels once (not timed)
    sites = [s for s in load_sites() if s.lonlat[1] < -70.0][:10]
    if len(sites) < 10:
        print(f"  note: only {len(sites)} catalogue sites lie poleward of 70 S", flush=True)
    t0 = time.perf_counter()
    results = sites_visibility(sites, START, days=365, step_hours=1, mast_m=2.0, data_dir=data)
    secs = time.perf_counter() - t0
    steps = results[0].n_samples
    sunlit = [r.sunlit_fraction for r in results]
    bench.figure(f"3. visibility of {len(sites)} sites, 365 days hourly", secs, "s", BUDGET_SITES_VIS_S,
                 f"[{steps} steps; sunlit {min(sunlit):.0%}..{max(sunlit):.0%}; "
                 f"horizon data: {sorted({r.horizon.data for r in results})}]")
    bench.notes["sites_visibility"] = dict(seconds=secs, sites=[s.id for s in sites],
                                           sunlit={s.id: float(f) for s, f in zip(sites, sunlit, strict=True)})


# --- 4. sunlit-% map -----------------------------------------------------------------------------------------------


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (the region's worker processes)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_region(data: Path, bench: Bench) -> None:
    from shapely.geometry import box

    from lunarmap.crs import lonlat_to_polar
    from lunarmap.sunlit_map import MAP_AZIMUTH_STEP_DEG, choose_spacing_km, clip_view, png_bytes, sunlit_image
    from lunarmap.visibility import region_visibility

    cx, cy = (float(v) for v in lonlat_to_polar(*SHACKLETON_LONLAT))
    view = clip_view(cx - 50_000, cy - 50_000, cx + 50_000, cy + 50_000)
    assert view.equals(box(cx - 50_000, cy - 50_000, cx + 50_000, cy + 50_000)), "the square lies inside the coverage"
    calls: list[int] = []
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    r = region_visibility(view, START, days=30, step_hours=2, spacing_km=1.0, data_dir=data,
                          progress=lambda done, total: calls.append(done))
    secs = time.perf_counter() - t0
    cpu = _cpu_s() - cpu0
    rays = re.search(r"steps [^;]*? m", r.method)
    bench.figure("4. sunlit-% grid 100 x 100 km @ 1 km, 30 d / 2 h (2 deg az)", secs, "s", BUDGET_REGION_S,
                 f"[{r.n_points} points, mean sunlit {r.sunlit_fraction.mean():.1%}; {cpu:.0f} CPU s in "
                 f"{os.cpu_count()} workers ({cpu / r.n_points * 1000:.1f} ms per point); "
                 f"{rays.group(0) if rays else ''}; data {r.method.split('; data ')[-1]}]")
    spacing = choose_spacing_km(view)
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    m = region_visibility(view, START, days=30, step_hours=2, spacing_km=spacing, data_dir=data,
                          azimuth_step_deg=MAP_AZIMUTH_STEP_DEG)
    png = png_bytes(sunlit_image(m, view))
    secs_map = time.perf_counter() - t0
    cpu_map = _cpu_s() - cpu0
    bench.figure(f"4. sunlit-% map layer, same view ({spacing:g} km, {MAP_AZIMUTH_STEP_DEG:g} deg az, PNG)", secs_map,
                 "s", BUDGET_REGION_S, f"[{m.n_points} points, {cpu_map:.0f} CPU s, {len(png) / 1000:.0f} kB PNG]")
    bench.notes["region"] = dict(grid_s=secs, grid_cpu_s=cpu, map_cpu_s=cpu_map, grid_points=int(r.n_points), map_s=secs_map, map_points=int(m.n_points),
                                 map_spacing_km=spacing, centre_m=[cx, cy])


# --- 5. the page -----------------------------------------------------------------------------------------------------


def bench_page(data: Path, runs: int, bench: Bench) -> None:
    os.environ["LUNARMAP_DATA_DIR"] = str(data)
    for var in ("LUNARMAP_SITES_FILE", "LUNARMAP_DATA_MIRROR"):
        os.environ.pop(var, None)
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    from lunarmap_ui.static_files import STATIC_DIR

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception}")
    comps = at.get("bidi_component")
    if len(comps) != 1:
        raise RuntimeError(f"expected one map component, found {len(comps)}")
    payload = comps[0].proto.json
    spec = json.loads(payload)["spec"]
    bitmaps = [x for x in spec["layers"] if x.get("@@type") == "BitmapLayer"]
    print(f"  first script run (imports, catalogue, publishing): {first:.2f} s; map layers: "
          f"{[x['id'] for x in spec['layers']]}", flush=True)
    bench.figure("5. map data sent for the default view", len(payload.encode()) / 1e6, "MB", BUDGET_SPEC_MB,
                 f"[{len(payload.encode()):,} bytes, {len(spec['layers'])} layers]")
    bench.check("5. no data: URL in the map data", "data:" not in payload)
    bad = []
    for layer in bitmaps:
        url = layer.get("image", "")
        m = _HASHED_URL.match(url) if isinstance(url, str) else None
        served = STATIC_DIR / url.removeprefix("app/static/") if m else None
        if not m or not served.is_file():
            bad.append(f"{layer['id']}: {url!r:.80}")
        elif hashlib.sha256(served.read_bytes()).hexdigest()[:12] != m.group(1):
            bad.append(f"{layer['id']}: name does not match the content's SHA-256")
    bench.check(f"5. rasters are content-hashed static files ({len(bitmaps)} bitmaps)", bool(bitmaps) and not bad,
                "[" + "; ".join(bad or [x["image"].removeprefix("app/static/") for x in bitmaps]) + "]")

    toggles, sliders = [], []
    for i in range(runs):
        t = time.perf_counter()
        at.toggle(key="show_psr").set_value(i % 2 == 1).run()
        toggles.append(time.perf_counter() - t)
        t = time.perf_counter()
        at.slider(key="opacity_elevation").set_value(30 + (i % 5) * 10).run()
        sliders.append(time.perf_counter() - t)
        if at.exception:
            raise RuntimeError(f"the page raised on a rerun: {at.exception}")
    fmt = f"[min {min(toggles) * 1000:.0f} ms, max {max(toggles) * 1000:.0f} ms]"
    bench.figure(f"5. rerun after toggling show_psr (median of {runs})", statistics.median(toggles), "s",
                 BUDGET_RERUN_S, fmt)
    bench.figure(f"5. rerun after the opacity_elevation slider (median of {runs})", statistics.median(sliders), "s",
                 BUDGET_RERUN_S, f"[min {min(sliders) * 1000:.0f} ms, max {max(sliders) * 1000:.0f} ms]")
    bench.notes["page"] = dict(first_run_s=first, spec_bytes=len(payload.encode()), toggles_s=toggles,
                               sliders_s=sliders, layers=[x["id"] for x in spec["layers"]],
                               bitmaps={x["id"]: x.get("image") for x in bitmaps})


def display_sizes(data: Path, bench: Bench) -> None:
    folder = data / "prepared" / "display"
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    listed = {}
    try:
        from lunarmap.prepare import display_layers

        listed = {ly.path.name: ly.name for ly in display_layers(data)}
    except Exception as err:  # noqa: BLE001 - the listing is informative only
        print(f"  (display.json not readable: {err})", flush=True)
    print(f"  display images in prepared/display ({sum(p.stat().st_size for p in files):,} bytes in all):", flush=True)
    for p in files:
        print(f"    {p.name:<36} {p.stat().st_size:>12,} bytes   {listed.get(p.name, '(not in display.json)')}",
              flush=True)
    bench.notes["display_bytes"] = {p.name: p.stat().st_size for p in files}


# --- main ------------------------------------------------------------------------------------------------------------


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def run(data: Path, args: argparse.Namespace, bench: Bench) -> None:
    stages = [
        ("fetch (copy the required products from the mirror)", lambda: fetch_into(data, args.mirror, bench)),
        ("1. prepare from scratch", lambda: bench_prepare(data, bench)),
        ("2. horizon of one site with the 1.6 km DEM", lambda: bench_horizon(data, bench)),
        ("3. visibility of 10 sites, 365 days hourly", lambda: bench_sites_visibility(data, bench)),
        ("4. sunlit-% map 100 x 100 km", lambda: bench_region(data, bench)),
        ("5. the page's default view (AppTest)", lambda: bench_page(data, args.runs, bench)),
        ("display images", lambda: display_sizes(data, bench)),
    ]
    for i, (title, func) in enumerate(stages):
        print(f"\n{title} (load average {os.getloadavg()[0]:.1f})", flush=True)
        try:
            func()
        except Exception as err:  # noqa: BLE001 - report and go on with the next stage
            bench.failed(title, err)
            if i <= 1:   # without the fetched and prepared folder nothing else means anything
                print("  stopping: the later figures need the prepared data folder", flush=True)
                return


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path,
                        default=Path(os.environ.get("LUNARMAP_DATA_MIRROR") or DEFAULT_MIRROR),
                        help="folder holding the source products (default: $LUNARMAP_DATA_MIRROR or %(default)s)")
    parser.add_argument("--runs", type=int, default=10, help="page reruns per widget figure (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder and print its path")
    args = parser.parse_args()
    args.mirror = args.mirror.expanduser().resolve()

    problems = check_mirror(args.mirror)
    if problems:
        print("cannot run: " + "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""),
              file=sys.stderr)
        print("pass --mirror DIR or set LUNARMAP_DATA_MIRROR to a folder holding the products listed in "
              "data/sources.toml (e.g. ../shared/lunar-data)", file=sys.stderr)
        return 2

    started = dt.datetime.now()
    commit, dirty = _git("rev-parse", "--short", "HEAD"), bool(_git("status", "--porcelain", "--untracked-files=no"))
    print(f"bench_polar_data: {started:%Y-%m-%d %H:%M:%S}, commit {commit}{' + uncommitted edits' if dirty else ''}, "
          f"{os.cpu_count()} CPUs (load {os.getloadavg()[0]:.1f}), Python {platform.python_version()}, "
          f"mirror {args.mirror}", flush=True)
    bench = Bench()
    tmp = tempfile.mkdtemp(prefix="lunarmap-bench-polar-")
    data = Path(tmp) / "data"
    t_all = time.perf_counter()
    try:
        run(data, args, bench)
    finally:
        if args.keep:
            print(f"\nkept the data folder: {data}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    total = time.perf_counter() - t_all

    print(f"\n{'all within budget' if bench.all_ok else 'SOMETHING IS OVER BUDGET OR FAILED'} "
          f"({total:.0f} s in all; this process's peak memory "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")
    for f in bench.failures:
        print(f"  failed: {f}")
    for r in bench.rows:
        if not r["ok"] and r["unit"]:
            print(f"  over: {r['name']}: {r['value']:.3f} {r['unit']} (budget {r['budget']:g} {r['unit']})")
        elif not r["ok"]:
            print(f"  check failed: {r['name']} {r['extra']}".rstrip())

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"bench_polar_data-{started:%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(dict(started=started.isoformat(timespec="seconds"), commit=commit, dirty=dirty,
                                   cpus=os.cpu_count(), loadavg=os.getloadavg(), python=platform.python_version(), mirror=str(args.mirror),
                                   total_s=total, ok=bench.all_ok, figures=bench.rows, failures=bench.failures,
                                   notes=bench.notes), indent=2, default=str))
    print(f"results written to {out.relative_to(ROOT)}")
    return 0 if bench.all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
