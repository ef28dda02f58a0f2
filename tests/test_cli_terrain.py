"""lunarmap terrain: slope and hillshade of a DEM block by block from the command line (lunarmap/cli/terrain.py)."""

from __future__ import annotations

import numpy as np
import rasterio

from lunarmap.cli import main
from lunarmap.terrain import scale_factor_grid, slope_deg


def test_terrain__writes_the_slope_of_the_whole_dem_with_progress(make_raster, tmp_path, capsys):
    rows, cols = np.mgrid[0:90, 0:70]
    z = (300.0 * np.sin(rows / 9.0) + 5.0 * cols).astype("float32")
    dem = make_raster(z, origin=(10_000.0, -20_000.0), pixel_m=5.0)
    code = main(["terrain", str(dem), "--slope", str(tmp_path / "s.tif"), "--hillshade", str(tmp_path / "h.tif"),
                 "--block-px", "32"])
    out = capsys.readouterr().out
    assert code == 0
    assert "block 1 of 9 (11 %)" in out and "block 9 of 9 (100 %)" in out and "s left" in out
    assert "writing the COGs with overviews" in out and f"slope (deg): {tmp_path / 's.tif'}" in out
    with rasterio.open(tmp_path / "s.tif") as ds:
        got, transform = ds.read(1), ds.transform
    want = slope_deg(z.astype(np.float64), transform, scale_factor_grid(transform, z.shape))
    np.testing.assert_allclose(got, want, atol=1e-5, equal_nan=True)


def test_terrain__refusals_say_what_to_do(make_raster, tmp_path, capsys):
    dem = make_raster(np.zeros((10, 10), dtype="float32"))
    assert main(["terrain", str(dem)]) == 2
    assert "nothing to write: give --slope OUT.tif, --hillshade OUT.tif or both." in capsys.readouterr().err
    assert main(["terrain", str(tmp_path / "missing.tif"), "--slope", str(tmp_path / "s.tif")]) == 2
    err = capsys.readouterr().err
    assert "cannot read the DEM" in err and "missing.tif" in err and "Traceback" not in err
    assert not (tmp_path / "s.tif").exists()
