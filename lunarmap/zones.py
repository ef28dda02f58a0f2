"""Keep-out zones: make, validate, read/write, and find conflicts between them.

Size: about 970 lines, over the house limit of ~450. Its seams are the zone model and checks,
GeoJSON I/O and the conflict analysis; the split is issue 14 (one module each), left for it so the
move lands alone with its own tests rather than mixed into behaviour changes.

A zone is a polygon in IAU_2015:30135 metres (edges straight on the map, as
drawn), with who claims it and why. Circles are geodesic. Areas are on the
Moon sphere (:func:`lunarmap.geodesy.area_km2`); a zone containing the pole or
crossing the 180 meridian is an ordinary polygon here.

Zones are sized "by commonly accepted engineering principles" in the Artemis
Accords' words (Section 11); :data:`SIZING_RULES` holds built-in rules with
their formula and source, and free text is always allowed.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, lunar_crs_code, polar_to_lonlat, transformer
from .errors import InvalidRadiusError, LunarmapError, ZoneError
from .geodesy import (
    area_km2,
    cap_area_km2,
    check_radius_km,
    geodesic_circle,
    lonlat_ring_to_polar,
    ring_crosses_180,
    to_polar,
    validate_lonlat,
)
from .sites import Site

__all__ = [
    "MAX_RADIUS_KM",
    "MAX_TEXT_CHARS",
    "MIN_RADIUS_KM",
    "check_text",
    "MAX_IMPORT_BYTES",
    "SIZING_RULES",
    "SizingRule",
    "Zone",
    "SelfIntersectionError",
    "circle_zone",
    "polygon_zone",
    "zones_to_geojson",
    "zones_from_geojson",
    "ZonePair",
    "ZoneSummary",
    "ZoneReport",
    "analyse_zones",
    "with_attributes",
    "with_geometry",
    "point_in_zones",
    "moved_zone",
]

MAX_RADIUS_KM = 500.0
#: Smallest circle radius (km): 10 m, a 314 m^2 zone, above the smallest polygon zone.
MIN_RADIUS_KM = 0.01
#: Largest zone area (km^2): a circle of MAX_RADIUS_KM (about 783,000 km^2); a polygon may not claim more.
MAX_ZONE_KM2 = 2.0 * math.pi * MOON_RADIUS_M ** 2 * (1.0 - math.cos(MAX_RADIUS_KM * 1_000.0 / MOON_RADIUS_M)) / 1e6
#: Smallest polygon zone accepted (km^2): 100 m^2, smaller than any lander's footprint plus margin.
_MIN_ZONE_KM2 = 1e-4
MAX_IMPORT_BYTES = 10 * 1024 * 1024
#: Marker written into lunarmap's own GeoJSON: edges are straight in polar metres,
#: so vertices are read back without densifying in lon/lat (exact round trip).
EDGES_MEMBER = "lunarmap_edges"
EDGES_POLAR = "straight in IAU_2015:30135"
#: Distance from the pole to the equator on the south polar stereographic map (m): 2 R.
_EQUATOR_RHO_M = 2.0 * MOON_RADIUS_M
_NORTH_HINT = ("lunarmap maps the southern hemisphere from the south pole. Did you swap longitude and latitude? "
               "Give 'longitude, latitude'.")


@dataclass(frozen=True)
class SizingRule:
    """A named, cited way to size a circle zone: its radius, the formula behind it, where it comes from.

    Built-in rules cite a published source; a planner's own rules (``builtin`` False, see
    :mod:`lunarmap.sizing_rules`) carry their own source and link, travel with the scenario and its exports,
    and resize every zone sized by them when they change.
    """

    key: str
    label: str
    radius_km: float
    formula: str
    source: str
    link: str = ""
    builtin: bool = True


_NASA_2011 = (
    "NASA (20 July 2011), 'NASA's Recommendations to Space-Faring Entities: How to Protect and Preserve the "
    "Historic and Scientific Value of U.S. Government Lunar Artifacts'"
)
SIZING_RULES: dict[str, SizingRule] = {
    rule.key: rule
    for rule in (
        SizingRule(
            "nasa-2011-descent-landing",
            "Descent/landing boundary (NASA 2011): 2.0 km",
            2.0,
            "r = 2.0 km: no landing or overflight within this radius of a heritage lander, chosen for the reach "
            "of regolith ejecta blown by a landing plume",
            _NASA_2011 + ", sections A1-3 and A2",
        ),
        SizingRule(
            "nasa-2011-artifact-apollo-17",
            "Artifact boundary, large surface site (NASA 2011, Apollo 17): 225 m",
            0.225,
            "r = 225 m around the lander's descent stage (surface activity keep-out)",
            _NASA_2011 + ", section A1-4 (artifact boundary)",
        ),
        SizingRule(
            "nasa-2011-artifact-apollo-11",
            "Artifact boundary, small surface site (NASA 2011, Apollo 11): 75 m",
            0.075,
            "r = 75 m around the lander's descent stage (surface activity keep-out)",
            _NASA_2011 + ", section A1-4 (artifact boundary)",
        ),
    )
}


class SelfIntersectionError(ZoneError):
    """A polygon zone crosses itself; ``repaired`` holds the shape shapely.make_valid offers."""

    def __init__(self, message: str, repaired: BaseGeometry):
        super().__init__(message)
        self.repaired = repaired


@dataclass(frozen=True)
class Zone:
    """A keep-out zone: a polygon in IAU_2015:30135 metres and who claims it, why, and when."""

    id: str
    name: str
    owner: str
    geometry_polar: Polygon = field(repr=False)
    purpose: str = ""
    start: str | None = None
    end: str | None = None
    rule: str = ""
    shape: str = "polygon"
    centre_lonlat: tuple[float, float] | None = None
    radius_km: float | None = None
    #: The sizing rule (:data:`SIZING_RULES` or the scenario's own) this circle follows, if any.
    rule_key: str | None = None

    @cached_property
    def area_km2(self) -> float:
        """Area on the Moon sphere in km^2 (computed once per zone: the geometry of a zone never changes)."""
        return float(area_km2(self.geometry_polar))


#: Longest name, owner or purpose (characters): enough for any real one; a long text is sent on every rerun.
MAX_TEXT_CHARS = 200
#: Longest sizing-rule text (characters): a rule cites its source.
MAX_RULE_CHARS = 500


def check_text(value: Any, field_: str, what: str, required: bool = False, max_chars: int = MAX_TEXT_CHARS) -> str:
    """``value`` as trimmed text, or :class:`ZoneError`: empty when required, too long, or not valid Unicode.

    A lone UTF-16 surrogate (e.g. from a JSON escape ``\\ud800``) cannot be written to any file or page: refused.

    >>> check_text("  Rim plan ", "name", "scenario")
    'Rim plan'
    """
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ZoneError(f"{what}: {field_} is empty; give the {field_} (e.g. the party claiming the zone).")
    if len(text) > max_chars:
        raise ZoneError(f"{what}: {field_} is {len(text):,} characters long; keep it to {max_chars} or fewer.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        bad = text[err.start]
        raise ZoneError(f"{what}: {field_} contains U+{ord(bad):04X}, a lone surrogate that is not a character; "
                        "remove it (it usually comes from a broken \\u escape in a file).") from None
    return text


def _check_text(value: Any, field_: str, name: str, required: bool) -> str:
    limit = MAX_RULE_CHARS if field_ == "rule" else MAX_TEXT_CHARS
    return check_text(value, field_, f"zone {_safe_repr(name)}", required, limit)


def _safe_repr(name: Any) -> str:
    """A name for a message: quoted, at most 60 characters, lone surrogates shown as escapes."""
    text = str(name)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _check_dates(start: Any, end: Any, name: str) -> tuple[str | None, str | None]:
    parsed = []
    for label, value in (("start", start), ("end", end)):
        if value in (None, ""):
            parsed.append(None)
            continue
        try:
            parsed.append(date.fromisoformat(str(value)))
        except ValueError:
            raise ZoneError(f"zone {name!r}: {label} date {value!r} is not a date; use YYYY-MM-DD.") from None
    if parsed[0] and parsed[1] and parsed[1] < parsed[0]:
        raise ZoneError(f"zone {name!r}: end {parsed[1]} is before start {parsed[0]}; swap or correct the dates.")
    return tuple(d.isoformat() if d else None for d in parsed)  # type: ignore[return-value]


def _make(name: str, owner: str, geom: Polygon, meta: dict[str, Any]) -> Zone:
    name = _check_text(name, "name", name, required=True)
    owner = _check_text(owner, "owner", name, required=True)
    start, end = _check_dates(meta.pop("start", None), meta.pop("end", None), name)
    return Zone(
        id=meta.pop("id", None) or uuid.uuid4().hex[:12],
        name=name,
        owner=owner,
        geometry_polar=geom,
        purpose=_check_text(meta.pop("purpose", ""), "purpose", name, required=False),
        start=start,
        end=end,
        rule=_check_text(meta.pop("rule", ""), "rule", name, required=False),
        **meta,
    )


def _refuse_north(name: str, lat_deg: Any) -> None:
    """ZoneError if any latitude is north of the equator (zones lie in the southern hemisphere)."""
    lat = np.asarray(lat_deg, dtype=float)
    if lat.size and np.nanmax(lat) > 0.0:
        raise ZoneError(f"zone {name!r}: latitude {float(np.nanmax(lat)):g} is north of the equator; {_NORTH_HINT}")


def _refuse_north_polar(name: str, xy: np.ndarray) -> None:
    """ZoneError if any IAU_2015:30135 point lies beyond the equator (farther than 2 R from the pole)."""
    rho = np.hypot(xy[:, 0], xy[:, 1])
    if rho.size and np.nanmax(rho) > _EQUATOR_RHO_M:
        i = int(np.nanargmax(rho))
        _refuse_north(name, polar_to_lonlat(xy[i, 0], xy[i, 1])[1])


def circle_zone(name: str, owner: str, lon_deg: float, lat_deg: float, radius_km: float, **meta: Any) -> Zone:
    """A geodesic circle zone of ``radius_km`` (0 < r <= 500) around a lon/lat centre.

    The whole circle must lie in the southern hemisphere (centre latitude plus
    the radius in degrees, r / R, at most 0).
    """
    validate_lonlat(lon_deg, lat_deg, f"zone {name!r} centre")
    _refuse_north(name, lat_deg)
    r_km = check_radius_km(radius_km, MAX_RADIUS_KM)
    if r_km < MIN_RADIUS_KM:
        raise InvalidRadiusError(
            f"zone {_safe_repr(name)}: radius_km must be at least {MIN_RADIUS_KM:g} (10 m; got {radius_km!r}): a "
            "smaller circle is smaller than the smallest polygon zone (100 m²). Give the radius in kilometres."
        )
    reach = float(lat_deg) + np.degrees(r_km * 1_000.0 / MOON_RADIUS_M)
    if reach > 0.0:
        raise ZoneError(
            f"zone {name!r}: a {r_km:g} km circle around latitude {float(lat_deg):g} reaches latitude {reach:.4f}, "
            "north of the equator; lunarmap maps the southern hemisphere from the south pole. Move the centre "
            "south or make the radius smaller."
        )
    geom = geodesic_circle(lon_deg, lat_deg, radius_km, max_km=MAX_RADIUS_KM)
    meta.update(shape="circle", centre_lonlat=(float(lon_deg), float(lat_deg)), radius_km=float(radius_km))
    return _make(name, owner, geom, meta)


def polygon_zone(name: str, owner: str, vertices: Sequence[Sequence[float]], crs: str = LONLAT_CODE, **meta: Any) -> Zone:
    """A polygon zone from vertices in lon/lat degrees (``crs=IAU_2015:30100``) or polar metres (30135).

    Edges are straight on the south polar map. Refuses fewer than 3 distinct
    vertices, coordinates outside the Moon's ranges, vertices north of the
    equator (before any geometry work), and self-intersecting rings (offering
    the repaired shape in the error's ``repaired``).
    """
    try:
        pts = np.asarray(vertices, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ZoneError(f"zone {name!r}: vertices must be pairs of numbers (got {vertices!r}).") from None
    if crs == LONLAT_CODE:
        validate_lonlat(pts[:, 0], pts[:, 1], f"zone {name!r}")
        _refuse_north(name, pts[:, 1])
        xs, ys = transformer(LONLAT_CODE, SOUTH_POLAR_CODE).transform(pts[:, 0], pts[:, 1])
        pts = np.column_stack([xs, ys])
    elif crs != SOUTH_POLAR_CODE:
        raise ZoneError(f"zone {name!r}: crs must be {LONLAT_CODE} or {SOUTH_POLAR_CODE} (got {crs!r}).")
    if not np.all(np.isfinite(pts)):
        raise ZoneError(f"zone {name!r}: vertices contain a non-finite number; give finite coordinates.")
    _refuse_north_polar(name, pts)
    if len(pts) > 1 and np.allclose(pts[0], pts[-1], atol=1e-6):
        pts = pts[:-1]
    distinct = np.unique(np.round(pts, 3), axis=0)
    if len(distinct) < 3:
        raise ZoneError(
            f"zone {name!r}: a polygon needs at least 3 distinct vertices (got {len(distinct)}); add vertices."
        )
    poly = Polygon(pts)
    robust = poly.is_valid
    if robust and area_km2(poly) > MAX_ZONE_KM2:
        raise ZoneError(
            f"zone {_safe_repr(name)}: the polygon covers {area_km2(poly):,.0f} km², more than the largest zone "
            f"({MAX_ZONE_KM2:,.0f} km², a {MAX_RADIUS_KM:g} km circle); a keep-out zone is a site's surroundings, "
            "not a region of the Moon. Draw a smaller outline."
        )
    if robust:
        if area_km2(poly) < _MIN_ZONE_KM2 or poly.area < 1e-4 * poly.length ** 2 / (4 * np.pi):
            raise ZoneError(
                f"zone {name!r}: the polygon encloses almost no area ({area_km2(poly) * 1e6:,.0f} m2 for a "
                f"{poly.length / 1000:,.1f} km outline): its vertices are (nearly) in a line; spread them out."
            )
        # Valid to within a millimetre: a vertex lying on another edge (to rounding) counts as crossing.
        try:
            snapped = shapely.set_precision(poly, 1e-3)
            robust = snapped.geom_type == "Polygon" and abs(snapped.area - poly.area) <= 1e-3 * poly.length
        except shapely.errors.GEOSException:
            robust = False
    if not robust:
        repaired = shapely.make_valid(poly)
        parts = [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type == "Polygon"]
        repaired = shapely.union_all(parts) if parts else repaired
        if not parts or area_km2(repaired) < _MIN_ZONE_KM2:
            raise ZoneError(
                f"zone {_safe_repr(name)}: the vertices enclose no area (they lie on one line, or the outline "
                "folds back on itself); nothing was changed. Spread the vertices out round the area to keep out."
            )
        reason = shapely.is_valid_reason(poly) if not poly.is_valid else "a vertex lies on another edge"
        where = ""
        if "[" in reason:
            x, y = (float(v) for v in reason[reason.index("[") + 1: reason.index("]")].split())
            lon, lat = polar_to_lonlat(x, y)
            where = f" at lon {float(lon):.4f}, lat {float(lat):.4f}"
        raise SelfIntersectionError(
            f"zone {name!r}: the polygon crosses itself{where}; nothing was changed. A repaired shape is offered "
            f"({len(parts)} part{'s' if len(parts) != 1 else ''}, {area_km2(repaired):,.1f} km2): accept it, "
            "or move the vertices so the edges do not cross.",
            repaired,
        )
    meta.setdefault("shape", "polygon")
    return _make(name, owner, shapely.normalize(poly), meta)


# --- GeoJSON -------------------------------------------------------------------------------------


def _unit(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (..., 3) of lon/lat degrees on the sphere."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _ring_to_lonlat(ring_xy: np.ndarray, contains_pole: bool) -> list[list[float]]:
    """A closed map ring as a lon/lat ring that GIS software reads correctly.

    A ring around the pole is opened at the 180 meridian and closed along
    latitude -90 (the usual way to write a polar cap in lon/lat).
    """
    lon, lat = transformer(SOUTH_POLAR_CODE, LONLAT_CODE).transform(ring_xy[:, 0], ring_xy[:, 1])
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if not contains_pole:
        # Keep a ring that crosses the 180 meridian continuous (e.g. 178..182) where the
        # Moon's longitude range [-180, 360) allows it; otherwise wrap each vertex.
        unwrapped = np.degrees(np.unwrap(np.radians(lon)))
        unwrapped -= 360.0 * np.floor((unwrapped.min() + 180.0) / 360.0)
        if unwrapped.max() < 360.0:
            lon = unwrapped
        ring = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
        ring[-1] = ring[0]  # closed exactly, not to a rounding error
        return ring
    xy = ring_xy[:-1]
    lon, lat = lon[:-1], lat[:-1]
    jumps = np.nonzero(np.abs(np.diff(np.append(lon, lon[0]))) > 180.0)[0]
    if len(jumps) != 1:  # not star-shaped around the pole: keep the vertices, exact in map metres
        return [[float(a), float(b)] for a, b in zip(np.append(lon, lon[0]), np.append(lat, lat[0]), strict=True)]
    j = int(jumps[0])
    k = (j + 1) % len(lon)
    # Where the straight map edge j -> k crosses the 180 meridian (the ray x = 0, y < 0), exactly.
    (xa, ya), (xb, yb) = xy[j], xy[k]
    y_cross = ya + (yb - ya) * xa / (xa - xb) if xa != xb else min(ya, yb)
    lat_cross = float(polar_to_lonlat(0.0, y_cross)[1])
    lon, lat = np.roll(lon, -k), np.roll(lat, -k)
    direction = 1.0 if lon[-1] > lon[0] else -1.0
    ring = [[-180.0 * direction, lat_cross]] + [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
    ring += [[180.0 * direction, lat_cross], [180.0 * direction, -90.0], [-180.0 * direction, -90.0], ring[0]]
    return ring


def zones_to_geojson(zones: Iterable[Zone], name: str = "zones", rules: Iterable[SizingRule] = ()) -> dict[str, Any]:
    """A GeoJSON FeatureCollection in lunar lon/lat (crs member IAU_2015:30100, body Moon).

    Edges are densified to 1 km in map metres so software that draws them
    straight in lon/lat shows the same shape; a zone around the pole is written
    as a polar cap (opened at the 180 meridian, closed along -90). The
    ``lunarmap_edges`` member tells :func:`zones_from_geojson` to read the
    vertices back exactly. ``rules``: the scenario's own sizing rules, written
    as the ``sizing_rules`` member (read back by
    :func:`lunarmap.sizing_rules.rules_from_geojson`).
    """
    features = []
    zones = list(zones)
    for z in zones:
        dense = shapely.segmentize(z.geometry_polar, 1_000.0)
        pole = dense.contains(Point(0.0, 0.0))
        rings = [_ring_to_lonlat(np.asarray(dense.exterior.coords), pole)]
        rings += [_ring_to_lonlat(np.asarray(h.coords), False) for h in dense.interiors]
        props = {
            "id": z.id, "name": z.name, "owner": z.owner, "purpose": z.purpose, "start": z.start, "end": z.end,
            "rule": z.rule, "rule_key": z.rule_key, "shape": z.shape, "radius_km": z.radius_km,
            "centre_lon_deg": z.centre_lonlat[0] if z.centre_lonlat else None,
            "centre_lat_deg": z.centre_lonlat[1] if z.centre_lonlat else None,
            "area_km2": round(z.area_km2, 6),
        }
        features.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": rings}})
    return {
        "type": "FeatureCollection", "name": name, "body": "Moon",
        "crs": {"type": "name", "properties": {"name": LONLAT_CODE}},
        EDGES_MEMBER: EDGES_POLAR, "features": features,
        "sizing_rules": [
            {"key": r.key, "label": r.label, "radius_km": r.radius_km, "formula": r.formula, "source": r.source,
             "link": r.link} for r in rules if not r.builtin],
    }


def _lonlat_ring_to_polar(geom: BaseGeometry, exact: bool, what: str) -> BaseGeometry:
    # lunarmap's own files: vertices are exact and edges straight on the map (no lon/lat densifying).
    return to_polar(geom, what, densify_deg=None if exact else 0.05)


#: A vertex closer than this (m) to the straight map segment between its neighbours adds nothing to the shape.
_COLLINEAR_M = 1e-3


def _drop_collinear(ring: np.ndarray) -> np.ndarray:
    """An open ring (no repeated closing vertex) without the vertices lying on straight map edges (within 1 mm).

    Undoes the 1 km densifying of :func:`zones_to_geojson`: walking from a
    corner, a vertex is dropped while every vertex since the last kept one is
    within 1 mm of the segment from that kept vertex to the next vertex.
    """
    n = len(ring)
    if n <= 3:
        return ring

    def off_line(a: np.ndarray, b: np.ndarray, pts: np.ndarray) -> np.ndarray:
        d = b - a
        length = float(np.hypot(*d))
        if length == 0.0:
            return np.hypot(*(pts - a).T)
        t = np.clip(((pts - a) @ d) / length ** 2, 0.0, 1.0)
        return np.hypot(*(pts - (a + t[:, None] * d)).T)

    prev, nxt = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
    d = nxt - prev                                    # each vertex's distance from its neighbours' segment
    len2 = np.einsum("ij,ij->i", d, d)
    t = np.clip(np.einsum("ij,ij->i", ring - prev, d) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
    dev = np.hypot(*(ring - (prev + t[:, None] * d)).T)
    if np.all(dev > _COLLINEAR_M):                    # every vertex is a corner (e.g. a circle): nothing to drop
        return ring
    start = int(np.argmax(dev))
    if dev[start] <= _COLLINEAR_M:
        return ring
    ring = np.roll(ring, -start, axis=0)
    closed = np.vstack([ring, ring[:1]])
    keep = [0]
    for i in range(1, n):
        anchor = closed[keep[-1]]
        if np.all(off_line(anchor, closed[i + 1], closed[keep[-1] + 1: i + 1]) <= _COLLINEAR_M):
            continue
        keep.append(i)
    return ring[keep]


def _ring_centre(ring_xy: np.ndarray) -> np.ndarray:
    """Unit vector of the length-weighted centre of a closed map ring's outline on the sphere."""
    lon, lat = polar_to_lonlat(ring_xy[:, 0], ring_xy[:, 1])
    v = _unit(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    mid, w = (v[1:] + v[:-1]) / 2.0, np.linalg.norm(v[1:] - v[:-1], axis=1)
    c = (mid * w[:, None]).sum(axis=0)
    return c / np.linalg.norm(c)


def _circle_meta(props: dict[str, Any], polar: Polygon) -> dict[str, Any]:
    """Circle attributes from a file's properties, only when they describe this geometry; else {}.

    The radius and centre must be valid numbers, the area must be the spherical
    cap's to 1e-3, the outline's centre (length-weighted, on the sphere) within
    1% of the radius of the stated centre and every vertex at the radius to 1%;
    anything else is imported as a polygon.
    """
    if props.get("shape") != "circle":
        return {}
    try:
        radius = float(props.get("radius_km"))
        lon, lat = float(props.get("centre_lon_deg")), float(props.get("centre_lat_deg"))
    except (TypeError, ValueError):
        return {}
    if not (np.isfinite([radius, lon, lat]).all() and 0.0 < radius <= MAX_RADIUS_KM
            and -180.0 <= lon < 360.0 and -90.0 <= lat <= 0.0):
        return {}
    if abs(area_km2(polar) / cap_area_km2(radius) - 1.0) > 1e-3:
        return {}
    ring = np.asarray(polar.exterior.coords)
    stated = _unit(np.array(lon), np.array(lat))
    off_m = float(np.arccos(np.clip(_ring_centre(ring) @ stated, -1.0, 1.0))) * MOON_RADIUS_M
    if off_m > 0.01 * radius * 1_000.0:
        return {}
    # Round, too: every vertex at the radius (to 1%), so an equal-area square around the centre stays a polygon.
    vlon, vlat = polar_to_lonlat(ring[:, 0], ring[:, 1])
    dist_m = np.arccos(np.clip(_unit(np.asarray(vlon), np.asarray(vlat)) @ stated, -1.0, 1.0)) * MOON_RADIUS_M
    if np.max(np.abs(dist_m / (radius * 1_000.0) - 1.0)) > 0.01:
        return {}
    return {"shape": "circle", "radius_km": radius, "centre_lonlat": (lon, lat)}


def _file_crs(doc: dict[str, Any], label: str) -> str:
    """The lunar CRS code a GeoJSON ``crs`` member names (default lon/lat), or ZoneError."""
    member = doc.get("crs")
    if member is None:
        return LONLAT_CODE
    inner = member.get("properties") if isinstance(member, dict) else None
    name = inner.get("name") if isinstance(inner, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise ZoneError(f"{label} has a 'crs' member lunarmap cannot read ({member!r}); remove it, or export in "
                        f"{LONLAT_CODE} (Moon lon/lat).")
    try:
        code = lunar_crs_code(name)
    except Exception:  # noqa: BLE001 - any failure to parse the name means "not recognised"
        code = None
    if code is None:
        try:
            CRS.from_user_input(name)
        except Exception:  # noqa: BLE001
            raise ZoneError(f"{label} names a CRS lunarmap cannot read ({name!r}); export in {LONLAT_CODE} "
                            "(Moon lon/lat).") from None
        raise ZoneError(f"{label} is in {name}, not lunar lon/lat; export in {LONLAT_CODE} (Moon lon/lat).")
    return code


def zones_from_geojson(data: bytes | str | Path | dict[str, Any], default_owner: str = "") -> list[Zone]:
    """Read zones from GeoJSON (bytes, text, a path or a parsed dict); refuses bad files clearly.

    Non-lunarmap files are read as RFC 7946 lon/lat with edges straight in
    lon/lat (densified before projecting); a ``crs`` member naming
    IAU_2015:30135 means polar metres with straight map edges, any other
    non-lunar CRS is refused. Files over 10 MB, files that are not GeoJSON,
    files with no polygons, polygons with holes and vertices north of the
    equator are refused. lunarmap's own files (``lunarmap_edges``) come back
    exactly: the points added to densify edges are dropped and zone ids are
    kept (a repeated id gets a new one). Circle attributes are kept only when
    they match the geometry. Every refusal is a :class:`ZoneError`.
    """
    label = "the file"
    if isinstance(data, Path):
        label = str(data)
        if data.is_dir():
            raise ZoneError(f"{label!r} is a folder, not a zone file; give the path of a GeoJSON file of zones.")
        try:
            size = data.stat().st_size
            data_bytes = data.read_bytes() if size <= MAX_IMPORT_BYTES else None
        except OSError as err:
            raise ZoneError(f"zone file {label!r} cannot be read ({err.strerror or err}); check its permissions or "
                            "copy it somewhere readable.") from None
        if data_bytes is None:
            raise ZoneError(f"{label} is {_mib(size)}; zone files are limited to {_mib(MAX_IMPORT_BYTES)}. Split it or simplify the polygons.")
        data = data_bytes
    if isinstance(data, (bytes, str)):
        size = len(data.encode() if isinstance(data, str) else data)
        if size > MAX_IMPORT_BYTES:
            raise ZoneError(f"{label} is {_mib(size)}; zone files are limited to {_mib(MAX_IMPORT_BYTES)}. Split it or simplify the polygons.")
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ZoneError(f"{label} is not GeoJSON: it does not parse as JSON ({err}). Export the zones as GeoJSON and try again.") from err
        except ValueError:   # an integer literal longer than Python converts (4,300 digits)
            raise ZoneError(f"{label} is not GeoJSON lunarmap can read: it holds a number of more than 4,300 digits. "
                            "Write coordinates as ordinary decimal numbers.") from None
        except RecursionError:
            raise ZoneError(f"{label} is not GeoJSON lunarmap can read: it is nested too deeply.") from None
    else:
        doc = data
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise ZoneError(f"{label} is not GeoJSON: it needs \"type\": \"FeatureCollection\" (or \"Feature\").")
    features = doc.get("features", []) if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise ZoneError(f"{label}: 'features' is not a list; a zone file needs a list of Polygon features.")
    if doc.get("body", "Moon") != "Moon":
        raise ZoneError(f"{label} says body {doc.get('body')!r}; only Moon zones can be imported.")
    code = _file_crs(doc, label)
    exact = doc.get(EDGES_MEMBER) == EDGES_POLAR
    zones: list[Zone] = []
    seen_ids: set[str] = set()
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or not feat.get("geometry"):
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise ZoneError(f"{label}: feature #{i} has 'properties' that are not an object ({type(props).__name__}); "
                            "give the properties as a JSON object of name, owner, ...")
        name = str(props.get("name") or props.get("id") or f"zone {i + 1}")
        try:
            zones.extend(_feature_zones(feat, props, name, label, i, code, exact, default_owner, seen_ids))
        except ZoneError as err:
            if type(err) is ZoneError and not str(err).startswith(label):
                raise ZoneError(f"{label}: {err}") from err
            raise
        except LunarmapError as err:
            raise ZoneError(f"{label}: {err}") from err
        except Exception as err:  # noqa: BLE001 - an odd file must give a clear refusal, not a traceback
            raise ZoneError(f"{label}: feature #{i} ({name!r}) could not be read ({type(err).__name__}: {err}); "
                            "check its geometry and properties.") from err
    if not zones:
        raise ZoneError(f"{label} has no polygons; a zone file needs Polygon or MultiPolygon features.")
    return zones


def _mib(size: int) -> str:
    """A size in MiB as the limit is (10 MiB = 10,485,760 bytes), to the byte where the rounding would hide it."""
    text = f"{size / 2**20:.1f} MiB"
    return text if size == MAX_IMPORT_BYTES or text != f"{MAX_IMPORT_BYTES / 2**20:.1f} MiB" else f"{size:,} bytes"


def _finite_coordinates(geometry: Any) -> bool:
    """False when any number in a GeoJSON geometry's coordinates is NaN or infinite (JSON allows NaN)."""
    stack = [geometry.get("coordinates") if isinstance(geometry, dict) else None]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def _split_at_antimeridian(polys: Sequence[Polygon]) -> bool:
    """Whether every part of a lon/lat multipolygon has an edge along longitude +180 or -180."""
    return all(np.any(np.isclose(np.abs(shapely.get_coordinates(p)[:, 0]), 180.0, atol=1e-9)) for p in polys)


def _feature_zones(feat: dict[str, Any], props: dict[str, Any], name: str, label: str, i: int, code: str,
                   exact: bool, default_owner: str, seen_ids: set[str]) -> list[Zone]:
    """The zones of one GeoJSON feature (one per polygon part)."""
    if not _finite_coordinates(feat["geometry"]):
        raise ZoneError(f"{label}: zone {_safe_repr(name)} (feature #{i}) has a coordinate that is not a finite "
                        "number (NaN or Infinity); give finite longitude, latitude pairs.")
    try:
        geom = shape(feat["geometry"])
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as err:
        raise ZoneError(f"{label}: feature #{i} ({name!r}) has an unreadable geometry ({err}).") from err
    polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
    polar_file = code == SOUTH_POLAR_CODE
    parts: list[tuple[str, BaseGeometry]] = []
    for j, poly in enumerate(polys):
        part = name if len(polys) == 1 else f"{name} ({j + 1})"
        coords = shapely.get_coordinates(poly)
        if not np.all(np.isfinite(coords)):
            raise ZoneError(f"{label}: zone {part!r} has a non-finite coordinate; give finite coordinates.")
        if polar_file:
            _refuse_north_polar(part, coords)
        else:
            validate_lonlat(coords[:, 0], coords[:, 1], f"zone {part!r}")
            _refuse_north(part, coords[:, 1])
        if poly.interiors:
            n = len(poly.interiors)
            raise ZoneError(f"{label}: zone {part!r} has {n} hole{'s' if n != 1 else ''}; lunarmap zones are single "
                            "outlines: remove the holes or split the zone into parts.")
        if polar_file:
            polar = poly
        elif not exact and ring_crosses_180(coords):
            # Another tool's ring crossing the 180 meridian (or winding round the pole): edges the short way;
            # polygon_zone below judges it on the polar map and offers the repair of a true bow-tie.
            polar = Polygon(lonlat_ring_to_polar(coords, f"zone {part!r}"))
        else:
            if not exact and not poly.is_valid:
                polygon_zone(part, "x", list(poly.exterior.coords))  # raises SelfIntersectionError with repair
            polar = _lonlat_ring_to_polar(poly, exact, f"zone {part!r}")
        if polar.geom_type != "Polygon":
            raise ZoneError(f"{label}: zone {part!r} does not form one polygon on the polar map; split it into separate features.")
        parts.append((part, polar))
    if len(parts) > 1 and not polar_file and _split_at_antimeridian(polys):
        # RFC 7946 splits a polygon crossing the 180 meridian into parts that touch along it: one zone again
        merged = shapely.union_all([shapely.set_precision(g, 1e-3) for _, g in parts])
        if merged.geom_type == "Polygon" and not merged.interiors:
            parts = [(name, merged)]
    out = []
    for part, polar in parts:
        ring = np.asarray(polar.exterior.coords)[:-1]
        if exact:
            ring = _drop_collinear(ring)
        meta: dict[str, Any] = {k: props.get(k) for k in ("purpose", "start", "end", "rule")}
        if isinstance(props.get("rule_key"), str) and props["rule_key"].strip():
            meta["rule_key"] = check_text(props["rule_key"], "rule_key", f"zone {_safe_repr(part)}", max_chars=80)
        meta.update(_circle_meta(props, Polygon(ring)))
        zid = props.get("id")
        if exact and zid and len(parts) == 1:
            zid = str(zid)
            meta["id"] = zid if zid not in seen_ids else uuid.uuid4().hex[:12]
        owner = props.get("owner") or default_owner
        if not str(owner).strip():
            raise ZoneError(f"{label}: zone {part!r} has no owner; add an 'owner' property or choose a default owner.")
        z = polygon_zone(part, str(owner), ring, crs=SOUTH_POLAR_CODE, **meta)
        seen_ids.add(z.id)
        out.append(z)
    return out


# --- conflict analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ZonePair:
    """Two zones that share area: how much, what share of each, whether their periods overlap, and conflict.

    ``periods_overlap`` is True when the two zones exist on at least one common
    day (start and end dates inclusive; a missing start means "since always", a
    missing end "until further notice", so it is never unknown). ``conflict`` is
    True when the owners differ and the periods overlap.
    """

    a: str
    b: str
    overlap_km2: float
    share_of_a: float
    share_of_b: float
    conflict: bool
    geometry_polar: BaseGeometry = field(repr=False)
    periods_overlap: bool = True


@dataclass(frozen=True)
class ZoneSummary:
    """One zone's area, the sites inside it, and the shadowed (PSR) area it takes."""

    id: str
    name: str
    owner: str
    area_km2: float
    sites_inside: tuple[str, ...]
    psr_km2: float
    psr_share_of_zone: float
    psr_share_of_all: float
    psr_note: str


@dataclass(frozen=True)
class ZoneReport:
    """Conflict analysis of a set of zones."""

    zones: tuple[ZoneSummary, ...]
    pairs: tuple[ZonePair, ...]
    psr_total_km2: float
    method: str

    @property
    def conflicts(self) -> tuple[ZonePair, ...]:
        """Overlapping pairs of zones with different owners whose periods overlap."""
        return tuple(p for p in self.pairs if p.conflict)


#: Overlaps smaller than this (km^2) are numerical contact, not shared area.
_MIN_OVERLAP_KM2 = 1e-6

PsrFunction = Callable[[BaseGeometry], tuple[float, str]]


def _periods_overlap(a: Zone, b: Zone) -> bool:
    """True if the zones exist on a common day (dates inclusive; a missing start or end is open-ended)."""
    lo = max(a.start or "", b.start or "")          # ISO dates compare as text; "" is before every date
    hi = min(a.end or "9999-12-31", b.end or "9999-12-31")
    return lo <= hi


#: Most candidate pairs (zones whose outlines meet) analysed in one call: 300 mutually overlapping zones make
#: 44,850; beyond this the analysis would hold the server for minutes and is refused with advice instead.
MAX_ZONE_PAIRS = 50_000


def _overlapping_pairs(zones: Sequence[Zone], max_pairs: int | None = MAX_ZONE_PAIRS) -> list[ZonePair]:
    """Every pair of zones sharing area, found with a spatial index and measured in bulk (vectorised GEOS)."""
    if len(zones) < 2:
        return []
    geoms = np.array([z.geometry_polar for z in zones], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if max_pairs is not None and left.size > max_pairs:
        raise ZoneError(
            f"{len(zones):,} zones make {left.size:,} overlapping pairs, more than the {max_pairs:,} analysed "
            "at once in the page; analyse the file with 'python -m lunarmap zones check FILE', or split it into "
            "smaller scenarios."
        )
    owner = [z.owner.strip().casefold() for z in zones]
    pairs = []
    for c0 in range(0, left.size, _PAIR_CHUNK):      # in chunks: the copies made to measure areas stay small
        li, ri = left[c0:c0 + _PAIR_CHUNK], right[c0:c0 + _PAIR_CHUNK]
        inter = shapely.intersection(geoms[li], geoms[ri])
        # Contacts along an edge or at a point leave lines and points: keep only the polygonal part.
        for k in np.flatnonzero(~np.isin(shapely.get_type_id(inter), (3, 6))):
            polys = [g for g in shapely.get_parts(inter[k]) if g.geom_type in ("Polygon", "MultiPolygon")]
            inter[k] = shapely.union_all(polys) if polys else shapely.Polygon()
        areas = np.asarray(area_km2(inter), dtype=float)
        for k in np.flatnonzero(areas >= _MIN_OVERLAP_KM2):
            pairs.append(_pair(zones, owner, int(li[k]), int(ri[k]), float(areas[k]), inter[k]))
    return pairs


#: Candidate pairs intersected and measured at once.
_PAIR_CHUNK = 4_096


def _pair(zones: Sequence[Zone], owner: list[str], i: int, j: int, a_km2: float, geom: BaseGeometry) -> ZonePair:
    za, zb = zones[i], zones[j]
    together = _periods_overlap(za, zb)
    return ZonePair(
        a=za.id, b=zb.id, overlap_km2=a_km2, share_of_a=a_km2 / za.area_km2, share_of_b=a_km2 / zb.area_km2,
        conflict=together and owner[i] != owner[j], geometry_polar=geom, periods_overlap=together,
    )


def analyse_zones(
    zones: Sequence[Zone],
    sites: Iterable[Site] = (),
    psr_km2: PsrFunction | None = None,
    psr_total_km2: float = float("nan"),
    max_pairs: int | None = None,
) -> ZoneReport:
    """Pairwise overlaps (area on the sphere, share of each), sites inside, PSR area per zone.

    ``max_pairs``: refuse (:class:`ZoneError`, with advice) when more pairs of zones meet than this;
    the page passes :data:`MAX_ZONE_PAIRS`, the command line none (it works through any number, in chunks).

    ``psr_km2(geometry_polar) -> (km2, note)`` measures the PSR area of a zone
    (NaN where there is no PSR data); ``psr_total_km2`` is all PSR area in the
    data, for each zone's share of it. Zones of different owners that share
    area (not merely touch) and exist at the same time are flagged as conflicts.
    Time periods: a zone exists from its start to its end date, both days
    included; no start means it has always existed, no end that it lasts until
    further notice. Zones whose periods have no day in common never exist at
    the same time, so they do not conflict (their shared area is still listed,
    with ``periods_overlap`` False).
    """
    pairs = _overlapping_pairs(zones, max_pairs)
    sites = list(sites)
    summaries = []
    for z in zones:
        inside = tuple(
            s.id for s in sites
            if (s.is_region and z.geometry_polar.intersects(s.geometry_polar)
                and area_km2(z.geometry_polar.intersection(s.geometry_polar)) > _MIN_OVERLAP_KM2)
            or (not s.is_region and z.geometry_polar.covers(s.geometry_polar))
        )
        if psr_km2 is None:
            psr, note = float("nan"), "PSR data not loaded"
        else:
            psr, note = psr_km2(z.geometry_polar)
        zone_area = z.area_km2
        summaries.append(ZoneSummary(
            id=z.id, name=z.name, owner=z.owner, area_km2=zone_area, sites_inside=inside, psr_km2=psr,
            psr_share_of_zone=psr / zone_area if zone_area else float("nan"),
            psr_share_of_all=psr / psr_total_km2 if psr_total_km2 else float("nan"), psr_note=note,
        ))
    return ZoneReport(
        zones=tuple(summaries), pairs=tuple(pairs), psr_total_km2=psr_total_km2,
        method="overlaps intersected in IAU_2015:30135 metres; areas on the IAU 2015 Moon sphere "
               "(south polar Lambert equal-area); contact without shared area is not an overlap; a conflict is an "
               "overlap of zones of different owners whose periods (start to end date, both included; no start or "
               "no end = open-ended) have a day in common",
    )


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

    def rotate(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
