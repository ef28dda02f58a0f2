"""Speed of the map page, against its budgets.

    python bench/bench_map.py [--no-browser] [--runs N]

Server side (Streamlit AppTest on the real prepared data in the data folder,
or none if it is not prepared): script time of a rerun after toggling a layer
and after changing an opacity (budget 150 ms), and the size of the map data
sent to the browser for the default view (budget 1 MB, never a data: URL).

Browser (``streamlit run`` on a free loopback port + headless Debian
Chromium): time from starting ``streamlit run`` to the map drawn with its
default layers, all images decoded (budget 6 s cold), the same for a second
page load in the same browser (budget 3 s warm), and the static-file requests
caused by turning PSRs off and on again (budget 0: no raster bytes re-sent).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import CHROMIUM, launch_chromium, streamlit_server  # noqa: E402

BUDGET_RERUN_S = 0.150
BUDGET_SPEC_BYTES = 1_000_000
BUDGET_COLD_S = 6.0
BUDGET_WARM_S = 3.0


def report(name: str, value: float, budget: float, unit: str) -> bool:
    ok = value <= budget
    print(f"{name:<58} {value:>10.3f} {unit:<3} budget {budget:>9.3f} {unit:<3} {'ok' if ok else 'OVER'}")
    return ok


def bench_server(runs: int) -> bool:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception}")
    payload = at.get("bidi_component")[0].proto.json
    data = json.loads(payload)
    rasters = [x["id"] for x in data["spec"]["layers"] if x["@@type"] == "BitmapLayer"]
    print(f"data folder prepared layers on the map: {rasters or 'none (data not prepared)'}")
    print(f"first script run (imports, catalogue, publishing): {first:.3f} s")
    toggles, opacities = [], []
    toggle_name = "psr" if "raster-psr" in rasters else "graticule"
    for i in range(runs):
        t = time.perf_counter()
        at.toggle(key=f"show_{toggle_name}").set_value(i % 2 == 1).run()
        toggles.append(time.perf_counter() - t)
        t = time.perf_counter()
        at.slider(key="opacity_sites").set_value(50 + (i % 5) * 10).run()
        opacities.append(time.perf_counter() - t)
    ok = report(f"rerun after toggling {toggle_name} (median of {runs})", statistics.median(toggles), BUDGET_RERUN_S, "s")
    ok &= report(f"rerun after changing an opacity (median of {runs})", statistics.median(opacities), BUDGET_RERUN_S, "s")
    ok &= report("map data sent for the default view", len(payload.encode()) / 1e6, BUDGET_SPEC_BYTES / 1e6, "MB")
    if "data:image" in payload:
        print("OVER: the map data embeds a data: URL")
        ok = False
    return ok


def _drawn_epoch_s(page) -> float:
    page.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=60_000)
    return page.evaluate(
        "() => (performance.timeOrigin + performance.getEntriesByName('lunarmap:loaded').slice(-1)[0].startTime) / 1000"
    )


def bench_browser() -> bool:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            with streamlit_server() as server:
                url = server.url
                server_up = time.time() - server.started_epoch_s
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                cold = _drawn_epoch_s(page) - server.started_epoch_s
                print(f"server answering after {server_up:.2f} s")
                ok = report("cold: streamlit run -> map drawn (headless Chromium)", cold, BUDGET_COLD_S, "s")
                page2 = browser.new_page(viewport={"width": 1400, "height": 1000})
                t_nav = time.time()
                page2.goto(url)
                warm = _drawn_epoch_s(page2) - t_nav
                ok &= report("warm: page load -> map drawn (server and browser cache warm)", warm, BUDGET_WARM_S, "s")
                requests: list[str] = []
                page2.on("request", lambda r: requests.append(r.url) if "/app/static/" in r.url else None)
                label = page2.get_by_text("Permanent shadow (PSR)", exact=True)
                if label.count():
                    for _ in range(2):
                        label.click()
                        page2.wait_for_timeout(400)
                        page2.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=15_000)
                    ok &= report("static files fetched by toggling PSRs off and on", len(requests), 0, "req")
                else:
                    print("PSR layer not prepared: toggle request count not measured")
        finally:
            browser.close()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-browser", action="store_true", help="server-side figures only")
    parser.add_argument("--runs", type=int, default=20, help="reruns per server-side figure")
    args = parser.parse_args()
    os.chdir(ROOT)
    ok = bench_server(args.runs)
    if not args.no_browser:
        if CHROMIUM.exists():
            ok &= bench_browser()
        else:
            print(f"{CHROMIUM} not found: browser figures not measured")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
