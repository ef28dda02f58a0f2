"""The IAU lunar features of the USGS Gazetteer of Planetary Nomenclature, read from the data folder.

The gazetteer file is ``iau_moon_nomenclature_2015.csv`` in the data folder
(fetched with ``python -m lunarmap fetch``), with columns ``Feature_Name``,
``Diameter`` (km), ``Center_Latitude`` and ``Center_Longitude`` (degrees,
east positive, -180..180; on the Moon sphere planetographic equals
planetocentric). Searching them (with the catalogue's sites and regions, typos
forgiven) is :mod:`lunarmap.search`; names are compared after :func:`normalise_name`.
"""

from __future__ import annotations

import csv
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DataMissingError
from .paths import data_dir as _data_dir

__all__ = ["GAZETTEER_FILE", "Place", "load_gazetteer", "normalise_name"]

GAZETTEER_FILE = "iau_moon_nomenclature_2015.csv"
_COLUMNS = ("Feature_Name", "Diameter", "Center_Latitude", "Center_Longitude")


@dataclass(frozen=True)
class Place:
    """A named place: ``kind`` is "feature" (IAU) or a site kind; ``diameter_km`` NaN when unknown."""

    name: str
    kind: str
    lat_deg: float
    lon_deg: float
    diameter_km: float
    source: str
    site_id: str | None = None


def normalise_name(text: str) -> str:
    """Lower case, accents removed, runs of spaces and punctuation collapsed.

    >>> normalise_name("  Schrödinger ")
    'schrodinger'
    >>> normalise_name("de  Gerlache")
    'de gerlache'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    cleaned = "".join(c if c.isalnum() else " " for c in plain)
    return " ".join(cleaned.split())


def _float(value: str, what: str, path: Path, line: int) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as err:
        raise DataMissingError(
            f"gazetteer {path} line {line}: {what} {value!r} is not a number; the file is damaged, fetch it again "
            "(python -m lunarmap fetch)."
        ) from err


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> tuple[Place, ...]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DataMissingError(
                f"gazetteer {path} lacks columns {missing} (has {reader.fieldnames}); it is not the IAU nomenclature "
                "CSV. Fetch it again (python -m lunarmap fetch)."
            )
        places = []
        for i, row in enumerate(reader, start=2):
            name = (row["Feature_Name"] or "").strip()
            if not name:
                continue
            diameter = row["Diameter"].strip() if row["Diameter"] else ""
            places.append(Place(
                name=name, kind="feature",
                lat_deg=_float(row["Center_Latitude"], "Center_Latitude", path, i),
                lon_deg=_float(row["Center_Longitude"], "Center_Longitude", path, i),
                diameter_km=_float(diameter, "Diameter", path, i) if diameter else math.nan,
                source="IAU Gazetteer of Planetary Nomenclature (USGS), 2015 snapshot",
            ))
    return tuple(places)


def load_gazetteer(data_dir: str | Path | None = None) -> tuple[Place, ...]:
    """All IAU features of the gazetteer CSV in the data folder (cached while the file is unchanged)."""
    path = _data_dir(data_dir) / GAZETTEER_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as err:
        raise DataMissingError(
            f"gazetteer {path} does not exist; fetch the data first (python -m lunarmap fetch). "
            "Sites from the catalogue can still be found by name."
        ) from err
    return _load(path, mtime)
