"""Exact entry of keep-out zones (a circle round a point or site, a list of vertices) and file import.

Each form refuses bad input with the library's message and changes nothing;
a refused self-intersecting polygon leaves its repair on offer.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from lunarmap.errors import LunarmapError, ZoneError
from lunarmap.scenario_files import scenario_from_gpkg_bytes
from lunarmap.sites import SiteCatalog
from lunarmap.sizing_rules import all_rules, merged_rules, rule_text, rules_from_geojson
from lunarmap.zone_swap import SwappedCoordinatesError, check_not_swapped
from lunarmap.zones import (
    SIZING_RULES,
    SelfIntersectionError,
    circle_zone,
    polygon_zone,
    with_fresh_ids,
    zones_from_geojson,
)

from .page import md_text
from .zone_state import (
    DEFAULT_OWNER,
    current_zones,
    new_owner,
    next_name,
    notice,
    notice_error,
    offer_swap,
    own_rules,
    refuse_polygon,
    set_zones,
)

__all__ = ["parse_vertices", "circle_form", "polygon_form", "import_form"]

_FREE_RULE = "free"


def _rule_keys() -> list[str]:
    return [_FREE_RULE, *all_rules(own_rules())]


def _rule_label(key: str) -> str:
    rules = all_rules(own_rules())
    if key == _FREE_RULE:
        return "Free text (below)"
    rule = rules.get(key)
    if rule is None:
        return f"(rule {key} is gone)"
    return rule.label if rule.builtin else f"{rule.label}: {rule.radius_km:g} km (own rule)"


def _meta_inputs(prefix: str) -> dict[str, Any]:
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key=f"{prefix}_name", placeholder="e.g. Landing keep-out")
    owner = c2.text_input("Owner (the party claiming it)", key=f"{prefix}_owner", value=new_owner() or DEFAULT_OWNER)
    purpose = st.text_input("Purpose", key=f"{prefix}_purpose", placeholder="e.g. plume ejecta during descent")
    c3, c4 = st.columns(2)
    start = c3.text_input("Start (YYYY-MM-DD)", key=f"{prefix}_start")
    end = c4.text_input("End (YYYY-MM-DD)", key=f"{prefix}_end")
    return {"name": name, "owner": owner, "purpose": purpose, "start": start, "end": end}


def _rule_text(key: str, free: str, radius_km: float | None) -> str:
    if key == _FREE_RULE or key not in all_rules(own_rules()):
        return free
    return rule_text(all_rules(own_rules())[key], radius_km)


def circle_form(catalog: SiteCatalog) -> None:
    """A geodesic circle round coordinates or a catalogue site, its radius given or from a built-in rule."""
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
        labels = {k: _rule_label(k) for k in _rule_keys()}    # read once: a format function reads no state
        rule_key = c5.selectbox("Sizing rule", list(labels), format_func=labels.__getitem__, key="zc_rule")
        meta = _meta_inputs("zc")
        free = st.text_input("Rule (free text)", key="zc_rule_text", placeholder="how the radius was chosen")
        submitted = st.form_submit_button("Add circle zone", type="primary")
    with st.expander("Built-in sizing rules: formula and source"):
        for rule in SIZING_RULES.values():
            st.markdown(f"**{md_text(rule.label)}**  \n{md_text(rule.formula)}  \nSource: {md_text(rule.source)}")
        st.caption("Your own rules (with their sources) are added under 'Sizing rules' in this section.")
    if not submitted:
        return
    rules = all_rules(own_rules())
    if rule_key != _FREE_RULE and rule_key not in rules:
        rule_key = _FREE_RULE
    if radius is None:
        if rule_key == _FREE_RULE:
            notice("The circle has no radius: give the radius in km, or choose a built-in sizing rule.")
            st.rerun()
        radius = rules[rule_key].radius_km
    # the zone follows the rule (and is resized when the rule changes) unless its radius was set by hand
    follows = rule_key if rule_key != _FREE_RULE and abs(float(radius) - rules[rule_key].radius_km) < 1e-9 else None
    if centre != "__coords__":
        lon, lat = catalog[centre].lonlat
    zones = current_zones()
    name = meta.pop("name") or (catalog[centre].name if centre != "__coords__" else next_name(zones))
    owner = meta.pop("owner")
    rule = _rule_text(rule_key, free, float(radius))
    try:
        if centre == "__coords__":
            check_not_swapped(name, [(float(lon), float(lat))], radius_km=float(radius))
        zone = circle_zone(name, owner, float(lon), float(lat), float(radius), rule=rule, rule_key=follows, **meta)
    except SwappedCoordinatesError as err:
        offer_swap(err, name, owner, {"rule": rule, **meta}, radius_km=float(radius))
        st.rerun()
    except LunarmapError as err:
        notice_error(err, "The circle zone was not added")
        st.rerun()
    set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.3f} km²).")
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
            raise ZoneError(f"line {n} ({line.strip()[:40]!r}) is not 'longitude, latitude' in degrees; "
                             "write one vertex per line, e.g. '15.5, -89.2'.")
        out.append((float(m.group(1)), float(m.group(2))))
    return out


def polygon_form() -> None:
    """A polygon from typed lon/lat vertices (edges straight on the polar map)."""
    with st.form("zone_polygon_form", border=False):
        text = st.text_area("Vertices: one 'longitude, latitude' per line (degrees; edges straight on the map)",
                            key="zp_vertices", height=140, placeholder="0, -88.5\n90, -88.5\n180, -88.5\n-90, -88.5")
        meta = _meta_inputs("zp")
        rule = st.text_input("Rule (free text)", key="zp_rule", placeholder="how the zone was sized")
        submitted = st.form_submit_button("Add polygon zone", type="primary")
    if not submitted:
        return
    zones = current_zones()
    name = meta.pop("name") or next_name(zones)
    owner = meta.pop("owner")
    try:
        verts = parse_vertices(text)
    except ZoneError as err:
        notice_error(err, "The polygon zone was not added")
        st.rerun()
    try:
        check_not_swapped(name, verts)
        zone = polygon_zone(name, owner, verts, rule=rule, **meta)
    except SwappedCoordinatesError as err:
        offer_swap(err, name, owner, {"rule": rule, **meta})
        st.rerun()
    except SelfIntersectionError as err:
        refuse_polygon(err, name, owner, {"rule": rule, **meta})
        st.rerun()
    except LunarmapError as err:
        notice_error(err, "The polygon zone was not added")
        st.rerun()
    set_zones(zones + [zone], f"Added {zone.name} ({zone.area_km2:,.3f} km²).")
    st.rerun()


def import_form() -> None:
    """Zones from a GeoJSON file or a lunarmap GeoPackage, added to this session's zones."""
    with st.form("zone_import_form", border=False):
        up = st.file_uploader("GeoJSON (lon/lat on the Moon) or a lunarmap GeoPackage, up to 10 MiB",
                              type=["geojson", "json", "gpkg"], key="zone_import_file")
        owner = st.text_input("Owner for zones without one", key="zone_import_owner")
        submitted = st.form_submit_button("Import zones", type="primary")
    if not submitted:
        return
    if up is None:
        notice("Choose a file to import first.")
        st.rerun()
    data = up.getvalue()
    label = f"{up.name!r}"
    try:
        rules: tuple = ()
        if up.name.lower().endswith(".gpkg"):
            _, imported = scenario_from_gpkg_bytes(data, label)
        else:   # zones_from_geojson refuses files over 10 MiB before parsing them
            imported = zones_from_geojson(data, default_owner=owner)
            rules = rules_from_geojson(data)
    except SelfIntersectionError as err:
        refuse_polygon(err, "Imported zone", owner or DEFAULT_OWNER, {"rule": f"imported from {label}"})
        notice_error(err, f"Nothing was imported from {label}")
        st.rerun()
    except LunarmapError as err:
        notice_error(err, f"Nothing was imported from {label}")
        st.rerun()
    zones = current_zones()
    fresh = with_fresh_ids(imported, (z.id for z in zones))
    merged = merged_rules(own_rules(), rules)
    added = len(merged) - len(own_rules())
    extra = f" and {added} sizing rule(s)" if added else ""
    set_zones(zones + fresh, f"Imported {len(fresh)} zone(s){extra} from {label}.", rules=merged)
    st.rerun()


