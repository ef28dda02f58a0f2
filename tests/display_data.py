"""Synthetic prepared display layers (``prepared/display.json`` + PNGs) in the format of lunarmap.prepare.

Solid colours, so a test knows what the map must show: the elevation square
is ELEVATION_RGB, the PSR square around the pole PSR_RGB.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

from PIL import Image

ELEVATION_RGB = (40, 90, 200)
HILLSHADE_RGB = (128, 128, 128)
PSR_RGB = (255, 0, 255)
SLOPE_RGB = (250, 140, 20)
EDGE_M = 1_622_500.0
PSR_EDGE_M = 151_740.0
_SITES = Path(__file__).resolve().parent.parent / "data" / "sites.geojson"
INJECTION_NAME = "<img src=x onerror=alert(1)>"


def _png(rgb: tuple[int, int, int], alpha: int = 255, size: int = 64) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (size, size), rgb + (alpha,)).save(buf, format="PNG")
    return buf.getvalue()


def write_display_data(root: Path) -> Path:
    """Write prepared/display.json and its PNGs under ``root`` (a data folder); return ``root``."""
    out = root / "prepared" / "display"
    out.mkdir(parents=True, exist_ok=True)
    specs = [
        ("elevation", ELEVATION_RGB, EDGE_M, "Elevation (test)", "m",
         {"type": "ramp", "stops": [[-5000.0, "#000000"], [5000.0, "#ffffff"]]}, 10660.6),
        ("hillshade", HILLSHADE_RGB, EDGE_M, "Hillshade (test)", "", {"type": "ramp", "stops": [[0, "#000000"], [1, "#ffffff"]]}, 10660.6),
        ("slope", SLOPE_RGB, EDGE_M, "Slope (test)", "deg", {"type": "ramp", "stops": [[0, "#ffffe0"], [30, "#800026"]]}, 10660.6),
        ("psr", PSR_RGB, PSR_EDGE_M, "PSR (test)", "", {"type": "classes", "classes": [{"label": "PSR", "color": "#ff00ff"}]}, 60.0),
    ]
    entries = []
    for name, rgb, edge, title, units, legend, res in specs:
        blob = _png(rgb)
        file = f"{name}-{hashlib.sha256(blob).hexdigest()[:12]}.png"
        (out / file).write_bytes(blob)
        entries.append({"name": name, "file": file, "bounds_m": [-edge, -edge, edge, edge], "title": title,
                        "units": units, "legend": legend, "source": f"synthetic test image ({name})",
                        "resolution_m": res, "licence": "test", "note": f"synthetic {name}"})
    (root / "prepared" / "display.json").write_text(json.dumps({"layers": entries}, indent=1))
    return root


def write_sites_with_injection(path: Path) -> Path:
    """The real site catalogue plus one site whose name is an HTML-injection attempt (at 75 S, 90 E)."""
    doc = json.loads(_SITES.read_text(encoding="utf-8"))
    doc["features"].append({
        "type": "Feature",
        "properties": {"id": "injection-test", "name": INJECTION_NAME, "kind": "target", "agency": "<b>TEST</b>",
                       "date": None, "source": "<script>window.__pwned = 1</script>", "uncertainty_m": None},
        "geometry": {"type": "Point", "coordinates": [90.0, -75.0]},
    })
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def copy_gazetteer(root: Path, shared: Path) -> None:
    """Copy the IAU gazetteer CSV from the shared mirror into a data folder, if the mirror has it."""
    src = shared / "iau_moon_nomenclature_2015.csv"
    if src.exists():
        shutil.copy(src, root / src.name)


