"""The "Keep-out zones" section: zones drawn on the map or entered exactly, conflicts, scenarios.

Size: about 720 lines, over the house limit: map payloads, triggers, tables, the repair, swap and
sizing-rule offers. Issue 14 moves the map-payload and repair logic into the library and leaves
widgets here; not done in this change, which added behaviour only.

Exact entry and import are in :mod:`.zone_forms`, saved scenarios in
:mod:`.scenario_panel`, session state in :mod:`.zone_state`.
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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import streamlit as st

from lunarmap.crs import SOUTH_POLAR_CODE, lonlat_to_polar, polar_to_lonlat
from lunarmap.errors import LunarmapError
from lunarmap.geodesy import area_km2, centroid_lonlat, distance_m
from lunarmap.sites import SiteCatalog
from lunarmap.zonecheck import psr_measure
from lunarmap.zones import (
    MAX_ZONE_PAIRS,
    SelfIntersectionError,
    Zone,
    ZoneReport,
    analyse_zones,
    circle_zone,
    moved_zone,
    polygon_zone,
    with_attributes,
)

from lunarmap.sizing_rules import all_rules, make_rule, resize_by_rule

from . import notification_panel, scenario_panel, zone_forms
from .map_component import trigger_value
from .page import K_MAP, fly_to, md_text
from .zone_state import (
    K_ACK,
    K_ANALYSIS,
    K_NEW_OWNER,
    K_NEW_PURPOSE,
    K_SCENARIO,
    K_TABLE_VERSION,
    K_ZONE_NOTICE,
    K_ZONE_REPAIR,
    K_ZONE_SWAP,
    K_ZONES_UNDO,
    current_zones,
    fingerprint,
    init_zone_state,
    new_meta,
    new_owner,
    next_name,
    notice,
    own_rules,
    refuse_polygon,
    set_zones,
    undo,
)

__all__ = ["ZonesView", "zone_from_drawing", "zone_after_edit", "map_pieces", "prepare_zones", "on_draw", "on_edit",
           "on_delete", "owner_field", "zones_summary", "zones_section"]

#: Zone colours, one per owner in order of first appearance (RGB).
_OWNER_COLOURS = ((64, 196, 255), (255, 140, 64), (170, 120, 255), (80, 220, 120), (255, 90, 190),
                  (230, 230, 80), (120, 200, 200), (200, 160, 120))
_CONFLICT_RGB = (255, 40, 40)
_SAME_OWNER_RGB = (255, 200, 0)


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
    move = value.get("move")
    if isinstance(move, dict) and "from" in move and "to" in move:   # moved whole: a rotation of the sphere
        return moved_zone(zone, _xy(move["from"]), _xy(move["to"]))
    return polygon_zone(zone.name, zone.owner, value["vertices"], crs=SOUTH_POLAR_CODE, **meta)


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
        notice(f"The drawn zone was not added: {err}")
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
        notice(f"The edit of {zones[idx].name} was not applied (the zone is unchanged): {err}")
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


def _analysis(zones: list[Zone], catalog: SiteCatalog, data_dir: Path) -> tuple:
    """(report, PSR status, map pieces) of the zones; recomputed only when the zones change."""
    key = (fingerprint(zones), str(catalog.path), str(data_dir))
    cached = st.session_state.get(K_ANALYSIS)
    if cached and cached[0] == key:
        return cached[1]
    report, status = None, ""
    if zones:
        try:
            measure, total, status = psr_measure(data_dir)
            report = analyse_zones(zones, list(catalog), psr_km2=measure, psr_total_km2=total,
                                   max_pairs=MAX_ZONE_PAIRS)
        except LunarmapError as err:
            report, status = None, f"the analysis failed: {err}"
    result = (report, status, map_pieces(zones, report))
    st.session_state[K_ANALYSIS] = (key, result)
    return result


def _owner_colours(zones: list[Zone]) -> dict[str, tuple[int, int, int]]:
    owners: dict[str, tuple[int, int, int]] = {}
    for z in zones:
        k = z.owner.strip().casefold()
        if k not in owners:
            owners[k] = _OWNER_COLOURS[len(owners) % len(_OWNER_COLOURS)]
    return owners


def _ring(geom) -> list[list[float]]:
    return np.round(np.asarray(geom.exterior.coords)[:-1, :2], 1).tolist()


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
        # circles: no ring (the browser draws the geodesic circle of centre and radius: 5 kB less per zone);
        # polygons: vertices to 0.1 m, as they come back from an edit
        ring = None if centre is not None else _ring(z.geometry_polar)
        out.append({"id": z.id, "name": z.name, "owner": z.owner, "lines": lines,
                    "kind": "circle" if centre is not None else "polygon", "ring": ring, "center": centre,
                    "radius_m": z.radius_km * 1000.0 if centre is not None else None,
                    "vertices": None if centre is not None else ring,
                    "color": list(colours[z.owner.strip().casefold()]), "conflict": z.id in in_conflict})
    overlays = _overlap_layers(zones, report) if report is not None and report.pairs else []
    owners = {}
    for z in zones:
        owners.setdefault(z.owner.strip().casefold(), z.owner)
    classes = [{"label": f"zone of {name}", "color": "#{:02x}{:02x}{:02x}".format(*colours[k]), "shape": "area"}
               for k, name in owners.items()]
    classes += [{"label": "overlap, different owners (conflict): red, with its km²", "color": "#{:02x}{:02x}{:02x}".format(*_CONFLICT_RGB),
                 "shape": "area"},
                {"label": "overlap, no conflict (same owner, or never at the same time)", "color": "#{:02x}{:02x}{:02x}".format(*_SAME_OWNER_RGB),
                 "shape": "area"}]
    legend = [{"title": "Keep-out zones", "units": "", "type": "classes", "classes": classes,
               "note": "Hypothetical zones of this session; areas on the Moon sphere."}]
    return out, overlays, legend


_REPAIR_RGB = (250, 250, 250)
#: Up to this many overlapping pairs each overlap is drawn and labelled on its own; beyond it (a scenario of
#: hundreds of mutually overlapping zones has tens of thousands of pairs) the overlaps are drawn as their union,
#: simplified to about a screen pixel at the scale of the zones, and only the largest are labelled: the map data
#: stays a few hundred kB at any zone count (the tables and the CSV keep every pair).
MAX_PAIRS_DRAWN = 100
#: Overlapping pairs listed in the page's table (every pair is in the CSV).
MAX_PAIR_ROWS = 1_000
MAX_OVERLAP_LABELS = 30


def _polygon_rows(geom, rgb: tuple[int, int, int], name: str) -> list[dict]:
    return [{"polygon": np.rint(np.asarray(poly.exterior.coords)[:, :2]).astype(int).tolist(), "name": name,
             "fill": list(rgb) + [110], "line": list(rgb) + [255]}
            for poly in shapely.get_parts(geom) if poly.geom_type == "Polygon" and not poly.is_empty]


def _overlap_layers(zones: list[Zone], report: ZoneReport) -> list[dict]:
    """The overlaps (red: conflict; amber: same owner or never at the same time) and their km² labels."""
    names = {z.id: z.name for z in zones}
    pairs = list(report.pairs)
    rows: list[dict] = []
    if len(pairs) <= MAX_PAIRS_DRAWN:
        for p in pairs:
            rows += _polygon_rows(p.geometry_polar, _CONFLICT_RGB if p.conflict else _SAME_OWNER_RGB,
                                  f"{names[p.a]} ∩ {names[p.b]}")
        labelled = pairs
    else:
        extent = shapely.union_all([z.geometry_polar.envelope for z in zones]).bounds
        tol = max(50.0, max(extent[2] - extent[0], extent[3] - extent[1]) / 2_000.0)
        def dissolved(chosen: list) -> object:
            g = shapely.simplify(np.array([p.geometry_polar for p in chosen], dtype=object), tol,
                                 preserve_topology=False)
            return shapely.union_all(g[~shapely.is_empty(g)]) if len(g) else shapely.Polygon()
        conflict = dissolved([p for p in pairs if p.conflict])
        other = shapely.difference(dissolved([p for p in pairs if not p.conflict]), conflict)
        rows = (_polygon_rows(conflict, _CONFLICT_RGB, f"overlaps in conflict ({sum(p.conflict for p in pairs):,})")
                + _polygon_rows(other, _SAME_OWNER_RGB, "overlaps without conflict"))
        labelled = sorted(pairs, key=lambda p: p.overlap_km2, reverse=True)[:MAX_OVERLAP_LABELS]
    # each overlap labelled with its area on the sphere, at a point inside it
    labels = []
    for p in labelled:
        if p.geometry_polar.is_empty:
            continue
        at = p.geometry_polar.representative_point()
        labels.append({"position": [round(at.x, 1), round(at.y, 1)], "text": f"{_km2_text(p.overlap_km2)} km²",
                       "color": list(_CONFLICT_RGB if p.conflict else _SAME_OWNER_RGB) + [255]})
    # the deck.gl JSON of a PolygonLayer in map metres, written directly (what pydeck would produce)
    return [{"@@type": "PolygonLayer", "id": "zone-overlaps", "data": rows, "coordinateSystem": "cartesian",
             "getPolygon": "@@=polygon", "getFillColor": "@@=fill", "getLineColor": "@@=line",
             "getLineWidth": 2.5, "lineWidthUnits": "pixels", "stroked": True, "filled": True, "pickable": False},
            {"@@type": "TextLayer", "id": "zone-overlaps-labels", "data": labels, "coordinateSystem": "cartesian",
             "getPosition": "@@=position", "getText": "@@=text", "getColor": "@@=color", "getSize": 13,
             "fontWeight": 700, "outlineWidth": 3, "outlineColor": [0, 0, 0, 255],
             "fontSettings": {"sdf": True}, "characterSet": "auto", "pickable": False}]


def _km2_text(km2: float) -> str:
    """An area at a readable precision: 1,234 / 12.3 / 0.123 / 0.0012."""
    if km2 >= 100:
        return f"{km2:,.0f}"
    if km2 >= 1:
        return f"{km2:,.1f}"
    return f"{km2:.2g}"


def _repair_layer(pending: dict | None) -> list[dict]:
    """The repaired shape on offer, outlined in white on the map (above the zones) until added or discarded."""
    if not pending:
        return []
    parts = [g for g in getattr(pending["repaired"], "geoms", [pending["repaired"]]) if g.geom_type == "Polygon"]
    rows = [{"polygon": np.round(np.asarray(g.exterior.coords)[:, :2], 1).tolist()} for g in parts]
    return [{"@@type": "PolygonLayer", "id": "zone-overlaps-repair", "data": rows, "coordinateSystem": "cartesian",
             "getPolygon": "@@=polygon", "getFillColor": list(_REPAIR_RGB) + [60],
             "getLineColor": list(_REPAIR_RGB) + [255], "getLineWidth": 2, "lineWidthUnits": "pixels",
             "stroked": True, "filled": True, "pickable": False}]


def prepare_zones(catalog: SiteCatalog, data_dir: Path) -> ZonesView:
    """Open ``?scenario=ID`` once per session, analyse the zones, and build what the map draws."""
    init_zone_state()
    scenario_panel.open_from_query()
    zones = current_zones()
    report, status, (map_zones, overlays, legend) = _analysis(zones, catalog, data_dir)
    overlays = overlays + _repair_layer(st.session_state.get(K_ZONE_REPAIR))
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
    union = shapely.union_all([z.geometry_polar for z in view.zones])
    total = float(area_km2(union))     # overlaps counted once
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
    note = st.session_state.get(K_ZONE_NOTICE)
    if note:
        getattr(st, note["level"])(md_text(note["text"]))
    st.button("Undo the last zone change", key="zones_undo_summary", on_click=_undo,
              disabled=not st.session_state.get(K_ZONES_UNDO))


K_SHOW_ZONE = "zone_show_on_map"


def _show_zone() -> None:
    """Select the chosen zone on the map and fly there."""
    zone = next((z for z in current_zones() if z.id == st.session_state.get(K_SHOW_ZONE)), None)
    if zone is None:
        return
    lon, lat = centroid_lonlat(zone.geometry_polar)
    minx, miny, maxx, maxy = zone.geometry_polar.bounds
    width_km = max(maxx - minx, maxy - miny) / 1000.0 * 1.6
    try:
        fly_to(lon, lat, max(width_km, 2.0))
    except LunarmapError as err:
        notice(f"The map cannot show {zone.name}: {err}")


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
    zones = current_zones()
    added = []
    try:
        for k, part in enumerate(parts):
            name = pending["name"] if len(parts) == 1 else f"{pending['name']} ({k + 1})"
            added.append(polygon_zone(name, pending["owner"], list(part.exterior.coords), crs=SOUTH_POLAR_CODE,
                                      **{**pending["meta"], "rule": (pending["meta"].get("rule") or "") + " (repaired)"}))
    except LunarmapError as err:
        notice(f"The repaired shape could not be used either: {err}")
        return
    st.session_state[K_ZONE_REPAIR] = None
    set_zones(zones + added, f"Added the repaired shape as {len(added)} zone(s).")


def _repair_offer() -> None:
    pending = st.session_state.get(K_ZONE_REPAIR)
    if not pending:
        return
    with st.container(border=True):
        st.markdown("**The polygon crosses itself.** Nothing was added. The repaired shape (outlined in white on "
                    "the map) would be:")
        repaired = pending["repaired"]
        parts = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type == "Polygon"]
        st.caption(f"{len(parts)} polygon(s), {float(area_km2(repaired)):,.2f} km² on the sphere, outlined as drawn "
                   "(edges straight on the map).")
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
        notice(f"That reading could not be added either: {err}")
        return
    st.session_state[K_ZONE_SWAP] = None
    how = "with latitude and longitude swapped" if which == "swapped" else "as typed"
    set_zones(current_zones() + [zone], f"Added {zone.name} {how} ({zone.area_km2:,.3f} km²).")


def _swap_offer() -> None:
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


def _add_rule() -> None:
    ss = st.session_state
    try:
        rule = make_rule(ss.get("zr_label", ""), ss.get("zr_radius"), ss.get("zr_formula", ""), ss.get("zr_source", ""),
                         ss.get("zr_link", ""))
    except LunarmapError as err:
        notice(f"The sizing rule was not added: {err}")
        return
    set_zones(current_zones(), f"Added the sizing rule {rule.label!r} ({rule.radius_km:g} km): choose it for a "
                               "circle under 'Add a zone exactly'.", rules=own_rules() + (rule,))


def _change_rule() -> None:
    ss = st.session_state
    own = own_rules()
    old = next((r for r in own if r.key == ss.get("zr_change_key")), None)
    if old is None:
        return
    try:
        rule = make_rule(old.label, ss.get("zr_change_radius"), old.formula, old.source, old.link, key=old.key)
        zones, n = resize_by_rule(current_zones(), rule)
    except LunarmapError as err:
        notice(f"The sizing rule was not changed: {err}")
        return
    set_zones(zones, f"The rule {rule.label!r} is now {rule.radius_km:g} km: {n} zone(s) sized by it were resized "
                     "round the same centres (Undo brings the old radius back).",
              rules=tuple(rule if r.key == rule.key else r for r in own))


def _rules_part() -> None:
    """The sizing rules: the built-ins and the planner's own, how many zones each sizes, add one, change one."""
    with st.expander("Sizing rules", expanded=False, key="zone_rules_expander", on_change="rerun"):
        zones = current_zones()
        rows = [{"Rule": r.label, "Radius (km)": r.radius_km, "Formula": r.formula, "Source": r.source,
                 "Link": r.link, "Kind": "built-in" if r.builtin else "own",
                 "Zones sized by it": sum(z.rule_key == key for z in zones)}
                for key, r in all_rules(own_rules()).items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="zone_rules_table")
        st.caption("A rule names how a circle is sized and why, with its source. Circles added with a rule follow "
                   "it: change one of your rules and every zone sized by it is resized. Rules are saved with the "
                   "scenario and written into its GeoJSON and GeoPackage.")
        with st.form("zone_rule_form", border=False):
            c1, c2 = st.columns([3, 1])
            c1.text_input("Rule name", key="zr_label", placeholder="e.g. Rover traverse buffer")
            c2.number_input("Radius (km)", min_value=0.01, max_value=500.0, value=1.0, format="%.3f", key="zr_radius")
            st.text_input("Formula or reasoning", key="zr_formula", placeholder="e.g. r = 500 m either side of the track")
            st.text_input("Source (required: where the radius comes from)", key="zr_source")
            st.text_input("Link to the source (http or https, optional)", key="zr_link")
            st.form_submit_button("Add the rule", on_click=_add_rule)
        own = own_rules()
        if own:
            labels = {r.key: f"{r.label} ({r.radius_km:g} km)" for r in own}
            with st.form("zone_rule_change_form", border=False):
                c1, c2 = st.columns([3, 1])
                c1.selectbox("Change one of your rules", list(labels), format_func=labels.get, key="zr_change_key")
                c2.number_input("New radius (km)", min_value=0.01, max_value=500.0, value=1.0, format="%.3f",
                                key="zr_change_radius")
                st.form_submit_button("Change it and resize its zones", on_click=_change_rule)


def _undo() -> None:
    if undo():
        notice("Undone.", "info")


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
                     "Sites inside, regions overlapping": ", ".join(inside),
                     "PSR note": s.psr_note if s else ""})
    return pd.DataFrame(rows)


_EDITABLE = {"Zone": "name", "Owner": "owner", "Purpose": "purpose", "Start": "start", "End": "end", "Rule": "rule"}


def _table_key() -> str:
    return f"zone_table_editor_{st.session_state.get(K_TABLE_VERSION, 0)}"


def _apply_table_edits() -> None:
    """Apply the table's valid edits and deletions; refused edits are named and the zone keeps its values."""
    state = st.session_state.get(_table_key()) or {}
    st.session_state[K_TABLE_VERSION] = st.session_state.get(K_TABLE_VERSION, 0) + 1   # next run: a fresh editor
    zones = current_zones()
    refused, applied = [], 0
    for row, edits in (state.get("edited_rows") or {}).items():
        i = int(row)
        if i >= len(zones):
            continue
        changes = {_EDITABLE[c]: ("" if v is None else v) for c, v in edits.items() if c in _EDITABLE}
        try:
            z = with_attributes(zones[i], **changes)
            if "Radius (km)" in edits and z.shape == "circle" and z.centre_lonlat:
                if edits["Radius (km)"] is None:
                    raise LunarmapError(f"zone {z.name!r}: the radius is empty; type the radius in km.")
                z = circle_zone(z.name, z.owner, *z.centre_lonlat, float(edits["Radius (km)"]), id=z.id,
                                purpose=z.purpose, start=z.start, end=z.end, rule=z.rule)
            zones[i] = z
            applied += 1
        except LunarmapError as err:
            refused.append(str(err))
    deleted = {int(r) for r in (state.get("deleted_rows") or [])}
    zones = [z for i, z in enumerate(zones) if i not in deleted]
    if applied or deleted:
        set_zones(zones, "Zone table updated." + (" Undo brings deleted zones back." if deleted else ""))
    if refused:
        notice("Not applied (those zones keep their values): " + " ".join(refused))


def _conflict_tables(view: ZonesView, catalog: SiteCatalog) -> None:
    zones = list(view.zones)
    st.subheader("Zones and conflicts")
    if not zones:
        st.caption("No zones yet: draw one with the map's circle or polygon tool, enter one exactly, or import a file.")
        return
    table = _zone_table(view, catalog)
    num = st.column_config.NumberColumn
    st.data_editor(
        table, key=_table_key(), hide_index=True, width="stretch", num_rows="delete",
        on_change=_apply_table_edits,
        disabled=[c for c in table.columns if c not in _EDITABLE and c != "Radius (km)"],
        column_config={"Radius (km)": num(format="%.3f"), "Area (km²)": num(format="%.2f"),
                       "PSR in zone (km²)": num(format="%.3f"), "PSR share of zone (%)": num(format="%.2f"),
                       "Share of all PSR (%)": num(format="%.3f"),
                       "Start": st.column_config.TextColumn(help="YYYY-MM-DD"),
                       "End": st.column_config.TextColumn(help="YYYY-MM-DD")},
    )
    names = {z.id: z.name for z in zones}
    st.selectbox("Show on the map", list(names), key=K_SHOW_ZONE, index=None, format_func=lambda i: names[i],
                 placeholder="Choose a zone to select it on the map and fly to it", on_change=_show_zone)
    report = view.report
    if report is None:
        st.caption(md_text(view.psr_status))
        return
    total = report.psr_total_km2
    psr_note = (f"PSR areas come from the official LOLA PSR outlines (every PSR of 5 km² or more, 75° S to the "
                f"pole) and the 60 m PSR grid for smaller ones from 85° S (all PSR: {total:,.0f} km² on the sphere; "
                "zones beyond 75° S have no PSR figure, zones partly beyond count only the covered part, as the PSR "
                "note says)." if np.isfinite(total)
                else f"PSR areas are not available: {view.psr_status}")
    st.caption("Name, owner, purpose, dates, rule and a circle's radius can be edited in the table; select rows and "
               "press Delete to remove zones. " + psr_note)
    names = {z.id: z.name for z in zones}
    owners = {z.id: z.owner.strip().casefold() for z in zones}
    # conflicts first, then by overlap; a scenario with tens of thousands of pairs shows the first ones here
    # (the conflict report CSV below has them all)
    ordered = sorted(report.pairs, key=lambda p: (not p.conflict, -p.overlap_km2))
    pairs = [{"Zone A": names[p.a], "Zone B": names[p.b], "Overlap (km²)": p.overlap_km2,
              "Share of A (%)": 100 * p.share_of_a, "Share of B (%)": 100 * p.share_of_b,
              "Periods overlap": "yes" if p.periods_overlap else "no",
              "Conflict": ("yes: different owners" if p.conflict else
                           "no: same owner" if owners[p.a] == owners[p.b] else "no: never at the same time")}
             for p in ordered[:MAX_PAIR_ROWS]]
    n_conf = len(report.conflicts)
    if n_conf:
        st.error(f"{n_conf} conflict{'s' if n_conf != 1 else ''}: zones of different owners share area at the same time "
                 "(red on the map).")
    elif pairs:
        st.info("Zones overlap, but none of different owners at the same time (yellow on the map).")
    else:
        st.success("No zones share area.")
    if pairs:
        if len(report.pairs) > MAX_PAIR_ROWS:
            st.caption(f"{len(report.pairs):,} overlapping pairs: the {MAX_PAIR_ROWS:,} listed are the conflicts first, "
                       "largest overlap first; the conflict report (CSV, below) has every pair.")
        st.dataframe(pd.DataFrame(pairs), key="zone_overlap_table", hide_index=True, width="stretch",
                     column_config={"Overlap (km²)": num(format="%.3f"), "Share of A (%)": num(format="%.2f"),
                                    "Share of B (%)": num(format="%.2f")})
    st.caption(f"Method: {md_text(report.method)}. Zones that only touch share no area and are not conflicts.")


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
        _repair_offer()
    with st.container():
        _swap_offer()
    with st.container():
        _conflict_tables(view, catalog)
    with st.expander("Add a zone exactly, or import zones", expanded=False, key="zone_entry_expander",
                     on_change="rerun"):
        t1, t2, t3 = st.tabs(["Circle", "Polygon", "Import file"], key="zone_entry_tab", on_change="rerun")
        with t1:
            zone_forms.circle_form(catalog)
        with t2:
            zone_forms.polygon_form()
        with t3:
            zone_forms.import_form()
    _rules_part()
    scenario_panel.scenarios_part()
    scenario_panel.downloads(list(view.zones), view.report)
    notification_panel.notification_downloads(list(view.zones), view.report)
