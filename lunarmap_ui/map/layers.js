// The map's layers: the spec's layers (converted once per distinct spec, raster images fetched and
// decoded once per page, an image with a preview drawn from the level that suits the zoom: lod.js, rows sent
// by reference fetched once per page: rows.js), hidden below their "lmMinZoom", and all layers in their
// drawing order.

import { convertLayerSpec } from "./converter.js";
import { hasRowsUrl, prefetchRows, rowsFor, withRows } from "./rows.js";
import { levelLayers, withFullImage } from "./lod.js";
import { tileLayer } from "./tiles.js";
import { zoneLayers } from "./zones.js";

// Raster images are fetched and decoded (createImageBitmap, off the main thread) as soon as the
// component mounts, in parallel with loading deck.gl, and kept for the page's life: a layer turned
// off and on again is drawn from memory. Each URL is a content-hashed static file.
export function imageFor(store, url) {
  let entry = store.images.get(url);
  if (!entry) {
    entry = { bitmap: null, error: null, promise: null };
    entry.promise = fetch(new URL(url, document.baseURI).href)
      .then((r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return r.blob();
      })
      .then((blob) => createImageBitmap(blob, { premultiplyAlpha: "none" })) // as deck.gl's image loader
      .then((bitmap) => {
        entry.bitmap = bitmap;
        return bitmap;
      })
      .catch((error) => {
        entry.error = error;
        store.images.delete(url);
        throw error;
      });
    store.images.set(url, entry);
  }
  return entry;
}

function isBitmap(spec) {
  return spec["@@type"] === "BitmapLayer" && typeof spec.image === "string";
}

function previewOf(spec) {
  return typeof spec.lmPreview === "string" ? spec.lmPreview : null;
}

/**
 * Start fetching (and decoding) the spec's raster images (of an image with a preview, the preview only: the
 * full image when the view needs it) and its rows sent by reference.
 */
export function prefetchImages(store, layerSpecs) {
  for (const spec of (layerSpecs || []).filter(isBitmap)) imageFor(store, previewOf(spec) || spec.image).promise.catch(() => {});
  prefetchRows(store, layerSpecs);
}

// The full image's layer of a raster with a preview, or null while it is fetched and decoded (a failed one
// leaves the preview drawn, and the error is shown once).
function fullImageLayer(st, store, spec, entry, onImage) {
  const img = imageFor(store, spec.image);
  if (img.bitmap) return convertLayerSpec(st.converter, spec, img.bitmap).layer;
  img.promise.catch(() => { entry.lod.failed = true; });
  waitFor(st, img.promise, onImage);
  return null;
}

// One waiter per image or rows file and map: every render converts the layers again while they load, and
// a waiter per render made each load redraw the map once per render before it (dozens of frames).
function waitFor(st, promise, onImage) {
  st.waiting = st.waiting || new Set();
  if (st.waiting.has(promise)) return;
  st.waiting.add(promise);
  st.pending += 1;
  // a loaded map is not loaded from now (e.g. a zoom that needs a full image), not only from its next frame
  if (st.dom && st.dom.root && st.dom.root.dataset.loaded === "1") st.dom.root.dataset.loaded = "0";
  const done = (error) => {
    st.waiting.delete(promise);
    st.pending -= 1;
    onImage(error);
  };
  promise.then(() => done(null), done);
}

/**
 * The spec's layers as deck.gl layers (those shown at the current zoom). A raster whose image is not
 * decoded yet is left out, and a layer whose rows (by reference) are not here yet keeps its last drawing
 * or is left out; `onImage(error | null)` runs when they are.
 */
export function convertLayers(st, store, layerSpecs, onImage) {
  const next = new Map();
  const entries = [];
  const before = new Map((st.entries || []).map((e) => [e.layer && e.layer.id, e]));
  for (const spec of layerSpecs || []) {
    const key = JSON.stringify(spec);
    let entry = st.layerCache.get(key);
    if (!entry && hasRowsUrl(spec) && !withRows(store, spec)) {
      waitFor(st, rowsFor(store, spec.dataUrl).promise, onImage);
      if (before.has(spec.id)) entries.push(before.get(spec.id)); // e.g. a new selection: the old rows meanwhile
      continue;
    }
    if (!entry && spec.lmTiles) {
      const layer = tileLayer(globalThis.deck, spec, onImage); // full-resolution tiles (tiles.js)
      entry = { layer, minZoom: null, visible: spec.visible !== false, shown: null };
    }
    if (!entry && isBitmap(spec) && previewOf(spec)) {
      const preview = imageFor(store, previewOf(spec));
      if (!preview.bitmap) {
        waitFor(st, preview.promise, onImage);
        continue; // drawn once its preview is decoded; the full image when the view needs it (lod.js)
      }
      entry = convertLayerSpec(st.converter, { ...spec, id: `${spec.id}-preview` }, preview.bitmap);
      withFullImage(entry, spec.bounds, preview.bitmap.width, () => fullImageLayer(st, store, spec, entry, onImage));
    }
    if (!entry && isBitmap(spec)) {
      const img = imageFor(store, spec.image);
      if (!img.bitmap) {
        waitFor(st, img.promise, onImage);
        continue; // drawn once its image is decoded
      }
      entry = convertLayerSpec(st.converter, spec, img.bitmap);
    }
    if (!entry) entry = convertLayerSpec(st.converter, withRows(store, spec));
    next.set(key, entry);
    entries.push(entry);
  }
  st.layerCache = next;
  st.entries = entries;
  return zoomFiltered(st.entries, (st.view() || { zoom: 0 }).zoom);
}

/**
 * The layers to draw at `zoom`: a layer with a minimum zoom is cloned visible or hidden (clones kept); a raster
 * with a preview gives the level that suits the zoom (lod.js).
 */
export function zoomFiltered(entries, zoom) {
  return entries.flatMap((e) => {
    if (e.lod) return levelLayers(e, zoom);
    if (e.minZoom === null) return e.layer;
    const show = e.visible && zoom >= e.minZoom;
    if (!e.shown || e.shown.props.visible !== show) e.shown = e.layer.clone({ visible: show });
    return e.shown;
  });
}

/**
 * All layers in their order: rasters and overlays, the zones (above the region fills, which would wash
 * them out), the zone overlaps ("zone-overlaps..." ids), region labels and sites, markers ("marker-..."
 * ids: ranked places, above everything they mark), then `guides` (the shape being drawn). `withHandles`: the selected zone's edit handles are drawn too.
 */
export function composeLayers(st, guides, withHandles = false) {
  const base = st.baseLayers || [];
  let at = base.findIndex((l) => l && typeof l.id === "string" && (l.id.startsWith("site") || l.id === "region-labels"));
  if (at < 0) at = base.length;
  if (!st.zoneLayerCache || st.zoneLayerCache.version !== st.zoneVersion) {
    st.zoneLayerCache = { version: st.zoneVersion, layers: zoneLayers(st, withHandles) };
  }
  const isOverlap = (l) => l && typeof l.id === "string" && l.id.startsWith("zone-overlaps");
  const isMarker = (l) => l && typeof l.id === "string" && l.id.startsWith("marker-");
  const below = base.slice(0, at).filter((l) => !isOverlap(l) && !isMarker(l));
  const overlaps = base.filter(isOverlap);
  const above = base.slice(at).filter((l) => !isOverlap(l) && !isMarker(l));
  return [...below, ...st.zoneLayerCache.layers, ...overlaps, ...above, ...base.filter(isMarker), ...guides];
}
