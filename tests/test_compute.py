"""lunarmap.compute: the sunlit-% grid on a Dask LocalCluster of 2 workers equals the single-process result."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from lunarmap import compute
from lunarmap.crs import lonlat_to_polar
from lunarmap.errors import ComputeError
from lunarmap.visibility import region_visibility

from .test_visibility import CRATER, crater


@pytest.fixture
def local_cluster_closed_after():
    yield
    compute.close_local_cluster()


def _region():
    cx, cy = lonlat_to_polar(*CRATER)
    return box(cx - 16_000, cy - 16_000, cx + 16_000, cy + 16_000)      # about 1,000 points at 1 km


def test_two_dask_workers_give_the_single_process_result(monkeypatch, local_cluster_closed_after):
    monkeypatch.delenv(compute.DASK_SCHEDULER_ENV, raising=False)
    kwargs = dict(days=10, step_hours=12, spacing_km=1.0, sampler=crater, azimuth_step_deg=10.0)
    seen = []
    alone = region_visibility(_region(), "2025-01-01", workers=1, **kwargs)
    assert alone.n_points >= 1_000                                   # large enough to be sent to workers
    spread = region_visibility(_region(), "2025-01-01", workers=2,
                               progress=lambda done, total: seen.append((done, total)), **kwargs)
    client = compute._LOCAL[2]
    assert len(client.scheduler_info()["workers"]) == 2               # it really ran on a 2-worker cluster
    np.testing.assert_array_equal(spread.sunlit_fraction, alone.sunlit_fraction)
    np.testing.assert_array_equal(spread.earth_fraction, alone.earth_fraction)
    np.testing.assert_array_equal(spread.lon_deg, alone.lon_deg)
    assert seen[0] == (0, alone.n_points) and seen[-1] == (alone.n_points, alone.n_points)
    assert len(seen) > 2                                              # batch by batch, as they finish


def test_cancelling_from_progress_stops_the_work_and_the_cluster_stays_usable(monkeypatch, local_cluster_closed_after):
    monkeypatch.delenv(compute.DASK_SCHEDULER_ENV, raising=False)

    class Cancelled(Exception):
        pass

    def cancel_after_first_batch(done, total):
        if done > 0:
            raise Cancelled

    kwargs = dict(days=5, step_hours=24, spacing_km=1.0, sampler=crater, azimuth_step_deg=10.0, workers=2)
    with pytest.raises(Cancelled):
        region_visibility(_region(), "2025-01-01", progress=cancel_after_first_batch, **kwargs)
    again = region_visibility(_region(), "2025-01-01", **kwargs)       # the kept cluster still works
    assert again.n_points >= 1_000 and np.isfinite(again.sunlit_fraction).all()


def test_a_named_scheduler_that_cannot_be_reached_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(compute.DASK_SCHEDULER_ENV, "tcp://127.0.0.1:9")      # nothing listens on port 9
    with pytest.raises(ComputeError, match=r"cannot reach the Dask scheduler at 'tcp://127\.0\.0\.1:9' .*check "
                                           r"LUNARMAP_DASK_SCHEDULER, or unset it to compute on this machine\."):
        with compute.executor(2):
            pass


def test_local_cluster_workers_never_run_the_page_script(tmp_path, monkeypatch, local_cluster_closed_after):
    """Under Streamlit ``__main__`` is the page script; the cluster's spawned processes must not import it."""
    import os
    import sys
    import types

    monkeypatch.delenv(compute.DASK_SCHEDULER_ENV, raising=False)
    marks = tmp_path / "ran"
    marks.mkdir()
    script = tmp_path / "page.py"
    script.write_text(f"import os, pathlib\npathlib.Path({str(marks)!r}, str(os.getpid())).write_text(__name__)\n")
    page_main = types.ModuleType("__main__")
    page_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page_main)
    with compute.executor(2) as pool:
        pids = {pool.submit(os.getpid).result() for _ in range(8)}
    assert sys.modules["__main__"] is page_main                      # put back
    assert pids and os.getpid() not in pids                          # the work ran in worker processes
    assert sorted(p.name for p in marks.iterdir()) == []             # and none of them ran the page script


def test_the_dashboard_imported_by_a_worker_runs_no_page():
    """A process started later (outside plain_main) imports the page as __mp_main__: no Streamlit call runs."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = ("import runpy, streamlit as st\n"
            "called = []\n"
            "st.set_page_config = lambda *a, **k: called.append('set_page_config')\n"
            "runpy.run_path('dashboard.py', run_name='__mp_main__')\n"
            "print('CALLED', called)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "CALLED []" in out.stdout
    assert "ScriptRunContext" not in out.stderr
