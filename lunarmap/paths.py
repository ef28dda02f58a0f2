"""Where lunarmap keeps its data: one place for its folders, prepared layer file names and environment variables.

* ``LUNARMAP_DATA_DIR``: the data folder (default ``data/rasters/`` in the project).
  Fetched source products go straight into it; prepared layers into ``prepared/``.
* ``LUNARMAP_DATA_MIRROR``: a folder or URL to fetch products from instead of
  their upstream URLs (e.g. ``../shared/lunar-data``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PROJECT_ROOT", "DEFAULT_DATA_DIR", "PREPARED", "data_dir", "prepared_dir", "data_mirror"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "rasters"
#: Prepared layers, relative to the prepared folder (``data_dir/prepared``).
PREPARED = {
    "elevation": "elevation_polar.tif",
    "hillshade": "hillshade_polar.tif",
    "slope": "slope_polar.tif",
    "slope_5m": "slope_shoemaker_5m.tif",
    "slope_1600m": "slope_south_polar_1600m.tif",
    "mosaic": "mosaic_polar.tif",
    "psr": "psr_60m.tif",
    "psr_outlines": "psr_outlines.gpkg",
    "psr_ids": "psr_outline_ids.tif",
    "psr_official": "psr_official.gpkg",
}


def data_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: ``path`` if given, else ``$LUNARMAP_DATA_DIR``, else ``data/rasters/``."""
    if path is not None:
        return Path(path)
    env = os.environ.get("LUNARMAP_DATA_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def prepared_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder of prepared layers inside the data folder."""
    return data_dir(path) / "prepared"


def data_mirror(mirror: str | None = None) -> str | None:
    """The mirror to fetch from: ``mirror`` if given, else ``$LUNARMAP_DATA_MIRROR``, else None."""
    if mirror:
        return mirror
    return os.environ.get("LUNARMAP_DATA_MIRROR") or None
