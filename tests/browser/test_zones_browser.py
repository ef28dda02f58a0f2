"""Keep-out zones in the dashboard, in a real browser: draw, see the conflicts, save, reopen from the link.

Also: a second browser context (another user) does not see zones that were
drawn and not saved. Runs on the shared synthetic-data app (``app_url``): the
zones, their geometry and the scenario store do not need the rasters.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from lunarmap.zones import zones_from_geojson

from .conftest import SCREENSHOTS
from .mapframe import (
    MapFrame,
    after_rerun,
    import_zone_file,
    next_frames,
    open_entry_tab,
    open_map_page,
    save_scenario,
    wait_idle,
    wait_root,
    wait_view_settled,
)

pytestmark = pytest.mark.browser


def _zone_count(pg, n: int, timeout_s: float = 30) -> None:
    """Until the map draws ``n`` zones and holds back no shape it sent."""
    try:
        wait_root(pg, f"r.dataset.zoneCount === '{n}' && r.dataset.held === '0'", timeout_ms=int(timeout_s * 1000))
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError, with the state that was there
        shown = pg.locator(".lm-root").get_attribute("data-zone-count")
        raise AssertionError(f"the map shows {shown} zones, expected {n}") from exc


def _click_vertices(pg, points) -> None:
    """Click polygon vertices one by one, each once the map has counted the one before."""
    for i, pt in enumerate(points):
        pg.mouse.click(*pt)
        wait_root(pg, f"r.dataset.drawVertices === '{i + 1}'", timeout_ms=10_000)


def _text(pg, pattern: str, timeout_ms: int = 20_000):
    loc = pg.get_by_text(re.compile(pattern)).first
    loc.wait_for(state="visible", timeout=timeout_ms)
    return loc


def _geojson_download(pg):
    button = pg.get_by_role("button", name="Zones as GeoJSON")
    for attempt in range(2):   # a click that lands while the app reruns is lost; try once more
        wait_idle(pg, timeout_ms=90_000)
        button.scroll_into_view_if_needed()
        try:
            expect(button).to_be_enabled(timeout=90_000)   # Streamlit disables it while a slow rerun runs
        except AssertionError as exc:
            # Streamlit disables a widget while the page is not connected to the server, and a deferred download
            # button while its file is asked for: say which it was
            status = pg.locator("[data-testid='stStatusWidget']")
            words = status.inner_text(timeout=2_000) if status.count() else "(no status shown)"
            pg.screenshot(path=str(SCREENSHOTS / "zones-download-disabled.png"))
            raise AssertionError(f"'Zones as GeoJSON' stayed disabled for 90 s; Streamlit's status: {words!r}") from exc
        try:
            with pg.expect_download(timeout=10_000) as dl:
                button.click()
            return zones_from_geojson(open(dl.value.path(), "rb").read())
        except Exception:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _drag_circle(pg, centre, radius_px: float) -> None:
    """Draw a circle with the Circle tool by dragging from ``centre`` (screen px) out to ``radius_px``."""
    pg.get_by_role("button", name="Circle (C)").click()
    pg.mouse.move(*centre)
    pg.mouse.down()
    pg.mouse.move(centre[0] + radius_px, centre[1], steps=4)
    pg.mouse.up()


def _set_owner(pg, owner: str) -> None:
    box = pg.get_by_role("textbox", name="Owner of new zones")
    box.fill(owner)
    after_rerun(pg, lambda: box.press("Enter"))   # the owner is in the session before anything is drawn


def test_draw_check_save_and_reopen_from_the_link(browser, app_url, screenshots_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    frame = MapFrame(pg)
    pole = frame.to_screen(0.0, 0.0)
    # a circle round the pole, dragged out 40 px (about 200 km at the opening zoom), by the default owner
    _drag_circle(pg, pole, 40)
    _zone_count(pg, 1)
    _text(pg, r"Added Zone 1 \(")
    # a square overlapping it, by another owner: a conflict
    _set_owner(pg, "Party B")
    pg.get_by_role("button", name="Polygon (G)").click()
    cx, cy = pole[0] + 45, pole[1] + 5
    square = [(cx - 20, cy - 20), (cx + 20, cy - 20), (cx + 20, cy + 20), (cx - 20, cy + 20)]
    _click_vertices(pg, square)
    pg.mouse.click(square[0][0] + 2, square[0][1] + 2)
    _zone_count(pg, 2)
    _text(pg, r"1 conflict: zones of different owners share area")
    pg.mouse.move(5, 5)
    expect(pg.locator(".lm-tooltip")).to_be_hidden()
    next_frames(pg)
    pg.locator(".lm-root").screenshot(path=str(screenshots_dir / "zones-drawn-conflict.png"))
    drawn = _geojson_download(pg)
    assert [(z.name, z.owner, z.shape) for z in drawn] == [("Zone 1", "Party A", "circle"),
                                                           ("Zone 2", "Party B", "polygon")]

    # another user (a second browser context) sees none of these unsaved zones
    other_ctx = browser.new_context(viewport={"width": 1400, "height": 1300})
    other = open_map_page(other_ctx, app_url)
    _zone_count(other, 0)
    _text(other, r"No zones yet")
    other_ctx.close()

    # save, and the page's URL becomes the scenario's link
    link = save_scenario(pg, "Rim plan <b>A</b>")
    _text(pg, r"Saved 'Rim plan <b>A</b>' \(2 zones\)")
    assert re.search(r"[?&]scenario=[0-9a-f]{12}(&|$)", link), link   # the view and layers may follow
    # saved: leaving the page no longer asks
    pg.wait_for_function("() => !Object.values(globalThis.__lunarmap.unsaved).some(Boolean)", timeout=10_000)

    # reload from the link in a fresh context: the same zones, the same conflict
    ctx2 = browser.new_context(viewport={"width": 1400, "height": 1300})
    again = open_map_page(ctx2, link)
    _zone_count(again, 2)
    _text(again, r"Opened the scenario 'Rim plan <b>A</b>' \(2 zones\)")
    _text(again, r"1 conflict")
    again.locator(".lm-root").screenshot(path=str(screenshots_dir / "zones-reopened-from-link.png"))
    reopened = _geojson_download(again)
    assert [(z.id, z.name, z.owner) for z in reopened] == [(z.id, z.name, z.owner) for z in drawn]
    for a, b in zip(reopened, drawn, strict=True):
        assert a.area_km2 == pytest.approx(b.area_km2, rel=1e-9)
    assert not pg.errors and not again.errors, (pg.errors, again.errors)
    ctx2.close()
    context.close()


def test_import_refuses_a_bad_file_with_the_reason_then_takes_a_good_one(browser, app_url, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    bad = tmp_path / "notes.geojson"
    bad.write_text("<script>alert(1)</script> not json")
    import_zone_file(pg, bad)
    _text(pg, r"Nothing was imported from 'notes.geojson'\. Zone refused: the file is not GeoJSON: it does not parse as JSON")
    _zone_count(pg, 0)
    good = tmp_path / "zones.geojson"
    good.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                    '{"name": "Imported <i>cap</i>", "owner": "ESA"}, "geometry": {"type": "Polygon", "coordinates": '
                    '[[[10, -85], [20, -85], [20, -84], [10, -84], [10, -85]]]}}]}')
    import_zone_file(pg, good, open_tab=False)
    _text(pg, r"Imported 1 zone\(s\) from 'zones.geojson'")
    _zone_count(pg, 1)
    assert pg.locator("i", has_text="cap").count() == 0   # file text shown as text, never as HTML
    assert not pg.errors, pg.errors
    context.close()


def test_leaving_the_page_with_unsaved_zones_asks_first(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    assert pg.evaluate("() => Object.values(globalThis.__lunarmap.unsaved).some(Boolean)") is False
    frame = MapFrame(pg)
    pole = frame.to_screen(0.0, 0.0)
    _drag_circle(pg, pole, 20)
    _zone_count(pg, 1)
    pg.wait_for_function("() => Object.values(globalThis.__lunarmap.unsaved).some(Boolean)", timeout=10_000)
    with pg.expect_event("dialog", timeout=10_000) as info:
        pg.close(run_before_unload=True)
    assert info.value.type == "beforeunload"
    info.value.dismiss()                  # stay on the page: nothing is lost
    assert not pg.is_closed()
    context.close()


def test_a_zone_dragged_in_edit_mode_is_moved_on_the_sphere_keeping_its_area(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    frame = MapFrame(pg)
    pole = frame.to_screen(0.0, 0.0)
    pg.get_by_role("button", name="Polygon (G)").click()
    # a square of ~130 km near 85 S, then dragged out to about 71 S
    x0, y0 = pole[0] + 10, pole[1] - 30
    square = [(x0, y0), (x0 + 25, y0), (x0 + 25, y0 + 25), (x0, y0 + 25)]
    _click_vertices(pg, square)
    pg.keyboard.press("Enter")
    _zone_count(pg, 1)
    added = float(_text(pg, r"Added Zone 1 \(([\d,.]+) km²\)").inner_text().split("(")[1].split(" km")[0].replace(",", ""))
    pg.get_by_role("button", name="Edit (E)").click()
    inside = (x0 + 12, y0 + 12)
    pg.mouse.click(*inside)
    pg.mouse.move(*inside)
    pg.mouse.down()
    pg.mouse.move(inside[0] + 60, inside[1] - 60, steps=4)
    pg.mouse.up()
    updated = _text(pg, r"Updated Zone 1 \(([\d,.]+) km²\)").inner_text()
    moved = float(updated.split("(")[1].split(" km")[0].replace(",", ""))
    # moved on the sphere: the same true area to 1e-4 (the edges stay straight on the map between the rotated
    # vertices); a shift in map metres would change it by several per cent here (k squared: ~85 S to ~71 S)
    assert moved == pytest.approx(added, rel=1e-4), (added, moved)
    assert not pg.errors, pg.errors
    context.close()


def test_polygon_typed_lat_lon_is_caught_and_one_click_swaps_it(browser, app_url, screenshots_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    open_entry_tab(pg, "Polygon")
    pg.get_by_role("textbox", name=re.compile("Vertices: one 'longitude, latitude' per line")).fill(
        "-89.0, -10\n-89.5, -20\n-89.2, -30")
    pg.get_by_role("button", name="Add polygon zone").click()
    _text(pg, r"These coordinates look like latitude, longitude")
    _text(pg, r"As typed \(longitude, latitude\): centre 20\.15° S, 89\.23° W, 3,564\.1 km²")
    assert pg.get_by_role("button", name="Add as typed").count() == 1   # the user decides; nothing added yet
    pg.screenshot(path=str(screenshots_dir / "zones-swap-offer.png"))
    _zone_count(pg, 0)
    pg.get_by_role("button", name="Swap lat and lon").click()
    _text(pg, r"with latitude and longitude swapped")
    _zone_count(pg, 1)
    assert not pg.errors, pg.errors
    context.close()


def test_three_owners_in_conflict_keep_their_colours_and_the_overlaps_are_marked(browser, app_url, tmp_path,
                                                                                  screenshots_dir):
    """Owner colours stay on every zone; each overlap is outlined red with its km²; the legend lists every owner."""
    from PIL import Image

    from lunarmap.crs import lonlat_to_polar
    from lunarmap.zones import circle_zone, zones_to_geojson

    zones = [circle_zone("Base A", "Agency A", 0.0, -84.0, 100.0), circle_zone("Base B", "Agency B", 50.0, -84.0, 100.0),
             circle_zone("Base C", "Agency C", 25.0, -80.5, 100.0)]
    path = tmp_path / "three.geojson"
    path.write_text(json.dumps(zones_to_geojson(zones)))
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    pg = open_map_page(context, app_url)
    import_zone_file(pg, path)
    _text(pg, r"Imported 3 zone\(s\) from 'three.geojson'")
    _zone_count(pg, 3)
    for owner in ("Agency A", "Agency B", "Agency C"):
        pg.locator(".lm-legend").get_by_text(f"zone of {owner}", exact=True).wait_for(state="visible", timeout=10_000)
    pg.locator(".lm-legend").get_by_text(re.compile("km²")).first.wait_for(state="attached", timeout=10_000)
    pg.locator(".lm-deck canvas").scroll_into_view_if_needed()
    frame = MapFrame(pg)
    x, y = lonlat_to_polar(25.0, -83.0)
    pg.mouse.move(*frame.to_screen(float(x), float(y)))
    for _ in range(10):   # zoom in on the zones, a wheel step at a time, each waited for until the view settles
        zoom = float(pg.locator(".lm-root").get_attribute("data-zoom"))
        if zoom >= frame.zoom + 1.5:
            break
        pg.mouse.wheel(0, -300)
        wait_root(pg, f"parseFloat(r.dataset.zoom) > {zoom}", timeout_ms=10_000)
        wait_view_settled(pg)
    assert float(pg.locator(".lm-root").get_attribute("data-zoom")) >= frame.zoom + 1.5, "the map did not zoom in"
    pg.mouse.move(5, 5)
    expect(pg.locator(".lm-tooltip")).to_be_hidden()
    shot = screenshots_dir / "zones-three-owners.png"
    box = pg.locator(".lm-deck canvas").bounding_box()
    pg.screenshot(path=str(shot), clip=box)
    px = np.asarray(Image.open(shot).convert("RGB"), dtype=float).reshape(-1, 3)

    def count(rgb) -> int:
        return int(np.sum(np.linalg.norm(px - np.asarray(rgb, dtype=float), axis=1) < 40))

    owner_rgb = [(64, 196, 255), (255, 140, 64), (170, 120, 255)]   # the first three owner colours
    assert all(count(c) > 40 for c in owner_rgb), [count(c) for c in owner_rgb]
    assert count((255, 40, 40)) > 40                                 # the overlaps' red outlines
    # the overlap labels: one per overlapping pair, each with its area
    root = pg.locator(".lm-root")
    assert root.get_attribute("data-zone-count") == "3"
    assert not pg.errors, pg.errors
    context.close()
