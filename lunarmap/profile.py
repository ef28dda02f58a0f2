"""Elevation profile along a drawn line: elevation, slope along and across, permanent shadow, data resolution.

Size: about 430 lines: the profile and the sunlit % along it; :class:`SunlitAlong` and :func:`profile_sunlit`
(about 50 lines) are the seam to move out.

The line's vertices (two or more; lon/lat degrees or IAU_2015:30135 metres as the map sends them, see
:func:`lunarmap.measure.parse_points`) are joined by great-circle arcs on the Moon sphere (R = 1,737,400 m),
not by straight map lines: the path a rover driving straight on would take. ``samples`` points are spaced
evenly by geodesic distance along the whole path, both ends included (or every ``spacing_m``); positions
come from :func:`lunarmap.geodesy.forward_lonlat` along each arc from its first vertex, with the arc's
initial azimuth from :func:`lunarmap.geodesy.inverse`. The pole and the 180 meridian are ordinary places.

At each sample:

* ``elevation_m``: above the 1,737,400 m sphere, bilinear, from the finest DEM that has data there, ranked as
  :func:`lunarmap.product_sampling.sample_elevation_m` ranks them (:mod:`lunarmap.dem_stack`): the full-resolution
  DEMs where found (LOLA 5 m to 87 S, 20 m to 80 S, 118 m global; a local copy or a URL read in place by windows),
  the 5 m Shoemaker crop, the 1.6 km polar LOLA DEM to about 70 S, the global ~10.7 km LOLA grid; each sample's
  product and ground resolution kept. A full-resolution DEM out of reach leaves its samples to the next DEM and
  is named, with what to do, in :attr:`Profile.elevation_problems`.
* ``slope_along_deg``: signed, uphill in the direction of travel positive; ``slope_across_deg``: signed,
  ground rising to the right of the direction of travel positive. Central differences on the same DEM as the
  sample, over one DEM resolution either side (points at geodesic distance ``h`` along the path's tangent and
  along its normal, so the baseline is ``2 h`` on the sphere): the slope at the data's own resolution, not
  at the sample spacing, and the same wherever the samples fall.
* ``in_psr``: 1.0 in a permanently shadowed region, 0.0 not, NaN where no PSR map covers
  (:func:`lunarmap.product_sampling.sample_psr`: the official LOLA outlines >= 5 km2 to 75 S, the 60 m grid's
  smaller PSRs poleward of about 85 S), and ``psr_id``: the official outline's PSR_ID, or
  ``psr_60m outline N`` for a PSR mapped only on the 60 m grid.

Bands: :attr:`Profile.psr_bands` are the stretches inside a PSR, :attr:`Profile.resolution_bands` those on
one DEM. A band of samples ``i..j`` runs from halfway between samples ``i - 1`` and ``i`` to halfway between
``j`` and ``j + 1`` (the path's ends at its ends), so its edges are within half a sample spacing of the true
crossing (as fine as the samples can tell).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .crs import LONLAT_CODE, MOON_RADIUS_M, lonlat_to_polar
from .dem_stack import DemStack, dem_stack
from .errors import GeometryError, LunarmapError
from .geodesy import distance_m, forward_lonlat, inverse
from .measure import parse_points
from .paths import PREPARED
from .paths import data_dir as _data_dir
from .product_sampling import elevation_sources, sample_psr
from .rasters import sample_raster

__all__ = ["DEFAULT_SAMPLES", "MAX_SAMPLES", "PATH_METHOD", "SLOPE_METHOD", "PsrBand", "ResolutionBand", "Profile",
           "SunlitAlong", "MAX_SUNLIT_POINTS", "path_samples", "elevation_profile", "profile_sunlit", "warm_up"]

logger = logging.getLogger(__name__)

#: Samples along the line unless told otherwise.
DEFAULT_SAMPLES = 1_000
#: Most samples one profile takes (a 2,000 km line at 100 m).
MAX_SAMPLES = 20_000

PATH_METHOD = ("great-circle arcs between the vertices on the IAU 2015 Moon sphere (R = 1,737,400 m), samples evenly "
               "spaced by geodesic distance (lunarmap.geodesy)")
SLOPE_METHOD = ("central differences on the sample's DEM over one DEM resolution either side, along the path's "
                "tangent (along: uphill in the direction of travel positive) and its normal (across: rising to the "
                "right of the direction of travel positive), distances geodesic on the sphere")


@dataclass(frozen=True)
class PsrBand:
    """A stretch of the path inside one PSR: distances along the path (m), its id and the PSR map's resolution (m).

    ``place``: the smallest named IAU feature (usually a crater) whose circle holds the PSR's centre (the official
    outline's area-weighted centroid; for a PSR mapped only on the 60 m grid, the band's middle), "" if none.
    """

    start_m: float
    end_m: float
    psr_id: str
    resolution_m: float
    place: str = ""


@dataclass(frozen=True)
class ResolutionBand:
    """A stretch of the path whose elevation comes from one DEM: distances along the path (m), product, resolution (m)."""

    start_m: float
    end_m: float
    product: str
    resolution_m: float


@dataclass(frozen=True, eq=False)
class Profile:
    """An elevation profile: per-sample arrays (length ``n``) and the bands; units in the names.

    ``elevation_product`` and ``psr_id`` are arrays of text ("" where none); ``psr_product`` names the PSR
    maps used (:func:`lunarmap.product_sampling.sample_psr`), "" when PSR was not asked for.
    ``elevation_problems``: the finer DEMs that could not be read (e.g. a full-resolution DEM out of reach), each
    naming the product and what to do; their samples rest on the next DEM (see ``elevation_product``).
    """

    vertex_lon_deg: np.ndarray
    vertex_lat_deg: np.ndarray
    vertex_x_m: np.ndarray
    vertex_y_m: np.ndarray
    vertex_distance_m: np.ndarray
    distance_m: np.ndarray
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    elevation_m: np.ndarray
    elevation_product: np.ndarray
    elevation_resolution_m: np.ndarray
    slope_along_deg: np.ndarray
    slope_across_deg: np.ndarray
    in_psr: np.ndarray
    psr_id: np.ndarray
    psr_resolution_m: np.ndarray
    psr_product: str
    psr_bands: tuple[PsrBand, ...]
    resolution_bands: tuple[ResolutionBand, ...]
    elevation_problems: tuple[LunarmapError, ...] = ()

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.distance_m.size)

    @property
    def total_m(self) -> float:
        """Geodesic length of the whole path, metres."""
        return float(self.vertex_distance_m[-1])

    @property
    def spacing_m(self) -> float:
        """Geodesic distance between consecutive samples, metres."""
        return self.total_m / (self.n - 1)


def _sample_count(total_m: float, samples: int | None, spacing_m: float | None) -> int:
    if samples is not None and spacing_m is not None:
        raise GeometryError("profile: give either samples or spacing_m, not both.")
    if spacing_m is not None:
        try:
            sp = float(spacing_m)
        except (TypeError, ValueError):
            sp = float("nan")
        if not (math.isfinite(sp) and sp > 0.0):
            raise GeometryError(f"profile: spacing_m must be a distance in metres greater than 0 (got {spacing_m!r}).")
        n = int(math.ceil(total_m / sp - 1e-9)) + 1
        if n > MAX_SAMPLES:
            raise GeometryError(f"profile: a spacing of {sp:g} m along {total_m / 1000:,.3f} km needs {n:,} samples, "
                                f"more than {MAX_SAMPLES:,}; choose a spacing of at least "
                                f"{total_m / (MAX_SAMPLES - 1):,.1f} m.")
        return max(n, 2)
    count = DEFAULT_SAMPLES if samples is None else samples
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or not 2 <= int(count) <= MAX_SAMPLES:
        raise GeometryError(f"profile: samples must be a whole number from 2 to {MAX_SAMPLES:,} (got {samples!r}).")
    return int(count)


def _unit(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _lonlat(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.degrees(np.arctan2(v[..., 1], v[..., 0])), np.degrees(np.arcsin(np.clip(v[..., 2], -1.0, 1.0)))


def path_samples(lon_deg: np.ndarray, lat_deg: np.ndarray, samples: int | None = None,
                 spacing_m: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Samples along the great-circle path through checked vertices: (distance m, lon, lat, arc index, vertex distance m).

    ``distance`` runs from 0 to the path's length in equal steps; ``arc index`` is the arc (0-based) each
    sample lies on. Vertices must be distinct neighbours (see :func:`lunarmap.measure.parse_points`).

    >>> s, lon, lat, arc, cum = path_samples(np.array([0.0, 180.0]), np.array([-89.0, -89.0]), samples=3)
    >>> [round(float(v), 2) for v in s], [round(float(v), 9) for v in lat]     # the middle sample is the pole
    ([0.0, 30323.35, 60646.7], [-89.0, -90.0, -89.0])
    """
    lon, lat = np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float)
    arc_m = np.atleast_1d(np.asarray(distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), dtype=float))
    if np.any(arc_m > math.pi * MOON_RADIUS_M * (1.0 - 1e-9)):
        raise GeometryError("profile: two consecutive vertices are antipodal, so the great circle between them is "
                            "not defined; add a vertex between them.")
    cum = np.concatenate([[0.0], np.cumsum(arc_m)])
    n = _sample_count(float(cum[-1]), samples, spacing_m)
    s = np.linspace(0.0, cum[-1], n)
    arc = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, arc_m.size - 1)
    az = np.atleast_1d(np.asarray(inverse(lon[:-1], lat[:-1], lon[1:], lat[1:]).azimuth_deg, dtype=float))
    plon, plat = forward_lonlat(lon[arc], lat[arc], az[arc], s - cum[arc])
    plon, plat = np.asarray(plon, dtype=float), np.asarray(plat, dtype=float)
    plon[-1], plat[-1] = lon[-1], lat[-1]                # the last vertex exactly, not a rounding error off it
    return s, plon, plat, arc, cum


def _slopes(stack: DemStack, which: np.ndarray, res_m: np.ndarray, p: np.ndarray, t: np.ndarray,
            m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(along, across) slopes in degrees: central differences over ``res_m`` on each sample's own DEM."""
    d = (res_m / MOON_RADIUS_M)[:, None]
    cos_d, sin_d = np.cos(d), np.sin(d)
    ahead, behind = cos_d * p + sin_d * t, cos_d * p - sin_d * t
    left, right = cos_d * p + sin_d * m, cos_d * p - sin_d * m
    lon, lat = _lonlat(np.stack([ahead, behind, left, right]))
    z = np.full(lon.shape, np.nan)
    for i in range(len(stack.paths)):
        sel = which == i
        if sel.any():
            z[:, sel] = stack.sample(i, lon[:, sel].ravel(), lat[:, sel].ravel()).reshape(4, -1)
    gap = np.isnan(z) & (which >= 0)[None, :]
    if gap.any():          # an offset point beyond the edge of the sample's DEM: the next DEM that has data there
        z[gap] = stack.finest(lon[gap], lat[gap])[0]
    with np.errstate(invalid="ignore"):
        along = np.degrees(np.arctan((z[0] - z[1]) / (2.0 * res_m)))
        across = np.degrees(np.arctan((z[3] - z[2]) / (2.0 * res_m)))
    return along, across


def _runs(key: np.ndarray, keep: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) sample index of each run of equal ``key`` where ``keep`` is true."""
    n = key.size
    change = np.ones(n, dtype=bool)
    change[1:] = (key[1:] != key[:-1]) | (keep[1:] != keep[:-1])
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:] - 1, n - 1)
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if keep[a]]


def _edges(s: np.ndarray, first: int, last: int) -> tuple[float, float]:
    start = float(s[0]) if first == 0 else 0.5 * float(s[first - 1] + s[first])
    end = float(s[-1]) if last == s.size - 1 else 0.5 * float(s[last] + s[last + 1])
    return start, end


def _psr(lon: np.ndarray, lat: np.ndarray, data_dir: str | Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(in_psr 1/0/NaN, PSR id text, resolution m, product) at each sample."""
    from .psr_official import load_official, official_index_and_cover

    got = sample_psr(lon, lat, data_dir)
    values = np.asarray(got.values, dtype=float)
    res = np.broadcast_to(np.asarray(got.resolution_m, dtype=float), values.shape).copy()
    ids = np.full(values.shape, "", dtype=object)
    official = load_official(data_dir)
    idx = official_index_and_cover(lon, lat, official)[0] if official is not None else np.full(lon.shape, -1)
    if official is not None:
        ids[idx >= 0] = official.psr_ids[idx[idx >= 0]]
    grid_only = np.flatnonzero((values == 1.0) & (idx < 0))
    if grid_only.size:
        outline_ids = _data_dir(data_dir) / "prepared" / PREPARED["psr_ids"]
        if outline_ids.exists():
            n = sample_raster(outline_ids, lon[grid_only], lat[grid_only], method="nearest").values
            ids[grid_only] = [f"psr_60m outline {int(v)}" if np.isfinite(v) and v > 0 else "psr_60m" for v in n]
        else:
            ids[grid_only] = "psr_60m"
    return values, ids, res, got.product


_FEATURES: dict[int, tuple[Any, np.ndarray, np.ndarray, np.ndarray, list[str]]] = {}


def _place_names(lon: np.ndarray, lat: np.ndarray, data_dir: str | Path | None) -> list[str]:
    """The smallest IAU feature whose circle (diameter / 2, geodesic) holds each point; "" where none or no gazetteer."""
    from .errors import DataMissingError
    from .gazetteer import load_gazetteer

    try:
        places = load_gazetteer(data_dir)
    except DataMissingError:
        return [""] * len(lon)
    cached = _FEATURES.get(id(places))
    if cached is None or cached[0] is not places:
        keep = [q for q in places if q.lat_deg < -30.0 and np.isfinite(q.diameter_km) and q.diameter_km > 0]
        cached = (places, np.array([q.lon_deg for q in keep]), np.array([q.lat_deg for q in keep]),
                  np.array([q.diameter_km * 500.0 for q in keep]), [q.name for q in keep])
        _FEATURES.clear()
        _FEATURES[id(places)] = cached
    _, flon, flat, radius_m, names = cached
    out = []
    for a, b in zip(lon, lat, strict=True):
        inside = np.flatnonzero(np.asarray(distance_m(a, b, flon, flat)) <= radius_m)
        out.append(names[int(inside[np.argmin(radius_m[inside])])] if inside.size else "")
    return out


def _band_places(bands: list[PsrBand], s: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                 data_dir: str | Path | None) -> tuple[PsrBand, ...]:
    from .geodesy import centroid_lonlat
    from .psr_official import load_official

    official = load_official(data_dir)
    index = {str(v): i for i, v in enumerate(official.psr_ids)} if official is not None else {}
    where = []
    for b in bands:
        if official is not None and b.psr_id in index:
            where.append(centroid_lonlat(official.geoms[index[b.psr_id]]))
        else:
            i = int(np.argmin(np.abs(s - 0.5 * (b.start_m + b.end_m))))
            where.append((float(lon[i]), float(lat[i])))
    names = _place_names(np.array([w[0] for w in where]), np.array([w[1] for w in where]), data_dir) if where else []
    return tuple(PsrBand(b.start_m, b.end_m, b.psr_id, b.resolution_m, n) for b, n in zip(bands, names, strict=True))


def elevation_profile(vertices: Any, crs: str = LONLAT_CODE, *, samples: int | None = None,
                      spacing_m: float | None = None, data_dir: str | Path | None = None,
                      dem_paths: list[str | Path] | None = None, with_psr: bool = True) -> Profile:
    """The elevation profile along the great-circle path through two or more vertices (see the module docstring).

    ``samples`` (default :data:`DEFAULT_SAMPLES`, 2..:data:`MAX_SAMPLES`) or ``spacing_m`` (metres) sets the
    sampling. ``dem_paths`` (finest first) replaces the DEMs (the data folder's and the full-resolution ones);
    ``with_psr=False`` leaves PSR out (``in_psr`` NaN, no bands). Bad vertices raise :class:`GeometryError` saying
    which and why.
    """
    vlon, vlat, vx, vy = parse_points(vertices, crs, "profile")
    s, lon, lat, arc, cum = path_samples(vlon, vlat, samples, spacing_m)
    if dem_paths is not None and not dem_paths:
        raise GeometryError("profile: dem_paths is empty; give one or more elevation rasters, finest first.")
    stack = dem_stack(lat, data_dir, dem_paths)
    elevation, which = stack.finest(lon, lat)
    res_m = np.array([stack.resolution_m(int(i)) for i in which])
    product = np.array([stack.names[i] if i >= 0 else "" for i in which], dtype=object)
    # Tangent (direction of travel) and left normal of each sample's arc, as unit vectors.
    p = _unit(lon, lat)
    ends = _unit(vlon, vlat)
    normal = np.cross(ends[:-1], ends[1:])
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    m = normal[arc]
    t = np.cross(m, p)
    along, across = _slopes(stack, which, res_m, p, t, m)
    if with_psr:
        in_psr, psr_id, psr_res, psr_product = _psr(lon, lat, data_dir)
    else:
        in_psr, psr_id = np.full(s.shape, np.nan), np.full(s.shape, "", dtype=object)
        psr_res, psr_product = np.full(s.shape, np.nan), ""
    psr_bands = _band_places([PsrBand(*_edges(s, a, b), str(psr_id[a]), float(np.nanmax(psr_res[a:b + 1])))
                              for a, b in _runs(psr_id, in_psr == 1.0)], s, lon, lat, data_dir)
    res_key = np.array([f"{q}|{r!r}" for q, r in zip(product, res_m, strict=True)], dtype=object)
    res_bands = tuple(ResolutionBand(*_edges(s, a, b), str(product[a]), float(res_m[a]))
                      for a, b in _runs(res_key, which >= 0))
    x, y = (np.asarray(v, dtype=float) for v in lonlat_to_polar(lon, lat))
    logger.debug("profile: %d samples over %.1f m, %d PSR bands", s.size, cum[-1], len(psr_bands))
    return Profile(vlon, vlat, vx, vy, cum, s, lon, lat, x, y, elevation, product, res_m, along, across, in_psr,
                   psr_id, psr_res, psr_product, psr_bands, res_bands, stack.problems)


#: The warm-up's line: 30 km through the pole (its PSRs, so the outlines' index and the places are read too).
_WARM_LINE = ((0.0, -89.5), (180.0, -89.5))


def warm_up(data_dir: str | Path | None = None) -> float:
    """Read into memory what the first profile of a process would read, so that one answers at the speed of the next.

    That is: every elevation product of the data folder (:func:`lunarmap.product_sampling.elevation_sources`, whole, as
    :func:`lunarmap.rasters.sample_raster` keeps them), the PSR maps and the 60 m PSRs' outline numbers, the
    official PSR outlines and their index,
    the gazetteer's features and the coordinate transformers; by profiling a 30 km line through the pole at 16
    samples (which also checks the full-resolution DEMs pointed at: a URL's server is asked once, here). About
    0.2 s on the bench machine (bench/bench_profile.py); meant for a background thread at the start of a page.
    Returns the seconds it took. Missing data is not an error here (the profile itself will say what is
    missing and how to get it): it is logged and the warm-up stops.
    """
    t0 = time.perf_counter()
    try:
        outline_ids = _data_dir(data_dir) / "prepared" / PREPARED["psr_ids"]
        for path in [*elevation_sources(data_dir), *([outline_ids] if outline_ids.exists() else [])]:
            sample_raster(path, np.array([0.0]), np.array([-90.0]), method="nearest")
        prof = elevation_profile(_WARM_LINE, samples=16, data_dir=data_dir)
        _place_names(prof.lon_deg[:1], prof.lat_deg[:1], data_dir)
    except LunarmapError as err:
        logger.info("profile warm-up stopped: %s", err)
    took = time.perf_counter() - t0
    logger.info("profile warm-up: %.0f ms", took * 1000.0)
    return took


@dataclass(frozen=True, eq=False)
class SunlitAlong:
    """Sunlit and Earth-visible fractions (0..1) at points along a profile over a visibility window.

    Arrays per point: its distance along the path (m), lon/lat (deg), map x/y (m) and the fractions; the
    window (UTC) and how it was computed (:func:`lunarmap.visibility.points_visibility`).
    """

    distance_m: np.ndarray
    lon_deg: np.ndarray
    lat_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    sunlit_fraction: np.ndarray
    earth_fraction: np.ndarray
    start_utc: np.datetime64
    end_utc: np.datetime64
    step_hours: float
    method: str


#: Most points one on-demand sunlit computation takes (each needs a terrain horizon: about a second or so each).
MAX_SUNLIT_POINTS = 200


def profile_sunlit(profile: Profile, start: Any, *, days: float | None = None, end: Any = None,
                   step_hours: float = 2.0, points: int = 20, mast_m: float = 2.0, data_dir: str | Path | None = None,
                   workers: int | None = None, progress: Any = None, sampler: Any = None) -> SunlitAlong:
    """Sunlit % at ``points`` samples spread evenly along the profile (both ends included), on demand.

    The window and terrain options are those of :func:`lunarmap.visibility.points_visibility`, which does the
    work; ``progress(done, total)`` is called as each point's horizon is ready. Slow (a terrain horizon per
    point): call it when the user asks, never on every page run.
    """
    from .visibility import points_visibility

    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 2 <= points <= MAX_SUNLIT_POINTS:
        raise GeometryError(f"profile sunlit: points must be a whole number from 2 to {MAX_SUNLIT_POINTS} "
                            f"(got {points!r}); fewer points answer sooner.")
    idx = np.unique(np.round(np.linspace(0, profile.n - 1, min(int(points), profile.n))).astype(np.int64))
    mid = int(idx[idx.size // 2])
    vis = points_visibility(profile.lon_deg[idx], profile.lat_deg[idx], start, days=days, end=end,
                            step_hours=step_hours, spacing_km=profile.total_m / max(idx.size - 1, 1) / 1000.0,
                            mast_m=mast_m, sampler=sampler, data_dir=data_dir, workers=workers, progress=progress,
                            centre_lonlat=(float(profile.lon_deg[mid]), float(profile.lat_deg[mid])))
    return SunlitAlong(profile.distance_m[idx], profile.lon_deg[idx], profile.lat_deg[idx], profile.x_m[idx],
                       profile.y_m[idx], vis.sunlit_fraction, vis.earth_fraction, vis.start_utc, vis.end_utc,
                       vis.step_hours, vis.method)
