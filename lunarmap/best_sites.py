"""Best-site finder: rank the points of a region by a planner's criteria for a mission window.

The candidates are the points of a region's statistics
(:func:`lunarmap.region_stats.region_stats`). Each criterion the planner sets
excludes points (minimum sunlit %, Earth visible at least some % or at all,
maximum slope, maximum longest darkness, maximum distance to the nearest PSR
edge, outside other parties' keep-out zones); the rest are ranked by sunlit %,
then Earth-visible %, then the gentler slope, and thinned so no two candidates
are closer than ``min_separation_km`` (two neighbouring grid points are one
place, not two choices). When nothing passes, the message names the criterion
that excluded the most points.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import GeometryError
from .geodesy import distance_m
from .region_stats import RegionStats, resolution_text

__all__ = ["Criteria", "Candidate", "Ranking", "best_sites", "ranking_csv", "ranking_geojson"]


@dataclass(frozen=True)
class Criteria:
    """What a planner asks of a landing site; ``None`` leaves a criterion out.

    ``min_earth_pct`` 0 with ``any_earth`` True asks for some direct-to-Earth
    time, however short.
    """

    min_sunlit_pct: float | None = None
    min_earth_pct: float | None = None
    any_earth: bool = False
    max_slope_deg: float | None = None
    max_dark_h: float | None = None
    max_psr_km: float | None = None

    def __post_init__(self) -> None:
        for name in ("min_sunlit_pct", "min_earth_pct", "max_slope_deg", "max_dark_h", "max_psr_km"):
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise GeometryError(f"criterion {name} must be a number of at least 0 (got {v!r}); "
                                    "leave it empty to not use it.")
        for name in ("min_sunlit_pct", "min_earth_pct"):
            v = getattr(self, name)
            if v is not None and v > 100:
                raise GeometryError(f"criterion {name} is a percentage: at most 100 (got {v!r}).")

    def describe(self) -> str:
        """The criteria in plain words ("any site" when none is set)."""
        parts = []
        if self.min_sunlit_pct is not None:
            parts.append(f"sunlit at least {self.min_sunlit_pct:g} %")
        if self.any_earth:
            parts.append("some direct-to-Earth time")
        if self.min_earth_pct is not None:
            parts.append(f"Earth visible at least {self.min_earth_pct:g} %")
        if self.max_slope_deg is not None:
            parts.append(f"slope at most {self.max_slope_deg:g}°")
        if self.max_dark_h is not None:
            parts.append(f"longest darkness at most {self.max_dark_h:g} h")
        if self.max_psr_km is not None:
            parts.append(f"within {self.max_psr_km:g} km of a PSR edge")
        return ", ".join(parts) if parts else "any site"


@dataclass(frozen=True)
class Candidate:
    """One ranked place: where, and its values (percentages 0..100)."""

    rank: int
    lon_deg: float
    lat_deg: float
    x_m: float
    y_m: float
    sunlit_pct: float
    earth_pct: float
    longest_dark_h: float
    slope_deg: float
    slope_resolution_m: float
    elevation_m: float
    psr_edge_km: float | None


@dataclass(frozen=True)
class Ranking:
    """The top candidates, what excluded the others, and what it all rests on."""

    candidates: list[Candidate]
    criteria: Criteria
    n_points: int
    n_passing: int
    excluded: dict[str, int] = field(default_factory=dict)
    message: str = ""
    basis: str = ""


_CRITERION_WORDS = {
    "min_sunlit_pct": "minimum sunlit %", "any_earth": "some direct-to-Earth time",
    "min_earth_pct": "minimum Earth-visible %", "max_slope_deg": "maximum slope",
    "max_dark_h": "maximum longest darkness", "max_psr_km": "maximum distance to a PSR edge",
    "keep_out": "outside other parties' keep-out zones", "no_data": "data at the point",
}


def best_sites(
    stats: RegionStats,
    criteria: Criteria,
    *,
    top: int = 10,
    keep_out: Sequence[BaseGeometry] = (),
    psr_edge_km: Any = None,
    min_separation_km: float | None = None,
) -> Ranking:
    """Rank the points of ``stats`` by ``criteria``; keep the ``top`` best at least ``min_separation_km`` apart.

    ``keep_out`` are other parties' zones (IAU_2015:30135 metres): points inside
    any are excluded. ``psr_edge_km`` is each point's distance to the nearest PSR
    edge (needed when ``criteria.max_psr_km`` is set). ``min_separation_km``
    defaults to twice the grid spacing.
    """
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise GeometryError(f"top must be a whole number of candidates, at least 1 (got {top!r}).")
    n = stats.grid.n_points
    sunlit = stats.values("sunlit_pct")
    earth = stats.values("earth_pct")
    dark = stats.values("longest_dark_h")
    slope = stats.values("slope_deg")
    elev = stats.values("elevation_m")
    psr = None if psr_edge_km is None else np.asarray(psr_edge_km, dtype=float).ravel()
    if criteria.max_psr_km is not None and (psr is None or psr.size != n):
        raise GeometryError("the PSR-distance criterion needs the distance to the nearest PSR edge at every point.")
    tests: dict[str, np.ndarray] = {"no_data": np.isfinite(sunlit) & np.isfinite(slope)}
    if criteria.min_sunlit_pct is not None:
        tests["min_sunlit_pct"] = sunlit >= criteria.min_sunlit_pct
    if criteria.any_earth:
        tests["any_earth"] = earth > 0
    if criteria.min_earth_pct is not None:
        tests["min_earth_pct"] = earth >= criteria.min_earth_pct
    if criteria.max_slope_deg is not None:
        tests["max_slope_deg"] = slope <= criteria.max_slope_deg
    if criteria.max_dark_h is not None:
        tests["max_dark_h"] = dark <= criteria.max_dark_h
    if criteria.max_psr_km is not None and psr is not None:
        tests["max_psr_km"] = psr <= criteria.max_psr_km
    zones = [g for g in keep_out if g is not None and not g.is_empty]
    if zones:
        union = shapely.union_all(zones)
        shapely.prepare(union)
        tests["keep_out"] = ~shapely.intersects_xy(union, stats.grid.x_m, stats.grid.y_m)
    passing = np.logical_and.reduce(list(tests.values()))
    excluded = {k: int((~v).sum()) for k, v in tests.items()}
    basis = f"{stats.describe()}; criteria: {criteria.describe()}"
    if not passing.any():
        worst = max(excluded, key=lambda k: excluded[k])
        message = (f"No point of the {n:,} meets every criterion; '{_CRITERION_WORDS[worst]}' excluded the most "
                   f"({excluded[worst]:,} of {n:,}). Relax it, widen the region or change the window.")
        return Ranking([], criteria, n, 0, excluded, message, basis)
    # Sunlit first, then Earth, then the gentler slope (np.lexsort sorts by the last key first).
    order = np.lexsort((slope, -earth, -sunlit))
    order = order[passing[order]]
    sep_km = 2.0 * stats.grid.spacing_km if min_separation_km is None else float(min_separation_km)
    chosen: list[int] = []
    lon, lat = stats.grid.lon_deg, stats.grid.lat_deg
    for i in order:
        if chosen and np.min(distance_m(lon[i], lat[i], lon[chosen], lat[chosen])) < sep_km * 1000.0:
            continue
        chosen.append(int(i))
        if len(chosen) == top:
            break
    res = np.broadcast_to(np.asarray(stats.slope.resolution_m, dtype=float), (n,))
    cands = [Candidate(rank=r + 1, lon_deg=float(lon[i]), lat_deg=float(lat[i]), x_m=float(stats.grid.x_m[i]),
                       y_m=float(stats.grid.y_m[i]), sunlit_pct=float(sunlit[i]), earth_pct=float(earth[i]),
                       longest_dark_h=float(dark[i]), slope_deg=float(slope[i]), slope_resolution_m=float(res[i]),
                       elevation_m=float(elev[i]), psr_edge_km=None if psr is None else float(psr[i]))
             for r, i in enumerate(chosen)]
    message = (f"{int(passing.sum()):,} of {n:,} points meet every criterion; the best {len(cands)} at least "
               f"{sep_km:g} km apart are listed.")
    return Ranking(cands, criteria, n, int(passing.sum()), excluded, message, basis)


_COLUMNS = {
    "rank": "", "lon_deg": "degrees east, IAU_2015:30100", "lat_deg": "degrees north", "x_m": "IAU_2015:30135 m",
    "y_m": "IAU_2015:30135 m", "sunlit_pct": "% of the window", "earth_pct": "% of the window",
    "longest_dark_h": "hours", "slope_deg": "degrees", "slope_resolution_m": "m per pixel of the slope data",
    "elevation_m": "m above the 1,737,400 m sphere", "psr_edge_km": "km, geodesic",
}


def ranking_csv(ranking: Ranking) -> str:
    """The ranking as CSV: ``#`` lines with the criteria, the basis and each column's units, then a row per site."""
    buf = io.StringIO()
    buf.write(f"# lunarmap best sites; criteria: {ranking.criteria.describe()}\n")
    buf.write(f"# basis: {ranking.basis}\n")
    buf.write("# " + "; ".join(f"{k}: {u}" for k, u in _COLUMNS.items() if u) + "\n")
    writer = csv.DictWriter(buf, fieldnames=list(_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for c in ranking.candidates:
        writer.writerow(asdict(c))
    return buf.getvalue()


def ranking_geojson(ranking: Ranking) -> dict:
    """The ranking as a GeoJSON FeatureCollection of points (lon/lat on the IAU 2015 Moon sphere)."""
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon_deg, c.lat_deg]},
              "properties": {k: v for k, v in asdict(c).items() if k not in ("lon_deg", "lat_deg")}}
             for c in ranking.candidates]
    return {"type": "FeatureCollection", "crs_note": "IAU_2015:30100 (Moon 2015, sphere R = 1,737,400 m)",
            "criteria": asdict(ranking.criteria), "basis": ranking.basis, "message": ranking.message,
            "units": {k: u for k, u in _COLUMNS.items() if u}, "features": feats}


def slope_basis(stats: RegionStats) -> str:
    """The slope data's resolution in plain words (for a table caption)."""
    return resolution_text(stats.slope)
