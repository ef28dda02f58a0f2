"""Sun and Earth visibility at a site, and sunlit fractions over a region.

Size: about 440 lines: site visibility and the engine of region grids (``points_visibility``, used by the
sunlit-% layer and :mod:`lunarmap.region_stats`); the region grid part is the seam to move out next.

The Sun and Earth come from :mod:`lunarmap.ephemeris` (topocentric, for the
sensor's height), the skyline from :mod:`lunarmap.horizon`. Times are sampled at
``start + k * step`` for every step that fits in the window; each sample stands
for one step, so fractions are sample counts over the total and run lengths are
samples x step (a run that touches the window's edge may continue outside it).

Sun states: *fully above* when the disc's lower limb clears the skyline across
the disc's width, *partly above* when only its upper limb does, *below*
otherwise ("dark" means below). The Sun's angular radius (about 0.26-0.27 deg)
is computed at each time. Earth counts as *visible* when its centre is above
the skyline (Earth's own radius, about 0.95 deg, is not added).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .compute import executor
from .crs import LONLAT_CODE, MOON_RADIUS_M, lonlat_to_polar, transformer
from .ephemeris import EPHEMERIS_END, EPHEMERIS_START, MoonFrameVectors, moon_frame_vectors, sky_track
from .errors import GeometryError, TimeWindowError
from .geodesy import centroid_lonlat, distance_m, validate_lonlat
from .horizon import (
    Horizon,
    default_sampler,
    horizon_max_distance_m,
    horizon_profiles,
    local_relief_range_m,
    smooth_horizon,
)

__all__ = [
    "SUN_BELOW",
    "SUN_PARTLY",
    "SUN_FULLY",
    "VisibilitySeries",
    "SiteVisibility",
    "RegionVisibility",
    "points_visibility",
    "time_window",
    "longest_run",
    "site_visibility",
    "region_visibility",
    "region_grid_projection",
]

SUN_BELOW, SUN_PARTLY, SUN_FULLY = 0, 1, 2
_MAX_SAMPLES = 2_000_000


@dataclass(frozen=True, eq=False)
class VisibilitySeries:
    """Per-time values at one site: Sun and Earth positions, the skyline under them, and the states."""

    times_utc: np.ndarray
    sun_az_deg: np.ndarray
    sun_el_deg: np.ndarray
    sun_radius_deg: np.ndarray
    horizon_at_sun_deg: np.ndarray
    sun_state: np.ndarray
    earth_az_deg: np.ndarray
    earth_el_deg: np.ndarray
    horizon_at_earth_deg: np.ndarray
    earth_visible: np.ndarray


@dataclass(frozen=True, eq=False)
class SiteVisibility:
    """Summary of Sun and Earth visibility at one site over a time window (fractions 0..1, runs in hours)."""

    lon_deg: float
    lat_deg: float
    start_utc: np.datetime64
    end_utc: np.datetime64
    step_hours: float
    n_samples: int
    sun_full_fraction: float
    sun_partial_fraction: float
    sun_below_fraction: float
    earth_fraction: float
    longest_dark_h: float
    longest_no_earth_h: float
    horizon: Horizon
    series: VisibilitySeries

    @property
    def sunlit_fraction(self) -> float:
        """Fraction of time some of the Sun's disc is above the skyline (fully or partly)."""
        return self.sun_full_fraction + self.sun_partial_fraction

    @property
    def needs_relay(self) -> bool:
        """True when Earth never rises above the skyline in the window (direct-to-Earth links impossible)."""
        return self.earth_fraction == 0.0


@dataclass(frozen=True, eq=False)
class RegionVisibility:
    """Sunlit and Earth-visible fractions on a grid of points inside a region (arrays, one value per point)."""

    lon_deg: np.ndarray
    lat_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    spacing_km: float
    sunlit_fraction: np.ndarray
    sun_full_fraction: np.ndarray
    earth_fraction: np.ndarray
    longest_dark_h: np.ndarray
    start_utc: np.datetime64
    end_utc: np.datetime64
    step_hours: float
    method: str

    @property
    def n_points(self) -> int:
        """Number of grid points inside the region."""
        return int(self.lon_deg.size)


def _parse_time(value: Any, name: str) -> np.datetime64:
    try:
        t = np.datetime64(value, "s") if not isinstance(value, np.datetime64) else value.astype("datetime64[s]")
    except (TypeError, ValueError):
        t = np.datetime64("NaT")
    if np.isnat(t):
        raise TimeWindowError(f"{name} {value!r} is not a date; give YYYY-MM-DD (e.g. 2025-01-01) or YYYY-MM-DDTHH:MM.")
    return t


def time_window(start: Any, *, days: float | None = None, end: Any = None, step_hours: float = 1.0) -> np.ndarray:
    """UTC sample times ``start + k * step`` for every step that fits in the window (``datetime64[s]``).

    Give exactly one of ``days`` (window length) and ``end``.

    >>> time_window("2025-01-01", days=1, step_hours=6).astype(str).tolist()
    ['2025-01-01T00:00:00', '2025-01-01T06:00:00', '2025-01-01T12:00:00', '2025-01-01T18:00:00']
    """
    t0 = _parse_time(start, "start")
    if (days is None) == (end is None):
        raise TimeWindowError("give exactly one of days (window length) and end (end date); "
                              f"got days={days!r}, end={end!r}.")
    if end is not None:
        t1 = _parse_time(end, "end")
        if t1 <= t0:
            raise TimeWindowError(f"end {t1} is not after start {t0}; give an end date later than the start.")
    else:
        assert days is not None   # exactly one of days and end, checked above
        try:
            d = float(days)
        except (TypeError, ValueError):
            d = float("nan")
        if not np.isfinite(d) or d <= 0 or d > 36_525:
            raise TimeWindowError(f"days must be a number of days greater than 0 and at most 36525 (got {days!r}).")
        t1 = t0 + np.timedelta64(int(round(d * 86_400)), "s")
    span_h = (t1 - t0).astype(np.int64) / 3600.0
    try:
        step = float(step_hours)
    except (TypeError, ValueError):
        step = float("nan")
    if not np.isfinite(step) or step * 3600.0 < 1.0 or step > span_h:
        raise TimeWindowError(
            f"step_hours must be at least 1 second (0.0003 h) and at most the window length ({span_h:g} h); "
            f"got {step_hours!r}. Choose a smaller step or a longer window."
        )
    n = int(np.floor(span_h / step + 1e-9))
    if n > _MAX_SAMPLES:
        raise TimeWindowError(
            f"{n:,} time steps is more than the {_MAX_SAMPLES:,} allowed; use a larger step_hours or a shorter window."
        )
    if t0 < EPHEMERIS_START or t1 > EPHEMERIS_END:
        raise TimeWindowError(
            f"window {t0} to {t1} runs outside the ephemeris coverage {EPHEMERIS_START.astype('datetime64[D]')} to "
            f"{EPHEMERIS_END.astype('datetime64[D]')} UTC; choose a window inside it."
        )
    offsets = np.round(np.arange(n) * step * 3600.0).astype(np.int64).astype("timedelta64[s]")
    return t0 + offsets


def longest_run(flags: Any) -> int:
    """Length of the longest run of True values.

    >>> longest_run([True, False, True, True, True, False])
    3
    """
    f = np.concatenate([[False], np.asarray(flags, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(f.astype(np.int8)))
    if edges.size == 0:
        return 0
    return int(np.max(edges[1::2] - edges[0::2]))


def _disc_horizon(horizon: Horizon, az: np.ndarray, el: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, ...]:
    """Skyline at the centre azimuth, and its max/min across the disc's azimuth width."""
    half = np.degrees(np.arcsin(np.clip(np.sin(np.radians(radius)) / np.maximum(np.cos(np.radians(el)), 1e-9), 0, 1)))
    h = np.stack([horizon.elevation_at(az - half), horizon.elevation_at(az), horizon.elevation_at(az + half)])
    return h[1], np.nanmax(h, axis=0), np.nanmin(h, axis=0)


def _evaluate(horizon: Horizon, vectors: MoonFrameVectors, step_hours: float) -> SiteVisibility:
    track = sky_track(horizon.lon_deg, horizon.lat_deg, vectors, height_m=horizon.sensor_height_m)
    h_sun, h_hi, h_lo = _disc_horizon(horizon, track.sun_az_deg, track.sun_el_deg, track.sun_radius_deg)
    r = track.sun_radius_deg
    full = track.sun_el_deg - r > h_hi
    partly = ~full & (track.sun_el_deg + r > h_lo)
    state = np.where(full, SUN_FULLY, np.where(partly, SUN_PARTLY, SUN_BELOW)).astype(np.int8)
    h_earth = horizon.elevation_at(track.earth_az_deg)
    earth = track.earth_el_deg > h_earth
    n = state.size
    series = VisibilitySeries(
        times_utc=vectors.times_utc, sun_az_deg=track.sun_az_deg, sun_el_deg=track.sun_el_deg, sun_radius_deg=r,
        horizon_at_sun_deg=h_sun, sun_state=state, earth_az_deg=track.earth_az_deg, earth_el_deg=track.earth_el_deg,
        horizon_at_earth_deg=h_earth, earth_visible=earth,
    )
    step_td = np.timedelta64(int(round(step_hours * 3600.0)), "s")
    return SiteVisibility(
        lon_deg=horizon.lon_deg, lat_deg=horizon.lat_deg, start_utc=vectors.times_utc[0],
        end_utc=vectors.times_utc[-1] + step_td, step_hours=float(step_hours), n_samples=n,
        sun_full_fraction=float(np.count_nonzero(full) / n), sun_partial_fraction=float(np.count_nonzero(partly) / n),
        sun_below_fraction=float(np.count_nonzero(state == SUN_BELOW) / n), earth_fraction=float(np.count_nonzero(earth) / n),
        longest_dark_h=longest_run(state == SUN_BELOW) * float(step_hours),
        longest_no_earth_h=longest_run(~earth) * float(step_hours), horizon=horizon, series=series,
    )


def site_visibility(
    lon_deg: float,
    lat_deg: float,
    start: Any,
    *,
    days: float | None = None,
    end: Any = None,
    step_hours: float = 1.0,
    mast_m: float = 2.0,
    terrain: bool = True,
    horizon: Horizon | None = None,
    sampler: Any = None,
    data_dir: Any = None,
    vectors: MoonFrameVectors | None = None,
) -> SiteVisibility:
    """Sun and Earth visibility at one site over a window.

    The skyline is ``horizon`` if given, else the terrain horizon for a sensor
    ``mast_m`` above the ground (``terrain=True``, elevation from ``sampler`` or
    the data in ``data_dir``), else a smooth sphere (``terrain=False``).
    ``vectors`` (from :func:`lunarmap.ephemeris.moon_frame_vectors`) may be
    shared between sites with the same window.
    """
    validate_lonlat(lon_deg, lat_deg, "site")
    times = time_window(start, days=days, end=end, step_hours=step_hours)
    if horizon is None:
        if terrain:
            horizon = horizon_profiles([lon_deg], [lat_deg], mast_m, sampler=sampler, data_dir=data_dir)[0]
        else:
            horizon = smooth_horizon(lon_deg, lat_deg, mast_m)
    if vectors is None or vectors.times_utc.shape != times.shape or np.any(vectors.times_utc != times):
        vectors = moon_frame_vectors(times)
    return _evaluate(horizon, vectors, step_hours)


def region_grid_projection(geom_polar: BaseGeometry) -> str:
    """PROJ string of the plane the region grid is laid out in: azimuthal equidistant about the region's centroid.

    Grid nodes are at whole multiples of the spacing in this plane's metres.
    """
    clon, clat = centroid_lonlat(geom_polar)
    return f"+proj=aeqd +lat_0={clat} +lon_0={clon} +R={MOON_RADIUS_M:.0f} +units=m +no_defs"


def _grid_in(geom_polar: BaseGeometry, spacing_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of grid points inside a region, on a square grid with true ground spacing at the region's centre.

    The grid is laid out in an azimuthal equidistant projection centred on the
    region's centroid, so spacing is true on the ground near the centre.
    """
    if geom_polar is None or geom_polar.is_empty or geom_polar.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeometryError("region must be a non-empty Polygon or MultiPolygon in IAU_2015:30135 metres.")
    if not np.isfinite(spacing_km) or spacing_km <= 0:
        raise GeometryError(f"spacing_km must be a positive number of kilometres (got {spacing_km!r}).")
    aeqd = region_grid_projection(geom_polar)
    to_aeqd = transformer("IAU_2015:30135", aeqd)
    ring = shapely.get_coordinates(shapely.segmentize(geom_polar, 1_000.0))
    ax, ay = to_aeqd.transform(ring[:, 0], ring[:, 1])
    step = spacing_km * 1000.0
    xs = np.arange(np.floor(ax.min() / step), np.ceil(ax.max() / step) + 1) * step
    ys = np.arange(np.floor(ay.min() / step), np.ceil(ay.max() / step) + 1) * step
    if xs.size * ys.size > 4_000_000:
        raise GeometryError(f"{xs.size * ys.size:,} grid points is too many; use a larger spacing_km (got {spacing_km!r}).")
    X, Y = np.meshgrid(xs, ys)
    lon, lat = transformer(aeqd, LONLAT_CODE).transform(X.ravel(), Y.ravel())
    px, py = lonlat_to_polar(lon, lat)
    inside = shapely.contains_xy(geom_polar, px, py)
    if not np.any(inside):
        raise GeometryError(f"no grid point at {spacing_km} km spacing falls inside the region; use a smaller spacing_km.")
    return np.asarray(lon)[inside], np.asarray(lat)[inside]


def _horizon_batch(kwargs: dict) -> list[Horizon]:
    return horizon_profiles(**kwargs)


def _region_horizons(lon: np.ndarray, lat: np.ndarray, kwargs: dict, workers: int,
                     progress: Callable[[int, int], None] | None) -> list[Horizon]:
    """Horizons of all grid points, on Dask workers (:mod:`lunarmap.compute`: a local cluster of ``workers``
    processes, or the scheduler in ``LUNARMAP_DASK_SCHEDULER``) when the grid is large and the sampler can be sent."""
    n = lon.size
    if workers > 1 and n >= 1_000:
        try:
            pickle.dumps(kwargs["sampler"])
        except Exception:  # noqa: BLE001 - an unpicklable sampler (a lambda) runs in this process
            workers = 1
    if workers <= 1 or n < 1_000:
        return horizon_profiles(lon, lat, **kwargs, progress=progress)
    caps = kwargs.pop("cap_deg")
    bounds = np.linspace(0, n, workers * 8 + 1).astype(int)
    jobs = [dict(kwargs, lon_deg=lon[a:b], lat_deg=lat[a:b], cap_deg=caps[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    done = 0
    with executor(workers) as pool:
        futures = {pool.submit(_horizon_batch, job): i for i, job in enumerate(jobs)}
        parts: list[list[Horizon]] = [[] for _ in jobs]
        try:
            for fut in as_completed(futures):
                parts[futures[fut]] = fut.result()
                done += len(parts[futures[fut]])
                if progress is not None:
                    progress(done, n)
        except BaseException:
            # stop at once (e.g. progress raised to cancel): drop the batches not started yet
            for fut in futures:
                fut.cancel()
            raise
    return [h for part in parts for h in part]


def region_visibility(
    geom_polar: BaseGeometry,
    start: Any,
    *,
    days: float | None = None,
    end: Any = None,
    step_hours: float = 2.0,
    spacing_km: float = 1.0,
    mast_m: float = 2.0,
    azimuth_step_deg: float = 2.0,
    sampler: Any = None,
    data_dir: Any = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegionVisibility:
    """Sunlit and Earth-visible fractions at grid points ``spacing_km`` apart inside a region (30135 metres).

    Each point gets its own terrain horizon (every ``azimuth_step_deg``). Two
    shortcuts leave the result unchanged: rays stop once the skyline is above
    the highest the Sun's upper limb or Earth's centre gets at that point in the
    window, and the relief bounding the ray length is taken from the elevation
    data within reach of the region (sampled every 2.5 km, widened by 500 m)
    instead of the whole Moon's. Large grids run in ``workers`` processes
    (default: the CPU count). ``progress(done, total)`` reports points finished
    (first ``(0, total)`` once the grid and the Sun/Earth caps are ready);
    an exception raised in it stops the computation (batches not started are
    dropped) and propagates.
    """
    lon, lat = _grid_in(geom_polar, spacing_km)
    return points_visibility(lon, lat, start, days=days, end=end, step_hours=step_hours, spacing_km=spacing_km,
                             mast_m=mast_m, azimuth_step_deg=azimuth_step_deg, sampler=sampler, data_dir=data_dir,
                             workers=workers, progress=progress, centre_lonlat=centroid_lonlat(geom_polar))


def points_visibility(
    lon_deg: Any,
    lat_deg: Any,
    start: Any,
    *,
    days: float | None = None,
    end: Any = None,
    step_hours: float = 2.0,
    spacing_km: float = float("nan"),
    mast_m: float = 2.0,
    azimuth_step_deg: float = 2.0,
    sampler: Any = None,
    data_dir: Any = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    centre_lonlat: tuple[float, float] | None = None,
) -> RegionVisibility:
    """Sunlit and Earth-visible fractions at any points (the engine of :func:`region_visibility`).

    ``spacing_km`` is recorded in the result (the grid spacing the points stand
    for); ``centre_lonlat`` is where the local relief is measured from (default:
    the first point). Everything else as :func:`region_visibility`.
    """
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=float))
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=float))
    if lon.size == 0 or lon.shape != lat.shape:
        raise GeometryError("give one or more points, as equal-length arrays of longitudes and latitudes in degrees.")
    validate_lonlat(lon, lat)
    times = time_window(start, days=days, end=end, step_hours=step_hours)
    vectors = moon_frame_vectors(times)
    # Per point, the highest the Sun's upper limb or Earth's centre gets: rays stop above it (result unchanged).
    cap = np.array([max(float(np.max(t.sun_el_deg + t.sun_radius_deg)), float(np.max(t.earth_el_deg)))
                    for t in (sky_track(float(a), float(b), vectors) for a, b in zip(lon, lat, strict=True))]) + 0.05
    clon, clat = centre_lonlat if centre_lonlat is not None else (float(lon[0]), float(lat[0]))
    reach = float(np.max(distance_m(clon, clat, lon, lat))) + horizon_max_distance_m(0.0)
    relief = local_relief_range_m(clon, clat, reach, sampler if sampler is not None else default_sampler(data_dir))
    # the default sampler is left to horizon_profiles (sampler None, data_dir): its horizons are remembered
    kwargs = dict(mast_m=mast_m, sampler=sampler, data_dir=data_dir, azimuth_step_deg=azimuth_step_deg,
                  relief_range_m=relief, cap_deg=cap)
    if progress is not None:
        progress(0, lon.size)
    horizons = _region_horizons(lon, lat, kwargs, workers if workers is not None else (os.cpu_count() or 1), progress)
    results = [_evaluate(h, vectors, step_hours) for h in horizons]
    px, py = lonlat_to_polar(lon, lat)
    step_td = np.timedelta64(int(round(float(step_hours) * 3600.0)), "s")
    return RegionVisibility(
        lon_deg=lon, lat_deg=lat, x_m=np.asarray(px), y_m=np.asarray(py), spacing_km=float(spacing_km),
        sunlit_fraction=np.array([r.sunlit_fraction for r in results]),
        sun_full_fraction=np.array([r.sun_full_fraction for r in results]),
        earth_fraction=np.array([r.earth_fraction for r in results]),
        longest_dark_h=np.array([r.longest_dark_h for r in results]),
        start_utc=times[0], end_utc=times[-1] + step_td, step_hours=float(step_hours),
        method=f"{horizons[0].method}; rays stop above the highest Sun upper limb / Earth centre at each point "
               f"+ 0.05 deg; data {horizons[0].data}",
    )
