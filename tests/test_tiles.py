"""Map tiles of the full-resolution products (lunarmap.tiles, lunarmap_ui.tile_server) against direct reads.

The products are synthetic COGs with the LOLA south polar georeferencing (tests/synthetic_cog.py) with 4 m pixels
on the tile grid, served by the local Range server (GDAL /vsicurl/) or read from disk.
"""

from __future__ import annotations

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import rasterio
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.windows import from_bounds

from lunarmap import remote, tiles
from lunarmap.crs import SOUTH_POLAR
from lunarmap.errors import RemoteProductError, TileError
from lunarmap.prepare_display import png_bytes, ramp_rgba

from .display_data import write_display_data
from .synthetic_cog import make_cog
from .test_remote import VAR, proxy_trap  # noqa: F401 (every request must stay on 127.0.0.1)

COG_PX = 2048
PIXEL_M = 4.0


@pytest.fixture(scope="module")
def cog(tmp_path_factory):
    return make_cog(tmp_path_factory.mktemp("tiles-cog") / "ldem_87s_5mpp_cog.tif", COG_PX, PIXEL_M, "smooth")


@pytest.fixture
def data_dir(tmp_path):
    return write_display_data(tmp_path / "data")


def _direct(path, z, x, y, resampling):
    with rasterio.open(path) as ds:
        window = from_bounds(*tiles.tile_bounds_m(z, x, y), transform=ds.transform)
        arr = ds.read(1, window=window, out_shape=(256, 256), resampling=resampling, boundless=True, masked=True)
    return arr.astype(float).filled(np.nan)


def _only(sources, style):
    (s,) = [s for s in sources if s.style == style]
    return s


def test_levels_are_powers_of_two_and_line_up_with_deck_gl_tiles():
    tms = tiles.polar_tms()
    for z in range(tiles.MIN_ZOOM, tiles.MAX_ZOOM + 1):
        assert tms.matrix(z).cellSize == 2.0 ** 14 / 2 ** z                 # 8,192 m at level 1 ... 1 m at 14
        left, bottom, right, top = tiles.tile_bounds_m(z, 2 ** (z - 1), 2 ** (z - 1) - 1)
        span = 256.0 / 2.0 ** (z - tiles.DECK_LEVEL_OFFSET)                 # deck.gl: 256 / 2^d map units at level d
        assert (left, bottom, right, top) == (0.0, 0.0, span, span)         # the tile just north-east of the pole
    assert tiles.native_zoom(5.0) == 12 and tiles.native_zoom(4.0) == 12 and tiles.native_zoom(20.0) == 10
    assert tiles.native_zoom(100.0) == 8 and tiles.native_zoom(1.0) == 14 and tiles.native_zoom(0.25) == 14
    with pytest.raises(TileError, match="positive"):
        tiles.native_zoom(0.0)
    with pytest.raises(TileError, match="outside 1..14"):
        tiles.tile_bounds_m(15, 0, 0)
    with pytest.raises(TileError, match="columns and rows 0..3"):
        tiles.tile_bounds_m(2, 4, 0)


@pytest.mark.parametrize("z", [12, 11, 10])   # the full resolution and the two overviews (2x, 4x)
def test_tiles_read_in_place_match_a_direct_windowed_read_pixel_for_pixel(cog, server, data_dir, monkeypatch, z):
    server.files["/dem/ldem_87s_5mpp_cog.tif"] = cog.read_bytes()
    monkeypatch.setenv(VAR, server.base + "/dem/ldem_87s_5mpp_cog.tif")
    source = _only(tiles.tile_sources(data_dir)[0], "elevation")
    assert source.gdal_path.startswith("/vsicurl/http://127.0.0.1:") and source.max_zoom == 12
    n = 2 ** z
    for x, y in [(n // 2, n // 2 - 1), (n // 2 - 1, n // 2)]:      # either side of the pole
        values, _ = tiles.tile_values(source, z, x, y)
        for resampling in (Resampling.bilinear, Resampling.nearest):
            np.testing.assert_array_equal(values, _direct(cog, z, x, y, resampling))
        assert np.isfinite(values).any()
    assert server.requests and all(rng for _, rng in server.requests)   # ranges only, never the whole file
    assert server.bytes_sent < len(server.files["/dem/ldem_87s_5mpp_cog.tif"])


def test_elevation_tiles_have_the_legends_colours_and_no_data_is_transparent(cog, data_dir, monkeypatch):
    monkeypatch.setenv(VAR, str(cog))
    source = _only(tiles.tile_sources(data_dir)[0], "elevation")
    assert source.ramp == (-5000.0, 5000.0) and source.colors == ("#000000", "#ffffff")   # the test legend
    png = tiles.render_tile(source, 12, 2048, 2047)
    direct = _direct(cog, 12, 2048, 2047, Resampling.bilinear)
    assert png == png_bytes(ramp_rgba(direct, -5000.0, 5000.0, ("#000000", "#ffffff")))
    assert tiles.render_tile(source, 12, 0, 0) is None                # far from the product: no tile at all
    edge = tiles.render_tile(source, 10, 511, 511)                    # 4 km tiles: the product fills a quarter
    assert edge is not None and png_bytes(ramp_rgba(_direct(cog, 10, 511, 511, Resampling.bilinear), -5000.0,
                                                    5000.0, ("#000000", "#ffffff"))) == edge


def test_slope_tiles_of_a_plane_show_the_planes_slope(tmp_path, data_dir, monkeypatch):
    grade = 0.1                                                       # rises 1 m in 10 m eastward: 5.71 deg
    px, size = 4.0, 512
    path = tmp_path / "plane.tif"
    cols = np.arange(size, dtype=np.float32)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
                       crs=rasterio.crs.CRS.from_wkt(SOUTH_POLAR.to_wkt()), nodata=-32768,
                       transform=from_origin(0.0, 0.0, px, px)) as dst:
        dst.write(np.tile(grade * px * cols, (size, 1))[None, :, :])
    monkeypatch.setenv(VAR, str(path))
    source = _only(tiles.tile_sources(data_dir)[0], "slope")
    values, _ = tiles.tile_values(source, 12, 2048, 2048, buffer=1)
    # the tile just south-east of the pole, inside the plane: every pixel at the plane's slope (k = 1.000 here)
    from lunarmap.terrain import horn_gradients, scale_factor_grid

    transform = from_origin(-px, px, px, px)
    d_row, d_col = horn_gradients(values, transform, scale_factor_grid(transform, values.shape))
    slope = np.degrees(np.arctan(np.hypot(d_row, d_col)))[1:-1, 1:-1]
    inner = slope[2:-2, 2:-2]
    np.testing.assert_allclose(inner, math.degrees(math.atan(grade)), atol=0.01)
    lo, hi = source.ramp
    png = tiles.render_tile(source, 12, 2048, 2048)
    assert png == png_bytes(ramp_rgba(slope, lo, hi, source.colors))


def test_unreachable_products_are_left_out_with_a_message_naming_them(server, data_dir, monkeypatch, cog):
    monkeypatch.setenv(VAR, server.base + "/missing.tif")
    found, problems = tiles.tile_sources(data_dir)
    assert found == [] and len(problems) == 1
    assert "lola-5m-87s" in str(problems[0]) and "404" in str(problems[0]) and "Using the default data" in str(problems[0])
    server.files["/dem/x.tif"] = cog.read_bytes()
    server.honour_range = False
    remote.forget_checks()
    monkeypatch.setenv(VAR, server.base + "/dem/x.tif")
    found, problems = tiles.tile_sources(data_dir)
    assert found == [] and "without HTTP range requests" in str(problems[0])


def test_a_connection_dropped_mid_read_is_the_products_error(server, cog, data_dir, monkeypatch):
    body = cog.read_bytes()
    server.files["/dem/x.tif"] = body
    monkeypatch.setenv(VAR, server.base + "/dem/x.tif")
    source = _only(tiles.tile_sources(data_dir)[0], "elevation")
    server.cut_from = 1                                               # every ranged transfer now breaks off
    with pytest.raises(RemoteProductError, match="lola-5m-87s .* could not be read"):
        tiles.tile_values(source, 12, 2048, 2047)


def test_tiles_are_cached_on_disk_by_content(cog, tmp_path, data_dir, monkeypatch):
    copy = tmp_path / "dem.tif"
    copy.write_bytes(cog.read_bytes())
    monkeypatch.setenv(VAR, str(copy))
    source = _only(tiles.tile_sources(data_dir)[0], "elevation")
    png = tiles.tile_png(source, 12, 2048, 2047, data_dir)
    cached = tiles.tile_cache_dir(data_dir) / source.key / "12" / "2048" / "2047.png"
    assert cached.read_bytes() == png
    assert tiles.tile_png(source, 12, 0, 0, data_dir) is None and (cached.parents[1] / "0" / "0.png").stat().st_size == 0
    copy.write_bytes(cog.read_bytes() + b"\0")                        # another file: another key, no stale tiles
    again = _only(tiles.tile_sources(data_dir)[0], "elevation")
    assert again.key != source.key


def _get(path: str) -> tuple[int, bytes, dict]:
    """One GET through the tile routes mounted on a Starlette app (as st.App mounts them), over ASGI."""
    from starlette.applications import Starlette

    from lunarmap_ui.tile_server import routes

    app = Starlette(routes=routes())
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 80),
             "root_path": ""}
    # in a thread of its own: the suite's browser and page tests may leave an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, {k.decode(): v.decode() for k, v in start["headers"]}


def test_tile_routes_answer_png_no_content_not_found_and_bad_level(cog, data_dir, monkeypatch):
    from lunarmap_ui import tile_server

    monkeypatch.setenv(VAR, str(cog))
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    tile_server.forget_sources()
    source = _only(tile_server.sources()[0], "hillshade")
    status, body, headers = _get(f"/lunarmap/tiles/{source.key}/12/2048/2047.png")
    assert status == 200 and body[:8] == b"\x89PNG\r\n\x1a\n" and "immutable" in headers["cache-control"]
    assert _get(f"/lunarmap/tiles/{source.key}/12/0/0.png")[0] == 204
    status, body, _ = _get(f"/lunarmap/tiles/{source.key}/15/0/0.png")
    assert status == 400 and b"outside 1..14" in body
    status, body, _ = _get("/lunarmap/tiles/elevation.nothing.000000000000/3/1/1.png")
    assert status == 404 and b"reload the page" in body
    tile_server.forget_sources()


def _picture(path, values: np.ndarray, colormap: dict | None = None, pixel_m: float = 100.0):
    """An 8-bit picture COG (a mosaic; with ``colormap``, a paletted shaded relief) centred on the pole."""
    size = values.shape[0]
    half = size * pixel_m / 2.0
    profile = {"driver": "COG", "width": size, "height": size, "count": 1, "dtype": "uint8", "nodata": 0,
               "crs": rasterio.crs.CRS.from_wkt(SOUTH_POLAR.to_wkt()), "transform": from_origin(-half, half, pixel_m, pixel_m)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values[None, :, :])
        if colormap:
            dst.write_colormap(1, colormap)
    return path


def test_mosaic_tiles_are_the_pictures_grey_levels_and_sharpen_the_wac_layer(tmp_path, data_dir, monkeypatch):
    rng = np.random.default_rng(7)
    values = rng.integers(1, 256, (512, 512), dtype=np.uint8)
    path = _picture(tmp_path / "wac.tif", values)
    monkeypatch.setenv("LUNARMAP_PRODUCT_WAC_100M_SOUTH", str(path))
    (source,) = [s for s in tiles.tile_sources(data_dir)[0] if s.product == "wac-100m-south"]
    assert source.style == "image" and source.layer == "wac" and source.ramp is None and source.max_zoom == 8
    z, x, y = 8, 128, 127                                              # 64 m pixels: the picture's 100 m, enlarged
    direct = _direct(path, z, x, y, Resampling.nearest)
    values_tile, colormap = tiles.tile_values(source, z, x, y)
    np.testing.assert_array_equal(values_tile, direct)
    assert colormap is None
    assert tiles.render_tile(source, z, x, y) == png_bytes(ramp_rgba(direct, 0.0, 255.0, ("#000000", "#ffffff")))


def test_paletted_shaded_relief_tiles_keep_the_palette(tmp_path, data_dir, monkeypatch):
    values = np.tile(np.array([1, 2, 3, 4], dtype=np.uint8), (256, 64))
    palette = {1: (200, 30, 30, 255), 2: (30, 200, 30, 255), 3: (30, 30, 200, 255), 4: (250, 250, 250, 255)}
    path = _picture(tmp_path / "relief.tif", values, palette, pixel_m=30.0)
    monkeypatch.setenv("LUNARMAP_PRODUCT_LOLA_30M_SHADED_RELIEF", str(path))
    (source,) = [s for s in tiles.tile_sources(data_dir)[0] if s.product == "lola-30m-shaded-relief"]
    assert source.layer == "hillshade" and source.max_zoom == 10
    png = tiles.render_tile(source, 10, 512, 511)
    from io import BytesIO

    from PIL import Image

    rgba = np.asarray(Image.open(BytesIO(png)).convert("RGBA"))
    seen = {tuple(int(v) for v in p) for p in rgba.reshape(-1, 4) if p[3]}
    assert seen and seen <= set(palette.values()), seen


def test_made_up_tile_keys_cannot_make_the_server_reopen_the_products_on_every_request(cog, data_dir, monkeypatch):
    from lunarmap_ui import tile_server

    monkeypatch.setenv(VAR, str(cog))
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    tile_server.forget_sources()
    calls = []
    real = tile_server.tile_sources
    monkeypatch.setattr(tile_server, "tile_sources", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setattr(tile_server, "_last_refresh", [0.0])
    assert tile_server._find("elevation.nothing.000000000000") is None      # looked up, then looked up again
    for i in range(20):
        assert tile_server._find(f"elevation.nothing.{i:012d}") is None   # within 10 s: no more lookups
    assert len(calls) == 2
    assert tile_server._find(_only(tile_server.sources()[0], "slope").key) is not None and len(calls) == 2
    tile_server.forget_sources()


def test_a_big_file_without_overviews_has_no_coarse_tiles(tmp_path, cog, data_dir, monkeypatch):
    plain = tmp_path / "plain.tif"
    with rasterio.open(cog) as src:
        profile = dict(src.profile, driver="GTiff", tiled=False)
        profile.pop("blockxsize", None)
        profile.pop("blockysize", None)
        with rasterio.open(plain, "w", **profile) as dst:
            dst.write(src.read())
    with rasterio.open(plain) as ds:
        assert not ds.overviews(1)
    monkeypatch.setattr(tiles, "PLAIN_FILE_MAX_PX", 1024)          # the 2,048 px test file counts as big
    monkeypatch.setenv(VAR, str(plain))
    source = _only(tiles.tile_sources(data_dir)[0], "elevation")
    assert (source.min_zoom, source.max_zoom) == (10, 12)            # 16 m per pixel and finer: 4 x 4 file pixels a tile pixel
    monkeypatch.setenv(VAR, str(cog))
    assert _only(tiles.tile_sources(data_dir)[0], "elevation").min_zoom == 1   # a COG: every level
