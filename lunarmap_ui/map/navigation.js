// Navigation: zoom in, zoom out and home buttons on the map, the keys + / - / 0, and the view kept in
// the page's address (?view=x,y,zoom in IAU_2015:30135 metres), so copying the address reproduces the view.
// The pure parts (zoomed, parseViewParam, viewParam, withViewParam) are tested under node --test.

import { viewStateFrom } from "./view.js";

export const ZOOM_STEP = 1; // one button press or key: twice (or half) the scale
export const ADDRESS_DELAY_MS = 250; // the address follows the view once it has rested this long
export const VIEW_PARAM = "view";

/** The view zoomed by `delta`, kept within its limits. */
export function zoomed(view, delta) {
  const vs = viewStateFrom(view);
  return { target: [vs.target[0], vs.target[1]], zoom: Math.min(vs.maxZoom, Math.max(vs.minZoom, view.zoom + delta)) };
}

/** The address form of a view: "x,y,zoom", metres to the metre, zoom to 1/100. */
export function viewParam(view) {
  return `${Math.round(view.target[0])},${Math.round(view.target[1])},${Number(view.zoom).toFixed(2)}`;
}

/** A view from its address form, or null when it is not three finite numbers. */
export function parseViewParam(text) {
  if (typeof text !== "string") return null;
  const raw = text.split(",").map((s) => s.trim());
  if (raw.length !== 3 || raw.some((s) => s === "")) return null;
  const parts = raw.map(Number);
  if (parts.some((v) => !Number.isFinite(v))) return null;
  return { target: [parts[0], parts[1]], zoom: parts[2] };
}

/** The query string `search` with its view parameter set to `view` (other parameters kept, in order). */
export function withViewParam(search, view) {
  const params = new URLSearchParams(search);
  params.set(VIEW_PARAM, viewParam(view));
  return "?" + params.toString().replace(/%2C/g, ",");
}

/** Write the view into the page's address (no new history entry); true when the address changed. */
export function writeAddress(win, view) {
  const search = withViewParam(win.location.search, view);
  if (search === win.location.search) return false;
  win.history.replaceState(win.history.state, "", win.location.pathname + search + win.location.hash);
  return true;
}

/** Fly the map of `st` to `view` over `ms` milliseconds. */
export function flyTo(st, view, ms = 300) {
  if (!st.deck || !st.deckgl) return;
  st.deck.setProps({
    initialViewState: {
      ...viewStateFrom(view),
      transitionDuration: ms,
      transitionInterpolator: new st.deckgl.LinearInterpolator(["target", "zoom"]),
    },
  });
}

/** The key's navigation action ("in", "out", "home") or null; keys with Ctrl, Meta or Alt are the browser's. */
export function navigationKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  if (ev.key === "+" || ev.key === "=") return "in";
  if (ev.key === "-" || ev.key === "_") return "out";
  if (ev.key === "0" || ev.key === "Home") return "home";
  return null;
}

/** Do a navigation action on the map of `st`; `home` is the view the page opened at. */
export function navigate(st, action, home) {
  const view = st.view();
  if (!view) return;
  if (action === "in") flyTo(st, zoomed(view, ZOOM_STEP));
  else if (action === "out") flyTo(st, zoomed(view, -ZOOM_STEP));
  else if (action === "home" && home) flyTo(st, { target: [home.target[0], home.target[1]], zoom: home.zoom }, 600);
}

/** The zoom in / zoom out / home buttons, added to the map's root once; returns the group element. */
export function buildNavigation(doc, root, onAction) {
  const group = doc.createElement("div");
  group.className = "lm-nav";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Zoom");
  for (const [action, text, title] of [["in", "+", "Zoom in (+)"], ["out", "\u2212", "Zoom out (-)"],
    ["home", "\u2302", "Home: the opening view (0)"]]) {
    const b = doc.createElement("button");
    b.type = "button";
    b.className = "lm-nav-" + action;
    b.textContent = text;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", () => onAction(action));
    group.appendChild(b);
  }
  root.appendChild(group);
  return group;
}

/** The page's address follows the view of `st` once it rests (?view=x,y,zoom; the main map only). */
export function keepAddress(st, win = globalThis.window) {
  if (st.mapId !== "main" || !win) return;
  clearTimeout(st.addressTimer);
  st.addressTimer = setTimeout(() => writeAddress(win, st.view()), ADDRESS_DELAY_MS);
}

/** The buttons on the map of `st`; `home` (the spec's opening view) is where the home button and 0 go. */
export function wireNavigation(st, home) {
  st.home = { target: [home.target[0], home.target[1]], zoom: home.zoom };
  buildNavigation(st.dom.root.ownerDocument, st.dom.root, (action) => navigate(st, action, st.home));
  keepAddress(st);
}
