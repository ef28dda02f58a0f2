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
  (deck.gl's ``onAfterRender``) with every layer loaded at the detail the view needs: at the opening view a
  display image's preview (at most 1024 px a side, ``lunarmap_ui.static_files.publish_preview``; the full
  image is fetched when the view is zoomed in beyond it, ``lunarmap_ui/map/lod.js``). Its other marks are
  reported too: entry (the component's JS runs), module-loaded (its ES modules), deck-script-loaded (the
  deck.gl script ran), deck-created (``new Deck``), first-render (a first frame before the images).
* both pages, the same hook (the figure for the plain page, a cross-check for lunarmap): an init script
  wraps WebGL's ``texImage2D`` / ``texSubImage2D`` and notes each upload of an image of at least
  :data:`MIN_IMAGE_PIXELS` pixels (the display images are 2034 to 3813 px square, their previews 954 to
  1017 px; deck.gl's font and icon atlases are smaller). When as many have been uploaded as the map shows display images by default,
  the map is drawn at the next animation frame (deck.gl uploads a layer's texture in the frame that draws
  it). The hook only notes times: it reads no pixels back (a read-back in every frame stalls the software
  WebGL and slowed both pages by seconds in a first version of this benchmark).

Also printed per load: the bytes the page received (resource timing ``transferSize``; 0 for a file from
the browser's cache) and those of the deck.gl script. Streamlit serves app static files with no
``Cache-Control`` and never answers 304, so a reload fetches a file again once its heuristic freshness
(a tenth of its age since ``Last-Modified``, i.e. since it was published into ``static/``) has run out:
warm loads soon after a file was first published fetch it again (several MB of images).

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
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import CHROMIUM, QUIET_OPTIONS, launch_chromium, start_server  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from lunarmap_ui.static_files import deckgl_bundle_path  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
PAGES = {"lunarmap": ROOT / "dashboard.py", "plain": ROOT / "bench" / "plain_pydeck_page.py"}
BUDGET_WARM_MS = 2000.0
BUDGET_COLD_MS = 4000.0
BUDGET_RATIO = 1.3
LOAD_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1000}

#: Runs before any page script: notes each large image uploaded to a WebGL texture, and the frame after the last.
INIT_JS = """
(() => {
  const N_IMAGES = %(n_images)s;
  const MIN_PIXELS = %(min_pixels)s;
  window.__benchUploads = [];
  window.__benchDrawn = null;
  const big = (src) => src && typeof src === "object" && src.width * src.height >= MIN_PIXELS;
  for (const proto of [WebGL2RenderingContext.prototype, WebGLRenderingContext.prototype]) {
    for (const name of ["texImage2D", "texSubImage2D"]) {
      const original = proto[name];
      proto[name] = function (...args) {
        const result = original.apply(this, args);
        const src = args[args.length - 1];
        if (big(src) && window.__benchUploads.length < 64) {
          window.__benchUploads.push(performance.now());
          if (window.__benchUploads.length === N_IMAGES) {
            // the frame that draws with it is rendered in this task; the next animation frame is after it
            requestAnimationFrame(() => { window.__benchDrawn = performance.now(); });
          }
        }
        return result;
      };
    }
  }
})();
"""

_LUNARMAP_DONE = "() => window.__benchDrawn !== null && performance.getEntriesByName('lunarmap:loaded').length > 0"
_PLAIN_DONE = "() => window.__benchDrawn !== null"
IMAGES: list[str] = []    # the display images shown by default (set in main)
#: An upload of at least this many pixels is a display image or its preview (over 900 px across; deck.gl's
#: font atlas is 1024 px wide and a few hundred high).
MIN_IMAGE_PIXELS = 700_000
MARKS = ("entry", "module-loaded", "mount", "deck-script-loaded", "bundle-loaded", "deck-created", "first-render", "loaded")


def default_images(root: Path) -> list[str]:
    """File names of the display images the map shows with the default settings (both pages fetch these)."""
    from lunarmap import layers as L
    from lunarmap.prepare import display_layers

    return sorted(Path(d.path).name for d in display_layers(root)
                  if L.RASTER_DEFAULTS.get(d.name, L.LayerSetting(True, 1.0)).visible)


def measure(pg, page: str) -> dict:
    """Wait for the map drawn on the page just opened; its times (ms from navigation start)."""
    pg.wait_for_function(_LUNARMAP_DONE if page == "lunarmap" else _PLAIN_DONE, timeout=LOAD_TIMEOUT_MS)
    got = pg.evaluate("""() => {
      const marks = {};
      for (const m of performance.getEntriesByType('mark')) {
        if (m.name.startsWith('lunarmap:') && !(m.name.slice(9) in marks)) marks[m.name.slice(9)] = m.startTime;
      }
      const res = performance.getEntriesByType('resource');
      const deck = res.find((e) => /\\/deckgl-[0-9a-f]{12}[.]js$/.test(e.name));
      return {drawn: window.__benchDrawn, uploads: window.__benchUploads, marks,
              transfer: res.reduce((a, e) => a + (e.transferSize || 0), 0),
              deckTransfer: deck ? deck.transferSize : null};
    }""")
    out = {"images_drawn_ms": got["drawn"], "uploads_ms": got["uploads"], "transfer_bytes": got["transfer"],
           "deck_transfer_bytes": got["deckTransfer"],
           "marks_ms": {k: got["marks"][k] for k in MARKS if k in got["marks"]}}
    out["drawn_ms"] = out["marks_ms"]["loaded"] if page == "lunarmap" else out["images_drawn_ms"]
    return out


def one_round(browser, page: str, warm: int, tmp: Path, shots: Path | None, r: int) -> list[dict]:
    server = start_server(PAGES[page], env={"LUNARMAP_SCENARIO_DB": str(tmp / "scenarios.gpkg")},
                          options=QUIET_OPTIONS, log_path=tmp / f"{page}-{r}.log")
    url = server.url
    loads = []
    try:
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.add_init_script(INIT_JS % {"n_images": len(IMAGES), "min_pixels": MIN_IMAGE_PIXELS})
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
        server.stop()
    for x in loads:
        marks = " ".join(f"{k} {v:.0f}" for k, v in x["marks_ms"].items())
        deck = "" if x["deck_transfer_bytes"] is None else f", deck.gl {x['deck_transfer_bytes'] / 1e3:.0f} kB"
        print(f"  round {r} {page:8s} {x['kind']}: map drawn {x['drawn_ms']:6.0f} ms (images drawn {x['images_drawn_ms']:6.0f} ms; "
              f"received {x['transfer_bytes'] / 1e6:.1f} MB{deck})" + (f"  [{marks}]" if marks else ""))
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
        browser = launch_chromium(p, offline=True)     # nothing but the loopback servers
        for r in range(ARGS.rounds):
            order = ["lunarmap", "plain"] if r % 2 == 0 else ["plain", "lunarmap"]
            for page in [x for x in order if ARGS.only in (None, x)]:
                loads += one_round(browser, page, ARGS.warm, tmp, shots, r)
        browser.close()
    load1 = os.getloadavg()

    def med(page: str, kind: str, key: str = "drawn_ms") -> float:
        return statistics.median(x[key] for x in loads if x["page"] == page and x["kind"] == kind)

    figures = {
        "time": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "load_before": load0, "load_after": load1, "rounds": ARGS.rounds,
        "warm_per_round": ARGS.warm, "images": IMAGES, "deckgl_bundle": str(bundle),
        "deckgl_bundle_bytes": bundle.stat().st_size, "loads": loads, "medians_ms": {}, "budgets": {},
    }
    print(f"\nmedians over {ARGS.rounds} rounds (cold: 1 per round; warm: {ARGS.warm} per round), ms to map drawn:")
    measured = [page for page in PAGES if ARGS.only in (None, page)]
    for page in measured:
        for kind in ("cold", "warm"):
            m = {"drawn": med(page, kind), "images_drawn": med(page, kind, "images_drawn_ms")}
            if page == "lunarmap":
                for mark in MARKS:
                    vals = [x["marks_ms"][mark] for x in loads if x["page"] == page and x["kind"] == kind
                            and mark in x["marks_ms"]]
                    if vals:
                        m[mark] = statistics.median(vals)
            figures["medians_ms"][f"{page}_{kind}"] = m
            detail = "  ".join(f"{k} {v:.0f}" for k, v in m.items() if k not in ("drawn", "images_drawn"))
            print(f"  {page:8s} {kind}: {m['drawn']:6.0f} (images drawn {m['images_drawn']:6.0f})" + (f"  [{detail}]" if detail else ""))
    checks: dict[str, tuple[float, float]] = {}
    if "lunarmap" in measured:
        checks["warm_ms"] = (med("lunarmap", "warm"), BUDGET_WARM_MS)
        checks["cold_ms"] = (med("lunarmap", "cold"), BUDGET_COLD_MS)
    if measured == list(PAGES):
        checks["warm_ratio_to_plain"] = (med("lunarmap", "warm") / med("plain", "warm"), BUDGET_RATIO)
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
    parser.add_argument("--only", choices=sorted(PAGES), help="measure one page only (no ratio)")
    parser.add_argument("--shots", help="folder for a screenshot of each page at the end of each round")
    ARGS = parser.parse_args()
    sys.exit(main())
