// pending.js: the seq of each message, and a sent shape held until Python's ack (or new zones, or a timeout).

import assert from "node:assert/strict";
import { test } from "node:test";

import { HELD_MS, hold, isHolding, releaseHeld, send, settle } from "../../lunarmap_ui/map/pending.js";
import { fakeState, protocol, schemaErrors } from "./helpers.mjs";

function sentCircle(st) {
  send(st, "draw", { kind: "circle", center: [0, 0], edge: [1, 0], radius_m: 1 });
  st.held = { kind: "circle", center: [0, 0], edge: [1, 0] };
  hold(st);
}

test("each message carries the next seq", () => {
  const st = fakeState();
  send(st, "delete", { id: "a" });
  send(st, "region", { x0: 0, y0: 0, x1: 1, y1: 1, zoom: 0 });
  assert.deepEqual(st.sent.map((s) => s.value.seq), [1, 2]);
  for (const { name, value } of st.sent) assert.deepEqual(schemaErrors(protocol.messages[name], value), []);
});

test("data sent before the answer (same render count) releases nothing", () => {
  const st = fakeState();
  sentCircle(st);
  assert.equal(settle(st, { ack: 5, zonesNew: true }), "none");
  assert.ok(isHolding(st));
});

test("an ack reaching the seq releases the held shape, overrides and hidden zones", () => {
  const st = fakeState();
  sentCircle(st);
  st.overrides.set("z", { ring: [] });
  st.hiddenIds.add("y");
  st.dataCount += 1;
  assert.equal(settle(st, { ack: 0, zonesNew: false }, () => {}, () => 1), "waiting"); // an older ack
  st.dataCount += 1;
  assert.equal(settle(st, { ack: 1, zonesNew: false }), "released");
  assert.equal(isHolding(st), false);
  assert.equal(st.heldSince, null);
});

test("new zones release it too; unchanged zones without an ack release it after HELD_MS", () => {
  const st = fakeState();
  sentCircle(st);
  st.dataCount += 1;
  assert.equal(settle(st, { ack: null, zonesNew: true }), "released");
  sentCircle(st);
  st.dataCount += 1;
  let timer = null;
  let redrawn = false;
  const result = settle(st, { ack: null, zonesNew: false }, () => (redrawn = true), (fn, ms) => {
    timer = { fn, ms };
    return 42;
  });
  assert.equal(result, "waiting");
  assert.equal(timer.ms, HELD_MS);
  assert.equal(st.heldTimer, 42);
  assert.ok(isHolding(st));
  timer.fn();
  assert.ok(redrawn && !isHolding(st));
});

test("releasing keeps the override of the zone being dragged", () => {
  const st = fakeState();
  st.overrides.set("dragged", { ring: [] }).set("other", { ring: [] });
  st.gesture = { kind: "edit", zone: { id: "dragged" } };
  const version = st.zoneVersion;
  releaseHeld(st);
  assert.deepEqual([...st.overrides.keys()], ["dragged"]);
  assert.equal(st.zoneVersion, version + 1);
});
