// labels.js: priorities, screen boxes from anchors, the greedy pass (priority wins, ties, zoom-in shows more),
// the layers thinned to the labels kept, and what is published.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  PRIORITY, canvasMeasure, estimateWidth, filteredLayer, keptByLayer, labelBox, labelCandidates, labelPriority,
  markerBoxes, overlaps, placeLabels, publishedLabels,
} from "../../lunarmap_ui/map/labels.js";
import { mapToPx } from "../../lunarmap_ui/map/view.js";

class FakeLayer {
  constructor(props) {
    this.props = props;
    this.id = props.id;
  }

  clone(props) {
    return new FakeLayer({ ...this.props, ...props });
  }
}

// A measure where every character is exactly 0.5 of the size wide (so boxes are known to the pixel).
const half = (text, size) => text.length * 0.5 * size;

function siteLabels(rows, extra = {}) {
  return new FakeLayer({ id: "site-labels", data: rows, getPosition: (r) => r.position, getText: (r) => r.text,
    getSize: 10, getTextAnchor: "start", getAlignmentBaseline: "center", getPixelOffset: [10, 0], ...extra });
}

test("priorities: selected, then landed, crash, other sites, regions, graticule", () => {
  assert.equal(labelPriority("site-labels", { kind: "target", selected: true }), PRIORITY.selected);
  assert.equal(labelPriority("region-labels", { kind: "region", selected: true }), PRIORITY.selected);
  assert.equal(labelPriority("site-labels", { kind: "landed" }), PRIORITY.landed);
  assert.equal(labelPriority("site-labels", { kind: "crash" }), PRIORITY.crash);
  assert.equal(labelPriority("site-labels", { kind: "planned" }), PRIORITY.site);
  assert.equal(labelPriority("region-labels", { kind: "region" }), PRIORITY.region);
  assert.equal(labelPriority("graticule-labels", { text: "85°S", selected: true }), PRIORITY.graticule);
  const order = [PRIORITY.selected, PRIORITY.landed, PRIORITY.crash, PRIORITY.site, PRIORITY.region, PRIORITY.graticule];
  assert.deepEqual([...order].sort((a, b) => b - a), order);
});

test("a box from its anchor: text anchor, baseline, pixel offset (y down) and padding", () => {
  assert.deepEqual(labelBox([100, 50], 40, 10, "start", "center", [10, 0]), [110, 45, 150, 55]);
  assert.deepEqual(labelBox([100, 50], 40, 10, "middle", "top", [0, 6]), [80, 56, 120, 66]);
  assert.deepEqual(labelBox([100, 50], 40, 10, "end", "bottom"), [60, 40, 100, 50]);
  assert.deepEqual(labelBox([100, 50], 40, 10, "middle", "center", [0, 0], [4, 2, 4, 2]), [76, 43, 124, 57]);
});

test("candidates: projected anchors, measured widths, the layer's size and background padding", () => {
  const view = { target: [1000, 2000], zoom: -2 }; // 4 map metres a pixel
  const size = { width: 400, height: 300 };
  const layer = siteLabels([{ id: "a", kind: "landed", text: "Apollo", position: [1000, 2000] },
    { id: "b", kind: "planned", text: "Base", position: [1400, 1800] }], { background: true, backgroundPadding: [4, 2] });
  const [a, b] = labelCandidates([layer], (p) => mapToPx(view, size, p), half);
  // "Apollo" at 10 px: 30 px wide, 10 high, anchored at the centre (200, 150), 10 px to the right, padded 4 x 2
  assert.deepEqual(a.box, [206, 143, 244, 157]);
  assert.equal(a.priority, PRIORITY.landed);
  assert.equal(a.id, "a");
  // 400 m east, 200 m south: 100 px right, 50 px down
  assert.deepEqual(b.box, [306, 193, 334, 207]);
  // layers not taking part, hidden layers and empty texts give none
  const other = new FakeLayer({ id: "zone-overlaps-labels", data: [{ text: "x", position: [0, 0] }], getText: (r) => r.text, getPosition: (r) => r.position });
  const hidden = siteLabels([{ text: "Gone", position: [0, 0] }], { visible: false });
  const empty = siteLabels([{ text: "", position: [0, 0] }]);
  assert.deepEqual(labelCandidates([other, hidden, empty, null], (p) => p, half), []);
});

test("the estimate is 0.6 of the size a character; the canvas measure sums characters measured at 64 px", () => {
  assert.equal(estimateWidth("abcde", 10), 30);
  const ctx = { font: "", measureText: (ch) => ({ width: ch === "W" ? 64 : 32 }) };
  const measure = canvasMeasure(ctx);
  assert.equal(measure("WiW", 16), (64 + 32 + 64) / 4);
  assert.match(ctx.font, /64px/);
});

test("the higher priority wins an overlap, whatever the order given", () => {
  const low = { id: "region", priority: PRIORITY.region, box: [0, 0, 50, 10] };
  const high = { id: "lander", priority: PRIORITY.landed, box: [40, 5, 90, 15] };
  const apart = { id: "far", priority: PRIORITY.graticule, box: [200, 200, 220, 210] };
  const size = { width: 400, height: 400 };
  assert.deepEqual(placeLabels([low, high, apart], size).map((c) => c.id), ["lander", "far"]);
  assert.deepEqual(placeLabels([high, low, apart], size).map((c) => c.id), ["lander", "far"]);
});

test("ties go to the label given first; labels off the canvas or under an obstacle are not shown", () => {
  const first = { id: "first", priority: PRIORITY.site, box: [0, 0, 50, 10] };
  const second = { id: "second", priority: PRIORITY.site, box: [10, 0, 60, 10] };
  const size = { width: 100, height: 100 };
  assert.deepEqual(placeLabels([first, second], size).map((c) => c.id), ["first"]);
  assert.deepEqual(placeLabels([second, first], size).map((c) => c.id), ["second"]);
  const off = { id: "off", priority: PRIORITY.selected, box: [120, 0, 150, 10] };
  assert.deepEqual(placeLabels([off, first], size).map((c) => c.id), ["first"]);
  // an obstacle (the legend) hides what it covers, and a label it hides blocks nothing
  assert.deepEqual(placeLabels([first, second], size, [[0, 0, 5, 5]]).map((c) => c.id), ["second"]);
  // touching edges are no overlap
  assert.equal(overlaps([0, 0, 10, 10], [10, 0, 20, 10]), false);
});

test("zooming in shows more: two labels that collide at one zoom both show two zooms in", () => {
  const layer = siteLabels([{ id: "a", kind: "landed", text: "Lander one", position: [0, 0] },
    { id: "b", kind: "planned", text: "Plan two", position: [0, -30000] }]);
  const size = { width: 800, height: 600 };
  const shown = (zoom) => {
    const view = { target: [0, 0], zoom };
    return placeLabels(labelCandidates([layer], (p) => mapToPx(view, size, p), half), size).map((c) => c.id);
  };
  // at zoom -12 the two anchors are 30 km / 4096 = 7.3 px apart: 10 px tall boxes overlap; the lander wins
  assert.deepEqual(shown(-12), ["a"]);
  // at -10 they are 29.3 px apart: both show
  assert.deepEqual(shown(-10), ["a", "b"]);
  const counts = [-14, -13, -12, -11, -10, -9].map((z) => shown(z).length);
  for (let i = 1; i < counts.length; i += 1) assert.ok(counts[i] >= counts[i - 1], counts);
});

test("a label layer is thinned to its kept rows (one clone per kept set); other layers pass through", () => {
  const layer = siteLabels([{ text: "a", position: [0, 0] }, { text: "b", position: [1, 0] }, { text: "c", position: [2, 0] }]);
  const raster = new FakeLayer({ id: "raster-psr" });
  const kept = keptByLayer([{ layer: "site-labels", index: 2 }, { layer: "site-labels", index: 0 }]);
  assert.equal(kept.key, "site-labels:0,2");
  const cache = new WeakMap();
  const out = filteredLayer(layer, kept, cache);
  assert.deepEqual(out.props.data.map((r) => r.text), ["a", "c"]);
  assert.equal(filteredLayer(layer, kept, cache), out);
  assert.equal(filteredLayer(raster, kept, cache), raster);
  assert.equal(filteredLayer(layer, undefined, cache), layer); // before the first pass: as given
  assert.deepEqual(filteredLayer(layer, keptByLayer([]), cache).props.data, []);
});

test("published: the view, the shown and the hidden labels on the canvas, boxes to 0.1 px", () => {
  const a = { id: "a", layer: "site-labels", index: 0, text: "A", priority: 90, box: [1.234, 2, 3, 4] };
  const b = { id: "b", layer: "site-labels", index: 1, text: "B", priority: 70, box: [2, 2, 3, 4] };
  const off = { id: "c", layer: "site-labels", index: 2, text: "C", priority: 70, box: [-50, 2, -40, 4] };
  const out = publishedLabels([a], { target: [5, 6, 0], zoom: -3 }, [a, b, off], { width: 100, height: 100 }, [[0, 0, 1.26, 1]]);
  assert.deepEqual(out.target, [5, 6]);
  assert.equal(out.zoom, -3);
  assert.deepEqual(out.labels, [{ id: "a", layer: "site-labels", text: "A", priority: 90, box: [1.2, 2, 3, 4] }]);
  assert.deepEqual(out.hidden.map((h) => h.id), ["b"]);
  assert.deepEqual(out.obstacles, [[0, 0, 1.3, 1]]);
});

test("a label never covers another site's dot, only its own", () => {
  const layers = [new FakeLayer({ id: "sites", data: [{ id: "a", position: [0, 0] }, { id: "b", position: [30, 0] }] })];
  const markers = markerBoxes(layers, (p) => [100 + p[0], 100 - p[1]]);
  assert.deepEqual(markers, [{ id: "a", box: [91, 91, 109, 109] }, { id: "b", box: [121, 91, 139, 109] }]);
  const own = { id: "a", layer: "site-labels", index: 0, priority: 90, box: [106, 94, 118, 106] };   // over a's dot only
  const across = { id: "c", layer: "site-labels", index: 1, priority: 90, box: [112, 94, 160, 106] }; // over b's dot
  const kept = placeLabels([own, across], { width: 400, height: 400 }, [], markers);
  assert.deepEqual(kept.map((k) => k.id), ["a"]);
  const hidden = new FakeLayer({ id: "sites", data: [{ id: "a", position: [0, 0] }], visible: false });
  assert.deepEqual(markerBoxes([hidden], (p) => p), [], "a hidden sites layer hides nothing");
  const published = publishedLabels(kept, { zoom: 0, target: [0, 0] }, [own, across], { width: 400, height: 400 }, [], markers);
  assert.equal(published.markers.length, 2);
});
