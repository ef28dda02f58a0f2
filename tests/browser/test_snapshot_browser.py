"""The PNG export: the map as drawn, with its legend, scale bar and a caption naming the data, downloaded."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from .mapframe import open_map_page, wait_root

pytestmark = pytest.mark.browser


def _region(img: np.ndarray, box: list[int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    return img[y0:y1, x0:x1]


def test_png_button_downloads_the_map_with_legend_scale_and_caption(browser, app_url, screenshots_dir):
    pg = open_map_page(browser, app_url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
    try:
        canvas = pg.locator(".lm-deck canvas")
        canvas_px = pg.evaluate("""() => {
          const find = (n) => n.querySelector('.lm-deck canvas') || [...n.querySelectorAll('*')]
            .map((e) => e.shadowRoot && find(e.shadowRoot)).find(Boolean);
          const c = find(document);
          return [c.width, c.height];
        }""")
        on_screen = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), dtype=float)
        button = pg.get_by_role("button", name=re.compile("^Save the map as a PNG"))
        button.focus()                                   # the keyboard path: Tab reaches it, Enter presses it
        canvas.screenshot(path=str(screenshots_dir / "map-snapshot-button.png"))
        with pg.expect_download(timeout=30_000) as info:
            pg.keyboard.press("Enter")
        download = info.value
        wait_root(pg, "!!r.dataset.snapshot", timeout_ms=10_000)
        meta = json.loads(pg.locator(".lm-root").get_attribute("data-snapshot"))
        print(f"snapshot {meta['width']} x {meta['height']} px, {meta['bytes']} bytes, {meta['ms']} ms")
        path = screenshots_dir / "map-snapshot.png"
        download.save_as(str(path))

        name = download.suggested_filename
        m = re.fullmatch(r"lunarmap-(\d{4}-\d{2}-\d{2})-(\d+\.\d\d)S-(\d+\.\d\d)[EW]\.png", name)
        assert m, name
        now = datetime.now(UTC)
        assert m.group(1) in {(now + timedelta(days=d)).date().isoformat() for d in (-1, 0)}
        assert name == meta["fileName"]

        png = Image.open(path)
        assert png.format == "PNG"
        assert png.size == (meta["width"], meta["height"])
        assert png.width >= canvas_px[0] and png.height >= canvas_px[1]
        img = np.asarray(png.convert("RGB"), dtype=float)
        boxes = meta["boxes"]
        mx0, my0, mx1, my1 = boxes["map"]
        assert (mx1 - mx0, my1 - my0) == tuple(canvas_px)   # the map at the size deck.gl draws it

        # the map part is the map as shown: not blank, and its middle (no DOM over it) matches the screen
        mapped = _region(img, boxes["map"])
        assert mapped.std() > 10.0, mapped.std()
        h, w = on_screen.shape[:2]
        mid = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
        diff = np.abs(mapped[mid] - on_screen[mid]).mean()
        assert diff < 8.0, f"the PNG's map differs from the screen by {diff:.1f} grey levels on average"

        # the legend column and the caption hold drawn text and colours on their white ground
        for part in ("legend", "caption"):
            region = _region(img, boxes[part])
            inked = (region.min(axis=2) < 200).mean()
            assert inked > 0.005, f"{part}: {inked:.4f} of its pixels drawn"
        # the scale bar's light plate and bar sit bottom left on the map
        plate = img[my1 - 40:my1 - 12, mx0 + 12:mx0 + 20]
        assert (plate.min(axis=2) > 100).mean() > 0.3 and (plate.max(axis=2) < 60).any()

        caption = meta["caption"]
        assert "IAU_2015:30135 south polar stereographic, Moon sphere R = 1,737,400 m" in caption
        assert "lunarmap" in caption and m.group(1) in caption
        assert "per pixel" in caption           # each raster's resolution, from the data's sources
        assert not pg.errors, pg.errors
    finally:
        pg.close()


def test_png_of_the_real_data_at_shackleton_on_a_2x_screen(browser, real_app_url, screenshots_dir):
    """On a 2x screen the PNG holds the map at the resolution deck.gl draws it; the name carries the centre."""
    from lunarmap.crs import lonlat_to_polar

    x, y = lonlat_to_polar(129.8, -89.67)             # Shackleton's centre
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=2, accept_downloads=True)
    pg = open_map_page(ctx, f"{real_app_url}?view={x:.0f},{y:.0f},-5.5")
    try:
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.targetX) - {x:.0f}) < 2", timeout_ms=20_000)
        # the drawing buffer's size: deck.gl's, which need not be the CSS size times the device pixel ratio
        drawn = pg.locator(".lm-deck canvas").evaluate("c => [c.width, c.height, c.clientWidth, c.clientHeight]")
        with pg.expect_download(timeout=30_000) as info:
            pg.get_by_role("button", name=re.compile("^Save the map as a PNG")).click()
        download = info.value
        path = screenshots_dir / "map-snapshot-shackleton.png"
        download.save_as(str(path))
        assert re.fullmatch(r"lunarmap-\d{4}-\d{2}-\d{2}-89\.67S-129\.80E\.png", download.suggested_filename)
        wait_root(pg, "!!r.dataset.snapshot", timeout_ms=10_000)
        meta = json.loads(pg.locator(".lm-root").get_attribute("data-snapshot"))
        png = Image.open(path)
        x0, y0, x1, y1 = meta["boxes"]["map"]
        assert (x1 - x0, y1 - y0) == (drawn[0], drawn[1])
        assert png.size == (meta["width"], meta["height"]) and png.width > drawn[0] and png.height > drawn[1]
        ratio = drawn[0] / drawn[2]                          # legend and caption are drawn at the map's ratio
        assert meta["boxes"]["legend"][0] == x1 and round((meta["boxes"]["legend"][2] - x1) / ratio) == 280 + 2 * 12  # column + padding
        mapped = np.asarray(png.convert("L"), dtype=float)[y0:y1, x0:x1]
        assert mapped.std() > 10.0, mapped.std()
        assert "km per pixel" in meta["caption"] or "m per pixel" in meta["caption"]
        assert not pg.errors, pg.errors
    finally:
        ctx.close()
