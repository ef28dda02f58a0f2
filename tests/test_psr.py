"""PSR area inside polygons on the sphere: analytic answers, exactextract, and the outlines."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rasterio.features import rasterize
from rasterio.windows import Window
from shapely.geometry import MultiPolygon, Point, Polygon, box

from lunarmap import psr as psr_module
from lunarmap.crs import SOUTH_POLAR
from lunarmap.errors import DataMissingError, GeometryError, RasterError
from lunarmap.geodesy import area_km2, cap_area_km2, geodesic_circle
from lunarmap.psr import coverage_fractions, psr_area_in, psr_area_in_many, psr_outlines
from lunarmap.rasters import PREPARED
from lunarmap.terrain import scale_factor_grid

PX = 60.0


@pytest.fixture
def psr_dir(tmp_path, make_raster):
    """A prepared folder holding a synthetic mask (and its outlines); call it with the mask and its origin."""
    def _make(mask: np.ndarray, origin=(-3000.0, 3000.0)):
        (tmp_path / "prepared").mkdir(exist_ok=True)
        path = make_raster(mask.astype("uint8"), origin=origin, pixel_m=PX, nodata=255, name=f"prepared/{PREPARED['psr']}")
        with rasterio.open(path) as ds:
            frame = psr_outlines(ds.read(1), ds.transform)
            ids = rasterize(zip(frame.geometry, frame["id"], strict=True), out_shape=ds.shape, transform=ds.transform,
                            dtype="uint32") if len(frame) else np.zeros(ds.shape, "uint32")
        frame.to_file(tmp_path / "prepared" / PREPARED["psr_outlines"], driver="GPKG")
        make_raster(ids, origin=origin, pixel_m=PX, nodata=0, name=f"prepared/{PREPARED['psr_ids']}")
        return tmp_path
    return _make


def test_psr_area_in__all_psr_circle_at_the_pole_is_the_cap_area(psr_dir) -> None:
    """Exact fractional coverage: a 2 km circle on an all-PSR grid gives the spherical cap's area."""
    root = psr_dir(np.ones((100, 100)))
    stats = psr_area_in(geodesic_circle(0.0, -90.0, 2.0), root)
    assert stats.psr_area_km2 == pytest.approx(cap_area_km2(2.0), rel=2e-4)   # 360-gon vs cap: 5e-5
    assert stats.valid_area_km2 == pytest.approx(stats.psr_area_km2)
    assert stats.covered_fraction == pytest.approx(1.0, abs=2e-4)
    assert stats.psr_count == 1 and stats.resolution_m == 60.0 and stats.product == "psr_60m"
    assert "fractional" in stats.method


def test_psr_area_in__half_psr_and_true_area_away_from_pole(psr_dir) -> None:
    """200 km from the pole each pixel's true area is p^2/k^2; a box over a half-PSR grid gets half of it."""
    mask = np.zeros((40, 40))
    mask[:, :20] = 1
    x0, y0 = 200_000.0, 1_200.0
    root = psr_dir(mask, origin=(x0, y0))
    poly = box(x0 + 30.0, y0 - 2370.0, x0 + 2370.0, y0 - 30.0)       # cuts through the outer pixels
    stats = psr_area_in(poly, root)
    k = scale_factor_grid(rasterio.transform.from_origin(x0, y0, PX, PX), (40, 40))
    frac = np.ones((40, 40))
    frac[0, :] = frac[-1, :] = 0.5
    frac[:, 0] *= 0.5
    frac[:, -1] *= 0.5
    true = frac * PX * PX / k**2 / 1e6
    assert stats.psr_area_km2 == pytest.approx(true[:, :20].sum(), rel=1e-9)
    assert stats.valid_area_km2 == pytest.approx(true.sum(), rel=1e-9)
    assert stats.psr_fraction == pytest.approx(0.5, abs=1e-3)
    assert stats.covered_fraction == pytest.approx(1.0, abs=1e-3)
    assert 1 / float(k.mean()) ** 2 < 0.9999    # the correction matters here


def test_psr_area_in__partly_outside_and_nodata_lower_the_covered_fraction(psr_dir) -> None:
    mask = np.ones((50, 50))
    mask[:, 40:] = 255                          # the right fifth is nodata
    root = psr_dir(mask)
    half_out = box(-3000.0 - 1500.0, -0.0, -3000.0 + 1500.0, 1500.0)  # half of it west of the grid
    s = psr_area_in(half_out, root)
    assert s.covered_fraction == pytest.approx(0.5, abs=1e-3)
    assert s.psr_area_km2 == pytest.approx(0.5 * area_km2(half_out), rel=1e-3)
    s2 = psr_area_in(box(-1200.0, 1500.0, 0.0, 2700.0), root)       # the grid spans x -3000..0; -600..0 is nodata
    assert s2.covered_fraction == pytest.approx(0.5, abs=1e-3)


def test_psr_area_in__entirely_outside_gives_nan_not_zero(psr_dir) -> None:
    root = psr_dir(np.ones((10, 10)))
    s = psr_area_in(geodesic_circle(0.0, -80.0, 5.0), root)
    assert np.isnan(s.psr_area_km2) and np.isnan(s.valid_area_km2) and np.isnan(s.psr_fraction)
    assert s.covered_fraction == 0.0 and s.psr_count == 0


def test_psr_area_in__all_nodata_window_gives_nan(psr_dir) -> None:
    root = psr_dir(np.full((10, 10), 255))
    s = psr_area_in(box(-2000.0, 2000.0, -1000.0, 2900.0), root)
    assert np.isnan(s.psr_area_km2) and s.covered_fraction == 0.0


@pytest.mark.parametrize("bad, match", [
    (Point(0, 0), r"needs a non-empty Polygon or MultiPolygon .*\(got Point\)"),
    (Polygon(), r"\(got Polygon \(empty\)\)"),
    (None, r"\(got NoneType\)"),
    (Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]), r"polygon is invalid \(Self-intersection"),
])
def test_psr_area_in__bad_geometry_is_refused(psr_dir, bad, match) -> None:
    root = psr_dir(np.ones((10, 10)))
    with pytest.raises(GeometryError, match=match):
        psr_area_in(bad, root)


def test_psr_area_in__counts_outlines_with_area_inside(psr_dir) -> None:
    mask = np.zeros((50, 50))
    mask[5:10, 5:10] = 1        # x -2700..-2400, y 2400..2700
    mask[30:35, 30:35] = 1      # x -1200..-900,  y 900..1200
    root = psr_dir(mask)
    assert psr_area_in(box(-2800.0, 2300.0, -2500.0, 2600.0), root).psr_count == 1
    assert psr_area_in(box(-2800.0, 800.0, -800.0, 2600.0), root).psr_count == 2
    assert psr_area_in(box(-2000.0, 1500.0, -1500.0, 2000.0), root).psr_count == 0


def test_psr_area_in__outline_only_touching_the_polygon_is_not_counted(psr_dir) -> None:
    """A polygon sharing only an edge with a PSR outline has no PSR area in it and counts no outline."""
    mask = np.zeros((50, 50))
    mask[5:10, 5:10] = 1        # x -2700..-2400, y 2400..2700
    root = psr_dir(mask)
    s = psr_area_in(box(-2400.0, 2400.0, -2000.0, 2700.0), root)
    assert s.psr_area_km2 == 0.0 and s.psr_count == 0 and s.valid_area_km2 > 0


# ----------------------------------------------------------------- exact coverage against GEOS
def _geos_fractions(geom, t: Affine, shape_) -> np.ndarray:
    """Each pixel square intersected with the polygon by GEOS (shapely), area over pixel area."""
    rows, cols = np.mgrid[0: shape_[0], 0: shape_[1]]
    x0, y0 = t.c + cols * t.a, t.f + rows * t.e
    boxes = shapely.box(x0, y0 + t.e, x0 + t.a, y0)
    return shapely.area(shapely.intersection(boxes, geom)) / abs(t.a * t.e)


@st.composite
def star_polygons(draw):
    """Star-shaped polygons (some with a hole, some with a second part) around a point of a small grid."""
    n = draw(st.integers(3, 24))
    angles = np.sort(np.array(draw(st.lists(st.floats(0.0, 2 * np.pi), min_size=n, max_size=n, unique=True))))
    radii = np.array(draw(st.lists(st.floats(1.0, 9.0), min_size=n, max_size=n)))
    cx, cy = draw(st.floats(-4.0, 4.0)), draw(st.floats(-4.0, 4.0))
    poly = Polygon(np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)]))
    assume(poly.is_valid and poly.area > 0.1)
    hole = Point(cx, cy).buffer(0.6, quad_segs=2)
    if draw(st.booleans()) and poly.contains(hole):
        poly = Polygon(poly.exterior, [hole.exterior])
    if draw(st.booleans()):
        poly = MultiPolygon([poly, box(cx + 11.0, cy, cx + 13.3, cy + 2.7)])   # right of every star
    return poly


@settings(max_examples=60, deadline=None)
@given(poly=star_polygons(), pixel=st.sampled_from([0.7, 1.0, 1.9]))
def test_coverage_fractions__equal_pixel_squares_intersected_by_geos(poly, pixel) -> None:
    """Exact fractions: every pixel (on the edge, inside, outside, and where the grid cuts the polygon) as GEOS gives."""
    assert poly.is_valid
    t = Affine(pixel, 0.0, -8.3, 0.0, -pixel, 9.1)       # the grid leaves out parts of most polygons
    shape_ = (int(16 / pixel), int(24 / pixel))
    got = coverage_fractions(poly, t, shape_)
    np.testing.assert_allclose(got, _geos_fractions(poly, t, shape_), rtol=0, atol=1e-12)
    assert got.min() >= 0.0 and got.max() <= 1.0


def test_coverage_fractions__pixel_aligned_box_has_whole_pixels() -> None:
    t = Affine(60.0, 0.0, -300.0, 0.0, -60.0, 300.0)
    got = coverage_fractions(box(-240.0, -120.0, 60.0, 240.0), t, (10, 10))
    expected = np.zeros((10, 10))
    expected[1:7, 1:6] = 1.0
    np.testing.assert_array_equal(got, expected)


def test_coverage_fractions__refuses_a_grid_that_is_not_north_up() -> None:
    with pytest.raises(RasterError, match=r"coverage_fractions: the grid is not a north-up grid .*pixel height < 0"):
        coverage_fractions(box(0.0, 0.0, 1.0, 1.0), Affine(1.0, 0.0, 0.0, 0.0, 1.0, 0.0), (2, 2))


# ----------------------------------------------------------------- batches
def test_psr_area_in_many__same_numbers_as_single_calls_for_a_mixed_set(psr_dir) -> None:
    """Inside, straddling the grid's edge, over nodata, with a hole, entirely outside (NaN), and repeated."""
    mask = np.zeros((100, 100))
    mask[20:60, 30:70] = 1
    mask[80:, 80:] = 255
    root = psr_dir(mask)                                         # x -3000..3000, y -3000..3000
    shapes = [
        geodesic_circle(0.0, -90.0, 1.5),                                            # inside
        box(-3600.0, -600.0, -2400.0, 600.0),                                        # straddles the west edge
        box(1500.0, -2900.0, 2900.0, -1500.0),                                       # half over nodata
        geodesic_circle(0.0, -90.0, 2.5).difference(geodesic_circle(0.0, -90.0, 1.0)),  # a hole
        geodesic_circle(0.0, -80.0, 5.0),                                            # entirely outside
        geodesic_circle(0.0, -90.0, 1.5),                                            # again
    ]
    batch = psr_area_in_many(shapes, root)
    assert len(batch) == len(shapes)
    for got, shape_ in zip(batch, shapes, strict=True):
        one = psr_area_in(shape_, root)
        if np.isnan(one.psr_area_km2):
            assert np.isnan(got.psr_area_km2) and np.isnan(got.valid_area_km2) and got.covered_fraction == 0.0
            assert got.psr_count == 0
            continue
        assert got.psr_area_km2 == pytest.approx(one.psr_area_km2, rel=1e-12, abs=1e-15)
        assert got.valid_area_km2 == pytest.approx(one.valid_area_km2, rel=1e-12)
        assert got.covered_fraction == pytest.approx(one.covered_fraction, rel=1e-12)
        assert got.psr_count == one.psr_count
    assert np.isnan(batch[4].psr_area_km2)
    assert batch[1].covered_fraction == pytest.approx(0.5, abs=1e-3)
    assert batch[2].covered_fraction == pytest.approx(1.0 - (1100 / 1400) ** 2, abs=1e-4)   # nodata x>1800, y<-1800
    assert psr_area_in_many([], root) == []


class _RecordingDataset:
    """Stands in for an open raster: records the windows read."""

    def __init__(self) -> None:
        self.reads: list[Window] = []

    def read(self, band: int, window: Window) -> np.ndarray:
        self.reads.append(window)
        rows, cols = np.mgrid[0: window.height, 0: window.width]
        return (window.row_off + rows) * 10_000 + window.col_off + cols      # each pixel tells where it is


def test_psr_area_in_many__reads_one_covering_window_only_for_polygons_close_together() -> None:
    near = [Window(100, 100, 50, 50), Window(140, 120, 50, 50), None]
    ds = _RecordingDataset()
    read = psr_module._reader(ds, near)
    assert ds.reads == [Window(100, 100, 90, 70)]        # 6,300 px for two windows of 2,500 px
    rows, cols = np.mgrid[120:170, 140:190]
    np.testing.assert_array_equal(read(near[1]), rows * 10_000 + cols)
    assert len(ds.reads) == 1
    far = [Window(0, 0, 50, 50), Window(5000, 5000, 50, 50)]
    ds = _RecordingDataset()
    read = psr_module._reader(ds, far)
    assert ds.reads == []                                # never the 25 M px between them
    read(far[1])
    assert ds.reads == [far[1]]


@pytest.mark.parametrize("bad, match", [
    ([box(0, 0, 1, 1), Point(0, 0)], r"psr_area_in_many \(polygon 1\) needs a non-empty Polygon .*\(got Point\)"),
    (box(0, 0, 1, 1), r"psr_area_in_many needs a list of polygons \(got Polygon\); pass \[polygon\]"),
])
def test_psr_area_in_many__bad_input_is_refused(psr_dir, bad, match) -> None:
    root = psr_dir(np.ones((10, 10)))
    with pytest.raises(GeometryError, match=match):
        psr_area_in_many(bad, root)


def test_psr_area_in__needs_prepared_mask(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"does not exist; fetch the data"):
        psr_area_in(geodesic_circle(0.0, -90.0, 5.0), tmp_path)


def test_psr_outlines__blobs_holes_and_areas() -> None:
    mask = np.zeros((12, 12), dtype="uint8")
    mask[1:6, 1:6] = 1
    mask[3, 3] = 0                 # a hole
    mask[8:10, 8:11] = 1
    mask[11, 0] = 255
    t = rasterio.transform.from_origin(-360.0, 360.0, PX, PX)
    frame = psr_outlines(mask, t)
    assert list(frame["id"]) == [1, 2] and sorted(frame["n_pixels"]) == [6, 24]
    big = frame.loc[frame["n_pixels"] == 24].geometry.iloc[0]
    assert len(big.interiors) == 1
    # Within 700 m of the pole k^2 - 1 < 1e-7, so true areas are the pixel areas (0.0036 km2 each).
    np.testing.assert_allclose(sorted(frame["area_km2"]), [6 * 0.0036, 24 * 0.0036], rtol=1e-6)
    assert frame.crs.equals(SOUTH_POLAR)


# ----------------------------------------------------------------- real data
def _true_area_weights(path, geom, out):
    """A raster of each pixel's true area (km2) over the polygon's window, for exactextract."""
    from lunarmap.rasters import read_window
    arr, t = read_window(path, geom.bounds)
    weights = (PX * PX / scale_factor_grid(t, arr.shape) ** 2 / 1e6).astype("float64")
    is_psr = np.where(np.isnan(arr), np.nan, (arr == 1).astype("float64"))
    prof = {"driver": "GTiff", "width": arr.shape[1], "height": arr.shape[0], "count": 1, "dtype": "float64",
            "crs": rasterio.crs.CRS.from_wkt(SOUTH_POLAR.to_wkt()), "transform": t, "nodata": np.nan}
    for name, data in (("psr.tif", is_psr), ("w.tif", weights)):
        with rasterio.open(out / name, "w", **prof) as dst:
            dst.write(data, 1)
    return out / "psr.tif", out / "w.tif"


@pytest.fixture
def grid_only(monkeypatch):
    """The 60 m grid alone, as without the official outlines (which the real data folder has prepared)."""
    monkeypatch.setattr(psr_module, "load_official", lambda data_dir=None: None)


@pytest.mark.realdata
def test_psr_share_of_the_60m_grid_is_10_5_percent(prepared_data_dir, grid_only) -> None:
    """MANIFEST: 10.5% of the 60 m grid is PSR; by pixel count and by true area over the whole grid."""
    with rasterio.open(prepared_data_dir / "prepared" / PREPARED["psr"]) as ds:
        mask = ds.read(1)
        bounds = ds.bounds
    share = np.count_nonzero(mask == 1) / np.count_nonzero(mask != 255)
    assert share == pytest.approx(0.105, abs=0.005)
    whole = psr_area_in(box(*bounds), prepared_data_dir)
    assert whole.psr_fraction == pytest.approx(0.105, abs=0.005)


@pytest.mark.realdata
@pytest.mark.parametrize("radius_km", [20.0, 50.0])
# Both CRSs are IAU_2015:30135, one as written by pyproj and one as read back from GeoTIFF WKT.
@pytest.mark.filterwarnings("ignore:Spatial reference system of input features:RuntimeWarning")
def test_psr_area_in__circle_at_pole_matches_outlines_and_exactextract(prepared_data_dir, tmp_path, radius_km,
                                                                       grid_only) -> None:
    """The raster sum equals the outlines clipped to the circle, and exactextract weighted by true pixel area.

    Outlines follow pixel edges exactly, so clipped outline areas (geodesic) and
    fractional pixel areas (p^2/k^2 at the centre) differ only by the variation
    of k across one pixel and the 1 km densification of the geodesic area:
    well under 0.05%.
    """
    from exactextract import exact_extract

    circle = geodesic_circle(0.0, -90.0, radius_km)
    stats = psr_area_in(circle, prepared_data_dir)
    outlines = gpd.read_file(prepared_data_dir / "prepared" / PREPARED["psr_outlines"])
    hit = outlines[shapely.intersects(outlines.geometry.values, circle)]
    clipped_km2 = float(np.sum(area_km2(shapely.intersection(hit.geometry.values, circle))))
    assert stats.psr_area_km2 == pytest.approx(clipped_km2, rel=5e-4)
    assert stats.psr_count == len(hit)
    psr_tif, w_tif = _true_area_weights(prepared_data_dir / "prepared" / PREPARED["psr"], circle, tmp_path)
    vec = gpd.GeoDataFrame({"id": [1]}, geometry=[circle], crs=SOUTH_POLAR)
    res = exact_extract(psr_tif, vec, ["weighted_sum"], weights=w_tif, output="pandas")
    assert stats.psr_area_km2 == pytest.approx(float(res["weighted_sum"].iloc[0]), rel=0.01)
    assert stats.covered_fraction == pytest.approx(1.0, abs=1e-3)
    assert stats.valid_area_km2 == pytest.approx(cap_area_km2(radius_km), rel=1e-3)
