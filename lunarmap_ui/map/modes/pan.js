// Pan mode: deck.gl pans and zooms; a click is sent to Python ("click", with the object picked).

import { send } from "../pending.js";
import { PASS, noKey, nothing, panCursor } from "./shared.js";

export const pan = {
  name: "pan",
  onPointerDown: () => PASS,
  onPointerMove: nothing,
  onPointerUp: nothing,
  onCancel: nothing,
  onKey: noKey,
  onMapClick(st, info) {
    if (!info || !info.coordinate) return;
    const obj = info.object;
    const picked = obj && obj.id !== undefined ? { layer: info.layer ? info.layer.id : null, id: String(obj.id) } : null;
    const v = st.view();
    send(st, "click", { x: info.coordinate[0], y: info.coordinate[1], picked, mode: "pan", zoom: v ? v.zoom : null });
  },
  hint: () => "",
  cursor: panCursor,
  guideLayers: () => [],
};
