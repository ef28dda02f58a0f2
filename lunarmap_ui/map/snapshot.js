// The map as a PNG for a report: the deck.gl canvas as drawn, with a scale bar true at the view's
// latitude and a north arrow drawn over it, the legend beside it and a caption naming the data below.
// Everything is drawn onto a 2D canvas from the component's data (the legend entries, the layers'
// sources), never copied from the page's DOM. The layout functions are pure (tested under node --test
// with a fake text measure); the drawing and the download need a browser.
//
// deck.gl draws into a WebGL canvas whose drawing buffer is not preserved after it is shown, so the
// snapshot forces a redraw (deck.redraw with a reason draws at once) and copies the canvas in the same
// task, before the browser composites and clears it.

import { fmtLat, fmtLon, polarToLonLatDeg } from "./geometry.js";
import { formatStop, meaningLine } from "./legend.js";
import { scaleBar } from "./view.js";

export const PROJECTION = "IAU_2015:30135 south polar stereographic, Moon sphere R = 1,737,400 m";
export const LEGEND_WIDTH = 280; // CSS px of the legend column
export const PAD = 12; // CSS px around the legend and the caption
export const FONTS = {
  title: { font: "600 12px system-ui, sans-serif", line: 15 },
  meaning: { font: "11px system-ui, sans-serif", line: 14 },
  note: { font: "italic 10.5px system-ui, sans-serif", line: 13 },
  class: { font: "11px system-ui, sans-serif", line: 14 },
  caption: { font: "11.5px system-ui, sans-serif", line: 15 },
  head: { font: "600 13px system-ui, sans-serif", line: 18 },
};
const COLOR_RE = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;
const SWATCH = 12; // px, a class swatch
const RAMP_H = 12; // px, a colour ramp's bar
const ENTRY_GAP = 8; // px between legend entries

/** `text` in lines no wider than `maxWidth` (`measure(text)` gives a width); over-long words are cut. */
export function wrapText(text, maxWidth, measure) {
  const lines = [];
  for (const paragraph of String(text).split("\n")) {
    let line = "";
    for (let word of paragraph.split(/\s+/).filter(Boolean)) {
      while (measure(word) > maxWidth && word.length > 1) { // a word wider than the line: cut it
        let n = word.length - 1;
        while (n > 1 && measure(word.slice(0, n)) > maxWidth) n -= 1;
        if (line) lines.push(line);
        lines.push(word.slice(0, n));
        line = "";
        word = word.slice(n);
      }
      const candidate = line ? `${line} ${word}` : word;
      if (line && measure(candidate) > maxWidth) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    lines.push(line);
  }
  return lines;
}

/** The date as YYYY-MM-DD (UTC). */
export function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

/** A pixel size as words: "60 m per pixel", "1.6 km per pixel". */
export function resolutionText(m) {
  const v = Number(m);
  if (!Number.isFinite(v) || v <= 0) return "";
  return v >= 1000 ? `${(v / 1000).toFixed(1)} km per pixel` : `${Math.round(v)} m per pixel`;
}

/** The file name of a snapshot: lunarmap-<date>-<centre lat>-<centre lon>.png (two decimals of a degree). */
export function snapshotFileName(date, view) {
  const [lon, lat] = polarToLonLatDeg(view.target);
  const la = `${Math.abs(lat).toFixed(2)}${lat < 0 ? "S" : "N"}`;
  const lo = `${Math.abs(lon).toFixed(2)}${lon < 0 ? "W" : "E"}`;
  return `lunarmap-${isoDate(date)}-${la}-${lo}.png`;
}

/**
 * Which way north points at the view's centre, as a clockwise angle from screen up (degrees), and
 * whether the pole lies inside the view (`size` in CSS px), where north has no one direction.
 * On the south polar stereographic grid, north is straight away from the pole; 0° longitude is up.
 */
export function northArrow(view, size) {
  const [x, y] = view.target;
  const s = Math.pow(2, view.zoom);
  const halfW = size.width / 2 / s;
  const halfH = size.height / 2 / s;
  const poleInView = Math.abs(x) <= halfW && Math.abs(y) <= halfH;
  const angleDeg = Math.hypot(x, y) > 0 ? (Math.atan2(x, y) * 180) / Math.PI : 0;
  return { angleDeg, poleInView };
}

/**
 * The caption's paragraphs: what, where and when; the projection; each raster's source and resolution
 * (`sources`: [{title, source, resolution_m}]); the other legend entries by title.
 */
export function captionParagraphs({ legend = [], sources = [], view, size, date }) {
  const [lon, lat] = polarToLonLatDeg(view.target);
  const bar = scaleBar(view);
  const north = northArrow(view, size);
  const out = [
    `Lunar south pole, lunarmap, ${isoDate(date)} (UTC). View centre ${fmtLat(lat)}, ${fmtLon(lon)}; ` +
      `scale bar true at ${Math.abs(bar.lat).toFixed(1)}° S (scale factor ${bar.k.toFixed(3)}).`,
    `Projection ${PROJECTION}. 0° longitude is up the grid; north points away from the pole` +
      (north.poleInView ? " (the pole is in view)." : ` (at the centre: ${Math.round(north.angleDeg)}° clockwise from up).`),
  ];
  const titles = new Set();
  for (const s of sources) {
    if (!s || typeof s.title !== "string") continue;
    titles.add(s.title);
    const res = resolutionText(s.resolution_m);
    const src = typeof s.source === "string" && s.source.trim() ? s.source.trim() : "source not recorded";
    out.push(`${s.title}: ${src}${res ? ` (${res})` : ""}.`);
  }
  const others = legend.filter((e) => e && typeof e.title === "string" && !titles.has(e.title)).map((e) => e.title);
  if (others.length) out.push(`Also shown: ${others.join("; ")}.`);
  return out;
}

/** The caption wrapped to `width` px: [{text, y}] with y the top of each line, and its height. */
export function captionLayout(paragraphs, width, measure) {
  const lines = [];
  let y = 0;
  for (const p of paragraphs) {
    for (const text of wrapText(p, width, measure)) {
      lines.push({ text, y });
      y += FONTS.caption.line;
    }
    y += 3;
  }
  return { lines, height: y };
}

/**
 * The legend laid out in a column `width` px wide: drawing items with positions from the column's top
 * left ({kind: "text", style, text, x, y} | {kind: "ramp", colours, x, y, w, h} |
 * {kind: "swatch", color, point, x, y, size}) and the height used. `measure(text, style)` gives widths.
 */
export function legendLayout(entries, width, measure) {
  const items = [];
  let y = 0;
  const text = (style, t, x = 0, w = width) => {
    for (const line of wrapText(t, w - x, (s) => measure(s, style))) {
      items.push({ kind: "text", style, text: line, x, y });
      y += FONTS[style].line;
    }
  };
  text("head", "Legend");
  for (const entry of entries || []) {
    if (!entry || typeof entry.title !== "string") continue;
    y += ENTRY_GAP;
    text("title", entry.title);
    const meaning = meaningLine(entry);
    if (meaning) text("meaning", meaning);
    if (entry.type === "ramp" && Array.isArray(entry.stops) && entry.stops.length >= 2) {
      const colours = entry.stops.map((s) => (COLOR_RE.test(s[1]) ? s[1] : "#808080"));
      items.push({ kind: "ramp", colours, x: 0, y: y + 2, w: width, h: RAMP_H });
      y += RAMP_H + 4;
      const first = formatStop(entry.stops[0][0]);
      const last = formatStop(entry.stops[entry.stops.length - 1][0]);
      items.push({ kind: "text", style: "meaning", text: first, x: 0, y });
      items.push({ kind: "text", style: "meaning", text: last, x: width - measure(last, "meaning"), y });
      y += FONTS.meaning.line;
    } else if (entry.type === "classes" && Array.isArray(entry.classes)) {
      for (const c of entry.classes) {
        const color = COLOR_RE.test(c && c.color) ? c.color : "#808080";
        items.push({ kind: "swatch", color, point: c.shape === "point", x: 0, y: y + 1, size: SWATCH });
        text("class", String(c.label ?? ""), SWATCH + 6);
      }
    }
    if (entry.note) text("note", entry.note);
  }
  return { items, height: y };
}

/**
 * Where the parts go (CSS px): the map `mapSize` at the top left, the legend column to its right,
 * the caption under both. Returns {width, height, map, legend, caption} with boxes {x, y, w, h}.
 */
export function snapshotLayout(mapSize, legendHeight, captionHeight) {
  const legendW = LEGEND_WIDTH + 2 * PAD;
  const top = Math.max(mapSize.height, legendHeight + 2 * PAD);
  const width = mapSize.width + legendW;
  const caption = { x: 0, y: top, w: width, h: captionHeight + 2 * PAD };
  return {
    width, height: top + caption.h,
    map: { x: 0, y: 0, w: mapSize.width, h: mapSize.height },
    legend: { x: mapSize.width, y: 0, w: legendW, h: top },
    caption,
  };
}

// ---- drawing (browser only)
function textOn(ctx, style, text, x, y, color = "#1b1e24") {
  ctx.font = FONTS[style].font;
  ctx.fillStyle = color;
  ctx.textBaseline = "top";
  ctx.fillText(text, x, y + 1);
}

function drawLegend(ctx, layout, x0, y0) {
  for (const it of layout.items) {
    if (it.kind === "text") textOn(ctx, it.style, it.text, x0 + it.x, y0 + it.y, it.style === "note" ? "#4a4f5a" : "#1b1e24");
    else if (it.kind === "ramp") {
      const g = ctx.createLinearGradient(x0 + it.x, 0, x0 + it.x + it.w, 0);
      it.colours.forEach((c, i) => g.addColorStop(i / (it.colours.length - 1), c.slice(0, 7)));
      ctx.fillStyle = g;
      ctx.fillRect(x0 + it.x, y0 + it.y, it.w, it.h);
      ctx.strokeStyle = "#555";
      ctx.strokeRect(x0 + it.x + 0.5, y0 + it.y + 0.5, it.w - 1, it.h - 1);
    } else if (it.kind === "swatch") {
      ctx.fillStyle = it.color.slice(0, 7);
      ctx.strokeStyle = "#333";
      ctx.beginPath();
      if (it.point) ctx.arc(x0 + it.x + it.size / 2, y0 + it.y + it.size / 2, it.size / 2 - 1, 0, 2 * Math.PI);
      else ctx.rect(x0 + it.x, y0 + it.y, it.size, it.size);
      ctx.fill();
      ctx.stroke();
    }
  }
}

// the scale bar (true at the view's latitude) on a light plate, bottom left of the map
function drawScale(ctx, bar, map) {
  ctx.font = FONTS.class.font;
  const w = Math.max(bar.widthPx, ctx.measureText(bar.text).width) + 16;
  const x = map.x + 10;
  const y = map.y + map.h - 44;
  ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
  ctx.fillRect(x, y, w, 34);
  ctx.fillStyle = "#111";
  ctx.fillRect(x + 8, y + 8, bar.widthPx, 3);
  ctx.fillRect(x + 8, y + 4, 1.5, 10);
  ctx.fillRect(x + 8 + bar.widthPx - 1.5, y + 4, 1.5, 10);
  textOn(ctx, "class", bar.text, x + 8, y + 16, "#111");
}

// the north arrow (or, with the pole in view, 0° longitude up) on a light plate, top left of the map
function drawNorth(ctx, north, map) {
  const cx = map.x + 34;
  const cy = map.y + 36;
  ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
  ctx.fillRect(map.x + 10, map.y + 10, 48, 58);
  ctx.save();
  ctx.translate(cx, cy);
  ctx.rotate(((north.poleInView ? 0 : north.angleDeg) * Math.PI) / 180);
  ctx.fillStyle = "#111";
  ctx.beginPath();
  ctx.moveTo(0, -18);
  ctx.lineTo(7, 10);
  ctx.lineTo(0, 5);
  ctx.lineTo(-7, 10);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
  ctx.font = FONTS.title.font;
  const label = north.poleInView ? "0° lon" : "N";
  textOn(ctx, "title", label, cx - ctx.measureText(label).width / 2, map.y + 50, "#111");
}

/**
 * The snapshot of the map of `st` now: {canvas, width, height, caption, fileName, boxes} with the
 * canvas in device pixels (the map at the resolution it is drawn) and the rest in CSS px.
 */
export function composeSnapshot(st, date = new Date()) {
  const data = st.lastData || {};
  const deckCanvas = st.deck.getCanvas ? st.deck.getCanvas() : st.dom.deckDiv.querySelector("canvas");
  const mapSize = { width: st.dom.deckDiv.clientWidth, height: st.dom.deckDiv.clientHeight };
  const view = st.view();
  const ratio = deckCanvas && mapSize.width ? deckCanvas.width / mapSize.width : 1;
  const canvas = st.dom.root.ownerDocument.createElement("canvas");
  const ctx = canvas.getContext("2d");
  const measure = (t, style) => {
    ctx.font = FONTS[style].font;
    return ctx.measureText(t).width;
  };
  const legend = legendLayout(data.legend, LEGEND_WIDTH, measure);
  const paragraphs = captionParagraphs({ legend: data.legend || [], sources: data.sources || [], view, size: mapSize, date });
  const total = mapSize.width + LEGEND_WIDTH + 2 * PAD;
  const caption = captionLayout(paragraphs, total - 2 * PAD, (t) => measure(t, "caption"));
  const at = snapshotLayout(mapSize, legend.height, caption.height);
  canvas.width = Math.round(at.width * ratio);
  canvas.height = Math.round(at.height * ratio);
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, at.width, at.height);
  ctx.fillStyle = getComputedStyle(st.dom.root).backgroundColor || "#0e1117";
  ctx.fillRect(at.map.x, at.map.y, at.map.w, at.map.h);
  st.deck.redraw("snapshot"); // draws now: the WebGL buffer is whole until this task ends
  if (deckCanvas) ctx.drawImage(deckCanvas, at.map.x, at.map.y, at.map.w, at.map.h);
  drawScale(ctx, scaleBar(view), at.map);
  drawNorth(ctx, northArrow(view, mapSize), at.map);
  drawLegend(ctx, legend, at.legend.x + PAD, at.legend.y + PAD);
  for (const line of caption.lines) textOn(ctx, "caption", line.text, at.caption.x + PAD, at.caption.y + PAD + line.y);
  const r = (b) => [b.x, b.y, b.x + b.w, b.y + b.h].map((v) => Math.round(v * ratio));
  return {
    canvas, width: canvas.width, height: canvas.height, caption: paragraphs.join(" "),
    fileName: snapshotFileName(date, view), boxes: { map: r(at.map), legend: r(at.legend), caption: r(at.caption) },
  };
}

/**
 * Take the snapshot of `st`'s map and download it; its size, caption, boxes (device px), bytes and the
 * milliseconds it took (composed and encoded) go on the root as data-snapshot.
 */
export function downloadSnapshot(st) {
  if (!st.deck) return;
  const t0 = performance.now();
  const doc = st.dom.root.ownerDocument;
  let shot;
  try {
    shot = composeSnapshot(st);
  } catch (error) {
    st.ui.say("the PNG could not be made: " + (error && error.message ? error.message : String(error)) + "; try again once the map has drawn");
    return;
  }
  shot.canvas.toBlob((blob) => {
    if (!blob) {
      st.ui.say("the PNG could not be made (the browser refused the canvas)");
      return;
    }
    const url = URL.createObjectURL(blob);
    const a = doc.createElement("a");
    a.href = url;
    a.download = shot.fileName;
    a.hidden = true;
    st.dom.root.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    const { width, height, caption, fileName, boxes } = shot;
    const ms = Math.round(performance.now() - t0); // composed and encoded as PNG
    st.dom.root.dataset.snapshot = JSON.stringify({ width, height, caption, fileName, boxes, bytes: blob.size, ms });
  }, "image/png");
}

/** The "PNG" button under the zoom buttons (a button: Tab reaches it, Enter or Space presses it). */
export function wireSnapshot(st) {
  const doc = st.dom.root.ownerDocument;
  const group = doc.createElement("div");
  group.className = "lm-snap";
  const b = doc.createElement("button");
  b.type = "button";
  b.className = "lm-snap-png";
  b.textContent = "PNG";
  b.title = "Save the map as a PNG with its legend, scale bar and a caption naming the data";
  b.setAttribute("aria-label", b.title);
  b.addEventListener("click", () => downloadSnapshot(st));
  group.appendChild(b);
  st.dom.root.appendChild(group);
  return group;
}
