"""Two replicas of the dashboard on one PostGIS scenario store, as a team runs it behind a load balancer.

Two ``streamlit run`` processes on different ports, the same data, and
``LUNARMAP_SCENARIO_DB`` naming one throwaway PostGIS database: a scenario saved
through one replica opens by its ``?scenario=`` link on the other, and the static
files (display images, the map's modules, the deck.gl bundle) have the same
content-hash names on both and are served with bytes that match those names:
they are derived from the data, not from the process that wrote them.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.request
from contextlib import ExitStack

import psycopg
import pytest
from playwright.sync_api import expect

from lunarmap.zones import circle_zone, zones_to_geojson

from ..conftest import SHARED_DATA
from ..display_data import copy_gazetteer, write_display_data
from .conftest import _streamlit_app
from .mapframe import after_rerun, import_zone_file, open_map_page, wait_root

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def replicas(postgis_url, tmp_path_factory):
    """Two app processes sharing one PostGIS store (emptied first); yields their two URLs."""
    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS lunarmap CASCADE")
    root = tmp_path_factory.mktemp("replicas")
    data = write_display_data(root / "data")
    copy_gazetteer(data, SHARED_DATA)
    with ExitStack() as stack:
        urls = [stack.enter_context(_streamlit_app(tmp_path_factory.mktemp(f"replica-{i}"), LUNARMAP_DATA_DIR=str(data),
                                                   LUNARMAP_SCENARIO_DB=postgis_url))
                for i in range(2)]
        yield urls


def _text(pg, pattern: str, timeout_ms: int = 30_000):
    loc = pg.get_by_text(re.compile(pattern)).first
    loc.wait_for(state="visible", timeout=timeout_ms)
    return loc


def test_a_scenario_saved_on_one_replica_opens_by_its_link_on_the_other(browser, replicas, tmp_path, postgis_url):
    a_url, b_url = replicas
    zones = [circle_zone("Rim <b>camp</b>", "CNSA", 129.78, -89.67, 13.0),
             circle_zone("Ridge", "NASA", 150.0, -89.5, 10.0)]
    path = tmp_path / "team.geojson"
    path.write_text(json.dumps(zones_to_geojson(zones)))

    ctx_a = browser.new_context(viewport={"width": 1400, "height": 1300})
    a = open_map_page(ctx_a, a_url)
    import_zone_file(a, path)
    _text(a, r"Imported 2 zone\(s\) from 'team\.geojson'")
    wait_root(a, "r.dataset.zoneCount === '2' && r.dataset.held === '0'")
    name = a.get_by_role("textbox", name="Scenario name")
    name.fill("Team plan")
    after_rerun(a, lambda: name.press("Enter"))
    save = a.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_enabled(timeout=90_000)
    save.click()
    _text(a, r"Saved 'Team plan' \(2 zones\)")
    a.wait_for_function("() => location.search.includes('scenario=')", timeout=10_000)
    link = a.url
    sid = re.search(r"[?&]scenario=([0-9a-f]{12})", link).group(1)

    # The row is in PostGIS, in the lunar CRS, where the team's other tools read it.
    with psycopg.connect(postgis_url) as con:
        names = con.execute("SELECT name FROM lunarmap.zones WHERE scenario_id = %s ORDER BY position",
                            (sid,)).fetchall()
    assert [n for (n,) in names] == ["Rim <b>camp</b>", "Ridge"]

    # The same link on the other replica (another process, another port) opens the same zones.
    ctx_b = browser.new_context(viewport={"width": 1400, "height": 1300})
    b = open_map_page(ctx_b, link.replace(a_url, b_url))
    assert b.url.startswith(b_url)
    wait_root(b, "r.dataset.zoneCount === '2' && r.dataset.held === '0'")
    _text(b, r"Opened the scenario 'Team plan' \(2 zones\)")
    _text(b, r"1 conflict")
    assert not a.errors and not b.errors, (a.errors, b.errors)
    ctx_a.close()
    ctx_b.close()


def test_static_files_have_the_same_content_names_on_both_replicas(browser, replicas):
    seen = []
    for url in replicas:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        pg = open_map_page(ctx, url, requests=True)
        wait_root(pg, "r.dataset.loaded === '1'")
        seen.append({u.split("app/static/", 1)[1] for u in pg.requests if "/app/static/" in u})
        ctx.close()
    assert seen[0] == seen[1] and len(seen[0]) >= 3, seen
    hashed = 0
    for name in sorted(seen[0]):
        bodies = [urllib.request.urlopen(f"{url}app/static/{name}", timeout=30).read() for url in replicas]
        assert bodies[0] == bodies[1], name
        digest = re.search(r"-([0-9a-f]{12})\.[A-Za-z0-9]+$", name.split("/")[0])
        if digest:                                  # a content-named file: the name is its bytes' hash
            assert hashlib.sha256(bodies[0]).hexdigest()[:12] == digest.group(1), name
            hashed += 1
    assert hashed >= 2, seen[0]                     # the display images and the deck.gl bundle at least
