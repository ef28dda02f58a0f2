"""The team scenario store: the same scenarios as :class:`lunarmap.scenarios.ScenarioStore`, in PostGIS.

``LUNARMAP_SCENARIO_DB=postgresql://user@host:port/database`` selects it
(:func:`lunarmap.scenarios.open_store`). Several lunarmap processes (replicas
behind one address) and a team's other tools (QGIS, psql, GDAL) share it.

Layout, in the schema ``lunarmap`` (created on first use):

- ``scenarios``: id, name, last-saved stamp, the scenario's own sizing rules (JSON).
- ``zones``: one row per zone with owner, purpose, period (start, end), rule, circle
  attributes and the outline as ``geometry(Polygon, 930135)``: IAU_2015:30135 south
  polar stereographic metres, the CRS the zones are drawn and stored in everywhere
  in lunarmap, so the stored outline is exactly the drawn one. The CRS is registered
  in ``spatial_ref_sys`` from pyproj's definition with ``auth_name='IAU_2015'``,
  ``auth_srid=30135`` (PROJ and QGIS recognise it by that name); its lon/lat
  partner IAU_2015:30100 is registered as 930100 so ``geography`` measures on the
  Moon sphere (R = 1,737,400 m). 930100 and 930135 sit in PostGIS's range for
  user-defined SRIDs (up to 998999).
- ``zone_areas`` and ``zone_conflicts`` (views): each zone's area, and every pair of zones
  of one scenario that share area, in km² on the Moon sphere, with whether they conflict
  (different owners, periods with a day in common): the page's conflict analysis, in SQL.

Every save is one transaction holding the store's write lock (an advisory lock), so a
killed save leaves the previous state, and the check against another session's newer
save is atomic with the save.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import threading
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
import shapely
from psycopg_pool import ConnectionPool, PoolTimeout
from pyproj import CRS

from .errors import ScenarioError, ZoneError
from .scenario_rows import (
    EMPTY_RENAME,
    ZONE_COLUMNS,
    ScenarioInfo,
    after_row_hook,
    check_save_over,
    checked_zones,
    free_name_among,
    new_stamp,
    save_name,
    zone_values,
)
from .sizing_rules import rules_from_records, rules_to_records
from .zones import SizingRule, Zone
from .zones.model import owner_key

__all__ = ["POLAR_SRID", "LONLAT_SRID", "PostgisScenarioStore", "redacted_url"]

logger = logging.getLogger(__name__)

#: SRIDs under which IAU_2015:30135 and IAU_2015:30100 are registered in ``spatial_ref_sys``.
POLAR_SRID = 930_135
LONLAT_SRID = 930_100

#: Zone outlines are densified to this spacing (m, in the polar plane) before measuring on the sphere:
#: edges are straight on the map as drawn, as in :func:`lunarmap.geodesy.area_m2`.
_DENSIFY_M = 1_000.0

#: Area on the Moon sphere (km²) of a polar-metre geometry, in SQL. ``use_spheroid=false``: the sphere formula, which
#: is exact here since the Moon's spheroid is a sphere, and faster. (OFFSET 0 below keeps PostgreSQL from
#: computing the overlap twice: once for the filter, once for the row.)
_AREA_KM2 = f"ST_Area(ST_Transform(ST_Segmentize({{g}}, {_DENSIFY_M}), {LONLAT_SRID})::geography, false) / 1e6"

_WRITE_LOCK = 30_135  # the advisory lock key every write takes (one writer per store at a time)


def redacted_url(url: str) -> str:
    """The database address without its password, for messages and logs.

    >>> redacted_url("postgresql://ann:secret@db.example:5432/moon")
    'postgresql://ann@db.example:5432/moon'
    """
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(an unreadable postgresql:// address)"
    user = f"{info['user']}@" if info.get("user") else ""
    port = f":{info['port']}" if info.get("port") else ""
    return f"postgresql://{user}{info.get('host', '')}{port}/{info.get('dbname', '')}"


def _srs_rows() -> list[tuple[int, str, int, str, str]]:
    rows = []
    for srid, code in ((POLAR_SRID, 30135), (LONLAT_SRID, 30100)):
        crs = CRS.from_user_input(f"IAU_2015:{code}")
        with warnings.catch_warnings():  # PROJ strings drop nothing that matters for these two
            warnings.simplefilter("ignore", UserWarning)
            proj4 = crs.to_proj4()
        rows.append((srid, "IAU_2015", code, crs.to_wkt("WKT1_GDAL"), proj4))
    return rows


_COLUMN_TYPES = {"position": "integer", "centre_lon_deg": "double precision", "centre_lat_deg": "double precision",
                 "radius_km": "double precision"}

_SCHEMA = [
    "CREATE SCHEMA IF NOT EXISTS lunarmap",
    """CREATE TABLE IF NOT EXISTS lunarmap.scenarios (
           fid bigserial PRIMARY KEY, scenario_id text UNIQUE NOT NULL, name text NOT NULL,
           saved_utc text NOT NULL, sizing_rules text)""",
    "CREATE TABLE IF NOT EXISTS lunarmap.zones (fid bigserial PRIMARY KEY, "
    + ", ".join(f'"{c}" {_COLUMN_TYPES.get(c, "text")}' + (" NOT NULL" if c == "scenario_id" else "")
                for c in ZONE_COLUMNS)
    + f", owner_key text NOT NULL, geom geometry(Polygon, {POLAR_SRID}) NOT NULL,"
    " FOREIGN KEY (scenario_id) REFERENCES lunarmap.scenarios (scenario_id) ON DELETE CASCADE)",
    "CREATE INDEX IF NOT EXISTS zones_geom_idx ON lunarmap.zones USING gist (geom)",
    "CREATE INDEX IF NOT EXISTS zones_scenario_idx ON lunarmap.zones (scenario_id)",
    f"""CREATE OR REPLACE VIEW lunarmap.zone_areas AS
        SELECT z.fid, z.scenario_id, z.zone_id, z.name, z.owner, {_AREA_KM2.format(g='z.geom')} AS area_km2
        FROM lunarmap.zones z""",
    # The page's rules: shared area (the polygonal part of the intersection, at least 1e-6 km²) of zones of one
    # scenario; a conflict when the owners differ (compared as lunarmap compares them: owner_key) and the periods
    # (ISO dates, both days included, missing = open-ended) have a day in common.
    f"""CREATE OR REPLACE VIEW lunarmap.zone_conflicts AS
        SELECT a.scenario_id, a.zone_id AS zone_a, a.name AS name_a, a.owner AS owner_a,
               b.zone_id AS zone_b, b.name AS name_b, b.owner AS owner_b, m.overlap_km2, m.periods_overlap,
               m.periods_overlap AND a.owner_key <> b.owner_key AS conflict
        FROM lunarmap.zones a
        JOIN lunarmap.zones b ON a.scenario_id = b.scenario_id AND a.fid < b.fid AND ST_Intersects(a.geom, b.geom)
        CROSS JOIN LATERAL (
            SELECT {_AREA_KM2.format(g='ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)')} AS overlap_km2,
                   GREATEST(COALESCE(a.start, ''), COALESCE(b.start, '')) COLLATE "C"
                     <= LEAST(COALESCE(a."end", '9999-12-31'), COALESCE(b."end", '9999-12-31')) COLLATE "C"
                     AS periods_overlap
            OFFSET 0) m
        WHERE m.overlap_km2 >= 1e-6""",
]


_POOLS: dict[str, ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()


def _unreachable(label: str, err: BaseException) -> ScenarioError:
    detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ScenarioError(f"cannot reach the scenario database {label} ({detail}); check LUNARMAP_SCENARIO_DB "
                         "(postgresql://user@host:port/database) and that the server is running.")


def _pool_for(url: str, label: str, connect_timeout_s: float) -> ConnectionPool:
    """One small pool of connections per database per process, shared by every store object and session.

    A new connection costs 10-50 ms here; a pooled one is checked (an empty query) and reused. A database that
    cannot be reached is tried with one plain connection first (a refused port fails at once, not after the
    pool's timeout), and the failure is remembered for :data:`RETRY_AFTER_S`, so a page that asks again on
    every rerun is told at once instead of waiting for the timeout each time.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is not None and not pool.closed:
            return pool
        failed = _FAILED.get(url)
        if failed is not None and time.monotonic() - failed[0] < RETRY_AFTER_S:
            raise failed[1]
        pool = None
        try:
            psycopg.connect(url, connect_timeout=max(1, round(connect_timeout_s)), application_name="lunarmap").close()
            pool = ConnectionPool(url, min_size=1, max_size=_POOL_SIZE, open=False,
                                  check=ConnectionPool.check_connection, kwargs={"application_name": "lunarmap"},
                                  timeout=connect_timeout_s, name="lunarmap-scenarios")
            pool.open(wait=True, timeout=connect_timeout_s)
        except (psycopg.Error, PoolTimeout) as err:
            if pool is not None:
                pool.close()
            error = _unreachable(label, err)
            _FAILED[url] = (time.monotonic(), error)
            raise error from err
        _FAILED.pop(url, None)
        _POOLS[url] = pool
        return pool


#: Seconds for which an unreachable database is reported as such without trying again.
RETRY_AFTER_S = 10.0
_FAILED: dict[str, tuple[float, ScenarioError]] = {}


#: Connections per process: saves take the store's write lock one at a time, reads are sub-millisecond.
_POOL_SIZE = 4


class PostgisScenarioStore:
    """Save, list, open, rename and delete scenarios in a PostGIS database (same methods as ``ScenarioStore``)."""

    def __init__(self, url: str, connect_timeout_s: float = 5.0):
        self.url = url
        self.label = redacted_url(url)
        self._pool = _pool_for(url, self.label, connect_timeout_s)
        with self._connect() as con:
            ready = con.execute("SELECT to_regclass('lunarmap.zone_conflicts') IS NOT NULL").fetchone()
        if not (ready and ready[0]):
            self._create_schema()

    def _create_schema(self) -> None:
        with self._connect() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))  # replicas starting at once
            has_postgis = con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
            if not has_postgis:
                try:
                    with con.transaction():
                        con.execute("CREATE EXTENSION postgis")
                except psycopg.Error as err:
                    raise ScenarioError(
                        f"the database {self.label} has no PostGIS and lunarmap may not add it ({err.sqlstate}); "
                        "ask its owner to run 'CREATE EXTENSION postgis;' in it, then try again."
                    ) from err
            for row in _srs_rows():
                con.execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
                            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (srid) DO NOTHING", row)
            for statement in _SCHEMA:
                con.execute(statement)

    @property
    def path(self) -> str:
        """Where the store is, for messages (the address without its password)."""
        return self.label

    @contextmanager
    def _connect(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self._pool.connection() as con:
                yield con
        except ScenarioError:
            raise
        except PoolTimeout as err:
            raise _unreachable(self.label, err) from err
        except psycopg.Error as err:
            logger.warning("scenario database %s failed", self.label, exc_info=err)
            raise ScenarioError(f"the scenario database {self.label} could not be used ({str(err).strip()}); "
                                "nothing was changed. Try again, or ask the database's owner.") from err

    # --- operations -----------------------------------------------------------------------------

    def save(self, name: str, zones: Iterable[Zone], scenario_id: str | None = None,
             expect_saved_utc: str | None = None, number_if_taken: bool = False,
             rules: Iterable[SizingRule] = ()) -> str:
        """Save zones under ``name``; the same rules as :meth:`lunarmap.scenarios.ScenarioStore.save`."""
        name = save_name(name)
        zones = list(zones)
        sid = scenario_id or uuid.uuid4().hex[:12]
        rows = [(*zone_values(z, sid, i), owner_key(z.owner), shapely.to_wkb(z.geometry_polar))
                for i, z in enumerate(zones)]
        rules_json = json.dumps(rules_to_records(rules), ensure_ascii=False)
        cols = ", ".join(f'"{c}"' for c in ZONE_COLUMNS) + ", owner_key, geom"
        marks = ", ".join("%s" for _ in range(len(ZONE_COLUMNS) + 1)) + f", ST_GeomFromWKB(%s, {POLAR_SRID})"
        with self._connect() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))  # from the check to the commit
            stored = con.execute("SELECT saved_utc FROM lunarmap.scenarios WHERE scenario_id = %s", (sid,)).fetchone()
            stored_utc = stored[0] if stored is not None else None
            check_save_over(name, sid, scenario_id, stored_utc, expect_saved_utc)
            stamp = new_stamp(datetime.now(UTC), stored_utc)
            name = free_name_among(self._other_names(con, sid), name, number_if_taken)
            con.execute("DELETE FROM lunarmap.zones WHERE scenario_id = %s", (sid,))
            con.execute("INSERT INTO lunarmap.scenarios (scenario_id, name, saved_utc, sizing_rules) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (scenario_id) DO UPDATE SET name = excluded.name, "
                        "saved_utc = excluded.saved_utc, sizing_rules = excluded.sizing_rules",
                        (sid, name, stamp, rules_json))
            if os.environ.get("LUNARMAP_TEST_SLOW_SAVE"):
                for row in rows:
                    con.execute(f"INSERT INTO lunarmap.zones ({cols}) VALUES ({marks})", row)
                    after_row_hook()
            elif rows:
                with con.cursor() as cur:
                    cur.executemany(f"INSERT INTO lunarmap.zones ({cols}) VALUES ({marks})", rows)
        return sid

    @staticmethod
    def _other_names(con: psycopg.Connection[Any], scenario_id: str) -> list[str]:
        return [n for (n,) in con.execute("SELECT name FROM lunarmap.scenarios WHERE scenario_id <> %s",
                                          (scenario_id,))]

    def list(self) -> list[ScenarioInfo]:
        """Saved scenarios, newest first."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT s.scenario_id, s.name, COUNT(z.fid)::int, s.saved_utc FROM lunarmap.scenarios s "
                "LEFT JOIN lunarmap.zones z ON z.scenario_id = s.scenario_id "
                "GROUP BY s.fid ORDER BY s.saved_utc DESC, s.fid DESC").fetchall()
        return [ScenarioInfo(*r) for r in rows]

    def info(self, scenario_id: str) -> ScenarioInfo:
        """One scenario's summary, or :class:`ScenarioError` if there is none with that id."""
        with self._connect() as con:
            row = con.execute(
                "SELECT s.scenario_id, s.name, (SELECT COUNT(*)::int FROM lunarmap.zones z "
                "WHERE z.scenario_id = s.scenario_id), s.saved_utc FROM lunarmap.scenarios s WHERE s.scenario_id = %s",
                (scenario_id,)).fetchone()
        if row is None:
            raise ScenarioError(f"no saved scenario has id {scenario_id!r}; pick one from the list of saved scenarios.")
        return ScenarioInfo(*row)

    def rules(self, scenario_id: str) -> tuple[SizingRule, ...]:
        """The scenario's own sizing rules; ScenarioError if they are damaged."""
        self.info(scenario_id)
        with self._connect() as con:
            row = con.execute("SELECT sizing_rules FROM lunarmap.scenarios WHERE scenario_id = %s",
                              (scenario_id,)).fetchone()
        try:
            return rules_from_records(row[0] if row else None, f"the scenario {scenario_id!r}")
        except ZoneError as err:
            raise ScenarioError(f"{err} Fix or remove the rule in the scenario database.") from None

    def load(self, scenario_id: str) -> builtins.list[Zone]:
        """The zones of a saved scenario, in saved order; :class:`ScenarioError` if any row is damaged."""
        zones, problems = self.load_checked(scenario_id)
        if problems:
            raise ScenarioError(f"the scenario has {len(problems)} damaged zone row(s): {problems[0]}")
        return zones

    def load_checked(self, scenario_id: str) -> tuple[builtins.list[Zone], builtins.list[str]]:
        """The zones that pass the import checks, and a message per damaged row (edited in QGIS, say)."""
        info = self.info(scenario_id)
        cols = ", ".join(f'"{c}"' for c in ZONE_COLUMNS) + ", ST_AsBinary(geom)"
        with self._connect() as con:
            rows = con.execute(f"SELECT {cols} FROM lunarmap.zones WHERE scenario_id = %s ORDER BY position, fid",
                               (scenario_id,)).fetchall()
        return checked_zones(rows, scenario_id, info.name, f"the scenario database {self.label}", shapely.from_wkb)

    def rename(self, scenario_id: str, new_name: str, number_if_taken: bool = False) -> str:
        """Rename a saved scenario; returns the name given (numbered when taken and ``number_if_taken``)."""
        new_name = save_name(new_name, EMPTY_RENAME)
        self.info(scenario_id)
        with self._connect() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            new_name = free_name_among(self._other_names(con, scenario_id), new_name, number_if_taken)
            con.execute("UPDATE lunarmap.scenarios SET name = %s WHERE scenario_id = %s", (new_name, scenario_id))
        return new_name

    def delete(self, scenario_id: str) -> None:
        """Delete a saved scenario and its zones."""
        self.info(scenario_id)
        with self._connect() as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            con.execute("DELETE FROM lunarmap.scenarios WHERE scenario_id = %s", (scenario_id,))
