"""Sun and Earth visibility: real ephemeris, smooth-sphere analytic cases, a synthetic crater, the real 10 km DEM."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar
from lunarmap.errors import GeometryError, TimeWindowError
from lunarmap.geodesy import distance_m
from lunarmap.visibility import (
    SUN_BELOW,
    SUN_FULLY,
    longest_run,
    region_visibility,
    site_visibility,
    time_window,
)
from tests import cases
from tests.conftest import SHARED_DATA

CRATER = (60.0, -88.5)


def crater(lon, lat):
    """A bowl 3 km deep: floor radius 2 km, rim at 5 km, plateau beyond."""
    d = distance_m(CRATER[0], CRATER[1], lon, lat)
    return np.clip((d - 2_000.0) / 3_000.0, 0.0, 1.0) * 3_000.0


def test_smooth_sphere_45s__sunlit_about_half_the_year():
    v = site_visibility(30.0, -45.0, "2025-01-01", days=365, step_hours=1, terrain=False, mast_m=0.0)
    assert v.n_samples == 8760
    assert v.sunlit_fraction == pytest.approx(0.5, abs=0.015)
    assert v.sun_full_fraction + v.sun_partial_fraction + v.sun_below_fraction == pytest.approx(1.0)
    # The disc takes about 2 r / (15.2 deg/day * cos 45) ~ 1.2 h to rise: partial ~ 2 x 1.2 h per 29.5 d.
    assert 0.002 < v.sun_partial_fraction < 0.006
    # A lunar night lasts about half a synodic month (354 h) at 45 S.
    assert 330 <= v.longest_dark_h <= 380


def test_chandrayaan3_smooth_sphere__earth_between_8_and_28_deg():
    v = site_visibility(32.319, -69.373, "2025-01-01", days=365, step_hours=3, terrain=False)
    el = v.series.earth_el_deg
    assert 7.5 < el.min() < 12.0 and 22.0 < el.max() < 28.5
    assert v.earth_fraction == 1.0 and not v.needs_relay and v.longest_no_earth_h == 0.0


@pytest.mark.realdata
@pytest.mark.parametrize("lon, lat", [(177.5991, -45.4446), (-153.9852, -41.6385)], ids=["chang-e-4", "chang-e-6"])
def test_far_side_landers__never_see_earth(lon, lat):
    v = site_visibility(lon, lat, "2025-01-01", days=365, step_hours=6, data_dir=SHARED_DATA)
    assert v.earth_fraction == 0.0 and v.needs_relay
    assert v.longest_no_earth_h == pytest.approx(365 * 24)
    # Analytic: 90 deg minus the arc to the sub-Earth point (which stays within ~8 deg of lon 0, lat 0) is below -30.
    assert v.series.earth_el_deg.max() < -30.0
    assert 0.45 < v.sunlit_fraction < 0.55


@pytest.mark.realdata
def test_chandrayaan3_terrain__earth_visible_nearly_always():
    v = site_visibility(32.319, -69.373, "2025-01-01", days=365, step_hours=3, data_dir=SHARED_DATA)
    assert v.earth_fraction >= 0.98
    assert v.horizon.data == "ldem256_south_polar_1600m + lola_global_dem_0p35deg"  # rays leave the polar DEM


def test_crater_floor__dark_all_year():
    v = site_visibility(*CRATER, "2025-01-01", days=365, step_hours=6, sampler=crater)
    assert v.sun_below_fraction == 1.0 and v.sunlit_fraction == 0.0
    assert v.longest_dark_h == pytest.approx(365 * 24)
    assert np.all(v.series.sun_state == SUN_BELOW)
    assert np.all(v.series.horizon_at_sun_deg > v.series.sun_el_deg + 20)
    # The same spot on a smooth sphere is lit a good part of the time.
    smooth = site_visibility(*CRATER, "2025-01-01", days=365, step_hours=6, terrain=False)
    assert 0.3 < smooth.sunlit_fraction < 0.7


def test_site_visibility__pole_with_any_longitude_sees_the_same_sun_and_earth():
    """Exactly -90 written with two longitudes: the same Sun and Earth elevations and fractions (azimuths differ,
    as the pole's "north" follows the longitude given)."""
    a, b = (site_visibility(*p, "2025-01-01", days=30, step_hours=6, terrain=False)
            for p in (cases.SOUTH_POLE, cases.SOUTH_POLE_OTHER_LON))
    np.testing.assert_allclose(a.series.sun_el_deg, b.series.sun_el_deg, atol=1e-6)
    np.testing.assert_allclose(a.series.earth_el_deg, b.series.earth_el_deg, atol=1e-6)
    assert (a.sunlit_fraction, a.earth_fraction) == (b.sunlit_fraction, b.earth_fraction)
    turn = (b.series.sun_az_deg - a.series.sun_az_deg) % 360.0
    np.testing.assert_allclose(turn, turn[0], atol=1e-4)   # one fixed rotation between the two frames


@pytest.mark.parametrize(("lon", "lat", "named"), cases.BAD_POINTS)
def test_site_visibility__bad_site_is_refused_naming_the_value(lon, lat, named):
    with pytest.raises(GeometryError, match=rf"site: {named} is outside"):
        site_visibility(lon, lat, "2025-01-01", days=1, terrain=False)


def test_site_visibility__states_follow_the_disc():
    v = site_visibility(0.0, -89.0, "2025-01-01", days=30, step_hours=1, terrain=False, mast_m=0.0)
    s = v.series
    full = s.sun_state == SUN_FULLY
    assert np.all(s.sun_el_deg[full] - s.sun_radius_deg[full] > 0)
    below = s.sun_state == SUN_BELOW
    assert np.all(s.sun_el_deg[below] + s.sun_radius_deg[below] <= 0)


def test_longest_run__counts_samples():
    assert longest_run([]) == 0
    assert longest_run([False, False]) == 0
    assert longest_run([True] * 5) == 5


def test_time_window__end_date_and_steps():
    t = time_window("2025-01-01", end="2025-01-02", step_hours=0.5)
    assert t.size == 48 and str(t[-1]) == "2025-01-01T23:30:00"


@pytest.mark.parametrize("kwargs, message", [
    ({"start": "2025-02-30", "days": 1}, r"start '2025-02-30' is not a date; give YYYY-MM-DD"),
    ({"start": "2025-01-01"}, r"give exactly one of days \(window length\) and end \(end date\)"),
    ({"start": "2025-01-01", "days": 1, "end": "2025-01-03"}, r"give exactly one of days"),
    ({"start": "2025-01-01", "end": "2024-12-01"}, r"end 2024-12-01T00:00:00 is not after start 2025-01-01T00:00:00"),
    ({"start": "2025-01-01", "days": 0}, r"days must be a number of days greater than 0 and at most 36525 \(got 0\)"),
    ({"start": "2025-01-01", "days": 1, "step_hours": 48}, r"step_hours must be .* at most the window length \(24 h\); got 48"),
    ({"start": "2025-01-01", "days": 1, "step_hours": 0}, r"step_hours must be at least 1 second"),
    ({"start": "2050-06-01", "days": 400}, r"runs outside the ephemeris coverage 1900-01-02 to 2050-12-31 UTC"),
    ({"start": "2025-01-01", "days": 3650, "step_hours": 0.01}, r"8,760,000 time steps is more than the 2,000,000 allowed"),
])
def test_time_window__bad_input_messages(kwargs, message):
    with pytest.raises(TimeWindowError, match=message):
        time_window(**kwargs)


def test_region_visibility__crater_floor_dark_rim_lit():
    """Grid points on the synthetic crater: the floor is dark, the plateau outside sunlit part of the time."""
    progress = []
    cx, cy = lonlat_to_polar(*CRATER)
    region = box(cx - 6_000, cy - 6_000, cx + 6_000, cy + 6_000)
    r = region_visibility(region, "2025-01-01", days=30, step_hours=6, spacing_km=2.0, sampler=crater,
                          workers=1, progress=lambda done, total: progress.append((done, total)))
    assert abs(r.n_points - 144 / 4) <= 6   # a 12 km square at 2 km spacing
    d = distance_m(CRATER[0], CRATER[1], r.lon_deg, r.lat_deg)
    assert np.all(r.sunlit_fraction[d < 1_500] == 0.0)
    assert np.all(r.sunlit_fraction[d > 5_500] > 0.2)
    assert progress[-1] == (r.n_points, r.n_points)
    spacing = np.sort(distance_m(r.lon_deg[0], r.lat_deg[0], r.lon_deg, r.lat_deg))[1]
    assert spacing == pytest.approx(2_000.0, rel=0.01)


def test_region_visibility__bad_region():
    with pytest.raises(GeometryError, match=r"region must be a non-empty Polygon or MultiPolygon in IAU_2015:30135"):
        region_visibility(box(0, 0, 0, 0).centroid, "2025-01-01", days=1)
    with pytest.raises(GeometryError, match=r"spacing_km must be a positive number of kilometres \(got -1\)"):
        region_visibility(box(0, 0, 1000, 1000), "2025-01-01", days=1, spacing_km=-1)


def test_moon_radius_is_the_one_constant():
    assert MOON_RADIUS_M == 1_737_400.0
