"""The one map component of the page: deck.gl in an ``st.components.v2`` component.

The browser side builds a deck.gl ``Deck`` from the same
JSON spec pydeck produces (deck.gl's ``JSONConverter``), keeps that Deck across
reruns (a widget change never resets the view or the toolbar mode), draws the
legend and a scale bar true at the latitude in view, shows tooltips as DOM
text, draws keep-out zones with tools to draw, move, reshape and delete them,
and sends clicks, finished shapes and the view back as trigger values.

How the browser gets its code: the component's ``js`` is ``map_component.js``, a small entry that
``import()``s the real component, the ES modules in ``lunarmap_ui/map/`` (``main.js`` wiring;
``geometry.js``; ``view.js``; ``pending.js``; ``keys.js``; ``zones.js``; ``converter.js``; ``layers.js``; ``lod.js``, a display image's preview or full image by zoom;
``labels.js``; ``labelpass.js``; ``rows.js``, rows sent by reference; ``legend.js``; ``navigation.js``;
``snapshot.js``, the PNG export; ``dom.js``; ``chart.js``, the profile chart; ``tools.js``; one module per toolbar mode in ``modes/``, all behind one
interface). They are served natively as ES modules, without a build
step: :func:`component_module_url` publishes that folder into the running app's Streamlit static folder under a
content-hashed name (``static/lunarmap-map-<sha12>/``, see :func:`~lunarmap_ui.static_files.publish_tree`),
so a changed module always gets a new URL, and the data's ``moduleUrl`` names its ``main.js``. deck.gl
itself is a lean build with only the classes the page uses (``lunarmap_ui/deckgl/deckgl.min.js``, deck.gl 9.3,
rebuilt from its committed ``package-lock.json`` by ``scripts/build_deckgl.sh``), published as a content-hashed
static file (``deckUrl``); the entry starts loading it as soon as it has the data, while the modules load. The
JS is tested with ``node --test tests/js`` (no npm needed).

The protocol is written once, in ``lunarmap_ui/map/protocol.json`` (a JSON schema of the data and of
each message, with the protocol version, modes and triggers): :data:`PROTOCOL`, :data:`MODES` and
:data:`TRIGGERS` are read from it here, the browser modules import it, and both sides' tests validate
their messages against it.

Message protocol (version :data:`PROTOCOL`)

* Python -> browser, the component's ``data``::

    {"protocol": 2, "mapId": str, "mode": "pan"|"circle"|"polygon"|"edit"|"measure"|"profile", "height": int,
     "deckUrl": str, "moduleUrl": str,
     "spec": {"views": [...], "initialViewState": {...}, "layers": [{..., "data": [...]} | {..., "dataUrl": str}]},
     "view": {"target": [x, y, 0], "zoom": z, "nonce": int},
     "legend": [{"title", "units", "meaning", "type": "ramp"|"classes", "stops"|"classes", "note"}],
     "tools": {"draw": bool, "region": bool, "regionLabel": str},
     "zones": [{"id": str, "name": str, "owner": str, "lines": [str, ...],
                "kind": "circle"|"polygon", "ring": [[x, y], ...], "center": [x, y] | None,
                "radius_m": float | None, "vertices": [[x, y], ...] | None,
                "color": [r, g, b], "conflict": bool}],
     "selectedZone": str | None, "ack": int | None, "unsaved": bool,
     "measure": {"seq": int, "points": [[x, y], ...], "legs": [{"length_m", "azimuth_deg", "total_m", "label",
                 "total_label", "mid": [x, y], "path": [[x, y], ...]}], "total_m": float | None,
                 "error": str | None} | None,
     "profile": {"seq": int, "vertices": [[x, y], ...], "payload": {...} | None, "error": str | None} | None,
     "sources": [{"title": str, "source": str, "resolution_m": float | None}],
     "terrain3d": None | {"n", "spacingM", "widthM", "center": [x, y], "z": [n*n heights], "colors": base64 RGB,
                          "sun": [x, y, z] | None, "sunText", "exaggeration", "resolutionM": [lo, hi], "note",
                          "paths": [{"kind", "path": [[x, y, z], ...], "color"}],
                          "points": [{"name", "position": [x, y, z], "color"}]}}

  A layer's rows come in its ``data`` or, for rows that never change while the app runs (graticule, regions,
  sites and their labels), by reference: ``dataUrl`` names a content-hashed static JSON file of the rows
  (:mod:`lunarmap_ui.map_rows`), fetched once per page and kept (``rows.js``), so a rerun re-sends no rows.
  ``view`` moves the map only when its ``nonce`` changes (fly-to); otherwise
  the user's pan and zoom are kept. ``mode`` is the toolbar mode when the map
  first mounts; afterwards the mode the user picks is kept across reruns.
  ``tools.draw`` shows the Pan / Circle / Polygon / Edit / Delete buttons,
  ``tools.region`` a button (labelled ``tools.regionLabel``) that reports the
  view. ``zones`` are drawn above rasters, overlays and region fills, below
  region labels and sites: ``ring`` is the open outline in IAU_2015:30135 metres (a circle
  may leave it None: the browser draws the geodesic circle of ``center`` and
  ``radius_m`` with 360 vertices), ``vertices`` the polygon as drawn, ``lines`` the tooltip
  text, ``conflict`` a red outline. A legend entry's ``meaning`` says what its colour stands for and
  ``units`` its units ("illumination from the upper left", "no units"); the legend can be collapsed and
  docked to another corner, and remembers both for the browser session (sessionStorage, per ``mapId``). ``selectedZone`` selects a zone whenever
  it changes (e.g. from a table); otherwise the selection lives in the browser.
  ``ack`` is the ``seq`` of the last draw/edit/delete Python has handled: a
  shape the browser sent stays drawn until ``ack`` reaches its ``seq`` (then
  the zones in this data include it, or Python refused it). Layers whose id
  starts with ``zone-overlaps`` are drawn above the zones, those whose id starts with ``marker-`` above
  everything (sites and labels too). The TextLayers ``site-labels``, ``region-labels`` and
  ``graticule-labels`` are thinned in the browser so no two labels overlap (``labels.js``: selected
  places first, then landed craft, crash sites, other sites, regions, graticule; rows may carry
  ``kind`` and ``selected``); the labels shown and their screen boxes are published on the map root as
  ``data-labels`` (JSON ``{"zoom", "target", "labels": [{"id", "layer", "text", "priority", "box"}], "hidden": [...]}``,
  boxes ``[x0, y0, x1, y1]`` in CSS pixels of the map canvas, y down). With ``unsaved``
  true the browser asks before the page is left or reloaded (unsaved zones
  would be lost). ``sources`` names each raster shown (its legend title), its source and its metres per
  pixel: the caption of the PNG export (``snapshot.js``: the map with a scale bar true at the view's
  latitude, a north arrow, the legend drawn from ``legend`` and that caption; the last one's size and
  caption are published on the map root as ``data-snapshot``). ``terrain3d``, when not None, shows the 3D view (``terrain3d.js``) over the 2D map: a mesh of
  ``n`` x ``n`` vertices ``spacingM`` apart, rows going north from the square's south-west corner, heights ``z``
  (mesh metres, see :mod:`lunarmap.terrain_mesh`), vertex colours ``colors``, lit by a directional light from
  ``sun`` (a unit vector in the mesh frame: map x, map y, up); ``paths`` and ``points`` are draped on it (mesh
  metres relative to ``center``). None again puts the 2D map back as it was (its view never changes meanwhile).

* browser -> Python, trigger values (each carries an increasing ``seq``)::

    click:  {"x", "y", "picked": {"layer": id, "id": object id} | None, "shift": bool, "mode", "seq", "zoom"}
    draw:   {"kind": "circle", "center": [x, y], "edge": [x, y], "radius_m": float, "seq"}
            {"kind": "polygon", "vertices": [[x, y], ...], "seq"}
    edit:   {"id", "kind": "circle", "center": [x, y], "edge": [x, y] | None, "radius_m": float | None, "seq"}
            {"id", "kind": "polygon", "vertices": [[x, y], ...], "move": {"from": [x, y], "to": [x, y]}?, "seq"}
    delete: {"id", "seq"}
    region: {"x0", "y0", "x1", "y1", "zoom", "seq"}
    measure: {"points": [[x, y], ...], "seq"}
    profile: {"vertices": [[x, y], ...], "seq"}

  All ``x, y`` are IAU_2015:30135 metres; ``shift`` says whether Shift was held. ``click`` comes in pan mode only (a
  zone gives ``picked = {"layer": "zones", "id": zone id}``). ``draw`` and
  ``edit`` ``radius_m`` is the great-circle distance from centre to edge on
  the sphere R = 1,737,400 m; an ``edit`` circle with ``edge`` None was moved
  and keeps its radius; a polygon edit may also come from Shift+click (a
  vertex inserted on the nearest edge) or Alt+click (a vertex removed); a
  polygon moved as a whole carries ``move`` (where the
  drag started and ended), so it can be moved on the sphere rather than
  translated on the map. ``edit`` comes when a move, vertex drag or radius drag
  ends; polygon vertices form an open ring. ``region`` gives the bounds of the
  view. ``measure`` comes after each click of the measure mode with every point of the measurement so far
  (one point starts a new one); ``profile`` when a line of two or more vertices is finished (double-click
  or Enter) in the profile mode. Handle each in its ``on_<name>`` callback of :func:`lunar_map` (run
  before the script), reading :func:`trigger_value`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .static_files import STATIC_DIR, deckgl_bundle_path, publish, publish_tree

__all__ = ["PROTOCOL", "MODES", "TRIGGERS", "COMPONENT_NAME", "MODULES_DIR", "PROTOCOL_FILE", "load_protocol",
           "map_data", "lunar_map", "trigger_value", "click_value", "deckgl_url", "component_module_url"]

_HERE = Path(__file__).resolve().parent
#: The browser side's ES modules (served as they are; see the module docstring).
MODULES_DIR = _HERE / "map"
#: The protocol, written once: a JSON schema of the data and the messages, read by both sides.
PROTOCOL_FILE = MODULES_DIR / "protocol.json"


def load_protocol() -> dict[str, Any]:
    """The protocol description (``protocol.json``): version, modes, triggers, and schemas of data and messages."""
    return json.loads(PROTOCOL_FILE.read_text(encoding="utf-8"))


_PROTOCOL_DOC = load_protocol()
PROTOCOL: int = _PROTOCOL_DOC["protocol"]
MODES: tuple[str, ...] = tuple(_PROTOCOL_DOC["modes"])
TRIGGERS: tuple[str, ...] = tuple(_PROTOCOL_DOC["triggers"])
COMPONENT_NAME = "lunarmap_map"
_TOOL_KEYS = {"draw": bool, "region": bool, "regionLabel": str}

_MAP = st.components.v2.component(
    COMPONENT_NAME,
    js=(_HERE / "map_component.js").read_text(encoding="utf-8"),
    css=(_HERE / "map_component.css").read_text(encoding="utf-8"),
)


@st.cache_resource(show_spinner=False)
def deckgl_url() -> str:
    """URL of the deck.gl bundle published as a static file (content-hash name)."""
    return publish(deckgl_bundle_path(), stem="deckgl")


def _app_static_dir() -> Path:
    """The static folder Streamlit serves for the running app (next to its main script), else :data:`STATIC_DIR`.

    The modules go where the running app's static files are served (a test page elsewhere has its own folder).
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    script = getattr(ctx, "main_script_path", None) if ctx is not None else None
    return Path(script).absolute().parent / "static" if script else STATIC_DIR


def component_module_url(static_dir: Path | None = None) -> str:
    """URL of the component's ``main.js``, its modules published in the app's static folder (content-hash name)."""
    return publish_tree(MODULES_DIR, stem="lunarmap-map", entry="main.js",
                        static_dir=static_dir if static_dir is not None else _app_static_dir())


def _tools(tools: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"draw": False, "region": False, "regionLabel": ""}
    for name, value in (tools or {}).items():
        if name not in _TOOL_KEYS:
            raise ValueError(f"tools has an unknown key {name!r}; use {sorted(_TOOL_KEYS)}")
        out[name] = _TOOL_KEYS[name](value)
    return out


def _zones(zones: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for z in zones:
        kind = z.get("kind", "polygon")
        circle = kind == "circle" and z.get("center") is not None and (z.get("radius_m") or 0) > 0
        if "id" not in z or (z.get("ring") is None and not circle):
            raise ValueError(f"a zone needs 'id' and 'ring' (a circle: or 'center' and 'radius_m'; got keys {sorted(z)})")
        if kind not in ("circle", "polygon"):
            raise ValueError(f"zone {z['id']!r}: kind must be 'circle' or 'polygon' (got {kind!r})")
        out.append({**z, "id": str(z["id"]), "kind": kind})
    return out


def map_data(spec: Mapping[str, Any], view: Mapping[str, Any], legend: Sequence[Mapping[str, Any]], *,
             map_id: str = "main", mode: str = "pan", height: int = 640, deck_url: str | None = None,
             module_url: str | None = None,
             tools: Mapping[str, Any] | None = None, zones: Iterable[Mapping[str, Any]] = (),
             selected_zone: str | None = None, ack: int | None = None, unsaved: bool = False,
             measure: Mapping[str, Any] | None = None, profile: Mapping[str, Any] | None = None,
             sources: Iterable[Mapping[str, Any]] = (), terrain3d: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The component's data for one render (see the protocol in the module docstring).

    ``sources``: the layers shown with their ``title``, ``source`` and ``resolution_m`` (the PNG's caption).

    ``deck_url`` and ``module_url`` default to deck.gl and the component's modules published as static files.
    ``measure`` and ``profile``: the measure and profile tools' answers (:mod:`lunarmap_ui.tools_panel`), or None.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
    return {
        "protocol": PROTOCOL, "mapId": map_id, "mode": mode, "height": int(height),
        "deckUrl": deck_url if deck_url is not None else deckgl_url(),
        "moduleUrl": module_url if module_url is not None else component_module_url(),
        "spec": {"views": spec["views"], "initialViewState": spec["initialViewState"], "layers": spec["layers"]},
        "view": dict(view), "legend": list(legend),
        "tools": _tools(tools), "zones": _zones(zones),
        "selectedZone": None if selected_zone is None else str(selected_zone),
        "ack": None if ack is None else int(ack),
        "unsaved": bool(unsaved),
        "measure": None if measure is None else dict(measure),
        "profile": None if profile is None else dict(profile),
        "sources": [{"title": str(s["title"]), "source": str(s.get("source") or ""),
                     "resolution_m": float(s["resolution_m"]) if s.get("resolution_m") is not None else None}
                    for s in sources],
        "terrain3d": None if terrain3d is None else dict(terrain3d),
    }


def lunar_map(data: Mapping[str, Any], *, key: str, on_click: Callable[[], None] | None = None,
              **callbacks: Callable[[], None]) -> Any:
    """Mount the map; ``on_click`` (and ``on_draw``, ``on_edit``, ... in ``callbacks``) run before the script.

    Every trigger of the protocol is registered, so :func:`trigger_value` reads any of them.
    """
    handlers: dict[str, Callable[[], None]] = {f"on_{name}_change": (lambda: None) for name in TRIGGERS}
    handlers["on_click_change"] = on_click or (lambda: None)
    for name, fn in callbacks.items():
        handlers[f"{name}_change"] = fn
    return _MAP(key=key, data=dict(data), height="content", **handlers)


def trigger_value(key: str, name: str) -> dict[str, Any] | None:
    """The last ``name`` trigger ("click", "draw", "edit", "delete", "region") of the map under ``key``, or None.

    Read it inside that trigger's callback.
    """
    state = st.session_state.get(key)
    if state is None:
        return None
    value = state.get(name) if hasattr(state, "get") else None
    return value if isinstance(value, dict) else None


def click_value(key: str) -> dict[str, Any] | None:
    """The last click of the map mounted under ``key`` (inside ``on_click``), or None."""
    return trigger_value(key, "click")
