"""The map component's Python side: the data it sends (protocol 2) and the trigger values it reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lunarmap_ui import map_component as mc

SPEC = {"views": [{"@@type": "OrthographicView"}], "initialViewState": {"target": [0, 0, 0], "zoom": -9},
        "layers": [], "mapStyle": None}
VIEW = {"target": [0, 0, 0], "zoom": -9, "nonce": 0}
ZONE = {"id": 7, "name": "A", "owner": "B", "lines": ["x"], "kind": "circle", "ring": [[0, 0], [1, 0], [0, 1]],
        "center": [0, 0], "radius_m": 1.0, "vertices": None, "color": [1, 2, 3], "conflict": False}


def test_defaults_keep_the_plain_map():
    data = mc.map_data(SPEC, VIEW, [], deck_url="app/static/deckgl.js")
    assert data["protocol"] == mc.PROTOCOL == 2
    assert data["mode"] == "pan" and data["zones"] == [] and data["selectedZone"] is None
    assert data["tools"] == {"draw": False, "region": False, "regionLabel": ""}
    assert "mapStyle" not in data["spec"]


def test_tools_zones_and_selection_are_passed_through():
    data = mc.map_data(SPEC, VIEW, [], deck_url="x", mode="polygon", zones=[ZONE], selected_zone=7,
                       tools={"draw": 1, "region": True, "regionLabel": "Sunlit % of view"})
    assert data["mode"] == "polygon"
    assert data["tools"] == {"draw": True, "region": True, "regionLabel": "Sunlit % of view"}
    assert data["zones"][0]["id"] == "7" and data["zones"][0]["ring"] == ZONE["ring"]
    assert data["selectedZone"] == "7"
    ringless = {**ZONE, "ring": None, "center": [0.0, 0.0], "radius_m": 1000.0}
    assert mc.map_data(SPEC, VIEW, [], deck_url="x", zones=[ringless])["zones"][0]["ring"] is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mode": "lasso"}, "mode must be one of ('pan', 'circle', 'polygon', 'edit', 'measure', 'profile') (got 'lasso')"),
    ({"tools": {"measure": True}}, "tools has an unknown key 'measure'; use ['draw', 'region', 'regionLabel']"),
    ({"zones": [{"id": "a"}]}, "a zone needs 'id' and 'ring' (a circle: or 'center' and 'radius_m'; got keys ['id'])"),
    ({"zones": [{"id": "a", "kind": "circle", "center": [0, 0]}]}, "a zone needs 'id' and 'ring'"),
    ({"zones": [{**ZONE, "kind": "ellipse"}]}, "zone 7: kind must be 'circle' or 'polygon' (got 'ellipse')"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        mc.map_data(SPEC, VIEW, [], deck_url="x", **kwargs)


def test_trigger_value_reads_each_trigger(monkeypatch):
    state = {"m": {"click": {"x": 1.0, "seq": 1}, "draw": {"kind": "polygon", "vertices": [], "seq": 2},
                   "edit": None}}
    monkeypatch.setattr(mc.st, "session_state", state)
    assert mc.trigger_value("m", "draw") == {"kind": "polygon", "vertices": [], "seq": 2}
    assert mc.click_value("m") == {"x": 1.0, "seq": 1}
    assert mc.trigger_value("m", "edit") is None and mc.trigger_value("other", "click") is None


def _validator(schema):
    jsonschema = pytest.importorskip("jsonschema")
    doc = mc.load_protocol()
    return jsonschema.Draft202012Validator({"$defs": doc["$defs"], **schema})


def test_protocol_constants_come_from_the_one_protocol_file():
    doc = json.loads(mc.PROTOCOL_FILE.read_text(encoding="utf-8"))
    assert (mc.PROTOCOL, mc.MODES, mc.TRIGGERS) == (doc["protocol"], tuple(doc["modes"]), tuple(doc["triggers"]))
    assert set(doc["messages"]) == set(mc.TRIGGERS)
    assert doc["data"]["properties"]["protocol"] == {"const": mc.PROTOCOL}
    assert doc["data"]["properties"]["mode"] == {"enum": list(mc.MODES)}


def test_map_data__validates_against_the_protocol_schema():
    validator = _validator(mc.load_protocol()["data"])
    ringless = {**ZONE, "ring": None, "center": [0.0, 0.0], "radius_m": 1000.0}
    for data in (mc.map_data(SPEC, VIEW, [], deck_url="x", module_url="y"),
                 mc.map_data(SPEC, VIEW, [{"title": "T", "units": "m", "type": "ramp", "stops": [[0, "#000000"]],
                                           "note": ""}], deck_url="x", module_url="y", mode="edit",
                             zones=[ZONE, ringless], selected_zone=7, ack=3, unsaved=True,
                             tools={"draw": True, "region": True, "regionLabel": "r"},
                             sources=[{"title": "T", "source": "S", "resolution_m": 60}, {"title": "U"}])):
        assert not list(validator.iter_errors(data)), list(validator.iter_errors(data))
    bad = {**mc.map_data(SPEC, VIEW, [], deck_url="x", module_url="y"), "protocol": 1, "extra": 0}
    assert {e.validator for e in validator.iter_errors(bad)} == {"const", "additionalProperties"}


@pytest.mark.parametrize(("name", "message"), [
    ("click", {"x": 1.0, "y": 2.0, "picked": {"layer": "zones", "id": "z1"}, "shift": False, "mode": "pan", "seq": 1, "zoom": -9}),
    ("click", {"x": 1.0, "y": 2.0, "picked": None, "shift": True, "mode": "pan", "seq": 2, "zoom": None}),
    ("draw", {"kind": "circle", "center": [0, 0], "edge": [1, 0], "radius_m": 1.0, "seq": 3}),
    ("draw", {"kind": "polygon", "vertices": [[0, 0], [1, 0], [0, 1]], "seq": 4}),
    ("edit", {"id": "a", "kind": "circle", "center": [0, 0], "edge": None, "radius_m": None, "seq": 5}),
    ("edit", {"id": "a", "kind": "polygon", "vertices": [[0, 0], [1, 0], [0, 1]],
              "move": {"from": [0, 0], "to": [1, 1]}, "seq": 6}),
    ("delete", {"id": "a", "seq": 7}),
    ("region", {"x0": 0, "y0": 0, "x1": 1, "y1": 1, "zoom": -9, "seq": 8}),
    ("measure", {"points": [[0, 0]], "seq": 9}),
    ("measure", {"points": [[0, 0], [1000, 0], [1000, 1000]], "seq": 10}),
    ("profile", {"vertices": [[0, 0], [1000, 0]], "seq": 11}),
])
def test_trigger_messages_of_the_docstring_validate_against_the_protocol_schema(name, message):
    validator = _validator(mc.load_protocol()["messages"][name])
    assert not list(validator.iter_errors(message))
    assert list(validator.iter_errors({k: v for k, v in message.items() if k != "seq"}))   # seq is required


def test_browser_side_speaks_the_same_protocol():
    """The entry loads the modules from ``moduleUrl``; the modules import protocol.json and send every trigger."""
    entry = (Path(mc.__file__).parent / "map_component.js").read_text(encoding="utf-8")
    assert "import(new URL(data.moduleUrl" in entry
    main = (mc.MODULES_DIR / "main.js").read_text(encoding="utf-8")
    assert 'import protocol from "./protocol.json" with { type: "json" };' in main
    assert "data.protocol !== PROTOCOL" in main
    js = "\n".join(p.read_text(encoding="utf-8") for p in sorted(mc.MODULES_DIR.rglob("*.js")))
    for name in mc.TRIGGERS:
        assert f'send(st, "{name}"' in js, name


def test_component_modules__each_is_small():
    """No module of the browser side over the house limit (~400 lines)."""
    for p in [Path(mc.__file__).parent / "map_component.js", *mc.MODULES_DIR.rglob("*.js")]:
        assert len(p.read_text(encoding="utf-8").splitlines()) <= 400, p.name


def test_component_module_url__publishes_the_modules_under_a_content_hash(tmp_path):
    url = mc.component_module_url(static_dir=tmp_path)
    name = url.removeprefix("app/static/").split("/")[0]
    assert re.fullmatch(r"lunarmap-map-[0-9a-f]{12}", name) and url.endswith("/main.js")
    published = {p.relative_to(tmp_path / name).as_posix() for p in (tmp_path / name).rglob("*") if p.is_file()}
    assert {"main.js", "geometry.js", "protocol.json", "modes/circle.js"} <= published
    assert mc.component_module_url(static_dir=tmp_path) == url


def test_the_page_data__validates_against_the_protocol_schema(monkeypatch, tmp_path):
    """What the dashboard really sends (AppTest), with its layers, legend and tools, is what protocol.json says."""
    from .apptest_page import run_page
    from .display_data import write_display_data

    at = run_page(monkeypatch, write_display_data(tmp_path), None, None)
    data = json.loads(at.get("bidi_component")[0].proto.json)
    errors = list(_validator(mc.load_protocol()["data"]).iter_errors(data))
    assert not errors, [e.message for e in errors[:5]]
    assert re.fullmatch(r"app/static/lunarmap-map-[0-9a-f]{12}/main\.js", data["moduleUrl"])
    # the PNG caption's sources: one per raster legend entry, in legend order, each with its resolution
    titles = [e["title"] for e in data["legend"]]
    assert data["sources"] and [s["title"] for s in data["sources"]] == [t for t in titles if t in
                                                                          {s["title"] for s in data["sources"]}]
    assert all(s["resolution_m"] > 0 for s in data["sources"])


def test_the_zones_panel_zones__validate_against_the_protocol_schema():
    """The zones the zones panel hands to the map (circles and polygons, one in conflict) are protocol zones."""
    from lunarmap.zones import analyse_zones, circle_zone, polygon_zone
    from lunarmap_ui import zones_panel as zp

    zones = [circle_zone("A", "NASA", 0.0, -89.0, 20.0), circle_zone("B", "ESA", 10.0, -89.0, 20.0),
             polygon_zone("P", "CNSA", [(90.0, -88.0), (100.0, -88.0), (95.0, -87.0)])]
    pieces, overlays, legend = zp.map_pieces(zones, analyse_zones(zones))
    data = mc.map_data({**SPEC, "layers": overlays}, VIEW, legend, deck_url="x", module_url="y", zones=pieces)
    errors = list(_validator(mc.load_protocol()["data"]).iter_errors(data))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
