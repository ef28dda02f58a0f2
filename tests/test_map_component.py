"""The map component's Python side: the data it sends (protocol 2) and the trigger values it reads."""

from __future__ import annotations

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
    ({"mode": "lasso"}, "mode must be one of ('pan', 'circle', 'polygon', 'edit') (got 'lasso')"),
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


def test_browser_side_speaks_the_same_protocol():
    js = (Path(mc.__file__).parent / "map_component.js").read_text(encoding="utf-8")
    assert f"protocol {mc.PROTOCOL})" in js and f"data.protocol !== {mc.PROTOCOL}" in js
    modes = re.search(r"const MODES = \[([^\]]*)\]", js).group(1)
    assert tuple(m.strip().strip('"') for m in modes.split(",")) == mc.MODES
    for name in mc.TRIGGERS:
        assert f'send(st, "{name}"' in js, name
