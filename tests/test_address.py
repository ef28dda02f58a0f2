"""The view in the page's address: ?view=x,y,zoom, ?layers=..., and a ?scenario= link framed on its zones."""

from __future__ import annotations

import json
import math

import pytest
from streamlit.testing.v1 import AppTest

from lunarmap.crs import lonlat_to_polar
from lunarmap.scenarios import ScenarioStore
from lunarmap.views import view_for_geometries
from lunarmap.zones import circle_zone
from lunarmap_ui import address

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture
from .display_data import write_display_data


def _page(monkeypatch, data_dir, **params) -> AppTest:
    """The page opened at an address with these query parameters."""
    return run_page(monkeypatch, data_dir, query=params)


def _map(at: AppTest) -> dict:
    (comp,) = at.get("bidi_component")
    return json.loads(comp.proto.json)


@pytest.mark.parametrize(("text", "said"), [
    ("1,2", "three numbers"), ("a,b,c", "three numbers"), ("1,2,nan", "not finite"), ("1,2,inf", "not finite"),
    ("9000000,0,-8", "beyond the map"), ("0,0,12", "zoom runs from -14 to 3"), ("", "three numbers"),
])
def test_parse_view_refuses_what_it_cannot_use_and_says_why(text, said):
    with pytest.raises(ValueError, match=said):
        address.parse_view(text)


def test_parse_view_reads_metres_and_zoom():
    assert address.parse_view(" -12000.5 , 34000 , -7.25 ") == {"target": [-12000.5, 34000.0, 0], "zoom": -7.25,
                                                                   "nonce": 1}


def test_an_address_with_a_view_and_layers_opens_that_map(monkeypatch, tmp_path):
    data = write_display_data(tmp_path)
    at = _page(monkeypatch, data, view="-12000,34000,-7.25", layers="sites,psr,hillshade")
    m = _map(at)
    assert m["view"]["target"][:2] == [-12000.0, 34000.0] and m["view"]["zoom"] == -7.25
    assert at.toggle(key="show_psr").value is True and at.toggle(key="show_hillshade").value is True
    assert at.toggle(key="show_regions").value is False and at.toggle(key="show_elevation").value is False
    shown = {layer["id"] for layer in m["spec"]["layers"] if layer.get("visible", True)}
    assert "raster-hillshade" in shown and "raster-elevation" not in shown and "regions" not in shown
    # the address keeps following the layers
    at.toggle(key="show_regions").set_value(True).run()
    assert at.query_params[address.QUERY_LAYERS] in ("sites,regions,psr,hillshade", ["sites,regions,psr,hillshade"])


def test_a_bad_address_is_ignored_with_a_notice_shown_as_text(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, view="<b>x</b>,1,2", layers="sites,**bogus**")
    warnings = [w.value for w in at.warning]
    (notice,) = [w for w in warnings if "address was partly ignored" in w]
    assert "three numbers" in notice and "not layers of this map" in notice
    assert "\\<b\\>" in notice and "\\*\\*bogus\\*\\*" in notice, "the address's text is escaped, never markup"
    m = _map(at)
    assert m["view"]["nonce"] == 0, "the opening view"
    assert at.toggle(key="show_sites").value is True and at.toggle(key="show_regions").value is False


def test_a_scenario_link_opens_framed_on_its_zones_unless_the_address_has_a_view(monkeypatch, tmp_path,
                                                                                 scenario_store_in_tmp):
    zones = [circle_zone("Rim A", "NASA", 0.0, -89.7, 10.0), circle_zone("Rim B", "CNSA", 120.0, -89.2, 8.0)]
    sid = ScenarioStore(scenario_store_in_tmp).save("Two rims", zones)
    at = _page(monkeypatch, tmp_path, scenario=sid)
    m = _map(at)
    want = view_for_geometries([z.geometry_polar for z in zones], 600).as_dict()
    assert m["view"]["target"] == want["target"] and m["view"]["zoom"] == pytest.approx(want["zoom"])
    assert m["view"]["nonce"] >= 1
    # both zones are inside the framed view (640 px tall map, at least 600 px wide)
    half = 300 / 2 ** m["view"]["zoom"]
    for z in zones:
        x0, y0, x1, y1 = z.geometry_polar.bounds
        assert abs(x0 - want["target"][0]) < half and abs(x1 - want["target"][0]) < half
        assert abs(y0 - want["target"][1]) < half and abs(y1 - want["target"][1]) < half
    x, y = (float(v) for v in lonlat_to_polar(0.0, -89.7))
    assert math.hypot(x - want["target"][0], y - want["target"][1]) < 100_000
    # a copied address holds the view too: that view wins
    at2 = _page(monkeypatch, tmp_path, scenario=sid, view="5000,6000,-9")
    assert _map(at2)["view"]["target"][:2] == [5000.0, 6000.0]
    assert [z.name for z in at2.session_state["zones"]] == ["Rim A", "Rim B"]


def test_the_3d_view_is_kept_in_the_address(monkeypatch, tmp_path):
    from lunarmap_ui.terrain3d_panel import K_T3D_ON

    at = _page(monkeypatch, write_display_data(tmp_path), **{address.QUERY_3D: "1"})
    assert at.toggle(key=K_T3D_ON).value is True, "?3d=1 opens the 3D view"
    at.toggle(key=K_T3D_ON).set_value(False).run()
    assert address.QUERY_3D not in at.query_params
    at.toggle(key=K_T3D_ON).set_value(True).run()
    assert at.query_params[address.QUERY_3D] in ("1", ["1"])


def test_an_address_with_layers_sets_the_toggles_without_a_session_state_warning(monkeypatch, tmp_path):
    at = _page(monkeypatch, write_display_data(tmp_path), layers="sites,hillshade")
    assert at.toggle(key="show_hillshade").value is True
    assert not [w.value for w in at.warning if "Session State" in w.value], "the toggles take the address quietly"
