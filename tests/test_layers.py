"""The map's layers, view and spec: geometry checked against pyproj, spec rules checked on the JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from pyproj import Transformer

from lunarmap import layers as L
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.errors import GeometryError, RasterError
from lunarmap.sites import KINDS, load_sites

# An independent projection of the IAU 2015 Moon sphere to south polar stereographic.
_STERE = Transformer.from_crs(f"+proj=longlat +R={MOON_RADIUS_M:.0f} +no_defs",
                              f"+proj=stere +lat_0=-90 +lon_0=0 +R={MOON_RADIUS_M:.0f} +units=m", always_xy=True)


@pytest.fixture(scope="module")
def catalog():
    return load_sites()


@pytest.mark.parametrize("lat", [-90.0, -89.5, -85.0, -80.0, -60.0, -45.4446, -40.0])
def test_polar_radius_m__matches_proj_stereographic(lat):
    x, y = _STERE.transform(37.0, lat)
    assert L.polar_radius_m(lat) == pytest.approx(math.hypot(x, y), abs=1e-3)
    assert L.lat_of_radius_deg(L.polar_radius_m(lat)) == pytest.approx(lat, abs=1e-9)


@pytest.mark.parametrize("lat", [-89.0, -85.0, -70.0, -45.0, -40.0])
def test_scale_factor__equals_ratio_of_map_to_true_distance(lat):
    """k is the map stretch along a meridian: d(map radius) / d(true distance) over a small step."""
    d_lat = 1e-4
    map_m = L.polar_radius_m(lat) - L.polar_radius_m(lat - d_lat)
    true_m = math.radians(d_lat) * MOON_RADIUS_M
    assert L.scale_factor(lat) == pytest.approx(map_m / true_m, rel=1e-5)
    assert L.scale_factor(-90.0) == 1.0


def test_graticule__parallels_every_degree_to_80s_then_every_5_to_40s():
    rows = L.graticule_paths()
    parallels = sorted(r["deg"] for r in rows if r["kind"] == "parallel")
    assert parallels == sorted([-89.0 + i for i in range(10)] + [-75.0 + 5 * i for i in range(8)])
    meridians = sorted(r["deg"] for r in rows if r["kind"] == "meridian")
    assert meridians == [float(v) for v in range(-150, 181, 30)]


def test_graticule__paths_lie_on_their_latitude_and_meridian():
    for row in L.graticule_paths():
        pts = np.asarray(row["path"], dtype=float)
        if row["kind"] == "parallel":
            x, y = _STERE.transform(0.0, row["deg"])
            assert np.allclose(np.hypot(pts[:, 0], pts[:, 1]), math.hypot(x, y), atol=1.0)
        else:
            x, y = _STERE.transform(row["deg"], -40.0)
            assert pts[0].tolist() == [0.0, 0.0]
            assert pts[-1] == pytest.approx([x, y], abs=1.0)


def test_graticule_labels__zero_meridian_points_up_and_180_down():
    labels = {r["text"]: r["position"] for r in L.graticule_labels()}
    assert labels["0°"][0] == 0 and labels["0°"][1] > 1.6e6
    assert labels["180°"][1] < -1.6e6
    assert labels["90°E"][0] > 1.6e6


def test_map_spec__orthographic_view_cartesian_layers_no_basemap(catalog):
    rasters = [L.RasterSource("psr", "app/static/psr-0123456789ab.png", (-151740.0, -151740.0, 151740.0, 151740.0))]
    spec = L.deck_spec(L.map_layers(list(catalog), rasters, {}), L.view_for_sites(catalog, 600))
    assert spec["views"] == [{"@@type": "OrthographicView", "controller": True, "flipY": False}]
    assert spec["mapStyle"] is None
    assert all(layer["coordinateSystem"] == "cartesian" for layer in spec["layers"])
    bitmap = [x for x in spec["layers"] if x["@@type"] == "BitmapLayer"]
    assert [b["image"] for b in bitmap] == ["app/static/psr-0123456789ab.png"]
    assert bitmap[0]["bounds"] == [-151740.0, -151740.0, 151740.0, 151740.0]
    assert "data:" not in json.dumps(spec)


def test_map_spec__sites_and_regions_layers_hold_the_catalogue(catalog):
    spec = L.deck_spec(L.map_layers(list(catalog), [], {}), L.view_for_sites(catalog, 600))
    by_id = {x["id"]: x for x in spec["layers"]}
    points = {r["id"] for r in by_id["sites"]["data"]}
    regions = {r["id"] for r in by_id["regions"]["data"]}
    assert points == {s.id for s in catalog if not s.is_region}
    assert regions == {s.id for s in catalog if s.is_region}
    ce4 = next(r for r in by_id["sites"]["data"] if r["id"] == "chang-e-4")
    x, y = _STERE.transform(177.5991, -45.4446)
    assert ce4["position"] == pytest.approx([x, y], abs=0.1)
    assert ce4["color"][:3] == list(L.KIND_COLORS["landed"])


def test_site_and_region_labels__carry_kind_and_selection_for_the_label_priorities_and_a_solid_backing(catalog):
    """The browser ranks labels by ``kind`` and ``selected`` (labels.js); the rows carry both, and a dark backing."""
    region = next(s for s in catalog if s.is_region)
    landed = next(s for s in catalog if s.kind == "landed" and not s.is_region)
    spec = L.deck_spec(L.map_layers(list(catalog), [], {}, selected=[region.id, landed.id]), L.view_for_sites(catalog, 600))
    by_id = {x["id"]: x for x in spec["layers"]}
    sites = {r["id"]: r for r in by_id["site-labels"]["data"]}
    assert {r["kind"] for r in sites.values()} == {s.kind for s in catalog if not s.is_region}
    assert sites[landed.id]["selected"] is True
    assert sum(r["selected"] for r in sites.values()) == 1
    regions = {r["id"]: r for r in by_id["region-labels"]["data"]}
    assert regions[region.id] == dict(regions[region.id], kind="region", selected=True)
    assert sum(r["selected"] for r in regions.values()) == 1
    for layer_id in ("site-labels", "region-labels"):
        layer = by_id[layer_id]
        assert layer["background"] is True and layer["getBackgroundColor"] == L.LABEL_BACKGROUND
        assert L.LABEL_BACKGROUND[3] >= 200 and max(L.LABEL_BACKGROUND[:3]) < 40   # dark and nearly opaque
        assert len(layer["backgroundPadding"]) == 4


def test_legend_meaning__says_what_each_raster_means_and_its_units():
    assert L.legend_meaning("hillshade") == {"meaning": "illumination from the upper left", "units": "no units"}
    assert L.legend_meaning("mosaic") == {"meaning": "brightness", "units": "no units"}
    assert L.legend_meaning("elevation")["units"] == "m" and L.legend_meaning("slope")["units"] == "degrees"
    assert set(L.RASTER_ORDER) <= set(L.LEGEND_MEANINGS)
    assert L.legend_meaning("unknown") == {"meaning": "", "units": ""}


def test_region_outlines__simplified_within_tolerance_of_the_true_outline(catalog):
    _, regions = L.site_rows(catalog)
    ilrs = next(s for s in catalog if s.id == "ilrs")
    ring = next(r for r in regions if r["id"] == "ilrs")["polygon"]
    import shapely

    drawn = shapely.Polygon(ring)
    assert drawn.hausdorff_distance(ilrs.geometry_polar) <= L.DISPLAY_TOLERANCE_M + 1.0


def test_hidden_raster_is_left_out_and_opacity_is_kept():
    rasters = [L.RasterSource("elevation", "app/static/e-0123456789ab.png", (-1.0, -1.0, 1.0, 1.0)),
               L.RasterSource("slope", "app/static/s-0123456789ab.png", (-1.0, -1.0, 1.0, 1.0))]
    settings = {"elevation": L.LayerSetting(True, 0.35), "slope": L.LayerSetting(False, 1.0)}
    layers = L.layer_dicts(L.raster_layers(rasters, settings))
    assert [x["id"] for x in layers] == ["raster-elevation"]
    assert layers[0]["opacity"] == 0.35


def test_view_for_sites__frames_every_site(catalog):
    view = L.view_for_sites(catalog, 600)
    half_width_m = 300 / 2 ** view.zoom
    reach = max(abs(c) for s in catalog for c in np.asarray(s.geometry_polar.bounds))
    assert half_width_m >= reach
    assert half_width_m < 1.5 * reach
    assert reach > 1.4e6  # Chang'e 6 and Chang'e 4 are on the map


def test_view_for_point__centres_on_the_point_and_shows_true_width():
    view = L.view_for_point(129.78, -89.67, 60.0, 600)
    x, y = _STERE.transform(129.78, -89.67)
    assert (view.x_m, view.y_m) == pytest.approx((x, y), abs=1e-3)
    assert 600 / 2 ** view.zoom == pytest.approx(60_000 * L.scale_factor(-89.67), rel=1e-9)


def test_view_for_point__north_of_the_map_is_an_error():
    with pytest.raises(GeometryError, match=r"latitude 10\.0 is outside the map.*south of 40 S"):
        L.view_for_point(0.0, 10.0, 50.0, 600)


def test_zoom_for_width_m__rejects_nonpositive():
    with pytest.raises(GeometryError, match=r"width_m and pixels must be positive and finite \(got width_m=0"):
        L.zoom_for_width_m(0.0, 600)


def test_raster_layer__rejects_data_urls():
    with pytest.raises(RasterError, match=r"layer 'psr' was given a data URL.*Publish the image as a static file"):
        L.raster_layer("psr", "data:image/png;base64,AAAA", (-1, -1, 1, 1))


def test_raster_layer__rejects_empty_bounds():
    with pytest.raises(GeometryError, match=r"bounds_m of layer 'psr' must have minx < maxx"):
        L.raster_layer("psr", "app/static/p.png", (1, -1, 1, 1))


def test_kinds_legend__has_a_colour_for_every_kind():
    legend = L.kinds_legend()
    assert [c["label"].split(":")[0] for c in legend["classes"]] == list(KINDS)
    assert all(len(c["color"]) == 7 and c["color"].startswith("#") for c in legend["classes"])


def test_raster_layers__psr_coverage_is_the_outlines_box_with_the_60m_grid_box_inside():
    """The PSR image reaching 75 S (official outlines) gets two boxes: its own edge, and the 60 m grid's at 85 S."""
    half = 457_500.0
    wide = [L.RasterSource("psr", "app/static/psr-0123456789ab.png", (-half, -half, half, half))]
    (cov,) = [x for x in L.layer_dicts(L.raster_layers(wide, {})) if x["id"] == "coverage-psr"]
    rows = {r["name"]: r for r in cov["data"]}
    assert rows["psr"]["edge_lat"] == pytest.approx(-75.0, abs=0.01)
    assert rows["psr (inner)"]["edge_lat"] == pytest.approx(-85.0, abs=0.01)
    assert max(abs(v) for xy in rows["psr (inner)"]["path"] for v in xy) == pytest.approx(L.polar_radius_m(-85.0))
    grid = [L.RasterSource("psr", "app/static/psr-0123456789ab.png", (-151_740.0, -151_740.0, 151_740.0, 151_740.0))]
    (cov,) = [x for x in L.layer_dicts(L.raster_layers(grid, {})) if x["id"] == "coverage-psr"]
    assert [r["name"] for r in cov["data"]] == ["psr"]          # the 60 m grid alone: one box, as before
