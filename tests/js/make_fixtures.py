"""Write the fixtures the JS tests compare the browser's geometry with, from the Python library.

Run ``python tests/js/make_fixtures.py`` after a change to :mod:`lunarmap.geodesy`, :mod:`lunarmap.crs` or :mod:`lunarmap.tiles`;
``tests/test_map_js.py`` checks that the committed fixture equals what the library gives now.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lunarmap.crs import MOON_RADIUS_M, lonlat_to_polar  # noqa: E402
from lunarmap.geodesy import distance_m, geodesic_circle  # noqa: E402
from lunarmap.tiles import tile_bounds_m  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "geodesy.json"
#: (lon_deg, lat_deg, radius_km): at the pole, near it, across the 180 meridian, far out, large.
CIRCLES = [(0.0, -90.0, 50.0), (30.0, -85.0, 120.0), (179.9, -88.0, 20.0), (-60.0, -80.0, 300.0),
           (100.0, -89.5, 1.0)]
#: Pairs of (lon_deg, lat_deg) points: across the pole, along a meridian, across the 180 meridian, far apart.
PAIRS = [((0.0, -89.0), (180.0, -89.0)), ((45.0, -85.0), (45.0, -86.0)), ((179.5, -87.0), (-179.5, -87.0)),
         ((-120.0, -75.0), (60.0, -80.0)), ((10.0, -89.999), (10.0, -89.998))]
#: Map tiles (level, column, row): the four around the pole at level 1, and some at levels 5, 12 and 14.
TILES = [(1, 0, 0), (1, 1, 0), (1, 0, 1), (1, 1, 1), (5, 16, 15), (5, 3, 29), (12, 2048, 2047), (12, 2000, 2100),
         (14, 8191, 8192), (14, 0, 16383)]
POINTS = [(0.0, -90.0), (90.0, -85.0), (-135.0, -70.0), (179.999, -88.5), (-45.0, -60.0)]


def _xy(lon: float, lat: float) -> list[float]:
    x, y = lonlat_to_polar(lon, lat)
    return [round(float(x), 6), round(float(y), 6)]


def fixture() -> dict[str, Any]:
    """The fixture's content (coordinates in IAU_2015:30135 metres, rounded to the micrometre)."""
    circles = []
    for lon, lat, r_km in CIRCLES:
        ring = list(geodesic_circle(lon, lat, r_km, n_vertices=360).exterior.coords)[:-1]
        circles.append({"lon_deg": lon, "lat_deg": lat, "radius_m": r_km * 1000.0, "center": _xy(lon, lat),
                        "ring": [[round(x, 6), round(y, 6)] for x, y in ring]})
    pairs = [{"a": _xy(*a), "b": _xy(*b), "distance_m": round(float(distance_m(*a, *b)), 6)} for a, b in PAIRS]
    points = [{"lon_deg": lon, "lat_deg": lat, "xy": _xy(lon, lat)} for lon, lat in POINTS]
    tiles = [{"z": z, "x": x, "y": y, "bounds": list(tile_bounds_m(z, x, y))} for z, x, y in TILES]
    return {"source": "lunarmap.geodesy.geodesic_circle, lunarmap.geodesy.distance_m, lunarmap.crs.lonlat_to_polar, "
                      "lunarmap.tiles.tile_bounds_m (tests/js/make_fixtures.py)",
            "moon_radius_m": MOON_RADIUS_M, "circles": circles, "pairs": pairs, "points": points, "tiles": tiles}


def main() -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture(), separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
