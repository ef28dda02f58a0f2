"""User text never reaches deck.gl's JSON converter as an expression, constant, class or function (real Chromium).

The converter reads any string starting "@@=" as an expression, "@@#" as a constant and "@@type" /
"@@function" as class and function references. Site names, zone names and owners are shown as they are.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lunarmap.crs import lonlat_to_polar
from lunarmap.zones import circle_zone, zones_to_geojson

from ..display_data import write_display_data
from .conftest import _streamlit_app
from .mapframe import MapFrame, import_zone_file, open_map_page, wait_root

pytestmark = pytest.mark.browser

_SITES = Path(__file__).resolve().parents[2] / "data" / "sites.geojson"
HOSTILE = {"expr-1": ("@@=constructor", 60.0), "expr-2": ("@@#GL.ONE", 120.0),
           "expr-3": ("@@type", 180.0), "expr-4": ("@@function", -60.0)}


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-app")
    data = write_display_data(root / "data")
    doc = json.loads(_SITES.read_text(encoding="utf-8"))
    for sid, (name, lon) in HOSTILE.items():
        doc["features"].append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, -70.0]},
                                "properties": {"id": sid, "name": name, "kind": "target", "agency": "@@=agency",
                                               "date": None, "source": "@@=source", "uncertainty_m": None}})
    sites = root / "sites.geojson"
    sites.write_text(json.dumps(doc), encoding="utf-8")
    with _streamlit_app(root, LUNARMAP_DATA_DIR=str(data), LUNARMAP_SITES_FILE=str(sites)) as url:
        yield url


def test_hostile_site_and_zone_names_are_shown_as_text_and_the_map_keeps_working(browser, hostile_url, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, hostile_url)
    frame = MapFrame(pg)
    # Each hostile site's tooltip says its name as it is (not "function Object() { [native code] }").
    for _, (name, lon) in HOSTILE.items():
        x, y = lonlat_to_polar(lon, -70.0)
        pg.mouse.move(*frame.to_screen(float(x), float(y)))
        tip = pg.locator(".lm-tooltip")
        tip.wait_for(state="visible", timeout=5_000)
        assert name in tip.inner_text() and "native code" not in tip.inner_text()
        pg.mouse.move(5, 5)
    # Overlapping zones with hostile names and owners: the overlap rows carry them; the map still draws.
    zones = [circle_zone("@@=(", "@@#owner", 0.0, -85.0, 120.0), circle_zone("@@type", "@@function", 30.0, -85.0, 120.0)]
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps(zones_to_geojson(zones)))
    import_zone_file(pg, path)
    pg.get_by_text(re.compile(r"Imported 2 zone\(s\)")).first.wait_for(state="visible", timeout=20_000)
    wait_root(pg, "r.dataset.zoneCount === '2' && r.dataset.loaded === '1'", timeout_ms=20_000)
    for owner in ("@@#owner", "@@function"):
        pg.locator(".lm-legend").get_by_text(f"zone of {owner}", exact=True).wait_for(state="visible", timeout=10_000)
    pg.reload()                                   # as anyone opening the page again: it still loads
    pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=40_000)
    assert not pg.errors, pg.errors
    context.close()
