"""One hierarchy of errors: every public exception of lunarmap and lunarmap_ui is a LunarmapError and a builtin."""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil

import pytest

import lunarmap
import lunarmap_ui
from lunarmap import errors
from lunarmap.errors import LunarmapError

_SKIP = {"lunarmap.__main__"}    # running it is the command line


def _modules() -> list[str]:
    names = []
    for pkg in (lunarmap, lunarmap_ui):
        names.append(pkg.__name__)
        names += [m.name for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + ".") if m.name not in _SKIP]
    return names


def _public_exceptions() -> list[type[BaseException]]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name
                    and not attr.startswith("_")):
                found.append(value)
    return found


PUBLIC = _public_exceptions()


def test_the_walk_finds_the_errors_module_and_others():
    assert {errors.DataMissingError, errors.SourceMissing} <= set(PUBLIC)
    assert any(cls.__module__ != "lunarmap.errors" for cls in PUBLIC), "zones and zone_swap define errors too"


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_public_exception_is_a_lunarmap_error_and_a_matching_builtin(cls):
    assert issubclass(cls, LunarmapError), f"{cls.__qualname__} must derive from LunarmapError"
    if cls is LunarmapError:
        return
    matching = [b for b in cls.__mro__
                if b.__module__ == "builtins" and b not in (Exception, BaseException, object)
                and getattr(builtins, b.__name__, None) is b]
    assert matching, f"{cls.__qualname__} must also derive from a builtin such as ValueError or OSError"


@pytest.mark.parametrize("name", errors.__all__)
def test_errors_all_lists_only_lunarmap_errors(name):
    assert issubclass(getattr(errors, name), LunarmapError)


def test_source_errors__are_fetch_errors_the_fetch_loop_still_tells_apart():
    assert issubclass(errors.SourceMissing, errors.FetchError) and issubclass(errors.SourceMissing, FileNotFoundError)
    assert issubclass(errors.SourceUnreachable, errors.FetchError)
    assert issubclass(errors.SourceUnreachable, ConnectionError)
    assert not issubclass(errors.SourceMissing, errors.SourceUnreachable)
    from lunarmap import transfer

    assert transfer.SourceMissing is errors.SourceMissing and transfer.SourceUnreachable is errors.SourceUnreachable


def test_sites_frame__an_unknown_crs_is_a_crs_error():
    from lunarmap.sites import sites_frame

    with pytest.raises(errors.CRSError, match=r"crs must be .* \(got 'EPSG:4326'\)"):
        sites_frame([], crs="EPSG:4326")


def test_the_library_logger_has_only_a_null_handler():
    import logging

    handlers = logging.getLogger("lunarmap").handlers
    assert handlers and all(isinstance(h, logging.NullHandler) for h in handlers)
