"""``lunarmap prepare``: build the prepared layers from the fetched products (a step is skipped when up to date)."""

from __future__ import annotations

import argparse

from ..paths import data_dir
from ..prepare import PrepareStep, prepare
from ..terrain_blocks import BlockProgress

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """Prepare the layers, one line per step as it finishes."""
    def show(step: PrepareStep) -> None:
        print(f"  {step.name:<18} {step.status:<13} {step.seconds:7.2f} s", flush=True)

    def show_block(step: str, p: BlockProgress) -> None:
        print(f"  {step:<18} {p}", flush=True)

    print(f"preparing layers in {data_dir(args.data_dir) / 'prepared'}")
    report = prepare(args.data_dir, progress=show, force=args.force, block_progress=show_block)
    what = "nothing to do: all layers up to date" if report.is_noop else f"built {len(report.built)} step(s)"
    print(f"{what} ({report.seconds:.2f} s)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``prepare`` command."""
    p = subparsers.add_parser("prepare", help="build the prepared layers (polar rasters, PSR outlines, display images)")
    p.add_argument("--data-dir", default=None, help="data folder (default: $LUNARMAP_DATA_DIR or data/rasters)")
    p.add_argument("--force", action="store_true", help="rebuild every layer even if its inputs are unchanged")
    p.set_defaults(func=run)
