"""Keep-out zones: make, validate, read/write, and find conflicts between them.

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
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from .crs import LONLAT_CODE, SOUTH_POLAR_CODE, polar_to_lonlat, transformer
from .errors import ZoneError
from .geodesy import area_km2, geodesic_circle, to_polar, validate_lonlat
from .sites import Site

__all__ = [
    "MAX_RADIUS_KM",
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
]

MAX_RADIUS_KM = 500.0
#: Smallest polygon zone accepted (km^2): 100 m^2, smaller than any lander's footprint plus margin.
_MIN_ZONE_KM2 = 1e-4
MAX_IMPORT_BYTES = 10 * 1024 * 1024
#: Marker written into lunarmap's own GeoJSON: edges are straight in polar metres,
#: so vertices are read back without densifying in lon/lat (exact round trip).
EDGES_MEMBER = "lunarmap_edges"
EDGES_POLAR = "straight in IAU_2015:30135"


@dataclass(frozen=True)
class SizingRule:
    """A built-in way to size a zone: its radius, the formula, and where it comes from."""

    key: str
    label: str
    radius_km: float
    formula: str
    source: str


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

    @property
    def area_km2(self) -> float:
        """Area on the Moon sphere in km^2."""
        return float(area_km2(self.geometry_polar))


def _check_text(value: Any, field_: str, name: str, required: bool) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ZoneError(f"zone {name!r}: {field_} is empty; give the {field_} (e.g. the party claiming the zone).")
    if len(text) > 500:
        raise ZoneError(f"zone {name!r}: {field_} is {len(text)} characters long; keep it under 500.")
    return text


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


def circle_zone(name: str, owner: str, lon_deg: float, lat_deg: float, radius_km: float, **meta: Any) -> Zone:
    """A geodesic circle zone of ``radius_km`` (0 < r <= 500) around a lon/lat centre."""
    validate_lonlat(lon_deg, lat_deg, f"zone {name!r} centre")
    geom = geodesic_circle(lon_deg, lat_deg, radius_km, max_km=MAX_RADIUS_KM)
    meta.update(shape="circle", centre_lonlat=(float(lon_deg), float(lat_deg)), radius_km=float(radius_km))
    return _make(name, owner, geom, meta)


def polygon_zone(name: str, owner: str, vertices: Sequence[Sequence[float]], crs: str = LONLAT_CODE, **meta: Any) -> Zone:
    """A polygon zone from vertices in lon/lat degrees (``crs=IAU_2015:30100``) or polar metres (30135).

    Edges are straight on the south polar map. Refuses fewer than 3 distinct
    vertices, coordinates outside the Moon's ranges, and self-intersecting
    rings (offering the repaired shape in the error's ``repaired``).
    """
    try:
        pts = np.asarray(vertices, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise ZoneError(f"zone {name!r}: vertices must be pairs of numbers (got {vertices!r}).") from None
    if crs == LONLAT_CODE:
        validate_lonlat(pts[:, 0], pts[:, 1], f"zone {name!r}")
        xs, ys = transformer(LONLAT_CODE, SOUTH_POLAR_CODE).transform(pts[:, 0], pts[:, 1])
        pts = np.column_stack([xs, ys])
    elif crs != SOUTH_POLAR_CODE:
        raise ZoneError(f"zone {name!r}: crs must be {LONLAT_CODE} or {SOUTH_POLAR_CODE} (got {crs!r}).")
    if not np.all(np.isfinite(pts)):
        raise ZoneError(f"zone {name!r}: vertices contain a non-finite number; give finite coordinates.")
    if len(pts) > 1 and np.allclose(pts[0], pts[-1], atol=1e-6):
        pts = pts[:-1]
    distinct = np.unique(np.round(pts, 3), axis=0)
    if len(distinct) < 3:
        raise ZoneError(
            f"zone {name!r}: a polygon needs at least 3 distinct vertices (got {len(distinct)}); add vertices."
        )
    poly = Polygon(pts)
    robust = poly.is_valid
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


def zones_to_geojson(zones: Iterable[Zone], name: str = "zones") -> dict[str, Any]:
    """A GeoJSON FeatureCollection in lunar lon/lat (crs member IAU_2015:30100, body Moon).

    Edges are densified to 1 km in map metres so software that draws them
    straight in lon/lat shows the same shape; a zone around the pole is written
    as a polar cap (opened at the 180 meridian, closed along -90). The
    ``lunarmap_edges`` member tells :func:`zones_from_geojson` to read the
    vertices back exactly.
    """
    features = []
    for z in zones:
        dense = shapely.segmentize(z.geometry_polar, 1_000.0)
        pole = dense.contains(Point(0.0, 0.0))
        rings = [_ring_to_lonlat(np.asarray(dense.exterior.coords), pole)]
        rings += [_ring_to_lonlat(np.asarray(h.coords), False) for h in dense.interiors]
        props = {
            "id": z.id, "name": z.name, "owner": z.owner, "purpose": z.purpose, "start": z.start, "end": z.end,
            "rule": z.rule, "shape": z.shape, "radius_km": z.radius_km,
            "centre_lon_deg": z.centre_lonlat[0] if z.centre_lonlat else None,
            "centre_lat_deg": z.centre_lonlat[1] if z.centre_lonlat else None,
            "area_km2": round(z.area_km2, 6),
        }
        features.append({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": rings}})
    return {
        "type": "FeatureCollection", "name": name, "body": "Moon",
        "crs": {"type": "name", "properties": {"name": LONLAT_CODE}},
        EDGES_MEMBER: EDGES_POLAR, "features": features,
    }


def _lonlat_ring_to_polar(geom: BaseGeometry, exact: bool, what: str) -> BaseGeometry:
    # lunarmap's own files: vertices are exact and edges straight on the map (no lon/lat densifying).
    return to_polar(geom, what, densify_deg=None if exact else 0.05)


def zones_from_geojson(data: bytes | str | Path | dict[str, Any], default_owner: str = "") -> list[Zone]:
    """Read zones from GeoJSON (bytes, text, a path or a parsed dict); refuses bad files clearly.

    Non-lunarmap files are read as RFC 7946 lon/lat with edges straight in
    lon/lat (densified before projecting). Files over 10 MB, files that are not
    GeoJSON, and files with no polygons are refused.
    """
    label = "the file"
    if isinstance(data, Path):
        label = str(data)
        if data.stat().st_size > MAX_IMPORT_BYTES:
            raise ZoneError(f"{label} is {data.stat().st_size / 1e6:.1f} MB; zone files are limited to 10 MB. Split it or simplify the polygons.")
        data = data.read_bytes()
    if isinstance(data, (bytes, str)):
        size = len(data.encode() if isinstance(data, str) else data)
        if size > MAX_IMPORT_BYTES:
            raise ZoneError(f"{label} is {size / 1e6:.1f} MB; zone files are limited to 10 MB. Split it or simplify the polygons.")
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ZoneError(f"{label} is not GeoJSON: it does not parse as JSON ({err}). Export the zones as GeoJSON and try again.") from err
    else:
        doc = data
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise ZoneError(f"{label} is not GeoJSON: it needs \"type\": \"FeatureCollection\" (or \"Feature\").")
    features = doc.get("features", []) if doc["type"] == "FeatureCollection" else [doc]
    if doc.get("body", "Moon") != "Moon":
        raise ZoneError(f"{label} says body {doc.get('body')!r}; only Moon zones can be imported.")
    exact = doc.get(EDGES_MEMBER) == EDGES_POLAR
    zones: list[Zone] = []
    for i, feat in enumerate(features if isinstance(features, list) else []):
        if not isinstance(feat, dict) or not feat.get("geometry"):
            continue
        props = feat.get("properties") or {}
        name = str(props.get("name") or props.get("id") or f"zone {i + 1}")
        try:
            geom = shape(feat["geometry"])
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as err:
            raise ZoneError(f"{label}: feature #{i} ({name!r}) has an unreadable geometry ({err}).") from err
        polys = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and not g.is_empty]
        for j, poly in enumerate(polys):
            part = name if len(polys) == 1 else f"{name} ({j + 1})"
            if not exact and not poly.is_valid:
                polygon_zone(part, "x", list(poly.exterior.coords))  # raises SelfIntersectionError with repair
            polar = _lonlat_ring_to_polar(poly, exact, f"zone {part!r}")
            if polar.geom_type != "Polygon":
                raise ZoneError(f"{label}: zone {part!r} does not form one polygon on the polar map; split it into separate features.")
            ring = list(polar.exterior.coords)
            meta = {k: props.get(k) for k in ("purpose", "start", "end", "rule")}
            if props.get("shape") == "circle" and props.get("radius_km"):
                meta.update(shape="circle", radius_km=float(props["radius_km"]),
                            centre_lonlat=(float(props["centre_lon_deg"]), float(props["centre_lat_deg"])))
            if exact and props.get("id") and len(polys) == 1:
                meta["id"] = str(props["id"])
            owner = props.get("owner") or default_owner
            if not str(owner).strip():
                raise ZoneError(f"{label}: zone {part!r} has no owner; add an 'owner' property or choose a default owner.")
            zones.append(polygon_zone(part, str(owner), ring, crs=SOUTH_POLAR_CODE, **meta))
    if not zones:
        raise ZoneError(f"{label} has no polygons; a zone file needs Polygon or MultiPolygon features.")
    return zones


# --- conflict analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ZonePair:
    """Two zones that share area: how much, what share of each, and whether owners differ."""

    a: str
    b: str
    overlap_km2: float
    share_of_a: float
    share_of_b: float
    conflict: bool
    geometry_polar: BaseGeometry = field(repr=False)


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
        """Overlapping pairs of zones with different owners."""
        return tuple(p for p in self.pairs if p.conflict)


#: Overlaps smaller than this (km^2) are numerical contact, not shared area.
_MIN_OVERLAP_KM2 = 1e-6

PsrFunction = Callable[[BaseGeometry], tuple[float, str]]


def analyse_zones(
    zones: Sequence[Zone],
    sites: Iterable[Site] = (),
    psr_km2: PsrFunction | None = None,
    psr_total_km2: float = float("nan"),
) -> ZoneReport:
    """Pairwise overlaps (area on the sphere, share of each), sites inside, PSR area per zone.

    ``psr_km2(geometry_polar) -> (km2, note)`` measures the PSR area of a zone
    (NaN where there is no PSR data); ``psr_total_km2`` is all PSR area in the
    data, for each zone's share of it. Zones of different owners that share
    area (not merely touch) are flagged as conflicts.
    """
    geoms = np.array([z.geometry_polar for z in zones], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        inter = shapely.intersection(geoms[i], geoms[j])
        polys = [g for g in getattr(inter, "geoms", [inter]) if g.geom_type in ("Polygon", "MultiPolygon")]
        if not polys:
            continue
        inter = shapely.union_all(polys)
        a_km2 = float(area_km2(inter))
        if a_km2 < _MIN_OVERLAP_KM2:
            continue
        za, zb = zones[i], zones[j]
        pairs.append(ZonePair(
            a=za.id, b=zb.id, overlap_km2=a_km2, share_of_a=a_km2 / za.area_km2, share_of_b=a_km2 / zb.area_km2,
            conflict=za.owner.strip().casefold() != zb.owner.strip().casefold(), geometry_polar=inter,
        ))
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
               "(south polar Lambert equal-area); contact without shared area is not an overlap",
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
    return replace(zone, geometry_polar=geometry_polar, shape="polygon", centre_lonlat=None, radius_km=None)


def point_in_zones(zones: Sequence[Zone], x_m: float, y_m: float) -> list[str]:
    """Ids of zones containing a map point (for selecting a zone by clicking)."""
    p = Point(x_m, y_m)
    return [z.id for z in zones if z.geometry_polar.covers(p)]
