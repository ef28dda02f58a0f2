"""Horn (1981) slope and hillshade against analytic surfaces, on plain and stereographic grids."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar
from lunarmap.errors import RasterError
from lunarmap.terrain import (
    hillshade,
    horn_gradients,
    pixel_size_m,
    scale_factor_grid,
    slope_deg,
    stereographic_scale_factor,
)

from . import cases


def _plane(transform: Affine, shape: tuple[int, int], dz_dx: float, dz_dy: float) -> np.ndarray:
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    x = transform.c + transform.a * (cols + 0.5)
    y = transform.f + transform.e * (rows + 0.5)
    return dz_dx * x + dz_dy * y


@pytest.mark.parametrize("azimuth_deg", [0.0, 37.0, 90.0, 200.0, 315.0])
@pytest.mark.parametrize("pixel", [(60.0, 60.0), (5.0, 20.0)])
def test_slope_deg__plane_tilted_45_reads_45(azimuth_deg: float, pixel: tuple[float, float]) -> None:
    """A plane rising 1 m per metre in any direction has slope 45 degrees, also with non-square pixels."""
    t = Affine(pixel[0], 0, 1000.0, 0, -pixel[1], 5000.0)
    a = np.radians(azimuth_deg)
    z = _plane(t, (9, 11), np.sin(a), np.cos(a))
    s = slope_deg(z, t)
    np.testing.assert_allclose(s[1:-1, 1:-1], 45.0, atol=1e-9)
    assert np.isnan(s[0]).all() and np.isnan(s[:, -1]).all()


def test_horn_gradients__named_by_row_and_column() -> None:
    """d_col is the change along increasing columns, d_row along increasing rows (down a north-up grid)."""
    t = Affine(10.0, 0, 0, 0, -10.0, 0)
    z = _plane(t, (5, 5), 0.3, 0.7)         # rises east (+col) by 0.3, north (-row) by 0.7
    d_row, d_col = horn_gradients(z, t)
    np.testing.assert_allclose(d_col[1:-1, 1:-1], 0.3)
    np.testing.assert_allclose(d_row[1:-1, 1:-1], -0.7)


def test_slope_deg__stereographic_grid_true_on_the_sphere() -> None:
    """1,000 km from the pole (k = 1.083) a surface with a true 45 degree slope reads 45 only with the k correction."""
    r = 1_000_000.0
    t = Affine(60.0, 0, r - 600.0, 0, -60.0, 600.0)
    k = scale_factor_grid(t, (20, 20))
    k0 = float(stereographic_scale_factor(r, 0.0))
    assert k0 == pytest.approx(1.0 + r * r / (4 * MOON_RADIUS_M**2))
    z = _plane(t, (20, 20), 1.0 / k0, 0.0)   # 1/k0 m of height per map metre = 1 m per true metre
    corrected = slope_deg(z, t, k)[1:-1, 1:-1]
    np.testing.assert_allclose(corrected, 45.0, atol=0.005)   # k varies by 1e-4 across the 1.2 km grid
    plain = slope_deg(z, t)[1:-1, 1:-1]
    np.testing.assert_allclose(plain, np.degrees(np.arctan(1.0 / k0)), atol=1e-6)
    assert abs(plain.mean() - 45.0) > 2.0


@pytest.mark.parametrize(("lon", "lat"), cases.AWKWARD_POINTS)
def test_stereographic_scale_factor__awkward_points_match_2_over_1_plus_sin_lat(lon: float, lat: float) -> None:
    """k = 2 / (1 + sin|lat|) wherever the point is written: 1 at the pole, 2 on the equator, same both sides of 180."""
    x, y = lonlat_to_polar(lon, lat)
    assert float(stereographic_scale_factor(x, y)) == pytest.approx(2.0 / (1.0 + np.sin(np.radians(abs(lat)))),
                                                                     rel=1e-9)


def test_stereographic_scale_factor__matches_latitude_formula() -> None:
    """k = 1 + r^2/(4 R^2) equals 2/(1 + sin|lat|) at 40 S."""
    r = 2.0 * MOON_RADIUS_M * np.tan(np.radians(25.0))
    assert float(stereographic_scale_factor(r, 0.0)) == pytest.approx(2.0 / (1.0 + np.sin(np.radians(40.0))), rel=1e-12)


@pytest.mark.parametrize("altitude_deg", [10.0, 45.0, 80.0])
def test_hillshade__flat_plane_is_sin_altitude(altitude_deg: float) -> None:
    t = Affine(60.0, 0, 0, 0, -60.0, 0)
    h = hillshade(np.full((6, 6), 123.0), t, 315.0, altitude_deg)
    np.testing.assert_allclose(h[1:-1, 1:-1], np.sin(np.radians(altitude_deg)), atol=1e-12)


def test_hillshade__slope_facing_the_sun_is_fully_lit_and_away_is_dark() -> None:
    """Sun from 315 at 45 degrees: a 45 degree plane facing north-west is lit 1.0; facing south-east, 0."""
    t = Affine(30.0, 0, 0, 0, -30.0, 0)
    g = np.sqrt(0.5)
    toward = _plane(t, (5, 5), g, -g)    # rises to the south-east, so it faces north-west
    np.testing.assert_allclose(hillshade(toward, t)[1:-1, 1:-1], 1.0, atol=1e-12)
    np.testing.assert_allclose(hillshade(-toward, t)[1:-1, 1:-1], 0.0, atol=1e-12)


def test_pixel_size_m__rotated_grid_is_refused() -> None:
    with pytest.raises(RasterError, match=r"rotated or sheared .* north-up grid"):
        pixel_size_m(Affine(60.0, 5.0, 0, 0, -60.0, 0))


def test_horn_gradients__too_small_grid_is_refused() -> None:
    with pytest.raises(RasterError, match=r"at least 3x3 pixels \(got shape \(2, 5\)\)"):
        slope_deg(np.zeros((2, 5)), Affine(60.0, 0, 0, 0, -60.0, 0))


def test_slope_deg__nan_spreads_to_neighbours_only() -> None:
    t = Affine(60.0, 0, 0, 0, -60.0, 0)
    z = np.zeros((7, 7))
    z[3, 3] = np.nan
    s = slope_deg(z, t)
    assert np.isnan(s[2:5, 2:5]).all()          # the pixel itself and its 8 neighbours
    assert np.isfinite(s[1:-1, 1:-1]).sum() == 25 - 9
    assert s[1, 1] == 0.0 and s[5, 5] == 0.0
