"""lunarmap visibility: Sun and Earth visibility at sites from the command line (lunarmap/cli/visibility.py)."""

from __future__ import annotations

import pytest

from lunarmap.cli import main


def test_cli_visibility__json_smooth(capsys):
    import json

    assert main(["visibility", "chang-e-4", "chandrayaan-3", "--start", "2025-01-01", "--days", "60",
                 "--step-hours", "2", "--smooth", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    by_id = {row["id"]: row for row in doc["sites"]}
    assert by_id["chang-e-4"]["needs_relay"] is True and by_id["chang-e-4"]["earth_pct"] == 0.0
    assert by_id["chandrayaan-3"]["earth_pct"] == 100.0
    assert doc["window"]["samples"] == 720



@pytest.mark.parametrize("argv, message", [
    (["visibility", "nowhere", "--start", "2025-01-01", "--days", "3"], r"unknown site id 'nowhere'; known ids: chang-e-4"),
    (["visibility", "im-2", "ilrs", "--start", "2025-01-01", "--days", "3"],
     r"ilrs: a region is judged over its whole area, not at one point; use 'lunarmap region-stats ilrs"),
    (["visibility", "im-2", "--start", "01/02/2025", "--days", "3"], r"start '01/02/2025' is not a date; give YYYY-MM-DD"),
    (["visibility", "im-2", "--start", "2025-01-01", "--days", "-2"], r"days must be a number of days greater than 0"),
    (["visibility", "im-2", "--start", "2025-01-05", "--end", "2025-01-01"], r"end 2025-01-01T00:00:00 is not after start"),
    (["visibility", "im-2", "--start", "2025-01-01", "--days", "1", "--step-hours", "30"], r"at most the window length \(24 h\)"),
    (["visibility", "im-2", "--start", "2025-01-01", "--days", "1", "--mast-m", "-3", "--smooth"], r"mast_m must be a height"),
])
def test_cli_visibility__bad_input_status_2(argv, message, capsys):
    assert main(argv) == 2
    assert __import__("re").search(message, capsys.readouterr().err)



def test_cli_visibility__needs_days_or_end(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["visibility", "im-2", "--start", "2025-01-01"])
    assert exc.value.code == 2
    assert "one of the arguments --days --end is required" in capsys.readouterr().err

