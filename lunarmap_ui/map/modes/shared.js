// What the modes share, and the mode interface, in the manner of mapbox-gl-draw's modes and nebula.gl's
// EditMode: the map routes events to the current mode, which keeps its own drafting state. Each of pan.js,
// circle.js, polygon.js and edit.js exports one object with these members; main.js and keys.js dispatch
// to the current mode and name none:
//
//   name                         the toolbar mode ("pan", "circle", ...)
//   editsZones                   true: the selected zone's handles are shown (optional)
//   onPointerDown(st, ev)        -> PASS (deck.gl pans and clicks), CONSUME (the press is handled, no
//                                   gesture) or CAPTURE (a gesture starts: moves and the release come to
//                                   this mode, deck.gl sees none of them)
//   onPointerMove(st, ev)        during a gesture, or hovering while a shape is being drafted (st.draw)
//   onPointerUp(st, ev)          the gesture ends (st.gesture is cleared after it)
//   onCancel(st, gesture)        the gesture was cancelled (pointercancel)
//   onKey(st, ev)                -> true when the key was the mode's
//   onMapClick(st, info)         deck.gl's click (a press deck.gl kept)
//   hint(st)                     the hint line's text
//   cursor(st, {isDragging, isHovering}) the CSS cursor over the map
//   guideLayers(D, shape)        deck.gl layers of the shape being drafted, or sent and held (shape.kind
//                                is the mode's name); D is the deck.gl namespace
//
// ev = {px: [x, y] canvas pixels, m: [x, y] map metres, type, altKey, shiftKey, key, onButton}.
// The modes act on the map through st.ui: redraw(), zonesChanged(), say(text), showMeasure(px, r_m),
// toPx(m), pick(px) (the zone or handle under a pixel), now() (ms).

export const PASS = "pass";
export const CONSUME = "consume";
export const CAPTURE = "capture";

export const DRAG_PX = 4; // a press that moves further than this is a drag, not a click
export const CLOSE_PX = 10; // a click this close to the first vertex closes a polygon
export const DOUBLE_CLICK_MS = 400;

export const GUIDE_LINE = [120, 230, 255, 255];
export const GUIDE_FILL = [120, 230, 255, 60];

/** Forget the shape being drafted. */
export function cancelDraw(st) {
  st.draw = null;
  st.ui.showMeasure(null, 0);
  st.ui.redraw();
}

/** How many points of the drafted shape are placed (vertices; a circle: its centre). */
export function draftCount(draw) {
  if (!draw) return 0;
  if (Array.isArray(draw.vertices)) return draw.vertices.length;
  return draw.center ? 1 : 0;
}

/** The cursor of the modes that pan the map when no zone is under the pointer. */
export function panCursor(st, { isDragging, isHovering }) {
  if (st.gesture) return "move";
  if (isDragging) return "grabbing";
  return isHovering ? "pointer" : "grab";
}

/** The points of a drafted shape as white dots (the first yellow and larger when `firstMarked`). */
export function pointsLayer(D, points, firstMarked) {
  return new D.ScatterplotLayer({
    id: "draw-points", data: points.map((p, i) => ({ p, first: i === 0 })), coordinateSystem: D.COORDINATE_SYSTEM.CARTESIAN,
    getPosition: (d) => d.p, radiusUnits: "pixels", getRadius: (d) => (d.first && firstMarked ? 6 : 4),
    filled: true, stroked: true, lineWidthUnits: "pixels", getLineWidth: 1.5,
    getFillColor: (d) => (d.first && firstMarked ? [255, 220, 60, 255] : [255, 255, 255, 255]),
    getLineColor: [20, 24, 36, 255], pickable: false,
  });
}

export function noKey() {
  return false;
}

export function nothing() {}
