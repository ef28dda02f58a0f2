"""Benchmark: the elevation profile and the 3D terrain mesh on a full-resolution DEM read in place by windows.

A synthetic 16,384 x 16,384 COG (tests/synthetic_cog.py: the LOLA south polar grid, IAU_2015:30135, 5 m pixels, an
82 km square on the pole, 512 px tiles, DEFLATE; ``--pattern terrain``, the default: int16 relief with a metre of
roughness, about a real DEM's size; ``--pattern blocky``: constant tiles, a tiny file) stands for the LOLA 5 m DEM
and is served from memory by the tests' Range server on 127.0.0.1 (tests/range_server.py), which counts the body
bytes it sends. Measured, with the product pointed at the server (LUNARMAP_PRODUCT_LOLA_5M_87S), then at the same
file on disk: (1) :func:`lunarmap.profile.elevation_profile`, 1,000 samples along a 50 km line (no PSR), and
(2) :func:`lunarmap.terrain_mesh.terrain_mesh`, 129 x 129 vertices over a 20 km square (the page's mesh): each
cold (first use: the server's size check, the header reads, the tiles) and twice more (GDAL's /vsicurl/ block
cache), with the seconds, the bytes sent and their share of the file. Writes
bench/results/bench_fullres_analysis_PATTERN.json.
Run: python bench/bench_fullres_analysis.py [--pattern terrain|blocky]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench._results import write_result  # noqa: E402
from lunarmap import remote  # noqa: E402
from lunarmap.crs import SOUTH_POLAR_CODE  # noqa: E402
from lunarmap.profile import elevation_profile  # noqa: E402
from lunarmap.terrain_mesh import terrain_mesh  # noqa: E402
from tests.range_server import RangeServer, running  # noqa: E402
from tests.synthetic_cog import make_cog  # noqa: E402

SIZE = 16_384
VAR = "LUNARMAP_PRODUCT_LOLA_5M_87S"
DATA = Path(__file__).resolve().parent.parent / "data" / "rasters"
LINE_M = [(-25_000.0, -3_000.0), (25_000.0, 4_000.0)]
MESH = ((3_000.0, -2_000.0), 20_000.0, 129)


def _runs(srv: RangeServer, size: int, work: Callable[[], Any], check: Callable[[Any], None]) -> list[dict]:
    out = []
    for _ in range(3):
        srv.reset_counts()
        t0 = time.perf_counter()
        got = work()
        took = time.perf_counter() - t0
        check(got)
        out.append({"seconds": round(took, 3), "bytes_sent": srv.bytes_sent, "requests": len(srv.requests),
                    "share_of_file_pct": round(100.0 * srv.bytes_sent / size, 3)})
    return out


def main() -> None:
    pattern = sys.argv[sys.argv.index("--pattern") + 1] if "--pattern" in sys.argv else "terrain"
    os.environ["LUNARMAP_REMOTE"] = "off"   # only the product pointed at below is read remotely
    remote.forget_checks()

    def profile() -> Any:
        return elevation_profile(LINE_M, SOUTH_POLAR_CODE, samples=1_000, data_dir=DATA, with_psr=False)

    def mesh() -> Any:
        return terrain_mesh(MESH[0], MESH[1], n=MESH[2], data_dir=DATA)

    def profile_ok(p: Any) -> None:
        assert not p.elevation_problems and (p.elevation_resolution_m == 5.0).all(), p.elevation_problems

    def mesh_ok(m: Any) -> None:
        assert not m.problems and m.resolution_m == (5.0, 5.0), m.problems

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cog = make_cog(Path(tmp) / "ldem_87s_5mpp_cog.tif", SIZE, pattern=pattern)
        build_s = time.perf_counter() - t0
        size = cog.stat().st_size
        with running() as srv:
            srv.files["/dem/ldem_87s_5mpp_cog.tif"] = cog.read_bytes()
            results: dict[str, Any] = {}
            for where, value in (("remote", srv.base + "/dem/ldem_87s_5mpp_cog.tif"), ("local", str(cog))):
                os.environ[VAR] = value
                results[where] = {"profile_1000_samples_50km": _runs(srv, size, profile, profile_ok),
                                  "mesh_129x129_20km": _runs(srv, size, mesh, mesh_ok)}
    result = {
        "cog": {"pixels": f"{SIZE} x {SIZE}", "pattern": pattern, "bytes": size, "build_s": round(build_s, 1)},
        **results,
    }
    write_result(f"bench_fullres_analysis_{pattern}", result)


if __name__ == "__main__":
    main()
