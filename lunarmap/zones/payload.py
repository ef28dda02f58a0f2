"""Zones from the map component's payloads, and the repaired shape offered for a polygon that crosses itself.

The map sends what was drawn or edited in IAU_2015:30135 metres (the protocol
is written in :mod:`lunarmap_ui.map_component`): a circle as its centre and a
point on its edge, a polygon as its vertices, a whole-zone move as where the
drag started and ended. These functions turn a payload into a checked zone;
every refusal is a :class:`lunarmap.errors.ZoneError` (a crossing polygon a
:class:`.SelfIntersectionError` carrying its repair, which
:func:`repaired_zones` turns into zones when the planner accepts it).

>>> from lunarmap.crs import lonlat_to_polar
>>> zone = zone_from_drawing({"kind": "circle", "center": [0.0, 0.0], "edge": lonlat_to_polar(0.0, -89.0)}, "Z", "NASA")
>>> round(zone.radius_km, 5), zone.rule        # pole to 89 S: 30,323.35 m
(30.32335, 'drawn on the map (radius along the great circle)')
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shapely.geometry.base import BaseGeometry

from ..crs import SOUTH_POLAR_CODE, polar_to_lonlat
from ..geodesy import area_km2, distance_m
from .edit import moved_zone
from .model import Zone, circle_zone, polygon_zone, repaired_parts

__all__ = ["zone_from_drawing", "zone_after_edit", "radius_between_km", "repaired_zones", "repair_summary"]


def _xy(value: Any) -> tuple[float, float]:
    x, y = value
    return float(x), float(y)


def _circle_from(name: str, owner: str, centre_xy: tuple[float, float], radius_km: float, **meta: Any) -> Zone:
    lon, lat = (float(v) for v in polar_to_lonlat(*centre_xy))
    return circle_zone(name, owner, lon, lat, radius_km, **meta)


def radius_between_km(centre_xy: Any, edge_xy: Any) -> float:
    """The great-circle distance (km) on the Moon sphere between two map points (IAU_2015:30135 m).

    >>> from lunarmap.crs import lonlat_to_polar
    >>> round(radius_between_km([0.0, 0.0], lonlat_to_polar(0.0, -89.5)), 6)   # pole to 89.5 S: pi R / 360
    15.161675
    """
    clon, clat = polar_to_lonlat(*_xy(centre_xy))
    elon, elat = polar_to_lonlat(*_xy(edge_xy))
    return float(distance_m(clon, clat, elon, elat)) / 1000.0


def zone_from_drawing(value: Mapping[str, Any], name: str, owner: str, **meta: Any) -> Zone:
    """The zone of a map "draw" payload: a geodesic circle through the edge point, or the drawn polygon.

    Raises :class:`lunarmap.zones.SelfIntersectionError` (with the repair) or another ZoneError.
    """
    if value.get("kind") == "circle":
        centre, edge = _xy(value["center"]), _xy(value["edge"])
        return _circle_from(name, owner, centre, radius_between_km(centre, edge),
                            rule=meta.pop("rule", None) or "drawn on the map (radius along the great circle)", **meta)
    return polygon_zone(name, owner, value["vertices"], crs=SOUTH_POLAR_CODE,
                        rule=meta.pop("rule", None) or "drawn on the map", **meta)


def zone_after_edit(zone: Zone, value: Mapping[str, Any]) -> Zone:
    """The zone after a map "edit" payload: a circle moved (edge None: same radius) or resized; a polygon reshaped.

    A polygon moved as a whole (``move``: from, to) is rotated on the sphere
    (:func:`lunarmap.zones.moved_zone`), keeping its true size; id and
    attributes are kept.
    """
    meta = {"id": zone.id, "purpose": zone.purpose, "start": zone.start, "end": zone.end, "rule": zone.rule}
    if value.get("kind") == "circle" and zone.shape == "circle":
        centre = _xy(value["center"])
        radius = zone.radius_km if value.get("edge") is None else radius_between_km(centre, value["edge"])
        assert radius is not None  # a circle zone carries its radius (circle_zone, circle_attributes)
        return _circle_from(zone.name, zone.owner, centre, float(radius), **meta)
    move = value.get("move")
    if isinstance(move, Mapping) and "from" in move and "to" in move:   # moved whole: a rotation of the sphere
        return moved_zone(zone, _xy(move["from"]), _xy(move["to"]))
    return polygon_zone(zone.name, zone.owner, value["vertices"], crs=SOUTH_POLAR_CODE, **meta)


def repaired_zones(repaired: BaseGeometry, name: str, owner: str, meta: Mapping[str, Any]) -> list[Zone]:
    """The zones of an accepted repair: one per polygon part (numbered "name (k)" when several), rule "(repaired)".

    Each part is checked as any polygon zone is (a ZoneError if a part cannot be a zone).
    """
    parts = repaired_parts(repaired)
    attrs = {**meta, "rule": (meta.get("rule") or "") + " (repaired)"}
    return [polygon_zone(name if len(parts) == 1 else f"{name} ({k + 1})", owner, list(part.exterior.coords),
                         crs=SOUTH_POLAR_CODE, **attrs)
            for k, part in enumerate(parts)]


def repair_summary(repaired: BaseGeometry) -> str:
    """What the repaired shape is, for the offer: how many polygons and their area on the sphere."""
    return f"{len(repaired_parts(repaired))} polygon(s), {float(area_km2(repaired)):,.2f} km² on the sphere"
