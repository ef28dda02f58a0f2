// Navigation: zoom steps within limits, the view's address form and its parsing, the keys.
import { test } from "node:test";
import assert from "node:assert/strict";

import { navigationKey, parseViewParam, viewParam, withViewParam, zoomed } from "../../lunarmap_ui/map/navigation.js";

test("zoomed: one step doubles the scale and stays within the view's limits", () => {
  assert.deepEqual(zoomed({ target: [5, 6], zoom: -9 }, 1), { target: [5, 6], zoom: -8 });
  assert.equal(zoomed({ target: [0, 0], zoom: 2.5 }, 1).zoom, 3);
  assert.equal(zoomed({ target: [0, 0], zoom: -13.5 }, -1).zoom, -14);
  assert.equal(zoomed({ target: [0, 0], zoom: -5, minZoom: -6 }, -3).zoom, -6);
});

test("viewParam / parseViewParam round-trip to the metre and 1/100 of a zoom step", () => {
  const v = { target: [-123456.4, 98765.6], zoom: -7.254 };
  assert.equal(viewParam(v), "-123456,98766,-7.25");
  assert.deepEqual(parseViewParam(viewParam(v)), { target: [-123456, 98766], zoom: -7.25 });
  for (const bad of ["", "1,2", "1,2,3,4", "a,b,c", "1,,2", null, undefined, "1,2,NaN", "1,2,Infinity"]) {
    assert.equal(parseViewParam(bad), null, String(bad));
  }
});

test("withViewParam sets the view and keeps the other parameters", () => {
  const v = { target: [1, 2], zoom: -3 };
  assert.equal(withViewParam("", v), "?view=1,2,-3.00");
  assert.equal(withViewParam("?scenario=abc&layers=psr,sites", v), "?scenario=abc&layers=psr%2Csites&view=1,2,-3.00".replace("%2C", ","));
  assert.equal(withViewParam("?view=9,9,9&scenario=x", v), "?view=1,2,-3.00&scenario=x");
});

test("navigationKey: + = in, - _ out, 0 Home home; modified keys are the browser's", () => {
  const k = (key, mods = {}) => navigationKey({ key, ...mods });
  assert.deepEqual(["+", "=", "-", "_", "0", "Home", "a"].map((x) => k(x)), ["in", "in", "out", "out", "home", "home", null]);
  assert.equal(k("+", { ctrlKey: true }), null);
  assert.equal(k("-", { metaKey: true }), null);
});
