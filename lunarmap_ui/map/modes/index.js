// The toolbar's modes by name, each behind the interface described in shared.js. A new tool is one
// more module here (and a button in dom.js's TOOL_BUTTONS, and its name in protocol.json's "modes").

import { circle } from "./circle.js";
import { edit } from "./edit.js";
import { measure } from "./measure.js";
import { pan } from "./pan.js";
import { polygon } from "./polygon.js";
import { profile } from "./profile.js";

export const MODE_IMPLS = { pan, circle, polygon, edit, measure, profile };

/** The mode object of a name (pan for an unknown one). */
export function modeOf(name) {
  return MODE_IMPLS[name] || pan;
}
