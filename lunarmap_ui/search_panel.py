"""The place search above the map: names (typos forgiven) and coordinates, answered by :mod:`lunarmap.search`.

The best match is flown to; every other match is listed in an "Also matching" selectbox (typing
filters it, arrow keys and Enter choose) and choosing one goes there. A place north of the map's
40° S edge is listed with its coordinates and never flown to. Two numbers whose order is open and
which are both places on the map are shown as two buttons, one per reading: the page asks, never
guesses. The user's text is shown as text only (:func:`lunarmap_ui.page.md_text`; selectbox options
are plain text) and errors go through :mod:`lunarmap_ui.errors`.

The search index is :func:`lunarmap.search.search_index`, keyed by the gazetteer file's stamp
(path, mtime, size): after the page's first-start fetch, every session searches the IAU features.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import streamlit as st

from lunarmap.coordinate_text import format_lat, format_lon
from lunarmap.errors import LunarmapError
from lunarmap.search import SearchAnswer, SearchResult, gazetteer_stamp, search_index
from lunarmap.sites import SiteCatalog
from lunarmap.views import MAP_EDGE_LAT_DEG

from .errors import show_error
from .page import fly_to, md_text

__all__ = ["K_SEARCH", "K_SEARCH_RESULT", "K_SEARCH_ALSO", "search_box", "describe"]

logger = logging.getLogger(__name__)

K_SEARCH = "place_search"
K_SEARCH_RESULT = "place_search_result"
K_SEARCH_ALSO = "place_search_also"          # + "-<seq>": a new selectbox for every answer
_OFF_MAP = f"north of the map's {abs(MAP_EDGE_LAT_DEG):g}° S edge"
_KINDS = {"feature": "IAU feature", "group": "catalogue entries framed together", "coordinates": "typed point"}


def describe(r: SearchResult) -> str:
    """One line of plain text for a result: name, kind, coordinates, size, and where it is off the map."""
    kind = _KINDS.get(r.kind, f"catalogue {r.kind}")
    size = f", {r.diameter_km:,.1f} km across" if math.isfinite(r.diameter_km) and r.kind == "feature" else ""
    where = "" if r.on_map else f" · {_OFF_MAP}, not on this map"
    if r.kind == "coordinates":
        return f"{r.name} (as {r.matched}){where}"
    return f"{r.name} · {kind} · {format_lat(r.lat_deg)}, {format_lon(r.lon_deg)}{size}{where}"


def _go(r: SearchResult) -> None:
    if r.fly is not None:
        fly_to(r.fly.lon_deg, r.fly.lat_deg, r.fly.width_km)


def _on_search(catalog: SiteCatalog, data_dir: Path) -> None:
    query = st.session_state.get(K_SEARCH, "")
    seq = int((st.session_state.get(K_SEARCH_RESULT) or {}).get("seq", 0)) + 1
    try:
        answer = search_index(catalog, data_dir).search(query)
        if answer.best is not None:
            _go(answer.best)
    except LunarmapError as err:          # the query is the user's text: show_error shows it as text
        st.session_state[K_SEARCH_RESULT] = {"error": err, "seq": seq}
        return
    logger.info("search %r: %s, %d results", query, answer.status, len(answer.results))
    st.session_state[K_SEARCH_RESULT] = {"answer": answer, "shown": 0 if answer.status != "ambiguous" else None,
                                         "seq": seq}


def _on_pick(index: int, from_also: bool) -> None:
    """Show result ``index`` of the current answer (flying there when it is on the map)."""
    state = st.session_state.get(K_SEARCH_RESULT) or {}
    answer: SearchAnswer | None = state.get("answer")
    if from_also:
        chosen = st.session_state.get(f"{K_SEARCH_ALSO}-{state.get('seq')}")
        if chosen is None:
            return
        index = int(chosen)
    if answer is None or not 0 <= index < len(answer.results):
        return
    try:
        _go(answer.results[index])
    except LunarmapError as err:
        st.session_state[K_SEARCH_RESULT] = {"error": err, "seq": state.get("seq", 0)}
        return
    st.session_state[K_SEARCH_RESULT] = {**state, "shown": index}


def _shown(r: SearchResult) -> None:
    if r.on_map and r.kind == "group":
        st.caption(f"Showing **{md_text(r.name)}** ({len(r.members)} entries, framed together); choose one "
                   "below to go to it.")
    elif r.on_map:
        st.caption(f"Showing **{md_text(r.name)}**: {md_text(describe(r).removeprefix(r.name).lstrip(' ·'))}")
    else:
        st.caption(f"**{md_text(r.name)}**: {format_lat(r.lat_deg)}, {format_lon(r.lon_deg)}, {_OFF_MAP}: "
                   "listed, not shown (the map covers the south pole to 40° S).")


def _readings(answer: SearchAnswer, seq: Any) -> None:
    st.caption(f"{md_text(answer.query)} can be read two ways, both on the map; which one?")
    cols = st.columns(len(answer.results))
    for i, (col, r) in enumerate(zip(cols, answer.results, strict=True)):
        col.button(f"{md_text(r.name)} ({md_text(r.matched)})", key=f"place_search_reading-{seq}-{i}",
                   on_click=_on_pick, args=(i, False), width="stretch")


def search_box(catalog: SiteCatalog, data_dir: Path, results: Any = None) -> None:
    """A search field for sites, regions, IAU features and coordinates; the map flies to the best match.

    ``results``: a container for what the search found (e.g. the side panel, so the map above stays put);
    below the field when None.
    """
    st.text_input("Find a site, region, IAU feature or coordinates", key=K_SEARCH,
                  on_change=_on_search, args=(catalog, data_dir), label_visibility="collapsed",
                  placeholder="Find: Shackleton, Artemis, Haworth, Chang'e 4, -89.5, 45 …",
                  help="A site, region or IAU feature name (typos and accents forgiven), or coordinates as "
                       "lat, lon or lon, lat with N/S/E/W or signs")
    with results if results is not None else st.container():
        _results(data_dir)


def _results(data_dir: Path) -> None:
    if gazetteer_stamp(data_dir)[1] < 0:
        st.caption("Only catalogue sites and coordinates can be searched until the data is fetched "
                   "(the IAU gazetteer is part of it).")
    state = st.session_state.get(K_SEARCH_RESULT)
    if not state:
        return
    if "error" in state:
        show_error(state["error"])
        return
    answer: SearchAnswer = state["answer"]
    if answer.status == "empty":
        return
    if answer.status == "ambiguous":
        _readings(answer, state["seq"])
    elif state.get("shown") is not None:
        _shown(answer.results[state["shown"]])
    if answer.note:
        st.caption(md_text(answer.note))
    others = [i for i in range(len(answer.results)) if answer.status != "ambiguous" and i != 0]
    if others:
        st.selectbox("Also matching", others, index=None, key=f"{K_SEARCH_ALSO}-{state['seq']}",
                     format_func=lambda i: describe(answer.results[i]), on_change=_on_pick, args=(0, True),
                     placeholder=f"Also matching: {len(others)} more (choose one to go there)",
                     label_visibility="collapsed")
