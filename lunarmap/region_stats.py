"""Region statistics: sunlight, Earth visibility, darkness, slope and elevation over a region's whole area.

A region is judged by the distribution of each value over its area, never by
its centre: its area-weighted grid (:func:`lunarmap.regions.region_grid`) gets
a terrain horizon per point and the Sun and Earth over the mission window (the
engine of the sunlit-% layer, :func:`lunarmap.visibility.points_visibility`),
and slope and elevation sampled from the finest data at each point. Every
result names the points, their spacing and the data resolution it rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry

from .geodesy import centroid_lonlat
from .product_sampling import sample_elevation_m, sample_slope_deg
from .rasters import Sampled
from .regions import (
    MAX_REGION_POINTS,
    Distribution,
    RegionGrid,
    check_region,
    choose_region_spacing_km,
    distribution,
    region_grid,
)
from .visibility import RegionVisibility, points_visibility

__all__ = ["STAT_NAMES", "RegionStats", "region_stats", "resolution_text"]

#: The values a region's statistics describe: key -> (label, units).
STAT_NAMES: dict[str, tuple[str, str]] = {
    "sunlit_pct": ("sunlit", "%"),
    "earth_pct": ("Earth visible", "%"),
    "longest_dark_h": ("longest darkness", "h"),
    "slope_deg": ("slope", "°"),
    "elevation_m": ("elevation", "m"),
}


def resolution_text(sampled: Sampled) -> str:
    """The ground resolution behind sampled values in plain words, e.g. "1,600 m" or "5-1,600 m"."""
    res = np.asarray(sampled.resolution_m, dtype=float)
    res = res[np.isfinite(res)]
    if res.size == 0:
        return "no data"
    lo, hi = float(res.min()), float(res.max())
    return f"{lo:,.0f} m" if np.isclose(lo, hi) else f"{lo:,.0f}-{hi:,.0f} m"


@dataclass(frozen=True, eq=False)
class RegionStats:
    """A region's values at each grid point and their distributions over its area."""

    grid: RegionGrid
    visibility: RegionVisibility
    elevation: Sampled
    slope: Sampled
    distributions: dict[str, Distribution]

    def values(self, key: str) -> np.ndarray:
        """Per-point values of one of :data:`STAT_NAMES`."""
        return self.distributions[key].values

    def summary(self) -> dict[str, Any]:
        """One flat row: each value's min/p10/median/p90/max, and what the figures rest on."""
        row: dict[str, Any] = {"region_points": self.grid.n_points, "region_spacing_km": self.grid.spacing_km,
                               "region_area_km2": round(self.grid.area_km2, 3)}
        for key, d in self.distributions.items():
            for part in ("min", "p10", "median", "p90", "max"):
                row[f"{key}_{part}"] = getattr(d, part)
        row["slope_resolution"] = resolution_text(self.slope)
        row["elevation_resolution"] = resolution_text(self.elevation)
        row["window"] = self.window_text()
        return row

    def window_text(self) -> str:
        """The mission window in plain words."""
        v = self.visibility
        fmt = lambda t: np.datetime_as_string(t, unit="m").replace("T", " ")  # noqa: E731
        return f"{fmt(v.start_utc)} to {fmt(v.end_utc)} UTC every {v.step_hours:g} h"

    def describe(self) -> str:
        """What the statistics rest on, in plain words."""
        return (f"{self.grid.describe()}; slope at {resolution_text(self.slope)}, horizons from "
                f"{resolution_text(self.elevation)} elevation data; {self.window_text()}")


def region_stats(
    geom_polar: BaseGeometry,
    start: Any,
    *,
    days: float | None = None,
    end: Any = None,
    step_hours: float = 2.0,
    spacing_km: float | None = None,
    max_points: int = MAX_REGION_POINTS,
    mast_m: float = 2.0,
    azimuth_step_deg: float = 2.0,
    data_dir: Any = None,
    sampler: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegionStats:
    """Statistics of a region (IAU_2015:30135 metres) over a mission window.

    ``spacing_km`` defaults to :func:`choose_region_spacing_km` for the
    resolution of the elevation data at the region's centre. ``progress(done,
    total)`` is called first as soon as the grid is laid out, then as points'
    horizons are finished; an exception raised in it stops the work.
    ``sampler`` (``(lon, lat) -> heights_m``) replaces the elevation data for
    horizons and elevation (slope is then left unknown), e.g. a synthetic DEM.
    """
    check_region(geom_polar)
    if spacing_km is None:
        clon, clat = centroid_lonlat(geom_polar)
        res = (np.asarray(sample_elevation_m(clon, clat, data_dir).resolution_m, dtype=float) if sampler is None
               else np.array(np.nan))
        resolution = float(np.nanmin(res)) if np.isfinite(res).any() else 1_600.0
        spacing_km = choose_region_spacing_km(geom_polar, resolution, max_points)
    grid = region_grid(geom_polar, spacing_km)
    if progress is not None:
        progress(0, grid.n_points)
    vis = points_visibility(grid.lon_deg, grid.lat_deg, start, days=days, end=end, step_hours=step_hours,
                            spacing_km=grid.spacing_km, mast_m=mast_m, azimuth_step_deg=azimuth_step_deg,
                            data_dir=data_dir, sampler=sampler, workers=workers, progress=progress,
                            centre_lonlat=centroid_lonlat(geom_polar))
    if sampler is None:
        elevation = sample_elevation_m(grid.lon_deg, grid.lat_deg, data_dir)
        slope = sample_slope_deg(grid.lon_deg, grid.lat_deg, data_dir)
    else:
        heights = np.asarray(sampler(grid.lon_deg, grid.lat_deg), dtype=float)
        elevation = Sampled(heights, "the given sampler", float("nan"), "m")
        slope = Sampled(np.full(grid.n_points, np.nan), "none (a sampler was given)", float("nan"), "deg")
    w = grid.weight_km2
    dists = {
        "sunlit_pct": distribution(100.0 * vis.sunlit_fraction, w, "%"),
        "earth_pct": distribution(100.0 * vis.earth_fraction, w, "%"),
        "longest_dark_h": distribution(vis.longest_dark_h, w, "h"),
        "slope_deg": distribution(slope.values, w, "°"),
        "elevation_m": distribution(elevation.values, w, "m"),
    }
    return RegionStats(grid=grid, visibility=vis, elevation=elevation, slope=slope, distributions=dists)
