// terrain3d.js, its pure parts: the grid mesh (positions, normals, indices) against an analytic plane, the
// colours, the light's direction and the orbit view's start; a payload checked against protocol.json.

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeColors, gridMesh, lightDirection, meshKey, normalStep, orbitStart } from "../../lunarmap_ui/map/terrain3d.js";
import { protocol, schemaErrors } from "./helpers.mjs";

// A tilted plane z = a x + b y (+ c) on an n x n grid, as the Python side sends it (rows north, columns east).
function plane(n, s, a, b, c = -1200) {
  const half = (s * (n - 1)) / 2;
  const z = [];
  for (let i = 0; i < n; i += 1) for (let j = 0; j < n; j += 1) z.push(a * (-half + j * s) + b * (-half + i * s) + c);
  const colors = Buffer.from(new Uint8Array(n * n * 3).map((_, k) => k % 256)).toString("base64");
  return { n, spacingM: s, widthM: s * (n - 1), center: [1000, -2000], z, colors, sun: [0.6, 0, 0.8], sunText: "",
    exaggeration: 1, resolutionM: [1600, 1600], note: "test", paths: [], points: [] };
}

test("the grid's positions, normals and triangles match an analytic tilted plane", () => {
  const a = 0.2;
  const b = -0.05;
  const t = plane(7, 100, a, b);
  const m = gridMesh(t);
  assert.equal(m.positions.length, 49 * 3);
  assert.deepEqual([...m.positions.slice(0, 3)], [-300, -300, Math.fround(a * -300 + b * -300 - 1200)]);
  assert.deepEqual([...m.positions.slice(48 * 3, 48 * 3 + 2)], [300, 300]);
  const len = Math.hypot(a, b, 1);
  for (let k = 0; k < 49; k += 1) {
    assert.ok(Math.abs(m.normals[3 * k] + a / len) < 1e-6, `normal x at ${k}`);
    assert.ok(Math.abs(m.normals[3 * k + 1] + b / len) < 1e-6, `normal y at ${k}`);
    assert.ok(Math.abs(m.normals[3 * k + 2] - 1 / len) < 1e-6, `normal z at ${k}`);
  }
  // slope of the plane from the normal: atan(hypot(a, b))
  const slope = Math.acos(m.normals[2]);
  assert.ok(Math.abs(slope - Math.atan(Math.hypot(a, b))) < 1e-6);
  assert.equal(m.indices.length, 2 * 6 * 6 * 3);
  assert.equal(Math.max(...m.indices), 48);
  for (let q = 0; q < m.indices.length; q += 3) {
    const [p, r, s] = [0, 1, 2].map((o) => m.indices[q + o] * 3);
    const ux = m.positions[r] - m.positions[p];
    const uy = m.positions[r + 1] - m.positions[p + 1];
    const vx = m.positions[s] - m.positions[p];
    const vy = m.positions[s + 1] - m.positions[p + 1];
    assert.ok(ux * vy - uy * vx > 0, "counter-clockwise seen from above");
  }
});

test("the budget's largest grid (257 a side) gives 2 x 256 x 256 triangles", () => {
  const m = gridMesh(plane(257, 390, 0, 0));
  assert.equal(m.indices.length / 3, 2 * 256 * 256);
});

test("colours decode to 0..1 floats and a wrong length is refused", () => {
  const b64 = Buffer.from([0, 128, 255, 10, 20, 30]).toString("base64");
  assert.deepEqual([...decodeColors(b64, 2)].map((v) => Math.round(v * 255)), [0, 128, 255, 10, 20, 30]);
  assert.throws(() => decodeColors(b64, 3), /6 colour bytes for 3 vertices/);
  const t = plane(5, 10, 0, 0);
  assert.throws(() => gridMesh({ ...t, z: t.z.slice(1) }), /24 heights for n = 5/);
});

test("the light travels from the Sun; without a Sun it comes from straight above", () => {
  assert.deepEqual(lightDirection([0.6, 0, 0.8]), [-0.6, -0, -0.8]);
  assert.deepEqual(lightDirection(null), [-0, -0, -1]);
});

test("the orbit view starts with the whole square across 90 % of the smaller side", () => {
  const t = plane(11, 10_000, 0, 0);
  const v = orbitStart(t, { width: 1000, height: 600 });
  assert.ok(Math.abs(2 ** v.zoom * t.widthM - 540) < 1e-6);
  assert.equal(v.target[2], -1200);
  assert.ok(v.rotationX > 0 && v.rotationX < 90);
});

test("the mesh key follows the mesh, not the overlays", () => {
  const t = plane(5, 10, 0.1, 0);
  assert.equal(meshKey(t), meshKey({ ...t, paths: [{ path: [[0, 0, 0], [1, 1, 1]], color: [1, 2, 3, 4] }] }));
  assert.notEqual(meshKey(t), meshKey({ ...t, exaggeration: 2, z: t.z.map((v) => 2 * v) }));
});

test("a 3D payload fits protocol.json's data.terrain3d", () => {
  const schema = protocol.data.properties.terrain3d;
  assert.deepEqual(schemaErrors(schema, plane(5, 10, 0, 0)), []);
  assert.deepEqual(schemaErrors(schema, null), []);
  assert.ok(schemaErrors(schema, { n: 5 }).length > 0);
});

test("normals are taken over the coarsest DEM's resolution, so a coarse DEM is lit smoothly", () => {
  const t = plane(9, 200, 0, 0);
  assert.equal(normalStep({ ...t, resolutionM: [1600, 1600] }), 4);
  assert.equal(normalStep({ ...t, resolutionM: [5, 1600] }), 4);
  assert.equal(normalStep({ ...t, resolutionM: [5, 5] }), 1);
  assert.equal(normalStep({ ...t, resolutionM: [10_700, 10_700] }), 8);
  // a ridge one vertex wide (column 4): over one vertex either side its flank at column 3 slopes 100 m in 400 m;
  // over 4 either side (columns 0 and 7, both 0 m) the one-pixel spike averages out; at the edge column 0
  // (columns 0 and 4) it is seen over 800 m
  const ridge = { ...t, z: t.z.map((_, k) => (k % 9 === 4 ? 100 : 0)), resolutionM: [1600, 1600] };
  const fine = gridMesh({ ...ridge, resolutionM: [200, 200] });
  const coarse = gridMesh(ridge);
  const tilt = (m, k) => m.normals[3 * k] / m.normals[3 * k + 2];
  const row = 4 * 9;
  assert.ok(Math.abs(tilt(fine, row + 3) + 100 / 400) < 1e-6);
  assert.ok(Math.abs(tilt(coarse, row + 3)) < 1e-6);
  assert.ok(Math.abs(tilt(fine, row)) < 1e-6);
  assert.ok(Math.abs(tilt(coarse, row) + 100 / 800) < 1e-6);
});
