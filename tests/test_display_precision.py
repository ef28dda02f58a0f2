"""Rounding shown numbers to what their data resolves (lunarmap.display_precision)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lunarmap.display_precision import elevation_step_m, round_area_km2, round_elevation_m, round_table


@pytest.mark.parametrize(("resolution_m", "step"), [(5.0, 1.0), (20.0, 1.0), (100.0, 1.0), (101.0, 10.0),
                                                    (1600.0, 10.0), (5000.0, 10.0), (10_660.55, 100.0),
                                                    (math.nan, 1.0)])
def test_elevation_step_follows_the_dem_pixel(resolution_m, step):
    assert elevation_step_m(resolution_m) == step


def test_round_elevation_is_a_multiple_of_the_step_and_within_half_a_step():
    rng = np.random.default_rng(3)
    for value in rng.uniform(-9000, 9000, 200):
        for res in (5.0, 1600.0, 10_700.0):
            got, step = round_elevation_m(float(value), res), elevation_step_m(res)
            assert got % step == 0 and abs(got - value) <= step / 2
    assert math.isnan(round_elevation_m(math.nan, 1600.0))


def test_round_area_keeps_small_overlaps_visible():
    assert round_area_km2(0.004) == 0.0 and round_area_km2(0.0432) == 0.04 and round_area_km2(2.345) == 2.3
    assert math.isinf(round_area_km2(math.inf))


def test_round_table_rounds_by_suffix_and_row_resolution_and_leaves_text():
    t = pd.DataFrame({"name": ["x<b>", "y"], "elevation_m": [-2750.44, 12.6], "elevation_min_m": [-2801.0, 3.4],
                      "elevation_resolution_m": [1600.0, 5.0], "slope_deg": [3.14159, 0.06],
                      "sunlit_pct": [33.333, 0.0], "longest_darkness_h": [331.6, 12.2], "region_area_km2": [0.5, 12.34],
                      "needs_relay": [True, False]})
    r = round_table(t)
    assert list(r["elevation_m"]) == [-2750.0, 13.0] and list(r["elevation_min_m"]) == [-2800.0, 3.0]
    assert list(r["slope_deg"]) == [3.1, 0.1] and list(r["sunlit_pct"]) == [33.3, 0.0]
    assert list(r["longest_darkness_h"]) == [332.0, 12.0] and list(r["region_area_km2"]) == [0.5, 12.3]
    assert list(r["name"]) == ["x<b>", "y"] and list(r["needs_relay"]) == [True, False]
    assert list(t["elevation_m"]) == [-2750.44, 12.6], "the input is not changed"
