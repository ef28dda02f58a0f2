"""Benchmark: out-of-core slope and hillshade of a 16k x 16k int16 DEM (budget: under 5 minutes, peak under 1.5 GB).

    python bench/bench_terrain_blocks.py [--size 16384] [--block-px 2048] [--keep DIR]

Writes a synthetic DEM the size of a LOLA 5 m polar tile (16,384 x 16,384 int16
x 0.5 m, tiled and deflated, IAU_2015:30135 metres at 5 m/px around the pole;
ridges and craters from sines, so the compressor and the slopes have real
work), written block by block so the benchmark itself never holds it whole.
Then, in a fresh child process so the peak memory is the run's own,
:func:`lunarmap.terrain_blocks.terrain_blockwise` writes both the slope and the
hillshade as COGs with overviews. Printed: wall time of the blocks and of the
COG copies (from the progress it reports), total wall time, peak resident
memory of the child (ru_maxrss), the sizes of input and outputs, and the
machine's load average. Exit status 1 when a figure is over its budget.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lunarmap.crs import SOUTH_POLAR_CODE  # noqa: E402

BUDGET_S = 300.0
BUDGET_MB = 1536.0

_CHILD = """
import json, sys, time
from lunarmap.terrain_blocks import terrain_blockwise
marks = {}
t0 = time.perf_counter()
def hear(p):
    marks.setdefault(p.phase, time.perf_counter() - t0)
    marks["last_" + p.phase] = time.perf_counter() - t0
terrain_blockwise(sys.argv[1], sys.argv[2], sys.argv[3], block_px=int(sys.argv[4]), progress=hear)
marks["total"] = time.perf_counter() - t0
print(json.dumps(marks))
"""


def write_dem(path: Path, size: int, pixel_m: float = 5.0) -> None:
    half = size * pixel_m / 2.0
    profile = {"driver": "GTiff", "width": size, "height": size, "count": 1, "dtype": "int16", "nodata": -32768,
               "crs": rasterio.crs.CRS.from_user_input(SOUTH_POLAR_CODE), "transform": from_origin(-half, half, pixel_m, pixel_m),
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
    step = 2048
    with rasterio.open(path, "w", **profile) as dst:
        dst.scales = (0.5,)
        for r in range(0, size, step):
            rows = np.arange(r, min(r + step, size))[:, None] * pixel_m
            for c in range(0, size, step):
                cols = np.arange(c, min(c + step, size))[None, :] * pixel_m
                z = (1500.0 * np.sin(rows / 7_000.0) * np.cos(cols / 9_000.0)
                     + 300.0 * np.sin((rows + cols) / 800.0) + 40.0 * np.cos(rows / 90.0) * np.sin(cols / 70.0))
                window = rasterio.windows.Window(c, r, z.shape[1], z.shape[0])
                dst.write(np.round(z / 0.5).astype("int16"), 1, window=window)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=16_384)
    ap.add_argument("--block-px", type=int, default=2048)
    ap.add_argument("--keep", help="write into this folder and keep the files")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="lunarmap-blocks-"))
    folder.mkdir(parents=True, exist_ok=True)
    dem, slope, shade = folder / "dem.tif", folder / "slope.tif", folder / "hillshade.tif"
    t0 = time.perf_counter()
    write_dem(dem, args.size)
    print(f"synthetic DEM {args.size:,} x {args.size:,} int16: {dem.stat().st_size / 1e6:.0f} MB on disk "
          f"({args.size * args.size * 2 / 1e6:.0f} MB raw), written in {time.perf_counter() - t0:.0f} s")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", _CHILD, str(dem), str(slope), str(shade), str(args.block_px)],
                         env=env, capture_output=True, text=True, check=True)
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024.0
    marks = json.loads(out.stdout.strip().splitlines()[-1])
    blocks_s = marks.get("last_blocks", 0.0)
    total = marks["total"]
    print(f"blocks (slope + hillshade, {args.block_px} px): {blocks_s:.0f} s; COGs with overviews: "
          f"{total - blocks_s:.0f} s")
    print(f"total: {total:.0f} s (budget {BUDGET_S:.0f} s); peak memory {peak_mb:.0f} MB (budget {BUDGET_MB:.0f} MB)")
    print(f"outputs: slope {slope.stat().st_size / 1e6:.0f} MB, hillshade {shade.stat().st_size / 1e6:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f}")
    if not args.keep:
        for p in (dem, slope, shade):
            p.unlink(missing_ok=True)
        folder.rmdir()
    return 0 if total < BUDGET_S and peak_mb < BUDGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
