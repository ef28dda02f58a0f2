"""lunarmap dashboard: a thin Streamlit shell over the lunarmap library.

Run with ``streamlit run dashboard.py``; ``LUNARMAP_DATA_DIR`` chooses the data
folder and ``LUNARMAP_SITES_FILE`` another site catalogue. Layout, widgets and session state
live here; the map component and page sections in ``lunarmap_ui``; every
number comes from ``lunarmap``.
"""

from __future__ import annotations

import os

import streamlit as st

from lunarmap.errors import (
    DataMissingError,
    GeometryError,
    LunarmapError,
    OutsideRasterError,
    SiteCatalogError,
    UnknownFeatureError,
)
from lunarmap.paths import data_dir
from lunarmap.sites import load_sites
from lunarmap_ui import page

st.set_page_config(page_title="lunarmap: lunar south pole", layout="wide")

#: The one place library errors become what the user sees: (error class, how shown, lead text).
ERROR_DISPLAY: tuple[tuple[type[LunarmapError], str, str], ...] = (
    (DataMissingError, "warning", "Data not available"),
    (OutsideRasterError, "warning", "Outside the data"),
    (UnknownFeatureError, "warning", "Not found"),
    (GeometryError, "warning", "Not on this map"),
    (SiteCatalogError, "error", "The site catalogue is invalid"),
    (LunarmapError, "error", "Error"),
)


def show_error(err: LunarmapError) -> None:
    """Show a library error as a warning or an error, per :data:`ERROR_DISPLAY`."""
    for cls, how, lead in ERROR_DISPLAY:
        if isinstance(err, cls):
            getattr(st, how)(f"{lead}: {page.md_text(err)}")
            return


@st.cache_resource
def _catalog(path: str | None):
    return load_sites(path)


def offer_data_setup(state: page.DataState) -> None:
    """Tell the user the data layers are not prepared yet (the first-start fetch flow plugs in here)."""
    st.info(
        "The data layers (elevation, hillshade, slope, permanent shadow) are not prepared yet: the map shows "
        "sites, regions and the graticule only. To add them, run `python -m lunarmap fetch` and "
        "`python -m lunarmap prepare`, then reload the page."
    )
    if state.problem:
        st.caption(page.md_text(state.problem))


def main() -> None:
    page.init_state()
    try:
        catalog = _catalog(os.environ.get("LUNARMAP_SITES_FILE") or None)
    except LunarmapError as err:
        show_error(err)
        return
    root = data_dir()
    state = page.load_data_state(root)

    st.title("lunarmap: the lunar south pole")
    st.caption(
        "South polar stereographic map of the IAU 2015 Moon sphere (R = 1,737,400 m) from the pole to 40° S; "
        "0° longitude up, the far side down. Distances in the panels are geodesic on that sphere."
    )
    notice = st.container()
    settings = page.layer_controls(state.layers)
    left, right = st.columns([3, 1], gap="medium")
    with left:
        with st.container():
            page.search_box(catalog, root)
        data = page.build_map_data(catalog, state.layers, settings, st.session_state.get(page.K_SELECTED, []),
                                   st.session_state.get(page.K_VIEW))
        page.render_map(data)
    with right:
        page.selection_panel(catalog, root)
        page.click_readout(root)
    with notice:
        if not state.layers:
            offer_data_setup(state)
        elif any(d.name == "psr" for d in state.layers):
            st.caption("Permanent shadow (blue) comes from the 60 m PSR grid, which stops at about 85° S "
                       "(the blue box): beyond it the map says nothing about shadow.")
    page.about_data(state.layers)


main()
