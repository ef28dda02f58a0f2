// The PNG export's pure parts: text wrapping, the legend and caption layout, the file name, north.
import { test } from "node:test";
import assert from "node:assert/strict";

import { lonLatDegToPolar } from "../../lunarmap_ui/map/geometry.js";
import {
  FONTS, LEGEND_WIDTH, PAD, PROJECTION, captionLayout, captionParagraphs, legendLayout, northArrow, resolutionText,
  snapshotFileName, snapshotLayout, wrapText,
} from "../../lunarmap_ui/map/snapshot.js";
import { scaleBar } from "../../lunarmap_ui/map/view.js";

const mono = (s) => 6 * s.length; // every character 6 px wide

test("wrapText: lines never wider than the width, words kept whole and in order, long words cut", () => {
  const text = "Permanently shadowed regions from the LOLA 60 m grid, Mazarico et al. 2011";
  const lines = wrapText(text, 72, mono); // 12 characters a line
  assert.ok(lines.every((l) => mono(l) <= 72), JSON.stringify(lines));
  assert.equal(lines.join(" "), text);
  assert.deepEqual(wrapText("ab cd ef", 30, mono), ["ab cd", "ef"]); // "ab cd" is 30 px: fits exactly
  assert.deepEqual(wrapText("abcdefghijklmnop", 30, mono), ["abcde", "fghij", "klmno", "p"]);
  assert.deepEqual(wrapText("one\ntwo", 600, mono), ["one", "two"]); // a newline starts a line
  assert.deepEqual(wrapText("", 60, mono), [""]);
});

test("snapshotFileName: date and centre (two decimals of a degree, hemisphere letters)", () => {
  const at = lonLatDegToPolar(-45, -89.5);
  const name = snapshotFileName(new Date(Date.UTC(2026, 11, 3, 23, 59)), { target: at, zoom: -8 });
  assert.equal(name, "lunarmap-2026-12-03-89.50S-45.00W.png");
  assert.match(snapshotFileName(new Date(Date.UTC(2027, 0, 1)), { target: [0, 0], zoom: 0 }), /^lunarmap-2027-01-01-90\.00S-0\.00E\.png$/);
});

test("northArrow: straight away from the pole; the pole in view is flagged", () => {
  const size = { width: 800, height: 600 };
  const zoom = -8; // 256 m per px: the view is 204.8 x 153.6 km
  const cases = [[[0, -500e3], 180], [[0, 500e3], 0], [[500e3, 0], 90], [[-500e3, 0], -90], [[300e3, 300e3], 45]];
  for (const [target, angle] of cases) {
    const n = northArrow({ target, zoom }, size);
    assert.ok(Math.abs(n.angleDeg - angle) < 1e-9, `${target}: ${n.angleDeg}`);
    assert.equal(n.poleInView, false);
  }
  // the pole 100 km left of the centre is inside the 204.8 km wide view; 103 km is not
  assert.equal(northArrow({ target: [100e3, 0], zoom }, size).poleInView, true);
  assert.equal(northArrow({ target: [103e3, 0], zoom }, size).poleInView, false);
});

test("resolutionText: metres below 1 km, km to 0.1 above", () => {
  assert.equal(resolutionText(60), "60 m per pixel");
  assert.equal(resolutionText(1600), "1.6 km per pixel");
  assert.equal(resolutionText(null), "");
  assert.equal(resolutionText(-3), "");
});

test("captionParagraphs: date, centre, scale latitude, projection, each source with its resolution, the rest by title", () => {
  const view = { target: lonLatDegToPolar(0, -85), zoom: -6 }; // 64 m per px: the pole, 152 km away, is out of view
  const legend = [{ title: "Zones" }, { title: "Elevation (LOLA)" }, { title: "Sites and regions" }];
  const sources = [{ title: "Elevation (LOLA)", source: "LRO LOLA LDEM", resolution_m: 1600 },
    { title: "Slope", source: "", resolution_m: 60 }];
  const p = captionParagraphs({ legend, sources, view, size: { width: 800, height: 600 }, date: new Date(Date.UTC(2026, 11, 3)) });
  const text = p.join("\n");
  assert.match(p[0], /^Lunar south pole, lunarmap, 2026-12-03 \(UTC\)\. View centre 85\.0000° S, 0\.0000° E/);
  assert.ok(p[0].includes(`true at ${Math.abs(scaleBar(view).lat).toFixed(1)}° S`));
  assert.ok(p[1].includes(PROJECTION) && PROJECTION.includes("R = 1,737,400 m") && PROJECTION.includes("IAU_2015:30135"));
  assert.ok(p[1].includes("0° clockwise from up"), p[1]); // 0° longitude: north is straight up
  assert.ok(text.includes("Elevation (LOLA): LRO LOLA LDEM (1.6 km per pixel)."));
  assert.ok(text.includes("Slope: source not recorded (60 m per pixel)."));
  assert.equal(p[p.length - 1], "Also shown: Zones; Sites and regions.");
});

test("captionLayout: wrapped lines one line height apart, paragraphs 3 px apart", () => {
  const c = captionLayout(["a b c d", "e"], 18, mono); // 3 characters a line
  assert.deepEqual(c.lines.map((l) => l.text), ["a b", "c d", "e"]);
  const h = FONTS.caption.line;
  assert.deepEqual(c.lines.map((l) => l.y), [0, h, 2 * h + 3]);
  assert.equal(c.height, 3 * h + 6);
});

test("legendLayout: heading, titles, ramp with its end values, class swatches, notes; height adds up", () => {
  const entries = [
    { title: "Elevation", units: "m", meaning: "height", type: "ramp", stops: [[-5000, "#000000"], [0, "#808080"], [5000, "#ffffff"]] },
    { title: "Sites", type: "classes", classes: [{ label: "landed", color: "#ff0000", shape: "point" }, { label: "zone", color: "bad" }],
      note: "n" },
  ];
  const measure = (s) => mono(s);
  const L = legendLayout(entries, 120, measure);
  const texts = L.items.filter((i) => i.kind === "text").map((i) => i.text);
  assert.deepEqual(texts, ["Legend", "Elevation", "height, m", "-5,000", "5,000", "Sites", "landed", "zone", "n"]);
  const ramp = L.items.find((i) => i.kind === "ramp");
  assert.deepEqual(ramp.colours, ["#000000", "#808080", "#ffffff"]);
  assert.equal(ramp.w, 120);
  const right = L.items.find((i) => i.text === "5,000");
  assert.equal(right.x + mono("5,000"), 120); // the last value ends at the ramp's right end
  const swatches = L.items.filter((i) => i.kind === "swatch");
  assert.deepEqual(swatches.map((s) => [s.color, s.point]), [["#ff0000", true], ["#808080", false]]);
  const f = FONTS;
  const expected = f.head.line + 8 + f.title.line + f.meaning.line + 12 + 4 + f.meaning.line
    + 8 + f.title.line + 2 * f.class.line + f.note.line;
  assert.equal(L.height, expected);
  // nothing drawn below the height, nothing wider than the column
  for (const i of L.items) {
    assert.ok(i.y < L.height);
    if (i.kind === "text") assert.ok(i.x + mono(i.text) <= 120, i.text);
  }
});

test("legendLayout: a long title wraps inside the column; entries without a title are skipped", () => {
  const L = legendLayout([{ title: "x ".repeat(50).trim() }, { units: "m" }, null], 60, mono);
  const lines = L.items.filter((i) => i.kind === "text").slice(1);
  assert.equal(lines.length, 10); // 50 "x" in lines of 5
  assert.equal(L.height, FONTS.head.line + 8 + 10 * FONTS.title.line);
});

test("snapshotLayout: the map at the top left at its size, the legend beside it, the caption under both", () => {
  const a = snapshotLayout({ width: 800, height: 600 }, 300, 90);
  assert.deepEqual(a.map, { x: 0, y: 0, w: 800, h: 600 });
  assert.deepEqual(a.legend, { x: 800, y: 0, w: LEGEND_WIDTH + 2 * PAD, h: 600 });
  assert.deepEqual(a.caption, { x: 0, y: 600, w: 800 + LEGEND_WIDTH + 2 * PAD, h: 90 + 2 * PAD });
  assert.equal(a.width, 800 + LEGEND_WIDTH + 2 * PAD);
  assert.equal(a.height, 600 + 90 + 2 * PAD);
  const tall = snapshotLayout({ width: 400, height: 300 }, 500, 40); // a legend taller than the map
  assert.equal(tall.caption.y, 500 + 2 * PAD);
  assert.equal(tall.legend.h, 500 + 2 * PAD);
  assert.equal(tall.map.h, 300);
});
