"""The elevation profile and the 3D terrain mesh on the full-resolution DEMs, read by windows, finest first per point.

The synthetic COGs of tests/synthetic_cog.py (the LOLA south polar grid: IAU_2015:30135, 5 m pixels centred on the
pole) stand for the LOLA 5 m DEM (``lola-5m-87s``), served from memory by the Range server on 127.0.0.1
(tests/range_server.py) and read in place through GDAL ``/vsicurl/``; the fixtures and the proxy trap (no request
can leave the machine) are those of tests/test_remote.py. Heights are checked against a bilinear reading of the same
file computed here from its pixels (rasterio, the affine transform, the four neighbouring pixel centres), slopes
against a plane's analytic slope and against central differences taken here.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import rasterio

from lunarmap.crs import SOUTH_POLAR_CODE
from lunarmap.errors import RemoteProductError
from lunarmap.profile import elevation_profile
from lunarmap.profile_export import profile_csv, profile_payload
from lunarmap.terrain_mesh import scale_factor, terrain_mesh

from . import test_remote as _remote_tests
from .apptest_page import fresh_caches  # noqa: F401 - autouse fixture: Streamlit's caches cleared around each test
from .range_server import closed_port
from .synthetic_cog import PLANE_GRADIENT, make_cog
from .test_remote import PRODUCT, VAR, _serve

# The fixtures of tests/test_remote.py, found by pytest by name in this module: the proxy trap (autouse: no request
# leaves the machine), a data folder with the default DEMs only, the 1,024 px and 16,384 px synthetic COGs.
proxy_trap = _remote_tests.proxy_trap
data_dir = _remote_tests.data_dir
small_cog = _remote_tests.small_cog
big_cog = _remote_tests.big_cog

COG = "ldem_87s_5mpp_cog"
POLAR_1600 = "ldem256_south_polar_1600m"
#: The small COG: 1,024 x 1,024 pixels of 5 m, so its pixel centres run from -2,557.5 to 2,557.5 m in x and y.
CENTRES_M = 2_557.5
#: Heights agree to this (m): the sampler goes from lon/lat back to map metres, a round trip that within a few tens
#: of metres of the pole moves a point by up to about 2 micrometres (2e-6 m on ground rising 1.4 m per metre).
HEIGHT_TOL_M = 1e-5


@pytest.fixture(scope="session")
def plane_cog(tmp_path_factory) -> Path:
    return make_cog(tmp_path_factory.mktemp("plane") / "ldem_87s_5mpp_cog.tif", 1024, pattern="plane")


def _bilinear(cog: Path, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Heights at map points (IAU_2015:30135 m) from the file's pixels: the four pixel centres around each point,
    weighted by distance; NaN where the point is not between four centres."""
    with rasterio.open(cog) as ds:
        band = ds.read(1).astype(float)
        inv = ~ds.transform
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    u = inv.a * x + inv.b * y + inv.c - 0.5
    v = inv.d * x + inv.e * y + inv.f - 0.5
    ok = (u >= 0) & (v >= 0) & (u <= band.shape[1] - 1) & (v <= band.shape[0] - 1)
    j0 = np.clip(np.floor(np.where(ok, u, 0)).astype(int), 0, band.shape[1] - 2)
    i0 = np.clip(np.floor(np.where(ok, v, 0)).astype(int), 0, band.shape[0] - 2)
    fu, fv = np.where(ok, u, 0) - j0, np.where(ok, v, 0) - i0
    out = (band[i0, j0] * (1 - fu) * (1 - fv) + band[i0, j0 + 1] * fu * (1 - fv)
           + band[i0 + 1, j0] * (1 - fu) * fv + band[i0 + 1, j0 + 1] * fu * fv)
    return np.where(ok, out, np.nan)


def _tangent(prof) -> tuple[np.ndarray, np.ndarray]:
    """Unit direction of travel in map metres at each sample (from the neighbouring samples' map positions)."""
    tx, ty = np.gradient(prof.x_m), np.gradient(prof.y_m)
    norm = np.hypot(tx, ty)
    return tx / norm, ty / norm


# A 9 km line across the served 5 m COG (5.12 km square on the pole) and onto the 1.6 km polar DEM at both ends.
LINE_M = [(-4_000.0, -1_500.0), (4_500.0, 1_800.0)]


def test_profile_across_the_served_5m_dem_equals_the_file_read_locally_and_says_5m_there(small_cog, server, data_dir,
                                                                                        monkeypatch):
    url = _serve(server, small_cog, "/prof/ldem_87s_5mpp_cog.tif")
    monkeypatch.setenv(VAR, url)
    prof = elevation_profile(LINE_M, SOUTH_POLAR_CODE, samples=451, data_dir=data_dir, with_psr=False)
    monkeypatch.delenv(VAR)
    default = elevation_profile(LINE_M, SOUTH_POLAR_CODE, samples=451, data_dir=data_dir, with_psr=False)
    assert not prof.elevation_problems
    on = (prof.elevation_product == COG)
    inner = (np.abs(prof.x_m) < CENTRES_M) & (np.abs(prof.y_m) < CENTRES_M)
    assert inner.sum() > 200 and (~on).sum() > 100
    np.testing.assert_array_equal(on[inner], True)
    np.testing.assert_allclose(prof.elevation_m[inner], _bilinear(small_cog, prof.x_m[inner], prof.y_m[inner]),
                               rtol=0, atol=HEIGHT_TOL_M)
    np.testing.assert_array_equal(prof.elevation_resolution_m[on], 5.0)
    # beyond the 5 m DEM: the 1.6 km polar DEM, exactly as without the full-resolution DEM
    assert set(prof.elevation_product[~on]) == {POLAR_1600}
    np.testing.assert_array_equal(prof.elevation_resolution_m[~on], 1600.0)
    np.testing.assert_array_equal(prof.elevation_m[~on], default.elevation_m[~on])
    assert [(b.product, b.resolution_m) for b in prof.resolution_bands] == [(POLAR_1600, 1600.0), (COG, 5.0),
                                                                           (POLAR_1600, 1600.0)]
    # Slopes on the 5 m DEM are taken over 5 m either side: central differences computed here at those points.
    tx, ty = _tangent(prof)
    h = 5.0 * scale_factor(prof.x_m, prof.y_m)           # 5 m on the ground, in map metres
    away = inner & (np.abs(prof.x_m) < CENTRES_M - 10) & (np.abs(prof.y_m) < CENTRES_M - 10)
    ahead = _bilinear(small_cog, prof.x_m + h * tx, prof.y_m + h * ty)
    behind = _bilinear(small_cog, prof.x_m - h * tx, prof.y_m - h * ty)
    right = _bilinear(small_cog, prof.x_m + h * ty, prof.y_m - h * tx)
    left = _bilinear(small_cog, prof.x_m - h * ty, prof.y_m + h * tx)
    np.testing.assert_allclose(prof.slope_along_deg[away], np.degrees(np.arctan((ahead - behind) / 10.0))[away],
                               rtol=0, atol=2e-3)
    np.testing.assert_allclose(prof.slope_across_deg[away], np.degrees(np.arctan((right - left) / 10.0))[away],
                               rtol=0, atol=2e-3)
    assert server.requests and all(rng for _, rng in server.requests), "range requests only"
    doc = profile_payload(prof)
    assert f"{COG} (5 m)" in doc["sources"]["elevation"] and doc["sources"]["elevation_problems"] == []


def test_a_profile_within_one_tile_of_a_served_dem_reads_that_tile_not_the_file(small_cog, server, data_dir,
                                                                                monkeypatch):
    """The 1,024 px COG has four 512 px tiles; a line inside the north-east one reads about a quarter of the file."""
    monkeypatch.setenv(VAR, _serve(server, small_cog, "/tile/ldem_87s_5mpp_cog.tif"))
    prof = elevation_profile([(200.0, 300.0), (2_300.0, 2_200.0)], SOUTH_POLAR_CODE, samples=200, data_dir=data_dir,
                             with_psr=False)
    assert np.all(prof.elevation_resolution_m == 5.0) and not prof.elevation_problems
    np.testing.assert_allclose(prof.elevation_m, _bilinear(small_cog, prof.x_m, prof.y_m), rtol=0, atol=HEIGHT_TOL_M)
    assert 0 < server.bytes_sent < 0.35 * small_cog.stat().st_size


def test_profile_slopes_on_a_served_plane_are_the_planes_analytic_slopes(plane_cog, server, data_dir, monkeypatch):
    """Heights gx * x + gy * y (map metres): along a direction t (map unit vector) the ground rises k (g . t) per
    metre on the ground (k, the map's scale factor, map metres per metre); across, k (g . r) with r = t turned
    90 degrees clockwise (the right of the direction of travel)."""
    monkeypatch.setenv(VAR, _serve(server, plane_cog, "/plane/ldem_87s_5mpp_cog.tif"))
    gx, gy = PLANE_GRADIENT
    for line in (LINE_M, LINE_M[::-1], [(2_000.0, -2_400.0), (-1_000.0, 2_300.0)]):
        prof = elevation_profile(line, SOUTH_POLAR_CODE, samples=301, data_dir=data_dir, with_psr=False)
        assert not prof.elevation_problems
        away = (np.abs(prof.x_m) < CENTRES_M - 10) & (np.abs(prof.y_m) < CENTRES_M - 10)
        assert away.sum() > 100 and np.all(prof.elevation_resolution_m[away] == 5.0)
        tx, ty = _tangent(prof)
        k = scale_factor(prof.x_m, prof.y_m)
        along = np.degrees(np.arctan(k * (gx * tx + gy * ty)))
        across = np.degrees(np.arctan(k * (gx * ty - gy * tx)))
        np.testing.assert_allclose(prof.slope_along_deg[away], along[away], rtol=0, atol=1e-3)
        np.testing.assert_allclose(prof.slope_across_deg[away], across[away], rtol=0, atol=1e-3)
        assert np.ptp(along[away]) < 1e-3 and abs(along[away][0]) > 1.0   # one straight slope, and not level


def test_mesh_over_the_served_5m_dem_equals_the_file_read_locally(small_cog, server, data_dir, monkeypatch):
    monkeypatch.setenv(VAR, _serve(server, small_cog, "/mesh/ldem_87s_5mpp_cog.tif"))
    cx, cy, width, n = 100.0, -200.0, 4_000.0, 65
    mesh = terrain_mesh((cx, cy), width, n=n, data_dir=data_dir, curvature=False)
    offs = -width / 2 + mesh.spacing_m * np.arange(n)
    gx, gy = np.meshgrid(cx + offs, cy + offs)           # rows north, columns east, as the mesh
    np.testing.assert_allclose(mesh.elevation_m, _bilinear(small_cog, gx, gy), rtol=0, atol=HEIGHT_TOL_M)
    assert mesh.products == (COG,) and mesh.resolution_m == (5.0, 5.0) and not mesh.problems
    # a wider square: the 5 m DEM where it covers, the 1.6 km polar DEM around it
    wide = terrain_mesh((cx, cy), 12_000.0, n=49, data_dir=data_dir, curvature=False)
    offs = -6_000.0 + wide.spacing_m * np.arange(49)
    gx, gy = np.meshgrid(cx + offs, cy + offs)
    inner = (np.abs(gx) < CENTRES_M) & (np.abs(gy) < CENTRES_M)
    np.testing.assert_allclose(wide.elevation_m[inner], _bilinear(small_cog, gx[inner], gy[inner]), rtol=0, atol=HEIGHT_TOL_M)
    assert wide.products == (COG, POLAR_1600) and wide.resolution_m == (5.0, 1600.0)
    monkeypatch.delenv(VAR)
    default = terrain_mesh((cx, cy), 12_000.0, n=49, data_dir=data_dir, curvature=False)
    outer = (np.abs(gx) > CENTRES_M + 5) | (np.abs(gy) > CENTRES_M + 5)
    np.testing.assert_array_equal(wide.elevation_m[outer], default.elevation_m[outer])


@pytest.mark.parametrize("case", ["404", "refused", "dropped mid-read"])
def test_an_unreachable_dem_leaves_the_profile_and_the_mesh_on_coarser_data_and_names_it(case, small_cog, server,
                                                                                        data_dir, monkeypatch):
    if case == "404":
        url, words = server.base + "/gone/ldem.tif", "HTTP 404"
    elif case == "refused":
        url, words = f"http://127.0.0.1:{closed_port()}/ldem.tif", "cannot be reached"
    else:
        url, words = _serve(server, small_cog, "/dropping/ldem.tif"), "could not be read"
        server.cut_from = 64 * 1024            # the header reads succeed; tile reads are cut half way
    default = elevation_profile(LINE_M, SOUTH_POLAR_CODE, samples=101, data_dir=data_dir, with_psr=False)
    monkeypatch.setenv(VAR, url)
    prof = elevation_profile(LINE_M, SOUTH_POLAR_CODE, samples=101, data_dir=data_dir, with_psr=False)
    np.testing.assert_array_equal(prof.elevation_m, default.elevation_m)
    np.testing.assert_array_equal(prof.slope_along_deg, default.slope_along_deg)
    assert set(prof.elevation_product) == {POLAR_1600} and np.all(prof.elevation_resolution_m == 1600.0)
    (problem,) = prof.elevation_problems
    message = str(problem)
    assert isinstance(problem, RemoteProductError) and words in message
    assert PRODUCT in message and url in message and VAR in message and f"fetch --only {PRODUCT}" in message
    csv_head = [line for line in profile_csv(prof).splitlines() if line.startswith("# full-resolution elevation not used")]
    assert len(csv_head) == 1 and PRODUCT in csv_head[0] and words in csv_head[0]
    assert profile_payload(prof)["sources"]["elevation_problems"] == [message]
    mesh = terrain_mesh((0.0, 0.0), 4_000.0, n=33, data_dir=data_dir)
    assert mesh.products == (POLAR_1600,) and mesh.resolution_m == (1600.0, 1600.0)
    assert len(mesh.problems) == 1 and PRODUCT in str(mesh.problems[0]) and words in str(mesh.problems[0])


def test_mesh_and_profile_note_the_fallback_in_the_ui_words(server, data_dir, monkeypatch):
    from lunarmap_ui.terrain3d_panel import mesh_payload

    url = server.base + "/ui/missing.tif"
    monkeypatch.setenv(VAR, url)
    note = mesh_payload(terrain_mesh((0.0, 0.0), 4_000.0, n=17, data_dir=data_dir))["note"]
    assert "from ldem256_south_polar_1600m (data resolution 1,600 m)" in note
    assert "Full-resolution product unavailable: " in note
    assert PRODUCT in note and url in note and "HTTP 404" in note and f"fetch --only {PRODUCT}" in note


@contextmanager
def _session(s: dict):
    """A plain dict as st.session_state, inside the block only (as tests/test_tools_panel.py does)."""
    import streamlit as st

    with pytest.MonkeyPatch.context() as m:
        m.setattr(st, "session_state", s)
        yield s


@pytest.mark.realdata
def test_the_pages_profile_and_mesh_are_computed_afresh_when_a_full_resolution_dem_is_pointed_at(
        small_cog, server, prepared_data_dir, monkeypatch):
    """Same line, same 3D square: before, the default data; after pointing at the 5 m DEM, 5 m (not a stale answer)."""
    from lunarmap_ui import page
    from lunarmap_ui import terrain3d_panel as T
    from lunarmap_ui import tools_panel as tp

    url = _serve(server, small_cog, "/page/ldem_87s_5mpp_cog.tif")
    line = [[-1_000.0, -500.0], [1_200.0, 700.0]]
    view = {"target": [300.0, -200.0, 0.0], "zoom": -1.0}            # a 1.8 km square (900 px at 2 m a pixel)
    results = []
    with _session({T.K_T3D_ON: True, page.K_VIEW: view}) as state:     # one session: its profile cache is kept
        for pointed in (False, True):
            if pointed:
                monkeypatch.setenv(VAR, url)
            tp.set_profile(line, 1, SOUTH_POLAR_CODE, prepared_data_dir)
            assert state[tp.K_PROFILE]["error"] is None
            results.append((state[tp.K_PROFILE]["key"], tp._current_profile()[0],
                            T.terrain3d_data([], prepared_data_dir)))
    (key0, prof0, t3d0), (key1, prof1, t3d1) = results
    assert key0 != key1
    assert np.all(prof0.elevation_resolution_m > 5.0) and np.all(prof1.elevation_resolution_m == 5.0)
    assert t3d0["resolutionM"][0] > 5.0 and t3d1["resolutionM"] == [5.0, 5.0] and COG in t3d1["note"]


@pytest.mark.realdata
def test_the_profile_panel_names_the_unreachable_dem_beside_the_fallback(server, prepared_data_dir, monkeypatch):
    from lunarmap_ui import tools_panel as tp

    from .apptest_page import run_page

    url = server.base + "/panel/missing.tif"
    monkeypatch.setenv(VAR, url)
    with _session({}) as state:
        tp.set_profile([[-1_000.0, -500.0], [1_200.0, 700.0]], 2, SOUTH_POLAR_CODE, prepared_data_dir)
    at = run_page(monkeypatch, prepared_data_dir, session={k: state[k] for k in (tp.K_PROFILE, tp.K_PROFILE_CACHE)},
                  timeout_s=120)
    shown = [c.value.replace("\\", "") for c in at.caption]        # the caption's Markdown escapes taken out
    words = [text for text in shown if "full-resolution product unavailable: " in text
             and not text.startswith("Full-resolution data not shown")]  # the layer list's line about tiles
    assert len(words) == 1 and PRODUCT in words[0] and "HTTP 404" in words[0] and VAR in words[0]
    assert "elevation from ldem256_south_polar_1600m (1,600 m)" in words[0]


def _bytes_case(big_cog, server, data_dir, monkeypatch, run):
    url = _serve(server, big_cog, "/big/ldem_87s_5mpp_cog.tif")
    monkeypatch.setenv(VAR, url)
    server.reset_counts()
    far = run()
    sent = server.bytes_sent
    monkeypatch.setenv(VAR, str(big_cog))
    near = run()
    assert 0 < sent < 0.2 * big_cog.stat().st_size, "read by windows, never the whole file"
    return far, near


@pytest.mark.slow    # the 16k x 16k COG takes about 15 s to build, once per session
def test_profile_and_mesh_over_the_16k_dem_read_windows_only(big_cog, server, data_dir, monkeypatch):
    """A 50 km line and a 20 km square over the 82 km square DEM (1,024 tiles of 512 px): a few tiles each."""
    def profile():
        return elevation_profile([(-25_000.0, -3_000.0), (25_000.0, 4_000.0)], SOUTH_POLAR_CODE, samples=2_001,
                                 data_dir=data_dir, with_psr=False)

    far, near = _bytes_case(big_cog, server, data_dir, monkeypatch, profile)
    assert not far.elevation_problems and np.all(far.elevation_resolution_m == 5.0)
    np.testing.assert_array_equal(far.elevation_m, near.elevation_m)
    # constant over 512 px tiles (tests/synthetic_cog.py): a sample more than a pixel inside its tile has that value
    col, row = (far.x_m + 40_960.0) / 5.0, (40_960.0 - far.y_m) / 5.0
    inner = (np.minimum(col % 512, 512 - col % 512) > 1.0) & (np.minimum(row % 512, 512 - row % 512) > 1.0)
    np.testing.assert_allclose(far.elevation_m[inner], (row[inner] // 512) * 7 + (col[inner] // 512) * 3 - 2000,
                               rtol=0, atol=1e-9)

    def mesh():
        return terrain_mesh((3_000.0, -2_000.0), 20_000.0, n=129, data_dir=data_dir)

    far_mesh, near_mesh = _bytes_case(big_cog, server, data_dir, monkeypatch, mesh)
    assert far_mesh.resolution_m == (5.0, 5.0) and far_mesh.products == (COG,) and not far_mesh.problems
    np.testing.assert_array_equal(far_mesh.elevation_m, near_mesh.elevation_m)
