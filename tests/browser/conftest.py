"""Browser test fixtures: the dashboard under ``streamlit run`` on a free loopback port, and Debian's Chromium.

One app start per test session, with a synthetic data folder (solid-colour
display layers, see ``tests/display_data.py``) and a site catalogue that
includes an HTML-injection name. Screenshots go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ..conftest import PROJECT_ROOT, SHARED_DATA
from ..display_data import copy_gazetteer, write_display_data, write_sites_with_injection
from .mapframe import CHROMIUM, CHROMIUM_ARGS

SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS


@contextmanager
def _streamlit_app(root: Path, script: Path = PROJECT_ROOT / "dashboard.py", **env_vars: str) -> Iterator[str]:
    """Run ``streamlit run script`` on a free 127.0.0.1 port with ``env_vars`` set; yield its URL.

    Saved scenarios go to ``root/scenarios.gpkg`` unless ``LUNARMAP_SCENARIO_DB`` is given.
    """
    if shutil.which("streamlit", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("streamlit is not installed in this environment")
    env = dict(os.environ, LUNARMAP_SCENARIO_DB=str(root / "scenarios.gpkg"))
    env.update(env_vars)
    if "LUNARMAP_SITES_FILE" not in env_vars:
        env.pop("LUNARMAP_SITES_FILE", None)
    port = _free_port()
    log_path = root / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "streamlit"), "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        try:
            while True:
                try:
                    urllib.request.urlopen(url + "_stcore/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"streamlit did not start: {log_path.read_text()[-2000:]}")
                    try:   # the pause between polls is a wait on the process: an early exit ends it at once
                        proc.wait(timeout=0.1)
                    except subprocess.TimeoutExpired:
                        continue
                    pytest.fail(f"streamlit exited before it served: {log_path.read_text()[-2000:]}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app over synthetic display layers and a catalogue with an HTML-injection name (one per session)."""
    root = tmp_path_factory.mktemp("app")
    data = write_display_data(root / "data")
    copy_gazetteer(data, SHARED_DATA)
    sites = write_sites_with_injection(root / "sites.geojson")
    with _streamlit_app(root, LUNARMAP_DATA_DIR=str(data), LUNARMAP_SITES_FILE=str(sites)) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def real_app_url(prepared_data_dir, tmp_path_factory):
    """The app over the real prepared data, for sections that need elevation and PSR rasters (one per session)."""
    with _streamlit_app(tmp_path_factory.mktemp("real-app"), LUNARMAP_DATA_DIR=str(prepared_data_dir)) as url:
        yield url
