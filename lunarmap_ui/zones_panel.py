"""The "Keep-out zones" section: zones drawn on the map or entered exactly, conflicts, scenarios.

Streamlit-specific code only; geometry, checks and storage come from
:mod:`lunarmap.zones`, :mod:`lunarmap.zonecheck` and :mod:`lunarmap.scenarios`.
The zones being worked on live in this browser session's state only: nothing
reaches another session until it is saved as a scenario.

Flow of one rerun: :func:`prepare_zones` (before the map: opens ``?scenario=ID``,
analyses the zones, builds the map pieces), the map (zones drawn by the map
component; its draw/edit/delete triggers handled by :func:`on_draw`,
:func:`on_edit`, :func:`on_delete` before the script runs), then
:func:`zones_section` (tables, forms, scenarios, downloads).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import streamlit as st

from lunarmap import layers as L
from lunarmap.crs import SOUTH_POLAR_CODE, lonlat_to_polar, polar_to_lonlat
from lunarmap.errors import LunarmapError
from lunarmap.geodesy import area_km2, distance_m
from lunarmap.scenarios import ScenarioStore, scenario_from_gpkg_bytes, scenario_gpkg_bytes
from lunarmap.sites import SiteCatalog
from lunarmap.zonecheck import psr_measure, report_rows
from lunarmap.zones import (
    SIZING_RULES,
    SelfIntersectionError,
    Zone,
    ZoneReport,
    analyse_zones,
    circle_zone,
    polygon_zone,
    with_attributes,
    zones_from_geojson,
    zones_to_geojson,
)

from .map_component import trigger_value
from .page import K_MAP, md_text

__all__ = [
    "K_ZONES", "K_ZONES_UNDO", "K_ZONE_NOTICE", "K_ZONE_REPAIR", "K_SCENARIO", "K_NEW_OWNER", "QUERY_KEY",
    "DEFAULT_OWNER", "ZonesView", "zone_from_drawing", "zone_after_edit", "parse_vertices", "map_pieces", "init_zone_state", "prepare_zones", "on_draw", "on_edit", "on_delete",
    "zones_section",
]

K_ZONES = "zones"                  # list[Zone]: this session's zones (unsaved work lives only here)
K_ZONES_UNDO = "zones_undo"        # list[list[Zone]]: earlier states, newest last
K_ZONE_NOTICE = "zone_notice"      # {"level": "warning"|"success"|"info", "text": str} from the last action
K_ZONE_REPAIR = "zone_repair"      # a refused self-intersecting polygon and its offered repair
K_SCENARIO = "zone_scenario"       # {"id", "name", "fingerprint"} of the open saved scenario, or None
K_QUERY_OPENED = "zone_query_opened"
K_NEW_OWNER = "zone_new_owner"
K_NEW_PURPOSE = "zone_new_purpose"
K_SCENARIO_NAME = "zone_scenario_name"
K_ANALYSIS = "zone_analysis"
QUERY_KEY = "scenario"
DEFAULT_OWNER = "Party A"
_UNDO_DEPTH = 30
_FREE_RULE = "free"
#: Zone colours, one per owner in order of first appearance (RGB).
_OWNER_COLOURS = ((64, 196, 255), (255, 140, 64), (170, 120, 255), (80, 220, 120), (255, 90, 190),
                  (230, 230, 80), (120, 200, 200), (200, 160, 120))
_CONFLICT_RGB = (255, 40, 40)
_SAME_OWNER_RGB = (255, 200, 0)


def _store() -> ScenarioStore:
    return ScenarioStore()


def init_zone_state() -> None:
    """Session-state defaults (each key declared once, above)."""
    st.session_state.setdefault(K_ZONES, [])
    st.session_state.setdefault(K_ZONES_UNDO, [])
    st.session_state.setdefault(K_ZONE_NOTICE, None)
    st.session_state.setdefault(K_ZONE_REPAIR, None)
    st.session_state.setdefault(K_SCENARIO, None)
    st.session_state.setdefault(K_NEW_OWNER, DEFAULT_OWNER)
    st.session_state.setdefault(K_NEW_PURPOSE, "")


def _zones() -> list[Zone]:
    return list(st.session_state.get(K_ZONES, []))


def _fingerprint(zones: list[Zone]) -> str:
    h = hashlib.sha1()
    for z in zones:
        h.update(repr((z.id, z.name, z.owner, z.purpose, z.start, z.end, z.rule, z.shape, z.centre_lonlat,
                       z.radius_km)).encode())
        h.update(shapely.to_wkb(z.geometry_polar))
    return h.hexdigest()


def _set_zones(zones: list[Zone], notice: str | None = None, level: str = "success") -> None:
    """Replace the zones, keeping the previous state for Undo."""
    undo = list(st.session_state.get(K_ZONES_UNDO, []))
    undo.append(_zones())
    st.session_state[K_ZONES_UNDO] = undo[-_UNDO_DEPTH:]
    st.session_state[K_ZONES] = list(zones)
    st.session_state[K_ZONE_NOTICE] = {"level": level, "text": notice} if notice else None


def _notice(text: str, level: str = "warning") -> None:
    st.session_state[K_ZONE_NOTICE] = {"level": level, "text": text}


def _next_name(zones: list[Zone]) -> str:
    used = {z.name for z in zones}
    n = len(zones) + 1
    while f"Zone {n}" in used:
        n += 1
    return f"Zone {n}"


def _new_meta() -> dict[str, Any]:
    return {"purpose": st.session_state.get(K_NEW_PURPOSE, "")}


def _owner() -> str:
    return str(st.session_state.get(K_NEW_OWNER) or "").strip()


# ----------------------------------------------------------------- map triggers
def _xy(value: Any) -> tuple[float, float]:
    x, y = value
    return float(x), float(y)


def _circle_from(name: str, owner: str, centre_xy: tuple[float, float], radius_km: float, **meta: Any) -> Zone:
    lon, lat = (float(v) for v in polar_to_lonlat(*centre_xy))
    return circle_zone(name, owner, lon, lat, radius_km, **meta)


def _radius_km(centre_xy: tuple[float, float], edge_xy: tuple[float, float]) -> float:
    clon, clat = polar_to_lonlat(*centre_xy)
    elon, elat = polar_to_lonlat(*edge_xy)
    return float(distance_m(clon, clat, elon, elat)) / 1000.0


def _refuse_polygon(err: SelfIntersectionError, name: str, owner: str, meta: dict[str, Any]) -> None:
    st.session_state[K_ZONE_REPAIR] = {"name": name, "owner": owner, "meta": meta, "repaired": err.repaired,
                                       "message": str(err)}
    _notice(str(err))


def zone_from_drawing(value: dict[str, Any], name: str, owner: str, **meta: Any) -> Zone:
    """The zone of a map "draw" payload: a geodesic circle through the edge point, or the drawn polygon.

    Raises :class:`lunarmap.zones.SelfIntersectionError` (with the repair) or another ZoneError.
    """
    if value.get("kind") == "circle":
        centre, edge = _xy(value["center"]), _xy(value["edge"])
        return _circle_from(name, owner, centre, _radius_km(centre, edge),
                            rule=meta.pop("rule", None) or "drawn on the map (radius along the great circle)", **meta)
    return polygon_zone(name, owner, value["vertices"], crs=SOUTH_POLAR_CODE,
                        rule=meta.pop("rule", None) or "drawn on the map", **meta)


def zone_after_edit(zone: Zone, value: dict[str, Any]) -> Zone:
    """The zone after a map "edit" payload: a circle moved (edge None: same radius) or resized; a polygon reshaped."""
    meta = {"id": zone.id, "purpose": zone.purpose, "start": zone.start, "end": zone.end, "rule": zone.rule}
    if value.get("kind") == "circle" and zone.shape == "circle":
        centre = _xy(value["center"])
        radius = zone.radius_km if value.get("edge") is None else _radius_km(centre, _xy(value["edge"]))
        return _circle_from(zone.name, zone.owner, centre, float(radius), **meta)
    return polygon_zone(zone.name, zone.owner, value["vertices"], crs=SOUTH_POLAR_CODE, **meta)


def on_draw() -> None:
    """A zone drawn on the map joins this session's zones (or is refused with the reason)."""
    value = trigger_value(K_MAP, "draw")
    if not value:
        return
    zones = _zones()
    name, owner, meta = _next_name(zones), _owner(), _new_meta()
    try:
        zone = zone_from_drawing(value, name, owner, **meta)
    except SelfIntersectionError as err:
        _refuse_polygon(err, name, owner, {"rule": "drawn on the map", **meta})
        return
    except (LunarmapError, KeyError, TypeError, ValueError) as err:
        _notice(f"The drawn zone was not added: {err}")
        return
    st.session_state[K_ZONE_REPAIR] = None
    _set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.2f} km²).")


def on_edit() -> None:
    """A zone moved, resized or reshaped on the map."""
    value = trigger_value(K_MAP, "edit")
    if not value:
        return
    zones = _zones()
    idx = next((i for i, z in enumerate(zones) if z.id == value.get("id")), None)
    if idx is None:
        _notice("The edited zone is no longer in this session; nothing was changed.")
        return
    try:
        new = zone_after_edit(zones[idx], value)
    except (LunarmapError, KeyError, TypeError, ValueError) as err:
        _notice(f"The edit of {zones[idx].name} was not applied (the zone is unchanged): {err}")
        return
    zones[idx] = new
    _set_zones(zones, f"Updated {new.name} ({new.area_km2:,.2f} km²).")


def on_delete() -> None:
    """A zone deleted on the map (Undo brings it back)."""
    value = trigger_value(K_MAP, "delete")
    if not value:
        return
    zones = _zones()
    gone = [z for z in zones if z.id == value.get("id")]
    if gone:
        _set_zones([z for z in zones if z.id != value.get("id")], f"Deleted {gone[0].name}; Undo brings it back.", "info")


# ----------------------------------------------------------------- analysis and map pieces
@dataclass(frozen=True)
class ZonesView:
    """What the map needs from the zones of this rerun, and the analysis shown in the section."""

    zones: tuple[Zone, ...]
    report: ZoneReport | None
    map_zones: list[dict]
    overlays: list[dict]
    legend: list[dict]
    psr_status: str


def _open_scenario(sid: str, replace_query: bool = True) -> None:
    try:
        store = _store()
        info = store.info(sid)
        zones = store.load(sid)
    except LunarmapError as err:
        _notice(f"The scenario could not be opened: {err}")
        return
    _set_zones(zones, f"Opened the scenario {info.name!r} ({len(zones)} zones).")
    st.session_state[K_SCENARIO] = {"id": sid, "name": info.name, "fingerprint": _fingerprint(zones)}
    st.session_state[K_SCENARIO_NAME] = info.name
    if replace_query:
        st.query_params[QUERY_KEY] = sid


def _open_from_query() -> None:
    sid = st.query_params.get(QUERY_KEY)
    if not sid or st.session_state.get(K_QUERY_OPENED) == sid:
        return
    st.session_state[K_QUERY_OPENED] = sid
    if (st.session_state.get(K_SCENARIO) or {}).get("id") != sid:
        _open_scenario(sid, replace_query=False)


def _analysis(zones: list[Zone], catalog: SiteCatalog, data_dir: Path) -> tuple[ZoneReport | None, str]:
    if not zones:
        return None, ""
    key = (_fingerprint(zones), str(catalog.path), str(data_dir))
    cached = st.session_state.get(K_ANALYSIS)
    if cached and cached[0] == key:
        return cached[1], cached[2]
    measure, total, status = psr_measure(data_dir)
    report = analyse_zones(zones, list(catalog), psr_km2=measure, psr_total_km2=total)
    st.session_state[K_ANALYSIS] = (key, report, status)
    return report, status


def _owner_colours(zones: list[Zone]) -> dict[str, tuple[int, int, int]]:
    owners: dict[str, tuple[int, int, int]] = {}
    for z in zones:
        k = z.owner.strip().casefold()
        if k not in owners:
            owners[k] = _OWNER_COLOURS[len(owners) % len(_OWNER_COLOURS)]
    return owners


def _ring(geom) -> list[list[float]]:
    return np.round(np.asarray(geom.exterior.coords)[:-1, :2], 2).tolist()


def map_pieces(zones: list[Zone], report: ZoneReport | None) -> tuple[list[dict], list[dict], list[dict]]:
    if not zones:
        return [], [], []
    colours = _owner_colours(zones)
    in_conflict = {i for p in (report.conflicts if report else ()) for i in (p.a, p.b)}
    summaries = {s.id: s for s in (report.zones if report else ())}
    out = []
    for z in zones:
        lines = [f"owner: {z.owner}", f"area {z.area_km2:,.2f} km² on the sphere"]
        if z.shape == "circle" and z.radius_km:
            lines.append(f"circle, radius {z.radius_km:,.3f} km (geodesic)")
        s = summaries.get(z.id)
        if s is not None and np.isfinite(s.psr_km2):
            lines.append(f"permanent shadow {s.psr_km2:,.2f} km²")
        if z.purpose:
            lines.append(f"purpose: {z.purpose}")
        if z.start or z.end:
            lines.append(f"{z.start or '…'} to {z.end or '…'}")
        centre = None
        if z.shape == "circle" and z.centre_lonlat:
            cx, cy = lonlat_to_polar(*z.centre_lonlat)
            centre = [round(float(cx), 2), round(float(cy), 2)]
        ring = _ring(z.geometry_polar)
        out.append({"id": z.id, "name": z.name, "owner": z.owner, "lines": lines,
                    "kind": "circle" if centre is not None else "polygon", "ring": ring, "center": centre,
                    "radius_m": z.radius_km * 1000.0 if centre is not None else None,
                    "vertices": None if centre is not None else ring,
                    "color": list(colours[z.owner.strip().casefold()]), "conflict": z.id in in_conflict})
    overlays: list[dict] = []
    if report is not None and report.pairs:
        names = {z.id: z.name for z in zones}
        rows = []
        for p in report.pairs:
            for poly in getattr(p.geometry_polar, "geoms", [p.geometry_polar]):
                if poly.geom_type != "Polygon":
                    continue
                rgb = _CONFLICT_RGB if p.conflict else _SAME_OWNER_RGB
                rows.append({"polygon": np.round(np.asarray(poly.exterior.coords)[:, :2], 2).tolist(),
                             "name": f"{names[p.a]} ∩ {names[p.b]}", "fill": list(rgb) + [110],
                             "line": list(rgb) + [255]})
        layer = pdk.Layer("PolygonLayer", id="zone-overlaps", data=rows, get_polygon="polygon",
                          get_fill_color="fill", get_line_color="line", get_line_width=2.5, stroked=True,
                          filled=True, pickable=False, line_width_units=pdk.types.String("pixels"),
                          coordinate_system=pdk.types.String("cartesian"))
        overlays = L.layer_dicts([layer])
    owners = {}
    for z in zones:
        owners.setdefault(z.owner.strip().casefold(), z.owner)
    classes = [{"label": f"zone of {name}", "color": "#{:02x}{:02x}{:02x}".format(*colours[k]), "shape": "area"}
               for k, name in owners.items()]
    classes += [{"label": "overlap, different owners (conflict)", "color": "#{:02x}{:02x}{:02x}".format(*_CONFLICT_RGB),
                 "shape": "area"},
                {"label": "overlap, same owner", "color": "#{:02x}{:02x}{:02x}".format(*_SAME_OWNER_RGB),
                 "shape": "area"}]
    legend = [{"title": "Keep-out zones", "units": "", "type": "classes", "classes": classes,
               "note": "Hypothetical zones of this session; areas on the Moon sphere."}]
    return out, overlays, legend


def prepare_zones(catalog: SiteCatalog, data_dir: Path) -> ZonesView:
    """Open ``?scenario=ID`` once per session, analyse the zones, and build what the map draws."""
    init_zone_state()
    _open_from_query()
    zones = _zones()
    try:
        report, status = _analysis(zones, catalog, data_dir)
    except LunarmapError as err:
        report, status = None, f"the analysis failed: {err}"
    map_zones, overlays, legend = map_pieces(zones, report)
    return ZonesView(tuple(zones), report, map_zones, overlays, legend, status)


# ----------------------------------------------------------------- the section
def _show_notice() -> None:
    notice = st.session_state.get(K_ZONE_NOTICE)
    if notice:
        getattr(st, notice["level"])(md_text(notice["text"]))


def _accept_repair() -> None:
    pending = st.session_state.get(K_ZONE_REPAIR)
    if not pending:
        return
    parts = [g for g in getattr(pending["repaired"], "geoms", [pending["repaired"]]) if g.geom_type == "Polygon"]
    zones = _zones()
    added = []
    try:
        for k, part in enumerate(parts):
            name = pending["name"] if len(parts) == 1 else f"{pending['name']} ({k + 1})"
            added.append(polygon_zone(name, pending["owner"], list(part.exterior.coords), crs=SOUTH_POLAR_CODE,
                                      **{**pending["meta"], "rule": (pending["meta"].get("rule") or "") + " (repaired)"}))
    except LunarmapError as err:
        _notice(f"The repaired shape could not be used either: {err}")
        return
    st.session_state[K_ZONE_REPAIR] = None
    _set_zones(zones + added, f"Added the repaired shape as {len(added)} zone(s).")


def _repair_offer() -> None:
    pending = st.session_state.get(K_ZONE_REPAIR)
    if not pending:
        return
    with st.container(border=True):
        st.markdown("**The polygon crosses itself.** Nothing was added. The repaired shape would be:")
        repaired = pending["repaired"]
        parts = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type == "Polygon"]
        st.caption(f"{len(parts)} polygon(s), {float(area_km2(repaired)):,.2f} km² on the sphere, outlined as drawn "
                   "(edges straight on the map).")
        c1, c2 = st.columns(2)
        c1.button("Add the repaired shape", key="zone_repair_accept", on_click=_accept_repair)
        c2.button("Discard", key="zone_repair_discard",
                  on_click=lambda: st.session_state.update({K_ZONE_REPAIR: None, K_ZONE_NOTICE: None}))


def _undo() -> None:
    undo = list(st.session_state.get(K_ZONES_UNDO, []))
    if undo:
        st.session_state[K_ZONES] = undo.pop()
        st.session_state[K_ZONES_UNDO] = undo
        _notice("Undone.", "info")


def _pct(x: float) -> float | None:
    return None if x is None or not np.isfinite(x) else 100.0 * x


def _zone_table(view: ZonesView, catalog: SiteCatalog) -> pd.DataFrame:
    summaries = {s.id: s for s in (view.report.zones if view.report else ())}
    rows = []
    for z in view.zones:
        s = summaries.get(z.id)
        inside = [catalog[i].name if i in catalog.ids else i for i in (s.sites_inside if s else ())]
        rows.append({"Zone": z.name, "Owner": z.owner, "Purpose": z.purpose, "Start": z.start or "",
                     "End": z.end or "", "Rule": z.rule, "Shape": z.shape,
                     "Radius (km)": z.radius_km, "Area (km²)": z.area_km2,
                     "PSR in zone (km²)": s.psr_km2 if s else None,
                     "PSR share of zone (%)": _pct(s.psr_share_of_zone) if s else None,
                     "Share of all PSR (%)": _pct(s.psr_share_of_all) if s else None,
                     "Sites inside": ", ".join(inside)})
    return pd.DataFrame(rows)


_EDITABLE = {"Zone": "name", "Owner": "owner", "Purpose": "purpose", "Start": "start", "End": "end", "Rule": "rule"}


def _apply_table_edits() -> None:
    state = st.session_state.get("zone_table_editor") or {}
    zones = _zones()
    changed = False
    for row, edits in (state.get("edited_rows") or {}).items():
        i = int(row)
        if i >= len(zones):
            continue
        changes = {_EDITABLE[c]: ("" if v is None else v) for c, v in edits.items() if c in _EDITABLE}
        try:
            zones[i] = with_attributes(zones[i], **changes)
            changed = True
        except LunarmapError as err:
            _notice(f"The edit was not applied (the zone keeps its values): {err}")
            return
    deleted = sorted(int(r) for r in (state.get("deleted_rows") or []))
    if deleted:
        zones = [z for i, z in enumerate(zones) if i not in set(deleted)]
        changed = True
    if changed:
        _set_zones(zones, "Zone table updated." + (" Undo brings deleted zones back." if deleted else ""))


def _conflict_tables(view: ZonesView, catalog: SiteCatalog) -> None:
    zones = list(view.zones)
    st.subheader("Zones and conflicts")
    if not zones:
        st.caption("No zones yet: draw one with the map's circle or polygon tool, enter one exactly, or import a file.")
        return
    table = _zone_table(view, catalog)
    num = st.column_config.NumberColumn
    st.data_editor(
        table, key="zone_table_editor", hide_index=True, width="stretch", num_rows="delete",
        on_change=_apply_table_edits,
        disabled=[c for c in table.columns if c not in _EDITABLE],
        column_config={"Radius (km)": num(format="%.3f"), "Area (km²)": num(format="%.2f"),
                       "PSR in zone (km²)": num(format="%.3f"), "PSR share of zone (%)": num(format="%.2f"),
                       "Share of all PSR (%)": num(format="%.3f"),
                       "Start": st.column_config.TextColumn(help="YYYY-MM-DD"),
                       "End": st.column_config.TextColumn(help="YYYY-MM-DD")},
    )
    report = view.report
    if report is None:
        st.caption(md_text(view.psr_status))
        return
    total = report.psr_total_km2
    psr_note = (f"PSR areas come from the 60 m PSR grid (all PSR in it: {total:,.0f} km² on the sphere; it covers "
                "about 85° S to the pole, so zones outside that show no PSR figure)." if np.isfinite(total)
                else f"PSR areas are not available: {view.psr_status}")
    st.caption("Name, owner, purpose, dates and rule can be edited in the table; select rows and press Delete "
               "to remove zones. " + psr_note)
    names = {z.id: z.name for z in zones}
    pairs = [{"Zone A": names[p.a], "Zone B": names[p.b], "Overlap (km²)": p.overlap_km2,
              "Share of A (%)": 100 * p.share_of_a, "Share of B (%)": 100 * p.share_of_b,
              "Conflict": "yes: different owners" if p.conflict else "no: same owner"} for p in report.pairs]
    n_conf = len(report.conflicts)
    if n_conf:
        st.error(f"{n_conf} conflict{'s' if n_conf != 1 else ''}: zones of different owners share area "
                 "(red on the map).")
    elif pairs:
        st.info("Zones overlap, but only zones of the same owner (yellow on the map).")
    else:
        st.success("No zones share area.")
    if pairs:
        st.dataframe(pd.DataFrame(pairs), key="zone_overlap_table", hide_index=True, width="stretch",
                     column_config={"Overlap (km²)": num(format="%.3f"), "Share of A (%)": num(format="%.2f"),
                                    "Share of B (%)": num(format="%.2f")})
    st.caption(f"Method: {md_text(report.method)}. Zones that only touch share no area and are not conflicts.")


# ----------------------------------------------------------------- exact entry and import
_RULE_KEYS = [_FREE_RULE, *SIZING_RULES]


def _rule_label(key: str) -> str:
    return "Free text (below)" if key == _FREE_RULE else SIZING_RULES[key].label


def _meta_inputs(prefix: str) -> dict[str, Any]:
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key=f"{prefix}_name", placeholder="e.g. Landing keep-out")
    owner = c2.text_input("Owner (the party claiming it)", key=f"{prefix}_owner", value=_owner() or DEFAULT_OWNER)
    purpose = st.text_input("Purpose", key=f"{prefix}_purpose", placeholder="e.g. plume ejecta during descent")
    c3, c4 = st.columns(2)
    start = c3.text_input("Start (YYYY-MM-DD)", key=f"{prefix}_start")
    end = c4.text_input("End (YYYY-MM-DD)", key=f"{prefix}_end")
    return {"name": name, "owner": owner, "purpose": purpose, "start": start, "end": end}


def _rule_text(key: str, free: str, radius_km: float | None) -> str:
    if key == _FREE_RULE:
        return free
    rule = SIZING_RULES[key]
    text = f"{rule.label}. {rule.formula}. Source: {rule.source}"
    if radius_km is not None and abs(radius_km - rule.radius_km) > 1e-9:
        text += f" (radius set by hand to {radius_km:g} km)"
    return text


def _circle_form(catalog: SiteCatalog) -> None:
    centres = ["__coords__", *catalog.ids]
    with st.form("zone_circle_form", border=False):
        c1, c2, c3 = st.columns(3)
        centre = c1.selectbox("Centre", centres, key="zc_centre",
                              format_func=lambda i: "Coordinates (right)" if i == "__coords__" else catalog[i].name)
        lon = c2.number_input("Centre longitude (°E, -180 to 180)", value=0.0, format="%.4f", key="zc_lon")
        lat = c3.number_input("Centre latitude (°, -90 to 90)", value=-89.5, format="%.4f", key="zc_lat")
        c4, c5 = st.columns(2)
        radius = c4.number_input("Radius (km, geodesic; empty = the rule's radius)", value=None, format="%.3f",
                                 key="zc_radius", placeholder="e.g. 2.0")
        rule_key = c5.selectbox("Sizing rule", _RULE_KEYS, format_func=_rule_label, key="zc_rule")
        meta = _meta_inputs("zc")
        free = st.text_input("Rule (free text)", key="zc_rule_text", placeholder="how the radius was chosen")
        submitted = st.form_submit_button("Add circle zone", type="primary")
    with st.expander("Built-in sizing rules: formula and source"):
        for rule in SIZING_RULES.values():
            st.markdown(f"**{md_text(rule.label)}**  \n{md_text(rule.formula)}  \nSource: {md_text(rule.source)}")
    if not submitted:
        return
    if radius is None:
        if rule_key == _FREE_RULE:
            _notice("The circle has no radius: give the radius in km, or choose a built-in sizing rule.")
            st.rerun()
        radius = SIZING_RULES[rule_key].radius_km
    if centre != "__coords__":
        lon, lat = catalog[centre].lonlat
    zones = _zones()
    name = meta.pop("name") or (catalog[centre].name if centre != "__coords__" else _next_name(zones))
    owner = meta.pop("owner")
    try:
        zone = circle_zone(name, owner, float(lon), float(lat), float(radius),
                           rule=_rule_text(rule_key, free, float(radius)), **meta)
    except LunarmapError as err:
        _notice(f"The circle zone was not added: {err}")
        st.rerun()
    _set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.3f} km²).")
    st.rerun()


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_VERTEX = re.compile(rf"^\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*$")


def parse_vertices(text: str) -> list[tuple[float, float]]:
    """Vertices from lines of "lon, lat" (degrees); a clear error names the first bad line.

    >>> parse_vertices("10, -89\\n20 -88.5")
    [(10.0, -89.0), (20.0, -88.5)]
    """
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _VERTEX.match(line)
        if not m:
            raise ValueError(f"line {n} ({line.strip()[:40]!r}) is not 'longitude, latitude' in degrees; "
                             "write one vertex per line, e.g. '15.5, -89.2'.")
        out.append((float(m.group(1)), float(m.group(2))))
    return out


def _polygon_form() -> None:
    with st.form("zone_polygon_form", border=False):
        text = st.text_area("Vertices: one 'longitude, latitude' per line (degrees; edges straight on the map)",
                            key="zp_vertices", height=140, placeholder="0, -88.5\n90, -88.5\n180, -88.5\n-90, -88.5")
        meta = _meta_inputs("zp")
        rule = st.text_input("Rule (free text)", key="zp_rule", placeholder="how the zone was sized")
        submitted = st.form_submit_button("Add polygon zone", type="primary")
    if not submitted:
        return
    zones = _zones()
    name = meta.pop("name") or _next_name(zones)
    owner = meta.pop("owner")
    try:
        verts = parse_vertices(text)
    except ValueError as err:
        _notice(f"The polygon zone was not added: {err}")
        st.rerun()
    try:
        zone = polygon_zone(name, owner, verts, rule=rule, **meta)
    except SelfIntersectionError as err:
        _refuse_polygon(err, name, owner, {"rule": rule, **meta})
        st.rerun()
    except LunarmapError as err:
        _notice(f"The polygon zone was not added: {err}")
        st.rerun()
    _set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.3f} km²).")
    st.rerun()


def _import_form() -> None:
    with st.form("zone_import_form", border=False):
        up = st.file_uploader("GeoJSON (lon/lat on the Moon) or a lunarmap GeoPackage, up to 10 MB",
                              type=["geojson", "json", "gpkg"], key="zone_import_file")
        owner = st.text_input("Owner for zones without one", key="zone_import_owner")
        submitted = st.form_submit_button("Import zones", type="primary")
    if not submitted:
        return
    if up is None:
        _notice("Choose a file to import first.")
        st.rerun()
    data = up.getvalue()
    label = f"{up.name!r}"
    try:
        if up.name.lower().endswith(".gpkg"):
            _, imported = scenario_from_gpkg_bytes(data, label)
        else:
            if len(data) > 10 * 1024 * 1024:
                raise LunarmapError(f"{label} is {len(data) / 1e6:.1f} MB; zone files are limited to 10 MB. "
                                    "Split it or simplify the polygons.")
            imported = zones_from_geojson(data, default_owner=owner)
    except LunarmapError as err:
        _notice(f"Nothing was imported from {label}: {err}")
        st.rerun()
    zones = _zones()
    taken = {z.id for z in zones}
    fresh = [replace(z, id=uuid.uuid4().hex[:12]) if z.id in taken else z for z in imported]
    _set_zones(zones + fresh, f"Imported {len(fresh)} zone(s) from {label}.")
    st.rerun()


# ----------------------------------------------------------------- scenarios
def _save(as_new: bool) -> None:
    name = str(st.session_state.get(K_SCENARIO_NAME) or "").strip()
    zones = _zones()
    current = st.session_state.get(K_SCENARIO)
    sid = None if as_new or current is None else current["id"]
    try:
        sid = _store().save(name, zones, scenario_id=sid)
    except LunarmapError as err:
        _notice(f"The scenario was not saved: {err}")
        return
    st.session_state[K_SCENARIO] = {"id": sid, "name": name, "fingerprint": _fingerprint(zones)}
    st.session_state[K_QUERY_OPENED] = sid
    st.query_params[QUERY_KEY] = sid
    _notice(f"Saved {name!r} ({len(zones)} zones). Its link opens it in any browser session.", "success")


def _scenario_link(sid: str) -> str:
    base = getattr(st.context, "url", None) or ""
    return f"{base}?{QUERY_KEY}={sid}"


def _scenarios_part() -> None:
    st.subheader("Scenarios")
    current = st.session_state.get(K_SCENARIO)
    zones = _zones()
    if current:
        dirty = current["fingerprint"] != _fingerprint(zones)
        st.markdown(f"Open: **{md_text(current['name'])}**" + (" · unsaved changes" if dirty else " · saved"))
        st.code(_scenario_link(current["id"]), language=None)
    else:
        st.caption("These zones are in this browser session only until you save them as a scenario.")
    st.session_state.setdefault(K_SCENARIO_NAME, current["name"] if current else "")
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    c1.text_input("Scenario name", key=K_SCENARIO_NAME, placeholder="e.g. Shackleton rim, 2028")
    c2.button("Save", key="scenario_save", type="primary", on_click=_save, args=(False,), disabled=not zones,
              help="Save these zones (replacing the open scenario's zones, if one is open)")
    c3.button("Save as new", key="scenario_save_new", on_click=_save, args=(True,), disabled=not zones)
    try:
        saved = _store().list()
    except LunarmapError as err:
        st.warning(f"The scenario database cannot be read: {md_text(err)}")
        return
    if not saved:
        st.caption("No saved scenarios yet.")
        return
    ids = [s.id for s in saved]
    by_id = {s.id: s for s in saved}
    st.selectbox("Saved scenarios", ids, key="scenario_pick",
                        format_func=lambda i: f"{by_id[i].name} · {by_id[i].zone_count} zones · saved "
                                              f"{by_id[i].saved_utc.replace('T', ' ').replace('Z', ' UTC')}")
    c4, c5, c6 = st.columns([1, 2, 1], vertical_alignment="bottom")
    c4.button("Open", key="scenario_open", on_click=lambda: _open_scenario(st.session_state.get("scenario_pick")),
              help="Replace the zones here by the saved ones (Undo brings these back)")
    c5.text_input("New name", key="scenario_new_name")

    def rename() -> None:   # reads the widgets' current values (a callback runs before the script)
        sid, name = st.session_state.get("scenario_pick"), str(st.session_state.get("scenario_new_name") or "")
        try:
            _store().rename(sid, name)
        except LunarmapError as err:
            _notice(f"The scenario was not renamed: {err}")
            return
        cur = st.session_state.get(K_SCENARIO)
        if cur and cur["id"] == sid:
            st.session_state[K_SCENARIO] = {**cur, "name": name.strip()}
        _notice(f"Renamed to {name.strip()!r}.", "success")

    c6.button("Rename", key="scenario_rename", on_click=rename)
    confirm = st.checkbox("I want to delete the chosen saved scenario", key="scenario_delete_confirm")

    def delete() -> None:
        sid = st.session_state.get("scenario_pick")
        try:
            name = _store().info(sid).name
            _store().delete(sid)
        except LunarmapError as err:
            _notice(f"The scenario was not deleted: {err}")
            return
        cur = st.session_state.get(K_SCENARIO)
        if cur and cur["id"] == sid:
            st.session_state[K_SCENARIO] = None
            st.query_params.pop(QUERY_KEY, None)
        st.session_state["scenario_delete_confirm"] = False
        _notice(f"Deleted the saved scenario {name!r} (the zones on the map stay until you remove them).", "info")

    st.button("Delete saved scenario", key="scenario_delete", on_click=delete, disabled=not confirm)


def _downloads(view: ZonesView) -> None:
    zones = list(view.zones)
    if not zones:
        return
    name = str(st.session_state.get(K_SCENARIO_NAME) or "").strip() or "zones"
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "zones"

    c1, c2, c3 = st.columns(3)
    c1.download_button("Zones as GeoJSON", key="zones_dl_geojson", file_name=f"{stem}.geojson",
                       mime="application/geo+json",
                       data=lambda: json.dumps(zones_to_geojson(zones, name), ensure_ascii=False, indent=1))
    c2.download_button("Zones as GeoPackage", key="zones_dl_gpkg", file_name=f"{stem}.gpkg",
                       mime="application/geopackage+sqlite3", data=lambda: scenario_gpkg_bytes(name, zones))
    if view.report is not None:
        def report_csv() -> str:
            zone_rows, pair_rows = report_rows(view.report)
            frames = [pd.DataFrame(zone_rows).assign(kind="zone"), pd.DataFrame(pair_rows).assign(kind="overlap")]
            return pd.concat(frames, ignore_index=True).to_csv(index=False)

        c3.download_button("Conflict report (CSV)", key="zones_dl_report", file_name=f"{stem}-conflicts.csv",
                           mime="text/csv", data=report_csv)
    st.caption("GeoJSON: lon/lat (IAU_2015:30100) with the lunar CRS named in the file; zones round the pole are "
               "written as polar caps. GeoPackage: polygons in IAU_2015:30135 metres, readable by QGIS and GDAL.")


def zones_section(catalog: SiteCatalog, data_dir: Path, view: ZonesView) -> None:
    """The section: notices, the zone and conflict tables, exact entry, import, scenarios and downloads."""
    st.header("Keep-out zones")
    st.caption("Draw with the map's tools (circle: click the centre, then click or drag to the radius; polygon: "
               "click the vertices and close on the first; edit: select a zone to move it, drag its handles, or "
               "press Delete). Zones are hypothetical, in the Artemis Accords' sense of safety zones; all areas are "
               "on the Moon sphere and circles are geodesic.")
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    c1.text_input("Owner of new zones", key=K_NEW_OWNER, help="The party claiming the zones you draw next")
    c2.text_input("Purpose of new zones", key=K_NEW_PURPOSE)
    c3.button("Undo", key="zones_undo_button", on_click=_undo, disabled=not st.session_state.get(K_ZONES_UNDO))
    _show_notice()
    _repair_offer()
    _conflict_tables(view, catalog)
    with st.expander("Add a zone exactly, or import zones", expanded=False):
        t1, t2, t3 = st.tabs(["Circle", "Polygon", "Import file"])
        with t1:
            _circle_form(catalog)
        with t2:
            _polygon_form()
        with t3:
            _import_form()
    _scenarios_part()
    _downloads(view)
