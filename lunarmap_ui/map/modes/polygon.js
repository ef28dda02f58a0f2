// Polygon mode: click the vertices; the first vertex, Enter or a double-click closes the polygon,
// Backspace removes the last vertex, Esc cancels. A press that moves (a drag) places no vertex.

import { isPoint, pxDist } from "../geometry.js";
import { hold, send } from "../pending.js";
import { CAPTURE, CLOSE_PX, DOUBLE_CLICK_MS, DRAG_PX, GUIDE_FILL, GUIDE_LINE, cancelDraw, nothing, pointsLayer } from "./shared.js";

function startDraft(st, m) {
  if (!st.draw) st.draw = { kind: "polygon", vertices: [], cursor: m, lastClick: null };
  return st.draw;
}

/** Send the drafted polygon (3 vertices or more; otherwise say so). */
export function closePolygon(st) {
  const d = st.draw;
  if (!d || d.kind !== "polygon") return;
  if (d.vertices.length < 3) {
    st.ui.say(`a polygon needs at least 3 vertices (${d.vertices.length} so far); keep clicking, Esc cancels`);
    return;
  }
  const vertices = d.vertices.slice();
  send(st, "draw", { kind: "polygon", vertices });
  st.held = { kind: "polygon", vertices, closed: true };
  hold(st);
  st.draw = null;
  st.message = "";
  st.ui.redraw();
}

function click(st, px, m) {
  const d = startDraft(st, m);
  const now = st.ui.now();
  const v = d.vertices;
  if (v.length && pxDist(px, st.ui.toPx(v[0])) <= CLOSE_PX) {
    closePolygon(st);
    return;
  }
  const last = d.lastClick;
  if (last && now - last.t < DOUBLE_CLICK_MS && pxDist(px, last.px) <= DRAG_PX) {
    d.lastClick = null;
    closePolygon(st); // double-click: the first click already placed the last vertex
    return;
  }
  v.push(m);
  d.cursor = m;
  d.lastClick = { t: now, px };
  st.ui.redraw();
}

function guideLayers(D, shape) {
  const cartesian = D.COORDINATE_SYSTEM.CARTESIAN;
  const v = shape.vertices || [];
  const layers = [];
  if (shape.closed && v.length >= 3) {
    layers.push(
      new D.PolygonLayer({
        id: "draw-shape", data: [{ ring: v }], coordinateSystem: cartesian, getPolygon: (d) => d.ring,
        filled: true, stroked: true, getFillColor: GUIDE_FILL, getLineColor: GUIDE_LINE, lineWidthUnits: "pixels",
        getLineWidth: 2, pickable: false,
      }),
    );
  } else if (v.length) {
    const path = isPoint(shape.cursor) ? [...v, shape.cursor] : v;
    if (v.length >= 2) {
      layers.push(
        new D.SolidPolygonLayer({
          id: "draw-fill", data: [{ ring: path }], coordinateSystem: cartesian, getPolygon: (d) => d.ring,
          getFillColor: GUIDE_FILL, pickable: false,
        }),
      );
    }
    layers.push(
      new D.PathLayer({
        id: "draw-path", data: [{ path }], coordinateSystem: cartesian, getPath: (d) => d.path, getColor: GUIDE_LINE,
        widthUnits: "pixels", getWidth: 2, pickable: false,
      }),
    );
  }
  if (v.length) layers.push(pointsLayer(D, v, true));
  return layers;
}

export const polygon = {
  name: "polygon",
  onPointerDown(st, { px, m }) {
    startDraft(st, m);
    st.gesture = { kind: "polygon", downPx: px, dragged: false };
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
    const drafting = st.draw && st.draw.kind === "polygon";
    if (ev.key === "Escape" && st.draw) cancelDraw(st);
    else if (ev.key === "Enter" && !ev.onButton && drafting) closePolygon(st);
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
    return n === 0
      ? "click to place the first vertex"
      : "click the first vertex or press Enter to close · Backspace removes the last · Esc cancels";
  },
  cursor: () => "crosshair",
  guideLayers,
};
