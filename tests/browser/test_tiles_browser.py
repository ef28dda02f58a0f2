"""Full-resolution tiles in a real browser: zoom from the overview to the finest level of a 4 m DEM read in place.

The app runs as ``streamlit run app.py`` (the dashboard plus its tile routes) over the synthetic display layers,
with the LOLA 5 m product pointed at a synthetic COG (4 m pixels, 4,096 px: 16 km around the pole, with
overviews) on the local Range server, so its tiles are read with /vsicurl/ range requests, never whole.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ..conftest import PROJECT_ROOT, SHARED_DATA
from ..display_data import copy_gazetteer, write_display_data
from ..range_server import running
from ..synthetic_cog import make_cog
from .conftest import _streamlit_app
from .mapframe import open_map_page, wait_root

pytestmark = pytest.mark.browser

COG_PX = 4096
COG_PIXEL_M = 4.0


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiles-app")
    data = write_display_data(root / "data")
    copy_gazetteer(data, SHARED_DATA)
    cog = make_cog(root / "ldem_87s_5mpp_cog.tif", COG_PX, COG_PIXEL_M, pattern="terrain")
    with running() as srv:
        srv.files["/dem/ldem_87s_5mpp_cog.tif"] = cog.read_bytes()
        url = srv.base + "/dem/ldem_87s_5mpp_cog.tif"
        with _streamlit_app(root, PROJECT_ROOT / "app.py", LUNARMAP_DATA_DIR=str(data),
                            LUNARMAP_PRODUCT_LOLA_5M_87S=url, no_proxy="127.0.0.1", NO_PROXY="127.0.0.1") as app:
            yield app, srv


_TILES = "(globalThis.__lunarmapTiles || {requested: [], drawn: [], failed: [], aborted: []})"


def _wait_tiles(pg, predicate_js: str, timeout_ms: int = 60_000) -> None:
    """Until ``predicate_js`` holds; on a timeout, the error says what the map asked for, drew, dropped and lost."""
    try:
        pg.wait_for_function(f"() => {predicate_js}", timeout=timeout_ms)
    except Exception as err:  # noqa: BLE001 - playwright's TimeoutError, re-raised with the tile record
        record = pg.evaluate(f"() => {_TILES}")
        tiles = [u for u in getattr(pg, "requests", []) if "/tiles/" in u]
        raise AssertionError(f"{predicate_js!r} not true after {timeout_ms} ms; tile record {record}; "
                             f"tile requests seen by the page {tiles[:20]}; page errors {pg.errors}") from err


def _levels(pg, which: str) -> set[int]:
    urls = pg.evaluate(f"() => {_TILES}.{which}")
    return {int(u.split("/")[-3]) for u in urls}


def test_zoom_from_overview_to_finest_tiles_requests_and_draws_them(browser, tiles_app, screenshots_dir):
    app, srv = tiles_app
    pg = open_map_page(browser, app + "?view=0,0,-9&layers=elevation", requests=True,
                       viewport={"width": 1100, "height": 800})
    try:
        # the overview level: the 16 km product is one or a few tiles of level 5 (deck.gl level -9)
        _wait_tiles(pg, f"{_TILES}.drawn.length > 0")
        coarse = _levels(pg, "drawn")
        assert coarse and max(coarse) <= 6, coarse
        # zoom in with the keyboard, one step at a time, to the finest level (deck.gl zoom -2: TMS level 12)
        pg.get_by_role("button", name="Zoom in (+)").focus()
        for _ in range(7):
            pg.keyboard.press("+")
        wait_root(pg, "Math.abs(parseFloat(r.dataset.zoom) - (-2)) < 1e-6", timeout_ms=20_000)
        _wait_tiles(pg, f"{_TILES}.drawn.some((u) => u.split('/').slice(-3)[0] === '12')")
        # every level-12 tile asked for is drawn, but those deck.gl gave up on while the zoom passed through
        _wait_tiles(pg, f"{_TILES}.requested.filter((u) => u.split('/').slice(-3)[0] === '12').every("
                        f"(u) => {_TILES}.drawn.includes(u) || {_TILES}.aborted.includes(u))")
        assert 12 in _levels(pg, "drawn")
        assert not pg.evaluate(f"() => {_TILES}.failed")
        shot = pg.locator(".lm-deck canvas").screenshot(path=str(screenshots_dir / "tiles-level-12.png"))
        assert len(shot) > 10_000
        # the finest tiles differ from one another: real data, not one colour
        colours = pg.evaluate("""() => {
          const c = [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)
            .map(s => s.querySelector('.lm-deck canvas')).find(Boolean) || document.querySelector('.lm-deck canvas');
          const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
          const ctx = g.getContext('2d'); ctx.drawImage(c, 0, 0);
          const seen = new Set();
          for (let i = 0; i < 40; i++) {
            const p = ctx.getImageData(Math.floor(c.width * (0.2 + 0.015 * i)), Math.floor(c.height / 2), 1, 1).data;
            seen.add(p.join(','));
          }
          return seen.size;
        }""")
        assert colours >= 5, colours
        # every request stayed on this machine, and GDAL read the product by ranges only
        hosts = {urlparse(u).hostname for u in pg.requests if urlparse(u).scheme in ("http", "https")}
        assert hosts == {"127.0.0.1"}, hosts
        # GDAL asked for ranges only, each a small part of the file (never the whole of it; tiles rendered at once
        # on several threads may ask for the same block twice, so the bytes sent are not a bound)
        assert srv.requests and all(rng for _, rng in srv.requests)
        spans = [int(b) - int(a) + 1 for _, rng in srv.requests for a, b in [rng.removeprefix("bytes=").split("-")]]
        assert max(spans) < len(srv.files["/dem/ldem_87s_5mpp_cog.tif"]) / 8
        assert not pg.errors
    finally:
        pg.close()
