"""``lunarmap sites``: list the site catalogue as a table, JSON or CSV."""

from __future__ import annotations

import argparse

from ..sites import Site, load_sites
from .output import format_table, print_csv, print_json

__all__ = ["register", "run", "site_row"]


def site_row(site: Site) -> dict:
    """One catalogue entry as a plain row (lon/lat in degrees; a region at its area-weighted centroid)."""
    lon, lat = site.lonlat
    return {
        "id": site.id, "name": site.name, "kind": site.kind, "agency": site.agency, "date": site.date,
        "geometry": "region" if site.is_region else "point", "lon_deg": round(lon, 6), "lat_deg": round(lat, 6),
        "area_km2": round(site.area_km2, 3) if site.is_region else None,
        "uncertainty_m": site.uncertainty_m, "source": site.source,
    }


def run(args: argparse.Namespace) -> int:
    """Print the catalogue in ``args.format``."""
    rows = [site_row(s) for s in load_sites(args.sites)]
    if args.format == "json":
        print_json({"crs": "IAU_2015:30100", "body": "Moon", "sites": rows}, ensure_ascii=False)
    elif args.format == "csv":
        print_csv(rows, list(rows[0]))
    else:
        cols = ["id", "kind", "agency", "date", "geometry", "lon_deg", "lat_deg", "area_km2"]
        print(format_table(rows, cols))
        print("\nlon/lat: degrees east on the IAU 2015 Moon sphere; for a region, its area-weighted centroid.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sites`` command."""
    p = subparsers.add_parser("sites", help="list the site catalogue")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=run)
