// lunarmap map component (st.components.v2): the entry Streamlit runs for every render.
//
// The component itself is a set of small ES modules in lunarmap_ui/map/ (main.js wires them; one
// module per toolbar mode, pure geometry, pending shapes, DOM). They are loaded natively as ES modules,
// with no build step: Python publishes that folder into the app's Streamlit static folder under a
// content-hashed name and sends the URL of its main.js as the data's "moduleUrl" (a changed module gets
// a new URL, so a browser never runs a stale one). This entry import()s it (once per URL; the browser
// caches the module) and hands each render to its mount(). The message protocol is
// lunarmap_ui/map/protocol.json.

export default function (component) {
  const { data, parentElement } = component;
  if (!data || typeof data.moduleUrl !== "string" || !data.spec) return undefined;
  let cleanup;
  let unmounted = false;
  import(new URL(data.moduleUrl, document.baseURI).href)
    .then((main) => {
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
