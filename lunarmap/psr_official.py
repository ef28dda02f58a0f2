"""The official LOLA PSR outlines (every PSR >= 5 km2, 75 S to the pole): prepare, load, area inside, point lookup.

Source: ``LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL.shp`` (NASA GSFC; outlines
from the 120 m PSR map of 75-82 S and the 60 m map of 82 S to the pole,
Mazarico et al. 2011, Icarus 211). The shapefile has no .prj: its coordinates
are IAU_2015:30135 metres, so the CRS is set on reading. Prepare writes
``prepared/psr_official.gpkg`` (see :func:`write_official`): valid polygons,
CRS set, ``psr_id``, the catalogue's ``catalogue_area_km2`` (the map-plane
area: up to about 4% above the true area at 75 S), the geodesic ``area_km2``
on the sphere, and the catalogue centroid ``lat_deg``/``lon_deg``; a second,
table-only layer lists the 60 m grid's outlines that meet an official outline
(so PSR counts do not count one PSR twice).

The outlines come from a square map of half-width :data:`OFFICIAL_HALF_WIDTH_M`
(3,812 pixels of 120 m each side of the pole): it reaches 75 S at the middle of
its sides and about 69 S in its corners, where the catalogue has 58 outlines (centroids to 70.0 S).
That square is the area the outlines cover.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .crs import MOON_RADIUS_M, SOUTH_POLAR, SOUTH_POLAR_CODE, lonlat_to_polar, require_lunar_crs
from .errors import DataMissingError, RasterError
from .geodesy import area_km2
from .paths import PREPARED
from .paths import data_dir as _data_dir

__all__ = ["OFFICIAL_PRODUCT", "OFFICIAL_SOURCE", "OFFICIAL_HALF_WIDTH_M", "OFFICIAL_FINE_RADIUS_M", "OFFICIAL_LAYER",
           "GRID_LINKS_LAYER", "OfficialPsrs", "OfficialHit", "OfficialAreas", "read_official_source", "write_official",
           "load_official", "official_resolution_m", "official_coverage", "official_area_in", "official_psr_at",
           "official_index_and_cover"]

logger = logging.getLogger(__name__)

#: How results name these outlines.
OFFICIAL_PRODUCT = "official LOLA PSR outlines (>= 5 km2)"
OFFICIAL_SOURCE = "LRO LOLA LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL (Mazarico et al. 2011)"
#: Half-width of the 75 S 120 m PSR map the outlines come from (3,812 px x 120 m); outlines are clipped at it.
OFFICIAL_HALF_WIDTH_M = 457_440.0
#: Map radius of 82 S (2 R tan 4 deg): poleward the outlines come from the 60 m map, beyond from the 120 m map.
OFFICIAL_FINE_RADIUS_M = 2.0 * MOON_RADIUS_M * math.tan(math.radians(4.0))
OFFICIAL_LAYER = "psr_official"
GRID_LINKS_LAYER = "grid_outlines_in_official"


@dataclass(frozen=True)
class OfficialPsrs:
    """The prepared official outlines of a data folder, with a spatial index."""

    path: Path
    geoms: np.ndarray = field(repr=False)
    psr_ids: np.ndarray = field(repr=False)
    area_km2: np.ndarray = field(repr=False)
    catalogue_area_km2: np.ndarray = field(repr=False)
    tree: shapely.STRtree = field(repr=False)
    #: Links of the 60 m grid's outlines (``psr_outlines.gpkg`` ids) to the official outlines (indices) they
    #: share area with: one pair per link, sorted by grid id.
    link_grid_ids: np.ndarray = field(repr=False)
    link_index: np.ndarray = field(repr=False)
    half_width_m: float = OFFICIAL_HALF_WIDTH_M

    @property
    def grid_ids_inside(self) -> np.ndarray:
        """ids of the grid's outlines that share area with an official outline."""
        return np.unique(self.link_grid_ids)

    def partners_of(self, grid_ids: np.ndarray) -> np.ndarray:
        """Indices of the official outlines sharing area with any of these grid outlines."""
        return np.unique(self.link_index[np.isin(self.link_grid_ids, grid_ids)])

    @property
    def coverage(self) -> Polygon:
        """The square the outlines cover, in IAU_2015:30135 metres."""
        h = self.half_width_m
        return shapely.box(-h, -h, h, h)


@dataclass(frozen=True)
class OfficialHit:
    """The official outline containing a point."""

    psr_id: str
    area_km2: float
    catalogue_area_km2: float


@dataclass(frozen=True)
class OfficialAreas:
    """Per polygon: PSR area inside (geodesic km2), outlines with area inside (count and indices), the PSR part
    (None if none), covered km2."""

    psr_km2: np.ndarray
    count: np.ndarray
    indices: list[np.ndarray]
    inside: list[BaseGeometry | None]
    covered_km2: np.ndarray


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygon parts of a geometry (a Polygon or MultiPolygon), or None when it has none."""
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def read_official_source(path: str | Path) -> gpd.GeoDataFrame:
    """The official PSR shapefile as valid polygons in IAU_2015:30135 with psr_id, areas and catalogue lat/lon.

    The file has no .prj, so the lunar CRS is set (not transformed to). Areas:
    ``area_km2`` geodesic on the Moon sphere, ``catalogue_area_km2`` as the
    catalogue gives it (map-plane).
    """
    p = Path(path)
    if not p.exists():
        raise DataMissingError(f"official PSR outlines {p} do not exist; fetch the data (python -m lunarmap fetch).")
    try:
        raw = gpd.read_file(p)
    except Exception as err:  # pyogrio raises several kinds of DataSourceError
        raise RasterError(f"official PSR outlines {p} cannot be read ({err}); fetch them again "
                          "(python -m lunarmap fetch --force).") from err
    missing = {"PSR_ID", "area", "latitude", "longitude"} - set(raw.columns)
    if missing:
        raise RasterError(f"official PSR outlines {p} lack the fields {sorted(missing)} (have {list(raw.columns)}); "
                          "fetch LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL again.")
    frame = raw.set_crs(SOUTH_POLAR, allow_override=True)
    geoms = [_polygonal(shapely.make_valid(g)) if g is not None else None for g in frame.geometry.values]
    keep = np.array([g is not None for g in geoms], dtype=bool)
    if not keep.all():
        logger.warning("%d official PSR outlines have no area after repair and are left out", int((~keep).sum()))
    geoms_arr = np.array([g for g in geoms if g is not None], dtype=object)
    frame = frame.loc[keep]
    h = OFFICIAL_HALF_WIDTH_M + 1.0
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms_arr) if geoms_arr.size else (0.0, 0.0, 0.0, 0.0)
    if min(xmin, ymin) < -h or max(xmax, ymax) > h:
        raise RasterError(f"official PSR outlines {p} reach beyond the 75 S map's square (bounds "
                          f"{(xmin, ymin, xmax, ymax)!r}, allowed +/-{OFFICIAL_HALF_WIDTH_M:.0f} m); is this the "
                          "south-polar LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL file in IAU_2015:30135 metres?")
    lon = frame["longitude"].to_numpy(float)
    return gpd.GeoDataFrame({
        "psr_id": frame["PSR_ID"].astype(str).to_numpy(),
        "catalogue_area_km2": frame["area"].to_numpy(float),
        "area_km2": np.asarray(area_km2(geoms_arr), dtype=float) if geoms_arr.size else np.zeros(0),
        "lat_deg": frame["latitude"].to_numpy(float),
        "lon_deg": np.where(lon > 180.0, lon - 360.0, lon),
        "perimeter_km": frame["perimeter"].to_numpy(float) if "perimeter" in frame else np.nan,
    }, geometry=list(geoms_arr), crs=SOUTH_POLAR)


def write_official(src: str | Path, grid_outlines: str | Path, out: str | Path) -> int:
    """Write the prepared official outlines (and their links to the grid's outlines) to a GeoPackage, atomically.

    Returns the number of outlines.
    """
    frame = read_official_source(src)
    grid = pyogrio.read_dataframe(grid_outlines, columns=["id"])
    gi, oi = shapely.STRtree(frame.geometry.values).query(grid.geometry.values, predicate="intersects")
    share = ~shapely.touches(grid.geometry.values[gi], frame.geometry.values[oi])    # some area in common
    links = pd.DataFrame({"grid_id": grid["id"].to_numpy()[gi[share]].astype("int64"),
                          "psr_id": frame["psr_id"].to_numpy()[oi[share]]})
    out = Path(out)
    tmp = out.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    frame.to_file(tmp, driver="GPKG", layer=OFFICIAL_LAYER)
    pyogrio.write_dataframe(links, tmp, layer=GRID_LINKS_LAYER)
    os.replace(tmp, out)
    return len(frame)


def load_official(data_dir: str | Path | None = None) -> OfficialPsrs | None:
    """The prepared official outlines of a data folder (cached until the file changes), or None if not prepared."""
    path = _data_dir(data_dir) / "prepared" / PREPARED["psr_official"]
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return _load(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> OfficialPsrs:
    try:
        frame = pyogrio.read_dataframe(path, layer=OFFICIAL_LAYER)
        links = pyogrio.read_dataframe(path, layer=GRID_LINKS_LAYER, read_geometry=False)
    except Exception as err:
        raise RasterError(f"prepared official PSR outlines {path} cannot be read ({err}); prepare again "
                          "(python -m lunarmap prepare --force).") from err
    require_lunar_crs(frame.crs.to_wkt() if frame.crs else None, f"PSR outlines {path}", expected=SOUTH_POLAR_CODE)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    ids = frame["psr_id"].astype(str).to_numpy()
    index = pd.Series(np.arange(ids.size), index=ids)
    link_index = index.reindex(links["psr_id"].astype(str)).to_numpy()
    if np.isnan(link_index.astype(float)).any():
        raise RasterError(f"prepared official PSR outlines {path} link grid outlines to unknown PSR_IDs; prepare "
                          "again (python -m lunarmap prepare --force).")
    order = np.argsort(links["grid_id"].to_numpy(np.int64), kind="stable")
    return OfficialPsrs(Path(path), geoms, ids, frame["area_km2"].to_numpy(float),
                        frame["catalogue_area_km2"].to_numpy(float), shapely.STRtree(geoms),
                        links["grid_id"].to_numpy(np.int64)[order], link_index.astype(np.int64)[order])


def official_resolution_m(geom_polar: BaseGeometry) -> float:
    """Resolution of the PSR maps the outlines near a shape come from: 60 m poleward of 82 S, else 120 m."""
    xy = shapely.get_coordinates(geom_polar)
    return 60.0 if xy.size and float(np.hypot(xy[:, 0], xy[:, 1]).max()) <= OFFICIAL_FINE_RADIUS_M else 120.0


def official_coverage(geoms: list[BaseGeometry], official: OfficialPsrs) -> np.ndarray:
    """Geodesic km2 of each polygon that the outlines' square covers."""
    square = official.coverage
    full = np.array([shapely.covers(square, g) for g in geoms], dtype=bool)
    out = np.zeros(len(geoms))
    parts = shapely.intersection(np.array(geoms, dtype=object)[~full], square) if (~full).any() else []
    if full.any():
        out[full] = area_km2(np.array(geoms, dtype=object)[full])
    if len(parts):
        out[~full] = area_km2(np.asarray(parts, dtype=object))
    return out


def official_area_in(geoms: list[BaseGeometry], official: OfficialPsrs) -> OfficialAreas:
    """Exact geodesic PSR area of each polygon (IAU_2015:30135) inside the official outlines.

    Candidates come from the STRtree; each polygon is intersected with them in
    map metres (outlines wholly inside keep their prepared area) and the
    pieces measured on the sphere (:func:`lunarmap.geodesy.area_km2`). The
    outlines do not overlap one another, so the pieces add up.
    """
    n = len(geoms)
    psr = np.zeros(n)
    count = np.zeros(n, dtype=np.int64)
    inside: list[BaseGeometry | None] = [None] * n
    arr = np.array(geoms, dtype=object)
    gi, oj = official.tree.query(arr, predicate="intersects") if n else (np.zeros(0, int), np.zeros(0, int))
    whole = shapely.covers(arr[gi], official.geoms[oj])
    pieces = np.empty(gi.size, dtype=object)
    pieces[whole] = official.geoms[oj[whole]]
    if (~whole).any():
        pieces[~whole] = shapely.intersection(arr[gi[~whole]], official.geoms[oj[~whole]])
    km2 = np.zeros(gi.size)
    km2[whole] = official.area_km2[oj[whole]]
    cut = np.flatnonzero(~whole)
    if cut.size:
        km2[cut] = area_km2(pieces[cut])
    has = km2 > 0
    np.add.at(psr, gi[has], km2[has])
    np.add.at(count, gi[has], 1)
    indices = [oj[has & (gi == i)] for i in range(n)]
    for i in np.unique(gi[has]):
        parts = [q for pc in pieces[(gi == i) & has] for q in shapely.get_parts(pc) if isinstance(q, Polygon)]
        inside[int(i)] = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return OfficialAreas(psr, count, indices, inside, official_coverage(geoms, official))


def official_psr_at(lon_deg: Any, lat_deg: Any, data_dir: str | Path | None = None) -> list[OfficialHit | None]:
    """The official outline containing each lon/lat point (None where none does, or outlines not prepared)."""
    lon, lat = np.broadcast_arrays(np.atleast_1d(np.asarray(lon_deg, dtype=float)),
                                   np.atleast_1d(np.asarray(lat_deg, dtype=float)))
    official = load_official(data_dir)
    out: list[OfficialHit | None] = [None] * lon.size
    if official is None:
        return out
    idx, _, _ = official_index_and_cover(lon.ravel(), lat.ravel(), official)
    for k, j in enumerate(idx):
        if j >= 0:
            out[k] = OfficialHit(str(official.psr_ids[j]), float(official.area_km2[j]), float(official.catalogue_area_km2[j]))
    return out


def official_index_and_cover(lon: np.ndarray, lat: np.ndarray, official: OfficialPsrs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index of the containing outline or -1, point in the outlines' square, map radius m) for flat lon/lat arrays."""
    south = np.asarray(lat) < 0.0
    x = np.full(lon.shape, np.inf)
    y = np.full(lon.shape, np.inf)
    if south.any():
        x[south], y[south] = lonlat_to_polar(lon[south], lat[south])
    h = official.half_width_m
    cover = south & (np.abs(x) <= h) & (np.abs(y) <= h)
    idx = np.full(lon.shape, -1, dtype=np.int64)
    if cover.any():
        pts = shapely.points(x[cover], y[cover])
        pi, oj = official.tree.query(pts, predicate="intersects")
        sub = np.full(pts.size, -1, dtype=np.int64)
        sub[pi] = oj
        idx[cover] = sub
    return idx, cover, np.hypot(x, y)
