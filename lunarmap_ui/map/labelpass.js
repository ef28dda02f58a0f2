// The label pass in the page: labels.js's pure functions run over the map's label layers with the text
// measured on a canvas, kept clear of what lies over the map (legend, toolbar, scale bar), and the result
// published on the map root as "data-labels" (read by the browser tests).

import { overlayBoxes } from "./dom.js";
import { canvasMeasure, filteredLayer, keptByLayer, labelCandidates, markerBoxes, placeLabels, publishedLabels } from "./labels.js";
import { mapToPx } from "./view.js";

/**
 * Run the pass for the map state `st` and its canvas `size` {width, height}: publish the labels shown and
 * hidden; true when the set of labels shown has changed (the layers must be drawn again).
 */
export function passLabels(st, size) {
  if (!st.deck || !size.width || !size.height) return false;
  const view = st.view();
  if (!st.textMeasure) st.textMeasure = canvasMeasure(document.createElement("canvas").getContext("2d"));
  const project = (p) => mapToPx(view, size, p);
  const candidates = labelCandidates(st.baseLayers, project, st.textMeasure);
  const obstacles = overlayBoxes(st.dom);
  const markers = markerBoxes(st.baseLayers, project);
  const kept = placeLabels(candidates, size, obstacles, markers);
  st.dom.root.dataset.labels = JSON.stringify(publishedLabels(kept, view, candidates, size, obstacles, markers));
  const next = keptByLayer(kept);
  if (st.labelsKept && st.labelsKept.key === next.key) return false;
  st.labelsKept = next;
  return true;
}

/** `layers` with each label layer thinned to the labels the last pass kept (all of them before the first). */
export function withLabels(st, layers) {
  st.labelCache = st.labelCache || new WeakMap();
  return layers.map((layer) => filteredLayer(layer, st.labelsKept, st.labelCache));
}

/** Run the pass for `st` at the next animation frame (at most one pending); `redraw()` when the labels changed. */
export function scheduleLabelPass(st, sizeOf, redraw) {
  if (st.labelFrame) return;
  st.labelFrame = requestAnimationFrame(() => {
    st.labelFrame = 0;
    if (passLabels(st, sizeOf())) redraw();
  });
}
