"""The command line: ``lunarmap COMMAND ...`` (installed) or ``python -m lunarmap COMMAND ...``.

One module per command, each with ``register(subparsers)`` (its arguments) and
a function that turns the arguments into a library call and prints the result;
:mod:`lunarmap.cli.output` formats tables, CSV and JSON and maps errors to what
the user sees. Exit status 0 on success, 2 on bad input (any
:class:`~lunarmap.errors.LunarmapError`), with a message on stderr that says
what to change. The library never imports this package.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from . import (
    best_sites,
    compare,
    distances,
    fetch,
    measure,
    prepare,
    profile,
    region_stats,
    sites,
    terrain,
    tiles,
    visibility,
    zones,
)
from .output import format_table, run_command

__all__ = ["COMMANDS", "PROG", "main", "build_parser", "format_table"]

#: The name the installed command runs under.
PROG = "lunarmap"

#: Command modules, in the order ``--help`` lists them.
COMMANDS = (sites, distances, fetch, zones, prepare, terrain, visibility, compare, region_stats, best_sites, measure,
            profile, tiles)


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(prog=prog, description="Lunar south pole sites, data and measurements.")
    parser.add_argument("--sites", default=None, help="site catalogue GeoJSON (default: data/sites.geojson)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None, prog: str = PROG) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser(prog).parse_args(argv)
    return run_command(args.func, args)
