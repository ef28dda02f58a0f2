// Profile mode: click the vertices of a line; a double-click or Enter finishes it (two vertices or more)
// and sends them ("profile"); Backspace removes the last vertex, Esc cancels. A press that moves (a drag)
// places no vertex. Python computes the profile along great circles (lunarmap.profile); tools.js draws
// the line on the map and chart.js the chart under it.

import { isPoint, pxDist } from "../geometry.js";
import { send } from "../pending.js";
import { CAPTURE, DOUBLE_CLICK_MS, DRAG_PX, cancelDraw, nothing, pointsLayer } from "./shared.js";

export const PROFILE_LINE = [255, 150, 40, 255];

function startDraft(st, m) {
  if (!st.draw) st.draw = { kind: "profile", vertices: [], cursor: m, lastClick: null };
  return st.draw;
}

/** Send the drafted line (2 vertices or more; otherwise say so). Returns the message or null. */
export function finishLine(st) {
  const d = st.draw;
  if (!d || d.kind !== "profile") return null;
  if (d.vertices.length < 2) {
    st.ui.say(`a profile needs at least 2 vertices (${d.vertices.length} so far); keep clicking, Esc cancels`);
    return null;
  }
  const vertices = d.vertices.slice();
  const message = send(st, "profile", { vertices });
  st.profileSent = { vertices, seq: message.seq };
  st.profileHover = null;
  st.draw = null;
  st.message = "";
  // No redraw here: the drafted line on the map already is the line sent, and Python's answer redraws it. A
  // frame now (slow with software GL) would hold back Streamlit's rerun request and the answer's arrival.
  return message;
}

function click(st, px, m) {
  const d = startDraft(st, m);
  const now = st.ui.now();
  const last = d.lastClick;
  if (last && now - last.t < DOUBLE_CLICK_MS && pxDist(px, last.px) <= DRAG_PX) {
    d.lastClick = null;
    finishLine(st); // double-click: the first click already placed the last vertex
    return;
  }
  d.vertices.push(m);
  d.cursor = m;
  d.lastClick = { t: now, px };
  st.ui.redraw();
}

function guideLayers(D, shape) {
  const v = shape.vertices || [];
  if (!v.length) return [];
  const path = isPoint(shape.cursor) ? [...v, shape.cursor] : v;
  return [
    new D.PathLayer({
      id: "draw-path", data: [{ path }], coordinateSystem: D.COORDINATE_SYSTEM.CARTESIAN, getPath: (d) => d.path,
      getColor: PROFILE_LINE, widthUnits: "pixels", getWidth: 2, pickable: false,
    }),
    pointsLayer(D, v, false),
  ];
}

export const profile = {
  name: "profile",
  onPointerDown(st, { px, m }) {
    startDraft(st, m);
    st.gesture = { kind: "profile", downPx: px, dragged: false };
    return CAPTURE;
  },
  onPointerMove(st, { px, m }) {
    const g = st.gesture;
    if (g && !g.dragged && pxDist(px, g.downPx) > DRAG_PX) g.dragged = true;
    if (!st.draw) return;
    st.draw.cursor = m;
    st.ui.redraw();
  },
  onPointerUp(st, { px, m }) {
    if (!st.gesture.dragged) click(st, px, m);
  },
  onCancel: nothing,
  onKey(st, ev) {
    const drafting = st.draw && st.draw.kind === "profile";
    if (ev.key === "Escape" && st.draw) cancelDraw(st);
    else if (ev.key === "Enter" && !ev.onButton && drafting) finishLine(st);
    else if (ev.key === "Backspace" && drafting) {
      st.draw.vertices.pop();
      st.draw.lastClick = null;
      st.ui.redraw();
    } else return false;
    return true;
  },
  onMapClick: nothing,
  hint(st) {
    const n = st.draw ? st.draw.vertices.length : 0;
    if (n === 0) return "click the first vertex of the profile line";
    return n === 1
      ? "click the next vertex · Esc cancels"
      : "double-click or Enter finishes the line · Backspace removes the last vertex · Esc cancels";
  },
  cursor: () => "crosshair",
  guideLayers,
};
