"""lunarmap.terrain_mesh: the 3D terrain mesh, its frame, its triangle budget and the Sun on it.

A synthetic crater (a flat-floored cone written as a GeoTIFF in IAU_2015:30135, its height a function of the
true geodesic distance from its centre: tests/cases.py, shared with tests/test_profile.py) gives the analytic
depth and wall slope in the mesh, at the pole (scale factor 1) and at 80 S (1.0077, where map metres are not true
metres); the Sun's vector is checked against the ephemeris's elevation and against an azimuth rebuilt here from the stereographic formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from lunarmap.ephemeris import sky_track
from lunarmap.errors import LunarmapError
from lunarmap.terrain_mesh import MAX_TRIANGLES, drape_lines, scale_factor, sun_direction, terrain_mesh

from .cases import (
    CRATER_DEPTH_M,
    CRATER_FLOOR_M,
    CRATER_PIXEL_M,
    CRATER_RIM_M,
    CRATER_WALL_DEG,
    LONLAT_TO_POLAR,
    MOON_GEOD,
    MOON_R_M,
    POLAR_TO_LONLAT,
)

# The synthetic crater of tests/cases.py (the crater_dem fixture of tests/conftest.py): 600 m deep, 20 m pixels.
# Slope error budget of the mesh normals (central differences over 2 spacings of a cone sampled bilinearly on 20 m
# pixels, plus the change of the scale factor across 4.5 km at 80 S, 2.3e-4 relative): under 0.02 deg. Leaving out
# the 1/k correction at 80 S would err by 0.085 deg, so the tolerance tells them apart.
SLOPE_TOL_DEG = 0.03
_WALL_AT_80S_UNCORRECTED_DEG = math.degrees(math.atan(math.tan(math.radians(CRATER_WALL_DEG)) * 1.0077))
assert abs(_WALL_AT_80S_UNCORRECTED_DEG - CRATER_WALL_DEG) > 2 * SLOPE_TOL_DEG


def _wall_slopes_deg(mesh, centre_lonlat, margin_m):
    pos = mesh.positions.astype(float)
    lon, lat = POLAR_TO_LONLAT.transform(pos[:, 0] + mesh.center_xy_m[0], pos[:, 1] + mesh.center_xy_m[1])
    r = MOON_GEOD.inv(np.full(lon.size, centre_lonlat[0]), np.full(lon.size, centre_lonlat[1]), lon, lat)[2]
    on = (r > CRATER_FLOOR_M + margin_m) & (r < CRATER_RIM_M - margin_m)
    return np.degrees(np.arccos(mesh.normals[on, 2].astype(float))), on


@pytest.mark.parametrize("centre", [(0.0, -90.0), (135.0, -80.0)], ids=["at the pole", "at 80 S"])
def test_crater_has_the_analytic_depth_and_wall_slope(crater_dem, centre):
    path, xy = crater_dem(*centre)
    mesh = terrain_mesh(xy, 16_000.0, n=201, dem_paths=[path], curvature=False)
    k = float(scale_factor(*xy))
    assert mesh.scale_factor == pytest.approx(k) and (k == pytest.approx(1.0) or k > 1.007)
    z = mesh.positions[:, 2].astype(float)
    # flat floor and flat surroundings: exact, heights scaled by k as the map's distances are
    assert z.max() - z.min() == pytest.approx(k * CRATER_DEPTH_M, abs=1e-3)
    assert np.nanmax(mesh.elevation_m) - np.nanmin(mesh.elevation_m) == pytest.approx(CRATER_DEPTH_M, abs=1e-6)
    slopes, on = _wall_slopes_deg(mesh, centre, 2 * mesh.spacing_m)
    assert on.sum() > 500
    assert np.abs(slopes - CRATER_WALL_DEG).max() < SLOPE_TOL_DEG
    assert mesh.resolution_m == (CRATER_PIXEL_M, CRATER_PIXEL_M) and mesh.products == ("crater",)


def test_exaggeration_multiplies_heights_only(crater_dem):
    path, xy = crater_dem(0.0, -90.0)
    one = terrain_mesh(xy, 16_000.0, n=101, dem_paths=[path], curvature=False)
    five = terrain_mesh(xy, 16_000.0, n=101, exaggeration=5, dem_paths=[path], curvature=False)
    np.testing.assert_allclose(five.positions[:, :2], one.positions[:, :2])
    np.testing.assert_allclose(five.positions[:, 2], 5 * one.positions[:, 2], rtol=1e-6)
    slopes, _ = _wall_slopes_deg(five, (0.0, -90.0), 2 * five.spacing_m)
    expected = math.degrees(math.atan(5 * CRATER_DEPTH_M / (CRATER_RIM_M - CRATER_FLOOR_M)))
    assert np.abs(slopes - expected).max() < 0.1


def test_curvature_drops_the_surface_below_the_centres_tangent_plane(make_raster):
    # a flat DEM (height 0 everywhere): z is the sphere's fall below the tangent plane, r^2 / (2 R k) in map metres
    cx, cy = LONLAT_TO_POLAR.transform(40.0, -85.0)
    path = make_raster(np.zeros((100, 100)), origin=(cx - 50_000, cy + 50_000), pixel_m=1_000.0)
    mesh = terrain_mesh((cx, cy), 90_000.0, n=91, dem_paths=[path])
    k = float(scale_factor(cx, cy))
    corner = mesh.positions[0].astype(float)
    r = math.hypot(corner[0], corner[1])
    # independent: the true sphere's sagitta at the corner's true distance (map distance / k), scaled by k
    true_r = r / k
    sagitta = MOON_R_M - math.sqrt(MOON_R_M**2 - true_r**2)
    assert corner[2] == pytest.approx(-k * sagitta, rel=2e-4)
    assert mesh.positions[mesh.n * (mesh.n // 2) + mesh.n // 2, 2] == pytest.approx(0.0, abs=1e-6)


def test_triangle_budget_and_indices(crater_dem):
    path, xy = crater_dem(0.0, -90.0)
    mesh = terrain_mesh(xy, 16_000.0, n=257, dem_paths=[path])
    assert mesh.n_triangles == 2 * 256 * 256 == MAX_TRIANGLES
    assert mesh.indices.max() == 257 * 257 - 1
    # counter-clockwise seen from above: every triangle's normal points up
    p = mesh.positions.astype(float)
    a, b, c = p[mesh.indices[:, 0]], p[mesh.indices[:, 1]], p[mesh.indices[:, 2]]
    assert (np.cross(b - a, c - a)[:, 2] > 0).all()
    with pytest.raises(LunarmapError, match="triangle budget"):
        terrain_mesh(xy, 16_000.0, n=258, dem_paths=[path])


@pytest.mark.parametrize(("lon", "lat", "when"), [(0.0, -90.0, "2024-03-01T06:00"), (-130.0, -85.5, "2025-11-20T18:30"),
                                                   (179.5, -89.0, "2026-06-02T00:00")])
def test_sun_vector_has_the_ephemeris_elevation_and_azimuth(lon, lat, when):
    xy = LONLAT_TO_POLAR.transform(lon, lat)
    sun = sun_direction(xy, when)
    v = sun.vector
    assert np.linalg.norm(v) == pytest.approx(1.0)
    track = sky_track(lon, lat, np.array([when], dtype="datetime64[s]"))
    assert math.degrees(math.asin(v[2])) == pytest.approx(float(track.sun_el_deg[0]), abs=1e-6)
    assert sun.elevation_deg == pytest.approx(float(track.sun_el_deg[0]), abs=1e-9)
    if lat > -89.9:
        # independent azimuth: on the south polar stereographic map, north points away from the pole,
        # (sin lon, cos lon), and east is (cos lon, -sin lon) (x = rho sin lon, y = rho cos lon)
        lam = math.radians(lon)
        north, east = np.array([math.sin(lam), math.cos(lam)]), np.array([math.cos(lam), -math.sin(lam)])
        az = math.degrees(math.atan2(float(v[:2] @ east), float(v[:2] @ north))) % 360.0
        assert az == pytest.approx(float(track.sun_az_deg[0]), abs=1e-4)


def test_sun_in_mesh_and_drape(crater_dem):
    path, xy = crater_dem(0.0, -90.0)
    mesh = terrain_mesh(xy, 16_000.0, n=81, dem_paths=[path], time_utc="2024-03-01T06:00")
    assert mesh.sun is not None and mesh.sun.vector.shape == (3,)
    line = np.array([[xy[0] - 20_000.0, xy[1]], [xy[0] + 3_000.0, xy[1]]])
    pieces = drape_lines(mesh, [line])
    assert len(pieces) == 1
    piece = pieces[0]
    assert piece[0, 0] == pytest.approx(-8_000.0, abs=mesh.spacing_m / 2) and piece[-1, 0] == pytest.approx(3_000.0)
    lift = 0.04 * mesh.spacing_m
    np.testing.assert_allclose(piece[:, 2], mesh.z_at(piece[:, 0] + xy[0], piece[:, 1] + xy[1]) + lift)
    assert piece[:, 2].min() < -CRATER_DEPTH_M + lift + 1 and piece[:, 2].max() > -50


def test_drape_simplifies_within_the_tolerance(crater_dem):
    path, xy = crater_dem(0.0, -90.0)
    mesh = terrain_mesh(xy, 16_000.0, n=81, dem_paths=[path])          # 200 m spacing
    # a line along x with a 10 m zigzag every 20 m (far finer than the mesh), and one 600 m corner
    x = np.arange(-6_000.0, 6_001.0, 20.0)
    y = np.where(np.arange(x.size) % 2 == 0, 0.0, 10.0) + np.where(x > 0, x * 0.1, 0.0)
    line = np.column_stack([x + xy[0], y + xy[1]])
    full = drape_lines(mesh, [line])[0]
    tol = 25.0
    simple = drape_lines(mesh, [line], tolerance_m=tol)[0]
    # densified to half the spacing (100 m) either way; the zigzag's 600 vertices are gone, not the corner
    assert len(full) > 600 and len(simple) <= 12_000 / 100 + 3, (len(full), len(simple))
    drawn = shapely.LineString(simple[:, :2])
    original = shapely.LineString(line - np.array(xy))
    assert drawn.hausdorff_distance(original) <= tol + 1e-6
    assert drawn.distance(shapely.Point(6_000.0, 600.0)) < 1e-6 and drawn.distance(shapely.Point(0.0, 0.0)) <= tol
    lift = 0.04 * mesh.spacing_m
    np.testing.assert_allclose(simple[:, 2], mesh.z_at(simple[:, 0] + xy[0], simple[:, 1] + xy[1]) + lift)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"center_xy_m": (float("nan"), 0.0)}, "center_xy_m"),
    ({"center_xy_m": "here"}, "center_xy_m"),
    ({"width_m": 0.0}, "width_m"),
    ({"width_m": 1e7}, "width_m"),
    ({"n": 2}, "vertices a side"),
    ({"n": 10.5}, "vertices a side"),
    ({"exaggeration": 11}, "exaggeration"),
    ({"exaggeration": 0.5}, "exaggeration"),
    ({"time_utc": "3000-01-01"}, "outside the ephemeris coverage"),
    ({"time_utc": "soon"}, "UTC datetimes"),
])
def test_bad_input_says_what_was_wrong(crater_dem, kwargs, match):
    path, xy = crater_dem(0.0, -90.0)
    args = {"center_xy_m": xy, "width_m": 10_000.0, "n": 11, **kwargs}
    with pytest.raises(LunarmapError, match=match):
        terrain_mesh(dem_paths=[path], **args)


def test_a_square_off_every_dem_is_refused(crater_dem):
    path, _ = crater_dem(0.0, -90.0)
    with pytest.raises(LunarmapError, match="no elevation data covers"):
        terrain_mesh(LONLAT_TO_POLAR.transform(0.0, -70.0), 10_000.0, n=11, dem_paths=[path])
