"""Terrain horizon: analytic surfaces (flat sphere, a ring wall, a crater) and the real 10 km LOLA grid."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lunarmap.crs import MOON_RADIUS_M
from lunarmap.errors import GeometryError, HorizonError, OutsideRasterError
from lunarmap.geodesy import distance_m
from lunarmap.horizon import (
    MOON_RELIEF_M,
    horizon_max_distance_m,
    horizon_profile,
    horizon_profiles,
    local_relief_range_m,
    ray_distances_m,
    smooth_horizon,
)
from tests import cases
from tests.conftest import SHARED_DATA

R = MOON_RADIUS_M


def flat(lon, lat):
    return np.zeros(np.shape(lon))


def ring_wall(centre, inner_m, outer_m, height_m):
    def sampler(lon, lat):
        d = distance_m(centre[0], centre[1], lon, lat)
        return np.where((d >= inner_m) & (d <= outer_m), height_m, 0.0)
    return sampler


@pytest.mark.parametrize("mast_m", [0.5, 2.0, 10.0, 100.0])
@pytest.mark.parametrize(("lon", "lat"), [(40.0, -85.0), cases.SOUTH_POLE, cases.ON_MINUS_180, cases.LON_0_360])
def test_horizon_profile__flat_sphere_gives_analytic_dip(mast_m, lon, lat):
    """On a smooth sphere the skyline is the tangent: -arccos(R / (R + h)) in every direction, also at the pole."""
    h = horizon_profile(lon, lat, mast_m, sampler=flat, relief_range_m=(0.0, 0.0), resolution_m=(1.0, 50.0))
    expected = -np.degrees(np.arccos(R / (R + mast_m)))
    assert h.azimuth_deg.size == 720 and h.azimuth_deg[1] == 0.5
    np.testing.assert_allclose(h.elevation_deg, expected, rtol=2e-3)
    assert h.max_distance_m == pytest.approx(R * np.arccos(R / (R + mast_m)))


def test_horizon_profile__ring_wall_includes_curvature():
    """A 1 km wall 49-51 km away: the exact sphere formula, not the flat-plane atan(1000 / 49000)."""
    centre = (0.0, -89.0)
    h = horizon_profile(*centre, 0.0, sampler=ring_wall(centre, 49_000, 51_000, 1_000.0),
                        relief_range_m=(0.0, 1_000.0), resolution_m=(50.0, 500.0), azimuth_step_deg=1.0)
    theta = 49_000 / R
    exact = np.degrees(np.arctan2((R + 1000) * np.cos(theta) - R, (R + 1000) * np.sin(theta)))
    assert exact == pytest.approx(0.36, abs=0.01)  # the flat-plane answer would be 1.17 deg
    np.testing.assert_allclose(h.elevation_deg, exact, atol=0.03)
    assert np.all((h.distance_m >= 49_000) & (h.distance_m <= 50_000))


def test_horizon_profile__crater_walls_above_any_sun():
    """From the floor of a 3 km deep, 10 km wide bowl the rim stands far above the 2 deg the Sun reaches at 89.5 S."""
    centre = (60.0, -89.5)

    def crater(lon, lat):
        d = distance_m(centre[0], centre[1], lon, lat)
        return np.clip((d - 2_000.0) / 3_000.0, 0.0, 1.0) * 3_000.0

    h = horizon_profile(*centre, 2.0, sampler=crater, relief_range_m=(0.0, 3_000.0), resolution_m=(20.0, 200.0))
    rim = np.degrees(np.arctan2((R + 3000) * np.cos(5000 / R) - (R + 2), (R + 3000) * np.sin(5000 / R)))
    assert h.elevation_deg.min() > 25.0
    np.testing.assert_allclose(h.elevation_deg, rim, atol=0.5)


def test_horizon_max_distance_m__whole_moon_relief():
    assert horizon_max_distance_m(0.0) == pytest.approx(
        R * (np.arccos((R - 9200) / R) + np.arccos((R - 9200) / (R + 10800))))
    assert 440_000 < horizon_max_distance_m(0.0) < 445_000
    assert MOON_RELIEF_M == (-9_200.0, 10_800.0)


@pytest.mark.parametrize(("lon", "lat"), [cases.SOUTH_POLE, cases.SOUTH_POLE_OTHER_LON])
def test_horizon_profile__at_exactly_the_pole_a_peak_is_seen_in_its_direction(lon, lat):
    """From the pole written with longitude L, a peak on longitude P stands at azimuth P - L (pyproj's convention),
    and only there: every ray leaves the pole in its own direction."""
    peak = (30.0, -89.5)                              # 15.2 km from the pole

    def one_peak(plon, plat):
        return np.where(distance_m(peak[0], peak[1], plon, plat) < 2_000.0, 1_000.0, 0.0)

    h = horizon_profile(lon, lat, 2.0, sampler=one_peak, relief_range_m=(0.0, 1_000.0), resolution_m=(50.0, 500.0),
                        azimuth_step_deg=1.0)
    toward = (peak[0] - lon) % 360.0
    assert float(h.elevation_at(toward)) > 2.0         # atan(1 km / 15 km) less curvature: about 3.5 deg
    away = np.abs((h.azimuth_deg - toward + 180.0) % 360.0 - 180.0) > 20.0
    assert np.all(h.elevation_deg[away] < 0.0)


@pytest.mark.parametrize(("lon", "lat", "named"), cases.BAD_POINTS)
def test_horizon_profiles__bad_site_is_refused_naming_the_value(lon, lat, named):
    with pytest.raises(GeometryError, match=rf"horizon site: {named} is outside"):
        horizon_profiles([lon], [lat], sampler=flat, resolution_m=(1.0, 10.0))


def test_ray_distances_m__steps_grow_and_stay_clamped():
    d = ray_distances_m(100_000.0, 5.0, 1_000.0, growth=0.02)
    steps = np.diff(d)
    assert d[0] == 5.0 and d[-1] == 100_000.0
    assert steps[:-1].min() >= 5.0 - 1e-9 and steps.max() <= 1_000.0 + 1e-9
    assert np.all(np.diff(steps[:-1]) >= -1e-9)


def test_horizon_profiles__cap_stops_rays_but_keeps_lower_bound():
    centre = (0.0, -89.0)
    sampler = ring_wall(centre, 2_000, 3_000, 1_000.0)
    h = horizon_profiles([centre[0]], [centre[1]], 0.0, sampler=sampler, relief_range_m=(0.0, 1_000.0),
                         resolution_m=(20.0, 200.0), azimuth_step_deg=5.0, cap_deg=5.0)[0]
    assert h.capped_at_deg == pytest.approx(5.0)
    assert np.all(h.elevation_deg >= 5.0)


@pytest.mark.realdata
def test_horizon_profile__real_lola_grid_shackleton_floor_is_walled():
    """Shackleton's floor (1.6 km polar DEM) is ringed by its rim: the skyline is several degrees up all round."""
    h = horizon_profile(129.78, -89.67, 2.0, data_dir=SHARED_DATA)
    assert h.data.startswith("ldem256_south_polar_1600m")   # the finest product near the site
    assert h.resolution_m[0] == 1_600.0
    assert np.all(np.isfinite(h.elevation_deg))
    assert h.elevation_deg.min() > 3.0
    assert h.ground_m < -2_500                                # the 10 km grid said about -1,670 m


@pytest.mark.realdata
def test_local_relief_range_m__south_pole_inside_moon_range():
    lo, hi = local_relief_range_m(0.0, -90.0, 400_000.0, lambda lon, lat: __import__(
        "lunarmap.product_sampling", fromlist=["x"]).sample_elevation_m(lon, lat, data_dir=SHARED_DATA))
    assert MOON_RELIEF_M[0] <= lo < -5_000 and 5_000 < hi <= MOON_RELIEF_M[1]


def test_smooth_horizon__mast_zero_is_level():
    h = smooth_horizon(10.0, -45.0, 0.0)
    assert np.all(h.elevation_deg == 0.0)
    assert h.elevation_at([359.9, 0.1]).tolist() == [0.0, 0.0]


def test_elevation_at__interpolates_periodically_across_north():
    h = replace(smooth_horizon(0.0, -89.0, 0.0, azimuth_step_deg=10.0), elevation_deg=np.arange(36.0))
    assert float(h.elevation_at(5.0)) == pytest.approx(0.5)
    assert float(h.elevation_at(355.0)) == pytest.approx(17.5)   # halfway between 350 deg (35) and 360 = 0 deg (0)
    assert float(h.elevation_at(-5.0)) == pytest.approx(17.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"mast_m": -1.0}, r"mast_m must be a height in metres between 0 and 10,000 \(got -1.0\)"),
    ({"azimuth_step_deg": 0.7}, r"azimuth_step_deg must divide 360 evenly, e.g. 0.25, 0.5 or 1 \(got 0.7\)"),
    ({"azimuth_step_deg": 20}, r"azimuth_step_deg must be a number of degrees in \(0, 10\] that divides 360 \(got 20\)"),
    ({"relief_range_m": (10.0, -10.0)}, r"relief_range_m must be \(lowest_m, highest_m\) with lowest <= highest"),
    ({"resolution_m": (100.0, 10.0)}, r"resolution_m must be \(finest_m, coarsest_m\) with 0 < finest <= coarsest"),
])
def test_horizon_profile__bad_input_messages(kwargs, message):
    args = {"sampler": flat, "relief_range_m": (0.0, 0.0), "resolution_m": (1.0, 10.0)} | kwargs
    with pytest.raises(HorizonError, match=message):
        horizon_profile(0.0, -89.0, **args)


def test_horizon_profile__sampler_wrong_shape():
    with pytest.raises(HorizonError, match=r"returned shape \(3,\) for \(1,\) points; it must return one height"):
        horizon_profile(0.0, -89.0, sampler=lambda lon, lat: np.zeros(3), resolution_m=(1, 10))


def test_horizon_profile__no_data_at_site():
    with pytest.raises(OutsideRasterError, match=r"no elevation data at site \(lon 0.0, lat -89.0\).*Fetch an elevation"):
        horizon_profile(0.0, -89.0, sampler=lambda lon, lat: np.full(np.shape(lon), np.nan), resolution_m=(1, 10))


def _flat_moon(make_raster, height_m: float):
    """A data folder whose only elevation product is a flat global lon/lat grid at ``height_m``."""
    from lunarmap.crs import LONLAT
    from lunarmap.rasters import SOURCE_DEM

    path = make_raster(np.full((90, 180), height_m, "float32"), origin=(-180.0, 90.0), pixel_m=2.0, crs=LONLAT,
                       name=SOURCE_DEM)
    return path.parent


def test_horizon_profiles__default_sampler_results_are_remembered_as_copies(make_raster, monkeypatch):
    """Asking again with the same inputs returns equal horizons without sampling again; callers cannot alter them."""
    from lunarmap import product_sampling

    data_dir = _flat_moon(make_raster, 0.0)
    first = horizon_profiles([10.0], [-80.0], 2.0, data_dir=data_dir, azimuth_step_deg=10.0)[0]
    expected = first.elevation_deg.copy()
    first.elevation_deg[:] = 99.0                       # a caller scribbling on its copy
    calls = []
    monkeypatch.setattr(product_sampling, "sample_elevation_m", lambda *a, **k: calls.append(1))
    again = horizon_profiles([10.0], [-80.0], 2.0, data_dir=data_dir, azimuth_step_deg=10.0)[0]
    assert not calls, "the remembered horizon is returned without sampling"
    np.testing.assert_array_equal(again.elevation_deg, expected)
    assert np.all(expected < 0)


def test_horizon_profiles__changed_data_file_or_inputs_are_computed_afresh(make_raster):
    """The key holds the elevation file's time and size and every input: a rewritten DEM gives its own answer."""
    import os

    data_dir = _flat_moon(make_raster, 0.0)
    low = horizon_profiles([10.0], [-80.0], 2.0, data_dir=data_dir, azimuth_step_deg=10.0)[0]
    higher_mast = horizon_profiles([10.0], [-80.0], 50.0, data_dir=data_dir, azimuth_step_deg=10.0)[0]
    assert higher_mast.elevation_deg.max() < low.elevation_deg.min()
    path = _flat_moon(make_raster, 500.0) / "lola_global_dem_0p35deg.tif"
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    raised = horizon_profiles([10.0], [-80.0], 2.0, data_dir=data_dir, azimuth_step_deg=10.0)[0]
    assert raised.ground_m == pytest.approx(500.0) and low.ground_m == pytest.approx(0.0)


def test_horizon_profiles__own_sampler_is_never_remembered():
    calls = []

    def counting(lon, lat):
        calls.append(1)
        return flat(lon, lat)

    for _ in range(2):
        horizon_profile(0.0, -89.0, sampler=counting, relief_range_m=(0.0, 0.0), resolution_m=(1.0, 50.0),
                        azimuth_step_deg=10.0)
    first = len(calls) // 2
    assert first > 0 and len(calls) == 2 * first


def test_horizon_cache__keeps_at_most_its_budget_of_sites_dropping_the_least_recently_used():
    from lunarmap.horizon import smooth_horizon
    from lunarmap.horizon_cache import HorizonCache

    h = smooth_horizon(0.0, -89.0, azimuth_step_deg=10.0)
    cache = HorizonCache(entries=10, sites=7)
    cache.put(("a",), [h] * 3)
    cache.put(("b",), [h] * 3)
    cache.put(("b",), [h] * 3)               # the same key again: counted once
    assert cache.get(("a",)) is not None and cache.get(("b",)) is not None
    cache.get(("a",))                         # "a" is now the most recently used
    cache.put(("c",), [h] * 3)                # 9 sites > 7: "b" goes, "a" stays
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None and cache.get(("c",)) is not None
    cache.put(("big",), [h] * 20)             # larger than the whole budget: kept alone
    assert cache.get(("big",)) is not None and cache.get(("a",)) is None and cache.get(("c",)) is None
    cache.clear()
    cache.put(("d",), [h] * 7)
    assert cache.get(("d",)) is not None
