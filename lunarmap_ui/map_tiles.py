"""The full-resolution products on the map: tile layers over the page's images, their legend line and notes.

Each product found (:func:`lunarmap_ui.tile_server.sources`: the LOLA 5 m and 20 m DEMs, the LROC mosaics, ...)
sharpens a layer the page already has: a DEM's elevation, hillshade and slope tiles are drawn just above the
elevation, hillshade and slope images and follow their toggles and opacity; a mosaic's tiles go above the WAC
image. Elevation tiles use the elevation legend's colours, so one legend reads both.

Tiles need the tile routes (``streamlit run app.py``); without them, or when a product cannot be reached, the
layer list says so and the default images stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lunarmap import layers as L
from lunarmap.tiles import TileSource

from . import tile_server
from .errors import error_words

__all__ = ["tile_specs", "with_tiles", "tiles_legend", "tiles_sources", "tiles_caption"]


def _found(data_dir: str | Path | None = None) -> tuple[tuple[TileSource, ...], tuple[Any, ...]]:
    return tile_server.sources(data_dir)


def tile_specs(settings: Mapping[str, L.LayerSetting], data_dir: str | Path | None = None) -> dict[str, list[dict]]:
    """The tile layers (component JSON) of the shown layers, by the page layer each one sharpens."""
    if not tile_server.mounted():
        return {}
    out: dict[str, list[dict]] = {}
    for s in _found(data_dir)[0]:
        setting = settings.get(s.layer)
        if setting is None or not setting.visible:
            continue
        out.setdefault(s.layer, []).append({
            "@@type": "TileLayer", "id": f"tiles-{s.style}-{s.product}", "opacity": setting.opacity, "visible": True,
            "lmTiles": {"url": tile_server.tile_url_template(s), "extent": [round(b, 3) for b in s.bounds_m],
                        "minZoom": s.min_zoom, "maxZoom": s.max_zoom}})
    return out


def with_tiles(raster_dicts: Sequence[dict], tiles: Mapping[str, list[dict]]) -> list[dict]:
    """The raster layers with each one's tiles right above it (tiles of a layer without an image go on top)."""
    out: list[dict] = []
    placed = set()
    for d in raster_dicts:
        out.append(d)
        name = str(d.get("id", "")).removeprefix("raster-")
        if name in tiles:
            out.extend(tiles[name])
            placed.add(name)
    for name in L.RASTER_ORDER:
        if name in tiles and name not in placed:
            out.extend(tiles[name])
    return out


def tiles_legend(settings: Mapping[str, L.LayerSetting], data_dir: str | Path | None = None) -> list[dict]:
    """A legend line naming the products drawn as tiles and their finest pixel size (none when nothing is)."""
    if not tile_server.mounted():
        return []
    shown = [s for s in _found(data_dir)[0] if settings.get(s.layer) is not None and settings[s.layer].visible]
    if not shown:
        return []
    parts = []
    for s in shown:
        px = 2.0 ** 14 / 2 ** s.max_zoom
        start = "" if s.min_zoom <= 1 else (f" (from {2.0 ** 14 / 2 ** s.min_zoom:g} m per pixel in: a file without "
                                            "overviews is never read whole for a coarse view)")
        parts.append(f"{s.style} from {s.title}: tiles down to {px:g} m per pixel{start}")
    return [{"title": "Full-resolution tiles", "units": "", "meaning": "sharper data where these products cover",
             "type": "classes", "classes": [], "note": "; ".join(parts) + ". Elevation tiles use the elevation "
             "colours above; slope and hillshade tiles are computed at each tile's own pixel size."}]


def tiles_sources(settings: Mapping[str, L.LayerSetting], data_dir: str | Path | None = None) -> list[dict]:
    """Title, source and metres per pixel of each tiled product shown (the PNG export's caption)."""
    if not tile_server.mounted():
        return []
    return [{"title": f"{s.title}, {s.style} tiles", "source": s.product, "resolution_m": s.resolution_m}
            for s in _found(data_dir)[0] if settings.get(s.layer) is not None and settings[s.layer].visible]


def tiles_caption(data_dir: str | Path | None = None) -> list[str]:
    """Plain-text lines for the layer list: products found but not drawn, and why."""
    found, problems = _found(data_dir)
    lines = [f"Full-resolution data not shown: {error_words(err)}" for err in problems]
    if found and not tile_server.mounted():
        names = sorted({s.title for s in found})
        lines.append(f"Found {', '.join(names)}: start the page with 'streamlit run app.py' to draw it as map tiles "
                     "(the readout and analyses use it already).")
    return lines
