"""The zone and conflict tables of the section: editable zone attributes, overlapping pairs, "Show on the map".

Reasons and figures come from the library's analysis
(:func:`lunarmap.zones.analyse_zones`, :func:`lunarmap.zones.pair_reason`);
edits are checked as zones are made (:func:`lunarmap.zones.with_attributes`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.geodesy import centroid_lonlat
from lunarmap.sites import SiteCatalog
from lunarmap.zones import circle_zone, pair_reason, with_attributes

from .errors import error_words
from .page import fly_to, md_text
from .zone_state import K_SHOW_ZONE, K_TABLE_VERSION, ZonesView, current_zones, notice, notice_error, set_zones

__all__ = ["MAX_PAIR_ROWS", "conflict_tables", "apply_table_edits", "table_key"]

#: Overlapping pairs listed in the page's table (every pair is in the CSV).
MAX_PAIR_ROWS = 1_000


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
        notice_error(err, f"The map cannot show {zone.name}")


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


def table_key() -> str:
    return f"zone_table_editor_{st.session_state.get(K_TABLE_VERSION, 0)}"


def apply_table_edits() -> None:
    """Apply the table's valid edits and deletions; refused edits are named and the zone keeps its values."""
    state = st.session_state.get(table_key()) or {}
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
            refused.append(error_words(err))
    deleted = {int(r) for r in (state.get("deleted_rows") or [])}
    zones = [z for i, z in enumerate(zones) if i not in deleted]
    if applied or deleted:
        set_zones(zones, "Zone table updated." + (" Undo brings deleted zones back." if deleted else ""))
    if refused:
        notice("Not applied (those zones keep their values): " + " ".join(refused))


def conflict_tables(view: ZonesView, catalog: SiteCatalog) -> None:
    zones = list(view.zones)
    st.subheader("Zones and conflicts")
    if not zones:
        st.caption("No zones yet: draw one with the map's circle or polygon tool, enter one exactly, or import a file.")
        return
    table = _zone_table(view, catalog)
    num = st.column_config.NumberColumn
    st.data_editor(
        table, key=table_key(), hide_index=True, width="stretch", num_rows="delete",
        on_change=apply_table_edits,
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
    # conflicts first, then by overlap; a scenario with tens of thousands of pairs shows the first ones here
    # (the conflict report CSV below has them all)
    ordered = sorted(report.pairs, key=lambda p: (not p.conflict, -p.overlap_km2))
    pairs = [{"Zone A": names[p.a], "Zone B": names[p.b], "Overlap (km²)": p.overlap_km2,
              "Share of A (%)": 100 * p.share_of_a, "Share of B (%)": 100 * p.share_of_b,
              "Periods overlap": "yes" if p.periods_overlap else "no",
              "Conflict": pair_reason(p, zones)}
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
