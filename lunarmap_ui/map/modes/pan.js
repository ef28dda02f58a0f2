// Pan mode: deck.gl pans and zooms; a click is sent to Python ("click", with the object picked and whether
// Shift was held: Shift+click inside a region selects it, a plain click only reads the point).

import { send } from "../pending.js";
import { PASS, noKey, nothing, panCursor } from "./shared.js";

export const pan = {
  name: "pan",
  onPointerDown: () => PASS,
  onPointerMove: nothing,
  onPointerUp: nothing,
  onCancel: nothing,
  onKey: noKey,
  onMapClick(st, info, event) {
    if (!info || !info.coordinate) return;
    const obj = info.object;
    const picked = obj && obj.id !== undefined ? { layer: info.layer ? info.layer.id : null, id: String(obj.id) } : null;
    const v = st.view();
    const shift = Boolean(event && event.srcEvent && event.srcEvent.shiftKey);
    send(st, "click", { x: info.coordinate[0], y: info.coordinate[1], picked, shift, mode: "pan", zoom: v ? v.zoom : null });
  },
  hint: () => "",
  cursor: panCursor,
  guideLayers: () => [],
};
