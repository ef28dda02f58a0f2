"""What the command line prints: tables, CSV and JSON, progress bars, and errors.

The one place that turns rows into text for a terminal or a file, and the one
place that maps a library error to what the user sees: any
:class:`~lunarmap.errors.LunarmapError` becomes ``error: MESSAGE`` on standard
error and exit status 2 (:func:`run_command`).

>>> print(format_table([{"id": "a", "km": 1.5}, {"id": "bb", "km": None}], ["id", "km"]))
id     km
--  -----
a   1.500
bb
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..errors import LunarmapError
from ..transfer import FetchProgress, format_bytes

__all__ = ["EXIT_OK", "EXIT_BAD_INPUT", "format_table", "csv_text", "print_json", "print_csv", "ProgressPrinter",
           "run_command"]

#: Exit status of a command that ran.
EXIT_OK = 0
#: Exit status of a command refused for bad input or missing data (the message says what to change).
EXIT_BAD_INPUT = 2


def format_table(rows: list[dict], columns: Sequence[str]) -> str:
    """Plain-text table with right-aligned numbers, for terminals."""
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    out = [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


def csv_text(rows: list[dict], columns: Sequence[str]) -> str:
    """Rows as CSV text with a header line (keys not in ``columns`` are left out)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def print_csv(rows: list[dict], columns: Sequence[str]) -> None:
    """Write rows as CSV to standard output."""
    sys.stdout.write(csv_text(rows, columns))


def print_json(doc: Any, *, ensure_ascii: bool = True) -> None:
    """Print a document as indented JSON."""
    print(json.dumps(doc, indent=2, ensure_ascii=ensure_ascii))


class ProgressPrinter:
    """Draws one progress bar per product on a terminal (a ``progress`` callback of :func:`lunarmap.fetch.fetch_all`)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.open_line = False

    def __call__(self, p: FetchProgress) -> None:
        total = p.bytes_total
        frac = min(p.bytes_done / total, 1.0) if total else 0.0
        bar = "#" * int(frac * 24)
        size = f"{format_bytes(p.bytes_done)} / {format_bytes(total)}" if total else format_bytes(p.bytes_done)
        self.stream.write(f"\r{p.product[:30]:<30} [{bar:<24}] {size:>21}  {format_bytes(p.rate_bytes_per_s)}/s ")
        self.open_line = not p.finished
        if p.finished:
            self.stream.write("\n")
        self.stream.flush()


def run_command(func: Callable[[Any], int | None], args: Any) -> int:
    """Run one command; its exit status, with a library error reported as ``error: ...`` on stderr and status 2."""
    try:
        return int(func(args) or EXIT_OK)
    except LunarmapError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # e.g. piped into head
        return EXIT_OK
