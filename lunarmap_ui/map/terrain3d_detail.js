// The 3D view's cost per frame, kept small enough for software WebGL (headless Chromium's SwiftShader, and any
// machine without a GPU): the drape texture and the coarse mesh drawn while the view moves. Used by terrain3d.js.
//
// Measured in headless Chromium on the 100 km square at Shackleton (bench/bench_terrain3d.py): a frame's cost is
// almost all vertex work. The PSR outlines as a PathLayer (11,000 vertices) alone held the orbit to about 2 fps
// and the 129 x 129 mesh (32,768 triangles) alone to about 3 fps; with no layers the Deck draws 30+ fps.
// So: (1) the PSR outlines, regions and zones are painted into the mesh's texture once (a 2D canvas, a few
// milliseconds), so they are on the surface at no cost per frame; drawn as lines too (unlit: bright in shadow,
// where the painted ones are dark) only once the view is still. (2) While the view
// moves (drag, wheel, keys), the mesh drawn is a coarse one, every k-th vertex of the full grid within
// INTERACTIVE_TRIANGLES, on a canvas of MOVING_PIXEL_RATIO of the device pixels; SETTLE_MS after the last move
// the full mesh at full resolution is drawn again. Both meshes and the texture are built once per mesh
// (not per frame), and their layers keep the same data, so switching uploads nothing.

/** Triangles drawn while the view moves (33 x 33 vertices from a 129 x 129 grid: 2,048 triangles). */
export const INTERACTIVE_TRIANGLES = 2048;
/** Share of the device pixels the canvas has while the view moves (0.5: a quarter of the pixels). */
export const MOVING_PIXEL_RATIO = 0.5;
/** Milliseconds without a view change after which the full mesh is drawn again. */
export const SETTLE_MS = 250;
/** Side of the drape texture, texels: the smallest power of two at least the canvas's larger side, within these. */
export const DRAPE_MIN_PX = 512;
export const DRAPE_MAX_PX = 2048;

/** The drape texture's side for a canvas of `px` CSS pixels (its larger side) at the device pixel ratio `dpr`. */
export function drapeSize(px, dpr = 1) {
  const want = Math.max(1, Math.ceil(px * (Number.isFinite(dpr) && dpr > 0 ? dpr : 1)));
  let size = DRAPE_MIN_PX;
  while (size < want && size < DRAPE_MAX_PX) size *= 2;
  return size;
}

/**
 * Texture coordinates of the grid's vertices (two per vertex): u runs east 0..1 over the columns, v runs 1..0
 * northwards over the rows, so the texture's top row is the square's north edge (as a map is drawn).
 */
export function gridTexCoords(n) {
  const out = new Float32Array(n * n * 2);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      out[(i * n + j) * 2] = j / (n - 1);
      out[(i * n + j) * 2 + 1] = 1 - i / (n - 1);
    }
  }
  return out;
}

/** Mesh-frame metres (x east, y north, relative to the centre) to drape texels, [column, row] from the top left. */
export function toTexel(t, size, x, y) {
  const half = t.widthM / 2;
  return [((x + half) / t.widthM) * size, ((half - y) / t.widthM) * size];
}

/** The grid's rows (or columns) the coarse mesh keeps: every k-th, and always the last, so it spans the square. */
export function coarseRows(n, k) {
  const rows = [];
  for (let i = 0; i < n; i += k) rows.push(i);
  if (rows[rows.length - 1] !== n - 1) rows.push(n - 1);
  return rows;
}

/** The smallest step k whose coarse grid of an n x n mesh has at most `budget` triangles (2 (m - 1)^2). */
export function coarseStep(n, budget = INTERACTIVE_TRIANGLES) {
  let k = 1;
  while (2 * (coarseRows(n, k).length - 1) ** 2 > budget && k < n - 1) k += 1;
  return k;
}

/** Triangle indices of an m x m grid, counter-clockwise seen from above (as terrain3d.gridMesh). */
export function gridIndices(m) {
  const indices = new Uint32Array((m - 1) * (m - 1) * 6);
  let q = 0;
  for (let i = 0; i < m - 1; i += 1) {
    for (let j = 0; j < m - 1; j += 1) {
      const v0 = i * m + j;
      const v2 = v0 + m;
      indices.set([v0, v0 + 1, v2 + 1, v0, v2 + 1, v2], q);
      q += 6;
    }
  }
  return indices;
}

/**
 * The coarse mesh: the full mesh's vertices (positions, normals, colours, texture coordinates) on every k-th row
 * and column (and the last), so it is the same surface, lit the same, sampled more sparsely.
 */
export function coarseMesh(mesh, n, budget = INTERACTIVE_TRIANGLES) {
  const rows = coarseRows(n, coarseStep(n, budget));
  const m = rows.length;
  const pick = (src, size) => {
    const out = new Float32Array(m * m * size);
    for (let a = 0; a < m; a += 1) {
      for (let b = 0; b < m; b += 1) {
        const from = (rows[a] * n + rows[b]) * size;
        for (let c = 0; c < size; c += 1) out[(a * m + b) * size + c] = src[from + c];
      }
    }
    return out;
  };
  return { positions: pick(mesh.positions, 3), normals: pick(mesh.normals, 3), colors: pick(mesh.colors, 3),
    texCoords: pick(mesh.texCoords, 2), indices: gridIndices(m), n: m };
}

/** Line widths (texels of a 1,024-texel drape; scaled with the texture) of the painted outlines, by kind. */
export const DRAPE_LINE_WIDTH = { psr: 2.5, region: 3, zone: 3.5 };

function rgba(c) {
  const a = c.length > 3 ? c[3] / 255 : 1;
  return `rgba(${c[0]},${c[1]},${c[2]},${a})`;
}

/**
 * The drape: the elevation colours (the n x n vertex colours, smoothed between vertices as the mesh would) with the
 * PSR outlines, regions and zones painted on, on a `size` x `size` canvas (`makeCanvas(size)` gives it).
 */
export function paintDrape(t, mesh, size, makeCanvas) {
  const n = t.n;
  const canvas = makeCanvas(size);
  const ctx = canvas.getContext("2d");
  const small = makeCanvas(n);
  const sctx = small.getContext("2d");
  const img = sctx.createImageData(n, n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const from = (i * n + j) * 3;
      const to = ((n - 1 - i) * n + j) * 4; // the image's top row is the grid's north row
      for (let c = 0; c < 3; c += 1) img.data[to + c] = Math.round(mesh.colors[from + c] * 255);
      img.data[to + 3] = 255;
    }
  }
  sctx.putImageData(img, 0, 0);
  // pixel centre j + 0.5 of the small image lands on vertex j's texel j / (n - 1) * size
  const cell = size / (n - 1);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, -cell / 2, -cell / 2, cell * n, cell * n);
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  for (const kind of ["psr", "region", "zone"]) {
    ctx.lineWidth = Math.max(DRAPE_LINE_WIDTH[kind] * (size / 1024), 1);
    for (const p of t.paths) {
      if (p.kind !== kind || !Array.isArray(p.path) || p.path.length < 2) continue;
      ctx.strokeStyle = rgba(p.color);
      ctx.beginPath();
      p.path.forEach((v, k) => {
        const [u, w] = toTexel(t, size, v[0], v[1]);
        if (k === 0) ctx.moveTo(u, w);
        else ctx.lineTo(u, w);
      });
      ctx.stroke();
    }
  }
  return canvas;
}

/**
 * Switches a 3D Deck between its moving and its settled state. `apply(moving)` sets the Deck's props for either;
 * `move()` is called for every view change; the settled state comes back SETTLE_MS after the last one (so also
 * when a drag holds still). `stop()` cancels the pending switch. `timers` (for tests) replaces
 * setTimeout/clearTimeout.
 */
export function detailSwitch(apply, timers = globalThis) {
  let moving = false;
  let timer = null;
  const settle = () => {
    timer = null;
    if (!moving) return;
    moving = false;
    apply(false);
  };
  return {
    move() {
      if (timer !== null) timers.clearTimeout(timer);
      timer = timers.setTimeout(settle, SETTLE_MS);
      if (!moving) {
        moving = true;
        apply(true);
      }
    },
    get moving() {
      return moving;
    },
    stop() {
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
  };
}
