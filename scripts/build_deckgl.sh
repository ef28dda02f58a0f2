#!/usr/bin/env bash
# Build the map component's lean deck.gl bundle, lunarmap_ui/deckgl/deckgl.min.js, from the committed
# package.json + package-lock.json (exact versions), entry.js and names.js: `npm ci` in a scratch folder, then
# esbuild (one minified IIFE that sets globalThis.deck). The output depends only on those four files
# and esbuild's version, so a rebuild from the same lock file gives the same bytes
# (tests/test_deckgl_bundle.py checks this).
#
# Usage: scripts/build_deckgl.sh [OUTPUT]   (default: lunarmap_ui/deckgl/deckgl.min.js)
# Needs node and npm, and the npm registry (or a filled npm cache).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/lunarmap_ui/deckgl"
out="${1:-$src/deckgl.min.js}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$src/package.json" "$src/package-lock.json" "$src/entry.js" "$src/names.js" "$work/"
# --ignore-scripts: no package's install script runs (esbuild's binary comes from its platform package).
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

version="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$work/node_modules/@deck.gl/core/package.json")"
(cd "$work" && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --platform=browser \
  --target=es2022 --charset=utf8 --legal-comments=eof --log-level=warning \
  --define:process.env.NODE_ENV='"production"' \
  --banner:js="/* deck.gl ${version} (MIT), only the parts lunarmap's map uses: lunarmap_ui/deckgl/names.js; built by scripts/build_deckgl.sh */" \
  --outfile=deckgl.min.js)

mkdir -p "$(dirname "$out")"
cp "$work/deckgl.min.js" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "wrote $out ($(wc -c <"$out") bytes)"
