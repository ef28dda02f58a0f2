"""Running the dashboard under Streamlit's AppTest: one way for every page test."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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


def run_page(monkeypatch, data_dir: Path, sites_file: Path | None = None, mirror: Path | None = None, *,
             query: Mapping[str, str] | None = None, session: Mapping[str, Any] | None = None,
             timeout_s: float = 90.0) -> AppTest:
    """Run dashboard.py once with this data folder (and optionally a site catalogue or a data mirror).

    ``query``: the page address's query parameters (``?view=...``); ``session``: session state set before the
    run (what earlier runs or a trigger's callback left there); ``timeout_s``: how long one run may take, seconds.
    The page must run without an exception.
    """
    monkeypatch.setenv("LUNARMAP_DATA_DIR", str(data_dir))
    for name, value in (("LUNARMAP_SITES_FILE", sites_file), ("LUNARMAP_DATA_MIRROR", mirror)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, str(value))
    at = AppTest.from_file(DASHBOARD, default_timeout=timeout_s)
    for key, text in (query or {}).items():
        at.query_params[key] = text
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


@dataclass(frozen=True)
class FirstStart:
    """The page started on an empty data folder: before the data, while fetching it, and after (AppTest runs)."""

    data_dir: Path
    #: a session opened before the data existed, with no mirror named (nothing is fetched)
    before: AppTest
    #: the session that opened with the shared mirror named: it fetched and prepared the data itself
    fetched: AppTest
    #: a new session of the same process afterwards, with no mirror named (Streamlit's caches as they were left)
    after: AppTest


def start_on_empty_folder(root: Path, mirror: Path) -> FirstStart:
    """Start the page on the empty folder ``root/data``: a session without a mirror, one with ``mirror``, one after.

    The three sessions run one after the other with Streamlit's caches cleared only before the first, as one
    server would run them; the environment is restored afterwards. Used once per test session by the
    ``first_start`` fixture of ``tests/conftest.py`` (the fetch and prepare take ~40 s).
    """
    data = root / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LUNARMAP_SCENARIO_DB", str(root / "scenarios.gpkg"))
        st.cache_data.clear()
        st.cache_resource.clear()
        before = run_page(mp, data)
        fetched = run_page(mp, data, mirror=mirror)
        after = run_page(mp, data)
    st.cache_data.clear()
    st.cache_resource.clear()
    return FirstStart(data, before, fetched, after)


def layer_rows(layer: dict[str, Any]) -> list[dict[str, Any]]:
    """A map layer's rows: its ``data``, or the static JSON file its ``dataUrl`` names (rows sent by reference)."""
    if "dataUrl" in layer:
        return json.loads((STATIC_DIR / layer["dataUrl"].removeprefix(STATIC_URL_PREFIX)).read_text(encoding="utf-8"))
    return layer["data"]
