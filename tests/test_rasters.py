"""Sampling and windowed reads: exact bilinear on planes, NaN for no data, lunar CRSs enforced."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio

from lunarmap.crs import LONLAT, lonlat_to_polar, polar_to_lonlat
from lunarmap.errors import CRSError, DataMissingError, GeometryError, OutsideRasterError, RasterError
from lunarmap.product_sampling import sample_elevation_m, sample_slope_deg
from lunarmap.rasters import (
    SOURCE_DEM,
    SOURCE_DEM_5M,
    read_window,
    sample_raster,
)

from . import cases

X0, Y0, PX = 75_000.0, 40_000.0, 60.0   # a grid about 85 km from the pole
A, B, C = 120.0, 0.013, -0.021          # plane: z = A + B x + C y


def _plane_raster(make_raster, shape=(40, 50), dtype="float32", **kw):
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    x = X0 + PX * (cols + 0.5)
    y = Y0 - PX * (rows + 0.5)
    return make_raster((A + B * x + C * y).astype(dtype), origin=(X0, Y0), pixel_m=PX, **kw)


def _lonlat_inside(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = X0 + PX * rng.uniform(0.5, 49.5, n)   # inside the hull of pixel centres
    y = Y0 - PX * rng.uniform(0.5, 39.5, n)
    lon, lat = polar_to_lonlat(x, y)
    return np.asarray(lon), np.asarray(lat), x, y


def test_sample_raster__bilinear_of_a_tilted_plane_is_exact(make_raster) -> None:
    path = _plane_raster(make_raster, dtype="float64")
    lon, lat, x, y = _lonlat_inside(500)
    got = sample_raster(path, lon, lat)
    np.testing.assert_allclose(got.values, A + B * x + C * y, rtol=0, atol=1e-6)
    assert got.resolution_m == 60.0 and got.product == "r"


def test_sample_raster__scalar_gives_0d_and_shapes_are_kept(make_raster) -> None:
    path = _plane_raster(make_raster)
    lon, lat, _, _ = _lonlat_inside(6)
    one = sample_raster(path, float(lon[0]), float(lat[0]))
    assert one.values.shape == () and np.isfinite(one.values)
    grid = sample_raster(path, lon.reshape(2, 3), lat.reshape(2, 3))
    assert grid.values.shape == (2, 3)
    np.testing.assert_allclose(grid.values.ravel(), sample_raster(path, lon, lat).values)


def test_sample_raster__single_point_outside_raises(make_raster) -> None:
    path = _plane_raster(make_raster)
    with pytest.raises(OutsideRasterError, match=r"point \(lon 0.0, lat -80.0\) is outside raster .*choose a point it covers"):
        sample_raster(path, 0.0, -80.0)


def test_sample_raster__array_outside_gives_nan_not_zero(make_raster) -> None:
    path = _plane_raster(make_raster)
    lon, lat, _, _ = _lonlat_inside(1)
    got = sample_raster(path, [0.0, float(lon[0])], [-80.0, float(lat[0])]).values
    assert np.isnan(got[0]) and np.isfinite(got[1])


def test_sample_raster__nodata_gives_nan_and_zero_weight_neighbours_do_not(make_raster) -> None:
    arr = np.full((5, 5), 7.0, dtype="float32")
    arr[2, 3] = -9999.0
    path = make_raster(arr, origin=(X0, Y0), pixel_m=PX, nodata=-9999.0)
    centre = lambda r, c: polar_to_lonlat(X0 + PX * (c + 0.5), Y0 - PX * (r + 0.5))  # noqa: E731
    between = polar_to_lonlat(X0 + PX * 3.0, Y0 - PX * 2.5)   # halfway between (2,2) and (2,3)
    lon, lat = zip(centre(2, 2), between, centre(2, 3), strict=True)
    got = sample_raster(path, np.array(lon), np.array(lat)).values
    assert got[0] == pytest.approx(7.0) and np.isnan(got[1]) and np.isnan(got[2])


def test_sample_raster__scale_and_offset_applied(make_raster) -> None:
    path = make_raster(np.full((4, 4), 100, dtype="int16"), origin=(X0, Y0), pixel_m=PX)
    with rasterio.open(path, "r+") as ds:
        ds.scales, ds.offsets = (0.5,), (10.0,)
    lon, lat = polar_to_lonlat(X0 + 2 * PX, Y0 - 2 * PX)
    assert float(sample_raster(path, lon, lat).values) == pytest.approx(60.0)


def test_sample_raster__nearest_for_classes(make_raster) -> None:
    arr = np.array([[0, 1], [1, 0]], dtype="uint8")
    path = make_raster(arr, origin=(X0, Y0), pixel_m=PX)
    lon, lat = polar_to_lonlat(X0 + 0.9 * PX, Y0 - 0.2 * PX)
    assert float(sample_raster(path, lon, lat, method="nearest").values) == 0.0
    with pytest.raises(RasterError, match=r"method must be 'bilinear' or 'nearest' \(got 'cubic'\)"):
        sample_raster(path, lon, lat, method="cubic")


def test_sample_raster__global_lonlat_grid_wraps_the_180_meridian(make_raster) -> None:
    """Between the last column centre (179.5 E) and the first (-179.5 E) values blend across the seam."""
    cols = np.tile(np.arange(360, dtype="float64"), (180, 1))
    path = make_raster(cols, origin=(-180.0, 90.0), pixel_m=1.0, crs=LONLAT)
    got = sample_raster(path, [179.75, -179.75, 180.0, 359.5], [-45.3, -45.3, -45.3, -45.3]).values
    # 359.5 E is -0.5 E, the centre of column 179.
    np.testing.assert_allclose(got, [0.75 * 359, 0.25 * 359, 0.5 * 359, 179.0], atol=1e-9)


@pytest.mark.parametrize(("lon", "lat"), [cases.ON_180, cases.ON_MINUS_180])
def test_sample_raster__global_lonlat_grid_same_value_at_plus_and_minus_180(make_raster, lon, lat) -> None:
    """+180 and -180 are one meridian: half way between the last column (359) and the first (0)."""
    cols = np.tile(np.arange(360, dtype="float64"), (180, 1))
    path = make_raster(cols, origin=(-180.0, 90.0), pixel_m=1.0, crs=LONLAT)
    assert float(sample_raster(path, lon, lat).values) == pytest.approx(0.5 * 359, abs=1e-9)


@pytest.mark.parametrize(("lon", "lat"), [cases.SOUTH_POLE, cases.SOUTH_POLE_OTHER_LON])
def test_sample_raster__polar_grid_at_exactly_the_pole_whatever_its_longitude(make_raster, lon, lat) -> None:
    """The pole is the map origin for every longitude: bilinear on a plane there gives the plane's value at (0, 0)."""
    rows, cols = np.mgrid[0:100, 0:100]
    x, y = -3000.0 + PX * (cols + 0.5), 3000.0 - PX * (rows + 0.5)
    path = make_raster((A + B * x + C * y).astype("float64"))          # 6 x 6 km centred on the pole
    assert float(sample_raster(path, lon, lat).values) == pytest.approx(A, abs=1e-9)


@pytest.mark.parametrize(("lon", "lat", "named"), cases.BAD_POINTS)
def test_sample_raster__bad_points_are_refused_naming_the_value(make_raster, lon, lat, named) -> None:
    path = _plane_raster(make_raster)
    with pytest.raises(GeometryError, match=rf"{named} is outside the Moon's range"):
        sample_raster(path, [lon], [lat])


def test_sample_raster__global_lonlat_grid_reaches_the_pole(make_raster) -> None:
    """South of the last row of centres the value blends towards the mean of that row, which is the pole's."""
    arr = np.zeros((180, 360))
    arr[-1, :] = np.arange(360.0)
    path = make_raster(arr, origin=(-180.0, 90.0), pixel_m=1.0, crs=LONLAT)
    got = sample_raster(path, [10.0, 10.0], [-90.0, -89.75]).values
    mean_row = np.arange(360.0).mean()
    # At 89.75 S (a quarter pixel beyond the last centres, half way to the pole): half row value, half pole value.
    np.testing.assert_allclose(got, [mean_row, 0.5 * 189.5 + 0.5 * mean_row], atol=1e-9)


def test_sample_raster__no_crs_is_refused(make_raster) -> None:
    path = make_raster(np.zeros((3, 3), "float32"), crs=None)
    with pytest.raises(CRSError, match=r"has no coordinate reference system; lunarmap needs lunar coordinates"):
        sample_raster(path, 0.0, -90.0)


@pytest.mark.parametrize("earth", ["EPSG:4326", "EPSG:3031"])
def test_sample_raster__earth_crs_is_refused(make_raster, earth: str) -> None:
    path = make_raster(np.zeros((3, 3), "float32"), crs=earth)
    with pytest.raises(CRSError, match=r"an Earth CRS .*the Moon's is 1,737,400 m"):
        sample_raster(path, [0.0], [-90.0])


def test_sample_raster__missing_file_and_bad_points(tmp_path, make_raster) -> None:
    with pytest.raises(DataMissingError, match=r"does not exist; fetch the data"):
        sample_raster(tmp_path / "nope.tif", 0.0, -90.0)
    path = _plane_raster(make_raster)
    with pytest.raises(GeometryError, match=r"latitude -91.0 is outside the Moon's range"):
        sample_raster(path, 0.0, -91.0)
    with pytest.raises(RasterError, match=r"band 2 does not exist in raster .* bands 1..1"):
        sample_raster(path, [0.0], [-90.0], band=2)


def test_sample_raster__unreadable_file(tmp_path) -> None:
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(RasterError, match=r"cannot be read"):
        sample_raster(bad, 0.0, -90.0)


def test_read_window__native_pixels_and_transform(make_raster) -> None:
    path = _plane_raster(make_raster, dtype="float64")
    arr, t = read_window(path, (X0 + 100.0, Y0 - 700.0, X0 + 400.0, Y0 - 130.0))
    assert (t.a, t.e) == (PX, -PX) and (t.c, t.f) == (X0 + 60.0, Y0 - 120.0)
    assert arr.shape == (10, 6)
    cx = t.c + PX * (np.arange(arr.shape[1]) + 0.5)
    cy = t.f - PX * (np.arange(arr.shape[0]) + 0.5)
    np.testing.assert_allclose(arr, A + B * cx[None, :] + C * cy[:, None], atol=1e-9)


def test_read_window__outside_and_wrong_crs(make_raster) -> None:
    path = _plane_raster(make_raster)
    with pytest.raises(OutsideRasterError, match=r"do not overlap raster"):
        read_window(path, (0.0, 0.0, 1000.0, 1000.0))
    with pytest.raises(GeometryError, match=r"minx < maxx"):
        read_window(path, (10.0, 0.0, 0.0, 1000.0))
    ll = make_raster(np.zeros((180, 360), "float32"), origin=(-180.0, 90.0), pixel_m=1.0, crs=LONLAT, name="ll.tif")
    with pytest.raises(CRSError, match=r"is in IAU_2015:30100; this operation needs IAU_2015:30135"):
        read_window(ll, (0.0, 0.0, 1000.0, 1000.0))


def test_sample_elevation_m__finest_product_per_point(tmp_path, make_raster) -> None:
    """The 5 m crop wins where it covers; the global grid elsewhere; per-point resolution says which."""
    make_raster(np.full((512, 1024), 100.0, "float32"), origin=(-180.0, 90.0), pixel_m=0.3515625, crs=LONLAT,
                name=SOURCE_DEM)
    crop = np.full((20, 20), 7.0, "float32")
    crop[0, 0] = np.nan
    make_raster(crop, origin=(X0, Y0), pixel_m=5.0, nodata=float("nan"), name=SOURCE_DEM_5M)
    inside = polar_to_lonlat(X0 + 50.0, Y0 - 50.0)
    corner = polar_to_lonlat(X0 + 1.0, Y0 - 1.0)            # nodata in the crop: falls back
    lon = np.array([inside[0], corner[0], -153.9852])
    lat = np.array([inside[1], corner[1], -41.6385])
    got = sample_elevation_m(lon, lat, data_dir=tmp_path)
    np.testing.assert_allclose(got.values, [7.0, 100.0, 100.0])
    np.testing.assert_allclose(got.resolution_m, [5.0, math.radians(0.3515625) * 1_737_400.0, got.resolution_m[1]])
    assert got.product == "pgda78_shoemaker_5m_crop + lola_global_dem_0p35deg" and got.units == "m"
    one = sample_elevation_m(-153.9852, -41.6385, data_dir=tmp_path)
    assert one.values.shape == () and isinstance(one.resolution_m, float)


def test_sample_slope_deg__needs_prepared_layers(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"run python -m lunarmap prepare first"):
        sample_slope_deg(0.0, -90.0, data_dir=tmp_path)


@pytest.mark.realdata
def test_sample_elevation_m__change6_matches_lroc(prepared_data_dir) -> None:
    """Chang'e 6 (41.6385 S, 153.9852 W): LROC gives -5256 m; the 10 km grid agrees within its local relief."""
    got = sample_elevation_m(-153.9852, -41.6385, prepared_data_dir)
    assert got.product == "lola_global_dem_0p35deg" and got.resolution_m == pytest.approx(10_660.6, abs=1)
    with rasterio.open(prepared_data_dir / SOURCE_DEM) as ds:   # nearest pixel, read by rasterio itself
        nearest = next(ds.sample([(-153.9852, -41.6385)]))[0] * ds.scales[0]
        r, c = ds.index(-153.9852, -41.6385)
        around = ds.read(1, window=((r - 1, r + 2), (c - 1, c + 2))) * ds.scales[0]
    assert nearest == -5260.0                                 # MANIFEST's check
    relief = float(around.max() - around.min())               # the grid's uncertainty at this point
    assert abs(float(got.values) - (-5256.0)) <= relief
    assert abs(float(got.values) - nearest) <= relief


@pytest.mark.realdata
def test_sample_elevation_m__shoemaker_crop_used_where_it_covers(prepared_data_dir) -> None:
    with rasterio.open(prepared_data_dir / SOURCE_DEM_5M) as ds:
        x, y = ds.xy(100, 120)
        direct = float(ds.read(1)[100, 120])
    lon, lat = polar_to_lonlat(x, y)
    got = sample_elevation_m([lon, 0.0], [lat, -88.0], prepared_data_dir)
    assert got.values[0] == pytest.approx(direct, abs=1e-3)
    np.testing.assert_allclose(got.resolution_m, [5.0, 1_600.0], atol=0.1)   # 88 S: the 1.6 km polar DEM
    assert got.product == "pgda78_shoemaker_5m_crop + ldem256_south_polar_1600m"
    slope = sample_slope_deg([lon, 0.0], [lat, -88.0], prepared_data_dir)
    assert slope.resolution_m[0] == 5.0 and slope.resolution_m[1] == 1_600.0 and np.all(np.isfinite(slope.values))


@pytest.mark.realdata
def test_sample_slope_deg__polar_layer_reaches_40s(prepared_data_dir) -> None:
    lon = np.array([177.5991, -153.9852, 0.0, 90.0])
    lat = np.array([-45.4446, -41.6385, -40.0, -89.0])
    got = sample_slope_deg(lon, lat, prepared_data_dir)
    assert np.all(np.isfinite(got.values)) and np.all((got.values >= 0) & (got.values < 60))
    from lunarmap.prepare import HALF_EXTENT_M
    _, y = lonlat_to_polar(0.0, -30.0)
    assert y > HALF_EXTENT_M                                   # on the +y axis, beyond the grid's edge
    assert np.isnan(sample_slope_deg(0.0, -30.0, prepared_data_dir).values)
