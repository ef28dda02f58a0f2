// layers.js and zones.js: the drawing order of all layers, zoom-limited layers, and zones as drawn.

import assert from "node:assert/strict";
import { test } from "node:test";

import { composeLayers, zoomFiltered } from "../../lunarmap_ui/map/layers.js";
import { cleanZones, handlesOf, shapeOf } from "../../lunarmap_ui/map/zones.js";
import { fakeState } from "./helpers.mjs";

class FakeLayer {
  constructor(props) {
    this.props = props;
    this.id = props.id;
  }

  clone(props) {
    return new FakeLayer({ ...this.props, ...props });
  }
}
const D = { COORDINATE_SYSTEM: { CARTESIAN: 0 }, PolygonLayer: FakeLayer, ScatterplotLayer: FakeLayer };
const layer = (id) => new FakeLayer({ id });

test("zones go above rasters and region fills, overlaps above the zones, sites and labels above, guides last", () => {
  const st = fakeState({ deckgl: D, selected: "a" });
  st.zones = cleanZones([{ id: "a", kind: "polygon", ring: [[0, 0], [1, 0], [0, 1]] }]);
  st.baseLayers = ["raster-elevation", "marker-best", "regions", "zone-overlaps-fill", "region-labels", "sites"].map(layer);
  const ids = composeLayers(st, [layer("draw-shape")], true).map((l) => l.id);
  assert.deepEqual(ids, ["raster-elevation", "regions", "zones", "zone-handles", "zone-overlaps-fill", "region-labels", "sites",
    "marker-best", "draw-shape"]);   // markers above the sites they may cover
  st.zoneVersion += 1;
  assert.ok(!composeLayers(st, [], false).some((l) => l.id === "zone-handles")); // handles only in a mode editing zones
});

test("a layer with lmMinZoom is hidden while zoomed out beyond it (one clone per state)", () => {
  const entries = [{ layer: layer("a"), minZoom: null, visible: true, shown: null },
    { layer: layer("labels"), minZoom: -8, visible: true, shown: null }];
  const out = zoomFiltered(entries, -10);
  assert.equal(out[0], entries[0].layer);
  assert.equal(out[1].props.visible, false);
  assert.equal(zoomFiltered(entries, -11)[1], out[1]);
  assert.equal(zoomFiltered(entries, -7)[1].props.visible, true);
});

test("zones: a ringless circle gets its 360-vertex geodesic ring; bad zones are left out; ids are strings", () => {
  const zones = cleanZones([{ id: 1, kind: "circle", center: [1000, 0], radius_m: 500, ring: null },
    { id: 2, kind: "polygon", ring: [[0, 0], [1, 0]] }, { kind: "polygon", ring: [] }, null]);
  assert.equal(zones.length, 1);
  assert.equal(zones[0].id, "1");
  assert.equal(zones[0].ring.length, 360);
  assert.deepEqual(handlesOf(zones[0]).map((h) => h.handle), ["center", "edge"]);
});

test("an edit not yet answered replaces the zone's shape", () => {
  const st = fakeState();
  const z = cleanZones([{ id: "p", kind: "polygon", ring: [[0, 0], [1, 0], [0, 1]] }])[0];
  st.overrides.set("p", { ring: [[5, 5], [6, 5], [5, 6]] });
  assert.deepEqual(shapeOf(st, z).ring, [[5, 5], [6, 5], [5, 6]]);
  assert.deepEqual(handlesOf(shapeOf(st, z)).map((h) => h.position), [[5, 5], [6, 5], [5, 6]]);
});
