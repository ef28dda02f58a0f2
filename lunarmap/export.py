"""Write a site comparison as CSV, JSON, GeoJSON or GeoPackage, with its provenance.

Every writer returns bytes (for a download button) and :func:`write_bytes`
puts them in a file. Each export carries the method, the Moon radius, the data
products and versions used, the column definitions and the time of export; the
time is an argument, so an export of the same inputs with the same timestamp is
byte-identical.

* CSV: a block of ``# ...`` lines, then the table (read it with
  ``pandas.read_csv(path, comment="#")``).
* JSON: ``{"body": "Moon", "crs": ..., "provenance", "notes", "columns", "rows"}``.
* GeoJSON: lunar lon/lat with a ``crs`` member naming IAU_2015:30100 and
  ``"body": "Moon"``; sites as points or polygons.
* GeoPackage: layers ``sites`` (points and region polygons) and
  ``search_circles`` (the radius-r circles) in IAU_2015:30135 metres, plus
  attribute tables ``columns`` and ``provenance``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from shapely.geometry import mapping

from .crs import LONLAT_CODE, SOUTH_POLAR, SOUTH_POLAR_CODE
from .csv_safety import csv_safe  # re-exported: it was defined here first
from .errors import ExportError
from .geodesy import geodesic_circle

if TYPE_CHECKING:  # for annotations only: the writers read a comparison's attributes
    from .compare import Comparison

__all__ = [
    "FORMATS",
    "ExportError",
    "timestamp_text",
    "check_output_path",
    "write_bytes",
    "comparison_csv",
    "comparison_json",
    "comparison_geojson",
    "comparison_gpkg",
    "export_bytes",
    "write_comparison",
    "csv_safe",
]

#: Export formats and their file suffixes.
FORMATS: dict[str, str] = {"csv": ".csv", "json": ".json", "geojson": ".geojson", "gpkg": ".gpkg"}


def timestamp_text(timestamp: datetime | str | None = None) -> str:
    """The export time as ISO 8601 text (UTC now when None)."""
    if timestamp is None:
        timestamp = datetime.now(UTC).replace(microsecond=0)
    if isinstance(timestamp, datetime):
        return timestamp.isoformat()
    return str(timestamp)


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """The output path, or :class:`ExportError` if it is a folder or its folder does not exist."""
    p = Path(path)
    if p.is_dir():
        raise ExportError(f"cannot write {str(p)!r}: it is a folder; give a file name inside it, e.g. {str(p / 'comparison.csv')!r}.")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportError(
            f"cannot write {str(p)!r}: the folder {str(parent)!r} does not exist; create it first "
            f"(mkdir -p {parent}) or write to an existing folder."
        )
    return p


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write ``data`` to ``path`` (through a temporary file in the same folder, then renamed)."""
    p = check_output_path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
    except OSError as err:
        raise ExportError(f"cannot write {str(p)!r}: {err.strerror or err}; check the folder's permissions and free space.") from err
    return p


def _plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN and NA become None, numpy scalars become Python ones."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    return value


def _rows(comp: Comparison) -> list[dict[str, Any]]:
    cols = list(comp.table.columns)
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in comp.table.itertuples(index=False)]


def _metadata(comp: Comparison, timestamp: datetime | str | None) -> dict[str, Any]:
    return {
        "title": "lunarmap site comparison",
        "exported_at": timestamp_text(timestamp),
        "provenance": dict(comp.provenance),
        "notes": list(comp.notes),
        "columns": dict(comp.columns),
    }


def comparison_csv(comp: Comparison, timestamp: datetime | str | None = None) -> bytes:
    """CSV with a ``# ...`` header block (provenance, notes, column definitions, export time), then the table."""
    meta = _metadata(comp, timestamp)
    lines = [f"# {meta['title']} (read with pandas.read_csv(path, comment='#'))", f"# exported_at: {meta['exported_at']}"]
    lines += [f"# {k}: {v}" for k, v in meta["provenance"].items()]
    lines += ["# notes:"] + [f"#   {n}" for n in meta["notes"]]
    lines += ["# columns:"] + [f"#   {c}: {d}" for c, d in meta["columns"].items()]
    body = comp.table.to_csv(index=False, lineterminator="\n")
    return ("\n".join(line.replace("\n", " ") for line in lines) + "\n" + body).encode("utf-8")


def _dumps(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n").encode("utf-8")


def comparison_json(comp: Comparison, timestamp: datetime | str | None = None) -> bytes:
    """JSON document: body, crs of lon/lat, provenance, notes, column definitions and one object per row."""
    doc = {"body": "Moon", "crs": LONLAT_CODE, **_metadata(comp, timestamp), "rows": _rows(comp)}
    return _dumps(doc)


def comparison_geojson(comp: Comparison, timestamp: datetime | str | None = None) -> bytes:
    """GeoJSON FeatureCollection in lunar lon/lat (IAU_2015:30100, named in a ``crs`` member), ``"body": "Moon"``."""
    features = [
        {"type": "Feature", "properties": row, "geometry": mapping(site.geometry_lonlat)}
        for row, site in zip(_rows(comp), comp.sites, strict=True)
    ]
    doc = {
        "type": "FeatureCollection",
        "name": "site_comparison",
        "crs": {"type": "name", "properties": {"name": LONLAT_CODE}},
        "body": "Moon",
        "metadata": _metadata(comp, timestamp),
        "features": features,
    }
    return _dumps(doc)


def _gpkg_table(comp: Comparison) -> pd.DataFrame:
    table = comp.table.copy()
    for col in table.columns:   # GeoPackage integers cannot be NA: counts with gaps become floats
        if str(table[col].dtype) == "Int64":
            table[col] = table[col].astype("float64")
    return table


def comparison_gpkg(comp: Comparison, timestamp: datetime | str | None = None) -> bytes:
    """GeoPackage: ``sites`` and ``search_circles`` layers in IAU_2015:30135, ``columns`` and ``provenance`` tables.

    The GeoPackage's own change dates are set to the export time, so the same
    inputs and timestamp give the same bytes.
    """
    meta = _metadata(comp, timestamp)
    sites = gpd.GeoDataFrame(_gpkg_table(comp), geometry=[s.geometry_polar for s in comp.sites], crs=SOUTH_POLAR)
    circles = gpd.GeoDataFrame(
        {"id": [s.id for s in comp.sites], "radius_km": comp.radius_km},
        geometry=[geodesic_circle(lon, lat, comp.radius_km) for lon, lat in zip(comp.table["lon_deg"], comp.table["lat_deg"], strict=True)],
        crs=SOUTH_POLAR,
    )
    columns = pd.DataFrame({"column": list(meta["columns"]), "definition": list(meta["columns"].values())})
    prov = {"exported_at": meta["exported_at"], **meta["provenance"], "crs": SOUTH_POLAR_CODE}
    prov.update({f"note_{i + 1}": n for i, n in enumerate(meta["notes"])})
    provenance = pd.DataFrame({"key": list(prov), "value": list(prov.values())})
    stamp = _gpkg_date(meta["exported_at"])
    with tempfile.TemporaryDirectory(prefix="lunarmap-gpkg-") as tmp:
        path = Path(tmp) / "comparison.gpkg"
        previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
        try:
            pyogrio.write_dataframe(sites, path, layer="sites", driver="GPKG", geometry_type="Unknown")
            pyogrio.write_dataframe(circles, path, layer="search_circles", driver="GPKG", append=False)
            pyogrio.write_dataframe(columns, path, layer="columns", driver="GPKG")
            pyogrio.write_dataframe(provenance, path, layer="provenance", driver="GPKG")
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
        return path.read_bytes()


def _gpkg_date(text: str) -> str:
    """GeoPackage timestamp text (YYYY-MM-DDTHH:MM:SS.sssZ) for an ISO 8601 export time."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return "2000-01-01T00:00:00.000Z"
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


_WRITERS = {"csv": comparison_csv, "json": comparison_json, "geojson": comparison_geojson, "gpkg": comparison_gpkg}


def export_bytes(comp: Comparison, fmt: str, timestamp: datetime | str | None = None) -> bytes:
    """The comparison in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in _WRITERS:
        raise ExportError(f"unknown export format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    return _WRITERS[fmt](comp, timestamp)


def write_comparison(comp: Comparison, path: str | os.PathLike[str], fmt: str | None = None,
                     timestamp: datetime | str | None = None) -> Path:
    """Write the comparison to ``path``; the format comes from ``fmt`` or the file suffix."""
    p = check_output_path(path)
    if fmt is None:
        by_suffix = {v: k for k, v in FORMATS.items()}
        fmt = by_suffix.get(p.suffix.lower())
        if fmt is None:
            raise ExportError(
                f"cannot tell the export format of {str(p)!r} from its suffix {p.suffix!r}; "
                f"use one of {', '.join(FORMATS.values())} or pass fmt= ({', '.join(FORMATS)})."
            )
    return write_bytes(export_bytes(comp, fmt, timestamp), p)

