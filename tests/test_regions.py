"""Regions as areas: the area-weighted grid, weighted distributions, the best-site ranking, and real regions."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Polygon, box

from lunarmap.best_sites import Criteria, best_sites, ranking_csv, ranking_geojson
from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar, polar_to_lonlat
from lunarmap.errors import GeometryError, LunarmapError
from lunarmap.geodesy import area_km2, cap_area_km2, distance_m, geodesic_circle
from lunarmap.rasters import Sampled
from lunarmap.region_stats import RegionStats, region_stats
from lunarmap.regions import RegionGrid, choose_region_spacing_km, distribution, region_grid, weighted_quantile
from lunarmap.visibility import RegionVisibility

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)


def _polar_polygon(ring_lonlat) -> Polygon:
    lon, lat = np.asarray(ring_lonlat, dtype=float).T
    x, y = lonlat_to_polar(lon, lat)
    return Polygon(np.column_stack([x, y]))


# ------------------------------------------------------------------ the grid
@pytest.mark.parametrize("spacing_km", [2.0, 5.0])
def test_grid_weights_add_up_to_the_cap_area_and_every_point_is_inside(spacing_km):
    cap = geodesic_circle(0.0, -90.0, 50.0)      # a polar cap: the pole is an ordinary place
    grid = region_grid(cap, spacing_km)
    assert grid.area_km2 == pytest.approx(cap_area_km2(50.0), rel=2e-4)      # the 360-gon vs the true cap
    assert np.all(shapely.contains_xy(cap.buffer(1e-6), grid.x_m, grid.y_m))
    assert np.all(grid.weight_km2 <= spacing_km ** 2 * (1 + 1e-9))
    # whole cells inside, plus the cells the outline cuts (about one ring of them)
    whole = cap_area_km2(50.0) / spacing_km ** 2
    assert whole <= grid.n_points <= whole + 2 * np.pi * 50.0 / spacing_km * 1.5


def test_grid_weights_match_pyproj_geod_area_across_the_180_meridian():
    # a lon/lat box from 170 E to 170 W, its edges along parallels (densified every 0.05 deg for both tools)
    ring = shapely.get_coordinates(
        shapely.segmentize(shapely.LineString([(170, -80), (190, -80), (190, -78), (170, -78), (170, -80)]), 0.05))
    region = _polar_polygon(ring)
    lon, lat = ring.T
    want = abs(GEOD.polygon_area_perimeter(np.where(lon > 180, lon - 360, lon), lat)[0]) / 1e6
    grid = region_grid(region, 3.0)
    assert grid.area_km2 == pytest.approx(float(area_km2(region)), rel=1e-6)
    assert grid.area_km2 == pytest.approx(want, rel=1e-4)    # 0.05-deg chords: map-straight vs geodesic
    assert np.all((grid.lon_deg > 169.99) | (grid.lon_deg < -169.99))


def test_a_region_smaller_than_one_cell_is_one_point_inside_it_with_its_whole_area():
    region = box(100_000.0, 100_000.0, 100_300.0, 100_200.0)
    grid = region_grid(region, 5.0)
    assert grid.n_points >= 1 and grid.area_km2 == pytest.approx(float(area_km2(region)), rel=1e-6)
    assert np.all(shapely.contains_xy(region, grid.x_m, grid.y_m))


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), "two", None])
def test_grid_refuses_a_spacing_that_is_not_a_positive_number(bad):
    with pytest.raises(GeometryError, match="spacing must be a positive number"):
        region_grid(box(0, 0, 10_000, 10_000), bad)


@pytest.mark.parametrize("geom", [None, Polygon(), shapely.Point(0, 0),
                                  Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])])
def test_grid_refuses_what_is_not_a_valid_polygon(geom):
    with pytest.raises(GeometryError, match="valid, non-empty polygon"):
        region_grid(geom, 1.0)


def test_grid_refuses_too_many_cells_and_says_to_use_a_larger_spacing():
    with pytest.raises(GeometryError, match="use a larger spacing"):
        region_grid(box(0, 0, 500_000, 500_000), 0.1)


def test_spacing_follows_the_data_and_the_cap_on_points():
    assert choose_region_spacing_km(box(0, 0, 15_000, 15_000), 1600.0) == 0.5
    assert choose_region_spacing_km(box(0, 0, 15_000, 15_000), 5.0) == 0.5     # 900 points at most 1,500
    assert choose_region_spacing_km(box(0, 0, 2_000, 2_000), 5.0) == 0.1
    with pytest.raises(GeometryError):
        choose_region_spacing_km(box(0, 0, 1, 1), 0.0)


# ------------------------------------------------------------------ distributions
def test_weighted_quantile_with_equal_weights_is_the_inverted_cdf_percentile():
    rng = np.random.default_rng(7)
    v = rng.normal(size=101)
    q = np.array([0.1, 0.5, 0.9])
    assert np.allclose(weighted_quantile(v, np.ones_like(v), q), np.quantile(v, q, method="inverted_cdf"))
    assert weighted_quantile(v, np.ones_like(v), 0.5) == np.median(v)       # odd count: the middle value


def test_weights_count_as_area_and_nan_is_left_out():
    # the same values as a point standing for four times the area, or as four points
    a = weighted_quantile([1.0, 5.0], [4.0, 1.0], [0.1, 0.5])
    b = weighted_quantile([1.0, 1.0, 1.0, 1.0, 5.0], np.ones(5), [0.1, 0.5])
    assert a.tolist() == b.tolist() == [1.0, 1.0]
    d = distribution([0.0, np.nan, 100.0], [1.0, 5.0, 3.0], "%")
    assert (d.min, d.max) == (0.0, 100.0)
    assert d.share(">=", 50.0) == pytest.approx(0.75)
    assert d.text(0) == "0-100 % (median 100 %)"
    assert distribution([np.nan], [1.0], "%").text() == "no data"
    with pytest.raises(GeometryError, match="one of"):
        d.share("=>", 1.0)


# ------------------------------------------------------------------ the ranking (synthetic values)
def _stats(sunlit, earth, slope, dark=None, spacing_km=1.0) -> RegionStats:
    """Statistics over a 1 km grid near 85 S with the given per-point values (a stand-in for computed ones)."""
    n = len(sunlit)
    x, y = np.arange(n) * spacing_km * 1000.0, np.full(n, -150_000.0)
    lon, lat = polar_to_lonlat(x, y)
    grid = RegionGrid(lon_deg=np.asarray(lon), lat_deg=np.asarray(lat), x_m=x, y_m=y,
                      weight_km2=np.full(n, spacing_km ** 2), spacing_km=spacing_km, projection="synthetic")
    sunlit, earth, slope = (np.asarray(v, dtype=float) for v in (sunlit, earth, slope))
    dark = np.zeros(n) if dark is None else np.asarray(dark, dtype=float)
    vis = RegionVisibility(lon_deg=grid.lon_deg, lat_deg=grid.lat_deg, x_m=grid.x_m, y_m=grid.y_m,
                           spacing_km=spacing_km, sunlit_fraction=sunlit / 100, sun_full_fraction=sunlit / 100,
                           earth_fraction=earth / 100, longest_dark_h=dark, start_utc=np.datetime64("2026-10-15"),
                           end_utc=np.datetime64("2026-11-14"), step_hours=2.0, method="synthetic")
    w = grid.weight_km2
    dists = {"sunlit_pct": distribution(sunlit, w, "%"), "earth_pct": distribution(earth, w, "%"),
             "longest_dark_h": distribution(dark, w, "h"), "slope_deg": distribution(slope, w, "°"),
             "elevation_m": distribution(np.zeros(n), w, "m")}
    flat = Sampled(np.zeros(n), "synthetic", 1600.0, "m")
    return RegionStats(grid=grid, visibility=vis, elevation=flat, slope=Sampled(slope, "synthetic", 1600.0, "deg"),
                       distributions=dists)


def test_ranking_orders_by_sunlight_then_earth_then_slope_and_keeps_candidates_apart():
    stats = _stats(sunlit=[90, 95, 95, 40, 95, 95], earth=[50, 10, 30, 90, 30, 30], slope=[1, 1, 5, 1, 2, 2])
    r = best_sites(stats, Criteria(), top=3, min_separation_km=0.5)
    got = [(c.sunlit_pct, c.earth_pct, c.slope_deg) for c in r.candidates]
    assert got == [(95, 30, 2), (95, 30, 2), (95, 30, 5)]
    apart = best_sites(stats, Criteria(), top=6, min_separation_km=1.5)
    xs = sorted(c.x_m for c in apart.candidates)
    assert all(b - a >= 1500 - 1e-6 for a, b in zip(xs, xs[1:], strict=False))


def test_a_criterion_no_point_meets_gives_an_empty_ranking_naming_the_criterion_that_excluded_most():
    stats = _stats(sunlit=[60, 70, 80, 90], earth=[0, 0, 10, 0], slope=[20, 25, 30, 3])
    r = best_sites(stats, Criteria(min_sunlit_pct=50, max_slope_deg=10, any_earth=True), top=5)
    assert r.candidates == [] and r.n_passing == 0
    assert r.excluded["any_earth"] == 3 and r.excluded["max_slope_deg"] == 3 and r.excluded["min_sunlit_pct"] == 0
    assert "excluded the most (3 of 4)" in r.message
    r = best_sites(stats, Criteria(min_sunlit_pct=99.5), top=5)
    assert "'minimum sunlit %' excluded the most (4 of 4)" in r.message


def test_points_in_other_parties_zones_are_excluded():
    stats = _stats(sunlit=[99, 10, 10, 10], earth=[1, 1, 1, 1], slope=[1, 1, 1, 1])
    best = best_sites(stats, Criteria(), top=1).candidates[0]
    zone = shapely.Point(best.x_m, best.y_m).buffer(300.0)
    r = best_sites(stats, Criteria(), top=1, keep_out=[zone])
    assert r.excluded["keep_out"] == 1 and r.candidates[0].sunlit_pct == 10


def test_psr_distance_criterion_needs_the_distances_and_uses_them():
    stats = _stats(sunlit=[99, 80, 70], earth=[1, 1, 1], slope=[1, 1, 1])
    with pytest.raises(GeometryError, match="PSR edge at every point"):
        best_sites(stats, Criteria(max_psr_km=2.0))
    r = best_sites(stats, Criteria(max_psr_km=2.0), psr_edge_km=np.array([5.0, 1.0, 1.0]))
    assert r.candidates[0].sunlit_pct == 80 and r.candidates[0].psr_edge_km == 1.0


@pytest.mark.parametrize("kwargs", [{"min_sunlit_pct": -1}, {"max_slope_deg": float("nan")},
                                    {"min_earth_pct": 101}, {"max_dark_h": "12"}, {"max_psr_km": True}])
def test_criteria_refuse_what_is_not_a_sensible_number(kwargs):
    with pytest.raises(GeometryError, match="criterion"):
        Criteria(**kwargs)


def test_ranking_exports_carry_the_criteria_the_basis_and_units():
    stats = _stats(sunlit=[90, 80], earth=[10, 20], slope=[1, 2])
    r = best_sites(stats, Criteria(min_sunlit_pct=50), top=2, min_separation_km=0.5)
    text = ranking_csv(r)
    head = [line for line in text.splitlines() if line.startswith("#")]
    assert "sunlit at least 50 %" in head[0] and "2 points 1 km apart" in head[1] and "degrees east" in head[2]
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#")))))
    assert [float(row["sunlit_pct"]) for row in rows] == [90.0, 80.0]
    doc = json.loads(json.dumps(ranking_geojson(r)))
    assert doc["criteria"]["min_sunlit_pct"] == 50 and len(doc["features"]) == 2
    assert doc["features"][0]["properties"]["rank"] == 1


# ------------------------------------------------------------------ a synthetic crater wall
PIT = (60.0, -88.5)
PIT_RADIUS_M = 20_000.0


def pit(lon, lat):
    """A flat-floored pit 3 km deep and 20 km in radius with a 100 m wide wall, in a flat plateau."""
    d = distance_m(PIT[0], PIT[1], lon, lat)
    return np.clip((d - PIT_RADIUS_M) / 100.0, 0.0, 1.0) * 3_000.0


def test_a_region_straddling_a_crater_wall_has_the_shadowed_share_of_its_area_inside_the_crater():
    """Near the pole the Sun never climbs above about 3 deg; a 3 km wall hides it from every floor point
    within 57 km (atan(3/57) = 3 deg): the whole floor is dark, the plateau is lit part of the time.
    So the dark share of a region across the wall is the share of its area inside the pit's outline."""
    cx, cy = lonlat_to_polar(*PIT)
    wall = (cx + PIT_RADIUS_M + 50.0, cy)
    region = box(wall[0] - 2_000.0, wall[1] - 6_000.0, wall[0] + 2_000.0, wall[1] + 6_000.0)
    inside = region.intersection(geodesic_circle(*PIT, (PIT_RADIUS_M + 50.0) / 1000.0))
    want = float(area_km2(inside) / area_km2(region))
    assert 0.4 < want < 0.6
    progress = []
    stats = region_stats(region, "2026-10-15", days=30, step_hours=6, spacing_km=0.5, sampler=pit, workers=1,
                         progress=lambda done, total: progress.append((done, total)))
    dark_share = stats.distributions["sunlit_pct"].share("<=", 0.0)
    assert dark_share == pytest.approx(want, abs=0.5 / 4.0 / 2)       # half a cell's width of 4 km
    assert stats.distributions["sunlit_pct"].max > 20.0
    assert progress[0] == (0, stats.grid.n_points) and progress[-1] == (stats.grid.n_points, stats.grid.n_points)
    assert np.isnan(stats.values("slope_deg")).all()                 # no slope data behind a given sampler


# ------------------------------------------------------------------ real regions
@pytest.mark.realdata
def test_change7_target_area__ranges_from_the_dark_floor_to_a_sunlit_rim_and_its_best_site_is_on_the_rim(
        prepared_data_dir):
    from lunarmap.sites import load_sites

    site = load_sites().get("chang-e-7-target")
    # a southern-summer month (the Sun 1.2-1.5 deg above the pole's horizontal plane)
    stats = region_stats(site.geometry_polar, "2026-10-15", days=30, step_hours=4, spacing_km=1.5,
                         data_dir=prepared_data_dir)
    sunlit = stats.distributions["sunlit_pct"]
    assert sunlit.min == 0.0 and sunlit.max > 50.0                     # the floor never sees the Sun; the rim does
    assert stats.grid.area_km2 == pytest.approx(site.area_km2, rel=1e-3)
    best = best_sites(stats, Criteria(min_sunlit_pct=50), top=3).candidates[0]
    assert best.sunlit_pct > 50.0
    # Shackleton's floor is kilometres below its rim: the best site stands high, off the crater's centre
    assert best.elevation_m > stats.distributions["elevation_m"].p90 - 500.0
    assert distance_m(129.78, -89.67, best.lon_deg, best.lat_deg) > 7_000.0


@pytest.mark.realdata
def test_ilrs_region_statistics_cover_the_whole_cap(prepared_data_dir):
    from lunarmap.sites import load_sites

    site = load_sites().get("ilrs")
    stats = region_stats(site.geometry_polar, "2026-10-15", days=10, step_hours=12, max_points=150,
                         data_dir=prepared_data_dir)
    assert stats.grid.area_km2 == pytest.approx(site.area_km2, rel=1e-3)
    assert stats.grid.lat_deg.min() < -89.0 and stats.grid.lat_deg.max() > -86.0
    assert np.ptp(stats.grid.lon_deg) > 300.0                           # all round the pole
    assert np.isfinite(stats.values("slope_deg")).all()
    assert "points" in stats.describe() and "1,600 m" in stats.describe()


def test_region_stats_refuses_a_bad_region_with_the_projects_error():
    with pytest.raises(LunarmapError):
        region_stats(Polygon(), "2026-10-15", days=1)
