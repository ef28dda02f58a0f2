"""Where the south-polar map looks: view targets and zooms in IAU_2015:30135 metres, and the stereographic scale.

deck.gl's OrthographicView over cartesian map metres: ``2**zoom`` pixels per map metre. A width given in
true kilometres is converted with the stereographic scale factor at its latitude.

>>> round(scale_factor(-90.0), 3), round(scale_factor(-45.0), 3)
(1.0, 1.172)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydeck as pdk
import shapely

from .crs import MOON_RADIUS_M, lonlat_to_polar
from .errors import GeometryError
from .sites import Site

__all__ = ["MAP_EDGE_LAT_DEG", "ViewTarget", "scale_factor", "polar_radius_m", "lat_of_radius_deg",
           "zoom_for_width_m", "view_for_sites", "view_for_point", "view_for_geometries", "map_view"]

#: The map reaches this latitude (Chang'e 6 at 41.6 S and Chang'e 4 at 45.4 S included).
MAP_EDGE_LAT_DEG = -40.0


@dataclass(frozen=True)
class ViewTarget:
    """Where the map looks: centre in IAU_2015:30135 metres and deck.gl zoom (2**zoom pixels per map metre)."""

    x_m: float
    y_m: float
    zoom: float

    def as_dict(self) -> dict[str, Any]:
        return {"target": [round(self.x_m, 1), round(self.y_m, 1), 0], "zoom": round(self.zoom, 4)}


def scale_factor(lat_deg: Any) -> Any:
    """Stereographic scale factor k = 2 / (1 + sin|lat|): map metres per true metre at a latitude."""
    lat = np.radians(np.abs(np.asarray(lat_deg, dtype=float)))
    k = 2.0 / (1.0 + np.sin(lat))
    return float(k) if np.ndim(k) == 0 else k


def polar_radius_m(lat_deg: Any) -> Any:
    """Distance on the map from the pole to a southern latitude: 2 R tan((90 - |lat|) / 2), in metres."""
    lat = np.asarray(lat_deg, dtype=float)
    r = 2.0 * MOON_RADIUS_M * np.tan(np.radians(90.0 - np.abs(lat)) / 2.0)
    return float(r) if np.ndim(r) == 0 else r


def lat_of_radius_deg(radius_m: Any) -> Any:
    """Southern latitude (negative degrees) at a map distance from the pole: inverse of :func:`polar_radius_m`."""
    rho = np.asarray(radius_m, dtype=float)
    lat = np.degrees(2.0 * np.arctan(rho / (2.0 * MOON_RADIUS_M))) - 90.0
    return float(lat) if np.ndim(lat) == 0 else lat


def zoom_for_width_m(width_m: float, pixels: float) -> float:
    """deck.gl orthographic zoom showing ``width_m`` map metres across ``pixels`` screen pixels."""
    if not (math.isfinite(width_m) and width_m > 0 and math.isfinite(pixels) and pixels > 0):
        raise GeometryError(
            f"width_m and pixels must be positive and finite (got width_m={width_m!r}, pixels={pixels!r}); "
            "give the map width to show in metres and the map's size in pixels."
        )
    return math.log2(pixels / width_m)


def view_for_sites(sites: Iterable[Site], pixels: float, margin: float = 1.15) -> ViewTarget:
    """A view centred on the pole that frames every site and region (and the pole) in ``pixels``."""
    reach = 0.0
    for s in sites:
        coords = shapely.get_coordinates(s.geometry_polar)
        if coords.size:
            reach = max(reach, float(np.abs(coords).max()))
    reach = max(reach, 50_000.0)
    return ViewTarget(0.0, 0.0, zoom_for_width_m(2.0 * reach * margin, pixels))


def view_for_point(lon_deg: float, lat_deg: float, width_km: float, pixels: float) -> ViewTarget:
    """A view centred on a lon/lat point showing about ``width_km`` true kilometres across ``pixels``."""
    if not -90.0 <= float(lat_deg) <= MAP_EDGE_LAT_DEG:
        raise GeometryError(
            f"latitude {lat_deg!r} is outside the map, which covers the south pole to "
            f"{abs(MAP_EDGE_LAT_DEG):g} S (latitudes -90..{MAP_EDGE_LAT_DEG:g}); choose a place south of 40 S."
        )
    x, y = lonlat_to_polar(float(lon_deg), float(lat_deg))
    width_m = max(float(width_km), 1.0) * 1000.0 * scale_factor(lat_deg)
    return ViewTarget(float(x), float(y), zoom_for_width_m(width_m, pixels))


def view_for_geometries(geometries: Iterable[Any], pixels: float, margin: float = 1.3,
                        min_width_m: float = 20_000.0) -> ViewTarget:
    """A view framing shapely geometries in IAU_2015:30135 metres (their bounding box, ``margin`` around it).

    Tiny or single-point sets are shown at least ``min_width_m`` map metres across. GeometryError for none.

    >>> from shapely.geometry import box
    >>> v = view_for_geometries([box(0, 0, 100_000, 50_000)], 1000)
    >>> (v.x_m, v.y_m, round(2 ** -v.zoom * 1000))
    (50000.0, 25000.0, 130000)
    """
    coords = [shapely.get_coordinates(g) for g in geometries if g is not None and not g.is_empty]
    xy = np.concatenate(coords) if coords else np.empty((0, 2))
    if not xy.size:
        raise GeometryError("there is nothing to frame: give at least one non-empty geometry.")
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    width = max(float(x1 - x0), float(y1 - y0), min_width_m / margin) * margin
    return ViewTarget(float((x0 + x1) / 2.0), float((y0 + y1) / 2.0), zoom_for_width_m(width, pixels))


def map_view() -> pdk.View:
    """The one view: orthographic over cartesian metres, y up (``flipY=False``), pan/zoom by mouse and touch."""
    return pdk.View(type="OrthographicView", controller=True, flipY=False)
