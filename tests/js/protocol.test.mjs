// The browser side speaks protocol.json: its version and modes, the toolbar's buttons, the keys it reads.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { TOOL_BUTTONS } from "../../lunarmap_ui/map/dom.js";
import { MODES, PROTOCOL } from "../../lunarmap_ui/map/main.js";
import { protocol, schemaErrors } from "./helpers.mjs";

test("main.js takes its version and modes from protocol.json", () => {
  assert.equal(PROTOCOL, protocol.protocol);
  assert.deepEqual(MODES, protocol.modes);
  assert.deepEqual(TOOL_BUTTONS.map((b) => b.mode), protocol.modes);
});

test("every data key the modules read is in the protocol's data schema", () => {
  const src = ["main.js", "dom.js", "zones.js", "tools.js"].map((f) => readFileSync(new URL(`../../lunarmap_ui/map/${f}`, import.meta.url), "utf8")).join("\n");
  const read = new Set([...src.matchAll(/\bdata\.([a-zA-Z]+)/g)].map((m) => m[1]));
  for (const key of read) assert.ok(key in protocol.data.properties, `data.${key} is not in protocol.json`);
});

test("the schema checker of these tests refuses what the protocol refuses", () => {
  assert.deepEqual(schemaErrors(protocol.messages.delete, { id: "a", seq: 1 }), []);
  assert.ok(schemaErrors(protocol.messages.delete, { id: 1, seq: 1 }).length);
  assert.ok(schemaErrors(protocol.messages.delete, { id: "a", seq: 0 }).length);
  assert.ok(schemaErrors(protocol.messages.draw, { kind: "circle", vertices: [], seq: 1 }).length);
  assert.ok(schemaErrors(protocol.messages.click, { x: 0, y: 0, picked: null, mode: "edit", seq: 1, zoom: 0 }).length);
});
