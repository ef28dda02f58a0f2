"""Running the dashboard under Streamlit's AppTest: one way for every page test."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from .conftest import PROJECT_ROOT

DASHBOARD = str(PROJECT_ROOT / "dashboard.py")


@pytest.fixture(autouse=True)
def fresh_caches():
    """(autouse where imported) Clear Streamlit's caches around each test, so no page state leaks between tests.

    Terrain horizons stay remembered across tests (:func:`lunarmap.horizon.horizon_profiles` keys them by the
    sites, the settings and the elevation files' times and sizes): the same inputs give the same horizon, so
    keeping them leaks no state, and each page test no longer marches the rays of the default sites again.
    """
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def run_page(monkeypatch, data_dir: Path, sites_file: Path | None = None, mirror: Path | None = None) -> AppTest:
    """Run dashboard.py once with this data folder (and optionally a site catalogue or a data mirror)."""
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    for name, value in (("LUNARMAP_SITES_FILE", sites_file), ("LUNARMAP_DATA_MIRROR", mirror)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, str(value))
    at = AppTest.from_file(DASHBOARD, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at
