"""Place search: IAU features and catalogue sites by name, accent- and case-insensitive."""

from __future__ import annotations

import math
import shutil

import pytest

from lunarmap.errors import DataMissingError, UnknownFeatureError
from lunarmap.gazetteer import GAZETTEER_FILE, find_places, load_gazetteer, lookup_place, places_from_sites
from lunarmap.sites import load_sites

from .conftest import SHARED_DATA

_CSV = """Feature_Name,Target,Diameter,Center_Latitude,Center_Longitude,Coordinate_System,Approval_Status,Approval_Date,Origin,
"Shackleton","Moon",20.92,-89.67,129.78,"Planetographic  +East  -180 - 180","Approved","1994","x",
"Shackleton A","Moon",5.0,-88.0,100.0,"Planetographic  +East  -180 - 180","Approved","1994","x",
"de Gerlache","Moon",32.71,-88.48,-88.34,"Planetographic  +East  -180 - 180","Approved","2000","x",
"Schrödinger","Moon",316.39,-74.73,132.93,"Planetographic  +East  -180 - 180","Approved","1970","x",
"Mons Pico","Moon",25,45.7,-8.9,"Planetographic  +East  -180 - 180","Approved","1935","x",
"""


@pytest.fixture
def gaz_dir(tmp_path):
    (tmp_path / GAZETTEER_FILE).write_text(_CSV, encoding="utf-8")
    return tmp_path


def test_load_gazetteer__reads_names_coordinates_and_diameters(gaz_dir):
    places = {p.name: p for p in load_gazetteer(gaz_dir)}
    assert set(places) == {"Shackleton", "Shackleton A", "de Gerlache", "Schrödinger", "Mons Pico"}
    s = places["Shackleton"]
    assert (s.lat_deg, s.lon_deg, s.diameter_km, s.kind) == (-89.67, 129.78, 20.92, "feature")


def test_find_places__exact_name_before_prefix_matches(gaz_dir):
    found = find_places("shackleton", load_gazetteer(gaz_dir))
    assert [p.name for p in found] == ["Shackleton", "Shackleton A"]


@pytest.mark.parametrize("query, name", [("schrodinger", "Schrödinger"), ("DE GERL", "de Gerlache"),
                                         ("gerlache", "de Gerlache"), ("  Shackleton ", "Shackleton")])
def test_lookup_place__ignores_case_accents_and_spaces(gaz_dir, query, name):
    assert lookup_place(query, load_gazetteer(gaz_dir)).name == name


def test_lookup_place__unknown_name_says_what_to_try(gaz_dir):
    with pytest.raises(UnknownFeatureError, match=r"no site or IAU feature is named like 'Atlantis'; try .*Shackleton"):
        lookup_place("Atlantis", load_gazetteer(gaz_dir))


def test_find_places__empty_query_finds_nothing(gaz_dir):
    assert find_places("  ", load_gazetteer(gaz_dir)) == []


def test_load_gazetteer__missing_file_says_to_fetch(tmp_path):
    with pytest.raises(DataMissingError, match=r"gazetteer .* does not exist; fetch the data first"):
        load_gazetteer(tmp_path)


def test_load_gazetteer__wrong_columns_is_an_error(tmp_path):
    (tmp_path / GAZETTEER_FILE).write_text("name,lat\nx,1\n", encoding="utf-8")
    with pytest.raises(DataMissingError, match=r"lacks columns \['Feature_Name', 'Diameter'"):
        load_gazetteer(tmp_path)


def test_places_from_sites__finds_sites_by_name_and_id():
    catalog = load_sites()
    places = places_from_sites(catalog)
    assert lookup_place("chang-e-4", places).site_id == "chang-e-4"
    assert lookup_place("Chang'e 6", places).site_id == "chang-e-6"
    haworth = lookup_place("Artemis III candidate: Haworth", places)
    region = catalog["artemis-iii-haworth"]
    assert haworth.diameter_km == pytest.approx(2 * math.sqrt(region.area_km2 / math.pi))


@pytest.mark.skipif(not (SHARED_DATA / GAZETTEER_FILE).exists(), reason="shared lunar data mirror not present")
def test_real_gazetteer__south_polar_craters(tmp_path):
    shutil.copy(SHARED_DATA / GAZETTEER_FILE, tmp_path / GAZETTEER_FILE)
    places = load_gazetteer(tmp_path)
    assert len(places) > 9000
    shackleton = lookup_place("Shackleton", places)
    assert (shackleton.lat_deg, shackleton.lon_deg) == (-89.67, 129.78)
    assert lookup_place("de Gerlache", places).lat_deg == -88.48
    assert lookup_place("Haworth", places).lat_deg == -87.45
