"""Map rows sent by reference: the rows of layers that never change while the app runs, as static JSON files.

The graticule, its labels, the regions and the sites with their labels are the same on every run of the map
(the sites' rows change only with the selection): 100 kB of JSON (75 kB of it the graticule's paths) that the
component's data would otherwise carry, and Python serialise, on every layer toggle. :func:`by_reference` writes
each such layer's ``data`` once as ``<static>/rows-<layer id>-<sha12>.json`` (a content-hash name:
:func:`~lunarmap_ui.static_files.publish_bytes`) and puts its URL in the layer's ``dataUrl`` instead; the browser
fetches each URL once and keeps its rows for the page's life (``lunarmap_ui/map/rows.js``), so a rerun sends a
few hundred bytes per layer (protocol: ``spec.layers[].dataUrl`` in ``lunarmap_ui/map/protocol.json``).

The rows are written compactly in UTF-8; user text in them (site names) stays data: the browser hands the rows
to the layer as they are, never through deck.gl's JSON converter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .static_files import STATIC_DIR, STATIC_URL_PREFIX, publish_bytes

__all__ = ["ROW_LAYERS", "ROWS_KEEP", "by_reference", "published", "rows_text"]

log = logging.getLogger(__name__)

#: Layers whose rows go by reference (the others, e.g. zones and computed overlays, change with the session).
ROW_LAYERS = ("graticule", "graticule-labels", "regions", "region-labels", "sites", "site-labels", "compare-circles")
#: Versions of one layer's rows kept in the static folder: the sites' rows differ per selection, and a page
#: still showing an older selection must find its file.
ROWS_KEEP = 64


def rows_text(rows: Iterable[Any]) -> bytes:
    """The rows as compact UTF-8 JSON (keys sorted, so equal rows give equal bytes and the same file name)."""
    return json.dumps(list(rows), separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def by_reference(layers: Iterable[Mapping[str, Any]], static_dir: Path | None = None) -> list[dict[str, Any]]:
    """Copies of ``layers`` with the rows of :data:`ROW_LAYERS` published and named by ``dataUrl`` (others as they are)."""
    out = []
    for layer in layers:
        rows = layer.get("data")
        if layer.get("id") in ROW_LAYERS and isinstance(rows, list):
            url = publish_bytes(rows_text(rows), stem=f"rows-{layer['id']}", ext="json", static_dir=static_dir,
                                keep=ROWS_KEEP)
            out.append({**{k: v for k, v in layer.items() if k != "data"}, "dataUrl": url})
        else:
            out.append(dict(layer))
    return out


def published(layers: Iterable[Mapping[str, Any]], static_dir: Path | None = None) -> bool:
    """Whether every ``dataUrl`` of ``layers`` names a file still in the static folder (a cached answer may outlive one)."""
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    for layer in layers:
        url = layer.get("dataUrl")
        if isinstance(url, str) and not (folder / url.removeprefix(STATIC_URL_PREFIX)).is_file():
            log.info("map rows %s are no longer in %s; publishing them again", url, folder)
            return False
    return True
