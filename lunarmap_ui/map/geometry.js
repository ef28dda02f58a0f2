// Pure geometry of the map: the south polar stereographic projection on the Moon sphere
// (IAU_2015:30135), great-circle distances and geodesic circles, and the text forms of
// latitudes, longitudes and lengths. No DOM, no deck.gl: tested under `node --test`.
//
// Projection: rho = 2 R tan(pi/4 + lat/2), x = rho sin(lon), y = rho cos(lon).

export const MOON_RADIUS_M = 1737400;

/** Latitude (degrees) of the circle at ``rho`` metres from the pole. */
export function latOfRadiusDeg(rho) {
  return (2 * Math.atan(rho / (2 * MOON_RADIUS_M)) * 180) / Math.PI - 90;
}

/** Longitude (degrees) of a polar point (x, y). */
export function lonOfPoint(x, y) {
  return (Math.atan2(x, y) * 180) / Math.PI;
}

/** The stereographic scale factor at a latitude (2 at the equator, 1 at the pole). */
export function scaleFactor(latDeg) {
  return 2 / (1 + Math.sin((Math.abs(latDeg) * Math.PI) / 180));
}

/** [lon, lat] in radians of a polar point [x, y] (metres). */
export function toLonLatRad(p) {
  const rho = Math.hypot(p[0], p[1]);
  return [Math.atan2(p[0], p[1]), 2 * Math.atan(rho / (2 * MOON_RADIUS_M)) - Math.PI / 2];
}

/** The polar point [x, y] (metres) of lon, lat in radians. */
export function toPolar(lon, lat) {
  const rho = 2 * MOON_RADIUS_M * Math.tan(Math.PI / 4 + lat / 2);
  return [rho * Math.sin(lon), rho * Math.cos(lon)];
}

/** [lon, lat] in degrees of a polar point (lon 0 at the pole itself). */
export function polarToLonLatDeg(p) {
  const rho = Math.hypot(p[0], p[1]);
  return [rho > 0 ? lonOfPoint(p[0], p[1]) : 0, latOfRadiusDeg(rho)];
}

/** The polar point [x, y] (metres) of lon, lat in degrees. */
export function lonLatDegToPolar(lonDeg, latDeg) {
  return toPolar((lonDeg * Math.PI) / 180, (latDeg * Math.PI) / 180);
}

/** Great-circle distance in metres between two polar points (haversine on R = 1737400 m). */
export function greatCircleM(a, b) {
  const [lon1, lat1] = toLonLatRad(a);
  const [lon2, lat2] = toLonLatRad(b);
  const s1 = Math.sin((lat2 - lat1) / 2);
  const s2 = Math.sin((lon2 - lon1) / 2);
  const h = s1 * s1 + Math.cos(lat1) * Math.cos(lat2) * s2 * s2;
  return 2 * MOON_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The geodesic circle of radius rM around a polar point, as a projected ring of n points
 * (the spherical destination formula at n azimuths clockwise from north, starting at 0).
 */
export function geodesicRing(center, rM, n = 128) {
  const [lon1, lat1] = toLonLatRad(center);
  const d = rM / MOON_RADIUS_M;
  const atPole = Math.cos(lat1) < 1e-12;
  const ring = [];
  for (let i = 0; i < n; i += 1) {
    const az = (2 * Math.PI * i) / n;
    const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(az));
    const lon2 = atPole
      ? az
      : lon1 + Math.atan2(Math.sin(az) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
    ring.push(toPolar(lon2, lat2));
  }
  return ring;
}

/** True for [x, y, ...] with finite x and y. */
export function isPoint(p) {
  return Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** Distance between two screen points in pixels. */
export function pxDist(a, b) {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Index i of the edge (vertices[i], vertices[i+1], closing) of an open ring nearest to m (-1 for none). */
export function nearestEdgeIndex(vertices, m) {
  let best = -1;
  let bestD = Infinity;
  for (let i = 0; i < vertices.length; i += 1) {
    const a = vertices[i];
    const b = vertices[(i + 1) % vertices.length];
    const d = [b[0] - a[0], b[1] - a[1]];
    const len2 = d[0] * d[0] + d[1] * d[1];
    const t = len2 > 0 ? Math.max(0, Math.min(1, ((m[0] - a[0]) * d[0] + (m[1] - a[1]) * d[1]) / len2)) : 0;
    const dist = Math.hypot(m[0] - (a[0] + t * d[0]), m[1] - (a[1] + t * d[1]));
    if (dist < bestD) {
      bestD = dist;
      best = i;
    }
  }
  return best;
}

export function fmtLat(lat) {
  return Math.abs(lat).toFixed(4) + "° " + (lat < 0 ? "S" : "N");
}

export function fmtLon(lon) {
  return Math.abs(lon).toFixed(4) + "° " + (lon < 0 ? "W" : "E");
}

export function fmtKm(m) {
  const km = m / 1000;
  return km >= 100 ? km.toFixed(1) : km.toFixed(2);
}

/** The largest 1, 2 or 5 times a power of ten not above m. */
export function niceLength(m) {
  const p = Math.pow(10, Math.floor(Math.log10(m)));
  for (const f of [5, 2, 1]) if (f * p <= m) return f * p;
  return p;
}
