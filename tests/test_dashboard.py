"""The page, run by Streamlit's AppTest: with and without prepared data, the map spec, escaping of file text."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from lunarmap.sites import load_sites
from lunarmap_ui import page
from lunarmap_ui.search_panel import K_SEARCH
from lunarmap_ui.static_files import STATIC_DIR

from .apptest_page import DASHBOARD, fresh_caches, layer_rows, run_page  # noqa: F401 - fresh_caches: autouse fixture
from .display_data import INJECTION_NAME, write_display_data, write_sites_with_injection


def _run(monkeypatch, data_dir, sites_file=None, mirror=None) -> AppTest:
    return run_page(monkeypatch, data_dir, sites_file, mirror)


def _map(at: AppTest) -> dict:
    comps = at.get("bidi_component")
    assert len(comps) == 1, "the page draws every map with one component"
    return json.loads(comps[0].proto.json)


def test_page__runs_without_prepared_data_and_says_so(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    data = _map(at)
    ids = [x["id"] for x in data["spec"]["layers"]]
    assert {"sites", "regions", "graticule", "graticule-labels"} <= set(ids)
    assert not [x for x in data["spec"]["layers"] if x["@@type"] == "BitmapLayer"]
    assert any("not prepared yet" in i.value for i in at.info)


def test_page__spec_is_orthographic_cartesian_and_holds_the_catalogue(monkeypatch, tmp_path):
    at = _run(monkeypatch, write_display_data(tmp_path))
    data = _map(at)
    spec = data["spec"]
    assert data["protocol"] == 2 and data["mode"] == "pan"
    assert [v["@@type"] for v in spec["views"]] == ["OrthographicView"]
    assert spec["views"][0]["flipY"] is False
    assert all(x["coordinateSystem"] == "cartesian" for x in spec["layers"])
    catalog = load_sites()
    by_id = {x["id"]: x for x in spec["layers"]}
    assert {r["id"] for r in layer_rows(by_id["sites"])} == {s.id for s in catalog if not s.is_region}
    assert {r["id"] for r in layer_rows(by_id["regions"])} == {s.id for s in catalog if s.is_region}
    assert data["deckUrl"].startswith("app/static/deckgl-") and (STATIC_DIR / data["deckUrl"].split("/")[-1]).exists()


def test_page__rasters_are_static_files_never_data_urls(monkeypatch, tmp_path):
    at = _run(monkeypatch, write_display_data(tmp_path))
    data = _map(at)
    bitmaps = {x["id"]: x for x in data["spec"]["layers"] if x["@@type"] == "BitmapLayer"}
    assert set(bitmaps) == {"raster-elevation", "raster-psr"}  # hillshade and slope are off by default
    for layer in bitmaps.values():
        assert layer["image"].startswith("app/static/")
        served = STATIC_DIR / layer["image"].removeprefix("app/static/")
        assert served.exists()
    assert "data:image" not in at.get("bidi_component")[0].proto.json
    assert len(at.get("bidi_component")[0].proto.json) < 1_000_000


def test_page__toggling_a_layer_keeps_the_view_and_resends_no_image_bytes(monkeypatch, tmp_path):
    at = _run(monkeypatch, write_display_data(tmp_path))
    before = _map(at)
    at.toggle(key="show_psr").set_value(False).run()
    at.slider(key="opacity_elevation").set_value(30).run()
    after = _map(at)
    ids = [x["id"] for x in after["spec"]["layers"]]
    assert "raster-psr" not in ids
    assert next(x for x in after["spec"]["layers"] if x["id"] == "raster-elevation")["opacity"] == 0.3
    assert after["view"] == before["view"], "a widget change must not move the map"
    assert len(at.get("bidi_component")[0].proto.json) < 200_000


def test_page__rows_that_never_change_go_by_reference_and_a_rerun_resends_none(monkeypatch, tmp_path):
    at = _run(monkeypatch, write_display_data(tmp_path))
    before = {x["id"]: x for x in _map(at)["spec"]["layers"]}
    at.toggle(key="show_graticule").set_value(False).run()
    after = {x["id"]: x for x in _map(at)["spec"]["layers"]}
    for name in ("graticule", "graticule-labels", "regions", "region-labels", "sites", "site-labels"):
        assert "data" not in after[name] and after[name]["dataUrl"].startswith("app/static/rows-")
        assert layer_rows(after[name]), f"{name}: the file its dataUrl names holds its rows"
    assert after["graticule"]["visible"] is False and before["graticule"]["visible"] is True
    assert after["graticule"]["dataUrl"] == before["graticule"]["dataUrl"], "the same rows: the same file"
    assert len(layer_rows(after["graticule"])) == len(layer_rows(before["graticule"])) > 10
    assert len(at.get("bidi_component")[0].proto.json) < 20_000      # about 114 kB with the rows inline
    at.session_state[page.K_SELECTED] = [next(s.id for s in load_sites() if not s.is_region)]
    at.run()
    picked = {x["id"]: x for x in _map(at)["spec"]["layers"]}
    assert picked["sites"]["dataUrl"] != after["sites"]["dataUrl"], "another selection: other rows, another file"
    assert [r["id"] for r in layer_rows(picked["sites"]) if r.get("selected")] == at.session_state[page.K_SELECTED]


def test_page__legend_has_units_and_psr_coverage(monkeypatch, tmp_path):
    at = _run(monkeypatch, write_display_data(tmp_path))
    legend = {e["title"]: e for e in _map(at)["legend"]}
    assert legend["Elevation (test)"]["units"] == "m"
    assert "85° S" in legend["PSR (test)"]["note"]
    assert "Sites and regions" in legend


def test_page__file_text_is_shown_as_text_not_html(monkeypatch, tmp_path):
    sites = write_sites_with_injection(tmp_path / "sites.geojson")
    at = _run(monkeypatch, tmp_path, sites_file=sites)
    at.session_state[page.K_SELECTED] = ["injection-test"]
    at.run()
    assert not at.exception
    bodies = [m.value for m in at.markdown]
    panel = next(b for b in bodies if "injection" in b.lower() or "onerror" in b)
    assert page.md_text(INJECTION_NAME) in panel
    assert not re.search(r"(?<!\\)[<>]", panel), "every < and > from the file is escaped"
    assert all(not m.allow_html for m in at.markdown if "onerror" in m.value)
    point = layer_rows(next(r for r in _map(at)["spec"]["layers"] if r["id"] == "sites"))
    assert any(r["name"] == INJECTION_NAME for r in point)  # the browser gets the raw text, shown via textContent


def test_page__search_flies_to_a_gazetteer_feature(monkeypatch, tmp_path):
    from .conftest import SHARED_DATA
    from .display_data import copy_gazetteer

    copy_gazetteer(tmp_path, SHARED_DATA)
    if not (tmp_path / "iau_moon_nomenclature_2015.csv").exists():
        pytest.skip("shared lunar data mirror not present")
    at = _run(monkeypatch, tmp_path)
    at.text_input(key=K_SEARCH).set_value("Shackleton").run()
    view = _map(at)["view"]
    from lunarmap.crs import lonlat_to_polar

    x, y = lonlat_to_polar(129.78, -89.67)
    assert view["target"][:2] == pytest.approx([x, y], abs=0.1)
    assert view["nonce"] == 1


def test_page__search_shows_the_query_as_text_never_markdown(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path)
    at.text_input(key=K_SEARCH).set_value("**x** [y](javascript:alert(1))").run()
    (warning,) = [w for w in at.warning if "nothing is named like" in w.value]
    assert "\\*\\*x\\*\\*" in warning.value and "\\[y\\]\\(javascript" in warning.value


def test_md_text__escapes_markdown_and_html():
    assert page.md_text("**x** <b>") == "\\*\\*x\\*\\* \\<b\\>"


def test_page__first_start_without_mirror_offers_the_fetch(monkeypatch, tmp_path):
    at = _run(monkeypatch, tmp_path / "empty")
    assert [b.label for b in at.button if b.key == "data_setup_button"] == ["Fetch and prepare the data (about 6 MB)"]
    assert not (tmp_path / "empty" / "prepared").exists()  # nothing fetched without asking


@pytest.mark.realdata
@pytest.mark.slow
def test_page__first_start_with_mirror_fetches_and_prepares_without_a_prompt(first_start):
    data, before, at = first_start.data_dir, first_start.before, first_start.fetched
    # a session that opened before the data existed (no mirror: no fetch)
    assert any("Site table not available" in str(e.value) or "not available" in str(e.value)
               for e in [*before.warning, *before.error, *before.info])
    # then a session opened with the mirror named
    assert (data / "prepared" / "display.json").is_file()
    # nothing said before the fetch outlives it: the comparison's table is there in the session that fetched
    assert any("elevation (m)" in d.value.columns for d in at.dataframe), "the comparison was computed on the data"
    assert (data / "lola_global_dem_0p35deg.tif").is_file()
    # After the automatic setup the page shows the real raster layers.
    layers = _map(at)["spec"]["layers"]
    assert any(layer.get("id") == "psr" or "psr" in str(layer.get("id")) for layer in layers)
    assert not [b for b in at.button if b.key == "data_setup_button"]
