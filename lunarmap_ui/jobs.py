"""A computation in a background thread of the server: progress, cancel, outcome, read under a lock.

``BackgroundJob(work).start()`` runs ``work(progress)`` in a daemon thread;
``work`` calls ``progress(done, total)`` as it goes, which raises
an internal exception once :meth:`BackgroundJob.cancel` was called, so the
work stops at its next report. :meth:`BackgroundJob.snapshot` gives the state
(``"running"``, ``"done"``, ``"cancelled"``, ``"error"``), the counts, the
elapsed time, an estimate of the time left, the error object and the result.
The page polls it from a fragment (``st.fragment(run_every=...)``).
(The sunlit-% layer's job in :mod:`lunarmap_ui.sunlit_panel` predates this
class and works the same way.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["BackgroundJob", "format_seconds"]


class _JobCancelled(Exception):
    """Raised by a cancelled job's progress callback to stop the work (never leaves the job)."""


class BackgroundJob:
    """``work(progress) -> result`` in a daemon thread."""

    def __init__(self, work: Callable[[Callable[[int, int], None]], Any], name: str = "lunarmap-job"):
        self._work = work
        self._name = name
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.started = time.monotonic()
        self._finished: float | None = None
        self._done = 0
        self._total = 0
        self._state = "running"
        self._error: BaseException | None = None
        self._result: Any = None

    def start(self) -> BackgroundJob:
        """Run the work in a daemon thread (returns at once)."""
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (tests, shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def snapshot(self) -> dict[str, Any]:
        """State, done, total, elapsed_s, left_s (None if unknown), error (the exception) and result."""
        with self._lock:
            end = self._finished if self._finished is not None else time.monotonic()
            elapsed = end - self.started
            left = None
            if self._state == "running" and 0 < self._done < self._total:
                left = elapsed * (self._total - self._done) / self._done
            return {"state": self._state, "done": self._done, "total": self._total, "elapsed_s": elapsed,
                    "left_s": left, "error": self._error, "result": self._result}

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = int(done), int(total)
        if self._cancel.is_set():
            raise _JobCancelled()

    def _finish(self, state: str, error: BaseException | None = None, result: Any = None) -> None:
        with self._lock:
            self._state, self._error, self._result = state, error, result
            self._finished = time.monotonic()

    def _run(self) -> None:
        try:
            result = self._work(self._progress)
            if self._cancel.is_set():
                raise _JobCancelled()
            self._finish("done", result=result)
        except _JobCancelled:
            self._finish("cancelled")
        except Exception as err:  # noqa: BLE001 - the page shows any failure instead of a silent dead thread
            self._finish("error", error=err)


def format_seconds(seconds: float) -> str:
    """Seconds as "12 s" or "2.5 min".

    >>> format_seconds(12.3), format_seconds(150)
    ('12 s', '2.5 min')
    """
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"
