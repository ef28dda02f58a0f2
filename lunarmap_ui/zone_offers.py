"""The offers made when a zone is refused but can be had another way: the repaired shape, or swapped coordinates.

Each stays on offer (in :mod:`.zone_state`) until it is taken or discarded;
the shapes come from the library (:func:`lunarmap.zones.repaired_zones`,
:mod:`lunarmap.zone_swap`).
"""

from __future__ import annotations

import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.zones import circle_zone, polygon_zone, repair_summary, repaired_zones

from .page import md_text
from .zone_state import K_ZONE_NOTICE, K_ZONE_REPAIR, K_ZONE_SWAP, current_zones, notice_error, set_zones

__all__ = ["repair_offer", "swap_offer"]


def _accept_repair() -> None:
    pending = st.session_state.get(K_ZONE_REPAIR)
    if not pending:
        return
    try:
        added = repaired_zones(pending["repaired"], pending["name"], pending["owner"], pending["meta"])
    except LunarmapError as err:
        notice_error(err, "The repaired shape could not be used either")
        return
    st.session_state[K_ZONE_REPAIR] = None
    set_zones(current_zones() + added, f"Added the repaired shape as {len(added)} zone(s).")


def repair_offer() -> None:
    """The repaired shape of a refused self-intersecting polygon, with Add and Discard (nothing when none is on offer)."""
    pending = st.session_state.get(K_ZONE_REPAIR)
    if not pending:
        return
    with st.container(border=True):
        st.markdown("**The polygon crosses itself.** Nothing was added. The repaired shape (outlined in white on "
                    "the map) would be:")
        st.caption(f"{repair_summary(pending['repaired'])}, outlined as drawn (edges straight on the map).")
        c1, c2 = st.columns(2)
        c1.button("Add the repaired shape", key="zone_repair_accept", on_click=_accept_repair)
        c2.button("Discard", key="zone_repair_discard",
                  on_click=lambda: st.session_state.update({K_ZONE_REPAIR: None, K_ZONE_NOTICE: None}))


def _add_reading(which: str) -> None:
    pending = st.session_state.get(K_ZONE_SWAP)
    if not pending:
        return
    reading = pending[which]
    meta = dict(pending["meta"])
    try:
        if pending["radius_km"] is not None:
            lon, lat = reading.vertices_lonlat[0]
            zone = circle_zone(pending["name"], pending["owner"], lon, lat, pending["radius_km"], **meta)
        else:
            zone = polygon_zone(pending["name"], pending["owner"], list(reading.vertices_lonlat), **meta)
    except LunarmapError as err:
        notice_error(err, "That reading could not be added either")
        return
    st.session_state[K_ZONE_SWAP] = None
    how = "with latitude and longitude swapped" if which == "swapped" else "as typed"
    set_zones(current_zones() + [zone], f"Added {zone.name} {how} ({zone.area_km2:,.3f} km²).")


def swap_offer() -> None:
    """Both readings of coordinates that look like "lat, lon": swap, add as typed (when on the map), or discard."""
    pending = st.session_state.get(K_ZONE_SWAP)
    if not pending:
        return
    with st.container(border=True, key="zone_swap_offer"):
        st.markdown("**These coordinates look like latitude, longitude.** lunarmap reads 'longitude, latitude'. "
                    "Nothing was added yet.")
        st.caption(f"As typed (longitude, latitude): {md_text(pending['as_typed'].describe())}.")
        st.caption(f"Swapped (latitude, longitude): {md_text(pending['swapped'].describe())}.")
        c1, c2, c3 = st.columns(3)
        c1.button("Swap lat and lon", key="zone_swap_accept", type="primary", on_click=_add_reading,
                  args=("swapped",))
        if pending["can_add_as_typed"]:
            c2.button("Add as typed", key="zone_swap_as_typed", on_click=_add_reading, args=("as_typed",))
        c3.button("Discard", key="zone_swap_discard",
                  on_click=lambda: st.session_state.update({K_ZONE_SWAP: None, K_ZONE_NOTICE: None}))
