"""lunarmap.terrain_blocks: slope and hillshade block by block equal the whole-array result, seams included."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from lunarmap.errors import RasterError
from lunarmap.terrain import hillshade, scale_factor_grid, slope_deg
from lunarmap.terrain_blocks import BlockProgress, blocks, terrain_blockwise


def _dem(make_raster, shape=(300, 260), nodata_hole=True, scale=0.5):
    """A rough synthetic DEM near the pole (int16 x 0.5 m, like LOLA's products), with a nodata hole."""
    rng = np.random.default_rng(3)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    z = 2000.0 * np.sin(rows / 17.0) * np.cos(cols / 23.0) + rng.normal(0.0, 40.0, shape)
    raw = np.round(z / scale).astype("int16")
    if nodata_hole:
        raw[100:110, 50:57] = -32768
    transform = from_origin(-65_000.0, 80_000.0, 20.0, 20.0)
    path = make_raster(raw, origin=(-65_000.0, 80_000.0), pixel_m=20.0, nodata=-32768)
    with rasterio.open(path, "r+") as ds:
        ds.scales = (scale,)
    return path, raw, transform


def _whole(raw, transform, scale=0.5):
    z = np.where(raw == -32768, np.nan, raw * scale)
    k = scale_factor_grid(transform, z.shape)
    slope = slope_deg(z, transform, k)
    shade = np.where(np.isnan(slope), np.nan, hillshade(z, transform, 315.0, 45.0, k, 1.0))
    return slope.astype("float32"), shade.astype("float32")


@pytest.mark.parametrize("block_px", [16, 37, 128, 1024])
def test_blockwise_equals_whole_array_with_no_seams(make_raster, tmp_path, block_px):
    path, raw, transform = _dem(make_raster)
    seen = []
    terrain_blockwise(path, tmp_path / "slope.tif", tmp_path / "shade.tif", block_px=block_px,
                      tags={"SOURCE": "synthetic"}, progress=seen.append)
    want_slope, want_shade = _whole(raw, transform)
    with rasterio.open(tmp_path / "slope.tif") as ds:
        got_slope = ds.read(1)
        assert ds.tags()["SOURCE"] == "synthetic" and ds.units == ("deg",)
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.transform == transform and ds.crs == rasterio.open(path).crs
    with rasterio.open(tmp_path / "shade.tif") as ds:
        got_shade = ds.read(1)
    np.testing.assert_array_equal(np.isnan(got_slope), np.isnan(want_slope))
    np.testing.assert_allclose(got_slope, want_slope, rtol=0, atol=1e-5, equal_nan=True)
    np.testing.assert_allclose(got_shade, want_shade, rtol=0, atol=1e-6, equal_nan=True)
    assert np.isnan(got_slope[0]).all() and np.isnan(got_slope[:, -1]).all()   # the raster's edge, as whole
    assert np.isnan(got_slope[105, 53]) and np.isfinite(got_slope[150, 150])
    blocks_seen = [p for p in seen if p.phase == "blocks"]
    assert [p.done for p in blocks_seen] == list(range(1, len(blocks_seen) + 1))
    assert blocks_seen[-1].done == blocks_seen[-1].total == len(list(blocks(300, 260, block_px)))
    assert blocks_seen[-1].eta_s == 0.0 and all(p.eta_s >= 0 for p in blocks_seen)
    assert seen[-1].phase == "cog"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]      # no temporary files left


def test_output_larger_than_a_tile_is_a_cog_with_overviews(make_raster, tmp_path):
    path, _, _ = _dem(make_raster, shape=(1300, 1100), nodata_hole=False)
    terrain_blockwise(path, hillshade_path=tmp_path / "shade.tif", block_px=700)
    with rasterio.open(tmp_path / "shade.tif") as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG" and ds.overviews(1) == [2, 4]
        assert ds.block_shapes == [(512, 512)]
    assert not (tmp_path / "slope.tif").exists()


def test_blocks_cover_every_pixel_once_with_clipped_halos():
    cover = np.zeros((70, 45), dtype=int)
    for read, inner in blocks(70, 45, 16):
        cover[inner.row_off:inner.row_off + inner.height, inner.col_off:inner.col_off + inner.width] += 1
        assert read.row_off <= max(inner.row_off - 1, 0) and read.col_off <= max(inner.col_off - 1, 0)
        assert read.row_off + read.height == min(inner.row_off + inner.height + 1, 70)
        assert read.height >= 3 and read.width >= 3
    assert (cover == 1).all()


def test_block_progress_reads_as_a_sentence():
    assert str(BlockProgress(3, 12, 30.0, 90.0, "blocks")) == "block 3 of 12 (25 %), 30 s so far, about 90 s left"
    assert str(BlockProgress(12, 12, 120.4, 0.0, "cog")) == "writing the COGs with overviews (120 s so far)"


def test_a_dem_without_crs_is_refused_and_nothing_is_written(make_raster, tmp_path):
    path = make_raster(np.zeros((20, 20), dtype="float32"), crs=None, name="nocrs.tif")
    with pytest.raises(RasterError, match=r"has no CRS; lunarmap needs it in IAU_2015:30135 metres"):
        terrain_blockwise(path, tmp_path / "slope.tif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nocrs.tif"]
