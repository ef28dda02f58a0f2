// The lean deck.gl bundle's entry: puts the names of names.js (each listed there once) on globalThis.deck.
// Built by scripts/build_deckgl.sh into deckgl.min.js (minified IIFE); the test tests/test_deckgl_bundle.py
// checks the committed build against a fresh one and that every name the page uses is defined.

import * as names from "./names.js";

// deck.gl's core has already put {VERSION, version, log, ...} on globalThis.deck: keep those, add ours.
globalThis.deck = Object.assign(globalThis.deck || {}, names);
