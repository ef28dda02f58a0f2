"""The page with the lean deck.gl bundle: loaded once, from its content-hash URL, early, with its steps timed.

The other browser tests draw every layer type the page uses (rasters, outlines, graticule, regions, sites,
labels, zones) with this bundle; here: that the bundle is the lean build (not pydeck's full one), and that
the component's timeline (``globalThis.__lunarmapTiming``, ms since navigation start) is complete and in order.
"""

from __future__ import annotations

import pytest

from lunarmap_ui.static_files import DECKGL_BUNDLE, content_name

from .mapframe import open_map_page

pytestmark = pytest.mark.browser


def test_the_lean_bundle_is_loaded_once_and_the_load_steps_are_timed_in_order(browser, app_url, screenshots_dir):
    pg = open_map_page(browser, app_url, requests=True, viewport={"width": 1400, "height": 1100})
    try:
        pg.screenshot(path=str(screenshots_dir / "bundle_lean_map.png"))
        deck_requests = [u for u in pg.requests if "/app/static/deckgl-" in u]
        assert [u.rsplit("/", 1)[1] for u in deck_requests] == [content_name(DECKGL_BUNDLE, stem="deckgl")]
        got = pg.evaluate("""() => ({version: globalThis.deck.VERSION, tile: typeof globalThis.deck.TileLayer,
                                     hexagon: typeof globalThis.deck.HexagonLayer,
                                     timing: globalThis.__lunarmapTiming})""")
        assert got["version"].startswith("9.3.")
        # the lean build: what the page uses and the next work needs, none of the layers it never draws
        assert (got["tile"], got["hexagon"]) == ("function", "undefined")
        t = got["timing"]
        assert {"entry", "module-loaded", "deck-script-loaded", "mount", "bundle-loaded", "deck-created",
                "loaded"} <= t.keys(), t
        # deck.gl starts loading when the entry runs, beside the modules: the Deck waits for both, no more
        assert t["entry"] <= t["module-loaded"] <= t["mount"] <= t["bundle-loaded"]
        assert t["entry"] <= t["deck-script-loaded"] <= t["bundle-loaded"] <= t["deck-created"] <= t["loaded"]
        assert t.get("first-render", t["loaded"]) <= t["loaded"]
        assert not pg.errors, pg.errors
    finally:
        pg.close()
