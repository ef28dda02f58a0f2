"""``python -m lunarmap``: see :mod:`lunarmap.cli`."""

from .cli import main

raise SystemExit(main())
