"""The page's address holds the view: copy it, and the copy opens the same map.

``?view=x,y,zoom`` is the map's centre in IAU_2015:30135 metres and its deck.gl zoom (written by the
browser, ``lunarmap_ui/map/navigation.js``, whenever the view comes to rest); ``?layers=a,b,...`` the layers
shown (written here when a layer is toggled); ``?3d=1`` the 3D view on; ``?scenario=ID`` a saved scenario (opened by
:mod:`lunarmap_ui.scenario_panel`, framed on its zones unless the address also has a view).
A new session reads the address once, before any widget exists, so the layer toggles start as the address
says. A value that cannot be read is ignored with a notice saying what was wrong; it never stops the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import streamlit as st

from lunarmap import layers as L

from .errors import error_words
from .page import K_VIEW, md_text

__all__ = ["QUERY_VIEW", "QUERY_LAYERS", "K_ADDRESS_READ", "K_ADDRESS_NOTICE", "parse_view", "parse_layers",
           "read_address_once", "keep_layers", "keep_3d", "address_notice", "QUERY_3D"]

QUERY_VIEW = "view"
QUERY_LAYERS = "layers"
QUERY_3D = "3d"
K_ADDRESS_READ = "address_read"
K_ADDRESS_NOTICE = "address_notice"
#: Zoom limits of the map (as the browser's view.js) and the farthest centre accepted (metres from the pole).
MIN_ZOOM, MAX_ZOOM = -14.0, 3.0
MAX_CENTRE_M = 4_000_000.0


def parse_view(text: str) -> dict:
    """``"x,y,zoom"`` as the component's view (a fly-to: ``nonce`` 1); ValueError saying what was wrong.

    >>> parse_view("-12000,34000,-7.25")
    {'target': [-12000.0, 34000.0, 0], 'zoom': -7.25, 'nonce': 1}
    """
    parts = [p.strip() for p in str(text).split(",")]
    try:
        x, y, zoom = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"view {text!r} is not three numbers x,y,zoom (map metres and a zoom, "
                         "e.g. view=-12000,34000,-7.25)") from None
    if not all(math.isfinite(v) for v in (x, y, zoom)):
        raise ValueError(f"view {text!r} has a number that is not finite")
    if math.hypot(x, y) > MAX_CENTRE_M:
        raise ValueError(f"view {text!r} is centred {math.hypot(x, y) / 1000:,.0f} km from the pole, beyond the "
                         f"map ({MAX_CENTRE_M / 1000:,.0f} km)")
    if not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise ValueError(f"view {text!r} has zoom {zoom:g}; the map's zoom runs from {MIN_ZOOM:g} to {MAX_ZOOM:g}")
    return {"target": [x, y, 0], "zoom": zoom, "nonce": 1}


def parse_layers(text: str, known: Iterable[str]) -> tuple[set[str], list[str]]:
    """The layer names in ``"a,b,..."`` that the page knows, and the ones it does not.

    >>> on, unknown = parse_layers("psr, sites,,bogus", ["sites", "regions", "psr"])
    >>> sorted(on), unknown
    (['psr', 'sites'], ['bogus'])
    """
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    known = set(known)
    return {n for n in names if n in known}, [n for n in names if n not in known]


def read_address_once(layer_names: Iterable[str], three_d_key: str | None = None) -> None:
    """On a session's first run: the view, the layers and the 3D toggle (``three_d_key``) from the address."""
    if st.session_state.get(K_ADDRESS_READ):
        return
    st.session_state[K_ADDRESS_READ] = True
    problems = []
    if three_d_key is not None and st.query_params.get(QUERY_3D) in ("1", "true", "on"):
        st.session_state[three_d_key] = True
    view_text = st.query_params.get(QUERY_VIEW)
    if view_text:
        try:
            st.session_state[K_VIEW] = parse_view(view_text)
        except ValueError as err:
            problems.append(error_words(err))
    layers_text = st.query_params.get(QUERY_LAYERS)
    if layers_text is not None:
        names = list(layer_names)
        shown, unknown = parse_layers(layers_text, names)
        for name in names:
            st.session_state[f"show_{name}"] = name in shown
        if unknown:
            problems.append(f"layers {', '.join(repr(n) for n in unknown)} are not layers of this map "
                            f"(its layers: {', '.join(names)})")
    if problems:
        st.session_state[K_ADDRESS_NOTICE] = ("The address was partly ignored: " + "; ".join(problems)
                                              + ". The map opened with the rest.")


def keep_layers(settings: Mapping[str, L.LayerSetting]) -> None:
    """Write the shown layers into the address (only when they differ from what it says)."""
    shown = ",".join(name for name, s in settings.items() if s.visible)
    if st.query_params.get(QUERY_LAYERS) != shown:
        st.query_params[QUERY_LAYERS] = shown


def keep_3d(on: bool) -> None:
    """Write whether the 3D view is on into the address (``?3d=1``; nothing when it is off)."""
    if on and st.query_params.get(QUERY_3D) != "1":
        st.query_params[QUERY_3D] = "1"
    elif not on and QUERY_3D in st.query_params:
        del st.query_params[QUERY_3D]


def address_notice() -> None:
    """The notice of an address that was partly ignored (shown once, as text)."""
    text = st.session_state.pop(K_ADDRESS_NOTICE, None)
    if text:
        st.warning(md_text(text), icon=":material/link_off:")     # the address is the user's text
