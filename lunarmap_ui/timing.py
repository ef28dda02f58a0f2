"""Server time of the page's runs, for the page benchmark (``bench/bench_reruns.py``).

With the environment variable ``LUNARMAP_TIMING`` set, every timed run of the page logs one line on the
``lunarmap_ui.timing`` logger::

    run app 84.2 ms
    run map 12.7 ms

``app`` is a whole-page run, ``map`` a run of the map fragment alone (a layer toggle, an opacity change,
a readout click). Without the variable nothing is logged and the cost is one ``perf_counter`` pair.

With ``LUNARMAP_PROFILE`` set to a folder, each timed run is also profiled (``cProfile``) and its statistics
written there as ``<name>-<n>.prof`` (read them with ``python -m pstats``); the profiler slows the run, so
the times logged meanwhile are not the page's.
"""

from __future__ import annotations

import cProfile
import itertools
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ENV_VAR", "PROFILE_VAR", "enabled", "timed"]

ENV_VAR = "LUNARMAP_TIMING"
PROFILE_VAR = "LUNARMAP_PROFILE"
log = logging.getLogger(__name__)
_count = itertools.count(1)


def enabled() -> bool:
    """True when ``LUNARMAP_TIMING`` is set to something other than "", "0" or "false"."""
    return os.environ.get(ENV_VAR, "").strip().lower() not in ("", "0", "false", "no")


@contextmanager
def timed(name: str) -> Iterator[None]:
    """Log ``run <name> <ms> ms`` when the block ends (also when it ends by ``st.rerun`` or an error)."""
    folder = os.environ.get(PROFILE_VAR, "").strip()
    profiler = cProfile.Profile() if folder else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        yield
    finally:
        if profiler is not None:
            profiler.disable()
            Path(folder).mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(Path(folder) / f"{name}-{next(_count)}.prof"))
        if enabled():
            log.info("run %s %.1f ms", name, (time.perf_counter() - start) * 1000.0)
