"""Zone conflict checks against the real PSR data (the library behind ``lunarmap zones check``).

Importing this module is light: the PSR modules (and the rasters behind them)
load on the first measurement, so the page and the command line can import it
before any data is there. The command itself lives in :mod:`lunarmap.cli.zones`.
"""

from __future__ import annotations

import csv
import io
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.base import BaseGeometry

from .csv_safety import csv_safe
from .errors import DataMissingError, RasterError
from .paths import PREPARED
from .paths import data_dir as _data_dir
from .sites import load_sites
from .zones import PsrFunction, ZoneReport, analyse_zones

if TYPE_CHECKING:
    from .psr import PsrStats

__all__ = ["psr_measure", "check_zones", "analyse_with_psr", "analyse_for_page", "analyse_apart", "OFFLOAD_MIN_ZONES",
           "report_rows",
           "report_document", "csv_text"]

#: From this many zones the page analyses them in a worker process (:func:`analyse_apart`).
OFFLOAD_MIN_ZONES = 40

_NO_DATA_NOTE = "no PSR data: the 60 m PSR grid covers only the polar cap poleward of about 85 S"
_NO_OFFICIAL_DATA_NOTE = ("no PSR data: the official LOLA PSR outlines cover only the polar cap poleward of about "
                          "75 S (about 69 S in their map's corners)")
_CACHE_SIZE = 4096
#: PSR area and note per (zone geometry WKB, data folder, official outlines' stamp), least recently used first.
_PSR_CACHE: OrderedDict[tuple[bytes, str, tuple[int, int] | None], tuple[float, str]] = OrderedDict()
_PSR_LOCK = threading.Lock()


def _psr_note(stats: PsrStats) -> tuple[float, str]:
    from .psr_official import OFFICIAL_PRODUCT

    if stats.product.startswith(OFFICIAL_PRODUCT):
        return _official_note(stats)
    if math.isnan(stats.psr_area_km2):
        return float("nan"), _NO_DATA_NOTE
    note = f"from {stats.product} ({stats.resolution_m:.0f} m)"
    if stats.covered_fraction < 0.999:
        note += f"; the grid covers {stats.covered_fraction:.0%} of the zone, the rest is not counted"
    return stats.psr_area_km2, note


def _official_note(stats: PsrStats) -> tuple[float, str]:
    """The note of a zone measured with the official outlines (and the 60 m grid where it covers)."""
    if math.isnan(stats.psr_area_km2):
        return float("nan"), _NO_OFFICIAL_DATA_NOTE
    grid = stats.grid_covered_fraction
    note = ("from the official LOLA PSR outlines (PSRs >= 5 km2, 75 S to the pole; "
            f"{stats.resolution_m:.0f} m maps or finer)")
    if grid >= 0.999:
        note += " and the 60 m PSR grid (PSRs under 5 km2, poleward of 85 S)"
    elif grid > 0:
        note += f" and the 60 m PSR grid on {grid:.0%} of the zone (PSRs under 5 km2 are mapped only there)"
    else:
        note += "; PSRs under 5 km2 are not mapped here (only poleward of about 85 S)"
    if stats.covered_fraction < 0.999:
        note += f"; the outlines cover {stats.covered_fraction:.0%} of the zone, the rest is not counted"
    return stats.psr_area_km2, note


def _psr_cached(geoms: Sequence[BaseGeometry], root: str) -> list[tuple[float, str]]:
    """PSR area and note of each geometry: cached ones from the cache, all others in one batch."""
    keys = [(shapely.to_wkb(g), root, _official_stamp(root)) for g in geoms]
    with _PSR_LOCK:
        found = {k: _PSR_CACHE[k] for k in keys if k in _PSR_CACHE}
    todo = {k: g for k, g in zip(keys, geoms, strict=True) if k not in found}
    if todo:
        from .psr import psr_area_in_many

        found.update(zip(todo, map(_psr_note, psr_area_in_many(list(todo.values()), data_dir=root)), strict=True))
    with _PSR_LOCK:
        for k in keys:
            _PSR_CACHE[k] = found[k]
            _PSR_CACHE.move_to_end(k)
        while len(_PSR_CACHE) > _CACHE_SIZE:
            _PSR_CACHE.popitem(last=False)
    return [found[k] for k in keys]


def _official_stamp(root: str) -> tuple[int, int] | None:
    """(mtime, size) of the prepared official PSR outlines, None without them: part of every cache key."""
    try:
        st = (Path(root) / "prepared" / PREPARED["psr_official"]).stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=8)
def _psr_total(root: str, official_stamp: tuple[int, int] | None = None) -> float:
    from .psr import psr_area_in
    from .psr_official import load_official
    from .rasters import open_raster

    with open_raster(Path(root) / "prepared" / PREPARED["psr"]) as ds:
        grid = shapely.box(*ds.bounds)
    official = load_official(root)
    if official is not None:            # the outlines' map holds the grid's square
        grid = shapely.union(grid, official.coverage).envelope
    return float(psr_area_in(grid, data_dir=root).psr_area_km2)


def psr_measure(data_dir: str | Path | None = None) -> tuple[PsrFunction | None, float, str]:
    """A cached PSR-area function for zones, the total PSR area in the data (km2), and a status note.

    Returns ``(None, nan, reason)`` when the prepared PSR grid is not there yet.
    Results are cached by geometry, so re-checking unchanged zones is instant.
    """
    root = str(_data_dir(data_dir))
    try:
        total = _psr_total(root, _official_stamp(root))
    except (DataMissingError, RasterError, FileNotFoundError) as err:
        return None, float("nan"), f"PSR data not prepared ({err}); run python -m lunarmap fetch, then prepare"

    def measure(geom: BaseGeometry) -> tuple[float, str]:
        return _psr_cached([geom], root)[0]

    return measure, total, "ok"


def check_zones(zones, data_dir: str | Path | None = None) -> ZoneReport:
    """Conflict analysis of zones against the site catalogue and the prepared PSR grid."""
    return analyse_with_psr(zones, load_sites(), data_dir)[0]


def analyse_with_psr(zones, sites, data_dir: str | Path | None = None,
                     max_pairs: int | None = None) -> tuple[ZoneReport, str]:
    """Conflict analysis of ``zones`` against ``sites`` and the PSR data of ``data_dir``, with the PSR status note."""
    measure, total, status = psr_measure(data_dir)
    if measure is not None and zones:      # all zones not measured before, in one batch
        _psr_cached([z.geometry_polar for z in zones], str(_data_dir(data_dir)))
    return analyse_zones(zones, list(sites), psr_km2=measure, psr_total_km2=total, max_pairs=max_pairs), status


_POOL = None
_POOL_LOCK = threading.Lock()


def _pool():
    """One worker process for large analyses, started on first use and kept (its PSR caches stay warm)."""
    with _POOL_LOCK:
        return _pool_unlocked()


def _pool_unlocked():
    global _POOL
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_lower_priority)
    return _POOL


def _submit_with_a_plain_main(fn, *args):
    """``_pool().submit(fn, *args)`` under :func:`lunarmap.compute.plain_main`: the executor starts its worker
    inside ``submit``, and a spawned worker must not re-run the page script that Streamlit makes ``__main__``."""
    from .compute import plain_main

    with _POOL_LOCK, plain_main():
        return _pool_unlocked().submit(fn, *args)


def analyse_for_page(zones, sites, data_dir: str | Path | None = None,
                     max_pairs: int | None = None) -> tuple[ZoneReport, str, tuple]:
    """:func:`analyse_with_psr` plus the map's pieces (:func:`lunarmap.zone_layers.map_pieces`), as the page needs.

    The returned report keeps every pair's numbers but not its overlap outline (an empty polygon): the map's
    pieces are built here from the exact outlines, and what else draws an overlap (the notification's map)
    intersects the two zones again. Hundreds of overlapping zones would otherwise keep, and send between
    processes, tens of thousands of detailed outlines per session.
    """
    from dataclasses import replace

    from shapely.geometry import Polygon

    from .zone_layers import map_pieces

    zones = list(zones)
    report, status = analyse_with_psr(zones, sites, data_dir, max_pairs)
    pieces = map_pieces(zones, report)
    empty = Polygon()
    report = replace(report, pairs=tuple(replace(p, geometry_polar=empty) for p in report.pairs))
    return report, status, pieces


def _lower_priority() -> None:
    """Worker initializer: yield the CPU to the server's page runs (a lower scheduling priority, where allowed)."""
    try:
        os.nice(10)
    except (AttributeError, OSError):   # no nice() here, or not allowed: run at normal priority
        pass


def analyse_apart(zones, sites, data_dir: str | Path | None = None,
                  max_pairs: int | None = None) -> tuple[ZoneReport, str, tuple]:
    """:func:`analyse_for_page` in a worker process when there are :data:`OFFLOAD_MIN_ZONES` zones or more.

    The calling thread only waits (it holds no interpreter lock meanwhile) and the worker runs at a lower
    priority, so in a shared server other sessions' page runs go on while one session analyses hundreds of
    zones and builds their map pieces. Fewer zones are analysed here (a worker's round trip would cost more than the work). A
    worker that died is replaced and the analysis runs here instead; library errors from the worker
    propagate unchanged.
    """
    global _POOL
    zones = list(zones)
    if len(zones) < OFFLOAD_MIN_ZONES:
        return analyse_for_page(zones, sites, data_dir, max_pairs)
    from concurrent.futures.process import BrokenProcessPool

    try:
        return _submit_with_a_plain_main(analyse_for_page, zones, list(sites),
                                         None if data_dir is None else str(data_dir), max_pairs).result()
    except BrokenProcessPool:
        with _POOL_LOCK:
            _POOL = None
        return analyse_for_page(zones, sites, data_dir, max_pairs)


def _num(value: float, digits: int = 3) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), digits)


def report_rows(report: ZoneReport) -> tuple[list[dict], list[dict]]:
    """The report as plain rows: one per zone, one per overlapping pair (for tables, CSV and JSON).

    Text is as entered (names and owners may start with = + - @); write CSV
    with :func:`csv_text`, which makes such cells safe for spreadsheets.
    """
    names = {z.id: z.name for z in report.zones}
    zones = [
        {"zone": z.name, "owner": z.owner, "area_km2": _num(z.area_km2), "psr_km2": _num(z.psr_km2),
         "psr_share_of_zone": _num(z.psr_share_of_zone, 5), "psr_share_of_all_psr": _num(z.psr_share_of_all, 5),
         "sites_inside": " ".join(z.sites_inside), "psr_note": z.psr_note}
        for z in report.zones
    ]
    pairs = [
        {"zone_a": names[p.a], "zone_b": names[p.b], "overlap_km2": _num(p.overlap_km2),
         "share_of_a": _num(p.share_of_a, 5), "share_of_b": _num(p.share_of_b, 5),
         "periods_overlap": p.periods_overlap, "conflict": p.conflict}
        for p in report.pairs
    ]
    return zones, pairs


def report_document(report: ZoneReport) -> dict:
    """The report as one JSON-ready document: units, method, total PSR area, zones, overlaps and the conflict count."""
    zone_rows, pair_rows = report_rows(report)
    return {"units": {"area": "km2"}, "method": report.method, "psr_total_km2": _num(report.psr_total_km2),
            "zones": zone_rows, "overlaps": pair_rows, "conflicts": sum(p["conflict"] for p in pair_rows)}


def csv_text(zone_rows: list[dict], pair_rows: list[dict]) -> str:
    """Zone and pair rows (:func:`report_rows`) as one CSV table with a ``kind`` column (zone / overlap).

    Text cells that a spreadsheet would run as a formula get a leading ' (see
    :func:`lunarmap.csv_safety.csv_safe`); numbers are written as they are.
    """
    buf = io.StringIO()
    zone_cols = list(zone_rows[0]) if zone_rows else []
    pair_cols = ["zone_a", "zone_b", "overlap_km2", "share_of_a", "share_of_b", "periods_overlap", "conflict"]
    w = csv.DictWriter(buf, fieldnames=["kind", *zone_cols, *pair_cols], lineterminator="\n")
    w.writeheader()
    w.writerows({"kind": "zone", **{k: csv_safe(v) for k, v in r.items()}} for r in zone_rows)
    w.writerows({"kind": "overlap", **{k: csv_safe(v) for k, v in r.items()}} for r in pair_rows)
    return buf.getvalue()

