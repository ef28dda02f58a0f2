"""The map's measure and profile tools in a real browser, over the real prepared data.

Measure: key M, four clicks (three legs); the side panel's total equals lunarmap.measure's on the points the
panel lists, and those are the clicked pixels. Profile: key L, a line across Shackleton, Enter; the chart is
drawn under the map with a PSR band over the crater's floor; hovering the chart publishes the sample's map
point and draws the marker there.
"""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image

from lunarmap.crs import lonlat_to_polar, polar_to_lonlat
from lunarmap.geodesy import forward
from lunarmap.measure import measure_legs

from .mapframe import (
    MapFrame,
    after_rerun,
    click_map,
    next_frames,
    open_map_page,
    wait_idle,
    wait_root,
    wait_view_settled,
)

pytestmark = pytest.mark.browser

SHACKLETON = (129.78, -89.67)
_ROW = re.compile(r"^\s*(\d+)\s+(-?[\d.]+), (-?[\d.]+)\s+(-?[\d.]+), (-?[\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$")


@pytest.fixture
def page(browser, real_app_url):
    pg = open_map_page(browser, real_app_url, viewport={"width": 1400, "height": 1300})
    yield pg
    pg.close()


def _legs_text(pg) -> str:
    return next(t for t in pg.locator("code").all_inner_texts() if t.startswith("leg "))


def test_measure_three_legs_total_is_lunarmaps_on_the_clicked_points(page, screenshots_dir):
    root = page.locator(".lm-root")
    root.focus()
    page.keyboard.press("m")
    wait_root(page, "r.dataset.mode === 'measure'")
    frame = MapFrame(page)
    offsets = [(-220, -120), (-40, 60), (130, -90), (240, 110)]
    for dx, dy in offsets:
        click_map(page, frame.cx + dx, frame.cy + dy)
    wait_idle(page)
    page.get_by_text(re.compile(r"^Total [\d,.]+ km")).first.wait_for(state="visible", timeout=30_000)
    text = _legs_text(page)
    rows = [m.groups() for m in map(_ROW.match, text.splitlines()) if m]
    assert [int(r[0]) for r in rows] == [1, 2, 3]
    lonlat = [(float(rows[0][1]), float(rows[0][2]))] + [(float(r[3]), float(r[4])) for r in rows]
    # the points Python measured are the pixels clicked (to a pixel)
    for (lon, lat), (dx, dy) in zip(lonlat, offsets, strict=True):
        x, y = (float(v) for v in lonlat_to_polar(lon, lat))
        want = frame.to_map(frame.cx + dx, frame.cy + dy)
        assert math.hypot(x - want[0], y - want[1]) < 1.5 * frame.mpp
    total_km = float(re.search(r"Total ([\d,.]+) km", page.get_by_text(re.compile(r"^Total [\d,.]+ km")).first
                               .inner_text()).group(1).replace(",", ""))
    expected = measure_legs(lonlat)
    assert abs(total_km * 1000 - expected.total_m) <= 1.0, (total_km, expected.total_m)
    assert [float(r[7]) for r in rows] == pytest.approx([leg.total_m / 1000 for leg in expected.legs], abs=1e-3)
    assert [float(r[6]) for r in rows] == pytest.approx([leg.azimuth_deg for leg in expected.legs], abs=0.01)
    page.screenshot(path=str(screenshots_dir / "tools-measure.png"))
    # Esc ends the measurement (still listed); the next click starts a new one
    root.focus()
    page.keyboard.press("Escape")
    click_map(page, frame.cx + 60, frame.cy + 200)
    page.get_by_text("Click a second point to measure the first leg").wait_for(state="visible", timeout=30_000)
    assert not page.errors


def _fly_to_shackleton(pg) -> None:
    box = pg.get_by_placeholder(re.compile("Shackleton"))
    box.fill("shackleton")
    after_rerun(pg, lambda: box.press("Enter"))
    x, y = lonlat_to_polar(*SHACKLETON)
    wait_root(pg, f"Math.hypot(parseFloat(r.dataset.targetX) - ({float(x)}), parseFloat(r.dataset.targetY) - "
                  f"({float(y)})) < 2 / 2 ** parseFloat(r.dataset.zoom)", timeout_ms=20_000)
    wait_view_settled(pg)


def _canvas_rgb(pg, sx: float, sy: float) -> tuple[int, int, int]:
    """The map canvas's colour at screen point (sx, sy)."""
    shot = Image.open(io.BytesIO(pg.screenshot(clip={"x": sx - 1, "y": sy - 1, "width": 3, "height": 3}))).convert("RGB")
    return shot.getpixel((1, 1))


def test_profile_across_shackleton_draws_the_chart_with_the_floors_psr_and_marks_the_hovered_sample(
        page, screenshots_dir):
    if page.get_by_text("Only catalogue sites can be searched").count():
        pytest.skip("the IAU gazetteer is not in the data folder")
    _fly_to_shackleton(page)
    page.locator(".lm-root").focus()
    page.keyboard.press("l")
    wait_root(page, "r.dataset.mode === 'profile'")
    frame = MapFrame(page)
    a = forward(*SHACKLETON, 90.0, 15_000.0)[:2]
    b = forward(*SHACKLETON, 270.0, 15_000.0)[:2]
    for k, (lon, lat) in enumerate((a, b)):
        page.mouse.click(*frame.to_screen(*(float(v) for v in lonlat_to_polar(float(lon), float(lat)))))
        wait_root(page, f"r.dataset.drawVertices === '{k + 1}'")
    after_rerun(page, lambda: page.keyboard.press("Enter"))
    wait_root(page, "!!r.dataset.profileDrawn")
    assert page.locator(".lm-root").get_attribute("data-profile-n") == "1000"
    # the chart's PSR bands (read from its SVG): one named Shackleton holds the line's middle, the crater's floor
    bands = page.locator(".lm-chart rect.lm-chart-psr")
    spans = [(float(bands.nth(i).get_attribute("data-start-m")), float(bands.nth(i).get_attribute("data-end-m")),
              bands.nth(i).get_attribute("data-place")) for i in range(bands.count())]
    floor = [s for s in spans if s[2] == "Shackleton" and s[0] < 15_000.0 < s[1]]
    assert floor, spans
    assert page.locator(".lm-chart path.lm-chart-elevation").get_attribute("d").count("L") > 900
    assert page.locator(".lm-chart g.lm-chart-res").count() >= 1
    # hover the chart at the floor band's middle: the sample's map point is published and marked on the map
    hover = page.locator(".lm-chart rect.lm-chart-hover").bounding_box()
    total = 30_000.0
    d_m = (floor[0][0] + floor[0][1]) / 2
    page.mouse.move(hover["x"] + hover["width"] * d_m / total, hover["y"] + 30)
    wait_root(page, "!!r.dataset.profileMarker")
    next_frames(page, 3)
    readout = page.locator(".lm-chart-readout").inner_text()
    assert re.search(r"in PSR .*\(Shackleton\)", readout), readout
    mx, my = (float(v) for v in page.locator(".lm-root").get_attribute("data-profile-marker").split(","))
    lon, lat = (float(v) for v in polar_to_lonlat(mx, my))
    got_km = float(re.match(r"([\d.]+) km", readout).group(1))
    assert abs(got_km * 1000 - d_m) < 60.0, "the readout is the sample under the pointer (30 m spacing)"
    r, g, _ = _canvas_rgb(page, *frame.to_screen(mx, my))
    assert r > 200 and g > 180, f"the hover marker (yellow) is drawn at the sample, got {(r, g)}"
    page.screenshot(path=str(screenshots_dir / "tools-profile-shackleton.png"))
    assert not page.errors
    assert -90.0 <= lat < -89.4 and math.isfinite(lon)
