"""Full-resolution products by reference, read in place through GDAL /vsicurl/ from a local Range server.

Synthetic COGs with the LOLA south polar grid (IAU_2015:30135 metres, 5 m pixels, centred on the pole) are
served from memory by the server on 127.0.0.1 (tests/range_server.py). Every test sets a proxy trap: any
request for another host goes to a closed port on 127.0.0.1 (http_proxy/https_proxy, honoured by Python and by
GDAL's libcurl) and 127.0.0.1 itself is exempt (no_proxy), so no request can leave the machine.
"""

from __future__ import annotations

import shutil
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from lunarmap import remote
from lunarmap.catalog import load_catalog
from lunarmap.crs import lonlat_to_polar, polar_to_lonlat
from lunarmap.errors import RemoteProductError
from lunarmap.fetch import fetch_all
from lunarmap.product_sampling import sample_elevation_m
from lunarmap.rasters import sample_raster

from .conftest import PROJECT_ROOT
from .range_server import RangeServer, closed_port
from .synthetic_cog import make_cog

DATA = PROJECT_ROOT / "data" / "rasters"
PRODUCT = "lola-5m-87s"
VAR = "LUNARMAP_PRODUCT_LOLA_5M_87S"


@pytest.fixture(autouse=True)
def proxy_trap(monkeypatch):
    trap = f"http://127.0.0.1:{closed_port()}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, trap)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "127.0.0.1")
    remote.forget_checks()
    urllib.request.install_opener(None)     # urlopen's shared opener reads the proxies when it is built
    yield
    remote.forget_checks()
    urllib.request.install_opener(None)     # ... so build it again without the trap after this test


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data folder with the default elevation products (copied), nothing full-resolution."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("lola_global_dem_0p35deg.tif", "ldem256_south_polar_1600m.tif"):
        shutil.copy(DATA / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def small_cog(tmp_path_factory) -> Path:
    return make_cog(tmp_path_factory.mktemp("cog") / "ldem_87s_5mpp_cog.tif", 1024)


@pytest.fixture(scope="session")
def big_cog(tmp_path_factory) -> Path:
    return make_cog(tmp_path_factory.mktemp("cog16k") / "ldem_87s_5mpp_cog.tif", 16_384, pattern="blocky")


def _points(half_m: float, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-half_m, half_m, (2, n))
    lon, lat = polar_to_lonlat(x, y)
    return np.asarray(lon), np.asarray(lat)


def _serve(server: RangeServer, cog: Path, path: str = "/dem/ldem_87s_5mpp_cog.tif") -> str:
    server.files[path] = cog.read_bytes()
    return server.base + path


def test_remote_sampling_equals_the_same_file_read_locally(small_cog, server, data_dir, monkeypatch):
    url = _serve(server, small_cog)
    lon, lat = _points(2_400.0, 300)
    monkeypatch.setenv(VAR, url)
    far = sample_elevation_m(lon, lat, data_dir)
    monkeypatch.setenv(VAR, str(small_cog))
    near = sample_elevation_m(lon, lat, data_dir)
    direct = sample_raster(small_cog, lon, lat)
    assert not far.problems and not near.problems
    np.testing.assert_array_equal(far.values, near.values)
    np.testing.assert_allclose(far.values, direct.values, rtol=0, atol=1e-9)
    assert far.product == "ldem_87s_5mpp_cog" and far.resolution_m == 5.0
    assert server.requests and all(rng for _, rng in server.requests)  # only range requests


@pytest.mark.slow    # the 16k x 16k COG takes about 15 s to build, once per session
def test_16k_cog_sampled_remotely_by_windows_equals_local(big_cog, server, data_dir, monkeypatch):
    url = _serve(server, big_cog)
    lon, lat = _points(40_000.0, 200, seed=2)
    monkeypatch.setenv(VAR, url)
    server.reset_counts()
    far = sample_elevation_m(lon, lat, data_dir)
    monkeypatch.setenv(VAR, str(big_cog))
    near = sample_elevation_m(lon, lat, data_dir)
    assert not far.problems
    np.testing.assert_array_equal(far.values, near.values)
    assert np.isfinite(far.values).all() and far.resolution_m == 5.0
    # The pattern is known: constant over 512 px tiles, (row // 512) * 7 + (col // 512) * 3 - 2000 metres, so a
    # point more than a pixel inside its tile has exactly that value (bilinear between equal neighbours).
    x, y = lonlat_to_polar(lon, lat)
    col, row = (np.asarray(x) + 40_960.0) / 5.0, (40_960.0 - np.asarray(y)) / 5.0
    inner = (np.minimum(col % 512, 512 - col % 512) > 1.0) & (np.minimum(row % 512, 512 - row % 512) > 1.0)
    assert inner.sum() > 150
    np.testing.assert_allclose(far.values[inner], (row[inner] // 512) * 7 + (col[inner] // 512) * 3 - 2000, rtol=0, atol=1e-9)
    assert 0 < server.bytes_sent < 0.5 * big_cog.stat().st_size, "read by windows, never the whole file"


@pytest.mark.slow
def test_16k_cog_overview_for_a_1000_px_view_reads_under_5_percent_of_the_file(big_cog, server):
    import rasterio

    url = _serve(server, big_cog, "/ov/ldem_87s_5mpp_cog.tif")
    with remote.gdal_env(), rasterio.open("/vsicurl/" + url) as ds:
        assert (ds.width, ds.height) == (16_384, 16_384) and ds.overviews(1) == [2, 4, 8, 16, 32]
        view = ds.read(1, out_shape=(1_000, 1_000))
    with rasterio.open(big_cog) as ds:
        local = ds.read(1, out_shape=(1_000, 1_000))
    np.testing.assert_array_equal(view, local)
    assert 0 < server.bytes_sent < 0.05 * big_cog.stat().st_size


def _fallback_case(server, data_dir, monkeypatch, url):
    lon, lat = _points(2_400.0, 20, seed=3)
    monkeypatch.setenv(VAR, url)
    t0 = time.monotonic()
    got = sample_elevation_m(lon, lat, data_dir)
    took = time.monotonic() - t0
    monkeypatch.delenv(VAR)
    default = sample_elevation_m(lon, lat, data_dir)
    np.testing.assert_array_equal(got.values, default.values)       # fell back to the default data
    assert got.product == default.product and got.resolution_m == default.resolution_m == 1600.0
    assert len(got.problems) == 1 and isinstance(got.problems[0], RemoteProductError)
    message = str(got.problems[0])
    assert PRODUCT in message and url in message and VAR in message and f"fetch --only {PRODUCT}" in message
    assert took < 20.0
    return message


def test_404_gives_a_clear_message_and_falls_back(server, data_dir, monkeypatch):
    message = _fallback_case(server, data_dir, monkeypatch, server.base + "/nothing_here.tif")
    assert "HTTP 404" in message


def test_connection_refused_gives_a_clear_message_and_falls_back(data_dir, monkeypatch, server):
    message = _fallback_case(server, data_dir, monkeypatch, f"http://127.0.0.1:{closed_port()}/dem.tif")
    assert "cannot be reached" in message


def test_server_ignoring_range_is_refused_before_any_download(small_cog, server, data_dir, monkeypatch):
    url = _serve(server, small_cog, "/norange/ldem.tif")
    server.honour_range = False
    message = _fallback_case(server, data_dir, monkeypatch, url)
    assert "without HTTP range requests" in message
    assert server.requests == [("/norange/ldem.tif", "bytes=0-0")]   # the check only: GDAL never opened it


def test_connection_dropped_mid_read_gives_a_clear_message_and_falls_back(small_cog, server, data_dir, monkeypatch):
    url = _serve(server, small_cog, "/dropping/ldem.tif")
    server.cut_from = 64 * 1024            # the header reads succeed; tile reads are cut half way
    message = _fallback_case(server, data_dir, monkeypatch, url)
    assert "could not be read" in message


def test_a_changed_size_upstream_is_reported(small_cog, server, data_dir, monkeypatch):
    url = _serve(server, small_cog, "/changing/ldem.tif")
    lon, lat = _points(2_000.0, 5, seed=4)
    monkeypatch.setenv(VAR, url)
    assert not sample_elevation_m(lon, lat, data_dir).problems
    state = (data_dir / remote.STATE_FILE).read_text()
    assert str(small_cog.stat().st_size) in state
    server.files["/changing/ldem.tif"] += b"\0" * 1000
    remote.forget_checks()                  # a later use (another process, or after RECHECK_S)
    got = sample_elevation_m(lon, lat, data_dir)
    assert len(got.problems) == 1 and "changed upstream" in str(got.problems[0])
    assert f"{small_cog.stat().st_size + 1000:,}" in str(got.problems[0]) and remote.STATE_FILE in str(got.problems[0])


def test_locations_env_then_products_file_then_download_then_catalogue_url(tmp_path, monkeypatch, small_cog):
    product = load_catalog().get(PRODUCT)
    data = tmp_path / "d"
    data.mkdir()
    monkeypatch.setenv("LUNARMAP_REMOTE", "on")
    where = remote.locate(product, data)
    assert where is not None and where.remote and where.source == product.urls[0] and where.how == "catalogue URL"
    assert where.gdal_path == "/vsicurl/" + product.urls[0]
    monkeypatch.setenv("LUNARMAP_REMOTE", "off")
    assert remote.locate(product, data) is None
    monkeypatch.delenv("LUNARMAP_REMOTE")                 # off unless asked: lunarmap works offline by default
    assert remote.locate(product, data) is None
    copy = product.path_in(data)
    copy.parent.mkdir(parents=True)
    shutil.copy(small_cog, copy)
    assert remote.locate(product, data) == remote.Location(product, str(copy), "downloaded copy", False)
    (data / remote.CONFIG_FILE).write_text(f'[products]\n"{PRODUCT}" = "mine/dem.tif"\n')
    (data / "mine").mkdir()
    shutil.copy(small_cog, data / "mine" / "dem.tif")
    assert remote.locate(product, data).source == str(data / "mine" / "dem.tif")
    monkeypatch.setenv(VAR, "http://127.0.0.1:1/x.tif")
    assert remote.locate(product, data) == remote.Location(product, "http://127.0.0.1:1/x.tif", VAR, True)
    monkeypatch.setenv(VAR, str(tmp_path / "missing.tif"))
    with pytest.raises(RemoteProductError, match=f"{VAR} points at .*missing.tif, which is not a file"):
        remote.locate(product, data)


def test_catalogue_urls_when_on_never_leave_the_machine(data_dir, monkeypatch, server):
    """With remote reading on and nothing configured, every catalogue DEM is tried: the trap refuses them all."""
    monkeypatch.setenv("LUNARMAP_REMOTE", "on")
    got = sample_elevation_m(np.array([10.0]), np.array([-89.9]), data_dir)
    names = {p.split(" ", 1)[0] for p in map(str, got.problems)}
    assert names == {"lola-5m-87s", "lola-20m-80s", "lola-global-256ppd"}
    assert all("cannot be reached" in str(p) for p in got.problems)
    assert float(got.resolution_m) == 1600.0 and not server.requests


def test_points_outside_a_products_latitudes_do_not_touch_it(server, data_dir, monkeypatch):
    url = server.base + "/never.tif"
    monkeypatch.setenv(VAR, url)
    got = sample_elevation_m(np.array([0.0]), np.array([-80.0]), data_dir)   # the 5 m DEM ends at 87 S
    assert not got.problems and not server.requests and not server.heads


def test_fetch_only_downloads_a_remote_product_whole_with_resume(small_cog, server, tmp_path):
    body = small_cog.read_bytes()
    server.files["/full/ldem.tif"] = body
    server.cuts_left = 1
    catalog = tmp_path / "sources.toml"
    catalog.write_text(
        '[[product]]\nname = "dem-remote"\nrole = "elevation-full"\nfile = "full_resolution/ldem.tif"\n'
        f'urls = ["{server.base}/full/ldem.tif"]\naccess = "remote"\nresolution_m = 5.0\n'
        'lat_range = [-90.0, -87.0]\nlicence = "test"\ncitation = "test"\ndescription = "test, 5 m"\nrequired = false\n')
    report = fetch_all(tmp_path / "data", only="dem-remote", catalog=catalog)
    (outcome,) = report.outcomes
    assert outcome.action == "downloaded" and outcome.resumed_from_bytes == len(body) // 2
    assert (tmp_path / "data" / "full_resolution" / "ldem.tif").read_bytes() == body


def test_comparison_uses_the_remote_dem_and_says_when_it_falls_back(small_cog, server, prepared_data_dir, monkeypatch):
    """The comparison table's elevation rests on the 5 m product when it is reachable, and its notes say when not."""
    from lunarmap.compare import compare_sites
    from lunarmap.sites import Site

    from .test_compare import point_site

    url = _serve(server, small_cog, "/cmp/ldem_87s_5mpp_cog.tif")
    lon, lat = (float(v) for v in polar_to_lonlat(300.0, -200.0))
    site: Site = point_site("near-pole", lon, lat)
    monkeypatch.setenv(VAR, url)
    row = compare_sites([site], 0.5, prepared_data_dir).table.iloc[0]
    assert row["elevation_resolution_m"] == 5.0 and "ldem_87s_5mpp_cog" in row["elevation_source"]
    direct = sample_raster(small_cog, lon, lat).values
    assert row["elevation_min_m"] <= float(direct) <= row["elevation_max_m"]
    monkeypatch.setenv(VAR, server.base + "/cmp/gone.tif")
    comp = compare_sites([site], 0.5, prepared_data_dir)
    assert comp.table.iloc[0]["elevation_resolution_m"] > 5.0
    assert any("Full-resolution elevation not used" in n and "HTTP 404" in n and VAR in n for n in comp.notes)


def test_page_readout_names_the_unreachable_product_beside_the_fallback(server, data_dir, monkeypatch):
    from lunarmap_ui.point_panels import _sample

    url = server.base + "/readout/missing.tif"
    monkeypatch.setenv(VAR, url)
    value, words = _sample("sample_elevation_m", 45.0, -89.95, data_dir)
    monkeypatch.delenv(VAR)
    assert value == float(sample_elevation_m(45.0, -89.95, data_dir).values)
    assert words.startswith("ldem256_south_polar_1600m, 1,600 m resolution; full-resolution product unavailable: ")
    assert url in words and "HTTP 404" in words


def test_gdal_requests_for_other_hosts_are_caught_by_the_trap(server, monkeypatch):
    """The trap holds for GDAL's libcurl too: here it points at the local server, which sees the proxied request."""
    import rasterio
    from rasterio.errors import RasterioIOError

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, server.base)
    with remote.gdal_env(), pytest.raises(RasterioIOError):
        rasterio.open("/vsicurl/http://lunar-products.example.org/trap/dem.tif")
    seen = server.heads + [path for path, _ in server.requests]
    assert seen and all(p == "http://lunar-products.example.org/trap/dem.tif" for p in seen)


def test_horizon_cache_key_changes_when_a_full_resolution_dem_is_pointed_at(small_cog, data_dir, monkeypatch):
    from lunarmap.horizon_cache import data_stamp

    before = data_stamp(data_dir)
    monkeypatch.setenv(VAR, "http://127.0.0.1:9/dem.tif")
    assert data_stamp(data_dir) == (*before, ("/vsicurl/http://127.0.0.1:9/dem.tif", 0, 0))
    monkeypatch.setenv(VAR, str(small_cog))
    assert data_stamp(data_dir)[-1][0] == str(small_cog.resolve()) and data_stamp(data_dir)[:-1] == before


def test_a_server_that_never_answers_times_out_with_a_clear_message(server, data_dir, monkeypatch):
    import socket

    monkeypatch.setattr(remote, "TIMEOUT_S", 0.5)
    with socket.socket() as silent:             # accepts connections (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        message = _fallback_case(server, data_dir, monkeypatch, f"http://127.0.0.1:{silent.getsockname()[1]}/dem.tif")
    assert "cannot be reached" in message and "timed out" in message
