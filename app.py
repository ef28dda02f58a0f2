"""lunarmap served with its map tiles: ``streamlit run app.py``.

The dashboard (``dashboard.py``) on Streamlit's own server, plus the routes of the full-resolution map tiles
(:mod:`lunarmap_ui.tile_server`) on the same origin and port. ``streamlit run dashboard.py`` runs the same page
without tiles.
"""

import streamlit as st

from lunarmap_ui.tile_server import routes

app = st.App("dashboard.py", routes=routes())
