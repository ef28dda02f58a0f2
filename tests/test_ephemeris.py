"""Ephemeris: Sun and Earth seen from the Moon, checked against known lunar facts."""

from __future__ import annotations

import numpy as np
import pytest

from lunarmap.crs import MOON_RADIUS_M
from lunarmap.ephemeris import (
    EPHEMERIS_END,
    EPHEMERIS_START,
    angular_radius_deg,
    as_utc,
    kernel_paths,
    moon_frame_vectors,
    sky_track,
    subpoints,
)
from lunarmap.errors import EphemerisError, GeometryError

MEAN_SYNODIC_MONTH_D = 29.530589  # Meeus, Astronomical Algorithms, ch. 49


def hourly(start: str, days: int, step_h: float = 1.0) -> np.ndarray:
    t0 = np.datetime64(start, "s")
    return t0 + (np.arange(0, days * 24, step_h) * 3600).astype("timedelta64[s]")


@pytest.fixture(scope="module")
def year_2024():
    return subpoints(hourly("2024-01-01", 366))


def test_kernels__are_files_shipped_in_packages():
    paths = kernel_paths()
    assert paths["planets"].name == "de440.bsp" and paths["planets"].stat().st_size > 100e6
    assert paths["frame"].name == "moon_080317.tf"
    assert paths["orientation"].name == "moon_pa_de421_1900-2050.bpc"


def test_subpoints__earth_libration_within_known_bounds(year_2024):
    """Earth's sub-point wanders by the optical+physical libration: |lat| < 6.9 deg, |lon| < about 8.1 deg."""
    lat, lon = year_2024.earth_lat_deg, year_2024.earth_lon_deg
    assert -6.9 < lat.min() < -6.0 and 6.0 < lat.max() < 6.9
    assert -8.2 < lon.min() < -7.0 and 7.0 < lon.max() < 8.2
    # The ME frame points +x at the mean sub-Earth point: a year's mean is near (0, 0).
    assert abs(lon.mean()) < 0.5 and abs(lat.mean()) < 0.5


def test_subpoints__sun_latitude_within_lunar_obliquity(year_2024):
    """The Moon's equator is inclined 1.54 deg to the ecliptic: the sub-solar latitude stays within about that."""
    lat = year_2024.sun_lat_deg
    assert lat.max() < 1.6 and lat.min() > -1.6
    assert lat.max() > 1.4 and lat.min() < -1.4


def test_subpoints__earth_distance_matches_lunar_orbit(year_2024):
    d = year_2024.earth_distance_km
    assert 356_000 < d.min() < 358_500 and 404_000 < d.max() < 406_800


def test_subpoints__mean_synodic_month_from_subsolar_longitude_crossings():
    """Successive crossings of the sub-solar point over lon 0 repeat every synodic month (mean 29.5306 d)."""
    times = hourly("2000-01-01", 20 * 365, step_h=6.0)
    lon = subpoints(times).sun_lon_deg
    # The sub-solar point moves west (longitude decreasing): find +0 -> -0 crossings, interpolate the instant.
    i = np.flatnonzero((lon[:-1] > 0) & (lon[1:] <= 0) & (lon[:-1] < 90))
    frac = lon[i] / (lon[i] - lon[i + 1])
    t_days = (times[i] - times[0]).astype(np.float64) / 86_400 + frac * 0.25
    period = (t_days[-1] - t_days[0]) / (t_days.size - 1)
    assert t_days.size > 240
    assert period == pytest.approx(MEAN_SYNODIC_MONTH_D, abs=0.01)


def test_sky_track__sun_angular_radius_follows_earth_orbit():
    tr = sky_track(0.0, -89.0, hourly("2025-01-01", 365, step_h=24.0))
    assert 0.26 < tr.sun_radius_deg.min() < 0.264 and 0.269 < tr.sun_radius_deg.max() < 0.2725
    # Perihelion in early January, aphelion in early July.
    assert np.argmax(tr.sun_radius_deg) < 15 and 170 < np.argmin(tr.sun_radius_deg) < 200


def test_sky_track__sub_solar_point_has_sun_at_zenith():
    times = hourly("2025-03-01", 1)
    sp = subpoints(times[:1])
    tr = sky_track(float(sp.sun_lon_deg[0]), float(sp.sun_lat_deg[0]), times[:1])
    assert tr.sun_el_deg[0] == pytest.approx(90.0, abs=0.01)


def test_sky_track__earth_parallax_is_included():
    """At the sub-Earth point Earth is at the zenith; 90 deg away its elevation is lowered by the Moon's radius / distance."""
    times = hourly("2025-03-01", 1)[:1]
    sp = subpoints(times)
    lon, lat = float(sp.earth_lon_deg[0]), float(sp.earth_lat_deg[0])
    assert sky_track(lon, lat, times).earth_el_deg[0] == pytest.approx(90.0, abs=0.01)
    # A point 90 deg from the sub-Earth point: seen from the Moon's centre Earth would sit on the horizon;
    # from the surface it is lower by the parallax asin(R / distance).
    vec = moon_frame_vectors(times)
    e = vec.earth_km[0] / np.linalg.norm(vec.earth_km[0])
    pole = np.array([0.0, 0.0, 1.0])
    side = np.cross(pole, e)
    side /= np.linalg.norm(side)
    slon, slat = np.degrees(np.arctan2(side[1], side[0])), np.degrees(np.arcsin(side[2]))
    tr = sky_track(float(slon), float(slat), times)
    parallax = np.degrees(np.arcsin(MOON_RADIUS_M / 1000 / np.linalg.norm(vec.earth_km[0])))
    assert tr.earth_el_deg[0] == pytest.approx(-parallax, abs=1e-3)


def test_angular_radius_deg__sun_at_one_au():
    assert float(angular_radius_deg(695_700.0, 149_597_870.7)) == pytest.approx(0.26646, abs=1e-4)


@pytest.mark.parametrize("when", ["1899-06-01", "2051-02-01"])
def test_as_utc__outside_coverage_is_an_error(when):
    with pytest.raises(EphemerisError, match=r"outside the ephemeris coverage 1900-01-02 to 2050-12-31 UTC.*choose times inside"):
        subpoints(np.array([when], dtype="datetime64[s]"))


def test_as_utc__edges_are_served():
    sp = subpoints(np.array([EPHEMERIS_START, EPHEMERIS_END]))
    assert np.all(np.isfinite(sp.sun_lon_deg))


def test_as_utc__unreadable_time_says_what_to_give():
    with pytest.raises(EphemerisError, match=r"times must be UTC datetimes .*got 'yesterday'"):
        as_utc("yesterday")


def test_sky_track__bad_site_latitude():
    with pytest.raises(GeometryError, match=r"latitude -91.0 is outside"):
        sky_track(0.0, -91.0, hourly("2025-01-01", 1))
