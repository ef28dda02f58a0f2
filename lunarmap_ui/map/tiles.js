// Map tiles of the full-resolution products (lunarmap/tiles.py, served by lunarmap_ui/tile_server.py): deck.gl's
// TileLayer in the map's OrthographicView, whose units are map metres (IAU_2015:30135).
//
// deck.gl cuts the plane into tiles of 256 / 2^d metres at its level d, edges at multiples of that from 0; the
// polar tile matrix set's level z has tiles of 2^22 / 2^z metres with its origin at the square's top-left corner
// (-2^21, +2^21). They are the same tiles (z = d + 14); the tile's TMS level, column and row are read from
// deck.gl's bounding box of it, not from deck.gl's indices, so nothing here depends on deck.gl's numbering.
// Only the tiles in view are asked for (deck.gl's `extent` stops at the product's edge); a level beyond the
// product's finest is drawn from the finest tiles, enlarged.
//
// Tiles asked for, drawn, failed and given up (deck.gl aborts a request whose tile left the view before it came)
// are listed in globalThis.__lunarmapTiles (the browser tests and bench/bench_tiles.py read them).

export const TMS_HALF_M = 2 ** 21;
export const DECK_LEVEL_OFFSET = 14;
export const MAX_TMS_ZOOM = 14;

/** The TMS tile {z, x, y} of a deck.gl tile bounding box {left, top, right, bottom} (map metres), or null. */
export function tmsTile(bbox) {
  const span = Math.abs(bbox.right - bbox.left);
  if (!(span > 0)) return null;
  const z = Math.round(Math.log2((2 * TMS_HALF_M) / span));
  const x = Math.round((Math.min(bbox.left, bbox.right) + TMS_HALF_M) / span);
  const y = Math.round((TMS_HALF_M - Math.max(bbox.top, bbox.bottom)) / span);
  const n = 2 ** z;
  if (z < 1 || z > MAX_TMS_ZOOM || x < 0 || y < 0 || x >= n || y >= n) return null;
  return { z, x, y };
}

/** A tile's URL from the template's {z}, {x}, {y}. */
export function tileUrl(template, t) {
  return template.replace("{z}", String(t.z)).replace("{x}", String(t.x)).replace("{y}", String(t.y));
}

/** [minX, minY, maxX, maxY] of a deck.gl tile bounding box (its "top" is the smaller y in a y-up view). */
export function tileBounds(bbox) {
  return [Math.min(bbox.left, bbox.right), Math.min(bbox.top, bbox.bottom), Math.max(bbox.left, bbox.right),
    Math.max(bbox.top, bbox.bottom)];
}

function stats() {
  const s = (globalThis.__lunarmapTiles = globalThis.__lunarmapTiles || { requested: [], drawn: [], failed: [], aborted: [] });
  return s;
}

async function fetchTile(template, tile) {
  const t = tmsTile(tile.bbox);
  if (!t) return null;
  const url = tileUrl(template, t);
  stats().requested.push(url);
  let response;
  try {
    response = await fetch(new URL(url, document.baseURI).href, { signal: tile.signal });
  } catch (error) {
    if (tile.signal && tile.signal.aborted) stats().aborted.push(url);
    throw error;
  }
  if (response.status === 204) return null; // no data in this tile
  if (!response.ok) {
    const text = (await response.text()).slice(0, 400);
    stats().failed.push(url);
    throw new Error(`tile ${t.z}/${t.x}/${t.y}: HTTP ${response.status} ${text}`);
  }
  const bitmap = await createImageBitmap(await response.blob(), { premultiplyAlpha: "none" });
  return { url, bitmap };
}

const FETCHERS = new Map(); // one getTileData per template: a stable function, so a new layer reloads nothing

function fetcherFor(template) {
  if (!FETCHERS.has(template)) FETCHERS.set(template, (tile) => fetchTile(template, tile));
  return FETCHERS.get(template);
}

function renderTile(deck, props) {
  const data = props.data;
  if (!data || !data.bitmap) return null;
  return new deck.BitmapLayer({
    id: `${props.id}-bitmap`,
    image: data.bitmap,
    bounds: tileBounds(props.tile.bbox),
    coordinateSystem: deck.COORDINATE_SYSTEM.CARTESIAN,
    opacity: props.opacity,
    pickable: false,
    onDataLoad: null,
  });
}

/**
 * The deck.gl TileLayer of a spec {"@@type": "TileLayer", id, opacity, visible, lmTiles: {url, extent, minZoom,
 * maxZoom}} (TMS levels). `onError(error)` is told of a tile that could not be loaded (once per message).
 */
export function tileLayer(deck, spec, onError) {
  const { id, opacity, visible, lmTiles } = spec;
  const seen = new Set();
  return new deck.TileLayer({
    id,
    data: lmTiles.url,
    opacity: typeof opacity === "number" ? opacity : 1,
    visible: visible !== false,
    coordinateSystem: deck.COORDINATE_SYSTEM.CARTESIAN,
    tileSize: 256,
    extent: lmTiles.extent,
    minZoom: lmTiles.minZoom - DECK_LEVEL_OFFSET,
    maxZoom: lmTiles.maxZoom - DECK_LEVEL_OFFSET,
    // below its first level the layer asks for nothing (deck.gl would otherwise load that level's tiles of the
    // whole view): a product without overviews starts a few levels above the whole map
    visibleMinZoom: lmTiles.minZoom - DECK_LEVEL_OFFSET - 1,
    getTileData: fetcherFor(lmTiles.url),
    renderSubLayers: (props) => renderTile(deck, props),
    onTileLoad: (tile) => {
      if (tile.content && tile.content.url) stats().drawn.push(tile.content.url);
    },
    onTileError: (error) => {
      const text = error && error.message ? error.message : String(error);
      if (!seen.has(text) && onError) onError(new Error(text));
      seen.add(text);
    },
    pickable: false,
  });
}
