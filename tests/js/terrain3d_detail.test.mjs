// terrain3d_detail.js: the drape texture's size and placement, the coarse mesh drawn while the view moves, and
// the switch between moving and settled detail (with fake timers).

import { test } from "node:test";
import assert from "node:assert/strict";
import { gridMesh } from "../../lunarmap_ui/map/terrain3d.js";
import {
  coarseMesh, coarseRows, coarseStep, detailSwitch, drapeSize, gridTexCoords, INTERACTIVE_TRIANGLES, paintDrape,
  SETTLE_MS, toTexel,
} from "../../lunarmap_ui/map/terrain3d_detail.js";

function grid(n, s, f) {
  const half = (s * (n - 1)) / 2;
  const z = [];
  for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) z.push(f(-half + j * s, -half + i * s));
  const colors = Buffer.from(new Uint8Array(n * n * 3).map((_, k) => (k * 7) % 256)).toString("base64");
  return { n, spacingM: s, widthM: s * (n - 1), center: [0, 0], z, colors, sun: null, exaggeration: 1,
    resolutionM: [s, s], note: "", sunText: "", paths: [], points: [] };
}

test("the drape is the smallest power of two covering the canvas's device pixels, within 512..2048", () => {
  assert.equal(drapeSize(1004), 1024);
  assert.equal(drapeSize(1024), 1024);
  assert.equal(drapeSize(300), 512);
  assert.equal(drapeSize(1004, 2), 2048);
  assert.equal(drapeSize(5000), 2048);
});

test("texture coordinates put the north row on the drape's top row, where toTexel puts map points", () => {
  const t = grid(5, 250, () => 0);
  const uv = gridTexCoords(5);
  const m = gridMesh(t);
  for (let k = 0; k < 25; k += 1) {
    const [col, row] = toTexel(t, 1000, m.positions[3 * k], m.positions[3 * k + 1]);
    assert.ok(Math.abs(col - uv[2 * k] * 1000) < 1e-6 && Math.abs(row - uv[2 * k + 1] * 1000) < 1e-6, `vertex ${k}`);
  }
  assert.deepEqual([...uv.slice(0, 2)], [0, 1]); // south-west corner: the texture's bottom left
  assert.deepEqual([...uv.slice(48, 50)], [1, 0]); // north-east corner: its top right
});

test("the coarse mesh keeps every k-th vertex within the triangle budget and spans the whole square", () => {
  assert.equal(coarseStep(129), 4);
  assert.equal(2 * (coarseRows(129, 4).length - 1) ** 2, INTERACTIVE_TRIANGLES);
  assert.deepEqual(coarseRows(10, 4), [0, 4, 8, 9]);
  assert.equal(coarseStep(9, 1_000_000), 1);
  const t = grid(129, 781.25, (x, y) => 0.01 * x - 0.02 * y + 50 * Math.sin(x / 7000));
  const full = gridMesh(t);
  const c = coarseMesh(full, 129);
  assert.equal(c.n, 33);
  assert.equal(c.indices.length / 3, 2048);
  for (const [a, b] of [[0, 0], [5, 7], [32, 32], [32, 0]]) {
    const from = (128 / 32) * (a * 129 + b);
    const to = a * 33 + b;
    for (let q = 0; q < 3; q += 1) {
      assert.equal(c.positions[3 * to + q], full.positions[3 * from + q]);
      assert.equal(c.normals[3 * to + q], full.normals[3 * from + q]);
    }
    assert.equal(c.texCoords[2 * to], full.texCoords[2 * from]);
  }
});

test("the moving detail is applied once when the view starts moving, the settled one SETTLE_MS after the last move", () => {
  const pending = new Map();
  let id = 0;
  const timers = { setTimeout: (f, ms) => { pending.set(++id, [f, ms]); return id; }, clearTimeout: (k) => pending.delete(k) };
  const applied = [];
  const sw = detailSwitch((moving) => applied.push(moving), timers);
  sw.move();
  sw.move();
  sw.move();
  assert.deepEqual(applied, [true]);
  assert.equal(pending.size, 1); // only the last move's timer is left
  const [[key, [settle, ms]]] = [...pending.entries()];
  assert.equal(ms, SETTLE_MS);
  pending.delete(key); // the timer fires
  settle();
  assert.deepEqual(applied, [true, false]);
  assert.equal(sw.moving, false);
  sw.move();
  sw.stop();
  assert.equal(pending.size, 0);
  assert.deepEqual(applied, [true, false, true]);
});

test("the drape paints the vertex colours north up and the outlines where the map points are", () => {
  const calls = [];
  const fakeCanvas = (size) => {
    const ctx = {
      createImageData: (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
      putImageData: (img) => calls.push(["put", img]),
      drawImage: (_, x, y, w, h) => calls.push(["draw", x, y, w, h]),
      beginPath: () => {}, stroke: () => calls.push(["stroke"]),
      moveTo: (x, y) => calls.push(["move", x, y]), lineTo: (x, y) => calls.push(["line", x, y]),
    };
    return { width: size, height: size, getContext: () => ctx };
  };
  const t = { ...grid(3, 500, () => 0), paths: [{ kind: "psr", path: [[-500, -500, 0], [500, 500, 0]], color: [30, 144, 255, 255] }] };
  const m = gridMesh(t);
  const canvas = paintDrape(t, m, 1024, fakeCanvas);
  assert.equal(canvas.width, 1024);
  const img = calls.find((c) => c[0] === "put")[1];
  // the image's top row holds the grid's north row (row 2): vertex 6's colour
  assert.deepEqual([...img.data.slice(0, 3)], [...m.colors.slice(18, 21)].map((v) => Math.round(v * 255)));
  // pixel centres on vertices: 3 pixels drawn 1.5 cells wide each side of the texture's edges
  assert.deepEqual(calls.find((c) => c[0] === "draw").slice(1), [-256, -256, 1536, 1536]);
  // the line from the south-west corner to the north-east one: bottom left to top right of the texture
  assert.deepEqual(calls.filter((c) => c[0] === "move" || c[0] === "line"), [["move", 0, 1024], ["line", 1024, 0]]);
});
