"""lunarmap dashboard: a thin Streamlit shell over the lunarmap library.

Run with ``streamlit run dashboard.py``; ``LUNARMAP_DATA_DIR`` chooses the data
folder and ``LUNARMAP_SITES_FILE`` another site catalogue. Layout, widgets and session state
live here; the map component and page sections in ``lunarmap_ui``; every
number comes from ``lunarmap``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.paths import data_dir, data_mirror
from lunarmap.sites import load_sites
from lunarmap_ui import (
    address,
    best_sites_panel,
    compare_panel,
    page,
    point_panels,
    sunlit_panel,
    terrain3d_panel,
    tools_panel,
    zones_panel,
)
from lunarmap_ui.errors import error_words, show_error
from lunarmap_ui.search_panel import search_box
from lunarmap_ui.timing import timed
from lunarmap_ui.visibility_panel import visibility_section


def configure_logging() -> None:
    """The app's log: lunarmap's and lunarmap_ui's records at INFO and above on stderr (once per process)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("lunarmap", "lunarmap_ui"):
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.INFO)


@st.cache_resource
def _catalog(path: str | None):
    return load_sites(path)


K_SETUP_TRIED = "data_setup_tried"


def run_data_setup(root: Path, mirror: str | None) -> bool:
    """Fetch (with a progress bar in bytes) and prepare the data; True when the layers are ready."""
    from lunarmap.fetch import fetch_all
    from lunarmap.prepare import prepare

    source = f"the mirror {mirror}" if mirror else "the pinned upstream URLs"
    with st.status(f"Getting the lunar data from {source} ...", expanded=True) as status:
        bar = st.progress(0.0, text="Fetching ...")

        def on_fetch(p) -> None:
            total = p.bytes_total or 0
            frac = min(p.bytes_done / total, 1.0) if total else 0.0
            bar.progress(frac, text=f"{p.product}: {p.bytes_done / 1e6:,.1f} of {total / 1e6:,.1f} MB "
                                    f"({p.rate_bytes_per_s / 1e6:,.1f} MB/s)")

        def on_step(step) -> None:
            st.write(f"Prepared {step.name}: {step.status} ({step.seconds:.1f} s)")

        try:
            fetch_all(data_dir=root, mirror=mirror, progress=on_fetch)
            bar.progress(1.0, text="All products present and verified. Preparing the layers ...")
            prepare(root, progress=on_step)
        except LunarmapError as err:
            status.update(label="The data could not be set up", state="error")
            show_error(err, "The data could not be set up")
            return False
        status.update(label="Data ready", state="complete", expanded=False)
    return True


def offer_data_setup(state: page.DataState, root: Path) -> None:
    """First start: offer to fetch and prepare the data (automatically when a mirror is configured)."""
    mirror = data_mirror()
    st.info(
        "The data layers (elevation, hillshade, slope, permanent shadow) are not prepared yet: the map shows "
        "sites, regions and the graticule only. Everything else keeps working meanwhile."
    )
    if state.problem is not None:
        st.caption(page.md_text(error_words(state.problem)))
    auto = mirror is not None and not st.session_state.get(K_SETUP_TRIED)
    clicked = st.button("Fetch and prepare the data (about 6 MB)", type="primary", key="data_setup_button",
                        help="Copies from LUNARMAP_DATA_MIRROR when it is set, else downloads from the pinned URLs; "
                             "the same as python -m lunarmap fetch && python -m lunarmap prepare.")
    if clicked or auto:
        st.session_state[K_SETUP_TRIED] = True
        if run_data_setup(root, mirror):
            st.rerun()


def main() -> None:
    st.set_page_config(page_title="lunarmap: lunar south pole", layout="wide")
    configure_logging()
    with timed("app"):
        page.init_state()
        page.page_style()
        try:
            catalog = _catalog(os.environ.get("LUNARMAP_SITES_FILE") or None)
        except LunarmapError as err:
            show_error(err)
            return
        root = data_dir()
        state = page.load_data_state(root)
        address.read_address_once(page.layer_names(state.layers), three_d_key=terrain3d_panel.K_T3D_ON)
        notice = st.container()
        map_area(catalog, root, state)
        with notice:
            address.address_notice()
            if not state.layers:
                offer_data_setup(state, root)
        zones = zones_panel.prepare_zones(catalog, root)
        zones_panel.zones_section(catalog, root, zones)
        compare_panel.compare_section(catalog, root)
        best_sites_panel.best_sites_section(catalog, root)
        visibility_section(catalog, root)
        page.about_data(state.layers)


@st.fragment
def map_area(catalog, root: Path, state: page.DataState) -> None:
    """The title bar, the map with its layer list, and the panel beside it: one fragment.

    A layer toggle, an opacity change, a search or a readout click reruns this alone; a change other
    sections read (the selection, a zone drawn, edited or deleted) reruns the whole page
    (:func:`lunarmap_ui.page.whole_page`).
    """
    with timed("map" if page.in_fragment_run() else "map-in-app"):
        page.rerun_page_if_asked()
        bar_title, bar_search, bar_layers, bar_info = st.columns([2.2, 3, 0.9, 0.9], vertical_alignment="center")
        with bar_title:
            page.title_line()
        left, right = st.columns([3, 1], gap="medium")
        with bar_search:
            search_box(catalog, root, results=right.container())
        with bar_layers, st.popover("Layers", icon=":material/layers:", width="stretch"):
            settings = page.layer_controls(state.layers)
            three_d = terrain3d_panel.terrain3d_controls()
        address.keep_layers(settings)
        address.keep_3d(three_d)
        with bar_info:
            page.about_popover(state.layers)
        with left:
            zones = zones_panel.prepare_zones(catalog, root)
            data = page.build_map_data(catalog, state.layers, settings, st.session_state.get(page.K_SELECTED, []),
                                       st.session_state.get(page.K_VIEW),
                                       compare_panel.radius_circle_layers(catalog) + sunlit_panel.sunlit_overlays()
                                       + zones.overlays + best_sites_panel.best_site_overlays(),
                                       legend_extra=zones.legend + sunlit_panel.sunlit_legend()
                                       + best_sites_panel.best_sites_legend(),
                                       zones=zones.map_zones, ack=zones.ack, selected_zone=zones.selected,
                                       unsaved=zones.unsaved,
                                       tools={"draw": True, "region": True, "regionLabel": sunlit_panel.REGION_LABEL},
                                       measure=tools_panel.measure_data(), profile=tools_panel.profile_data())
            data["terrain3d"] = terrain3d_panel.terrain3d_data(catalog, root, zones.map_zones)
            page.render_map(data, on_draw=page.whole_page(zones_panel.on_draw),
                            on_edit=page.whole_page(zones_panel.on_edit),
                            on_delete=page.whole_page(zones_panel.on_delete),
                            on_region=sunlit_panel.on_region_request,
                            on_measure=tools_panel.on_measure, on_profile=tools_panel.on_profile)
            sunlit_panel.sunlit_status()
        with right:
            zones_panel.owner_field()
            point_panels.selection_panel(catalog, root)
            tools_panel.profile_between_sites(catalog, root)
            tools_panel.tools_panel()
            point_panels.click_readout(root)
            zones_panel.zones_summary(zones)


# guarded: a worker process started from the server (multiprocessing "spawn") may import this file as
# __mp_main__; it must run no page (lunarmap.compute.plain_main keeps the usual starts from importing it at all)
if __name__ == "__main__":
    main()
