"""A shared catalogue of awkward cases, for every test file to parametrise over (as shapely's ``tests/common.py``).

Plain named constants and ``pytest.param`` lists with ids, nothing computed by
the code under test (the Moon sphere and the synthetic crater at the end are
built with pyproj only). Points are ``(lon_deg, lat_deg)`` on the IAU 2015 Moon
sphere (IAU_2015:30100, degrees east, south negative); lon/lat geometries are
shapely objects in those degrees, with edges straight in lon/lat as GeoJSON
files write them. Each constant says in its docstring what makes it awkward.

>>> SOUTH_POLE, SOUTH_POLE_OTHER_LON[1]
((0.0, -90.0), -90.0)
>>> BOWTIE_LONLAT.is_valid
False
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon

# --- points -------------------------------------------------------------------------------------------

SOUTH_POLE = (0.0, -90.0)
"""The pole itself, latitude exactly -90: every longitude names it and every direction from it is north."""

SOUTH_POLE_OTHER_LON = (123.0, -90.0)
"""The same pole written with another longitude: must give the same place (distance 0 to :data:`SOUTH_POLE`)."""

NEAR_POLE = (129.78, -89.67)
"""On Shackleton's rim, 10 km from the pole: circles around it of more than 10 km contain the pole."""

ON_180 = (180.0, -60.0)
"""On the 180 meridian written as +180."""

ON_MINUS_180 = (-180.0, -60.0)
"""The same place as :data:`ON_180`, written as -180."""

EAST_OF_180 = (179.9, -60.0)
"""Just west of the 180 meridian (179.9 E): 0.2 degrees of longitude from :data:`WEST_OF_180`, not 359.8."""

WEST_OF_180 = (-179.9, -60.0)
"""Just east of the 180 meridian (179.9 W)."""

LON_0_360 = (359.5, -45.0)
"""A longitude in the 0..360 convention: the same place as (-0.5, -45.0)."""

EQUATOR_0 = (0.0, 0.0)
"""The mean sub-Earth point on the equator: 90 degrees from the pole, k = 2 on the polar stereographic map."""

CHANG_E_4 = (177.5991, -45.4446)
"""Chang'e 4's landing site (CNSA / LROC), on the far side near the 180 meridian."""

CHANG_E_6 = (-153.9852, -41.6385)
"""Chang'e 6's landing site, on the far side west of the 180 meridian: 631.727 km from :data:`CHANG_E_4`."""

CHANDRAYAAN_3 = (32.319, -69.373)
"""Chandrayaan-3's landing site, on the near side."""

SWAPPED_LATLON = (-45.4446, 177.5991)
"""Chang'e 4 with latitude and longitude swapped: the latitude 177.6 is out of range and must be refused."""

SWAPPED_LATLON_IN_RANGE = (-69.373, 32.319)
"""Chandrayaan-3 swapped: both numbers are in range, so it is a valid place 32 N (the wrong hemisphere)."""

#: Points every lon/lat function must handle: (lon, lat), id.
AWKWARD_POINTS = [
    pytest.param(*SOUTH_POLE, id="pole"),
    pytest.param(*SOUTH_POLE_OTHER_LON, id="pole-lon-123"),
    pytest.param(*NEAR_POLE, id="near-pole"),
    pytest.param(*ON_180, id="lon+180"),
    pytest.param(*ON_MINUS_180, id="lon-180"),
    pytest.param(*EAST_OF_180, id="lon179.9"),
    pytest.param(*WEST_OF_180, id="lon-179.9"),
    pytest.param(*LON_0_360, id="lon359.5"),
    pytest.param(*EQUATOR_0, id="equator"),
    pytest.param(*CHANG_E_4, id="chang-e-4"),
]

#: Points that must be refused with the latitude or longitude named: (lon, lat, the value named), id.
BAD_POINTS = [
    pytest.param(*SWAPPED_LATLON, "latitude 177.5991", id="swapped-lat-lon"),
    pytest.param(0.0, -90.000001, "latitude -90.000001", id="beyond-pole"),
    pytest.param(0.0, -95.0, "latitude -95.0", id="lat-95"),
    pytest.param(360.0, -45.0, "longitude 360.0", id="lon-360"),
    pytest.param(-180.5, -45.0, "longitude -180.5", id="lon-below-180"),
    pytest.param(float("nan"), -45.0, "longitude nan", id="lon-nan"),
    pytest.param(0.0, float("inf"), "latitude inf", id="lat-inf"),
]

#: Pairs of points for distances and azimuths: (lon1, lat1, lon2, lat2), id.
POINT_PAIRS = [
    pytest.param(*SOUTH_POLE, 0.0, -89.0, id="pole-to-89S"),
    pytest.param(*SOUTH_POLE, 123.0, -89.5, id="pole-to-89.5S-lon123"),
    pytest.param(*SOUTH_POLE, *SOUTH_POLE_OTHER_LON, id="pole-to-pole-other-lon"),
    pytest.param(*SOUTH_POLE, *EQUATOR_0, id="pole-to-equator"),
    pytest.param(*SOUTH_POLE, 45.0, 90.0, id="pole-to-north-pole"),
    pytest.param(*EAST_OF_180, *WEST_OF_180, id="across-180"),
    pytest.param(*ON_180, *ON_MINUS_180, id="plus-180-minus-180"),
    pytest.param(*CHANG_E_4, *CHANG_E_6, id="chang-e-4-to-6"),
    pytest.param(10.0, -30.0, -170.0, 30.0, id="antipodal"),
    pytest.param(0.0, -89.0, 180.0, -89.0, id="over-the-pole"),
    pytest.param(*LON_0_360, -0.5, -44.0, id="lon-0-360-vs-negative"),
    pytest.param(*CHANDRAYAAN_3, *CHANDRAYAAN_3, id="same-point"),
]

# --- radii -------------------------------------------------------------------------------------------

TINY_RADIUS_KM = 0.01
"""10 m: smaller than a pixel of the finest DEM (5 m crop: two pixels)."""

HUGE_RADIUS_KM = 5_000.0
"""The largest circle :func:`lunarmap.geodesy.geodesic_circle` draws: 2.9 radians of arc, past the equator."""

#: Circles (lon, lat, radius_km), id: at the pole, on the 180 meridian, tiny and huge.
AWKWARD_CIRCLES = [
    pytest.param(*SOUTH_POLE, TINY_RADIUS_KM, id="pole-10m"),
    pytest.param(*SOUTH_POLE, 150.0, id="pole-150km"),
    pytest.param(*NEAR_POLE, 13.0, id="near-pole-contains-pole"),
    pytest.param(*ON_180, 50.0, id="on-180"),
    pytest.param(*WEST_OF_180, 300.0, id="across-180"),
    pytest.param(*CHANG_E_4, TINY_RADIUS_KM, id="chang-e-4-10m"),
    pytest.param(*SOUTH_POLE, 2_500.0, id="pole-2500km-past-the-equator"),
]

#: Radii no circle accepts (zero, negative, beyond the limit, not a number, missing), id.
BAD_RADII_KM = [
    pytest.param(0, id="zero"),
    pytest.param(-1.0, id="negative"),
    pytest.param(HUGE_RADIUS_KM + 0.1, id="beyond-5000"),
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param("ten", id="text"),
    pytest.param(None, id="none"),
]

# --- lon/lat geometries -------------------------------------------------------------------------------

POLAR_CAP_85S_LONLAT = Polygon(
    [(float(lon), -85.0) for lon in range(-180, 181, 5)] + [(180.0, -90.0), (-180.0, -90.0), (-180.0, -85.0)]
)
"""The cap poleward of 85 S as lon/lat files write it: along 85 S, down the 180 meridian, along -90 and back."""

POLAR_CAP_RING_85S_LONLAT = Polygon([(float(lon), -85.0) for lon in range(-180, 180, 5)])
"""A ring round the pole at 85 S with no edge along -90: its closing edge crosses 180, so it encircles the pole."""

RING_CROSSING_180_LONLAT = Polygon([(179.5, -60.0), (-179.5, -60.0), (-179.5, -61.0), (179.5, -61.0)])
"""A 1 x 1 degree box straddling the 180 meridian with wrapped longitudes: its edges cross 180 the short way."""

RING_CROSSING_180_CONTINUOUS_LONLAT = Polygon([(178.0, -60.0), (182.0, -60.0), (182.0, -61.0), (178.0, -61.0)])
"""A 4 x 1 degree box across 180 written with continuous longitudes past 180 (182 E = 178 W)."""

BOWTIE_LONLAT = Polygon([(0.0, -80.0), (10.0, -81.0), (10.0, -80.0), (0.0, -81.0)])
"""A self-intersecting (bow-tie) ring: invalid, must be refused with the reason, never silently repaired."""

BOWTIE_GEOJSON = {"type": "Polygon", "coordinates": [[[0, -80], [10, -81], [10, -80], [0, -81], [0, -80]]]}
""":data:`BOWTIE_LONLAT` as a GeoJSON geometry."""

POLE_TOUCHING_TRIANGLE_LONLAT = Polygon([(0.0, -90.0), (10.0, -85.0), (20.0, -85.0)])
"""A triangle with one vertex exactly at the pole."""

MULTIPOLYGON_ACROSS_180_LONLAT = MultiPolygon([
    Polygon([(179.0, -70.0), (180.0, -70.0), (180.0, -71.0), (179.0, -71.0)]),
    Polygon([(-180.0, -70.0), (-179.0, -70.0), (-179.0, -71.0), (-180.0, -71.0)]),
])
"""One box cut in two at the 180 meridian, as GIS exports split it: two parts that touch along 180."""

EMPTY_POLYGON = Polygon()
"""An empty polygon (no coordinates)."""

EMPTY_POINT = Point()
"""An empty point."""

#: Geometries with nothing in them, and no geometry at all: each must be refused with "empty" in the message.
EMPTY_GEOMETRIES = [
    pytest.param(EMPTY_POLYGON, id="empty-polygon"),
    pytest.param(EMPTY_POINT, id="empty-point"),
    pytest.param(GeometryCollection(), id="empty-collection"),
    pytest.param(LineString(), id="empty-line"),
    pytest.param(None, id="none"),
]

#: Valid lon/lat polygons that are awkward on the map: (polygon, id). Each has a well defined area.
AWKWARD_POLYGONS_LONLAT = [
    pytest.param(POLAR_CAP_85S_LONLAT, id="polar-cap-with-pole-edge"),
    pytest.param(POLAR_CAP_RING_85S_LONLAT, id="polar-cap-ring"),
    pytest.param(RING_CROSSING_180_LONLAT, id="ring-crossing-180"),
    pytest.param(RING_CROSSING_180_CONTINUOUS_LONLAT, id="ring-crossing-180-continuous"),
    pytest.param(POLE_TOUCHING_TRIANGLE_LONLAT, id="triangle-touching-pole"),
]

# --- a zone touching a site ---------------------------------------------------------------------------

ZONE_TOUCHING_SITE = (NEAR_POLE, 13.0, 0.0)
"""(circle centre, radius_km, azimuth_deg): a site placed exactly ``radius_km`` from the centre at that azimuth
touches the zone's boundary (distance == radius), the boundary case of "inside"."""


# --- the Moon, built here (independent of lunarmap.crs and lunarmap.geodesy) ----------------------------

MOON_R_M = 1_737_400.0
"""The IAU 2015 Moon sphere's radius, metres."""

MOON_GEOD = Geod(a=MOON_R_M, b=MOON_R_M)
"""pyproj.Geod on the Moon sphere: the independent tool geodesic distances are checked against."""

_MOON_LONLAT = f"+proj=longlat +R={MOON_R_M:.0f} +no_defs"
_MOON_STERE = f"+proj=stere +lat_0=-90 +lat_ts=-90 +lon_0=0 +R={MOON_R_M:.0f} +units=m +no_defs"
LONLAT_TO_POLAR = Transformer.from_proj(_MOON_LONLAT, _MOON_STERE, always_xy=True)
"""(lon, lat) degrees -> south polar stereographic (x, y) metres, from PROJ strings (not IAU codes)."""

POLAR_TO_LONLAT = Transformer.from_proj(_MOON_STERE, _MOON_LONLAT, always_xy=True)
"""South polar stereographic (x, y) metres -> (lon, lat) degrees: the inverse of :data:`LONLAT_TO_POLAR`."""

# --- a synthetic crater -------------------------------------------------------------------------------

CRATER_DEPTH_M, CRATER_FLOOR_M, CRATER_RIM_M = 600.0, 1_500.0, 4_500.0
"""The synthetic crater: a flat floor out to 1.5 km from its centre, a straight wall to the rim at 4.5 km,
flat beyond; 600 m deep. Distances from the centre are true geodesic metres on the Moon sphere."""

CRATER_WALL_DEG = math.degrees(math.atan(CRATER_DEPTH_M / (CRATER_RIM_M - CRATER_FLOOR_M)))
"""The wall's slope: atan(600 / 3000) = 11.31 degrees."""

CRATER_PIXEL_M = 20.0
"""The crater DEM's pixel size, metres (on the map)."""


def crater_height_m(r_m):
    """The crater's height (m, 0 beyond the rim) at geodesic distance ``r_m`` (m) from its centre."""
    return np.clip((r_m - CRATER_FLOOR_M) / (CRATER_RIM_M - CRATER_FLOOR_M), 0.0, 1.0) * CRATER_DEPTH_M - CRATER_DEPTH_M


def write_crater_dem(make_raster: Callable[..., Path], lon0: float, lat0: float,
                     half_m: float = 9_000.0) -> tuple[Path, tuple[float, float]]:
    """The crater centred at (``lon0``, ``lat0``) as ``crater.tif`` in IAU_2015:30135, ``half_m`` each side.

    ``make_raster`` is the fixture of ``tests/conftest.py`` (or the same call). Each pixel's height is
    :func:`crater_height_m` of its centre's geodesic distance from the crater's centre (pyproj.Geod on the
    sphere), so the crater is round on the Moon, not on the map. Returns the path and the centre's map (x, y) m.
    """
    cx, cy = LONLAT_TO_POLAR.transform(lon0, lat0)
    n = int(2 * half_m / CRATER_PIXEL_M)
    x0, y0 = cx - half_m, cy + half_m
    xs = x0 + CRATER_PIXEL_M * (np.arange(n) + 0.5)
    ys = y0 - CRATER_PIXEL_M * (np.arange(n) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = POLAR_TO_LONLAT.transform(gx.ravel(), gy.ravel())
    r = MOON_GEOD.inv(np.full(lon.size, lon0), np.full(lon.size, lat0), lon, lat)[2]
    path = make_raster(crater_height_m(np.asarray(r)).reshape(n, n), origin=(x0, y0), pixel_m=CRATER_PIXEL_M,
                       name="crater.tif")
    return path, (cx, cy)
