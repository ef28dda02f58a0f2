"""What the command line prints: tables, CSV, JSON, progress bars and the error path (lunarmap/cli/output.py)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lunarmap.cli.output import (
    EXIT_BAD_INPUT,
    ProgressPrinter,
    csv_text,
    format_table,
    print_csv,
    print_json,
    run_command,
)
from lunarmap.errors import LunarmapError, UnknownSiteError
from lunarmap.transfer import FetchProgress


def test_format_table__numbers_right_aligned_text_left_none_blank():
    text = format_table([{"id": "chang-e-4", "km": 1234.5}, {"id": "x", "km": None}], ["id", "km"])
    assert text.splitlines() == ["id                km", "---------  ---------", "chang-e-4  1,234.500", "x"]


def test_format_table__mixed_column_is_left_aligned():
    lines = format_table([{"v": 1}, {"v": "long text"}], ["v"]).splitlines()
    assert lines[2] == "1" and lines[3] == "long text"


def test_csv_text__header_then_rows_extra_keys_left_out():
    text = csv_text([{"a": 1, "b": "x,y", "c": "dropped"}], ["a", "b"])
    assert text == 'a,b\n1,"x,y"\n'
    assert list(csv.DictReader(io.StringIO(text))) == [{"a": "1", "b": "x,y"}]


def test_print_json_and_csv__to_standard_output(capsys):
    print_json({"name": "Chang'e 4 \u5ae6\u5a25"}, ensure_ascii=False)
    assert json.loads(capsys.readouterr().out) == {"name": "Chang'e 4 \u5ae6\u5a25"}
    print_json({"name": "\u5ae6"})
    assert "\\u5ae6" in capsys.readouterr().out
    print_csv([{"a": 1}], ["a"])
    assert capsys.readouterr().out == "a\n1\n"


def test_run_command__library_error_is_status_2_with_the_message_on_stderr(capsys):
    def fails(args):
        raise UnknownSiteError("unknown site id 'x'; known ids: a, b")

    assert run_command(fails, None) == EXIT_BAD_INPUT == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: unknown site id 'x'; known ids: a, b\n"


def test_run_command__status_of_the_command_and_none_is_0():
    assert run_command(lambda args: None, None) == 0
    assert run_command(lambda args: 3, None) == 3


def test_run_command__broken_pipe_is_0_other_errors_propagate():
    def pipe(args):
        raise BrokenPipeError

    def bug(args):
        raise KeyError("bug")

    assert run_command(pipe, None) == 0
    with pytest.raises(KeyError):
        run_command(bug, None)
    assert issubclass(UnknownSiteError, LunarmapError)


def test_progress_bar__shows_bytes_and_rate():
    stream = io.StringIO()
    printer = ProgressPrinter(stream)
    printer(FetchProgress("lola-global-dem", 500_000, 1_000_000, 2_500_000.0))
    assert printer.open_line
    printer(FetchProgress("lola-global-dem", 1_000_000, 1_000_000, 2_500_000.0, finished=True))
    text = stream.getvalue()
    assert "[############            ]" in text and "500.0 kB / 1.0 MB" in text and "2.5 MB/s" in text
    assert text.endswith("\n") and not printer.open_line
