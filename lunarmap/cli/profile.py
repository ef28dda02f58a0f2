"""``lunarmap profile``: elevation, slopes, PSR crossings and data resolution along a geodesic line."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ..export import check_output_path, write_bytes
from ..profile import DEFAULT_SAMPLES, PATH_METHOD, Profile, elevation_profile
from ..profile_export import elevation_sources_text, profile_csv, profile_payload
from .measure import parse_lonlat
from .output import format_table, print_json

__all__ = ["register", "run"]


def _summary(profile: Profile) -> str:
    e, along, across = profile.elevation_m, profile.slope_along_deg, profile.slope_across_deg
    lines = [
        f"Length {profile.total_m / 1000:,.3f} km, {profile.n:,} samples every {profile.spacing_m:,.1f} m.",
        f"Elevation {np.nanmin(e):,.1f} to {np.nanmax(e):,.1f} m (rise {np.nanmax(e) - np.nanmin(e):,.1f} m); "
        f"steepest along {np.nanmax(np.abs(along)):.1f} deg, across {np.nanmax(np.abs(across)):.1f} deg.",
        "",
    ]
    psr = [{"from_km": b.start_m / 1000, "to_km": b.end_m / 1000, "length_km": (b.end_m - b.start_m) / 1000,
            "psr": b.psr_id, "in": b.place} for b in profile.psr_bands]
    if psr:
        shadow_km = sum(b.end_m - b.start_m for b in profile.psr_bands) / 1000
        lines += [f"Permanent shadow ({shadow_km:,.3f} km in {len(psr)} stretches):",
                  format_table(psr, ["from_km", "to_km", "length_km", "psr", "in"]), ""]
    else:
        lines += ["Permanent shadow: none along the line." if profile.psr_product else "Permanent shadow: not computed.",
                  ""]
    res = [{"from_km": b.start_m / 1000, "to_km": b.end_m / 1000, "resolution_m": b.resolution_m, "dem": b.product}
           for b in profile.resolution_bands]
    lines += ["Elevation data:", format_table(res, ["from_km", "to_km", "resolution_m", "dem"]), "",
              f"Path: {PATH_METHOD}.", f"DEMs: {elevation_sources_text(profile)}; PSR: {profile.psr_product or 'none'}.",
              *(f"Full-resolution elevation not used, coarser data instead: {p}" for p in profile.elevation_problems)]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Compute the profile; print a summary (or JSON/CSV), and write the CSV to ``--csv FILE`` if asked."""
    out = check_output_path(args.csv) if args.csv else None
    points = [parse_lonlat(args.start, "--from"), *(parse_lonlat(v, "--via") for v in args.via or []),
              parse_lonlat(args.end, "--to")]
    samples = None if args.spacing_m is not None else (args.samples if args.samples is not None else DEFAULT_SAMPLES)
    profile = elevation_profile(points, samples=samples, spacing_m=args.spacing_m, data_dir=args.data_dir)
    if out is not None:
        data = profile_csv(profile).encode("utf-8")
        write_bytes(data, out)
        print(f"wrote {out} ({len(data):,} bytes, {profile.n:,} samples)", file=sys.stderr)
    if args.format == "json":
        print_json(profile_payload(profile))
    elif args.format == "csv":
        print(profile_csv(profile), end="")
    else:
        print(_summary(profile))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``profile`` command."""
    p = subparsers.add_parser(
        "profile", help="elevation, slopes, PSR crossings and data resolution along a geodesic line",
        description="Elevation profile along great-circle arcs through the given points. Write a point that starts "
                    "with '-' with '=' (--from=-170,-85).")
    p.add_argument("--from", dest="start", required=True, metavar="LON,LAT", help="first point, degrees")
    p.add_argument("--to", dest="end", required=True, metavar="LON,LAT", help="last point, degrees")
    p.add_argument("--via", action="append", metavar="LON,LAT", help="a point in between (repeat for more, in order)")
    spacing = p.add_mutually_exclusive_group()
    spacing.add_argument("--samples", type=int, default=None, help=f"samples along the line (default {DEFAULT_SAMPLES})")
    spacing.add_argument("--spacing-m", type=float, default=None, help="or a sample every this many metres")
    p.add_argument("--csv", default=None, metavar="FILE", help="write the full profile as CSV (units and sources)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="standard output: a summary (default), the chart payload as JSON, or the CSV")
    p.add_argument("--data-dir", default=None, help="data folder (default: $LUNARMAP_DATA_DIR or data/rasters)")
    p.set_defaults(func=run)
