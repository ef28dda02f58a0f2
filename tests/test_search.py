"""Search over the catalogue and the IAU gazetteer: typos, accents, case, ranking, the map's edge, coordinates.

Fly targets are checked against the places' own numbers (the gazetteer's diameters, the regions'
polygons projected by lunarmap.crs/pyproj) and the views against deck.gl's zoom rule.
"""

from __future__ import annotations

import math
import os
import shutil

import pytest

from lunarmap.crs import lonlat_to_polar
from lunarmap.errors import CoordinateTextError, UnknownFeatureError
from lunarmap.gazetteer import GAZETTEER_FILE
from lunarmap.search import FEATURE_DIAMETERS, MIN_WIDTH_KM, SearchIndex, search, search_index
from lunarmap.sites import load_sites
from lunarmap.views import scale_factor

from .cases import AWKWARD_POINTS, CHANDRAYAAN_3, CHANG_E_4, SWAPPED_LATLON, SWAPPED_LATLON_IN_RANGE
from .conftest import SHARED_DATA

_CSV = """Feature_Name,Target,Diameter,Center_Latitude,Center_Longitude,Coordinate_System,Approval_Status,Approval_Date,Origin,
"Shackleton","Moon",20.92,-89.67,129.78,"Planetographic  +East  -180 - 180","Approved","1994","x",
"Shackleton A","Moon",5.0,-88.0,100.0,"Planetographic  +East  -180 - 180","Approved","1994","x",
"de Gerlache","Moon",32.71,-88.48,-88.34,"Planetographic  +East  -180 - 180","Approved","2000","x",
"Schrödinger","Moon",316.39,-74.73,132.93,"Planetographic  +East  -180 - 180","Approved","1970","x",
"Haworth","Moon",51.42,-87.45,-5.17,"Planetographic  +East  -180 - 180","Approved","2009","x",
"Amundsen","Moon",103.39,-84.44,83.07,"Planetographic  +East  -180 - 180","Approved","1964","x",
"Artemis","Moon",2.28,25.03,-25.36,"Planetographic  +East  -180 - 180","Approved","1976","x",
"Mons Pico","Moon",25,45.7,-8.9,"Planetographic  +East  -180 - 180","Approved","1935","x",
"Edge On","Moon",10,-40.0,10.0,"Planetographic  +East  -180 - 180","Approved","1935","x",
"Edge Off","Moon",10,-39.99,10.0,"Planetographic  +East  -180 - 180","Approved","1935","x",
"""
ARTEMIS = [s.id for s in load_sites() if s.id.startswith("artemis-iii-")]


@pytest.fixture(scope="module")
def catalog():
    return load_sites()


@pytest.fixture
def gaz_dir(tmp_path):
    (tmp_path / GAZETTEER_FILE).write_text(_CSV, encoding="utf-8")
    return tmp_path


@pytest.fixture
def index(catalog, gaz_dir) -> SearchIndex:
    return search_index(catalog, gaz_dir)


def _names(answer) -> list[str]:
    return [r.name for r in answer.results]


# ----------------------------------------------------------------- names: typos, accents, case
@pytest.mark.parametrize("query, name", [
    ("shakelton", "Shackleton"), ("SHACKELTON", "Shackleton"), ("amundsem", "Amundsen"), ("haworht", "Haworth"),
    ("schrodinger", "Schrödinger"), ("SCHRÖDINGER", "Schrödinger"), ("schrodnger", "Schrödinger"),
    ("de  gerlache", "de Gerlache"), ("De-Gerlache", "de Gerlache"), ("  Shackleton ", "Shackleton"),
])
def test_typos_accents_case_and_spacing_are_forgiven(index, query, name):
    assert index.search(query).results[0].name == name


@pytest.mark.parametrize("query, site_id", [("chang'e 4", "chang-e-4"), ("CHANGE 4", "chang-e-4"),
                                            ("chang-e-6", "chang-e-6"), ("Odysseus", "im-1"),
                                            ("athena lander", "im-2"), ("vikram", "chandrayaan-3")])
def test_catalogue_sites_by_name_id_or_a_later_word(index, query, site_id):
    assert index.search(query).results[0].site_id == site_id


def test_typed_letter_by_letter_shackleton_leads_from_the_third_letter(index):
    for n in range(3, len("shackleton") + 1):
        assert index.search("shackleton"[:n]).results[0].name == "Shackleton", n


def test_short_queries_match_only_exactly_and_nothing_is_an_error(index):
    assert _names(index.search("sch"))[:1] == ["Schrödinger"]
    with pytest.raises(UnknownFeatureError, match=r"nothing is named like 'xqz'; try .*'-89\.5, 45'"):
        index.search("xqz")
    with pytest.raises(UnknownFeatureError, match="nothing is named like 'Atlantis'"):
        index.search("Atlantis")


def test_empty_query_is_an_empty_answer(index):
    answer = index.search("   ")
    assert answer.status == "empty" and answer.results == () and answer.best is None


# ----------------------------------------------------------------- ranking
def test_artemis_gives_the_nine_regions_framed_together_before_the_crater(index, catalog):
    answer = index.search("Artemis")
    group, *rest = answer.results
    assert answer.status == "found" and answer.best is group
    assert group.kind == "group" and sorted(group.members) == sorted(ARTEMIS) and len(ARTEMIS) == 9
    assert group.name == "Artemis III candidate: all 9"
    assert sorted(r.site_id for r in rest[:9]) == sorted(ARTEMIS)
    crater = rest[9]
    assert (crater.name, crater.kind, crater.on_map, crater.fly) == ("Artemis", "feature", False, None)
    # the group's view holds every region: its width on the map covers each region's farthest corner
    view = group.fly.view(640)
    half_m = 640 / 2 ** view.zoom / 2
    for sid in ARTEMIS:
        xmin, ymin, xmax, ymax = catalog[sid].geometry_polar.bounds
        assert max(abs(xmin - view.x_m), abs(xmax - view.x_m), abs(ymin - view.y_m), abs(ymax - view.y_m)) < half_m


def test_haworth_is_the_crater_then_the_region(index):
    answer = index.search("Haworth")
    assert [(r.name, r.kind) for r in answer.results[:2]] == [("Haworth", "feature"),
                                                              ("Artemis III candidate: Haworth", "region")]


def test_shackleton_is_the_crater_then_the_change_7_area_on_its_rim(index):
    assert _names(index.search("Shackleton"))[:3] == ["Shackleton", "Shackleton A",
                                                      "Chang'e 7 target area (Shackleton rim)"]
    assert _names(index.search("shackleton rim"))[0] == "Chang'e 7 target area (Shackleton rim)"


def test_a_region_named_exactly_beats_the_longer_one_starting_the_same(index):
    assert _names(index.search("Artemis III candidate: Mons Mouton"))[:2] == [
        "Artemis III candidate: Mons Mouton", "Artemis III candidate: Mons Mouton Plateau"]
    assert _names(index.search("mouton"))[0] == "Artemis III candidate: Mons Mouton"


def test_limit_keeps_a_groups_members(index):
    answer = index.search("artemis", limit=3)
    assert len([r for r in answer.results if r.site_id in ARTEMIS]) == 9


# ----------------------------------------------------------------- the map's edge, fly targets
def test_off_the_map_is_listed_never_flown_to(index):
    answer = index.search("Mons Pico")
    assert answer.status == "off_map" and answer.best is None
    assert (answer.results[0].name, answer.results[0].on_map, answer.results[0].fly) == ("Mons Pico", False, None)


def test_the_edge_at_40_s_is_on_the_map_and_just_north_is_not(index):
    by_name = {r.name: r for r in index.search("edge").results}
    assert by_name["Edge On"].on_map and by_name["Edge On"].fly is not None
    assert not by_name["Edge Off"].on_map and by_name["Edge Off"].fly is None


def test_a_feature_is_shown_three_diameters_across_at_its_centre(index):
    r = index.search("Amundsen").results[0]
    assert (r.fly.lon_deg, r.fly.lat_deg) == (83.07, -84.44)
    assert r.fly.width_km == pytest.approx(FEATURE_DIAMETERS * 103.39)
    view = r.fly.view(640)
    x, y = lonlat_to_polar(83.07, -84.44)
    assert (view.x_m, view.y_m) == pytest.approx((x, y), abs=1e-6)
    # 2**zoom pixels per map metre: 640 px show the width in map metres (true km times the scale k)
    assert 640 / 2 ** view.zoom == pytest.approx(FEATURE_DIAMETERS * 103.39e3 * scale_factor(-84.44), rel=1e-9)
    small = index.search("Shackleton A").results[0]
    assert small.fly.width_km == MIN_WIDTH_KM          # 3 x 5 km is below the least width


def test_a_region_is_framed_on_its_outline(index, catalog):
    r = index.search("artemis iii candidate: haworth").results[0]
    xmin, ymin, xmax, ymax = catalog["artemis-iii-haworth"].geometry_polar.bounds
    view = r.fly.view(640)
    assert (view.x_m, view.y_m) == pytest.approx(((xmin + xmax) / 2, (ymin + ymax) / 2), abs=0.01)
    assert 640 / 2 ** view.zoom == pytest.approx(1.3 * max(xmax - xmin, ymax - ymin), rel=1e-6)


# ----------------------------------------------------------------- coordinates
def test_coordinates_with_only_one_reading_on_the_map_fly_there_and_name_the_other(index):
    answer = index.search("-89.5, 45")
    assert answer.status == "found"
    best, other = answer.results
    assert (best.lat_deg, best.lon_deg, best.on_map) == (-89.5, 45.0, True)
    assert (other.lat_deg, other.lon_deg, other.on_map, other.fly) == (45.0, -89.5, False, None)
    assert "Read as latitude, longitude" in answer.note and "45.0000° N, 89.5000° W" in answer.note
    view = best.fly.view(640)
    assert (view.x_m, view.y_m) == pytest.approx(tuple(float(v) for v in lonlat_to_polar(45.0, -89.5)), abs=1e-6)


@pytest.mark.parametrize("text", ["89.5S 45E", "45E, 89.5S", "-89.5 45", "S89.5 E45"])
def test_each_coordinate_form_flies_to_the_same_point(index, text):
    best = index.search(text).best
    assert (best.kind, best.lat_deg, best.lon_deg) == ("coordinates", -89.5, 45.0)


def test_both_readings_on_the_map_are_asked_about(index):
    answer = index.search("-85, -60")
    assert answer.status == "ambiguous" and answer.best is None
    assert [(r.lat_deg, r.lon_deg, r.matched, r.on_map) for r in answer.results] == [
        (-85.0, -60.0, "lat, lon", True), (-60.0, -85.0, "lon, lat", True)]
    assert "choose" in answer.note


def test_neither_reading_on_the_map_hints_at_the_sign(index):
    answer = index.search("89.5, 45")
    assert answer.status == "off_map" and all(not r.on_map for r in answer.results)
    assert "southern latitudes are negative or carry S" in answer.note


@pytest.mark.parametrize("text", ["-90, 0", "90S 0E", "0, -90", "90S 77W"])
def test_the_pole_as_coordinates_is_the_map_origin(index, text):
    view = index.search(text).best.fly.view(640)
    assert math.hypot(view.x_m, view.y_m) < 1e-6


def test_the_180_meridian_east_and_west_are_one_place(index):
    east = index.search("89S 180E").best.fly.view(640)
    west = index.search("89S 180W").best.fly.view(640)
    x, y = lonlat_to_polar(180.0, -89.0)
    assert (east.x_m, east.y_m) == pytest.approx((x, y), abs=1e-6)
    assert (west.x_m, west.y_m) == pytest.approx((east.x_m, east.y_m), abs=1e-6)
    assert abs(x) < 1e-6 and y == pytest.approx(-2 * 1_737_400.0 * math.tan(math.radians(0.5)), rel=1e-12)


def test_bad_coordinates_raise_with_the_accepted_forms(index):
    with pytest.raises(CoordinateTextError, match=r"latitude -95 is outside -90\.\.90\. Accepted forms"):
        index.search("95S 10E")


# ----------------------------------------------------------------- the gazetteer's state (issue 16)
def test_without_the_gazetteer_sites_are_found_and_the_answer_says_why(catalog, tmp_path):
    answer = search("mons mouton", catalog, tmp_path)
    assert answer.results[0].site_id == "artemis-iii-mons-mouton"
    assert "gazetteer is not fetched yet" in answer.note
    with pytest.raises(UnknownFeatureError, match="gazetteer is not fetched yet"):
        search("Amundsen", catalog, tmp_path)


def test_the_index_follows_the_gazetteer_file(catalog, tmp_path):
    """A gazetteer that appears (a first-start fetch) or changes is used by the next search, no restart."""
    before = search_index(catalog, tmp_path)
    assert search_index(catalog, tmp_path) is before and before.gazetteer_problem is not None
    (tmp_path / GAZETTEER_FILE).write_text(_CSV, encoding="utf-8")
    after = search_index(catalog, tmp_path)
    assert after is not before and after.gazetteer_problem is None
    assert search("Amundsen", catalog, tmp_path).results[0].lat_deg == -84.44
    text = _CSV.replace("-84.44,83.07", "-84.40,83.07")
    (tmp_path / GAZETTEER_FILE).write_text(text, encoding="utf-8")
    stat = (tmp_path / GAZETTEER_FILE).stat()
    os.utime(tmp_path / GAZETTEER_FILE, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert search("Amundsen", catalog, tmp_path).results[0].lat_deg == -84.40


# ----------------------------------------------------------------- the real gazetteer
@pytest.mark.skipif(not (SHARED_DATA / GAZETTEER_FILE).exists(), reason="shared lunar data mirror not present")
def test_real_gazetteer__what_a_planner_expects(catalog, tmp_path):
    shutil.copy(SHARED_DATA / GAZETTEER_FILE, tmp_path / GAZETTEER_FILE)
    index = search_index(catalog, tmp_path)
    assert len(index) > 9000
    assert index.search("shakelton").best.name == "Shackleton"
    assert index.search("Haworth").best.name == "Haworth"
    assert index.search("amundsen").best.lat_deg == -84.44
    artemis = index.search("Artemis")
    assert sorted(artemis.best.members) == sorted(ARTEMIS)
    assert next(r for r in artemis.results if r.kind == "feature").name == "Artemis"
    assert index.search("malapert").best.name == "Malapert"
    assert index.search("gerlache").results[0].lat_deg < -88.0     # the crater or the region on its rim


# ----------------------------------------------------------------- the shared awkward points (tests/cases.py)
def _typed_with_letters(lon: float, lat: float) -> str:
    return f"{abs(lat)!r}{'S' if lat < 0 else 'N'} {abs(lon)!r}{'W' if lon < 0 else 'E'}"


@pytest.mark.parametrize("lon, lat", AWKWARD_POINTS)
def test_awkward_points_typed_with_letters_land_on_themselves_or_are_listed_off_the_map(index, lon, lat):
    answer = index.search(_typed_with_letters(lon, lat))
    (r,) = answer.results
    expected_lon = lon - 360.0 if lon > 180.0 else lon          # 359.5 E is 0.5 W
    assert (r.lat_deg, r.lon_deg) == pytest.approx((lat, expected_lon), abs=1e-12)
    assert r.on_map is (lat <= -40.0) and answer.status == ("found" if lat <= -40.0 else "off_map")
    if r.on_map:
        view = r.fly.view(640)
        x, y = lonlat_to_polar(expected_lon, lat)
        assert (view.x_m, view.y_m) == pytest.approx((float(x), float(y)), abs=1e-6)


@pytest.mark.parametrize("text, order", [(f"{SWAPPED_LATLON[0]}, {SWAPPED_LATLON[1]}", "lat, lon"),
                                         (f"{CHANG_E_4[0]}, {CHANG_E_4[1]}", "lon, lat")])
def test_a_number_beyond_90_is_the_longitude_whichever_order_it_is_typed_in(text, order):
    """SWAPPED_LATLON (Chang'e 4's lon/lat swapped) typed as it is, and Chang'e 4 typed lon first: one place."""
    answer = SearchIndex([]).search(text)
    assert answer.status == "found" and (answer.best.lon_deg, answer.best.lat_deg) == CHANG_E_4
    assert answer.best.matched == order and len(answer.results) == 1


def test_swapped_lat_lon_in_range_takes_the_reading_on_the_map_and_names_the_other():
    lon, lat = CHANDRAYAAN_3
    answer = SearchIndex([]).search(f"{SWAPPED_LATLON_IN_RANGE[0]}, {SWAPPED_LATLON_IN_RANGE[1]}")
    assert (answer.best.lon_deg, answer.best.lat_deg) == (lon, lat)
    assert (answer.results[1].lat_deg, answer.results[1].on_map) == (lon, False)   # 32.3 N, listed
