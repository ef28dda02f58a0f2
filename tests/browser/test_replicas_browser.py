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
import os
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from lunarmap.zones import circle_zone, zones_to_geojson

from ..conftest import PROJECT_ROOT, SHARED_DATA
from ..display_data import copy_gazetteer, write_display_data
from .conftest import _streamlit_app
from .mapframe import import_zone_file, open_map_page, save_scenario, wait_root

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
    link = save_scenario(a, "Team plan")
    _text(a, r"Saved 'Team plan' \(2 zones\)")
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


# --- behind nginx: the example configuration in deploy/nginx, as it is ---------------------------------


@pytest.fixture(scope="module")
def proxy(replicas):
    """Debian's nginx running deploy/nginx/lunarmap.conf in front of the two replicas; yields its URL."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install nginx): the reverse-proxy test needs it")
        pytest.skip("nginx is not installed")
    # Its own folder directly in /tmp: started as root, nginx's workers run as nobody, who cannot enter pytest's
    # private temporary folders to buffer an upload.
    folder = Path(tempfile.mkdtemp(prefix="lunarmap-nginx-"))
    folder.chmod(0o777)
    port = _free_port()
    ports = [u.rstrip("/").rsplit(":", 1)[1] for u in replicas]
    conf = (PROJECT_ROOT / "deploy" / "nginx" / "lunarmap.conf").read_text()
    conf = conf.replace("server 127.0.0.1:8501;", f"server 127.0.0.1:{ports[0]};")
    conf = conf.replace("server 127.0.0.1:8502;", f"server 127.0.0.1:{ports[1]};")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    (folder / "lunarmap.conf").write_text(conf)
    temp = " ".join(f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{ access_log {folder / 'access.log'}; {temp} include {folder / 'lunarmap.conf'}; }}\n")
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):                         # each try is a request or the wait on nginx's exit
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=1)
                break
            except OSError:
                try:
                    proc.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    continue
                pytest.fail(f"nginx exited: {proc.stdout.read()}")
        else:
            pytest.fail(f"nginx did not answer: {(folder / 'error.log').read_text()[-2000:]}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _replica_for(url: str, key: str) -> str:
    req = urllib.request.Request(url + "_stcore/health", headers={"Cookie": f"lunarmap_replica={key}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["X-Lunarmap-Replica"]


def _note_replicas(pg, proxy: str, served: list) -> None:
    """Collect the replica (X-Lunarmap-Replica) of every response the page gets from the proxy over the network."""
    def note(response) -> None:
        if response.url.startswith(proxy) and not response.from_service_worker:
            replica = response.headers.get("x-lunarmap-replica")
            if replica is not None or response.status != 304:
                served.append(replica)
    pg.on("response", note)


def test_nginx_keeps_each_browser_on_one_replica_and_spreads_browsers_over_both(browser, replicas, proxy, tmp_path):
    ports = {u.rstrip("/").rsplit(":", 1)[1] for u in replicas}
    keys: dict[str, str] = {}                        # a replica key (cookie value) for each replica
    for i in range(200):
        keys.setdefault(_replica_for(proxy, f"key-{i}"), f"key-{i}")
        if len(keys) == 2:
            break
    assert {k.rsplit(":", 1)[1] for k in keys} == ports, keys
    for upstream, key in keys.items():
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        ctx.add_cookies([{"name": "lunarmap_replica", "value": key, "url": proxy}])
        pg = ctx.new_page()
        served = []
        _note_replicas(pg, proxy, served)
        pg.goto(proxy)
        pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=60_000)   # websocket through nginx
        assert set(served) == {upstream}, (upstream, set(served))
        ctx.close()

    # A browser with no cookie gets one on its first response and stays with that replica: a zone file it
    # uploads reaches the replica that holds its session (a request sent elsewhere would be refused).
    zone = tmp_path / "one.geojson"
    zone.write_text(json.dumps(zones_to_geojson([circle_zone("Behind the proxy", "ESA", 0.0, -89.0, 8.0)])))
    ctx = browser.new_context(viewport={"width": 1400, "height": 1300})
    served = []
    pg = ctx.new_page()
    _note_replicas(pg, proxy, served)
    pg.goto(proxy)
    pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=60_000)
    (cookie,) = [c for c in ctx.cookies() if c["name"] == "lunarmap_replica"]
    assert len(set(served)) == 1 and re.fullmatch(r"[0-9a-f]{32}", cookie["value"]), (served, cookie)
    import_zone_file(pg, zone)
    _text(pg, r"Imported 1 zone\(s\) from 'one\.geojson'")
    wait_root(pg, "r.dataset.zoneCount === '1' && r.dataset.held === '0'")
    assert len(set(served)) == 1, set(served)
    ctx.close()
