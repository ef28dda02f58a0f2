// The measure and profile tools' answers on the map: the measured legs with their labels (texts from
// Python), the profile line, the sample hovered on the chart, and the chart box under the map.
//
// What is drawn: a measurement or profile line the browser sent and Python has not answered yet (its seq
// above the data's) is drawn as sent; otherwise Python's answer (data.measure / data.profile). An answer
// Python dropped (the panel's Clear) takes the browser's copy with it.

import { renderChart } from "./chart.js";
import { PROFILE_LINE } from "./modes/profile.js";

export const MEASURE_LINE = [255, 216, 74, 255];

/** The measurement to draw: {points, legs (null while Python has not answered), error} or null. */
export function shownMeasure(st) {
  const local = st.measure;
  const answer = st.toolData ? st.toolData.measure : null;
  if (local && (!answer || answer.seq < local.seq)) return { points: local.points, legs: null, error: null };
  return answer ? { points: answer.points, legs: answer.legs, error: answer.error } : null;
}

/** The profile line to draw: {vertices, payload (null while waiting or on error), error} or null. */
export function shownProfile(st) {
  const sent = st.profileSent;
  const answer = st.toolData ? st.toolData.profile : null;
  if (sent && (!answer || answer.seq < sent.seq)) return { vertices: sent.vertices, payload: null, error: null, waiting: true };
  return answer ? { vertices: answer.vertices, payload: answer.payload, error: answer.error, waiting: false } : null;
}

/** New data from Python: keep its answers, forget local copies it answered or dropped. */
export function takeToolData(st, data) {
  const next = { measure: data.measure || null, profile: data.profile || null };
  st.toolAcks = st.toolAcks || { measure: 0, profile: 0 };
  if (next.measure) st.toolAcks.measure = Math.max(st.toolAcks.measure, next.measure.seq);
  if (next.profile) st.toolAcks.profile = Math.max(st.toolAcks.profile, next.profile.seq);
  if (!next.measure && st.measure && st.measure.seq <= st.toolAcks.measure) st.measure = null;
  if (!next.profile && st.profileSent && st.profileSent.seq <= st.toolAcks.profile) st.profileSent = null;
  if (st.profileSent && next.profile && next.profile.seq >= st.profileSent.seq) st.profileSent = null;
  st.toolData = next;
}

function cartesian(D) {
  return D.COORDINATE_SYSTEM.CARTESIAN;
}

function textLayer(D, id, data, color) {
  return new D.TextLayer({
    id, data, coordinateSystem: cartesian(D), getPosition: (d) => d.p, getText: (d) => d.text, getSize: 13,
    getColor: color, characterSet: "auto", fontFamily: "Helvetica, Arial, sans-serif", fontSettings: { sdf: true },
    outlineWidth: 3, outlineColor: [0, 0, 0, 230], getTextAnchor: "start", getAlignmentBaseline: "bottom",
    getPixelOffset: [6, -4], pickable: false,
  });
}

function pathLayer(D, id, path, color, width) {
  return new D.PathLayer({
    id, data: [{ path }], coordinateSystem: cartesian(D), getPath: (d) => d.path, getColor: color,
    widthUnits: "pixels", getWidth: width, pickable: false,
  });
}

function dots(D, id, points, color, radius) {
  return new D.ScatterplotLayer({
    id, data: points.map((p) => ({ p })), coordinateSystem: cartesian(D), getPosition: (d) => d.p,
    radiusUnits: "pixels", getRadius: radius, filled: true, stroked: true, lineWidthUnits: "pixels",
    getLineWidth: 1.5, getFillColor: color, getLineColor: [20, 24, 36, 255], pickable: false,
  });
}

/** The deck.gl layers of the measurement, the profile line and the hovered sample (D: deck.gl). */
export function toolLayers(st) {
  const D = st.deckgl;
  if (!D) return [];
  const layers = [];
  const p = shownProfile(st);
  if (p && p.vertices.length >= 2) {
    const line = p.payload ? p.payload.x_m.map((xv, i) => [xv, p.payload.y_m[i]]) : p.vertices;
    layers.push(pathLayer(D, "tool-profile-line", line, PROFILE_LINE, 3), dots(D, "tool-profile-vertices", p.vertices, [255, 255, 255, 255], 4));
    const i = st.profileHover;
    if (p.payload && i !== null && i !== undefined && i >= 0 && i < p.payload.n) {
      layers.push(dots(D, "tool-profile-hover", [[p.payload.x_m[i], p.payload.y_m[i]]], [255, 216, 74, 255], 7));
    }
  }
  const m = shownMeasure(st);
  if (m && m.points.length) {
    const path = m.legs && m.legs.length ? m.legs.flatMap((leg) => leg.path) : m.points;
    if (path.length >= 2) layers.push(pathLayer(D, "tool-measure-path", path, MEASURE_LINE, 2.5));
    layers.push(dots(D, "tool-measure-points", m.points, [255, 255, 255, 255], 4));
    if (m.legs && m.legs.length) {
      layers.push(textLayer(D, "tool-measure-labels", m.legs.map((leg) => ({ p: leg.mid, text: leg.label })), [255, 236, 160, 255]));
      const last = m.legs.length - 1;
      layers.push(textLayer(D, "tool-measure-totals", m.legs.filter((_, k) => k > 0 || last === 0)
        .map((leg) => ({ p: leg.path[leg.path.length - 1], text: leg.total_label })), [255, 255, 255, 255]));
    }
  }
  return layers;
}

/** The box under the map that holds the profile chart (made once, after the map's root). */
function chartBox(st) {
  if (!st.chartBox) {
    const box = document.createElement("div");
    box.className = "lm-chart";
    box.style.cssText = "margin-top: 8px; padding: 6px 8px; background: #0e111a; border-radius: 6px; "
      + "color: #e8e8e8; font-family: var(--st-font, 'Source Sans Pro', Helvetica, Arial, sans-serif);";
    box.hidden = true;
    st.dom.root.after(box);
    st.chartBox = box;
  }
  return st.chartBox;
}

/**
 * Draw (or hide) the chart for the profile shown, when it changed (a rerun that brings the same profile keeps
 * the chart and its hover); published on the map root as data-profile-* attributes.
 */
export function updateChart(st, redraw) {
  const p = shownProfile(st);
  const key = p ? JSON.stringify([p.waiting, p.error, p.vertices, p.payload ? [p.payload.n, p.payload.total_m] : null,
    st.toolData && st.toolData.profile ? st.toolData.profile.seq : null]) : "";
  if (key === st.chartKey) return;
  st.chartKey = key;
  const box = chartBox(st);
  const root = st.dom.root;
  if (!p || (!p.payload && !p.error && !p.waiting)) {
    box.hidden = true;
    box.replaceChildren();
    st.chart = null;
    root.dataset.profileDrawn = "";
    return;
  }
  box.hidden = false;
  if (!p.payload) {
    const note = document.createElement("div");
    note.className = "lm-chart-note";
    note.textContent = p.error ? `No profile: ${p.error}` : "computing the profile…";
    box.replaceChildren(note);
    st.chart = null;
    root.dataset.profileDrawn = "";
    return;
  }
  st.profileHover = null;
  st.chart = renderChart(box, p.payload, {
    onHover: (i) => {
      st.profileHover = i;
      const on = i !== null && i >= 0;
      root.dataset.profileHover = on ? String(i) : "";
      root.dataset.profileMarker = on ? `${p.payload.x_m[i]},${p.payload.y_m[i]}` : "";
      redraw();
    },
  });
  root.dataset.profileDrawn = String(st.toolData.profile.seq);
  root.dataset.profileN = String(p.payload.n);
  if (globalThis.performance && performance.mark) performance.mark("lunarmap:profile-chart");
}
