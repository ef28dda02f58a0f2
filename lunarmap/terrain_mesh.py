"""A 3D terrain surface around a point of the map: a regular triangle mesh from the finest DEM, and the Sun on it.

:func:`terrain_mesh` samples an ``n`` x ``n`` grid of vertices over a square ``width_m`` across, centred on a
point in IAU_2015:30135 (south polar stereographic) metres, from the finest elevation product that has data at
each vertex, ranked as :func:`lunarmap.product_sampling.sample_elevation_m` ranks them (:mod:`lunarmap.dem_stack`:
the full-resolution DEMs where found, LOLA 5 m to 87 S, 20 m to 80 S and 118 m global, read by windows from a
local copy or in place from a URL; the 5 m Shoemaker crop; the 1.6 km polar LOLA DEM to about 70 S; the ~10.7 km
global LOLA grid; bilinear), and returns vertex positions, normals, colours and triangle indices ready for a WebGL
mesh, with the resolution of the data behind it and the finer DEMs that could not be read (``problems``).

The mesh's frame, in metres, origin at the centre's map point on the 1,737,400 m sphere:

* ``x``, ``y``: **map metres** (IAU_2015:30135 east/north offsets from the centre), so the map's sites, zones and
  outlines sit on it by their map coordinates. Map distances are true distances times the stereographic scale
  factor ``k = 1 + (rho / 2R)**2`` (``rho`` the map distance from the pole): 1 at the pole, 1.0077 at 80 S,
  1.031 at 70 S.
* ``z``: ``k_c * (exaggeration * elevation_m - (R - sqrt(R**2 - (rho_c / k_c)**2)))`` with ``k_c`` the scale factor at the centre
  and ``rho_c`` the vertex's map distance from the centre. Heights are scaled by the same ``k_c`` as the map's
  horizontal distances, so at 1x the whole mesh is the true terrain uniformly enlarged by ``k_c``: slopes and
  shapes are true (to the change of ``k`` across the square: 0.16 % over 100 km at 80 S). The second term is the
  sphere's curvature (the surface falls below the centre's tangent plane: 720 m at 50 km), not exaggerated, so one
  Sun direction lights every vertex correctly; ``curvature=False`` leaves it out (a flat datum).
* the axes are right-handed: ``z`` is the local vertical at the centre, ``x`` and ``y`` the map's axes there
  (horizontal, conformal map). :func:`sun_direction` gives the Sun's unit vector in this frame.

Triangle budget: at most :data:`MAX_VERTICES_PER_SIDE` = 257 vertices a side, 2 x 256 x 256 = 131,072 triangles
(a 100 km square at 391 m spacing; the 1.6 km polar DEM is then oversampled about four times, the 5 m crop
undersampled: the mesh's ``spacing_m`` is its own resolution, ``resolution_m`` that of the data).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .crs import MOON_RADIUS_M, lonlat_to_polar, polar_to_lonlat
from .dem_stack import dem_stack
from .ephemeris import as_utc, moon_frame_vectors, sky_track
from .errors import GeometryError, LunarmapError
from .prepare_display import ELEVATION_COLORS, ramp_rgba

__all__ = ["MAX_VERTICES_PER_SIDE", "MAX_TRIANGLES", "DEFAULT_VERTICES_PER_SIDE", "MAX_WIDTH_M", "MIN_WIDTH_M",
           "MAX_EXAGGERATION", "TerrainMesh", "SunOnMesh", "scale_factor", "terrain_mesh", "sun_direction",
           "drape_lines", "mesh_frame"]

logger = logging.getLogger(__name__)

_R = MOON_RADIUS_M
#: Most vertices a side (the triangle budget: 2 (n - 1)^2 = 131,072 triangles).
MAX_VERTICES_PER_SIDE = 257
MAX_TRIANGLES = 2 * (MAX_VERTICES_PER_SIDE - 1) ** 2
DEFAULT_VERTICES_PER_SIDE = 201
#: Widest and narrowest square served (metres of map).
MAX_WIDTH_M = 400_000.0
MIN_WIDTH_M = 200.0
MAX_EXAGGERATION = 10.0
#: Draped lines float this share of the mesh spacing above the surface (times the exaggeration), so the
#: surface's triangles (flat between vertices) never hide them.
_LIFT_SHARE = 0.04


@dataclass(frozen=True, eq=False)
class SunOnMesh:
    """The Sun seen from the mesh's centre at ``time_utc``: unit vector in the mesh frame, azimuth/elevation (deg)."""

    time_utc: np.datetime64
    vector: np.ndarray
    azimuth_deg: float
    elevation_deg: float


@dataclass(frozen=True, eq=False)
class TerrainMesh:
    """A regular triangle mesh of the terrain (see the module docstring for its frame).

    ``positions``: (n*n, 3) float32 metres relative to the centre, row-major from the south-west corner (rows go
    north, columns east); ``normals``: (n*n, 3) float32 unit vectors; ``colors``: (n*n, 3) uint8 on the 2D map's
    elevation ramp from ``color_range_m[0]`` to ``[1]``; ``indices``: (2 (n-1)^2, 3) uint32, counter-clockwise
    seen from above; ``elevation_m``: (n, n) heights above the sphere (NaN where no DEM has data; drawn at the
    lowest height found, grey). ``resolution_m``: the finest and the coarsest DEM resolution used (m);
    ``products`` the DEMs used, finest first; ``problems`` the finer DEMs that could not be read (a full-resolution
    DEM out of reach: each names the product and what to do), whose vertices rest on the next DEM.
    """

    center_xy_m: tuple[float, float]
    center_lonlat: tuple[float, float]
    width_m: float
    n: int
    spacing_m: float
    exaggeration: float
    scale_factor: float
    curvature: bool
    positions: np.ndarray
    normals: np.ndarray
    colors: np.ndarray
    indices: np.ndarray
    elevation_m: np.ndarray
    color_range_m: tuple[float, float]
    resolution_m: tuple[float, float]
    products: tuple[str, ...]
    sun: SunOnMesh | None
    problems: tuple[LunarmapError, ...] = ()

    @property
    def n_triangles(self) -> int:
        return int(self.indices.shape[0])

    def z_at(self, x_m: Any, y_m: Any) -> np.ndarray:
        """Mesh ``z`` (m) at map points (absolute IAU_2015:30135 metres), bilinear between vertices; NaN outside."""
        u = (np.asarray(x_m, dtype=float) - self.center_xy_m[0] + self.width_m / 2) / self.spacing_m
        v = (np.asarray(y_m, dtype=float) - self.center_xy_m[1] + self.width_m / 2) / self.spacing_m
        z = self.positions[:, 2].reshape(self.n, self.n).astype(float)
        inside = (u >= 0) & (v >= 0) & (u <= self.n - 1) & (v <= self.n - 1)
        j0 = np.clip(np.floor(np.where(inside, u, 0)).astype(int), 0, self.n - 2)
        i0 = np.clip(np.floor(np.where(inside, v, 0)).astype(int), 0, self.n - 2)
        fu, fv = np.where(inside, u, 0) - j0, np.where(inside, v, 0) - i0
        out = (z[i0, j0] * (1 - fu) * (1 - fv) + z[i0, j0 + 1] * fu * (1 - fv)
               + z[i0 + 1, j0] * (1 - fu) * fv + z[i0 + 1, j0 + 1] * fu * fv)
        return np.where(inside, out, np.nan)


def scale_factor(x_m: Any, y_m: Any) -> Any:
    """Point scale factor of IAU_2015:30135 at map points: map distance / true distance, ``1 + (rho / 2R)^2``.

    >>> round(float(scale_factor(0.0, 2 * 1_737_400.0 * math.tan(math.radians(5.0)))), 5)  # at 80 S
    1.00765
    """
    return 1.0 + (np.hypot(x_m, y_m) / (2.0 * _R)) ** 2


def _unit3(lon_deg: Any, lat_deg: Any) -> np.ndarray:
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def mesh_frame(center_xy_m: tuple[float, float]) -> np.ndarray:
    """Rows: the mesh's x, y and z axes at a map point as unit vectors in the Moon's body-fixed (ME) frame.

    ``z`` is the radial up; ``x`` and ``y`` the directions the map's x and y axes point on the ground there
    (central differences over 1 m of map, made orthogonal to up). Defined at the pole too.
    """
    cx, cy = center_xy_m
    d = 1.0
    lon, lat = polar_to_lonlat(np.array([cx + d, cx - d, cx, cx, cx]), np.array([cy, cy, cy + d, cy - d, cy]))
    p = _unit3(lon, lat)
    up = p[4]
    axes = []
    for a, b in ((p[0], p[1]), (p[2], p[3])):
        t = a - b
        t = t - up * float(t @ up)
        axes.append(t / np.linalg.norm(t))
    return np.stack([axes[0], axes[1], up])


def sun_direction(center_xy_m: tuple[float, float], time_utc: Any) -> SunOnMesh:
    """The Sun's direction from the centre at one UTC time, a unit vector in the mesh frame (x, y map; z up).

    From :func:`lunarmap.ephemeris.moon_frame_vectors` (DE440, topocentric at the centre on the sphere); its
    angle above the x-y plane is the Sun's elevation :func:`lunarmap.ephemeris.sky_track` gives there.
    """
    times = as_utc(np.atleast_1d(np.asarray(time_utc)))
    if times.size != 1:
        raise GeometryError(f"sun_direction needs one UTC time (got {times.size}); give a single instant.")
    lon, lat = polar_to_lonlat(*center_xy_m)
    vec = moon_frame_vectors(times)
    frame = mesh_frame(center_xy_m)
    rel = vec.sun_km[0] - frame[2] * _R / 1000.0
    local = frame @ rel
    track = sky_track(float(lon), float(lat), vec)
    return SunOnMesh(time_utc=times[0], vector=local / np.linalg.norm(local),
                     azimuth_deg=float(track.sun_az_deg[0]), elevation_deg=float(track.sun_el_deg[0]))


def _check(center_xy_m: Any, width_m: Any, n: Any, exaggeration: Any) -> tuple[float, float, float, int, float]:
    try:
        cx, cy = (float(v) for v in center_xy_m)
    except (TypeError, ValueError):
        raise GeometryError(f"center_xy_m must be (x, y) in IAU_2015:30135 metres (got {center_xy_m!r}).") from None
    if not (math.isfinite(cx) and math.isfinite(cy)) or math.hypot(cx, cy) > 2 * _R:
        raise GeometryError(f"center_xy_m {center_xy_m!r} is not a finite point of the south polar map "
                            f"(within {2 * _R / 1000:,.0f} km of the pole, the equator).")
    try:
        w = float(width_m)
    except (TypeError, ValueError):
        raise GeometryError(f"width_m must be a number of metres (got {width_m!r}).") from None
    if not MIN_WIDTH_M <= w <= MAX_WIDTH_M:
        raise GeometryError(f"width_m must be {MIN_WIDTH_M:g} to {MAX_WIDTH_M:,.0f} m (got {width_m!r}); "
                            "choose a smaller area or zoom in.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 3 <= n <= MAX_VERTICES_PER_SIDE:
        raise GeometryError(f"n (vertices a side) must be an integer from 3 to {MAX_VERTICES_PER_SIDE} "
                            f"(got {n!r}); the triangle budget is {MAX_TRIANGLES:,}.")
    try:
        e = float(exaggeration)
    except (TypeError, ValueError):
        raise GeometryError(f"exaggeration must be a number from 1 to {MAX_EXAGGERATION:g} (got {exaggeration!r}).") from None
    if not 1.0 <= e <= MAX_EXAGGERATION:
        raise GeometryError(f"exaggeration must be from 1 (true heights) to {MAX_EXAGGERATION:g} (got {exaggeration!r}).")
    return cx, cy, w, int(n), e


def _indices(n: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(n - 1), np.arange(n - 1), indexing="ij")
    v0 = (i * n + j).ravel()
    v1, v2 = v0 + 1, v0 + n
    v3 = v2 + 1
    return np.stack([np.stack([v0, v1, v3], 1), np.stack([v0, v3, v2], 1)], 1).reshape(-1, 3).astype(np.uint32)


def _color_range(h: np.ndarray) -> tuple[float, float]:
    lo = math.floor(float(np.nanpercentile(h, 1)) / 100.0) * 100.0
    hi = math.ceil(float(np.nanpercentile(h, 99)) / 100.0) * 100.0
    return lo, max(hi, lo + 100.0)


def terrain_mesh(center_xy_m: Any, width_m: Any, n: int = DEFAULT_VERTICES_PER_SIDE, exaggeration: Any = 1.0, *,
                 time_utc: Any = None, curvature: bool = True, data_dir: str | Path | None = None,
                 dem_paths: list[str | Path] | None = None) -> TerrainMesh:
    """The terrain around ``center_xy_m`` (IAU_2015:30135 m) as an ``n`` x ``n`` vertex mesh ``width_m`` across.

    ``exaggeration`` (1 = true heights, up to 10) multiplies heights only; ``time_utc`` (any form
    :func:`lunarmap.ephemeris.as_utc` takes) adds the Sun's direction; ``dem_paths`` (finest first) replaces the
    DEMs (the data folder's and the full-resolution ones). Raises :class:`~lunarmap.errors.GeometryError` for bad input and
    :class:`~lunarmap.errors.LunarmapError` when no DEM covers the square.
    """
    cx, cy, w, n, e = _check(center_xy_m, width_m, n, exaggeration)
    if dem_paths is not None and not dem_paths:
        raise GeometryError("terrain_mesh: dem_paths is empty; give one or more elevation rasters, finest first.")
    spacing = w / (n - 1)
    offs = -w / 2 + spacing * np.arange(n)
    gx, gy = np.meshgrid(offs, offs)          # rows go north (y), columns east (x)
    lon, lat = polar_to_lonlat(cx + gx.ravel(), cy + gy.ravel())
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    stack = dem_stack(lat, data_dir, dem_paths)
    h, which = stack.finest(lon, lat)
    res = np.array([stack.resolution_m(int(i)) for i in which])
    used = [stack.names[i] for i in sorted(set(which[which >= 0].tolist()))]
    if not used:
        raise LunarmapError(f"no elevation data covers the {w / 1000:g} km square at map ({cx:.0f}, {cy:.0f}) m; "
                            "choose a place on the DEMs' coverage.")
    lo, hi = _color_range(h)
    colors = ramp_rgba(h, lo, hi, ELEVATION_COLORS)[:, :3].copy()
    missing = ~np.isfinite(h)
    colors[missing] = 128
    filled = np.where(missing, np.nanmin(h), h)
    k_c = float(scale_factor(cx, cy))
    z = k_c * e * filled
    if curvature:
        r_true = np.hypot(gx.ravel(), gy.ravel()) / k_c
        z = z - k_c * (_R - np.sqrt(_R**2 - r_true**2))
    zg = z.reshape(n, n)
    dzdy, dzdx = np.gradient(zg, spacing)
    normals = np.stack([-dzdx, -dzdy, np.ones_like(zg)], axis=-1).reshape(-1, 3)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    positions = np.stack([gx.ravel(), gy.ravel(), z], axis=1).astype(np.float32)
    clon, clat = polar_to_lonlat(cx, cy)
    sun = sun_direction((cx, cy), time_utc) if time_utc is not None else None
    finite_res = res[np.isfinite(res)]
    logger.debug("terrain mesh %d x %d over %.0f m from %s", n, n, w, used)
    return TerrainMesh(
        center_xy_m=(cx, cy), center_lonlat=(float(clon), float(clat)), width_m=w, n=n, spacing_m=spacing,
        exaggeration=e, scale_factor=k_c, curvature=bool(curvature), positions=positions,
        normals=normals.astype(np.float32), colors=colors.astype(np.uint8), indices=_indices(n),
        elevation_m=h.reshape(n, n), color_range_m=(lo, hi),
        resolution_m=(float(finite_res.min()), float(finite_res.max())), products=tuple(used), sun=sun,
        problems=stack.problems)


def drape_lines(mesh: TerrainMesh, lines_xy: Any, tolerance_m: float = 0.0) -> list[np.ndarray]:
    """Polylines (absolute IAU_2015:30135 metres) laid on the mesh: (m, 3) arrays in the mesh frame.

    With ``tolerance_m`` > 0 each line is first simplified (Douglas-Peucker, :func:`shapely.simplify`): no
    vertex dropped lies further than ``tolerance_m`` map metres from the simplified line (finer detail than the
    mesh can show costs vertices the browser draws every frame). Each line is then densified to half the mesh
    spacing so it follows the surface, lifted a little above it (4 % of the spacing times the exaggeration), and
    cut where it leaves the square (pieces of fewer than two points are dropped).
    """
    out: list[np.ndarray] = []
    step = mesh.spacing_m / 2.0
    lift = _LIFT_SHARE * mesh.spacing_m * mesh.exaggeration
    for line in lines_xy:
        pts = np.asarray(line, dtype=float).reshape(-1, 2)
        if len(pts) < 2:
            continue
        if tolerance_m > 0.0 and len(pts) > 2:
            pts = shapely.get_coordinates(shapely.simplify(shapely.linestrings(pts), tolerance_m))
        seg = np.diff(pts, axis=0)
        counts = np.maximum(np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / step).astype(int), 1)
        parts = [pts[i] + seg[i] * (np.arange(c) / c)[:, None] for i, c in enumerate(counts)]
        dense = np.vstack([*parts, pts[-1:]])
        z = mesh.z_at(dense[:, 0], dense[:, 1]) + lift
        ok = np.isfinite(z)
        xyz = np.column_stack([dense[:, 0] - mesh.center_xy_m[0], dense[:, 1] - mesh.center_xy_m[1], z])
        breaks = np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1
        for piece_ok, piece in zip(np.split(ok, breaks), np.split(xyz, breaks), strict=True):
            if piece_ok[0] and len(piece) >= 2:
                out.append(piece)
    return out


def lonlat_lines_to_map(lines_lonlat: Any) -> list[np.ndarray]:
    """Lon/lat polylines (degrees) as IAU_2015:30135 metres, for :func:`drape_lines`."""
    out = []
    for line in lines_lonlat:
        a = np.asarray(line, dtype=float).reshape(-1, 2)
        x, y = lonlat_to_polar(a[:, 0], a[:, 1])
        out.append(np.column_stack([x, y]))
    return out
