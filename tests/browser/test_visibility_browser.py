"""The "Sunlight and Earth visibility" section in a real browser: pressing Compute draws the horizon plot.

The horizons need the elevation data, so this runs on the app over the real
prepared data (``real_app_url``, started once per session).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .mapframe import after_rerun, next_frames, open_map_page, wait_root, wait_view_settled

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


def _set_number(page, label: str, value: str) -> None:
    """Type ``value`` into a number box; when it changes the value, wait for the script run that follows."""
    box = page.get_by_label(label, exact=True)
    if box.input_value() == value:
        return
    box.fill(value)
    after_rerun(page, lambda: box.press("Enter"))
    expect(box).to_have_value(value)


def test_compute__draws_the_horizon_plot_in_the_section(browser, real_app_url, screenshots_dir):
    page = open_map_page(browser, real_app_url, timeout_ms=60_000, viewport={"width": 1400, "height": 1100})
    errors = page.errors
    try:
        button = page.get_by_role("button", name="Compute visibility")
        button.wait_for(timeout=60_000)
        charts = page.locator("[data-testid='stVegaLiteChart']")
        before = charts.count()
        _set_number(page, "Days", "7")
        _set_number(page, "Step (h)", "6.00")
        button.click()
        page.get_by_text("Longest without Earth", exact=False).first.wait_for(state="attached", timeout=60_000)
        page.wait_for_function(f"document.querySelectorAll(\"[data-testid='stVegaLiteChart']\").length > {before}",
                               timeout=30_000)
        chart = charts.last
        chart.scroll_into_view_if_needed()
        drawing = chart.locator("canvas, svg.marks")
        drawing.first.wait_for(timeout=30_000)
        box = drawing.first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 150, box
        next_frames(page)
        page.screenshot(path=str(screenshots_dir / "visibility-section.png"))
        # the chart sits below the section's heading and its table
        heading = page.get_by_role("heading", name="Sunlight and Earth visibility").bounding_box()
        assert heading is not None and chart.bounding_box()["y"] > heading["y"]
        assert not errors, errors
    finally:
        page.close()


def test_sunlit_map__the_region_button_computes_the_layer_for_a_small_view(browser, real_app_url, screenshots_dir):
    """Fly to a small crater, press the map's "Sunlit % here" button: a progress bar, then the layer and its legend."""
    from lunarmap_ui.sunlit_panel import REGION_LABEL

    page = open_map_page(browser, real_app_url, timeout_ms=60_000, viewport={"width": 1400, "height": 1100})
    errors = page.errors
    try:
        button = page.locator(".lm-tool-region")
        _set_number(page, "Days", "5")          # the visibility window the layer uses: short, so the test is quick
        _set_number(page, "Step (h)", "6.00")
        search = page.get_by_label("Find a site, region, IAU feature or coordinates", exact=True)
        search.fill("Shackleton")
        after_rerun(page, lambda: search.press("Enter"))
        button.wait_for(state="visible", timeout=20_000)   # shown once the view is small enough
        wait_view_settled(page)                            # the fly-to has ended
        assert button.inner_text().strip() == REGION_LABEL
        button.click()
        progress = page.locator("[data-testid='stProgress']")
        progress.first.wait_for(timeout=30_000)
        assert "Sunlit-% map" in progress.first.inner_text()
        page.screenshot(path=str(screenshots_dir / "sunlit-progress.png"))
        # the rest of the page keeps working while the job runs: the visibility section computes meanwhile
        page.get_by_role("button", name="Compute visibility").click()
        page.get_by_text("Longest without Earth", exact=False).first.wait_for(state="attached", timeout=60_000)
        assert progress.count() >= 1, "the job is still running (it takes several seconds)"
        legend = page.locator(".lm-legend-title", has_text="Sunlit")
        legend.first.wait_for(timeout=120_000)
        note = page.locator(".lm-legend-note", has_text="km apart").first.inner_text()
        assert "2027-01-01 00:00 to 2027-01-06 00:00 UTC every 6 h" in note and "1 km apart" in note, note
        assert page.get_by_text("points every 1 km", exact=False).count() >= 1
        wait_root(page, "r.dataset.loaded === '1'", timeout_ms=30_000)   # the layer's image is in
        page.locator(".lm-root").scroll_into_view_if_needed()
        next_frames(page)
        page.screenshot(path=str(screenshots_dir / "sunlit-layer.png"))
        assert not errors, errors
    finally:
        page.close()


def test_sunlit_map__cancel_stops_the_job_and_leaves_no_layer(browser, real_app_url, screenshots_dir):
    """Over the opening (large) view the job runs long enough to be cancelled from the status panel."""
    page = open_map_page(browser, real_app_url, timeout_ms=60_000, viewport={"width": 1400, "height": 1100})
    errors = page.errors
    try:
        button = page.locator(".lm-tool-region")
        button.click()
        page.locator("[data-testid='stProgress']").first.wait_for(timeout=30_000)
        said = page.get_by_text("Cancelling ...").or_(page.get_by_text("The sunlit-% computation was cancelled."))
        for _ in range(5):   # the status panel redraws every second: a click may land on a button being replaced
            page.get_by_role("button", name="Cancel").click(timeout=10_000)
            try:
                said.first.wait_for(timeout=3_000)
                break
            except Exception:  # noqa: BLE001 - playwright's TimeoutError: click again
                continue
        page.get_by_text("The sunlit-% computation was cancelled.").wait_for(timeout=90_000)
        # the page rerun that follows (polling stops) clears the status panel
        expect(page.get_by_text("Cancelling ...")).to_have_count(0, timeout=30_000)
        expect(page.locator("[data-testid='stProgress']")).to_have_count(0, timeout=30_000)
        assert page.locator(".lm-legend-title", has_text="Sunlit").count() == 0
        page.screenshot(path=str(screenshots_dir / "sunlit-cancelled.png"))
        assert not errors, errors
    finally:
        page.close()
