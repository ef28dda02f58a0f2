// The legend's state and texts, as pure functions: collapsed or not and the corner it is docked to
// (remembered for the browser session in sessionStorage, per map id), where each corner puts it so that
// it leaves the toolbar, the cursor readout and the scale bar free, and what each entry says.

/** Corners in the order the dock button cycles them. */
export const CORNERS = ["top-left", "bottom-left", "bottom-right", "top-right"];
export const DEFAULT_LEGEND = Object.freeze({ collapsed: false, corner: "top-left" });
/** The legend is at most this share of the map's height (it scrolls beyond). */
export const MAX_HEIGHT_SHARE = 0.6;
const MARGIN = 8;

export function storageKey(mapId) {
  return `lunarmap:legend:${mapId}`;
}

/** The corner after `corner` (the dock button's next step). */
export function nextCorner(corner) {
  const i = CORNERS.indexOf(corner);
  return CORNERS[(i + 1) % CORNERS.length];
}

/** The legend state saved for `mapId` in `storage` (sessionStorage), or the default; never throws. */
export function readLegendState(storage, mapId) {
  try {
    const raw = storage ? storage.getItem(storageKey(mapId)) : null;
    const saved = raw ? JSON.parse(raw) : {};
    return {
      collapsed: typeof saved.collapsed === "boolean" ? saved.collapsed : DEFAULT_LEGEND.collapsed,
      corner: CORNERS.includes(saved.corner) ? saved.corner : DEFAULT_LEGEND.corner,
    };
  } catch {
    return { ...DEFAULT_LEGEND }; // storage refused (a sandbox) or a garbled value: start as new
  }
}

/** Save `state` ({collapsed, corner}) for `mapId`; false when the storage refuses. */
export function writeLegendState(storage, mapId, state) {
  try {
    storage.setItem(storageKey(mapId), JSON.stringify({ collapsed: Boolean(state.collapsed), corner: state.corner }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the legend goes in `corner` of a map `height` pixels high: CSS {left|right, top|bottom, maxHeight}
 * in pixels. `reserved` gives the bottom edge of what sits top right (toolbar, cursor readout) and the
 * height of the scale bar bottom right, so the legend docked on the right stays clear of them.
 */
export function legendPlacement(corner, height, reserved = {}) {
  const topRight = Math.max(MARGIN, (reserved.topRightBottom || 0) + 6);
  const bottomRight = Math.max(MARGIN, (reserved.bottomRightHeight || 0) + MARGIN + 6);
  const right = corner.endsWith("right");
  const top = corner.startsWith("top") ? (right ? topRight : MARGIN) : null;
  const bottom = top === null ? (right ? bottomRight : MARGIN) : null;
  const room = height - (top !== null ? top : bottom) - MARGIN;
  const maxHeight = Math.max(60, Math.min(Math.round(MAX_HEIGHT_SHARE * height), room));
  return { left: right ? null : MARGIN, right: right ? 10 : null, top, bottom, maxHeight };
}

/** A ramp's end value as a label: whole numbers from 100 up, else at most two decimals. */
export function formatStop(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return String(Math.round(n * 100) / 100);
}

/** The line under an entry's title: what the colour means and its units ("brightness, no units"). */
export function meaningLine(entry) {
  const meaning = typeof entry.meaning === "string" ? entry.meaning.trim() : "";
  const units = typeof entry.units === "string" ? entry.units.trim() : "";
  if (!meaning) return units;
  return units ? `${meaning}, ${units}` : meaning;
}

/** The corner nearest a point (x, y) of a map `width` x `height` pixels: where a dragged legend docks. */
export function nearestCorner(x, y, width, height) {
  return `${y < height / 2 ? "top" : "bottom"}-${x < width / 2 ? "left" : "right"}`;
}

/** The label of the corner, for the dock button ("bottom left"). */
export function cornerWords(corner) {
  return corner.replace("-", " ");
}
