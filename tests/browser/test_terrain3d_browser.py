"""The 3D terrain view in the browser, on the real data: open it at Shackleton, see terrain, orbit it, go back.

The page opens at Shackleton through the address (?view=), the 3D toggle is switched on in the Layers popover;
the test waits for the 3D Deck's first frames with the mesh, checks the canvas shows terrain (pixel variance,
not a blank or single-colour canvas), drags to orbit (the published orbit angle changes and so do the pixels),
then switches 3D off and checks the 2D map's view is exactly what it was. Screenshots in
test-artifacts/screenshots.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from lunarmap.crs import lonlat_to_polar

from .mapframe import open_map_page, toggle_layer, wait_idle, wait_root

pytestmark = pytest.mark.browser

SHACKLETON = (129.78, -89.67)
WIDTH_PX = 900.0


def _view(pg) -> tuple[str, str, str]:
    root = pg.locator(".lm-root")
    return tuple(root.get_attribute(a) for a in ("data-target-x", "data-target-y", "data-zoom"))


def _pixels(pg) -> np.ndarray:
    shot = pg.locator(".lm-terrain3d canvas").screenshot()
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=float)


def _toggle_3d(pg, on: bool) -> None:
    """Switch "3D terrain" ``on`` or off in the Layers popover, wait for the map to show it, close the popover.

    ``toggle_layer`` clicks until the switch has flipped: a click that lands while the popover re-renders is lost
    on a busy machine (it was, in CI), and waiting for a script run that click never started would wait forever.
    """
    toggle_layer(pg, "3D terrain")
    wait_root(pg, f"r.dataset.terrain3d === '{'on' if on else 'off'}'", timeout_ms=120_000)
    wait_idle(pg, timeout_ms=90_000)
    pg.keyboard.press("Escape")
    pg.get_by_test_id("stPopoverBody").wait_for(state="hidden", timeout=30_000)


def test_3d_view_at_shackleton_draws_terrain_orbits_and_gives_the_2d_map_back(browser, real_app_url, screenshots_dir):
    x, y = lonlat_to_polar(*SHACKLETON)
    zoom = math.log2(WIDTH_PX / 40_000.0)                 # a 40 km square
    url = f"{real_app_url}?view={x:.0f},{y:.0f},{zoom:.3f}"
    pg = open_map_page(browser, url, timeout_ms=90_000, viewport={"width": 1280, "height": 900})
    try:
        wait_idle(pg)
        before = _view(pg)
        _toggle_3d(pg, on=True)
        wait_root(pg, "r.dataset.terrain3d === 'on' && !!r.dataset.terrainFirstFrameMs", timeout_ms=120_000)
        # the full mesh is drawn (not the coarse one of a moving view, terrain3d_detail.js)
        wait_root(pg, "r.dataset.terrainDetail === 'full' && !!r.dataset.terrainFullFrameMs", timeout_ms=60_000)
        first_ms = float(pg.locator(".lm-root").get_attribute("data-terrain-first-frame-ms"))
        note = pg.locator(".lm-terrain3d-note").inner_text()
        assert "40.0 km square" in note and "triangles" in note and "Sun at" in note, note
        pg.screenshot(path=str(screenshots_dir / "terrain3d-shackleton.png"))
        a = _pixels(pg)
        # terrain, not a blank canvas: the grey levels vary, and more than a few distinct colours are drawn
        assert a.mean(axis=2).std() > 12.0, a.mean(axis=2).std()
        assert len(np.unique(a.reshape(-1, 3), axis=0)) > 200
        box = pg.locator(".lm-terrain3d canvas").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        frames = int(pg.locator(".lm-root").get_attribute("data-terrain-frames"))
        pg.mouse.move(cx, cy)
        pg.mouse.down()
        pg.mouse.move(cx + 120, cy + 20, steps=8)
        pg.mouse.move(cx + 240, cy + 40, steps=8)
        pg.mouse.up()
        wait_root(pg, "Math.abs(parseFloat(r.dataset.terrainOrbit || '0')) > 5", timeout_ms=30_000)
        # the 2D map's zoom keys are held back while 3D is shown (its view must come back as it was)
        pg.locator(".lm-root").focus()
        pg.keyboard.press("+")
        assert not pg.locator(".lm-nav").is_visible() and not pg.locator(".lm-toolbar").is_visible()
        wait_root(pg, f"parseInt(r.dataset.terrainFrames) > {frames}", timeout_ms=30_000)   # drawn since
        # the drag drew the coarse mesh (terrain3d_detail.js); the full one is back once the view is still
        root = pg.locator(".lm-root")
        assert int(root.get_attribute("data-terrain-moves") or 0) >= 1
        assert root.get_attribute("data-terrain-triangles") == "32768"
        assert root.get_attribute("data-terrain-triangles-moving") == "2048"
        wait_root(pg, "r.dataset.terrainDetail === 'full'", timeout_ms=30_000)
        wait_root(pg, f"parseInt(r.dataset.terrainFrames) > {frames}", timeout_ms=30_000)
        pg.screenshot(path=str(screenshots_dir / "terrain3d-shackleton-orbited.png"))
        b = _pixels(pg)
        assert np.abs(a - b).mean() > 2.0, "orbiting changed the picture"
        _toggle_3d(pg, on=False)
        wait_root(pg, "r.dataset.terrain3d === 'off' && !r.querySelector('.lm-terrain3d')", timeout_ms=60_000)
        assert _view(pg) == before, "the 2D view is exactly as it was"
        pg.screenshot(path=str(screenshots_dir / "terrain3d-back-to-2d.png"))
        assert not pg.errors, pg.errors
        print(f"3D first frame after the mesh arrived: {first_ms:.0f} ms")
    finally:
        pg.close()
