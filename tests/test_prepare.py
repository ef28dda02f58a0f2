"""prepare: COGs in IAU_2015:30135 reaching 40 S, PSR mask and outlines, display images, and no-op re-runs."""

from __future__ import annotations

import hashlib
import json
import math
import shutil

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from PIL import Image

from lunarmap.cli import main
from lunarmap.crs import MOON_RADIUS_M, lunar_crs_code
from lunarmap.errors import DataMissingError
from lunarmap.geodesy import area_km2
from lunarmap.prepare import HALF_EXTENT_M, PIXEL_M, display_layers, prepare
from lunarmap.prepare_display import MAX_BYTES, MAX_SIDE_PX, psr_share, ramp_rgba
from lunarmap.rasters import PREPARED, SOURCE_MOSAIC, SOURCE_PSR


def test_prepare__missing_sources_say_what_to_do(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"lola_global_dem_0p35deg.tif is missing; fetch the data first"):
        prepare(tmp_path)
    assert main(["prepare", "--data-dir", str(tmp_path)]) == 2


def test_display_layers__missing_json(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"display.json does not exist; run python -m lunarmap prepare first"):
        display_layers(tmp_path)


def test_grid_reaches_40s() -> None:
    """The polar grid's half-width is at least the stereographic radius of 40 S (about 1,620 km)."""
    r40 = 2 * MOON_RADIUS_M * math.tan(math.radians(25.0))
    assert r40 == pytest.approx(1_620_000, abs=1_000)
    assert r40 + 2 * PIXEL_M <= HALF_EXTENT_M < r40 + 6 * PIXEL_M      # a margin for Horn's 3x3 stencil


def test_ramp_rgba__nan_is_transparent_and_ends_hit_the_colours() -> None:
    rgba = ramp_rgba(np.array([[0.0, 10.0, np.nan, 99.0]]), 0.0, 10.0, ("#000000", "#ff8000"))
    assert rgba[0, 0].tolist() == [0, 0, 0, 255] and rgba[0, 1].tolist() == [255, 128, 0, 255]
    assert rgba[0, 2, 3] == 0 and rgba[0, 3].tolist() == [255, 128, 0, 255]


def test_psr_share__counts_valid_pixels_only() -> None:
    mask = np.array([[1, 0, 255, 255], [1, 1, 255, 255], [0, 0, 1, 255]], dtype="uint8")
    share = psr_share(mask, 2)
    np.testing.assert_allclose(share, [[0.75, np.nan], [0.0, 1.0]])


@pytest.mark.realdata
def test_prepared_elevation_is_a_cog_in_30135_reaching_40s(prepared_data_dir) -> None:
    with rasterio.open(prepared_data_dir / "prepared" / PREPARED["elevation"]) as ds:
        assert lunar_crs_code(ds.crs.to_wkt()) == "IAU_2015:30135"
        assert ds.dtypes[0] == "float32" and np.isnan(ds.nodata)
        assert ds.overviews(1) and ds.block_shapes[0] == (512, 512)
        assert ds.res == (PIXEL_M, PIXEL_M) and ds.bounds.right == HALF_EXTENT_M
        assert float(ds.tags()["EFFECTIVE_RESOLUTION_M"]) == pytest.approx(10_660.6, abs=0.1)
        data = ds.read(1)
    assert np.isfinite(data).all()
    assert -9_500 < np.nanmin(data) and np.nanmax(data) < 11_000


@pytest.mark.realdata
def test_prepared_psr_mask_keeps_values_and_outlines_have_true_areas(prepared_data_dir) -> None:
    with rasterio.open(prepared_data_dir / SOURCE_PSR) as src, \
            rasterio.open(prepared_data_dir / "prepared" / PREPARED["psr"]) as cog:
        assert np.array_equal(src.read(1), cog.read(1)) and cog.transform == src.transform
        assert cog.nodata == 255 and lunar_crs_code(cog.crs.to_wkt()) == "IAU_2015:30135"
        n_psr = int(np.count_nonzero(cog.read(1) == 1))
    outlines = gpd.read_file(prepared_data_dir / "prepared" / PREPARED["psr_outlines"])
    assert lunar_crs_code(outlines.crs) == "IAU_2015:30135"
    assert outlines["id"].is_unique and int(outlines["n_pixels"].sum()) == n_psr
    sample = outlines.sort_values("area_km2").iloc[[0, len(outlines) // 2, -1]]
    np.testing.assert_allclose(sample["area_km2"], area_km2(sample.geometry.values), rtol=1e-12)


@pytest.mark.realdata
def test_display_json_and_images(prepared_data_dir) -> None:
    layers = display_layers(prepared_data_dir)
    assert {ly.name for ly in layers} == {"elevation", "hillshade", "slope", "psr", "mosaic"}
    for ly in layers:
        blob = ly.path.read_bytes()
        assert len(blob) < MAX_BYTES and ly.file == f"{ly.name}-{hashlib.sha256(blob).hexdigest()[:12]}.png"
        with Image.open(ly.path) as im:
            assert im.mode == "RGBA" and max(im.size) <= MAX_SIDE_PX
        assert ly.bounds_m[0] < 0 < ly.bounds_m[2] and ly.note and ly.licence and ly.source
        assert ly.legend["type"] in ("ramp", "classes")
    by = {ly.name: ly for ly in layers}
    assert by["psr"].legend["classes"][0]["label"] == "permanently shadowed"
    assert by["psr"].resolution_m == 60.0 and by["elevation"].units == "m" and by["slope"].units == "deg"
    doc = json.loads((prepared_data_dir / "prepared" / "display.json").read_text())
    assert len(doc["layers"]) == 5


@pytest.mark.realdata
def test_prepare_twice_is_a_noop(prepared_data_dir, capsys) -> None:
    out = prepared_data_dir / "prepared"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    report = prepare(prepared_data_dir)
    assert report.is_noop and all(s.status == "up to date" for s in report.steps)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert main(["prepare", "--data-dir", str(prepared_data_dir)]) == 0
    assert "nothing to do" in capsys.readouterr().out


@pytest.mark.realdata
def test_prepare__changed_input_rebuilds_only_what_depends_on_it(prepared_data_dir, tmp_path) -> None:
    """A changed mosaic rebuilds the mosaic layer and its image; nothing else."""
    root = tmp_path / "data"
    shutil.copytree(prepared_data_dir, root)
    with rasterio.open(root / SOURCE_MOSAIC, "r+") as ds:
        arr = ds.read(1)
        arr[420:500, 100:200] = 255 - arr[420:500, 100:200]     # 57 S to 86 S
        ds.write(arr, 1)
    old = {ly.name: ly.file for ly in display_layers(root)}
    seen = []
    report = prepare(root, progress=seen.append)
    assert report.built == ("mosaic", "display-mosaic") and [s.name for s in seen] == [s.name for s in report.steps]
    new = {ly.name: ly.file for ly in display_layers(root)}
    assert new["mosaic"] != old["mosaic"] and {k: v for k, v in new.items() if k != "mosaic"} == {
        k: v for k, v in old.items() if k != "mosaic"}
    assert not (root / "prepared" / "display" / old["mosaic"]).exists()
    assert prepare(root).is_noop
