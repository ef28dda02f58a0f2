"""lunarmap.terrain against gdaldem (an independent implementation of Horn 1981) on windows of the real DEMs.

What is compared, like with like. ``lunarmap.terrain`` takes the pixel size from
the affine transform (metres of IAU_2015:30135) and optionally multiplies the
gradients by the stereographic scale factor ``k`` (a map metre is ``1/k`` true
metres), which the prepared layers do with a ``k`` grid. gdaldem takes the pixel
size from the same geotransform and divides the gradients by its ``-s`` scale
("ratio of vertical units to horizontal"); it has one scale per run, not one per
pixel. So:

* the uncorrected functions (``scale_factor=1``) are compared with ``-s 1``;
* the corrected functions with a constant ``k0`` (the window centre's) with
  ``-s 1/k0``, which is exactly the same arithmetic;
* the prepared layers' per-pixel ``k`` grid differs from the constant ``k0`` only
  by how much ``k`` varies across the window, which bounds the difference.

Both read the same float32 window (written to a temporary GeoTIFF for gdaldem),
with the same azimuth, altitude and z-factor. gdaldem leaves the border (and
every pixel whose 3x3 neighbourhood touches nodata) as nodata, as lunarmap makes
them NaN, so the masks are compared too. gdaldem's hillshade is a byte,
``1 + 254 * shade`` rounded (1 where the shade is 0), so it agrees to half a
grey level. gdaldem does its arithmetic in float32 and lunarmap in float64, so
slopes agree to float32 rounding of the Horn sums: a few float32 steps of the
heights over eight pixel widths (1e-5 degrees on the 1.6 km grid, 1.6e-3 degrees
on the 5 m grid, whose heights near 500 m change by centimetres per pixel).

Skips when gdaldem is not installed (``apt-get install gdal-bin``), except under
CI (env CI set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from lunarmap.rasters import SOURCE_DEM_5M, SOURCE_DEM_POLAR
from lunarmap.terrain import hillshade, scale_factor_grid, slope_deg, stereographic_scale_factor

pytestmark = pytest.mark.realdata

#: (file, window as (row_off, col_off, height, width), what it is).
WINDOWS = {
    "pole-1600m": (SOURCE_DEM_POLAR, (321, 321, 120, 120), "the pole and Shackleton, k within 1e-3 of 1"),
    "edge-1600m": (SOURCE_DEM_POLAR, (10, 320, 100, 120), "about 500 km from the pole, k about 1.02"),
    "shoemaker-5m": (SOURCE_DEM_5M, (0, 0, 256, 256), "the 5 m crop in Shoemaker, with one nodata pixel made"),
}
SUNS = [(315.0, 45.0), (90.0, 10.0), (200.0, 70.0)]


@pytest.fixture(scope="module")
def gdaldem() -> str:
    exe = shutil.which("gdaldem")
    if exe is None:
        message = "gdaldem not found (apt-get install gdal-bin); lunarmap.terrain is checked against it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return exe


@pytest.fixture(scope="module", params=sorted(WINDOWS))
def dem_window(request, prepared_data_dir, tmp_path_factory) -> tuple[np.ndarray, Affine, Path]:
    """(heights in metres as float64, transform, the same window as a float32 GeoTIFF with NaN nodata)."""
    name = request.param
    source, (row, col, height, width), _ = WINDOWS[name]
    with rasterio.open(prepared_data_dir / source) as ds:
        win = Window(col, row, width, height)
        z = ds.read(1, window=win, masked=True).astype(np.float64)
        z = (z * ds.scales[0] + ds.offsets[0]).filled(np.nan).astype(np.float32)
        transform = window_transform(win, ds.transform)
        crs = ds.crs
    if name == "shoemaker-5m":
        z[100, 120] = np.nan                     # nodata in the middle: both must blank its neighbourhood
    path = tmp_path_factory.mktemp(name) / "dem.tif"
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1, dtype="float32",
                       crs=crs, transform=transform, nodata=float("nan")) as dst:
        dst.write(z, 1)
    return z.astype(np.float64), transform, path


def _run(gdaldem: str, args: list[str], src: Path, out: Path) -> tuple[np.ndarray, float | None]:
    subprocess.run([gdaldem, args[0], str(src), str(out), *args[1:], "-q"], check=True, capture_output=True,
                   timeout=120)
    with rasterio.open(out) as ds:
        return ds.read(1).astype(np.float64), ds.nodata


def _centre_k(transform: Affine, shape: tuple[int, int]) -> float:
    x, y = transform @ (shape[1] / 2.0, shape[0] / 2.0)
    return float(stereographic_scale_factor(x, y))


def _float32_gradient_tol(z: np.ndarray, t: Affine) -> float:
    """Largest gradient error float32 Horn sums can make: 32 float32 steps of the largest height over 8 pixels."""
    return 32.0 * float(np.finfo(np.float32).eps) * float(np.nanmax(np.abs(z))) / (8.0 * min(abs(t.a), abs(t.e)))


def _gdal_slope(gdaldem, path, tmp_path, scale: float) -> np.ndarray:
    got, nodata = _run(gdaldem, ["slope", "-alg", "Horn", "-s", repr(scale)], path, tmp_path / "slope.tif")
    return np.where(got == nodata, np.nan, got)


def test_slope_deg__uncorrected_matches_gdaldem_scale_1(gdaldem, dem_window, tmp_path) -> None:
    """Map-metre slope (no k): the same numbers as ``gdaldem slope -s 1``, and NaN exactly where gdaldem has nodata."""
    z, t, path = dem_window
    ours = slope_deg(z, t)
    ref = _gdal_slope(gdaldem, path, tmp_path, 1.0)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    assert np.isfinite(ours).sum() > 0.9 * (z.shape[0] - 2) * (z.shape[1] - 2)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=np.degrees(_float32_gradient_tol(z, t)) + 1e-5, equal_nan=True)
    assert np.nanmax(ours) > 5.0, "a window with real relief"


def test_slope_deg__constant_k_matches_gdaldem_scale_1_over_k(gdaldem, dem_window, tmp_path) -> None:
    """Gradients x k0 are gdaldem's gradients / s with s = 1/k0: slopes agree to float32 precision."""
    z, t, path = dem_window
    k0 = _centre_k(t, z.shape)
    ours = slope_deg(z, t, k0)
    ref = _gdal_slope(gdaldem, path, tmp_path, 1.0 / k0)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=np.degrees(k0 * _float32_gradient_tol(z, t)) + 1e-5,
                               equal_nan=True)


def test_slope_deg__k_grid_of_the_prepared_layers_within_the_spread_of_k(gdaldem, dem_window, tmp_path) -> None:
    """The prepared layers' per-pixel k differs from gdaldem's one scale only by k's spread over the window."""
    z, t, path = dem_window
    k = scale_factor_grid(t, z.shape)
    k0 = _centre_k(t, z.shape)
    ours = slope_deg(z, t, k)
    ref = _gdal_slope(gdaldem, path, tmp_path, 1.0 / k0)
    spread = float(np.max(np.abs(k / k0 - 1.0)))
    tan_ref = np.tan(np.radians(ref))
    ratio = np.tan(np.radians(ours)) / tan_ref
    ok = np.isfinite(ratio) & (ref > 2.0)
    allowed = spread * (1.0 + spread) + k0 * _float32_gradient_tol(z, t) / tan_ref[ok] + 1e-6
    assert ok.sum() > 100
    assert np.all(np.abs(ratio[ok] - 1.0) <= allowed)


@pytest.mark.parametrize(("azimuth_deg", "altitude_deg"), SUNS)
def test_hillshade__matches_gdaldem_to_half_a_grey_level(gdaldem, dem_window, tmp_path, azimuth_deg,
                                                         altitude_deg) -> None:
    """``gdaldem hillshade`` (byte 1..255 = 1 + 254 x shade) with the same sun, z-factor and scale 1/k0."""
    z, t, path = dem_window
    k0 = _centre_k(t, z.shape)
    ours = hillshade(z, t, azimuth_deg, altitude_deg, scale_factor=k0, z_factor=1.0)
    got, nodata = _run(gdaldem, ["hillshade", "-alg", "Horn", "-z", "1", "-s", repr(1.0 / k0),
                                 "-az", repr(azimuth_deg), "-alt", repr(altitude_deg)], path, tmp_path / "hs.tif")
    ref = np.where(got == nodata, np.nan, got)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    expected = 1.0 + 254.0 * ours
    np.testing.assert_allclose(ref, expected, rtol=0, atol=0.5 + 1e-3, equal_nan=True)
    assert abs(float(np.nanmean(ref - expected))) < 0.05, "no bias beyond rounding"
