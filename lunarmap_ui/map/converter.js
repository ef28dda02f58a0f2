// deck.gl itself and its JSON converter. deck.gl is a classic script (the lean bundle built from
// lunarmap_ui/deckgl/, published as a content-hashed static file) that defines globalThis.deck; it is
// loaded once per page, usually started early by the component's entry (map_component.js).
//
// The guarantee kept here: data rows hold user text (site, zone and overlap names) and never pass
// through the JSON converter, which would read a string starting "@@=" as an expression, "@@#" as a
// constant, "@@type" as a class. Only a layer's own props are converted; the rows are handed to the
// layer as they are.

function loadScript(href, url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = href;
    script.async = true;
    script.onload = () => resolve(globalThis.deck);
    script.onerror = () => reject(new Error("could not load deck.gl from " + url));
    document.head.appendChild(script);
  });
}

/**
 * deck.gl from `url` (a promise kept in `store.bundle`, so the page loads it once). A load the entry
 * already started for the same URL (globalThis.__lunarmapDeckLoad = {href, promise}) is taken over.
 */
export function loadDeck(url, store) {
  const existing = globalThis.deck;
  if (existing && existing.Deck && existing.JSONConverter) return Promise.resolve(existing);
  if (!store.bundle) {
    const href = new URL(url, document.baseURI).href;
    const early = globalThis.__lunarmapDeckLoad;
    const loading = early && early.href === href ? early.promise : loadScript(href, url);
    store.bundle = loading.then(
      (d) => {
        if (d && d.Deck && d.JSONConverter) return d;
        throw new Error("deck.gl bundle loaded without deck.Deck / deck.JSONConverter");
      },
      (error) => {
        store.bundle = null;
        throw error;
      },
    );
  }
  return store.bundle;
}

/** deck.gl's JSONConverter knowing every deck.gl class (names starting with a capital) and COORDINATE_SYSTEM. */
export function makeConverter(deck) {
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

/**
 * One layer of a pydeck-style spec: {layer, minZoom, visible}. Array rows bypass the converter;
 * a BitmapLayer gets `bitmap` (the decoded image, or its preview's) instead of its URL. "lmMinZoom" hides the layer
 * while the view is zoomed out beyond it.
 */
export function convertLayerSpec(converter, spec, bitmap = null) {
  const { lmMinZoom, lmPreview, data, ...props } = spec;
  const rows = Array.isArray(data) ? data : null;
  let layer = converter.convert({ layers: [rows ? { ...props, data: [] } : { ...props, data }] }).layers[0];
  if (rows) layer = layer.clone({ data: rows });
  if (props["@@type"] === "BitmapLayer" && typeof props.image === "string") layer = layer.clone({ image: bitmap });
  return { layer, minZoom: typeof lmMinZoom === "number" ? lmMinZoom : null, visible: props.visible !== false, shown: null };
}
