// keys.js: shortcuts switch the mode, the current mode has the other keys, Escape deselects last.

import assert from "node:assert/strict";
import { test } from "node:test";

import { handleKey } from "../../lunarmap_ui/map/keys.js";
import { fakeState } from "./helpers.mjs";

function press(st, key, extra = {}) {
  const modes = [];
  const handled = handleKey(st, { key, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, onButton: false, ...extra }, (m) => modes.push(m));
  return { handled, modes };
}

test("P, C, G and E pick the toolbar modes, when the drawing tools are shown and no gesture runs", () => {
  const st = fakeState();
  assert.deepEqual(["p", "C", "g", "E"].map((k) => press(st, k).modes[0]), ["pan", "circle", "polygon", "edit"]);
  assert.deepEqual(press(st, "c", { shiftKey: true }).modes, []);
  assert.deepEqual(press(st, "c", { ctrlKey: true }), { handled: false, modes: [] });
  st.gesture = { kind: "edit" };
  assert.deepEqual(press(st, "c").modes, []);
  assert.deepEqual(press(fakeState({ tools: {} }), "c"), { handled: false, modes: [] });
});

test("the current mode has its keys: Enter closes a polygon, Delete removes the selected zone", () => {
  const st = fakeState({ mode: "polygon", draw: { kind: "polygon", vertices: [[0, 0], [10, 0], [0, 10]], lastClick: null } });
  assert.equal(press(st, "Enter").handled, true);
  assert.equal(st.sent[0].name, "draw");
  const ed = fakeState({ mode: "edit", selected: "z" });
  assert.equal(press(ed, "Delete").handled, true);
  assert.deepEqual(ed.sent[0], { name: "delete", value: { id: "z", seq: 1 } });
  assert.equal(press(fakeState({ mode: "pan", selected: "z" }), "Delete").handled, false);
});

test("Escape cancels a drafted shape first, then deselects, then is not the map's", () => {
  const st = fakeState({ mode: "circle", selected: "z", draw: { kind: "circle", center: [0, 0], phase: "edge" } });
  assert.equal(press(st, "Escape").handled, true);
  assert.equal(st.draw, null);
  assert.equal(st.selected, "z");
  assert.equal(press(st, "Escape").handled, true);
  assert.equal(st.selected, null);
  assert.equal(press(st, "Escape").handled, false);
});
