// The measure and profile tools: their modes' state machines (fake pointer events, messages checked against
// protocol.json), what tools.js draws before and after Python answers, and the chart's pure parts.

import assert from "node:assert/strict";
import { test } from "node:test";

import { bandAt, bandRects, extent, hoverIndex, layout, linePath, linearScale, niceDomain, niceStep, niceTicks, readoutText } from "../../lunarmap_ui/map/chart.js";
import { handleKey } from "../../lunarmap_ui/map/keys.js";
import { measure } from "../../lunarmap_ui/map/modes/measure.js";
import { profile } from "../../lunarmap_ui/map/modes/profile.js";
import { CAPTURE, PASS } from "../../lunarmap_ui/map/modes/shared.js";
import { shownMeasure, shownProfile, takeToolData, toolLayers } from "../../lunarmap_ui/map/tools.js";
import { fakeState, gesture, protocol, schemaErrors } from "./helpers.mjs";

const M = 100000;

function messages(st) {
  for (const { name, value } of st.sent) assert.deepEqual(schemaErrors(protocol.messages[name], value), [], name);
  return st.sent;
}

function click(st, m) {
  measure.onMapClick(st, { coordinate: m });
}

// ----------------------------------------------------------------- measure
test("measure: each click sends every point so far; Esc ends; the next click starts a new measurement", () => {
  const st = fakeState({ mode: "measure" });
  assert.equal(measure.onPointerDown(st, { px: [0, 0], m: [0, 0] }), PASS, "the map still pans in measure mode");
  click(st, [M, M]);
  click(st, [M + 1000, M]);
  click(st, [M + 1000, M + 2000]);
  assert.deepEqual(messages(st).map((s) => [s.name, s.value]), [
    ["measure", { points: [[M, M]], seq: 1 }],
    ["measure", { points: [[M, M], [M + 1000, M]], seq: 2 }],
    ["measure", { points: [[M, M], [M + 1000, M], [M + 1000, M + 2000]], seq: 3 }],
  ]);
  assert.match(measure.hint(st), /Esc ends/);
  assert.equal(measure.onKey(st, { key: "Escape" }), true);
  assert.equal(st.measure.active, false);
  assert.equal(st.measure.points.length, 3, "an ended measurement stays drawn");
  assert.equal(measure.onKey(st, { key: "Escape" }), false, "a second Esc is not the mode's (it deselects a zone)");
  click(st, [0, 0]);
  assert.deepEqual(st.sent.at(-1).value, { points: [[0, 0]], seq: 4 });
});

test("measure: Backspace takes the last point back and sends the rest", () => {
  const st = fakeState({ mode: "measure" });
  click(st, [M, M]);
  assert.equal(measure.onKey(st, { key: "Backspace" }), false, "one point: nothing to take back");
  click(st, [M, M + 10]);
  assert.equal(measure.onKey(st, { key: "Backspace" }), true);
  assert.deepEqual(messages(st).at(-1).value, { points: [[M, M]], seq: 3 });
});

test("keys: M and L switch to the measure and profile modes", () => {
  const st = fakeState();
  const modes = [];
  handleKey(st, { key: "m" }, (m) => modes.push(m));
  handleKey(st, { key: "L" }, (m) => modes.push(m));
  assert.deepEqual(modes, ["measure", "profile"]);
});

// ----------------------------------------------------------------- profile
test("profile: clicks place vertices; Enter sends the line of two or more; a drag places none", () => {
  const st = fakeState({ mode: "profile" });
  assert.equal(gesture(st, profile, [M, M]), CAPTURE);
  st.clock += 1000;
  profile.onKey(st, { key: "Enter" });
  assert.match(st.message, /at least 2 vertices \(1 so far\)/);
  assert.equal(st.sent.length, 0);
  gesture(st, profile, [M + 5, M], [[M + 500, M]]); // a drag: no vertex
  assert.equal(st.draw.vertices.length, 1);
  st.clock += 1000;
  gesture(st, profile, [M + 3000, M]);
  assert.equal(profile.onKey(st, { key: "Enter" }), true);
  assert.deepEqual(messages(st).map((s) => [s.name, s.value]), [["profile", { vertices: [[M, M], [M + 3000, M]], seq: 1 }]]);
  assert.equal(st.draw, null);
  assert.deepEqual(st.profileSent, { vertices: [[M, M], [M + 3000, M]], seq: 1 });
});

test("profile: a double-click finishes the line; Esc cancels a draft", () => {
  const st = fakeState({ mode: "profile" });
  gesture(st, profile, [M, M]);
  st.clock += 1000;
  gesture(st, profile, [M + 2000, M]);
  st.clock += 100;
  gesture(st, profile, [M + 2001, M]); // within 4 px and 400 ms: the double-click's second press
  assert.deepEqual(messages(st)[0].value.vertices, [[M, M], [M + 2000, M]]);
  const other = fakeState({ mode: "profile" });
  gesture(other, profile, [M, M]);
  assert.equal(profile.onKey(other, { key: "Escape" }), true);
  assert.equal(other.draw, null);
  assert.equal(other.sent.length, 0);
});

test("measure and profile send without a redraw: the frame waits for Python's answer, not the request", () => {
  const st = fakeState({ mode: "profile" });
  gesture(st, profile, [M, M]);
  st.clock += 1000;
  gesture(st, profile, [M + 2000, M]);
  st.calls.length = 0;
  profile.onKey(st, { key: "Enter" });
  click(st, [M, M]);
  assert.equal(st.sent.length, 2);
  assert.deepEqual(st.calls, [], "no redraw between the message and Python's answer");
});

// ----------------------------------------------------------------- what is drawn
const LEG = { length_m: 1000, azimuth_deg: 90, total_m: 1000, label: "1.000 km · 90.0°", total_label: "total 1.000 km",
  mid: [M + 500, M], path: [[M, M], [M + 1000, M]] };

test("tools: a sent measurement is drawn as sent until Python answers it, then Python's legs", () => {
  const st = fakeState();
  click(st, [M, M]);
  click(st, [M + 1000, M]);
  takeToolData(st, { measure: { seq: 1, points: [[M, M]], legs: [], total_m: null, error: null }, profile: null });
  assert.deepEqual(shownMeasure(st), { points: [[M, M], [M + 1000, M]], legs: null, error: null }, "seq 2 is not answered yet");
  const answer = { seq: 2, points: [[M, M], [M + 1000, M]], legs: [LEG], total_m: 1000, error: null };
  assert.deepEqual(schemaErrors(protocol.$defs.measureAnswer, answer), []);
  takeToolData(st, { measure: answer, profile: null });
  assert.deepEqual(shownMeasure(st).legs, [LEG]);
  takeToolData(st, { measure: null, profile: null }); // the panel's Clear
  assert.equal(shownMeasure(st), null);
  assert.equal(st.measure, null);
});

test("tools: a rerun that has not seen a new measurement yet keeps it; a profile waits for its answer", () => {
  const st = fakeState();
  takeToolData(st, { measure: null, profile: null });
  click(st, [M, M]); // seq 1, not answered: an unrelated rerun must not drop it
  takeToolData(st, { measure: null, profile: null });
  assert.deepEqual(shownMeasure(st).points, [[M, M]]);
  st.profileSent = { vertices: [[0, 0], [M, 0]], seq: 2 };
  assert.equal(shownProfile(st).waiting, true);
  takeToolData(st, { measure: null, profile: { seq: 2, vertices: [[0, 0], [M, 0]], payload: null, error: "profile: no DEM" } });
  assert.deepEqual(shownProfile(st), { vertices: [[0, 0], [M, 0]], payload: null, error: "profile: no DEM", waiting: false });
  assert.equal(st.profileSent, null);
});

function fakeDeck() {
  const layer = (type) => class {
    constructor(props) {
      this.type = type;
      this.id = props.id;
      this.props = props;
    }
  };
  return { COORDINATE_SYSTEM: { CARTESIAN: 0 }, PathLayer: layer("path"), ScatterplotLayer: layer("dots"), TextLayer: layer("text") };
}

test("tools: the map draws Python's leg paths and label texts, the profile's samples and the hovered one", () => {
  const st = fakeState({ deckgl: fakeDeck() });
  const leg2 = { ...LEG, label: "2.000 km · 0.0°", total_label: "total 3.000 km", mid: [M + 1000, M + 1000],
    path: [[M + 1000, M], [M + 1000, M + 1000], [M + 1000, M + 2000]] };
  const payload = { n: 3, x_m: [0, 10, 20], y_m: [5, 6, 7] };
  takeToolData(st, {
    measure: { seq: 1, points: [[M, M], [M + 1000, M], [M + 1000, M + 2000]], legs: [LEG, leg2], total_m: 3000, error: null },
    profile: { seq: 2, vertices: [[0, 5], [20, 7]], payload, error: null },
  });
  st.profileHover = 1;
  const byId = Object.fromEntries(toolLayers(st).map((l) => [l.id, l]));
  assert.deepEqual(byId["tool-measure-path"].props.data[0].path, [...LEG.path, ...leg2.path], "each leg as Python drew it");
  assert.deepEqual(byId["tool-measure-labels"].props.data.map((d) => [d.text, d.p]), [[LEG.label, LEG.mid], [leg2.label, leg2.mid]]);
  assert.deepEqual(byId["tool-measure-totals"].props.data.map((d) => [d.text, d.p]), [["total 3.000 km", [M + 1000, M + 2000]]]);
  assert.equal(byId["tool-measure-labels"].props.characterSet, "auto", "° and other text drawn as sent");
  assert.deepEqual(byId["tool-profile-line"].props.data[0].path, [[0, 5], [10, 6], [20, 7]], "the line through the samples");
  assert.deepEqual(byId["tool-profile-hover"].props.data.map((d) => d.p), [[10, 6]]);
  st.profileHover = null;
  assert.ok(!toolLayers(st).some((l) => l.id === "tool-profile-hover"));
});

// ----------------------------------------------------------------- the chart's pure parts
test("chart: a linear scale maps and inverts; a flat domain maps to the range's start", () => {
  const x = linearScale(0, 30, 66, 666);
  assert.equal(x(0), 66);
  assert.equal(x(15), 366);
  assert.equal(x.invert(366), 15);
  const flat = linearScale(5, 5, 10, 20);
  assert.equal(flat(5), 10);
  assert.equal(flat.invert(99), 5);
  const down = linearScale(-4000, 2000, 170, 26); // y grows downwards
  assert.equal(down(-4000), 170);
  assert.equal(down(2000), 26);
});

test("chart: ticks are 1, 2 or 5 times a power of ten, inside the domain", () => {
  assert.deepEqual([0.7, 1.2, 3, 7, 0.03, 1200].map(niceStep), [1, 2, 5, 10, 0.05, 2000]);
  assert.deepEqual(niceTicks(0, 30, 8), [0, 5, 10, 15, 20, 25, 30]);
  assert.deepEqual(niceTicks(-2758, 1541, 4), [-2000, 0]);
  assert.deepEqual(niceTicks(0.2, 1.1, 4), [0.5, 1]);
  assert.deepEqual(niceTicks(0, 1.2, 6), [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2]);
  assert.deepEqual(niceTicks(-40, 40, 4), [-40, -20, 0, 20, 40]);
  assert.deepEqual(niceTicks(3, 3), [3]);
  assert.deepEqual(niceDomain(-2758, 1541, 4), [-4000, 2000]);
  assert.deepEqual(niceDomain(100, 100), [90, 110]);
  for (const t of niceTicks(-123.4, 987.6, 6)) assert.ok(t >= -123.4 && t <= 987.6);
});

test("chart: bands become rectangles on the x scale, clipped to the path", () => {
  const x = linearScale(0, 30000, 66, 666); // 20 m per pixel
  const rects = bandRects([{ start_m: 7040, end_m: 24250, place: "Shackleton" }, { start_m: -100, end_m: 290 },
    { start_m: 29990, end_m: 31000 }, { start_m: 40000, end_m: 41000 }], x, 26, 170);
  assert.equal(rects.length, 3, "a band beyond the path is left out");
  assert.ok(Math.abs(rects[0].x - (66 + 7040 / 50)) < 1e-9);
  assert.ok(Math.abs(rects[0].width - (24250 - 7040) / 50) < 1e-9);
  assert.equal(rects[0].band.place, "Shackleton");
  assert.deepEqual([rects[0].y, rects[0].height], [26, 144]);
  assert.equal(rects[1].x, 66, "clipped at the start");
  assert.ok(Math.abs(rects[1].width - 290 / 50) < 1e-9);
  assert.equal(rects[2].width, 1, "a sliver is at least one pixel");
  assert.equal(bandAt([{ start_m: 10, end_m: 20 }], 15).start_m, 10);
  assert.equal(bandAt([{ start_m: 10, end_m: 20 }], 25), null);
});

test("chart: the hovered sample is the nearest by distance", () => {
  const d = [0, 100, 200, 300];
  assert.deepEqual([-50, 0, 49, 51, 149.9, 250.1, 999].map((v) => hoverIndex(d, v)), [0, 0, 0, 1, 1, 3, 3]);
  assert.equal(hoverIndex([], 5), -1);
  assert.equal(hoverIndex(d, NaN), -1);
  const many = Array.from({ length: 1000 }, (_, i) => i * 30.03);
  assert.equal(hoverIndex(many, 15000), Math.round(15000 / 30.03));
});

test("chart: extent and the line skip missing values; the line breaks at a gap", () => {
  assert.deepEqual(extent([null, 3, NaN, -2, 7]), [-2, 7]);
  assert.equal(extent([null, null]), null);
  const x = linearScale(0, 3, 0, 30);
  const y = linearScale(0, 10, 100, 0);
  assert.equal(linePath([0, 1, 2, 3], [0, 10, null, 5], x, y), "M0.0,100.0L10.0,0.0M30.0,50.0");
  const L = layout(900);
  assert.ok(L.x0 < L.x1 && L.elev[1] < L.strip[0] && L.strip[1] < L.slope[0] && L.slope[1] <= L.axis);
  assert.equal(layout(10).width, 320, "a narrow box still gets a readable chart");
});

test("chart: the readout names the sample's distance, elevation, slopes, PSR and DEM", () => {
  const p = { n: 2, distance_m: [0, 15000], elevation_m: [-2755.4, null], slope_along_deg: [-1.94, null],
    slope_across_deg: [1.6, 0.2], in_psr: [1, null], resolution_m: [1600, 1600],
    psr_bands: [{ start_m: 0, end_m: 100, psr_id: "SP_1", place: "Shackleton" }] };
  assert.equal(readoutText(p, 0), "0.00 km · elevation -2,755 m · slope along -1.9°, across +1.6° · in PSR SP_1 (Shackleton) · DEM 1,600 m");
  assert.equal(readoutText(p, 1), "15.00 km · elevation no data · slope along no data, across +0.2° · PSR unknown here · DEM 1,600 m");
});
