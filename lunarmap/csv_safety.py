"""CSV cells that spreadsheets show as text, never run as a formula.

A cell of user text such as ``=HYPERLINK(...)`` or ``+SUM(A1)`` is a formula to
Excel, LibreOffice and Google Sheets (CSV injection). Every CSV writer that puts
text a person typed into a cell passes it through :func:`csv_safe`. This module
imports nothing from the rest of the package, so light modules can use it.

>>> csv_safe("=1+1"), csv_safe("a=b"), csv_safe(-1.5)
("'=1+1", 'a=b', -1.5)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_START", "csv_safe"]

#: First characters that make a spreadsheet read a CSV cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A CSV cell value that spreadsheets show as text: text starting with = + - @ tab or CR gets a leading '.

    Numbers, None and other text are returned unchanged (only text cells can
    carry a formula; a negative number stays a number).
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
