"""The floor for bench/bench_page.py: the dashboard's default map layers in a plain ``st.pydeck_chart``.

Nothing else on the page: no sidebar, no panels, no lunarmap component. The layers are the library's own
(:func:`lunarmap.layers.map_layers` with the default settings, the same display images, site catalogue and
opening view as the dashboard), so the two pages draw the same map and differ only in how they get it
drawn: Streamlit's built-in deck.gl chart here, lunarmap's component there. The display images are
published into ``bench/static/`` (this script's own Streamlit static folder; not committed), as the
dashboard publishes them into ``static/``.

Run by bench/bench_page.py: ``streamlit run bench/plain_pydeck_page.py`` from the repository root
(so ``.streamlit/config.toml``, with static serving on, applies); ``LUNARMAP_DATA_DIR`` as for the dashboard.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pydeck as pdk
import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap import layers as L  # noqa: E402
from lunarmap.paths import data_dir  # noqa: E402
from lunarmap.prepare import display_layers  # noqa: E402
from lunarmap.sites import load_sites  # noqa: E402
from lunarmap_ui.page import MAP_HEIGHT_PX  # noqa: E402
from lunarmap_ui.static_files import publish  # noqa: E402

STATIC = Path(__file__).resolve().parent / "static"


@st.cache_resource
def _deck() -> pdk.Deck:
    sites = list(load_sites(None))
    rasters = [L.RasterSource(d.name, publish(d.path, static_dir=STATIC), tuple(d.bounds_m))
               for d in display_layers(data_dir())]
    settings = {**L.VECTOR_DEFAULTS, **L.RASTER_DEFAULTS}
    opening = L.view_for_sites(sites, MAP_HEIGHT_PX - 40)
    view = pdk.ViewState(target=[opening.x_m, opening.y_m, 0], zoom=opening.zoom)
    return pdk.Deck(layers=L.map_layers(sites, rasters, settings), views=[L.map_view()], initial_view_state=view,
                    map_style=None, map_provider=None)


st.set_page_config(page_title="plain pydeck page", layout="wide")
st.pydeck_chart(_deck(), height=MAP_HEIGHT_PX)
