"""``lunarmap distances``: geodesic distances between sites and from each to the south pole."""

from __future__ import annotations

import argparse

from ..geodesy import distance_m
from ..sites import load_sites
from .output import format_table, print_csv, print_json

__all__ = ["DISTANCE_METHOD", "register", "run"]

_POLE = (0.0, -90.0)

DISTANCE_METHOD = (
    "great-circle (geodesic) distance on the IAU 2015 Moon sphere, R = 1,737,400 m; "
    "a region is measured from its area-weighted centroid on the sphere"
)


def run(args: argparse.Namespace) -> int:
    """Print every pairwise distance of the chosen sites and each one's distance to the pole, in km."""
    chosen = load_sites(args.sites).select(args.ids)
    pairs = []
    for i, a in enumerate(chosen):
        for b in chosen[i + 1:]:
            d = distance_m(*a.lonlat, *b.lonlat) / 1000.0
            pairs.append({"from": a.id, "to": b.id, "distance_km": round(d, 3)})
    to_pole = {s.id: round(distance_m(*s.lonlat, *_POLE) / 1000.0, 3) for s in chosen}
    regions = [s.id for s in chosen if s.is_region]
    if args.format == "json":
        print_json({"units": "km", "method": DISTANCE_METHOD, "pairs": pairs, "to_pole_km": to_pole,
                    "from_centroid": regions})
    elif args.format == "csv":
        rows = pairs + [{"from": k, "to": "south-pole", "distance_km": v} for k, v in to_pole.items()]
        print_csv(rows, ["from", "to", "distance_km"])
    else:
        if pairs:
            print(format_table(pairs, ["from", "to", "distance_km"]))
            print()
        print(format_table([{"id": k, "to_pole_km": v} for k, v in to_pole.items()], ["id", "to_pole_km"]))
        print(f"\nMethod: {DISTANCE_METHOD}.")
        if regions:
            print(f"Measured from the centroid (regions): {', '.join(regions)}.")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``distances`` command."""
    p = subparsers.add_parser("distances", help="geodesic distances between sites and to the south pole")
    p.add_argument("ids", nargs="+", metavar="ID", help="site ids (see 'sites')")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.set_defaults(func=run)
