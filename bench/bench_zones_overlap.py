"""Benchmark: hundreds of mutually overlapping keep-out zones (the file that used to take the server down).

    python bench/bench_zones_overlap.py [--zones 300] [--radius-km 50] [--skip-server]

Writes a GeoJSON of N geodesic circles (radius 50 km, centres within 20 km of
85 S 30 E: every pair overlaps, N (N - 1) / 2 pairs, 44,850 for 300; about
4.6 MB, seven owners), then measures, each in a fresh child process so peak
memory is its own:

1. the analysis the page runs (``analyse_zones``) and the map data it sends
   (``lunarmap.zone_layers.map_pieces``): wall time (budget 10 s), peak memory (budget
   1 GB) and the size of the map data as JSON (budget 5 MB per rerun at any
   zone count);
2. ``python -m lunarmap zones check FILE --format json`` on the same file, no
   PSR data: wall time and peak memory (it took 40 s and 1.8 GB before);
3. what one heavy session does to another on a real server (skip with
   ``--skip-server``): ``streamlit run dashboard.py`` on a free 127.0.0.1 port
   over synthetic display layers (``tests/display_data.write_display_data``,
   no real data needed) with its scenario store in a temporary folder, and two
   contexts of Debian's Chromium (headless, through playwright). Session B
   first toggles the layer "Graticule" (the map's layer list) five times alone (its rerun
   time without A, report only). Session A then imports the file (the "Import
   file" tab of "Add a zone exactly, or import zones", then "Import zones");
   from that click B keeps toggling, 0.5 s apart, until three of its reruns
   have started after A is done. Each rerun of B is timed from the click until
   a ``script_finished`` message has reached B (its websocket frames, seen
   through playwright), then Streamlit's status widget is gone and the map's
   ``.lm-root`` has ``data-loaded='1'``; split into click -> rerun request
   sent, click -> ``script_finished`` received, the rest (B's browser: both
   contexts share one Chromium, so A's drawing can slow B's) and the script
   run time the server reports (``page_profile``: the server runs with usage statistics on
   for it, and Chromium resolves no host but the loopback, so nothing leaves
   the machine). Printed: the time from the click on Import until A shows
   "Imported N zone(s)" and its map draws them (``data-zone-count`` = N,
   nothing held, loaded; watched inside A's page every 20 ms); B's rerun times
   while A works (median and max; budget: every one under 1 s), alone and
   after (report only); the map component message A receives in one rerun
   (the largest, from A's websocket frames; budget 5 MB); the server
   process's peak resident memory (VmHWM; budget 1 GB) and its resident
   memory a minute after A's browser context is closed (``--idle-wait``;
   report only: Streamlit keeps a closed session's state for a while). The
   machine's load average is printed too: other work on it shows in every
   figure of this part. Needs playwright and /usr/bin/chromium (not measured,
   with a note, without them); on a timeout the reason and the end of the
   server log are printed and the exit status is 1.

Figures are printed beside their budgets; exit status 1 when one is over.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
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
from lunarmap.zone_layers import map_pieces
zones = zones_from_geojson(open(sys.argv[2], "rb").read())
t0 = time.perf_counter()
report = analyse_zones(zones)
t1 = time.perf_counter()
pieces = map_pieces(zones, report)
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


# ----------------------------------------------------------------------------- part 3: a real server
#: Session A's page: watches for the import notice and the map showing the imported zones (epoch ms).
_WATCH_JS = r"""
(() => {
  const findRoot = () => {
    const direct = document.querySelector(".lm-root");
    if (direct) return direct;
    for (const el of document.querySelectorAll("*")) {
      const r = el.shadowRoot && el.shadowRoot.querySelector(".lm-root");
      if (r) return r;
    }
    return null;
  };
  window.__lmFindRoot = findRoot;
  window.__lmImport = null;
  window.__lmWatchImport = (n, text) => {
    const t = {};
    window.__lmImport = t;
    const iv = setInterval(() => {
      const now = performance.timeOrigin + performance.now();
      if (t.text === undefined && document.body.textContent.includes(text)) t.text = now;
      const r = findRoot();
      if (t.map === undefined && r && r.dataset.zoneCount === String(n) && r.dataset.held === "0"
          && r.dataset.loaded === "1") t.map = now;
      if (t.text !== undefined && t.map !== undefined) clearInterval(iv);
    }, 20);
  };
})();
"""

#: Session B's state: is a script running (status widget shown), has the map loaded all its layers.
_STATE_JS = """() => {
  const r = window.__lmFindRoot ? window.__lmFindRoot() : document.querySelector(".lm-root");
  return {busy: !!document.querySelector('[data-testid="stStatusWidget"]'), loaded: r ? r.dataset.loaded : null};
}"""
_IDLE_JS = f"() => {{ const s = ({_STATE_JS})(); return !s.busy && s.loaded === '1'; }}"
#: Pause between two of B's reruns (a person's pace; also lets B's own post-run work, gc included, end).
_B_PAUSE_MS = 500


class _Frames:
    """The ForwardMsgs a page receives: (perf_counter at dispatch, type, bytes, map component bytes).

    Also the script run times Streamlit reports (``page_profile`` ``exec_time``, seconds) in ``exec_s``.
    """

    def __init__(self) -> None:
        self.items: list[tuple[float, str, int, int]] = []
        self.exec_s: list[tuple[float, float]] = []

    def attach(self, pg) -> None:
        def hook(ws) -> None:
            ws.on("framereceived", self._received)
            ws.on("framesent", self._sent)

        pg.on("websocket", hook)

    def _sent(self, payload) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        kind = "?"
        try:
            msg = BackMsg()
            msg.ParseFromString(payload if isinstance(payload, bytes) else payload.encode())
            kind = msg.WhichOneof("type") or "?"
        except Exception:  # noqa: BLE001 - not a BackMsg
            pass
        self.items.append((time.perf_counter(), "sent:" + kind, 0, 0))

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        raw = payload if isinstance(payload, bytes) else payload.encode()
        kind, component = "?", 0
        try:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type") or "?"
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                if msg.delta.new_element.WhichOneof("type") == "bidi_component":
                    component = len(raw)
            elif kind == "page_profile":
                self.exec_s.append((time.perf_counter(), msg.page_profile.exec_time / 1e6))
        except Exception:  # noqa: BLE001 - a frame that is not a ForwardMsg is counted as "?"
            pass
        self.items.append((time.perf_counter(), kind, len(raw), component))

    def finished(self) -> int:
        return sum(1 for _, kind, _, _ in self.items if kind == "script_finished")

    def runs_since(self, t0: float) -> list[dict]:
        """The reruns received since ``t0``, each ending with a script_finished: bytes, map component bytes."""
        runs, cur = [], {"bytes": 0, "component": 0, "ref_hash": 0}
        for t, kind, size, component in self.items:
            if t < t0:
                continue
            cur["bytes"] += size
            cur["component"] = max(cur["component"], component)
            cur["ref_hash"] += kind == "ref_hash"
            if kind == "script_finished":
                runs.append(cur)
                cur = {"bytes": 0, "component": 0, "ref_hash": 0}
        return runs


class _Opener:
    """A browser context whose new pages record their websocket frames before they load anything."""

    def __init__(self, ctx, frames: _Frames) -> None:
        self.ctx, self.frames = ctx, frames

    def new_page(self, **kw):
        pg = self.ctx.new_page(**kw)
        self.frames.attach(pg)
        return pg


def _proc_status(pid: int, field: str) -> float:
    """A /proc/PID/status memory field (VmRSS, VmHWM) in MB."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith(field + ":"):
            return int(row.split()[1]) / 1024
    raise KeyError(field)


class _Timeout(Exception):
    pass


def _rerun(pg, frames: _Frames, toggle, timeout_s: float = 120.0) -> dict:
    """Click ``toggle``; seconds from the click until: the rerun is over (``total``: script_finished, idle,
    map loaded), the page sent its rerun request (``sent``), its script_finished reached the page
    (``finished``; both as dispatched to this process, within a polling step); the rest, in the browser
    (``browser``); and the server's own script run time (``script``: page_profile, NaN when none came)."""
    before = frames.finished()
    t0 = time.perf_counter()
    toggle.click(timeout=30_000)

    def timeout(what: str) -> _Timeout:
        state = pg.evaluate(_STATE_JS)
        return _Timeout(f"session B's rerun after toggling was not over within {timeout_s:.0f} s: {what} "
                        f"(status widget shown: {state['busy']}, map loaded: {state['loaded']})")

    # the script_finished first (the status widget shows late, if at all, so "no widget" alone proves nothing);
    # waiting in node's timers, not by evaluating in the page, to load the machine as little as possible
    while frames.finished() <= before:
        if time.perf_counter() - t0 > timeout_s:
            raise timeout("no script_finished message reached the page")
        pg.wait_for_timeout(20)
    try:
        pg.wait_for_function(_IDLE_JS, polling="raf", timeout=max(1_000, (timeout_s - time.perf_counter() + t0) * 1000))
    except Exception as err:  # noqa: BLE001 - playwright's TimeoutError
        raise timeout("the page did not become idle with its map loaded") from err
    done = time.perf_counter() - t0

    def first(what: str) -> float:
        return next((t - t0 for t, kind, _, _ in frames.items if kind == what and t >= t0), math.nan)

    runs = [x for t, x in frames.exec_s if t >= t0]
    finished = first("script_finished")
    return {"total": done, "sent": first("sent:rerun_script"), "finished": finished, "browser": done - finished,
            "script": sum(runs) if runs else math.nan}


def _median_max(values: list[float]) -> str:
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "none"
    return f"median {statistics.median(values) * 1000:5.0f} ms, max {max(values) * 1000:5.0f} ms"


def bench_server(path: Path, n: int, tmp: Path, idle_wait_s: float, a_timeout_s: float) -> bool:
    """Part 3: session A imports ``path`` while session B reruns; see the module docstring."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("3. not measured: playwright is not installed (run with --skip-server to silence this)")
        return True
    from bench._server import CHROMIUM, QUIET_OPTIONS, STREAMLIT, ServerDidNotStart, launch_chromium, start_server
    from tests.browser.mapframe import open_map_page, wait_idle
    from tests.display_data import write_display_data

    if not CHROMIUM.exists() or not STREAMLIT.exists():
        print(f"3. not measured: {CHROMIUM if not CHROMIUM.exists() else STREAMLIT} not found")
        return True
    data = write_display_data(tmp / "data")
    env = {"LUNARMAP_DATA_DIR": str(data), "LUNARMAP_SCENARIO_DB": str(tmp / "scenarios.gpkg"),
           "PYTHONWARNINGS": "ignore", "LUNARMAP_SITES_FILE": None}
    log_path = tmp / "streamlit.log"

    def fail(why: str) -> bool:
        print(f"3. FAILED: {why}\n   server log (last lines):\n" + "\n".join(
            "     " + r for r in log_path.read_text(errors="replace").splitlines()[-25:]))
        return False

    try:
        server = start_server(env=env, log_path=log_path, options=[
            *QUIET_OPTIONS, "--browser.gatherUsageStats", "true"])  # for page_profile (script run times)
    except ServerDidNotStart as err:
        return fail(str(err).splitlines()[0])
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p, offline=True)        # the browser stays offline
            try:
                return _two_sessions(browser, server.url, path, n, server.proc.pid, idle_wait_s, a_timeout_s,
                                     open_map_page, wait_idle)
            except _Timeout as err:
                return fail(str(err))
            except Exception as err:  # noqa: BLE001 - playwright's TimeoutError and the like: say what and where
                return fail(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            finally:
                browser.close()
    finally:
        server.stop()


def _two_sessions(browser, url: str, path: Path, n: int, pid: int, idle_wait_s: float, a_timeout_s: float,
                  open_map_page, wait_idle) -> bool:
    viewport = {"width": 1400, "height": 1300}
    frames_a, frames_b = _Frames(), _Frames()
    ctx_a = browser.new_context(viewport=viewport)
    ctx_a.add_init_script(_WATCH_JS)
    ctx_b = browser.new_context(viewport=viewport)
    ctx_b.add_init_script(_WATCH_JS)
    t0 = time.perf_counter()
    a = open_map_page(_Opener(ctx_a, frames_a), url, timeout_ms=90_000)
    b = open_map_page(_Opener(ctx_b, frames_b), url, timeout_ms=90_000)
    wait_idle(a, timeout_ms=90_000)
    wait_idle(b, timeout_ms=90_000)
    print(f"3. a real server (streamlit run, synthetic display layers), two Chromium sessions "
          f"(both pages up in {time.perf_counter() - t0:.1f} s; server RSS {_proc_status(pid, 'VmRSS'):.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    b.get_by_role("button", name="Layers").click(timeout=30_000)       # the map's layer list (a popover)
    toggle = b.get_by_test_id("stPopoverBody").get_by_text("Graticule", exact=True)
    toggle.wait_for(state="visible", timeout=30_000)
    alone_runs = []
    for _ in range(5):
        alone_runs.append(_rerun(b, frames_b, toggle))
        b.wait_for_timeout(_B_PAUSE_MS)
    alone = [r["total"] for r in alone_runs]
    b_bytes_alone = [r["bytes"] for r in frames_b.runs_since(0.0)[-5:]]

    # A: the import form, the file chosen and uploaded, then the timed click
    a.get_by_text("Add a zone exactly, or import zones").click(timeout=30_000)
    wait_idle(a, timeout_ms=90_000)
    a.get_by_role("tab", name="Import file").click(timeout=30_000)
    wait_idle(a, timeout_ms=90_000)
    a.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    a.get_by_text(path.name).first.wait_for(state="visible", timeout=60_000)
    wait_idle(a, timeout_ms=90_000)
    button = a.get_by_role("button", name="Import zones")
    button.wait_for(state="visible", timeout=30_000)
    a.evaluate("([n, text]) => window.__lmWatchImport(n, text)", [n, f"Imported {n} zone(s)"])
    t_click_epoch = time.time() * 1000
    t_click = time.perf_counter()
    button.click(timeout=30_000)

    # B: reruns while A works, then three more
    during_runs: list[dict] = []
    after: list[float] = []
    done_epoch = None
    while len(after) < 3:
        started = time.time() * 1000
        r = _rerun(b, frames_b, toggle)
        if done_epoch is None:
            seen = a.evaluate("() => window.__lmImport")
            if seen and "text" in seen and "map" in seen:
                done_epoch = max(seen["text"], seen["map"])
        if done_epoch is None or started < done_epoch:
            during_runs.append(r)
        else:
            after.append(r["total"])
        if done_epoch is None and time.perf_counter() - t_click > a_timeout_s:
            seen = a.evaluate("() => window.__lmImport") or {}
            root = a.locator(".lm-root")
            raise _Timeout(f"session A did not show 'Imported {n} zone(s)' and its {n} zones on the map within "
                           f"{a_timeout_s:.0f} s (notice seen: {'text' in seen}; map shows "
                           f"{root.get_attribute('data-zone-count')} zones, held {root.get_attribute('data-held')}, "
                           f"loaded {root.get_attribute('data-loaded')})")
        b.wait_for_timeout(_B_PAUSE_MS)
    during = [r["total"] for r in during_runs]
    seen = a.evaluate("() => window.__lmImport")
    wait_idle(a, timeout_ms=120_000)
    a_runs = frames_a.runs_since(t_click)
    hwm_done = _proc_status(pid, "VmHWM")
    ok = True
    line("A: click on Import -> notice and zones drawn", (done_epoch - t_click_epoch) / 1000, "s", None)
    print(f"     (notice after {(seen['text'] - t_click_epoch) / 1000:.1f} s, {n} zones drawn after "
          f"{(seen['map'] - t_click_epoch) / 1000:.1f} s; {len(a_runs)} reruns of A)")
    if during:
        ok &= line(f"B while A works: slowest of {len(during)} reruns", max(during), "s", 1.0)
        line("B while A works: median rerun", statistics.median(during), "s", None)
    else:
        print("  B while A works: no rerun of B fell inside A's work (A was quicker than one rerun of B)")
    line(f"B alone, before A's import: median of {len(alone)} reruns", statistics.median(alone), "s", None)
    line(f"B after A's import: median of {len(after)} reruns", statistics.median(after), "s", None)
    print(f"     B's reruns while A works, ms: {', '.join(f'{x * 1000:.0f}' for x in during)}")
    print("     B's reruns split (while A works | alone):")
    for key, what in (("sent", "click -> rerun request sent"), ("finished", "click -> script_finished received"),
                      ("script", "server script run (page_profile)"),
                      ("browser", "script_finished -> idle, map loaded")):
        print(f"       {what:<36} {_median_max([r[key] for r in during_runs])} | "
              f"{_median_max([r[key] for r in alone_runs])}")
    if a_runs:
        biggest = max(a_runs, key=lambda r: r["bytes"])
        component = max(r["component"] for r in a_runs)
        ok &= line("map component data A receives in one rerun", component / 1e6, "MB", 5.0)
        line("all A receives in its largest rerun", biggest["bytes"] / 1e6, "MB", None)
    else:
        print("  A's websocket frames not seen: payload not measured")
    if b_bytes_alone:
        line("all B receives per toggle rerun (median)", statistics.median(b_bytes_alone) / 1e6, "MB", None)
    ok &= line("server peak resident memory (VmHWM)", hwm_done, "MB", 1024.0)
    ctx_a.close()
    print(f"  A's context closed; waiting {idle_wait_s:.0f} s ...", flush=True)
    end = time.monotonic() + idle_wait_s
    while time.monotonic() < end:   # keep B's page served meanwhile, as a user would leave it open
        b.wait_for_timeout(min(5_000, max(0, (end - time.monotonic()) * 1000)))
    line(f"server resident memory {idle_wait_s:.0f} s after A left (VmRSS)", _proc_status(pid, "VmRSS"), "MB", None)
    print(f"  load average at the end {os.getloadavg()[0]:.1f} (1 min)")
    if a.errors or b.errors:
        print(f"  page errors: A {a.errors[:3]}, B {b.errors[:3]}")
    ctx_b.close()
    return ok


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
    parser.add_argument("--skip-server", action="store_true", help="parts 1-2 only (no streamlit, no browser)")
    parser.add_argument("--idle-wait", type=float, default=60.0, metavar="S",
                        help="part 3: seconds to wait after A's context is closed before reading RSS (default 60)")
    parser.add_argument("--import-timeout", type=float, default=600.0, metavar="S",
                        help="part 3: seconds allowed for A's import to show (default 600)")
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
        if not args.skip_server:
            ok &= bench_server(path, args.zones, Path(tmp), args.idle_wait, args.import_timeout)
    print("all within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
