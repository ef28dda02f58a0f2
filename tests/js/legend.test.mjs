// legend.js: the legend's state remembered per map (sessionStorage), the dock corners, where each corner
// puts it, and the texts of an entry.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CORNERS, DEFAULT_LEGEND, MAX_HEIGHT_SHARE, formatStop, legendPlacement, meaningLine, nearestCorner, nextCorner, readLegendState,
  storageKey, writeLegendState,
} from "../../lunarmap_ui/map/legend.js";

/** A Storage-like map (what sessionStorage offers: getItem, setItem). */
function memoryStorage() {
  const items = new Map();
  return { getItem: (k) => (items.has(k) ? items.get(k) : null), setItem: (k, v) => items.set(k, String(v)), items };
}

test("the state is saved per map id and read back; other maps keep the default", () => {
  const storage = memoryStorage();
  assert.deepEqual(readLegendState(storage, "main"), DEFAULT_LEGEND);
  assert.equal(writeLegendState(storage, "main", { collapsed: true, corner: "bottom-right" }), true);
  assert.deepEqual(readLegendState(storage, "main"), { collapsed: true, corner: "bottom-right" });
  assert.deepEqual(readLegendState(storage, "zones"), DEFAULT_LEGEND);
  assert.ok(storage.items.has(storageKey("main")));
});

test("a garbled, partial or refused storage gives the default, never an error", () => {
  const storage = memoryStorage();
  storage.setItem(storageKey("main"), "{not json");
  assert.deepEqual(readLegendState(storage, "main"), DEFAULT_LEGEND);
  storage.setItem(storageKey("main"), JSON.stringify({ collapsed: "yes", corner: "middle" }));
  assert.deepEqual(readLegendState(storage, "main"), DEFAULT_LEGEND);
  storage.setItem(storageKey("main"), JSON.stringify({ collapsed: true }));
  assert.deepEqual(readLegendState(storage, "main"), { collapsed: true, corner: "top-left" });
  const refusing = { getItem: () => { throw new Error("SecurityError"); }, setItem: () => { throw new Error("QuotaExceeded"); } };
  assert.deepEqual(readLegendState(refusing, "main"), DEFAULT_LEGEND);
  assert.equal(writeLegendState(refusing, "main", { collapsed: true, corner: "top-left" }), false);
  assert.deepEqual(readLegendState(null, "main"), DEFAULT_LEGEND);
});

test("the dock button cycles the four corners", () => {
  let c = "top-left";
  const seen = [];
  for (let i = 0; i < 4; i += 1) {
    seen.push(c);
    c = nextCorner(c);
  }
  assert.deepEqual(seen, CORNERS);
  assert.equal(c, "top-left");
  assert.equal(nextCorner("nowhere"), "top-left");
});

test("placement: left corners at the edge, right ones below the toolbar and above the scale bar; 60 % high at most", () => {
  const reserved = { topRightBottom: 70, bottomRightHeight: 40 };
  const tl = legendPlacement("top-left", 640, reserved);
  assert.deepEqual([tl.left, tl.top, tl.right, tl.bottom], [8, 8, null, null]);
  assert.equal(tl.maxHeight, Math.round(MAX_HEIGHT_SHARE * 640));
  const tr = legendPlacement("top-right", 640, reserved);
  assert.equal(tr.top, 76);            // 6 px below the toolbar's bottom edge
  assert.equal(tr.right, 10);
  const br = legendPlacement("bottom-right", 640, reserved);
  assert.equal(br.bottom, 54);         // above the 40 px scale bar, which sits 8 px from the edge
  const bl = legendPlacement("bottom-left", 640, reserved);
  assert.deepEqual([bl.left, bl.bottom], [8, 8]);
  // a short map: the legend never runs past the far edge
  const short = legendPlacement("top-right", 200, reserved);
  assert.ok(short.top + short.maxHeight <= 200 - 8, short);
});

test("an entry's meaning line and its ramp's end values", () => {
  assert.equal(meaningLine({ meaning: "illumination from the upper left", units: "no units" }), "illumination from the upper left, no units");
  assert.equal(meaningLine({ meaning: "brightness", units: "no units" }), "brightness, no units");
  assert.equal(meaningLine({ units: "% of the window" }), "% of the window");
  assert.equal(meaningLine({ title: "x" }), "");
  assert.equal(formatStop(-5928.3231), "-5,928");
  assert.equal(formatStop(0.123456), "0.12");
  assert.equal(formatStop(30), "30");
  assert.equal(formatStop("n/a"), "n/a");
});

test("a dragged legend docks to the corner nearest where it is let go", () => {
  assert.equal(nearestCorner(10, 10, 800, 600), "top-left");
  assert.equal(nearestCorner(790, 10, 800, 600), "top-right");
  assert.equal(nearestCorner(10, 590, 800, 600), "bottom-left");
  assert.equal(nearestCorner(401, 301, 800, 600), "bottom-right");
  assert.equal(nearestCorner(399, 299, 800, 600), "top-left");
});
