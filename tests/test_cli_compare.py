"""lunarmap compare: the comparison table and its exports from the command line (lunarmap/cli/compare.py)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from lunarmap.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err



def test_cli_compare__unknown_id_is_status_2_naming_it(capsys):
    code, _, err = run(capsys, "compare", "chang-e-4", "nowhere")
    assert code == 2
    assert "unknown site id 'nowhere'; known ids: chang-e-4, " in err



@pytest.mark.parametrize("radius", ["-5", "0", "501", "nan"])
def test_cli_compare__bad_radius_is_status_2(capsys, radius):
    code, _, err = run(capsys, "compare", "chang-e-4", "--radius-km", radius)
    assert code == 2
    assert "radius_km must be greater than 0 and at most 500 km" in err and "give the search radius" in err



def test_cli_compare__output_folder_must_exist(capsys, tmp_path):
    target = tmp_path / "missing" / "out.csv"
    code, _, err = run(capsys, "compare", "chang-e-4", "--format", "csv", "-o", str(target))
    assert code == 2
    assert f"the folder '{target.parent}' does not exist; create it first (mkdir -p {target.parent})" in err



def test_cli_compare__gpkg_needs_an_output_file(capsys):
    code, _, err = run(capsys, "compare", "chang-e-4", "--format", "gpkg")
    assert code == 2
    assert "--format gpkg writes a binary GeoPackage file: give the output file with -o FILE.gpkg." in err



@pytest.mark.realdata
def test_cli_compare__csv_to_stdout_and_gpkg_to_file(capsys, tmp_path, prepared_data_dir):
    code, out, _ = run(capsys, "compare", "chang-e-4", "ilrs", "--radius-km", "20", "--format", "csv",
                       "--data-dir", str(prepared_data_dir))
    assert code == 0
    frame = pd.read_csv(io.StringIO(out), comment="#")
    assert list(frame["id"]) == ["chang-e-4", "ilrs"] and list(frame["side"]) == ["far side", "limb"]
    code, out, _ = run(capsys, "compare", "chandrayaan-3", "--format", "table", "--data-dir", str(prepared_data_dir))
    assert code == 0 and "chandrayaan-3" in out and "near side" in out
    target = tmp_path / "c.gpkg"
    code, _, err = run(capsys, "compare", "im-2", "--format", "gpkg", "-o", str(target), "--data-dir", str(prepared_data_dir))
    assert code == 0 and target.stat().st_size > 0 and "wrote" in err

