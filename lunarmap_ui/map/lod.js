// Two levels of detail for a display image: its preview (a reduced copy, at most 1024 px a side, published by
// lunarmap_ui.static_files.publish_preview) and the full image. The preview is fetched first and drawn while the
// view's device pixels are no finer than its own; the full image is fetched and decoded only once the view
// needs it (zoomed in). Once both are there each is drawn at the zooms that suit it, and both stay in the
// layer list (the one not drawn hidden), so neither texture is made again when the view crosses over.
// (The opening view then fetches 3.2 MB of images instead of 7.1 MB and uploads 4 Mpx of textures instead of
// 32 Mpx; bench/bench_page.py measured the warm load at 3.47 s with previews against 3.8-4.0 s without.)

/**
 * The zoom (OrthographicView: 2^zoom CSS px per metre) beyond which an image `widthPx` wide over `bounds`
 * ([minx, miny, maxx, maxy] metres) is magnified on a screen of `pixelRatio` device px per CSS px.
 */
export function fullImageZoom(bounds, widthPx, pixelRatio = 1) {
  const metresPerPx = (bounds[2] - bounds[0]) / widthPx;
  return -Math.log2(metresPerPx * pixelRatio);
}

/**
 * Make `entry` (its layer drawn from the preview, `previewWidth` px wide) a two-level raster. `loadFull()`
 * returns the full image's layer, or null while it is fetched and decoded (it is called again on later views).
 */
export function withFullImage(entry, bounds, previewWidth, loadFull, pixelRatio = globalThis.devicePixelRatio || 1) {
  entry.lod = { zoom: fullImageZoom(bounds, previewWidth, pixelRatio), loadFull, full: null, failed: false, drawn: {} };
  return entry;
}

function shown(lod, which, layer, visible) {
  const last = lod.drawn[which];
  if (!last || last.source !== layer || last.layer.props.visible !== visible) {
    lod.drawn[which] = { source: layer, layer: layer.props.visible === visible ? layer : layer.clone({ visible }) };
  }
  return lod.drawn[which].layer;
}

/** The layers of a two-level raster entry at `zoom`: the preview alone, or both with the one that suits shown. */
export function levelLayers(entry, zoom) {
  const lod = entry.lod;
  const wantFull = zoom > lod.zoom;
  if (wantFull && !lod.full && !lod.failed) lod.full = lod.loadFull();
  if (!lod.full) return [shown(lod, "preview", entry.layer, entry.visible)];
  return [shown(lod, "preview", entry.layer, entry.visible && !wantFull), shown(lod, "full", lod.full, entry.visible && wantFull)];
}
