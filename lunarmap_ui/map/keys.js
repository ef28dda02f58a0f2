// The keyboard: a toolbar shortcut (P, C, G, E) switches the mode; otherwise the current mode has the key;
// Escape that no mode took deselects the selected zone. Pure over the map state (tested under node --test).

import { TOOL_BUTTONS } from "./dom.js";
import { modeOf } from "./modes/index.js";
import { select } from "./zones.js";

const SHORTCUTS = new Map(TOOL_BUTTONS.map((b) => [b.key.toLowerCase(), b.mode])); // "p" -> "pan", ...

/**
 * Handle a key press ({key, shiftKey, ctrlKey, metaKey, altKey, onButton}); true when it was the map's.
 * `setMode(name)` switches the toolbar mode.
 */
export function handleKey(st, ev, setMode) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return false;
  const shortcut = SHORTCUTS.get(ev.key.toLowerCase());
  if (st.tools.draw && !st.gesture && !ev.shiftKey && shortcut) {
    setMode(shortcut);
    return true;
  }
  if (modeOf(st.mode).onKey(st, ev)) return true;
  if (ev.key === "Escape" && st.selected !== null) {
    select(st, null);
    return true;
  }
  return false;
}
