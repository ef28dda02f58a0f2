"""Benchmark: a 16,384 x 16,384 COG read in place from a local Range server (GDAL /vsicurl/).

Budget (issue 19, "Speed"): the bytes read to draw the 40 S overview under 5 % of the file. The COG is
synthetic (tests/synthetic_cog.py: LOLA south polar grid, IAU_2015:30135, 5 m pixels, 512 px tiles, DEFLATE,
overviews; ``--pattern terrain``, the default: int16 relief with a metre of roughness, about 1/3 of its raw size
like a real DEM; ``--pattern blocky``: constant tiles, a file of under 2 MB where headers weigh more), served from memory by the tests' Range server on 127.0.0.1 (tests/range_server.py), which counts
the body bytes it sends. Measured: (1) the whole raster read at an overview level sized for a ~1000 px display
(rasterio ``out_shape``, which picks the overview), in bytes sent and as a share of the file; (2) the time to
sample the elevation at 1,000 random points (spread over the whole raster, and within 1 km of one place) through :func:`lunarmap.product_sampling.sample_elevation_m` with the
product pointed at the server (LUNARMAP_PRODUCT_LOLA_5M_87S), cold (first use: the size check, the header
reads) and twice more (GDAL's /vsicurl/ block cache), with the bytes each sent. Writes bench/results/bench_remote_PATTERN.json.
Run: python bench/bench_remote.py [--pattern terrain|blocky]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import rasterio  # noqa: E402

from bench._results import write_result  # noqa: E402
from lunarmap import remote  # noqa: E402
from lunarmap.crs import polar_to_lonlat  # noqa: E402
from lunarmap.product_sampling import sample_elevation_m  # noqa: E402
from tests.range_server import running  # noqa: E402
from tests.synthetic_cog import make_cog  # noqa: E402

SIZE = 16_384
DISPLAY_PX = 1_000
POINTS = 1_000
DATA = Path(__file__).resolve().parent.parent / "data" / "rasters"


def main() -> None:
    pattern = sys.argv[sys.argv.index("--pattern") + 1] if "--pattern" in sys.argv else "terrain"
    os.environ["LUNARMAP_REMOTE"] = "off"   # only the product pointed at below is read remotely
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cog = make_cog(Path(tmp) / "ldem_87s_5mpp_cog.tif", SIZE, pattern=pattern)
        build_s = time.perf_counter() - t0
        size = cog.stat().st_size
        with running() as srv:
            srv.files["/dem/ldem_87s_5mpp_cog.tif"] = cog.read_bytes()
            url = srv.base + "/dem/ldem_87s_5mpp_cog.tif"
            with remote.gdal_env(), rasterio.open("/vsicurl/" + url) as ds:
                t0 = time.perf_counter()
                overview = ds.read(1, out_shape=(DISPLAY_PX, DISPLAY_PX))
                overview_s = time.perf_counter() - t0
                levels = ds.overviews(1)
            overview_bytes, overview_requests = srv.bytes_sent, len(srv.requests)
            srv.reset_counts()
            os.environ["LUNARMAP_PRODUCT_LOLA_5M_87S"] = url
            rng = np.random.default_rng(19)
            sets = {  # site: within 1 km of a place (a comparison's disc); spread: anywhere on the 82 km square
                "site": np.array([[12_000.0], [-7_000.0]]) + rng.uniform(-1_000.0, 1_000.0, (2, POINTS)),
                "spread": rng.uniform(-40_000.0, 40_000.0, (2, POINTS)),
            }
            timings: dict[str, list[tuple[float, int, int]]] = {}
            for label, (x, y) in sets.items():
                lon, lat = (np.asarray(v) for v in polar_to_lonlat(x, y))
                timings[label] = []
                for _ in range(3):
                    srv.reset_counts()
                    t0 = time.perf_counter()
                    got = sample_elevation_m(lon, lat, DATA)
                    timings[label].append((time.perf_counter() - t0, srv.bytes_sent, len(srv.requests)))
            assert not got.problems and got.resolution_m == 5.0, got.note
    result = {
        "cog": {"pixels": f"{SIZE} x {SIZE}", "pattern": pattern, "bytes": size, "overviews": levels, "build_s": round(build_s, 1)},
        "overview_40s": {"out_shape": [DISPLAY_PX, DISPLAY_PX], "bytes_sent": overview_bytes,
                         "share_of_file_pct": round(100.0 * overview_bytes / size, 2), "requests": overview_requests,
                         "seconds": round(overview_s, 3), "budget_pct": 5.0,
                         "finite_px": int(np.count_nonzero(overview != -32768))},
        "sample_1000_points": {label: [{"seconds": round(t, 3), "bytes_sent": b, "requests": r} for t, b, r in runs]
                               for label, runs in timings.items()},
    }
    write_result(f"bench_remote_{pattern}", result)


if __name__ == "__main__":
    main()
