"""``lunarmap best-sites``: the best places inside a region by a planner's criteria for a mission window."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import shapely

from ..errors import GeometryError
from .output import format_table, print_json
from .region_stats import regions_from, stats_for, window_args

__all__ = ["register", "run_best"]


def run_best(args: argparse.Namespace) -> int:
    """The best places inside one region by the given criteria."""
    from ..best_sites import Criteria, best_sites, ranking_csv, ranking_geojson
    from ..compare_psr import nearest_psr_edges, psr_layers

    (label, geom), *rest = regions_from([args.region], args.sites)
    if rest:
        raise GeometryError(f"{args.region!r} holds {len(rest) + 1} zones; best-sites takes one region.")
    criteria = Criteria(min_sunlit_pct=args.min_sunlit, min_earth_pct=args.min_earth, any_earth=args.any_earth,
                        max_slope_deg=args.max_slope, max_dark_h=args.max_dark_h, max_psr_km=args.max_psr_km)
    keep_out = []
    if args.avoid:
        from ..zones import zones_from_geojson

        keep_out = [z.geometry_polar for z in zones_from_geojson(Path(args.avoid))]
    stats = stats_for(args, label, geom)
    psr_km = None
    if args.max_psr_km is not None or args.format != "table":
        psr_km = nearest_psr_edges(shapely.points(stats.grid.x_m, stats.grid.y_m), psr_layers(args.data_dir)).distance_km
    ranking = best_sites(stats, criteria, top=args.top, keep_out=keep_out,
                         psr_edge_km=None if psr_km is None else np.asarray(psr_km, dtype=float))
    if args.format == "json":
        print_json({"region": label, "message": ranking.message, "basis": ranking.basis,
                    "excluded": ranking.excluded,
                    "candidates": [c.__dict__ for c in ranking.candidates]}, ensure_ascii=False)
    elif args.format == "csv":
        print(ranking_csv(ranking), end="")
    elif args.format == "geojson":
        print_json(ranking_geojson(ranking), ensure_ascii=False)
    else:
        rows = [{"rank": c.rank, "lat_deg": round(c.lat_deg, 4), "lon_deg": round(c.lon_deg, 4),
                 "sunlit_pct": round(c.sunlit_pct, 1), "earth_pct": round(c.earth_pct, 1),
                 "longest_dark_h": round(c.longest_dark_h, 1), "slope_deg": round(c.slope_deg, 1),
                 "elevation_m": round(c.elevation_m)} for c in ranking.candidates]
        if rows:
            print(format_table(rows, list(rows[0])))
            print()
        print(ranking.message)
        print(f"Basis: {ranking.basis}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``best-sites``."""
    b = subparsers.add_parser("best-sites", help="rank places inside a region by your criteria")
    b.add_argument("region", metavar="ID|ZONE.geojson", help="a catalogue region id or a file with one zone")
    window_args(b)
    b.add_argument("--min-sunlit", type=float, default=None, help="minimum sunlit %% of the window")
    b.add_argument("--min-earth", type=float, default=None, help="minimum Earth-visible %% of the window")
    b.add_argument("--any-earth", action="store_true", help="require some direct-to-Earth time")
    b.add_argument("--max-slope", type=float, default=None, help="maximum slope in degrees")
    b.add_argument("--max-dark-h", type=float, default=None, help="maximum longest darkness in hours")
    b.add_argument("--max-psr-km", type=float, default=None, help="maximum distance to a PSR edge in km")
    b.add_argument("--avoid", default=None, metavar="ZONES.geojson", help="other parties' keep-out zones to stay out of")
    b.add_argument("--top", type=int, default=10, help="number of candidates (default 10)")
    b.add_argument("--format", choices=["table", "json", "csv", "geojson"], default="table")
    b.set_defaults(func=run_best)
