"""Saved scenarios: named sets of keep-out zones in an embedded GeoPackage (SQLite) database.

Single-scenario GeoPackage files (export and import) are in :mod:`lunarmap.scenario_files`.

The database is a real GeoPackage that GDAL and QGIS open: a feature table
``zones`` (polygons in IAU_2015:30135 metres) and an attribute table
``scenarios``. Every save, rename and delete is one SQLite transaction, so a
crash midway leaves the previous state intact. The default file lives in the
user data folder (platformdirs); ``LUNARMAP_SCENARIO_DB`` overrides it.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import platformdirs
from pyproj import CRS

from .crs import SOUTH_POLAR_CODE
from .errors import ScenarioError, ZoneError
from .scenario_rows import (
    EMPTY_RENAME,
    GPKG_SRS_ID,
    ZONE_COLUMNS,
    ScenarioInfo,
    after_row_hook,
    check_save_over,
    checked_zones,
    free_name_among,
    gpkg_blob,
    new_stamp,
    save_name,
    zone_values,
)
from .sizing_rules import rules_from_records, rules_to_records
from .zones import SizingRule, Zone

if TYPE_CHECKING:
    from .scenarios_postgis import PostgisScenarioStore

__all__ = ["ScenarioInfo", "ScenarioStore", "default_store_path", "format_saved", "open_store"]

logger = logging.getLogger(__name__)

_DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")


def default_store_path() -> Path:
    """``$LUNARMAP_SCENARIO_DB`` (a file path) or ``<user data dir>/lunarmap/scenarios.gpkg``."""
    env = os.environ.get("LUNARMAP_SCENARIO_DB")
    if env and not env.startswith(_DATABASE_URL_SCHEMES):
        return Path(env)
    return Path(platformdirs.user_data_dir("lunarmap", appauthor=False)) / "scenarios.gpkg"


def open_store(location: str | Path | None = None) -> ScenarioStore | PostgisScenarioStore:
    """The scenario store at ``location`` (default ``$LUNARMAP_SCENARIO_DB``, else the user data folder).

    A ``postgresql://user@host:port/database`` URL opens the team store in PostGIS
    (:class:`lunarmap.scenarios_postgis.PostgisScenarioStore`); anything else is a GeoPackage file path.
    Both have the same methods and the same rules (unique names, refused saves over newer ones).
    """
    if location is None:
        location = os.environ.get("LUNARMAP_SCENARIO_DB") or default_store_path()
    if isinstance(location, str) and location.startswith(_DATABASE_URL_SCHEMES):
        from .scenarios_postgis import PostgisScenarioStore  # psycopg is loaded only for a team store

        return PostgisScenarioStore(location)
    return ScenarioStore(location)


class ScenarioStore:
    """Save, list, open, rename and delete scenarios in one GeoPackage file."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ScenarioError(f"cannot create the scenario folder {str(self.path.parent)!r} ({err}); set LUNARMAP_SCENARIO_DB to a writable file path.") from err
        if self.path.exists():
            self._migrate()
        else:
            try:
                self._create()
            except ScenarioError:
                raise
            except Exception as err:  # noqa: BLE001 - GDAL, SQLite or the file system: one clear refusal
                raise ScenarioError(
                    f"cannot create the scenario database {str(self.path)!r} ({type(err).__name__}: {err}); the "
                    "folder may be read-only: set LUNARMAP_SCENARIO_DB to a writable file path."
                ) from err

    # --- schema ---------------------------------------------------------------------------------

    def _create(self) -> None:
        tmp = self.path.with_name(f".{self.path.stem}-{uuid.uuid4().hex[:8]}.gpkg")
        empty = gpd.GeoDataFrame(
            {c: gpd.pd.Series(dtype="float64" if c in ("centre_lon_deg", "centre_lat_deg", "radius_km")
                              else "int64" if c == "position" else "str") for c in ZONE_COLUMNS},
            geometry=gpd.GeoSeries([], crs=CRS.from_user_input(SOUTH_POLAR_CODE)),
        )
        empty.to_file(tmp, layer="zones", driver="GPKG", engine="pyogrio", geometry_type="Polygon",
                      layer_options={"SPATIAL_INDEX": "NO"})
        con = sqlite3.connect(tmp)
        try:
            with con:
                # Give the lunar CRS a fixed srs_id so our geometry blobs can name it.
                old = con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name='zones'").fetchone()[0]
                if old != GPKG_SRS_ID:
                    row = con.execute("SELECT srs_name, organization, organization_coordsys_id, definition, description "
                                      "FROM gpkg_spatial_ref_sys WHERE srs_id=?", (old,)).fetchone()
                    con.execute("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, "
                                "definition, description) VALUES (?, ?, ?, ?, ?, ?)", (row[0], GPKG_SRS_ID, row[1], GPKG_SRS_ID if row[2] == old else row[2], row[3], row[4]))
                    con.execute("UPDATE gpkg_geometry_columns SET srs_id=? WHERE table_name='zones'", (GPKG_SRS_ID,))
                    con.execute("UPDATE gpkg_contents SET srs_id=? WHERE table_name='zones'", (GPKG_SRS_ID,))
                con.execute("CREATE TABLE scenarios (fid INTEGER PRIMARY KEY AUTOINCREMENT, scenario_id TEXT UNIQUE NOT NULL, "
                            "name TEXT NOT NULL, saved_utc TEXT NOT NULL, sizing_rules TEXT)")
                con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                            "VALUES ('scenarios', 'attributes', 'scenarios', 'lunarmap saved scenarios')")
        finally:
            con.close()
        # Never replace a database another process created meanwhile: link the new file in only if the
        # name is free, else keep the existing one.
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            pass
        except OSError:  # no hard links on this file system: create-if-absent is the best that is left
            if not self.path.exists():
                os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)

    def _migrate(self) -> None:
        """Add what later versions store (a zone's sizing-rule key, a scenario's own rules) to an older store."""
        try:
            with self._connect() as con, con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if not {"zones", "scenarios"} <= tables:
                    return          # not a lunarmap store: the operations say so
                zone_cols = {r[1] for r in con.execute("PRAGMA table_info(zones)")}
                if "rule_key" not in zone_cols:
                    con.execute("ALTER TABLE zones ADD COLUMN rule_key TEXT")
                scenario_cols = {r[1] for r in con.execute("PRAGMA table_info(scenarios)")}
                if "sizing_rules" not in scenario_cols:
                    con.execute("ALTER TABLE scenarios ADD COLUMN sizing_rules TEXT")
        except ScenarioError:
            pass                    # read-only or damaged: reading still works, saving says why

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=10)
        except sqlite3.Error as err:
            raise ScenarioError(f"cannot open the scenario database {str(self.path)!r} ({err}).") from err
        try:
            yield con
        except sqlite3.DatabaseError as err:
            raise ScenarioError(f"the scenario database {str(self.path)!r} could not be used ({err}); "
                                "if it is damaged, move it aside and start a new one.") from err
        finally:
            con.close()

    # --- operations -----------------------------------------------------------------------------

    def save(self, name: str, zones: Iterable[Zone], scenario_id: str | None = None,
             expect_saved_utc: str | None = None, number_if_taken: bool = False,
             rules: Iterable[SizingRule] = ()) -> str:
        """Save zones under ``name`` (a new scenario, or replace ``scenario_id``'s zones). Returns the id.

        Names are unique in a store (compared without case or surrounding space): a name another scenario
        has is refused with :class:`ScenarioError`, or, with ``number_if_taken``, numbered ("Rim plan (2)");
        :meth:`info` tells the name it was saved under.

        ``expect_saved_utc`` is the ``saved_utc`` of the scenario as it was
        opened (:meth:`info`); with ``scenario_id``, the save is refused, and
        nothing changes, if the scenario was saved since (by another session).
        The check and the save are one transaction. Each save gets a new
        ``saved_utc`` (microseconds; never the same as the one it replaces).
        """
        name = save_name(name)
        zones = list(zones)
        sid = scenario_id or uuid.uuid4().hex[:12]
        now = datetime.now(UTC)
        rows = [(*zone_values(z, sid, i), gpkg_blob(z.geometry_polar)) for i, z in enumerate(zones)]
        rules_json = json.dumps(rules_to_records(rules), ensure_ascii=False)
        cols = ", ".join(f'"{c}"' for c in ZONE_COLUMNS) + ", geom"
        marks = ", ".join("?" for _ in range(len(ZONE_COLUMNS) + 1))
        with self._connect() as con, con:
            con.execute("BEGIN IMMEDIATE")  # hold the write lock from the check to the commit
            stored = con.execute("SELECT saved_utc FROM scenarios WHERE scenario_id=?", (sid,)).fetchone()
            check_save_over(name, sid, scenario_id, stored[0] if stored is not None else None, expect_saved_utc)
            stamp = new_stamp(now, stored[0] if stored is not None else None)
            name = _free_name(con, name, sid, number_if_taken)
            con.execute("DELETE FROM zones WHERE scenario_id=?", (sid,))
            con.execute("INSERT INTO scenarios (scenario_id, name, saved_utc, sizing_rules) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(scenario_id) DO UPDATE SET name=excluded.name, saved_utc=excluded.saved_utc, "
                        "sizing_rules=excluded.sizing_rules", (sid, name, stamp, rules_json))
            for row in rows:
                con.execute(f"INSERT INTO zones ({cols}) VALUES ({marks})", row)
                after_row_hook()
        return sid

    def list(self) -> list[ScenarioInfo]:
        """Saved scenarios, newest first."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT s.scenario_id, s.name, COUNT(z.fid), s.saved_utc FROM scenarios s "
                "LEFT JOIN zones z ON z.scenario_id = s.scenario_id GROUP BY s.scenario_id ORDER BY s.saved_utc DESC, s.fid DESC"
            ).fetchall()
        return [ScenarioInfo(*r) for r in rows]

    def info(self, scenario_id: str) -> ScenarioInfo:
        """One scenario's summary, or :class:`ScenarioError` if there is none with that id."""
        for s in self.list():
            if s.id == scenario_id:
                return s
        raise ScenarioError(f"no saved scenario has id {scenario_id!r}; pick one from the list of saved scenarios.")

    def rules(self, scenario_id: str) -> tuple[SizingRule, ...]:
        """The scenario's own sizing rules (the built-ins are not stored); ScenarioError if they are damaged."""
        self.info(scenario_id)
        with self._connect() as con:
            row = con.execute("SELECT sizing_rules FROM scenarios WHERE scenario_id=?", (scenario_id,)).fetchone()
        try:
            return rules_from_records(row[0] if row else None, f"the scenario {scenario_id!r}")
        except ZoneError as err:
            raise ScenarioError(f"{err} Fix or remove the rule in the scenario database.") from None

    def load(self, scenario_id: str) -> builtins.list[Zone]:  # builtins: ScenarioStore.list is a method
        """The zones of a saved scenario, in saved order; :class:`ScenarioError` if any row is damaged.

        (:meth:`load_checked` loads the good rows and names the damaged ones.)
        """
        zones, problems = self.load_checked(scenario_id)
        if problems:
            raise ScenarioError(f"the scenario has {len(problems)} damaged zone row(s): {problems[0]}")
        return zones

    def load_checked(self, scenario_id: str) -> tuple[builtins.list[Zone], builtins.list[str]]:
        """The zones of a saved scenario that pass the import checks, and a message per damaged row.

        The store is a GeoPackage a user may edit in QGIS: each row is checked as an imported zone is (a
        polygon with no holes, a name, an owner, sane attributes); a damaged row is named, not loaded.
        """
        info = self.info(scenario_id)
        cols = ", ".join(f'"{c}"' for c in ZONE_COLUMNS) + ", geom"
        with self._connect() as con:
            rows = con.execute(f"SELECT {cols} FROM zones WHERE scenario_id=? ORDER BY position", (scenario_id,)).fetchall()
        return checked_zones(rows, scenario_id, info.name, f"the scenario database {self.path.name!r}")

    def rename(self, scenario_id: str, new_name: str, number_if_taken: bool = False) -> str:
        """Rename a saved scenario; returns the name given (numbered when taken and ``number_if_taken``)."""
        new_name = save_name(new_name, EMPTY_RENAME)
        self.info(scenario_id)
        with self._connect() as con, con:
            con.execute("BEGIN IMMEDIATE")
            new_name = _free_name(con, new_name, scenario_id, number_if_taken)
            con.execute("UPDATE scenarios SET name=? WHERE scenario_id=?", (new_name, scenario_id))
        return new_name

    def delete(self, scenario_id: str) -> None:
        """Delete a saved scenario and its zones."""
        self.info(scenario_id)
        with self._connect() as con, con:
            con.execute("DELETE FROM zones WHERE scenario_id=?", (scenario_id,))
            con.execute("DELETE FROM scenarios WHERE scenario_id=?", (scenario_id,))


def format_saved(saved_utc: str, tz_name: str | None = None) -> str:
    """A save time to the minute in a time zone (an IANA name, e.g. the browser's; UTC when unknown).

    >>> format_saved("2026-12-03T08:41:07.123456Z", "Europe/Berlin")
    '2026-12-03 09:41 CET'
    >>> format_saved("2026-12-03T08:41:07.123456Z", None)
    '2026-12-03 08:41 UTC'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    when = datetime.strptime(saved_utc, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz_name) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    local = when.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or tz_name}"


def _free_name(con: sqlite3.Connection, name: str, scenario_id: str, number_if_taken: bool) -> str:
    """``name`` if no other scenario has it (ignoring case and surrounding space), else refused or numbered."""
    others = [n for (n,) in con.execute("SELECT name FROM scenarios WHERE scenario_id != ?", (scenario_id,))]
    return free_name_among(others, name, number_if_taken)

