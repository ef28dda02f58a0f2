"""CSV cells that spreadsheets would run as formulas are written as text (lunarmap/csv_safety.py)."""

from __future__ import annotations

import pytest

from lunarmap import export
from lunarmap.csv_safety import csv_safe


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-x", "'-x"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), ("", ""), (-1.5, -1.5), (3, 3), (None, None), (True, True),
])
def test_csv_safe(value, safe):
    assert csv_safe(value) == safe



def test_csv_safe__is_the_one_export_uses():
    assert export.csv_safe is csv_safe
