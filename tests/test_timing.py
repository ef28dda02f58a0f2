"""lunarmap_ui.timing: the run log of the page benchmark, and the profiles of LUNARMAP_PROFILE."""

from __future__ import annotations

import logging
import pstats

import pytest

from lunarmap_ui import timing


def _busy() -> int:
    return sum(i * i for i in range(20_000))


def test_timed_logs_the_run_only_when_asked(monkeypatch, caplog):
    monkeypatch.delenv(timing.PROFILE_VAR, raising=False)
    monkeypatch.setenv(timing.ENV_VAR, "0")
    with caplog.at_level(logging.INFO, logger="lunarmap_ui.timing"), timing.timed("map"):
        _busy()
    assert caplog.records == []
    monkeypatch.setenv(timing.ENV_VAR, "1")
    with caplog.at_level(logging.INFO, logger="lunarmap_ui.timing"), pytest.raises(RuntimeError):
        with timing.timed("app"):
            raise RuntimeError("a run ended by an error is logged too")
    (record,) = caplog.records
    assert record.getMessage().startswith("run app ") and record.getMessage().endswith(" ms")


def test_profile_folder_gets_one_profile_per_run_naming_what_ran(monkeypatch, tmp_path):
    monkeypatch.delenv(timing.ENV_VAR, raising=False)
    monkeypatch.setenv(timing.PROFILE_VAR, str(tmp_path / "prof"))
    with timing.timed("map"):
        _busy()
    with timing.timed("app"):
        _busy()
    files = sorted((tmp_path / "prof").iterdir())
    assert [p.name.split("-")[0] for p in files] == ["app", "map"]
    stats = pstats.Stats(str(next(p for p in files if p.name.startswith("map"))))
    assert any(func[2] == "_busy" for func in stats.stats), "the profile holds what ran inside the block"
