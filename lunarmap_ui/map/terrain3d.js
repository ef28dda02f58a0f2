// The 3D terrain view: when the data's "terrain3d" is set, a second deck.gl Deck (OrbitView, cartesian metres
// relative to the square's centre) is laid over the 2D map and draws the mesh, lit by the Sun, with the PSR
// outlines, zones and regions painted into its texture (and drawn as lines over it when the view is still) and
// the sites on it. The 2D Deck underneath is never
// touched, so switching back (terrain3d null) shows the 2D map exactly as it was. Called by the component's entry
// (map_component.js) after main.mount() for every render; the mesh's frame is described in
// lunarmap/terrain_mesh.py. What a frame costs, and the coarse mesh drawn while the view moves: terrain3d_detail.js.
//
// deck.gl exports used (globalThis.deck): Deck, OrbitView, SimpleMeshLayer, PathLayer, ScatterplotLayer,
// TextLayer, LightingEffect, DirectionalLight, AmbientLight, COORDINATE_SYSTEM.

import { coarseMesh, detailSwitch, drapeSize, gridIndices, gridTexCoords, MOVING_PIXEL_RATIO, paintDrape } from "./terrain3d_detail.js";

/** RGB bytes (base64) as floats 0..1, three per vertex. */
export function decodeColors(b64, count) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  if (bytes.length !== count * 3) throw new Error(`terrain3d: ${bytes.length} colour bytes for ${count} vertices`);
  const out = new Float32Array(count * 3);
  for (let i = 0; i < out.length; i += 1) out[i] = bytes[i] / 255;
  return out;
}

/**
 * Vertices either side for the normals' central differences: half the coarsest DEM resolution (at least one,
 * at most 8). A bilinear surface oversampled from a coarse DEM has slopes that jump at the DEM's pixel edges;
 * differences over the DEM's own resolution light it smoothly, as the data can tell (lunarmap/profile.py's
 * slopes use the same baseline).
 */
export function normalStep(t) {
  const res = Array.isArray(t.resolutionM) && t.resolutionM.length ? Math.max(...t.resolutionM) : 0;
  const k = Math.round((0.5 * res) / t.spacingM);
  return Number.isFinite(k) ? Math.min(Math.max(k, 1), 8) : 1;
}

/** The regular grid as mesh attributes: rows go north from the south-west corner, columns east. */
export function gridMesh(t) {
  const n = t.n;
  const s = t.spacingM;
  const half = (s * (n - 1)) / 2;
  if (!Number.isInteger(n) || n < 3 || t.z.length !== n * n) throw new Error(`terrain3d: ${t.z.length} heights for n = ${n}`);
  const positions = new Float32Array(n * n * 3);
  const normals = new Float32Array(n * n * 3);
  const z = (i, j) => t.z[i * n + j];
  const step = normalStep(t);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const k = (i * n + j) * 3;
      positions[k] = -half + j * s;
      positions[k + 1] = -half + i * s;
      positions[k + 2] = z(i, j);
      // central differences over `step` vertices either side, shorter at the edges
      const j0 = Math.max(j - step, 0);
      const j1 = Math.min(j + step, n - 1);
      const i0 = Math.max(i - step, 0);
      const i1 = Math.min(i + step, n - 1);
      const dx = (z(i, j1) - z(i, j0)) / ((j1 - j0) * s);
      const dy = (z(i1, j) - z(i0, j)) / ((i1 - i0) * s);
      const len = Math.hypot(dx, dy, 1);
      normals[k] = -dx / len;
      normals[k + 1] = -dy / len;
      normals[k + 2] = 1 / len;
    }
  }
  // counter-clockwise seen from above; texture coordinates put the drape's top row on the north edge
  return { positions, normals, colors: decodeColors(t.colors, n * n), texCoords: gridTexCoords(n), indices: gridIndices(n) };
}

/** The light's direction (the way the light travels: from the Sun), or a high light when no Sun is given. */
export function lightDirection(sun) {
  const v = Array.isArray(sun) && sun.length === 3 ? sun : [0, 0, 1];
  return [-v[0], -v[1], -v[2]];
}

/** The orbit view's start: looking at the centre from the south, tilted, the whole square in view. */
export function orbitStart(t, size) {
  const z = t.z.slice().sort((a, b) => a - b);
  const mid = z[Math.floor(z.length / 2)] || 0;
  const px = Math.max(Math.min(size.width, size.height), 100);
  return { target: [0, 0, mid], zoom: Math.log2((0.9 * px) / t.widthM), rotationX: 35, rotationOrbit: 0, minZoom: -20, maxZoom: 10 };
}

/** A key that changes when the mesh (not just the overlays) changes. */
export function meshKey(t) {
  return [t.n, t.spacingM, t.center.join(","), t.exaggeration, t.z.length, t.z[0], t.z[t.z.length >> 1], t.colors.length].join("|");
}

/** A key that changes when the mesh or the overlays painted on it (or the sites) change. */
export function drapeKey(t) {
  return meshKey(t) + "|" + JSON.stringify([t.paths, t.points]);
}

const MESH_DATA = [{ position: [0, 0, 0] }];
const MATERIAL = { ambient: 0.12, diffuse: 0.9, shininess: 8, specularColor: [30, 30, 30] };

function meshProp(m) {
  return { attributes: { positions: { value: m.positions, size: 3 }, normals: { value: m.normals, size: 3 },
    colors: { value: m.colors, size: 3 }, texCoords: { value: m.texCoords, size: 2 } }, indices: { value: m.indices, size: 1 } };
}

function newCanvas(size) {
  const c = document.createElement("canvas");
  c.width = size;
  c.height = size;
  return c;
}

/** Built once per mesh and overlays: the full and the coarse mesh, the drape texture, and the layers on them. */
function layersFor(deck, t, drapePx) {
  const cartesian = { coordinateSystem: deck.COORDINATE_SYSTEM.CARTESIAN };
  const full = gridMesh(t);
  const coarse = coarseMesh(full, t.n);
  const drape = paintDrape(t, full, drapeSize(drapePx, globalThis.devicePixelRatio || 1), newCanvas);
  const rows = (kind) => t.paths.filter((p) => p.kind === kind);
  const path = (id, data, width) => new deck.PathLayer({ id, data, ...cartesian, getPath: (d) => d.path, getColor: (d) => d.color,
    getWidth: width, widthUnits: "pixels", widthMinPixels: 1, parameters: { depthCompare: "less-equal" } });
  const mesh = (id, m) => new deck.SimpleMeshLayer({ id, data: MESH_DATA, ...cartesian, mesh: meshProp(m), texture: drape,
    getPosition: (d) => d.position, getColor: [255, 255, 255], sizeScale: 1, material: MATERIAL });
  return {
    full: mesh("terrain3d-mesh", full),
    coarse: mesh("terrain3d-mesh-coarse", coarse),
    triangles: [full.indices.length / 3, coarse.indices.length / 3],
    drapeSize: drape.width,
    lines: [path("terrain3d-psr", rows("psr"), 1.5), path("terrain3d-regions", rows("region"), 2),
      path("terrain3d-zones", rows("zone"), 2.5)],
    rest: [
      new deck.ScatterplotLayer({ id: "terrain3d-sites", data: t.points, ...cartesian, getPosition: (d) => d.position,
        getFillColor: (d) => d.color, getLineColor: [0, 0, 0], stroked: true, lineWidthMinPixels: 1, radiusUnits: "pixels", getRadius: 4 }),
      new deck.TextLayer({ id: "terrain3d-site-labels", data: t.points, ...cartesian, getPosition: (d) => d.position,
        getText: (d) => String(d.name || ""), getSize: 12, getColor: [255, 255, 255], getPixelOffset: [0, -12],
        outlineWidth: 2, outlineColor: [0, 0, 0], fontSettings: { sdf: true }, billboard: true }),
    ],
  };
}

/**
 * The Deck's layers and pixel ratio, moving (the coarse mesh, fewer pixels, the outlines only as painted in the
 * texture) or settled (the full mesh, and the outlines also drawn as lines over it: unlit, so bright in shadow).
 */
function detailProps(set, moving) {
  return {
    layers: [set.full.clone({ visible: !moving }), set.coarse.clone({ visible: moving }),
      ...set.lines.map((l) => l.clone({ visible: !moving })), ...set.rest],
    useDevicePixels: moving ? MOVING_PIXEL_RATIO : true,
  };
}

function effectFor(deck, t) {
  return new deck.LightingEffect({
    ambient: new deck.AmbientLight({ color: [255, 255, 255], intensity: 0.3 }),
    sun: new deck.DirectionalLight({ color: [255, 250, 240], intensity: 2.2, direction: lightDirection(t.sun) }),
  });
}

function open(st, deck) {
  const div = document.createElement("div");
  div.className = "lm-terrain3d";
  div.style.cssText = "position:absolute;inset:0;z-index:2;background:#05070d;";
  const note = document.createElement("div");
  note.className = "lm-terrain3d-note";
  note.style.cssText = "position:absolute;left:8px;bottom:8px;z-index:3;max-width:70%;padding:4px 8px;font:12px sans-serif;"
    + "color:#e8e8e8;background:rgba(0,0,0,0.6);border-radius:4px;pointer-events:none;white-space:pre-line;";
  st.dom.deckDiv.after(div);
  div.appendChild(note);
  const root = st.dom.root;
  const t3 = { div, note, deck: null, key: null, frames: 0, opened: performance.now() };
  t3.deck = new deck.Deck({
    parent: div, width: "100%", height: "100%", views: new deck.OrbitView({ id: "terrain3d", orbitAxis: "Z", fovy: 40 }),
    controller: true, initialViewState: { target: [0, 0, 0], zoom: 0, rotationX: 35, rotationOrbit: 0 }, layers: [],
    useDevicePixels: true,
    onViewStateChange: ({ viewState }) => {
      root.dataset.terrainOrbit = viewState.rotationOrbit.toFixed(2); // for tests: the orbit's angle (deg)
      root.dataset.terrainTilt = viewState.rotationX.toFixed(2);
      if (t3.set) t3.detail.move();
    },
    onAfterRender: () => {
      t3.frames += 1;
      root.dataset.terrainFrames = String(t3.frames);
      if (t3.key && !root.dataset.terrainFirstFrameMs) {
        root.dataset.terrainFirstFrameMs = String(Math.round(performance.now() - t3.opened));
        if (performance.mark) performance.mark("lunarmap:terrain3d-first-frame");
      }
      if (t3.key && root.dataset.terrainDetail === "full" && !root.dataset.terrainFullFrameMs) {
        root.dataset.terrainFullFrameMs = String(Math.round(performance.now() - t3.opened));
        if (performance.mark) performance.mark("lunarmap:terrain3d-full-frame");
      }
    },
    onError: (error) => {
      note.textContent = "3D view error: " + (error && error.message ? error.message : String(error));
    },
  });
  // the coarse mesh while the view moves, the full one SETTLE_MS after (terrain3d_detail.js)
  t3.detail = detailSwitch((moving) => {
    if (!t3.set) return;
    root.dataset.terrainDetail = moving ? "moving" : "full";
    if (moving) root.dataset.terrainMoves = String(parseInt(root.dataset.terrainMoves || "0", 10) + 1); // for tests
    t3.deck.setProps(detailProps(t3.set, moving));
  });
  div.lmDeck = t3.deck; // for the benchmark (bench/bench_terrain3d.py drives the orbit)
  div.lmMove = () => t3.detail.move(); // the same for a view set from outside (the benchmark's scripted orbit)
  // The 2D map's scale bar, drawing tools and zoom buttons would act on the hidden 2D map: hidden, and its keys
  // (+ - 0, tool keys) held back, so the 2D view comes back exactly as it was.
  t3.hidden = [st.dom.scale, st.dom.tools, root.querySelector(".lm-nav")].filter(Boolean);
  for (const e of t3.hidden) e.style.visibility = "hidden";
  t3.keyGuard = (ev) => {
    if (ev.key !== "Tab") ev.stopImmediatePropagation();
  };
  root.addEventListener("keydown", t3.keyGuard, true);
  root.dataset.terrain3d = "on";
  return t3;
}

function close(st) {
  const t3 = st.terrain3d;
  if (!t3) return;
  st.terrain3d = null;
  t3.detail.stop();
  t3.deck.finalize();
  t3.div.remove();
  for (const e of t3.hidden) e.style.visibility = "";
  st.dom.root.removeEventListener("keydown", t3.keyGuard, true);
  st.dom.root.dataset.terrain3d = "off";
  delete st.dom.root.dataset.terrainFirstFrameMs;
  delete st.dom.root.dataset.terrainFullFrameMs;
}

function show(st, deck, t) {
  const t3 = st.terrain3d || (st.terrain3d = open(st, deck));
  const key = meshKey(t);
  const fresh = key !== t3.key;
  const rect = t3.div.getBoundingClientRect();
  const props = {};
  const drawn = drapeKey(t);
  if (drawn !== t3.drawn) { // new mesh or overlays: build once; a rerun with the same data keeps every layer as it is
    t3.set = layersFor(deck, t, Math.max(rect.width, rect.height));
    t3.drawn = drawn;
    Object.assign(props, detailProps(t3.set, t3.detail.moving));
    const root = st.dom.root;
    root.dataset.terrainTriangles = String(t3.set.triangles[0]);
    root.dataset.terrainTrianglesMoving = String(t3.set.triangles[1]);
    root.dataset.terrainDrapePx = String(t3.set.drapeSize);
    root.dataset.terrainDetail = t3.detail.moving ? "moving" : "full";
  }
  const sunKey = JSON.stringify(t.sun);
  if (sunKey !== t3.sunKey) {
    props.effects = [effectFor(deck, t)];
    t3.sunKey = sunKey;
  }
  if (fresh && (!t3.key || t3.centerKey !== t.center.join(",") + "|" + t.widthM)) {
    props.initialViewState = orbitStart(t, { width: rect.width, height: rect.height });
    t3.centerKey = t.center.join(",") + "|" + t.widthM;
  }
  t3.key = key;
  t3.note.textContent = [t.note, t.sunText, "Drag to orbit, Shift-drag to pan, wheel to zoom."].filter(Boolean).join("\n");
  if (Object.keys(props).length) t3.deck.setProps(props);
}

/** Show, update or remove the 3D view for one render of the component (after main.mount()). */
export function sync(component) {
  const { data, parentElement } = component;
  const store = globalThis.__lunarmap;
  const st = store && store.states ? store.states.get(parentElement) : null;
  if (!st || !data) return Promise.resolve();
  return Promise.resolve(st.creating).then(() => {
    if (!st.deck || !st.deckgl || !st.dom.root.isConnected) return;
    try {
      if (data.terrain3d && typeof data.terrain3d === "object") show(st, st.deckgl, data.terrain3d);
      else close(st);
    } catch (error) {
      close(st);
      st.dom.status.hidden = false;
      st.dom.status.textContent = "3D view could not be drawn: " + (error && error.message ? error.message : String(error));
    }
  });
}
