"""lunarmap prepare: build the prepared layers from the command line (lunarmap/cli/prepare.py)."""

from __future__ import annotations

import pytest

from lunarmap.cli import main


def test_cli_prepare__missing_sources_exit_2_saying_what_to_do(tmp_path, capsys) -> None:
    assert main(["prepare", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "lola_global_dem_0p35deg.tif is missing; fetch the data first" in err


@pytest.mark.realdata
def test_cli_prepare__up_to_date_layers_say_nothing_to_do(prepared_data_dir, capsys) -> None:
    out_dir = prepared_data_dir / "prepared"
    before = {p: p.stat().st_mtime_ns for p in out_dir.rglob("*") if p.is_file()}
    assert main(["prepare", "--data-dir", str(prepared_data_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"preparing layers in {out_dir}\n") and "nothing to do: all layers up to date" in out
    assert "up to date" in out.splitlines()[1]
    assert {p: p.stat().st_mtime_ns for p in out_dir.rglob("*") if p.is_file()} == before
