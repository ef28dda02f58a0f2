"""The repository passes its linter (``ruff check .``) and its type checker (``mypy``), settings in pyproject.toml.

Both run as the tools installed next to the running Python (``pip install -r requirements-dev.txt``), from the
repository root. Without them the tests skip, except in CI (the environment variable ``CI`` set), where a
missing tool is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent


def _tool_or_skip(name: str) -> str:
    """The path of ``name`` installed in the running venv; skip (fail in CI) when it is not there."""
    tool = shutil.which(name, path=str(TOOLS))
    if tool is not None:
        return tool
    message = f"{name} is not installed in {TOOLS} (pip install -r requirements-dev.txt)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: the lint tests cannot run in CI")
    pytest.skip(message)


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_ruff_check_reports_no_errors():
    proc = _run([_tool_or_skip("ruff"), "check", "."], timeout=300)
    assert proc.returncode == 0, f"ruff check . exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"


def test_mypy_reports_no_errors():
    proc = _run([_tool_or_skip("mypy")], timeout=900)
    assert proc.returncode == 0, f"mypy exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
