"""lunarmap.sites: the curated catalogue loads, is lunar, and bad files are refused clearly."""

from __future__ import annotations

import copy
import json

import pytest
from shapely.geometry import Point

from lunarmap.errors import LunarmapError, SiteCatalogError, UnknownSiteError
from lunarmap.geodesy import cap_area_km2, distance_m
from lunarmap.sites import DEFAULT_SITES_PATH, KINDS, load_sites, sites_frame

from . import cases
from .conftest import SHARED_DATA

REQUIRED_IDS = {"chang-e-4", "chang-e-6", "chandrayaan-3", "ilrs"}


@pytest.fixture(scope="module")
def catalog():
    return load_sites()


@pytest.fixture
def doc():
    return json.loads(DEFAULT_SITES_PATH.read_text(encoding="utf-8"))


def write(tmp_path, doc):
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_catalogue__has_required_ids_and_nine_artemis_regions(catalog):
    assert REQUIRED_IDS <= set(catalog.ids)
    artemis = [s for s in catalog if s.id.startswith("artemis-iii-")]
    assert len(artemis) == 9 and all(s.is_region and s.kind == "region" for s in artemis)
    for sid in ("im-1", "im-2", "luna-25-target", "chang-e-7-target"):
        assert sid in catalog.ids


def test_catalogue__file_declares_moon_and_lunar_crs(doc):
    assert doc["body"] == "Moon"
    assert doc["crs"]["properties"]["name"] == "IAU_2015:30100"


def test_catalogue__every_feature_has_fields_and_a_source(catalog):
    for s in catalog:
        assert s.name and s.agency and s.kind in KINDS
        assert len(s.source) > 20, s.id


def test_landers_are_points_at_published_coordinates(catalog):
    # Published coordinates (lunar-data README): CNSA, LROC and ISRO positions.
    expected = {"chang-e-4": cases.CHANG_E_4, "chang-e-6": cases.CHANG_E_6, "chandrayaan-3": cases.CHANDRAYAAN_3}
    for sid, (lon, lat) in expected.items():
        site = catalog[sid]
        assert not site.is_region
        assert distance_m(*site.lonlat, lon, lat) < 0.01


def test_artemis_regions_match_usgs_outlines(catalog):
    src = json.loads((SHARED_DATA / "artemis3_regions_2024_usgs.geojson").read_text())
    by_code = {f["properties"]["RegionCode"]: f for f in src["features"]}
    for site in catalog:
        if not site.id.startswith("artemis-iii-"):
            continue
        feature = by_code[site.properties["code"]]
        assert site.properties["stated_area_km2"] == feature["properties"]["Area_km2"]
        # USGS's stated area is measured in the stereographic plane; on the sphere it is
        # smaller by about k^2 = (2 / (1 + sin 85 deg))^2 = 1.0038 near 85 S.
        assert site.area_km2 == pytest.approx(feature["properties"]["Area_km2"], rel=0.03)
        assert site.area_km2 < feature["properties"]["Area_km2"]


def test_ilrs_is_indicative_polar_cap_with_basis(catalog):
    ilrs = catalog["ilrs"]
    assert ilrs.is_region and ilrs.properties["indicative"] is True
    assert "no official" in ilrs.properties["basis"].lower()
    assert ilrs.geometry_polar.contains(Point(0.0, 0.0))
    assert ilrs.lonlat[1] == pytest.approx(-90.0, abs=1e-6)
    # The cap poleward of 85 S: 5 degrees of arc.
    assert ilrs.area_km2 == pytest.approx(cap_area_km2(5 * 3.141592653589793 / 180 * 1737.4), rel=1e-3)


def test_change_7_target_area_contains_the_pole(catalog):
    ce7 = catalog["chang-e-7-target"]
    assert ce7.geometry_polar.contains(Point(0.0, 0.0))
    assert ce7.area_km2 == pytest.approx(cap_area_km2(13.0), rel=2e-3)


def test_sites_frame__lunar_crs_and_rows(catalog):
    frame = sites_frame(catalog)
    assert frame.crs.to_authority(auth_name="IAU_2015", min_confidence=25) == ("IAU_2015", "30135")
    assert len(frame) == len(catalog)


def test_loader_forces_lunar_crs_whatever_the_file_says(tmp_path, doc):
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    cat = load_sites(write(tmp_path, doc))
    assert distance_m(*cat["chang-e-4"].lonlat, *cat["chang-e-6"].lonlat) == pytest.approx(631_727, abs=1)


def test_unknown_id_lists_known_ids(catalog):
    with pytest.raises(UnknownSiteError, match=r"unknown site id 'chang-e-5'; known ids: chang-e-4, chang-e-6"):
        catalog.get("chang-e-5")
    with pytest.raises(UnknownSiteError, match=r"unknown site ids 'a', 'b'; known ids:"):
        catalog.select(["a", "chang-e-4", "b"])
    assert issubclass(UnknownSiteError, LookupError)


def _mutate(doc, index, **props):
    doc = copy.deepcopy(doc)
    for key, value in props.items():
        if value is _DELETE:
            del doc["features"][index]["properties"][key]
        else:
            doc["features"][index]["properties"][key] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _mutate(d, 1, id="chang-e-4"),
         r"feature #1 \(id 'chang-e-4'\): field 'id' has bad value 'chang-e-4'; it duplicates feature #0\. Give every feature a unique id\."),
        (lambda d: _mutate(d, 0, id="Chang'e 4"),
         r"feature #0 \(id \"Chang'e 4\"\): field 'id' has bad value \"Chang'e 4\"; ids are lower-case letters, digits and hyphens"),
        (lambda d: _mutate(d, 0, source=_DELETE),
         r"feature #0 \(id 'chang-e-4'\): required field 'source' is missing; add it to the feature's properties"),
        (lambda d: _mutate(d, 0, name="  "),
         r"feature #0 \(id 'chang-e-4'\): field 'name' has bad value '  '; give a non-empty text value\."),
        (lambda d: _mutate(d, 0, kind="rover"),
         r"field 'kind' has bad value 'rover'; use one of: landed, crash, target, planned, region\."),
        (lambda d: _mutate(d, 0, uncertainty_m=-5),
         r"field 'uncertainty_m' has bad value -5; give a non-negative number of metres or null when unknown\."),
    ],
)
def test_loader_refuses_bad_properties(tmp_path, doc, change, message):
    with pytest.raises(SiteCatalogError, match=message):
        load_sites(write(tmp_path, change(doc)))


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [10.0, -95.0]},
         r"feature #0 \(id 'chang-e-4'\): field 'latitude' has bad value -95\.0; latitude must be within \[-90, 90\]"),
        ({"type": "Point", "coordinates": list(cases.SWAPPED_LATLON)},
         r"feature #0 \(id 'chang-e-4'\): field 'latitude' has bad value 177\.5991; latitude must be within \[-90, 90\]"),
        ({"type": "Point", "coordinates": [0.0, -90.000001]},
         r"field 'latitude' has bad value -90\.000001; latitude must be within \[-90, 90\]"),
        ({"type": "Point", "coordinates": [360.0, -45.0]},
         r"feature #0 \(id 'chang-e-4'\): field 'longitude' has bad value 360\.0; longitude must be within \[-180, 360\)"),
        ({"type": "Point", "coordinates": []},
         r"feature #0 \(id 'chang-e-4'\): field 'geometry' has bad value .*; the geometry is empty"),
        (None, r"feature #0 \(id 'chang-e-4'\): field 'geometry' has bad value None; give a Point or Polygon"),
        (cases.BOWTIE_GEOJSON,
         r"feature #0 \(id 'chang-e-4'\): field 'geometry' is invalid: .*polygon is invalid \(Self-intersection"),
        ({"type": "LineString", "coordinates": [[0, -80], [1, -81]]},
         r"field 'geometry' has bad value 'LineString'; use a Point for a site or a Polygon for a region\."),
        ({"type": "Blob", "coordinates": [0, -80]}, r"field 'geometry' has bad value .*it is not a valid GeoJSON geometry"),
    ],
)
def test_loader_refuses_bad_geometry(tmp_path, doc, geometry, message):
    doc["features"][0]["geometry"] = geometry
    with pytest.raises(SiteCatalogError, match=message):
        load_sites(write(tmp_path, doc))


def test_loader_refuses_non_moon_body(tmp_path, doc):
    doc["body"] = "Mars"
    with pytest.raises(SiteCatalogError, match=r"says body 'Mars'; lunarmap reads Moon catalogues only"):
        load_sites(write(tmp_path, doc))


def test_loader_refuses_non_geojson_and_missing_file(tmp_path):
    bad = tmp_path / "x.geojson"
    bad.write_text("{not json")
    with pytest.raises(SiteCatalogError, match=r"is not valid JSON .*; fix the file or restore it from git"):
        load_sites(bad)
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(SiteCatalogError, match=r"is not a GeoJSON FeatureCollection"):
        load_sites(bad)
    with pytest.raises(SiteCatalogError, match=r"does not exist; check the path"):
        load_sites(tmp_path / "missing.geojson")


def test_site_catalog_error_is_a_lunarmap_value_error():
    assert issubclass(SiteCatalogError, LunarmapError) and issubclass(SiteCatalogError, ValueError)
