"""Benchmark: how long the test suite takes, run as the README says (two parts) or in one process.

Issue "A codebase the next engineer can carry" asks for a suite faster than at its filing (767 tests in 367 s on
this 2-core machine, at commit 77e31a8). The README's command runs everything but the browser tests on all cores
(pytest-xdist), then the browser tests one at a time; ``--serial`` times plain ``python -m pytest`` too.
``--ids FILE`` times only the test ids listed in FILE (one per line): the tests of an older commit that still
exist, for a like-for-like comparison.

Run: python bench/bench_suite.py [--serial] [--ids FILE]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._results import write_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
#: The README's test command, in its two parts.
PARTS = {"not browser, -n auto": ["-m", "not browser", "-n", "auto"], "browser": ["-m", "browser"]}
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped)")


def _run(args: list[str], ids: list[str]) -> dict:
    """Run pytest with ``args`` (and ``ids``, if any); seconds taken and the summary's counts."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, *ids],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    last = (done.stdout.strip().splitlines() or [""])[-1]
    counts = {word.rstrip("s"): int(n) for n, word in _COUNT.findall(last)}
    return {"seconds": round(seconds, 1), "exit": done.returncode, **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serial", action="store_true", help="also time plain `python -m pytest`, one process")
    parser.add_argument("--ids", type=Path, help="time only the test ids in this file (one per line)")
    opts = parser.parse_args()
    ids = [line.strip() for line in opts.ids.read_text().splitlines() if line.strip()] if opts.ids else []
    result: dict = {"ids_file": str(opts.ids) if opts.ids else None, "parts": {}}
    for name, args in PARTS.items():
        # with ids, the part's -m keeps the ids of its kind and deselects the others
        part = _run(args, ids)
        result["parts"][name] = part
        print(f"{name}: {part['seconds']:.0f} s, {part.get('passed', 0)} passed, exit {part['exit']}", flush=True)
    result["readme_command_s"] = round(sum(p["seconds"] for p in result["parts"].values()), 1)
    print(f"README test command: {result['readme_command_s']:.0f} s (at filing: 767 tests in 367 s)")
    if opts.serial:
        result["serial"] = _run([], ids)
        print(f"one process: {result['serial']['seconds']:.0f} s, {result['serial'].get('passed', 0)} passed")
    write_result("suite", result)


if __name__ == "__main__":
    main()
