// The elevation profile chart under the map: an SVG line chart made with DOM APIs only (no library).
// Distance along the path (km) on x; elevation (m) in the upper panel with the stretches in permanent
// shadow shaded blue; a strip naming the DEM (and its resolution) behind each stretch; slope along (orange)
// and across (cyan) the path in the lower panel. Hovering reads out the sample under the pointer and calls
// onHover(index) so the map marks it. The pure parts (scales, ticks, bands -> rectangles, the hovered
// sample) are exported for the Node tests. Every text from data goes in with textContent.

const SVG = "http://www.w3.org/2000/svg";
export const PSR_FILL = "rgba(70, 130, 255, 0.35)";
export const ELEVATION_COLOR = "#e8e8e8";
export const ALONG_COLOR = "#ff9a3c";
export const ACROSS_COLOR = "#5fd4ff";

/** A linear map from [d0, d1] to [r0, r1], with .invert (a zero-width domain maps to r0). */
export function linearScale(d0, d1, r0, r1) {
  const span = d1 - d0;
  const k = span === 0 ? 0 : (r1 - r0) / span;
  const f = (v) => r0 + (v - d0) * k;
  f.invert = (p) => (k === 0 ? d0 : d0 + (p - r0) / k);
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** A round step (1, 2 or 5 times a power of ten) near `raw`. */
export function niceStep(raw) {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** Round tick values from `min` to `max` (about `count` of them), every one inside [min, max]. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) return [min];
  const step = niceStep((max - min) / count);
  const out = [];
  // whole multiples of the step, each rounded to 12 significant digits (0.6, not 0.6000000000000001)
  for (let k = Math.ceil(min / step - 1e-9); k <= Math.floor(max / step + 1e-9); k += 1) out.push(Number((k * step).toPrecision(12)) || 0);
  return out;
}

/** A domain padded out to round values: [floor to step, ceil to step] (a flat series gets +-1 step). */
export function niceDomain(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const s = niceStep(Math.abs(min) / 10 || 1);
    return [min - s, max + s];
  }
  const step = niceStep((max - min) / count);
  return [Math.floor(min / step) * step, Math.ceil(max / step) * step];
}

/** [min, max] of the finite numbers in `values` (null and NaN left out), or null if there are none. */
export function extent(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values || []) {
    if (typeof v === "number" && Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Bands ({start_m, end_m, ...}) as rectangles {x, y, width, height, band} under the x scale, clipped to its domain. */
export function bandRects(bands, x, top, bottom) {
  const [d0, d1] = x.domain;
  const out = [];
  for (const band of bands || []) {
    const a = Math.max(Math.min(band.start_m, band.end_m), d0);
    const b = Math.min(Math.max(band.start_m, band.end_m), d1);
    if (!(b >= a)) continue;
    const x0 = x(a);
    out.push({ x: x0, y: top, width: Math.max(x(b) - x0, 1), height: bottom - top, band });
  }
  return out;
}

/** Index of the sample nearest distance `d` in the ascending `distances` (-1 for none). */
export function hoverIndex(distances, d) {
  const n = distances ? distances.length : 0;
  if (!n || !Number.isFinite(d)) return -1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (distances[mid] <= d) lo = mid;
    else hi = mid;
  }
  return Math.abs(distances[hi] - d) < Math.abs(distances[lo] - d) ? hi : lo;
}

/** An SVG path's "d" through the points (x(xs[i]), y(ys[i])); a null value breaks the line. */
export function linePath(xs, ys, x, y) {
  let d = "";
  let pen = false;
  for (let i = 0; i < xs.length; i += 1) {
    const v = ys[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${x(xs[i]).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/** The chart's layout for a width in CSS pixels: plot x range and the panels' top and bottom. */
export function layout(width) {
  const w = Math.max(Number(width) || 0, 320);
  return { width: w, height: 318, x0: 66, x1: w - 16, elev: [26, 170], strip: [176, 192], slope: [214, 278], axis: 278 };
}

/** The PSR band holding distance `d`, or null. */
export function bandAt(bands, d) {
  return (bands || []).find((b) => d >= b.start_m && d <= b.end_m) || null;
}

function fmt(v, digits = 0) {
  return Number(v).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function signed(v, digits) {
  return typeof v === "number" ? (v > 0 ? "+" : "") + fmt(v, digits) + "°" : "no data";
}

/** The readout line of sample `i`: distance, elevation, slopes, PSR and the DEM's resolution. */
export function readoutText(p, i) {
  const d = p.distance_m[i];
  const e = p.elevation_m[i];
  const band = bandAt(p.psr_bands, d);
  const psr = p.in_psr[i] === 1
    ? `in PSR${band ? ` ${band.psr_id}${band.place ? ` (${band.place})` : ""}` : ""}`
    : p.in_psr[i] === 0 ? "not in a PSR" : "PSR unknown here";
  const res = p.resolution_m && typeof p.resolution_m[i] === "number" ? ` · DEM ${fmt(p.resolution_m[i])} m` : "";
  return `${fmt(d / 1000, 2)} km · elevation ${typeof e === "number" ? fmt(e) + " m" : "no data"} · slope along `
    + `${signed(p.slope_along_deg[i], 1)}, across ${signed(p.slope_across_deg[i], 1)} · ${psr}${res}`;
}

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = String(text);
  return n;
}

function yAxis(svg, L, y, ticks, unit, digits = 0) {
  for (const t of ticks) {
    const py = y(t);
    svg.append(node("line", { x1: L.x0, x2: L.x1, y1: py, y2: py, stroke: "rgba(255,255,255,0.12)" }),
      node("text", { x: L.x0 - 6, y: py + 4, "text-anchor": "end", fill: "#bbb", "font-size": 11 }, fmt(t, digits)));
  }
  const mid = (y.range[0] + y.range[1]) / 2; // the unit along the axis, turned upright
  svg.append(node("text", { x: 12, y: mid, fill: "#ddd", "font-size": 11, "text-anchor": "middle", transform: `rotate(-90 12 ${mid})` }, unit));
}

/** Draw payload `p` (lunarmap.profile_export.profile_payload) into `box`; returns {svg, setHover(i)}. */
export function renderChart(box, p, { onHover = () => {}, title = "Elevation profile" } = {}) {
  const L = layout(box.clientWidth - 16);
  const km = p.distance_m.map((d) => d / 1000);
  const x = linearScale(0, p.total_m / 1000, L.x0, L.x1);
  const xm = linearScale(0, p.total_m, L.x0, L.x1);
  const ext = extent(p.elevation_m) || [0, 1];
  const ed = niceDomain(ext[0], ext[1], 4);
  const y = linearScale(ed[0], ed[1], L.elev[1], L.elev[0]);
  const sExt = extent([...p.slope_along_deg, ...p.slope_across_deg]) || [-1, 1];
  const sMax = niceStep(Math.max(Math.abs(sExt[0]), Math.abs(sExt[1]), 1) / 2) * 2;
  const ys = linearScale(-sMax, sMax, L.slope[1], L.slope[0]);
  const svg = node("svg", { width: L.width, height: L.height, class: "lm-chart-svg", role: "img" });
  svg.appendChild(node("title", {}, `${title}: elevation, slope and permanent shadow along the path`));
  svg.appendChild(node("text", { x: L.x0, y: 14, fill: "#eee", "font-size": 12, "font-weight": 600 },
    `${title} · ${fmt(p.total_m / 1000, 3)} km · ${fmt(p.n)} samples`));
  svg.appendChild(node("text", { x: L.x1, y: 14, fill: "#bbb", "font-size": 11, "text-anchor": "end" },
    "blue: permanent shadow (PSR)"));
  for (const r of [...bandRects(p.psr_bands, xm, L.elev[0], L.elev[1]), ...bandRects(p.psr_bands, xm, L.slope[0], L.slope[1])]) {
    const rect = node("rect", { x: r.x, y: r.y, width: r.width, height: r.height, fill: PSR_FILL, class: "lm-chart-psr" });
    rect.dataset.startM = String(r.band.start_m);
    rect.dataset.endM = String(r.band.end_m);
    rect.dataset.psrId = String(r.band.psr_id);
    rect.dataset.place = String(r.band.place || "");
    rect.appendChild(node("title", {}, `PSR ${r.band.psr_id}${r.band.place ? ` (${r.band.place})` : ""}`));
    svg.appendChild(rect);
  }
  yAxis(svg, L, y, niceTicks(ed[0], ed[1], 4), "elevation (m)");
  yAxis(svg, L, ys, [-sMax, -sMax / 2, 0, sMax / 2, sMax], "slope (°)", sMax >= 4 ? 0 : 1);
  bandRects(p.resolution_bands, xm, L.strip[0], L.strip[1]).forEach((r, k) => {
    const g = node("g", { class: "lm-chart-res" });
    g.dataset.product = String(r.band.product);
    g.dataset.resolutionM = String(r.band.resolution_m);
    const label = `${r.band.product} · ${fmt(r.band.resolution_m)} m`;
    g.append(node("rect", { x: r.x, y: r.y, width: r.width, height: r.height, fill: k % 2 ? "#3a4152" : "#2b3140" }),
      node("title", {}, `elevation from ${label}`));
    if (r.width > label.length * 6) g.appendChild(node("text", { x: r.x + 4, y: r.y + 12, fill: "#ddd", "font-size": 10 }, label));
    svg.appendChild(g);
  });
  svg.appendChild(node("text", { x: L.x0 - 6, y: L.strip[1] - 3, fill: "#ddd", "font-size": 10, "text-anchor": "end" }, "DEM"));
  svg.append(
    node("path", { d: linePath(km, p.elevation_m, x, y), fill: "none", stroke: ELEVATION_COLOR, "stroke-width": 1.5, class: "lm-chart-elevation" }),
    node("line", { x1: L.x0, x2: L.x1, y1: ys(0), y2: ys(0), stroke: "rgba(255,255,255,0.4)" }),
    node("path", { d: linePath(km, p.slope_along_deg, x, ys), fill: "none", stroke: ALONG_COLOR, "stroke-width": 1.2, class: "lm-chart-along" }),
    node("path", { d: linePath(km, p.slope_across_deg, x, ys), fill: "none", stroke: ACROSS_COLOR, "stroke-width": 1.2, class: "lm-chart-across" }),
    node("text", { x: L.x1, y: L.slope[0] - 6, fill: ALONG_COLOR, "font-size": 11, "text-anchor": "end" }, "slope along (uphill +)"),
    node("text", { x: L.x1 - 150, y: L.slope[0] - 6, fill: ACROSS_COLOR, "font-size": 11, "text-anchor": "end" }, "across (rising right +)"),
  );
  for (const t of niceTicks(0, p.total_m / 1000, 8)) {
    svg.append(node("line", { x1: x(t), x2: x(t), y1: L.axis, y2: L.axis + 4, stroke: "#bbb" }),
      node("text", { x: x(t), y: L.axis + 16, fill: "#bbb", "font-size": 11, "text-anchor": "middle" }, fmt(t, t % 1 ? 1 : 0)));
  }
  svg.appendChild(node("text", { x: (L.x0 + L.x1) / 2, y: L.axis + 32, fill: "#ddd", "font-size": 11, "text-anchor": "middle" },
    "distance along the path (km)"));
  const cursor = node("line", { y1: L.elev[0], y2: L.slope[1], stroke: "#ffd84a", "stroke-width": 1, visibility: "hidden" });
  const dot = node("circle", { r: 4, fill: "#ffd84a", visibility: "hidden" });
  const overlay = node("rect", { x: L.x0, y: L.elev[0], width: L.x1 - L.x0, height: L.slope[1] - L.elev[0], fill: "transparent", class: "lm-chart-hover" });
  svg.append(cursor, dot, overlay);
  const readout = document.createElement("div");
  readout.className = "lm-chart-readout";
  readout.style.cssText = "min-height: 1.4em; color: #e8e8e8; font-size: 12px; padding: 2px 4px;";
  readout.textContent = "hover the chart to read a sample; it is marked on the map";
  const setHover = (i) => {
    const show = i !== null && i >= 0 && i < p.n;
    cursor.setAttribute("visibility", show ? "visible" : "hidden");
    dot.setAttribute("visibility", show && typeof p.elevation_m[i] === "number" ? "visible" : "hidden");
    if (show) {
      const px = x(km[i]);
      cursor.setAttribute("x1", px);
      cursor.setAttribute("x2", px);
      if (typeof p.elevation_m[i] === "number") {
        dot.setAttribute("cx", px);
        dot.setAttribute("cy", y(p.elevation_m[i]));
      }
      readout.textContent = readoutText(p, i);
    }
    box.dataset.hover = show ? String(i) : "";
  };
  overlay.addEventListener("pointermove", (ev) => {
    const r = svg.getBoundingClientRect();
    const i = hoverIndex(p.distance_m, xm.invert(ev.clientX - r.left));
    setHover(i);
    onHover(i);
  });
  overlay.addEventListener("pointerleave", () => {
    setHover(null);
    onHover(null);
  });
  box.replaceChildren(readout, svg);
  return { svg, setHover };
}
