"""``lunarmap measure``: geodesic length, initial azimuth and running total of each leg of a polyline."""

from __future__ import annotations

import argparse

from ..errors import GeometryError
from ..measure import CSV_COLUMNS, measure_legs
from .output import print_json

__all__ = ["register", "run", "parse_lonlat"]


def parse_lonlat(text: str, what: str) -> tuple[float, float]:
    """``"LON,LAT"`` (degrees east, north; south negative) as a pair of floats, or :class:`GeometryError`."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise GeometryError(f"{what} {text!r} is not LON,LAT; give two numbers in degrees separated by a comma, "
                            "longitude first, south negative (e.g. 129.78,-89.67).") from None
    return lon, lat


def run(args: argparse.Namespace) -> int:
    """Print the legs as a table (default), CSV or JSON."""
    points = [parse_lonlat(p, f"point {i + 1}") for i, p in enumerate(args.points)]
    m = measure_legs(points)
    if args.format == "json":
        print_json(m.as_dict())
    elif args.format == "csv":
        print(m.to_csv(), end="")
    else:
        print(m.to_text())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``measure`` command."""
    p = subparsers.add_parser(
        "measure", help="geodesic length and azimuth of each leg of a polyline, with the running total",
        description="Legs of a polyline on the Moon sphere. A point starting with '-' needs '--' before the points "
                    "(lunarmap measure -- -170,-85 10,-89.5).")
    p.add_argument("points", nargs="+", metavar="LON,LAT", help="two or more points in degrees (south negative)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help=f"table (default), csv (columns {', '.join(CSV_COLUMNS)}) or json")
    p.set_defaults(func=run)
