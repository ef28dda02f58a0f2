"""The Moon's coordinate reference systems, by IAU 2015 authority code.

* ``IAU_2015:30100``: longitude/latitude in degrees on the IAU 2015 Moon sphere
  of radius 1,737,400 m (axis order latitude-first in the registry, so every
  transformer here is built with ``always_xy=True``: x = longitude).
* ``IAU_2015:30135``: south polar stereographic metres on the same sphere
  (``+proj=stere +lat_0=-90 +lon_0=0 +R=1737400``). The pole is (0, 0) and
  0 degrees longitude points along +y.

Files often bring these CRSs back as equivalent WKT without the code, or with
"unknown" names; :func:`lunar_crs_code` recognises them by what they do.

>>> x, y = lonlat_to_polar(0.0, -90.0)
>>> round(float(x), 6), round(float(y), 6)
(0.0, 0.0)
>>> lunar_crs_code("+proj=stere +lat_0=-90 +lat_ts=-90 +lon_0=0 +R=1737400 +units=m")
'IAU_2015:30135'
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import Any

import numpy as np
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

from .errors import CRSError

__all__ = [
    "MOON_RADIUS_M",
    "LONLAT_CODE",
    "SOUTH_POLAR_CODE",
    "LAEA_SOUTH_PROJ",
    "LONLAT",
    "SOUTH_POLAR",
    "LAEA_SOUTH",
    "transformer",
    "lonlat_to_polar",
    "polar_to_lonlat",
    "lunar_crs_code",
    "require_lunar_crs",
]

#: The IAU 2015 Moon sphere radius. Defined here once; every other module imports it.
MOON_RADIUS_M: float = 1_737_400.0

LONLAT_CODE = "IAU_2015:30100"
SOUTH_POLAR_CODE = "IAU_2015:30135"
#: Lambert azimuthal equal-area on the Moon sphere, centred on the south pole:
#: used for areas (equal-area everywhere but at the north pole).
LAEA_SOUTH_PROJ = f"+proj=laea +lat_0=-90 +lon_0=0 +R={MOON_RADIUS_M:.0f} +units=m +no_defs"

LONLAT: CRS = CRS.from_user_input(LONLAT_CODE)
SOUTH_POLAR: CRS = CRS.from_user_input(SOUTH_POLAR_CODE)
LAEA_SOUTH: CRS = CRS.from_user_input(LAEA_SOUTH_PROJ)

_KNOWN = {LONLAT_CODE: LONLAT, SOUTH_POLAR_CODE: SOUTH_POLAR}
# Probe points (lon, lat) spanning the dashboard's area: pole, 180 meridian, 40 S.
_PROBE_LON = np.array([0.0, 0.0, 90.0, -135.0, 180.0, 45.0])
_PROBE_LAT = np.array([-90.0, -85.0, -80.0, -45.0, -60.0, -40.0])


@lru_cache(maxsize=64)
def _transformer_cached(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def _as_key(crs: Any) -> str:
    # Strings (codes, PROJ strings) are their own cache key; other inputs become WKT.
    if isinstance(crs, str):
        return crs
    return CRS.from_user_input(crs).to_wkt()


def transformer(src: Any, dst: Any) -> Transformer:
    """A cached pyproj Transformer from ``src`` to ``dst`` with x = longitude (always_xy)."""
    return _transformer_cached(_as_key(src), _as_key(dst))


def lonlat_to_polar(lon_deg: Any, lat_deg: Any) -> tuple[Any, Any]:
    """Project lunar lon/lat degrees to south polar stereographic metres (IAU_2015:30135)."""
    return transformer(LONLAT_CODE, SOUTH_POLAR_CODE).transform(lon_deg, lat_deg)


def polar_to_lonlat(x_m: Any, y_m: Any) -> tuple[Any, Any]:
    """Unproject south polar stereographic metres to lunar lon/lat degrees (-180..180)."""
    return transformer(SOUTH_POLAR_CODE, LONLAT_CODE).transform(x_m, y_m)


def _is_moon_sphere(crs: CRS) -> bool:
    ell = crs.ellipsoid
    if ell is None:
        return False
    return abs(ell.semi_major_metre - MOON_RADIUS_M) < 1.0 and abs(ell.semi_minor_metre - MOON_RADIUS_M) < 1.0


def lunar_crs_code(crs: Any) -> str | None:
    """The IAU 2015 code of a CRS equivalent to one of the Moon CRSs lunarmap uses, else None.

    Recognises the authority code, equivalent WKT that lost the code (as GeoTIFF
    and GeoPackage round trips do), and "unknown" polar stereographic
    definitions on the 1,737,400 m sphere, by projecting probe points with both
    CRSs and comparing to 1 mm.
    """
    if crs is None:
        return None
    try:
        crs = CRS.from_user_input(crs)
    except _PyprojCRSError:
        return None
    auth = crs.to_authority(auth_name="IAU_2015", min_confidence=25)
    if auth is not None and f"{auth[0]}:{auth[1]}" in _KNOWN:
        return f"{auth[0]}:{auth[1]}"
    if not _is_moon_sphere(crs):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if crs.is_geographic:
            # Same sphere, degrees: check axis units and prime meridian only.
            pm = crs.prime_meridian
            if pm is not None and abs(pm.longitude) > 1e-12:
                return None
            return LONLAT_CODE
        try:
            src = CRS.from_proj4(f"+proj=longlat +R={MOON_RADIUS_M:.0f} +no_defs")
            t = Transformer.from_crs(src, crs, always_xy=True)
            x, y = t.transform(_PROBE_LON, _PROBE_LAT)
        except Exception:  # noqa: BLE001 - any failure means "not recognised"
            return None
    ref_x, ref_y = lonlat_to_polar(_PROBE_LON, _PROBE_LAT)
    if np.all(np.isfinite(x)) and np.allclose(x, ref_x, atol=1e-3) and np.allclose(y, ref_y, atol=1e-3):
        return SOUTH_POLAR_CODE
    return None


def require_lunar_crs(crs: Any, what: str, expected: str | None = None) -> str:
    """Return the IAU code of ``crs`` or raise :class:`CRSError` saying what is wrong.

    ``what`` names the thing (a file path, a layer) in the message; ``expected``,
    if given, is the one code that is acceptable.
    """
    if crs is None or (isinstance(crs, str) and not crs.strip()):
        raise CRSError(
            f"{what} has no coordinate reference system; lunarmap needs lunar coordinates "
            f"({LONLAT_CODE} lon/lat or {SOUTH_POLAR_CODE} south polar metres). "
            "Assign the lunar CRS to the file (e.g. gdal_edit.py -a_srs IAU_2015:30135) and retry."
        )
    try:
        parsed = CRS.from_user_input(crs)
    except _PyprojCRSError as err:
        raise CRSError(f"{what} has a CRS that cannot be read ({crs!r}): {err}") from err
    code = lunar_crs_code(parsed)
    if code is None:
        ell = parsed.ellipsoid
        radius = f"{ell.semi_major_metre:,.0f} m" if ell is not None else "unknown"
        body = "an Earth CRS" if ell is not None and abs(ell.semi_major_metre - 6_378_137) < 30_000 else "not a lunar CRS"
        raise CRSError(
            f"{what} is in {parsed.name!r}, {body} (ellipsoid semi-major axis {radius}; the Moon's is "
            f"{MOON_RADIUS_M:,.0f} m). Lunar data must be in {LONLAT_CODE} or {SOUTH_POLAR_CODE}: "
            "re-export the data with a lunar CRS, or assign one if the coordinates are lunar already."
        )
    if expected is not None and code != expected:
        raise CRSError(f"{what} is in {code}; this operation needs {expected}. Reproject it first.")
    return code
