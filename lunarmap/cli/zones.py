"""``lunarmap zones check``: overlaps, sites inside and PSR area of the keep-out zones in a GeoJSON file."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import DataMissingError, ZoneError
from ..zonecheck import check_zones, csv_text, report_document
from ..zones import zones_from_geojson
from .output import format_table, print_json

__all__ = ["register", "run_check"]


def run_check(args: argparse.Namespace) -> int:
    """Check the zones of one file; exits 0 whenever it ran (conflicts are reported, not an error)."""
    path = Path(args.file)
    if path.is_dir():
        raise ZoneError(f"{str(path)!r} is a folder, not a zone file; give the path of a GeoJSON file of zones.")
    if not path.is_file():
        raise DataMissingError(f"zone file {str(path)!r} does not exist; give the path of a GeoJSON file of zones.")
    zones = zones_from_geojson(path, default_owner=args.default_owner or "")
    report = check_zones(zones, args.data_dir)
    doc = report_document(report)
    zone_rows, pair_rows = doc["zones"], doc["overlaps"]
    if args.format == "json":
        print_json(doc, ensure_ascii=False)
    elif args.format == "csv":
        print(csv_text(zone_rows, pair_rows), end="")   # text cells made safe for spreadsheets
    else:
        print(format_table(zone_rows, list(zone_rows[0])))
        print()
        if pair_rows:
            print(format_table(pair_rows, list(pair_rows[0])))
        else:
            print("No zones share area.")
        n = doc["conflicts"]
        print(f"\n{n} conflict{'s' if n != 1 else ''} (overlapping zones of different owners whose periods overlap). "
              f"Method: {report.method}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``zones check``."""
    p = subparsers.add_parser("zones", help="keep-out zones: conflict checks")
    zsub = p.add_subparsers(dest="zones_command", required=True, metavar="ACTION")
    c = zsub.add_parser("check", help="overlaps, sites inside and PSR area of the zones in a GeoJSON file")
    c.add_argument("file", metavar="ZONES.geojson")
    c.add_argument("--format", choices=["table", "json", "csv"], default="table")
    c.add_argument("--data-dir", default=None, help="data folder (default data/rasters or $LUNARMAP_DATA_DIR)")
    c.add_argument("--default-owner", default=None, help="owner for features that have none")
    c.set_defaults(func=run_check)
