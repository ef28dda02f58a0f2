"""What the page benches share: ``streamlit run`` on a free loopback port, and Debian's headless Chromium.

    from bench._server import launch_chromium, streamlit_server

    with streamlit_server(env={"LUNARMAP_DATA_DIR": str(data), "LUNARMAP_SITES_FILE": None}) as server:
        with sync_playwright() as p:
            browser = launch_chromium(p, offline=True)
            page = browser.new_page()
            page.goto(server.url)

:func:`start_server` starts the script (``dashboard.py`` by default) on a free 127.0.0.1 port with the
environment given (a value ``None`` removes that variable), waits until Streamlit answers its health check
and returns a :class:`StreamlitServer`; :meth:`StreamlitServer.stop` ends it. A server that exits or does
not answer in time raises :class:`ServerDidNotStart` with the end of its log. :func:`launch_chromium`
opens ``/usr/bin/chromium`` (never a browser downloaded by playwright) with the project's headless flags,
and with ``offline=True`` resolves no host but the loopback one.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.mapframe import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

__all__ = ["CHROMIUM", "DASHBOARD", "OFFLINE_ARGS", "QUIET_OPTIONS", "STREAMLIT", "ServerDidNotStart",
           "StreamlitServer", "free_port", "launch_chromium", "start_server", "streamlit_server"]

DASHBOARD = ROOT / "dashboard.py"
#: The ``streamlit`` command of the Python environment that runs the bench.
STREAMLIT = Path(sys.executable).parent / "streamlit"
#: Chromium resolves no name but the loopback ones: the page can reach nothing but the servers under test.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
#: Streamlit options every bench passes; a bench adds its own after them (a later option wins).
BASE_OPTIONS = ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
#: No file watcher and no rerun on save: nothing but the page's own work on the server.
QUIET_OPTIONS = ["--server.fileWatcherType", "none", "--server.runOnSave", "false"]


class ServerDidNotStart(SystemExit):
    """The server exited or did not answer its health check in time (the message ends with its log)."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """A running ``streamlit run``: its process, URL (ending in ``/``), log file and start time (epoch s)."""

    def __init__(self, proc: subprocess.Popen, url: str, log_path: Path, started_epoch_s: float) -> None:
        self.proc = proc
        self.url = url
        self.log_path = log_path
        self.started_epoch_s = started_epoch_s

    def log_tail(self, chars: int = 3000) -> str:
        """The last ``chars`` characters of the server's log."""
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self, timeout_s: float = 15.0) -> None:
        """Terminate the server and wait for it (killed if it has not ended after ``timeout_s`` seconds)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout_s)


def start_server(script: Path = DASHBOARD, *, env: Mapping[str, str | None] | None = None,
                 options: Sequence[str] = (), log_path: Path | None = None,
                 timeout_s: float = 60.0) -> StreamlitServer:
    """Run ``streamlit run script`` on a free 127.0.0.1 port; return once it answers ``/_stcore/health``.

    ``env``: variables set on top of this process's environment (``None`` removes one). ``options``: more
    Streamlit command-line options. ``log_path``: where its output goes (default: a new temporary file).
    Raises :class:`ServerDidNotStart` when it exits first or has not answered after ``timeout_s`` seconds.
    """
    full_env = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="bench-streamlit-")) / "streamlit.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.time()
    with open(log_path, "w") as log:    # the child keeps its own copy of the file descriptor
        proc = subprocess.Popen(
            [str(STREAMLIT), "run", str(script), "--server.port", str(port), *BASE_OPTIONS, *options],
            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    server = StreamlitServer(proc, url, log_path, started)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url + "_stcore/health", timeout=1)
            return server
        except OSError:
            if time.monotonic() > deadline:
                server.stop()
                raise ServerDidNotStart(f"streamlit did not answer on /_stcore/health within {timeout_s:g} s:\n"
                                        f"{server.log_tail()}") from None
            try:   # the pause between polls is a wait on the process: an early exit ends it at once
                proc.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise ServerDidNotStart(f"streamlit exited with status {proc.returncode} before answering:\n"
                                    f"{server.log_tail()}") from None


@contextmanager
def streamlit_server(script: Path = DASHBOARD, **kwargs) -> Iterator[StreamlitServer]:
    """:func:`start_server` for a ``with`` block: the server is stopped when the block ends."""
    server = start_server(script, **kwargs)
    try:
        yield server
    finally:
        server.stop()


def launch_chromium(playwright, *, offline: bool = False):
    """Debian's Chromium, headless with the project's flags (``offline``: no host but the loopback one)."""
    if not CHROMIUM.exists():
        raise SystemExit(f"Debian chromium ({CHROMIUM}) is not installed")
    return playwright.chromium.launch(executable_path=str(CHROMIUM),
                                      args=[*CHROMIUM_ARGS, *(OFFLINE_ARGS if offline else [])])
