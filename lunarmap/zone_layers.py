"""The keep-out zones on the map: the zone rows the map component draws, overlap and repair layers, the legend.

Kept beside :mod:`lunarmap.layers` (which holds views, graticule, sites and
rasters) rather than inside it, so each stays under the house size; the
layers here are built as every other layer is, with ``pydeck.Layer`` in
IAU_2015:30135 metres and turned into deck.gl JSON by
:func:`lunarmap.layers.layer_dicts`. Pure functions: no Streamlit.

Zones are coloured by owner (:func:`lunarmap.zones.owner_key`, in order of
first appearance); overlaps are red when they are conflicts and amber
otherwise, each labelled with its area on the sphere. Layers whose id starts
with ``zone-overlaps`` are drawn above the zones by the map component.

>>> km2_text(1234.5), km2_text(12.34), km2_text(0.1234)
('1,234', '12.3', '0.12')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pydeck as pdk
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from .crs import lonlat_to_polar
from .layers import layer_dicts
from .zones import Zone, ZoneReport, owner_key, repaired_parts

__all__ = ["MAX_PAIRS_DRAWN", "MAX_OVERLAP_LABELS", "OWNER_COLOURS", "CONFLICT_RGB", "SAME_OWNER_RGB",
           "owner_colours", "zone_rows", "overlap_layers", "repair_layers", "zones_legend", "map_pieces", "km2_text"]

#: Zone colours, one per owner in order of first appearance (RGB).
OWNER_COLOURS = ((64, 196, 255), (255, 140, 64), (170, 120, 255), (80, 220, 120), (255, 90, 190),
                 (230, 230, 80), (120, 200, 200), (200, 160, 120))
CONFLICT_RGB = (255, 40, 40)
SAME_OWNER_RGB = (255, 200, 0)
_REPAIR_RGB = (250, 250, 250)
#: Up to this many overlapping pairs each overlap is drawn and labelled on its own; beyond it (a scenario of
#: hundreds of mutually overlapping zones has tens of thousands of pairs) the overlaps are drawn as their union,
#: simplified to about a screen pixel at the scale of the zones, and only the largest are labelled: the map data
#: stays a few hundred kB at any zone count (the tables and the CSV keep every pair).
MAX_PAIRS_DRAWN = 100
MAX_OVERLAP_LABELS = 30
_CARTESIAN = pdk.types.String("cartesian")
_PIXELS = pdk.types.String("pixels")


def km2_text(km2: float) -> str:
    """An area at a readable precision: 1,234 / 12.3 / 0.123 / 0.0012."""
    if km2 >= 100:
        return f"{km2:,.0f}"
    if km2 >= 1:
        return f"{km2:,.1f}"
    return f"{km2:.2g}"


def _hex(rgb: Sequence[int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def owner_colours(zones: Sequence[Zone]) -> dict[str, tuple[int, int, int]]:
    """Each owner's colour (RGB) by :func:`lunarmap.zones.owner_key`, in order of first appearance."""
    owners: dict[str, tuple[int, int, int]] = {}
    for z in zones:
        k = owner_key(z.owner)
        if k not in owners:
            owners[k] = OWNER_COLOURS[len(owners) % len(OWNER_COLOURS)]
    return owners


def _ring(geom: Polygon) -> list[list[float]]:
    return np.round(np.asarray(geom.exterior.coords)[:-1, :2], 1).tolist()


def zone_rows(zones: Sequence[Zone], report: ZoneReport | None) -> list[dict[str, Any]]:
    """The zones as the map component draws them (its ``zones`` protocol): outline or circle, tooltip, colour.

    User text (name, owner, purpose) stays in these data rows, read by plain
    accessors: it never reaches deck.gl's JSON converter as a string of its own.
    """
    colours = owner_colours(zones)
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
        centre: list[float] | None = None
        radius_m: float | None = None
        if z.shape == "circle" and z.centre_lonlat:
            assert z.radius_km is not None  # a circle zone carries its radius (circle_zone, circle_attributes)
            cx, cy = lonlat_to_polar(*z.centre_lonlat)
            centre = [round(float(cx), 2), round(float(cy), 2)]
            radius_m = z.radius_km * 1000.0
        # circles: no ring (the browser draws the geodesic circle of centre and radius: 5 kB less per zone);
        # polygons: vertices to 0.1 m, as they come back from an edit
        ring = None if centre is not None else _ring(z.geometry_polar)
        out.append({"id": z.id, "name": z.name, "owner": z.owner, "lines": lines,
                    "kind": "circle" if centre is not None else "polygon", "ring": ring, "center": centre,
                    "radius_m": radius_m,
                    "vertices": None if centre is not None else ring,
                    "color": list(colours[owner_key(z.owner)]), "conflict": z.id in in_conflict})
    return out


def _polygon_rows(geom: BaseGeometry, rgb: tuple[int, int, int], name: str) -> list[dict]:
    return [{"polygon": np.rint(np.asarray(poly.exterior.coords)[:, :2]).astype(int).tolist(), "name": name,
             "fill": list(rgb) + [110], "line": list(rgb) + [255]}
            for poly in shapely.get_parts(geom) if poly.geom_type == "Polygon" and not poly.is_empty]


def overlap_layers(zones: Sequence[Zone], report: ZoneReport | None) -> list[dict[str, Any]]:
    """The overlaps (red: conflict; amber: same owner or never at the same time) and their km² labels, as JSON.

    Up to :data:`MAX_PAIRS_DRAWN` pairs each overlap is drawn and labelled;
    beyond, their union (simplified to about a screen pixel) and the
    :data:`MAX_OVERLAP_LABELS` largest labels. [] without overlaps.
    """
    if report is None or not report.pairs:
        return []
    names = {z.id: z.name for z in zones}
    pairs = list(report.pairs)
    rows: list[dict] = []
    if len(pairs) <= MAX_PAIRS_DRAWN:
        for p in pairs:
            rows += _polygon_rows(p.geometry_polar, CONFLICT_RGB if p.conflict else SAME_OWNER_RGB,
                                  f"{names[p.a]} ∩ {names[p.b]}")
        labelled = pairs
    else:
        extent = shapely.union_all([z.geometry_polar.envelope for z in zones]).bounds
        tol = max(50.0, max(extent[2] - extent[0], extent[3] - extent[1]) / 2_000.0)

        def dissolved(chosen: list) -> BaseGeometry:
            g = shapely.simplify(np.array([p.geometry_polar for p in chosen], dtype=object), tol,
                                 preserve_topology=False)
            return shapely.union_all(g[~shapely.is_empty(g)]) if len(g) else shapely.Polygon()

        conflict = dissolved([p for p in pairs if p.conflict])
        other = shapely.difference(dissolved([p for p in pairs if not p.conflict]), conflict)
        rows = (_polygon_rows(conflict, CONFLICT_RGB, f"overlaps in conflict ({sum(p.conflict for p in pairs):,})")
                + _polygon_rows(other, SAME_OWNER_RGB, "overlaps without conflict"))
        labelled = sorted(pairs, key=lambda p: p.overlap_km2, reverse=True)[:MAX_OVERLAP_LABELS]
    # each overlap labelled with its area on the sphere, at a point inside it
    labels = []
    for p in labelled:
        if p.geometry_polar.is_empty:
            continue
        at = p.geometry_polar.representative_point()
        labels.append({"position": [round(at.x, 1), round(at.y, 1)], "text": f"{km2_text(p.overlap_km2)} km²",
                       "color": list(CONFLICT_RGB if p.conflict else SAME_OWNER_RGB) + [255]})
    return layer_dicts([
        pdk.Layer("PolygonLayer", id="zone-overlaps", data=rows, coordinate_system=_CARTESIAN,
                  get_polygon="polygon", get_fill_color="fill", get_line_color="line", get_line_width=2.5,
                  line_width_units=_PIXELS, stroked=True, filled=True, pickable=False),
        pdk.Layer("TextLayer", id="zone-overlaps-labels", data=labels, coordinate_system=_CARTESIAN,
                  get_position="position", get_text="text", get_color="color", get_size=13, font_weight=700,
                  outline_width=3, outline_color=[0, 0, 0, 255], font_settings={"sdf": True},
                  character_set=pdk.types.String("auto"), pickable=False),
    ])


def repair_layers(repaired: BaseGeometry | None) -> list[dict[str, Any]]:
    """The repaired shape on offer, outlined in white above the zones ([] when none is on offer)."""
    if repaired is None:
        return []
    rows = [{"polygon": np.round(np.asarray(g.exterior.coords)[:, :2], 1).tolist()} for g in repaired_parts(repaired)]
    return layer_dicts([
        pdk.Layer("PolygonLayer", id="zone-overlaps-repair", data=rows, coordinate_system=_CARTESIAN,
                  get_polygon="polygon", get_fill_color=list(_REPAIR_RGB) + [60],
                  get_line_color=list(_REPAIR_RGB) + [255], get_line_width=2, line_width_units=_PIXELS,
                  stroked=True, filled=True, pickable=False),
    ])


def zones_legend(zones: Sequence[Zone]) -> list[dict[str, Any]]:
    """The map legend's "Keep-out zones" entry: one class per owner, then the two kinds of overlap."""
    colours = owner_colours(zones)
    owners: dict[str, str] = {}
    for z in zones:
        owners.setdefault(owner_key(z.owner), z.owner)
    classes = [{"label": f"zone of {name}", "color": _hex(colours[k]), "shape": "area"} for k, name in owners.items()]
    classes += [{"label": "overlap, different owners (conflict): red, with its km²", "color": _hex(CONFLICT_RGB),
                 "shape": "area"},
                {"label": "overlap, no conflict (same owner, or never at the same time)", "color": _hex(SAME_OWNER_RGB),
                 "shape": "area"}]
    return [{"title": "Keep-out zones", "units": "", "type": "classes", "classes": classes,
             "note": "Hypothetical zones of this session; areas on the Moon sphere."}]


def map_pieces(zones: Sequence[Zone], report: ZoneReport | None) -> tuple[list[dict], list[dict], list[dict]]:
    """(zone rows, overlap layers, legend) of the zones for the map; three empty lists without zones."""
    zones = list(zones)
    if not zones:
        return [], [], []
    return zone_rows(zones, report), overlap_layers(zones, report), zones_legend(zones)
