// The component's DOM: toolbar, hint, legend, scale bar, cursor position, radius label, tooltip and
// status line. Every text that comes from data files or users is put in the page with textContent.
// The class names, data attributes and aria labels here are what the browser tests read.

import { fmtKm, fmtLat, fmtLon, polarToLonLatDeg } from "./geometry.js";
import { cornerWords, formatStop, legendPlacement, meaningLine, nearestCorner, nextCorner, readLegendState, writeLegendState } from "./legend.js";
import { scaleBar } from "./view.js";

const COLOR_RE = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;

export const TOOL_BUTTONS = [
  { mode: "pan", label: "Pan", key: "P", title: "Pan and pick (P)" },
  { mode: "circle", label: "Circle", key: "C", title: "Draw a circle zone: click the centre, then the radius, or drag (C)" },
  { mode: "polygon", label: "Polygon", key: "G", title: "Draw a polygon zone: click the vertices, Enter or the first vertex closes (G)" },
  { mode: "edit", label: "Edit", key: "E", title: "Select, move and reshape zones (E)" },
  { mode: "measure", label: "Measure", key: "M", title: "Measure geodesic distances: click points, Esc ends (M)" },
  { mode: "profile", label: "Profile", key: "L", title: "Elevation profile: click a line, double-click or Enter ends (L)" },
];

export function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function buildDom(parentElement) {
  const root = el("div", "lm-root");
  root.tabIndex = 0;
  root.setAttribute("role", "application");
  root.setAttribute("aria-label", "Lunar south pole map");
  const deckDiv = el("div", "lm-deck");
  const tooltip = el("div", "lm-tooltip");
  tooltip.hidden = true;
  const legend = buildLegend();
  const scale = el("div", "lm-scale");
  const scaleBarDiv = el("div", "lm-scale-bar");
  const scaleLabel = el("div", "lm-scale-label");
  scale.append(scaleBarDiv, scaleLabel);
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
  root.append(deckDiv, legend.box, scale, cursor, tools, measure, tooltip, status);
  parentElement.appendChild(root);
  return {
    root, deckDiv, tooltip, legend: legend.box, legendBody: legend.body, legendToggle: legend.toggle,
    legendDock: legend.dock, legendMore: legend.more, legendAbove: legend.above, scale, scaleBar: scaleBarDiv, scaleLabel, cursor, status,
    tools, toolbar, drawGroup, modeButtons, deleteButton, regionButton, hint, measure,
  };
}

let legendCount = 0;

// The legend: a header (a button that collapses and expands it, a button that docks it to the next
// corner) above a body that scrolls, with "more above" / "more below" shown while part of it is out of
// sight (a headless or overlay-scrollbar browser shows no scrollbar until scrolled).
function buildLegend() {
  legendCount += 1;
  const box = el("section", "lm-legend");
  box.setAttribute("aria-label", "Legend");
  const header = el("div", "lm-legend-header");
  const toggle = el("button", "lm-legend-toggle", "Legend");
  toggle.type = "button";
  const body = el("div", "lm-legend-body");
  body.id = `lm-legend-body-${legendCount}`;
  body.tabIndex = 0; // the keyboard can scroll a long legend
  toggle.setAttribute("aria-controls", body.id);
  const dock = el("button", "lm-legend-dock", "");
  dock.type = "button";
  header.append(toggle, dock);
  const above = el("div", "lm-legend-more lm-legend-above", "▴ more above");
  const more = el("div", "lm-legend-more lm-legend-below", "more below ▾");
  for (const hint of [above, more]) {
    hint.setAttribute("aria-hidden", "true");
    hint.hidden = true;
  }
  box.append(header, above, body, more);
  return { box, toggle, body, dock, more, above };
}

const CORNER_GLYPHS = { "top-left": "◸", "top-right": "◹", "bottom-left": "◺", "bottom-right": "◿" };

/** Show the legend `state` ({collapsed, corner}): the buttons' labels and aria state, the corner, the body. */
export function showLegendState(dom, state) {
  dom.legendState = state;
  const box = dom.legend;
  box.dataset.collapsed = state.collapsed ? "1" : "0";
  box.dataset.corner = state.corner;
  dom.legendToggle.setAttribute("aria-expanded", state.collapsed ? "false" : "true");
  dom.legendToggle.title = state.collapsed ? "Show the legend" : "Hide the legend";
  dom.legendBody.hidden = state.collapsed;
  const next = nextCorner(state.corner);
  dom.legendDock.textContent = CORNER_GLYPHS[next];
  dom.legendDock.title = `Move the legend to the ${cornerWords(next)} corner`;
  dom.legendDock.setAttribute("aria-label", dom.legendDock.title);
  placeLegend(dom);
}

/** Put the legend in its corner, clear of the toolbar, the cursor readout and the scale bar; mark overflow. */
export function placeLegend(dom) {
  const state = dom.legendState;
  if (!state) return;
  const tools = dom.tools.hidden ? 0 : dom.tools.offsetTop + dom.toolbar.offsetHeight;
  const cursorBottom = 8 + Math.max(dom.cursor.offsetHeight, 20);
  const at = legendPlacement(state.corner, dom.root.clientHeight || 640,
    { topRightBottom: Math.max(tools, cursorBottom), bottomRightHeight: dom.scale.offsetHeight });
  const st = dom.legend.style;
  for (const side of ["left", "right", "top", "bottom"]) st[side] = at[side] === null ? "auto" : `${at[side]}px`;
  st.maxHeight = `${at.maxHeight}px`;
  markOverflow(dom);
}

function markOverflow(dom) {
  const b = dom.legendBody;
  const overflow = !b.hidden && b.scrollHeight > b.clientHeight + 1;
  const atEnd = b.scrollTop + b.clientHeight >= b.scrollHeight - 2;
  dom.legend.dataset.overflow = overflow ? "1" : "0";
  dom.legendMore.hidden = !overflow || atEnd;
  dom.legendAbove.hidden = !overflow || b.scrollTop <= 1;
}

function sessionStore() {
  try {
    return globalThis.sessionStorage || null;
  } catch {
    return null; // refused (a sandbox): the legend then forgets its state on a reload
  }
}

/**
 * The legend's buttons, with its state read from and saved to `storage` (sessionStorage) under `mapId`,
 * so it stays collapsed or docked across reruns and for the rest of the browser session. `onChange(state)`
 * runs after each change.
 */
export function wireLegend(dom, mapId, onChange = () => {}, storage = sessionStore()) {
  showLegendState(dom, readLegendState(storage, mapId));
  const change = (patch) => {
    const state = { ...dom.legendState, ...patch };
    writeLegendState(storage, mapId, state);
    showLegendState(dom, state);
    onChange(state);
  };
  const drag = dragLegend(dom, (corner) => change({ corner }));
  dom.legendToggle.addEventListener("click", () => {
    if (!drag.justDragged()) change({ collapsed: !dom.legendState.collapsed });
  });
  dom.legendDock.addEventListener("click", () => change({ corner: nextCorner(dom.legendState.corner) }));
  dom.legendBody.addEventListener("scroll", () => markOverflow(dom), { passive: true });
  // the legend's own gestures (scrolling it, pressing its buttons) are not the map's
  for (const type of ["pointerdown", "wheel", "dblclick"]) dom.legend.addEventListener(type, (ev) => ev.stopPropagation());
}

/** Boxes [x0, y0, x1, y1] (pixels of the map canvas) of what lies over the map: legend, toolbar, scale bar. */
export function overlayBoxes(dom) {
  const origin = dom.deckDiv.getBoundingClientRect();
  const out = [];
  for (const node of [dom.legend, dom.toolbar, dom.scale, dom.root.querySelector(".lm-nav"), dom.root.querySelector(".lm-snap")]) {
    if (!node || node.hidden || !node.isConnected) continue;
    const r = node.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
  }
  return out;
}

// Dragging the legend by its header: it follows the pointer and docks to the nearest corner when let go.
// A press that moves under 4 px stays a click on the button under it.
function dragLegend(dom, dock) {
  let clickAfterDrag = false;
  const header = dom.legendToggle.parentElement;
  header.addEventListener("pointerdown", (down) => {
    if (down.button !== 0) return;
    const box = dom.legend.getBoundingClientRect();
    const root = dom.root.getBoundingClientRect();
    let dragged = false;
    const move = (ev) => {
      const dx = ev.clientX - down.clientX;
      const dy = ev.clientY - down.clientY;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      dragged = true;
      dom.legend.dataset.dragging = "1";
      const st = dom.legend.style;
      st.right = "auto";
      st.bottom = "auto";
      st.left = `${box.left - root.left + dx}px`;
      st.top = `${box.top - root.top + dy}px`;
    };
    const up = () => {
      window.removeEventListener("pointermove", move, true);
      window.removeEventListener("pointerup", up, true);
      window.removeEventListener("pointercancel", up, true);
      delete dom.legend.dataset.dragging;
      if (!dragged) return;
      clickAfterDrag = true;
      setTimeout(() => {
        clickAfterDrag = false; // the click that may end a drag is not a button press
      }, 0);
      const now = dom.legend.getBoundingClientRect();
      dock(nearestCorner(now.left + now.width / 2 - root.left, now.top + now.height / 2 - root.top, root.width, root.height));
    };
    window.addEventListener("pointermove", move, true);
    window.addEventListener("pointerup", up, true);
    window.addEventListener("pointercancel", up, true);
  });
  return { justDragged: () => clickAfterDrag };
}

export function renderLegend(dom, entries) {
  const list = entries || [];
  dom.legend.hidden = list.length === 0;
  dom.legendBody.replaceChildren();
  for (const entry of list) {
    const box = el("div", "lm-legend-entry");
    box.appendChild(el("div", "lm-legend-title", entry.title));
    const meaning = meaningLine(entry);
    if (meaning) box.appendChild(el("div", "lm-legend-meaning", meaning));
    if (entry.type === "ramp" && Array.isArray(entry.stops) && entry.stops.length >= 2) {
      const colours = entry.stops.map((s) => (COLOR_RE.test(s[1]) ? s[1] : "#808080"));
      const bar = el("div", "lm-ramp");
      bar.style.background = `linear-gradient(to right, ${colours.join(", ")})`;
      const labels = el("div", "lm-ramp-labels");
      const first = entry.stops[0][0];
      const last = entry.stops[entry.stops.length - 1][0];
      labels.append(el("span", null, formatStop(first)), el("span", null, formatStop(last)));
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
    dom.legendBody.appendChild(box);
  }
  placeLegend(dom);
}

function placeTooltip(dom, tip, x, y) {
  const w = dom.root.clientWidth;
  const h = dom.root.clientHeight;
  const left = Math.min(x + 14, Math.max(0, w - tip.offsetWidth - 4));
  const below = y + 14;
  const top = below + tip.offsetHeight > h ? Math.max(0, y - 14 - tip.offsetHeight) : below;
  tip.style.left = `${left}px`;
  tip.style.top = `${top}px`;
}

/** The tooltip of a hovered object (deck.gl pick info); hidden while `busy` (a gesture or a shape drafted). */
export function showTooltip(dom, info, busy) {
  const obj = info && info.object;
  const tip = dom.tooltip;
  if (!obj || !obj.name || busy) {
    tip.hidden = true;
    return;
  }
  tip.replaceChildren();
  tip.appendChild(el("div", "lm-tip-name", obj.name));
  if ((info.layer && info.layer.id === "zones") || (Array.isArray(obj.lines) && obj.lines.length)) {
    const lines = Array.isArray(obj.lines) ? obj.lines : [];
    if (!lines.length && obj.owner) tip.appendChild(el("div", "lm-tip-meta", obj.owner));
    for (const line of lines) tip.appendChild(el("div", "lm-tip-line", line));
    tip.hidden = false;
    placeTooltip(dom, tip, info.x, info.y);
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
  placeTooltip(dom, tip, info.x, info.y);
}

/** The scale bar, and the view published as data attributes (target x, y and zoom). */
export function updateScale(dom, view) {
  if (!view) return;
  const bar = scaleBar(view);
  dom.scaleBar.style.width = `${bar.widthPx.toFixed(1)}px`;
  dom.scaleLabel.textContent = bar.text;
  const r = dom.root;
  r.dataset.targetX = String(view.target[0]);
  r.dataset.targetY = String(view.target[1]);
  r.dataset.zoom = String(view.zoom);
  dom.scale.dataset.trueM = String(bar.lengthM);
  dom.scale.dataset.widthPx = String(bar.widthPx);
  dom.scale.dataset.lat = String(bar.lat);
}

/** The latitude and longitude under the pointer (deck.gl hover info). */
export function updateCursor(dom, info) {
  if (!info || !info.coordinate) {
    dom.cursor.textContent = "";
    return;
  }
  const [lon, lat] = polarToLonLatDeg(info.coordinate);
  dom.cursor.textContent = `${fmtLat(lat)}, ${fmtLon(lon)}`;
}

/** The radius label next to the pointer at `px` (hidden for no px or no radius). */
export function showMeasure(dom, px, rM) {
  const m = dom.measure;
  if (!px || !(rM > 0)) {
    m.hidden = true;
    return;
  }
  m.textContent = `r = ${fmtKm(rM)} km`;
  m.dataset.radiusM = String(rM);
  m.hidden = false;
  const w = dom.root.clientWidth;
  m.style.left = `${Math.min(px[0] + 16, Math.max(0, w - m.offsetWidth - 4))}px`;
  m.style.top = `${Math.max(0, px[1] - 28)}px`;
}

export function renderTools(dom, t) {
  dom.drawGroup.hidden = !t.draw;
  dom.regionButton.hidden = !t.region;
  const label = typeof t.regionLabel === "string" && t.regionLabel ? t.regionLabel : "Report view";
  dom.regionButton.textContent = label;
  dom.regionButton.title = `${label}: send the area in view`;
  dom.regionButton.setAttribute("aria-label", label);
  dom.tools.hidden = !t.draw && !t.region;
}

/**
 * The state as data attributes on the root (mode, draw-kind, draw-vertices, selected-zone, zone-count,
 * held), the pressed mode button, the Delete button and the hint.
 */
export function publishState(dom, s) {
  const r = dom.root;
  r.dataset.mode = s.mode;
  r.dataset.drawKind = s.drawKind;
  r.dataset.drawVertices = String(s.drawVertices);
  r.dataset.selectedZone = s.selected === null ? "" : s.selected;
  r.dataset.zoneCount = String(s.zoneCount);
  r.dataset.held = s.held ? "1" : "0";
  for (const [mode, button] of Object.entries(dom.modeButtons)) {
    const on = mode === s.mode;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("lm-tool-on", on);
  }
  dom.deleteButton.disabled = s.selected === null;
  showHint(dom, s.hint, s.toolsDraw);
}

export function showHint(dom, text, toolsDraw) {
  dom.hint.textContent = text;
  dom.hint.hidden = !text || !toolsDraw;
}
