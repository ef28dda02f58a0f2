// Circle mode: click the centre then the radius, or drag from the centre. The circle is geodesic:
// its radius is the great-circle distance from centre to edge on the Moon sphere.

import { geodesicRing, greatCircleM, isPoint, pxDist } from "../geometry.js";
import { hold, send } from "../pending.js";
import { CAPTURE, DRAG_PX, GUIDE_FILL, GUIDE_LINE, cancelDraw, nothing, pointsLayer } from "./shared.js";

function onPointerMove(st, { px, m }) {
  const d = st.draw;
  if (!d || !d.center) return;
  d.cursor = m;
  const g = st.gesture;
  if (g && !g.dragged && pxDist(px, g.downPx) > DRAG_PX) g.dragged = true;
  const show = d.phase === "edge" || (g && g.dragged);
  st.ui.showMeasure(show ? px : null, greatCircleM(d.center, m));
  if (show) st.ui.redraw();
}

function onPointerUp(st, { px, m }) {
  const d = st.draw;
  const g = st.gesture;
  if (!d) return;
  if (d.phase === "center" && !(g && g.dragged)) {
    d.phase = "edge"; // clicked the centre: the next click sets the radius
    st.ui.redraw();
    return;
  }
  if (pxDist(px, st.ui.toPx(d.center)) < 2) return; // no radius yet
  send(st, "draw", { kind: "circle", center: d.center, edge: m, radius_m: greatCircleM(d.center, m) });
  st.held = { kind: "circle", center: d.center, edge: m };
  hold(st);
  st.draw = null;
  st.ui.showMeasure(null, 0);
  st.ui.redraw();
}

function guideLayers(D, shape) {
  const cartesian = D.COORDINATE_SYSTEM.CARTESIAN;
  if (!isPoint(shape.center)) return [];
  const layers = [];
  const points = [shape.center];
  const edge = shape.edge || shape.cursor;
  if (isPoint(edge)) {
    const r = greatCircleM(shape.center, edge);
    if (r > 0) {
      layers.push(
        new D.PolygonLayer({
          id: "draw-shape", data: [{ ring: geodesicRing(shape.center, r) }], coordinateSystem: cartesian,
          getPolygon: (d) => d.ring, filled: true, stroked: true, getFillColor: GUIDE_FILL, getLineColor: GUIDE_LINE,
          lineWidthUnits: "pixels", getLineWidth: 2, pickable: false,
        }),
        new D.PathLayer({
          id: "draw-radius", data: [{ path: [shape.center, edge] }], coordinateSystem: cartesian,
          getPath: (d) => d.path, getColor: GUIDE_LINE, widthUnits: "pixels", getWidth: 1.5, pickable: false,
        }),
      );
      points.push(edge);
    }
  }
  layers.push(pointsLayer(D, points, false));
  return layers;
}

export const circle = {
  name: "circle",
  onPointerDown(st, { px, m }) {
    if (!st.draw) st.draw = { kind: "circle", center: m, cursor: m, phase: "center" };
    st.gesture = { kind: "circle", downPx: px, dragged: false };
    st.ui.redraw();
    return CAPTURE;
  },
  onPointerMove,
  onPointerUp,
  onCancel: nothing,
  onKey(st, ev) {
    if (ev.key === "Escape" && st.draw) {
      cancelDraw(st);
      return true;
    }
    return false;
  },
  onMapClick: nothing,
  hint: (st) =>
    st.draw && st.draw.center
      ? "click at the radius (or release the drag) · Esc cancels"
      : "click the centre, then click at the radius, or drag from the centre",
  cursor: () => "crosshair",
  guideLayers,
};
