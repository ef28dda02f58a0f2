"""``python -m lunarmap``: the same command line as the installed ``lunarmap`` (see :mod:`lunarmap.cli`)."""

from .cli import main

raise SystemExit(main(prog="python -m lunarmap"))
