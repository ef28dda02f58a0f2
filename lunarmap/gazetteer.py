"""Find places by name: catalogue sites and IAU lunar features (USGS Gazetteer of Planetary Nomenclature).

The gazetteer file is ``iau_moon_nomenclature_2015.csv`` in the data folder
(fetched with ``python -m lunarmap fetch``), with columns ``Feature_Name``,
``Diameter`` (km), ``Center_Latitude`` and ``Center_Longitude`` (degrees,
east positive, -180..180; on the Moon sphere planetographic equals
planetocentric). Matching ignores case and accents ("schrodinger" finds
Schrödinger): an exact name first, then names starting with the query, then
names containing it; within each group, southern features first.

>>> rows = [Place("Shackleton", "feature", -89.67, 129.78, 20.92, "IAU")]
>>> find_places("shack", rows)[0].name
'Shackleton'
"""

from __future__ import annotations

import csv
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import DataMissingError, UnknownFeatureError
from .paths import data_dir as _data_dir
from .sites import Site

__all__ = ["GAZETTEER_FILE", "Place", "load_gazetteer", "places_from_sites", "find_places", "lookup_place",
           "normalise_name"]

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


def places_from_sites(sites: Iterable[Site]) -> list[Place]:
    """Catalogue sites and regions as places (regions at their centroid on the sphere)."""
    out = []
    for s in sites:
        lon, lat = s.lonlat
        diameter = 2.0 * math.sqrt(s.area_km2 / math.pi) if s.is_region else math.nan
        out.append(Place(name=s.name, kind=s.kind, lat_deg=lat, lon_deg=lon, diameter_km=diameter,
                         source=s.source, site_id=s.id))
    return out


def find_places(query: str, places: Sequence[Place], limit: int = 10) -> list[Place]:
    """Places whose name (or site id) matches ``query``: exact, then prefix, then substring; at most ``limit``."""
    q = normalise_name(query)
    if not q:
        return []
    ranked: list[tuple[int, float, str, Place]] = []
    for p in places:
        names = [normalise_name(p.name)] + ([normalise_name(p.site_id)] if p.site_id else [])
        words = [w for n in names for w in n.split()]
        if q in names:
            rank = 0
        elif any(n.startswith(q) for n in names):
            rank = 1
        elif any(w.startswith(q) for w in words):
            rank = 2
        elif any(q in n for n in names):
            rank = 3
        else:
            continue
        ranked.append((rank, p.lat_deg, p.name, p))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in ranked[: max(int(limit), 0)]]


def lookup_place(query: str, places: Sequence[Place]) -> Place:
    """The best match for ``query``, or :class:`UnknownFeatureError` naming the query and what to try."""
    found = find_places(query, places, limit=1)
    if not found:
        raise UnknownFeatureError(
            f"no site or IAU feature is named like {query!r}; try a crater or site name such as "
            "'Shackleton', 'de Gerlache', 'Haworth' or 'Chang'e 4' (case and accents do not matter)."
        )
    return found[0]
