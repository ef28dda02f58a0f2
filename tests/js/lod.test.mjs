// lod.js: a display image's preview at the opening view, its full image fetched only when the view needs it.

import assert from "node:assert/strict";
import { test } from "node:test";

import { zoomFiltered } from "../../lunarmap_ui/map/layers.js";
import { fullImageZoom, levelLayers, withFullImage } from "../../lunarmap_ui/map/lod.js";

class FakeLayer {
  constructor(props) {
    this.props = { visible: true, ...props };
    this.id = props.id;
  }

  clone(props) {
    return new FakeLayer({ ...this.props, ...props });
  }
}

// The 1.6 km elevation image's bounds (3,254.4 km across) and its 1,017 px preview: 3,200 m per preview pixel.
const BOUNDS = [-1627200, -1627200, 1627200, 1627200];

test("the full image is needed once a view pixel is finer than a preview pixel (device pixels count)", () => {
  const z = fullImageZoom(BOUNDS, 1017);
  assert.ok(Math.abs(2 ** -z - 3200) < 1e-9);                          // at that zoom one CSS px is 3,200 m
  assert.ok(Math.abs(fullImageZoom(BOUNDS, 1017, 2) - (z - 1)) < 1e-12); // a 2x screen needs it one zoom level sooner
});

function entry(loads) {
  const e = { layer: new FakeLayer({ id: "raster-elevation-preview" }), minZoom: null, visible: true, shown: null };
  const full = new FakeLayer({ id: "raster-elevation" });
  return withFullImage(e, BOUNDS, 1017, () => {
    loads.push(1);
    return loads.length >= 2 ? full : null; // the first call starts the fetch, the second finds it decoded
  }, 1);
}

test("zoomed out: the preview alone, and the full image is not fetched", () => {
  const loads = [];
  const e = entry(loads);
  const out = zoomFiltered([e], -12.4);
  assert.deepEqual(out.map((l) => [l.id, l.props.visible]), [["raster-elevation-preview", true]]);
  assert.equal(loads.length, 0);
});

test("zoomed in: the preview while the full image loads, then the full image with the preview kept hidden", () => {
  const loads = [];
  const e = entry(loads);
  const zIn = e.lod.zoom + 0.5;
  assert.deepEqual(levelLayers(e, zIn).map((l) => [l.id, l.props.visible]), [["raster-elevation-preview", true]]);
  assert.equal(loads.length, 1);
  const both = levelLayers(e, zIn);
  assert.deepEqual(both.map((l) => [l.id, l.props.visible]), [["raster-elevation-preview", false], ["raster-elevation", true]]);
  assert.deepEqual(levelLayers(e, zIn), both);                          // the same layer objects while nothing changes
  assert.equal(levelLayers(e, zIn)[1], both[1]);
  // zoomed out again: the preview drawn, the full image hidden but kept (its texture is not made again)
  const out = levelLayers(e, e.lod.zoom - 1);
  assert.deepEqual(out.map((l) => [l.id, l.props.visible]), [["raster-elevation-preview", true], ["raster-elevation", false]]);
  assert.equal(loads.length, 2);
});

test("a full image that failed to load leaves the preview drawn and is not asked for again", () => {
  const e = { layer: new FakeLayer({ id: "p" }), minZoom: null, visible: true, shown: null };
  let calls = 0;
  withFullImage(e, BOUNDS, 1017, () => {
    calls += 1;
    e.lod.failed = true;
    return null;
  }, 1);
  levelLayers(e, 0);
  assert.deepEqual(levelLayers(e, 0).map((l) => [l.id, l.props.visible]), [["p", true]]);
  assert.equal(calls, 1);
});
