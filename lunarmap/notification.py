"""Safety-zone notifications: one owner's keep-out zones as a JSON document, a printable page and a map.

Size: about 435 lines: the document, its HTML page and its PNG map. The page and the map
(:func:`notification_html`, :func:`zones_map_png`, about 230 lines) are the seam to move out.

The Artemis Accords (Section 11) ask signatories to notify other parties of
the safety zones they establish. :func:`notification` builds that notice for
one owner (matched case-insensitively, trimmed): each zone's operator,
purpose, period, shape (circle centre and radius, or polygon vertices in
IAU_2015:30100 lon/lat), area on the Moon sphere, sizing rule and PSR area,
and every conflict with another owner's zone. The document embeds the
owner's zones as lunarmap GeoJSON, so :func:`notification_from_json` reads
back the very same zones. Bytes depend only on the inputs: the generation
time is given by the caller.

>>> from lunarmap.zones import circle_zone
>>> zones = [circle_zone("Cap", "NASA", 0.0, -90.0, 10.0), circle_zone("Rim", "CNSA", 0.0, -89.5, 10.0)]
>>> doc = notification(zones, None, " nasa", generated_utc="2030-01-01T00:00:00Z")
>>> doc["owner"], [z["name"] for z in doc["zones"]], len(doc["conflicts"]), doc["zones"][0]["radius_km"]
('NASA', ['Cap'], 1, 10.0)
>>> [z.name for z in notification_from_json(notification_json(doc))]
['Cap']
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, polar_to_lonlat
from .errors import ZoneError
from .geodesy import area_km2
from .zones import (
    MAX_IMPORT_BYTES,
    Zone,
    ZoneReport,
    analyse_zones,
    owner_key,
    ring_to_lonlat,
    zones_from_geojson,
    zones_to_geojson,
)

__all__ = ["owners", "notification", "notification_json", "notification_from_json", "notification_html",
           "zones_map_png"]

DOCUMENT = "lunarmap safety-zone notification"
FORMAT_VERSION = 1
_BASIS = ("Artemis Accords, Section 11 (Deconfliction of Space Activities): notification of safety zones, "
          "their location, extent and period")
_MAX_JSON_BYTES = 2 * MAX_IMPORT_BYTES
_MAX_VERTEX_ROWS = 200


def owners(zones: Sequence[Zone]) -> list[str]:
    """The distinct owners of the zones (each as first written), in the zones' order.

    >>> from lunarmap.zones import circle_zone
    >>> owners([circle_zone("a", "NASA", 0, -89, 1), circle_zone("b", "nasa ", 0, -88, 1)])
    ['NASA']
    """
    found: dict[str, str] = {}
    for z in zones:
        found.setdefault(owner_key(z.owner), z.owner.strip())
    return list(found.values())


def _num(value: Any, digits: int) -> float | None:
    """A rounded finite float, or None (JSON has no NaN; the reason is written next to it)."""
    if value is None:
        return None
    x = float(value)
    return round(x, digits) + 0.0 if math.isfinite(x) else None   # + 0.0: no "-0.0"


def _checked_report(zones: Sequence[Zone], report: ZoneReport | None) -> ZoneReport:
    """The report if it is of these zones; the overlap analysis alone (no PSR) when there is none."""
    if report is None:
        return analyse_zones(zones)
    areas = {s.id: s.area_km2 for s in report.zones}
    stale = [z.name for z in zones if z.id not in areas or not math.isclose(areas[z.id], z.area_km2, rel_tol=1e-9)]
    if stale or len(areas) != len(zones):
        which = ", ".join(repr(n) for n in stale[:3]) if stale else "zones no longer present"
        raise ZoneError(f"the conflict report is not of these zones (it differs for {which}); "
                        "analyse the zones again, then make the notification.")
    return report


def notification(zones: Sequence[Zone], report: ZoneReport | None, owner: str, *, generated_utc: str,
                 scenario_name: str = "", psr_note: str = "") -> dict[str, Any]:
    """The notification document (JSON-able) of ``owner``'s zones among ``zones``.

    ``report`` is :func:`lunarmap.zones.analyse_zones` of the same ``zones``
    (for PSR areas and conflicts); with None, overlaps are analysed here and
    PSR areas are None with the reason. ``generated_utc`` is an ISO 8601 time
    stamped by the caller. ``psr_note`` names the PSR data used, if any.
    Refuses an owner with no zones (:class:`ZoneError` naming the owners).
    """
    zones = list(zones)
    key = owner_key(owner)
    mine = [z for z in zones if owner_key(z.owner) == key]
    if not mine:
        known = ", ".join(repr(o) for o in owners(zones)) or "none (there are no zones)"
        raise ZoneError(f"no zones belong to owner {str(owner).strip()!r}; owners of these zones: {known}. "
                        "Choose one of them.")
    try:
        datetime.fromisoformat(str(generated_utc).replace("Z", "+00:00"))
    except ValueError:
        raise ZoneError(f"generated_utc must be an ISO 8601 time such as 2030-01-31T12:00:00Z "
                        f"(got {generated_utc!r}).") from None
    report = _checked_report(zones, report)
    summaries = {s.id: s for s in report.zones}
    by_id = {z.id: z for z in zones}
    mine_ids = {z.id for z in mine}
    conflicts: list[dict[str, Any]] = []
    for number, z in enumerate(mine, start=1):
        rows: list[dict[str, Any]] = []
        for p in report.conflicts:
            if z.id not in (p.a, p.b):
                continue
            other = by_id[p.b if p.a == z.id else p.a]
            rows.append({
                "zone_number": number, "zone_id": z.id, "zone_name": z.name,
                "other_id": other.id, "other_name": other.name, "other_owner": other.owner,
                "other_period": {"start": other.start, "end": other.end},
                "overlap_km2": _num(p.overlap_km2, 6),
                "share_of_zone": _num(p.share_of_a if p.a == z.id else p.share_of_b, 6),
                "share_of_other": _num(p.share_of_b if p.a == z.id else p.share_of_a, 6),
            })
        conflicts += sorted(rows, key=lambda r: (r["other_name"].casefold(), r["other_id"]))
    records = []
    for number, z in enumerate(mine, start=1):
        s = summaries.get(z.id)
        psr = _num(s.psr_km2, 6) if s else None
        reason = (s.psr_note if s else "") or ("PSR area not measured" if psr is None else "")
        centre = z.centre_lonlat if z.shape == "circle" else None
        polygon = centre is None
        ring = np.asarray(z.geometry_polar.exterior.coords)
        records.append({
            "number": number, "id": z.id, "name": z.name, "operator": z.owner, "purpose": z.purpose,
            "period": {"start": z.start, "end": z.end}, "shape": "polygon" if polygon else "circle",
            "centre_lon_deg": None if centre is None else _num(centre[0], 9),
            "centre_lat_deg": None if centre is None else _num(centre[1], 9),
            "radius_km": None if polygon else _num(z.radius_km, 9),
            "vertices_lonlat_deg": [[_num(a, 9), _num(b, 9)] for a, b in ring_to_lonlat(ring, False)[:-1]]
            if polygon else None,
            "edges": f"straight on the {SOUTH_POLAR_CODE} map" if polygon else "geodesic circle",
            "contains_pole": bool(z.geometry_polar.covers(shapely.Point(0.0, 0.0))),
            "area_km2": _num(z.area_km2, 6), "rule": z.rule,
            "psr_km2": psr, "psr_share_of_zone": _num(s.psr_share_of_zone, 6) if s and psr is not None else None,
            "psr_note": reason, "sites_inside": list(s.sites_inside) if s else [],
            "conflict_count": sum(r["zone_id"] == z.id for r in conflicts),
        })
    union = shapely.union_all([z.geometry_polar for z in mine])
    others = sorted({owner_key(by_id[r["other_id"]].owner): r["other_owner"] for r in conflicts}.values())
    return {
        "document": DOCUMENT, "format_version": FORMAT_VERSION, "basis": _BASIS,
        "title": f"Notification of safety zones: {mine[0].owner.strip()}",
        "owner": mine[0].owner.strip(), "generated_utc": str(generated_utc), "scenario_name": str(scenario_name or ""),
        "body": "Moon", "moon_radius_m": MOON_RADIUS_M,
        "crs": {"lonlat": LONLAT_CODE, "map": SOUTH_POLAR_CODE,
                "areas": f"on the IAU 2015 Moon sphere (R = {MOON_RADIUS_M:,.0f} m)"},
        "method": report.method, "psr_note": str(psr_note or ""),
        "summary": {"zone_count": len(mine), "combined_area_km2": _num(area_km2(union), 6),
                    "conflict_count": len(conflicts), "parties_in_conflict": others,
                    "psr_total_km2": _num(sum(r["psr_km2"] for r in records if r["psr_km2"] is not None), 6)
                    if any(r["psr_km2"] is not None for r in records) else None},
        "zones": records, "conflicts": conflicts,
        "geojson": zones_to_geojson([z for z in zones if z.id in mine_ids], name=f"safety zones of {mine[0].owner}"),
    }


def notification_json(doc: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON with sorted keys (the same bytes for the same document)."""
    return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def notification_from_json(data: bytes | str) -> list[Zone]:
    """The zones of a notification written by :func:`notification_json` (from its embedded GeoJSON)."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > _MAX_JSON_BYTES:
        raise ZoneError(f"the notification is {len(raw) / 1e6:.1f} MB; notifications are limited to "
                        f"{_MAX_JSON_BYTES / 1e6:.0f} MB.")
    try:
        doc = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise ZoneError(f"the notification is not JSON ({err}); give the file made by 'Notification (JSON)'.") from None
    if not isinstance(doc, dict) or doc.get("document") != DOCUMENT or not isinstance(doc.get("geojson"), dict):
        raise ZoneError(f"this JSON is not a {DOCUMENT} (no 'document' member saying so, or no 'geojson'); "
                        "give the file made by 'Notification (JSON)'.")
    return zones_from_geojson(doc["geojson"])


# --- the printable page ---------------------------------------------------------------------------


def _km2_text(km2: float | None) -> str:
    """An area at a readable precision: 1,234 / 12.3 / 1.23 / 0.0123; "n/a" if unknown."""
    if km2 is None:
        return "n/a"
    if km2 >= 100:
        return f"{km2:,.0f}"
    if km2 >= 10:
        return f"{km2:.1f}"
    if km2 >= 1:
        return f"{km2:.2f}"
    return np.format_float_positional(km2, precision=3, fractional=False, trim="-")


def _share_text(share: float | None) -> str:
    if share is None:
        return "n/a"
    return "<0.1" if 0 < share < 0.001 else f"{100 * share:.1f}"


def _period_text(period: dict[str, Any]) -> str:
    """'2030-01-01 to 2031-12-31', 'from 2030-01-01 until further notice', 'until 2031-12-31', ..."""
    start, end = period.get("start"), period.get("end")
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start} until further notice"
    return f"until {end}" if end else "until further notice"


_CSS = """@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 10.5pt/1.4 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #111; margin: 0 auto;
       max-width: 190mm; padding: 8px; background: #fff; }
h1 { font-size: 17pt; margin: 0 0 2px; } h2 { font-size: 12.5pt; margin: 18px 0 6px; border-bottom: 1px solid #999; }
h3 { font-size: 10.5pt; margin: 10px 0 4px; }
.basis { color: #444; margin: 0 0 10px; } dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 4px 0 8px; }
th, td { border: 1px solid #888; padding: 3px 5px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
table.vertices { width: auto; min-width: 50%; }
th { background: #e8e8e8; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
thead { display: table-header-group; } tr { page-break-inside: avoid; break-inside: avoid; }
figure { margin: 8px 0; text-align: center; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; max-height: 150mm; border: 1px solid #888; }
figcaption, .note { font-size: 8.5pt; color: #444; } .none { color: #444; font-style: italic; }
@media print { body { padding: 0; } h2 { page-break-after: avoid; break-after: avoid; } }
"""


def _table(headers: Sequence[tuple[str, bool]], rows: Sequence[Sequence[str]], cls: str) -> str:
    """An HTML table; ``headers`` are (escaped text, numeric?), cells are already-escaped text."""
    head = "".join(f'<th{" class=num" if num else ""} scope=col>{h}</th>' for h, num in headers)
    body = "".join("<tr>" + "".join(f'<td{" class=num" if num else ""}>{c}</td>'
                                    for c, (_, num) in zip(row, headers, strict=True)) + "</tr>\n" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>\n'


def notification_html(doc: dict[str, Any], map_png: bytes | None = None) -> bytes:
    """A printable, self-contained HTML page (A4) of the document; every text from the zones is escaped."""
    e = html.escape
    zones, conflicts, summary = doc["zones"], doc["conflicts"], doc["summary"]
    facts = [("Operator (owner)", doc["owner"]), ("Generated (UTC)", doc["generated_utc"])]
    if doc.get("scenario_name"):
        facts.append(("Scenario", doc["scenario_name"]))
    facts += [("Body", f"{doc['body']}, sphere of radius {doc['moon_radius_m']:,.0f} m (IAU 2015)"),
              ("Coordinates", f"longitude/latitude in degrees, {doc['crs']['lonlat']}; map {doc['crs']['map']} "
                              "(south polar stereographic)"),
              ("Safety zones", f"{summary['zone_count']}, together {_km2_text(summary['combined_area_km2'])} km²"),
              ("Conflicts", f"{summary['conflict_count']}" + (f" (with {', '.join(summary['parties_in_conflict'])})"
                                                              if summary["parties_in_conflict"] else ""))]
    parts = [f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{e(doc['title'])}</title>\n"
             f"<style>{_CSS}</style></head><body>\n<h1>{e(doc['title'])}</h1>\n<p class=basis>{e(doc['basis'])}</p>\n"
             "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in facts) + "</dl>\n"]
    if map_png:
        url = "data:image/png;base64," + base64.b64encode(map_png).decode("ascii")
        parts.append(f'<figure><img src="{url}" alt="Map of the safety zones"><figcaption>Safety zones of '
                     f"{e(doc['owner'])} (numbered, filled), other parties' zones (grey outlines) and conflicting "
                     f"overlaps (red), on the south polar stereographic map ({e(doc['crs']['map'])}); 0° longitude "
                     "is up.</figcaption></figure>\n")
    rows = []
    for z in zones:
        where = (f"circle, centre lon {z['centre_lon_deg']:.5f}°, lat {z['centre_lat_deg']:.5f}°; "
                 f"radius {z['radius_km']:g} km" if z["shape"] == "circle"
                 else f"polygon of {len(z['vertices_lonlat_deg'])} vertices (listed below)")
        if z["contains_pole"]:
            where += "; contains the south pole"
        psr = _km2_text(z["psr_km2"]) + (f"<br><span class=note>{e(z['psr_note'])}</span>" if z["psr_note"] else "")
        rows.append([str(z["number"]), e(z["name"]), e(z["purpose"]) or "<span class=none>not stated</span>",
                     e(_period_text(z["period"])), e(where), _km2_text(z["area_km2"]), psr,
                     e(z["rule"]) or "<span class=none>not stated</span>", str(z["conflict_count"])])
    parts.append("<h2>Safety zones</h2>\n" + _table(
        [("#", True), ("Name", False), ("Purpose", False), ("Period", False), ("Shape and location", False), ("Area (km²)", True), ("PSR area (km²)", True),
         ("Sizing rule", False), ("Conflicts", True)], rows, "zones"))
    for z in zones:
        if z["shape"] != "polygon":
            continue
        verts = z["vertices_lonlat_deg"]
        vrows = [[str(i), f"{lon:.5f}", f"{lat:.5f}"] for i, (lon, lat) in enumerate(verts[:_MAX_VERTEX_ROWS], 1)]
        more = (f"<p class=note>{len(verts) - _MAX_VERTEX_ROWS} more vertices are in the JSON notification.</p>"
                if len(verts) > _MAX_VERTEX_ROWS else "")
        parts.append(f"<h3>Vertices of zone {z['number']}: {e(z['name'])} (edges {e(z['edges'])})</h3>\n"
                     + _table([("#", True), ("Longitude (° E)", True), ("Latitude (°)", True)], vrows, "vertices") + more)
    parts.append("<h2>Conflicts with other parties' zones</h2>\n")
    if conflicts:
        crow = [[f"{c['zone_number']}: {e(c['zone_name'])}", e(c["other_name"]), e(c["other_owner"]),
                 e(_period_text(c["other_period"])), _km2_text(c["overlap_km2"]), _share_text(c["share_of_zone"]),
                 _share_text(c["share_of_other"])] for c in conflicts]
        parts.append(_table([("Zone", False), ("Other zone", False), ("Other party", False), ("Other period", False),
                             ("Overlap (km²)", True), ("Share of zone (%)", True), ("Share of other (%)", True)],
                            crow, "conflicts"))
    else:
        parts.append("<p class=none>None: no zone of another party shares area with these zones at the same time."
                     "</p>\n")
    notes = [f"Method: {doc['method']}."]
    if doc.get("psr_note"):
        notes.append(f"PSR data: {doc['psr_note']}.")
    notes.append(f"Machine-readable form: the JSON notification ({DOCUMENT}, format {doc['format_version']}) holds "
                 "these zones as GeoJSON in lunar lon/lat.")
    parts.append("<h2>Notes</h2>\n" + "".join(f"<p class=note>{e(n)}</p>\n" for n in notes) + "</body></html>\n")
    return "".join(parts).encode("utf-8")


# --- the map image --------------------------------------------------------------------------------

_OWNER_RGB, _OTHER_RGB, _CONFLICT_RGB = (31, 100, 180), (120, 120, 120), (214, 39, 40)


def _nice_km(target_km: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``target_km``."""
    exp = 10.0 ** math.floor(math.log10(target_km))
    return max(m * exp for m in (1.0, 2.0, 5.0) if m * exp <= target_km)


def zones_map_png(zones: Sequence[Zone], owner: str, report: ZoneReport | None, size_px: int = 800) -> bytes:
    """A square PNG map (IAU_2015:30135, 0° longitude up) of ``owner``'s zones, numbered as in the notification.

    The view fits the owner's zones and the zones overlapping them, with a
    margin. Owner's zones are filled blue, other zones outlined grey,
    conflicting overlaps filled red; a scale bar in km true at the map's centre
    (stereographic scale k = 2 / (1 + sin|lat|)). The same inputs give the same
    bytes (no metadata is written).
    """
    zones = list(zones)
    key = owner_key(owner)
    mine = [z for z in zones if owner_key(z.owner) == key]
    if not mine:
        raise ZoneError(f"no zones belong to owner {str(owner).strip()!r}; owners of these zones: "
                        f"{', '.join(repr(o) for o in owners(zones)) or 'none'}. Choose one of them.")
    if not 100 <= int(size_px) <= 4000:
        raise ZoneError(f"size_px must be between 100 and 4000 (got {size_px!r}).")
    report = _checked_report(zones, report)
    ids = {z.id for z in mine}
    by_id = {z.id: z for z in zones}
    # a report may come without overlap outlines (the page keeps only numbers): intersect the two zones again
    overlaps = [p.geometry_polar if not p.geometry_polar.is_empty
                else by_id[p.a].geometry_polar.intersection(by_id[p.b].geometry_polar)
                for p in report.conflicts if (p.a in ids or p.b in ids) and p.a in by_id and p.b in by_id]
    near = [z for z in zones if z.id not in ids and any(z.geometry_polar.intersects(m.geometry_polar) for m in mine)]
    x0, y0, x1, y1 = shapely.total_bounds([z.geometry_polar for z in mine + near])
    ss, n = 2, int(size_px)                      # draw at twice the size, then downsample (smooth edges)
    w = n * ss
    span = max(x1 - x0, y1 - y0, 1.0) * 1.25     # 12.5% margin each side
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    scale = w / span                             # pixels per map metre
    u = w / 800.0                                # one pixel of an 800 px map: sizes of text, lines and marks
    lw = max(1, round(2 * u))

    def px(coords: np.ndarray) -> list[tuple[float, float]]:
        return [(float((x - cx) * scale + w / 2), float(w / 2 - (y - cy) * scale)) for x, y in coords]

    def fill(img: Image.Image, geom: Any, rgba: tuple[int, int, int, int]) -> None:
        mask = Image.new("L", img.size, 0)
        md = ImageDraw.Draw(mask)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            md.polygon(px(np.asarray(poly.exterior.coords)), fill=255)
            for hole in poly.interiors:
                md.polygon(px(np.asarray(hole.coords)), fill=0)
        layer = Image.new("RGBA", img.size, rgba[:3] + (0,))
        layer.putalpha(mask.point(lambda v: v * rgba[3] // 255))
        img.alpha_composite(layer)

    img = Image.new("RGBA", (w, w), (255, 255, 255, 255))
    draw = ImageDraw.Draw(img)
    for z in zones:
        if z.id not in ids:
            draw.line(px(np.asarray(z.geometry_polar.exterior.coords)), fill=_OTHER_RGB + (255,), width=lw)
    for z in mine:
        fill(img, z.geometry_polar, _OWNER_RGB + (90,))
    for g in overlaps:
        fill(img, g, _CONFLICT_RGB + (200,))
    draw = ImageDraw.Draw(img)
    for z in mine:
        draw.line(px(np.asarray(z.geometry_polar.exterior.coords)), fill=_OWNER_RGB + (255,), width=lw)
    font = ImageFont.load_default(size=max(8, round(16 * u)))
    big = ImageFont.load_default(size=max(10, round(22 * u)))
    (qx, qy), = px(np.array([[0.0, 0.0]]))
    if 0 <= qx <= w and 0 <= qy <= w:           # the south pole, if on the map
        r = 6 * u
        draw.line([(qx - r, qy), (qx + r, qy)], fill=(0, 0, 0, 255), width=max(1, round(u)))
        draw.line([(qx, qy - r), (qx, qy + r)], fill=(0, 0, 0, 255), width=max(1, round(u)))
        draw.text((qx, qy + r + 2 * u), "S pole", font=font, fill=(0, 0, 0, 255), anchor="ma")
    for number, z in enumerate(mine, start=1):
        (lx, ly), = px(np.asarray(z.geometry_polar.representative_point().coords))
        if math.hypot(lx - qx, ly - qy) < 24 * u:   # keep the number off the pole's mark
            ly = qy - 24 * u
        draw.text((lx, ly), str(number), font=big, fill=(0, 0, 0, 255), anchor="mm", stroke_width=lw,
                  stroke_fill=(255, 255, 255, 255))
    # north arrow: 0 degrees longitude points up on this map
    ax, ay = w - 28 * u, 14 * u
    draw.polygon([(ax, ay), (ax - 7 * u, ay + 18 * u), (ax + 7 * u, ay + 18 * u)], fill=(0, 0, 0, 255))
    draw.text((ax, ay + 22 * u), "0° lon", font=font, fill=(0, 0, 0, 255), anchor="ma")
    # scale bar, true at the map centre
    lat_c = float(polar_to_lonlat(cx, cy)[1])
    k = 2.0 / (1.0 + math.sin(math.radians(abs(lat_c))))
    bar_km = _nice_km(0.3 * span / k / 1000.0)
    bar = bar_km * 1000.0 * k * scale
    bx, by = 16 * u, w - 22 * u
    draw.rectangle([bx - 6 * u, by - 27 * u, bx + bar + 6 * u, by + 14 * u], fill=(255, 255, 255, 220))
    draw.rectangle([bx, by, bx + bar, by + 5 * u], fill=(0, 0, 0, 255))
    draw.rectangle([bx + bar / 2, by + u, bx + bar - u, by + 4 * u], fill=(255, 255, 255, 255))
    draw.text((bx, by - 4 * u), f"{bar_km:g} km (true at map centre, {lat_c:.2f}°)", font=font,
              fill=(0, 0, 0, 255), anchor="ld")
    # legend
    items = [(_OWNER_RGB, f"zones of {mine[0].owner.strip()[:40]}"), (_OTHER_RGB, "other parties' zones"),
             (_CONFLICT_RGB, "conflicting overlap")]
    lx, ly = 12 * u, 12 * u
    box_w = 28 * u + max(font.getlength(label) for _, label in items)
    draw.rectangle([lx - 4 * u, ly - 4 * u, lx + box_w, ly + len(items) * 22 * u], fill=(255, 255, 255, 220))
    for i, (rgb, label) in enumerate(items):
        y = ly + i * 22 * u
        draw.rectangle([lx, y + 3 * u, lx + 15 * u, y + 18 * u], fill=rgb + (255,) if rgb != _OTHER_RGB else None,
                       outline=rgb + (255,), width=lw)
        draw.text((lx + 22 * u, y + 10.5 * u), label, font=font, fill=(0, 0, 0, 255), anchor="lm")
    out = io.BytesIO()
    img.convert("RGB").resize((n, n), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=False)
    return out.getvalue()
