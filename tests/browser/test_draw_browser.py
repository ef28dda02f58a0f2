"""Keep-out zone tools of the map in a real browser: draw circles and polygons, edit, delete, report the view.

One app start for the module: ``tests/browser/draw_app.py`` (the map component
alone, zones kept in session state and built with :mod:`lunarmap.zones`). The
tests run in file order on one page; each starts from an empty zone list.
"""

from __future__ import annotations

import io
import json
import math
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from lunarmap.crs import polar_to_lonlat
from lunarmap.geodesy import distance_m

from ..conftest import PROJECT_ROOT
from .conftest import _streamlit_app
from .mapframe import MapFrame, next_frames, open_map_page, wait_root

pytestmark = pytest.mark.browser

APP = PROJECT_ROOT / "tests" / "browser" / "draw_app.py"


@pytest.fixture(scope="module")
def draw_url(tmp_path_factory):
    # Streamlit serves static files from "static/" next to the script it runs: run the app through a link
    # in a temporary folder so the deck.gl bundle is published there, not into the source tree.
    root = tmp_path_factory.mktemp("draw-app")
    (root / "static").mkdir()
    (root / "draw_app.py").symlink_to(APP)
    with _streamlit_app(root, script=root / "draw_app.py") as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, draw_url):
    pg = open_map_page(browser, draw_url, viewport={"width": 1400, "height": 1100})
    yield pg
    pg.close()


def _code(pg, prefix: str):
    text = pg.locator("code").filter(has_text=re.compile("^" + prefix + " ")).first.inner_text()
    return json.loads(text[len(prefix) + 1:])


def _seq(pg) -> int:
    last = _code(pg, "LAST")
    return last["payload"]["seq"] if last else 0


#: The JSON the test app prints after ``PREFIX `` in a code block, or null (JS; argument [prefix, ...]).
_CODE_JSON = """(prefix) => {
  for (const c of document.querySelectorAll('code')) {
    const t = c.innerText;
    if (t.startsWith(prefix + ' ')) { try { return JSON.parse(t.slice(prefix.length + 1)); } catch (e) { return null; } }
  }
  return null;
}"""


def _wait_trigger(pg, after: int, name: str, timeout_ms: int = 30_000) -> dict:
    """The first trigger after ``after`` once the app shows it (it must be ``name``)."""
    pg.wait_for_function(f"after => {{ const v = ({_CODE_JSON})('LAST'); return !!v && v.payload.seq > after; }}",
                         arg=after, timeout=timeout_ms)
    last = _code(pg, "LAST")
    assert last["trigger"] == name, last
    return last["payload"]


def _wait_zones(pg, n: int, timeout_ms: int = 30_000) -> list[dict]:
    """The app's zones once it lists ``n`` and the map draws ``n`` with no shape held back."""
    try:
        pg.wait_for_function(f"n => {{ const v = ({_CODE_JSON})('ZONES'); return !!v && v.length === n; }}",
                             arg=n, timeout=timeout_ms)
        wait_root(pg, f"r.dataset.zoneCount === '{n}' && r.dataset.held === '0'", timeout_ms=timeout_ms)
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError, with the state that was there
        raise AssertionError(f"expected {n} zones, have {_code(pg, 'ZONES')}") from exc
    zones = _code(pg, "ZONES")
    assert len(zones) == n, zones
    return zones


def _dataset(pg, name: str) -> str:
    return pg.locator(".lm-root").get_attribute(f"data-{name}")


def _shot(pg, screenshots_dir, name) -> Image.Image:
    return Image.open(io.BytesIO(pg.screenshot(path=str(screenshots_dir / name)))).convert("RGB")


def _lonlat(p):
    lon, lat = polar_to_lonlat(float(p[0]), float(p[1]))
    return float(lon), float(lat)


def _mode(pg, key: str, mode: str) -> None:
    pg.locator(".lm-root").focus()
    pg.keyboard.press(key)
    assert _dataset(pg, "mode") == mode
    assert pg.locator(f".lm-tool[data-mode='{mode}']").get_attribute("aria-pressed") == "true"


def _reset(pg) -> None:
    pg.keyboard.press("Escape")
    pg.get_by_role("button", name="Clear zones").click()
    _wait_zones(pg, 0)


def _near(got, want, tol) -> bool:
    return math.dist(got, want) <= tol


def _drag(pg, start, end, steps=4) -> None:
    pg.mouse.move(*start)
    pg.mouse.down()
    pg.mouse.move(*end, steps=steps)
    pg.mouse.up()


def test_toolbar_buttons_and_shortcuts(page):
    bar = page.get_by_role("toolbar", name="Map tools")
    for label in ("Pan (P)", "Circle (C)", "Polygon (G)", "Edit (E)", "Delete the selected zone (Delete)",
                  "Sunlit % of view"):
        assert bar.get_by_role("button", name=label).count() == 1, label
    assert bar.get_by_role("button", name="Delete the selected zone (Delete)").is_disabled()
    assert bar.get_by_role("button", name="Pan (P)").get_attribute("aria-pressed") == "true"
    bar.get_by_role("button", name="Polygon (G)").click()
    assert _dataset(page, "mode") == "polygon"
    assert "Enter" in page.locator(".lm-hint").inner_text() or "first vertex" in page.locator(".lm-hint").inner_text()
    _mode(page, "e", "edit")
    _mode(page, "p", "pan")
    # Top right, below the cursor readout: clear of the legend (top left) and the scale bar (bottom right).
    tb = bar.bounding_box()
    box = MapFrame(page).box
    right = box["x"] + box["width"]
    assert 0 < right - (tb["x"] + tb["width"]) < 20 and 30 < tb["y"] - box["y"] < 50
    assert tb["x"] - box["x"] > 236 and tb["y"] + tb["height"] < box["y"] + box["height"] / 2


def test_drag_a_circle(page, screenshots_dir):
    _reset(page)
    _mode(page, "c", "circle")
    frame = MapFrame(page)
    a = (frame.cx + 200, frame.cy - 120)
    b = (frame.cx + 290, frame.cy - 60)
    seq = _seq(page)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=5)
    label = page.locator(".lm-measure")
    label.wait_for(state="visible", timeout=3_000)
    label_km = float(re.fullmatch(r"r = ([\d.]+) km", label.inner_text()).group(1))
    _shot(page, screenshots_dir, "draw-circle-dragging.png")
    page.mouse.up()
    p = _wait_trigger(page, seq, "draw")
    assert p["kind"] == "circle"
    assert _near(p["center"], frame.to_map(*a), frame.mpp) and _near(p["edge"], frame.to_map(*b), frame.mpp)
    want_m = float(distance_m(*_lonlat(p["center"]), *_lonlat(p["edge"])))
    assert abs(p["radius_m"] - want_m) <= 1e-3 * want_m
    assert abs(label_km * 1000 - want_m) <= 1e-3 * want_m, (label_km, want_m)
    # Sanity of the scale: near the pole a map metre is about a true metre (k ~ 1.0006 at 89 S).
    assert abs(want_m - math.dist(p["center"], p["edge"])) < 0.01 * want_m
    zones = _wait_zones(page, 1)
    assert zones[0]["kind"] == "circle" and abs(zones[0]["radius_km"] * 1000 - want_m) < 1e-6 * want_m
    page.mouse.move(5, 5)
    expect(page.locator(".lm-tooltip")).to_be_hidden()
    next_frames(page)
    img = _shot(page, screenshots_dir, "draw-circle-done.png")
    inside = img.getpixel((round(a[0] + 40), round(a[1])))  # orange fill over the dark map
    outside = img.getpixel((round(a[0] - 200), round(a[1] + 25)))
    assert inside[0] > inside[2] + 40 and outside[0] < outside[2] + 10, (inside, outside)
    assert page.locator(".lm-measure").is_hidden()


def test_click_click_circle(page):
    _reset(page)
    _mode(page, "c", "circle")
    frame = MapFrame(page)
    a = (frame.cx - 300, frame.cy + 150)
    b = (frame.cx - 240, frame.cy + 190)
    seq = _seq(page)
    page.mouse.click(*a)
    assert _dataset(page, "draw-vertices") == "1"
    page.mouse.move(*b, steps=4)
    assert page.locator(".lm-measure").is_visible()
    page.mouse.click(*b)
    p = _wait_trigger(page, seq, "draw")
    assert _near(p["center"], frame.to_map(*a), frame.mpp) and _near(p["edge"], frame.to_map(*b), frame.mpp)
    _wait_zones(page, 1)


def _square(frame, at, half=60):
    x, y = at
    return [(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half)]


def _draw_square(page, frame, at, half) -> int:
    """Draw a square polygon with the Polygon tool (closed with Enter); the seq of its "draw" trigger."""
    _mode(page, "g", "polygon")
    seq = _seq(page)
    for pt in _square(frame, at, half=half):
        page.mouse.click(*pt)
    page.keyboard.press("Enter")
    return _wait_trigger(page, seq, "draw")["seq"]


def test_polygon_closed_on_first_vertex(page, screenshots_dir):
    _reset(page)
    _mode(page, "g", "polygon")
    frame = MapFrame(page)
    pts = _square(frame, (frame.cx + 20, frame.cy + 180))
    seq = _seq(page)
    for i, pt in enumerate(pts):
        page.mouse.click(*pt)
        wait_root(page, f"r.dataset.drawVertices === '{i + 1}'", timeout_ms=5_000)
    page.mouse.move(pts[0][0] + 30, pts[0][1] + 20, steps=3)
    _shot(page, screenshots_dir, "draw-polygon-in-progress.png")
    assert "first vertex" in page.locator(".lm-hint").inner_text()
    page.mouse.click(pts[0][0] + 3, pts[0][1] - 3)  # within the close radius of the first vertex
    p = _wait_trigger(page, seq, "draw")
    assert p["kind"] == "polygon" and len(p["vertices"]) == 4
    for got, want in zip(p["vertices"], pts, strict=True):
        assert _near(got, frame.to_map(*want), frame.mpp)
    _wait_zones(page, 1)
    page.mouse.move(5, 5)
    _shot(page, screenshots_dir, "draw-polygon-done.png")


def test_enter_closes_and_too_few_vertices_are_refused(page):
    _reset(page)
    _mode(page, "g", "polygon")
    frame = MapFrame(page)
    seq = _seq(page)
    tri = [(frame.cx - 400, frame.cy - 200), (frame.cx - 300, frame.cy - 200), (frame.cx - 350, frame.cy - 120)]
    page.mouse.click(*tri[0])
    page.mouse.click(*tri[1])
    page.keyboard.press("Enter")
    assert "at least 3 vertices" in page.locator(".lm-hint").inner_text()
    page.mouse.click(*tri[2])
    page.keyboard.press("Backspace")
    assert _dataset(page, "draw-vertices") == "2"
    page.mouse.click(*tri[2])
    page.keyboard.press("Enter")
    p = _wait_trigger(page, seq, "draw")
    assert len(p["vertices"]) == 3
    for got, want in zip(p["vertices"], tri, strict=True):
        assert _near(got, frame.to_map(*want), frame.mpp)
    _wait_zones(page, 1)


def test_double_click_closes_a_polygon(page):
    _reset(page)
    _mode(page, "g", "polygon")
    frame = MapFrame(page)
    seq = _seq(page)
    pts = [(frame.cx + 250, frame.cy + 60), (frame.cx + 350, frame.cy + 60), (frame.cx + 300, frame.cy + 150)]
    page.mouse.click(*pts[0])
    page.mouse.click(*pts[1])
    page.mouse.dblclick(*pts[2])
    p = _wait_trigger(page, seq, "draw")
    assert len(p["vertices"]) == 3
    for got, want in zip(p["vertices"], pts, strict=True):
        assert _near(got, frame.to_map(*want), frame.mpp)
    _wait_zones(page, 1)
    assert float(_dataset(page, "zoom")) == frame.zoom, "the double-click did not zoom"


def test_escape_cancels_without_a_trigger(page):
    _reset(page)
    _mode(page, "c", "circle")
    frame = MapFrame(page)
    seq = _seq(page)
    page.mouse.click(frame.cx + 100, frame.cy + 100)
    page.mouse.move(frame.cx + 150, frame.cy + 100, steps=3)
    assert _dataset(page, "draw-vertices") == "1"
    page.keyboard.press("Escape")
    assert _dataset(page, "draw-vertices") == "0" and page.locator(".lm-measure").is_hidden()
    _mode(page, "g", "polygon")
    page.mouse.click(frame.cx + 100, frame.cy + 100)
    page.mouse.click(frame.cx + 160, frame.cy + 100)
    page.keyboard.press("Escape")
    assert _dataset(page, "draw-vertices") == "0"
    # Nothing was sent: the next trigger after ``seq`` is a plain click made afterwards, not a draw.
    _mode(page, "p", "pan")
    page.mouse.click(frame.cx - 150, frame.cy - 150)
    _wait_trigger(page, seq, "click")


def test_edit_polygon_vertex_move_circle_and_delete(page, screenshots_dir):
    _reset(page)
    frame = MapFrame(page)
    # A polygon and a circle, drawn with the tools.
    seq = _draw_square(page, frame, (frame.cx - 200, frame.cy + 100), 50)
    _wait_zones(page, 1)
    _mode(page, "c", "circle")
    _drag(page, (frame.cx + 200, frame.cy + 100), (frame.cx + 260, frame.cy + 100))
    seq = _wait_trigger(page, seq, "draw")["seq"]
    poly, circle = _wait_zones(page, 2)
    if poly["kind"] != "polygon":
        poly, circle = circle, poly

    # Select the polygon and drag one vertex.
    _mode(page, "e", "edit")
    page.mouse.click(frame.cx - 200, frame.cy + 100)
    assert _dataset(page, "selected-zone") == poly["id"]
    vx = poly["vertices"][1]
    start = frame.to_screen(*vx)
    end = (start[0] + 40, start[1] - 30)
    _drag(page, start, end)
    p = _wait_trigger(page, seq, "edit")
    seq = p["seq"]
    assert p["id"] == poly["id"] and p["kind"] == "polygon" and len(p["vertices"]) == 4
    moved = [i for i, (a, b) in enumerate(zip(p["vertices"], poly["vertices"], strict=True)) if not _near(a, b, 1e-3)]
    assert moved == [1] and _near(p["vertices"][1], frame.to_map(*end), frame.mpp)
    _wait_zones(page, 2)
    page.mouse.move(5, 5)
    _shot(page, screenshots_dir, "draw-edit-polygon.png")

    # Move the circle by dragging its body: the centre moves, the radius stays (edge None).
    body = frame.to_screen(circle["center"][0] + 25 * frame.mpp, circle["center"][1])
    _drag(page, body, (body[0] + 60, body[1] + 40))
    p = _wait_trigger(page, seq, "edit")
    seq = p["seq"]
    assert p["id"] == circle["id"] and p["kind"] == "circle" and p["edge"] is None
    want = (circle["center"][0] + 60 * frame.mpp, circle["center"][1] - 40 * frame.mpp)
    assert _near(p["center"], want, frame.mpp)
    zones = _wait_zones(page, 2)
    moved_circle = next(z for z in zones if z["id"] == circle["id"])
    assert moved_circle["radius_km"] == pytest.approx(circle["radius_km"], rel=1e-9)
    assert _dataset(page, "selected-zone") == circle["id"]
    _shot(page, screenshots_dir, "draw-edit-circle-selected.png")

    # Resize it with the edge handle: the live label and the edit agree with the geodesic radius.
    # The edge handle is the rightmost point of the ring (scale factor ~1 this near the pole).
    cx, cy = frame.to_screen(*moved_circle["center"])
    edge = (cx + moved_circle["radius_km"] * 1000 / frame.mpp, cy)
    page.mouse.move(*edge)
    page.mouse.down()
    page.mouse.move(edge[0] + 30, edge[1], steps=4)
    label_km = float(re.fullmatch(r"r = ([\d.]+) km", page.locator(".lm-measure").inner_text()).group(1))
    _shot(page, screenshots_dir, "draw-edit-circle-resizing.png")
    page.mouse.up()
    p = _wait_trigger(page, seq, "edit")
    seq = p["seq"]
    want_m = float(distance_m(*_lonlat(p["center"]), *_lonlat(p["edge"])))
    assert p["edge"] is not None and abs(label_km * 1000 - want_m) <= 1e-3 * want_m
    _wait_zones(page, 2)

    # Delete key removes the selected zone.
    page.keyboard.press("Delete")
    p = _wait_trigger(page, seq, "delete")
    assert p["id"] == circle["id"]
    zones = _wait_zones(page, 1)
    assert zones[0]["id"] == poly["id"] and _dataset(page, "selected-zone") == ""
    assert not page.errors


def test_shift_click_adds_a_vertex_alt_click_removes_one_and_a_moved_polygon_says_where(page):
    _reset(page)
    frame = MapFrame(page)
    seq = _draw_square(page, frame, (frame.cx - 150, frame.cy + 60), 50)
    (poly,) = _wait_zones(page, 1)
    _mode(page, "e", "edit")
    page.mouse.click(frame.cx - 150, frame.cy + 60)
    assert _dataset(page, "selected-zone") == poly["id"]
    # Shift+click near the middle of an edge: a fifth vertex there, the others unchanged
    a, b = poly["vertices"][0], poly["vertices"][1]
    mid = frame.to_screen((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    page.keyboard.down("Shift")
    page.mouse.click(mid[0], mid[1] + 2)
    page.keyboard.up("Shift")
    p = _wait_trigger(page, seq, "edit")
    seq = p["seq"]
    assert len(p["vertices"]) == 5 and _near(p["vertices"][1], frame.to_map(mid[0], mid[1] + 2), frame.mpp)
    rest = [v for i, v in enumerate(p["vertices"]) if i != 1]
    assert all(_near(v, w, 1e-3) for v, w in zip(rest, poly["vertices"], strict=True))
    (poly,) = _wait_zones(page, 1)
    assert len(poly["vertices"]) == 5
    # Alt+click on that vertex removes it again
    page.keyboard.down("Alt")
    page.mouse.click(*frame.to_screen(*p["vertices"][1]))
    page.keyboard.up("Alt")
    p = _wait_trigger(page, seq, "edit")
    seq = p["seq"]
    assert len(p["vertices"]) == 4
    (poly,) = _wait_zones(page, 1)
    # Dragging the body: the edit carries where the drag started and ended
    start = frame.to_screen(*poly["vertices"][0])
    inside = (start[0] + 30, start[1] - 30)      # just inside the square's first corner
    _drag(page, inside, (inside[0] + 50, inside[1]))
    p = _wait_trigger(page, seq, "edit")
    assert set(p["move"]) == {"from", "to"}
    assert _near(p["move"]["to"], frame.to_map(inside[0] + 50, inside[1]), frame.mpp)
    assert not page.errors


def test_pan_click_picks_a_zone_and_region_reports_the_view(page):
    _reset(page)
    frame = MapFrame(page)
    _mode(page, "c", "circle")
    seq = _seq(page)
    _drag(page, (frame.cx, frame.cy - 150), (frame.cx + 50, frame.cy - 150))
    seq = _wait_trigger(page, seq, "draw")["seq"]
    (zone,) = _wait_zones(page, 1)
    _mode(page, "p", "pan")
    page.mouse.move(frame.cx + 10, frame.cy - 150)
    tip = page.locator(".lm-tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    assert "Circle 1" in tip.inner_text() and "owner: Test <b>party</b>" in tip.inner_text()
    assert re.search(r"area [\d.,]+ km² \(on the sphere\)", tip.inner_text())
    assert tip.locator("b").count() == 0
    page.mouse.click(frame.cx + 10, frame.cy - 150)
    p = _wait_trigger(page, seq, "click")
    assert p["picked"] == {"layer": "zones", "id": zone["id"]}
    seq = p["seq"]
    page.get_by_role("button", name="Sunlit % of view").click()
    p = _wait_trigger(page, seq, "region")
    frame = MapFrame(page)
    width_m = frame.box["width"] * frame.mpp
    height_m = frame.box["height"] * frame.mpp
    assert p["x1"] - p["x0"] == pytest.approx(width_m, rel=1e-9)
    assert p["y1"] - p["y0"] == pytest.approx(height_m, rel=1e-9)
    assert (p["x0"] + p["x1"]) / 2 == pytest.approx(frame.tx, abs=1e-6)
    assert (p["y0"] + p["y1"]) / 2 == pytest.approx(frame.ty, abs=1e-6)
    assert p["zoom"] == frame.zoom
    assert not page.errors


def test_conflicts_keep_owner_colours_selection_from_python_and_delete_button(page, screenshots_dir):
    _reset(page)
    frame = MapFrame(page)
    _mode(page, "c", "circle")
    seq = _seq(page)
    for a, b in (((frame.cx - 100, frame.cy - 60), (frame.cx - 40, frame.cy - 60)),
                 ((frame.cx - 20, frame.cy - 60), (frame.cx + 40, frame.cy - 60))):
        _drag(page, a, b)
        seq = _wait_trigger(page, seq, "draw")["seq"]
    zones = _wait_zones(page, 2)
    _mode(page, "p", "pan")
    page.mouse.move(5, 5)
    expect(page.locator(".lm-tooltip")).to_be_hidden()
    next_frames(page)
    img = _shot(page, screenshots_dir, "draw-conflict.png")
    # The leftmost point of the left circle's outline keeps the owner's (orange) colour though the zone is in
    # conflict: conflicts are marked on the overlap, never by recolouring whole zones.
    r, g, b = max((img.getpixel((round(frame.cx - 160 + dx), round(frame.cy - 60))) for dx in range(-2, 3)),
                  key=lambda p: p[0] - p[2])
    assert r > 200 and 100 < g < 180 and b < 60, (r, g, b)
    # A selection made in Python (a text box here) selects the zone on the map; the toolbar button deletes it.
    box = page.get_by_label("Select zone id")
    box.fill(zones[1]["id"])
    box.press("Enter")
    page.wait_for_function(
        "id => [...document.querySelectorAll('*')].some(e => e.shadowRoot && "
        "e.shadowRoot.querySelector(`.lm-root[data-selected-zone='${id}']`)) || "
        "document.querySelector(`.lm-root[data-selected-zone='${id}']`)",
        arg=zones[1]["id"], timeout=10_000)
    delete = page.get_by_role("button", name="Delete the selected zone (Delete)")
    assert delete.is_enabled()
    delete.click()
    p = _wait_trigger(page, seq, "delete")
    assert p["id"] == zones[1]["id"]
    (left,) = _wait_zones(page, 1)
    assert left["id"] == zones[0]["id"]


def test_draw_modes_zoom_with_the_wheel_but_do_not_pan(page):
    _reset(page)
    _mode(page, "g", "polygon")
    frame = MapFrame(page)
    page.mouse.move(frame.cx + 200, frame.cy + 100)
    page.mouse.down()
    page.mouse.move(frame.cx + 300, frame.cy + 180, steps=3)
    page.mouse.up()
    after_drag = MapFrame(page)
    assert (after_drag.tx, after_drag.ty, after_drag.zoom) == (frame.tx, frame.ty, frame.zoom)
    assert _dataset(page, "draw-vertices") == "0", "a drag is not a vertex"
    page.mouse.wheel(0, -300)
    wait_root(page, f"parseFloat(r.dataset.zoom) > {frame.zoom}", timeout_ms=10_000)
