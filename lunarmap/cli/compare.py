"""``lunarmap compare``: compare sites (side of the Moon, terrain, PSR access) and export the table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..compare import DEFAULT_RADIUS_KM, check_radius_km, compare_sites
from ..errors import ExportError
from ..export import check_output_path, export_bytes, write_bytes
from ..sites import load_sites
from .output import format_table

__all__ = ["TABLE_COLUMNS", "register", "run"]

#: The columns the terminal table shows (exports carry every column).
TABLE_COLUMNS = ["id", "lat_deg", "lon_deg", "side", "pole_distance_km", "elevation_m", "slope_deg",
                 "psr_edge_distance_km", "psr_area_in_radius_km2", "region_area_km2"]


def run(args: argparse.Namespace) -> int:
    """Compare the chosen sites; the table or an export to standard output, or to ``-o FILE``."""
    radius = check_radius_km(args.radius_km)
    out = check_output_path(args.output) if args.output else None
    if args.format == "gpkg" and out is None:
        raise ExportError("--format gpkg writes a binary GeoPackage file: give the output file with -o FILE.gpkg.")
    chosen = load_sites(args.sites).select(args.ids)
    comp = compare_sites(chosen, radius, args.data_dir)
    if args.format == "table":
        table = comp.table[TABLE_COLUMNS]
        rows = table.astype(object).where(table.notna(), None).to_dict("records")
        text = format_table(rows, TABLE_COLUMNS) + "\n\n" + "\n".join(f"- {n}" for n in comp.notes) + "\n"
        data = text.encode("utf-8")
    else:
        data = export_bytes(comp, args.format)
    if out is not None:
        write_bytes(data, out)
        print(f"wrote {out} ({len(data):,} bytes)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` command."""
    p = subparsers.add_parser("compare", help="compare sites: side of the Moon, terrain, PSR access; export the table")
    p.add_argument("ids", nargs="+", metavar="ID", help="site ids (see 'sites')")
    p.add_argument("--radius-km", type=float, default=DEFAULT_RADIUS_KM, help="PSR search radius around each site (km)")
    p.add_argument("--format", choices=["table", "csv", "json", "geojson", "gpkg"], default="table")
    p.add_argument("-o", "--output", type=Path, default=None, help="write to this file instead of standard output")
    p.add_argument("--data-dir", default=None, help="data folder (default: $LUNARMAP_DATA_DIR or data/rasters)")
    p.set_defaults(func=run)
