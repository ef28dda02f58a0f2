"""The IAU gazetteer as data: names, coordinates and diameters read from the CSV, and its errors.

Searching it is tested in tests/test_search.py.
"""

from __future__ import annotations

import shutil

import pytest

from lunarmap.errors import DataMissingError
from lunarmap.gazetteer import GAZETTEER_FILE, load_gazetteer, normalise_name

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


@pytest.mark.parametrize("text, plain", [("Schrödinger", "schrodinger"), ("  de  Gerlache ", "de gerlache"),
                                         ("Chang'e 4", "chang e 4"), ("Artemis III candidate: Haworth",
                                                                      "artemis iii candidate haworth")])
def test_normalise_name__case_accents_and_punctuation(text, plain):
    assert normalise_name(text) == plain


def test_load_gazetteer__missing_file_says_to_fetch(tmp_path):
    with pytest.raises(DataMissingError, match=r"gazetteer .* does not exist; fetch the data first"):
        load_gazetteer(tmp_path)


def test_load_gazetteer__wrong_columns_is_an_error(tmp_path):
    (tmp_path / GAZETTEER_FILE).write_text("name,lat\nx,1\n", encoding="utf-8")
    with pytest.raises(DataMissingError, match=r"lacks columns \['Feature_Name', 'Diameter'"):
        load_gazetteer(tmp_path)


@pytest.mark.skipif(not (SHARED_DATA / GAZETTEER_FILE).exists(), reason="shared lunar data mirror not present")
def test_real_gazetteer__south_polar_craters(tmp_path):
    shutil.copy(SHARED_DATA / GAZETTEER_FILE, tmp_path / GAZETTEER_FILE)
    places = load_gazetteer(tmp_path)
    assert len(places) > 9000
    by_name = {p.name: p for p in places}
    assert (by_name["Shackleton"].lat_deg, by_name["Shackleton"].lon_deg) == (-89.67, 129.78)
    assert by_name["de Gerlache"].lat_deg == -88.48
    assert by_name["Haworth"].lat_deg == -87.45
