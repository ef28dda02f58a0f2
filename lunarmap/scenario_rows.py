"""What both scenario stores share: the zone row layout, the naming and save rules, the row checks.

:class:`lunarmap.scenarios.ScenarioStore` (GeoPackage) and
:class:`lunarmap.scenarios_postgis.PostgisScenarioStore` (PostGIS) store the same
columns and apply the same rules, written once here: unique names compared
without case or surrounding space, a save refused over another session's newer
save, a new microsecond stamp per save, and each stored zone row checked as an
imported zone is when it is read back (a team edits these tables in QGIS).
"""

from __future__ import annotations

import logging
import os
import re
import struct
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from .crs import SOUTH_POLAR_CODE
from .errors import ScenarioError, ZoneError
from .zones import Zone, check_text, circle_attributes, polygon_zone

__all__ = ["checked_zones", "EMPTY_RENAME", "EMPTY_SAVE", "GPKG_SRS_ID", "ZONE_COLUMNS", "ScenarioInfo", "after_row_hook",
           "check_name", "check_save_over", "free_name_among", "from_gpkg_blob", "gpkg_blob", "imported_zone",
           "new_stamp", "save_name", "zone_values"]

ZONE_COLUMNS = ("zone_id", "scenario_id", "position", "name", "owner", "purpose", "start", "end", "rule", "shape",
                 "centre_lon_deg", "centre_lat_deg", "radius_km", "rule_key")


GPKG_SRS_ID = 100_030_135  # the GeoPackage srs_id under which the lunar polar CRS is registered here


@dataclass(frozen=True)
class ScenarioInfo:
    """A saved scenario's id, name, zone count and last-saved time (UTC, ISO 8601).

    ``saved_utc`` is the stored text as it is: microseconds
    (``2026-11-23T14:00:00.123456Z``) for saves by this version, whole seconds
    for older ones. It changes on every save, so it identifies a saved state
    (see ``expect_saved_utc`` in :meth:`ScenarioStore.save`).
    """

    id: str
    name: str
    zone_count: int
    saved_utc: str


def gpkg_blob(geom: shapely.Geometry) -> bytes:
    # GeoPackage binary: magic "GP", version 0, flags (little-endian, no envelope), srs_id, then WKB.
    return b"GP" + bytes([0, 0b0000_0001]) + struct.pack("<i", GPKG_SRS_ID) + shapely.to_wkb(geom, byte_order=1)


def from_gpkg_blob(blob: bytes) -> BaseGeometry:
    flags = blob[3]
    envelope = (0, 32, 48, 48, 64)[(flags >> 1) & 0b111]
    return shapely.from_wkb(blob[8 + envelope:])


EMPTY_SAVE = "a scenario needs a name; type one before saving."


EMPTY_RENAME = "the new scenario name is empty; type a name."


def save_name(name: str | None, empty: str = EMPTY_SAVE) -> str:
    """The name a scenario is saved under: trimmed and checked (:class:`ScenarioError` if empty or too long)."""
    name = (name or "").strip()
    if not name:
        raise ScenarioError(empty)
    return check_name(name)


def check_name(name: str) -> str:
    """A scenario name within the zones' text limits (length, valid Unicode), else :class:`ScenarioError`."""
    try:
        return check_text(name, "name", "the scenario", required=True)
    except ZoneError as err:
        raise ScenarioError(f"{err} Nothing was saved.") from None


def zone_values(z: Zone, scenario_id: str, position: int) -> tuple:
    """A zone's stored attributes in :data:`ZONE_COLUMNS` order (the geometry is encoded by each store)."""
    lon, lat = z.centre_lonlat if z.centre_lonlat else (None, None)
    return (z.id, scenario_id, position, z.name, z.owner, z.purpose, z.start, z.end, z.rule, z.shape,
            lon, lat, z.radius_km, z.rule_key)


def check_save_over(name: str, sid: str, scenario_id: str | None, stored_utc: str | None,
                     expect_saved_utc: str | None) -> None:
    """Refuse a save over a scenario that is gone, or that another session saved after it was opened."""
    if scenario_id is not None and stored_utc is None:
        raise ScenarioError(f"no saved scenario has id {sid!r}; save it as a new scenario instead.")
    if scenario_id is not None and expect_saved_utc is not None and stored_utc != expect_saved_utc:
        raise ScenarioError(
            f"the scenario {name!r} was changed in another session at {stored_utc} (after you opened it); "
            "nothing was saved. Use Save as new, or open it again to see the other changes."
        )


def new_stamp(now: datetime, stored_utc: str | None) -> str:
    """The save time as stored (UTC, microseconds), never equal to the stamp it replaces."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    while stamp == stored_utc:  # two saves in one microsecond
        now += timedelta(microseconds=1)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp


def free_name_among(others: Iterable[object], name: str, number_if_taken: bool) -> str:
    """``name`` if none of ``others`` is the same name (ignoring case and surrounding space), else refused or numbered."""
    taken = {str(n).strip().casefold() for n in others}
    if name.casefold() not in taken:
        return name
    if not number_if_taken:
        raise ScenarioError(f"a saved scenario is already named {name!r}; nothing was saved. Choose another "
                            "name, or let lunarmap number it (e.g. 'Rim plan (2)').")
    base = re.sub(r" \(\d+\)$", "", name)
    n = 2
    while f"{base} ({n})".casefold() in taken:
        n += 1
    return f"{base} ({n})"


def after_row_hook() -> None:
    """Test hook: with LUNARMAP_TEST_SLOW_SAVE set, say "row" on stdout and pause after each zone row written
    (so a test can kill a save midway, after rows it has seen written)."""
    delay = os.environ.get("LUNARMAP_TEST_SLOW_SAVE")
    if delay:
        sys.stdout.write("row\n")
        sys.stdout.flush()
        time.sleep(float(delay))


def imported_zone(row: tuple, scenario: str, label: str, decode: Callable[[bytes], BaseGeometry] | None = None) -> Zone:
    """One zone row of an imported GeoPackage, checked like a zone read from GeoJSON; ScenarioError if bad.

    The row is :data:`ZONE_COLUMNS` then the geometry: a GeoPackage blob, or what ``decode`` reads.
    """
    rec = dict(zip(ZONE_COLUMNS, row[:-1], strict=True))
    name = rec["name"] if isinstance(rec["name"], str) and rec["name"].strip() else f"#{rec['position']}"
    where = f"{label}: zone {name!r} of scenario {scenario!r}"
    try:
        if row[-1] is None:
            raise ScenarioError(f"{where} has no geometry; draw it again or remove it in the source.")
        geom = (decode or from_gpkg_blob)(bytes(row[-1]))
        if geom is None or geom.is_empty or not isinstance(geom, Polygon):
            kind = "empty" if geom is None or geom.is_empty else f"a {geom.geom_type}"
            raise ScenarioError(f"{where} is {kind}, not one polygon; lunarmap zones are single polygons: split "
                                "multipart zones into separate zones.")
        if geom.interiors:
            n = len(geom.interiors)
            raise ScenarioError(f"{where} has {n} hole{'s' if n != 1 else ''}; lunarmap zones are single outlines: "
                                "remove the holes or split the zone into parts.")
        props = {"shape": rec["shape"], "radius_km": rec["radius_km"], "centre_lon_deg": rec["centre_lon_deg"],
                 "centre_lat_deg": rec["centre_lat_deg"]}
        meta = {k: rec[k] for k in ("purpose", "start", "end", "rule")}
        if isinstance(rec.get("rule_key"), str) and rec["rule_key"].strip():
            meta["rule_key"] = rec["rule_key"].strip()[:80]
        meta.update(circle_attributes(props, geom))
        if isinstance(rec["zone_id"], str) and rec["zone_id"].strip():
            meta["id"] = rec["zone_id"]
        return polygon_zone(rec["name"], rec["owner"], list(geom.exterior.coords), crs=SOUTH_POLAR_CODE, **meta)
    except ScenarioError:
        raise
    except Exception as err:  # noqa: BLE001 - a damaged row must give a clear refusal, not a traceback
        raise ScenarioError(f"{where} cannot be imported ({err}); fix it in the source or export it again "
                            "from lunarmap.") from err


def checked_zones(rows: Iterable[tuple], scenario_id: str, scenario: str, label: str,
                  decode: Callable[[bytes], BaseGeometry] | None = None) -> tuple[list[Zone], list[str]]:
    """The rows of a stored scenario that pass the import checks, and a message per damaged row (logged)."""
    zones, problems = [], []
    for r in rows:
        try:
            zones.append(imported_zone(r, scenario, label, decode))
        except ScenarioError as err:
            _logger.warning("scenario %r: a damaged zone row is left out", scenario_id, exc_info=err)
            problems.append(str(err))
    return zones, problems


#: The stores' logger: the messages about damaged rows come from where the rows are read.
_logger = logging.getLogger("lunarmap.scenarios")
