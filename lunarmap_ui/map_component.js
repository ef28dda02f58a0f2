// lunarmap map component (st.components.v2): one deck.gl Deck per map, built from a
// pydeck-style JSON spec with deck.gl's JSONConverter, kept across reruns so the
// view survives widget changes.
//
// Python -> browser (the component's `data`, protocol 1):
//   {protocol: 1, mapId, mode: "pan", height, deckUrl,
//    spec: {views, initialViewState, layers}, view: {target, zoom, nonce},
//    legend: [{title, units, type: "ramp"|"classes", stops|classes, note}]}
// Browser -> Python (trigger values):
//   "click": {x, y, picked: {layer, id} | null, mode, seq, zoom}
//   x, y are IAU_2015:30135 metres of the clicked point.
// Every text that comes from data files is put in the page with textContent.

const MOON_RADIUS_M = 1737400;
const STORE = (globalThis.__lunarmap = globalThis.__lunarmap || {
  bundle: null,
  views: {},
  nonces: {},
  states: new WeakMap(),
  images: new Map(),
});
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
function latOfRadiusDeg(rho) {
  return (2 * Math.atan(rho / (2 * MOON_RADIUS_M)) * 180) / Math.PI - 90;
}

function lonOfPoint(x, y) {
  return (Math.atan2(x, y) * 180) / Math.PI;
}

function scaleFactor(latDeg) {
  return 2 / (1 + Math.sin((Math.abs(latDeg) * Math.PI) / 180));
}

function fmtLat(lat) {
  return Math.abs(lat).toFixed(4) + "° " + (lat < 0 ? "S" : "N");
}

function fmtLon(lon) {
  return Math.abs(lon).toFixed(4) + "° " + (lon < 0 ? "W" : "E");
}

function niceLength(m) {
  const p = Math.pow(10, Math.floor(Math.log10(m)));
  for (const f of [5, 2, 1]) if (f * p <= m) return f * p;
  return p;
}

// ---------------------------------------------------------------- DOM pieces
function buildDom(parentElement) {
  const root = el("div", "lm-root");
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
  root.append(deckDiv, legend, scale, cursor, tooltip, status);
  parentElement.appendChild(root);
  return { root, deckDiv, tooltip, legend, scale, scaleBar, scaleLabel, cursor, status };
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

function showTooltip(st, info) {
  const obj = info && info.object;
  const tip = st.dom.tooltip;
  if (!obj || !obj.name) {
    tip.hidden = true;
    return;
  }
  tip.replaceChildren();
  tip.appendChild(el("div", "lm-tip-name", obj.name));
  const bits = [obj.kind, obj.agency, obj.date].filter((b) => b);
  tip.appendChild(el("div", "lm-tip-meta", bits.join(" · ")));
  if (typeof obj.lat === "number" && typeof obj.lon === "number") {
    const where = (obj.area_km2 ? "centre " : "") + `${fmtLat(obj.lat)}, ${fmtLon(obj.lon)}`;
    tip.appendChild(el("div", "lm-tip-coords", where));
  }
  if (obj.area_km2) tip.appendChild(el("div", "lm-tip-area", `area ${obj.area_km2} km² (on the sphere)`));
  if (obj.source) tip.appendChild(el("div", "lm-tip-source", "Source: " + obj.source));
  tip.hidden = false;
  const w = st.dom.root.clientWidth;
  const h = st.dom.root.clientHeight;
  const left = Math.min(info.x + 14, Math.max(0, w - tip.offsetWidth - 4));
  const below = info.y + 14;
  const top = below + tip.offsetHeight > h ? Math.max(0, info.y - 14 - tip.offsetHeight) : below;
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
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
      const { lmMinZoom, ...props } = spec;
      let layer = st.converter.convert({ layers: [props] }).layers[0];
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
  if (layers.some((l, i) => l !== st.lastLayers[i])) {
    st.lastLayers = layers;
    st.deck.setProps({ layers });
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

function applyData(st, data) {
  st.lastData = data;
  st.mode = data.mode || "pan";
  st.dom.root.dataset.mode = st.mode;
  st.dom.root.style.height = `${data.height || 640}px`;
  renderLegend(st.dom, data.legend);
  const layers = convertLayers(st, data.spec.layers);
  st.lastLayers = layers;
  const props = { layers };
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
  const layers = convertLayers(st, data.spec.layers);
  st.lastLayers = layers;
  st.deck = new deckgl.Deck({
    parent: st.dom.deckDiv,
    width: "100%",
    height: "100%",
    views: converted.views,
    initialViewState: viewStateFrom(start),
    layers,
    useDevicePixels: true,
    getCursor: ({ isDragging, isHovering }) =>
      isDragging ? "grabbing" : isHovering ? "pointer" : st.mode === "pan" ? "grab" : "crosshair",
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
      const obj = info.object;
      const picked = obj && obj.id !== undefined ? { layer: info.layer ? info.layer.id : null, id: String(obj.id) } : null;
      st.seq += 1;
      const v = currentView(st);
      st.setTriggerValue("click", {
        x: info.coordinate[0],
        y: info.coordinate[1],
        picked,
        mode: st.mode,
        seq: st.seq,
        zoom: v ? v.zoom : null,
      });
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
  if (!data || data.protocol !== 1 || !data.spec) return undefined;
  let st = STORE.states.get(parentElement);
  if (!st) {
    st = { mapId: String(data.mapId || "map"), dom: buildDom(parentElement), deck: null, seq: 0, generation: 0, pending: 0 };
    STORE.states.set(parentElement, st);
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
      if (st.deck) st.deck.finalize();
      st.dom.root.remove();
      STORE.states.delete(parentElement);
    }, 500);
  };
}
