// converter.js: data rows (user text) never pass through deck.gl's JSON converter.

import assert from "node:assert/strict";
import { test } from "node:test";

import { convertLayerSpec, makeConverter } from "../../lunarmap_ui/map/converter.js";

class FakeLayer {
  constructor(props) {
    this.props = props;
  }

  clone(props) {
    return new FakeLayer({ ...this.props, ...props });
  }
}

function fakeConverter() {
  const seen = [];
  return {
    seen,
    convert(json) {
      seen.push(JSON.parse(JSON.stringify(json)));
      return { layers: json.layers.map((props) => new FakeLayer(props)) };
    },
  };
}

const HOSTILE = [{ name: "@@=constructor", owner: "@@#GL.ONE" }, { name: "@@type", source: "@@function" }];

test("array rows are handed to the layer as they are; the converter sees an empty array", () => {
  const converter = fakeConverter();
  const entry = convertLayerSpec(converter, { "@@type": "ScatterplotLayer", id: "sites", data: HOSTILE, getRadius: 3 });
  assert.equal(entry.layer.props.data, HOSTILE);
  assert.deepEqual(converter.seen, [{ layers: [{ "@@type": "ScatterplotLayer", id: "sites", data: [], getRadius: 3 }] }]);
  assert.ok(!JSON.stringify(converter.seen).includes("@@="));
});

test("a data URL string is converted; lmMinZoom and visible become the entry's", () => {
  const converter = fakeConverter();
  const entry = convertLayerSpec(converter, { "@@type": "GeoJsonLayer", id: "g", data: "app/static/x.json", lmMinZoom: -7, visible: false });
  assert.equal(entry.layer.props.data, "app/static/x.json");
  assert.equal(entry.layer.props.lmMinZoom, undefined);
  assert.deepEqual([entry.minZoom, entry.visible], [-7, false]);
});

test("a bitmap layer gets the decoded image instead of its URL", () => {
  const bitmap = { width: 2 };
  const entry = convertLayerSpec(fakeConverter(), { "@@type": "BitmapLayer", id: "r", image: "app/static/r.png" }, bitmap);
  assert.equal(entry.layer.props.image, bitmap);
});

test("the converter knows deck.gl's classes (capitalised functions) and COORDINATE_SYSTEM", () => {
  let config = null;
  const deck = {
    JSONConfiguration: function JSONConfiguration(c) {
      config = c;
    },
    JSONConverter: function JSONConverter() {},
    PolygonLayer: function PolygonLayer() {},
    lowercase: function lowercase() {},
    COORDINATE_SYSTEM: { CARTESIAN: 0 },
  };
  makeConverter(deck);
  assert.ok("PolygonLayer" in config.classes && !("lowercase" in config.classes));
  assert.deepEqual(config.enumerations, { COORDINATE_SYSTEM: { CARTESIAN: 0 } });
});
