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
