"""lunarmap.profile and lunarmap.profile_export: elevation profiles along great-circle paths.

A synthetic crater (a flat-floored cone written as a GeoTIFF in IAU_2015:30135, its height a function of
the true geodesic distance from its centre: tests/cases.py) gives the analytic depth and wall slope; sample
positions are checked against pyproj.Geod on the Moon sphere (built in tests/cases.py); the PSR bands of a
real profile across Shackleton against the crossings of the PSR outlines with the same path, computed here with
pyproj and shapely.
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
import shapely

from lunarmap.crs import SOUTH_POLAR_CODE
from lunarmap.errors import GeometryError, LunarmapError
from lunarmap.profile import elevation_profile, path_samples, profile_sunlit
from lunarmap.profile_export import CSV_COLUMNS, profile_csv, profile_payload, sunlit_payload

from .cases import (
    CRATER_DEPTH_M,
    CRATER_FLOOR_M,
    CRATER_PIXEL_M,
    CRATER_RIM_M,
    CRATER_WALL_DEG,
    LONLAT_TO_POLAR,
    MOON_GEOD,
    POLAR_TO_LONLAT,
)

# The synthetic crater of tests/cases.py (the crater_dem fixture of tests/conftest.py): 600 m deep, 20 m pixels.
# Bilinear interpolation of the wall (height linear in the distance r from the centre) errs by at most
# slope * p^2 / (8 r) in height (its curvature across the radius is slope / r); a slope from two heights
# 2 h apart (h = one pixel) then errs by at most twice that over 2 h. At r >= CRATER_FLOOR_M: 0.019 deg; allowed 0.05.
SLOPE_TOL_DEG = 0.05
_WALL_GRADIENT = CRATER_DEPTH_M / (CRATER_RIM_M - CRATER_FLOOR_M)
assert math.degrees(2 * _WALL_GRADIENT * CRATER_PIXEL_M**2 / (8 * CRATER_FLOOR_M) / (2 * CRATER_PIXEL_M)) < SLOPE_TOL_DEG / 2


def _radial_line(lon0, lat0, az_deg, reach_m):
    a = MOON_GEOD.fwd(lon0, lat0, az_deg, reach_m)[:2]
    b = MOON_GEOD.fwd(lon0, lat0, az_deg + 180.0, reach_m)[:2]
    return [a, b]


def _wall(profile, centre, margin_m):
    """Samples on the wall, at least ``margin_m`` from its foot and its rim, and on which side of the centre."""
    r = MOON_GEOD.inv(np.full(profile.n, centre[0]), np.full(profile.n, centre[1]), profile.lon_deg, profile.lat_deg)[2]
    on = (r > CRATER_FLOOR_M + margin_m) & (r < CRATER_RIM_M - margin_m)
    return on, profile.distance_m < profile.total_m / 2


@pytest.mark.parametrize(("centre", "az"), [((0.0, -90.0), 30.0), ((180.0, -88.5), 90.0), ((-179.9, -88.5), 10.0)],
                         ids=["at the pole", "across 180 (east-west)", "by 180 (north-south)"])
def test_synthetic_crater_has_the_analytic_depth_wall_slope_and_no_cross_slope(crater_dem, centre, az):
    path, _ = crater_dem(*centre)
    line = _radial_line(*centre, az, 8_000.0)
    p = elevation_profile(line, samples=801, dem_paths=[path], with_psr=False)
    # Floor and surroundings are flat: bilinear interpolation reproduces them exactly.
    assert np.nanmax(p.elevation_m) - np.nanmin(p.elevation_m) == pytest.approx(CRATER_DEPTH_M, abs=1e-6)
    assert np.nanmin(p.elevation_m) == pytest.approx(-CRATER_DEPTH_M, abs=1e-6)
    on, inbound = _wall(p, centre, 2 * CRATER_PIXEL_M)
    assert on[inbound].sum() > 50 and on[~inbound].sum() > 50
    # Downhill on the way in (negative), uphill on the way out (positive).
    assert p.slope_along_deg[on & inbound] == pytest.approx(-CRATER_WALL_DEG, abs=SLOPE_TOL_DEG)
    assert p.slope_along_deg[on & ~inbound] == pytest.approx(CRATER_WALL_DEG, abs=SLOPE_TOL_DEG)
    # Across a radius the crater is level: left and right points are equally far from the centre. Within two
    # pixels of the breaks of slope (foot and rim) bilinear interpolation of the kink is not symmetric (0.2 deg).
    r = MOON_GEOD.inv(np.full(p.n, centre[0]), np.full(p.n, centre[1]), p.lon_deg, p.lat_deg)[2]
    away = (np.abs(r - CRATER_FLOOR_M) > 2 * CRATER_PIXEL_M) & (np.abs(r - CRATER_RIM_M) > 2 * CRATER_PIXEL_M)
    assert np.abs(p.slope_across_deg[away]).max() < SLOPE_TOL_DEG and away.sum() > 0.95 * p.n
    assert set(p.elevation_resolution_m.tolist()) == {CRATER_PIXEL_M} and p.resolution_bands[0].product == "crater"
    assert len(p.resolution_bands) == 1 and p.resolution_bands[0].end_m == pytest.approx(16_000.0, abs=1e-6)


def test_synthetic_crater__a_chord_has_the_wall_slope_across_it_signed_by_side(crater_dem):
    """A chord passing 3 km from the centre: at its closest point the wall falls towards the centre, so with
    the centre on the right the ground rises to the left (negative across) and along is level; reversed, positive."""
    path, _ = crater_dem(0.0, -90.0)
    start, end = (-7_000.0, 3_000.0), (7_000.0, 3_000.0)     # travelling +x, the centre (0, 0) on the right
    for verts, sign in (([start, end], -1.0), ([end, start], 1.0)):
        p = elevation_profile(verts, crs=SOUTH_POLAR_CODE, samples=701, dem_paths=[path], with_psr=False)
        i = int(np.argmin(np.hypot(p.x_m, p.y_m)))
        assert p.slope_across_deg[i] == pytest.approx(sign * CRATER_WALL_DEG, abs=SLOPE_TOL_DEG)
        assert p.slope_along_deg[i] == pytest.approx(0.0, abs=SLOPE_TOL_DEG)


PATHS = {
    "across the pole": [(0.0, -89.0), (180.0, -89.3)],
    "through the pole vertex, across 180": [(170.0, -88.0), (0.0, -90.0), (-100.0, -87.0), (-175.0, -86.0)],
    "across 180 twice": [(179.0, -60.0), (-179.0, -61.0), (178.0, -62.0)],
}


@pytest.mark.parametrize("name", list(PATHS))
def test_samples_lie_on_the_geodesics_at_the_distances_pyproj_gives(name):
    verts = np.array(PATHS[name])
    lon, lat = verts[:, 0], verts[:, 1]
    s, plon, plat, arc, cum = path_samples(np.where(lat <= -90, 0.0, lon), lat, samples=333)
    legs = MOON_GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    assert cum == pytest.approx(np.concatenate([[0.0], np.cumsum(legs)]), abs=1e-3)
    assert np.diff(s) == pytest.approx(np.full(s.size - 1, cum[-1] / (s.size - 1)), abs=1e-6)
    a = MOON_GEOD.inv(lon[arc], lat[arc], plon, plat)[2]           # from the arc's first vertex
    b = MOON_GEOD.inv(plon, plat, lon[arc + 1], lat[arc + 1])[2]    # to its last
    assert cum[arc] + a == pytest.approx(s, abs=1e-3)
    assert a + b == pytest.approx(legs[arc], abs=1e-3)         # on the geodesic, not beside it
    assert np.all((plon >= -180.0) & (plon <= 180.0))


@pytest.mark.realdata
@pytest.mark.parametrize("name", list(PATHS)[:2])
def test_real_profile_across_the_pole_and_180(prepared_data_dir, name):
    p = elevation_profile(PATHS[name], samples=500, data_dir=prepared_data_dir)
    assert np.isfinite(p.elevation_m).all() and np.isfinite(p.slope_along_deg).all()
    assert np.isfinite(p.in_psr).all()      # the whole path is inside the PSR maps
    x, y = LONLAT_TO_POLAR.transform(p.lon_deg, p.lat_deg)
    assert p.x_m == pytest.approx(x, abs=1e-6) and p.y_m == pytest.approx(y, abs=1e-6)
    bands = p.resolution_bands
    assert bands[0].start_m == 0.0 and bands[-1].end_m == p.total_m
    assert all(a.end_m == b.start_m for a, b in zip(bands, bands[1:], strict=False))


@pytest.mark.realdata
def test_resolution_bands_change_where_the_5m_dem_ends(prepared_data_dir):
    """From inside the 5 m Shoemaker crop (x 75,360..76,640 m) out east: 5 m, then the 1.6 km DEM, switching at
    the crop's edge (geodesic distance computed here) to within one sample spacing."""
    p = elevation_profile([(76_000.0, 39_000.0), (81_000.0, 39_000.0)], crs=SOUTH_POLAR_CODE, samples=501,
                          data_dir=prepared_data_dir)
    fine, coarse = p.resolution_bands
    assert (fine.product, fine.resolution_m) == ("pgda78_shoemaker_5m_crop", 5.0)
    assert (coarse.product, coarse.resolution_m) == ("ldem256_south_polar_1600m", 1600.0)
    lon, lat = POLAR_TO_LONLAT.transform([76_000.0, 76_640.0], [39_000.0, 39_000.0])
    edge = MOON_GEOD.inv(lon[0], lat[0], lon[1], lat[1])[2]
    assert abs(fine.end_m - edge) <= p.spacing_m


def _outline_crossings(line_lonlat, polygons, n=8_000):
    """(start, end) geodesic distances from the line's start where the densified great circle is in the polygons."""
    (lon1, lat1), (lon2, lat2) = line_lonlat
    mid = MOON_GEOD.npts(lon1, lat1, lon2, lat2, n)
    lon = np.array([lon1, *[q[0] for q in mid], lon2])
    lat = np.array([lat1, *[q[1] for q in mid], lat2])
    x, y = LONLAT_TO_POLAR.transform(lon, lat)
    track = shapely.LineString(np.column_stack([x, y]))
    near = [g for g in polygons if g.intersects(track)]
    inside = shapely.union_all(near).intersection(track) if near else shapely.LineString()
    spans = []
    for piece in shapely.get_parts(shapely.line_merge(inside) if not inside.is_empty else inside):
        ends = shapely.get_coordinates(piece)[[0, -1]]
        elon, elat = POLAR_TO_LONLAT.transform(ends[:, 0], ends[:, 1])
        d = MOON_GEOD.inv([lon1, lon1], [lat1, lat1], elon, elat)[2]
        spans.append((float(min(d)), float(max(d))))
    return sorted(spans)


def _merged(bands):
    out: list[list[float]] = []
    for b in bands:
        if out and b.start_m <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], b.end_m)
        else:
            out.append([b.start_m, b.end_m])
    return [tuple(b) for b in out]


@pytest.mark.realdata
def test_psr_bands_across_shackleton_match_the_outlines_crossings(prepared_data_dir):
    import geopandas as gpd

    centre = (129.78, -89.67)
    line = _radial_line(*centre, 40.0, 20_000.0)
    p = elevation_profile(line, samples=1_000, data_dir=prepared_data_dir)
    # The official outlines read straight from the source shapefile (no .prj: IAU_2015:30135 metres), and the 60 m
    # grid's own outlines (the grid's PSRs under 5 km2 are in the profile too).
    official = gpd.read_file(prepared_data_dir / "psr_polygons" / "LOLA_PSR_75S_120M_82S_060M_5KM2_FINAL.shp")
    grid = gpd.read_file(prepared_data_dir / "prepared" / "psr_outlines.gpkg")
    polys = [shapely.make_valid(g) for g in [*official.geometry.values, *grid.geometry.values]]
    expected = _outline_crossings(line, polys)
    got = _merged(p.psr_bands)
    spacing = p.spacing_m
    big = [e for e in expected if e[1] - e[0] > 2 * spacing]
    assert big, "the line should cross Shackleton's PSR"
    for e in big:          # every crossing the samples can see is a band with the same edges
        assert any(abs(g[0] - e[0]) <= spacing and abs(g[1] - e[1]) <= spacing for g in got), (e, got)
    for g in got:          # and every band is such a crossing (a tiny one may be seen by one sample)
        assert any(abs(g[0] - e[0]) <= spacing and abs(g[1] - e[1]) <= spacing for e in expected), (g, expected)
    # The longest band is Shackleton's floor: the official outline holding the crater's centre.
    cx, cy = LONLAT_TO_POLAR.transform(*centre)
    holder = official.loc[official.geometry.contains(shapely.Point(cx, cy)), "PSR_ID"].tolist()
    longest = max(p.psr_bands, key=lambda b: b.end_m - b.start_m)
    assert [longest.psr_id] == holder and longest.resolution_m == 60.0 and longest.place == "Shackleton"
    assert np.all(p.in_psr[(p.distance_m > longest.start_m) & (p.distance_m < longest.end_m)] == 1.0)


def test_csv_has_units_and_sources_for_every_column_at_full_precision(crater_dem):
    path, _ = crater_dem(0.0, -90.0)
    p = elevation_profile(_radial_line(0.0, -90.0, 0.0, 8_000.0), samples=101, dem_paths=[path], with_psr=False)
    text = profile_csv(p)
    comments = [line for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == p.n
    text_cols = {"elevation_source", "psr_id", "in_psr_flag"}
    assert all(c.endswith(("_m", "_deg")) or c in text_cols for c in CSV_COLUMNS)
    block = "\n".join(comments)
    for col in CSV_COLUMNS:
        assert col in block, f"column {col} is not described in the comment block"
    assert "crater (20 m)" in block and "PSR" in block and "not computed" in block and "psr band" not in block
    assert [float(r["elevation_m"]) for r in rows] == p.elevation_m.tolist()          # exact round trip
    assert [float(r["distance_m"]) for r in rows] == p.distance_m.tolist()
    assert {r["elevation_source"] for r in rows} == {"crater"} and {r["in_psr_flag"] for r in rows} == {""}


def test_payload_is_json_ready_with_one_index_for_every_list(crater_dem):
    path, _ = crater_dem(0.0, -90.0)
    p = elevation_profile(_radial_line(0.0, -90.0, 0.0, 8_000.0), samples=64, dem_paths=[path], with_psr=False)
    doc = json.loads(json.dumps(profile_payload(p), allow_nan=False))
    for key in ("distance_m", "elevation_m", "slope_along_deg", "slope_across_deg", "in_psr", "resolution_m",
                "x_m", "y_m", "lon_deg", "lat_deg"):
        assert len(doc[key]) == p.n == doc["n"], key
    assert doc["in_psr"] == [None] * p.n and doc["psr_bands"] == []
    assert doc["resolution_bands"] == [{"start_m": 0.0, "end_m": 16_000.0, "product": "crater", "resolution_m": 20.0}]
    assert doc["x_m"][10] == pytest.approx(p.x_m[10], abs=1e-3) and doc["total_m"] == pytest.approx(16_000.0)
    assert doc["vertices"]["distance_m"] == [0.0, 16_000.0]


@pytest.mark.realdata
def test_sunlit_along_the_line_is_points_visibility_at_the_chosen_samples(prepared_data_dir):
    from lunarmap.visibility import points_visibility

    p = elevation_profile(_radial_line(129.78, -89.67, 40.0, 20_000.0), samples=200, data_dir=prepared_data_dir)
    calls: list[tuple[int, int]] = []
    got = profile_sunlit(p, "2025-01-01", days=2, step_hours=12, points=3, data_dir=prepared_data_dir, workers=1,
                         progress=lambda done, total: calls.append((done, total)))
    assert got.distance_m.tolist() == [0.0, p.distance_m[100], p.total_m]
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    ref = points_visibility(got.lon_deg, got.lat_deg, "2025-01-01", days=2, step_hours=12, data_dir=prepared_data_dir,
                            workers=1, centre_lonlat=(float(p.lon_deg[100]), float(p.lat_deg[100])))
    assert got.sunlit_fraction.tolist() == ref.sunlit_fraction.tolist()
    doc = json.loads(json.dumps(sunlit_payload(got), allow_nan=False))
    assert len(doc["sunlit_pct"]) == 3 and all(0.0 <= v <= 100.0 for v in doc["sunlit_pct"])
    with pytest.raises(GeometryError, match="points must be a whole number from 2 to 200"):
        profile_sunlit(p, "2025-01-01", days=2, points=1)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(vertices=[(0.0, -89.0)]), r"profile: needs at least 2 points \(got 1\)"),
    (dict(vertices=[(0.0, -89.0), (float("nan"), -88.0)]), r"point 2 is \(nan, -88.0\), not a finite number pair"),
    (dict(vertices=[(0.0, -89.0), (0.0, -20.0)]), r"point 2 \(lon 0, lat -20\) is off the map"),
    (dict(vertices=[(0.0, 0.0), (0.0, 3_000_000.0)], crs=SOUTH_POLAR_CODE), r"point 2 .* is off the map"),
    (dict(vertices=[(0.0, -89.0), (0.0, -89.0)]), r"points 1 and 2 are the same place"),
    (dict(samples=1), r"samples must be a whole number from 2 to 20,000 \(got 1\)"),
    (dict(samples=50_000), r"samples must be a whole number from 2 to 20,000 \(got 50000\)"),
    (dict(samples=10.5), r"samples must be a whole number"),
    (dict(spacing_m=-5.0), r"spacing_m must be a distance in metres greater than 0 \(got -5.0\)"),
    (dict(spacing_m=0.01), r"along 45.485 km needs 4,548,50\d samples, more than 20,000; choose a spacing of at least 2.3 m"),
    (dict(samples=10, spacing_m=5.0), r"give either samples or spacing_m, not both"),
    (dict(dem_paths=[]), r"dem_paths is empty"),
])
def test_bad_input_is_refused_with_a_clear_error(kwargs, message):
    args = {"vertices": [(0.0, -89.0), (180.0, -89.5)], "with_psr": False, **kwargs}
    with pytest.raises(GeometryError, match=message) as err:
        elevation_profile(args.pop("vertices"), **args)
    assert isinstance(err.value, LunarmapError)


@pytest.mark.realdata
def test_warm_up_reads_what_the_first_profile_needs(prepared_data_dir):
    from lunarmap import gazetteer, product_sampling, psr_official, rasters
    from lunarmap.profile import warm_up

    def misses():
        return (rasters._grid_cached.cache_info().misses, psr_official._load.cache_info().misses,
                gazetteer._load.cache_info().misses)

    rasters._grid_cached.cache_clear()
    psr_official._load.cache_clear()
    gazetteer._load.cache_clear()
    took = warm_up(prepared_data_dir)
    assert 0.0 < took < 60.0
    before = misses()
    assert before[1] == 1 and before[2] == 1                    # the outlines and the gazetteer were read
    for path in product_sampling.elevation_sources(prepared_data_dir):  # every DEM, not only the ones the line needed
        rasters._grid(path)
    assert misses() == before
    line = [(129.78, -89.2), (129.78 + 180.0, -89.9)]          # across Shackleton: DEMs, PSR outlines, places
    p = elevation_profile(line, samples=200, data_dir=prepared_data_dir)
    assert p.psr_bands and any(b.place for b in p.psr_bands)
    assert misses() == before                                   # nothing more was read from disk


def test_warm_up_with_no_data_says_so_in_the_log_and_returns(tmp_path, caplog):
    from lunarmap.profile import warm_up

    with caplog.at_level("INFO", logger="lunarmap.profile"):
        took = warm_up(tmp_path)
    assert took >= 0.0
    assert "profile warm-up stopped" in caplog.text
