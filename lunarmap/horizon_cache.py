"""Horizons remembered per process: :func:`lunarmap.horizon.horizon_profiles` asks here before marching rays.

Keyed by every input that changes a horizon, the elevation files included (resolved path, modification
time, size), so changed data is never answered from memory. Copies go in and come out: a caller that
changes a returned array cannot change what is remembered. Least recently used entries are dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .horizon import Horizon

__all__ = ["CACHE_MAX_SITES", "CACHE_ENTRIES", "CACHE_SITES", "HorizonCache", "HORIZONS", "data_stamp", "clear_horizon_cache"]

#: Calls with at most this many sites are remembered (the page's per-site horizons, and the grid of a region in
#: the comparison: :data:`lunarmap.compare_visibility.COMPARE_REGION_POINTS`).
CACHE_MAX_SITES = 160
#: Entries kept, at most.
CACHE_ENTRIES = 256
#: Sites kept over all entries, at most: about 17 kB a site at 0.5 deg of azimuth (6 kB at 2 deg), so ~70 MB.
CACHE_SITES = 4096


def _copied(h: Horizon) -> Horizon:
    return replace(h, azimuth_deg=h.azimuth_deg.copy(), elevation_deg=h.elevation_deg.copy(),
                   distance_m=h.distance_m.copy())


class HorizonCache:
    """A thread-safe least-recently-used memory of horizon lists."""

    def __init__(self, entries: int = CACHE_ENTRIES, sites: int = CACHE_SITES):
        self.entries = entries
        self.sites = sites
        self._sites = 0
        self._data: OrderedDict[tuple, tuple[Horizon, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> list[Horizon] | None:
        """Copies of the horizons remembered for ``key``, or None."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
        return None if hit is None else [_copied(h) for h in hit]

    def put(self, key: tuple, horizons: list[Horizon]) -> None:
        """Remember copies of ``horizons`` for ``key``."""
        with self._lock:
            old = self._data.pop(key, None)
            self._data[key] = tuple(_copied(h) for h in horizons)
            self._sites += len(horizons) - (len(old) if old is not None else 0)
            while len(self._data) > 1 and (len(self._data) > self.entries or self._sites > self.sites):
                self._sites -= len(self._data.popitem(last=False)[1])

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
            self._sites = 0


#: The process's memory of horizons computed with the default elevation data.
HORIZONS = HorizonCache()


def clear_horizon_cache() -> None:
    """Forget the horizons remembered (they are also dropped when the data files change)."""
    HORIZONS.clear()


def data_stamp(data_dir: Any) -> tuple[tuple[str, int, int], ...]:
    """The elevation products the default sampler reads (full-resolution DEMs included), each as (path, mtime_ns,
    size): part of the key."""
    from .product_sampling import elevation_sources, full_resolution_paths

    out = []
    sources: list[str | Path] = [*elevation_sources(data_dir), *full_resolution_paths(data_dir)]
    for p in sources:
        if isinstance(p, str) and p.startswith("/vsi"):    # read in place: its size is checked on use
            out.append((p, 0, 0))
            continue
        st = Path(p).stat()
        out.append((str(Path(p).resolve()), st.st_mtime_ns, st.st_size))
    return tuple(out)
