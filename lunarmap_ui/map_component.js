// lunarmap map component (st.components.v2): the entry Streamlit runs for every render.
//
// The component itself is a set of small ES modules in lunarmap_ui/map/ (main.js wires them; one
// module per toolbar mode, pure geometry, pending shapes, DOM). They are loaded natively as ES modules,
// with no build step: Python publishes that folder into the app's Streamlit static folder under a
// content-hashed name and sends the URL of its main.js as the data's "moduleUrl" (a changed module gets
// a new URL, so a browser never runs a stale one). This entry import()s it (once per URL; the browser
// caches the module) and hands each render to its mount(). The message protocol is
// lunarmap_ui/map/protocol.json.
//
// deck.gl (the data's "deckUrl", a classic script defining globalThis.deck) starts loading here, as
// soon as the first render's data names it, alongside the modules; converter.js loadDeck() takes over
// that load (globalThis.__lunarmapDeckLoad) instead of starting another.
//
// Timing: performance marks "lunarmap:<step>" (entry, module-loaded, deck-script-loaded here; mount,
// bundle-loaded, deck-created, first-render, loaded in main.js), the first time of each also kept in
// globalThis.__lunarmapTiming as {step: ms since the page's navigation started}.

function mark(name) {
  if (!globalThis.performance || !performance.mark) return;
  const entry = performance.mark("lunarmap:" + name);
  const timing = (globalThis.__lunarmapTiming = globalThis.__lunarmapTiming || {});
  if (!(name in timing)) timing[name] = entry ? entry.startTime : performance.now();
}

// Start loading deck.gl (once per page): an async classic script, so it never blocks the page.
function startDeck(url) {
  const ready = globalThis.deck && globalThis.deck.Deck;
  if (ready || typeof url !== "string" || globalThis.__lunarmapDeckLoad) return;
  const href = new URL(url, document.baseURI).href;
  const promise = new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = href;
    script.async = true;
    script.onload = () => {
      mark("deck-script-loaded");
      resolve(globalThis.deck);
    };
    script.onerror = () => {
      globalThis.__lunarmapDeckLoad = null; // a later render may try again
      reject(new Error("could not load deck.gl from " + url));
    };
    document.head.appendChild(script);
  });
  promise.catch(() => {}); // handled by loadDeck(); never an unhandled rejection here
  globalThis.__lunarmapDeckLoad = { href, promise };
}

export default function (component) {
  const { data, parentElement } = component;
  if (!data || typeof data.moduleUrl !== "string" || !data.spec) return undefined;
  mark("entry");
  startDeck(data.deckUrl);
  let cleanup;
  let unmounted = false;
  import(new URL(data.moduleUrl, document.baseURI).href)
    .then((main) => {
      mark("module-loaded");
      cleanup = main.mount(component);
      if (unmounted && cleanup) cleanup();
      // the 3D view (terrain3d.js, next to main.js) is laid over the 2D map when the data asks for it
      return import(new URL("terrain3d.js", new URL(data.moduleUrl, document.baseURI)).href).then((t) => t.sync(component));
    })
    .catch((error) => {
      const status = document.createElement("div");
      status.className = "lm-status";
      status.textContent = "map could not be loaded: " + (error && error.message ? error.message : String(error));
      if (!parentElement.querySelector(".lm-root")) parentElement.replaceChildren(status);
    });
  return () => {
    unmounted = true;
    if (cleanup) cleanup();
  };
}
