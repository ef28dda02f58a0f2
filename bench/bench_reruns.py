"""Benchmark: the server time of the page's reruns (a layer toggle, an opacity change, a readout click).

    python bench/bench_reruns.py [--repeat 7] [--data-dir DIR]

Starts ``streamlit run dashboard.py`` on a free 127.0.0.1 port with ``LUNARMAP_TIMING=1`` (each run of the
page logs ``run app N ms`` and each run of the map fragment alone ``run map N ms``:
:mod:`lunarmap_ui.timing`), the data in ``--data-dir`` (default: the project's data folder; the real
prepared layers) and its scenario store in a temporary folder. One headless Debian Chromium page
(playwright, 1280 x 800) opens the page and waits until the map is drawn, then, ``--repeat`` times each:

* toggles the "Graticule" layer in the map's layer list (the "Layers" popover);
* moves the elevation opacity slider one step with the keyboard;
* clicks the map at a new point (the readout).

After each action it waits until the server has logged the run that action caused and the map is drawn
again, and records the run's server time and which scope ran (``map``: the fragment alone; ``app``: the
whole page). Also printed: the whole page's run time on the first load and on a reload. Budgets (issue 17):
under 50 ms of server time for a toggle, an opacity change and a readout click. Results also go to
``bench/results/bench_reruns-<time>.json``. Exit status 1 when a median is over its budget.

Where the time goes: run it with ``LUNARMAP_PROFILE=<folder>`` (passed on to the server) and each run is
profiled with cProfile into that folder (:mod:`lunarmap_ui.timing`); the times it prints are then the
profiled ones, slower than the page's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import launch_chromium, start_server  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from tests.browser.mapframe import MapFrame, click_map, wait_idle  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
BUDGET_MS = 50.0
_RUN = re.compile(r"run (app|map|map-in-app) ([\d.]+) ms")


class Server:
    """``streamlit run dashboard.py`` with run timing on; its log read line by line."""

    def __init__(self, data: Path, tmp: Path) -> None:
        self.log_path = tmp / "streamlit.log"
        self._server = start_server(env={"LUNARMAP_TIMING": "1", "LUNARMAP_DATA_DIR": str(data),
                                         "LUNARMAP_SCENARIO_DB": str(tmp / "scenarios.gpkg"),
                                         "LUNARMAP_SITES_FILE": None}, log_path=self.log_path)
        self.proc = self._server.proc
        self.url = self._server.url

    def runs(self) -> list[tuple[str, float]]:
        return [(m.group(1), float(m.group(2))) for m in _RUN.finditer(self.log_path.read_text())]

    def wait_runs(self, n: int, timeout_s: float = 120.0) -> list[tuple[str, float]]:
        """Wait until at least ``n`` runs are logged; all of them."""
        t0 = time.perf_counter()
        while len(runs := self.runs()) < n:
            if self.proc.poll() is not None or time.perf_counter() - t0 > timeout_s:
                raise RuntimeError(f"no run logged: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.02)
        return runs

    def stop(self) -> None:
        self._server.stop(timeout_s=20)


def _settle(server: Server, pg, before: int) -> list[tuple[str, float]]:
    """The runs one action caused: wait for the first, for the page to be idle and the map drawn, then a quiet log."""
    server.wait_runs(before + 1)
    wait_idle(pg)
    pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=60_000)
    runs = server.runs()
    return runs[before:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    data = args.data_dir or data_dir()
    out: dict = {"data_dir": str(data), "load_avg": os.getloadavg(), "actions": {}}
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(data, Path(tmp))
        try:
            with sync_playwright() as p:
                browser = launch_chromium(p)
                pg = browser.new_page(viewport={"width": 1280, "height": 800})
                pg.goto(server.url)      # the server answers its health check already
                pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=120_000)
                wait_idle(pg)
                first = server.runs()
                out["first_load_app_ms"] = [ms for scope, ms in first if scope == "app"]
                n = len(first)
                pg.reload()
                pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=120_000)
                out["reload_runs"] = _settle(server, pg, n)

                pg.get_by_role("button", name="Layers").click()
                toggle = pg.get_by_test_id("stPopoverBody").get_by_text("Graticule", exact=True)
                slider = pg.get_by_test_id("stPopoverBody").get_by_role("slider").first
                frame = MapFrame(pg)
                actions: dict[str, list] = {"toggle": [], "opacity": [], "readout click": []}
                for i in range(args.repeat):
                    n = len(server.runs())
                    toggle.click()
                    actions["toggle"].append(_settle(server, pg, n))
                    n = len(server.runs())
                    slider.focus()
                    pg.keyboard.press("ArrowRight" if i % 2 else "ArrowLeft")
                    actions["opacity"].append(_settle(server, pg, n))
                    pg.keyboard.press("Escape")          # the popover closes; the map takes the click
                    n = len(server.runs())
                    click_map(pg, frame.cx + 40 * (i - 3), frame.cy + 25 * (i % 3))
                    actions["readout click"].append(_settle(server, pg, n))
                    pg.get_by_role("button", name="Layers").click()
                browser.close()
        finally:
            server.stop()

    failed = False
    print(f"data: {data}; load average {out['load_avg'][0]:.2f}")
    print(f"whole page, first load: {out['first_load_app_ms']} ms; reload: {out['reload_runs']}")
    for name, runs in actions.items():
        total = [sum(ms for _, ms in r) for r in runs]
        scopes = sorted({scope for r in runs for scope, _ in r})
        med = statistics.median(total)
        over = med > BUDGET_MS
        failed |= over
        out["actions"][name] = {"server_ms": total, "median_ms": med, "max_ms": max(total), "scopes": scopes}
        print(f"{name:14s} server time median {med:6.1f} ms, max {max(total):6.1f} ms (runs: {', '.join(scopes)}); "
              f"budget {BUDGET_MS:.0f} ms{'  OVER' if over else ''}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench_reruns-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=1))
    print(f"results: {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
