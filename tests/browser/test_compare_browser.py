"""The "Compare sites" section in a real browser: the CSV download holds the compared sites, with units in the header.

The comparison needs terrain and PSR data, so this module starts its own app
on the real prepared data (once for the module).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from lunarmap.compare import COLUMN_DEFINITIONS
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.sites import load_sites
from lunarmap_ui.compare_panel import DEFAULT_COMPARE_IDS

from ..conftest import PROJECT_ROOT
from .conftest import _free_port

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


@pytest.fixture(scope="module")
def real_app_url(prepared_data_dir, tmp_path_factory):
    """``streamlit run dashboard.py`` on 127.0.0.1 over the real prepared data (stopped after the module)."""
    root = tmp_path_factory.mktemp("compare-app")
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


@pytest.fixture(scope="module")
def page(browser, real_app_url):
    pg = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(real_app_url)
    pg.get_by_role("button", name="Download CSV").wait_for(timeout=60_000)
    pg.errors = errors
    yield pg
    pg.close()


def test_csv_download__has_the_compared_sites_and_units_in_the_header(page, screenshots_dir):
    section = page.get_by_role("heading", name="Compare sites")
    section.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots_dir / "compare-section.png"))
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "lunarmap-comparison.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert f"{MOON_RADIUS_M:.0f}" in "\n".join(line for line in text.splitlines() if line.startswith("#"))
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns) == list(COLUMN_DEFINITIONS)
    assert {"lon_deg", "lat_deg", "pole_distance_km", "elevation_m", "slope_deg", "psr_area_in_radius_km2"} <= set(
        table.columns), "units in the header"
    assert list(table["id"]) == list(DEFAULT_COMPARE_IDS)
    ce4 = table.set_index("id").loc["chang-e-4"]
    site = {s.id: s for s in load_sites()}["chang-e-4"]
    assert ce4["lon_deg"] == pytest.approx(site.lonlat[0], abs=1e-6)
    assert ce4["lat_deg"] == pytest.approx(site.lonlat[1], abs=1e-6)
    assert (table["psr_radius_km"] == 20.0).all()
    assert not page.errors, page.errors
