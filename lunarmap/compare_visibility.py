"""The comparison's Sun and Earth columns: a point's own figures, a region's over its whole area.

:func:`sites_visibility` computes them (a point: its terrain horizon and the
Sun and Earth over the window; a region: :func:`lunarmap.region_stats.region_stats`
on an area-weighted grid), :func:`with_visibility` adds them to a
:class:`~lunarmap.compare.Comparison` with their definitions, notes and provenance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .compare import Comparison, sites_lonlat
from .region_stats import RegionStats
from .sites import Site
from .visibility import SiteVisibility, site_visibility

__all__ = ["VISIBILITY_COLUMNS", "COMPARE_REGION_POINTS", "sites_visibility", "with_visibility"]

#: Sun/Earth columns added by :func:`with_visibility` (one window and mast height for all sites). A region is
#: judged over its whole area (an area-weighted grid, :mod:`lunarmap.region_stats`), never at its centre.
VISIBILITY_COLUMNS: Mapping[str, str] = MappingProxyType({
    "sunlit_pct": "share of the window, %, with some of the Sun's disc (fully or partly) above the terrain horizon "
                  "seen from the mast height; a region: the area-weighted median over its area",
    "sunlit_min_pct": "sunlit_pct at the darkest place of a region (a point: equal to sunlit_pct)",
    "sunlit_max_pct": "sunlit_pct at the best-lit place of a region (a point: equal to sunlit_pct)",
    "earth_visible_pct": "share of the window, %, with Earth's centre above the terrain horizon seen from the mast "
                         "height; a region: the area-weighted median over its area",
    "earth_visible_max_pct": "earth_visible_pct at the place of a region that sees Earth most (a point: equal)",
    "longest_darkness_h": "longest continuous run with the Sun wholly below the terrain horizon, hours (samples x "
                          "step; a run touching the window's edge may continue outside it); a region: the "
                          "area-weighted median",
    "longest_darkness_min_h": "longest_darkness_h at the place of a region with the shortest darkness (a point: equal)",
    "needs_relay": "True when Earth's centre is never above the terrain horizon in the window: no direct link to "
                   "Earth, a relay satellite is needed; a region: True only when no place in it ever sees Earth",
    "visibility_points": "number of places the Sun/Earth figures rest on: 1 for a point, the grid points of a region",
    "visibility_spacing_km": "spacing of a region's area-weighted grid, km (NaN for a point)",
    "visibility_summary": "the figures in words: a region as its range and median over its area",
})

#: Grid points per region in a comparison (the spacing grows with the region; region-stats goes finer).
COMPARE_REGION_POINTS = 120


def sites_visibility(sites: Sequence[Site], start: Any, *, days: float | None = None, end: Any = None,
                     step_hours: float = 2.0, mast_m: float = 2.0, data_dir: Any = None,
                     region_points: int = COMPARE_REGION_POINTS) -> list[SiteVisibility | RegionStats]:
    """Sun and Earth visibility at each site over one window: a point's own, a region's over its area.

    The Sun and Earth vectors are computed once and shared by the points; each
    point gets its own terrain horizon (as :func:`lunarmap.visibility.site_visibility`).
    A region gets :func:`lunarmap.region_stats.region_stats` on a grid of at most
    about ``region_points`` points.
    """
    from .ephemeris import moon_frame_vectors
    from .region_stats import region_stats
    from .visibility import time_window

    vectors = moon_frame_vectors(time_window(start, days=days, end=end, step_hours=step_hours))
    lon, lat = sites_lonlat(sites)
    out: list[SiteVisibility | RegionStats] = []
    for site, a, b in zip(sites, lon, lat, strict=True):
        if site.is_region:
            out.append(region_stats(site.geometry_polar, start, days=days, end=end, step_hours=step_hours,
                                     max_points=region_points, mast_m=mast_m, data_dir=data_dir))
        else:
            out.append(site_visibility(float(a), float(b), start, days=days, end=end, step_hours=step_hours,
                                       mast_m=mast_m, data_dir=data_dir, vectors=vectors))
    return out


def _visibility_row(r: SiteVisibility | RegionStats) -> dict[str, Any]:
    if isinstance(r, RegionStats):
        d = r.distributions
        return {
            "sunlit_pct": d["sunlit_pct"].median, "sunlit_min_pct": d["sunlit_pct"].min,
            "sunlit_max_pct": d["sunlit_pct"].max, "earth_visible_pct": d["earth_pct"].median,
            "earth_visible_max_pct": d["earth_pct"].max, "longest_darkness_h": d["longest_dark_h"].median,
            "longest_darkness_min_h": d["longest_dark_h"].min, "needs_relay": bool(d["earth_pct"].max == 0.0),
            "visibility_points": r.grid.n_points, "visibility_spacing_km": r.grid.spacing_km,
            "visibility_summary": (f"sunlit {d['sunlit_pct'].text(0)}; Earth {d['earth_pct'].text(0)}; over "
                                   f"{r.grid.n_points:,} points {r.grid.spacing_km:g} km apart"),
        }
    sun, earth = 100.0 * r.sunlit_fraction, 100.0 * r.earth_fraction
    return {
        "sunlit_pct": sun, "sunlit_min_pct": sun, "sunlit_max_pct": sun, "earth_visible_pct": earth,
        "earth_visible_max_pct": earth, "longest_darkness_h": float(r.longest_dark_h),
        "longest_darkness_min_h": float(r.longest_dark_h), "needs_relay": bool(r.needs_relay),
        "visibility_points": 1, "visibility_spacing_km": float("nan"),
        "visibility_summary": f"sunlit {sun:.0f} %; Earth {earth:.0f} %",
    }


def with_visibility(comp: Comparison, results: Sequence[SiteVisibility | RegionStats]) -> Comparison:
    """The comparison with the :data:`VISIBILITY_COLUMNS` added (one result per site, from :func:`sites_visibility`).

    The window, step, mast height and horizon data go into the notes and the provenance.
    """
    results = list(results)
    if len(results) != len(comp.table):
        raise ValueError(f"one visibility result per site is needed ({len(comp.table)} sites, {len(results)} results)")
    table = comp.table.copy()
    rows = [_visibility_row(r) for r in results]
    for col in VISIBILITY_COLUMNS:
        values = [row[col] for row in rows]
        table[col] = np.array(values, dtype=bool) if col == "needs_relay" else values
    if not results:
        return replace(comp, table=table, columns=MappingProxyType({**comp.columns, **VISIBILITY_COLUMNS}))
    points = [r for r in results if isinstance(r, SiteVisibility)]
    regions = [r for r in results if isinstance(r, RegionStats)]
    if points:
        r0 = points[0]
        window = (f"{r0.start_utc} to {r0.end_utc} UTC, every {r0.step_hours:g} h ({r0.n_samples} samples), "
                  f"sensor {r0.horizon.mast_m:g} m above the ground")
        horizon = f"Horizon: {r0.horizon.method}; data {r0.horizon.data}."
        horizon_data = r0.horizon.data
    else:  # results is not empty: without points, all are regions
        v0 = regions[0].visibility
        window = f"{v0.start_utc} to {v0.end_utc} UTC, every {v0.step_hours:g} h"
        horizon, horizon_data = f"Horizons: {v0.method}.", v0.method
    region_note = (" Regions are judged over their whole area: " + "; ".join(
        f"{r.grid.n_points:,} points {r.grid.spacing_km:g} km apart" for r in regions)
        + " (area-weighted grids, in site order); the table gives the median and the range, never the centre's value."
        if regions else "")
    notes = comp.notes + (
        f"Sunlight and Earth: window {window}. Sunlit = some of the Sun's disc above the terrain horizon; Earth "
        f"visible = Earth's centre above it. {horizon}{region_note}",
    )
    provenance = {**comp.provenance, "visibility_window": window, "horizon_data": horizon_data}
    return replace(comp, table=table, columns=MappingProxyType({**comp.columns, **VISIBILITY_COLUMNS}), notes=notes,
                   provenance=MappingProxyType(provenance))
