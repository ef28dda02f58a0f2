"""Shared fixtures: a synthetic raster factory for unit tests, and the real data prepared once per session."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS
from rasterio.transform import from_origin

from lunarmap.crs import SOUTH_POLAR

from .range_server import server  # noqa: F401 (the local Range server fixture, for every test module)

TESTS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS_DIR.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "lunar-data"
#: The mirror named in the environment (CI sets it), taken out of the environment so that
#: no page or command under test fetches on its own; tests that want a mirror say so.
MIRROR_FROM_ENV = os.environ.pop("LUNARMAP_DATA_MIRROR", None)


@pytest.fixture(autouse=True)
def scenario_store_in_tmp(tmp_path, monkeypatch) -> Path:
    """Every test saves scenarios to its own file, never to the user's data folder."""
    path = tmp_path / "scenarios.gpkg"
    monkeypatch.setenv("LUNARMAP_SCENARIO_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def no_remote_products(monkeypatch) -> None:
    """No test reads a catalogue URL in place unless it says so (LUNARMAP_REMOTE=on and its own local server)."""
    monkeypatch.setenv("LUNARMAP_REMOTE", "off")
    for name in [k for k in os.environ if k.startswith("LUNARMAP_PRODUCT")]:
        monkeypatch.delenv(name)


def write_raster(
    folder: Path,
    array: np.ndarray,
    origin: tuple[float, float] = (-3000.0, 3000.0),
    pixel_m: float = 60.0,
    crs: object = SOUTH_POLAR,
    nodata: float | None = None,
    name: str = "r.tif",
) -> Path:
    """Write a small GeoTIFF from an array (2D, or bands first) into ``folder``; its path. See :func:`make_raster`."""
    arr = np.asarray(array)
    if arr.ndim == 2:
        arr = arr[None]
    path = folder / name
    profile = {
        "driver": "GTiff", "width": arr.shape[2], "height": arr.shape[1], "count": arr.shape[0],
        "dtype": arr.dtype, "transform": from_origin(origin[0], origin[1], pixel_m, pixel_m),
    }
    if crs is not None:
        profile["crs"] = rasterio.crs.CRS.from_wkt(CRS.from_user_input(crs).to_wkt())
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr)
    return path


@pytest.fixture
def make_raster(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write a small GeoTIFF from an array and return its path.

    ``make_raster(array, origin=(x0, y0), pixel_m=60.0, crs=SOUTH_POLAR, nodata=None, name="r.tif")``;
    ``crs=None`` writes a raster with no CRS.
    """
    return partial(write_raster, tmp_path)


@pytest.fixture(scope="session")
def crater_dem(tmp_path_factory) -> Callable[..., tuple[Path, tuple[float, float]]]:
    """Factory: the synthetic crater of ``tests/cases.py`` centred at (lon, lat); (path, centre's map x, y).

    ``crater_dem(lon0, lat0, half_m=9_000.0)``. Each crater is written once per session (in a folder of its
    own, as ``crater.tif``) and shared: tests only read it.
    """
    from .cases import write_crater_dem

    made: dict[tuple[float, float, float], tuple[Path, tuple[float, float]]] = {}

    def _crater(lon0: float, lat0: float, half_m: float = 9_000.0) -> tuple[Path, tuple[float, float]]:
        key = (lon0, lat0, half_m)
        if key not in made:
            folder = tmp_path_factory.mktemp("crater")
            made[key] = write_crater_dem(partial(write_raster, folder), lon0, lat0, half_m)
        return made[key]

    return _crater


@pytest.fixture(scope="session")
def prepared_data_dir() -> Path:
    """The real data, fetched (from LUNARMAP_DATA_MIRROR or ../shared/lunar-data) and prepared, once per session.

    Skips when neither a mirror nor fetched data is available, except under CI
    (env CI set), where that is a failure.
    """
    import os

    from lunarmap import paths
    from lunarmap.errors import LunarmapError
    from lunarmap.fetch import fetch_all
    from lunarmap.prepare import prepare

    mirror = MIRROR_FROM_ENV or (str(SHARED_DATA) if SHARED_DATA.is_dir() else None)
    root = paths.data_dir()
    root.mkdir(parents=True, exist_ok=True)
    # one process at a time fetches and prepares (pytest-xdist workers share the data folder); the others wait,
    # then find everything in place
    with open(root / ".tests-prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            fetch_all(data_dir=root, mirror=mirror)
        except LunarmapError as err:
            message = f"real lunar data unavailable (mirror {mirror!r}, data folder {root}): {err}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        prepare(root)
    return root


@pytest.fixture(scope="session")
def first_start(tmp_path_factory):
    """The page's first start on an empty data folder with the shared mirror (``apptest_page.FirstStart``), once.

    The tests that use it read its pages (and may run them again with ``LUNARMAP_DATA_DIR`` set to its
    ``data_dir``) but never change its data folder. Skips when the mirror is not beside the project.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip("the shared lunar-data mirror is not beside the project")
    from .apptest_page import start_on_empty_folder

    return start_on_empty_folder(tmp_path_factory.mktemp("first-start"), SHARED_DATA)


@pytest.fixture(scope="session")
def postgis_url() -> Iterator[str]:
    """A throwaway PostGIS database for the session (tests/postgis_cluster.py); skipped without PostgreSQL+PostGIS,
    except under CI (env CI set), where that is a failure."""
    from .postgis_cluster import PostgisCluster, postgis_bin_dir

    if postgis_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL with PostGIS is not installed (apt-get install postgresql postgis): "
                        "the team store tests need it")
        pytest.skip("PostgreSQL with PostGIS is not installed")
    cluster = PostgisCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def empty_postgis(postgis_url) -> str:
    """The session's PostGIS database with no lunarmap store in it (each test starts empty)."""
    import psycopg

    with psycopg.connect(postgis_url, autocommit=True) as con:
        con.execute("DROP SCHEMA IF EXISTS lunarmap CASCADE")
    return postgis_url
