"""Site comparison: side of the Moon, terrain, PSR access, distance and overlap matrices, and the compare command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod, Transformer
from rasterio.features import rasterize
from shapely.geometry import Point, Polygon

from lunarmap.compare import (
    COLUMN_DEFINITIONS,
    check_radius_km,
    compare_sites,
    distance_matrix_km,
    overlap_matrix,
    side_of_moon,
)
from lunarmap.compare_psr import nearest_psr_edges, psr_layers, psr_stats_many
from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar
from lunarmap.errors import InvalidRadiusError
from lunarmap.geodesy import cap_area_km2, geodesic_circle, lens_area_km2
from lunarmap.psr import psr_area_in
from lunarmap.psr_official import OFFICIAL_PRODUCT, load_official
from lunarmap.sites import Site, load_sites

from . import cases

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)
R = MOON_RADIUS_M
CATALOG = load_sites()


def point_site(site_id: str, lon: float, lat: float) -> Site:
    x, y = lonlat_to_polar(lon, lat)
    return Site(site_id, site_id, "target", "test", None, "test", None, Point(lon, lat), Point(float(x), float(y)))


@pytest.fixture(scope="module")
def table(prepared_data_dir):
    ids = ["chang-e-4", "chang-e-6", "chandrayaan-3", "im-2", "ilrs", "artemis-iii-haworth"]
    comp = compare_sites(CATALOG.select(ids), 20.0, prepared_data_dir)
    return comp.table.set_index("id")


# --- side of the Moon (no data needed) ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("lon", "lat", "side"),
    [
        (*cases.EQUATOR_0, "near side"),    # the mean sub-Earth point
        (180.0, 0.0, "far side"),
        (-180.0, -10.0, "far side"),        # the 180 meridian is an ordinary place
        (*cases.ON_180, "far side"),
        (*cases.ON_MINUS_180, "far side"),
        (*cases.SOUTH_POLE, "limb"),        # the pole: 90 deg away, band 6.9 deg due south
        (*cases.SOUTH_POLE_OTHER_LON, "limb"),
        (82.0, 0.0, "near side"),           # due east the band is 90 +/- 7.9: 82.0 is inside the near side
        (82.2, 0.0, "limb"),
        (97.8, 0.0, "limb"),
        (98.0, 0.0, "far side"),
        (0.0, -83.0, "near side"),          # due south the band is 90 +/- 6.9
        (0.0, -83.2, "limb"),
    ],
)
def test_side_of_moon__band_is_the_libration_range_in_the_site_direction(lon, lat, side):
    assert side_of_moon(lon, lat).side[0] == side


def test_side_of_moon__band_and_distance_match_spherical_trigonometry():
    lon, lat = np.array([32.319, 177.5991, -60.0]), np.array([-69.373, -45.4446, -30.0])
    got = side_of_moon(lon, lat)
    theta = np.degrees(np.arccos(np.cos(np.radians(lat)) * np.cos(np.radians(lon))))
    az, _, _ = GEOD.inv(np.zeros(3), np.zeros(3), lon, lat)
    band = 7.9 * np.abs(np.sin(np.radians(az))) + 6.9 * np.abs(np.cos(np.radians(az)))
    np.testing.assert_allclose(got.sub_earth_distance_deg, theta, atol=1e-9)
    np.testing.assert_allclose(got.limb_band_deg, band, atol=1e-9)


@pytest.mark.parametrize("bad", [*cases.BAD_RADII_KM, 500.5])
def test_check_radius_km__refuses_non_positive_absurd_or_non_numbers(bad):
    with pytest.raises(InvalidRadiusError, match=r"radius_km must be greater than 0 and at most 500 km \(got .*\); "
                                                 r"give the search radius around each site in kilometres, e.g. 20\."):
        check_radius_km(bad)


# --- distance and overlap matrices (no data needed) ----------------------------------------------

def test_distance_matrix_km__agrees_with_pyproj_geod_to_1_mm():
    sites = list(CATALOG)
    m = distance_matrix_km(sites)
    assert list(m.index) == list(m.columns) == [s.id for s in sites]
    lonlat = np.array([s.lonlat for s in sites])
    i, j = np.triu_indices(len(sites), 1)
    _, _, ref_m = GEOD.inv(lonlat[i, 0], lonlat[i, 1], lonlat[j, 0], lonlat[j, 1])
    assert np.max(np.abs(m.to_numpy()[i, j] * 1e3 - ref_m)) < 1e-3
    np.testing.assert_array_equal(m.to_numpy(), m.to_numpy().T)


@pytest.mark.parametrize(
    ("a", "b", "radius_km"),
    [
        ((0.0, -89.9), (180.0, -89.85), 10.0),       # across the pole
        ((179.9, -45.4), (-179.7, -45.5), 20.0),     # across the 180 meridian, far side
        ((30.0, -80.0), (30.5, -80.1), 5.0),
    ],
)
def test_overlap_matrix__two_circles_overlap_by_the_spherical_lens_area(a, b, radius_km):
    sites = [point_site("a", *a), point_site("b", *b)]
    _, _, d_m = GEOD.inv(*a, *b)
    expected = lens_area_km2(radius_km, radius_km, d_m / 1e3)
    assert expected > 0
    om = overlap_matrix(sites, radius_km)
    assert bool(om.overlaps.loc["a", "b"]) and bool(om.overlaps.loc["b", "a"])
    assert om.area_km2.loc["a", "b"] == pytest.approx(expected, rel=5e-3)
    assert om.area_km2.loc["a", "a"] == pytest.approx(cap_area_km2(radius_km), rel=5e-3)
    assert om.pairs.loc[0, "centre_distance_km"] == pytest.approx(d_m / 1e3, abs=1e-6)


def test_overlap_matrix__far_apart_circles_and_a_region_containing_a_point():
    sites = [point_site("p", 10.0, -89.5), point_site("far", 177.5991, -45.4446), CATALOG["ilrs"]]
    om = overlap_matrix(sites, 5.0)
    assert not om.overlaps.loc["p", "far"] and om.area_km2.loc["p", "far"] == 0.0
    # The point's circle lies wholly inside the ILRS cap (85 S to the pole): overlap = the whole circle.
    assert om.area_km2.loc["p", "ilrs"] == pytest.approx(cap_area_km2(5.0), rel=5e-3)
    assert not om.overlaps.loc["far", "ilrs"]


# --- the comparison table on the real data ---------------------------------------------------------

@pytest.mark.realdata
def test_compare__landers_side_of_the_moon(table):
    assert table.loc["chang-e-4", "side"] == "far side"
    assert table.loc["chang-e-6", "side"] == "far side"
    assert table.loc["chandrayaan-3", "side"] == "near side"
    assert table.loc["ilrs", "side"] == "limb"


@pytest.mark.realdata
def test_compare__columns_are_defined_and_carry_units(table):
    assert ["id", *table.columns] == list(COLUMN_DEFINITIONS)
    text = {"id", "name", "kind", "geometry_type", "side", "elevation_source", "slope_source", "psr_edge_status",
            "psr_edge_source", "nearest_psr", "psr_note", "region_psr_note", "psr_count_in_radius",
            "terrain_sample_count", "psr_coverage_in_radius"}
    for col in COLUMN_DEFINITIONS:
        assert col in text or col.endswith(("_m", "_km", "_km2", "_deg", "_pct")), col


@pytest.mark.realdata
def test_compare__psr_within_20_km_of_the_pole_matches_an_independent_raster_computation(table, prepared_data_dir):
    """Circle built with pyproj.Geod: its part in the official outlines measured with pyproj.Geod, plus the 60 m
    grid's PSR pixels (centres) outside them, each pixel's true area from an equal-area projection."""
    got = table.loc["ilrs", "psr_area_in_radius_km2"]
    assert table.loc["ilrs", "lat_deg"] == pytest.approx(-90.0, abs=1e-6)   # the ILRS region is centred on the pole
    lons, lats, _ = GEOD.fwd(np.zeros(720), np.full(720, -90.0), np.linspace(0, 360, 720, endpoint=False), np.full(720, 20e3))
    to_stere = Transformer.from_crs(f"+proj=longlat +R={R}", f"+proj=stere +lat_0=-90 +R={R}", always_xy=True)
    circle = Polygon(np.column_stack(to_stere.transform(lons, lats)))
    with rasterio.open(prepared_data_dir / "prepared" / "psr_60m.tif") as ds:
        win = rasterio.windows.from_bounds(-21000, -21000, 21000, 21000, ds.transform).round_offsets().round_lengths()
        mask = ds.read(1, window=win)
        t = ds.window_transform(win)
    inside = rasterize([(circle, 1)], out_shape=mask.shape, transform=t).astype(bool)
    official = load_official(prepared_data_dir)
    near = [g for g in official.geoms if g.intersects(circle)]
    in_official = rasterize([(g, 1) for g in near], out_shape=mask.shape, transform=t).astype(bool)
    to_ll = Transformer.from_crs(f"+proj=stere +lat_0=-90 +R={R}", f"+proj=longlat +R={R}", always_xy=True)
    official_km2 = sum(abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(shapely.transform(
        part, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))))[0])
        for g in near for part in shapely.get_parts(shapely.intersection(g, circle))) / 1e6
    # True area of each pixel: its corners projected to Lambert azimuthal equal-area, shoelace area.
    rows, cols = np.mgrid[0: mask.shape[0] + 1, 0: mask.shape[1] + 1]
    x, y = t.c + cols * t.a, t.f + rows * t.e
    to_laea = Transformer.from_crs(f"+proj=stere +lat_0=-90 +R={R}", f"+proj=laea +lat_0=-90 +R={R}", always_xy=True)
    lx, ly = to_laea.transform(x, y)
    corners = [(lx[:-1, :-1], ly[:-1, :-1]), (lx[:-1, 1:], ly[:-1, 1:]), (lx[1:, 1:], ly[1:, 1:]), (lx[1:, :-1], ly[1:, :-1])]
    shoelace = sum(xa * yb - xb * ya for (xa, ya), (xb, yb) in zip(corners, corners[1:] + corners[:1], strict=True))
    expected = official_km2 + float(np.sum(np.abs(shoelace) / 2.0 * (inside & (mask == 1) & ~in_official)) / 1e6)
    assert got > official_km2 > 0
    assert got == pytest.approx(expected, rel=0.005)
    assert table.loc["ilrs", "psr_coverage_in_radius"] == pytest.approx(1.0, abs=1e-6)
    assert table.loc["ilrs", "psr_note"] == ("covered by the official LOLA PSR outlines (PSRs >= 5 km2); "
                                             "PSRs under 5 km2 too (60 m grid)")


@pytest.mark.realdata
def test_compare__psr_at_chang_e_4_is_no_data_with_a_reason_never_zero(table):
    row = table.loc["chang-e-4"]
    assert np.isnan(row["psr_area_in_radius_km2"])
    assert row["psr_count_in_radius"] is pd.NA
    assert row["psr_coverage_in_radius"] == 0.0
    assert row["psr_note"] == "no PSR data: outside the official LOLA PSR outlines' map (75 S to the pole)"


@pytest.mark.realdata
def test_compare__circle_running_off_the_60m_grid_says_small_psrs_are_mapped_only_there(table):
    row = table.loc["im-2"]   # 84.79 S: the 20 km circle runs off the 60 m grid, not off the official outlines
    assert row["psr_coverage_in_radius"] == pytest.approx(1.0, abs=1e-6)
    assert row["psr_note"].startswith("covered by the official LOLA PSR outlines (PSRs >= 5 km2); PSRs under 5 km2 "
                                      "only on the ")
    assert row["psr_note"].endswith("% of it the 60 m grid covers")
    assert row["psr_area_in_radius_km2"] > 0


@pytest.mark.realdata
def test_compare__partly_covered_circle_says_so(prepared_data_dir):
    """A circle across the edge of the official outlines' map (75 S at 0 E): covered in part, and said so."""
    comp = compare_sites([point_site("edge", 0.0, -75.05)], 20.0, prepared_data_dir)
    row = comp.table.iloc[0]
    assert 0.3 < row["psr_coverage_in_radius"] < 0.7
    assert row["psr_note"].startswith("partially covered: ") and "official LOLA PSR outlines' map" in row["psr_note"]
    assert "PSRs under 5 km2 are not mapped here" in row["psr_note"]
    assert any("official LOLA outlines of every PSR >= 5 km2" in n for n in comp.notes)
    assert "psr_official" in comp.provenance


@pytest.mark.realdata
def test_psr_stats_many__agrees_with_psr_area_in(prepared_data_dir):
    layers = psr_layers(prepared_data_dir)
    shapes = [geodesic_circle(0.0, -90.0, 20.0), geodesic_circle(29.1957, -84.7906, 20.0),
              CATALOG["artemis-iii-haworth"].geometry_polar, geodesic_circle(177.5991, -45.4446, 20.0)]
    for mine, shape in zip(psr_stats_many(shapes, layers), shapes, strict=True):
        ref = psr_area_in(shape, prepared_data_dir)
        if np.isnan(ref.psr_area_km2):
            assert np.isnan(mine.psr_area_km2) and mine.covered_fraction == 0.0
            continue
        assert mine.psr_area_km2 == pytest.approx(ref.psr_area_km2, rel=1e-6)
        assert mine.valid_area_km2 == pytest.approx(ref.valid_area_km2, rel=1e-4)
        assert mine.covered_fraction == pytest.approx(ref.covered_fraction, abs=1e-4)
        assert abs(mine.psr_count - ref.psr_count) <= max(2, 0.002 * ref.psr_count)


@pytest.mark.realdata
def test_compare__region_figures(table):
    ilrs = table.loc["ilrs"]
    # The ILRS outline is the 85 S parallel: a cap of angular radius 5 degrees.
    assert ilrs["region_area_km2"] == pytest.approx(cap_area_km2(np.radians(5.0) * R / 1e3), rel=1e-3)
    assert ilrs["region_psr_area_km2"] > ilrs["psr_area_in_radius_km2"] > 0
    assert ilrs["region_psr_share_pct"] == pytest.approx(100 * ilrs["region_psr_area_km2"] / ilrs["region_area_km2"], rel=1e-3)
    assert ilrs["psr_edge_distance_km"] == 0.0 and ilrs["psr_edge_status"] == "region overlaps PSR"
    for name in ("elevation", "slope"):
        unit = "_m" if name == "elevation" else "_deg"
        lo, mean, hi = (table.loc["artemis-iii-haworth", f"{name}{part}{unit}"] for part in ("_min", "", "_max"))
        assert lo <= mean <= hi and lo < hi
    assert table.loc["artemis-iii-haworth", "terrain_sample_count"] > 100
    assert np.isnan(table.loc["chang-e-4", "region_area_km2"])
    e = table.loc["chang-e-4"]
    assert e["elevation_min_m"] == e["elevation_m"] == e["elevation_max_m"] and e["terrain_sample_count"] == 1
    assert e["elevation_resolution_m"] > 10_000 and e["elevation_source"] == "lola_global_dem_0p35deg"


@pytest.mark.realdata
def test_nearest_psr_edge__inside_an_outline_is_zero(prepared_data_dir):
    layers = psr_layers(prepared_data_dir)
    big = int(np.argmax([g.area for g in layers.outlines]))
    inner = layers.outlines[big].representative_point()
    edges = nearest_psr_edges([inner], layers)
    assert edges.distance_km[0] == 0.0 and edges.status[0] == "inside PSR"
    # The largest outline is an official one (and the grid's outline of the same PSR overlaps it): named by its ID.
    assert edges.source[0] == OFFICIAL_PRODUCT and edges.nearest[0] == layers.outline_ids[big]
    assert str(edges.nearest[0]).startswith("SP_")
    # A small PSR only the 60 m grid has (no official outline shares its area).
    official = load_official(prepared_data_dir)
    grid = np.flatnonzero(layers.outline_sources != OFFICIAL_PRODUCT)
    alone = [j for j in grid if layers.outline_ids[j] not in set(official.grid_ids_inside)]
    small = max(alone, key=lambda j: layers.outlines[j].area)
    edges = nearest_psr_edges([layers.outlines[small].representative_point()], layers)
    assert edges.distance_km[0] == 0.0 and edges.source[0] == "PSR outlines (60 m grid)"
    assert edges.nearest[0] == f"outline {layers.outline_ids[small]}"


@pytest.mark.realdata
def test_nearest_psr_edge__matches_brute_force_geodesic_search(prepared_data_dir):
    layers = psr_layers(prepared_data_dir)
    to_ll = Transformer.from_crs(f"+proj=stere +lat_0=-90 +R={R}", f"+proj=longlat +R={R}", always_xy=True)
    for lon, lat in [(-120.0, -86.5), (10.0, -89.9), (0.0, -85.2), (-150.0, -87.5)]:
        x, y = lonlat_to_polar(lon, lat)
        site = Point(float(x), float(y))
        edges = nearest_psr_edges([site], layers)
        assert edges.status[0] == "outside PSR"
        near = [g for g in layers.outlines if g.distance(site) < 30_000]
        dense = shapely.get_coordinates(shapely.segmentize(shapely.boundary(np.array(near, dtype=object)), 2.0))
        vlon, vlat = to_ll.transform(dense[:, 0], dense[:, 1])
        _, _, d = GEOD.inv(np.full(vlon.size, lon), np.full(vlon.size, lat), vlon, vlat)
        assert edges.distance_km[0] * 1e3 == pytest.approx(d.min(), abs=1.5)
        assert edges.source[0] == "PSR outlines (60 m grid)"


@pytest.mark.realdata
def test_nearest_psr_edge__beyond_the_grid_uses_catalogue_equivalent_circles(table, prepared_data_dir):
    cat = pd.read_csv(prepared_data_dir / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv")
    lon, lat = CATALOG["chang-e-4"].lonlat
    _, _, d = GEOD.inv(np.full(len(cat), lon), np.full(len(cat), lat), cat["longitude"].to_numpy(), cat["latitude"].to_numpy())
    gap = d - np.sqrt(cat["area"].to_numpy() * 1e6 / np.pi)
    row = table.loc["chang-e-4"]
    assert row["psr_edge_source"] == "PSR catalogue (equivalent circle)"
    assert row["psr_edge_distance_km"] * 1e3 == pytest.approx(gap.min(), abs=1e-3)
    assert row["nearest_psr"] == cat["PSR_ID"].iloc[int(np.argmin(gap))]
