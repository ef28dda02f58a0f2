// tiles.js: deck.gl's tiles in the OrthographicView are the polar tile matrix set's tiles (lunarmap/tiles.py).

import assert from "node:assert/strict";
import { test } from "node:test";

import { DECK_LEVEL_OFFSET, tileBounds, tileLayer, tileUrl, tmsTile } from "../../lunarmap_ui/map/tiles.js";
import { readFixture } from "./helpers.mjs";

// deck.gl's bounding box of its tile (x, y) at level d in a non-geospatial view (tileset-2d/utils tile2XY):
// left = x * 256 / 2^d, top = y * 256 / 2^d, right and bottom one tile further; y grows upward in our view.
function deckBbox(x, y, d) {
  const span = 256 / 2 ** d;
  return { left: x * span, top: y * span, right: (x + 1) * span, bottom: (y + 1) * span };
}

test("every deck.gl tile is the TMS tile the library bounds, pixel edge for pixel edge", () => {
  for (const t of readFixture("geodesy.json").tiles) {
    const [x0, y0, x1, y1] = t.bounds;
    const d = t.z - DECK_LEVEL_OFFSET;
    const span = 256 / 2 ** d;
    assert.equal(x1 - x0, span);
    const bbox = deckBbox(Math.round(x0 / span), Math.round(y0 / span), d);
    assert.deepEqual(tmsTile(bbox), { z: t.z, x: t.x, y: t.y });
    assert.deepEqual(tileBounds(bbox), t.bounds);
  }
});

test("tiles outside the tile matrix set are not asked for", () => {
  assert.equal(tmsTile(deckBbox(0, 0, -14)), null); // level 0: one tile centred on the pole, left out
  assert.equal(tmsTile(deckBbox(2, 0, -13)), null); // east of the square
  assert.equal(tmsTile(deckBbox(0, 0, 1)), null); // finer than 1 m per pixel
  assert.equal(tmsTile({ left: 0, right: 0, top: 0, bottom: 0 }), null);
});

test("URLs fill the template's level, column and row", () => {
  assert.equal(tileUrl("lunarmap/tiles/k/{z}/{x}/{y}.png", { z: 12, x: 2048, y: 2047 }), "lunarmap/tiles/k/12/2048/2047.png");
});

test("the tile layer asks deck.gl for the product's levels only and hides below its first", () => {
  class FakeTileLayer {
    constructor(props) {
      this.props = props;
    }
  }
  const deck = { TileLayer: FakeTileLayer, BitmapLayer: FakeTileLayer, COORDINATE_SYSTEM: { CARTESIAN: 0 } };
  const spec = { id: "tiles-elevation-x", opacity: 0.35, lmTiles: { url: "t/{z}/{x}/{y}.png", extent: [0, 0, 10, 10],
    minZoom: 8, maxZoom: 10 } };
  const { props } = tileLayer(deck, spec, null);
  assert.equal(props.minZoom, 8 - DECK_LEVEL_OFFSET);
  assert.equal(props.maxZoom, 10 - DECK_LEVEL_OFFSET);
  assert.equal(props.visibleMinZoom, 8 - DECK_LEVEL_OFFSET - 1);
  assert.deepEqual(props.extent, [0, 0, 10, 10]);
  assert.equal(props.opacity, 0.35);
  assert.equal(props.getTileData, tileLayer(deck, spec, null).props.getTileData); // stable: nothing reloads
});
