// view.js: screen <-> map for the OrthographicView, the view's bounds and the scale bar.

import assert from "node:assert/strict";
import { test } from "node:test";

import { mapToPx, pxToMap, scaleBar, viewBounds, viewStateFrom } from "../../lunarmap_ui/map/view.js";

const VIEW = { target: [1000, -2000], zoom: -3 };
const SIZE = { width: 800, height: 600 };

test("pixel -> map -> pixel returns the start; the centre pixel is the target; y goes up", () => {
  for (const px of [[0, 0], [400, 300], [799, 1], [123.5, 456.25]]) {
    const back = mapToPx(VIEW, SIZE, pxToMap(VIEW, SIZE, px));
    assert.ok(Math.hypot(back[0] - px[0], back[1] - px[1]) < 1e-9);
  }
  assert.deepEqual(pxToMap(VIEW, SIZE, [400, 300]), [1000, -2000]);
  assert.ok(pxToMap(VIEW, SIZE, [400, 0])[1] > -2000);
});

test("the region message is the view's bounds with its zoom", () => {
  assert.deepEqual(viewBounds(VIEW, SIZE), { x0: 1000 - 3200, y0: -2000 - 2400, x1: 1000 + 3200, y1: -2000 + 2400, zoom: -3 });
});

test("the scale bar is true at the pole (k = 1) and says so", () => {
  const bar = scaleBar({ target: [0, 0], zoom: -9 });
  assert.equal(bar.k, 1);
  assert.equal(bar.lengthM, 50000); // 120 px of 512 m
  assert.equal(bar.widthPx, 50000 / 512);
  assert.equal(bar.text, "50 km (true at 90.0° S, k = 1.000)");
});

test("a protocol view becomes a deck.gl view state with default zoom limits", () => {
  assert.deepEqual(viewStateFrom({ target: [1, 2], zoom: -5 }), { target: [1, 2, 0], zoom: -5, minZoom: -14, maxZoom: 3 });
});
