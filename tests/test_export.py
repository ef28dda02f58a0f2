"""Exports of a site comparison: CSV, JSON, GeoJSON, GeoPackage; round trips, lunar CRS, provenance, determinism."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from lunarmap import __version__
from lunarmap.compare import compare_sites
from lunarmap.crs import LONLAT_CODE, SOUTH_POLAR_CODE, lunar_crs_code
from lunarmap.errors import ExportError
from lunarmap.export import (
    check_output_path,
    comparison_csv,
    comparison_geojson,
    comparison_gpkg,
    comparison_json,
    export_bytes,
    write_bytes,
    write_comparison,
)
from lunarmap.geodesy import area_km2, cap_area_km2
from lunarmap.sites import load_sites

STAMP = "2026-03-04T05:06:07+00:00"
IDS = ["chang-e-4", "chandrayaan-3", "im-2", "ilrs", "artemis-iii-haworth"]

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def comp(prepared_data_dir):
    return compare_sites(load_sites().select(IDS), 20.0, prepared_data_dir)


def assert_same_table(got: pd.DataFrame, comp) -> None:
    """Every column of the comparison comes back with the same values (NaN and empty text as missing)."""
    want = comp.table
    assert list(got["id"]) == IDS
    for col in want.columns:
        w, g = want[col], got[col]
        if pd.api.types.is_numeric_dtype(w):
            np.testing.assert_allclose(pd.to_numeric(g).to_numpy(float), w.astype("float64").to_numpy(), rtol=1e-12,
                                       equal_nan=True, err_msg=col)
        else:
            norm = lambda s: ["" if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v) for v in s]  # noqa: E731
            assert norm(g) == norm(w), col


def test_csv__round_trips_with_a_provenance_header(comp):
    data = comparison_csv(comp, STAMP)
    text = data.decode("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert f"# exported_at: {STAMP}" in header
    assert f"# lunarmap_version: {__version__}" in header
    assert "# moon_radius_m: 1737400" in header
    # Chang'e 4 (45 S) rests on the global grid; IM-2 and Haworth on the 1.6 km polar DEM.
    assert any(line.startswith("# elevation_products: ldem256_south_polar_1600m (1,600 m); lola_global_dem_0p35deg (")
               for line in header)
    assert any(line.startswith("# psr_grid: psr_60m.tif (60 m") for line in header)
    assert any(line.startswith("#   psr_area_in_radius_km2: ") for line in header)
    assert_same_table(pd.read_csv(io.BytesIO(data), comment="#"), comp)


def test_csv__same_inputs_same_bytes_apart_from_the_timestamp_line(comp):
    a, b = comparison_csv(comp, STAMP), comparison_csv(comp, STAMP)
    assert a == b
    c = comparison_csv(comp, datetime(2030, 1, 1, tzinfo=UTC)).decode().splitlines()
    diff = [(x, y) for x, y in zip(a.decode().splitlines(), c, strict=True) if x != y]
    assert diff == [(f"# exported_at: {STAMP}", "# exported_at: 2030-01-01T00:00:00+00:00")]


def test_json__rows_definitions_and_provenance(comp):
    doc = json.loads(comparison_json(comp, STAMP))
    assert doc["body"] == "Moon" and doc["crs"] == LONLAT_CODE and doc["exported_at"] == STAMP
    assert doc["columns"] == dict(comp.columns)
    assert_same_table(pd.DataFrame(doc["rows"]), comp)
    assert comparison_json(comp, STAMP) == comparison_json(comp, STAMP)


def test_geojson__lunar_crs_member_body_and_round_trip(comp, tmp_path):
    data = comparison_geojson(comp, STAMP)
    doc = json.loads(data)
    assert doc["crs"] == {"type": "name", "properties": {"name": "IAU_2015:30100"}} and doc["body"] == "Moon"
    assert doc["metadata"]["exported_at"] == STAMP and doc["metadata"]["provenance"]["moon_radius_m"] == "1737400"
    path = write_bytes(data, tmp_path / "c.geojson")
    frame = gpd.read_file(path)
    assert lunar_crs_code(frame.crs) == LONLAT_CODE
    assert_same_table(frame, comp)
    assert list(frame.geom_type) == ["Point", "Point", "Point", "Polygon", "Polygon"]
    ce4 = frame.geometry.iloc[0]
    assert (ce4.x, ce4.y) == pytest.approx((177.5991, -45.4446))
    assert comparison_geojson(comp, STAMP) == data


def test_gpkg__layers_in_south_polar_metres_recognised_as_lunar(comp, tmp_path):
    data = comparison_gpkg(comp, STAMP)
    assert comparison_gpkg(comp, STAMP) == data   # deterministic: the GeoPackage dates are the export time
    path = write_bytes(data, tmp_path / "c.gpkg")
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == {"sites", "search_circles", "columns", "provenance"}
    sites = pyogrio.read_dataframe(path, layer="sites")
    assert lunar_crs_code(sites.crs) == SOUTH_POLAR_CODE
    assert_same_table(sites, comp)
    np.testing.assert_allclose(area_km2(sites.geometry.values[3]), comp.table["region_area_km2"].iloc[3], rtol=1e-9)
    circles = pyogrio.read_dataframe(path, layer="search_circles")
    assert lunar_crs_code(circles.crs) == SOUTH_POLAR_CODE
    np.testing.assert_allclose(area_km2(circles.geometry.values), cap_area_km2(20.0), rtol=1e-3)
    prov = dict(pyogrio.read_dataframe(path, layer="provenance", read_geometry=False)[["key", "value"]].to_numpy())
    assert prov["exported_at"] == STAMP and prov["lunarmap_version"] == __version__ and prov["crs"] == SOUTH_POLAR_CODE
    cols = pyogrio.read_dataframe(path, layer="columns", read_geometry=False)
    assert dict(cols[["column", "definition"]].to_numpy()) == dict(comp.columns)


def test_write_comparison__format_from_suffix(comp, tmp_path):
    for suffix in (".csv", ".json", ".geojson", ".gpkg"):
        path = write_comparison(comp, tmp_path / f"out{suffix}", timestamp=STAMP)
        assert path.read_bytes() == export_bytes(comp, suffix[1:], STAMP)
    with pytest.raises(ExportError, match=r"cannot tell the export format of '.*out\.txt' from its suffix '\.txt'; "
                                          r"use one of \.csv, \.json, \.geojson, \.gpkg"):
        write_comparison(comp, tmp_path / "out.txt")
    with pytest.raises(ExportError, match=r"unknown export format 'xls'; use one of: csv, json, geojson, gpkg\."):
        export_bytes(comp, "xls")


def test_output_in_a_missing_folder_says_what_to_change(tmp_path):
    target = tmp_path / "nope" / "out.csv"
    with pytest.raises(ExportError, match=r"the folder '.*nope' does not exist; create it first \(mkdir -p .*nope\) "
                                          r"or write to an existing folder\."):
        write_bytes(b"x", target)
    assert not target.parent.exists()
    with pytest.raises(ExportError, match=r"it is a folder; give a file name inside it"):
        check_output_path(tmp_path)
