"""Benchmark: full-resolution map tiles of a 16,384 x 16,384 COG read in place from a local Range server.

Budgets (issue 19, "Speed"): the first tile of a view at full resolution under 300 ms of server time (warm: the
server has met the product, the tile itself is new); a pan that brings 12 new tiles under 1 s to all drawn in
headless Chromium; the bytes read to draw the 40 S overview under 5 % of the file.

The COG is synthetic (tests/synthetic_cog.py: the LOLA south polar grid, IAU_2015:30135, 5 m pixels, 512 px
blocks, DEFLATE, overviews, int16 relief about as compressible as a real DEM), served from memory by the tests'
Range server on 127.0.0.1, which counts the bytes it sends; lunarmap reads it with GDAL /vsicurl/
(LUNARMAP_PRODUCT_LOLA_5M_87S). Measured:

1. server time of :func:`lunarmap.tiles.render_tile` (no disk cache) for 30 new level-12 tiles (4 m per pixel)
   near the pole, each style, after one warm-up tile: median and p95;
2. the same through the HTTP route of ``streamlit run app.py`` (``lunarmap/tiles/...``), new tiles each time;
3. in Chromium: the page opened at level 12 over the product, then dragged four tiles (1,024 px) west, and the
   time from the drag's end until every tile it asked for is drawn (``globalThis.__lunarmapTiles``), 3 rounds;
4. the bytes the Range server sent to draw the 40 S overview view (deck.gl zoom -12.5: the whole product in one
   or two level-2 tiles) with a fresh server process and tile cache.

Writes bench/results/bench_tiles.json. Run: python bench/bench_tiles.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench._results import write_result  # noqa: E402
from bench._server import launch_chromium, streamlit_server  # noqa: E402
from lunarmap import tiles  # noqa: E402
from tests.browser.mapframe import MapFrame, open_map_page  # noqa: E402
from tests.display_data import write_display_data  # noqa: E402
from tests.range_server import running  # noqa: E402
from tests.synthetic_cog import make_cog  # noqa: E402

SIZE = 16_384
ROOT = Path(__file__).resolve().parent.parent
VAR = "LUNARMAP_PRODUCT_LOLA_5M_87S"
_TILES = "(globalThis.__lunarmapTiles || {requested: [], drawn: [], failed: [], aborted: []})"


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def _render_times(data: Path) -> dict:
    out = {}
    for source in tiles.tile_sources(data)[0]:
        tiles.render_tile(source, 12, 2048, 2047)         # warm: headers and GDAL's block cache for this product
        times = []
        for i in range(30):
            x, y = 2040 + i % 6, 2040 + i // 6             # new tiles, 6 x 5 around the pole
            t0 = time.perf_counter()
            png = tiles.render_tile(source, 12, x, y)
            times.append((time.perf_counter() - t0) * 1000.0)
            assert png is not None
        out[source.style] = {"median_ms": round(statistics.median(times), 1), "p95_ms": round(_pct(times, 0.95), 1)}
    return out


def _route_times(app: str, data: Path) -> dict:
    source = [s for s in tiles.tile_sources(data)[0] if s.style == "elevation"][0]
    urllib.request.urlopen(f"{app}lunarmap/tiles/{source.key}/12/2100/2100.png").read()   # the server meets it
    times = []
    for i in range(20):
        url = f"{app}lunarmap/tiles/{source.key}/12/{2060 + i}/{2030}.png"
        t0 = time.perf_counter()
        body = urllib.request.urlopen(url).read()
        times.append((time.perf_counter() - t0) * 1000.0)
        assert body[:4] == b"\x89PNG"
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(_pct(times, 0.95), 1)}


def _pan_times(browser, app: str) -> list[dict]:
    rounds = []
    pg = open_map_page(browser, app + "?view=-20000,20000,-2&layers=elevation", viewport={"width": 1600, "height": 1000})
    try:
        pg.wait_for_function(f"() => {_TILES}.drawn.length > 0 && {_TILES}.requested.every("
                             f"(u) => {_TILES}.drawn.includes(u) || {_TILES}.aborted.includes(u))", timeout=60_000)
        for _ in range(3):
            before = pg.evaluate(f"() => {_TILES}.requested.length")
            f = MapFrame(pg)
            pg.mouse.move(f.cx + 512, f.cy)
            pg.mouse.down()
            pg.mouse.move(f.cx - 512, f.cy, steps=8)
            pg.mouse.up()
            t0 = time.perf_counter()
            pg.wait_for_function(f"() => {_TILES}.requested.length > {before} && {_TILES}.requested.slice({before})"
                                 f".every((u) => {_TILES}.drawn.includes(u) || {_TILES}.failed.includes(u) || {_TILES}.aborted.includes(u))",
                                 timeout=60_000)
            elapsed = time.perf_counter() - t0
            new = pg.evaluate(f"() => {_TILES}.requested.length") - before
            rounds.append({"new_tiles": new, "all_drawn_s": round(elapsed, 3)})
        assert not pg.evaluate(f"() => {_TILES}.failed")
    finally:
        pg.close()
    return rounds


def _overview_bytes(browser, srv, cog_bytes: int, data: Path, env: dict) -> dict:
    with streamlit_server(ROOT / "app.py", env=env) as app:
        srv.reset_counts()
        pg = open_map_page(browser, app.url + "?view=0,0,-12.5&layers=elevation", viewport={"width": 1100, "height": 800})
        try:
            try:
                pg.wait_for_function(f"() => {_TILES}.drawn.length > 0 && {_TILES}.requested.every("
                                     f"(u) => {_TILES}.drawn.includes(u))", timeout=60_000)
            except Exception:
                print(pg.evaluate(f"() => {_TILES}"), pg.errors, app.log_tail(), file=sys.stderr)
                raise
            levels = sorted({int(u.split("/")[-3]) for u in pg.evaluate(f"() => {_TILES}.drawn")})
        finally:
            pg.close()
        return {"bytes_sent": srv.bytes_sent, "share_of_file_pct": round(100.0 * srv.bytes_sent / cog_bytes, 3),
                "levels_drawn": levels}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running() as srv:
        t0 = time.perf_counter()
        cog = make_cog(Path(tmp) / "ldem_87s_5mpp_cog.tif", SIZE, pattern="terrain")
        build_s = time.perf_counter() - t0
        cog_bytes = cog.stat().st_size
        srv.files["/dem/ldem_87s_5mpp_cog.tif"] = cog.read_bytes()
        url = srv.base + "/dem/ldem_87s_5mpp_cog.tif"
        data = write_display_data(Path(tmp) / "data")
        os.environ[VAR] = url
        os.environ["LUNARMAP_DATA_DIR"] = str(data)
        env = {VAR: url, "LUNARMAP_DATA_DIR": str(data), "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
        render = _render_times(data)
        with sync_playwright() as p:
            browser = launch_chromium(p, offline=True)
            try:
                with streamlit_server(ROOT / "app.py", env=env) as app:
                    route = _route_times(app.url, data)
                    pan = _pan_times(browser, app.url)
                tiles_dir = tiles.tile_cache_dir(data)
                for f in sorted(tiles_dir.rglob("*"), reverse=True):      # a cold tile cache for the overview
                    f.unlink() if f.is_file() else f.rmdir()
                overview = _overview_bytes(browser, srv, cog.stat().st_size, data, env)
            finally:
                browser.close()
    result = {"cog": {"px": SIZE, "pixel_m": 5.0, "bytes": cog_bytes,
                      "build_s": round(build_s, 1)},
              "render_tile_level12": render, "route_level12": route, "pan_4_tiles_west": pan, "overview_40s": overview,
              "budgets": {"first_tile_server_ms": 300, "pan_12_tiles_s": 1.0, "overview_share_pct": 5.0}}
    write_result("bench_tiles", result)


if __name__ == "__main__":
    main()
