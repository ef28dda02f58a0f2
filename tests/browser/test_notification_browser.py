"""The safety-zone notification page in a real browser: it opens from a file, shows hostile names as text, reads well.

No app is started: the page is self-contained HTML written to a temporary folder and opened via file://.
"""

from __future__ import annotations

import pytest

from lunarmap.notification import notification, notification_html, zones_map_png
from lunarmap.zones import analyse_zones, circle_zone, polygon_zone

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script>"


def test_notification_page__shows_names_as_text_and_the_map(browser, tmp_path, screenshots_dir):
    zones = [
        circle_zone(f"Shackleton {HOSTILE}", "NASA", 0.0, -90.0, 15.0, purpose="Lander and rover ops",
                    start="2030-01-01", end="2031-12-31", rule="r = 2.0 km (NASA 2011 descent/landing boundary)"),
        circle_zone("Rim camp", "NASA", 30.0, -89.2, 6.0, purpose="Power mast"),
        polygon_zone("@@=x", "NASA", [(-80, -88.2), (-60, -88.2), (-60, -88.8), (-80, -88.8)], purpose="ISRU"),
        circle_zone("ILRS station", "CNSA", 10.0, -89.6, 10.0),
        circle_zone("ESA relay", "ESA", -70.0, -88.5, 8.0, start="2029-01-01"),
    ]
    report = analyse_zones(zones)
    doc = notification(zones, report, "NASA", generated_utc="2030-05-01T12:00:00Z", scenario_name="Rim plan")
    path = tmp_path / "notification.html"
    path.write_bytes(notification_html(doc, zones_map_png(zones, "NASA", report)))

    pg = browser.new_page(viewport={"width": 900, "height": 1270})
    errors: list[str] = []
    dialogs: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        pg.goto(path.as_uri())
        pg.locator("table.zones tbody tr").first.wait_for(timeout=10_000)
        names = pg.locator("table.zones tbody tr td:nth-child(2)").all_inner_texts()
        assert names == [f"Shackleton {HOSTILE}", "Rim camp", "@@=x"]
        assert pg.locator("script").count() == 0 and not dialogs and not errors
        others = pg.locator("table.conflicts tbody tr td:nth-child(2)").all_inner_texts()
        assert sorted(others) == ["ESA relay", "ILRS station", "ILRS station"]
        img = pg.locator("figure img")
        assert img.evaluate("el => el.complete && el.naturalWidth") == 800
        pg.screenshot(path=str(screenshots_dir / "notification.png"), full_page=True)
        pg.emulate_media(media="print")
        pdf = pg.pdf(format="A4")   # it prints (headless Chromium only)
        assert pdf.startswith(b"%PDF")
    finally:
        pg.close()
