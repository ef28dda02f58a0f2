"""The one place errors become what the user sees: a table from error class to how it is shown, and :func:`show_error`.

Every panel shows a caught error through :func:`show_error` (an alert) or
:func:`error_words` (the same words inside a line of its own); none calls
``st.error``/``st.warning`` with an error's text itself. The table decides the
kind of alert (``"error"`` or ``"warning"``), the lead words and the log level;
the most specific class comes first. Errors are logged here with their
traceback (for the log, never for the page); the page gets plain words, escaped
by :func:`lunarmap_ui.page.md_text` so an error quoting the user's text never
renders as Markdown or HTML. Cached results keep the error object (not its
text), so this table decides how a cached error is shown too.

Like titiler's ``DEFAULT_STATUS_CODES``: one table from errors to responses.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import streamlit as st

from lunarmap.errors import (
    CatalogError,
    ChecksumError,
    ComputeError,
    CoordinateTextError,
    CRSError,
    DataMissingError,
    EphemerisError,
    ExportError,
    FetchError,
    GeometryError,
    HorizonError,
    InvalidRadiusError,
    LunarmapError,
    OutsideRasterError,
    RasterError,
    RemoteProductError,
    ScenarioError,
    SiteCatalogError,
    SourceMissing,
    SourceUnreachable,
    TileError,
    TimeWindowError,
    UnknownFeatureError,
    UnknownProductError,
    UnknownSiteError,
    ZoneError,
    ZoneRadiusError,
)

__all__ = ["ErrorDisplay", "ERROR_DISPLAY", "UNEXPECTED", "display_for", "error_words", "log_error", "show_error"]

logger = logging.getLogger(__name__)

How = Literal["error", "warning"]


@dataclass(frozen=True)
class ErrorDisplay:
    """How one class of error is shown: the alert (``"error"`` or ``"warning"``), its lead words and the log level."""

    error: type[BaseException]
    how: How
    lead: str
    log_level: int = logging.WARNING


#: The table: most specific class first; the last LunarmapError row catches library errors not named above.
#: Input a person typed (a radius, a window, a geometry, a place name) is logged at INFO: it is not a fault.
ERROR_DISPLAY: tuple[ErrorDisplay, ...] = (
    ErrorDisplay(RemoteProductError, "warning", "Full-resolution product unavailable"),
    ErrorDisplay(SourceMissing, "warning", "Not at the source"),
    ErrorDisplay(SourceUnreachable, "warning", "Source unreachable"),
    ErrorDisplay(DataMissingError, "warning", "Data not available"),
    ErrorDisplay(ChecksumError, "error", "Data file damaged"),
    ErrorDisplay(FetchError, "error", "Data could not be fetched"),
    ErrorDisplay(OutsideRasterError, "warning", "Outside the data", logging.INFO),
    ErrorDisplay(UnknownFeatureError, "warning", "Not found", logging.INFO),
    ErrorDisplay(UnknownSiteError, "warning", "Unknown site", logging.INFO),
    ErrorDisplay(UnknownProductError, "error", "Unknown data product"),
    ErrorDisplay(ZoneRadiusError, "warning", "Zone radius not allowed", logging.INFO),
    ErrorDisplay(InvalidRadiusError, "warning", "Radius not allowed", logging.INFO),
    ErrorDisplay(TimeWindowError, "warning", "Time window not allowed", logging.INFO),
    ErrorDisplay(EphemerisError, "warning", "Outside the ephemeris", logging.INFO),
    ErrorDisplay(HorizonError, "warning", "Horizon not computed", logging.INFO),
    ErrorDisplay(CoordinateTextError, "warning", "Coordinates not understood", logging.INFO),
    ErrorDisplay(GeometryError, "warning", "Not on this map", logging.INFO),
    ErrorDisplay(ZoneError, "warning", "Zone refused", logging.INFO),
    ErrorDisplay(ScenarioError, "warning", "Scenario problem"),
    ErrorDisplay(ExportError, "error", "Export failed"),
    ErrorDisplay(SiteCatalogError, "error", "The site catalogue is invalid"),
    ErrorDisplay(CatalogError, "error", "The data catalogue is invalid"),
    ErrorDisplay(CRSError, "error", "Wrong coordinate system"),
    ErrorDisplay(RasterError, "error", "Raster cannot be used"),
    ErrorDisplay(ComputeError, "error", "Compute cluster unreachable"),
    ErrorDisplay(TileError, "warning", "Map tile not found", logging.INFO),
    ErrorDisplay(LunarmapError, "error", "Error"),
)
#: Anything else (a bug): an error alert, and the traceback in the log at ERROR.
UNEXPECTED = ErrorDisplay(Exception, "error", "Unexpected error", logging.ERROR)

#: The same error (class and message) shown again on a rerun, e.g. from a cached result, within this many
#: seconds is logged at DEBUG only: one traceback in the log per problem, not one per rerun.
REPEAT_WINDOW_S = 300.0
_recent: OrderedDict[tuple[str, str], float] = OrderedDict()
_recent_lock = threading.Lock()


def display_for(err: BaseException) -> ErrorDisplay:
    """The table's row for ``err``: the first whose class ``err`` is an instance of, else :data:`UNEXPECTED`.

    >>> display_for(DataMissingError("no dem")).lead, display_for(KeyError("x")).lead
    ('Data not available', 'Unexpected error')
    """
    for row in ERROR_DISPLAY:
        if isinstance(err, row.error):
            return row
    return UNEXPECTED


def _message(err: BaseException) -> str:
    text = str(err).strip()
    if not isinstance(err, LunarmapError):
        text = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return text or "no details were given"


def error_words(err: BaseException) -> str:
    """Plain words for ``err`` (its lead and message; not escaped), for a line of a panel's own.

    >>> error_words(OutsideRasterError("point at 10 E, 40 S is outside the elevation raster"))
    'outside the data: point at 10 E, 40 S is outside the elevation raster'
    """
    return f"{display_for(err).lead[0].lower()}{display_for(err).lead[1:]}: {_message(err)}"


def log_error(err: BaseException, what: str | None = None, *, _stacklevel: int = 2) -> None:
    """Log ``err`` with its traceback at its table level (DEBUG when the same error was logged moments ago).

    The record's file and line are the caller's (the panel that caught the error).
    """
    row = display_for(err)
    key = (f"{type(err).__module__}.{type(err).__qualname__}", str(err))
    now = time.monotonic()
    with _recent_lock:
        seen = _recent.get(key)
        _recent[key] = now
        _recent.move_to_end(key)
        while len(_recent) > 256:
            _recent.popitem(last=False)
    level = logging.DEBUG if seen is not None and now - seen < REPEAT_WINDOW_S else row.log_level
    logger.log(level, "%s: %s", what or row.lead, _message(err), exc_info=err, stacklevel=_stacklevel)


def show_error(err: BaseException, what: str | None = None, *, where: Any = None) -> None:
    """Log ``err`` and show it as the table says: ``"{what}. {lead}: {message}"`` (``what`` optional).

    ``what`` says what could not be done ("Visibility could not be computed"); ``where`` is a container
    (``st.sidebar``, a column) to show it in, else the current one. Every part is escaped: the page shows
    the words as they are, never as Markdown or HTML.
    """
    from .page import md_text  # page imports this module: imported here, when first needed

    log_error(err, what, _stacklevel=3)
    row = display_for(err)
    head = f"{md_text(what)}\\. " if what else ""
    getattr(where if where is not None else st, row.how)(f"{head}{md_text(row.lead)}: {md_text(_message(err))}")
