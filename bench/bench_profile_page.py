"""Benchmark: a 100 km elevation profile drawn on the dashboard's map, from the trigger to the chart drawn.

Budget (issue 15, "Speed"): a profile of a 100 km line with 1,000 samples under 1 s to the chart drawn in
headless Chromium (the server's share, under 300 ms, is bench/bench_profile.py's).

What runs: ``streamlit run dashboard.py`` over the prepared data (LUNARMAP_DATA_DIR, default data/rasters) on
a free loopback port, and Debian's Chromium (headless, through playwright). The page flies to Shackleton (the
search box) and is zoomed out with the mouse wheel until 130 km of map fit across the canvas. Then, with the
Profile tool (key L), lines of 100 km of map metres (within 0.3 % of 100 km on the sphere this near the pole;
each run's real length is read from the chart's title) through the view's centre are clicked, each turned 20
degrees further so every run is a new line (no cached profile), and finished with Enter.

Timed, in the browser (``performance.now()``): from the Enter key press (a capturing listener on the window
sees it before the component, which sends the ``profile`` trigger in the same task) to the chart drawn (the
component's ``lunarmap:profile-chart`` performance mark, set when the chart's SVG is in the page). In it: the
rerun request, the server's run of the map fragment (the profile, its payload, the panel), the component
data's trip back, and drawing the map layers and the chart. The first line is reported apart (cold: the
server reads the DEMs and the PSR outlines on first use). Prints median and max of the rest and the
machine's load average. The server's share, from its log (``LUNARMAP_TIMING``): the ``profile`` trigger's
callback (the profile and its payload) and the map fragment's run that follows it. Nothing is written into the repository except the files Streamlit publishes into
``static/``; results go to bench/results/bench_profile_page.json.

Needs fetched and prepared data and playwright with /usr/bin/chromium.
Run: python bench/bench_profile_page.py [--runs N] [--shot FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import launch_chromium, start_server  # noqa: E402
from lunarmap.crs import lonlat_to_polar  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from tests.browser.mapframe import (  # noqa: E402
    MapFrame,
    after_rerun,
    open_map_page,
    wait_root,
    wait_view_settled,
)

BUDGET_MS = 1000.0
LINE_M = 100_000.0
SHACKLETON = (129.78, -89.67)

#: Before the page loads: the time of the last Enter press, seen before the component's own handler.
#: Also the script runs Streamlit's app root reports after it (``data-test-script-state``): when the run
#: started and ended as the browser saw them.
INIT_JS = """
window.__lmEnter = null;
window.__lmRuns = [];
window.__lmSent = null;     // the first websocket message the page sends after the Enter press (the rerun request)
window.__lmLong = [];       // the main thread's long tasks (over 50 ms): [start, duration]
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__lmLong.push([e.startTime, e.duration]);
  }).observe({ type: "longtask" });
} catch (e) { /* no long-task timing */ }
const LmSocket = window.WebSocket;
window.WebSocket = class extends LmSocket {
  send(data) {
    if (window.__lmEnter !== null && window.__lmSent === null) window.__lmSent = performance.now();
    return super.send(data);
  }
};
window.addEventListener("keydown", (e) => {
  if (e.key !== "Enter") return;
  window.__lmEnter = performance.now();
  window.__lmSent = null;
  window.__lmRuns = [];
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && !window.__lmRunWatch) {
    window.__lmRunWatch = new MutationObserver(() => {
      window.__lmRuns.push([performance.now(), app.getAttribute("data-test-script-state")]);
    });
    window.__lmRunWatch.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  }
}, true);
"""

#: [ms from the Enter press to the chart's performance mark, to the run seen starting, to it seen ending].
ELAPSED_JS = """() => {
  const t0 = window.__lmEnter;
  const marks = performance.getEntriesByName("lunarmap:profile-chart").filter(m => m.startTime > t0);
  const start = window.__lmRuns.find(r => r[1] === "running");
  const end = window.__lmRuns.find(r => r[1] === "notRunning" && start && r[0] > start[0]);
  const t1 = marks.length ? marks[0].startTime : Infinity;
  const busy = window.__lmLong.filter(l => l[0] >= t0 && l[0] < t1).reduce((a, l) => a + l[1], 0);
  return [marks.length ? marks[0].startTime - t0 : null, start ? start[0] - t0 : null, end ? end[0] - t0 : null,
          window.__lmSent === null ? null : window.__lmSent - t0, busy];
}"""


def frame_shackleton(pg) -> MapFrame:
    """Fly to Shackleton, zoom out until 130 km of map fit across the canvas; the frame."""
    box = pg.get_by_placeholder(re.compile("Shackleton"))
    box.fill("shackleton")
    after_rerun(pg, lambda: box.press("Enter"))
    x, y = lonlat_to_polar(*SHACKLETON)
    wait_root(pg, f"Math.hypot(parseFloat(r.dataset.targetX) - ({float(x)}), parseFloat(r.dataset.targetY) - "
                  f"({float(y)})) < 2 / 2 ** parseFloat(r.dataset.zoom)", timeout_ms=30_000)
    wait_view_settled(pg)
    frame = MapFrame(pg)
    while frame.mpp * frame.box["width"] < 1.3 * LINE_M:
        pg.mouse.move(frame.cx, frame.cy)
        pg.mouse.wheel(0, 400)
        wait_view_settled(pg)
        frame = MapFrame(pg)
    return frame


def one_line(pg, frame: MapFrame, turn_deg: float, seq_before: str) -> tuple[list, float]:
    """Click a 100 km line through the view's centre turned ``turn_deg``, press Enter; (ms, km).

    ms: [to the chart drawn, to the run seen starting, to the run seen ending, to the rerun request sent] from
    the Enter press, and the main thread's long tasks in between (ms, summed).
    """
    a = math.radians(turn_deg)
    dx, dy = 0.5 * LINE_M * math.cos(a), 0.5 * LINE_M * math.sin(a)
    for k, (mx, my) in enumerate(((frame.tx - dx, frame.ty - dy), (frame.tx + dx, frame.ty + dy))):
        pg.mouse.click(*frame.to_screen(mx, my))
        wait_root(pg, f"r.dataset.drawVertices === '{k + 1}'")
    pg.keyboard.press("Enter")
    wait_root(pg, f"!!r.dataset.profileDrawn && r.dataset.profileDrawn !== '{seq_before}'", timeout_ms=60_000)
    ms = pg.evaluate(ELAPSED_JS)
    title = pg.locator(".lm-chart svg > text").first.text_content()
    km = float(re.search(r"· ([\d,.]+) km", title).group(1).replace(",", ""))
    return ms, km


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="timed lines after the cold one (default 8)")
    parser.add_argument("--shot", type=Path, default=None, help="save a screenshot of the last chart here")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(env={"LUNARMAP_DATA_DIR": str(data_dir()), "LUNARMAP_TIMING": "1",
                                   "LUNARMAP_SCENARIO_DB": str(Path(tmp) / "scenarios.gpkg")},
                              log_path=Path(tmp) / "streamlit.log")
        url = server.url
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                ctx = browser.new_context(viewport={"width": 1400, "height": 1300})
                ctx.add_init_script(INIT_JS)
                pg = open_map_page(ctx, url, timeout_ms=90_000)
                frame = frame_shackleton(pg)
                pg.locator(".lm-root").focus()
                pg.keyboard.press("l")
                wait_root(pg, "r.dataset.mode === 'profile'")
                load_before = os.getloadavg()[0]
                times, lengths, splits, long_ms = [], [], [], []
                for k in range(args.runs + 1):
                    seq = pg.locator(".lm-root").get_attribute("data-profile-drawn") or ""
                    (ms, started, ended, sent, busy), km = one_line(pg, frame, 20.0 * k, seq)
                    times.append(float(ms))
                    lengths.append(km)
                    splits.append((started, ended, sent))
                    long_ms.append(busy)
                    seen = (f" (request sent at {sent:.0f} ms, run seen from {started:.0f} to {ended:.0f} ms; "
                            f"long tasks {busy:.0f} ms)" if None not in (started, ended, sent) else "")
                    print(f"line {k}: {km:.3f} km, trigger to chart {ms:.0f} ms{seen}{' (cold)' if k == 0 else ''}")
                load_after = os.getloadavg()[0]
                if args.shot:
                    pg.screenshot(path=str(args.shot))
                assert not pg.errors, pg.errors
                browser.close()
            log = (Path(tmp) / "streamlit.log").read_text()
        finally:
            server.stop(timeout_s=20)
    callbacks = [float(v) for v in re.findall(r"run profile-callback ([\d.]+) ms", log)]
    fragments = [float(v) for v in re.findall(r"run map ([\d.]+) ms", log)]
    warm = times[1:]
    med, worst = statistics.median(warm), max(warm)
    verdict = "OK" if worst <= BUDGET_MS else ("median OK, max over" if med <= BUDGET_MS else "OVER BUDGET")
    print(f"cold first line: {times[0]:.0f} ms; warm, {len(warm)} lines of {min(lengths):.2f}-{max(lengths):.2f} km, "
          f"1,000 samples: median {med:.0f} ms, max {worst:.0f} ms (budget {BUDGET_MS:.0f} ms) {verdict}")
    whole = [(a, b, c, t) for (a, b, c), t in zip(splits[1:], warm, strict=True) if None not in (a, b, c)]
    if whole:
        print(f"as the browser saw it (warm medians): the rerun request leaves {statistics.median(w[2] for w in whole):.0f}"
              f" ms after Enter, the run starts at {statistics.median(w[0] for w in whole):.0f} ms and ends at "
              f"{statistics.median(w[1] for w in whole):.0f} ms; the chart is drawn "
              f"{statistics.median(w[3] - w[1] for w in whole):.0f} ms after the run ends")
    if len(callbacks) == len(times):
        print(f"server: profile callback median {statistics.median(callbacks[1:]):.0f} ms (cold {callbacks[0]:.0f} ms); "
              f"map fragment runs median {statistics.median(fragments):.0f} ms")
    print(f"machine load (1-minute average, {os.cpu_count()} cores): {load_before:.1f} before, {load_after:.1f} after")
    out = ROOT / "bench" / "results" / "bench_profile_page.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "benchmark": "profile tool on the dashboard: Enter on a 100 km line (1,000 samples) to the chart drawn, "
                     "headless Chromium",
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "when_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "budget_ms": BUDGET_MS,
        "cold_ms": round(times[0], 1), "warm_runs": len(warm), "warm_median_ms": round(med, 1),
        "warm_max_ms": round(worst, 1), "warm_ms": [round(t, 1) for t in warm], "line_km": lengths,
        "server_profile_callback_ms": callbacks, "server_map_fragment_ms": fragments,
        "browser_run_seen_ms": [[None if v is None else round(v, 1) for v in sp] for sp in splits],
        "browser_long_tasks_ms": [round(v, 1) for v in long_ms],
        "load_average_1min": [round(load_before, 2), round(load_after, 2)], "cpu_count": os.cpu_count(),
        "verdict": verdict,
    }, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
