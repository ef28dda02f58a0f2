"""The command line: ``python -m lunarmap COMMAND ...``.

Each command is a small function that turns arguments into a library call and
prints the result; exit status 0 on success, 2 on bad input (any
:class:`LunarmapError`), with a message on stderr that says what to change.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import sys
from collections.abc import Sequence

from .errors import LunarmapError
from .geodesy import distance_m
from .sites import Site, load_sites

__all__ = ["main", "build_parser", "format_table"]

_POLE = (0.0, -90.0)


def format_table(rows: list[dict], columns: Sequence[str]) -> str:
    """Plain-text table with right-aligned numbers, for terminals."""
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows) for c in columns]
    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()
    out = [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def _to_csv(rows: list[dict], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _site_row(site: Site) -> dict:
    lon, lat = site.lonlat
    return {
        "id": site.id, "name": site.name, "kind": site.kind, "agency": site.agency, "date": site.date,
        "geometry": "region" if site.is_region else "point", "lon_deg": round(lon, 6), "lat_deg": round(lat, 6),
        "area_km2": round(site.area_km2, 3) if site.is_region else None,
        "uncertainty_m": site.uncertainty_m, "source": site.source,
    }


def _cmd_sites(args: argparse.Namespace) -> int:
    catalog = load_sites(args.sites)
    rows = [_site_row(s) for s in catalog]
    if args.format == "json":
        print(json.dumps({"crs": "IAU_2015:30100", "body": "Moon", "sites": rows}, indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(_to_csv(rows, list(rows[0])))
    else:
        cols = ["id", "kind", "agency", "date", "geometry", "lon_deg", "lat_deg", "area_km2"]
        print(format_table(rows, cols))
        print("\nlon/lat: degrees east on the IAU 2015 Moon sphere; for a region, its area-weighted centroid.")
    return 0


DISTANCE_METHOD = (
    "great-circle (geodesic) distance on the IAU 2015 Moon sphere, R = 1,737,400 m; "
    "a region is measured from its area-weighted centroid on the sphere"
)


def _cmd_distances(args: argparse.Namespace) -> int:
    catalog = load_sites(args.sites)
    chosen = catalog.select(args.ids)
    pairs = []
    for i, a in enumerate(chosen):
        for b in chosen[i + 1:]:
            d = distance_m(*a.lonlat, *b.lonlat) / 1000.0
            pairs.append({"from": a.id, "to": b.id, "distance_km": round(d, 3)})
    to_pole = {s.id: round(distance_m(*s.lonlat, *_POLE) / 1000.0, 3) for s in chosen}
    regions = [s.id for s in chosen if s.is_region]
    if args.format == "json":
        doc = {"units": "km", "method": DISTANCE_METHOD, "pairs": pairs, "to_pole_km": to_pole,
               "from_centroid": regions}
        print(json.dumps(doc, indent=2))
    elif args.format == "csv":
        rows = pairs + [{"from": k, "to": "south-pole", "distance_km": v} for k, v in to_pole.items()]
        sys.stdout.write(_to_csv(rows, ["from", "to", "distance_km"]))
    else:
        if pairs:
            print(format_table(pairs, ["from", "to", "distance_km"]))
            print()
        print(format_table([{"id": k, "to_pole_km": v} for k, v in to_pole.items()], ["id", "to_pole_km"]))
        print(f"\nMethod: {DISTANCE_METHOD}.")
        if regions:
            print(f"Measured from the centroid (regions): {', '.join(regions)}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog="python -m lunarmap", description="Lunar south pole sites, data and measurements.")
    parser.add_argument("--sites", default=None, help="site catalogue GeoJSON (default: data/sites.geojson)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("sites", help="list the site catalogue")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=_cmd_sites)

    p = sub.add_parser("distances", help="geodesic distances between sites and to the south pole")
    p.add_argument("ids", nargs="+", metavar="ID", help="site ids (see 'sites')")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=_cmd_distances)

    # Further commands register themselves here (one function per module).
    for register in _extra_registrations():
        register(sub)
    return parser


#: Modules that add commands: each defines ``register_cli(subparsers)``.
_COMMAND_MODULES: tuple[str, ...] = ("fetch", "zonecheck", "prepare", "visibility", "compare",)


def _extra_registrations() -> list:
    return [importlib.import_module(f"lunarmap.{name}").register_cli for name in _COMMAND_MODULES]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except LunarmapError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0
