"""Seeding map tiles ahead of use (lunarmap.tile_seed, ``lunarmap tiles``): the right tiles, the server's own.

The product is the synthetic 4 m COG of tests/test_tiles.py (8,192 m square round the pole, levels 1-12).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from lunarmap import tile_seed, tiles
from lunarmap.cli import main
from lunarmap.crs import lonlat_to_polar
from lunarmap.errors import TileError
from lunarmap.geodesy import geodesic_circle

from . import test_tiles
from .display_data import write_display_data
from .test_remote import VAR

cog = test_tiles.cog            # the fixture of the synthetic 4 m COG


@pytest.fixture
def data_dir(tmp_path, cog, monkeypatch):
    monkeypatch.setenv(VAR, str(cog))
    return write_display_data(tmp_path / "data")


def _source(data_dir, style="elevation"):
    (s,) = [s for s in tiles.tile_sources(data_dir)[0] if s.style == style]
    return s


def _brute_force(area, z):
    """Every level-z tile whose square shares area with ``area``: each square tested, over the area's bounds
    with a margin of two tiles (clamped to the level)."""
    n, size = 2 ** z, 2 * tiles.TMS_HALF_M / 2 ** z
    x0, y0, x1, y1 = area.bounds
    cols = range(max(0, int((x0 + tiles.TMS_HALF_M) // size) - 2), min(n, int((x1 + tiles.TMS_HALF_M) // size) + 3))
    rows = range(max(0, int((tiles.TMS_HALF_M - y1) // size) - 2), min(n, int((tiles.TMS_HALF_M - y0) // size) + 3))
    return {(c, r) for c in cols for r in rows if box(*tiles.tile_bounds_m(z, c, r)).intersection(area).area > 0}


@pytest.mark.parametrize("z", [1, 3, 6])
@pytest.mark.parametrize("area", [
    box(-1.0, -1.0, 1.0, 1.0),                                      # round the pole: one tile of each quadrant
    box(0.0, 0.0, 262_144.0, 262_144.0),                            # edges exactly on tile edges
    geodesic_circle(177.6, -45.4, 150.0),                           # Chang'e 4, far side, across the 180 meridian
    Point(lonlat_to_polar(0.0, -89.0)).buffer(40_000.0),
])
def test_tiles_over_an_area_are_exactly_those_whose_squares_meet_it(area, z):
    assert set(tile_seed.tiles_over(area, z)) == _brute_force(area, z)


def test_tile_index_range_agrees_with_the_tile_matrix_sets_tile_bounds():
    for z in (1, 7, 12, 14):
        n = 2 ** z
        for c, r in [(0, 0), (n - 1, n - 1), (n // 2, n // 2 - 1), (3 % n, (n - 5) % n)]:
            assert tile_seed.tile_index_range(z, tiles.tile_bounds_m(z, c, r)) == (c, r, c, r)
    assert tile_seed.tile_index_range(4, (3e6, 3e6, 4e6, 4e6)) is None        # beyond the tile matrix set


@pytest.mark.parametrize("text, levels", [("12", (12,)), ("8-10", (8, 9, 10)), (" 1-1 ", (1,))])
def test_levels_parse(text, levels):
    assert tile_seed.parse_levels(text) == levels


@pytest.mark.parametrize("text", ["0", "15", "10-8", "8-", "a", "8-10-12", ""])
def test_bad_levels_say_what_is_accepted(text):
    with pytest.raises(TileError, match=r"not a level or a range of levels from 1 to 14; write e\.g\. 12 or 8-12"):
        tile_seed.parse_levels(text)


def test_seeded_tiles_are_the_ones_the_server_serves_and_a_second_run_renders_nothing(data_dir):
    source = _source(data_dir)
    area = box(-1_500.0, -1_500.0, 1_500.0, 1_500.0)
    seen = []
    report = tile_seed.seed_tiles(source, range(10, 13), area, data_dir, progress=lambda *a: seen.append(a))
    assert [lv.z for lv in report.levels] == [10, 11, 12]
    assert [lv.tiles for lv in report.levels] == [len(_brute_force(area, z)) for z in (10, 11, 12)] == [4, 4, 16]
    assert report.rendered == 24 and all(lv.cached == 0 and lv.empty == 0 for lv in report.levels)
    assert seen[-1] == (12, 16, 16)
    for z in (10, 11, 12):
        for c, r in tile_seed.tiles_over(area, z):
            cached = tiles.tile_cache_dir(data_dir) / source.key / str(z) / str(c) / f"{r}.png"
            assert cached.read_bytes() == tiles.render_tile(source, z, c, r)     # what the server would draw
    again = tile_seed.seed_tiles(source, range(10, 13), area, data_dir)
    assert again.rendered == 0 and [lv.cached for lv in again.levels] == [4, 4, 16]


def test_the_area_is_clipped_to_the_products_footprint_and_levels_it_lacks_are_skipped(data_dir):
    source = _source(data_dir)
    ring = box(-5_000.0, -5_000.0, 5_000.0, 5_000.0)                  # the footprint is +-4,096 m
    report = tile_seed.seed_tiles(source, [12, 13, 14], ring, data_dir)
    assert [lv.z for lv in report.levels] == [12]                     # 13 and 14 are finer than the product
    # clipped to the footprint (its bounds, transformed, overhang the grid by 4e-8 m: no tile for that sliver)
    assert report.levels[0].tiles == 64 and report.levels[0].empty == 0


def test_too_many_tiles_is_refused_before_anything_is_rendered(data_dir):
    source = _source(data_dir)
    with pytest.raises(TileError, match=r"^84 tiles of elevation\.lola-5m-87s\.\w+ over this area \(level 10: 4, "
                                        r"level 11: 16, level 12: 64\) is more than the limit of 50; choose a smaller "
                                        r"area or fewer levels, or raise the limit\.$"):
        tile_seed.seed_tiles(source, [10, 11, 12], None, data_dir, max_tiles=50)
    assert not (tiles.tile_cache_dir(data_dir) / source.key).exists()


def test_far_too_many_tiles_is_refused_at_once_with_an_estimate(data_dir, monkeypatch):
    source = _source(data_dir)
    listed = []
    monkeypatch.setattr(tile_seed, "tiles_over", lambda *a: listed.append(a) or iter(()))
    with pytest.raises(TileError, match=r"^at least 84 tiles of elevation\.lola-5m-87s\.\w+ over this area \(level "
                                        r"10: at least 4, level 11: at least 16, level 12: at least 64\) is more than "
                                        r"the limit of 5;"):
        tile_seed.seed_tiles(source, [10, 11, 12], None, data_dir, max_tiles=5)
    assert listed == []                                               # refused before listing a tile


def test_a_thin_area_with_a_large_bounding_box_is_counted_exactly_not_refused(data_dir):
    source = _source(data_dir)
    track = LineString([(-4_090.0, -3_790.0), (3_790.0, 4_090.0)]).buffer(2.0)   # a 4 m wide diagonal track
    assert tile_seed._boxed(tile_seed.tile_index_range(12, track.bounds)) == 64      # its box: 8 x 8 tiles
    report = tile_seed.seed_tiles(source, [12], track, data_dir, max_tiles=15)   # 64 > 4 x 15: estimated first
    assert report.levels[0].tiles == 15 == len(_brute_force(track, 12))


def test_a_failing_progress_stops_the_run(data_dir):
    source = _source(data_dir)

    class Stop(Exception):
        pass

    def stop_after(z, done, total):
        if done >= 3:
            raise Stop

    with pytest.raises(Stop):
        tile_seed.seed_tiles(source, [12], None, data_dir, workers=1, progress=stop_after)
    left = list((tiles.tile_cache_dir(data_dir) / source.key / "12").rglob("*.png"))
    assert 3 <= len(left) < 64                                        # stopped, not finished


def test_cli_list_and_seed_round_a_point(data_dir, capsys):
    assert main(["tiles", "list", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"elevation\.lola-5m-87s\.\w+ +elevation +LOLA elevation \(5 m\) +5\.000 +1-12", out), out
    assert main(["tiles", "seed", "--levels", "11-12", "--layer", "slope", "--at=0,-90", "--radius-km", "1",
                 "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "seeding levels 11-12 over 1 km round 90.0000° S, 0.0000° E" in out
    circle = geodesic_circle(0.0, -90.0, 1.0)
    n12 = len(_brute_force(circle, 12))
    assert re.search(rf"level 12 \(4 m/px\): +{n12} tiles, {n12} rendered \(0 without data\), 0 already cached", out)
    assert out.count("slope.lola-5m-87s.") == 2 and "elevation.lola" not in out
    assert main(["tiles", "seed", "--levels", "12", "--layer", "slope", "--at=0,-90", "--radius-km", "1",
                 "--data-dir", str(data_dir)]) == 0
    assert f"{n12} tiles, 0 rendered (0 without data), {n12} already cached" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--levels", "20"], r"levels '20' are not a level or a range of levels from 1 to 14"),
    (["--levels", "12", "--layer", "nac"], r"no tile source matches 'nac'; give a style \(elevation, hillshade"),
    (["--levels", "12", "--at", "north"], r"--at 'north' is not LON,LAT"),
    (["--levels", "12", "--at=0,-90", "--site", "ilrs"], r"give --site or --at, not both"),
    (["--levels", "12", "--site", "atlantis"], r"unknown site id 'atlantis'"),
    (["--levels", "12", "--at=0,-90", "--radius-km", "-1"], r"radius_km must be greater than 0"),
    (["--levels", "8-12", "--max-tiles", "10"], r"tiles of elevation\.lola-5m-87s\.\w+ over this area .* is more than "
                                                r"the limit of 10; choose a smaller area or fewer levels"),
])
def test_cli_seed_bad_input_is_status_2_with_what_to_change(argv, message, data_dir, capsys):
    assert main(["tiles", "seed", *argv, "--data-dir", str(data_dir)]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not tiles.tile_cache_dir(data_dir).exists()


def test_cli_seed_of_an_area_outside_the_product_says_so(data_dir, capsys):
    assert main(["tiles", "seed", "--levels", "10-12", "--site", "chandrayaan-3", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "seeding levels 10-12 over 10 km round chandrayaan-3" in out
    assert out.count("the area is outside this product, which covers x -4.1 to 4.1 km, y -4.1 to 4.1 km") == 3
    assert not tiles.tile_cache_dir(data_dir).exists()


@pytest.mark.parametrize("extra, where", [([], "over the region ilrs"), (["--radius-km", "1"], "over 1 km round ilrs")])
def test_cli_seed_of_a_region_takes_its_outline_unless_a_radius_is_given(extra, where, data_dir, capsys):
    from lunarmap.sites import load_sites

    assert main(["tiles", "seed", "--levels", "12", "--layer", "slope", "--site", "ilrs", *extra,
                 "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"seeding levels 12-12 {where}\n" in out
    ilrs = load_sites().get("ilrs")
    area = ilrs.geometry_polar if not extra else geodesic_circle(*ilrs.lonlat, 1.0)
    n = len(_brute_force(area.intersection(box(*_source(data_dir, "slope").bounds_m)), 12))
    assert 0 < n and re.search(rf"level 12 \(4 m/px\): +{n} tiles, {n} rendered", out), (n, out)


def test_cli_without_products_says_how_to_configure_one(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(VAR, raising=False)
    assert main(["tiles", "list", "--data-dir", str(write_display_data(tmp_path / "d"))]) == 2
    err = capsys.readouterr().err
    assert "no full-resolution product is configured" in err and "LUNARMAP_PRODUCT_LOLA_5M_87S=" in err
    assert "LUNARMAP_REMOTE=on" in err


def test_the_default_area_is_the_whole_footprint(data_dir):
    report = tile_seed.seed_tiles(_source(data_dir), [9], None, data_dir)
    assert report.levels[0].tiles == 4 and np.isclose(report.levels[0].m_per_px, 32.0)
