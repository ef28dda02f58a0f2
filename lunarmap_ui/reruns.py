"""Which part of the page reruns: the map's fragment alone, or the whole page when a callback asks.

The map, its layer list and the panel beside it are one ``st.fragment`` (``dashboard.map_area``): a layer
toggle, an opacity change, a search or a readout click reruns it alone. A callback inside it that changes what
other sections read (the selection, a zone drawn, edited or deleted) asks for a whole-page run with
:func:`request_page_rerun` (or is wrapped in :func:`whole_page`); the fragment's first statement,
:func:`rerun_page_if_asked`, turns its own run into a whole-page one.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

__all__ = ["K_PAGE_RERUN", "in_fragment_run", "request_page_rerun", "rerun_page_if_asked", "whole_page"]

K_PAGE_RERUN = "rerun_whole_page"


def in_fragment_run() -> bool:
    """True while Streamlit runs a fragment alone (not the whole page)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def request_page_rerun() -> None:
    """Ask for a whole-page run (a widget callback inside the map fragment changed what other sections read)."""
    st.session_state[K_PAGE_RERUN] = True


def rerun_page_if_asked() -> None:
    """At the top of the map fragment: turn a fragment run into a whole-page run when a callback asked for one."""
    if st.session_state.pop(K_PAGE_RERUN, False) and in_fragment_run():
        st.rerun(scope="app")


def whole_page(callback: Callable[[], None]) -> Callable[[], None]:
    """``callback``, then a request for a whole-page run (for triggers of the map that change other sections)."""
    def run() -> None:
        callback()
        request_page_rerun()
    run.__name__ = getattr(callback, "__name__", "callback")
    return run
