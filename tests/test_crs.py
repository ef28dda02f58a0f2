"""lunarmap.crs: the Moon's CRSs, transformers, and recognition of codeless WKT."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from pyproj import CRS

from lunarmap.crs import (
    LONLAT_CODE,
    MOON_RADIUS_M,
    SOUTH_POLAR_CODE,
    lonlat_to_polar,
    lunar_crs_code,
    polar_to_lonlat,
    require_lunar_crs,
)
from lunarmap.errors import CRSError, LunarmapError

from . import cases
from .conftest import SHARED_DATA


def test_south_polar_is_stereographic_on_the_moon_sphere():
    crs = CRS.from_user_input(SOUTH_POLAR_CODE)
    assert crs.ellipsoid.semi_major_metre == MOON_RADIUS_M
    assert crs.ellipsoid.semi_minor_metre == MOON_RADIUS_M
    assert "stere" in crs.to_proj4() and "lat_0=-90" in crs.to_proj4()


@pytest.mark.parametrize(("lon", "lat"), [cases.SOUTH_POLE, cases.SOUTH_POLE_OTHER_LON])
def test_lonlat_to_polar__pole_is_the_origin_whatever_its_longitude(lon, lat):
    x, y = lonlat_to_polar(lon, lat)
    assert float(x) == pytest.approx(0.0, abs=1e-6) and float(y) == pytest.approx(0.0, abs=1e-6)


def test_lonlat_to_polar__pole_is_origin_and_zero_meridian_is_plus_y():
    x, y = lonlat_to_polar(np.array([0.0, 0.0, 90.0]), np.array([-90.0, -80.0, -80.0]))
    assert x[0] == pytest.approx(0.0, abs=1e-6) and y[0] == pytest.approx(0.0, abs=1e-6)
    # Stereographic radius of latitude phi on the sphere: 2 R tan((90 - |phi|) / 2).
    rho = 2 * MOON_RADIUS_M * np.tan(np.radians(5.0))
    assert x[1] == pytest.approx(0.0, abs=1e-6) and y[1] == pytest.approx(rho, rel=1e-12)
    assert x[2] == pytest.approx(rho, rel=1e-12) and y[2] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("lon", "lat"), [*cases.AWKWARD_POINTS, (0.0, -89.999), (-45.0, -45.0)])
def test_polar_to_lonlat__round_trip_returns_the_same_place(lon, lat):
    """Both signs of 180, 0..360 longitudes and the pole come back to the same place (the pole's longitude is free)."""
    from lunarmap.geodesy import distance_m

    x, y = lonlat_to_polar(lon, lat)
    lon2, lat2 = polar_to_lonlat(x, y)
    assert float(lat2) == pytest.approx(lat, abs=1e-9)
    assert distance_m(lon, lat, float(lon2), float(lat2)) < 1e-5   # 10 micrometres
    if lat > -90.0:
        dlon = (float(lon2) - lon + 180.0) % 360.0 - 180.0
        assert dlon == pytest.approx(0.0, abs=1e-7)
        assert -180.0 <= float(lon2) <= 180.0


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("LPSR_85S_060M_201608_reconstructed.tif", SOUTH_POLAR_CODE),
        ("pgda78_shoemaker_5m_crop.tif", SOUTH_POLAR_CODE),
        ("lola_global_dem_0p35deg.tif", LONLAT_CODE),
    ],
)
def test_lunar_crs_code__recognises_real_files_without_the_code(path, code):
    with rasterio.open(SHARED_DATA / path) as ds:
        assert lunar_crs_code(ds.crs.to_wkt()) == code


def test_lunar_crs_code__recognises_catalogue_prj_and_geotiff_round_trip(tmp_path, make_raster):
    prj = (SHARED_DATA / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.prj").read_text()
    assert lunar_crs_code(prj) == SOUTH_POLAR_CODE
    path = make_raster(np.zeros((4, 4), dtype="uint8"))
    with rasterio.open(path) as ds:
        assert lunar_crs_code(ds.crs.to_wkt()) == SOUTH_POLAR_CODE


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:4326",
        "EPSG:3031",  # Antarctic polar stereographic: right shape, wrong body
        "+proj=stere +lat_0=90 +R=1737400",  # north polar on the Moon
        "+proj=stere +lat_0=-90 +lon_0=90 +R=1737400",  # rotated meridian
        "IAU_2015:49900",  # Mars
    ],
)
def test_lunar_crs_code__rejects_other_crss(crs):
    assert lunar_crs_code(crs) is None


def test_require_lunar_crs__earth_crs_is_an_error_naming_the_file():
    with pytest.raises(CRSError, match=r"x\.tif is in 'WGS 84', an Earth CRS \(ellipsoid semi-major axis 6,378,137 m"):
        require_lunar_crs("EPSG:4326", "x.tif")


def test_require_lunar_crs__missing_crs_says_how_to_assign_one():
    with pytest.raises(CRSError, match=r"dem\.tif has no coordinate reference system.*gdal_edit\.py -a_srs"):
        require_lunar_crs(None, "dem.tif")


def test_require_lunar_crs__wrong_lunar_crs_for_the_operation():
    with pytest.raises(CRSError, match=r"is in IAU_2015:30100; this operation needs IAU_2015:30135"):
        require_lunar_crs(LONLAT_CODE, "layer", expected=SOUTH_POLAR_CODE)


def test_crs_error_is_also_value_error():
    assert issubclass(CRSError, LunarmapError) and issubclass(CRSError, ValueError)
