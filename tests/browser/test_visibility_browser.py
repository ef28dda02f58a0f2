"""The "Sunlight and Earth visibility" section in a real browser: pressing Compute draws the horizon plot.

The horizons need the elevation data, so this module starts its own app on the
real prepared data (once for the module).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ..conftest import PROJECT_ROOT
from .conftest import _free_port

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


@pytest.fixture(scope="module")
def vis_app_url(prepared_data_dir, tmp_path_factory):
    """``streamlit run dashboard.py`` on 127.0.0.1 over the real prepared data (stopped after the module)."""
    root = tmp_path_factory.mktemp("visibility-app")
    port = _free_port()
    env = dict(os.environ, LUNARMAP_DATA_DIR=str(prepared_data_dir))
    env.pop("LUNARMAP_SITES_FILE", None)
    log_path = root / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "streamlit"), "run", str(PROJECT_ROOT / "dashboard.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(400)


def test_compute__draws_the_horizon_plot_in_the_section(browser, vis_app_url, screenshots_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(vis_app_url)
        button = page.get_by_role("button", name="Compute visibility")
        button.wait_for(timeout=60_000)
        charts = page.locator("[data-testid='stVegaLiteChart']")
        before = charts.count()
        _set_number(page, "Days", "7")
        _set_number(page, "Step (h)", "6.00")
        button.click()
        page.get_by_text("Needs relay", exact=False).first.wait_for(timeout=60_000)
        page.wait_for_function(f"document.querySelectorAll(\"[data-testid='stVegaLiteChart']\").length > {before}",
                               timeout=30_000)
        chart = charts.last
        chart.scroll_into_view_if_needed()
        drawing = chart.locator("canvas, svg.marks")
        drawing.first.wait_for(timeout=30_000)
        box = drawing.first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, box
        page.wait_for_timeout(800)
        page.screenshot(path=str(screenshots_dir / "visibility-section.png"))
        # the chart sits below the section's heading and its table
        heading = page.get_by_role("heading", name="Sunlight and Earth visibility").bounding_box()
        assert heading is not None and chart.bounding_box()["y"] > heading["y"]
        assert not errors, errors
    finally:
        page.close()
