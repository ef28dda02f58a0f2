"""The "Keep-out zones" section: zones drawn on the map or entered exactly, conflicts, scenarios.

Widgets and session state only. Turning the map's payloads into zones, the
analysis, the repaired shape and the map layers are the library's
(:mod:`lunarmap.zones`, :mod:`lunarmap.zone_layers`, :mod:`lunarmap.zonecheck`,
:mod:`lunarmap.scenarios`). The section's parts: exact entry and import in
:mod:`.zone_forms`, the tables in :mod:`.zone_tables`, the repair and swap
offers in :mod:`.zone_offers`, sizing rules in :mod:`.rules_panel`, saved
scenarios in :mod:`.scenario_panel`, session state in :mod:`.zone_state`.
The zones being worked on live in this browser session's state only: nothing
reaches another session until it is saved as a scenario.

Flow of one rerun: :func:`prepare_zones` (before the map: opens ``?scenario=ID``,
analyses the zones, builds the map pieces), the map (zones drawn by the map
component; its draw/edit/delete triggers handled by :func:`on_draw`,
:func:`on_edit`, :func:`on_delete` before the script runs), then
:func:`zones_section` (tables, forms, scenarios, downloads).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.sites import SiteCatalog
from lunarmap.zone_layers import map_pieces, repair_layers
from lunarmap.zonecheck import analyse_apart
from lunarmap.zones import (
    MAX_ZONE_PAIRS,
    SelfIntersectionError,
    Zone,
    union_area_km2,
    zone_after_edit,
    zone_from_drawing,
)

from . import notification_panel, rules_panel, scenario_panel, zone_forms, zone_offers, zone_tables
from .errors import error_words, log_error
from .map_component import trigger_value
from .page import K_MAP, md_text
from .zone_state import (
    K_ACK,
    K_ANALYSIS,
    K_NEW_OWNER,
    K_NEW_PURPOSE,
    K_SCENARIO,
    K_SHOW_ZONE,
    K_ZONE_NOTICE,
    K_ZONE_REPAIR,
    K_ZONES_UNDO,
    ZonesView,
    current_zones,
    fingerprint,
    init_zone_state,
    new_meta,
    new_owner,
    next_name,
    notice,
    notice_error,
    refuse_polygon,
    set_zones,
    show_notice,
    undo,
)

__all__ = ["ZonesView", "prepare_zones", "on_draw", "on_edit", "on_delete", "owner_field", "zones_summary",
           "zones_section"]


# ----------------------------------------------------------------- map triggers
def on_draw() -> None:
    """A zone drawn on the map joins this session's zones (or is refused with the reason)."""
    value = trigger_value(K_MAP, "draw")
    if not value:
        return
    st.session_state[K_ACK] = value.get("seq")
    zones = current_zones()
    name, owner, meta = next_name(zones), new_owner(), new_meta()
    try:
        zone = zone_from_drawing(value, name, owner, **meta)
    except SelfIntersectionError as err:
        refuse_polygon(err, name, owner, {"rule": "drawn on the map", **meta})
        return
    except (LunarmapError, KeyError, TypeError, ValueError) as err:
        notice_error(err, "The drawn zone was not added")
        return
    st.session_state[K_ZONE_REPAIR] = None
    set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.2f} km²).")


def on_edit() -> None:
    """A zone moved, resized or reshaped on the map."""
    value = trigger_value(K_MAP, "edit")
    if not value:
        return
    st.session_state[K_ACK] = value.get("seq")
    zones = current_zones()
    idx = next((i for i, z in enumerate(zones) if z.id == value.get("id")), None)
    if idx is None:
        notice("The edited zone is no longer in this session; nothing was changed.")
        return
    try:
        new = zone_after_edit(zones[idx], value)
    except (LunarmapError, KeyError, TypeError, ValueError) as err:
        notice_error(err, f"The edit of {zones[idx].name} was not applied (the zone is unchanged)")
        return
    zones[idx] = new
    set_zones(zones, f"Updated {new.name} ({new.area_km2:,.2f} km²).")


def on_delete() -> None:
    """A zone deleted on the map (Undo brings it back)."""
    value = trigger_value(K_MAP, "delete")
    if not value:
        return
    st.session_state[K_ACK] = value.get("seq")
    zones = current_zones()
    gone = [z for z in zones if z.id == value.get("id")]
    if gone:
        set_zones([z for z in zones if z.id != value.get("id")], f"Deleted {gone[0].name}; Undo brings it back.", "info")


# ----------------------------------------------------------------- analysis and map pieces

def _analysis(zones: list[Zone], catalog: SiteCatalog, data_dir: Path) -> tuple:
    """(report, PSR status, map pieces) of the zones; recomputed only when the zones change."""
    key = (fingerprint(zones), str(catalog.path), str(data_dir))
    cached = st.session_state.get(K_ANALYSIS)
    if cached and cached[0] == key:
        return cached[1]
    report, status, pieces = None, "", None
    if zones:
        try:   # hundreds of zones: in a worker process, so other sessions' page runs are not held up
            report, status, pieces = analyse_apart(zones, list(catalog), data_dir, max_pairs=MAX_ZONE_PAIRS)
        except LunarmapError as err:
            log_error(err, "zone analysis")
            report, status = None, "the analysis failed: " + error_words(err)
    result = (report, status, pieces if pieces is not None else map_pieces(zones, report))
    st.session_state[K_ANALYSIS] = (key, result)
    return result


def prepare_zones(catalog: SiteCatalog, data_dir: Path) -> ZonesView:
    """Open ``?scenario=ID`` once per session, analyse the zones, and build what the map draws."""
    init_zone_state()
    scenario_panel.open_from_query()
    zones = current_zones()
    report, status, (map_zones, overlays, legend) = _analysis(zones, catalog, data_dir)
    pending = st.session_state.get(K_ZONE_REPAIR)
    overlays = overlays + repair_layers(pending["repaired"] if pending else None)
    selected = st.session_state.get(K_SHOW_ZONE)
    selected = selected if any(z.id == selected for z in zones) else None
    scenario = st.session_state.get(K_SCENARIO)
    unsaved = bool(zones) and (scenario is None or scenario["fingerprint"] != fingerprint(zones))
    return ZonesView(tuple(zones), report, map_zones, st.session_state.get(K_ACK), selected, unsaved, overlays, legend,
                     status)


def owner_field() -> None:
    """Who claims the zones drawn next: beside the map's drawing toolbar, where the drawing happens."""
    init_zone_state()
    st.text_input("Owner of new zones", key=K_NEW_OWNER,
                  help="The party claiming the zones you draw next with the map's Circle and Polygon tools")


def zones_summary(view: ZonesView) -> None:
    """A short summary beside the map: how many zones, and each conflict with its overlap area."""
    st.subheader("Keep-out zones")
    if not view.zones:
        st.caption("None yet: draw with the map's Circle or Polygon tool (details in Keep-out zones below).")
        _summary_notice()
        return
    total = union_area_km2(view.zones)     # overlaps counted once
    lines = [f"{len(view.zones)} zone{'s' if len(view.zones) != 1 else ''}, covering {total:,.1f} km² (sphere)"]
    if view.report is not None:
        names = {z.id: z.name for z in view.zones}
        conflicts = view.report.conflicts
        lines.append(f"**{len(conflicts)} conflict{'s' if len(conflicts) != 1 else ''}**" if conflicts
                     else "no conflicts")
        for p in conflicts[:5]:
            lines.append(f"{md_text(names[p.a])} × {md_text(names[p.b])}: {p.overlap_km2:,.2f} km²")
        if len(conflicts) > 5:
            lines.append(f"… and {len(conflicts) - 5} more (table below)")
    st.markdown("  \n".join(lines))
    _summary_notice()


def _summary_notice() -> None:
    """The last zone action's message beside the map too (a refusal is not missed), with Undo at hand."""
    show_notice(st.session_state.get(K_ZONE_NOTICE))
    st.button("Undo the last zone change", key="zones_undo_summary", on_click=_undo,
              disabled=not st.session_state.get(K_ZONES_UNDO))


# ----------------------------------------------------------------- the section
def _show_notice() -> None:
    show_notice(st.session_state.get(K_ZONE_NOTICE))


def _undo() -> None:
    if undo():
        notice("Undone.", "info")


def zones_section(catalog: SiteCatalog, data_dir: Path, view: ZonesView) -> None:
    """The section: notices, the zone and conflict tables, exact entry, import, scenarios and downloads."""
    st.header("Keep-out zones")
    st.caption("Draw with the map's tools (circle: click the centre, then click or drag to the radius; polygon: "
               "click the vertices and close on the first; edit: select a zone to move it, drag its handles, or "
               "press Delete). Zones are hypothetical, in the Artemis Accords' sense of safety zones; all areas are "
               "on the Moon sphere and circles are geodesic.")
    c2, c3 = st.columns([4, 1], vertical_alignment="bottom")
    c2.text_input("Purpose of new zones", key=K_NEW_PURPOSE)
    c3.button("Undo", key="zones_undo_button", on_click=_undo, disabled=not st.session_state.get(K_ZONES_UNDO))
    # fixed containers: what appears inside them does not shift the widgets below (an open form stays open)
    with st.container():
        _show_notice()
    with st.container():
        zone_offers.repair_offer()
    with st.container():
        zone_offers.swap_offer()
    with st.container():
        zone_tables.conflict_tables(view, catalog)
    with st.expander("Add a zone exactly, or import zones", expanded=False, key="zone_entry_expander",
                     on_change="rerun"):
        t1, t2, t3 = st.tabs(["Circle", "Polygon", "Import file"], key="zone_entry_tab", on_change="rerun")
        with t1:
            zone_forms.circle_form(catalog)
        with t2:
            zone_forms.polygon_form()
        with t3:
            zone_forms.import_form()
    rules_panel.rules_part()
    scenario_panel.scenarios_part()
    scenario_panel.downloads(list(view.zones), view.report)
    notification_panel.notification_downloads(list(view.zones), view.report)
