// lunarmap map component, the browser side: wiring. One deck.gl Deck per map, built from a pydeck-style
// JSON spec and kept across reruns, so the view (and the toolbar mode) survives widget changes.
//
// How these modules reach the browser: they are plain ES modules served as they are (no build step).
// Python publishes this folder into the app's Streamlit static folder under a content-hashed name
// (static/lunarmap-map-<sha12 of every file>/), so a changed module always has a new URL and a browser
// never runs a stale one. The component's own script (lunarmap_ui/map_component.js, handed to
// st.components.v2) is a small entry that import()s this module from the data's "moduleUrl" and calls
// mount(). The message protocol is protocol.json (imported here; read by the Python side too).
//
// Modules: geometry.js (pure maths), view.js (screen <-> map), protocol.json, pending.js (seq and ack), keys.js,
// zones.js, converter.js (deck.gl and its JSON converter), layers.js, labels.js and labelpass.js (labels that
// do not collide), legend.js, navigation.js (zoom buttons, the view in the address), dom.js, modes/*.js.

import protocol from "./protocol.json" with { type: "json" };
import { loadDeck, makeConverter } from "./converter.js";
import { buildDom, placeLegend, publishState as writeState, renderLegend, renderTools, showHint, showMeasure, showTooltip, updateCursor, updateScale, wireLegend } from "./dom.js";
import { handleKey } from "./keys.js";
import { keepAddress, navigate, navigationKey, wireNavigation } from "./navigation.js";
import { passLabels, scheduleLabelPass, withLabels } from "./labelpass.js";
import { mark } from "./marks.js";
import { wireSnapshot } from "./snapshot.js";
import { composeLayers, convertLayers, prefetchImages, zoomFiltered } from "./layers.js";
import { deleteSelected } from "./modes/edit.js";
import { modeOf } from "./modes/index.js";
import { CONSUME, PASS, cancelDraw, draftCount } from "./modes/shared.js";
import { isHolding, send, settle } from "./pending.js";
import { takeToolData, toolLayers, updateChart } from "./tools.js";
import { mapToPx, pxToMap, viewBounds, viewStateFrom } from "./view.js";
import { cleanZones, zoneById } from "./zones.js";

export const PROTOCOL = protocol.protocol;
export const MODES = protocol.modes;
// Kept on the page (not in this module), so reruns and a newer version of these modules find it; the
// browser tests read STORE.unsaved.
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

function size(st) {
  return { width: st.dom.deckDiv.clientWidth, height: st.dom.deckDiv.clientHeight };
}

// All layers now: the guides of the shape drafted or held (drawn by the mode of its kind) on top.
function layersNow(st) {
  const shape = st.draw || st.held;
  const guides = shape ? modeOf(shape.kind).guideLayers(st.deckgl, shape) : [];
  // the measure and profile tools' lines and labels (tools.js) under the shape being drafted; colliding labels left out
  return withLabels(st, composeLayers(st, [...toolLayers(st), ...guides], Boolean(modeOf(st.mode).editsZones)));
}

// labels that do not collide (labelpass.js): the pass runs at most once per animation frame
const scheduleLabels = (st) => scheduleLabelPass(st, () => size(st), () => redraw(st));

function redraw(st) {
  if (!st.deck) return;
  st.lastLayers = layersNow(st);
  st.deck.setProps({ layers: st.lastLayers });
  updateChart(st, () => redraw(st));
  publishState(st);
}

function zonesChanged(st) {
  st.zoneVersion += 1;
  redraw(st);
}

function hintText(st) {
  return st.message || modeOf(st.mode).hint(st);
}

function publishState(st) {
  writeState(st.dom, {
    mode: st.mode, drawKind: st.draw ? st.draw.kind : "", drawVertices: draftCount(st.draw), selected: st.selected,
    zoneCount: st.zones.length, held: isHolding(st), hint: hintText(st), toolsDraw: st.tools.draw,
  });
}

function say(st, message) {
  st.message = message;
  clearTimeout(st.messageTimer);
  st.messageTimer = setTimeout(() => {
    st.message = "";
    showHint(st.dom, hintText(st), st.tools.draw);
  }, 3500);
  showHint(st.dom, hintText(st), st.tools.draw);
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

// The zone or edit handle under a canvas pixel (deck.gl picking), or null.
function pickZone(st, px) {
  if (!st.deck || !st.deck.getViewports || !st.deck.getViewports().length) return null;
  const layerIds = ["zone-handles", "zones"].filter((id) => st.lastLayers.some((l) => l && l.id === id));
  if (!layerIds.length) return null;
  const info = st.deck.pickObject({ x: px[0], y: px[1], radius: 6, layerIds });
  return info && info.object ? info : null;
}

// ---- pointer and keyboard: each goes to the current mode (modes/shared.js describes the interface)
function pointerEvent(st, ev) {
  const r = st.dom.deckDiv.getBoundingClientRect();
  const px = [ev.clientX - r.left, ev.clientY - r.top];
  return { px, m: pxToMap(st.view(), size(st), px), type: ev.type, altKey: ev.altKey, shiftKey: ev.shiftKey };
}

function onPointerDown(st, ev) {
  if (ev.button !== 0 || !st.deck || !st.dom.deckDiv.contains(ev.target)) return;
  st.dom.root.focus({ preventScroll: true });
  const taken = modeOf(st.mode).onPointerDown(st, pointerEvent(st, ev));
  if (taken === PASS) return; // deck.gl pans, zooms and clicks
  ev.stopPropagation();
  ev.preventDefault();
  if (taken === CONSUME) return;
  // This gesture is the mode's: deck.gl must not pan or click.
  st.dom.tooltip.hidden = true;
  const move = (e) => {
    if (st.gesture) modeOf(st.gesture.kind).onPointerMove(st, pointerEvent(st, e));
  };
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

function onGestureUp(st, ev) {
  const g = st.gesture;
  if (!g) return;
  const mode = modeOf(g.kind);
  if (ev.type === "pointercancel") {
    st.gesture = null;
    mode.onCancel(st, g);
    return;
  }
  mode.onPointerUp(st, pointerEvent(st, ev));
  st.gesture = null;
  publishState(st);
}

function onHoverMove(st, ev) {
  if (st.gesture || !st.draw || !st.deck) return;
  modeOf(st.draw.kind).onPointerMove(st, pointerEvent(st, ev));
}

function onKeyDown(st, ev) {
  const key = { key: ev.key, shiftKey: ev.shiftKey, ctrlKey: ev.ctrlKey, metaKey: ev.metaKey, altKey: ev.altKey,
    onButton: Boolean(ev.target && ev.target.tagName === "BUTTON") };
  if (!handleKey(st, key, (mode) => setMode(st, mode))) {
    const action = st.gesture || st.draw ? null : navigationKey(key);
    if (!action) return;
    navigate(st, action, st.home);
  }
  ev.preventDefault();
  ev.stopPropagation();
  publishState(st);
}

function wireTools(st) {
  const dom = st.dom;
  for (const [mode, button] of Object.entries(dom.modeButtons)) button.addEventListener("click", () => setMode(st, mode));
  dom.deleteButton.addEventListener("click", () => deleteSelected(st));
  dom.regionButton.addEventListener("click", () => {
    if (st.deck) send(st, "region", viewBounds(st.view(), size(st)));
  });
  dom.root.addEventListener("pointerdown", (ev) => onPointerDown(st, ev), true);
  dom.root.addEventListener("pointermove", (ev) => onHoverMove(st, ev));
  dom.root.addEventListener("pointerleave", () => {
    if (!st.gesture) showMeasure(dom, null, 0);
  });
  dom.root.addEventListener("keydown", (ev) => onKeyDown(st, ev));
}

// ---- data from Python
function showError(st, text) {
  st.dom.status.hidden = false;
  st.dom.status.textContent = text;
}

function layersOf(st, data) {
  return convertLayers(st, STORE, data.spec.layers, (error) => {
    if (error) showError(st, "map data could not be loaded: " + error.message);
    else if (st.lastData) applyData(st, st.lastData);
  });
}

function refreshZoomLayers(st) {
  if (!st.deck || !st.entries || !st.entries.some((e) => e.minZoom !== null || e.lod)) return;
  const layers = zoomFiltered(st.entries, st.view().zoom);
  if (layers.length !== st.baseLayers.length || layers.some((l, i) => l !== st.baseLayers[i])) {
    st.baseLayers = layers;
    redraw(st);
  }
}

function guardUnload(st, data) {
  STORE.unsaved = STORE.unsaved || {};
  STORE.unsaved[st.mapId] = data.unsaved === true;
  if (STORE.unloadGuard) return;
  // ask before leaving or reloading the page while a map holds zones that are not saved
  STORE.unloadGuard = (ev) => {
    if (!Object.values(STORE.unsaved).some(Boolean)) return undefined;
    ev.preventDefault();
    ev.returnValue = "";
    return "";
  };
  window.addEventListener("beforeunload", STORE.unloadGuard);
}

function applyData(st, data) {
  const fresh = data !== st.lastData;
  st.lastData = data;
  st.dom.root.style.height = `${data.height || 640}px`;
  renderLegend(st.dom, data.legend);
  st.tools = data.tools && typeof data.tools === "object" ? data.tools : {};
  guardUnload(st, data);
  renderTools(st.dom, st.tools);
  placeLegend(st.dom);
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
    settle(st, { ack: data.ack, zonesNew }, () => redraw(st));
    st.zoneVersion += 1;
    takeToolData(st, data); // the measure and profile answers (tools.js)
  }
  st.baseLayers = layersOf(st, data);
  passLabels(st, size(st));
  const props = { layers: layersNow(st) };
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
  updateChart(st, () => redraw(st));
  updateScale(st.dom, st.view());
  publishState(st);
  keepAddress(st); // a script run may have rewritten the address (st.query_params): the view goes back in
  scheduleLabels(st); // a fly-to moves the view; a first render may have sized the canvas since
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
  st.baseLayers = layersOf(st, data);
  st.lastLayers = st.baseLayers;
  st.deck = new deckgl.Deck({
    parent: st.dom.deckDiv,
    width: "100%",
    height: "100%",
    views: converted.views,
    initialViewState: viewStateFrom(start),
    layers: st.lastLayers,
    useDevicePixels: true,
    getCursor: (state) => modeOf(st.mode).cursor(st, state),
    onViewStateChange: ({ viewState }) => {
      STORE.views[st.mapId] = { target: viewState.target, zoom: viewState.zoom };
      updateScale(st.dom, st.view());
      keepAddress(st);
      refreshZoomLayers(st);
      scheduleLabels(st);
    },
    onResize: () => scheduleLabels(st),
    onHover: (info) => {
      showTooltip(st.dom, info, Boolean(st.gesture || st.draw));
      updateCursor(st.dom, info);
    },
    onClick: (info, event) => {
      if (!info || !info.coordinate) return;
      modeOf(st.mode).onMapClick(st, info, event);
      publishState(st);
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
    onError: (error) => showError(st, "map error: " + (error && error.message ? error.message : String(error))),
  });
  st.dom.status.hidden = true;
  wireNavigation(st, data.spec.initialViewState);
  wireSnapshot(st); // the PNG button (snapshot.js)
  mark("deck-created");
}

function newState(data, parentElement) {
  const st = {
    mapId: String(data.mapId || "map"), dom: buildDom(parentElement), deck: null, seq: 0, generation: 0, pending: 0,
    mode: "pan", tools: {}, zones: [], zonesKey: null, selected: null, pythonSelected: null, draw: null, held: null,
    gesture: null, overrides: new Map(), hiddenIds: new Set(), zoneVersion: 0, dataCount: 0, heldSince: null, heldSeq: null,
    heldTimer: null, message: "", messageTimer: null, baseLayers: [], lastLayers: [],
  };
  st.view = () => STORE.views[st.mapId] || st.initialView;
  st.ui = {
    redraw: () => redraw(st),
    zonesChanged: () => zonesChanged(st),
    say: (text) => say(st, text),
    showMeasure: (px, rM) => showMeasure(st.dom, px, rM),
    toPx: (p) => mapToPx(st.view(), size(st), p),
    pick: (px) => pickZone(st, px),
    now: () => performance.now(),
  };
  return st;
}

/** Render the component's data into its element (one v2 component render); returns the cleanup. */
export function mount(component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || (data.protocol !== PROTOCOL && data.protocol !== 1) || !data.spec) return undefined;
  let st = STORE.states.get(parentElement);
  if (!st) {
    st = newState(data, parentElement);
    STORE.states.set(parentElement, st);
    wireTools(st);
    wireLegend(st.dom, st.mapId, () => scheduleLabels(st)); // labels kept clear of the legend
  }
  st.setTriggerValue = setTriggerValue;
  st.generation += 1;
  const generation = st.generation;
  st.dom.root.style.height = `${data.height || 640}px`;
  if (!st.deck) mark("mount");
  prefetchImages(STORE, data.spec.layers);
  const ready = st.deck
    ? Promise.resolve()
    : (st.creating = st.creating || loadDeck(data.deckUrl, STORE).then((deckgl) => createDeck(st, data, deckgl)));
  ready
    .then(() => {
      if (generation === st.generation) applyData(st, data);
    })
    .catch((error) => {
      st.creating = null;
      showError(st, "map could not be drawn: " + (error && error.message ? error.message : String(error)));
    });
  return () => {
    // Called when the element unmounts (or when a newer render superseded this one):
    // finalize only if nothing newer arrived and the element has left the page.
    setTimeout(() => {
      if (generation !== st.generation || parentElement.isConnected) return;
      clearTimeout(st.heldTimer);
      clearTimeout(st.messageTimer);
      cancelAnimationFrame(st.labelFrame);
      if (st.deck) st.deck.finalize();
      st.dom.root.remove();
      STORE.states.delete(parentElement);
    }, 500);
  };
}
