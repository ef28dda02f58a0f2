// Shared by the JS tests: the protocol file, a small JSON-schema checker for it, and a fake map state.

import { readFileSync } from "node:fs";

export const protocol = JSON.parse(readFileSync(new URL("../../lunarmap_ui/map/protocol.json", import.meta.url), "utf8"));

export function readFixture(name) {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
}

function typeOf(v) {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v, t) {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

/** Errors of `value` against a schema of protocol.json (the keywords it uses), as "path: problem" strings. */
export function schemaErrors(schema, value, path = "$") {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/$defs/", "");
    return schemaErrors(protocol.$defs[name], value, path);
  }
  const errors = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(value, t))) return [`${path}: ${typeOf(value)} is not ${types.join("|")}`];
  }
  if ("const" in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) errors.push(`${path}: not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => schemaErrors(s, value, path).length === 0).length;
    if (ok !== 1) errors.push(`${path}: matches ${ok} of oneOf`);
  }
  if (typeOf(value) === "object") {
    for (const key of schema.required || []) if (!(key in value)) errors.push(`${path}: ${key} is missing`);
    for (const [key, v] of Object.entries(value)) {
      const sub = (schema.properties || {})[key];
      if (sub) errors.push(...schemaErrors(sub, v, `${path}.${key}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: ${key} is not allowed`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => errors.push(...schemaErrors(schema.items, v, `${path}[${i}]`)));
  }
  return errors;
}

/** A map state as main.js makes it, with a recording st.ui and setTriggerValue, and a 1 m = 1 px view. */
export function fakeState(overrides = {}) {
  const calls = [];
  const sent = [];
  const st = {
    mapId: "test", seq: 0, mode: "pan", tools: { draw: true }, zones: [], selected: null, draw: null, held: null,
    gesture: null, overrides: new Map(), hiddenIds: new Set(), zoneVersion: 0, dataCount: 0, heldSince: null,
    heldSeq: null, heldTimer: null, message: "", calls, sent, clock: 0, picks: () => null,
    setTriggerValue: (name, value) => sent.push({ name, value }),
    view: () => ({ target: [0, 0], zoom: 0 }),
    ...overrides,
  };
  st.ui = {
    redraw: () => calls.push("redraw"),
    zonesChanged: () => {
      st.zoneVersion += 1;
      calls.push("zonesChanged");
    },
    say: (text) => {
      st.message = text;
      calls.push("say");
    },
    showMeasure: (px, rM) => calls.push(px ? `measure ${rM.toFixed(3)}` : "measure off"),
    toPx: (p) => [p[0], -p[1]],
    pick: (px) => st.picks(px),
    now: () => st.clock,
  };
  return st;
}

/** A pointer event of the mode interface at map point m (the fake view maps m to px = [x, -y]). */
export function at(m, extra = {}) {
  return { px: [m[0], -m[1]], m, type: "pointermove", altKey: false, shiftKey: false, ...extra };
}

/** Press, optionally move through `path`, and release, as main.js does (the gesture is cleared after up). */
export function gesture(st, mode, down, path = [], up = path.length ? path[path.length - 1] : down, extra = {}) {
  const taken = mode.onPointerDown(st, at(down, { type: "pointerdown", ...extra }));
  if (taken !== "capture") return taken;
  for (const m of path) mode.onPointerMove(st, at(m));
  mode.onPointerUp(st, at(up, { type: "pointerup" }));
  st.gesture = null;
  return taken;
}
