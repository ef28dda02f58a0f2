"""Benchmark: page load to map drawn, lunarmap's dashboard against a plain ``st.pydeck_chart`` page, in one run.

Budgets (issue 17): warm load (a reload) to map drawn under 2 s and no more than 1.3x the plain page's in
the same run; cold load (the first after ``streamlit run``) under 4 s.

The two pages:

* lunarmap: ``streamlit run dashboard.py`` over the prepared data (``LUNARMAP_DATA_DIR``, default
  data/rasters): the whole page (sidebar, panels, the map component with the lean deck.gl bundle).
* plain: ``streamlit run bench/plain_pydeck_page.py``: the same default layers, display images, sites and
  opening view, built by the same library calls, in Streamlit's own deck.gl chart and nothing else: the
  floor any Streamlit + pydeck app pays.

Each round starts a fresh server for each page (the pages alternate which goes first from round to
round), opens a fresh browser context (empty HTTP cache) for the cold load, then reloads the page
``--warm`` times in the same context for the warm loads. Debian's Chromium, headless, through playwright,
with the browser tests' arguments (software WebGL: SwiftShader).

"Map drawn", in ms from the start of the page's navigation (``performance.now()`` of that page):

* lunarmap: the component's own mark ``loaded`` (``globalThis.__lunarmapTiming``): the first deck.gl frame
  (deck.gl's ``onAfterRender``) with every layer loaded, the raster images included. Its other marks are
  reported too: entry (the component's JS runs), module-loaded (its ES modules), deck-script-loaded (the
  deck.gl script ran), deck-created (``new Deck``), first-render (a first frame before the images).
* both pages, the same test (the figure for the plain page, a cross-check for lunarmap): an init script
  makes every WebGL canvas keep its drawing buffer (``preserveDrawingBuffer``, the same on both pages) and,
  once per animation frame, checks (1) that every display image the map shows by default has been
  fetched (the browser's resource timing) and (2) that the central square of a WebGL canvas (half the
  canvas height across, scaled to 64x64) is at least ``--fill`` (default 0.9) drawn (non-transparent):
  both pages open centred on the pole, where only the raster images cover the view (graticule, outlines
  and labels cover a small part of it). The map is drawn at the first frame with both; deck.gl draws a
  fetched image once it is decoded, so this can be a frame or so early for the last image.

Prints each load and the medians per page (cold and warm), the ratio warm lunarmap / warm plain, and
the budgets; writes the figures to bench/results/bench_page-<time>.json. Exit status 0 when within budget.

Needs prepared data (python -m lunarmap fetch && python -m lunarmap prepare), playwright (Python package)
and /usr/bin/chromium. Run: python bench/bench_page.py [--rounds N] [--warm N] [--shots DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap.paths import data_dir  # noqa: E402
from lunarmap_ui.static_files import deckgl_bundle_path  # noqa: E402
from tests.browser.mapframe import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
PAGES = {"lunarmap": ROOT / "dashboard.py", "plain": ROOT / "bench" / "plain_pydeck_page.py"}
BUDGET_WARM_MS = 2000.0
BUDGET_COLD_MS = 4000.0
BUDGET_RATIO = 1.3
LOAD_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1000}
# nothing but the loopback servers
BENCH_CHROMIUM_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]

#: Runs before any page script: keeps WebGL canvases' buffers readable and watches them for the drawn map.
INIT_JS = """
(() => {
  const FILL = %(fill)s;
  const IMAGES = %(images)s;
  performance.setResourceTimingBufferSize(5000);
  const canvases = [];
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (type, attrs) {
    if (type === "webgl2" || type === "webgl") {
      attrs = Object.assign({}, attrs || {}, { preserveDrawingBuffer: true });
      if (!canvases.includes(this)) canvases.push(this);
    }
    return getContext.call(this, type, attrs);
  };
  window.__benchDrawn = null;
  window.__benchImagesIn = null;
  window.__benchFill = 0;
  const probe = document.createElement("canvas");
  probe.width = 64;
  probe.height = 64;
  const ctx = probe.getContext("2d", { willReadFrequently: true });
  // responseEnd of the last of the display images, once all have come; else null
  function imagesIn() {
    const entries = performance.getEntriesByType("resource");
    let last = 0;
    for (const name of IMAGES) {
      const e = entries.find((x) => x.name.endsWith("/" + name) && x.responseEnd > 0);
      if (!e) return null;
      last = Math.max(last, e.responseEnd);
    }
    return last;
  }
  // the drawn share of the central square (half the canvas height across) of the fullest WebGL canvas
  function centreFill() {
    let best = 0;
    for (const c of canvases) {
      if (!c.isConnected || c.width < 200 || c.height < 200) continue;
      const side = Math.min(c.width, c.height) / 2;
      ctx.clearRect(0, 0, 64, 64);
      ctx.drawImage(c, (c.width - side) / 2, (c.height - side) / 2, side, side, 0, 0, 64, 64);
      const px = ctx.getImageData(0, 0, 64, 64).data;
      let drawn = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) drawn += 1;
      best = Math.max(best, drawn / 4096);
    }
    return best;
  }
  function check() {
    if (window.__benchImagesIn === null) window.__benchImagesIn = imagesIn();
    window.__benchFill = centreFill();
    if (window.__benchImagesIn !== null && window.__benchFill >= FILL) {
      window.__benchDrawn = performance.now();
      return;
    }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
})();
"""

_LUNARMAP_DONE = "() => window.__benchDrawn !== null && !!(window.__lunarmapTiming && window.__lunarmapTiming.loaded)"
_PLAIN_DONE = "() => window.__benchDrawn !== null"
IMAGES: list[str] = []    # the display images shown by default (set in main)
MARKS = ("entry", "module-loaded", "deck-script-loaded", "bundle-loaded", "deck-created", "first-render", "loaded")


def default_images(root: Path) -> list[str]:
    """File names of the display images the map shows with the default settings (both pages fetch these)."""
    from lunarmap import layers as L
    from lunarmap.prepare import display_layers

    return sorted(Path(d.path).name for d in display_layers(root)
                  if L.RASTER_DEFAULTS.get(d.name, L.LayerSetting(True, 1.0)).visible)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    streamlit = Path(sys.executable).parent / "streamlit"
    port = _free_port()
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [str(streamlit), "run", str(script), "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
        cwd=ROOT, env=dict(os.environ, LUNARMAP_SCENARIO_DB=str(log_path.parent / "scenarios.gpkg")),
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            return proc, url
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"streamlit did not start:\n{log_path.read_text()[-3000:]}") from None
            try:   # the pause between polls is a wait on the process: an early exit ends it at once
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise SystemExit(f"streamlit exited:\n{log_path.read_text()[-3000:]}") from None


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def measure(pg, page: str) -> dict:
    """Wait for the map drawn on the page just opened; its times (ms from navigation start)."""
    pg.wait_for_function(_LUNARMAP_DONE if page == "lunarmap" else _PLAIN_DONE, timeout=LOAD_TIMEOUT_MS)
    got = pg.evaluate("""() => ({pixels: window.__benchDrawn, images: window.__benchImagesIn, marks: window.__lunarmapTiming || {},
      dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd})""")
    out = {"pixels_ms": got["pixels"], "images_in_ms": got["images"], "dom_content_loaded_ms": got["dcl"],
           "marks_ms": {k: got["marks"][k] for k in MARKS if k in got["marks"]}}
    out["drawn_ms"] = out["marks_ms"]["loaded"] if page == "lunarmap" else out["pixels_ms"]
    return out


def one_round(browser, page: str, warm: int, tmp: Path, shots: Path | None, r: int) -> list[dict]:
    proc, url = start_server(PAGES[page], tmp / f"{page}-{r}.log")
    loads = []
    try:
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.add_init_script(INIT_JS % {"fill": ARGS.fill, "images": json.dumps(IMAGES)})
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(url)
        loads.append({"page": page, "round": r, "kind": "cold", **measure(pg, page)})
        for _ in range(warm):
            pg.reload()
            loads.append({"page": page, "round": r, "kind": "warm", **measure(pg, page)})
        if shots is not None:
            pg.screenshot(path=str(shots / f"bench_page-{page}-{r}.png"))
        if errors:
            print(f"  page errors on {page}: {errors[:3]}")
        ctx.close()
    finally:
        stop_server(proc)
    for x in loads:
        marks = " ".join(f"{k} {v:.0f}" for k, v in x["marks_ms"].items())
        print(f"  round {r} {page:8s} {x['kind']}: map drawn {x['drawn_ms']:6.0f} ms (pixels {x['pixels_ms']:6.0f} ms)"
              + (f"  [{marks}]" if marks else ""))
    return loads


def main() -> int:
    from playwright.sync_api import sync_playwright

    root = data_dir()
    if not (root / "prepared" / "display.json").exists():
        raise SystemExit(f"no prepared display layers in {root}; run: python -m lunarmap fetch && "
                         "python -m lunarmap prepare")
    if not CHROMIUM.exists():
        raise SystemExit("Debian chromium (/usr/bin/chromium) is not installed")
    bundle = deckgl_bundle_path()
    IMAGES[:] = default_images(root)
    load0 = os.getloadavg()
    print(f"data: {root}; deck.gl bundle {bundle.relative_to(ROOT) if bundle.is_relative_to(ROOT) else bundle} "
          f"({bundle.stat().st_size / 1e6:.2f} MB)")
    print(f"display images shown by default: {', '.join(IMAGES)}")
    print(f"machine: {os.cpu_count()} CPUs, load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} (1/5/15 min)")
    shots = Path(ARGS.shots) if ARGS.shots else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-page-"))
    loads: list[dict] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BENCH_CHROMIUM_ARGS)
        for r in range(ARGS.rounds):
            order = ["lunarmap", "plain"] if r % 2 == 0 else ["plain", "lunarmap"]
            for page in order:
                loads += one_round(browser, page, ARGS.warm, tmp, shots, r)
        browser.close()
    load1 = os.getloadavg()

    def med(page: str, kind: str, key: str = "drawn_ms") -> float:
        return statistics.median(x[key] for x in loads if x["page"] == page and x["kind"] == kind)

    figures = {
        "time": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "load_before": load0, "load_after": load1, "rounds": ARGS.rounds,
        "warm_per_round": ARGS.warm, "fill": ARGS.fill, "images": IMAGES, "deckgl_bundle": str(bundle),
        "deckgl_bundle_bytes": bundle.stat().st_size, "loads": loads, "medians_ms": {}, "budgets": {},
    }
    print(f"\nmedians over {ARGS.rounds} rounds (cold: 1 per round; warm: {ARGS.warm} per round), ms to map drawn:")
    for page in PAGES:
        for kind in ("cold", "warm"):
            m = {"drawn": med(page, kind), "pixels": med(page, kind, "pixels_ms")}
            if page == "lunarmap":
                for mark in MARKS:
                    vals = [x["marks_ms"][mark] for x in loads if x["page"] == page and x["kind"] == kind
                            and mark in x["marks_ms"]]
                    if vals:
                        m[mark] = statistics.median(vals)
            figures["medians_ms"][f"{page}_{kind}"] = m
            detail = "  ".join(f"{k} {v:.0f}" for k, v in m.items() if k not in ("drawn", "pixels"))
            print(f"  {page:8s} {kind}: {m['drawn']:6.0f} (pixels {m['pixels']:6.0f})" + (f"  [{detail}]" if detail else ""))
    warm_l, warm_p, cold_l = med("lunarmap", "warm"), med("plain", "warm"), med("lunarmap", "cold")
    ratio = warm_l / warm_p
    checks = {"warm_ms": (warm_l, BUDGET_WARM_MS), "cold_ms": (cold_l, BUDGET_COLD_MS),
              "warm_ratio_to_plain": (ratio, BUDGET_RATIO)}
    ok = True
    for name, (value, budget) in checks.items():
        good = value <= budget
        ok &= good
        figures["budgets"][name] = {"value": value, "budget": budget, "ok": good}
        print(f"  {name:20s} {value:8.2f}  budget {budget:8.2f}  {'ok' if good else 'OVER'}")
    print(f"machine load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"bench_page-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"results written to {out.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each: a fresh server per page, 1 cold load)")
    parser.add_argument("--warm", type=int, default=2, help="warm loads (reloads) per round and page")
    parser.add_argument("--fill", type=float, default=0.9,
                        help="drawn share of the canvas centre that counts as the images drawn")
    parser.add_argument("--shots", help="folder for a screenshot of each page at the end of each round")
    ARGS = parser.parse_args()
    sys.exit(main())
