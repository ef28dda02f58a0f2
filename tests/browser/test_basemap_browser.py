"""The real default map in a real browser: the LROC WAC mosaic is the basemap, elevation colours over it."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from lunarmap.catalog import load_catalog
from lunarmap.rasters import SOURCE_WAC
from lunarmap_ui.static_files import STATIC_DIR

from .mapframe import MapFrame, after_rerun, open_map_page, toggle_layer, wait_idle, wait_root, wait_view_settled

pytestmark = [pytest.mark.browser, pytest.mark.realdata]


@pytest.fixture(scope="module")
def page(browser, real_app_url):
    pg = open_map_page(browser, real_app_url, viewport={"width": 1400, "height": 1100})
    yield pg
    pg.close()


def _box(pg, screenshots_dir, name: str) -> np.ndarray:
    """Grey levels of the map canvas right of the legend, below the toolbar and above the scale bar, and the crop."""
    pg.mouse.move(5, 5)
    box = pg.locator(".lm-deck canvas").bounding_box()
    img = Image.open(io.BytesIO(pg.screenshot(path=str(screenshots_dir / name)))).convert("L")
    crop = (round(box["x"] + 220), round(box["y"] + 70), round(box["x"] + box["width"] - 20),
            round(box["y"] + box["height"] - 60))
    return np.asarray(img.crop(crop), dtype=float), crop


def _wait_mpp_below(pg, mpp: float, timeout_s: float = 20.0) -> None:
    """Until the map shows fewer than ``mpp`` metres per screen pixel."""
    wait_root(pg, f"1 / 2 ** parseFloat(r.getAttribute('data-zoom')) < {mpp}", timeout_ms=int(timeout_s * 1000))


def _toggle(pg, label: str, legend_title: str) -> None:
    """Flip a layer toggle, then wait for the map to show it: its legend entry comes or goes, every layer loaded."""
    legend = pg.locator(".lm-legend").get_by_text(legend_title)
    shown = legend.count() > 0
    toggle_layer(pg, label)
    expect(legend).to_have_count(0 if shown else 1, timeout=30_000)
    wait_idle(pg)
    pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=30_000)


def _wac_under(frame: MapFrame, crop: tuple[int, int, int, int], wac: np.ndarray, flip: bool = False) -> np.ndarray:
    """The WAC JPEG's grey level under each screen pixel of ``crop``, placed by the catalogue's bounds."""
    product = load_catalog().get("wac-south-polar-400m")
    minx, miny, maxx, maxy = product.bounds_m
    sx, sy = np.meshgrid(np.arange(crop[0], crop[2]) + 0.5, np.arange(crop[1], crop[3]) + 0.5)
    x, y = frame.to_map(sx, sy)
    col = np.clip(((x - minx) / (maxx - minx) * wac.shape[1]).astype(int), 0, wac.shape[1] - 1)
    row = np.clip(((maxy - y) / (maxy - miny) * wac.shape[0]).astype(int), 0, wac.shape[0] - 1)
    return (wac[:, ::-1] if flip else wac)[row, col].astype(float)


def test_default_map_shows_the_wac_mosaic_in_place_and_toggling_it_changes_the_picture(
        page, screenshots_dir, prepared_data_dir):
    # Fly to Shackleton (search), where the 400 m mosaic shows crater rims the ~10 km global mosaic cannot.
    search = page.get_by_placeholder(re.compile("Shackleton"))
    after_rerun(page, lambda: (search.fill("Shackleton"), search.press("Enter")))
    _wait_mpp_below(page, 400.0)
    wait_view_settled(page)  # the fly-to transition ends
    frame = MapFrame(page)
    with_wac, crop = _box(page, screenshots_dir, "basemap-wac-on.png")
    assert with_wac.shape[0] > 200 and with_wac.shape[1] > 200
    _toggle(page, "LROC WAC mosaic", "LROC WAC mosaic (")
    without, _ = _box(page, screenshots_dir, "basemap-wac-off.png")
    after = MapFrame(page)
    assert (after.tx, after.ty, after.zoom) == (frame.tx, frame.ty, frame.zoom), "the toggle kept the view"
    _toggle(page, "LROC WAC mosaic", "LROC WAC mosaic (")
    again, _ = _box(page, screenshots_dir, "basemap-wac-on-again.png")
    assert np.mean(np.abs(with_wac - without)) > 5.0         # the mosaic changes the picture (PSR fill over parts)
    assert np.mean(np.abs(with_wac - again)) < 3.0           # and back as it was
    # What the mosaic adds is the WAC image itself, in place: it correlates with the JPEG sampled under each
    # screen pixel at the catalogue's bounds, and not with the JPEG flipped left to right.
    wac = np.asarray(Image.open(prepared_data_dir / SOURCE_WAC).convert("L"))
    added = (with_wac - without).ravel()
    placed = np.corrcoef(added, _wac_under(frame, crop, wac).ravel())[0, 1]
    flipped = np.corrcoef(added, _wac_under(frame, crop, wac, flip=True).ravel())[0, 1]
    assert placed > 0.5 and abs(flipped) < 0.5 * placed, (placed, flipped)
    assert not page.errors


_IMAGES_FETCHED = """() => performance.getEntriesByType('resource').map((e) => e.name.split('/').pop())
  .filter((n) => /\\.(png|jpg)$/.test(n) && !n.startsWith('favicon'))"""


def test_the_opening_view_fetches_image_previews_and_zooming_in_fetches_the_full_images(
        browser, real_app_url, screenshots_dir, prepared_data_dir):
    pg = open_map_page(browser, real_app_url, viewport={"width": 1400, "height": 1000})
    try:
        first = pg.evaluate(_IMAGES_FETCHED)
        previews = sorted(n.split("-preview-")[0] for n in first if "-preview-" in n)
        assert previews == ["elevation", "mosaic", "psr", "wac"], first   # the default rasters, as previews
        assert all("-preview-" in n for n in first), first                 # no full image at the opening view
        z0 = float(pg.locator(".lm-root").get_attribute("data-zoom"))
        # zoom in 3 levels: an image whose preview pixels are now magnified (metres per preview pixel over the
        # view's metres per pixel) has its full image fetched, and the map is loaded again only once it is drawn
        for _ in range(3):
            pg.get_by_role("button", name="Zoom in (+)").click()
        wait_root(pg, f"Math.abs(parseFloat(r.dataset.zoom) - {z0 + 3}) < 1e-6", timeout_ms=10_000)
        wait_view_settled(pg)
        pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=60_000)
        mpp = 2.0 ** -(z0 + 3)
        display = json.loads((prepared_data_dir / "prepared" / "display.json").read_text())
        needed = []
        for layer in display["layers"]:
            preview = next((n for n in first if n.startswith(layer["name"] + "-preview-")), None)
            if preview is not None:
                width_px = Image.open(STATIC_DIR / preview).width
                if (layer["bounds_m"][2] - layer["bounds_m"][0]) / width_px > mpp:
                    needed.append(layer["name"])
        assert {"elevation", "mosaic", "wac"} <= set(needed), (mpp, needed)   # 1.6 km and 400 m images at < 1 km/px
        full = sorted(n.rsplit("-", 1)[0] for n in pg.evaluate(_IMAGES_FETCHED) if "-preview-" not in n)
        assert full == sorted(needed), (mpp, full)
        pg.mouse.move(5, 5)
        pg.locator(".lm-root").screenshot(path=str(screenshots_dir / "basemap-full-images-zoomed-in.png"))
        assert not pg.errors
    finally:
        pg.close()
