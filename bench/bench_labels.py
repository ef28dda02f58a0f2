"""Benchmark: the map's label pass (``lunarmap_ui/map/labels.js``), which runs on every view change.

    python bench/bench_labels.py [--repeat 50]

The pass (screen boxes of every label, then the greedy priority pass) runs at most once per animation
frame, so it must fit well inside one (16.7 ms at 60 frames a second). Measured in Node, over the real
catalogue's site and region labels at the opening view (a 1,000 px wide canvas) and over synthetic layers of
500 and 2,000 labels at random places on that canvas (texts 8 to 40 characters, sizes 12 and 13 px, the
0.6-of-the-size character width as the measure; the browser measures on a canvas, cached per character).
Printed: the median and the slowest pass of ``--repeat``, and the labels shown. Budget: the median under
4 ms (a quarter of a frame) up to 500 labels; exit status 1 when over. Needs ``node`` (20.10 or newer).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap import layers as L  # noqa: E402
from lunarmap.sites import load_sites  # noqa: E402

BUDGET_MS = 4.0

_SCRIPT = r"""
import { labelCandidates, placeLabels } from "LABELS";
import { mapToPx } from "VIEW";
const input = JSON.parse(process.argv[1]);
const size = { width: 1000, height: 640 };
function layerOf(spec) {
  return { id: spec.id, props: { ...spec, getPosition: (r) => r.position, getText: (r) => r.text } };
}
function synthetic(n, seed) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const kinds = ["landed", "crash", "target", "planned"];
  const data = Array.from({ length: n }, (_, i) => ({ id: `s${i}`, kind: kinds[i % 4], selected: i % 50 === 0,
    text: "x".repeat(8 + Math.floor(rnd() * 33)), position: [(rnd() - 0.5) * 1000, (rnd() - 0.5) * 640] }));
  return [{ id: "site-labels", props: { id: "site-labels", data, getSize: 13, getTextAnchor: "start",
    getAlignmentBaseline: "center", getPixelOffset: [10, 0], background: true, backgroundPadding: [4, 2, 4, 2],
    getPosition: (r) => r.position, getText: (r) => r.text } }];
}
const cases = [["catalogue", input.layers.map(layerOf), input.view],
  ["500 labels", synthetic(500, 7), { target: [0, 0], zoom: 0 }],
  ["2000 labels", synthetic(2000, 11), { target: [0, 0], zoom: 0 }]];
const out = [];
for (const [name, layers, view] of cases) {
  const times = [];
  let shown = 0;
  let total = 0;
  for (let i = 0; i < input.repeat; i += 1) {
    const t0 = performance.now();
    const cands = labelCandidates(layers, (p) => mapToPx(view, size, p));
    const kept = placeLabels(cands, size);
    times.push(performance.now() - t0);
    shown = kept.length;
    total = cands.length;
  }
  times.sort((a, b) => a - b);
  out.push({ name, labels: total, shown, median_ms: times[Math.floor(times.length / 2)], max_ms: times[times.length - 1] });
}
console.log(JSON.stringify(out));
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        print("node is not on PATH: not measured")
        return 1
    sites = list(load_sites())
    view = L.view_for_sites(sites, 600)
    layers = [x for x in L.layer_dicts(L.site_layers(sites)) if x["id"] in ("site-labels", "region-labels")]
    for layer in layers:   # the JSON converter's accessors are made in the script; the region labels shown
        layer.pop("lmMinZoom", None)
    payload = json.dumps({"layers": layers, "view": {"target": [view.x_m, view.y_m], "zoom": view.zoom},
                          "repeat": args.repeat})
    modules = ROOT / "lunarmap_ui" / "map"
    script = (_SCRIPT.replace("LABELS", (modules / "labels.js").as_uri())
              .replace("VIEW", (modules / "view.js").as_uri()))
    run = subprocess.run([node, "--input-type=module", "-e", script, payload], capture_output=True, text=True,
                         timeout=600)
    if run.returncode != 0:
        print(run.stderr)
        return 1
    over = False
    for r in json.loads(run.stdout):
        within = r["labels"] > 500 or r["median_ms"] < BUDGET_MS
        over |= not within
        budget = f"budget {BUDGET_MS:g} ms" if r["labels"] <= 500 else "report only"
        print(f"{r['name']:>12}: {r['labels']:5d} labels, {r['shown']:4d} shown; pass median {r['median_ms']:.3f} ms, "
              f"slowest {r['max_ms']:.3f} ms ({budget})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
