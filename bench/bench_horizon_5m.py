"""Benchmark: the horizon of one site on a 5 m DEM of 18 x 18 km inside the 1.6 km polar DEM (budget: under 2 s).

    python bench/bench_horizon_5m.py [--data-dir data/rasters] [--size-km 18] [--runs 3]

Builds a data folder in a temporary directory with the real global (~10.7 km)
and polar (1.6 km) LOLA DEMs from ``--data-dir`` and, in place of the 5 m
Shoemaker crop, a synthetic 5 m DEM of ``--size-km`` square (3,600 x 3,600
float32 for 18 km: 52 MB, more than lunarmap keeps in memory, so it is read
window by window as a full-resolution product would be), tiled 256 px, at the
crop's place (about 87.2 S, 62.8 E), with craters and ridges on top of
the polar DEM's heights there. Then times
:func:`lunarmap.horizon.horizon_profile` at its centre (2 m mast, 0.5 deg
azimuth step, the default sampler: the finest DEM per point), cold (first in
the process, files opened) and warm (the horizon memory cleared, the files'
blocks in GDAL's cache), median of ``--runs``, and prints the ray steps the
horizon reports (half the finest resolution near the site, half the coarsest
far out).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lunarmap.crs import SOUTH_POLAR_CODE, polar_to_lonlat  # noqa: E402
from lunarmap.horizon import clear_horizon_cache, default_sampler, horizon_profile  # noqa: E402
from lunarmap.product_sampling import sample_elevation_m  # noqa: E402
from lunarmap.rasters import SOURCE_DEM, SOURCE_DEM_5M, SOURCE_DEM_POLAR  # noqa: E402

BUDGET_S = 2.0
CENTRE_M = (76_000.0, 39_000.0)     # the Shoemaker crop's place, IAU_2015:30135 metres


def write_dem(path: Path, data_dir: Path, size_km: float, pixel_m: float = 5.0) -> None:
    n = int(round(size_km * 1000 / pixel_m))
    x0, y0 = CENTRE_M[0] - n * pixel_m / 2, CENTRE_M[1] + n * pixel_m / 2
    transform = from_origin(x0, y0, pixel_m, pixel_m)
    cols, rows = np.meshgrid(np.arange(n), np.arange(n))
    x, y = x0 + (cols + 0.5) * pixel_m, y0 - (rows + 0.5) * pixel_m
    lon, lat = polar_to_lonlat(x[::100, ::100].ravel(), y[::100, ::100].ravel())
    base = float(np.nanmean(sample_elevation_m(lon, lat, data_dir).values))
    z = base + 400.0 * np.sin(x / 1_700.0) * np.cos(y / 2_300.0) + 60.0 * np.sin((x + y) / 210.0)
    for cx, cy, r in ((CENTRE_M[0] + 3_000, CENTRE_M[1] - 2_000, 1_500.0), (CENTRE_M[0] - 5_000, CENTRE_M[1] + 4_000, 900.0)):
        d = np.hypot(x - cx, y - cy)
        z -= np.clip(1.0 - d / r, 0.0, 1.0) * r * 0.4
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "dtype": "float32", "nodata": float("nan"),
               "crs": rasterio.crs.CRS.from_user_input(SOUTH_POLAR_CODE), "transform": transform, "tiled": True,
               "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z.astype("float32"), 1)
        dst.set_band_unit(1, "m")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[1] / "data" / "rasters"))
    ap.add_argument("--size-km", type=float, default=18.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    src = Path(args.data_dir)
    with tempfile.TemporaryDirectory(prefix="lunarmap-horizon5m-") as tmp:
        data = Path(tmp)
        for name in (SOURCE_DEM, SOURCE_DEM_POLAR):
            shutil.copy(src / name, data / name)
        write_dem(data / SOURCE_DEM_5M, data, args.size_km)
        lon, lat = polar_to_lonlat(np.array([CENTRE_M[0]]), np.array([CENTRE_M[1]]))
        site = (float(lon[0]), float(lat[0]))
        sampler = default_sampler(data)
        times = []
        for _ in range(args.runs + 1):
            clear_horizon_cache()
            t0 = time.perf_counter()
            h = horizon_profile(*site, mast_m=2.0, sampler=sampler, azimuth_step_deg=0.5)
            times.append(time.perf_counter() - t0)
        cold, warm = times[0], statistics.median(times[1:])
        print(f"site lon {site[0]:.3f} lat {site[1]:.3f}: 5 m DEM {args.size_km:g} km square inside the 1.6 km polar DEM")
        print(f"method: {h.method}")
        print(f"data: {h.data}")
        print(f"horizon, 720 azimuths: cold {cold:.2f} s, warm {warm:.2f} s (median of {args.runs}; budget "
              f"{BUDGET_S:.0f} s); highest skyline {float(np.max(h.elevation_deg)):.2f} deg")
        return 0 if max(cold, warm) < BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
