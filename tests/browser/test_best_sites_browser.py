"""The best-site finder in a real browser: an Artemis III region, numbered markers on the map, the table."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from .mapframe import MapFrame, next_frames, open_map_page, wait_root, wait_view_settled

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


def test_finder__ranks_places_in_an_artemis_region_and_marks_them_on_the_map(browser, real_app_url, screenshots_dir):
    page = open_map_page(browser, real_app_url, timeout_ms=60_000, viewport={"width": 1400, "height": 1100})
    try:
        heading = page.get_by_role("heading", name="Best sites in a region")
        heading.scroll_into_view_if_needed()
        region = page.get_by_label("Region or zone")
        region.click()
        page.get_by_role("option", name="Artemis III candidate: Mons Mouton (catalogue)").click()
        page.get_by_label("Sunlit at least (%)").fill("30")
        page.get_by_label("How many").fill("5")
        page.get_by_role("button", name="Find best sites").click()
        page.locator("[data-testid='stProgress']").first.wait_for(timeout=30_000)     # progress while it runs
        table = page.locator("[data-testid='stDataFrame']").filter(has=page.get_by_text("sunlit (%)"))
        page.get_by_text("points meet every criterion").first.wait_for(timeout=240_000)
        expect(page.get_by_role("button", name="Best sites as CSV")).to_be_visible()
        assert page.get_by_text("Artemis III candidate: Mons Mouton", exact=True).count() >= 1   # the chosen region
        page.get_by_text("points meet every criterion").first.scroll_into_view_if_needed()
        next_frames(page)
        page.screenshot(path=str(screenshots_dir / "best-sites-table.png"))
        assert table.count() >= 1
        # the map: the legend names the markers; fly to #1 and see the green numbered markers there
        page.locator(".lm-legend").get_by_text("Best sites").wait_for(state="attached", timeout=30_000)
        page.get_by_role("button", name="Show #1 on the map").click()
        wait_root(page, "parseFloat(r.dataset.zoom) > -7", timeout_ms=30_000)
        wait_view_settled(page)
        page.locator(".lm-root").scroll_into_view_if_needed()
        page.mouse.move(5, 5)
        next_frames(page)
        box = page.locator(".lm-deck canvas").bounding_box()
        shot = screenshots_dir / "best-sites-map.png"
        page.screenshot(path=str(shot), clip=box)
        px = np.asarray(Image.open(io.BytesIO(shot.read_bytes())).convert("RGB"), dtype=float).reshape(-1, 3)
        green = int(np.sum(np.linalg.norm(px - np.array([0.0, 229.0, 160.0]), axis=1) < 40))
        assert green > 30, green                     # the markers' fill
        # the marker's tooltip says what it is
        frame = MapFrame(page)
        page.mouse.move(frame.cx, frame.cy)
        tip = page.locator(".lm-tooltip")
        tip.wait_for(state="visible", timeout=10_000)
        assert "Best site #1" in tip.inner_text() and "sunlit" in tip.inner_text()
        # the first candidate joins the comparison, as a site of its own
        page.get_by_role("button", name="Add to the comparison").click()
        cell = page.get_by_text("Best site #1 in Artemis III candidate: Mons Mouton").first
        page.get_by_role("heading", name="Compare sites").scroll_into_view_if_needed()
        expect(page.locator("[data-testid='stMultiSelect']").get_by_text("Best site #1 in Artemis III candidate: "
                                                                         "Mons Mouton")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Comparing sites")).to_have_count(0, timeout=180_000)   # the table with it is in
        page.get_by_role("heading", name="Compare sites").scroll_into_view_if_needed()
        next_frames(page)
        page.screenshot(path=str(screenshots_dir / "best-sites-compared.png"))
        assert cell.count() >= 1
        assert not page.errors, page.errors
    finally:
        page.close()
