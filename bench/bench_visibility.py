"""Benchmark: terrain horizon and Sun/Earth visibility.

Budgets (issue "Sun and Earth visibility"): horizon of one site under 1 s; visibility of
10 sites over 365 days at 1-hour steps under 5 s; sunlit-% grid of 100 x 100 km at 1 km
spacing over one month at 2-hour steps under 60 s (the region grid at 2 deg azimuth, and the
dashboard's map layer at its 3 deg azimuth step with the image). Elevation from the data folder
(LUNARMAP_DATA_DIR, default data/rasters; or give a folder as the first argument, e.g.
../shared/lunar-data). Run: python bench/bench_visibility.py [DATA_DIR]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lunarmap.ephemeris import moon_frame_vectors  # noqa: E402
from lunarmap.horizon import horizon_profile  # noqa: E402
from lunarmap.sites import load_sites  # noqa: E402
from lunarmap.sunlit_map import MAP_AZIMUTH_STEP_DEG, choose_spacing_km, clip_view, png_bytes, sunlit_image  # noqa: E402
from lunarmap.visibility import region_visibility, site_visibility, time_window  # noqa: E402


def report(name: str, seconds: float, budget: float, extra: str = "") -> None:
    verdict = "OK" if seconds <= budget else "OVER BUDGET"
    print(f"{name}: {seconds:.2f} s (budget {budget:g} s) {verdict} {extra}".rstrip(), flush=True)


def main() -> None:
    data_dir = sys.argv[1] if len(sys.argv) > 1 else None
    moon_frame_vectors(np.array(["2025-01-01"], dtype="datetime64[s]"))  # load the kernels once (not timed)

    t0 = time.perf_counter()
    h = horizon_profile(32.319, -69.373, 2.0, data_dir=data_dir)
    report("horizon of one site (720 azimuths)", time.perf_counter() - t0, 1.0,
           f"[{h.data}, out to {h.max_distance_m / 1000:.0f} km]")

    sites = [s for s in load_sites() if not s.is_region][:7] + [s for s in load_sites() if s.is_region][:3]
    t0 = time.perf_counter()
    times = time_window("2025-01-01", days=365, step_hours=1)
    vectors = moon_frame_vectors(times)
    results = [site_visibility(*s.lonlat, "2025-01-01", days=365, step_hours=1, data_dir=data_dir, vectors=vectors)
               for s in sites]
    report(f"visibility of {len(sites)} sites, 365 days hourly ({times.size} steps)", time.perf_counter() - t0, 5.0,
           f"[sunlit {min(r.sunlit_fraction for r in results):.0%}..{max(r.sunlit_fraction for r in results):.0%}]")

    view = clip_view(-50_000, -50_000, 50_000, 50_000)   # the same square; the map layer below uses it too
    assert view.equals(box(-50_000, -50_000, 50_000, 50_000))
    calls = []
    t0 = time.perf_counter()
    r = region_visibility(view, "2025-01-01", days=30, step_hours=2,
                          spacing_km=1.0, data_dir=data_dir, progress=lambda done, total: calls.append(done))
    report(f"sunlit-% grid 100 x 100 km at 1 km around the pole ({r.n_points} points, 30 days / 2 h)",
           time.perf_counter() - t0, 60.0,
           f"[mean sunlit {r.sunlit_fraction.mean():.1%}, {len(calls)} progress calls]")

    # the dashboard's sunlit-% layer for a 100 x 100 km view: clip, spacing, grid at the map's azimuth step, PNG
    calls = []
    t0 = time.perf_counter()
    spacing = choose_spacing_km(view)
    m = region_visibility(view, "2025-01-01", days=30, step_hours=2, spacing_km=spacing, data_dir=data_dir,
                          azimuth_step_deg=MAP_AZIMUTH_STEP_DEG, progress=lambda done, total: calls.append(done))
    png = png_bytes(sunlit_image(m, view))
    assert np.array_equal(m.lon_deg, r.lon_deg), "the same grid points"
    diff = np.abs(m.sunlit_fraction - r.sunlit_fraction) * 100
    report(f"sunlit-% map layer 100 x 100 km view ({m.n_points} points every {spacing:g} km, "
           f"{MAP_AZIMUTH_STEP_DEG:g} deg azimuth, 30 days / 2 h, PNG)", time.perf_counter() - t0, 60.0,
           f"[{len(png) / 1000:.0f} kB PNG; vs 2 deg: mean |diff| {diff.mean():.2f} points of %, "
           f"95th pct {np.percentile(diff, 95):.2f}, max {diff.max():.2f}]")


if __name__ == "__main__":
    main()
