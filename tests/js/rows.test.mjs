// rows.js and layers.js: rows sent by reference ("dataUrl") are fetched once per page, handed to the
// layer as they are, and a layer whose new rows are still loading keeps its last drawing meanwhile.

import assert from "node:assert/strict";
import { test } from "node:test";

import { convertLayers } from "../../lunarmap_ui/map/layers.js";
import { prefetchRows, rowsFor, withRows } from "../../lunarmap_ui/map/rows.js";
import { protocol, schemaErrors } from "./helpers.mjs";

function fakeFetch(files) {
  const calls = [];
  const fetchJson = (url) => {
    calls.push(url);
    return url in files ? Promise.resolve(files[url]) : Promise.reject(new Error(`${url}: HTTP 404`));
  };
  return { calls, fetchJson };
}

test("each URL is fetched once per page; the same array is handed to every render", async () => {
  const rows = [{ id: "a", name: "@@=evil" }];
  const { calls, fetchJson } = fakeFetch({ "app/static/rows-sites-1.json": rows });
  const store = {};
  const spec = { id: "sites", "@@type": "ScatterplotLayer", dataUrl: "app/static/rows-sites-1.json", opacity: 0.5 };
  assert.equal(withRows(store, spec), null, "not fetched yet");
  prefetchRows(store, [spec, spec, { id: "raster", image: "x.png" }], fetchJson);
  await rowsFor(store, spec.dataUrl, fetchJson).promise;
  assert.deepEqual(calls, ["app/static/rows-sites-1.json"]);
  const a = withRows(store, spec);
  assert.equal(a.data, rows, "the rows as they are (user text never goes through the converter)");
  assert.ok(!("dataUrl" in a) && a.opacity === 0.5 && a["@@type"] === "ScatterplotLayer");
  assert.equal(withRows(store, { ...spec, opacity: 1 }).data, rows);
  const inline = { id: "zones", data: [] };
  assert.equal(withRows(store, inline), inline);
});

test("a failed fetch is reported and tried again by a later render; rows that are not an array are an error", async () => {
  const { calls, fetchJson } = fakeFetch({ "bad.json": { not: "rows" } });
  const store = {};
  await assert.rejects(rowsFor(store, "missing.json", fetchJson).promise, /missing.json: HTTP 404/);
  await assert.rejects(rowsFor(store, "bad.json", fetchJson).promise, /not a JSON array/);
  rowsFor(store, "missing.json", fetchJson).promise.catch(() => {});
  assert.deepEqual(calls, ["missing.json", "bad.json", "missing.json"]);
});

test("convertLayers waits for rows by reference (once per file, whatever the renders) and keeps a layer's last rows while its new ones load", async () => {
  const old = [{ id: "a", selected: false }];
  const fresh = [{ id: "a", selected: true }];
  const { fetchJson } = fakeFetch({ "r1.json": old, "r2.json": fresh });
  const store = {};
  const converted = [];
  const converter = {
    convert: ({ layers }) => ({ layers: layers.map((props) => ({ id: props.id, props, clone(p) { return { ...this, props: { ...this.props, ...p } }; } })) }),
  };
  const st = { converter, layerCache: new Map(), entries: [], pending: 0, view: () => ({ zoom: 0 }) };
  const spec1 = { id: "sites", "@@type": "ScatterplotLayer", dataUrl: "r1.json" };
  const errors = [];
  const onRows = (error) => (error ? errors.push(error) : converted.push("again"));
  rowsFor(store, "r1.json", fetchJson);
  assert.deepEqual(convertLayers(st, store, [spec1], onRows), [], "left out until its rows are here");
  convertLayers(st, store, [spec1], onRows); // another render meanwhile: still one waiter, one redraw
  assert.equal(st.pending, 1);
  await store.rows.get("r1.json").promise;
  await Promise.resolve();
  assert.equal(st.pending, 0);
  assert.deepEqual(converted, ["again"]);
  const first = convertLayers(st, store, [spec1], onRows);
  assert.equal(first[0].props.data, old);
  rowsFor(store, "r2.json", fetchJson);
  const spec2 = { ...spec1, dataUrl: "r2.json" };
  const meanwhile = convertLayers(st, store, [spec2], onRows);
  assert.equal(meanwhile[0].props.data, old, "the old selection stays drawn, no flicker");
  await store.rows.get("r2.json").promise;
  await Promise.resolve();
  assert.equal(convertLayers(st, store, [spec2], onRows)[0].props.data, fresh);
  assert.deepEqual(errors, []);
});

test("a layer with dataUrl fits protocol.json's spec.layers", () => {
  const spec = protocol.data.properties.spec.properties.layers;
  assert.deepEqual(schemaErrors(spec, [{ id: "sites", dataUrl: "app/static/rows-sites-0123456789ab.json" }]), []);
  assert.notDeepEqual(schemaErrors(spec, [{ id: "sites", dataUrl: 3 }]), []);
});
