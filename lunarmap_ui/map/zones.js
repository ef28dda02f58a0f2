// Keep-out zones as the browser holds them: cleaned from the data, their shape as drawn now
// (an edit not yet answered replaces the data's), edit handles, selection, and their deck.gl layers.

import { geodesicRing, isPoint } from "./geometry.js";

/** The data's zones that can be drawn, each with a ring (a circle without one gets its geodesic circle). */
export function cleanZones(list) {
  const out = [];
  for (const z of Array.isArray(list) ? list : []) {
    if (!z || z.id === undefined || z.id === null) continue;
    // a circle may come without its ring: it is drawn as the geodesic circle of its centre and radius
    const derived = z.kind === "circle" && isPoint(z.center) && z.radius_m > 0 && !Array.isArray(z.ring);
    if (!derived && !Array.isArray(z.ring)) continue;
    const ring = derived ? geodesicRing(z.center, z.radius_m, 360) : z.ring.filter(isPoint);
    if (ring.length < 3) continue;
    out.push({ ...z, id: String(z.id), ring, kind: z.kind === "circle" ? "circle" : "polygon" });
  }
  return out;
}

export function zoneById(st, id) {
  return id === null || id === undefined ? null : st.zones.find((z) => z.id === id) || null;
}

/** A circle edited as a circle (centre and radius); other zones are edited by their vertices. */
export function isCircle(zone) {
  return zone.kind === "circle" && isPoint(zone.center);
}

/** The geometry of a zone as it is drawn now: an unsent or just-sent edit replaces the data's shape. */
export function shapeOf(st, zone) {
  const o = st.overrides.get(zone.id);
  return o ? { ...zone, ...o } : zone;
}

export function polygonVertices(zone) {
  const v = Array.isArray(zone.vertices) ? zone.vertices.filter(isPoint) : [];
  return v.length >= 3 ? v : zone.ring;
}

/** The radius handle of a circle: the rightmost point of its ring on screen. */
export function circleEdgeHandle(zone) {
  let best = zone.ring[0];
  for (const p of zone.ring) if (p[0] > best[0]) best = p;
  return best;
}

export function handlesOf(zone) {
  if (isCircle(zone)) {
    return [
      { handle: "center", position: zone.center },
      { handle: "edge", position: circleEdgeHandle(zone) },
    ];
  }
  return polygonVertices(zone).map((p, index) => ({ handle: "vertex", index, position: p }));
}

/** Select zone `id` (null: none); the zone layers are redrawn. */
export function select(st, id) {
  if (st.selected === id) return;
  st.selected = id;
  st.ui.zonesChanged();
}

/** The zones layer, and with `withHandles` (a mode that edits zones) the selected zone's handles. */
export function zoneLayers(st, withHandles) {
  const D = st.deckgl;
  const cartesian = D.COORDINATE_SYSTEM.CARTESIAN;
  const shown = st.zones.filter((z) => !st.hiddenIds.has(z.id)).map((z) => shapeOf(st, z));
  const sel = st.selected;
  const layers = [
    new D.PolygonLayer({
      id: "zones",
      data: shown,
      coordinateSystem: cartesian,
      getPolygon: (d) => d.ring,
      filled: true,
      stroked: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 40],
      lineWidthUnits: "pixels",
      getFillColor: (d) => [...(Array.isArray(d.color) ? d.color : [240, 160, 40]).slice(0, 3), d.id === sel ? 110 : 70],
      // Owner colours stay on every zone (conflicts are marked on the overlaps themselves, in red, with km²).
      getLineColor: (d) => (d.id === sel ? [255, 255, 255, 255] : [...(d.color || [240, 160, 40]).slice(0, 3), 255]),
      getLineWidth: (d) => (d.id === sel ? 3 : d.conflict ? 2.5 : 1.5),
      updateTriggers: { getFillColor: [sel], getLineColor: [sel], getLineWidth: [sel] },
    }),
  ];
  const selected = sel !== null && withHandles ? zoneById(st, sel) : null;
  if (selected && !st.hiddenIds.has(selected.id)) {
    layers.push(
      new D.ScatterplotLayer({
        id: "zone-handles",
        data: handlesOf(shapeOf(st, selected)),
        coordinateSystem: cartesian,
        getPosition: (d) => d.position,
        radiusUnits: "pixels",
        getRadius: (d) => (d.handle === "vertex" ? 5 : 6),
        filled: true,
        stroked: true,
        lineWidthUnits: "pixels",
        getLineWidth: 2,
        getFillColor: (d) => (d.handle === "center" ? [255, 220, 60, 255] : [255, 255, 255, 255]),
        getLineColor: [20, 24, 36, 255],
        pickable: true,
      }),
    );
  }
  return layers;
}
