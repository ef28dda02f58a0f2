// Edit mode: click a zone to select it; drag it to move it, drag a handle to reshape it (a circle's
// centre or radius handle, a polygon's vertices); Shift+click inserts a vertex on the nearest edge,
// Alt+click on a vertex removes it; Delete removes the zone. Each edit is sent when it ends.
// Dragging empty space pans the map (the press is left to deck.gl).

import { geodesicRing, greatCircleM, nearestEdgeIndex, pxDist } from "../geometry.js";
import { hold, send } from "../pending.js";
import { circleEdgeHandle, isCircle, polygonVertices, select, shapeOf, zoneById } from "../zones.js";
import { CAPTURE, CONSUME, DRAG_PX, PASS, nothing, panCursor } from "./shared.js";

/** Delete the selected zone (it stays hidden until Python answers). */
export function deleteSelected(st) {
  if (st.selected === null) return;
  const id = st.selected;
  send(st, "delete", { id });
  st.hiddenIds.add(id);
  hold(st);
  st.selected = null;
  st.ui.zonesChanged();
}

// Alt+click on a vertex handle removes that vertex (a polygon keeps at least 3); Shift+click on the selected
// polygon's outline or inside it inserts a vertex on the nearest edge. Each sends an "edit".
function vertexEdit(st, px, m, remove) {
  const zone = zoneById(st, st.selected);
  if (!zone || isCircle(zone)) return false;
  const vertices = polygonVertices(shapeOf(st, zone));
  let next = null;
  if (remove) {
    const info = st.ui.pick(px);
    if (!info || info.layer.id !== "zone-handles" || info.object.handle !== "vertex") return false;
    if (vertices.length <= 3) {
      st.ui.say("a polygon needs at least 3 vertices");
      return true;
    }
    next = vertices.filter((_, i) => i !== info.object.index);
  } else {
    const best = nearestEdgeIndex(vertices, m);
    if (best < 0) return false;
    next = [...vertices.slice(0, best + 1), m, ...vertices.slice(best + 1)];
  }
  st.overrides.set(zone.id, { ring: next, vertices: next });
  send(st, "edit", { id: zone.id, kind: "polygon", vertices: next });
  hold(st);
  st.ui.zonesChanged();
  return true;
}

/** The shape a drag `g` gives with the pointer at map point m. */
export function editedShape(g, m) {
  const z = g.zone;
  const dx = m[0] - g.downM[0];
  const dy = m[1] - g.downM[1];
  if (isCircle(z)) {
    if (g.handle === "edge") {
      const r = greatCircleM(z.center, m);
      return { ring: geodesicRing(z.center, r), radius_m: r, edge: m, center: z.center };
    }
    const center = [z.center[0] + dx, z.center[1] + dy];
    const r = z.radius_m > 0 ? z.radius_m : greatCircleM(z.center, circleEdgeHandle(z));
    return { ring: geodesicRing(center, r), center, radius_m: r, edge: null };
  }
  const base = polygonVertices(z);
  if (g.handle === "vertex") {
    const edited = base.map((p, i) => (i === g.index ? m : p));
    return { ring: edited, vertices: edited };
  }
  // a moved body: the preview is translated on the map; Python moves the zone on the sphere (same true area)
  const vertices = base.map((p) => [p[0] + dx, p[1] + dy]);
  return { ring: vertices, vertices, move: { from: g.downM, to: m } };
}

function onPointerDown(st, { px, m, altKey, shiftKey }) {
  if ((altKey || shiftKey) && vertexEdit(st, px, m, altKey)) return CONSUME;
  const info = st.ui.pick(px);
  if (!info) return PASS; // empty space: deck.gl pans
  if (info.layer.id === "zone-handles") {
    const zone = zoneById(st, st.selected);
    if (!zone) return PASS;
    st.gesture = { kind: "edit", handle: info.object.handle, index: info.object.index, zone: shapeOf(st, zone), downPx: px, downM: m, dragged: false };
  } else {
    const zone = zoneById(st, String(info.object.id));
    if (!zone) return PASS;
    select(st, zone.id);
    st.gesture = { kind: "edit", handle: "body", zone: shapeOf(st, zone), downPx: px, downM: m, dragged: false };
  }
  return CAPTURE;
}

function onPointerMove(st, { px, m }) {
  const g = st.gesture;
  if (!g) return;
  if (!g.dragged && pxDist(px, g.downPx) <= DRAG_PX) return;
  g.dragged = true;
  g.shape = editedShape(g, m);
  st.overrides.set(g.zone.id, g.shape);
  st.ui.showMeasure(g.handle === "edge" ? px : null, g.shape.radius_m);
  st.ui.zonesChanged();
}

function onPointerUp(st) {
  const g = st.gesture;
  st.ui.showMeasure(null, 0);
  if (!g.dragged || !g.shape) return;
  const z = g.zone;
  if (isCircle(z)) {
    const edge = g.handle === "edge" ? g.shape.edge : null;
    send(st, "edit", { id: z.id, kind: "circle", center: g.shape.center, edge, radius_m: edge ? g.shape.radius_m : null });
  } else {
    const payload = { id: z.id, kind: "polygon", vertices: g.shape.vertices };
    if (g.shape.move) payload.move = g.shape.move;
    send(st, "edit", payload);
  }
  hold(st);
}

export const edit = {
  name: "edit",
  editsZones: true,
  onPointerDown,
  onPointerMove,
  onPointerUp,
  onCancel(st, g) {
    st.overrides.delete(g.zone.id);
    st.ui.zonesChanged();
  },
  onKey(st, ev) {
    if ((ev.key === "Delete" || ev.key === "Backspace") && st.selected !== null && !st.gesture) {
      deleteSelected(st);
      return true;
    }
    return false;
  },
  onMapClick(st) {
    select(st, null); // a click on empty space (a zone click never reaches deck.gl in edit mode)
  },
  hint: (st) =>
    st.selected === null
      ? "click a zone to select it; drag empty space to pan"
      : "drag a handle to reshape, the zone to move it · Shift+click adds a vertex, Alt+click a vertex removes it · "
        + "Delete removes the zone · Esc deselects",
  cursor: panCursor,
  guideLayers: () => [],
};
