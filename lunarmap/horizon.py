"""The terrain horizon around a site: how high the skyline stands in every direction.

Size: about 435 lines: the march and its geometry (how far, the bound that stops a ray, ray steps that follow
the data's resolution) belong together; the sampler plumbing (:func:`default_sampler`, :func:`_sample`,
:func:`_probe_resolution`, about 50 lines) is the seam to move out.

The memory of computed horizons is :mod:`lunarmap.horizon_cache`.

For each azimuth a ray is marched outward along the geodesic (points from
:func:`lunarmap.geodesy.forward_lonlat`), the terrain height is sampled at each point
and the elevation angle of that point is computed exactly on the sphere, seen
from the sensor (ground height at the site plus the mast height):

    e(s) = atan2((R + H) cos(s/R) - (R + h0), (R + H) sin(s/R))

with R the Moon radius, s the geodesic distance, H the point's height and h0
the sensor's height above the sphere. This includes the curvature: a point at
distance s on the sphere lies R (1 - cos(s/R)) ~ s^2 / 2R below the site's
tangent plane (0.29 km at 100 km). The horizon at that azimuth is the maximum
of e(s) along the ray.

How far to march. Terrain farther than a central angle
arccos(rho / r0) + arccos(rho / r1) from the sensor (r0 = R + h0,
r1 = R + H_max, rho = R + H_min) is hidden: the straight sight line to it dips
below the lowest terrain on the way, so the terrain under the line stands above
it and is itself seen higher. With the Moon's whole relief (LOLA: -9.13 km to
+10.78 km about the 1,737.4 km sphere, Smith et al. 2010, rounded outward to
-9.2 / +10.8 km) this is about 442 km for a sensor at the datum. A ray also
stops early once its horizon is above anything still possible farther out (a
peak of height H_max at the next distance).

Step along the ray: a fraction (``growth``, 2 %) of the distance, kept between
half the finest and half the coarsest resolution of the elevation data, so near
the site every fine pixel counts and far away every coarse one does.

The elevation sampler is any callable ``(lon_deg, lat_deg) -> heights_m``
(arrays), returning plain arrays or an object with ``values``, ``product`` and
``resolution_m`` (as :func:`lunarmap.product_sampling.sample_elevation_m` does, which is
the default: the finest product covering each point).

>>> h = smooth_horizon(0.0, -89.0, mast_m=2.0)
>>> round(float(h.elevation_deg[0]), 4)   # -arccos(R / (R + 2 m))
-0.0869
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .crs import MOON_RADIUS_M
from .errors import HorizonError, LunarmapError, OutsideRasterError
from .geodesy import forward_lonlat, validate_lonlat
from .horizon_cache import CACHE_MAX_SITES, HORIZONS, clear_horizon_cache, data_stamp

__all__ = [
    "MOON_RELIEF_M",
    "Horizon",
    "Sampler",
    "horizon_max_distance_m",
    "ray_distances_m",
    "horizon_profile",
    "horizon_profiles",
    "smooth_horizon",
    "default_sampler",
    "local_relief_range_m",
    "clear_horizon_cache",
]

#: Lowest and highest terrain on the Moon about the 1,737.4 km sphere (LOLA, Smith et al. 2010), rounded outward.
MOON_RELIEF_M: tuple[float, float] = (-9_200.0, 10_800.0)
Sampler = Callable[[np.ndarray, np.ndarray], Any]
_R = MOON_RADIUS_M
_CHUNK = 24            # distances per marching step (all active rays at once)
_MAX_SAMPLES = 600_000  # points per sampler call


@dataclass(frozen=True, eq=False)
class Horizon:
    """Terrain horizon of one site: elevation angle of the skyline at each azimuth (clockwise from north).

    ``distance_m`` is how far away the point that sets the horizon lies (NaN if
    no sample had data). ``capped_at_deg``: when set, rays stopped as soon as
    the horizon passed this angle, so values at or above it are lower bounds.
    """

    lon_deg: float
    lat_deg: float
    ground_m: float
    mast_m: float
    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    method: str
    data: str
    resolution_m: tuple[float, float]
    capped_at_deg: float | None = None

    @property
    def sensor_height_m(self) -> float:
        """Height of the sensor above the 1,737,400 m sphere (ground plus mast)."""
        return self.ground_m + self.mast_m

    def elevation_at(self, azimuth_deg: Any) -> np.ndarray:
        """Horizon elevation (degrees) at any azimuths, linear between the computed ones (periodic)."""
        az = np.mod(np.asarray(azimuth_deg, dtype=float), 360.0)
        return np.interp(az, self.azimuth_deg, self.elevation_deg, period=360.0)


def default_sampler(data_dir: Any = None) -> Sampler:
    """:func:`lunarmap.product_sampling.sample_elevation_m` bound to ``data_dir`` (finest elevation product per point)."""
    from .product_sampling import sample_elevation_m

    return partial(sample_elevation_m, data_dir=data_dir)


def _check_float(name: str, value: Any, lo: float, hi: float, allowed: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = float("nan")
    if not np.isfinite(v) or v < lo or v > hi:
        raise HorizonError(f"{name} must be {allowed} (got {value!r}).")
    return v


def _azimuths(step_deg: Any) -> np.ndarray:
    step = _check_float("azimuth_step_deg", step_deg, 1e-3, 10.0, "a number of degrees in (0, 10] that divides 360")
    n = 360.0 / step
    if abs(n - round(n)) > 1e-6:
        raise HorizonError(f"azimuth_step_deg must divide 360 evenly, e.g. 0.25, 0.5 or 1 (got {step_deg!r}).")
    return np.arange(int(round(n))) * step


def horizon_max_distance_m(sensor_height_m: float, relief_range_m: tuple[float, float] = MOON_RELIEF_M) -> float:
    """Distance beyond which no terrain within ``relief_range_m`` can set the horizon (see module notes).

    >>> round(horizon_max_distance_m(0.0) / 1000)
    442
    >>> round(horizon_max_distance_m(2.0, (0.0, 0.0)), 1)   # flat sphere: the tangent distance
    2636.2
    """
    lo, hi = float(min(relief_range_m[0], sensor_height_m)), float(relief_range_m[1])
    rho, r0, r1 = _R + lo, _R + sensor_height_m, _R + max(hi, lo)
    return float(_R * (np.arccos(min(1.0, rho / r0)) + np.arccos(min(1.0, rho / r1))))


def ray_distances_m(max_distance_m: float, min_step_m: float, max_step_m: float, growth: float = 0.02) -> np.ndarray:
    """Sample distances along a ray: steps of ``growth`` x distance, clamped to [min_step_m, max_step_m].

    >>> ray_distances_m(10.0, 2.0, 4.0).tolist()
    [2.0, 4.0, 6.0, 8.0, 10.0]
    """
    out, s = [], float(min_step_m)
    while s < max_distance_m:
        out.append(s)
        s += min(max(growth * s, min_step_m), max_step_m)
    out.append(float(max_distance_m))
    return np.asarray(out)


def _sample(sampler: Sampler, lon: np.ndarray, lat: np.ndarray, seen: dict) -> np.ndarray:
    got = sampler(lon, lat)
    if hasattr(got, "values"):
        products = seen.setdefault("products", [])
        for name in str(getattr(got, "product", "")).split(" + "):
            if name and name not in products:
                products.append(name)
        res = np.asarray(getattr(got, "resolution_m", np.nan), dtype=float)
        finite = res[np.isfinite(res)]
        if finite.size:
            seen["res"] = (min(seen.get("res", (np.inf, 0))[0], float(finite.min())),
                           max(seen.get("res", (np.inf, 0))[1], float(finite.max())))
        got = got.values
    values = np.asarray(got, dtype=float)
    if values.shape != lon.shape:
        raise HorizonError(
            f"the elevation sampler returned shape {values.shape} for {lon.shape} points; it must return one "
            "height in metres per (lon, lat) point."
        )
    return values


def local_relief_range_m(
    lon_deg: float, lat_deg: float, radius_m: float, sampler: Sampler, spacing_m: float = 2_500.0, margin_m: float = 500.0
) -> tuple[float, float]:
    """Lowest and highest terrain the sampler gives within ``radius_m`` of a point, widened by ``margin_m``.

    Sampled on rings ``spacing_m`` apart (points about ``spacing_m`` apart on each ring); the margin covers
    peaks between lattice points. A tighter relief range than :data:`MOON_RELIEF_M` shortens the rays.
    """
    rings = np.arange(0.0, radius_m + spacing_m, spacing_m)
    counts = np.maximum(1, np.ceil(2 * np.pi * rings / spacing_m).astype(int))
    dist = np.repeat(rings, counts)
    az = np.concatenate([np.arange(n) * 360.0 / n for n in counts])
    plon, plat = forward_lonlat(np.full(dist.size, float(lon_deg)), np.full(dist.size, float(lat_deg)), az, dist)
    heights = _sample(sampler, np.asarray(plon), np.asarray(plat), {})
    if not np.any(np.isfinite(heights)):
        return MOON_RELIEF_M
    return (max(MOON_RELIEF_M[0], float(np.nanmin(heights)) - margin_m), min(MOON_RELIEF_M[1], float(np.nanmax(heights)) + margin_m))


def _elevation_rad(theta: np.ndarray, height_m: np.ndarray, r0: np.ndarray) -> np.ndarray:
    r1 = _R + height_m
    return np.arctan2(r1 * np.cos(theta) - r0, r1 * np.sin(theta))


def _bound_rad(theta: np.ndarray, r0: np.ndarray, h_max: float) -> np.ndarray:
    """Highest elevation angle any terrain at or below ``h_max`` can have at central angle >= theta."""
    r1 = _R + h_max
    e = _elevation_rad(theta, np.full_like(theta, h_max), r0)
    tangent = np.arccos(np.minimum(1.0, r1 / r0))
    low_peak = (r1 <= r0) & (theta < tangent)
    return np.where(low_peak, -tangent, e)


def horizon_profiles(
    lon_deg: Any,
    lat_deg: Any,
    mast_m: float = 0.0,
    *,
    sampler: Sampler | None = None,
    data_dir: Any = None,
    azimuth_step_deg: float = 0.5,
    relief_range_m: tuple[float, float] = MOON_RELIEF_M,
    resolution_m: tuple[float, float] | None = None,
    growth: float = 0.02,
    cap_deg: float | np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_rays: int = 40_000,
) -> list[Horizon]:
    """Terrain horizons of many sites at once (see :func:`horizon_profile`); one :class:`Horizon` per site.

    ``cap_deg`` (one value, or one per site) stops each ray once its horizon exceeds that angle (useful when
    only "is the Sun, never higher than X, hidden?" matters); ``progress(done,
    total)`` is called with the number of sites finished.

    With the default sampler (``sampler=None``) and at most 16 sites, results are remembered in this process,
    keyed by every input that changes them: the sites, mast, azimuth step, relief range, resolution, growth,
    cap, and each elevation file read (resolved path, modification time and size). A later call with the same
    inputs returns copies of the same horizons, so pages and tests that ask again do not march the rays
    again; :func:`clear_horizon_cache` forgets them.
    """
    key = None
    if sampler is None and np.size(lon_deg) <= CACHE_MAX_SITES:
        try:
            key = (
                np.asarray(lon_deg, dtype=float).tobytes(), np.asarray(lat_deg, dtype=float).tobytes(),
                float(mast_m), float(azimuth_step_deg), tuple(float(v) for v in relief_range_m),
                None if resolution_m is None else tuple(float(v) for v in resolution_m), float(growth),
                None if cap_deg is None else np.asarray(cap_deg, dtype=float).tobytes(), data_stamp(data_dir),
            )
        except (LunarmapError, TypeError, ValueError, OSError):
            key = None   # bad input or missing data: the uncached path raises the usual error
    if key is not None:
        hit = HORIZONS.get(key)
        if hit is not None:
            if progress is not None:
                progress(len(hit), len(hit))
            return hit
    out = _horizon_profiles(lon_deg, lat_deg, mast_m, sampler=sampler, data_dir=data_dir,
                            azimuth_step_deg=azimuth_step_deg, relief_range_m=relief_range_m,
                            resolution_m=resolution_m, growth=growth, cap_deg=cap_deg, progress=progress,
                            batch_rays=batch_rays)
    if key is not None:
        HORIZONS.put(key, out)
    return out


def _horizon_profiles(
    lon_deg: Any,
    lat_deg: Any,
    mast_m: float,
    *,
    sampler: Sampler | None,
    data_dir: Any,
    azimuth_step_deg: float,
    relief_range_m: tuple[float, float],
    resolution_m: tuple[float, float] | None,
    growth: float,
    cap_deg: float | np.ndarray | None,
    progress: Callable[[int, int], None] | None,
    batch_rays: int,
) -> list[Horizon]:
    lon = np.atleast_1d(np.asarray(lon_deg, dtype=float)).ravel()
    lat = np.atleast_1d(np.asarray(lat_deg, dtype=float)).ravel()
    if lon.shape != lat.shape:
        raise HorizonError(f"lon_deg and lat_deg must have the same length (got {lon.size} and {lat.size}).")
    validate_lonlat(lon, lat, "horizon site")
    mast = _check_float("mast_m", mast_m, 0.0, 10_000.0, "a height in metres between 0 and 10,000")
    growth = _check_float("growth", growth, 1e-4, 0.5, "a fraction of the distance between 0.0001 and 0.5")
    az = _azimuths(azimuth_step_deg)
    lo_rel, hi_rel = (float(v) for v in relief_range_m)
    if not (np.isfinite(lo_rel) and np.isfinite(hi_rel) and lo_rel <= hi_rel):
        raise HorizonError(f"relief_range_m must be (lowest_m, highest_m) with lowest <= highest (got {relief_range_m!r}).")
    if sampler is None:
        sampler = default_sampler(data_dir)
        described = "lunarmap.product_sampling.sample_elevation_m (finest product per point)"
    else:
        described = getattr(sampler, "__name__", type(sampler).__name__)
    seen: dict = {}
    ground = _sample(sampler, lon, lat, seen)
    if np.any(~np.isfinite(ground)):
        i = int(np.flatnonzero(~np.isfinite(ground))[0])
        raise OutsideRasterError(
            f"no elevation data at site (lon {float(lon[i])!r}, lat {float(lat[i])!r}); the horizon needs the ground height there. "
            "Fetch an elevation product that covers the site (python -m lunarmap fetch)."
        )
    h0 = ground + mast
    s_max = np.array([horizon_max_distance_m(h, (min(lo_rel, g), max(hi_rel, g))) for h, g in zip(h0, ground, strict=True)])
    if resolution_m is None:
        resolution_m = _probe_resolution(sampler, lon, lat, float(s_max.max()), seen)
    fine, coarse = (float(v) for v in resolution_m)
    if not (np.isfinite(fine) and np.isfinite(coarse) and 0 < fine <= coarse):
        raise HorizonError(f"resolution_m must be (finest_m, coarsest_m) with 0 < finest <= coarsest (got {resolution_m!r}).")
    dists = ray_distances_m(float(s_max.max()), max(0.5, fine / 2.0), max(0.5, coarse / 2.0), growth)
    cap_rad = np.broadcast_to(np.radians(np.asarray(cap_deg, dtype=float)) if cap_deg is not None else np.inf,
                              lon.shape)

    n_az = az.size
    best = np.full((lon.size, n_az), -np.pi / 2)
    best_s = np.full((lon.size, n_az), np.nan)
    sites_per_batch = max(1, batch_rays // n_az)
    for b0 in range(0, lon.size, sites_per_batch):
        sl = slice(b0, min(lon.size, b0 + sites_per_batch))
        _march(sampler, lon[sl], lat[sl], _R + h0[sl], s_max[sl], az, dists, hi_rel, cap_rad[sl],
               best[sl], best_s[sl], seen)
        if progress is not None:
            progress(sl.stop, lon.size)

    products = " + ".join(seen.get("products", [])) or described
    res = seen.get("res", (fine, coarse))
    method = (
        f"ray marching on the {_R:,.0f} m sphere along geodesics every {360.0 / n_az:g} deg of azimuth, "
        f"steps {growth:.0%} of distance within [{max(0.5, fine / 2):g}, {max(0.5, coarse / 2):g}] m, "
        f"out to {s_max.max() / 1000:,.1f} km (relief {lo_rel:+,.0f}..{hi_rel:+,.0f} m)"
    )
    out = []
    for i in range(lon.size):
        el = np.degrees(best[i])
        el[np.isnan(best_s[i])] = np.nan
        out.append(Horizon(
            lon_deg=float(lon[i]), lat_deg=float(lat[i]), ground_m=float(ground[i]), mast_m=mast,
            azimuth_deg=az.copy(), elevation_deg=el, distance_m=best_s[i].copy(), max_distance_m=float(s_max[i]),
            method=method, data=products, resolution_m=(float(res[0]), float(res[1])),
            capped_at_deg=None if cap_deg is None else float(np.degrees(cap_rad[i])),
        ))
    return out


def _probe_resolution(sampler: Sampler, lon: np.ndarray, lat: np.ndarray, s_max: float, seen: dict) -> tuple[float, float]:
    """Finest and coarsest data resolution seen at the sites and on a ring of probes out to ``s_max``."""
    probe: dict = {}
    ring_s = np.array([0.0, 1_000.0, 10_000.0, s_max])
    ring_az = np.arange(0.0, 360.0, 45.0)
    S, A = np.meshgrid(ring_s, ring_az)
    plon, plat = forward_lonlat(np.full(S.size, lon[0]), np.full(S.size, lat[0]), A.ravel(), S.ravel())
    _sample(sampler, np.concatenate([lon, plon]), np.concatenate([lat, plat]), probe)
    if "res" not in probe:
        return (20.0, 2_000.0)  # plain-array samplers: assume fine near, 2 km far
    return probe["res"]


def _march(sampler: Sampler, lon: np.ndarray, lat: np.ndarray, r0: np.ndarray, s_max: np.ndarray, az: np.ndarray,
           dists: np.ndarray, h_max: float, cap_rad: np.ndarray, best: np.ndarray, best_s: np.ndarray, seen: dict) -> None:
    n_site, n_az = best.shape
    site_idx = np.repeat(np.arange(n_site), n_az)
    az_all = np.tile(az, n_site)
    active = np.ones(site_idx.size, dtype=bool)
    flat_best = best.reshape(-1)
    flat_s = best_s.reshape(-1)
    for c0 in range(0, dists.size, _CHUNK):
        rays = np.flatnonzero(active)
        if rays.size == 0:
            break
        d = dists[c0:c0 + _CHUNK]
        si = site_idx[rays]
        S = np.broadcast_to(d, (rays.size, d.size))
        plon, plat = forward_lonlat(np.repeat(lon[si], d.size), np.repeat(lat[si], d.size),
                                np.repeat(az_all[rays], d.size), S.ravel())
        heights = _sample(sampler, np.asarray(plon), np.asarray(plat), seen).reshape(rays.size, d.size)
        e = _elevation_rad(S / _R, heights, r0[si][:, None])
        e[S > s_max[si][:, None]] = np.nan
        e[~np.isfinite(e)] = -np.inf
        k = np.argmax(e, axis=1)
        e_max = e[np.arange(rays.size), k]
        better = e_max > flat_best[rays]
        flat_best[rays[better]] = e_max[better]
        flat_s[rays[better]] = d[k[better]]
        if c0 + _CHUNK >= dists.size:
            break
        nxt = dists[c0 + _CHUNK]
        bound = _bound_rad(np.full(rays.size, nxt / _R), r0[si], h_max)
        done = (flat_best[rays] >= bound) | (flat_best[rays] >= cap_rad[si]) | (nxt > s_max[si])
        active[rays[done]] = False


def horizon_profile(
    lon_deg: float,
    lat_deg: float,
    mast_m: float = 0.0,
    *,
    sampler: Sampler | None = None,
    data_dir: Any = None,
    azimuth_step_deg: float = 0.5,
    relief_range_m: tuple[float, float] = MOON_RELIEF_M,
    resolution_m: tuple[float, float] | None = None,
    growth: float = 0.02,
) -> Horizon:
    """Terrain horizon of one site for a sensor ``mast_m`` above the ground (see the module notes).

    ``sampler`` defaults to :func:`lunarmap.product_sampling.sample_elevation_m` (with
    ``data_dir``); ``resolution_m`` = (finest, coarsest) data spacing sets the
    ray steps and is read from the sampler when it reports it.
    """
    return horizon_profiles(
        [lon_deg], [lat_deg], mast_m, sampler=sampler, data_dir=data_dir, azimuth_step_deg=azimuth_step_deg,
        relief_range_m=relief_range_m, resolution_m=resolution_m, growth=growth,
    )[0]


def smooth_horizon(lon_deg: float, lat_deg: float, mast_m: float = 0.0, azimuth_step_deg: float = 0.5) -> Horizon:
    """The horizon of a smooth sphere (no terrain): the geometric dip -arccos(R / (R + mast)) all round."""
    validate_lonlat(lon_deg, lat_deg, "horizon site")
    mast = _check_float("mast_m", mast_m, 0.0, 10_000.0, "a height in metres between 0 and 10,000")
    az = _azimuths(azimuth_step_deg)
    dip = np.arccos(_R / (_R + mast))
    return Horizon(
        lon_deg=float(lon_deg), lat_deg=float(lat_deg), ground_m=0.0, mast_m=mast, azimuth_deg=az,
        elevation_deg=np.full(az.size, -np.degrees(dip)), distance_m=np.full(az.size, _R * dip),
        max_distance_m=float(_R * dip), method="smooth sphere (no terrain): geometric dip for the mast height",
        data="none (smooth sphere)", resolution_m=(float("nan"), float("nan")),
    )
