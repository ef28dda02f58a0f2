// Layer rows sent by reference: a layer spec with "dataUrl" (a content-hashed static JSON file written by
// lunarmap_ui/map_rows.py) instead of "data". Each URL is fetched once per page and its rows kept (the same
// array for every render, so deck.gl sees unchanged data and keeps its buffers); a rerun that changes a
// layer's props only (visible, opacity) re-sends a few hundred bytes. The rows are JSON data, handed to
// the layer as they are (never through deck.gl's JSON converter: they hold user text).

/** The rows at `url`: {rows, error, promise}, fetched once per page (kept in `store.rows`). */
export function rowsFor(store, url, fetchJson = defaultFetch) {
  store.rows = store.rows || new Map();
  let entry = store.rows.get(url);
  if (!entry) {
    entry = { rows: null, error: null, promise: null };
    entry.promise = fetchJson(url)
      .then((rows) => {
        if (!Array.isArray(rows)) throw new Error(`${url}: the rows are not a JSON array`);
        entry.rows = rows;
        return rows;
      })
      .catch((error) => {
        entry.error = error;
        store.rows.delete(url); // a later render tries again
        throw error;
      });
    store.rows.set(url, entry);
  }
  return entry;
}

function defaultFetch(url) {
  return fetch(new URL(url, document.baseURI).href).then((r) => {
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
  });
}

/** Whether a layer spec names its rows by reference. */
export function hasRowsUrl(spec) {
  return Boolean(spec) && typeof spec.dataUrl === "string";
}

/** Start fetching the rows of every spec with "dataUrl" (errors are reported when the layer is drawn). */
export function prefetchRows(store, layerSpecs, fetchJson = defaultFetch) {
  for (const spec of layerSpecs || []) if (hasRowsUrl(spec)) rowsFor(store, spec.dataUrl, fetchJson).promise.catch(() => {});
}

/**
 * The spec to convert: a spec with "dataUrl" whose rows are here gets them as "data" (and loses "dataUrl");
 * null while they are still loading. Any other spec is returned as it is.
 */
export function withRows(store, spec) {
  if (!hasRowsUrl(spec)) return spec;
  const entry = store.rows && store.rows.get(spec.dataUrl);
  if (!entry || !entry.rows) return null;
  const { dataUrl, ...props } = spec;
  return { ...props, data: entry.rows };
}
