"""lunarmap dashboard: a thin Streamlit shell over the lunarmap library.

Run with ``streamlit run dashboard.py``.
"""

from __future__ import annotations

import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.sites import load_sites, sites_frame

st.set_page_config(page_title="lunarmap: lunar south pole", layout="wide")


@st.cache_resource
def _catalog():
    return load_sites()


def main() -> None:
    st.title("lunarmap: the lunar south pole")
    st.caption(
        "Sites, regions and measurements on the IAU 2015 Moon sphere (R = 1,737,400 m). "
        "Distances are geodesic on that sphere."
    )
    try:
        catalog = _catalog()
    except LunarmapError as err:
        st.error(str(err))
        return
    frame = sites_frame(catalog).drop(columns="geometry")
    st.subheader("Site catalogue")
    st.dataframe(
        frame[["id", "name", "kind", "agency", "date", "lon_deg", "lat_deg", "area_km2", "uncertainty_m", "source"]],
        hide_index=True,
        column_config={
            "lon_deg": st.column_config.NumberColumn("lon (deg E)", format="%.4f"),
            "lat_deg": st.column_config.NumberColumn("lat (deg)", format="%.4f"),
            "area_km2": st.column_config.NumberColumn("area (km²)", format="%.1f"),
            "uncertainty_m": st.column_config.NumberColumn("uncertainty (m)", format="%.0f"),
        },
    )
    st.info("The south-polar map, elevation and shadow layers come next.")


main()
