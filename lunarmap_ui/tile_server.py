"""The map's tile routes: full-resolution products as 256 px PNG tiles at ``lunarmap/tiles/<key>/<z>/<x>/<y>.png``.

Streamlit serves its script and static files; tiles rendered on demand need a route of their own. ``app.py``
mounts :func:`routes` on Streamlit's own server (``st.App(..., routes=...)``, Starlette), so tiles come from the
same origin and port as the page (and through the same proxy: ``deploy/nginx/lunarmap.conf``).
``streamlit run app.py`` runs the dashboard with them; ``streamlit run dashboard.py`` runs it without, and the
page then shows the default images only, saying why.

A tile is rendered by :func:`lunarmap.tiles.tile_png` (disk cache in the data folder) in a worker thread, so the
event loop that carries every session's websocket never waits on GDAL. Answers:

* 200 ``image/png``, cached by the browser for a year: a key names the product's file, size and recipe;
* 204 for a tile with no data (outside the product, or all no-data);
* 404 for a key this server does not know (an old page after the product changed: reload the page);
* 400 for a level, column or row outside the tile matrix set;
* 502 when the product cannot be read (the server that holds it dropped the connection, answered 404, ...):
  the text says which product and what to do.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from lunarmap import paths as _paths
from lunarmap.errors import LunarmapError, TileError
from lunarmap.tiles import TileSource, tile_png, tile_sources

from .errors import error_words, log_error

__all__ = ["URL_PREFIX", "routes", "mounted", "sources", "tile_url_template", "forget_sources"]

logger = logging.getLogger(__name__)

#: Tile URLs, relative to the page (as the static files' ``app/static/``).
URL_PREFIX = "lunarmap/tiles/"
#: Seconds the list of tile sources is trusted before it is looked up again (a product pointed at meanwhile).
SOURCES_TTL_S = 300.0
_mounted = False
_lock = threading.Lock()
_cache: dict[str, tuple[float, tuple[TileSource, ...], tuple[LunarmapError, ...]]] = {}


def mounted() -> bool:
    """True when this process serves the tile routes (started by ``streamlit run app.py``)."""
    return _mounted


def forget_sources() -> None:
    """Look the tile sources up again on next use."""
    with _lock:
        _cache.clear()


def sources(data_dir: str | Path | None = None, *, refresh: bool = False
            ) -> tuple[tuple[TileSource, ...], tuple[LunarmapError, ...]]:
    """The tile sources of the data folder and the problems met finding them (cached :data:`SOURCES_TTL_S` s)."""
    key = str(_paths.data_dir(data_dir))
    with _lock:
        hit = _cache.get(key)
    if hit is not None and not refresh and time.monotonic() - hit[0] < SOURCES_TTL_S:
        return hit[1], hit[2]
    found, problems = tile_sources(key)
    with _lock:
        _cache[key] = (time.monotonic(), tuple(found), tuple(problems))
    return tuple(found), tuple(problems)


def tile_url_template(source: TileSource) -> str:
    """The source's tile URL with ``{z}``, ``{x}``, ``{y}`` to fill in (TMS level, column, row from the top)."""
    return f"{URL_PREFIX}{source.key}/{{z}}/{{x}}/{{y}}.png"


#: An unknown key looks the sources up again (a product pointed at since), at most this often: a stream of
#: made-up keys cannot make the server reopen every product on every request.
REFRESH_MIN_S = 10.0
_last_refresh = [0.0]


def _find(key: str) -> TileSource | None:
    found = {s.key: s for s in sources()[0]}
    if key not in found and time.monotonic() - _last_refresh[0] >= REFRESH_MIN_S:
        _last_refresh[0] = time.monotonic()
        found = {s.key: s for s in sources(refresh=True)[0]}
    return found.get(key)


async def _tile(request: Any) -> Any:
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    p = request.path_params
    key = p["key"]
    try:
        z, x, y = int(p["z"]), int(p["x"]), int(p["y"])
    except ValueError:
        return PlainTextResponse("tile level, column and row must be whole numbers", status_code=400)
    try:
        source = await run_in_threadpool(_find, key)
        if source is None:
            return PlainTextResponse(f"no tile source {key!r} here: the product changed or is not configured on this "
                                     "server; reload the page.", status_code=404)
        png = await run_in_threadpool(tile_png, source, z, x, y)
    except LunarmapError as err:    # a tile outside the TMS: 400; a product that cannot be read: 502
        if not isinstance(err, TileError):
            log_error(err, f"tile {key}/{z}/{x}/{y}")
        return PlainTextResponse(error_words(err), status_code=400 if isinstance(err, TileError) else 502)
    if png is None:
        return Response(status_code=204)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=31536000, immutable"})


def routes() -> list[Any]:
    """The Starlette routes of the tiles (for ``st.App(..., routes=routes())``); marks this process as serving them."""
    global _mounted
    from starlette.routing import Route

    _mounted = True
    return [Route("/" + URL_PREFIX + "{key}/{z}/{x}/{y}.png", _tile, methods=["GET"])]
