"""Permanently shadowed regions: outlines from the 60 m mask, and PSR area inside any polygon on the sphere.

The mask (1 = PSR, 0 = not, 255 = nodata) is in south polar stereographic
metres (IAU_2015:30135), where a map pixel of side ``p`` covers ``p^2 / k^2``
of the sphere (``k = 2 / (1 + sin|lat|)``, the stereographic scale factor at
the pixel centre). :func:`psr_area_in` weights every pixel by that true area
and by the exact fraction of the pixel inside the polygon (pixel squares
intersected with the polygon along its edge; whole pixels inside), reading
only the polygon's window of the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from rasterio.features import rasterize, shapes
from rasterio.windows import Window
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from .crs import SOUTH_POLAR, SOUTH_POLAR_CODE, require_lunar_crs
from .errors import GeometryError
from .geodesy import area_km2
from .paths import data_dir as _data_dir
from .rasters import PREPARED, open_raster, raster_resolution_m, window_for_bounds
from .terrain import scale_factor_grid

__all__ = ["PSR_VALUE", "NOT_PSR_VALUE", "NODATA_VALUE", "COVERAGE_METHOD", "PsrStats", "psr_outlines", "psr_area_in"]

PSR_VALUE, NOT_PSR_VALUE, NODATA_VALUE = 1, 0, 255
COVERAGE_METHOD = "exact fractional pixel coverage, each pixel weighted by its true area on the sphere (p^2 / k^2)"


@dataclass(frozen=True)
class PsrStats:
    """PSR statistics inside a polygon.

    ``psr_area_km2`` and ``valid_area_km2`` (the part of the polygon the grid
    covers with data) are true areas on the sphere; ``covered_fraction`` is
    ``valid_area_km2`` over the polygon's geodesic area (below 1 where the
    polygon leaves the grid or meets nodata). A polygon the grid does not cover
    at all gives NaN areas. ``psr_count`` counts PSR outlines intersecting the
    polygon with some area inside it (from the outline-id grid prepare writes
    with the outlines).
    """

    psr_area_km2: float
    valid_area_km2: float
    covered_fraction: float
    psr_count: int
    product: str
    resolution_m: float
    method: str = COVERAGE_METHOD

    @property
    def psr_fraction(self) -> float:
        """PSR share of the covered area (NaN when nothing is covered)."""
        if not self.valid_area_km2 > 0:
            return float("nan")
        return self.psr_area_km2 / self.valid_area_km2


def psr_outlines(mask: np.ndarray, transform: Affine) -> gpd.GeoDataFrame:
    """Vectorise a PSR mask into outlines (4-connected pixels, holes kept) in IAU_2015:30135.

    Columns: ``id`` (1.., in raster order), ``area_km2`` (geodesic, on the
    sphere), ``n_pixels``; CRS IAU_2015:30135.
    """
    is_psr = np.asarray(mask) == PSR_VALUE
    polys = [shape(geom) for geom, _ in shapes(is_psr.astype(np.uint8), mask=is_psr, transform=transform, connectivity=4)]
    geoms = np.array(polys, dtype=object) if polys else np.array([], dtype=object)
    px = abs(transform.a * transform.e)
    areas = area_km2(geoms) if len(geoms) else np.array([], dtype=float)
    n_pixels = np.rint(shapely.area(geoms) / px).astype(np.int64) if len(geoms) else np.array([], dtype=np.int64)
    return gpd.GeoDataFrame(
        {"id": np.arange(1, len(geoms) + 1, dtype=np.int64), "area_km2": np.asarray(areas, dtype=float), "n_pixels": n_pixels},
        geometry=list(geoms), crs=SOUTH_POLAR,
    )


def _check_polygon(geom: Any) -> BaseGeometry:
    if not isinstance(geom, (Polygon, MultiPolygon)) or geom.is_empty:
        raise GeometryError(
            f"psr_area_in needs a non-empty Polygon or MultiPolygon in IAU_2015:30135 metres "
            f"(got {type(geom).__name__}{' (empty)' if isinstance(geom, BaseGeometry) and geom.is_empty else ''}); "
            "build one with lunarmap.geodesy.geodesic_circle or to_polar."
        )
    if not geom.is_valid:
        raise GeometryError(
            f"psr_area_in: polygon is invalid ({shapely.is_valid_reason(geom)}); repair it (shapely.make_valid) and retry."
        )
    return geom


def _coverage(geom: BaseGeometry, transform: Affine, shape_: tuple[int, int], tile_px: int = 32) -> np.ndarray:
    """Fraction of each pixel inside ``geom``: exact along the boundary, 0/1 by pixel centre elsewhere.

    Boundary pixels are intersected with the polygon clipped to their
    ``tile_px`` tile, so each intersection involves only a few vertices.
    """
    frac = rasterize([(geom, 1)], out_shape=shape_, transform=transform, all_touched=False, dtype="uint8").astype(np.float64)
    edge = rasterize([(geom.boundary, 1)], out_shape=shape_, transform=transform, all_touched=True, dtype="uint8")
    ei, ej = np.nonzero(edge)
    if ei.size == 0:
        return frac
    dx, dy = transform.a, -transform.e
    tile = (ei // tile_px) * (shape_[1] // tile_px + 1) + ej // tile_px
    order = np.argsort(tile, kind="stable")
    ei, ej, tile = ei[order], ej[order], tile[order]
    starts = np.flatnonzero(np.r_[True, tile[1:] != tile[:-1]])
    ends = np.r_[starts[1:], tile.size]
    for a, b in zip(starts, ends, strict=True):
        ri, cj = ei[a:b], ej[a:b]
        x0, y0 = transform.c + cj * dx, transform.f - ri * dy
        local = shapely.clip_by_rect(geom, x0.min(), y0.min() - dy, x0.max() + dx, y0.max())
        boxes = shapely.box(x0, y0 - dy, x0 + dx, y0)
        frac[ri, cj] = shapely.area(shapely.intersection(boxes, local)) / (dx * dy)
    return frac


def _outline_ids(path: Path, window: Window) -> np.ndarray:
    """The outline-id grid (written by prepare next to the outlines) over ``window``."""
    with open_raster(path) as ds:
        return ds.read(1, window=window)


def psr_area_in(geom_polar: BaseGeometry, data_dir: str | Path | None = None) -> PsrStats:
    """PSR area, covered area and outline count inside a polygon (IAU_2015:30135 metres) on the sphere.

    Reads only the polygon's window of the prepared 60 m mask (see the module
    docstring for the coverage and area method).
    """
    geom = _check_polygon(geom_polar)
    root = _data_dir(data_dir) / "prepared"
    mask_path = root / PREPARED["psr"]
    poly_km2 = float(area_km2(geom))
    with open_raster(mask_path) as ds:
        require_lunar_crs(ds.crs.to_wkt() if ds.crs else None, f"raster {mask_path}", expected=SOUTH_POLAR_CODE)
        res = raster_resolution_m(ds)
        product = mask_path.stem
        win = window_for_bounds(ds, tuple(geom.bounds))
        if win is None:
            return PsrStats(float("nan"), float("nan"), 0.0, 0, product, res)
        data = ds.read(1, window=win)
        wt = ds.window_transform(win)
    frac = _coverage(geom, wt, data.shape)
    px_m2 = abs(wt.a * wt.e)
    true_km2 = frac * (px_m2 / scale_factor_grid(wt, data.shape) ** 2) / 1e6
    psr = float(true_km2[data == PSR_VALUE].sum())
    valid = float(true_km2[(data == PSR_VALUE) | (data == NOT_PSR_VALUE)].sum())
    if not valid > 0:
        return PsrStats(float("nan"), float("nan"), 0.0, 0, product, res)
    ids = _outline_ids(root / PREPARED["psr_ids"], win)[frac > 0.0]
    count = int(np.unique(ids[ids > 0]).size)   # outlines with some area inside the polygon
    return PsrStats(psr, valid, min(valid / poly_km2, 1.0), count, product, res)
