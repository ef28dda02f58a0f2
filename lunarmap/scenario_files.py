"""One scenario as a GeoPackage file: export for QGIS/GDAL, and import of such a file (checked row by row).

The file has the same layout as the scenario store (:class:`lunarmap.scenarios.ScenarioStore`), so a file
written here opens in QGIS and comes back vertex for vertex.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from .errors import ScenarioError
from .scenario_rows import ZONE_COLUMNS, imported_zone
from .scenarios import ScenarioStore
from .zones import MAX_IMPORT_BYTES, SizingRule, Zone

__all__ = ["scenario_gpkg_bytes", "scenario_from_gpkg_bytes"]


def scenario_gpkg_bytes(name: str, zones: Iterable[Zone], rules: Iterable[SizingRule] = ()) -> bytes:
    """One scenario as the bytes of a GeoPackage (the same layout as the store; GDAL/QGIS read it)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lunarmap-export-") as tmp:
        path = Path(tmp) / "scenario.gpkg"
        ScenarioStore(path).save(name, zones, rules=rules)
        return path.read_bytes()


def scenario_from_gpkg_bytes(data: bytes, label: str = "the file") -> tuple[str, list[Zone]]:
    """The scenario in a lunarmap GeoPackage (its name and zones); refuses other files clearly.

    A file holding several scenarios gives all their zones, named after the file's first scenario.
    """
    import tempfile

    if len(data) > MAX_IMPORT_BYTES:
        raise ScenarioError(f"{label} is {len(data) / 1e6:.1f} MB; scenario files are limited to 10 MB.")
    if not data.startswith(b"SQLite format 3\x00"):
        raise ScenarioError(f"{label} is not a GeoPackage (it is not an SQLite database); export the scenario "
                            "from lunarmap as GeoPackage, or import GeoJSON instead.")
    with tempfile.TemporaryDirectory(prefix="lunarmap-import-") as tmp:
        path = Path(tmp) / "import.gpkg"
        path.write_bytes(data)
        try:
            con = sqlite3.connect(path)
            try:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            finally:
                con.close()
        except sqlite3.DatabaseError as err:
            raise ScenarioError(f"{label} is not a readable GeoPackage ({err}).") from err
        if not {"scenarios", "zones", "gpkg_contents"} <= tables:
            raise ScenarioError(f"{label} is a GeoPackage without lunarmap scenario tables ('scenarios' and "
                                "'zones'); import zones from other tools as GeoJSON.")
        store = ScenarioStore(path)
        infos = store.list()
        if not infos:
            raise ScenarioError(f"{label} holds no saved scenario.")
        cols = ", ".join(f'"{c}"' for c in ZONE_COLUMNS) + ", geom"
        zones: list[Zone] = []
        seen: set[str] = set()
        for info in reversed(infos):
            with store._connect() as con:
                rows = con.execute(f"SELECT {cols} FROM zones WHERE scenario_id=? ORDER BY position",
                                   (info.id,)).fetchall()
            for row in rows:
                z = imported_zone(row, info.name, label)
                if z.id in seen:  # e.g. "Save as new" copies of one scenario in the same file
                    z = replace(z, id=uuid.uuid4().hex[:12])
                seen.add(z.id)
                zones.append(z)
        if not zones:
            raise ScenarioError(f"{label}: the scenario {infos[-1].name!r} has no zones.")
        return infos[-1].name, zones
