"""The readout's slope on the full-resolution DEMs (lunarmap.fullres_slope via product_sampling.sample_slope_deg).

Against an analytic plane (tests/synthetic_cog.py "plane": 5 m pixels, gradient (0.2, -0.1): slope
atan(sqrt(0.05)) = 12.604 deg everywhere) served by the local Range server, and against a 3 x 3 Horn slope
computed here from the file's own pixels (numpy, not lunarmap) on a rough DEM.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio

from lunarmap.crs import LONLAT_CODE, SOUTH_POLAR_CODE, polar_to_lonlat, transformer
from lunarmap.product_sampling import sample_slope_deg
from lunarmap.rasters import _combine

from .synthetic_cog import PLANE_GRADIENT, make_cog
from .test_remote import VAR, proxy_trap  # noqa: F401 (every request must stay on 127.0.0.1)

PLANE_DEG = math.degrees(math.atan(math.hypot(*PLANE_GRADIENT)))


@pytest.fixture(scope="module")
def plane(tmp_path_factory):
    return make_cog(tmp_path_factory.mktemp("plane") / "ldem_87s_5mpp_cog.tif", 1024, pattern="plane")


@pytest.fixture(scope="module")
def rough(tmp_path_factory):
    return make_cog(tmp_path_factory.mktemp("rough") / "ldem_87s_5mpp_cog.tif", 1024, pattern="terrain")


def _points(n=40, half=2400.0, seed=3):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-half, half, (2, n))
    lon, lat = polar_to_lonlat(x, y)
    return np.asarray(lon), np.asarray(lat), x, y


def _horn_by_hand(path, x, y):
    """Horn (1981) slope at map points from the file's 3 x 3 pixels: the textbook formula, scale factor k(rho)."""
    out = []
    with rasterio.open(path) as ds:
        z = ds.read(1).astype(float)
        px = ds.transform.a
        for xi, yi in zip(x, y, strict=True):
            col, row = (int(math.floor(v)) for v in ~ds.transform @ (xi, yi))
            w = z[row - 1:row + 2, col - 1:col + 2]
            dzdx = ((w[0, 2] + 2 * w[1, 2] + w[2, 2]) - (w[0, 0] + 2 * w[1, 0] + w[2, 0])) / (8 * px)
            dzdy = ((w[2, 0] + 2 * w[2, 1] + w[2, 2]) - (w[0, 0] + 2 * w[0, 1] + w[0, 2])) / (8 * px)
            cx, cy = ds.transform @ (col + 0.5, row + 0.5)
            k = 1.0 + (math.hypot(cx, cy) / (2 * 1_737_400.0)) ** 2        # map metres per true metre
            out.append(math.degrees(math.atan(k * math.hypot(dzdx, dzdy))))
    return np.array(out)


def test_slope_on_a_served_plane_is_the_planes_slope(plane, server, prepared_data_dir, monkeypatch):
    server.files["/dem/ldem_87s_5mpp_cog.tif"] = plane.read_bytes()
    monkeypatch.setenv(VAR, server.base + "/dem/ldem_87s_5mpp_cog.tif")
    lon, lat, _, _ = _points()
    got = sample_slope_deg(lon, lat, prepared_data_dir)
    assert not got.problems and got.product == "ldem_87s_5mpp_cog" and got.resolution_m == 5.0
    # k = 1 + (rho / 2R)^2 is at most 1 + 1e-6 within 2.4 km of the pole: the true slope is the plane's
    np.testing.assert_allclose(got.values, PLANE_DEG, atol=1e-3)
    assert server.requests and all(rng for _, rng in server.requests)


def test_slope_on_a_rough_dem_is_horns_on_its_own_pixels(rough, prepared_data_dir, monkeypatch):
    monkeypatch.setenv(VAR, str(rough))
    lon, lat, x, y = _points(seed=5)
    got = sample_slope_deg(lon, lat, prepared_data_dir)
    np.testing.assert_allclose(got.values, _horn_by_hand(rough, x, y), rtol=1e-6, atol=1e-6)


def test_points_beyond_the_dem_and_a_failing_server_fall_back_to_the_prepared_slope(plane, server, prepared_data_dir,
                                                                                     monkeypatch):
    from lunarmap.paths import PREPARED

    root = prepared_data_dir / "prepared"
    prepared = [p for p in (root / PREPARED["slope_5m"], root / PREPARED["slope_1600m"], root / PREPARED["slope"])
                if p.exists()]
    far_x, far_y = transformer(LONLAT_CODE, SOUTH_POLAR_CODE).transform([45.0, -120.0], [-86.0, -89.0])
    lon, lat = polar_to_lonlat(np.array([100.0, *far_x]), np.array([-50.0, *far_y]))
    server.files["/dem/ldem_87s_5mpp_cog.tif"] = plane.read_bytes()
    monkeypatch.setenv(VAR, server.base + "/dem/ldem_87s_5mpp_cog.tif")
    got = sample_slope_deg(lon, lat, prepared_data_dir)
    assert got.values[0] == pytest.approx(PLANE_DEG, abs=1e-3) and got.resolution_m[0] == 5.0
    np.testing.assert_allclose(got.values[1:], _combine(prepared, lon[1:], lat[1:], "deg").values)
    assert "ldem_87s_5mpp_cog" in got.product
    server.files["/cut/ldem_87s_5mpp_cog.tif"] = plane.read_bytes()   # a new URL: nothing of it in GDAL's cache
    monkeypatch.setenv(VAR, server.base + "/cut/ldem_87s_5mpp_cog.tif")
    server.cut_from = 1                                                 # the server breaks off every read but the probe
    cut = sample_slope_deg(lon, lat, prepared_data_dir)
    np.testing.assert_allclose(cut.values, _combine(prepared, lon, lat, "deg").values)
    assert cut.problems and "lola-5m-87s" in cut.note and VAR in cut.note
