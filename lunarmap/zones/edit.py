"""Zones changed after they are made: new attributes, a new outline, moved on the sphere, found by a map point.

Every change goes through the same checks as making a zone (:mod:`.model`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon

from ..crs import LONLAT_CODE, SOUTH_POLAR_CODE, transformer
from ..errors import ZoneError
from .model import (
    Zone,
    _check_dates,
    _check_text,
    _refuse_north,
    _refuse_north_polar,
    _unit,
    circle_zone,
    polygon_zone,
)

__all__ = ["with_attributes", "with_geometry", "point_in_zones", "moved_zone", "with_fresh_ids"]


def with_attributes(zone: Zone, **changes: Any) -> Zone:
    """The same zone with new name, owner, purpose, start, end or rule, checked as when zones are made."""
    unknown = set(changes) - {"name", "owner", "purpose", "start", "end", "rule"}
    if unknown:
        raise ZoneError(f"zone {zone.name!r}: {sorted(unknown)} cannot be edited; edit name, owner, purpose, start, "
                        "end or rule.")
    cur = {k: getattr(zone, k) for k in ("name", "owner", "purpose", "start", "end", "rule")}
    cur.update(changes)
    name = _check_text(cur["name"], "name", zone.name, required=True)
    start, end = _check_dates(cur["start"], cur["end"], name)
    return replace(zone, name=name, owner=_check_text(cur["owner"], "owner", name, required=True),
                   purpose=_check_text(cur["purpose"], "purpose", name, required=False), start=start, end=end,
                   rule=_check_text(cur["rule"], "rule", name, required=False))


def with_geometry(zone: Zone, geometry_polar: Polygon) -> Zone:
    """The same zone with a new (edited) polygon; a circle becomes a polygon."""
    if not isinstance(geometry_polar, Polygon) or not geometry_polar.is_valid or geometry_polar.is_empty:
        raise ZoneError(f"zone {zone.name!r}: the edited shape is not a valid polygon; undo the last edit.")
    _refuse_north_polar(zone.name, shapely.get_coordinates(geometry_polar))
    return replace(zone, geometry_polar=geometry_polar, shape="polygon", centre_lonlat=None, radius_km=None)


def with_fresh_ids(zones: Iterable[Zone], taken: Iterable[str]) -> list[Zone]:
    """The zones, each whose id is already ``taken`` given a new one (zones imported beside existing ones).

    >>> z = circle_zone("A", "NASA", 0.0, -89.0, 1.0, id="a1")
    >>> [x.id == "a1" for x in with_fresh_ids([z], ["b2"])], [x.id == "a1" for x in with_fresh_ids([z], ["a1"])]
    ([True], [False])
    """
    taken = set(taken)
    return [replace(z, id=uuid.uuid4().hex[:12]) if z.id in taken else z for z in zones]


def point_in_zones(zones: Sequence[Zone], x_m: float, y_m: float) -> list[str]:
    """Ids of zones containing a map point (for selecting a zone by clicking)."""
    p = Point(x_m, y_m)
    return [z.id for z in zones if z.geometry_polar.covers(p)]


def _rotation(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """The 3x3 rotation about the axis p0 x p1 that takes unit vector p0 to unit vector p1 (Rodrigues)."""
    axis = np.cross(p0, p1)
    s, c = float(np.linalg.norm(axis)), float(np.clip(p0 @ p1, -1.0, 1.0))
    if s < 1e-15:
        return np.eye(3)
    k = axis / s
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + s * kx + (1.0 - c) * (kx @ kx)


def moved_zone(zone: Zone, from_xy: Sequence[float], to_xy: Sequence[float]) -> Zone:
    """The zone moved on the sphere so that the map point ``from_xy`` lands on ``to_xy`` (both IAU_2015:30135 m).

    The move is the rigid rotation of the sphere about the axis p0 x p1 (p0, p1
    the unit vectors of the two points), applied to every vertex, so the zone
    keeps its true size and shape wherever it goes (a shift in map metres would
    not: the map's scale changes with latitude). Edges stay straight on the map
    between the moved vertices. A circle keeps its radius around the moved
    centre. Id and attributes are kept; a zone that would reach north of the
    equator is refused.
    """
    to_lonlat = transformer(SOUTH_POLAR_CODE, LONLAT_CODE)
    to_polar_ = transformer(LONLAT_CODE, SOUTH_POLAR_CODE)
    try:
        ends = np.asarray([from_xy, to_xy], dtype=float).reshape(2, 2)
    except (TypeError, ValueError):
        raise ZoneError(f"zone {zone.name!r}: the move needs two map points (x, y) in metres "
                        f"(got {from_xy!r} and {to_xy!r}).") from None
    if not np.all(np.isfinite(ends)):
        raise ZoneError(f"zone {zone.name!r}: the move's map points must be finite numbers; move the zone again.")
    lon, lat = to_lonlat.transform(ends[:, 0], ends[:, 1])
    p0, p1 = _unit(np.asarray(lon), np.asarray(lat))
    if float(p0 @ p1) < -1.0 + 1e-12:
        raise ZoneError(f"zone {zone.name!r}: the move goes to the opposite side of the Moon, where its direction "
                        "is undefined; move the zone in two steps.")
    rot = _rotation(p0, p1)

    def rotate(lon_deg: float | np.ndarray, lat_deg: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = _unit(np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float)) @ rot.T
        return np.degrees(np.arctan2(v[..., 1], v[..., 0])), np.degrees(np.arcsin(np.clip(v[..., 2], -1.0, 1.0)))

    attrs = {"id": zone.id, "purpose": zone.purpose, "start": zone.start, "end": zone.end, "rule": zone.rule}
    if zone.shape == "circle" and zone.centre_lonlat is not None and zone.radius_km is not None:
        clon, clat = rotate(*zone.centre_lonlat)
        return circle_zone(zone.name, zone.owner, float(clon), float(clat), zone.radius_km, **attrs)
    ring = np.asarray(zone.geometry_polar.exterior.coords)[:-1]
    vlon, vlat = to_lonlat.transform(ring[:, 0], ring[:, 1])
    mlon, mlat = rotate(vlon, vlat)
    _refuse_north(zone.name, mlat)
    xs, ys = to_polar_.transform(mlon, mlat)
    return polygon_zone(zone.name, zone.owner, np.column_stack([xs, ys]), crs=SOUTH_POLAR_CODE,
                        shape=zone.shape, **attrs)
