"""The one map component of the page: deck.gl in an ``st.components.v2`` component.

The browser side (``map_component.js``) builds a deck.gl ``Deck`` from the same
JSON spec pydeck produces (deck.gl's ``JSONConverter``), keeps that Deck across
reruns (a widget change never resets the view or the toolbar mode), draws the
legend and a scale bar true at the latitude in view, shows tooltips as DOM
text, draws keep-out zones with tools to draw, move, reshape and delete them,
and sends clicks, finished shapes and the view back as trigger values.

Message protocol (version :data:`PROTOCOL`)

* Python -> browser, the component's ``data``::

    {"protocol": 2, "mapId": str, "mode": "pan"|"circle"|"polygon"|"edit", "height": int, "deckUrl": str,
     "spec": {"views": [...], "initialViewState": {...}, "layers": [...]},
     "view": {"target": [x, y, 0], "zoom": z, "nonce": int},
     "legend": [{"title", "units", "type": "ramp"|"classes", "stops"|"classes", "note"}],
     "tools": {"draw": bool, "region": bool, "regionLabel": str},
     "zones": [{"id": str, "name": str, "owner": str, "lines": [str, ...],
                "kind": "circle"|"polygon", "ring": [[x, y], ...], "center": [x, y] | None,
                "radius_m": float | None, "vertices": [[x, y], ...] | None,
                "color": [r, g, b], "conflict": bool}],
     "selectedZone": str | None, "ack": int | None, "unsaved": bool}

  ``view`` moves the map only when its ``nonce`` changes (fly-to); otherwise
  the user's pan and zoom are kept. ``mode`` is the toolbar mode when the map
  first mounts; afterwards the mode the user picks is kept across reruns.
  ``tools.draw`` shows the Pan / Circle / Polygon / Edit / Delete buttons,
  ``tools.region`` a button (labelled ``tools.regionLabel``) that reports the
  view. ``zones`` are drawn above rasters, overlays and region fills, below
  region labels and sites: ``ring`` is the open outline in IAU_2015:30135 metres (a circle
  may leave it None: the browser draws the geodesic circle of ``center`` and
  ``radius_m`` with 360 vertices), ``vertices`` the polygon as drawn, ``lines`` the tooltip
  text, ``conflict`` a red outline. ``selectedZone`` selects a zone whenever
  it changes (e.g. from a table); otherwise the selection lives in the browser.
  ``ack`` is the ``seq`` of the last draw/edit/delete Python has handled: a
  shape the browser sent stays drawn until ``ack`` reaches its ``seq`` (then
  the zones in this data include it, or Python refused it). Layers whose id
  starts with ``zone-overlaps`` are drawn above the zones. With ``unsaved``
  true the browser asks before the page is left or reloaded (unsaved zones
  would be lost).

* browser -> Python, trigger values (each carries an increasing ``seq``)::

    click:  {"x", "y", "picked": {"layer": id, "id": object id} | None, "mode", "seq", "zoom"}
    draw:   {"kind": "circle", "center": [x, y], "edge": [x, y], "radius_m": float, "seq"}
            {"kind": "polygon", "vertices": [[x, y], ...], "seq"}
    edit:   {"id", "kind": "circle", "center": [x, y], "edge": [x, y] | None, "radius_m": float | None, "seq"}
            {"id", "kind": "polygon", "vertices": [[x, y], ...], "move": {"from": [x, y], "to": [x, y]}?, "seq"}
    delete: {"id", "seq"}
    region: {"x0", "y0", "x1", "y1", "zoom", "seq"}

  All ``x, y`` are IAU_2015:30135 metres. ``click`` comes in pan mode only (a
  zone gives ``picked = {"layer": "zones", "id": zone id}``). ``draw`` and
  ``edit`` ``radius_m`` is the great-circle distance from centre to edge on
  the sphere R = 1,737,400 m; an ``edit`` circle with ``edge`` None was moved
  and keeps its radius; a polygon edit may also come from Shift+click (a
  vertex inserted on the nearest edge) or Alt+click (a vertex removed); a
  polygon moved as a whole carries ``move`` (where the
  drag started and ended), so it can be moved on the sphere rather than
  translated on the map. ``edit`` comes when a move, vertex drag or radius drag
  ends; polygon vertices form an open ring. ``region`` gives the bounds of the
  view. Handle each in its ``on_<name>`` callback of :func:`lunar_map` (run
  before the script), reading :func:`trigger_value`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from .static_files import deckgl_bundle_path, publish

__all__ = ["PROTOCOL", "MODES", "TRIGGERS", "COMPONENT_NAME", "map_data", "lunar_map", "trigger_value",
           "click_value", "deckgl_url"]

PROTOCOL = 2
MODES = ("pan", "circle", "polygon", "edit")
TRIGGERS = ("click", "draw", "edit", "delete", "region")
COMPONENT_NAME = "lunarmap_map"
_HERE = Path(__file__).resolve().parent
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
             tools: Mapping[str, Any] | None = None, zones: Iterable[Mapping[str, Any]] = (),
             selected_zone: str | None = None, ack: int | None = None, unsaved: bool = False) -> dict[str, Any]:
    """The component's data for one render (see the protocol in the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
    return {
        "protocol": PROTOCOL, "mapId": map_id, "mode": mode, "height": int(height),
        "deckUrl": deck_url if deck_url is not None else deckgl_url(),
        "spec": {"views": spec["views"], "initialViewState": spec["initialViewState"], "layers": spec["layers"]},
        "view": dict(view), "legend": list(legend),
        "tools": _tools(tools), "zones": _zones(zones),
        "selectedZone": None if selected_zone is None else str(selected_zone),
        "ack": None if ack is None else int(ack),
        "unsaved": bool(unsaved),
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
