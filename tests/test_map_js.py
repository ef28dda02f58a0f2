"""The map component's JS: its Node tests run (``node --test tests/js``), and their fixture is the library's.

The Node tests need no npm (Node's own runner). Without ``node`` on PATH they are skipped, except under CI
(env ``CI`` set), where a missing ``node`` fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

JS_TESTS = Path(__file__).resolve().parent / "js"
ROOT = JS_TESTS.parents[1]


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", JS_TESTS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_geodesy_fixture__is_what_the_library_gives_now():
    """Regenerate with ``python tests/js/make_fixtures.py`` when this fails after a change to lunarmap.geodesy."""
    make = _make_fixtures()
    committed = json.loads(make.FIXTURE.read_text(encoding="utf-8"))
    now = make.fixture()
    assert committed["moon_radius_m"] == now["moon_radius_m"]
    assert committed["tiles"] == now["tiles"]
    for key in ("circles", "pairs", "points"):
        assert len(committed[key]) == len(now[key]), key
        for old, new in zip(committed[key], now[key], strict=True):
            assert old.keys() == new.keys()
            for field in old:
                np.testing.assert_allclose(np.asarray(old[field], dtype=float), np.asarray(new[field], dtype=float),
                                           rtol=0, atol=1e-5, err_msg=f"{key}.{field}")


#: The oldest Node that runs the modules: JSON modules with import attributes (``with { type: "json" }``).
NODE_MIN = (20, 10)


def _node_or_skip() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not on PATH"
    else:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        version = tuple(int(x) for x in out.lstrip("v").split(".")[:2])
        if version < NODE_MIN:
            problem = f"node {out} is older than {'.'.join(map(str, NODE_MIN))} (import attributes)"
    if problem is None:
        return node
    if os.environ.get("CI"):
        pytest.fail(f"{problem}: the map component's JS tests (node --test tests/js) cannot run in CI")
    pytest.skip(f"{problem} (the JS tests run with: node --test tests/js)")


def test_node_tests_of_the_map_component_pass():
    node = _node_or_skip()
    files = [str(p.relative_to(ROOT)) for p in sorted(JS_TESTS.glob("*.test.mjs"))]   # explicit: any Node version
    assert files, f"no *.test.mjs in {JS_TESTS}"
    proc = subprocess.run([node, "--test", *files], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout
