"""The page's 3D view: the toggle puts a mesh within the triangle budget into the map component's data.

The page runs under AppTest on synthetic display layers and a synthetic elevation file (a cone crater at the
pole in IAU_2015:30135, handed to the mesh as the data folder's only DEM); the view comes from the address (?view=).
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from lunarmap.terrain_mesh import MAX_TRIANGLES
from lunarmap_ui import terrain3d_panel as T
from lunarmap_ui.map_component import load_protocol

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture
from .display_data import write_display_data

DEPTH_M = 3_000.0


def _data(tmp_path, make_raster, monkeypatch):
    root = write_display_data(tmp_path)
    # 2 km pixels, 200 km square around the pole: a bowl 3 km deep, 40 km across
    xs = -200_000.0 + 2_000.0 * np.arange(201)          # a pixel centre on the pole
    gx, gy = np.meshgrid(xs, -xs)
    h = -DEPTH_M * np.clip(1 - np.hypot(gx, gy) / 20_000.0, 0, 1)
    dem = make_raster(h.astype(np.float32), origin=(-201_000.0, 201_000.0), pixel_m=2_000.0, name="dem.tif")
    monkeypatch.setattr("lunarmap.product_sampling.elevation_sources", lambda data_dir=None: [dem])
    return root


def _page(monkeypatch, root, view):
    return run_page(monkeypatch, root, query={"view": view}, timeout_s=120)


def _map(at):
    (comp,) = at.get("bidi_component")
    return json.loads(comp.proto.json)


def test_area_from_view_follows_the_zoom_and_is_capped():
    assert T.area_from_view({"target": [5, 6, 0], "zoom": -6}) == (5.0, 6.0, 900.0 * 64)
    assert T.area_from_view({"target": [0, 0, 0], "zoom": -12})[2] == T.MAX_AREA_M
    assert T.area_from_view({"target": [0, 0, 0], "zoom": 2})[2] == T.MIN_AREA_M


def test_turning_3d_on_puts_a_mesh_within_budget_in_the_map_data(monkeypatch, tmp_path, make_raster):
    pytest.importorskip("jsonschema")
    import jsonschema

    root = _data(tmp_path, make_raster, monkeypatch)
    at = _page(monkeypatch, root, "0,0,-6")          # 900 px / 2^-6 = 57.6 km across, centred on the pole
    assert _map(at)["terrain3d"] is None
    at.toggle(key=T.K_T3D_ON).set_value(True).run()
    assert not at.exception, at.exception
    t = _map(at)["terrain3d"]
    n = t["n"]
    assert n == T.VERTICES_PER_SIDE and len(t["z"]) == n * n
    assert 2 * (n - 1) ** 2 <= MAX_TRIANGLES
    assert len(base64.b64decode(t["colors"])) == 3 * n * n
    assert t["widthM"] == pytest.approx(57_600.0) and t["center"] == [0.0, 0.0]
    # the bowl: 3 km deep at 1x (the pole is a vertex: n odd); the sphere's fall at the corners is r^2 / 2R
    z = np.asarray(t["z"])
    assert z[(n * n) // 2] == pytest.approx(-DEPTH_M, abs=0.1)
    assert z.min() == pytest.approx(-DEPTH_M, abs=0.1)
    corner_r = 28_800.0 * 2**0.5
    assert z[0] == pytest.approx(-corner_r**2 / (2 * 1_737_400.0), abs=1.0)
    assert t["sun"] is not None and np.linalg.norm(t["sun"]) == pytest.approx(1.0)
    assert "Sun at" in t["sunText"] and "triangles" in t["note"]
    doc = load_protocol()
    jsonschema.Draft202012Validator({"$defs": doc["$defs"], **doc["data"]}).validate(_map(at))
    # 5x: heights only
    at.slider(key=T.K_T3D_EXAG).set_value(5.0).run()
    t5 = _map(at)["terrain3d"]
    assert t5["exaggeration"] == 5.0
    assert np.asarray(t5["z"])[(n * n) // 2] == pytest.approx(-5 * DEPTH_M, abs=0.5)
    # off again: the 2D map only
    at.toggle(key=T.K_T3D_ON).set_value(False).run()
    assert _map(at)["terrain3d"] is None
