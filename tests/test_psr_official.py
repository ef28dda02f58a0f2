"""The official LOLA PSR outlines: preparing them, and PSR areas and points from them plus the 60 m grid."""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod, Transformer
from rasterio.features import rasterize
from shapely.geometry import Polygon, box

from lunarmap import psr as psr_module
from lunarmap.crs import MOON_RADIUS_M, SOUTH_POLAR, lonlat_to_polar, lunar_crs_code, polar_to_lonlat
from lunarmap.errors import DataMissingError, RasterError
from lunarmap.geodesy import area_km2, geodesic_circle
from lunarmap.product_sampling import sample_psr
from lunarmap.psr import COMBINED_METHOD, psr_area_in, psr_area_in_many, psr_outlines
from lunarmap.psr_official import (
    GRID_LINKS_LAYER,
    OFFICIAL_HALF_WIDTH_M,
    OFFICIAL_LAYER,
    OFFICIAL_PRODUCT,
    load_official,
    official_psr_at,
    read_official_source,
    write_official,
)
from lunarmap.rasters import PREPARED, SOURCE_PSR_POLYGONS

from .conftest import SHARED_DATA

#: The synthetic sources are written without a CRS on purpose: the official shapefile has no .prj.
pytestmark = pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")

PX = 60.0
R = MOON_RADIUS_M
GEOD = Geod(a=R, b=R)
SHACKLETON_ID = "SP_896450_1282030"
#: Synthetic official outlines: one over part of the grid's PSR block (edges half a pixel off the grid's), one in
#: the 75-85 S ring, one in the map's corner north of 75 S.
ON_GRID = box(-1230.0, -2430.0, 2430.0, 1230.0)
IN_RING = box(300_000.0, 0.0, 305_000.0, 5_000.0)
IN_CORNER = box(400_000.0, 400_000.0, 402_000.0, 402_000.0)


def geod_area_km2(geom_polar) -> float:
    """Independent area: the polygon densified to 50 m in the map, to lon/lat, then pyproj.Geod on the sphere."""
    to_ll = Transformer.from_crs(SOUTH_POLAR, f"+proj=longlat +R={R}", always_xy=True)
    total = 0.0
    for part in shapely.get_parts(geom_polar):
        ll = shapely.transform(shapely.segmentize(part, 50.0), lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        total += abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(ll))[0])
    return total / 1e6


def write_source(path, geoms, ids=None, fields=None) -> None:
    """A shapefile like the official one, with no .prj."""
    n = len(geoms)
    data = fields if fields is not None else {
        "area": [float(g.area) / 1e6 for g in geoms], "ID": list(range(1, n + 1)),
        "latitude": [-80.0] * n, "longitude": [350.0] * n,
        "PSR_ID": ids or [f"SP_TEST_{i}" for i in range(n)], "perimeter": [1.0] * n}
    path.parent.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame(data, geometry=list(geoms)).to_file(path)
    assert not path.with_suffix(".prj").exists()


@pytest.fixture
def data_dir(tmp_path, make_raster):
    """A data folder with a synthetic 60 m grid at the pole (its outlines and ids) and the official outlines prepared.

    Grid: a PSR block of 40 x 40 pixels (x -1800..600, y -600..1800) and a separate 5 x 5 block (x 1800..2100,
    y -2100..-1800); the official outline ON_GRID covers part of the big block and the small block.
    """
    mask = np.zeros((100, 100), dtype="uint8")
    mask[20:60, 20:60] = 1
    mask[80:85, 80:85] = 1
    (tmp_path / "prepared").mkdir()
    path = make_raster(mask, origin=(-3000.0, 3000.0), pixel_m=PX, nodata=255, name=f"prepared/{PREPARED['psr']}")
    with rasterio.open(path) as ds:
        frame = psr_outlines(ds.read(1), ds.transform)
        ids = rasterize(zip(frame.geometry, frame["id"], strict=True), out_shape=ds.shape, transform=ds.transform,
                        dtype="uint32")
    frame.to_file(tmp_path / "prepared" / PREPARED["psr_outlines"], driver="GPKG")
    make_raster(ids, origin=(-3000.0, 3000.0), pixel_m=PX, nodata=0, name=f"prepared/{PREPARED['psr_ids']}")
    write_source(tmp_path / SOURCE_PSR_POLYGONS, [ON_GRID, IN_RING, IN_CORNER], ids=["SP_GRID", "SP_RING", "SP_CORNER"])
    write_official(tmp_path / SOURCE_PSR_POLYGONS, tmp_path / "prepared" / PREPARED["psr_outlines"],
                   tmp_path / "prepared" / PREPARED["psr_official"])
    return tmp_path


def grid_outlines(root) -> gpd.GeoDataFrame:
    return gpd.read_file(root / "prepared" / PREPARED["psr_outlines"])


# ----------------------------------------------------------------- reading and preparing
def test_read_official_source__sets_the_lunar_crs_and_repairs_polygons(tmp_path) -> None:
    """No .prj: the CRS is set to IAU_2015:30135; a bow-tie becomes valid; areas are geodesic; lon is -180..180."""
    bowtie = Polygon([(250_000, 0), (260_000, 10_000), (260_000, 0), (250_000, 10_000)])
    src = tmp_path / "psr.shp"
    write_source(src, [IN_RING, bowtie])
    frame = read_official_source(src)
    assert lunar_crs_code(frame.crs) == "IAU_2015:30135"
    assert frame.geometry.is_valid.all() and list(frame.geom_type) == ["Polygon", "MultiPolygon"]
    assert frame["area_km2"].iloc[0] == pytest.approx(geod_area_km2(IN_RING), rel=1e-5)
    assert frame["area_km2"].iloc[1] == pytest.approx(geod_area_km2(frame.geometry.iloc[1]), rel=1e-5)
    # 80 S: the map plane is k^2 = (2 / (1 + sin 80 deg))^2 = 1.016 times the sphere; the catalogue gives the map's.
    assert frame["catalogue_area_km2"].iloc[0] / frame["area_km2"].iloc[0] == pytest.approx(1.016, abs=0.002)
    assert frame["lon_deg"].iloc[0] == -10.0 and list(frame["psr_id"]) == ["SP_TEST_0", "SP_TEST_1"]


def test_read_official_source__missing_fields_are_named(tmp_path) -> None:
    src = tmp_path / "psr.shp"
    write_source(src, [IN_RING], fields={"name": ["x"]})
    with pytest.raises(RasterError, match=r"lack the fields \['PSR_ID', 'area', 'latitude', 'longitude'\] "
                                          r"\(have \['name', 'geometry'\]\); fetch LOLA_PSR_75S"):
        read_official_source(src)


def test_read_official_source__outlines_beyond_the_75s_map_are_refused(tmp_path) -> None:
    """Coordinates in degrees or another map would not lie in the +/-457,440 m square: refused, not mislaid."""
    src = tmp_path / "psr.shp"
    write_source(src, [box(400_000, 400_000, 460_000, 401_000)])
    with pytest.raises(RasterError, match=r"reach beyond the 75 S map's square \(bounds .*allowed \+/-457440 m\); "
                                          r"is this the south-polar"):
        read_official_source(src)


def test_read_official_source__missing_file_says_fetch(tmp_path) -> None:
    with pytest.raises(DataMissingError, match=r"psr.shp do not exist; fetch the data \(python -m lunarmap fetch\)"):
        read_official_source(tmp_path / "psr.shp")


def test_write_official__links_grid_outlines_sharing_area(data_dir) -> None:
    """The grid's outlines inside an official outline are listed; those only touching or apart are not."""
    path = data_dir / "prepared" / PREPARED["psr_official"]
    assert gpd.read_file(path, layer=OFFICIAL_LAYER)["psr_id"].tolist() == ["SP_GRID", "SP_RING", "SP_CORNER"]
    links = gpd.read_file(path, layer=GRID_LINKS_LAYER)
    outlines = grid_outlines(data_dir)
    expected = outlines.loc[outlines.intersection(ON_GRID).area > 0, "id"].tolist()
    assert sorted(links["grid_id"].tolist()) == sorted(expected) and len(expected) == 2
    assert set(links["psr_id"]) == {"SP_GRID"}


def test_load_official__none_without_the_prepared_file(tmp_path) -> None:
    assert load_official(tmp_path) is None
    assert official_psr_at(0.0, -89.0, tmp_path) == [None]


# ----------------------------------------------------------------- areas
def test_psr_area_in__official_plus_grid_outside_is_the_area_of_the_union(data_dir) -> None:
    """Not double counted: equals the geodesic area of (official outlines | grid outlines) inside the zone."""
    zone = box(-2700.0, -2700.0, 2700.0, 2700.0)
    stats = psr_area_in(zone, data_dir)
    union = shapely.union_all([*grid_outlines(data_dir).geometry, ON_GRID])
    direct = geod_area_km2(shapely.intersection(union, zone))
    assert stats.psr_area_km2 == pytest.approx(direct, rel=1e-5)
    # Both sources add something, and a plain sum would count their overlap twice.
    grid_km2 = float(np.sum(area_km2(grid_outlines(data_dir).geometry.values)))
    assert stats.psr_area_km2 < grid_km2 + float(area_km2(ON_GRID)) - 1.0
    assert stats.product == f"{OFFICIAL_PRODUCT} + psr_60m" and stats.method == COMBINED_METHOD
    assert stats.covered_fraction == pytest.approx(1.0) and stats.grid_covered_fraction == pytest.approx(1.0, abs=1e-6)
    assert stats.resolution_m == 60.0


def test_psr_area_in__counts_each_psr_once(data_dir) -> None:
    """Official outlines with area inside, plus grid outlines that share no area with an official one."""
    assert psr_area_in(box(-2700.0, -2700.0, 2700.0, 2700.0), data_dir).psr_count == 1
    assert psr_area_in(box(-2700.0, 1500.0, -1500.0, 2700.0), data_dir).psr_count == 1   # grid block's corner only
    assert psr_area_in(box(-2900.0, -2900.0, -2500.0, -2500.0), data_dir).psr_count == 0


def test_psr_area_in__grid_psr_outside_the_outlines_counts_with_exact_fractions(data_dir) -> None:
    """A zone cutting the grid block beside the official outline: the grid's pixels, fractions and all."""
    zone = box(-1790.0, 1300.0, -1250.0, 1790.0)
    stats = psr_area_in(zone, data_dir)
    assert stats.psr_area_km2 == pytest.approx(geod_area_km2(zone), rel=1e-5)
    assert stats.product == f"{OFFICIAL_PRODUCT} + psr_60m"


def test_psr_area_in__ring_beyond_the_grid_uses_the_outlines(data_dir) -> None:
    """75-85 S: the exact geodesic area of the outline's part inside, checked against pyproj.Geod."""
    zone = box(302_000.0, -5_000.0, 310_000.0, 3_000.0)
    stats = psr_area_in(zone, data_dir)
    assert stats.psr_area_km2 == pytest.approx(geod_area_km2(shapely.intersection(zone, IN_RING)), rel=1e-5)
    assert stats.valid_area_km2 == pytest.approx(geod_area_km2(zone), rel=1e-5)
    assert stats.covered_fraction == pytest.approx(1.0) and stats.grid_covered_fraction == 0.0
    assert stats.product == OFFICIAL_PRODUCT and stats.resolution_m == 120.0 and stats.psr_count == 1


def test_psr_area_in__corner_of_the_map_north_of_75s_is_covered(data_dir) -> None:
    zone = box(399_000.0, 399_000.0, 403_000.0, 403_000.0)
    stats = psr_area_in(zone, data_dir)
    assert stats.psr_area_km2 == pytest.approx(geod_area_km2(IN_CORNER), rel=1e-5) and stats.covered_fraction == 1.0


def test_psr_area_in__part_beyond_the_map_is_not_covered(data_dir) -> None:
    h = OFFICIAL_HALF_WIDTH_M
    zone = box(h - 10_000.0, 0.0, h + 10_000.0, 20_000.0)
    stats = psr_area_in(zone, data_dir)
    inside = box(h - 10_000.0, 0.0, h, 20_000.0)
    assert stats.valid_area_km2 == pytest.approx(geod_area_km2(inside), rel=1e-5)
    assert stats.covered_fraction == pytest.approx(geod_area_km2(inside) / geod_area_km2(zone), rel=1e-5)
    assert stats.psr_area_km2 == 0.0


def test_psr_area_in__beyond_the_map_is_nan_not_zero(data_dir) -> None:
    stats = psr_area_in(geodesic_circle(0.0, -60.0, 50.0), data_dir)
    assert np.isnan(stats.psr_area_km2) and np.isnan(stats.valid_area_km2) and stats.covered_fraction == 0.0
    assert stats.product == OFFICIAL_PRODUCT and stats.psr_count == 0


def test_psr_area_in_many__same_as_single_calls_with_the_outlines(data_dir) -> None:
    shapes = [box(-2700.0, -2700.0, 2700.0, 2700.0), box(302_000.0, -5_000.0, 310_000.0, 3_000.0),
              geodesic_circle(0.0, -60.0, 50.0), geodesic_circle(0.0, -90.0, 2.0)]
    for many, shape in zip(psr_area_in_many(shapes, data_dir), shapes, strict=True):
        one = psr_area_in(shape, data_dir)
        assert many == one or (np.isnan(many.psr_area_km2) and np.isnan(one.psr_area_km2))


def test_psr_area_in__without_the_official_file_is_the_grid_alone(data_dir) -> None:
    """Absent psr_official.gpkg: the 60 m grid alone, exactly as before the outlines existed."""
    zone = box(-2700.0, -2700.0, 2700.0, 2700.0)
    (data_dir / "prepared" / PREPARED["psr_official"]).unlink()
    stats = psr_area_in(zone, data_dir)
    grid_km2 = float(np.sum(area_km2(grid_outlines(data_dir).geometry.values)))
    assert stats.psr_area_km2 == pytest.approx(grid_km2, rel=1e-5) and stats.psr_count == 2
    assert stats.product == "psr_60m" and stats.method == psr_module.COVERAGE_METHOD
    assert np.isnan(psr_area_in(box(302_000.0, -5_000.0, 310_000.0, 3_000.0), data_dir).psr_area_km2)


# ----------------------------------------------------------------- points
def test_sample_psr__outlines_then_grid_then_zero_to_the_maps_edge(data_dir) -> None:
    pts = {
        "official over grid 0": (2000.0, 1000.0), "grid PSR outside": (-1500.0, 1500.0), "grid 0": (-2500.0, -2500.0),
        "ring outline": (302_500.0, 2_500.0), "ring, none": (200_000.0, 200_000.0), "corner outline": (401_000.0, 401_000.0),
        "beyond the map": (0.0, 500_000.0),
    }
    lon, lat = polar_to_lonlat(*np.array(list(pts.values())).T)
    got = sample_psr(np.append(lon, 10.0), np.append(lat, 45.0), data_dir)          # and a northern point
    assert got.values.tolist()[:-2] == [1.0, 1.0, 0.0, 1.0, 0.0, 1.0] and np.isnan(got.values[-2:]).all()
    assert got.product == f"{OFFICIAL_PRODUCT} + psr_60m"
    assert got.resolution_m[:6].tolist() == [60.0, 60.0, 60.0, 120.0, 120.0, 120.0]
    one = sample_psr(float(lon[3]), float(lat[3]), data_dir)
    assert one.values == 1.0 and one.product == OFFICIAL_PRODUCT and one.resolution_m == 120.0


def test_sample_psr__without_the_official_file_is_the_grid_alone(data_dir) -> None:
    (data_dir / "prepared" / PREPARED["psr_official"]).unlink()
    lon, lat = polar_to_lonlat(np.array([2000.0, 302_500.0]), np.array([1000.0, 2_500.0]))
    got = sample_psr(lon, lat, data_dir)
    assert got.values[0] == 0.0 and np.isnan(got.values[1]) and got.product == "psr_60m"


def test_official_psr_at__names_the_outline(data_dir) -> None:
    lon, lat = polar_to_lonlat(np.array([302_500.0, 200_000.0]), np.array([2_500.0, 200_000.0]))
    hit, miss = official_psr_at(lon, lat, data_dir)
    assert hit.psr_id == "SP_RING" and hit.area_km2 == pytest.approx(geod_area_km2(IN_RING), rel=1e-5)
    assert miss is None


# ----------------------------------------------------------------- the real outlines
@pytest.fixture(scope="module")
def official(prepared_data_dir):
    found = load_official(prepared_data_dir)
    assert found is not None, "prepare writes psr_official.gpkg when the shapefile is fetched"
    return found


@pytest.mark.realdata
def test_real__653_outlines_prepared_in_the_lunar_crs(prepared_data_dir, official) -> None:
    frame = gpd.read_file(prepared_data_dir / "prepared" / PREPARED["psr_official"], layer=OFFICIAL_LAYER)
    assert len(frame) == 653 and lunar_crs_code(frame.crs) == "IAU_2015:30135" and frame.is_valid.all()
    assert frame["catalogue_area_km2"].sum() == pytest.approx(20_996, abs=1)           # MANIFEST
    assert frame["area_km2"].sum() == pytest.approx(20_782, rel=1e-3)                   # on the sphere: less
    assert official.grid_ids_inside.size > 100


@pytest.mark.realdata
def test_real__shackleton_is_233_7_km2_on_the_sphere(prepared_data_dir, official) -> None:
    """The outline containing Shackleton's centre (89.67 S, 129.78 E): 233.7 km2 +/- 0.5%, checked with pyproj.Geod."""
    (hit,) = official_psr_at(129.78, -89.67, prepared_data_dir)
    assert hit.psr_id == SHACKLETON_ID and hit.catalogue_area_km2 == 233.698
    assert hit.area_km2 == pytest.approx(233.7, rel=0.005)
    geom = official.geoms[list(official.psr_ids).index(SHACKLETON_ID)]
    assert hit.area_km2 == pytest.approx(geod_area_km2(geom), rel=1e-5)
    # As a zone: the outline itself holds 233.7 km2 of official PSR, plus any grid PSR outside it (none can be inside).
    stats = psr_area_in(geom, prepared_data_dir)
    assert stats.psr_area_km2 == pytest.approx(hit.area_km2, rel=1e-9) and stats.psr_fraction == pytest.approx(1.0)


@pytest.mark.realdata
def test_real__amundsen_floor_has_psr(prepared_data_dir, official) -> None:
    """Amundsen (IAU: 84.44 S, 83.07 E, 103.39 km) is outside the 60 m grid, yet its floor's PSRs are found."""
    with open(SHARED_DATA / "iau_moon_nomenclature_2015.csv", newline="", encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["Feature_Name"] == "Amundsen")
    lon, lat, radius_km = float(row["Center_Longitude"]), float(row["Center_Latitude"]), float(row["Diameter"]) / 2
    assert (lon, lat) == (83.07, -84.44)
    x, y = lonlat_to_polar(lon, lat)
    assert max(abs(x), abs(y)) > 151_740.0                                          # beyond the 60 m grid
    floor = geodesic_circle(lon, lat, 0.7 * radius_km)
    inside = [g for g in official.geoms if floor.contains(g)]
    assert len(inside) >= 2
    pts = [g.representative_point() for g in inside]
    plon, plat = polar_to_lonlat(np.array([p.x for p in pts]), np.array([p.y for p in pts]))
    got = sample_psr(plon, plat, prepared_data_dir)
    assert (got.values == 1.0).all() and got.product == OFFICIAL_PRODUCT
    stats = psr_area_in(floor, prepared_data_dir)
    assert stats.product.startswith(OFFICIAL_PRODUCT) and stats.covered_fraction == pytest.approx(1.0)
    assert stats.grid_covered_fraction < 0.5                    # the floor is mostly beyond the 60 m grid
    assert stats.psr_area_km2 >= float(np.sum(area_km2(np.array(inside, dtype=object)))) > 50.0


@pytest.mark.realdata
def test_real__ring_polygon_gets_psr_from_the_outlines(prepared_data_dir, official) -> None:
    """A 40 km circle at 80 S: official PSR area, checked against pyproj.Geod of the clipped outlines."""
    zone = geodesic_circle(-5.0, -80.6, 40.0)
    stats = psr_area_in(zone, prepared_data_dir)
    hit = [g for g in official.geoms if g.intersects(zone)]
    assert hit, "the circle is chosen to hold official PSRs"
    direct = sum(geod_area_km2(shapely.intersection(g, zone)) for g in hit)
    assert stats.psr_area_km2 == pytest.approx(direct, rel=1e-4) and stats.psr_area_km2 > 5.0
    assert stats.product == OFFICIAL_PRODUCT and stats.resolution_m == 120.0
    assert stats.covered_fraction == pytest.approx(1.0) and stats.grid_covered_fraction == 0.0


@pytest.mark.realdata
def test_real__zone_straddling_85s_is_not_double_counted(prepared_data_dir, official) -> None:
    """Equals the area of (official outlines | the grid's own outlines) inside the zone, measured in laea."""
    zone = geodesic_circle(29.1957, -84.7906, 40.0)           # IM-2, 84.79 S: half on the 60 m grid
    stats = psr_area_in(zone, prepared_data_dir)
    assert 0.05 < stats.grid_covered_fraction < 0.95 and stats.product == f"{OFFICIAL_PRODUCT} + psr_60m"
    grid = gpd.read_file(prepared_data_dir / "prepared" / PREPARED["psr_outlines"], bbox=zone.bounds).geometry.values
    parts = [g for g in [*grid, *official.geoms] if g.intersects(zone)]
    union = shapely.intersection(shapely.union_all(parts), zone)
    laea = Transformer.from_crs(SOUTH_POLAR, f"+proj=laea +lat_0=-90 +R={R}", always_xy=True)
    direct = shapely.transform(shapely.segmentize(union, 100.0),
                               lambda xy: np.column_stack(laea.transform(xy[:, 0], xy[:, 1]))).area / 1e6
    assert stats.psr_area_km2 == pytest.approx(direct, rel=1e-3)
    plain_sum = float(np.sum(area_km2(shapely.intersection(np.array(parts, dtype=object), zone))))
    assert plain_sum > stats.psr_area_km2 * 1.01                 # the overlap a plain sum would count twice


@pytest.mark.realdata
def test_real__catalogue_longitudes_and_ids(official, prepared_data_dir) -> None:
    table = pd.read_csv(prepared_data_dir / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv")
    assert set(official.psr_ids) <= set(table["PSR_ID"])
