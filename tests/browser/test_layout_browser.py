"""The page at a laptop's and a desktop's size: the map first and wide; a plain click reads, it does not select."""

from __future__ import annotations

import re

import pytest
from shapely.geometry import Point

from lunarmap.crs import lonlat_to_polar
from lunarmap.sites import load_sites

from .mapframe import MapFrame, click_map, open_map_page, wait_root, wait_view_settled

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (1600, 1000)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_map_starts_near_the_top_and_fills_most_of_the_width(browser, app_url, screenshots_dir, width, height):
    pg = open_map_page(browser, app_url, viewport={"width": width, "height": height})
    try:
        box = pg.locator(".lm-root").bounding_box()
        assert box["y"] <= 200, f"the map starts {box['y']:.0f} px down at {width} x {height}"
        assert box["width"] >= 0.6 * width, f"the map is {box['width']:.0f} px wide at {width} x {height}"
        assert box["y"] + 300 <= height, "most of the map is above the fold"
        # the layer list is on the map's bar, not in a sidebar: no sidebar is open
        assert pg.locator("[data-testid='stSidebar'][aria-expanded='true']").count() == 0
        assert pg.get_by_role("button", name="Layers").is_visible()
        # no test hook is shown to users
        assert pg.get_by_text(re.compile(r"click-x-m=")).count() == 0
        pg.screenshot(path=str(screenshots_dir / f"layout-{width}x{height}.png"))
    finally:
        pg.close()


def _selection_box(pg):
    """The "Selected sites" multiselect (its input is labelled "Selected")."""
    return pg.get_by_test_id("stMultiSelect").filter(has=pg.get_by_role("combobox", name="Selected", exact=True))


def _chips(pg) -> list[str]:
    """The names in the "Selected sites" box."""
    tags = _selection_box(pg).locator(".react-aria-ComboBox [data-tag]")
    return [tags.nth(i).get_attribute("aria-label") for i in range(tags.count())]


def test_a_plain_click_inside_a_region_reads_the_point_and_keeps_the_selection(browser, real_app_url, screenshots_dir):
    pg = open_map_page(browser, real_app_url, viewport={"width": 1280, "height": 800})
    try:
        catalog = load_sites()
        ilrs = catalog["ilrs"]
        lon, lat = -135.0, -86.8
        x, y = (float(v) for v in lonlat_to_polar(lon, lat))
        assert ilrs.geometry_polar.contains(Point(x, y)), "the test point lies inside the ILRS region"
        frame = MapFrame(pg)
        zoom0 = frame.zoom
        sx, sy = frame.to_screen(0.0, 0.0)
        pg.mouse.move(sx, sy)
        for _ in range(3):                       # zoom in on the pole: the region is wide, its sites apart
            pg.mouse.wheel(0, -400)
        wait_root(pg, f"parseFloat(r.dataset.zoom) > {zoom0 + 1.5}", timeout_ms=20_000)
        wait_view_settled(pg)
        frame = MapFrame(pg)
        px, py = frame.to_screen(x, y)
        for s in catalog:
            if not s.is_region:
                ssx, ssy = frame.to_screen(*(float(v) for v in lonlat_to_polar(*s.lonlat)))
                assert abs(ssx - px) > 40 or abs(ssy - py) > 40, f"{s.name} is under the test point"
        assert _selection_box(pg).count() == 1 and _chips(pg) == []
        click_map(pg, px, py)
        pg.get_by_text(re.compile(r"map x = -?[\d,]+ m, y = ")).first.wait_for(timeout=30_000)
        assert _chips(pg) == [], "a plain click inside a region must not select it"
        pg.screenshot(path=str(screenshots_dir / "layout-plain-click-in-ilrs.png"))
        # Shift+click selects it
        pg.keyboard.down("Shift")
        try:
            click_map(pg, px + 3, py + 3)
        finally:
            pg.keyboard.up("Shift")
        _selection_box(pg).locator(".react-aria-ComboBox [data-tag]").first.wait_for(timeout=30_000)
        assert any("International Lunar Research Station" in c for c in _chips(pg))
    finally:
        pg.close()
