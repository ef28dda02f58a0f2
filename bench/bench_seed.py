"""Benchmark: seeding the tile cache ahead of use (``lunarmap tiles seed``), and what it saves a page.

A 16,384 x 16,384 5 m COG (tests/synthetic_cog.py, the LOLA south polar grid) read in place from the tests' Range
server on 127.0.0.1, as in bench/bench_tiles.py. Measured:

1. seeding the elevation tiles of levels 8-12 over a 5 km geodesic circle round a point 20 km from the pole,
   with 1 and with 2 workers (fresh cache each): tiles, seconds, tiles per second;
2. the same run again: every tile found cached (nothing rendered);
3. serving one level-12 tile through :func:`lunarmap.tiles.tile_png`: from the seeded cache against rendering it
   (median of 20 tiles each).

Writes bench/results/bench_seed.json. Run: python bench/bench_seed.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import write_result  # noqa: E402
from lunarmap import tile_seed, tiles  # noqa: E402
from lunarmap.crs import polar_to_lonlat  # noqa: E402
from lunarmap.geodesy import geodesic_circle  # noqa: E402
from tests.display_data import write_display_data  # noqa: E402
from tests.range_server import running  # noqa: E402
from tests.synthetic_cog import make_cog  # noqa: E402

SIZE = 16_384
VAR = "LUNARMAP_PRODUCT_LOLA_5M_87S"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cog = make_cog(tmp_path / "ldem_87s_5mpp_cog.tif", SIZE, 5.0, "terrain")
        data = write_display_data(tmp_path / "data")
        with running() as srv:
            srv.files["/dem.tif"] = cog.read_bytes()
            os.environ[VAR] = srv.base + "/dem.tif"
            source = [s for s in tiles.tile_sources(data)[0] if s.style == "elevation"][0]
            lon, lat = (float(v) for v in polar_to_lonlat(0.0, -20_000.0))
            area = geodesic_circle(lon, lat, 5.0)
            runs = {}
            for workers in (1, 2):
                shutil.rmtree(tiles.tile_cache_dir(data), ignore_errors=True)
                report = tile_seed.seed_tiles(source, range(8, 13), area, data, workers=workers)
                runs[f"workers_{workers}"] = {
                    "tiles": report.tiles, "seconds": round(report.seconds, 2),
                    "tiles_per_s": round(report.tiles / report.seconds, 1),
                    "levels": {lv.z: lv.tiles for lv in report.levels}}
            again = tile_seed.seed_tiles(source, range(8, 13), area, data, workers=2)
            runs["again"] = {"rendered": again.rendered, "seconds": round(again.seconds, 3)}
            seeded = list(tile_seed.tiles_over(area, 12))[:20]
            cached_ms = []
            for c, r in seeded:
                t0 = time.perf_counter()
                assert tiles.tile_png(source, 12, c, r, data) is not None
                cached_ms.append((time.perf_counter() - t0) * 1000.0)
            render_ms = []
            for c, r in seeded:
                t0 = time.perf_counter()
                tiles.render_tile(source, 12, c, r)
                render_ms.append((time.perf_counter() - t0) * 1000.0)
            runs["tile_from_seeded_cache_median_ms"] = round(statistics.median(cached_ms), 2)
            runs["tile_rendered_median_ms"] = round(statistics.median(render_ms), 1)
    write_result("bench_seed", {"product": f"synthetic {SIZE} x {SIZE} 5 m COG over HTTP range requests",
                                "area": "5 km geodesic circle, levels 8-12", **runs})


if __name__ == "__main__":
    main()
