// Measure mode: each click adds a point and sends every point of the measurement so far ("measure");
// Python measures the legs on the Moon sphere (lunarmap.measure) and sends back their lengths, azimuths,
// running totals and label texts, which tools.js draws. Nothing is measured here from pixels. Esc ends the
// measurement (it stays drawn and listed); the next click starts a new one. Backspace removes the last
// point. The map still pans with a drag (deck.gl keeps the presses; its click adds the point).

import { send } from "../pending.js";
import { PASS, nothing } from "./shared.js";

/** Add map point `m`: to the measurement going on, or as the first point of a new one. Returns the message. */
export function addPoint(st, m) {
  const cur = st.measure;
  const points = cur && cur.active ? [...cur.points, m] : [m];
  const message = send(st, "measure", { points });
  st.measure = { points, active: true, seq: message.seq };
  // No redraw until Python answers (its data redraws): a frame now, slow with software GL, would hold back
  // Streamlit's rerun request and the answer (see modes/profile.js).
  return message;
}

/** End the measurement going on (Esc); true when there was one. */
export function endMeasure(st) {
  if (!st.measure || !st.measure.active) return false;
  st.measure = { ...st.measure, active: false };
  st.ui.redraw();
  return true;
}

export const measure = {
  name: "measure",
  onPointerDown: () => PASS,
  onPointerMove: nothing,
  onPointerUp: nothing,
  onCancel: nothing,
  onKey(st, ev) {
    if (ev.key === "Escape") return endMeasure(st);
    if (ev.key === "Backspace" && st.measure && st.measure.active && st.measure.points.length > 1) {
      const points = st.measure.points.slice(0, -1);
      const message = send(st, "measure", { points });
      st.measure = { points, active: true, seq: message.seq };
      return true;
    }
    return false;
  },
  onMapClick(st, info) {
    if (!info || !info.coordinate) return;
    addPoint(st, [info.coordinate[0], info.coordinate[1]]);
  },
  hint(st) {
    const m = st.measure;
    if (!m || !m.active) return "click points to measure geodesic distances (drag pans)";
    return m.points.length < 2
      ? "click the next point"
      : "click to add a leg · Backspace removes the last point · Esc ends";
  },
  cursor: (st, { isDragging }) => (isDragging ? "grabbing" : "crosshair"),
  guideLayers: () => [],
};
