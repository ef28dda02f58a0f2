"""The curated catalogue of sites and regions (``data/sites.geojson``).

The file is GeoJSON with lunar lon/lat (IAU_2015:30100, x = longitude). GeoJSON
readers assume Earth WGS84 when a file has no CRS, so this loader reads the
JSON itself and forces the lunar CRS whatever the file's ``crs`` member says.
Every feature is validated; any problem raises :class:`SiteCatalogError`
naming the feature, the field, the bad value and the fix.

>>> catalog = load_sites()
>>> catalog["chang-e-4"].kind
'landed'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from .crs import LONLAT_CODE, SOUTH_POLAR_CODE, lonlat_to_polar
from .errors import CRSError, GeometryError, SiteCatalogError, UnknownSiteError
from .geodesy import area_km2, centroid_lonlat, to_polar, validate_lonlat

__all__ = [
    "DEFAULT_SITES_PATH",
    "KINDS",
    "REQUIRED_FIELDS",
    "Site",
    "SiteCatalog",
    "load_sites",
    "point_site",
    "sites_frame",
]

DEFAULT_SITES_PATH = Path(__file__).resolve().parent.parent / "data" / "sites.geojson"

#: Allowed values of ``kind`` and what each means.
KINDS: dict[str, str] = {
    "landed": "a spacecraft landed here",
    "crash": "a spacecraft hit the surface here",
    "target": "a landing point that was aimed at but not reached",
    "planned": "a planned landing or station area",
    "region": "a candidate landing region",
}
#: Fields every feature must carry (``date`` and ``uncertainty_m`` may be null).
REQUIRED_FIELDS = ("id", "name", "kind", "agency", "date", "source", "uncertainty_m")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Site:
    """One catalogue entry: a point or a region, with its geometry in both lunar CRSs."""

    id: str
    name: str
    kind: str
    agency: str
    date: str | None
    source: str
    uncertainty_m: float | None
    geometry_lonlat: BaseGeometry = field(repr=False)
    geometry_polar: BaseGeometry = field(repr=False)
    properties: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_region(self) -> bool:
        """True for polygons (regions), False for points."""
        return self.geometry_polar.geom_type in ("Polygon", "MultiPolygon")

    @property
    def lonlat(self) -> tuple[float, float]:
        """The point, or a region's area-weighted centroid on the sphere, as (lon, lat) degrees."""
        return centroid_lonlat(self.geometry_polar)

    @property
    def area_km2(self) -> float:
        """Area on the sphere in km^2 (0.0 for a point)."""
        return float(area_km2(self.geometry_polar)) if self.is_region else 0.0


class SiteCatalog(Sequence[Site]):
    """An ordered, read-only collection of sites looked up by id."""

    def __init__(self, sites: Iterable[Site], path: Path | None = None):
        self._sites = tuple(sites)
        self._by_id = {s.id: s for s in self._sites}
        self.path = path

    def __len__(self) -> int:
        return len(self._sites)

    def __iter__(self) -> Iterator[Site]:
        return iter(self._sites)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self.get(key)
        return self._sites[key]

    @property
    def ids(self) -> list[str]:
        """Site ids in catalogue order."""
        return [s.id for s in self._sites]

    def get(self, site_id: str) -> Site:
        """The site with this id, or :class:`UnknownSiteError` listing the known ids."""
        try:
            return self._by_id[site_id]
        except KeyError:
            raise UnknownSiteError(
                f"unknown site id {site_id!r}; known ids: {', '.join(self.ids)}"
            ) from None

    def with_sites(self, extra: Iterable[Site]) -> SiteCatalog:
        """This catalogue followed by ``extra`` sites (same path); an id already taken is refused."""
        extra = list(extra)
        taken = [s.id for s in extra if s.id in self._by_id] + [
            s.id for i, s in enumerate(extra) if s.id in {e.id for e in extra[:i]}]
        if taken:
            raise SiteCatalogError(f"site id {taken[0]!r} is already in the catalogue; give the added site another id.")
        return SiteCatalog((*self._sites, *extra), self.path)

    def select(self, site_ids: Iterable[str]) -> list[Site]:
        """Sites for these ids, in the order given; all unknown ids are named in one error."""
        ids = list(site_ids)
        unknown = [i for i in ids if i not in self._by_id]
        if unknown:
            raise UnknownSiteError(
                f"unknown site id{'s' if len(unknown) > 1 else ''} {', '.join(repr(u) for u in unknown)}; "
                f"known ids: {', '.join(self.ids)}"
            )
        return [self._by_id[i] for i in ids]


def _fail(where: str, field_: str, value: Any, fix: str) -> SiteCatalogError:
    return SiteCatalogError(f"{where}: field {field_!r} has bad value {value!r}; {fix}")


def _validate_properties(props: dict[str, Any], where: str) -> None:
    for name in REQUIRED_FIELDS:
        if name not in props:
            raise SiteCatalogError(
                f"{where}: required field {name!r} is missing; add it to the feature's properties "
                f"(required: {', '.join(REQUIRED_FIELDS)}; date and uncertainty_m may be null)."
            )
    for name in ("id", "name", "kind", "agency", "source"):
        value = props[name]
        if not isinstance(value, str) or not value.strip():
            raise _fail(where, name, value, "give a non-empty text value.")
    if not _ID_RE.match(props["id"]):
        raise _fail(where, "id", props["id"], "ids are lower-case letters, digits and hyphens, e.g. 'chang-e-4'.")
    if props["kind"] not in KINDS:
        raise _fail(where, "kind", props["kind"], f"use one of: {', '.join(KINDS)}.")
    date = props["date"]
    if date is not None and (not isinstance(date, str) or not date.strip()):
        raise _fail(where, "date", date, "give the date as text (e.g. '2019-01-03') or null when unknown.")
    unc = props["uncertainty_m"]
    if unc is not None and (
        isinstance(unc, bool) or not isinstance(unc, (int, float)) or not math.isfinite(unc) or unc < 0
    ):
        raise _fail(where, "uncertainty_m", unc, "give a non-negative number of metres or null when unknown.")


def _parse_feature(feature: Any, index: int) -> Site:
    where = f"feature #{index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise SiteCatalogError(f"{where}: is not a GeoJSON Feature object; each entry of 'features' must have \"type\": \"Feature\".")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise SiteCatalogError(f"{where}: has no 'properties' object; add one with the fields {', '.join(REQUIRED_FIELDS)}.")
    if isinstance(props.get("id"), str):
        where = f"feature #{index} (id {props['id']!r})"
    _validate_properties(props, where)
    geom_json = feature.get("geometry")
    if not geom_json:
        raise _fail(where, "geometry", geom_json, "give a Point or Polygon geometry in lon/lat degrees.")
    try:
        geom = shape(geom_json)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.ShapelyError) as err:
        raise _fail(where, "geometry", geom_json, f"it is not a valid GeoJSON geometry ({err}).") from err
    if geom.is_empty:
        raise _fail(where, "geometry", geom_json, "the geometry is empty; give its coordinates.")
    if geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
        raise _fail(where, "geometry", geom.geom_type, "use a Point for a site or a Polygon for a region.")
    coords = shapely.get_coordinates(geom)
    lat_bad = (coords[:, 1] < -90) | (coords[:, 1] > 90) | ~np.isfinite(coords[:, 1])
    if lat_bad.any():
        raise _fail(where, "latitude", float(coords[lat_bad, 1][0]), "latitude must be within [-90, 90] degrees (south negative).")
    lon_bad = (coords[:, 0] < -180) | (coords[:, 0] >= 360) | ~np.isfinite(coords[:, 0])
    if lon_bad.any():
        raise _fail(where, "longitude", float(coords[lon_bad, 0][0]), "longitude must be within [-180, 360) degrees east.")
    try:
        polar = to_polar(geom, where)
    except GeometryError as err:
        raise SiteCatalogError(f"{where}: field 'geometry' is invalid: {err}") from err
    extra = {k: v for k, v in props.items() if k not in REQUIRED_FIELDS}
    return Site(
        id=props["id"],
        name=props["name"].strip(),
        kind=props["kind"],
        agency=props["agency"].strip(),
        date=props["date"],
        source=props["source"].strip(),
        uncertainty_m=None if props["uncertainty_m"] is None else float(props["uncertainty_m"]),
        geometry_lonlat=geom,
        geometry_polar=polar,
        properties=extra,
    )


def point_site(site_id: str, name: str, lon_deg: float, lat_deg: float, source: str, kind: str = "planned",
               agency: str = "lunarmap") -> Site:
    """A point site made here (e.g. a best-site candidate), checked like a catalogue entry.

    >>> s = point_site("best-1", "Best site #1", 31.7, -85.4, "lunarmap best-site finder")
    >>> s.is_region, round(s.lonlat[1], 6)
    (False, -85.4)
    """
    where = f"site {site_id!r}"
    if not isinstance(site_id, str) or not _ID_RE.match(site_id):
        raise _fail(where, "id", site_id, "use lowercase letters, digits and hyphens.")
    if kind not in KINDS:
        raise _fail(where, "kind", kind, f"use one of {', '.join(KINDS)}.")
    validate_lonlat(lon_deg, lat_deg, where)
    x, y = lonlat_to_polar(float(lon_deg), float(lat_deg))
    return Site(id=site_id, name=str(name).strip()[:200], kind=kind, agency=agency, date=None, source=str(source),
                uncertainty_m=None, geometry_lonlat=Point(float(lon_deg), float(lat_deg)),
                geometry_polar=Point(float(x), float(y)))


def load_sites(path: str | Path | None = None) -> SiteCatalog:
    """Read and validate a site catalogue (default ``data/sites.geojson``)."""
    path = Path(path) if path is not None else DEFAULT_SITES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise SiteCatalogError(f"site catalogue {str(path)!r} does not exist; check the path (the default is data/sites.geojson).") from err
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise SiteCatalogError(f"site catalogue {str(path)!r} is not valid JSON ({err}); fix the file or restore it from git.") from err
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise SiteCatalogError(f"site catalogue {str(path)!r} is not a GeoJSON FeatureCollection; it needs \"type\": \"FeatureCollection\" and a 'features' list.")
    body = doc.get("body", "Moon")
    if body != "Moon":
        raise SiteCatalogError(f"site catalogue {str(path)!r} says body {body!r}; lunarmap reads Moon catalogues only (\"body\": \"Moon\").")
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(doc["features"]):
        site = _parse_feature(feature, i)
        if site.id in seen:
            raise SiteCatalogError(
                f"feature #{i} (id {site.id!r}): field 'id' has bad value {site.id!r}; it duplicates feature #{seen[site.id]}. "
                "Give every feature a unique id."
            )
        seen[site.id] = i
        sites.append(site)
    return SiteCatalog(sites, path=path)


def sites_frame(sites: Iterable[Site], crs: str = SOUTH_POLAR_CODE) -> gpd.GeoDataFrame:
    """A GeoDataFrame of sites in ``crs`` (IAU_2015:30135 metres, or IAU_2015:30100 lon/lat)."""
    sites = list(sites)
    if crs not in (SOUTH_POLAR_CODE, LONLAT_CODE):
        raise CRSError(f"crs must be {SOUTH_POLAR_CODE!r} or {LONLAT_CODE!r} (got {crs!r})")
    rows = []
    for s in sites:
        lon, lat = s.lonlat
        rows.append(
            {
                "id": s.id, "name": s.name, "kind": s.kind, "agency": s.agency, "date": s.date,
                "source": s.source, "uncertainty_m": s.uncertainty_m, "lon_deg": lon, "lat_deg": lat,
                "area_km2": s.area_km2,
            }
        )
    geoms = [s.geometry_polar if crs == SOUTH_POLAR_CODE else s.geometry_lonlat for s in sites]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)
