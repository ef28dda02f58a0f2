"""Measure a polyline on the Moon sphere: each leg's geodesic length, initial azimuth and the running total.

The map sends clicked points in south polar stereographic metres (IAU_2015:30135); people type lon/lat
(IAU_2015:30100). Either is accepted (:func:`parse_points`) and every number comes from
:mod:`lunarmap.geodesy`: lengths are great-circle distances on the sphere of radius 1,737,400 m (never the
map-plane distance, which is up to 22 % long at 40 S), azimuths pyproj's geodesic azimuths on that sphere.

Azimuth: degrees clockwise from north, 0 <= azimuth < 360, at the leg's first point. Near the south pole
"north" is away from the pole along the point's meridian. At the pole itself every direction is north and
the azimuth has no meaning of its own; lunarmap reports the longitude (0..360 E) of the meridian the leg
leaves along. That is pyproj's azimuth for the pole given at longitude 0, and it is also the leg's bearing
on the polar map clockwise from the map's up (+y, the 0 E meridian). A leg that ends at the pole starts due
south (180).

>>> m = measure_legs([(0.0, -89.0), (0.0, -90.0), (90.0, -89.0)])
>>> [round(leg.length_m, 2) for leg in m.legs], round(m.total_m, 2)
([30323.35, 30323.35], 60646.7)
>>> [round(leg.azimuth_deg, 6) for leg in m.legs]    # towards the pole: due south; from it: along 90 E
[180.0, 90.0]
"""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .crs import LONLAT_CODE, MOON_RADIUS_M, SOUTH_POLAR_CODE, lonlat_to_polar, polar_to_lonlat
from .errors import GeometryError
from .geodesy import distance_m, inverse, validate_lonlat

__all__ = ["MAP_EDGE_LAT_DEG", "MEASURE_METHOD", "AZIMUTH_CONVENTION", "Leg", "Measurement", "parse_points",
           "measure_legs"]

logger = logging.getLogger(__name__)

#: The map reaches this latitude (as :data:`lunarmap.views.MAP_EDGE_LAT_DEG`, without importing the map's view code).
MAP_EDGE_LAT_DEG = -40.0
#: Map radius of the map's edge, 2 R tan(25 deg) in IAU_2015:30135 metres.
_MAP_EDGE_RADIUS_M = 2.0 * MOON_RADIUS_M * math.tan(math.radians((90.0 + MAP_EDGE_LAT_DEG) / 2.0))
#: Consecutive points closer than this (metres) are the same place.
_SAME_POINT_M = 1e-3

MEASURE_METHOD = ("great-circle (geodesic) length on the IAU 2015 Moon sphere, R = 1,737,400 m (lunarmap.geodesy); "
                  "initial azimuth from pyproj.Geod on the same sphere")
AZIMUTH_CONVENTION = ("degrees clockwise from north at the leg's first point (0..360); from the pole itself, the "
                      "longitude of the meridian the leg leaves along (= the bearing on the polar map from its up, "
                      "the 0 E meridian)")


@dataclass(frozen=True)
class Leg:
    """One leg of a measured polyline: from point ``index`` to point ``index + 1`` (1-based legs)."""

    index: int
    from_lon_deg: float
    from_lat_deg: float
    to_lon_deg: float
    to_lat_deg: float
    length_m: float
    azimuth_deg: float
    total_m: float

    def as_dict(self) -> dict[str, Any]:
        """The leg as a plain row, units in the keys."""
        return {"leg": self.index, "from_lon_deg": self.from_lon_deg, "from_lat_deg": self.from_lat_deg,
                "to_lon_deg": self.to_lon_deg, "to_lat_deg": self.to_lat_deg, "length_m": self.length_m,
                "azimuth_deg": self.azimuth_deg, "total_m": self.total_m}


#: Columns of :meth:`Measurement.to_csv`, units in every name.
CSV_COLUMNS = ("leg", "from_lon_deg", "from_lat_deg", "to_lon_deg", "to_lat_deg", "length_m", "azimuth_deg", "total_m")


@dataclass(frozen=True, eq=False)
class Measurement:
    """The legs of a polyline with its points (lon/lat degrees and IAU_2015:30135 metres) and total length."""

    lon_deg: np.ndarray
    lat_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    legs: tuple[Leg, ...]

    @property
    def total_m(self) -> float:
        """Length of the whole polyline on the sphere, metres."""
        return self.legs[-1].total_m

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per leg (see :data:`CSV_COLUMNS`)."""
        return [leg.as_dict() for leg in self.legs]

    def to_csv(self) -> str:
        """CSV with a header line (units in every column name), numbers at full precision."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows())
        return buf.getvalue()

    def to_text(self) -> str:
        """A plain-text table to copy: one line per leg, lengths in km to the metre, azimuths to 0.01 deg.

        >>> print(measure_legs([(0.0, -89.0), (180.0, -89.0)]).to_text())   # doctest: +ELLIPSIS
        leg  from lon, lat (deg)   to lon, lat (deg)        length (km)  azimuth (deg)  total (km)
          1  0.000000, -89.000000  -180.000000, -89.000000       60.647         180.00      60.647
        Total 60.647 km. great-circle ...
        """
        head = ("leg", "from lon, lat (deg)", "to lon, lat (deg)", "length (km)", "azimuth (deg)", "total (km)")
        cells = [(str(leg.index), f"{leg.from_lon_deg:.6f}, {leg.from_lat_deg:.6f}",
                  f"{leg.to_lon_deg:.6f}, {leg.to_lat_deg:.6f}", f"{leg.length_m / 1000:.3f}",
                  f"{leg.azimuth_deg:.2f}", f"{leg.total_m / 1000:.3f}") for leg in self.legs]
        widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]
        right = (True, False, False, True, True, True)
        lines = ["  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(row, widths, right, strict=True)).rstrip()
                 for row in [head, *cells]]
        lines.append(f"Total {self.total_m / 1000:.3f} km. {MEASURE_METHOD}. Azimuth: {AZIMUTH_CONVENTION}.")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the points, the legs, the total and how they were measured."""
        return {"points": {"lon_deg": self.lon_deg.tolist(), "lat_deg": self.lat_deg.tolist(),
                           "x_m": self.x_m.tolist(), "y_m": self.y_m.tolist()},
                "legs": self.rows(), "total_m": self.total_m, "method": MEASURE_METHOD,
                "azimuth": AZIMUTH_CONVENTION}


def parse_points(points: Any, crs: str = LONLAT_CODE, what: str = "measure",
                 min_points: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, x, y) arrays of a polyline's points given as pairs in ``crs``, checked to be on the map.

    ``crs``: :data:`~lunarmap.crs.LONLAT_CODE` (lon, lat degrees east/north; longitudes -180..360) or
    :data:`~lunarmap.crs.SOUTH_POLAR_CODE` (x, y metres, as the map sends clicks). Raises
    :class:`GeometryError` for fewer than ``min_points`` points, non-numbers, NaN or infinity, points off
    the map (north of 40 S), or two consecutive points at the same place. Longitudes come back in -180..180;
    a point at the pole comes back at longitude 0.
    """
    try:
        arr = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as err:
        raise GeometryError(f"{what}: points must be pairs of numbers ({err}); give [(lon, lat), ...] in degrees or "
                            "[(x, y), ...] in IAU_2015:30135 metres.") from err
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise GeometryError(f"{what}: points must be pairs of numbers (got an array of shape {arr.shape}); give "
                            "[(lon, lat), ...] in degrees or [(x, y), ...] in IAU_2015:30135 metres.")
    if len(arr) < min_points:
        raise GeometryError(f"{what}: needs at least {min_points} points (got {len(arr)}); click or give another point.")
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeometryError(f"{what}: point {i + 1} is {tuple(arr[i].tolist())!r}, not a finite number pair; "
                            "give numbers for every coordinate.")
    if crs == LONLAT_CODE:
        lon, lat = arr[:, 0], arr[:, 1]
        validate_lonlat(lon, lat, f"{what} point")
        lon = np.where(lon >= 180.0, lon - 360.0, lon)
        x, y = (np.asarray(v, dtype=float) for v in lonlat_to_polar(lon, lat))
    elif crs == SOUTH_POLAR_CODE:
        x, y = arr[:, 0].copy(), arr[:, 1].copy()
        far = np.hypot(x, y) > _MAP_EDGE_RADIUS_M * (1.0 + 1e-12)
        if far.any():
            i = int(np.flatnonzero(far)[0])
            raise GeometryError(f"{what}: point {i + 1} ({x[i]:.1f}, {y[i]:.1f}) m is off the map (beyond 40 S, "
                                f"{_MAP_EDGE_RADIUS_M:,.0f} m from the pole); click inside the map.")
        lon, lat = (np.asarray(v, dtype=float) for v in polar_to_lonlat(x, y))
    else:
        raise GeometryError(f"{what}: crs must be {LONLAT_CODE!r} (lon/lat degrees) or {SOUTH_POLAR_CODE!r} "
                            f"(south polar metres), got {crs!r}.")
    off = lat > MAP_EDGE_LAT_DEG + 1e-9      # a click on the edge itself reads back a rounding error north of it
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise GeometryError(f"{what}: point {i + 1} (lon {lon[i]:g}, lat {lat[i]:g}) is off the map, which reaches "
                            f"{abs(MAP_EDGE_LAT_DEG):g} S; give a latitude between -90 and {MAP_EDGE_LAT_DEG:g}.")
    lon = np.where(lon >= 180.0, lon - 360.0, lon)
    pole = lat <= -90.0 + 1e-12
    lon = np.where(pole, 0.0, lon)
    lat = np.where(pole, -90.0, lat)
    step = distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    same = np.atleast_1d(step) < _SAME_POINT_M
    if same.any():
        i = int(np.flatnonzero(same)[0])
        raise GeometryError(f"{what}: points {i + 1} and {i + 2} are the same place (lon {lon[i]:g}, lat {lat[i]:g}); "
                            "remove the repeated point.")
    return lon, lat, x, y


def measure_legs(points: Any, crs: str = LONLAT_CODE) -> Measurement:
    """Legs of a polyline of two or more points: geodesic length (m), initial azimuth (deg) and running total (m).

    Points as :func:`parse_points` takes them. See the module docstring for the azimuth at the pole.
    """
    lon, lat, x, y = parse_points(points, crs, "measure")
    lengths = np.atleast_1d(np.asarray(distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:]), dtype=float))
    az = np.atleast_1d(np.asarray(inverse(lon[:-1], lat[:-1], lon[1:], lat[1:]).azimuth_deg, dtype=float))
    az = np.mod(az, 360.0)
    az = np.where(az >= 360.0, 0.0, az)     # -1e-15 mod 360 rounds to 360.0
    totals = np.cumsum(lengths)
    legs = tuple(Leg(i + 1, float(lon[i]), float(lat[i]), float(lon[i + 1]), float(lat[i + 1]), float(lengths[i]),
                     float(az[i]), float(totals[i])) for i in range(lengths.size))
    logger.debug("measured %d legs, %.3f m", len(legs), totals[-1])
    return Measurement(lon, lat, x, y, legs)
