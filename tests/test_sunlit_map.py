"""The sunlit-% map helpers (spacing, clipping, colours, image, legend) and the comparison's Sun/Earth columns."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image
from shapely.geometry import Point, box

from lunarmap.compare import compare_sites
from lunarmap.compare_visibility import VISIBILITY_COLUMNS, sites_visibility, with_visibility
from lunarmap.crs import LONLAT_CODE, MOON_RADIUS_M, transformer
from lunarmap.errors import GeometryError
from lunarmap.export import export_bytes
from lunarmap.sites import load_sites
from lunarmap.sunlit_map import (
    SUNLIT_STOPS,
    choose_spacing_km,
    choose_spacing_km_for_extent,
    clip_view,
    coverage_radius_m,
    png_bytes,
    sunlit_image,
    sunlit_legend,
    sunlit_rgba,
)
from lunarmap.visibility import RegionVisibility, _grid_in

R = MOON_RADIUS_M


@pytest.mark.parametrize(("extent_km", "spacing_km"), [
    (100.0, 1.0), (100.5, 1.2), (20.0, 1.0), (250.0, 2.5), (251.0, 3.0), (700.0, 8.0), (5_000.0, 50.0),
    (3_241.0, 40.0),
])
def test_choose_spacing_km_for_extent__smallest_round_spacing_with_at_most_100_intervals(extent_km, spacing_km):
    assert choose_spacing_km_for_extent(extent_km) == spacing_km


def test_choose_spacing_km_for_extent__honours_the_minimum_and_refuses_nonsense():
    assert choose_spacing_km_for_extent(30.0, min_km=0.5) == 0.5
    assert choose_spacing_km_for_extent(30.0, max_points=10) == 3.0
    for bad in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(GeometryError, match="positive number of km"):
            choose_spacing_km_for_extent(bad)


@pytest.mark.parametrize("view", [
    box(-50_000, -50_000, 50_000, 50_000),                    # the budget case: 100 x 100 km at the pole
    box(300_000, -900_000, 420_000, -820_000),                # off the pole, wider than high
    box(-1_600_000, -1_600_000, 1_600_000, 1_600_000),        # the whole map (clipped to 40 S)
])
def test_choose_spacing_km__keeps_the_region_grid_at_about_100_x_100_points(view):
    geom = clip_view(*view.bounds)
    spacing = choose_spacing_km(geom)
    n = _grid_in(geom, spacing)[0].size
    assert n <= 1.05 * 100**2
    if spacing > 1.0:  # the next finer round spacing would break the limit
        finer = max(s for s in (0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0,
                                30.0, 40.0, 50.0) if s < spacing)
        assert _grid_in(geom, finer)[0].size > 100**2


def test_choose_spacing_km__100_km_view_at_the_pole_is_1_km():
    assert choose_spacing_km(clip_view(-50_000, -50_000, 50_000, 50_000)) == 1.0


def test_coverage_radius__is_the_stereographic_radius_of_40_s():
    assert coverage_radius_m(-40.0) == pytest.approx(2 * R * math.tan(math.radians(25.0)), rel=1e-9)


def test_clip_view__inside_the_data_the_box_is_unchanged_and_corners_may_come_in_any_order():
    g = clip_view(50_000, 20_000, -50_000, -20_000)
    assert g.bounds == pytest.approx((-50_000, -20_000, 50_000, 20_000))
    assert g.area == pytest.approx(100_000 * 40_000)


def test_clip_view__a_box_across_40_s_is_cut_at_the_data_edge():
    r = coverage_radius_m(-40.0)
    g = clip_view(1_500_000, -100_000, 1_800_000, 100_000)
    assert g.bounds[0] == pytest.approx(1_500_000)
    assert g.bounds[2] == pytest.approx(r, abs=1.0)   # the circle's rightmost vertex is on the x axis
    # area of the box part inside the circle of radius r: the strip -100..100 km between x = 1500 km and the arc
    ys = np.linspace(-100_000, 100_000, 20_001)
    expected = np.trapezoid(np.sqrt(r**2 - ys**2) - 1_500_000, ys)
    assert g.area == pytest.approx(expected, rel=2e-4)


@pytest.mark.parametrize(("bounds", "message"), [
    ((2_000_000, 2_000_000, 2_100_000, 2_100_000), "outside the data"),
    ((0, 0, 0, 100), "no area"),
    ((0, 0, float("nan"), 100), "finite"),
    (("a", 0, 1, 1), "numbers"),
])
def test_clip_view__refuses_views_it_cannot_use(bounds, message):
    with pytest.raises(GeometryError, match=message):
        clip_view(*bounds)


def test_sunlit_rgba__stops_interpolation_clipping_and_nan():
    out = sunlit_rgba([0.0, 12.5, 50.0, 150.0, -3.0, float("nan")])
    c0, c25 = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in (SUNLIT_STOPS[0][1], SUNLIT_STOPS[1][1]))
    assert out[0].tolist() == [*c0.tolist(), 210]
    np.testing.assert_array_equal(out[1, :3], np.rint((c0 + c25) / 2))          # half way from 0 % to 25 %
    assert out[2, :3].tolist() == [0xCC, 0x47, 0x78]                             # the 50 % stop
    assert out[3].tolist() == [0xF0, 0xF9, 0x21, 210]                            # above 100 % -> the 100 % colour
    assert out[4].tolist() == out[0].tolist()                                    # below 0 % -> the 0 % colour
    assert out[5].tolist() == [0, 0, 0, 0]
    assert sunlit_rgba(np.zeros((3, 5))).shape == (3, 5, 4)


def _fake_result(geom, spacing_km: float, values_of) -> RegionVisibility:
    lon, lat = _grid_in(geom, spacing_km)
    x, y = transformer(LONLAT_CODE, "IAU_2015:30135").transform(lon, lat)
    x, y = np.asarray(x), np.asarray(y)
    f = values_of(x, y)
    z = np.zeros_like(f)
    t0 = np.datetime64("2027-01-01T00:00:00")
    return RegionVisibility(lon_deg=np.asarray(lon), lat_deg=np.asarray(lat), x_m=x, y_m=y, spacing_km=spacing_km,
                            sunlit_fraction=f, sun_full_fraction=f, earth_fraction=z, longest_dark_h=z,
                            start_utc=t0, end_utc=t0 + np.timedelta64(30, "D"), step_hours=2.0,
                            method="test; data lola_global_dem_0p35deg")


def test_sunlit_image__every_grid_point_pixel_has_its_colour_and_outside_is_transparent():
    geom = Point(0.0, -300_000.0).buffer(20_000.0, quad_segs=64)
    res = _fake_result(geom, 2.0, lambda x, y: np.clip((x + 20_000) / 40_000, 0, 1))
    img = sunlit_image(res, geom)
    minx, miny, maxx, maxy = img.bounds_m
    ny, nx, _ = img.rgba.shape
    assert maxx - minx == pytest.approx(nx * img.pixel_m) and maxy - miny == pytest.approx(ny * img.pixel_m)
    assert minx == pytest.approx(-20_000, abs=1) and maxy == pytest.approx(-280_000, abs=1)
    # the pixel containing each grid point shows that point's value (it is its own nearest grid node)
    col = np.floor((res.x_m - minx) / img.pixel_m).astype(int)
    row = np.floor((maxy - res.y_m) / img.pixel_m).astype(int)
    inside = shapely.contains_xy(geom, minx + (col + 0.5) * img.pixel_m, maxy - (row + 0.5) * img.pixel_m)
    expected = sunlit_rgba(100.0 * res.sunlit_fraction)
    np.testing.assert_array_equal(img.rgba[row[inside], col[inside]], expected[inside])
    assert inside.sum() > 0.9 * res.n_points
    # every pixel inside the disc has a colour (at the edge from a neighbouring node), every pixel outside none
    cx, cy = np.meshgrid(minx + (np.arange(nx) + 0.5) * img.pixel_m, maxy - (np.arange(ny) + 0.5) * img.pixel_m)
    np.testing.assert_array_equal(img.rgba[..., 3] > 0, shapely.contains_xy(geom, cx, cy))
    # corners of the bounding box are outside the disc: transparent; the centre is not
    assert img.rgba[0, 0, 3] == 0 and img.rgba[-1, -1, 3] == 0 and img.rgba[ny // 2, nx // 2, 3] == 210
    # west is darker than east (the values rise from 0 to 1 west to east)
    assert img.rgba[ny // 2, 2, 0] < img.rgba[ny // 2, nx - 3, 0]
    # about two pixels per 2 km cell (k is 1.0075 at 300 km from the pole)
    assert img.pixel_m == pytest.approx(2_000 * 2 / (1 + math.cos(300_000 / (2 * R)) ** 2) / 2, rel=0.02)
    png = Image.open(io.BytesIO(png_bytes(img)))
    assert png.mode == "RGBA" and png.size == (nx, ny)
    np.testing.assert_array_equal(np.asarray(png), img.rgba)


def test_sunlit_legend__ramp_0_to_100_and_a_note_with_window_spacing_and_data():
    geom = box(-10_000, -10_000, 10_000, 10_000)
    res = _fake_result(geom, 1.0, lambda x, y: np.full(x.shape, 0.5))
    entry = sunlit_legend(res, mast_m=2.0, azimuth_step_deg=3.0)
    assert entry["title"] == "Sunlit" and entry["units"] == "% of the window" and entry["type"] == "ramp"
    assert entry["stops"][0][0] == 0 and entry["stops"][-1][0] == 100
    for text in ("2027-01-01 00:00 to 2027-01-31 00:00 UTC", "every 2 h", "2 m above", "1 km apart",
                 "3 deg of azimuth", "10 km LOLA grid", f"{res.n_points:,} points"):
        assert text in entry["note"], text
    json.dumps(entry)


# ----------------------------------------------------------------- comparison columns
@pytest.mark.realdata
def test_with_visibility__adds_defined_columns_that_reach_the_exports_and_judges_regions_over_their_area(
        prepared_data_dir):
    sites = load_sites().select(["chang-e-4", "chang-e-6", "chandrayaan-3", "ilrs"])
    comp = compare_sites(sites, 20.0, prepared_data_dir)
    results = sites_visibility(sites, "2027-01-01", days=30, step_hours=2.0, mast_m=2.0, data_dir=prepared_data_dir)
    out = with_visibility(comp, results)
    t = out.table.set_index("id")
    n = len(VISIBILITY_COLUMNS)
    assert list(out.table.columns[-n:]) == list(VISIBILITY_COLUMNS)
    assert all(c in out.columns and "centre point" not in out.columns[c] for c in VISIBILITY_COLUMNS)
    # the ILRS region over its whole cap, never its centre (the pole): a range, with its grid
    ilrs = t.loc["ilrs"]
    assert ilrs["visibility_points"] > 50 and ilrs["visibility_spacing_km"] > 0
    assert ilrs["sunlit_min_pct"] <= ilrs["sunlit_pct"] <= ilrs["sunlit_max_pct"]
    assert ilrs["sunlit_min_pct"] < ilrs["sunlit_max_pct"]
    assert "points" in ilrs["visibility_summary"] and " km apart" in ilrs["visibility_summary"]
    assert t.loc["chang-e-4", "visibility_points"] == 1 and t.loc["chang-e-4", "sunlit_min_pct"] == t.loc[
        "chang-e-4", "sunlit_pct"]
    assert any("judged over their whole area" in note for note in out.notes)
    # far side: Earth never up; near side (Chandrayaan-3): Earth (nearly) always up
    assert list(t["needs_relay"]) == [True, True, False, False]
    assert t.loc["chang-e-4", "earth_visible_pct"] == 0 and t.loc["chandrayaan-3", "earth_visible_pct"] > 90
    # a lunar day-night cycle: about half the month lit at mid latitudes, nights of about 14 days (336 h)
    for sid in ("chang-e-4", "chang-e-6", "chandrayaan-3"):
        assert 40 < t.loc[sid, "sunlit_pct"] < 60 and 250 <= t.loc[sid, "longest_darkness_h"] <= 370
    assert (t["longest_darkness_h"] % 2 == 0).all()
    assert any("window 2027-01-01T00:00:00 to 2027-01-31T00:00:00 UTC" in n for n in out.notes)
    csv = pd.read_csv(io.BytesIO(export_bytes(out, "csv", "2026-01-01T00:00:00")), comment="#")
    assert list(csv.columns[-n:]) == list(VISIBILITY_COLUMNS)
    assert csv.set_index("id").loc["chang-e-6", "sunlit_pct"] == pytest.approx(t.loc["chang-e-6", "sunlit_pct"])
    gj = json.loads(export_bytes(out, "geojson", "2026-01-01T00:00:00"))
    props = {f["properties"]["id"]: f["properties"] for f in gj["features"]}
    assert props["chang-e-4"]["needs_relay"] is True and props["ilrs"]["needs_relay"] is False
    assert "needs_relay" in gj["metadata"]["columns"]
    assert len(export_bytes(out, "gpkg", "2026-01-01T00:00:00")) > 0
    with pytest.raises(ValueError, match="one visibility result per site"):
        with_visibility(comp, results[:2])
