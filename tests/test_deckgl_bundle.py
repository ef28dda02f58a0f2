"""The map's lean deck.gl bundle (``lunarmap_ui/deckgl/deckgl.min.js``): reproducible, small, and complete.

* The committed file is byte for byte what ``scripts/build_deckgl.sh`` builds from the committed
  ``package.json`` + ``package-lock.json`` + ``entry.js`` + ``names.js`` (``npm ci`` and esbuild, into a
  temporary folder).
* It stays under the 1.5 MB budget (issue 17).
* Run in Node with nothing but Node's own ``globalThis`` (no window, no document), it defines on
  ``globalThis.deck`` every deck.gl name the page uses (read from the sources: the ``pdk.Layer`` types and
  view types of the Python side, the ``deck.X`` / ``D.X`` / ``deckgl.X`` names of the map's JS) and those
  the next work needs, and the map's own converter (``converter.js makeConverter``) turns each layer and view
  type of a pydeck-style spec into an instance of that class.

The build needs ``npm`` (and the npm registry or a filled npm cache), the other tests ``node``. Without them
the tests skip, except in CI (the environment variable ``CI`` set), where a missing tool is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from lunarmap_ui.static_files import DECKGL_BUNDLE, deckgl_bundle_path

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT / "scripts" / "build_deckgl.sh"
CONVERTER = ROOT / "lunarmap_ui" / "map" / "converter.js"
#: The budget of issue 17: the bundle under 1.5 MB (10**6 bytes to the MB).
BUDGET_BYTES = 1_500_000
#: Names not used yet but bundled for the work landing next (labels that avoid each other, a 3-D view of the
#: terrain, tiles of the large rasters, plain lines and icons).
NEXT = ("CollisionFilterExtension", "OrbitView", "SimpleMeshLayer", "TileLayer", "LineLayer", "IconLayer",
        "GeoJsonLayer")

_PY_LAYER = re.compile(r"pdk\.Layer\(\s*\"([A-Za-z]+)\"")
_PY_VIEW = re.compile(r"pdk\.View\(\s*type=\"([A-Za-z]+)\"")
_JS_NAME = re.compile(r"\b(?:D|deck|deckgl)\.([A-Z][A-Za-z_]*)\b")


def _tool_or_skip(name: str) -> str:
    tool = shutil.which(name)
    if tool is not None:
        return tool
    message = f"{name} is not on PATH (install Node.js with npm to build or check the deck.gl bundle)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: the deck.gl bundle tests cannot run in CI")
    pytest.skip(message)


def _python_sources() -> list[Path]:
    return [ROOT / "dashboard.py", *sorted((ROOT / "lunarmap").rglob("*.py")), *sorted((ROOT / "lunarmap_ui").rglob("*.py"))]


def names_the_page_uses() -> dict[str, set[str]]:
    """deck.gl names in the sources: {"layers": pdk.Layer types, "views": pdk.View types, "js": names the JS reads}."""
    layers: set[str] = set()
    views: set[str] = set()
    for path in _python_sources():
        text = path.read_text(encoding="utf-8")
        layers.update(_PY_LAYER.findall(text))
        views.update(_PY_VIEW.findall(text))
    js: set[str] = set()
    for path in sorted((ROOT / "lunarmap_ui" / "map").rglob("*.js")):
        js.update(_JS_NAME.findall(path.read_text(encoding="utf-8")))
    return {"layers": layers, "views": views, "js": js}


def test_the_names_are_read_from_the_sources():
    """The source scan finds what the page is known to use (so an empty scan cannot pass the test below)."""
    found = names_the_page_uses()
    assert {"BitmapLayer", "PathLayer", "PolygonLayer", "ScatterplotLayer", "TextLayer"} <= found["layers"]
    assert found["views"] == {"OrthographicView"}
    assert {"Deck", "JSONConverter", "JSONConfiguration", "COORDINATE_SYSTEM", "LinearInterpolator",
            "SolidPolygonLayer"} <= found["js"]


def test_the_page_is_served_the_lean_bundle_and_it_is_under_budget():
    assert deckgl_bundle_path() == DECKGL_BUNDLE and DECKGL_BUNDLE.is_file()
    size = DECKGL_BUNDLE.stat().st_size
    assert 100_000 < size < BUDGET_BYTES, f"deck.gl bundle is {size} bytes; the budget is {BUDGET_BYTES}"


def test_committed_bundle_is_what_the_build_script_makes_from_the_lock_file(tmp_path):
    _tool_or_skip("npm")
    _tool_or_skip("node")
    out = tmp_path / "deckgl.min.js"
    proc = subprocess.run(["bash", str(BUILD_SCRIPT), str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"build_deckgl.sh exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    built, committed = out.read_bytes(), DECKGL_BUNDLE.read_bytes()
    assert len(built) == len(committed) and built == committed, (
        f"the committed {DECKGL_BUNDLE.name} ({len(committed)} bytes) is not what scripts/build_deckgl.sh builds "
        f"({len(built)} bytes): run scripts/build_deckgl.sh and commit the result")


# Runs the bundle as a classic script in Node's own realm, then checks each name and converts each type.
_PROBE = r"""
import fs from "node:fs";
import vm from "node:vm";
import { pathToFileURL } from "node:url";
const [bundle, converterPath, namesJson] = process.argv.slice(1);
const names = JSON.parse(namesJson);
vm.runInThisContext(fs.readFileSync(bundle, "utf8"), { filename: bundle });
const deck = globalThis.deck;
const { makeConverter } = await import(pathToFileURL(converterPath).href);
const converter = makeConverter(deck);
const out = { version: deck && deck.VERSION, types: {}, layers: {}, views: {} };
for (const name of names.all) out.types[name] = typeof (deck || {})[name];
for (const name of names.layers) {
  const layer = converter.convert({ layers: [{ "@@type": name, id: "probe-" + name, data: [] }] }).layers[0];
  out.layers[name] = Boolean(layer && layer instanceof deck[name] && layer.id === "probe-" + name);
}
for (const name of names.views) {
  const view = converter.convert({ views: [{ "@@type": name, controller: true }] }).views[0];
  out.views[name] = Boolean(view && view instanceof deck[name]);
}
out.coordinateSystems = deck.COORDINATE_SYSTEM;
console.log(JSON.stringify(out));
"""


def test_bundle_defines_every_name_the_page_uses_and_converts_every_layer_and_view_type():
    node = _tool_or_skip("node")
    found = names_the_page_uses()
    layers = sorted(found["layers"] | {n for n in found["js"] | set(NEXT) if n.endswith("Layer")})
    views = sorted(found["views"] | {n for n in NEXT if n.endswith("View")})
    every = sorted(set(layers) | set(views) | found["js"] | set(NEXT))
    names = {"all": every, "layers": layers, "views": views}
    proc = subprocess.run([node, "--input-type=module", "-e", _PROBE, str(DECKGL_BUNDLE), str(CONVERTER),
                           json.dumps(names)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"node exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["version"].startswith("9.3.")
    missing = {name: kind for name, kind in result["types"].items()
               if kind != ("object" if name == "COORDINATE_SYSTEM" else "function")}
    assert not missing, f"globalThis.deck lacks (or has the wrong kind of) {missing}: add them to lunarmap_ui/deckgl/names.js"
    assert result["layers"] == dict.fromkeys(layers, True)
    assert result["views"] == dict.fromkeys(views, True)
    # the coordinate systems pydeck's specs name (lunarmap's layers use CARTESIAN metres)
    assert {"CARTESIAN", "LNGLAT", "DEFAULT"} <= set(result["coordinateSystems"])
