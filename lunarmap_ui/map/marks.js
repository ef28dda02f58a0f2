// Performance marks of the map's loading steps.

/**
 * A performance mark "lunarmap:<name>"; the first time of each is kept in globalThis.__lunarmapTiming
 * (ms since navigation start), next to the entry's marks (map_component.js), for tests and bench/bench_page.py.
 */
export function mark(name) {
  if (!globalThis.performance || !performance.mark) return;
  const entry = performance.mark("lunarmap:" + name);
  const timing = (globalThis.__lunarmapTiming = globalThis.__lunarmapTiming || {});
  if (!(name in timing)) timing[name] = entry ? entry.startTime : performance.now();
}
