"""The "Sunlight and Earth visibility" section in a real browser: pressing Compute draws the horizon plot.

The horizons need the elevation data, so this runs on the app over the real
prepared data (``real_app_url``, started once per session).
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


def _set_number(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(400)


def test_compute__draws_the_horizon_plot_in_the_section(browser, real_app_url, screenshots_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(real_app_url)
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
