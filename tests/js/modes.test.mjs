// The modes' state machines with fake pointer events (no DOM, no deck.gl); every message sent is checked
// against protocol.json.

import assert from "node:assert/strict";
import { test } from "node:test";

import { greatCircleM } from "../../lunarmap_ui/map/geometry.js";
import { circle } from "../../lunarmap_ui/map/modes/circle.js";
import { edit } from "../../lunarmap_ui/map/modes/edit.js";
import { MODE_IMPLS } from "../../lunarmap_ui/map/modes/index.js";
import { pan } from "../../lunarmap_ui/map/modes/pan.js";
import { polygon } from "../../lunarmap_ui/map/modes/polygon.js";
import { CAPTURE, CONSUME, PASS, draftCount } from "../../lunarmap_ui/map/modes/shared.js";
import { cleanZones } from "../../lunarmap_ui/map/zones.js";
import { at, fakeState, gesture, protocol, schemaErrors } from "./helpers.mjs";

const M = 100000; // map metres far from the pole, so that distances are not trivial

function messages(st) {
  for (const { name, value } of st.sent) assert.deepEqual(schemaErrors(protocol.messages[name], value), [], name);
  return st.sent;
}

test("every mode of the protocol has a module with the whole interface, and no other mode exists", () => {
  assert.deepEqual(Object.keys(MODE_IMPLS).sort(), [...protocol.modes].sort());
  for (const [name, mode] of Object.entries(MODE_IMPLS)) {
    assert.equal(mode.name, name);
    for (const fn of ["onPointerDown", "onPointerMove", "onPointerUp", "onCancel", "onKey", "onMapClick", "hint", "cursor", "guideLayers"]) {
      assert.equal(typeof mode[fn], "function", `${name}.${fn}`);
    }
  }
});

test("pan: presses go to deck.gl; a click is sent with the object picked", () => {
  const st = fakeState({ view: () => ({ target: [0, 0], zoom: -9 }) });
  assert.equal(pan.onPointerDown(st, at([0, 0])), PASS);
  pan.onMapClick(st, { coordinate: [5, 6], object: { id: 7 }, layer: { id: "zones" } });
  pan.onMapClick(st, { coordinate: [1, 2], object: null, layer: null }, { srcEvent: { shiftKey: true } });
  assert.deepEqual(messages(st).map((s) => s.value), [
    { x: 5, y: 6, picked: { layer: "zones", id: "7" }, shift: false, mode: "pan", zoom: -9, seq: 1 },
    { x: 1, y: 2, picked: null, shift: true, mode: "pan", zoom: -9, seq: 2 },
  ]);
  assert.equal(pan.hint(st), "");
  assert.equal(pan.cursor(st, { isDragging: true, isHovering: false }), "grabbing");
});

test("circle: click the centre, then the radius; the circle is sent and held", () => {
  const st = fakeState({ mode: "circle" });
  assert.equal(gesture(st, circle, [M, M]), CAPTURE);
  assert.equal(st.draw.phase, "edge");
  assert.match(circle.hint(st), /click at the radius/);
  circle.onPointerMove(st, at([M + 3000, M])); // hovering shows the radius
  assert.ok(st.calls.some((c) => c.startsWith("measure ")));
  gesture(st, circle, [M + 3000, M]);
  const [sent] = messages(st);
  assert.equal(sent.name, "draw");
  assert.deepEqual(sent.value.center, [M, M]);
  assert.ok(Math.abs(sent.value.radius_m - greatCircleM([M, M], [M + 3000, M])) < 1e-9);
  assert.equal(st.draw, null);
  assert.deepEqual(st.held, { kind: "circle", center: [M, M], edge: [M + 3000, M] });
  assert.equal(st.heldSeq, 1);
});

test("circle: a drag from the centre draws the circle in one gesture; a drag of nothing sends nothing", () => {
  const st = fakeState({ mode: "circle" });
  gesture(st, circle, [M, M], [[M + 2, M], [M + 500, M]]);
  assert.equal(messages(st).length, 1);
  const still = fakeState({ mode: "circle" });
  gesture(still, circle, [M, M]);
  gesture(still, circle, [M + 1, M]); // less than 2 px from the centre: no radius yet
  assert.equal(still.sent.length, 0);
  assert.ok(still.draw);
  assert.equal(circle.onKey(still, { key: "Escape" }), true);
  assert.equal(still.draw, null);
  assert.equal(circle.onKey(still, { key: "Escape" }), false);
});

test("polygon: clicks place vertices; a click on the first vertex closes and sends it", () => {
  const st = fakeState({ mode: "polygon" });
  const pts = [[M, M], [M + 1000, M], [M + 1000, M + 1000]];
  for (const [i, p] of pts.entries()) {
    st.clock += 1000;
    assert.equal(gesture(st, polygon, p), CAPTURE);
    assert.equal(draftCount(st.draw), i + 1);
  }
  assert.match(polygon.hint(st), /first vertex or press Enter/);
  st.clock += 1000;
  gesture(st, polygon, [M + 5, M + 5]); // within 10 px of the first vertex
  const [sent] = messages(st);
  assert.deepEqual(sent.value, { kind: "polygon", vertices: pts, seq: 1 });
  assert.equal(st.draw, null);
  assert.equal(st.held.closed, true);
});

test("polygon: a double-click closes; a drag is not a vertex; Enter with too few vertices says so", () => {
  const st = fakeState({ mode: "polygon" });
  for (const p of [[M, M], [M + 1000, M]]) {
    st.clock += 1000;
    gesture(st, polygon, p);
  }
  gesture(st, polygon, [M + 2000, M], [[M + 2100, M]]); // dragged: no vertex
  assert.equal(draftCount(st.draw), 2);
  assert.equal(polygon.onKey(st, { key: "Enter", onButton: false }), true);
  assert.match(st.message, /at least 3 vertices \(2 so far\)/);
  st.clock += 1000;
  gesture(st, polygon, [M + 1000, M + 1000]);
  st.clock += 100;
  gesture(st, polygon, [M + 1001, M + 1000]); // the second click of a double-click
  assert.deepEqual(messages(st)[0].value.vertices, [[M, M], [M + 1000, M], [M + 1000, M + 1000]]);
});

test("polygon: Backspace removes the last vertex, Enter on a button is the button's, Escape cancels", () => {
  const st = fakeState({ mode: "polygon" });
  for (const p of [[M, M], [M + 1000, M], [M + 1000, M + 1000]]) {
    st.clock += 1000;
    gesture(st, polygon, p);
  }
  assert.equal(polygon.onKey(st, { key: "Backspace" }), true);
  assert.equal(draftCount(st.draw), 2);
  assert.equal(polygon.onKey(st, { key: "Enter", onButton: true }), false);
  assert.equal(polygon.onKey(st, { key: "Escape" }), true);
  assert.equal(st.draw, null);
  assert.equal(polygon.onKey(st, { key: "Escape" }), false); // main.js then deselects
  assert.equal(st.sent.length, 0);
});

function editState(zones, selected = null) {
  const st = fakeState({ mode: "edit", zones: cleanZones(zones), selected });
  return st;
}

const SQUARE = { id: "sq", kind: "polygon", ring: [[M, M], [M + 1000, M], [M + 1000, M + 1000], [M, M + 1000]] };
const CIRCLE = { id: "c1", kind: "circle", center: [M, M], radius_m: 500, ring: null };

test("edit: a press on empty space goes to deck.gl (pan); a click there deselects", () => {
  const st = editState([SQUARE], "sq");
  assert.equal(edit.onPointerDown(st, at([0, 0])), PASS);
  edit.onMapClick(st, { coordinate: [0, 0] });
  assert.equal(st.selected, null);
  assert.match(edit.hint(st), /click a zone to select it/);
});

test("edit: dragging a polygon selects it and sends it moved, with where the drag started and ended", () => {
  const st = editState([SQUARE]);
  st.picks = () => ({ layer: { id: "zones" }, object: { id: "sq" } });
  gesture(st, edit, [M + 500, M + 500], [[M + 600, M + 500], [M + 700, M + 500]]);
  assert.equal(st.selected, "sq");
  const [sent] = messages(st);
  assert.equal(sent.name, "edit");
  assert.deepEqual(sent.value.move, { from: [M + 500, M + 500], to: [M + 700, M + 500] });
  assert.deepEqual(sent.value.vertices[0], [M + 200, M]);
  assert.deepEqual(st.overrides.get("sq").vertices, sent.value.vertices); // drawn moved until Python answers
  assert.equal(st.heldSeq, 1);
});

test("edit: a press without a drag sends nothing; a cancelled drag puts the zone back", () => {
  const st = editState([SQUARE]);
  st.picks = () => ({ layer: { id: "zones" }, object: { id: "sq" } });
  gesture(st, edit, [M + 500, M + 500], [[M + 502, M + 500]]);
  assert.equal(st.sent.length, 0);
  edit.onPointerDown(st, at([M + 500, M + 500]));
  edit.onPointerMove(st, at([M + 900, M + 500]));
  assert.ok(st.overrides.has("sq"));
  const g = st.gesture;
  st.gesture = null;
  edit.onCancel(st, g);
  assert.ok(!st.overrides.has("sq"));
  assert.equal(st.sent.length, 0);
});

test("edit: the radius handle resizes a circle; its centre handle moves it and keeps the radius", () => {
  const st = editState([CIRCLE], "c1");
  st.picks = () => ({ layer: { id: "zone-handles" }, object: { handle: "edge" } });
  gesture(st, edit, [M + 500, M], [[M + 700, M], [M + 800, M]]);
  st.picks = () => ({ layer: { id: "zone-handles" }, object: { handle: "center" } });
  st.overrides.clear();
  gesture(st, edit, [M, M], [[M + 10, M], [M + 50, M + 50]]);
  const [resized, moved] = messages(st).map((s) => s.value);
  assert.deepEqual(resized.edge, [M + 800, M]);
  assert.ok(Math.abs(resized.radius_m - greatCircleM([M, M], [M + 800, M])) < 1e-9);
  assert.deepEqual(moved, { id: "c1", kind: "circle", center: [M + 50, M + 50], edge: null, radius_m: null, seq: 2 });
});

test("edit: Shift+click inserts a vertex on the nearest edge, Alt+click on a vertex removes it (3 stay)", () => {
  const st = editState([SQUARE], "sq");
  assert.equal(edit.onPointerDown(st, at([M + 500, M - 10], { shiftKey: true })), CONSUME);
  let [sent] = messages(st);
  assert.deepEqual(sent.value.vertices, [[M, M], [M + 500, M - 10], [M + 1000, M], [M + 1000, M + 1000], [M, M + 1000]]);
  st.picks = () => ({ layer: { id: "zone-handles" }, object: { handle: "vertex", index: 1 } });
  assert.equal(edit.onPointerDown(st, at([M + 500, M - 10], { altKey: true })), CONSUME);
  sent = messages(st)[1];
  assert.deepEqual(sent.value.vertices, SQUARE.ring);
  const triangle = editState([{ ...SQUARE, ring: SQUARE.ring.slice(0, 3) }], "sq");
  triangle.picks = st.picks;
  assert.equal(edit.onPointerDown(triangle, at([M, M], { altKey: true })), CONSUME);
  assert.equal(triangle.sent.length, 0);
  assert.equal(triangle.message, "a polygon needs at least 3 vertices");
});

test("edit: Delete removes the selected zone (hidden until Python answers)", () => {
  const st = editState([SQUARE], "sq");
  assert.equal(edit.onKey(st, { key: "Delete" }), true);
  assert.deepEqual(messages(st)[0].value, { id: "sq", seq: 1 });
  assert.ok(st.hiddenIds.has("sq"));
  assert.equal(st.selected, null);
  assert.equal(edit.onKey(st, { key: "Delete" }), false);
});

test("the drawing modes show a crosshair; the others the hand, or move during a gesture", () => {
  const st = fakeState();
  assert.equal(circle.cursor(st, {}), "crosshair");
  assert.equal(polygon.cursor(st, {}), "crosshair");
  assert.equal(edit.cursor(st, { isHovering: true }), "pointer");
  st.gesture = { kind: "edit" };
  assert.equal(edit.cursor(st, {}), "move");
});

class FakeLayer {
  constructor(props) {
    this.props = props;
    this.id = props.id;
  }
}
const D = { COORDINATE_SYSTEM: { CARTESIAN: 0 }, PolygonLayer: FakeLayer, PathLayer: FakeLayer, SolidPolygonLayer: FakeLayer, ScatterplotLayer: FakeLayer };

test("guide layers: the drafted or held shape of each drawing mode", () => {
  assert.deepEqual(circle.guideLayers(D, { kind: "circle", center: [M, M], cursor: [M, M] }).map((l) => l.id), ["draw-points"]);
  const ids = circle.guideLayers(D, { kind: "circle", center: [M, M], edge: [M + 100, M] }).map((l) => l.id);
  assert.deepEqual(ids, ["draw-shape", "draw-radius", "draw-points"]);
  const open = polygon.guideLayers(D, { kind: "polygon", vertices: [[0, 0], [1, 0]], cursor: [1, 1] });
  assert.deepEqual(open.map((l) => l.id), ["draw-fill", "draw-path", "draw-points"]);
  assert.deepEqual(open[1].props.data[0].path, [[0, 0], [1, 0], [1, 1]]);
  const closed = polygon.guideLayers(D, { kind: "polygon", vertices: [[0, 0], [1, 0], [1, 1]], closed: true });
  assert.deepEqual(closed.map((l) => l.id), ["draw-shape", "draw-points"]);
  assert.deepEqual(polygon.guideLayers(D, { kind: "polygon", vertices: [] }), []);
});
