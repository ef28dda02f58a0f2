"""``lunarmap visibility``: Sun and Earth above the terrain horizon at sites over a time window."""

from __future__ import annotations

import argparse

from ..ephemeris import moon_frame_vectors
from ..errors import GeometryError
from ..horizon import horizon_profiles, smooth_horizon
from ..sites import load_sites
from ..visibility import site_visibility, time_window
from .output import format_table, print_csv, print_json

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """One row per site: sunlit and Earth-visible shares, longest darkness, whether it needs a relay."""
    chosen = load_sites(args.sites).select(args.ids)
    regions = [s.id for s in chosen if s.is_region]
    if regions:
        raise GeometryError(f"{', '.join(regions)}: a region is judged over its whole area, not at one point; use "
                            f"'lunarmap region-stats {' '.join(regions)} --start ...' (same window options).")
    times = time_window(args.start, days=args.days, end=args.end, step_hours=args.step_hours)
    vectors = moon_frame_vectors(times)
    rows = []
    for site in chosen:
        lon, lat = site.lonlat
        if args.smooth:
            horizon = smooth_horizon(lon, lat, args.mast_m)
        else:
            horizon = horizon_profiles([lon], [lat], args.mast_m, data_dir=args.data_dir)[0]
        v = site_visibility(lon, lat, args.start, days=args.days, end=args.end, step_hours=args.step_hours,
                            horizon=horizon, vectors=vectors)
        rows.append({
            "id": site.id, "lon_deg": round(lon, 4), "lat_deg": round(lat, 4),
            "sunlit_pct": round(100 * v.sunlit_fraction, 2), "sun_full_pct": round(100 * v.sun_full_fraction, 2),
            "sun_partial_pct": round(100 * v.sun_partial_fraction, 2), "earth_pct": round(100 * v.earth_fraction, 2),
            "longest_dark_h": round(v.longest_dark_h, 2), "longest_no_earth_h": round(v.longest_no_earth_h, 2),
            "needs_relay": v.needs_relay, "horizon_data": horizon.data,
        })
    window = {"start_utc": str(times[0]), "end_utc": str(v.end_utc), "step_hours": args.step_hours,
              "samples": int(times.size), "mast_m": args.mast_m, "terrain": not args.smooth}
    if args.format == "json":
        print_json({"window": window, "horizon_method": horizon.method, "sites": rows})
    elif args.format == "csv":
        print_csv(rows, list(rows[0]))
    else:
        cols = ["id", "lat_deg", "sunlit_pct", "sun_full_pct", "earth_pct", "longest_dark_h", "longest_no_earth_h",
                "needs_relay"]
        print(format_table(rows, cols))
        print(f"\nWindow {window['start_utc']} to {window['end_utc']} UTC, every {args.step_hours:g} h "
              f"({times.size} samples); sensor {args.mast_m:g} m above the ground.")
        print(f"Skyline: {horizon.method}; data: {horizon.data}." if not args.smooth else "Skyline: smooth sphere.")
        print("Sun: sunlit = any part of the disc above the skyline; Earth: centre above the skyline.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``visibility`` command."""
    p = subparsers.add_parser("visibility", help="Sun and Earth visibility at sites over a time window")
    p.add_argument("ids", nargs="+", metavar="ID", help="point site ids (see 'sites'); regions: use region-stats")
    p.add_argument("--start", required=True, help="start date, YYYY-MM-DD (UTC)")
    window = p.add_mutually_exclusive_group(required=True)
    window.add_argument("--days", type=float, help="window length in days")
    window.add_argument("--end", help="end date, YYYY-MM-DD (UTC)")
    p.add_argument("--step-hours", type=float, default=1.0, help="time step in hours (default 1)")
    p.add_argument("--mast-m", type=float, default=2.0, help="sensor height above the ground in metres (default 2)")
    p.add_argument("--smooth", action="store_true", help="ignore terrain: smooth-sphere horizon")
    p.add_argument("--data-dir", default=None, help="elevation data folder (default: LUNARMAP_DATA_DIR or data/rasters)")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=run)
