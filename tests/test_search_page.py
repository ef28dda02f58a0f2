"""The search box on the page, run by Streamlit's AppTest: where the map goes, what is listed, what is asked.

Views are checked against the projection of the expected place (pyproj through lunarmap.crs) and
the zoom against deck.gl's rule (2**zoom pixels per map metre): the map must show the place's
frame within the map's height in pixels.
"""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from lunarmap.crs import lonlat_to_polar
from lunarmap.gazetteer import GAZETTEER_FILE
from lunarmap.sites import load_sites
from lunarmap_ui import page
from lunarmap_ui.search_panel import K_SEARCH, K_SEARCH_ALSO, K_SEARCH_RESULT

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture
from .conftest import SHARED_DATA
from .display_data import copy_gazetteer

needs_gazetteer = pytest.mark.skipif(not (SHARED_DATA / GAZETTEER_FILE).exists(),
                                     reason="the shared lunar data mirror (IAU gazetteer) is not present")


def _view(at: AppTest) -> dict:
    (comp,) = at.get("bidi_component")
    return json.loads(comp.proto.json)["view"]


def _search(at: AppTest, text: str) -> AppTest:
    at.text_input(key=K_SEARCH).set_value(text).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    """Every caption's text with md_text's backslash escapes taken out."""
    return "\n".join(c.value.replace("\\", "") for c in at.caption)


def _assert_centred(view: dict, lon: float, lat: float, tol_m: float = 0.2) -> None:
    x, y = lonlat_to_polar(lon, lat)
    assert view["target"][:2] == pytest.approx([float(x), float(y)], abs=tol_m)


def _shown_width_m(view: dict) -> float:
    return page.MAP_HEIGHT_PX / 2 ** view["zoom"]


@pytest.fixture
def gaz_page(monkeypatch, tmp_path):
    if not (SHARED_DATA / GAZETTEER_FILE).exists():
        pytest.skip("the shared lunar data mirror (IAU gazetteer) is not present")
    copy_gazetteer(tmp_path, SHARED_DATA)
    return run_page(monkeypatch, tmp_path)


def test_typo_flies_to_shackleton(gaz_page):
    at = _search(gaz_page, "shakelton")
    view = _view(at)
    _assert_centred(view, 129.78, -89.67)
    assert view["nonce"] == 1
    assert 40_000 < _shown_width_m(view) < 100_000         # 3 diameters of a 21 km crater
    assert "Showing **Shackleton**" in _captions(at)


def test_artemis_frames_all_nine_candidate_regions(gaz_page):
    at = _search(gaz_page, "Artemis")
    view = _view(at)
    regions = [s for s in load_sites() if s.id.startswith("artemis-iii-")]
    assert len(regions) == 9
    half = _shown_width_m(view) / 2
    for s in regions:                                      # every corner of every region inside the view
        xmin, ymin, xmax, ymax = s.geometry_polar.bounds
        for x, y in ((xmin, ymin), (xmax, ymax)):
            assert abs(x - view["target"][0]) < half and abs(y - view["target"][1]) < half, s.id
    options = at.selectbox(key=f"{K_SEARCH_ALSO}-1").options
    assert sum(o.startswith("Artemis III candidate: ") for o in options) == 9
    assert any(o.startswith("Artemis · IAU feature") and "north of the map's 40° S edge" in o for o in options)


def test_haworth_is_the_crater_and_the_region_can_be_chosen(gaz_page):
    at = _search(gaz_page, "Haworth")
    _assert_centred(_view(at), -5.17, -87.45)
    box = at.selectbox(key=f"{K_SEARCH_ALSO}-1")
    region_option = next(i for i, o in enumerate(box.options) if o.startswith("Artemis III candidate: Haworth"))
    box.set_value(region_option + 1).run()            # the options are the results after the first
    view = _view(at)
    region = load_sites()["artemis-iii-haworth"]
    xmin, ymin, xmax, ymax = region.geometry_polar.bounds
    assert view["target"][:2] == pytest.approx([(xmin + xmax) / 2, (ymin + ymax) / 2], abs=1.0)
    assert view["nonce"] == 2
    assert "Showing **Artemis III candidate: Haworth**" in _captions(at)


def test_coordinates_lat_lon_fly_to_the_point(gaz_page):
    at = _search(gaz_page, "-89.5, 45")
    _assert_centred(_view(at), 45.0, -89.5)
    assert "45.0000° N, 89.5000° W, north of the map's 40° S edge" in _captions(at), "the other reading is named"


@pytest.mark.parametrize("text", ["89S 180E", "89S 180W", "180W 89S"])
def test_coordinates_on_the_180_meridian_are_one_place(gaz_page, text):
    at = _search(gaz_page, text)
    _assert_centred(_view(at), 180.0, -89.0)


def test_ambiguous_coordinates_are_asked_not_guessed(gaz_page):
    at = _search(gaz_page, "-85, -60")
    assert _view(at)["nonce"] == 0, "nothing is flown to before the user chooses"
    buttons = [b for b in at.button if b.key and b.key.startswith("place_search_reading-")]
    assert len(buttons) == 2
    assert "85\\.0000° S, 60\\.0000° W" in buttons[0].label and "60\\.0000° S, 85\\.0000° W" in buttons[1].label
    buttons[1].click().run()
    _assert_centred(_view(at), -85.0, -60.0)


def test_off_map_feature_is_listed_not_flown_to(gaz_page):
    at = _search(gaz_page, "Mons Pico")
    assert _view(at)["nonce"] == 0
    text = _captions(at)
    assert "Mons Pico" in text and "45.8200° N" in text and "north of the map's 40° S edge" in text
    box = at.selectbox(key=f"{K_SEARCH_ALSO}-1")      # choosing an off-map entry shows it, flies nowhere
    box.set_value(1).run()
    assert _view(at)["nonce"] == 0


def test_bad_coordinates_say_what_was_wrong(gaz_page):
    at = _search(gaz_page, "-95, 200")
    (warning,) = [w for w in at.warning if "Coordinates not understood" in w.value]
    assert "neither \\-95 nor 200 can be a latitude" in warning.value
    assert at.session_state[K_SEARCH_RESULT]["seq"] == 1


def test_query_is_shown_as_text_never_markdown(monkeypatch, tmp_path):
    at = _search(run_page(monkeypatch, tmp_path), "**x** [y](javascript:alert(1))")
    (warning,) = [w for w in at.warning if "nothing is named like" in w.value]
    assert "\\*\\*x\\*\\*" in warning.value and "\\[y\\]\\(javascript" in warning.value


def test_without_the_gazetteer_sites_are_still_found_and_the_page_says_why(monkeypatch, tmp_path):
    at = run_page(monkeypatch, tmp_path)
    assert any("Only catalogue sites and coordinates can be searched" in c.value for c in at.caption)
    at = _search(at, "mons mouton")
    lon, lat = load_sites()["artemis-iii-mons-mouton"].lonlat
    view = _view(at)
    x, y = lonlat_to_polar(lon, lat)
    assert math.hypot(view["target"][0] - x, view["target"][1] - y) < 2_000    # the region's frame centre


@pytest.mark.realdata
@pytest.mark.slow
@needs_gazetteer
def test_after_the_first_start_fetch_a_new_session_finds_iau_features(monkeypatch, first_start):
    """Issue 16: the page fetches the data itself; a session started afterwards searches the IAU features."""
    data, first, second = first_start.data_dir, first_start.fetched, first_start.after
    assert (data / GAZETTEER_FILE).is_file()                          # empty folder: the page fetched and prepared
    assert not [b for b in first.button if b.key == "data_setup_button"]
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data))                # second: a new session of the same server
    assert not any("Only catalogue sites" in c.value for c in second.caption)
    at = _search(second, "Amundsen")
    _assert_centred(_view(at), 83.07, -84.44)
    assert "Showing **Amundsen**" in _captions(at)
