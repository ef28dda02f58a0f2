"""Publish files for the browser as Streamlit static files with content-hash names.

Streamlit serves ``<app folder>/static/NAME`` at ``app/static/NAME`` when
``server.enableStaticServing`` is true (set in ``.streamlit/config.toml``).
A published name carries the first 12 hex digits of the file's SHA-256, so a
browser may cache it for ever and a changed file gets a new URL; the newest
:data:`KEEP_PER_STEM` versions of a file are kept, older ones deleted. Rasters are
never embedded as data URLs: the map spec carries only these URLs, and a
rerun re-sends no image bytes. A folder (the map component's ES modules, which import each other by
relative paths) is published whole with :func:`publish_tree`, named by the hash of all its files.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path

__all__ = ["STATIC_DIR", "STATIC_URL_PREFIX", "KEEP_PER_STEM", "publish", "publish_bytes", "publish_tree", "content_name",
           "tree_digest", "deckgl_bundle_path", "DECKGL_BUNDLE", "PREVIEW_MAX_PX", "publish_preview"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_URL_PREFIX = "app/static/"
_HASHED = re.compile(r"^[A-Za-z0-9_.]+-[0-9a-f]{12}\.[A-Za-z0-9]+$")
#: Versions of one published file kept (newest first); older ones are deleted when a new one is published.
KEEP_PER_STEM = 6


@lru_cache(maxsize=64)
def _sha12(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def content_name(path: str | Path, stem: str | None = None) -> str:
    """``<stem>-<sha12>.<ext>`` for a file; a name already of that form is kept as it is."""
    p = Path(path)
    if stem is None and _HASHED.match(p.name):
        return p.name
    st = p.stat()
    digest = _sha12(str(p), st.st_size, st.st_mtime_ns)
    return f"{stem or p.stem}-{digest}{p.suffix}"


def publish(path: str | Path, stem: str | None = None, static_dir: Path | None = None) -> str:
    """Copy ``path`` into the static folder under its content-hash name (once) and return its URL."""
    src = Path(path)
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    name = content_name(src, stem)
    dst = folder / name
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        _prune(folder, name)
    return STATIC_URL_PREFIX + name


def publish_bytes(data: bytes, stem: str, ext: str, static_dir: Path | None = None, keep: int | None = None) -> str:
    """Write ``data`` into the static folder as ``<stem>-<sha12>.<ext>`` (once) and return its URL.

    ``keep``: versions of ``stem`` kept (default :data:`KEEP_PER_STEM`; older ones are deleted when a new one is
    written). Used for map rows that never change while the app runs (:mod:`lunarmap_ui.map_rows`).
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", stem) or not re.fullmatch(r"[A-Za-z0-9]+", ext):
        raise ValueError(f"publish_bytes: stem {stem!r} must be letters, digits, '_', '-' or '.' and ext {ext!r} letters "
                         "and digits")
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
    dst = folder / name
    if not dst.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, dst)
        _prune(folder, name, keep)
    return STATIC_URL_PREFIX + name


#: Longest side of an image's preview: drawn first, while the full image is fetched and decoded.
PREVIEW_MAX_PX = 1024


def publish_preview(path: str | Path, max_px: int = PREVIEW_MAX_PX, static_dir: Path | None = None) -> str | None:
    """Publish a reduced copy of the image at ``path`` (at most ``max_px`` a side, box-averaged by a whole factor)
    as ``<stem>-preview-<sha12>.<ext>`` and return its URL; None for an image already that small.

    The map draws the preview at the opening view and fetches the full image only when the view is zoomed in
    beyond the preview's pixels (``lunarmap_ui/map/lod.js``). The preview made for a source file (by its content
    name) is noted in the static folder, so a restarted server does not decode and reduce the image again.
    """
    from io import BytesIO

    from PIL import Image

    src = Path(path)
    folder = Path(static_dir) if static_dir is not None else STATIC_DIR
    note = folder / f".{content_name(src)}.preview{int(max_px)}"
    try:
        made = note.read_text().strip()
    except OSError:
        made = None
    if made is not None and (made == "" or (folder / made).exists()):
        return STATIC_URL_PREFIX + made if made else None
    with Image.open(src) as img:
        factor = -(-max(img.size) // max_px)
        small = None
        if factor > 1:
            # a paletted PNG (the prepared images with few colours) is averaged in RGBA: a palette cannot be averaged
            small = (img if img.mode in ("RGB", "RGBA", "L", "LA") else img.convert("RGBA")).reduce(factor)
    url = None
    if small is not None:
        buf = BytesIO()
        if src.suffix.lower() in (".jpg", ".jpeg"):
            small.convert("RGB").save(buf, format="JPEG", quality=85)
        else:
            small.save(buf, format="PNG", compress_level=6)
        url = publish_bytes(buf.getvalue(), f"{src.stem.rsplit('-', 1)[0]}-preview", src.suffix.lstrip(".") or "png",
                            static_dir=folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{note.name}.{os.getpid()}.tmp"
    tmp.write_text(url.removeprefix(STATIC_URL_PREFIX) if url else "")
    os.replace(tmp, note)
    return url


def _prune(folder: Path, keep: str, per_stem: int | None = None) -> list[str]:
    """Delete all but the newest ``per_stem`` versions of ``keep``'s stem (never ``keep``); returns the names deleted."""
    per_stem = KEEP_PER_STEM if per_stem is None else per_stem
    stem, ext = keep.rsplit("-", 1)[0], Path(keep).suffix
    pattern = re.compile(rf"^{re.escape(stem)}-[0-9a-f]{{12}}{re.escape(ext)}$")
    versions = []
    for p in folder.iterdir():
        if pattern.match(p.name) and p.name != keep:
            try:
                versions.append((p.stat().st_mtime_ns, p))
            except FileNotFoundError:
                continue
    versions.sort(reverse=True)
    deleted = []
    for _, p in versions[max(per_stem - 1, 0):]:
        try:
            p.unlink()
            deleted.append(p.name)
        except FileNotFoundError:
            pass
    return deleted


def _tree_files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in suffixes)


def tree_digest(folder: str | Path, suffixes: tuple[str, ...] = (".js", ".json")) -> str:
    """First 12 hex digits of the SHA-256 over the relative paths and bytes of a folder's files with ``suffixes``."""
    root = Path(folder).resolve()
    files = _tree_files(root, suffixes)
    signature = tuple((p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _tree_sha12(str(root), signature)


@lru_cache(maxsize=16)
def _tree_sha12(root: str, signature: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for rel, _, _ in signature:
        h.update(rel.encode() + b"\0")
        h.update((Path(root) / rel).read_bytes() + b"\0")
    return h.hexdigest()[:12]


def publish_tree(folder: str | Path, stem: str, entry: str, static_dir: Path | None = None,
                 suffixes: tuple[str, ...] = (".js", ".json")) -> str:
    """Copy a folder's ``suffixes`` files into ``<static>/<stem>-<sha12>/`` (once); return the URL of ``entry`` in it.

    The name changes whenever any file does, so the browser never mixes old and new modules; the newest
    :data:`KEEP_PER_STEM` published versions of ``stem`` are kept, older ones deleted.
    """
    src = Path(folder)
    if not (src / entry).is_file():
        raise FileNotFoundError(f"publish_tree: {entry!r} is not a file in {src} (give the path of the entry module)")
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    name = f"{stem}-{tree_digest(src, suffixes)}"
    dst = static / name
    if not dst.is_dir():
        static.mkdir(parents=True, exist_ok=True)
        tmp = static / f".{name}.{os.getpid()}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        for p in _tree_files(src, suffixes):
            target = tmp / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
        try:
            os.replace(tmp, dst)
        except OSError:  # another process published the same version first
            shutil.rmtree(tmp, ignore_errors=True)
        _prune_trees(static, stem, name)
    return f"{STATIC_URL_PREFIX}{name}/{Path(entry).as_posix()}"


def _prune_trees(folder: Path, stem: str, keep: str) -> list[str]:
    """Delete all but the newest :data:`KEEP_PER_STEM` published folders of ``stem`` (never ``keep``)."""
    pattern = re.compile(rf"^{re.escape(stem)}-[0-9a-f]{{12}}$")
    versions = []
    for p in folder.iterdir():
        if pattern.match(p.name) and p.name != keep and p.is_dir():
            try:
                versions.append((p.stat().st_mtime_ns, p))
            except FileNotFoundError:
                continue
    versions.sort(reverse=True)
    deleted = []
    for _, p in versions[max(KEEP_PER_STEM - 1, 0):]:
        shutil.rmtree(p, ignore_errors=True)
        deleted.append(p.name)
    return deleted


#: The map's lean deck.gl bundle (only the classes the page uses), built by ``scripts/build_deckgl.sh``.
DECKGL_BUNDLE = Path(__file__).resolve().parent / "deckgl" / "deckgl.min.js"


def deckgl_bundle_path() -> Path:
    """The map's deck.gl bundle: :data:`DECKGL_BUNDLE`, a committed build of ``lunarmap_ui/deckgl/`` (no Node needed).

    deck.gl 9.3 (the version pydeck's own bundle has), only the classes the page uses, as one minified script that
    defines ``globalThis.deck``: about 0.84 MB instead of the 4.3 MB of pydeck's full bundle.
    """
    return DECKGL_BUNDLE
