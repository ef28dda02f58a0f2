"""Catching "latitude, longitude" typed where lunarmap reads "longitude, latitude".

A polar outline typed the wrong way round lands at low latitude near 90 E or
90 W: "-89.0, -10" read as longitude -89, latitude -10 is a point at 10 S,
89 W, far off the south polar map. :func:`check_not_swapped` compares the
reading as typed with the swapped one and raises
:class:`SwappedCoordinatesError` (carrying both readings, with their areas on
the sphere) when

- the typed reading lies wholly off the map (north of 40 S) while the swapped
  one lies on it; or
- every typed longitude is a polar latitude's value (80 to 90 degrees in size)
  and the typed latitudes are not (they stay north of 80 S), as a swap of
  polar coordinates produces.

Nothing is added until the user chooses: the swapped reading, or the reading
as typed (when it makes a zone at all). Files are not checked: a file's zone
north of 40 S is a zone off the map, not a typing slip.

>>> check_not_swapped("z", [(10.0, -89.0), (20.0, -89.5), (30.0, -89.2)])   # a polar zone typed right: silent
>>> try:
...     check_not_swapped("z", [(-89.0, -10.0), (-89.5, -20.0), (-89.2, -30.0)])
... except SwappedCoordinatesError as err:
...     print(err.as_typed.on_map, err.swapped.on_map, err.can_add_as_typed)
False True True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import LunarmapError, ZoneError
from .geodesy import centroid_lonlat

__all__ = ["MAP_EDGE_LAT_DEG", "Reading", "SwappedCoordinatesError", "readings", "check_not_swapped"]

#: The map shows the Moon from the south pole to this latitude: a zone wholly north of it is off the map.
MAP_EDGE_LAT_DEG = -40.0
#: Typed longitudes of this size or more (up to 90) look like polar latitudes (the south polar zones' band).
_POLAR_LAT_DEG = 80.0


@dataclass(frozen=True)
class Reading:
    """One reading of typed pairs: the vertices as (lon, lat), the zone's area and centre, whether it is on the map.

    ``area_km2`` is NaN and ``problem`` says why when the reading does not make a zone (e.g. a latitude beyond
    90 degrees, or north of the equator).
    """

    vertices_lonlat: tuple[tuple[float, float], ...]
    area_km2: float
    centre_lonlat: tuple[float, float]
    on_map: bool
    problem: str | None = None

    def describe(self) -> str:
        """E.g. "centre 20.00° S, 89.23° W, 3,564.2 km² on the sphere, off the map (north of 40° S)"."""
        lon, lat = self.centre_lonlat
        where = f"centre {abs(lat):.2f}° {'S' if lat < 0 else 'N'}, {abs(lon):.2f}° {'W' if lon < 0 else 'E'}"
        if self.problem:
            return f"{where}: not a zone ({self.problem})"
        place = "on the map" if self.on_map else f"off the map (north of {abs(MAP_EDGE_LAT_DEG):g}° S)"
        return f"{where}, {self.area_km2:,.1f} km² on the sphere, {place}"


class SwappedCoordinatesError(ZoneError):
    """Typed coordinates look like "latitude, longitude"; both readings are attached for the user to choose."""

    def __init__(self, message: str, as_typed: Reading, swapped: Reading):
        super().__init__(message)
        self.as_typed = as_typed
        self.swapped = swapped

    @property
    def can_add_as_typed(self) -> bool:
        """Whether the reading as typed makes a zone at all (then the user may confirm it, even off the map)."""
        return self.as_typed.problem is None


def _reading(pairs: np.ndarray, radius_km: float | None) -> Reading:
    from .zones import circle_zone, polygon_zone  # zones imports nothing from here: no cycle at import time

    verts = tuple((float(a), float(b)) for a, b in pairs)
    lon, lat = pairs[:, 0], pairs[:, 1]
    centre = (float(np.mean(lon)), float(np.mean(lat)))
    if np.any(np.abs(lat) > 90.0) or np.any(np.abs(lon) > 360.0):
        return Reading(verts, math.nan, centre, False, "a latitude beyond 90 degrees")
    try:
        if radius_km is not None:
            zone = circle_zone("reading", "reading", verts[0][0], verts[0][1], radius_km)
        else:
            zone = polygon_zone("reading", "reading", verts)
    except LunarmapError as err:
        return Reading(verts, math.nan, centre, bool(np.all(lat <= MAP_EDGE_LAT_DEG)), str(err).split("; ")[0])
    if radius_km is None:
        centre = centroid_lonlat(zone.geometry_polar)
    return Reading(verts, zone.area_km2, centre, bool(np.all(lat <= MAP_EDGE_LAT_DEG)))


def readings(vertices: Sequence[Sequence[float]] | np.ndarray, radius_km: float | None = None) -> tuple[Reading, Reading]:
    """The zone as typed ((lon, lat) pairs) and with each pair swapped; a circle when ``radius_km`` is given."""
    pairs = np.asarray(vertices, dtype=float).reshape(-1, 2)
    return _reading(pairs, radius_km), _reading(pairs[:, ::-1], radius_km)


def check_not_swapped(name: str, vertices: Sequence[Sequence[float]], radius_km: float | None = None) -> None:
    """:class:`SwappedCoordinatesError` when typed (lon, lat) pairs look like (lat, lon) (see module notes)."""
    pairs = np.asarray(vertices, dtype=float).reshape(-1, 2)
    if pairs.size == 0 or not np.all(np.isfinite(pairs)):
        return
    t_lon, t_lat = pairs[:, 0], pairs[:, 1]
    s_lat = t_lon
    swapped_on_map = bool(np.all(s_lat <= MAP_EDGE_LAT_DEG) and np.all(s_lat >= -90.0))
    if not swapped_on_map:
        return
    off_map = bool(np.all(t_lat > MAP_EDGE_LAT_DEG))
    polar_swap = bool(np.all(np.abs(t_lon) >= _POLAR_LAT_DEG) and np.all(t_lat > -_POLAR_LAT_DEG)
                      and np.all(s_lat <= -_POLAR_LAT_DEG))
    if not (off_map or polar_swap):
        return
    as_typed, swapped = readings(pairs, radius_km)
    if swapped.problem is not None:
        return
    what = "centre lies" if radius_km is not None else "vertices lie"
    if off_map:
        message = (f"zone {name!r}: as typed (longitude, latitude) the {what} off the map, north of "
                   f"{abs(MAP_EDGE_LAT_DEG):g}° S ({as_typed.describe()}); read as latitude, longitude it is "
                   f"{swapped.describe()}. Nothing was added yet: swap latitude and longitude, add it as typed, or "
                   "correct the numbers.")
    else:
        message = (f"zone {name!r}: the {what.split()[0]} look{'s' if radius_km is not None else ''} like "
                   f"'latitude, longitude': as typed it is {as_typed.describe()}; "
                   f"swapped it is {swapped.describe()}. Nothing was added yet: choose the reading you meant.")
    raise SwappedCoordinatesError(message, as_typed, swapped)
