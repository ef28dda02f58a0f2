"""Running the dashboard under Streamlit's AppTest: one way for every page test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lunarmap_ui.static_files import STATIC_DIR, STATIC_URL_PREFIX

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


def layer_rows(layer: dict[str, Any]) -> list[dict[str, Any]]:
    """A map layer's rows: its ``data``, or the static JSON file its ``dataUrl`` names (rows sent by reference)."""
    if "dataUrl" in layer:
        return json.loads((STATIC_DIR / layer["dataUrl"].removeprefix(STATIC_URL_PREFIX)).read_text(encoding="utf-8"))
    return layer["data"]
