"""Zoom buttons and keys, and the address that reproduces the view: copy it after panning, open it elsewhere."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from .mapframe import MapFrame, after_rerun, open_map_page, toggle_layer, wait_root, wait_view_settled

pytestmark = pytest.mark.browser


def _view(pg) -> tuple[float, float, float]:
    root = pg.locator(".lm-root")
    return tuple(float(root.get_attribute(a)) for a in ("data-target-x", "data-target-y", "data-zoom"))


def _address_follows_view(pg) -> None:
    """Until the page's address holds the view the map publishes (to the metre and 1/100 of a zoom step)."""
    pg.wait_for_function("""() => {
      const r = document.querySelector('.lm-root') ||
        [...document.querySelectorAll('*')].map(e => e.shadowRoot && e.shadowRoot.querySelector('.lm-root')).find(Boolean);
      if (!r) return false;
      const v = new URLSearchParams(location.search).get('view');
      if (!v) return false;
      const [x, y, z] = v.split(',').map(Number);
      return Math.abs(x - parseFloat(r.dataset.targetX)) <= 1 && Math.abs(y - parseFloat(r.dataset.targetY)) <= 1
        && Math.abs(z - parseFloat(r.dataset.zoom)) <= 0.006;
    }""", timeout=20_000)


def test_zoom_buttons_keys_and_home(browser, app_url):
    pg = open_map_page(browser, app_url, viewport={"width": 1280, "height": 800})
    try:
        z0 = _view(pg)[2]
        pg.get_by_role("button", name="Zoom in (+)").click()
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.zoom) - {z0 + 1}) < 1e-6", timeout_ms=10_000)
        pg.get_by_role("button", name="Zoom in (+)").focus()
        pg.keyboard.press("+")
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.zoom) - {z0 + 2}) < 1e-6", timeout_ms=10_000)
        pg.keyboard.press("-")
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.zoom) - {z0 + 1}) < 1e-6", timeout_ms=10_000)
        pg.get_by_role("button", name="Home: the opening view (0)").click()
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.zoom) - {z0}) < 1e-6", timeout_ms=10_000)
        assert not pg.errors
    finally:
        pg.close()


def test_a_copied_address_opens_the_same_view_and_layers_in_a_fresh_context(browser, app_url, screenshots_dir):
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = open_map_page(ctx, app_url)
    try:
        frame = MapFrame(pg)
        pg.mouse.move(frame.cx, frame.cy)
        pg.mouse.wheel(0, -500)
        wait_view_settled(pg)
        frame = MapFrame(pg)
        pg.mouse.move(frame.cx, frame.cy)           # pan: drag the map 150 px left and 90 px down
        pg.mouse.down()
        pg.mouse.move(frame.cx - 75, frame.cy + 45, steps=5)
        pg.mouse.move(frame.cx - 150, frame.cy + 90, steps=5)
        pg.mouse.up()
        wait_view_settled(pg)
        _address_follows_view(pg)
        after_rerun(pg, lambda: toggle_layer(pg, "Hillshade"))   # clicked until its switch flips
        pg.wait_for_function("() => (new URLSearchParams(location.search).get('layers') || '').includes('hillshade')",
                             timeout=20_000)
        _address_follows_view(pg)
        view = _view(pg)
        copied = pg.url
        assert set(parse_qs(urlparse(copied).query)) >= {"view", "layers"}
        pg.screenshot(path=str(screenshots_dir / "address-before-copy.png"))
    finally:
        ctx.close()
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = open_map_page(fresh, copied)
        wait_view_settled(other)
        x, y, z = _view(other)
        assert abs(x - view[0]) <= 1.5 and abs(y - view[1]) <= 1.5 and abs(z - view[2]) <= 0.006, (view, (x, y, z))
        other.get_by_role("button", name="Layers").click()
        hillshade = other.get_by_test_id("stPopoverBody").get_by_label("Hillshade", exact=True)
        assert hillshade.is_checked(), "the hillshade (off by default) was on in the copied address"
        other.screenshot(path=str(screenshots_dir / "address-opened-in-fresh-context.png"))
    finally:
        fresh.close()
