// The view: screen pixels <-> map metres for deck.gl's OrthographicView (y up, 1 map metre =
// 2^zoom CSS pixels), the view's bounds, and the scale bar true at the latitude in view.
// Pure functions of a view {target, zoom} and the canvas size {width, height}.

import { latOfRadiusDeg, niceLength, scaleFactor } from "./geometry.js";

/** deck.gl view state of a protocol view {target, zoom, minZoom?, maxZoom?}. */
export function viewStateFrom(v) {
  return {
    target: [v.target[0], v.target[1], 0],
    zoom: v.zoom,
    minZoom: v.minZoom !== undefined ? v.minZoom : -14,
    maxZoom: v.maxZoom !== undefined ? v.maxZoom : 3,
  };
}

/** Map metres of a canvas pixel [px, py]. */
export function pxToMap(view, size, px) {
  const s = Math.pow(2, view.zoom);
  return [view.target[0] + (px[0] - size.width / 2) / s, view.target[1] - (px[1] - size.height / 2) / s];
}

/** Canvas pixel of a map point [x, y] (metres). */
export function mapToPx(view, size, p) {
  const s = Math.pow(2, view.zoom);
  return [size.width / 2 + (p[0] - view.target[0]) * s, size.height / 2 - (p[1] - view.target[1]) * s];
}

/** The view's bounds in map metres, with its zoom (the protocol's "region" message). */
export function viewBounds(view, size) {
  const s = Math.pow(2, view.zoom);
  const hw = size.width / 2 / s;
  const hh = size.height / 2 / s;
  return { x0: view.target[0] - hw, y0: view.target[1] - hh, x1: view.target[0] + hw, y1: view.target[1] + hh, zoom: view.zoom };
}

/** A scale bar of about ``aboutPx`` pixels, true at the latitude of the view's centre. */
export function scaleBar(view, aboutPx = 120) {
  const [x, y] = view.target;
  const lat = latOfRadiusDeg(Math.hypot(x, y));
  const k = scaleFactor(lat);
  const trueMPerPx = 1 / (Math.pow(2, view.zoom) * k);
  const lengthM = niceLength(aboutPx * trueMPerPx);
  const widthPx = lengthM / trueMPerPx;
  const label = lengthM >= 1000 ? `${lengthM / 1000} km` : `${lengthM} m`;
  return { lat, k, lengthM, widthPx, text: `${label} (true at ${Math.abs(lat).toFixed(1)}° S, k = ${k.toFixed(3)})` };
}
