// The lean deck.gl bundle's entry: exactly what the map component uses, put on globalThis.deck (the
// names pydeck's full bundle gives them, so lunarmap_ui/map/converter.js works with either).
// Built by scripts/build_deckgl.sh into deckgl.min.js (minified IIFE); the test
// tests/test_deckgl_bundle.py checks the committed build against a fresh one and that every name here is defined.
//
// converter.js registers every capitalised function on globalThis.deck as a JSON-converter class, so
// a layer type named in a pydeck spec ("@@type") must be exported here to be drawn.

import {
  AmbientLight,
  COORDINATE_SYSTEM,
  Deck,
  DirectionalLight,
  LightingEffect,
  LinearInterpolator,
  OrbitView,
  OrthographicView,
  VERSION,
} from "@deck.gl/core";
import { CollisionFilterExtension } from "@deck.gl/extensions";
import { JSONConfiguration, JSONConverter } from "@deck.gl/json";
import {
  BitmapLayer,
  GeoJsonLayer,
  IconLayer,
  LineLayer,
  PathLayer,
  PolygonLayer,
  ScatterplotLayer,
  SolidPolygonLayer,
  TextLayer,
} from "@deck.gl/layers";
import { TileLayer } from "@deck.gl/geo-layers";
import { SimpleMeshLayer } from "@deck.gl/mesh-layers";

// deck.gl's core has already put {VERSION, version, log, ...} on globalThis.deck: keep those, add ours.
globalThis.deck = Object.assign(globalThis.deck || {}, {
  VERSION,
  // core: the Deck, its views, transitions, coordinate systems
  Deck,
  OrthographicView,
  OrbitView,
  LinearInterpolator,
  COORDINATE_SYSTEM,
  // lighting (the 3D view: the Sun as a directional light)
  LightingEffect,
  AmbientLight,
  DirectionalLight,
  // the JSON converter (pydeck-style specs)
  JSONConverter,
  JSONConfiguration,
  // layers
  BitmapLayer,
  GeoJsonLayer,
  IconLayer,
  LineLayer,
  PathLayer,
  PolygonLayer,
  ScatterplotLayer,
  SolidPolygonLayer,
  TextLayer,
  SimpleMeshLayer,
  TileLayer,
  // extensions
  CollisionFilterExtension,
});
