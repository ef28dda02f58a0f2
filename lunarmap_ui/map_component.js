// Size: about 1,300 lines in one module, over the house limit; issue 14 splits it into one small module
// per drawing mode behind one interface (as mapbox-gl-draw's modes) with Node tests.
// lunarmap map component (st.components.v2): one deck.gl Deck per map, built from a
// pydeck-style JSON spec with deck.gl's JSONConverter, kept across reruns so the
// view (and the toolbar mode) survives widget changes. Keep-out zones are drawn,
// selected and edited here; finished shapes go back to Python as trigger values.
//
// Python -> browser (the component's `data`, protocol 2):
//   {protocol: 2, mapId, mode: "pan"|"circle"|"polygon"|"edit" (on first mount only), height, deckUrl,
//    spec: {views, initialViewState, layers}, view: {target, zoom, nonce},
//    legend: [{title, units, type: "ramp"|"classes", stops|classes, note}],
//    tools: {draw: bool, region: bool, regionLabel: str},
//    zones: [{id, name, owner, lines: [str], kind: "circle"|"polygon", ring: [[x, y], ...],
//             center: [x, y] | null, radius_m: number | null, vertices: [[x, y], ...] | null,
//             color: [r, g, b], conflict: bool}],
//    selectedZone: id | null}
// Browser -> Python (trigger values, each with a `seq`):
//   "click":  {x, y, picked: {layer, id} | null, mode, seq, zoom}          (pan mode; a zone: layer "zones")
//   "draw":   {kind: "circle", center: [x, y], edge: [x, y], radius_m, seq}
//             {kind: "polygon", vertices: [[x, y], ...] (open ring), seq}
//   "edit":   {id, kind: "circle", center: [x, y], edge: [x, y] | null (moved: radius kept), radius_m | null, seq}
//             {id, kind: "polygon", vertices: [[x, y], ...], seq}
//   "delete": {id, seq}
//   "region": {x0, y0, x1, y1, zoom, seq}                                  (the view's bounds)
// All x, y are IAU_2015:30135 metres; radius_m is the great-circle distance on the
// sphere R = 1737400 m. Every text that comes from data files or users is put in the
// page with textContent.

const MOON_RADIUS_M = 1737400;
const MODES = ["pan", "circle", "polygon", "edit"];
const CLOSE_PX = 10; // a click this close to the first vertex closes a polygon
const DRAG_PX = 4; // a press that moves further than this is a drag, not a click
const DOUBLE_CLICK_MS = 400;
const HELD_MS = 2500; // how long a sent shape stays drawn if the next data leaves the zones unchanged
const STORE = (globalThis.__lunarmap = globalThis.__lunarmap || {
  bundle: null,
  views: {},
  nonces: {},
  states: new WeakMap(),
  images: new Map(),
  unsaved: {},
  unloadGuard: null,
});
STORE.modes = STORE.modes || {};
const COLOR_RE = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;

function loadDeck(url) {
  const existing = globalThis.deck;
  if (existing && existing.Deck && existing.JSONConverter) return Promise.resolve(existing);
  if (!STORE.bundle) {
    STORE.bundle = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(url, document.baseURI).href;
      script.async = true;
      script.onload = () => {
        const d = globalThis.deck;
        if (d && d.Deck && d.JSONConverter) resolve(d);
        else reject(new Error("deck.gl bundle loaded without deck.Deck / deck.JSONConverter"));
      };
      script.onerror = () => {
        STORE.bundle = null;
        reject(new Error("could not load deck.gl from " + url));
      };
      document.head.appendChild(script);
    });
  }
  return STORE.bundle;
}

function makeConverter(deck) {
  const classes = {};
  for (const [name, value] of Object.entries(deck)) {
    if (typeof value === "function" && /^[A-Z]/.test(name)) classes[name] = value;
  }
  const configuration = new deck.JSONConfiguration({
    classes,
    enumerations: { COORDINATE_SYSTEM: deck.COORDINATE_SYSTEM },
  });
  return new deck.JSONConverter({ configuration });
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// ---------------------------------------------------------------- geometry
// South polar stereographic on the sphere: rho = 2 R tan(pi/4 + lat/2), x = rho sin(lon), y = rho cos(lon).
function latOfRadiusDeg(rho) {
  return (2 * Math.atan(rho / (2 * MOON_RADIUS_M)) * 180) / Math.PI - 90;
}

function lonOfPoint(x, y) {
  return (Math.atan2(x, y) * 180) / Math.PI;
}

function scaleFactor(latDeg) {
  return 2 / (1 + Math.sin((Math.abs(latDeg) * Math.PI) / 180));
}

function toLonLatRad(p) {
  const rho = Math.hypot(p[0], p[1]);
  return [Math.atan2(p[0], p[1]), 2 * Math.atan(rho / (2 * MOON_RADIUS_M)) - Math.PI / 2];
}

function toPolar(lon, lat) {
  const rho = 2 * MOON_RADIUS_M * Math.tan(Math.PI / 4 + lat / 2);
  return [rho * Math.sin(lon), rho * Math.cos(lon)];
}

// Great-circle distance in metres between two polar points (haversine on R = 1737400 m).
function greatCircleM(a, b) {
  const [lon1, lat1] = toLonLatRad(a);
  const [lon2, lat2] = toLonLatRad(b);
  const s1 = Math.sin((lat2 - lat1) / 2);
  const s2 = Math.sin((lon2 - lon1) / 2);
  const h = s1 * s1 + Math.cos(lat1) * Math.cos(lat2) * s2 * s2;
  return 2 * MOON_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

// The geodesic circle of radius rM around a polar point, as a projected ring of n points
// (spherical destination formula at n azimuths).
function geodesicRing(center, rM, n = 128) {
  const [lon1, lat1] = toLonLatRad(center);
  const d = rM / MOON_RADIUS_M;
  const atPole = Math.cos(lat1) < 1e-12;
  const ring = [];
  for (let i = 0; i < n; i += 1) {
    const az = (2 * Math.PI * i) / n;
    const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(az));
    const lon2 = atPole
      ? az
      : lon1 + Math.atan2(Math.sin(az) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
    ring.push(toPolar(lon2, lat2));
  }
  return ring;
}

function fmtLat(lat) {
  return Math.abs(lat).toFixed(4) + "° " + (lat < 0 ? "S" : "N");
}

function fmtLon(lon) {
  return Math.abs(lon).toFixed(4) + "° " + (lon < 0 ? "W" : "E");
}

function fmtKm(m) {
  const km = m / 1000;
  return km >= 100 ? km.toFixed(1) : km.toFixed(2);
}

function niceLength(m) {
  const p = Math.pow(10, Math.floor(Math.log10(m)));
  for (const f of [5, 2, 1]) if (f * p <= m) return f * p;
  return p;
}

// ---------------------------------------------------------------- DOM pieces
const TOOL_BUTTONS = [
  { mode: "pan", label: "Pan", key: "P", title: "Pan and pick (P)" },
  { mode: "circle", label: "Circle", key: "C", title: "Draw a circle zone: click the centre, then the radius, or drag (C)" },
  { mode: "polygon", label: "Polygon", key: "G", title: "Draw a polygon zone: click the vertices, Enter or the first vertex closes (G)" },
  { mode: "edit", label: "Edit", key: "E", title: "Select, move and reshape zones (E)" },
];

function buildDom(parentElement) {
  const root = el("div", "lm-root");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", "Lunar south pole map");
  const deckDiv = el("div", "lm-deck");
  const tooltip = el("div", "lm-tooltip");
  tooltip.hidden = true;
  const legend = el("div", "lm-legend");
  const scale = el("div", "lm-scale");
  const scaleBar = el("div", "lm-scale-bar");
  const scaleLabel = el("div", "lm-scale-label");
  scale.append(scaleBar, scaleLabel);
  const cursor = el("div", "lm-cursor", "");
  const status = el("div", "lm-status", "loading map…");
  const tools = el("div", "lm-tools");
  const toolbar = el("div", "lm-toolbar");
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", "Map tools");
  const modeButtons = {};
  const drawGroup = el("div", "lm-tool-group");
  for (const b of TOOL_BUTTONS) {
    const button = el("button", "lm-tool", b.label);
    button.type = "button";
    button.title = b.title;
    button.setAttribute("aria-label", `${b.label} (${b.key})`);
    button.setAttribute("aria-keyshortcuts", b.key);
    button.setAttribute("aria-pressed", "false");
    button.dataset.mode = b.mode;
    modeButtons[b.mode] = button;
    drawGroup.appendChild(button);
  }
  const deleteButton = el("button", "lm-tool lm-tool-delete", "Delete");
  deleteButton.type = "button";
  deleteButton.title = "Delete the selected zone (Delete)";
  deleteButton.setAttribute("aria-label", "Delete the selected zone (Delete)");
  deleteButton.setAttribute("aria-keyshortcuts", "Delete");
  deleteButton.disabled = true;
  drawGroup.appendChild(deleteButton);
  const regionButton = el("button", "lm-tool lm-tool-region", "Report view");
  regionButton.type = "button";
  toolbar.append(drawGroup, regionButton);
  const hint = el("div", "lm-hint", "");
  hint.setAttribute("role", "status");
  hint.setAttribute("aria-live", "polite");
  tools.append(toolbar, hint);
  const measure = el("div", "lm-measure", "");
  measure.hidden = true;
  root.append(deckDiv, legend, scale, cursor, tools, measure, tooltip, status);
  parentElement.appendChild(root);
  return {
    root, deckDiv, tooltip, legend, scale, scaleBar, scaleLabel, cursor, status,
    tools, toolbar, drawGroup, modeButtons, deleteButton, regionButton, hint, measure,
  };
}

function renderLegend(dom, entries) {
  dom.legend.replaceChildren();
  for (const entry of entries || []) {
    const box = el("div", "lm-legend-entry");
    const title = entry.units ? `${entry.title} (${entry.units})` : entry.title;
    box.appendChild(el("div", "lm-legend-title", title));
    if (entry.type === "ramp" && Array.isArray(entry.stops) && entry.stops.length >= 2) {
      const colours = entry.stops.map((s) => (COLOR_RE.test(s[1]) ? s[1] : "#808080"));
      const bar = el("div", "lm-ramp");
      bar.style.background = `linear-gradient(to right, ${colours.join(", ")})`;
      const labels = el("div", "lm-ramp-labels");
      const first = entry.stops[0][0];
      const last = entry.stops[entry.stops.length - 1][0];
      labels.append(el("span", null, String(first)), el("span", null, String(last)));
      box.append(bar, labels);
    } else if (entry.type === "classes" && Array.isArray(entry.classes)) {
      for (const c of entry.classes) {
        const row = el("div", "lm-class");
        const sw = el("span", "lm-swatch" + (c.shape === "point" ? " lm-swatch-point" : ""));
        if (COLOR_RE.test(c.color)) sw.style.background = c.color;
        row.append(sw, el("span", null, c.label));
        box.appendChild(row);
      }
    }
    if (entry.note) box.appendChild(el("div", "lm-legend-note", entry.note));
    dom.legend.appendChild(box);
  }
}

function placeTooltip(st, tip, x, y) {
  const w = st.dom.root.clientWidth;
  const h = st.dom.root.clientHeight;
  const left = Math.min(x + 14, Math.max(0, w - tip.offsetWidth - 4));
  const below = y + 14;
  const top = below + tip.offsetHeight > h ? Math.max(0, y - 14 - tip.offsetHeight) : below;
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

function showTooltip(st, info) {
  const obj = info && info.object;
  const tip = st.dom.tooltip;
  if (!obj || !obj.name || st.gesture || st.draw) {
    tip.hidden = true;
    return;
  }
  tip.replaceChildren();
  tip.appendChild(el("div", "lm-tip-name", obj.name));
  if (info.layer && info.layer.id === "zones") {
    const lines = Array.isArray(obj.lines) ? obj.lines : [];
    if (!lines.length && obj.owner) tip.appendChild(el("div", "lm-tip-meta", obj.owner));
    for (const line of lines) tip.appendChild(el("div", "lm-tip-line", line));
    tip.hidden = false;
    placeTooltip(st, tip, info.x, info.y);
    return;
  }
  const bits = [obj.kind, obj.agency, obj.date].filter((b) => b);
  tip.appendChild(el("div", "lm-tip-meta", bits.join(" · ")));
  if (typeof obj.lat === "number" && typeof obj.lon === "number") {
    const where = (obj.area_km2 ? "centre " : "") + `${fmtLat(obj.lat)}, ${fmtLon(obj.lon)}`;
    tip.appendChild(el("div", "lm-tip-coords", where));
  }
  if (obj.area_km2) tip.appendChild(el("div", "lm-tip-area", `area ${obj.area_km2} km² (on the sphere)`));
  if (obj.source) tip.appendChild(el("div", "lm-tip-source", "Source: " + obj.source));
  tip.hidden = false;
  placeTooltip(st, tip, info.x, info.y);
}

function currentView(st) {
  return STORE.views[st.mapId] || st.initialView;
}

function updateScale(st) {
  const v = currentView(st);
  if (!v) return;
  const [x, y] = v.target;
  const lat = latOfRadiusDeg(Math.hypot(x, y));
  const k = scaleFactor(lat);
  const pxPerMapM = Math.pow(2, v.zoom);
  const trueMPerPx = 1 / (pxPerMapM * k);
  const lengthM = niceLength(120 * trueMPerPx);
  const widthPx = lengthM / trueMPerPx;
  const label = lengthM >= 1000 ? `${lengthM / 1000} km` : `${lengthM} m`;
  st.dom.scaleBar.style.width = `${widthPx.toFixed(1)}px`;
  st.dom.scaleLabel.textContent = `${label} (true at ${Math.abs(lat).toFixed(1)}° S, k = ${k.toFixed(3)})`;
  const r = st.dom.root;
  r.dataset.targetX = String(x);
  r.dataset.targetY = String(y);
  r.dataset.zoom = String(v.zoom);
  st.dom.scale.dataset.trueM = String(lengthM);
  st.dom.scale.dataset.widthPx = String(widthPx);
  st.dom.scale.dataset.lat = String(lat);
}

function updateCursor(st, info) {
  if (!info || !info.coordinate) {
    st.dom.cursor.textContent = "";
    return;
  }
  const [x, y] = info.coordinate;
  const rho = Math.hypot(x, y);
  const lat = latOfRadiusDeg(rho);
  const lon = rho > 0 ? lonOfPoint(x, y) : 0;
  st.dom.cursor.textContent = `${fmtLat(lat)}, ${fmtLon(lon)}`;
}

// ---------------------------------------------------------------- layers
// Raster images are fetched and decoded (createImageBitmap, off the main thread) as soon as the
// component mounts, in parallel with loading deck.gl, and kept for the page's life: a layer turned
// off and on again is drawn from memory. Each URL is a content-hashed static file.
function imageFor(url) {
  let entry = STORE.images.get(url);
  if (!entry) {
    entry = { bitmap: null, error: null, promise: null };
    entry.promise = fetch(new URL(url, document.baseURI).href)
      .then((r) => {
        if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
        return r.blob();
      })
      .then((blob) => createImageBitmap(blob, { premultiplyAlpha: "none" })) // as deck.gl's image loader
      .then((bitmap) => {
        entry.bitmap = bitmap;
        return bitmap;
      })
      .catch((error) => {
        entry.error = error;
        STORE.images.delete(url);
        throw error;
      });
    STORE.images.set(url, entry);
  }
  return entry;
}

function prefetchImages(layerSpecs) {
  for (const spec of layerSpecs || []) {
    if (spec["@@type"] === "BitmapLayer" && typeof spec.image === "string") imageFor(spec.image).promise.catch(() => {});
  }
}

// A layer spec may carry "lmMinZoom": the layer is hidden while the view is zoomed out beyond it.
function convertLayers(st, layerSpecs) {
  const next = new Map();
  const entries = [];
  for (const spec of layerSpecs || []) {
    const key = JSON.stringify(spec);
    let entry = st.layerCache.get(key);
    if (!entry && spec["@@type"] === "BitmapLayer" && typeof spec.image === "string") {
      const img = imageFor(spec.image);
      if (!img.bitmap) {
        st.pending += 1;
        img.promise
          .then(() => {
            st.pending -= 1;
            if (st.lastData) applyData(st, st.lastData);
          })
          .catch((error) => {
            st.pending -= 1;
            st.dom.status.hidden = false;
            st.dom.status.textContent = "image could not be loaded: " + error.message;
          });
        continue; // drawn once its image is decoded
      }
    }
    if (!entry) {
      // Data rows hold user text (site, zone and overlap names): they never pass through the JSON converter,
      // which would read a string starting "@@=" as an expression, "@@#" as a constant, "@@type" as a class.
      // Only the layer's own props are converted; the rows are handed to the layer as they are.
      const { lmMinZoom, data, ...props } = spec;
      const rows = Array.isArray(data) ? data : null;
      let layer = st.converter.convert({ layers: [rows ? { ...props, data: [] } : { ...props, data }] }).layers[0];
      if (rows) layer = layer.clone({ data: rows });
      if (props["@@type"] === "BitmapLayer" && typeof props.image === "string") {
        layer = layer.clone({ image: imageFor(props.image).bitmap });
      }
      entry = { layer, minZoom: typeof lmMinZoom === "number" ? lmMinZoom : null, visible: props.visible !== false, shown: null };
    }
    next.set(key, entry);
    entries.push(entry);
  }
  st.layerCache = next;
  st.entries = entries;
  return zoomFiltered(st);
}

function zoomFiltered(st) {
  const v = currentView(st);
  const zoom = v ? v.zoom : 0;
  return st.entries.map((e) => {
    if (e.minZoom === null) return e.layer;
    const show = e.visible && zoom >= e.minZoom;
    if (!e.shown || e.shown.props.visible !== show) e.shown = e.layer.clone({ visible: show });
    return e.shown;
  });
}

function refreshZoomLayers(st) {
  if (!st.deck || !st.entries || !st.entries.some((e) => e.minZoom !== null)) return;
  const layers = zoomFiltered(st);
  if (layers.some((l, i) => l !== st.baseLayers[i])) {
    st.baseLayers = layers;
    redraw(st);
  }
}

function viewStateFrom(v) {
  return {
    target: [v.target[0], v.target[1], 0],
    zoom: v.zoom,
    minZoom: v.minZoom !== undefined ? v.minZoom : -14,
    maxZoom: v.maxZoom !== undefined ? v.maxZoom : 3,
  };
}

// ---------------------------------------------------------------- zones, drawing and editing
function isPoint(p) {
  return Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

function cleanZones(list) {
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

function zoneById(st, id) {
  return id === null || id === undefined ? null : st.zones.find((z) => z.id === id) || null;
}

// The geometry of a zone as it is drawn now: an unsent or just-sent edit replaces the data's shape.
function shapeOf(st, zone) {
  const o = st.overrides.get(zone.id);
  return o ? { ...zone, ...o } : zone;
}

function polygonVertices(zone) {
  const v = Array.isArray(zone.vertices) ? zone.vertices.filter(isPoint) : [];
  return v.length >= 3 ? v : zone.ring;
}

function circleEdgeHandle(zone) {
  let best = zone.ring[0];
  for (const p of zone.ring) if (p[0] > best[0]) best = p; // the rightmost point on screen
  return best;
}

function handlesOf(st, zone) {
  if (zone.kind === "circle" && isPoint(zone.center)) {
    return [
      { handle: "center", position: zone.center },
      { handle: "edge", position: circleEdgeHandle(zone) },
    ];
  }
  return polygonVertices(zone).map((p, index) => ({ handle: "vertex", index, position: p }));
}

function zoneLayers(st) {
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
  const selected = sel !== null && st.mode === "edit" ? zoneById(st, sel) : null;
  if (selected && !st.hiddenIds.has(selected.id)) {
    layers.push(
      new D.ScatterplotLayer({
        id: "zone-handles",
        data: handlesOf(st, shapeOf(st, selected)),
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

// The shape being drawn (or just sent and not yet back from Python), as deck.gl layers.
function drawLayers(st) {
  const D = st.deckgl;
  const cartesian = D.COORDINATE_SYSTEM.CARTESIAN;
  const shape = st.draw || st.held;
  if (!shape) return [];
  const line = [120, 230, 255, 255];
  const fill = [120, 230, 255, 60];
  const layers = [];
  const points = [];
  if (shape.kind === "circle" && isPoint(shape.center)) {
    points.push(shape.center);
    const edge = shape.edge || shape.cursor;
    if (isPoint(edge)) {
      const r = greatCircleM(shape.center, edge);
      if (r > 0) {
        layers.push(
          new D.PolygonLayer({
            id: "draw-shape", data: [{ ring: geodesicRing(shape.center, r) }], coordinateSystem: cartesian,
            getPolygon: (d) => d.ring, filled: true, stroked: true, getFillColor: fill, getLineColor: line,
            lineWidthUnits: "pixels", getLineWidth: 2, pickable: false,
          }),
          new D.PathLayer({
            id: "draw-radius", data: [{ path: [shape.center, edge] }], coordinateSystem: cartesian,
            getPath: (d) => d.path, getColor: line, widthUnits: "pixels", getWidth: 1.5, pickable: false,
          }),
        );
        points.push(edge);
      }
    }
  } else if (shape.kind === "polygon") {
    const v = shape.vertices || [];
    if (shape.closed && v.length >= 3) {
      layers.push(
        new D.PolygonLayer({
          id: "draw-shape", data: [{ ring: v }], coordinateSystem: cartesian, getPolygon: (d) => d.ring,
          filled: true, stroked: true, getFillColor: fill, getLineColor: line, lineWidthUnits: "pixels",
          getLineWidth: 2, pickable: false,
        }),
      );
    } else if (v.length) {
      const path = isPoint(shape.cursor) ? [...v, shape.cursor] : v;
      if (v.length >= 2) {
        layers.push(
          new D.SolidPolygonLayer({
            id: "draw-fill", data: [{ ring: path }], coordinateSystem: cartesian, getPolygon: (d) => d.ring,
            getFillColor: fill, pickable: false,
          }),
        );
      }
      layers.push(
        new D.PathLayer({
          id: "draw-path", data: [{ path }], coordinateSystem: cartesian, getPath: (d) => d.path, getColor: line,
          widthUnits: "pixels", getWidth: 2, pickable: false,
        }),
      );
    }
    points.push(...v);
  }
  if (points.length) {
    layers.push(
      new D.ScatterplotLayer({
        id: "draw-points", data: points.map((p, i) => ({ p, first: i === 0 })), coordinateSystem: cartesian,
        getPosition: (d) => d.p, radiusUnits: "pixels", getRadius: (d) => (d.first && shape.kind === "polygon" ? 6 : 4),
        filled: true, stroked: true, lineWidthUnits: "pixels", getLineWidth: 1.5,
        getFillColor: (d) => (d.first && shape.kind === "polygon" ? [255, 220, 60, 255] : [255, 255, 255, 255]),
        getLineColor: [20, 24, 36, 255], pickable: false,
      }),
    );
  }
  return layers;
}

// All layers in their order: rasters and overlays, zones, sites and regions, the shape being drawn.
function composeLayers(st) {
  const base = st.baseLayers || [];
  // zones above the region fills (which would wash them out), below region labels and the sites
  let at = base.findIndex((l) => l && typeof l.id === "string" && (l.id.startsWith("site") || l.id === "region-labels"));
  if (at < 0) at = base.length;
  if (!st.zoneLayerCache || st.zoneLayerCache.version !== st.zoneVersion) {
    st.zoneLayerCache = { version: st.zoneVersion, layers: zoneLayers(st) };
  }
  // overlap highlights (ids "zone-overlaps...") go above the zones they belong to
  const isOverlap = (l) => l && typeof l.id === "string" && l.id.startsWith("zone-overlaps");
  const below = base.slice(0, at).filter((l) => !isOverlap(l));
  const overlaps = base.filter(isOverlap);
  const above = base.slice(at).filter((l) => !isOverlap(l));
  return [...below, ...st.zoneLayerCache.layers, ...overlaps, ...above, ...drawLayers(st)];
}

function redraw(st) {
  if (!st.deck) return;
  st.lastLayers = composeLayers(st);
  st.deck.setProps({ layers: st.lastLayers });
  publishState(st);
}

function zonesChanged(st) {
  st.zoneVersion += 1;
  redraw(st);
}

function publishState(st) {
  const r = st.dom.root;
  r.dataset.mode = st.mode;
  r.dataset.drawKind = st.draw ? st.draw.kind : "";
  r.dataset.drawVertices = String(
    st.draw ? (st.draw.kind === "polygon" ? st.draw.vertices.length : st.draw.center ? 1 : 0) : 0,
  );
  r.dataset.selectedZone = st.selected === null ? "" : st.selected;
  r.dataset.zoneCount = String(st.zones.length);
  r.dataset.held = st.held || st.overrides.size || st.hiddenIds.size ? "1" : "0";
  for (const [mode, button] of Object.entries(st.dom.modeButtons)) {
    const on = mode === st.mode;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("lm-tool-on", on);
  }
  st.dom.deleteButton.disabled = st.selected === null;
  updateHint(st);
}

function updateHint(st) {
  let text = "";
  if (st.message) text = st.message;
  else if (st.mode === "circle") {
    text = st.draw && st.draw.center
      ? "click at the radius (or release the drag) · Esc cancels"
      : "click the centre, then click at the radius, or drag from the centre";
  } else if (st.mode === "polygon") {
    const n = st.draw ? st.draw.vertices.length : 0;
    text = n === 0
      ? "click to place the first vertex"
      : "click the first vertex or press Enter to close · Backspace removes the last · Esc cancels";
  } else if (st.mode === "edit") {
    text = st.selected === null
      ? "click a zone to select it; drag empty space to pan"
      : "drag a handle to reshape, the zone to move it · Shift+click adds a vertex, Alt+click a vertex removes it · "
        + "Delete removes the zone · Esc deselects";
  }
  st.dom.hint.textContent = text;
  st.dom.hint.hidden = !text || !st.tools.draw;
}

function say(st, message) {
  st.message = message;
  clearTimeout(st.messageTimer);
  st.messageTimer = setTimeout(() => {
    st.message = "";
    updateHint(st);
  }, 3500);
  updateHint(st);
}

function showMeasure(st, px, rM) {
  const m = st.dom.measure;
  if (!px || !(rM > 0)) {
    m.hidden = true;
    return;
  }
  m.textContent = `r = ${fmtKm(rM)} km`;
  m.dataset.radiusM = String(rM);
  m.hidden = false;
  const w = st.dom.root.clientWidth;
  m.style.left = `${Math.min(px[0] + 16, Math.max(0, w - m.offsetWidth - 4))}px`;
  m.style.top = `${Math.max(0, px[1] - 28)}px`;
}

function setMode(st, mode) {
  if (!MODES.includes(mode)) return;
  if (st.draw) cancelDraw(st);
  st.mode = mode;
  STORE.modes[st.mapId] = mode;
  st.message = "";
  st.zoneVersion += 1; // handles are shown in edit mode only
  redraw(st);
}

function cancelDraw(st) {
  st.draw = null;
  showMeasure(st, null, 0);
  redraw(st);
}

function send(st, name, value) {
  st.seq += 1;
  st.setTriggerValue(name, { ...value, seq: st.seq });
}

// A shape that was sent stays drawn until the next data arrives (then it is in `zones`, or was refused).
function hold(st) {
  st.heldSince = st.dataCount;
  st.heldSeq = st.seq;
  clearTimeout(st.heldTimer);
}

function releaseHeld(st) {
  clearTimeout(st.heldTimer);
  st.heldSince = null;
  st.held = null;
  const dragging = st.gesture && st.gesture.kind === "edit" ? st.gesture.zone.id : null;
  for (const id of [...st.overrides.keys()]) if (id !== dragging) st.overrides.delete(id);
  st.hiddenIds.clear();
  st.zoneVersion += 1;
}

// ---- screen <-> map: OrthographicView, y up, 1 map metre = 2^zoom CSS pixels
function pointerPx(st, ev) {
  const r = st.dom.deckDiv.getBoundingClientRect();
  return [ev.clientX - r.left, ev.clientY - r.top];
}

function toMap(st, px) {
  const v = currentView(st);
  const s = Math.pow(2, v.zoom);
  const w = st.dom.deckDiv.clientWidth;
  const h = st.dom.deckDiv.clientHeight;
  return [v.target[0] + (px[0] - w / 2) / s, v.target[1] - (px[1] - h / 2) / s];
}

function toPx(st, p) {
  const v = currentView(st);
  const s = Math.pow(2, v.zoom);
  const w = st.dom.deckDiv.clientWidth;
  const h = st.dom.deckDiv.clientHeight;
  return [w / 2 + (p[0] - v.target[0]) * s, h / 2 - (p[1] - v.target[1]) * s];
}

function pxDist(a, b) {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

function viewBounds(st) {
  const v = currentView(st);
  const s = Math.pow(2, v.zoom);
  const hw = st.dom.deckDiv.clientWidth / 2 / s;
  const hh = st.dom.deckDiv.clientHeight / 2 / s;
  return { x0: v.target[0] - hw, y0: v.target[1] - hh, x1: v.target[0] + hw, y1: v.target[1] + hh, zoom: v.zoom };
}

// ---- circle
function circleDown(st, px, m) {
  if (!st.draw) st.draw = { kind: "circle", center: m, cursor: m, phase: "center" };
  st.gesture = { kind: "circle", downPx: px, dragged: false };
  redraw(st);
}

function circleMove(st, px, m) {
  const d = st.draw;
  if (!d || !d.center) return;
  d.cursor = m;
  if (st.gesture && !st.gesture.dragged && pxDist(px, st.gesture.downPx) > DRAG_PX) st.gesture.dragged = true;
  const show = d.phase === "edge" || (st.gesture && st.gesture.dragged);
  showMeasure(st, show ? px : null, greatCircleM(d.center, m));
  if (show) redraw(st);
}

function circleUp(st, px, m) {
  const d = st.draw;
  const g = st.gesture;
  if (!d) return;
  if (d.phase === "center" && !(g && g.dragged)) {
    d.phase = "edge"; // clicked the centre: the next click sets the radius
    redraw(st);
    return;
  }
  if (pxDist(px, toPx(st, d.center)) < 2) return; // no radius yet
  const radius = greatCircleM(d.center, m);
  send(st, "draw", { kind: "circle", center: d.center, edge: m, radius_m: radius });
  st.held = { kind: "circle", center: d.center, edge: m };
  hold(st);
  st.draw = null;
  showMeasure(st, null, 0);
  redraw(st);
}

// ---- polygon
function polygonClick(st, px, m) {
  if (!st.draw) st.draw = { kind: "polygon", vertices: [], cursor: m, lastClick: null };
  const d = st.draw;
  const now = performance.now();
  const v = d.vertices;
  if (v.length && pxDist(px, toPx(st, v[0])) <= CLOSE_PX) {
    closePolygon(st);
    return;
  }
  const last = d.lastClick;
  if (last && now - last.t < DOUBLE_CLICK_MS && pxDist(px, last.px) <= DRAG_PX) {
    d.lastClick = null;
    closePolygon(st); // double-click: the first click already placed the last vertex
    return;
  }
  v.push(m);
  d.cursor = m;
  d.lastClick = { t: now, px };
  redraw(st);
}

function closePolygon(st) {
  const d = st.draw;
  if (!d || d.kind !== "polygon") return;
  if (d.vertices.length < 3) {
    say(st, `a polygon needs at least 3 vertices (${d.vertices.length} so far); keep clicking, Esc cancels`);
    return;
  }
  const vertices = d.vertices.slice();
  send(st, "draw", { kind: "polygon", vertices });
  st.held = { kind: "polygon", vertices, closed: true };
  hold(st);
  st.draw = null;
  st.message = "";
  redraw(st);
}

// ---- edit
function pickZone(st, px) {
  if (!st.deck || !st.deck.getViewports || !st.deck.getViewports().length) return null;
  const layerIds = ["zone-handles", "zones"].filter((id) => st.lastLayers.some((l) => l && l.id === id));
  if (!layerIds.length) return null;
  const info = st.deck.pickObject({ x: px[0], y: px[1], radius: 6, layerIds });
  return info && info.object ? info : null;
}

function select(st, id) {
  if (st.selected === id) return;
  st.selected = id;
  zonesChanged(st);
}

function editDown(st, px, m) {
  const info = pickZone(st, px);
  if (!info) return false;
  if (info.layer.id === "zone-handles") {
    const zone = zoneById(st, st.selected);
    if (!zone) return false;
    st.gesture = { kind: "edit", handle: info.object.handle, index: info.object.index, zone: shapeOf(st, zone), downPx: px, downM: m, dragged: false };
  } else {
    const zone = zoneById(st, String(info.object.id));
    if (!zone) return false;
    select(st, zone.id);
    st.gesture = { kind: "edit", handle: "body", zone: shapeOf(st, zone), downPx: px, downM: m, dragged: false };
  }
  return true;
}

// Alt+click on a vertex handle removes that vertex (a polygon keeps at least 3); Shift+click on the selected
// polygon's outline or inside it inserts a vertex on the nearest edge. Each sends an "edit".
function vertexEdit(st, px, m, remove) {
  const zone = zoneById(st, st.selected);
  if (!zone || (zone.kind === "circle" && isPoint(zone.center))) return false;
  const vertices = polygonVertices(shapeOf(st, zone));
  let next = null;
  if (remove) {
    const info = pickZone(st, px);
    if (!info || info.layer.id !== "zone-handles" || info.object.handle !== "vertex") return false;
    if (vertices.length <= 3) {
      say(st, "a polygon needs at least 3 vertices");
      return true;
    }
    next = vertices.filter((_, i) => i !== info.object.index);
  } else {
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < vertices.length; i += 1) {
      const a = vertices[i];
      const b = vertices[(i + 1) % vertices.length];
      const d = [b[0] - a[0], b[1] - a[1]];
      const len2 = d[0] * d[0] + d[1] * d[1];
      const t = len2 > 0 ? Math.max(0, Math.min(1, ((m[0] - a[0]) * d[0] + (m[1] - a[1]) * d[1]) / len2)) : 0;
      const dist = Math.hypot(m[0] - (a[0] + t * d[0]), m[1] - (a[1] + t * d[1]));
      if (dist < bestD) {
        bestD = dist;
        best = i;
      }
    }
    if (best < 0) return false;
    next = [...vertices.slice(0, best + 1), m, ...vertices.slice(best + 1)];
  }
  st.overrides.set(zone.id, { ring: next, vertices: next });
  send(st, "edit", { id: zone.id, kind: "polygon", vertices: next });
  hold(st);
  zonesChanged(st);
  return true;
}

function editedShape(g, px, m) {
  const z = g.zone;
  const dx = m[0] - g.downM[0];
  const dy = m[1] - g.downM[1];
  if (z.kind === "circle" && isPoint(z.center)) {
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

function editMove(st, px, m) {
  const g = st.gesture;
  if (!g.dragged && pxDist(px, g.downPx) <= DRAG_PX) return;
  g.dragged = true;
  g.shape = editedShape(g, px, m);
  st.overrides.set(g.zone.id, g.shape);
  showMeasure(st, g.handle === "edge" ? px : null, g.shape.radius_m);
  zonesChanged(st);
}

function editUp(st) {
  const g = st.gesture;
  showMeasure(st, null, 0);
  if (!g.dragged || !g.shape) return;
  const z = g.zone;
  if (z.kind === "circle" && isPoint(z.center)) {
    const edge = g.handle === "edge" ? g.shape.edge : null;
    send(st, "edit", { id: z.id, kind: "circle", center: g.shape.center, edge, radius_m: edge ? g.shape.radius_m : null });
  } else {
    const payload = { id: z.id, kind: "polygon", vertices: g.shape.vertices };
    if (g.shape.move) payload.move = g.shape.move;
    send(st, "edit", payload);
  }
  hold(st);
}

function deleteSelected(st) {
  if (st.selected === null) return;
  const id = st.selected;
  send(st, "delete", { id });
  st.hiddenIds.add(id);
  hold(st);
  st.selected = null;
  zonesChanged(st);
}

// ---- pointer and keyboard wiring
function onPointerDown(st, ev) {
  if (ev.button !== 0 || !st.deck || !st.dom.deckDiv.contains(ev.target)) return;
  st.dom.root.focus({ preventScroll: true });
  if (st.mode === "pan") return;
  const px = pointerPx(st, ev);
  const m = toMap(st, px);
  if (st.mode === "edit") {
    if ((ev.altKey || ev.shiftKey) && vertexEdit(st, px, m, ev.altKey)) {
      ev.stopPropagation();
      ev.preventDefault();
      return;
    }
    if (!editDown(st, px, m)) return; // empty space: deck.gl pans
  } else if (st.mode === "circle") {
    circleDown(st, px, m);
  } else {
    if (!st.draw) st.draw = { kind: "polygon", vertices: [], cursor: m, lastClick: null };
    st.gesture = { kind: "polygon", downPx: px, dragged: false };
  }
  // This gesture is ours: deck.gl must not pan or click.
  ev.stopPropagation();
  ev.preventDefault();
  st.dom.tooltip.hidden = true;
  const move = (e) => onGestureMove(st, e);
  const up = (e) => {
    window.removeEventListener("pointermove", move, true);
    window.removeEventListener("pointerup", up, true);
    window.removeEventListener("pointercancel", up, true);
    onGestureUp(st, e);
  };
  window.addEventListener("pointermove", move, true);
  window.addEventListener("pointerup", up, true);
  window.addEventListener("pointercancel", up, true);
}

function onGestureMove(st, ev) {
  const g = st.gesture;
  if (!g) return;
  const px = pointerPx(st, ev);
  const m = toMap(st, px);
  if (g.kind === "circle") circleMove(st, px, m);
  else if (g.kind === "edit") editMove(st, px, m);
  else if (g.kind === "polygon") {
    if (!g.dragged && pxDist(px, g.downPx) > DRAG_PX) g.dragged = true;
    st.draw.cursor = m;
    redraw(st);
  }
}

function onGestureUp(st, ev) {
  const g = st.gesture;
  if (!g) return;
  const px = pointerPx(st, ev);
  const m = toMap(st, px);
  if (ev.type === "pointercancel") {
    st.gesture = null;
    if (g.kind === "edit") {
      st.overrides.delete(g.zone.id);
      zonesChanged(st);
    }
    return;
  }
  if (g.kind === "circle") circleUp(st, px, m);
  else if (g.kind === "edit") editUp(st);
  else if (g.kind === "polygon" && !g.dragged) polygonClick(st, px, m);
  st.gesture = null;
  publishState(st);
}

function onHoverMove(st, ev) {
  if (st.gesture || !st.draw || !st.deck) return;
  const px = pointerPx(st, ev);
  const m = toMap(st, px);
  if (st.draw.kind === "circle") circleMove(st, px, m);
  else {
    st.draw.cursor = m;
    redraw(st);
  }
}

function onKeyDown(st, ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const onButton = ev.target && ev.target.tagName === "BUTTON";
  const key = ev.key;
  let handled = true;
  if (st.tools.draw && !st.gesture && !ev.shiftKey && ["p", "c", "g", "e"].includes(key.toLowerCase())) {
    setMode(st, { p: "pan", c: "circle", g: "polygon", e: "edit" }[key.toLowerCase()]);
  } else if (key === "Escape") {
    if (st.draw) cancelDraw(st);
    else if (st.selected !== null) select(st, null);
    else handled = false;
  } else if (key === "Enter" && !onButton && st.draw && st.draw.kind === "polygon") {
    closePolygon(st);
  } else if (key === "Backspace" && st.draw && st.draw.kind === "polygon") {
    st.draw.vertices.pop();
    st.draw.lastClick = null;
    redraw(st);
  } else if ((key === "Delete" || key === "Backspace") && st.mode === "edit" && st.selected !== null && !st.gesture) {
    deleteSelected(st);
  } else {
    handled = false;
  }
  if (handled) {
    ev.preventDefault();
    ev.stopPropagation();
    publishState(st);
  }
}

function wireTools(st) {
  const dom = st.dom;
  for (const [mode, button] of Object.entries(dom.modeButtons)) button.addEventListener("click", () => setMode(st, mode));
  dom.deleteButton.addEventListener("click", () => deleteSelected(st));
  dom.regionButton.addEventListener("click", () => {
    if (st.deck) send(st, "region", viewBounds(st));
  });
  dom.root.addEventListener("pointerdown", (ev) => onPointerDown(st, ev), true);
  dom.root.addEventListener("pointermove", (ev) => onHoverMove(st, ev));
  dom.root.addEventListener("pointerleave", () => {
    if (!st.gesture) showMeasure(st, null, 0);
  });
  dom.root.addEventListener("keydown", (ev) => onKeyDown(st, ev));
}

function renderTools(st) {
  const t = st.tools;
  const dom = st.dom;
  dom.drawGroup.hidden = !t.draw;
  dom.regionButton.hidden = !t.region;
  const label = typeof t.regionLabel === "string" && t.regionLabel ? t.regionLabel : "Report view";
  dom.regionButton.textContent = label;
  dom.regionButton.title = `${label}: send the area in view`;
  dom.regionButton.setAttribute("aria-label", label);
  dom.tools.hidden = !t.draw && !t.region;
}

function applyData(st, data) {
  const fresh = data !== st.lastData;
  st.lastData = data;
  st.dom.root.style.height = `${data.height || 640}px`;
  renderLegend(st.dom, data.legend);
  st.tools = data.tools && typeof data.tools === "object" ? data.tools : {};
  STORE.unsaved = STORE.unsaved || {};
  STORE.unsaved[st.mapId] = data.unsaved === true;
  if (!STORE.unloadGuard) {
    // ask before leaving or reloading the page while a map holds zones that are not saved
    STORE.unloadGuard = (ev) => {
      if (!Object.values(STORE.unsaved).some(Boolean)) return undefined;
      ev.preventDefault();
      ev.returnValue = "";
      return "";
    };
    window.addEventListener("beforeunload", STORE.unloadGuard);
  }
  renderTools(st);
  if (fresh) {
    st.dataCount += 1;
    const zonesKey = JSON.stringify(data.zones || []);
    const zonesNew = zonesKey !== st.zonesKey;
    st.zonesKey = zonesKey;
    st.zones = cleanZones(data.zones);
    const wanted = data.selectedZone === undefined || data.selectedZone === null ? null : String(data.selectedZone);
    if (wanted !== st.pythonSelected) {
      st.pythonSelected = wanted; // a selection made in Python (e.g. a table row) wins once
      st.selected = wanted;
    }
    if (st.selected !== null && !zoneById(st, st.selected)) st.selected = null;
    const acked = typeof data.ack === "number" && st.heldSeq !== null && data.ack >= st.heldSeq;
    if (st.heldSince !== null && st.dataCount > st.heldSince) {
      if (zonesNew || acked) releaseHeld(st);
      else {
        clearTimeout(st.heldTimer);
        st.heldTimer = setTimeout(() => {
          releaseHeld(st);
          redraw(st);
        }, HELD_MS);
      }
    }
    st.zoneVersion += 1;
  }
  st.baseLayers = convertLayers(st, data.spec.layers);
  const props = { layers: composeLayers(st) };
  st.lastLayers = props.layers;
  const view = data.view;
  if (view && view.nonce !== STORE.nonces[st.mapId]) {
    STORE.nonces[st.mapId] = view.nonce;
    const target = viewStateFrom(view);
    STORE.views[st.mapId] = { target: target.target, zoom: target.zoom };
    props.initialViewState = {
      ...target,
      transitionDuration: 900,
      transitionInterpolator: new st.deckgl.LinearInterpolator(["target", "zoom"]),
    };
  }
  st.deck.setProps(props);
  updateScale(st);
  publishState(st);
}

function mark(name) {
  if (globalThis.performance && performance.mark) performance.mark("lunarmap:" + name);
}

function createDeck(st, data, deckgl) {
  mark("bundle-loaded");
  st.deckgl = deckgl;
  st.converter = makeConverter(deckgl);
  st.layerCache = new Map();
  const converted = st.converter.convert({ views: data.spec.views });
  const saved = STORE.views[st.mapId];
  const nonceSeen = data.view && STORE.nonces[st.mapId] === data.view.nonce;
  const start = saved && nonceSeen ? saved : data.view || data.spec.initialViewState;
  if (data.view) STORE.nonces[st.mapId] = data.view.nonce;
  st.initialView = { target: start.target, zoom: start.zoom };
  STORE.views[st.mapId] = st.initialView;
  const saveMode = STORE.modes[st.mapId];
  st.mode = MODES.includes(saveMode) ? saveMode : MODES.includes(data.mode) ? data.mode : "pan";
  STORE.modes[st.mapId] = st.mode;
  st.baseLayers = convertLayers(st, data.spec.layers);
  st.lastLayers = st.baseLayers;
  st.deck = new deckgl.Deck({
    parent: st.dom.deckDiv,
    width: "100%",
    height: "100%",
    views: converted.views,
    initialViewState: viewStateFrom(start),
    layers: st.lastLayers,
    useDevicePixels: true,
    getCursor: ({ isDragging, isHovering }) =>
      st.mode === "circle" || st.mode === "polygon"
        ? "crosshair"
        : st.gesture
          ? "move"
          : isDragging
            ? "grabbing"
            : isHovering
              ? "pointer"
              : "grab",
    onViewStateChange: ({ viewState }) => {
      STORE.views[st.mapId] = { target: viewState.target, zoom: viewState.zoom };
      updateScale(st);
      refreshZoomLayers(st);
    },
    onHover: (info) => {
      showTooltip(st, info);
      updateCursor(st, info);
    },
    onClick: (info) => {
      if (!info || !info.coordinate) return;
      if (st.mode === "edit") {
        select(st, null); // a click on empty space (a zone click never reaches deck.gl in edit mode)
        publishState(st);
        return;
      }
      if (st.mode !== "pan") return;
      const obj = info.object;
      const picked = obj && obj.id !== undefined ? { layer: info.layer ? info.layer.id : null, id: String(obj.id) } : null;
      const v = currentView(st);
      send(st, "click", { x: info.coordinate[0], y: info.coordinate[1], picked, mode: st.mode, zoom: v ? v.zoom : null });
    },
    onAfterRender: () => {
      const lm = st.deck && st.deck.layerManager;
      const all = lm ? lm.getLayers() : [];
      const loaded = st.pending === 0 && all.length && all.every((layer) => layer.isLoaded) ? "1" : "0";
      if (st.dom.root.dataset.loaded !== loaded) {
        st.dom.root.dataset.loaded = loaded;
        mark(loaded === "1" ? "loaded" : "first-render");
      }
    },
    onError: (error) => {
      st.dom.status.hidden = false;
      st.dom.status.textContent = "map error: " + (error && error.message ? error.message : String(error));
    },
  });
  st.dom.status.hidden = true;
  mark("deck-created");
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || (data.protocol !== 2 && data.protocol !== 1) || !data.spec) return undefined;
  let st = STORE.states.get(parentElement);
  if (!st) {
    st = {
      mapId: String(data.mapId || "map"), dom: buildDom(parentElement), deck: null, seq: 0, generation: 0, pending: 0,
      mode: "pan", tools: {}, zones: [], zonesKey: null, selected: null, pythonSelected: null, draw: null, held: null,
      gesture: null, overrides: new Map(), hiddenIds: new Set(), zoneVersion: 0, dataCount: 0, heldSince: null, heldSeq: null,
      heldTimer: null, message: "", messageTimer: null, baseLayers: [], lastLayers: [],
    };
    STORE.states.set(parentElement, st);
    wireTools(st);
  }
  st.setTriggerValue = setTriggerValue;
  st.generation += 1;
  const generation = st.generation;
  st.dom.root.style.height = `${data.height || 640}px`;
  if (!st.deck) mark("mount");
  prefetchImages(data.spec.layers);
  const ready = st.deck
    ? Promise.resolve()
    : (st.creating = st.creating || loadDeck(data.deckUrl).then((deckgl) => createDeck(st, data, deckgl)));
  ready
    .then(() => {
      if (generation === st.generation) applyData(st, data);
    })
    .catch((error) => {
      st.creating = null;
      st.dom.status.hidden = false;
      st.dom.status.textContent = "map could not be drawn: " + (error && error.message ? error.message : String(error));
    });
  return () => {
    // Called when the element unmounts (or when a newer render superseded this one):
    // finalize only if nothing newer arrived and the element has left the page.
    setTimeout(() => {
      if (generation !== st.generation || parentElement.isConnected) return;
      clearTimeout(st.heldTimer);
      clearTimeout(st.messageTimer);
      if (st.deck) st.deck.finalize();
      st.dom.root.remove();
      STORE.states.delete(parentElement);
    }, 500);
  };
}
