"""The 1.6 km polar LOLA DEM and the 400 m WAC mosaic, on real data: finest product first, a seamless join, in place."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rasterio
from PIL import Image

from lunarmap.crs import polar_to_lonlat
from lunarmap.prepare import BLEND_PX
from lunarmap.product_sampling import sample_elevation_m, sample_slope_deg
from lunarmap.rasters import (
    PREPARED,
    SOURCE_DEM,
    SOURCE_DEM_5M,
    SOURCE_DEM_POLAR,
    SOURCE_WAC,
    sample_raster,
)
from lunarmap.terrain import scale_factor_grid, slope_deg

pytestmark = pytest.mark.realdata

SHACKLETON = (129.78, -89.67)
IM1 = (1.44, -80.13)            # IM-1 Odysseus (LROC)
IM1_LROC_ELEVATION_M = 2_579.0  # LROC's published elevation of the IM-1 site


def test_shackleton_floor__reads_below_2500_m_from_the_polar_dem(prepared_data_dir):
    """The 10.7 km grid said -1,670 m at Shackleton's floor (true floor about -4,200 m); 1.6 km says about -2,750 m."""
    got = sample_elevation_m(*SHACKLETON, data_dir=prepared_data_dir)
    assert float(got.values) < -2_500.0
    assert got.product == "ldem256_south_polar_1600m" and got.resolution_m == 1_600.0
    coarse = sample_raster(prepared_data_dir / SOURCE_DEM, *SHACKLETON)
    assert float(coarse.values) > -2_000.0   # what the page said before: the floor smoothed away


def test_im1__elevation_within_60_m_of_lroc(prepared_data_dir):
    got = sample_elevation_m(*IM1, data_dir=prepared_data_dir)
    assert abs(float(got.values) - IM1_LROC_ELEVATION_M) < 60.0
    assert got.resolution_m == 1_600.0


def test_slope__polar_dem_slope_where_it_covers_global_beyond(prepared_data_dir):
    got = sample_slope_deg([SHACKLETON[0], IM1[0], 177.5991], [SHACKLETON[1], IM1[1], -45.4446],
                           data_dir=prepared_data_dir)
    np.testing.assert_allclose(got.resolution_m, [1_600.0, 1_600.0, 10_660.6], atol=0.1)
    assert np.all(np.isfinite(got.values))
    assert float(got.values[0]) > 1.0   # Shackleton's floor sits among steep walls: not smoothed flat


def test_shoemaker_crop_centre__three_products_agree_within_their_resolutions(prepared_data_dir):
    """At the 5 m crop's centre: 5 m vs the 1.6 km pixel, and the 1.6 km DEM averaged over a global pixel vs the global."""
    with rasterio.open(prepared_data_dir / SOURCE_DEM_5M) as ds:
        crop = ds.read(1, masked=True).astype(float).filled(np.nan)
        cx, cy = (ds.bounds.left + ds.bounds.right) / 2, (ds.bounds.bottom + ds.bounds.top) / 2
    lon, lat = (float(v) for v in polar_to_lonlat(cx, cy))
    fine = float(np.nanmean(crop))                       # the crop covers 1.28 km: under one 1.6 km pixel
    polar = float(sample_raster(prepared_data_dir / SOURCE_DEM_POLAR, lon, lat).values)
    glob = float(sample_raster(prepared_data_dir / SOURCE_DEM, lon, lat).values)
    with rasterio.open(prepared_data_dir / SOURCE_DEM_POLAR) as ds:
        row, col = ds.index(cx, cy)
        half = 3   # 7 x 7 pixels of 1.6 km: about one 10.7 km global pixel
        block = ds.read(1, window=((row - half, row + half + 1), (col - half, col + half + 1))).astype(float)
    assert abs(fine - polar) < 50.0                      # MANIFEST: 539 m vs 543 m
    assert abs(float(block.mean()) - glob) < 150.0, (block.mean(), glob)
    assert abs(polar - glob) > abs(fine - polar)         # the coarse grid is the outlier, as it must be


def test_prepared_elevation__join_at_70s_has_no_step_beyond_the_products_disagreement(prepared_data_dir):
    """Across the polar DEM's edge, neighbouring pixels differ no more than elsewhere, and far less than the products do."""
    with rasterio.open(prepared_data_dir / "prepared" / PREPARED["elevation"]) as ds:
        z, t, tags = ds.read(1).astype(float), ds.transform, ds.tags()
    assert tags["INNER_SOURCE"] == SOURCE_DEM_POLAR and float(tags["INNER_RESOLUTION_M"]) == 1_600.0
    x0, y0, x1, y1 = (float(b) for b in tags["INNER_BOUNDS_M"].split(","))
    c0, r1 = ~t @ (x0, y0)
    c1, r0 = ~t @ (x1, y1)
    c0, c1, r0, r1 = (int(round(v)) for v in (c0, c1, r0, r1))
    mid = slice(r0 + 40, r1 - 40)
    # Steps across the left and right edges (last polar pixel to first global one) along the middle rows.
    steps = np.concatenate([np.abs(z[mid, c0] - z[mid, c0 - 1]), np.abs(z[mid, c1] - z[mid, c1 - 1])])
    # Ordinary neighbour steps just outside, in the global grid alone.
    outside = np.concatenate([np.abs(np.diff(z[mid, c0 - 12:c0 - 1], axis=1)).ravel(),
                              np.abs(np.diff(z[mid, c1 + 1:c1 + 12], axis=1)).ravel()])
    # The products' own disagreement at the edge: the polar DEM vs the global grid, same pixels.
    with rasterio.open(prepared_data_dir / SOURCE_DEM_POLAR) as ds:
        polar = ds.read(1).astype(float)
    inner = polar[mid.start - r0: mid.stop - r0, [0, -1]]
    disagreement = np.abs(inner - np.stack([z[mid, c0 - 1], z[mid, c1]], axis=1))
    assert np.percentile(steps, 99) <= max(np.percentile(outside, 99), 1.0) * 1.5, (
        np.percentile(steps, 99), np.percentile(outside, 99))
    assert np.max(steps) < np.max(disagreement)
    assert BLEND_PX >= 8


def test_wac_mosaic__aligns_with_the_dem_in_its_stated_place_not_shifted_or_flipped(prepared_data_dir):
    """Downsampled to the DEM's grid, the mosaic's brightness follows the DEM's sunward slopes in place only."""
    entry = next(e for e in json.loads((prepared_data_dir / "prepared" / "display.json").read_text())["layers"]
                 if e["name"] == "wac")
    with rasterio.open(prepared_data_dir / SOURCE_DEM_POLAR) as ds:
        z = ds.read(1, masked=True).astype(float).filled(np.nan)
        assert tuple(entry["bounds_m"]) == tuple(ds.bounds)   # placed exactly on the DEM's grid
        t = ds.transform
    wac = np.asarray(Image.open(prepared_data_dir / SOURCE_WAC).convert("L"), dtype=float)
    f = wac.shape[0] // z.shape[0]
    assert f == 4 and wac.shape == (z.shape[0] * f, z.shape[1] * f)
    img = wac.reshape(z.shape[0], f, z.shape[1], f).mean(axis=(1, 3))
    d_row, d_col = np.gradient(z)

    def score(a: np.ndarray) -> float:
        """Summed |correlation| of the image with the DEM's row and column gradients (MANIFEST: 0.29 / 0.32)."""
        core = (slice(20, -20), slice(20, -20))
        ok = np.isfinite(d_row[core]) & np.isfinite(a[core])
        return sum(abs(np.corrcoef(a[core][ok], g[core][ok])[0, 1]) for g in (d_row, d_col))

    placed = score(img)
    assert placed > 0.4, placed
    for other in (img[::-1], img[:, ::-1], img.T, np.rot90(img)):          # flipped or turned: no match
        assert score(other) < 0.15 * placed
    shifts = [(dr, dc) for dr in range(-3, 4) for dc in range(-3, 4)]       # up to 4.8 km either way
    scores = [score(np.roll(img, s, axis=(0, 1))) for s in shifts]
    assert shifts[int(np.argmax(scores))] == (0, 0), dict(zip(shifts, np.round(scores, 3), strict=True))
    assert slope_deg(z, t, scale_factor_grid(t, z.shape)).shape == z.shape
