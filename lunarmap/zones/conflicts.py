"""Conflicts between keep-out zones: which pairs share area, how much, whether their periods meet, and why.

Pairs are found with a spatial index (STRtree) and measured in bulk; areas are
on the Moon sphere. A conflict is shared area of zones of different owners
(:func:`lunarmap.zones.owner_key`) whose periods have a day in common;
:func:`pair_reason` says which of the three cases a pair is, and
:func:`union_area_km2` how much ground a set of zones covers (overlaps once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import ZoneError
from ..geodesy import area_km2
from ..sites import Site
from .model import Zone, owner_key

__all__ = ["MAX_ZONE_PAIRS", "PsrFunction", "ZonePair", "ZoneSummary", "ZoneReport", "analyse_zones", "pair_reason",
           "union_area_km2"]


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
    owner = [owner_key(z.owner) for z in zones]
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


def pair_reason(pair: ZonePair, zones: Sequence[Zone]) -> str:
    """Why a pair is or is not a conflict: "yes: different owners", "no: same owner" or "no: never at the same time".

    ``zones`` are (at least) the two zones of the pair, found by id.
    """
    if pair.conflict:
        return "yes: different owners"
    owners = {z.id: owner_key(z.owner) for z in zones if z.id in (pair.a, pair.b)}
    return "no: same owner" if owners.get(pair.a) == owners.get(pair.b) else "no: never at the same time"


def union_area_km2(zones: Iterable[Zone]) -> float:
    """Area on the Moon sphere (km²) covered by the zones, overlaps counted once; 0 for no zones."""
    geoms = [z.geometry_polar for z in zones]
    return float(area_km2(shapely.union_all(geoms))) if geoms else 0.0
