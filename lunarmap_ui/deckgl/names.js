// The deck.gl names the lean bundle puts on globalThis.deck, each listed once: exactly what the map component
// uses, under the names pydeck's full bundle gives them (so lunarmap_ui/map/converter.js works with either).
// entry.js puts them on globalThis.deck; scripts/build_deckgl.sh builds both into deckgl.min.js (minified IIFE),
// bundling only the parts of deck.gl these names need. tests/test_deckgl_bundle.py checks the committed build
// against a fresh one and that every name the page uses is defined.
//
// converter.js registers every capitalised function on globalThis.deck as a JSON-converter class, so
// a layer type named in a pydeck spec ("@@type") must be exported here to be drawn.

// core: the Deck, its views, transitions, coordinate systems; lighting (the 3D view: the Sun as a directional light)
export {
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
// extensions
export { CollisionFilterExtension } from "@deck.gl/extensions";
// the JSON converter (pydeck-style specs)
export { JSONConfiguration, JSONConverter } from "@deck.gl/json";
// layers
export {
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
export { TileLayer } from "@deck.gl/geo-layers";
export { SimpleMeshLayer } from "@deck.gl/mesh-layers";
