"""Benchmark: a zone drawn on the dashboard's map, 50 zones, real data, real server, real browser.

Budget (issue "Keep-out zones"): from finishing a drawn zone to the conflict table and the
highlighted map updated, under 500 ms server time with 50 zones and the 60 m PSR grid.

What runs: 50 geodesic circle zones of five owners inside the 60 m PSR grid (centres spread
evenly over the disc of 120 km round the pole, i.e. to about 86 S; radii 2 to 28 km; 65
conflicts) are saved with
:class:`lunarmap.scenarios.ScenarioStore` to a temporary GeoPackage; ``streamlit run dashboard.py``
serves the page over the prepared data (``LUNARMAP_SCENARIO_DB`` pointing at that file), and
Debian's Chromium (headless, through playwright) opens ``?scenario=<id>``. The map is zoomed in
with the mouse wheel until the PSR grid about fills it. Then five circles are drawn with the
toolbar's Circle tool (a 30 px drag) and one polygon with the Polygon tool (four clicks, then a
click on the first vertex), each by the default owner, so each overlap with a zone is a conflict.

Times per drawn zone:

* end to end, in the browser (``performance.now()``): from the mouse-up that finishes the shape to
  (1) the map component showing one zone more with no shape held back (``.lm-root`` attributes
  ``data-zone-count`` = previous + 1 and ``data-held`` = 0: its data carry the new zone, its
  conflict outlines and the overlap polygons), (2) the summary beside the map and (3) the red
  notice above the conflict table both showing the new conflict count (the count is worked out
  beforehand from the zones with :func:`lunarmap.zones.analyse_zones`). Found by DOM mutation
  observers, so a time is the end of the browser task that made the change.
* server: the script run time Streamlit itself measures on the server (``exec_time`` of the
  ``page_profile`` message its script runner sends after each run: from the start of the run,
  including the map component's ``on_draw`` callback, to the end of the script). Streamlit sends
  that message only with ``browser.gatherUsageStats`` on, so the server runs with it on and the
  browser is kept off every address but the loopback server (nothing leaves the machine).
  Not in it: the wait of the rerun request in the server's queue before the run starts, and the
  sending of the messages after it (both small on an idle machine; see the round trip below).
  Cross-check, also printed: the websocket round trip seen by the page (a hook on ``WebSocket``):
  from the ``rerun_script`` message the page sends after the mouse-up to the ``script_finished``
  message it receives (server time + loopback + the browser's own queueing).

Also printed, to tell browser time from server time: the page's main-thread long tasks (over
50 ms, from the browser's long-task timing) between the mouse-up and the rerun request, and the
bytes the page receives per rerun (the largest message is the map component's data).

Prints median and max of each over the five circles, the polygon's figures, the machine load
(``os.getloadavg``) before and after, and the server's first page load with 50 zones (cold: every
PSR area computed). Nothing is written into the repository except the files Streamlit publishes
into ``static/``; the GeoPackage and the server log live in a temporary folder.

Needs fetched and prepared data: python -m lunarmap fetch && python -m lunarmap prepare.
Needs playwright (Python package) and /usr/bin/chromium.
Run: python bench/bench_zones_page.py [--shots DIR]   (DIR: where to put screenshots, optional;
LM_BENCH_DEBUG=1 also lists every websocket message of each timed rerun)
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import CHROMIUM, QUIET_OPTIONS, launch_chromium, start_server  # noqa: E402
from lunarmap.crs import SOUTH_POLAR_CODE  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from lunarmap.scenarios import ScenarioStore  # noqa: E402
from lunarmap.zones import Zone, analyse_zones, circle_zone, polygon_zone  # noqa: E402
from tests.browser.mapframe import MapFrame, wait_idle  # noqa: E402

BUDGET_MS = 500.0
N_ZONES = 50
N_CIRCLES = 5
DRAG_PX = 30.0
#: Map width (metres) the wheel zoom aims at: the 60 m PSR grid is 303.5 km across.
VIEW_WIDTH_M = 330_000.0

#: Browser side, installed before the page loads: the time of every pointer-up, every websocket
#: frame while recording is on, and a watcher for the three "updated" conditions.
INIT_JS = r"""
(() => {
  window.__lmUp = null;
  window.addEventListener("pointerup", () => { window.__lmUp = performance.now(); }, true);
  window.__lmWs = [];
  window.__lmWsOn = false;
  window.__lmLong = [];   // the main thread's long tasks (> 50 ms): [start, duration]
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__lmLong.push([e.startTime, e.duration]);
    }).observe({ type: "longtask" });
  } catch (e) { /* no long-task timing in this browser */ }
  const Orig = window.WebSocket;
  class Hooked extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (window.__lmWsOn) window.__lmWs.push({ t: performance.now(), dir: "in", data: e.data });
      });
    }
    send(data) {
      if (window.__lmWsOn) window.__lmWs.push({ t: performance.now(), dir: "out", data });
      return super.send(data);
    }
  }
  window.WebSocket = Hooked;

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

  // Resolves with the first time each condition held: map (zone count n, nothing held),
  // sum (the summary's bold "c conflicts"), err (the red notice "c conflicts: zones of ...").
  window.__lmWatch = (n, c) => new Promise((resolve) => {
    const t = {};
    const root = findRoot();
    const conf = `${c} conflict${c === 1 ? "" : "s"}`;
    const notice = conf + ": zones of different owners share area";
    let done = false;
    const check = () => {
      if (done) return;
      const now = performance.now();
      if (t.map === undefined && root && root.dataset.zoneCount === String(n) && root.dataset.held === "0") {
        t.map = now;
      }
      if (t.err === undefined) {
        for (const el of document.querySelectorAll('[data-testid="stAlert"]')) {
          if (el.textContent.includes(notice)) { t.err = now; break; }
        }
      }
      if (t.sum === undefined) {
        for (const el of document.querySelectorAll("strong")) {
          if (el.textContent.trim() === conf) { t.sum = now; break; }
        }
      }
      if (t.map !== undefined && t.err !== undefined && t.sum !== undefined) finish();
    };
    const mo = new MutationObserver(check);
    mo.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    const mo2 = new MutationObserver(check);
    if (root) mo2.observe(root, { attributes: true });
    const iv = setInterval(check, 50);
    const to = setTimeout(() => { t.timeout = true; finish(); }, 60000);
    function finish() {
      done = true; mo.disconnect(); mo2.disconnect(); clearInterval(iv); clearTimeout(to); resolve(t);
    }
    check();
  });

  window.__lmFrames = () => {
    const b64 = (d) => {
      const u = d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      let s = "";
      for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const out = window.__lmWs.map((f) => ({ t: f.t, dir: f.dir, b64: typeof f.data === "string" ? null : b64(f.data) }));
    window.__lmWs = [];
    return out;
  };
})();
"""


# ----------------------------------------------------------------------------- zones and expectations
def pole_zones(n: int, seed: int) -> list[Zone]:
    """``n`` geodesic circles of five owners, centres within 120 km of the pole, radii 2-28 km: in the 60 m grid."""
    rng = np.random.default_rng(seed)
    owners = ["NASA", "CNSA", "ESA", "ISRO", "Roscosmos"]
    zones = []
    for i in range(n):
        # uniform over the disc of radius 120 km round the pole (1 degree of latitude is 30.3 km)
        lat = -90.0 + 120.0 / 30.32 * math.sqrt(float(rng.uniform(0.0, 1.0)))
        zones.append(circle_zone(f"zone {i}", owners[i % len(owners)], float(rng.uniform(-180, 180)), lat,
                                 float(rng.uniform(2, 28))))
    return zones


def n_conflicts(zones: list[Zone]) -> int:
    return len(analyse_zones(zones).conflicts)


def drawn_circle(centre_xy, edge_xy, owner: str) -> Zone:
    """The circle the server makes from a drag (centre and edge in polar metres; great-circle radius)."""
    from lunarmap.crs import polar_to_lonlat
    from lunarmap.geodesy import distance_m

    clon, clat = (float(v) for v in polar_to_lonlat(*centre_xy))
    elon, elat = (float(v) for v in polar_to_lonlat(*edge_xy))
    return circle_zone("drawn", owner, clon, clat, float(distance_m(clon, clat, elon, elat)) / 1000.0)


# ----------------------------------------------------------------------------- the page
def zoom_to_grid(pg) -> MapFrame:
    """Wheel-zoom about the pole until about ``VIEW_WIDTH_M`` of map fills the canvas width."""
    frame = MapFrame(pg)
    for _ in range(30):
        if frame.box["width"] * frame.mpp <= VIEW_WIDTH_M:
            break
        pg.mouse.move(*frame.to_screen(0.0, 0.0))
        pg.mouse.wheel(0, -120)
        pg.wait_for_timeout(400)
        frame = MapFrame(pg)
    pg.wait_for_timeout(500)
    return MapFrame(pg)


# ----------------------------------------------------------------------------- one timed zone
def decode(frames: list[dict], t_up: float) -> dict:
    """Server exec times and the websocket round trip of the reruns after the mouse-up."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sent = None
    runs: list[float] = []       # page_profile exec_time, ms, of each run after the mouse-up
    finished: list[float] = []   # browser time of each script_finished after it
    kinds: dict[str, int] = {}
    nbytes = biggest = 0
    for f in frames:
        if f["b64"] is None or f["t"] < t_up:
            continue
        raw = base64.b64decode(f["b64"])
        if os.environ.get("LM_BENCH_DEBUG"):
            m = BackMsg() if f["dir"] == "out" else ForwardMsg()
            m.ParseFromString(raw)
            print(f"    {f['t'] - t_up:8.1f} {f['dir']:3} {m.WhichOneof('type')} {len(raw)}")
        if f["dir"] == "out":
            msg = BackMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "rerun_script" and sent is None:
                sent = f["t"]
            continue
        if sent is None:
            continue
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type") or "?"
        kinds[kind] = kinds.get(kind, 0) + 1
        nbytes += len(raw)
        biggest = max(biggest, len(raw))
        if kind == "page_profile":
            runs.append(msg.page_profile.exec_time / 1000.0)
        elif kind == "script_finished":
            finished.append(f["t"])
    return {"sent": sent, "runs": runs, "finished": finished, "kinds": kinds, "bytes": nbytes, "biggest": biggest}


def timed(pg, n_after: int, conflicts_after: int, act) -> dict:
    """Do ``act`` (a draw ending in a mouse-up) and time the page and server until all is updated."""
    pg.evaluate("() => { window.__lmWs = []; window.__lmWsOn = true; window.__lmRes = null; window.__lmUp = null; }")
    pg.evaluate("([n, c]) => { window.__lmWatch(n, c).then((r) => { window.__lmRes = r; }); }",
                [n_after, conflicts_after])
    act()
    pg.wait_for_function("() => window.__lmRes !== null", timeout=70_000)
    res = pg.evaluate("() => window.__lmRes")
    t_up = pg.evaluate("() => window.__lmUp")
    wait_idle(pg, timeout_ms=120_000)   # let the rerun(s) finish so every frame is in
    pg.evaluate("() => { window.__lmWsOn = false; }")
    ws = decode(pg.evaluate("() => window.__lmFrames()"), t_up)
    long_tasks = pg.evaluate("() => { const l = window.__lmLong; window.__lmLong = []; return l; }")
    t_end = max(res["map"], res["sum"], res["err"])

    def busy(t0: float, t1: float) -> float:
        """Main-thread long-task time within [t0, t1] (ms)."""
        return sum(max(0.0, min(s + d, t1) - max(s, t0)) for s, d in long_tasks)

    if res.get("timeout"):
        root = pg.locator(".lm-root")
        raise SystemExit(f"the page did not update within 60 s: {res}; map shows "
                         f"{root.get_attribute('data-zone-count')} zones (held {root.get_attribute('data-held')}), "
                         f"expected {n_after} zones and {conflicts_after} conflicts")
    done = [t for t in ws["finished"] if t <= max(res.values()) + 1] or ws["finished"][:1]
    return {
        "map": res["map"] - t_up, "sum": res["sum"] - t_up, "err": res["err"] - t_up,
        "all": max(res["map"], res["sum"], res["err"]) - t_up,
        "server": ws["runs"][0] if ws["runs"] else math.nan,
        "server_all": sum(ws["runs"]), "n_runs": len(ws["runs"]),
        "up_to_send": (ws["sent"] - t_up) if ws["sent"] is not None else math.nan,
        "ws_rtt": (done[-1] - ws["sent"]) if ws["sent"] is not None and done else math.nan,
        "kinds": ws["kinds"], "bytes": ws["bytes"], "biggest": ws["biggest"],
        "busy_before_send": busy(t_up, ws["sent"]) if ws["sent"] is not None else math.nan,
        "busy_total": busy(t_up, t_end),
    }


def drag(pg, a, b) -> None:
    pg.mouse.move(*a)
    pg.mouse.down()
    pg.mouse.move(*b, steps=5)
    pg.mouse.up()


def circle_places(frame: MapFrame, zones: list[Zone], owner: str) -> list[tuple[tuple, tuple, int]]:
    """Five drags (screen start, screen end) and the conflict count after each; robust to a pixel either way."""
    places = []
    current = list(zones)
    for k in range(N_CIRCLES):
        for tries in range(24):
            # the right half of the map, below the toolbar: clear of the legend (top left)
            ang = math.radians(50 + 22 * k + 7 * tries)
            dist = 40_000.0 + 12_000.0 * k
            a = frame.to_screen(dist * math.sin(ang), dist * math.cos(ang))
            b = (a[0] + DRAG_PX, a[1])
            counts = set()
            for d in (-1.0, 0.0, 1.0):
                z = drawn_circle(frame.to_map(*a), frame.to_map(b[0] + d, b[1]), owner)
                counts.add(n_conflicts(current + [z]))
            # one count whatever the last pixel, and a new one: the page's text must change
            if len(counts) == 1 and min(counts) > n_conflicts(current):
                break
        z = drawn_circle(frame.to_map(*a), frame.to_map(*b), owner)
        current.append(z)
        places.append((a, b, counts.pop()))
    return places


def polygon_place(frame: MapFrame, zones: list[Zone], owner: str) -> tuple[list[tuple], int]:
    """A 40 px square near the pole (screen vertices) and the conflict count after it."""
    for tries in range(24):
        ang = math.radians(160 + 7 * tries)
        c = frame.to_screen(30_000.0 * math.sin(ang), 30_000.0 * math.cos(ang))
        pts = [(c[0] - 20, c[1] - 20), (c[0] + 20, c[1] - 20), (c[0] + 20, c[1] + 20), (c[0] - 20, c[1] + 20)]
        counts = set()
        for d in (-1.0, 0.0, 1.0):
            verts = [frame.to_map(x + d * (1 if x > c[0] else -1), y) for x, y in pts]
            counts.add(n_conflicts(zones + [polygon_zone("drawn", owner, verts, crs=SOUTH_POLAR_CODE)]))
        if len(counts) == 1 and min(counts) > n_conflicts(zones):
            return pts, counts.pop()
    return pts, counts.pop()


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values):6.0f} ms, max {max(values):6.0f} ms"


def run(shots: Path | None) -> None:
    from playwright.sync_api import sync_playwright

    root = data_dir()
    if not (root / "prepared" / "psr_60m.tif").exists():
        raise SystemExit(f"no prepared 60 m PSR grid in {root}; run: python -m lunarmap fetch && "
                         "python -m lunarmap prepare")
    if not CHROMIUM.exists():
        raise SystemExit("Debian chromium (/usr/bin/chromium) is not installed")
    load0 = os.getloadavg()
    zones = pole_zones(N_ZONES, 1)
    base_conflicts = n_conflicts(zones)
    tmp = Path(tempfile.mkdtemp(prefix="bench-zones-page-"))
    db = tmp / "scenarios.gpkg"
    sid = ScenarioStore(db).save("bench: 50 zones", zones)
    print(f"data: {root}; {N_ZONES} zones, {base_conflicts} conflicts; scenario {sid} in {db}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (1/5/15 min)")
    server = start_server(env={"LUNARMAP_SCENARIO_DB": str(db)}, log_path=tmp / "streamlit.log", options=[
        *QUIET_OPTIONS, "--browser.gatherUsageStats", "true"])    # for the page_profile (server exec_time) messages
    url = server.url
    try:
        with sync_playwright() as p:
            # nothing but the loopback server: usage statistics are on (for page_profile) and never sent
            browser = launch_chromium(p, offline=True)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1300})
            ctx.add_init_script(INIT_JS)
            pg = ctx.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda e: errors.append(str(e)))
            t0 = time.perf_counter()
            pg.goto(f"{url}?scenario={sid}")
            pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=180_000)
            pg.wait_for_selector(f".lm-root[data-zone-count='{N_ZONES}']", state="attached", timeout=180_000)
            wait_idle(pg, timeout_ms=120_000)
            print(f"first page load with {N_ZONES} zones (cold server: every PSR area): "
                  f"{time.perf_counter() - t0:.1f} s to the map with its zones")
            owner = pg.get_by_role("textbox", name="Owner of new zones").input_value()
            frame = zoom_to_grid(pg)
            print(f"view: {frame.box['width'] * frame.mpp / 1000:.0f} km across {frame.box['width']:.0f} px "
                  f"({frame.mpp:.0f} m/px); drawn circles: {DRAG_PX:.0f} px drag = "
                  f"{DRAG_PX * frame.mpp / 1000:.1f} km radius; new zones' owner {owner!r}")
            places = circle_places(frame, zones, owner)
            current = list(zones)
            results = []
            for k, (a, b, want) in enumerate(places):
                pg.get_by_role("button", name="Circle (C)").click()
                pg.wait_for_timeout(200)
                n = len(current) + 1
                r = timed(pg, n, want, lambda a=a, b=b: drag(pg, a, b))
                current.append(drawn_circle(frame.to_map(*a), frame.to_map(*b), owner))
                results.append(r)
                print(f"  circle {k + 1}: {n} zones, {want} conflicts; map {r['map']:5.0f} ms, summary "
                      f"{r['sum']:5.0f} ms, conflict notice {r['err']:5.0f} ms | server run {r['server']:5.0f} ms "
                      f"({r['n_runs']} run{'s' if r['n_runs'] != 1 else ''}), ws round trip {r['ws_rtt']:5.0f} ms, "
                      f"mouse-up to rerun request {r['up_to_send']:3.0f} ms, {r['bytes'] / 1e3:.0f} kB received "
                      f"(largest message {r['biggest'] / 1e3:.0f} kB); "
                      f"page main thread busy (long tasks) {r['busy_before_send']:4.0f} ms before the request, "
                      f"{r['busy_total']:4.0f} ms in all")
                if shots:
                    pg.screenshot(path=str(shots / f"bench-zones-page-circle-{k + 1}.png"))
            pts, want = polygon_place(frame, current, owner)
            pg.get_by_role("button", name="Polygon (G)").click()
            pg.wait_for_timeout(200)

            def draw_polygon() -> None:
                for pt in pts:
                    pg.mouse.click(*pt)
                    pg.wait_for_timeout(80)
                pg.mouse.click(pts[0][0] + 2, pts[0][1] + 2)

            poly = timed(pg, len(current) + 1, want, draw_polygon)
            if shots:
                pg.screenshot(path=str(shots / "bench-zones-page-polygon.png"))
            if errors:
                print(f"page errors: {errors}")
            browser.close()
    finally:
        server.stop()
    load1 = os.getloadavg()
    print(f"\n{N_CIRCLES} circles drawn on the page with {N_ZONES} + k zones (real data, 60 m PSR grid):")
    print(f"  end to end, mouse-up -> map updated (zone + overlap highlights): {fmt([r['map'] for r in results])}")
    print(f"  end to end, mouse-up -> summary beside the map:                   {fmt([r['sum'] for r in results])}")
    print(f"  end to end, mouse-up -> conflict notice above the table:          {fmt([r['err'] for r in results])}")
    print(f"  end to end, mouse-up -> all three:                                {fmt([r['all'] for r in results])}")
    print(f"  server script run (Streamlit page_profile exec_time):             "
          f"{fmt([r['server'] for r in results])}   (budget {BUDGET_MS:.0f} ms)")
    print(f"  websocket round trip, rerun request -> script_finished:           {fmt([r['ws_rtt'] for r in results])}")
    print(f"  page main thread busy (long tasks), mouse-up -> rerun request:  "
          f"{fmt([r['busy_before_send'] for r in results])}")
    print(f"  script runs per drawn zone: {sorted({r['n_runs'] for r in results})}; messages of one: "
          f"{results[-1]['kinds']}")
    print(f"polygon ({len(current) + 1} zones, {want} conflicts): map {poly['map']:.0f} ms, summary {poly['sum']:.0f} ms, "
          f"conflict notice {poly['err']:.0f} ms, server run {poly['server']:.0f} ms (budget {BUDGET_MS:.0f} ms), "
          f"ws round trip {poly['ws_rtt']:.0f} ms")
    print(f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, after {load1[0]:.2f} {load1[1]:.2f} "
          f"{load1[2]:.2f} (1/5/15 min, {os.cpu_count()} CPUs)")
    print(f"server log: {tmp / 'streamlit.log'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shots", type=Path, default=None, help="folder for screenshots (default: none)")
    args = ap.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    run(args.shots)


if __name__ == "__main__":
    main()
