"""The "Compare sites" section in a real browser: the CSV download holds the compared sites, with units in the header.

The comparison needs terrain and PSR data, so this module starts its own app
on the real prepared data (once for the module).
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import expect

from lunarmap.compare import COLUMN_DEFINITIONS
from lunarmap.compare_visibility import VISIBILITY_COLUMNS
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.sites import load_sites
from lunarmap_ui.compare_panel import DEFAULT_COMPARE_IDS

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


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
    expect(section).to_be_in_viewport()
    page.screenshot(path=str(screenshots_dir / "compare-section.png"))
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "lunarmap-comparison.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert f"{MOON_RADIUS_M:.0f}" in "\n".join(line for line in text.splitlines() if line.startswith("#"))
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table.columns) == list(COLUMN_DEFINITIONS) + list(VISIBILITY_COLUMNS)
    assert list(table["needs_relay"]) == [True, True, False, False]
    assert {"lon_deg", "lat_deg", "pole_distance_km", "elevation_m", "slope_deg", "psr_area_in_radius_km2"} <= set(
        table.columns), "units in the header"
    assert list(table["id"]) == list(DEFAULT_COMPARE_IDS)
    ce4 = table.set_index("id").loc["chang-e-4"]
    site = {s.id: s for s in load_sites()}["chang-e-4"]
    assert ce4["lon_deg"] == pytest.approx(site.lonlat[0], abs=1e-6)
    assert ce4["lat_deg"] == pytest.approx(site.lonlat[1], abs=1e-6)
    assert (table["psr_radius_km"] == 20.0).all()
    assert not page.errors, page.errors
