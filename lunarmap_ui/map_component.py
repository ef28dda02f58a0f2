"""The one map component of the page: deck.gl in an ``st.components.v2`` component.

The browser side (``map_component.js``) builds a deck.gl ``Deck`` from the same
JSON spec pydeck produces (deck.gl's ``JSONConverter``), keeps that Deck across
reruns (a widget change never resets the view), draws the legend and a scale
bar true at the latitude in view, shows tooltips as DOM text, and sends clicks
back as trigger values.

Message protocol (version :data:`PROTOCOL`)

* Python -> browser, the component's ``data``::

    {"protocol": 1, "mapId": str, "mode": "pan", "height": int, "deckUrl": str,
     "spec": {"views": [...], "initialViewState": {...}, "layers": [...]},
     "view": {"target": [x, y, 0], "zoom": z, "nonce": int},
     "legend": [{"title", "units", "type": "ramp"|"classes", "stops"|"classes", "note"}]}

  ``view`` moves the map only when its ``nonce`` changes (fly-to); otherwise
  the user's pan and zoom are kept. ``mode`` names what a click means ("pan":
  pick or read out a point); drawing modes will add their own trigger events.

* browser -> Python, trigger ``click``::

    {"x": metres, "y": metres, "picked": {"layer": id, "id": object id} | None,
     "mode": str, "seq": int, "zoom": float}

  ``x, y`` are IAU_2015:30135 metres. Handle it in ``on_click`` (a callback
  run before the script), reading :func:`click_value`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from .static_files import deckgl_bundle_path, publish

__all__ = ["PROTOCOL", "MODES", "COMPONENT_NAME", "map_data", "lunar_map", "click_value", "deckgl_url"]

PROTOCOL = 1
MODES = ("pan",)
COMPONENT_NAME = "lunarmap_map"
_HERE = Path(__file__).resolve().parent

_MAP = st.components.v2.component(
    COMPONENT_NAME,
    js=(_HERE / "map_component.js").read_text(encoding="utf-8"),
    css=(_HERE / "map_component.css").read_text(encoding="utf-8"),
)


@st.cache_resource(show_spinner=False)
def deckgl_url() -> str:
    """URL of the deck.gl bundle published as a static file (content-hash name)."""
    return publish(deckgl_bundle_path(), stem="deckgl")


def map_data(spec: Mapping[str, Any], view: Mapping[str, Any], legend: Sequence[Mapping[str, Any]], *,
             map_id: str = "main", mode: str = "pan", height: int = 640, deck_url: str | None = None) -> dict[str, Any]:
    """The component's data for one render (see the protocol in the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES} (got {mode!r})")
    return {
        "protocol": PROTOCOL, "mapId": map_id, "mode": mode, "height": int(height),
        "deckUrl": deck_url if deck_url is not None else deckgl_url(),
        "spec": {"views": spec["views"], "initialViewState": spec["initialViewState"], "layers": spec["layers"]},
        "view": dict(view), "legend": list(legend),
    }


def lunar_map(data: Mapping[str, Any], *, key: str, on_click: Callable[[], None] | None = None,
              **callbacks: Callable[[], None]) -> Any:
    """Mount the map; ``on_click`` (and ``on_<trigger>`` in ``callbacks``) run before the script on that event."""
    handlers = {f"{name}_change": fn for name, fn in callbacks.items()}
    return _MAP(key=key, data=dict(data), height="content", on_click_change=on_click or (lambda: None), **handlers)


def click_value(key: str) -> dict[str, Any] | None:
    """The last click of the map mounted under ``key`` (inside ``on_click``), or None."""
    state = st.session_state.get(key)
    if state is None:
        return None
    value = state.get("click") if hasattr(state, "get") else None
    return value if isinstance(value, dict) else None
