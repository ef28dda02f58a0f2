"""``lunarmap region-stats``: sunlight, Earth, darkness, slope and elevation over regions' whole areas.

A region is a catalogue region's id or a GeoJSON file of zones (each zone is a
region). Figures rest on an area-weighted grid inside the region and the
finest elevation data; the output says how many points, how far apart and at
what resolution.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import DataMissingError, GeometryError
from ..region_stats import STAT_NAMES, region_stats
from ..sites import load_sites
from .output import format_table, print_csv, print_json

__all__ = ["register", "run_stats", "regions_from", "window_args", "stats_for"]


def regions_from(specs: list[str], sites_path: str | None) -> list[tuple[str, object]]:
    """(label, polygon in IAU_2015:30135 metres) for each catalogue region id or zone file."""
    out: list[tuple[str, object]] = []
    catalog = None
    for spec in specs:
        if spec.lower().endswith((".geojson", ".json")):
            from ..zones import zones_from_geojson

            path = Path(spec)
            if not path.is_file():
                raise DataMissingError(f"zone file {spec!r} does not exist; give a catalogue region id or the path "
                                       "of a GeoJSON file of zones.")
            out += [(z.name, z.geometry_polar) for z in zones_from_geojson(path)]
            continue
        catalog = catalog or load_sites(sites_path)
        site = catalog.get(spec)
        if not site.is_region:
            raise GeometryError(f"{spec!r} is a point site, not a region; give a region id (see 'lunarmap sites') "
                                "or a GeoJSON file of zones.")
        out.append((site.id, site.geometry_polar))
    return out


def _progress(label: str):
    if not sys.stderr.isatty():
        return None

    def report(done: int, total: int) -> None:
        sys.stderr.write(f"\r{label[:40]:<40} {done:>6,} / {total:,} points")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


def stats_for(args: argparse.Namespace, label: str, geom):
    return region_stats(geom, args.start, days=args.days, end=args.end, step_hours=args.step_hours,
                        spacing_km=args.spacing_km, max_points=args.max_points, mast_m=args.mast_m,
                        data_dir=args.data_dir, progress=_progress(label))


def run_stats(args: argparse.Namespace) -> int:
    """One row per region: each value's min, p10, median, p90, max over the area, and what they rest on."""
    rows = []
    for label, geom in regions_from(args.regions, args.sites):
        stats = stats_for(args, label, geom)
        row = {"region": label, **stats.summary()}
        for key, d in stats.distributions.items():
            row[f"{key}_text"] = d.text(1)
        row["sunlit_area_share_ge_50"] = round(stats.distributions["sunlit_pct"].share(">=", 50.0), 4)
        rows.append(row)
    if args.format == "json":
        print_json({"regions": rows}, ensure_ascii=False)
    elif args.format == "csv":
        print_csv(rows, list(rows[0]))
    else:
        cols = ["region", "region_points", "region_spacing_km"] + [f"{k}_text" for k in STAT_NAMES]
        print(format_table(rows, cols))
        print(f"\nWindow {rows[0]['window']}; slope at {rows[0]['slope_resolution']}, elevation at "
              f"{rows[0]['elevation_resolution']}; values are min-max (median) over each region's area, "
              "the grid area-weighted.")
    return 0


def window_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--start", required=True, help="start date, YYYY-MM-DD (UTC)")
    window = p.add_mutually_exclusive_group(required=True)
    window.add_argument("--days", type=float, help="window length in days")
    window.add_argument("--end", help="end date, YYYY-MM-DD (UTC)")
    p.add_argument("--step-hours", type=float, default=2.0, help="time step in hours (default 2)")
    p.add_argument("--spacing-km", type=float, default=None,
                   help="grid spacing in km (default: a quarter of the DEM's resolution, coarser for large regions)")
    p.add_argument("--max-points", type=int, default=1_500, help="cap on grid points for the default spacing")
    p.add_argument("--mast-m", type=float, default=2.0, help="sensor height above the ground in metres (default 2)")
    p.add_argument("--data-dir", default=None, help="data folder (default: LUNARMAP_DATA_DIR or data/rasters)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``region-stats``."""
    s = subparsers.add_parser("region-stats", help="sunlight, Earth, darkness, slope and elevation over regions' areas")
    s.add_argument("regions", nargs="+", metavar="ID|ZONES.geojson", help="catalogue region ids or zone files")
    window_args(s)
    s.add_argument("--format", choices=["table", "json", "csv"], default="table")
    s.set_defaults(func=run_stats)
