"""lunarmap_ui.errors: the one table from errors to what the page shows, the log, and every panel going through it."""

from __future__ import annotations

import ast
import inspect
import logging
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import lunarmap.errors as E
from lunarmap.errors import LunarmapError
from lunarmap_ui import errors as ui_errors
from lunarmap_ui.errors import ERROR_DISPLAY, UNEXPECTED, display_for, error_words, log_error

from .test_errors import PUBLIC

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_log_memory():
    """Each test starts with no error logged moments ago (repeats are logged at DEBUG)."""
    ui_errors._recent.clear()
    yield
    ui_errors._recent.clear()


# ----------------------------------------------------------------- the table
@pytest.mark.parametrize("name", E.__all__)
def test_table__every_class_of_lunarmap_errors_has_its_own_row(name):
    cls = getattr(E, name)
    assert [row for row in ERROR_DISPLAY if row.error is cls], f"add a row for {name} to ERROR_DISPLAY"


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_table__every_lunarmap_error_anywhere_maps_to_a_row_of_its_own_family(cls):
    row = next(r for r in ERROR_DISPLAY if issubclass(cls, r.error))
    assert row.error in cls.__mro__ and row.how in ("error", "warning") and row.lead.strip()


def test_table__no_row_is_shadowed_by_an_earlier_more_general_one():
    for i, row in enumerate(ERROR_DISPLAY):
        earlier = [r.error.__name__ for r in ERROR_DISPLAY[:i] if issubclass(row.error, r.error)]
        assert not earlier, f"{row.error.__name__} is caught first by {earlier}: move it up"
    assert ERROR_DISPLAY[-1].error is LunarmapError


def test_display_for__unexpected_errors_are_errors_logged_at_error_level():
    assert display_for(KeyError("x")) is UNEXPECTED
    assert UNEXPECTED.how == "error" and UNEXPECTED.log_level == logging.ERROR


def test_error_words__lead_and_message_in_plain_words():
    assert error_words(E.DataMissingError("dem.tif is missing; run python -m lunarmap fetch")) == \
        "data not available: dem.tif is missing; run python -m lunarmap fetch"
    assert error_words(ZeroDivisionError("division by zero")) == \
        "unexpected error: ZeroDivisionError: division by zero"


# ----------------------------------------------------------------- the log
def _raised(err: BaseException) -> BaseException:
    try:
        raise err
    except BaseException as caught:  # noqa: BLE001 - the traceback is the point
        return caught


@pytest.mark.parametrize(("err", "level"), [
    (E.DataMissingError("no dem"), logging.WARNING),
    (E.InvalidRadiusError("radius_km must be between 0.01 and 500 (got -1)"), logging.INFO),
    (E.SiteCatalogError("site 3 has no id"), logging.WARNING),
    (KeyError("boom"), logging.ERROR),
])
def test_log_error__logs_the_traceback_at_the_table_level(caplog, err, level):
    err = _raised(err)
    with caplog.at_level(logging.DEBUG, logger="lunarmap_ui.errors"):
        log_error(err, "Something could not be done")
    (record,) = caplog.records
    assert record.name == "lunarmap_ui.errors" and record.levelno == level
    assert record.pathname == __file__, "the record points at the caller"
    assert record.exc_info[1] is err and record.exc_info[2] is err.__traceback__
    assert record.getMessage().startswith("Something could not be done: ")
    assert "Traceback (most recent call last)" in caplog.text


def test_log_error__the_same_error_again_moments_later_is_debug_only(caplog):
    with caplog.at_level(logging.DEBUG, logger="lunarmap_ui.errors"):
        log_error(E.DataMissingError("no dem"))
        log_error(E.DataMissingError("no dem"))       # a cached result's copy, shown on the next rerun
        log_error(E.DataMissingError("no slope"))
    assert [r.levelno for r in caplog.records] == [logging.WARNING, logging.DEBUG, logging.WARNING]


# ----------------------------------------------------------------- on the page
def _alerts_script() -> None:
    from lunarmap.errors import DataMissingError, OutsideRasterError, SiteCatalogError, UnknownFeatureError
    from lunarmap_ui.errors import show_error

    show_error(DataMissingError("elevation.tif is missing; run python -m lunarmap fetch"))
    show_error(SiteCatalogError("site 3: kind 'x' is unknown"), "The catalogue cannot be loaded")
    show_error(UnknownFeatureError("Nothing is named like '**x** <img src=x onerror=alert(1)>'"))
    show_error(OutsideRasterError("point outside"), "Visibility could not be computed")
    show_error(ZeroDivisionError("division by zero"), "The sunlit-% map could not be computed")


def test_show_error__alerts_as_the_table_says_with_text_never_markdown(caplog):
    with caplog.at_level(logging.INFO, logger="lunarmap_ui.errors"):
        at = AppTest.from_function(_alerts_script, default_timeout=30).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    errors = [e.value for e in at.error]
    assert warnings == [
        "Data not available: elevation\\.tif is missing; run python \\-m lunarmap fetch",
        "Not found: Nothing is named like '\\*\\*x\\*\\* \\<img src=x onerror=alert\\(1\\)\\>'",
        "Visibility could not be computed\\. Outside the data: point outside",
    ]
    assert errors == [
        "The catalogue cannot be loaded\\. The site catalogue is invalid: site 3\\: kind 'x' is unknown",
        "The sunlit\\-% map could not be computed\\. Unexpected error: ZeroDivisionError\\: division by zero",
    ]
    assert {r.levelname for r in caplog.records} == {"WARNING", "INFO", "ERROR"}


def test_dashboard__has_no_table_of_its_own():
    source = (ROOT / "dashboard.py").read_text()
    assert "ERROR_DISPLAY" not in source and "def show_error" not in source
    assert "from lunarmap_ui.errors import" in source


# ----------------------------------------------------------------- every panel goes through the table
#: Handlers catching any of these may catch a LunarmapError (every LunarmapError is also one of the builtins).
_CATCHING = ({c.__name__ for c in PUBLIC} | {"Exception", "BaseException"}
             | {b.__name__ for c in PUBLIC for b in c.__mro__ if b.__module__ == "builtins"}) - {"object"}
_ALERTS = {"error", "warning", "exception", "toast", "info", "caption", "markdown", "write", "text", "notice"}
_LOGGERS = {"logger", "log", "logging"}
_THE_TABLE = {"show_error", "log_error", "error_words"}
_ERRORISH = re.compile(r"\b\w*(err|exc|problem)\w*\b|\[['\"]error['\"]\]")


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(e) for e in node.elts))
    if isinstance(node, ast.Attribute):
        return {node.attr}
    return {node.id} if isinstance(node, ast.Name) else set()


def _call_name(call: ast.Call) -> tuple[str | None, str]:
    f = call.func
    if isinstance(f, ast.Attribute):
        receiver = f.value.id if isinstance(f.value, ast.Name) else None
        return receiver, f.attr
    return None, f.id if isinstance(f, ast.Name) else ""


def _text_of(node: ast.AST, name: str) -> list[ast.AST]:
    """Places where the caught error ``name`` is made into text outside the table's functions."""
    found = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            _, fn = _call_name(sub)
            if fn in _THE_TABLE:
                continue
            if fn in {"str", "repr", "format", "md_text"} and any(
                    isinstance(a, ast.Name) and a.id == name for a in sub.args):
                found.append(sub)
        if isinstance(sub, ast.FormattedValue) and any(
                isinstance(n, ast.Name) and n.id == name for n in ast.walk(sub.value)):
            found.append(sub)
    return found


def error_path_violations(path: Path) -> list[str]:
    """Where a module shows or words a caught error itself instead of through lunarmap_ui.errors."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and _names(node.type) & _CATCHING:
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.Call):
                        receiver, fn = _call_name(sub)
                        if fn in _ALERTS and receiver not in _LOGGERS:
                            out.append(f"line {sub.lineno}: {fn}() in an except block; use show_error(err)")
                if node.name:
                    out += [f"line {n.lineno}: {node.name} made into text; keep the error object or use "
                            "error_words/show_error" for n in _text_of(stmt, node.name)]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):   # def f(err: ZoneError, ...)
            for arg in node.args.args + node.args.kwonlyargs:
                if _names(arg.annotation) & _CATCHING:
                    out += [f"line {n.lineno}: {arg.arg} made into text; keep the error object or use "
                            "error_words/show_error" for stmt in node.body for n in _text_of(stmt, arg.arg)]
        if isinstance(node, ast.Call):
            receiver, fn = _call_name(node)
            if fn in {"error", "warning", "exception"} and receiver not in _LOGGERS:
                shown = " ".join(ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)])
                if _ERRORISH.search(shown):
                    out.append(f"line {node.lineno}: {receiver}.{fn}({shown[:60]}...) shows an error itself; "
                               "use show_error(err)")
    return out


ROUTED = ["dashboard.py", "lunarmap_ui/compare_panel.py", "lunarmap_ui/sunlit_panel.py", "lunarmap_ui/map_rows.py", "lunarmap_ui/point_panels.py",
          "lunarmap_ui/visibility_panel.py", "lunarmap_ui/notification_panel.py", "lunarmap_ui/page.py",
          "lunarmap_ui/map_component.py", "lunarmap_ui/static_files.py", "lunarmap_ui/zones_panel.py",
          "lunarmap_ui/zone_state.py", "lunarmap_ui/scenario_panel.py", "lunarmap_ui/zone_forms.py",
          "lunarmap_ui/zone_tables.py", "lunarmap_ui/zone_offers.py", "lunarmap_ui/rules_panel.py",
          "lunarmap_ui/best_sites_panel.py", "lunarmap_ui/jobs.py", "lunarmap_ui/timing.py", "lunarmap_ui/address.py",
          "lunarmap_ui/search_panel.py", "lunarmap_ui/tools_panel.py", "lunarmap_ui/reruns.py",
          "lunarmap_ui/terrain3d_panel.py", "lunarmap_ui/map_tiles.py", "lunarmap_ui/tile_server.py"]


def test_every_ui_module_is_checked():
    listed = set(ROUTED) | {"lunarmap_ui/errors.py", "lunarmap_ui/__init__.py"}
    present = {"dashboard.py"} | {f"lunarmap_ui/{p.name}" for p in (ROOT / "lunarmap_ui").glob("*.py")}
    assert present == listed


@pytest.mark.parametrize("module", ROUTED)
def test_module_shows_errors_only_through_the_table(module):
    assert error_path_violations(ROOT / module) == []


def test_the_check_finds_the_old_ways(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(inspect.cleandoc('''
        import streamlit as st
        def f():
            try:
                g()
            except LunarmapError as err:
                st.warning(f"Could not: {err}")
            try:
                g()
            except DataMissingError as err:
                return (), str(err)
            st.warning(f"Site table not available: {md_text(res.problem)}")
        def keep(err: ZoneError):
            notice(str(err))
        '''))
    found = error_path_violations(bad)
    assert sorted(f.split(":")[0] for f in found) == sorted(["line 6"] * 3 + ["line 10", "line 11", "line 13"]), found
