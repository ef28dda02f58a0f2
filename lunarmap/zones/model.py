"""The keep-out zone model: :class:`Zone`, how zones are made, and the checks every zone passes.

A zone is a polygon in IAU_2015:30135 metres (edges straight on the map, as
drawn), with who claims it and why. Circles are geodesic. Areas are on the
Moon sphere (:func:`lunarmap.geodesy.area_km2`); a zone containing the pole or
crossing the 180 meridian is an ordinary polygon here.

Zones are sized "by commonly accepted engineering principles" in the Artemis
Accords' words (Section 11); :data:`SIZING_RULES` holds built-in rules with
their formula and source, and free text is always allowed.

Owners are compared by :func:`owner_key` alone (trimmed, case-insensitive), and
every circle radius (a zone's or a sizing rule's) by :func:`check_zone_radius_km`
against :data:`MIN_RADIUS_KM` and :data:`MAX_RADIUS_KM`.

>>> owner_key("  NASA ") == owner_key("nasa")
True
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ..crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, polar_to_lonlat, transformer
from ..errors import ZoneError, ZoneRadiusError
from ..geodesy import area_km2, geodesic_circle, validate_lonlat

__all__ = [
    "MAX_RADIUS_KM",
    "MIN_RADIUS_KM",
    "MAX_ZONE_KM2",
    "MAX_TEXT_CHARS",
    "MAX_RULE_CHARS",
    "SIZING_RULES",
    "SizingRule",
    "Zone",
    "SelfIntersectionError",
    "owner_key",
    "check_zone_radius_km",
    "check_text",
    "circle_zone",
    "polygon_zone",
    "repaired_parts",
]

#: Largest circle radius (km) of a zone or a sizing rule: the one limit, checked by :func:`check_zone_radius_km`.
MAX_RADIUS_KM = 500.0
#: Smallest circle radius (km): 10 m, a 314 m^2 zone, above the smallest polygon zone.
MIN_RADIUS_KM = 0.01
#: Largest zone area (km^2): a circle of MAX_RADIUS_KM (about 783,000 km^2); a polygon may not claim more.
MAX_ZONE_KM2 = 2.0 * math.pi * MOON_RADIUS_M ** 2 * (1.0 - math.cos(MAX_RADIUS_KM * 1_000.0 / MOON_RADIUS_M)) / 1e6
#: Smallest polygon zone accepted (km^2): 100 m^2, smaller than any lander's footprint plus margin.
_MIN_ZONE_KM2 = 1e-4
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


def owner_key(owner: Any) -> str:
    """The form in which owners are compared everywhere: trimmed and case-insensitive ("" for None).

    Two zones have the same owner when their keys are equal; the conflict
    analysis, the map's owner colours and the notification document all use it.

    >>> owner_key(" ESA "), owner_key(None)
    ('esa', '')
    """
    return str(owner or "").strip().casefold()


def check_zone_radius_km(radius_km: Any, what: str) -> float:
    """``radius_km`` as a float, or :class:`lunarmap.errors.ZoneRadiusError` unless 0.01 <= r <= 500.

    The one radius check of zones and sizing rules. The smallest radius, 10 m,
    makes a circle larger than the smallest polygon zone (100 m²).

    >>> check_zone_radius_km("2", "zone 'Z'")
    2.0
    """
    try:
        r = float(radius_km)
    except (TypeError, ValueError):
        r = float("nan")
    if not (math.isfinite(r) and MIN_RADIUS_KM <= r <= MAX_RADIUS_KM):
        raise ZoneRadiusError(
            f"{what}: radius_km must be between {MIN_RADIUS_KM:g} and {MAX_RADIUS_KM:g} (got {radius_km!r}); "
            "give the radius in kilometres, from 10 m (0.01) to 500 km."
        )
    return r


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
    parsed: list[date | None] = []
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
    first, last = (d.isoformat() if d else None for d in parsed)
    return first, last


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



def _unit(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (..., 3) of lon/lat degrees on the sphere."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def circle_zone(name: str, owner: str, lon_deg: float, lat_deg: float, radius_km: float, **meta: Any) -> Zone:
    """A geodesic circle zone of ``radius_km`` (0.01 <= r <= 500) around a lon/lat centre.

    The whole circle must lie in the southern hemisphere (centre latitude plus
    the radius in degrees, r / R, at most 0).
    """
    validate_lonlat(lon_deg, lat_deg, f"zone {name!r} centre")
    _refuse_north(name, lat_deg)
    r_km = check_zone_radius_km(radius_km, f"zone {_safe_repr(name)}")
    reach = float(lat_deg) + np.degrees(r_km * 1_000.0 / MOON_RADIUS_M)
    if reach > 0.0:
        raise ZoneError(
            f"zone {name!r}: a {r_km:g} km circle around latitude {float(lat_deg):g} reaches latitude {reach:.4f}, "
            "north of the equator; lunarmap maps the southern hemisphere from the south pole. Move the centre "
            "south or make the radius smaller."
        )
    geom = geodesic_circle(lon_deg, lat_deg, radius_km, max_km=MAX_RADIUS_KM)
    if not isinstance(geom, Polygon):  # a southern circle is a circle on the polar map: one Polygon
        raise ZoneError(f"zone {name!r}: the circle is a {geom.geom_type} on the polar map, not one polygon.")
    meta.update(shape="circle", centre_lonlat=(float(lon_deg), float(lat_deg)), radius_km=float(radius_km))
    return _make(name, owner, geom, meta)


def polygon_zone(name: str, owner: str, vertices: Sequence[Sequence[float]] | np.ndarray, crs: str = LONLAT_CODE,
                 **meta: Any) -> Zone:
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
        parts = repaired_parts(repaired)
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


def repaired_parts(repaired: BaseGeometry) -> list[Polygon]:
    """The polygons of a repaired shape (:attr:`SelfIntersectionError.repaired`), in order."""
    return [g for g in getattr(repaired, "geoms", [repaired]) if g.geom_type == "Polygon"]
