"""Session state of the keep-out zones: the zones being worked on, Undo, notices, the open scenario.

Everything here lives in one browser session's ``st.session_state``; nothing
reaches another session until it is saved as a scenario (:mod:`lunarmap.scenarios`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely
import streamlit as st

from lunarmap.scenarios import ScenarioStore, open_store
from lunarmap.zone_swap import SwappedCoordinatesError
from lunarmap.zones import SelfIntersectionError, Zone, ZoneReport

from .errors import display_for, error_words, show_error
from .page import md_text

if TYPE_CHECKING:
    from lunarmap.scenarios_postgis import PostgisScenarioStore

__all__ = [
    "notice_error", "notice_text", "show_notice",
    "K_ZONES", "K_ZONES_UNDO", "K_ZONE_NOTICE", "K_ZONE_REPAIR", "K_ZONE_SWAP", "K_RULES", "offer_swap",
    "own_rules", "K_SCENARIO", "K_QUERY_OPENED", "K_NEW_OWNER",
    "K_NEW_PURPOSE", "K_SCENARIO_NAME", "K_ANALYSIS", "K_ACK", "QUERY_KEY", "DEFAULT_OWNER", "store", "init_zone_state",
    "K_TABLE_VERSION", "current_zones", "fingerprint", "set_zones", "undo", "notice", "next_name", "new_meta",
    "new_owner", "refuse_polygon", "K_SHOW_ZONE", "ZonesView",
]

K_ZONES = "zones"                  # list[Zone]: this session's zones (unsaved work lives only here)
K_ZONES_UNDO = "zones_undo"        # list[(zones, open scenario)]: earlier states, newest last
K_ZONE_NOTICE = "zone_notice"      # {"level": "warning"|"success"|"info", "text": str} from the last action
K_ZONE_REPAIR = "zone_repair"      # a refused self-intersecting polygon and its offered repair
K_ZONE_SWAP = "zone_swap"          # typed coordinates that look like "lat, lon": both readings on offer
K_RULES = "zone_rules"             # tuple[SizingRule]: the planner's own sizing rules (saved with the scenario)
K_SCENARIO = "zone_scenario"       # {"id", "name", "fingerprint", "saved_utc"} of the open saved scenario, or None
K_QUERY_OPENED = "zone_query_opened"
K_NEW_OWNER = "zone_new_owner"
K_NEW_PURPOSE = "zone_new_purpose"
K_SCENARIO_NAME = "zone_scenario_name"
K_ANALYSIS = "zone_analysis"
K_TABLE_VERSION = "zone_table_version"   # bumped after each table edit: a fresh editor, no stale edits replayed
K_SHOW_ZONE = "zone_show_on_map"   # id of the zone chosen in "Show on the map" (selected on the map)
K_ACK = "zone_ack"                 # seq of the last map draw/edit/delete handled (sent back to the map as "ack")
QUERY_KEY = "scenario"
DEFAULT_OWNER = "Party A"
_UNDO_DEPTH = 30


@dataclass(frozen=True)
class ZonesView:
    """What the map needs from the zones of this rerun, and the analysis shown in the section."""

    zones: tuple[Zone, ...]
    report: ZoneReport | None
    map_zones: list[dict]
    ack: int | None
    selected: str | None
    unsaved: bool
    overlays: list[dict]
    legend: list[dict]
    psr_status: str



def store() -> ScenarioStore | PostgisScenarioStore:
    """The scenario database: ``LUNARMAP_SCENARIO_DB`` (a GeoPackage path or a team's ``postgresql://`` address)
    or a GeoPackage in the user data folder."""
    return open_store()


def init_zone_state() -> None:
    """Session-state defaults (each key declared once, above)."""
    st.session_state.setdefault(K_ZONES, [])
    st.session_state.setdefault(K_ZONES_UNDO, [])
    st.session_state.setdefault(K_ZONE_NOTICE, None)
    st.session_state.setdefault(K_ZONE_REPAIR, None)
    st.session_state.setdefault(K_ZONE_SWAP, None)
    st.session_state.setdefault(K_RULES, ())
    st.session_state.setdefault(K_SCENARIO, None)
    st.session_state.setdefault(K_NEW_OWNER, DEFAULT_OWNER)
    st.session_state.setdefault(K_NEW_PURPOSE, "")


def current_zones() -> list[Zone]:
    """This session's zones (a copy of the list)."""
    return list(st.session_state.get(K_ZONES, []))


def fingerprint(zones: list[Zone]) -> str:
    """A digest of everything saved about the zones (to tell saved from unsaved)."""
    h = hashlib.sha1()
    for z in zones:
        h.update(repr((z.id, z.name, z.owner, z.purpose, z.start, z.end, z.rule, z.shape, z.centre_lonlat,
                       z.radius_km)).encode())
        h.update(shapely.to_wkb(z.geometry_polar))
    return h.hexdigest()


def own_rules() -> tuple:
    """The planner's own sizing rules in this session (saved with the scenario)."""
    return tuple(st.session_state.get(K_RULES, ()))


def set_zones(zones: list[Zone], notice: str | None = None, level: str = "success", rules: tuple | None = None) -> None:
    """Replace the zones (and, when given, the own sizing rules), keeping the previous state for Undo."""
    undo = list(st.session_state.get(K_ZONES_UNDO, []))
    undo.append((current_zones(), st.session_state.get(K_SCENARIO), own_rules()))
    st.session_state[K_ZONES_UNDO] = undo[-_UNDO_DEPTH:]
    st.session_state[K_ZONES] = list(zones)
    if rules is not None:
        st.session_state[K_RULES] = tuple(rules)
    st.session_state[K_ZONE_NOTICE] = {"level": level, "text": notice} if notice else None


def undo() -> bool:
    """Go back one step: the zones and which saved scenario was open (so Save targets the right one)."""
    stack = list(st.session_state.get(K_ZONES_UNDO, []))
    if not stack:
        return False
    zones, scenario, *rest = stack.pop()
    st.session_state[K_ZONES] = zones
    if rest:
        st.session_state[K_RULES] = rest[0]
    st.session_state[K_SCENARIO] = scenario
    if scenario is not None:
        st.session_state[K_SCENARIO_NAME] = scenario["name"]
    st.session_state[K_ZONES_UNDO] = stack
    return True


def notice(text: str, level: str = "warning") -> None:
    """Show ``text`` at the top of the zones section on the next rerun."""
    st.session_state[K_ZONE_NOTICE] = {"level": level, "text": text}


def notice_error(err: BaseException, what: str) -> None:
    """Show ``err`` (through the error table, :func:`lunarmap_ui.errors.show_error`) after ``what`` on the next rerun.

    The error object is kept, not its text: the table decides how it is shown and logged.
    """
    st.session_state[K_ZONE_NOTICE] = {"level": display_for(err).how, "text": what, "error": err}


def notice_text(note: dict | None) -> str:
    """A notice's plain words: its text, and the error's words when it holds one ("" for no notice)."""
    if not note:
        return ""
    err = note.get("error")
    return note["text"] if err is None else f"{note['text']}: {error_words(err)}"


def show_notice(note: dict | None) -> None:
    """Show a notice kept by :func:`notice` or :func:`notice_error` (text as text, never Markdown)."""
    if not note:
        return
    if note.get("error") is not None:
        show_error(note["error"], note["text"])
    else:
        getattr(st, note["level"])(md_text(note["text"]))


def next_name(zones: list[Zone]) -> str:
    """"Zone N": the first number not taken."""
    used = {z.name for z in zones}
    n = len(zones) + 1
    while f"Zone {n}" in used:
        n += 1
    return f"Zone {n}"


def new_meta() -> dict[str, Any]:
    """Attributes given to zones drawn next (purpose from the section's field)."""
    return {"purpose": st.session_state.get(K_NEW_PURPOSE, "")}


def new_owner() -> str:
    """The owner given to zones drawn next (the default owner when the field is empty: a drawing is never lost)."""
    return str(st.session_state.get(K_NEW_OWNER) or "").strip() or DEFAULT_OWNER


def refuse_polygon(err: SelfIntersectionError, name: str, owner: str, meta: dict[str, Any]) -> None:
    """Keep a refused self-intersecting polygon's repair on offer, and say why it was refused."""
    st.session_state[K_ZONE_REPAIR] = {"name": name, "owner": owner, "meta": meta, "repaired": err.repaired,
                                       "message": error_words(err)}
    notice_error(err, "The polygon was not added")




def offer_swap(err: SwappedCoordinatesError, name: str, owner: str, meta: dict[str, Any],
               radius_km: float | None = None) -> None:
    """Keep both readings of coordinates that look swapped on offer (swap, or add as typed when that is on the map)."""
    st.session_state[K_ZONE_SWAP] = {"name": name, "owner": owner, "meta": meta, "radius_km": radius_km,
                                     "as_typed": err.as_typed, "swapped": err.swapped,
                                     "can_add_as_typed": err.can_add_as_typed}
    notice_error(err, "Check the coordinates")
