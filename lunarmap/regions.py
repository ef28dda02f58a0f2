"""Regions as areas: a grid of points inside a region, and the distribution of a value over its area.

A region (an Artemis III candidate region, a target area, a drawn zone) is
evaluated on a square grid laid out in a Lambert azimuthal equal-area plane
centred on the region. Each grid cell is cut by the region's outline, and the
point that stands for it is the cell's node when the node is inside the region,
else a point inside the cut piece: so every point is inside the region, and its
weight is the true area (on the Moon sphere, R = 1,737,400 m) of the part of the
region nearest to it. The weights add up to the region's area.

Distributions over the area (:class:`Distribution`) give the minimum, the 10th
percentile, the median, the 90th percentile and the maximum, all weighted by
area, and :meth:`Distribution.share` the share of the area meeting a threshold.

>>> d = distribution([0.0, 10.0, 20.0, 30.0], [1.0, 1.0, 1.0, 1.0], "%")
>>> d.min, d.median, d.max, d.share(">=", 20.0)
(0.0, 10.0, 30.0, 0.5)
>>> d.text(0)
'0-30 % (median 10 %)'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, lonlat_to_polar, transformer
from .errors import GeometryError
from .geodesy import area_km2, centroid_lonlat

__all__ = [
    "MAX_REGION_POINTS",
    "RegionGrid",
    "Distribution",
    "region_projection",
    "choose_region_spacing_km",
    "check_region",
    "region_grid",
    "weighted_quantile",
    "distribution",
]

#: Default cap on the points of a region's grid (the spacing grows to keep under it).
MAX_REGION_POINTS = 1_500
#: Grid spacings the default choice rounds up to, in km (then 10x, 100x).
_NICE_KM = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0)
_OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}


def region_projection(geom_polar: BaseGeometry) -> str:
    """PROJ string of the equal-area plane a region's grid is laid out in: Lambert azimuthal about its centroid.

    >>> from shapely.geometry import Point
    >>> region_projection(Point(0.0, 0.0).buffer(1000.0)).startswith("+proj=laea +lat_0=-90")
    True
    """
    clon, clat = centroid_lonlat(geom_polar)
    return f"+proj=laea +lat_0={clat:.9f} +lon_0={clon:.9f} +R={MOON_RADIUS_M:.0f} +units=m +no_defs"


def _nice_up(km: float) -> float:
    scale = 1.0
    while km > _NICE_KM[-1] * scale:
        scale *= 10.0
    return next(v * scale for v in _NICE_KM if v * scale >= km - 1e-12)


def choose_region_spacing_km(geom_polar: BaseGeometry, resolution_m: float,
                             max_points: int = MAX_REGION_POINTS) -> float:
    """A grid spacing for a region: about a quarter of the data's resolution, coarser when the region is large.

    The spacing is the larger of ``resolution_m / 4`` and the spacing that
    keeps the grid under ``max_points``, rounded up to 0.1, 0.2, 0.25, 0.5, 1,
    2, 2.5, 5 times a power of ten (km). (A horizon marched over a DEM gains
    little from points much closer than its pixels.)

    >>> from shapely.geometry import box
    >>> choose_region_spacing_km(box(0, 0, 15_000, 15_000), 1600.0)      # a 15 x 15 km region, 1.6 km DEM
    0.5
    >>> choose_region_spacing_km(box(0, 0, 300_000, 300_000), 1600.0)    # 90,000 km2: the cap on points decides
    10.0
    """
    if not np.isfinite(resolution_m) or resolution_m <= 0:
        raise GeometryError(f"resolution_m must be a positive number of metres (got {resolution_m!r}).")
    area = float(area_km2(geom_polar))
    return _nice_up(max(resolution_m / 4000.0, math.sqrt(area / max(int(max_points), 1))))


@dataclass(frozen=True, eq=False)
class RegionGrid:
    """Points inside a region, each with the true area (km2) of the part of the region it stands for."""

    lon_deg: np.ndarray
    lat_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    weight_km2: np.ndarray
    spacing_km: float
    projection: str

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.lon_deg.size)

    @property
    def area_km2(self) -> float:
        """The region's area on the sphere: the sum of the weights."""
        return float(self.weight_km2.sum())

    def describe(self) -> str:
        """Plain words: how many points, how far apart, over what area."""
        return (f"{self.n_points:,} points {self.spacing_km:g} km apart (area-weighted) over "
                f"{self.area_km2:,.1f} km²")


def check_region(geom_polar: Any) -> None:
    """Raise :class:`GeometryError` unless ``geom_polar`` is a valid, non-empty (multi)polygon."""
    if (not isinstance(geom_polar, BaseGeometry) or geom_polar.is_empty
            or geom_polar.geom_type not in ("Polygon", "MultiPolygon") or not geom_polar.is_valid):
        raise GeometryError("the region must be a valid, non-empty polygon in IAU_2015:30135 metres.")


def region_grid(geom_polar: BaseGeometry, spacing_km: float, max_points: int = 200_000) -> RegionGrid:
    """The area-weighted grid of points ``spacing_km`` apart inside a region (IAU_2015:30135 metres).

    Raises :class:`GeometryError` for a region that is not a non-empty
    polygon, a spacing that is not a positive number, or a grid of more than
    ``max_points`` cells.
    """
    check_region(geom_polar)
    try:
        step_km = float(spacing_km)
    except (TypeError, ValueError):
        step_km = float("nan")
    if not np.isfinite(step_km) or step_km <= 0:
        raise GeometryError(f"the grid spacing must be a positive number of kilometres (got {spacing_km!r}).")
    proj = region_projection(geom_polar)
    to_plane = transformer(SOUTH_POLAR_CODE, proj)
    step = step_km * 1000.0
    # The outline, densified so its straight map edges keep their shape in the equal-area plane.
    dense = shapely.segmentize(geom_polar, min(step / 4.0, 1_000.0))
    plane = shapely.transform(dense, lambda xy: np.column_stack(to_plane.transform(xy[:, 0], xy[:, 1])))
    plane = shapely.make_valid(plane) if not plane.is_valid else plane
    minx, miny, maxx, maxy = plane.bounds
    i0, i1 = math.floor(minx / step + 0.5), math.ceil(maxx / step - 0.5)
    j0, j1 = math.floor(miny / step + 0.5), math.ceil(maxy / step - 0.5)
    n_cells = (i1 - i0 + 1) * (j1 - j0 + 1)
    if n_cells > max_points:
        raise GeometryError(f"a {step_km:g} km grid over this region has {n_cells:,} cells (limit {max_points:,}); "
                            "use a larger spacing.")
    gx, gy = np.meshgrid(np.arange(i0, i1 + 1) * step, np.arange(j0, j1 + 1) * step)
    gx, gy = gx.ravel(), gy.ravel()
    cells = shapely.box(gx - step / 2, gy - step / 2, gx + step / 2, gy + step / 2)
    shapely.prepare(plane)
    hit = shapely.intersects(plane, cells)
    gx, gy, cells = gx[hit], gy[hit], cells[hit]
    pieces = shapely.intersection(cells, plane)
    weight = shapely.area(pieces) / 1e6     # equal-area plane: true areas on the sphere
    keep = weight > 0
    gx, gy, pieces, weight = gx[keep], gy[keep], pieces[keep], weight[keep]
    node_inside = shapely.contains_xy(plane, gx, gy)
    px, py = gx.copy(), gy.copy()
    if not node_inside.all():
        reps = shapely.point_on_surface(pieces[~node_inside])
        px[~node_inside], py[~node_inside] = shapely.get_x(reps), shapely.get_y(reps)
    if px.size == 0:
        raise GeometryError("no part of the region is covered by the grid; use a smaller spacing.")
    lon, lat = transformer(proj, LONLAT_CODE).transform(px, py)
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lonlat_to_polar(lon, lat)
    return RegionGrid(lon_deg=lon, lat_deg=lat, x_m=np.asarray(x, dtype=float), y_m=np.asarray(y, dtype=float),
                      weight_km2=np.asarray(weight, dtype=float), spacing_km=step_km, projection=proj)


def weighted_quantile(values: Any, weights: Any, q: Any) -> np.ndarray:
    """Quantiles ``q`` (0..1) of ``values`` weighted by ``weights`` (areas), NaN values left out.

    The smallest value at which the share of the area with values at or below
    it reaches ``q`` (numpy's weighted ``"inverted_cdf"``): so a point standing
    for four cells counts exactly as four points of one cell.

    >>> weighted_quantile([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1], [0.0, 0.5, 1.0]).tolist()
    [1.0, 2.0, 4.0]
    >>> weighted_quantile([0.0, 100.0], [3.0, 1.0], [0.5, 0.9]).tolist()   # three quarters of the area at 0
    [0.0, 100.0]
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    ok = np.isfinite(v) & np.isfinite(w) & (w > 0)
    qq = np.asarray(q, dtype=float)
    if not ok.any():
        return np.full(qq.shape, np.nan)
    return np.asarray(np.quantile(v[ok], qq, weights=w[ok], method="inverted_cdf"), dtype=float)


@dataclass(frozen=True)
class Distribution:
    """A value's distribution over a region's area: weighted percentiles, and the values behind them."""

    min: float
    p10: float
    median: float
    p90: float
    max: float
    units: str
    values: np.ndarray
    weights: np.ndarray

    def share(self, op: str, threshold: float) -> float:
        """Share (0..1) of the region's area (where the value is known) where ``value op threshold``."""
        if op not in _OPS:
            raise GeometryError(f"the comparison must be one of {', '.join(_OPS)} (got {op!r}).")
        ok = np.isfinite(self.values)
        total = float(self.weights[ok].sum())
        if total <= 0:
            return float("nan")
        return float(self.weights[ok][_OPS[op](self.values[ok], threshold)].sum() / total)

    def text(self, decimals: int = 1) -> str:
        """E.g. ``"0-86 % (median 41 %)"``; "no data" when no point had a value."""
        if not np.isfinite(self.median):
            return "no data"
        f = f"{{:,.{decimals}f}}"
        u = f" {self.units}" if self.units and self.units not in ("°",) else self.units
        return f"{f.format(self.min)}-{f.format(self.max)}{u} (median {f.format(self.median)}{u})"


def distribution(values: Any, weights: Any, units: str) -> Distribution:
    """The :class:`Distribution` of ``values`` (one per grid point) weighted by ``weights`` (km2)."""
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if v.shape != w.shape:
        raise GeometryError(f"{v.size} values for {w.size} weights; give one value per grid point.")
    ok = np.isfinite(v)
    p10, med, p90 = weighted_quantile(v, w, [0.1, 0.5, 0.9]).tolist()
    lo = float(v[ok].min()) if ok.any() else float("nan")
    hi = float(v[ok].max()) if ok.any() else float("nan")
    return Distribution(min=lo, p10=p10, median=med, p90=p90, max=hi, units=units, values=v, weights=w)
