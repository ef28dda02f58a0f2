"""Where benchmarks write their figures: ``bench/results/<name>.json``, with the machine they were measured on."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    """Python, GDAL, cores and load average now: what a figure needs beside it to be compared with another."""
    import rasterio

    return {"python": platform.python_version(), "gdal": rasterio.__gdal_version__, "cores": os.cpu_count(),
            "load_avg": os.getloadavg()}


def write_result(name: str, result: dict[str, Any]) -> Path:
    """Write ``result`` plus :func:`machine` to ``bench/results/<name>.json``, print it, return the path."""
    full = {**result, "machine": machine()}
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{name}.json"
    out.write_text(json.dumps(full, indent=1) + "\n")
    print(json.dumps(full, indent=1))
    return out
