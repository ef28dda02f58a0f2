// geometry.js against the Python library (fixtures/geodesy.json from tests/js/make_fixtures.py).

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MOON_RADIUS_M, fmtKm, fmtLat, fmtLon, geodesicRing, greatCircleM, lonLatDegToPolar, nearestEdgeIndex, niceLength,
  polarToLonLatDeg, scaleFactor,
} from "../../lunarmap_ui/map/geometry.js";
import { readFixture } from "./helpers.mjs";

const FIX = readFixture("geodesy.json");

test("the Moon's radius is the library's", () => {
  assert.equal(MOON_RADIUS_M, FIX.moon_radius_m);
});

test("geodesicRing gives the library's geodesic circle, vertex for vertex (to a millimetre)", () => {
  for (const c of FIX.circles) {
    const ring = geodesicRing(c.center, c.radius_m, 360);
    assert.equal(ring.length, c.ring.length);
    // the library's ring is normalised (its start and direction may differ): match each vertex to the nearest
    let worst = 0;
    for (const p of ring) {
      let best = Infinity;
      for (const q of c.ring) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
      worst = Math.max(worst, best);
    }
    assert.ok(worst < 1e-3, `circle at ${c.lon_deg}, ${c.lat_deg}, r ${c.radius_m} m: a vertex ${worst} m off`);
  }
});

test("every vertex of a geodesic ring is its radius from the centre (on the sphere)", () => {
  for (const c of FIX.circles) {
    for (const p of geodesicRing(c.center, c.radius_m, 36)) {
      assert.ok(Math.abs(greatCircleM(c.center, p) - c.radius_m) < 1e-6 * c.radius_m + 1e-6);
    }
  }
});

test("greatCircleM gives the library's distance_m", () => {
  for (const p of FIX.pairs) {
    const d = greatCircleM(p.a, p.b);
    assert.ok(Math.abs(d - p.distance_m) < 1e-6 * p.distance_m + 1e-4, `${d} != ${p.distance_m}`);
    assert.equal(greatCircleM(p.a, p.b), greatCircleM(p.b, p.a));
  }
});

test("lon/lat <-> polar stereographic agrees with the library and goes there and back", () => {
  for (const p of FIX.points) {
    const xy = lonLatDegToPolar(p.lon_deg, p.lat_deg);
    assert.ok(Math.hypot(xy[0] - p.xy[0], xy[1] - p.xy[1]) < 1e-3, `${p.lon_deg}, ${p.lat_deg}`);
    const [lon, lat] = polarToLonLatDeg(p.xy);
    assert.ok(Math.abs(lat - p.lat_deg) < 1e-9);
    if (p.lat_deg > -90) assert.ok(Math.abs(((lon - p.lon_deg + 540) % 360) - 180) < 1e-9);
  }
  assert.deepEqual(polarToLonLatDeg([0, 0]), [0, -90]);
});

test("the scale factor is 1 at the pole and 2 at the equator", () => {
  assert.equal(scaleFactor(-90), 1);
  assert.equal(scaleFactor(0), 2);
});

test("nearestEdgeIndex finds the edge (i, i+1) nearest a point, the closing edge included", () => {
  const square = [[0, 0], [10, 0], [10, 10], [0, 10]];
  assert.equal(nearestEdgeIndex(square, [5, -1]), 0);
  assert.equal(nearestEdgeIndex(square, [11, 5]), 1);
  assert.equal(nearestEdgeIndex(square, [-1, 5]), 3);
  assert.equal(nearestEdgeIndex([], [0, 0]), -1);
});

test("lengths and coordinates are written as the page shows them", () => {
  assert.equal(niceLength(7300), 5000);
  assert.equal(niceLength(1999), 1000);
  assert.equal(niceLength(250), 200);
  assert.equal(fmtKm(12345), "12.35");
  assert.equal(fmtKm(123456), "123.5");
  assert.equal(fmtLat(-89.5), "89.5000° S");
  assert.equal(fmtLon(-12.25), "12.2500° W");
});
