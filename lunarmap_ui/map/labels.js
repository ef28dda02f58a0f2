// Labels that do not collide: every map label gets a priority and a screen box, and a greedy pass keeps
// a label only when its box overlaps no label kept before it (highest priority first). Hidden labels come
// back as the view zooms in (anchors spread, boxes keep their pixel size). The pass runs in the browser
// on every view change (once per animation frame) and its result is published on the map root
// ("data-labels"), so a test can read what is shown. deck.gl's CollisionFilterExtension does the same
// on the GPU, but its result cannot be read back.
//
// Pure functions of layer-like objects ({id, props}: deck.gl layers or plain objects in the tests), a
// projection (map metres -> canvas pixels) and a text measure; nothing here touches the DOM.

/** The label layers that take part, and how high their labels rank (higher wins). */
export const LABEL_LAYERS = ["site-labels", "region-labels", "graticule-labels"];

/** Priorities: selected places, then landed craft, crash sites, other sites, regions, graticule labels. */
export const PRIORITY = { selected: 100, landed: 90, crash: 80, site: 70, region: 50, graticule: 10 };

/** A label's priority from its layer and row (rows carry `kind` and `selected` from lunarmap/layers.py). */
export function labelPriority(layerId, row) {
  if (layerId === "graticule-labels") return PRIORITY.graticule;
  if (row && row.selected === true) return PRIORITY.selected;
  if (layerId === "region-labels") return PRIORITY.region;
  const kind = row && row.kind;
  if (kind === "landed") return PRIORITY.landed;
  if (kind === "crash") return PRIORITY.crash;
  return PRIORITY.site;
}

/** Width in pixels of `text` at `sizePx` when no canvas is at hand: 0.6 of the size per character. */
export function estimateWidth(text, sizePx) {
  return Array.from(String(text)).length * 0.6 * sizePx;
}

/**
 * A measure from a canvas 2D context: the text's width at `sizePx` as deck.gl lays it out (the sum of each
 * character's width measured at 64 px, deck.gl's font-atlas size, scaled), cached per font and character.
 */
export function canvasMeasure(ctx, fontFamily = "Helvetica, Arial, sans-serif", fontWeight = "normal") {
  const cache = new Map();
  return (text, sizePx, family = fontFamily, weight = fontWeight) => {
    const font = `${weight} 64px ${family}`;
    let w = 0;
    for (const ch of Array.from(String(text))) {
      const key = font + "|" + ch;
      let cw = cache.get(key);
      if (cw === undefined) {
        ctx.font = font;
        cw = ctx.measureText(ch).width;
        cache.set(key, cw);
      }
      w += cw;
    }
    return (w * sizePx) / 64;
  };
}

function accessor(value, row, index, data) {
  return typeof value === "function" ? value(row, { index, data, target: [] }) : value;
}

function padding(p) {
  if (!Array.isArray(p)) return [0, 0, 0, 0];
  return p.length >= 4 ? p.slice(0, 4) : [p[0] || 0, p[1] || 0, p[0] || 0, p[1] || 0];
}

/**
 * The screen box [x0, y0, x1, y1] (CSS pixels, y down) of a text of `width` x `height` pixels anchored at
 * `px`: `anchor` "start" | "middle" | "end", `baseline` "top" | "center" | "bottom", moved by `offset`
 * [dx, dy] pixels (y down, as deck.gl's getPixelOffset) and grown by `pad` [left, top, right, bottom].
 */
export function labelBox(px, width, height, anchor = "middle", baseline = "center", offset = [0, 0], pad = [0, 0, 0, 0]) {
  const x = px[0] + (offset[0] || 0);
  const y = px[1] + (offset[1] || 0);
  const x0 = anchor === "start" ? x : anchor === "end" ? x - width : x - width / 2;
  const y0 = baseline === "top" ? y : baseline === "bottom" ? y - height : y - height / 2;
  return [x0 - pad[0], y0 - pad[1], x0 + width + pad[2], y0 + height + pad[3]];
}

/** Do two boxes [x0, y0, x1, y1] overlap (touching edges do not)? */
export function overlaps(a, b) {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

/**
 * Every label of the visible label layers as {layer, index, id, text, priority, box}. `project(p)` gives the
 * canvas pixel of a map point; `measure(text, sizePx, fontFamily, fontWeight)` a text's width in pixels.
 */
export function labelCandidates(layers, project, measure = estimateWidth) {
  const out = [];
  for (const layer of layers || []) {
    if (!layer || !LABEL_LAYERS.includes(layer.id)) continue;
    const p = layer.props || {};
    if (p.visible === false || !Array.isArray(p.data)) continue;
    const lineHeight = typeof p.lineHeight === "number" ? p.lineHeight : 1;
    const pad = p.background ? padding(p.backgroundPadding) : [0, 0, 0, 0];
    p.data.forEach((row, index) => {
      const text = accessor(p.getText, row, index, p.data);
      const pos = accessor(p.getPosition, row, index, p.data);
      if (text === undefined || text === null || text === "" || !Array.isArray(pos)) return;
      const size = Number(accessor(p.getSize, row, index, p.data)) || 12;
      const width = measure(String(text), size, p.fontFamily, p.fontWeight);
      const box = labelBox(project(pos), width, size * lineHeight, accessor(p.getTextAnchor, row, index, p.data),
        accessor(p.getAlignmentBaseline, row, index, p.data), accessor(p.getPixelOffset, row, index, p.data) || [0, 0], pad);
      out.push({ layer: layer.id, index, id: row && row.id !== undefined ? String(row.id) : `${layer.id}:${index}`,
        text: String(text), priority: labelPriority(layer.id, row), box });
    });
  }
  return out;
}

/**
 * The labels to show: those whose box meets the canvas (`size` {width, height}), highest priority first
 * (ties in the order given), each kept only when it overlaps no label kept before it and none of the
 * `obstacles` (boxes of what lies over the map: the legend, the toolbar, the scale bar).
 */
export function placeLabels(candidates, size, obstacles = [], markers = []) {
  const screen = [0, 0, size.width, size.height];
  const order = candidates
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => overlaps(c.box, screen))
    .sort((a, b) => b.c.priority - a.c.priority || a.i - b.i);
  const kept = [];
  for (const { c } of order) {
    if (kept.some((k) => overlaps(k.box, c.box)) || obstacles.some((o) => overlaps(o, c.box))) continue;
    if (!markers.some((m) => m.id !== c.id && overlaps(m.box, c.box))) kept.push(c); // no other site's dot hidden
  }
  return kept;
}

/** The kept labels as {layerId: Set of row indices}, and a key that changes only when the set does. */
export function keptByLayer(kept) {
  const by = {};
  for (const k of kept) (by[k.layer] = by[k.layer] || new Set()).add(k.index);
  const key = Object.keys(by).sort().map((id) => id + ":" + [...by[id]].sort((a, b) => a - b).join(",")).join(";");
  return { by, key };
}

/**
 * `layer` with only its kept rows (a clone, cached on `cache` per layer and key), or the layer itself when
 * it takes no part. `kept` is {by, key} of keptByLayer.
 */
export function filteredLayer(layer, kept, cache) {
  if (!layer || !LABEL_LAYERS.includes(layer.id) || !kept || !Array.isArray(layer.props && layer.props.data)) return layer;
  const rows = kept.by[layer.id] || new Set();
  const hit = cache.get(layer);
  if (hit && hit.key === kept.key) return hit.layer;
  const clone = layer.clone({ data: layer.props.data.filter((_, i) => rows.has(i)) });
  cache.set(layer, { key: kept.key, layer: clone });
  return clone;
}

/**
 * What the map root publishes: the view the pass ran for, each shown label and each label hidden on the
 * canvas (id, layer, text, priority, box rounded to 0.1 px), and the obstacles the labels kept clear of.
 */
export function publishedLabels(kept, view, candidates = [], size = null, obstacles = [], markers = []) {
  const r = (v) => Math.round(v * 10) / 10;
  const plain = (k) => ({ id: k.id, layer: k.layer, text: k.text, priority: k.priority, box: k.box.map(r) });
  const shown = new Set(kept);
  const screen = size ? [0, 0, size.width, size.height] : null;
  return {
    zoom: view.zoom,
    target: [view.target[0], view.target[1]],
    labels: kept.map(plain),
    hidden: candidates.filter((c) => !shown.has(c) && screen && overlaps(c.box, screen)).map(plain),
    obstacles: obstacles.map((o) => o.map(r)),
    markers: markers.map((m) => ({ id: m.id, box: m.box.map(r) })),
  };
}

/**
 * Screen boxes {id, box} of the site markers (the visible rows of the "sites" layer), `radiusPx` around each:
 * a label may cover its own site's dot, never another's.
 */
export function markerBoxes(layers, project, radiusPx = 9) {
  const out = [];
  for (const layer of layers || []) {
    if (!layer || layer.id !== "sites") continue;
    const p = layer.props || {};
    if (p.visible === false || !Array.isArray(p.data)) continue;
    for (const row of p.data) {
      if (!row || !Array.isArray(row.position)) continue;
      const [x, y] = project(row.position);
      out.push({ id: String(row.id), box: [x - radiusPx, y - radiusPx, x + radiusPx, y + radiusPx] });
    }
  }
  return out;
}
