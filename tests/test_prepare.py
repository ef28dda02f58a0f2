"""prepare: COGs in IAU_2015:30135 reaching 40 S, PSR mask and outlines, display images, and no-op re-runs."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from PIL import Image

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar, lunar_crs_code
from lunarmap.errors import DataMissingError
from lunarmap.geodesy import area_km2
from lunarmap.prepare import HALF_EXTENT_M, PIXEL_M, _load_state, display_layers, prepare
from lunarmap.prepare_display import MAX_BYTES, MAX_SIDE_PX, psr_share, ramp_rgba
from lunarmap.rasters import PREPARED, SOURCE_MOSAIC, SOURCE_PSR


def test_prepare__missing_sources_say_what_to_do(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"lola_global_dem_0p35deg.tif is missing; fetch the data first"):
        prepare(tmp_path)


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
    assert {ly.name for ly in layers} == {"elevation", "hillshade", "slope", "psr", "mosaic", "wac"}
    for ly in layers:
        blob = ly.path.read_bytes()
        suffix = "jpg" if ly.name == "wac" else "png"
        assert len(blob) < MAX_BYTES and ly.file == f"{ly.name}-{hashlib.sha256(blob).hexdigest()[:12]}.{suffix}"
        with Image.open(ly.path) as im:
            assert im.mode in ("RGBA", "P") and max(im.size) <= MAX_SIDE_PX if suffix == "png" else im.mode == "L"
        assert ly.bounds_m[0] < 0 < ly.bounds_m[2] and ly.note and ly.licence and ly.source
        assert ly.legend["type"] in ("ramp", "classes")
    by = {ly.name: ly for ly in layers}
    assert by["psr"].legend["classes"][0]["label"] == "permanently shadowed"
    assert by["psr"].resolution_m == 60.0 and by["elevation"].units == "m" and by["slope"].units == "deg"
    # The PSR image holds the official outlines to 75 S (a 457.5 km half-width), the 60 m grid inside.
    assert all(457_440.0 <= abs(b) <= 457_440.0 + 2 * 240.0 for b in by["psr"].bounds_m)
    assert "official LOLA outlines >= 5 km2, 75° S to the pole" in by["psr"].title and "85° S" in by["psr"].title
    assert "LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL" in by["psr"].source and SOURCE_PSR in by["psr"].source
    doc = json.loads((prepared_data_dir / "prepared" / "display.json").read_text())
    assert len(doc["layers"]) == 6
    # The WAC JPEG is published byte for byte, placed by the catalogue's bounds.
    assert by["wac"].path.read_bytes() == (prepared_data_dir / "wac_south_polar_400m.jpg").read_bytes()
    assert by["wac"].bounds_m == (-609_600.0, -609_600.0, 609_600.0, 609_600.0) and by["wac"].resolution_m == 400.0
    assert "NASA/GSFC/Arizona State University" in by["wac"].licence
    # Terrain legends name their source and resolution.
    for name in ("elevation", "hillshade", "slope"):
        assert "LOLA 1.6 km, pole to 70° S; 10.7 km beyond" in by[name].title, by[name].title


@pytest.mark.realdata
def test_prepare_twice_is_a_noop(prepared_data_dir) -> None:
    out = prepared_data_dir / "prepared"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    report = prepare(prepared_data_dir)
    assert report.is_noop and all(s.status == "up to date" for s in report.steps)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


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


@pytest.mark.realdata
def test_prepared_official_psr_outlines_and_their_image(prepared_data_dir) -> None:
    """psr_official.gpkg: 653 valid outlines in IAU_2015:30135; the image shows them and the grid's small PSRs."""
    path = prepared_data_dir / "prepared" / PREPARED["psr_official"]
    frame = gpd.read_file(path, layer="psr_official")
    assert len(frame) == 653 and lunar_crs_code(frame.crs) == "IAU_2015:30135" and frame.is_valid.all()
    assert {"psr_id", "catalogue_area_km2", "area_km2", "lat_deg", "lon_deg"} <= set(frame.columns)
    np.testing.assert_allclose(frame["area_km2"], area_km2(frame.geometry.values), rtol=1e-12)
    assert frame["lon_deg"].between(-180, 180).all() and frame["lat_deg"].max() < -69.9
    state = json.loads((prepared_data_dir / "prepared" / "state.json").read_text())
    assert set(state["steps"]["psr-official"]["inputs"]) == {
        f"psr_polygons/LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL.{ext}" for ext in ("shp", "shx", "dbf")}
    psr = {ly.name: ly for ly in display_layers(prepared_data_dir)}["psr"]
    with Image.open(psr.path) as im:
        alpha = np.asarray(im.convert("RGBA"))[..., 3]
    px = (psr.bounds_m[2] - psr.bounds_m[0]) / alpha.shape[1]
    assert px == 240.0 and max(alpha.shape) <= MAX_SIDE_PX
    # Shackleton and an outline at 80 S are drawn; the ring between the outlines is clear.
    def at(x, y):
        return alpha[int((psr.bounds_m[3] - y) // px), int((x - psr.bounds_m[0]) // px)]

    x, y = (float(v) for v in lonlat_to_polar(129.78, -89.67))
    ring = frame.loc[frame["lat_deg"].between(-81, -79)].geometry.representative_point()
    assert at(x, y) > 150 and all(at(p.x, p.y) > 150 for p in ring)
    clear = ~shapely.contains_xy(shapely.union_all(frame.geometry.buffer(500.0).values), 300_000.0, 0.0)
    assert clear and at(300_000.0, 0.0) == 0


@pytest.mark.realdata
@pytest.mark.slow
def test_prepare__without_the_official_outlines_is_as_before(prepared_data_dir, tmp_path) -> None:
    """A data folder without psr_polygons/ still prepares: the step is skipped, the PSR image is the 60 m grid's."""
    root = tmp_path / "data"
    shutil.copytree(prepared_data_dir, root, ignore=shutil.ignore_patterns("prepared", "psr_polygons"))
    report = prepare(root)
    assert {s.name: s.status for s in report.steps}["psr-official"] == "missing input"
    assert not (root / "prepared" / PREPARED["psr_official"]).exists()
    psr = {ly.name: ly for ly in display_layers(root)}["psr"]
    assert psr.bounds_m == (-151_740.0, -151_740.0, 151_740.0, 151_740.0) and psr.title == "Permanently shadowed regions (60 m)"


@pytest.mark.realdata
def test_prepare__changed_official_outlines_rebuild_them_and_the_psr_image_only(prepared_data_dir, tmp_path) -> None:
    """A changed .dbf (the attribute table) rebuilds psr-official and display-psr; nothing else."""
    root = tmp_path / "data"
    shutil.copytree(prepared_data_dir, root)
    dbf = root / "psr_polygons" / "LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL.dbf"
    with open(dbf, "ab") as f:             # after the end-of-file marker: readers ignore it, the hash changes
        f.write(b" ")
    report = prepare(root)
    assert report.built == ("psr-official", "display-psr")
    assert prepare(root).is_noop


def test_load_state__an_unreadable_state_rebuilds_everything_and_says_so_in_the_log(tmp_path, caplog):
    (tmp_path / "state.json").write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="lunarmap.prepare"):
        state = _load_state(tmp_path / "state.json")
    assert state["steps"] == {} and state["inputs"] == {}
    (record,) = caplog.records
    assert "every step is rebuilt" in record.getMessage() and isinstance(record.exc_info[1], ValueError)
    caplog.clear()
    assert _load_state(tmp_path / "absent.json")["steps"] == {} and not caplog.records, "a first run is not news"
