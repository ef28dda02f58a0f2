"""Saved scenarios in the page: save, open, rename, delete, links (``?scenario=ID``) and downloads.

Storage is :class:`lunarmap.scenarios.ScenarioStore` (one GeoPackage, one SQLite
transaction per change), shared by every browser session of this server.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.scenario_files import scenario_gpkg_bytes
from lunarmap.scenarios import format_saved
from lunarmap.views import view_for_geometries
from lunarmap.zonecheck import csv_text, report_rows
from lunarmap.zones import Zone, ZoneReport, zones_to_geojson

from .errors import show_error
from .page import K_VIEW, MAP_HEIGHT_PX, md_text
from .zone_state import (
    K_QUERY_OPENED,
    K_SCENARIO,
    K_SCENARIO_NAME,
    QUERY_KEY,
    current_zones,
    fingerprint,
    notice,
    notice_error,
    own_rules,
    set_zones,
    store,
)

#: Session key of the "number a taken name" choice (refuse by default).
K_NUMBER_NAMES = "scenario_number_names"

__all__ = ["open_scenario", "open_from_query", "scenarios_part", "downloads", "files_key"]


def open_scenario(sid: str, replace_query: bool = True) -> None:
    """Replace this session's zones by a saved scenario's (Undo brings the previous ones back)."""
    try:
        db = store()
        info = db.info(sid)
        zones, problems = db.load_checked(sid)
        rules = db.rules(sid)
    except LunarmapError as err:
        notice_error(err, "The scenario could not be opened")
        return
    if problems:
        set_zones(zones, f"Opened the scenario {info.name!r} with {len(zones)} zones; {len(problems)} damaged "
                         f"row(s) were left out: " + " ".join(problems[:3]) + (" ..." if len(problems) > 3 else ""),
                  level="warning", rules=rules)
    else:
        set_zones(zones, f"Opened the scenario {info.name!r} ({len(zones)} zones).", rules=rules)
    st.session_state[K_SCENARIO] = {"id": sid, "name": info.name, "fingerprint": fingerprint(zones),
                                     "saved_utc": info.saved_utc}
    st.session_state[K_SCENARIO_NAME] = info.name
    st.session_state["scenario_pick"] = sid
    if replace_query:
        st.query_params[QUERY_KEY] = sid


def open_from_query() -> None:
    """Open the scenario named in the page's ``?scenario=ID`` once per session, framed on its zones.

    An address that also holds a view (``?view=``, a copied address) keeps that view.
    """
    sid = st.query_params.get(QUERY_KEY)
    if not sid or st.session_state.get(K_QUERY_OPENED) == sid:
        return
    st.session_state[K_QUERY_OPENED] = sid
    if (st.session_state.get(K_SCENARIO) or {}).get("id") != sid:
        open_scenario(sid, replace_query=False)
    zones = current_zones()
    if zones and not st.query_params.get("view"):
        target = view_for_geometries([z.geometry_polar for z in zones], MAP_HEIGHT_PX - 40)
        nonce = (st.session_state.get(K_VIEW) or {}).get("nonce", 0) + 1
        st.session_state[K_VIEW] = {**target.as_dict(), "nonce": nonce}


def _save(as_new: bool) -> None:
    name = str(st.session_state.get(K_SCENARIO_NAME) or "").strip()
    zones = current_zones()
    current = st.session_state.get(K_SCENARIO)
    sid = None if as_new or current is None else current["id"]
    try:
        db = store()
        # refused if another session saved this scenario after this one opened or saved it
        sid = db.save(name, zones, scenario_id=sid, expect_saved_utc=None if sid is None else current.get("saved_utc"),
                      number_if_taken=bool(st.session_state.get(K_NUMBER_NAMES)), rules=own_rules())
        info = db.info(sid)
        stamp = info.saved_utc
    except LunarmapError as err:
        notice_error(err, "The scenario was not saved")
        return
    numbered = info.name != name
    name = info.name
    st.session_state[K_SCENARIO] = {"id": sid, "name": name, "fingerprint": fingerprint(zones), "saved_utc": stamp}
    st.session_state[K_QUERY_OPENED] = sid
    st.session_state["scenario_pick"] = sid
    st.session_state[K_SCENARIO_NAME] = name
    st.query_params[QUERY_KEY] = sid
    notice(f"Saved {name!r}{' (the name was taken: numbered)' if numbered else ''} ({len(zones)} zones). "
           "Its link opens it in any browser session.", "success")


def _saved_text(saved_utc: str) -> str:
    """A save time to the minute in the browser's time zone (UTC when the browser does not tell)."""
    return format_saved(saved_utc, getattr(st.context, "timezone", None))


def _scenario_link(sid: str) -> str:
    base = getattr(st.context, "url", None) or ""
    return f"{base}?{QUERY_KEY}={sid}"


def scenarios_part() -> None:
    """Save (or save as new), the open scenario's link, and the saved list with open, rename and delete."""
    st.subheader("Scenarios")
    current = st.session_state.get(K_SCENARIO)
    zones = current_zones()
    if current:
        dirty = current["fingerprint"] != fingerprint(zones)
        st.markdown(f"Open: **{md_text(current['name'])}**" + (" · unsaved changes" if dirty else " · saved"))
        st.code(_scenario_link(current["id"]), language=None)
    else:
        st.caption("These zones are in this browser session only until you save them as a scenario.")
    st.session_state.setdefault(K_SCENARIO_NAME, current["name"] if current else "")
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    c1.text_input("Scenario name", key=K_SCENARIO_NAME, placeholder="e.g. Rim plan 2028")
    c2.button("Save", key="scenario_save", type="primary", on_click=_save, args=(False,), disabled=not zones,
              help="Save these zones (replacing the open scenario's zones, if one is open)")
    c3.button("Save as new", key="scenario_save_new", on_click=_save, args=(True,), disabled=not zones)
    st.checkbox("If the name is taken, number it (e.g. 'Rim plan (2)') instead of refusing", key=K_NUMBER_NAMES)
    try:
        saved = store().list()
    except LunarmapError as err:
        show_error(err, "The scenario database cannot be read")
        return
    if not saved:
        st.caption("No saved scenarios yet.")
        return
    ids = [s.id for s in saved]
    by_id = {s.id: s for s in saved}
    if current and current["id"] in ids and st.session_state.get("scenario_pick") not in ids:
        st.session_state["scenario_pick"] = current["id"]     # rename/delete act on the open one by default
    st.selectbox("Saved scenarios", ids, key="scenario_pick",
                        format_func=lambda i: f"{by_id[i].name} · {by_id[i].zone_count} zones · saved "
                                              f"{_saved_text(by_id[i].saved_utc)}")
    c4, c5, c6 = st.columns([1, 2, 1], vertical_alignment="bottom")
    c4.button("Open", key="scenario_open", on_click=lambda: open_scenario(st.session_state.get("scenario_pick")),
              help="Replace the zones here by the saved ones (Undo brings these back)")
    c5.text_input("New name", key="scenario_new_name")

    def rename() -> None:   # reads the widgets' current values (a callback runs before the script)
        sid, name = st.session_state.get("scenario_pick"), str(st.session_state.get("scenario_new_name") or "")
        try:
            name = store().rename(sid, name, number_if_taken=bool(st.session_state.get(K_NUMBER_NAMES)))
        except LunarmapError as err:
            notice_error(err, "The scenario was not renamed")
            return
        cur = st.session_state.get(K_SCENARIO)
        if cur and cur["id"] == sid:
            st.session_state[K_SCENARIO] = {**cur, "name": name.strip(), "saved_utc": store().info(sid).saved_utc}
            st.session_state[K_SCENARIO_NAME] = name.strip()   # the next Save keeps the new name
        notice(f"Renamed to {name.strip()!r}.", "success")

    c6.button("Rename", key="scenario_rename", on_click=rename)
    confirm = st.checkbox("I want to delete the chosen saved scenario", key="scenario_delete_confirm")

    def delete() -> None:
        sid = st.session_state.get("scenario_pick")
        try:
            name = store().info(sid).name
            store().delete(sid)
        except LunarmapError as err:
            notice_error(err, "The scenario was not deleted")
            return
        cur = st.session_state.get(K_SCENARIO)
        if cur and cur["id"] == sid:
            st.session_state[K_SCENARIO] = None
            st.query_params.pop(QUERY_KEY, None)
        st.session_state["scenario_delete_confirm"] = False
        notice(f"Deleted the saved scenario {name!r} (the zones on the map stay until you remove them).", "info")

    st.button("Delete saved scenario", key="scenario_delete", on_click=delete, disabled=not confirm)


@st.cache_data(show_spinner=False, max_entries=4)
def _geojson_text(key: tuple, _zones: list[Zone], name: str, _rules: tuple) -> str:
    """The zones as lunarmap GeoJSON text; ``key`` names everything in it (the zones' fingerprint, name, rules)."""
    return json.dumps(zones_to_geojson(_zones, name, _rules), ensure_ascii=False, indent=1)


@st.cache_data(show_spinner=False, max_entries=4)
def _gpkg_bytes(key: tuple, _zones: list[Zone], name: str, _rules: tuple) -> bytes:
    """The zones as a GeoPackage; cached like :func:`_geojson_text`."""
    return scenario_gpkg_bytes(name, _zones, _rules)


def files_key(zones: list[Zone], name: str, rules: tuple) -> tuple:
    """What the zone files are made of (the zones' fingerprint and sizing rules, the name, the own rules)."""
    return (fingerprint(zones), tuple(z.rule_key for z in zones), name, repr(rules))


def downloads(zones: list[Zone], report: ZoneReport | None) -> None:
    """Download buttons: the zones as GeoJSON and GeoPackage, the conflict report as CSV (made with the zones)."""
    zones = list(zones)
    if not zones:
        return
    name = str(st.session_state.get(K_SCENARIO_NAME) or "").strip() or "zones"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "zones"
    rules = own_rules()

    # The files are made when the zones change (cached on what is in them), not on click: a deferred download's
    # answer can be lost when the page reruns just then, leaving the button spinning until a reload.
    key = files_key(zones, name, rules)
    c1, c2, c3 = st.columns(3)
    c1.download_button("Zones as GeoJSON", key="zones_dl_geojson", file_name=f"{stem}.geojson",
                       mime="application/geo+json", data=_geojson_text(key, zones, name, rules))
    c2.download_button("Zones as GeoPackage", key="zones_dl_gpkg", file_name=f"{stem}.gpkg",
                       mime="application/geopackage+sqlite3", data=_gpkg_bytes(key, zones, name, rules))
    if report is not None:   # formula-like text cells are written as text (csv_text)
        c3.download_button("Conflict report (CSV)", key="zones_dl_report", file_name=f"{stem}-conflicts.csv",
                           mime="text/csv", data=csv_text(*report_rows(report)))
    st.caption("GeoJSON: lon/lat (IAU_2015:30100) with the lunar CRS named in the file; zones round the pole are "
               "written as polar caps. GeoPackage: polygons in IAU_2015:30135 metres, readable by QGIS and GDAL.")


