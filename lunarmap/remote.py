"""Full-resolution products by reference: where each one is, and reading it in place over HTTP range requests.

The catalogue's remote products (``access = "remote"`` in ``data/sources.toml``: the LOLA 5 m and 20 m polar
DEMs, the LROC mosaics, ...) are several GB each. Where one is, first match wins (:func:`locate`):

1. ``LUNARMAP_PRODUCT_<NAME>=PATH_OR_URL`` (NAME upper-cased, ``-`` -> ``_``, e.g.
   ``LUNARMAP_PRODUCT_LOLA_5M_87S``): a local file or an http(s) URL;
2. the products file: ``products.toml`` in the data folder (or the file named by ``LUNARMAP_PRODUCTS_FILE``),
   a ``[products]`` table of ``name = "PATH_OR_URL"`` (a relative path is taken from the file's folder);
3. a downloaded copy in the data folder (``python -m lunarmap fetch --only NAME``, at the product's ``file``);
4. the catalogue URL, read in place through GDAL ``/vsicurl/`` (range requests, no full download), when
   ``LUNARMAP_REMOTE=on``. It is off by default: lunarmap must work offline (most machines that run it here have
   no route to NASA's servers) and should not answer every readout with a note that a server is unreachable;
   a user with the internet turns it on once. 1-3 need no switch.

Before a URL is read, :func:`check_remote` asks the server for one byte (``Range: bytes=0-0``): that learns
the size (and ETag/Last-Modified) and proves the server honours Range. The first answer is recorded in
``.lunarmap-remote-state.json`` in the data folder; a later size that differs is reported (the file changed
upstream). Every failure is a :class:`RemoteProductError` naming the product, the URL and what to do; the
answer (good or bad) is remembered in the process for :data:`RECHECK_S` seconds.

>>> env_name("lola-5m-87s")
'LUNARMAP_PRODUCT_LOLA_5M_87S'
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from . import paths as _paths
from .catalog import Catalog, Product, load_catalog
from .errors import RemoteProductError

__all__ = [
    "STATE_FILE", "CONFIG_FILE", "GDAL_OPTIONS", "RECHECK_S", "Location", "env_name", "locate",
    "check_remote", "gdal_env", "remote_enabled", "forget_checks", "is_remote_path",
]

logger = logging.getLogger(__name__)

STATE_FILE = ".lunarmap-remote-state.json"
CONFIG_FILE = "products.toml"
#: Seconds a server's answer (size, or the failure) is trusted before it is asked again.
RECHECK_S = 600.0
#: Seconds to wait for a server's first answer.
TIMEOUT_S = 10.0
#: GDAL settings for reading in place: no directory listing on open, only raster extensions fetched, bounded
#: waits (connect, whole request, stalled transfer) and a couple of retries, and 256 MB of downloaded blocks kept
#: in memory across opens (GDAL's /vsicurl/ cache: a repeated read asks the server nothing).
GDAL_OPTIONS: dict[str, Any] = {
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif,.TIF,.tiff,.TIFF",
    "GDAL_HTTP_CONNECTTIMEOUT": "5",
    "GDAL_HTTP_TIMEOUT": "30",
    "GDAL_HTTP_LOW_SPEED_TIME": "10",
    "GDAL_HTTP_LOW_SPEED_LIMIT": "1",
    "GDAL_HTTP_MAX_RETRY": "2",
    "GDAL_HTTP_RETRY_DELAY": "0.5",
    "CPL_VSIL_CURL_CACHE_SIZE": str(256 << 20),
    "GDAL_HTTP_USERAGENT": f"lunarmap/{__version__}",
}
_VSICURL = "/vsicurl/"
_checks: dict[str, tuple[float, int | RemoteProductError]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Location:
    """Where a product is: ``source`` (a local path or a URL), ``how`` it was chosen, and whether it is a URL."""

    product: Product
    source: str
    how: str
    remote: bool

    @property
    def gdal_path(self) -> str:
        """What GDAL/rasterio opens: ``/vsicurl/URL`` for a URL, the path for a file."""
        return _VSICURL + self.source if self.remote else self.source

    @property
    def advice(self) -> str:
        """What a user can do when this location fails."""
        name = self.product.name
        return (f"set {env_name(name)} to a local copy or another URL (or list it in {CONFIG_FILE} in the data "
                f"folder), or download it whole with 'python -m lunarmap fetch --only {name}'")


def env_name(name: str) -> str:
    """The environment variable that points lunarmap at a copy of product ``name``."""
    return "LUNARMAP_PRODUCT_" + name.upper().replace("-", "_")


def is_remote_path(path: object) -> bool:
    """True for a GDAL virtual path (``/vsicurl/...``) rather than a file on disk."""
    return isinstance(path, str) and path.startswith("/vsi")


def remote_enabled() -> bool:
    """True when ``LUNARMAP_REMOTE`` is on/1/yes/true: catalogue URLs are read in place (off by default)."""
    return os.environ.get("LUNARMAP_REMOTE", "off").strip().lower() in ("on", "1", "yes", "true")


def _configured(product: Product, root: Path) -> tuple[str, str, Path] | None:
    """(value, where it was set, folder relative paths start from) from the environment or the products file."""
    var = env_name(product.name)
    if os.environ.get(var, "").strip():
        return os.environ[var].strip(), var, Path.cwd()
    config = Path(os.environ.get("LUNARMAP_PRODUCTS_FILE") or root / CONFIG_FILE)
    if not config.is_file():
        return None
    try:
        table = tomllib.loads(config.read_text(encoding="utf-8")).get("products", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RemoteProductError(f"the products file {config} cannot be read ({err}); fix it (a [products] table "
                                 f"of name = \"PATH_OR_URL\") or remove it.") from err
    value = table.get(product.name) if isinstance(table, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RemoteProductError(f"{product.name} in {config} must be a path or an http(s) URL in quotes "
                                 f"(got {value!r}).")
    return value.strip(), str(config), config.parent


def locate(product: Product, data_dir: str | os.PathLike[str] | None = None) -> Location | None:
    """Where ``product`` is (see the module docstring for the order); None when it is nowhere to be read."""
    root = _paths.data_dir(data_dir)
    configured = _configured(product, root)
    if configured is not None:
        value, how, base = configured
        if re.match(r"^https?://", value):
            return Location(product, value, how, remote=True)
        path = (base / Path(value).expanduser()) if not Path(value).expanduser().is_absolute() else Path(value)
        if not path.is_file():
            raise RemoteProductError(f"{product.name}: {how} points at {path}, which is not a file; point it at "
                                     "the product's GeoTIFF or an http(s) URL, or unset it.")
        return Location(product, str(path), how, remote=False)
    local = product.path_in(root)
    if local.is_file():
        return Location(product, str(local), "downloaded copy", remote=False)
    if product.urls and remote_enabled():
        return Location(product, product.urls[0], "catalogue URL", remote=True)
    return None


def forget_checks() -> None:
    """Forget the servers' answers remembered in this process (the next use asks again)."""
    with _lock:
        _checks.clear()


def check_remote(location: Location, data_dir: str | os.PathLike[str] | None = None,
                 timeout_s: float | None = None) -> int:
    """The size in bytes of a remote product, after checking the server answers Range requests and the size
    is the one recorded; raises :class:`RemoteProductError` (naming product, URL and fix) otherwise. ``timeout_s``
    (default :data:`TIMEOUT_S`) bounds the wait for the server's answer."""
    url = location.source
    with _lock:
        known = _checks.get(url)
    if known is not None and time.monotonic() - known[0] < RECHECK_S:
        if isinstance(known[1], RemoteProductError):
            raise known[1]
        return known[1]
    try:
        size, headers = _probe(location, TIMEOUT_S if timeout_s is None else timeout_s)
        _record(location, size, headers, _paths.data_dir(data_dir))
    except RemoteProductError as err:
        with _lock:
            _checks[url] = (time.monotonic(), err)
        raise
    with _lock:
        _checks[url] = (time.monotonic(), size)
    return size


def _fail(location: Location, what: str) -> RemoteProductError:
    return RemoteProductError(f"{location.product.name} ({location.how}: {location.source}) {what}; "
                              f"{location.advice}. Using the default data meanwhile.")


def _probe(location: Location, timeout_s: float) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(location.source, headers={"Range": "bytes=0-0",
                                                               "User-Agent": f"lunarmap/{__version__}"})
    try:
        resp = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as err:
        what = "was not found there (HTTP 404)" if err.code == 404 else f"answered HTTP {err.code} {err.reason}"
        raise _fail(location, what) from err
    except (TimeoutError, urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise _fail(location, f"cannot be reached ({reason})") from err
    with resp:
        headers = {k: v for k, v in resp.headers.items() if k.lower() in ("etag", "last-modified")}
        match = re.match(r"^bytes 0-0/(\d+)$", resp.headers.get("Content-Range", "").strip())
        if resp.status != 206 or match is None:
            # Do not read the body: a server ignoring Range would send the whole file.
            raise _fail(location, "is served without HTTP range requests (the server sent the whole file instead "
                                  "of one byte), so it cannot be read in place")
        resp.read(1)
    return int(match.group(1)), headers


def _record(location: Location, size: int, headers: dict[str, str], root: Path) -> None:
    """Compare with, or make, the record of the product's size (and ETag/Last-Modified) in the state file."""
    state_path = root / STATE_FILE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        entries = state.get("remote", {}) if isinstance(state, dict) else {}
    except (OSError, ValueError):
        entries = {}
    entry = entries.get(location.source)
    if isinstance(entry, dict) and entry.get("bytes") not in (None, size):
        raise _fail(location, f"has changed upstream: the server now gives {size:,} bytes where {entry['bytes']:,} "
                              f"were recorded on {entry.get('first_seen', 'first use')} in {state_path}; "
                              "if the new version is wanted, delete its entry (or the file) so it is recorded again")
    if isinstance(entry, dict):
        return
    entries[location.source] = {"product": location.product.name, "bytes": size,
                                "first_seen": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                **{k.lower(): v for k, v in headers.items()}}
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = state_path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"remote": entries}, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, state_path)
    except OSError as err:  # only a record: reading goes on
        logger.warning("cannot record the size of %s in %s (%s)", location.product.name, state_path, err)


def gdal_env() -> Any:
    """A ``rasterio.Env`` with :data:`GDAL_OPTIONS`, for opening and reading ``/vsicurl/`` paths."""
    import rasterio

    return rasterio.Env(**GDAL_OPTIONS)


def remote_products(role: str, catalog: Catalog | None = None) -> list[Product]:
    """The catalogue's remote products of ``role`` (e.g. ``"elevation-full"``), finest first."""
    cat = catalog if catalog is not None else load_catalog()
    found = [p for p in cat if p.remote and p.role == role]
    return sorted(found, key=lambda p: p.resolution_m if p.resolution_m is not None else float("inf"))


def read_failed(location: Location, err: BaseException) -> RemoteProductError:
    """The error for a product that failed mid-read (e.g. the connection dropped); remembered like a failed check."""
    failure = _fail(location, f"could not be read ({err})")
    if location.remote:
        with _lock:
            _checks[location.source] = (time.monotonic(), failure)
    logger.warning("%s", failure)
    return failure
