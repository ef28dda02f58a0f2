// Messages to Python and the shapes waiting for its answer.
//
// Every message carries an increasing `seq`. A shape the browser sent (drawn, edited or deleted)
// stays as the browser shows it, and is "held", until the data's `ack` reaches its seq, or the
// next data's zones differ (Python took it or refused it), or HELD_MS after data that left the
// zones unchanged. Pure logic over the map's state object; timers are injectable for tests.

export const HELD_MS = 2500;

/** Send trigger `name` with the next seq; returns the message sent. */
export function send(st, name, value) {
  st.seq += 1;
  const message = { ...value, seq: st.seq };
  st.setTriggerValue(name, message);
  // published for tests and tools: the seq of the last trigger sent ("data-sent" on the root)
  if (st.dom && st.dom.root) st.dom.root.dataset.sent = String(st.seq);
  return message;
}

/** Hold what was just sent until the next data answers it. */
export function hold(st) {
  st.heldSince = st.dataCount;
  st.heldSeq = st.seq;
  clearTimeout(st.heldTimer);
}

/** Is anything drawn that Python has not answered yet (a sent shape, an edit, a deletion)? */
export function isHolding(st) {
  return Boolean(st.held || st.overrides.size || st.hiddenIds.size);
}

/** Show the data's zones again: drop the held shape, overrides (but the one being dragged) and hidden zones. */
export function releaseHeld(st) {
  clearTimeout(st.heldTimer);
  st.heldSince = null;
  st.held = null;
  const dragging = st.gesture && st.gesture.zone ? st.gesture.zone.id : null; // a zone being dragged
  for (const id of [...st.overrides.keys()]) if (id !== dragging) st.overrides.delete(id);
  st.hiddenIds.clear();
  st.zoneVersion += 1;
}

/**
 * New data arrived (st.dataCount already counts it): release what it answers.
 * Returns "released", "waiting" (released by a timer after HELD_MS, then `later()` runs) or "none".
 */
export function settle(st, { ack, zonesNew }, later = () => {}, schedule = setTimeout) {
  if (st.heldSince === null || st.dataCount <= st.heldSince) return "none";
  const acked = typeof ack === "number" && st.heldSeq !== null && ack >= st.heldSeq;
  if (zonesNew || acked) {
    releaseHeld(st);
    return "released";
  }
  clearTimeout(st.heldTimer);
  st.heldTimer = schedule(() => {
    releaseHeld(st);
    later();
  }, HELD_MS);
  return "waiting";
}
