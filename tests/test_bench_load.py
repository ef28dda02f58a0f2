"""The pure helpers of the load benchmark (bench/bench_load.py): percentiles, the isolation check, VmRSS."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import PROJECT_ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", PROJECT_ROOT / "bench" / "bench_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module            # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


bench = _bench()


@pytest.mark.parametrize("n", [1, 2, 7, 20, 101])
@pytest.mark.parametrize("q", [0, 50, 95, 100])
def test_percentile_matches_numpy(n, q):
    values = list(np.random.default_rng(n).exponential(0.4, n))
    assert bench.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)


def test_percentile_of_nothing_is_nan():
    assert np.isnan(bench.percentile([], 95))


def _zone(name, owner):
    return {"id": name, "kind": "circle", "name": name, "owner": owner}


def test_own_zones_are_no_violation():
    assert bench.zone_violations([_zone("Zone 1", "u01"), _zone("Zone 2", "u01")], "u01", {"Zone 1", "Zone 2"}) == []


def test_another_sessions_zone_is_a_violation():
    seen = [_zone("Zone 1", "u01"), _zone("Zone 2", "u01"), _zone("Zone 3", "u02")]
    problems = bench.zone_violations(seen, "u01", {"Zone 1", "Zone 2"})
    assert any("'u02'" in p for p in problems) and any("expected" in p for p in problems)


def test_a_missing_or_doubled_zone_is_a_violation():
    assert bench.zone_violations([_zone("Zone 1", "u01")], "u01", {"Zone 1", "Zone 2"})
    assert bench.zone_violations([_zone("Zone 1", "u01")] * 2, "u01", {"Zone 1"})


def test_vm_rss_agrees_with_statm():
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    statm_mb = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    assert bench.vm_rss_mb(os.getpid()) == pytest.approx(statm_mb, rel=0.05)
