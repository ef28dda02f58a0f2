"""A local HTTP server on 127.0.0.1 for tests: honours Range requests (or not), can misbehave on purpose, counts bytes.

Used by the fetch tests (downloads, resume) and the remote-product tests (GDAL ``/vsicurl/`` reads). Files are
served from memory (``server.files``: URL path -> bytes). Ways to misbehave: ``cuts_left`` transfers send half
their body then close; ``cut_from`` cuts every ranged transfer starting at or beyond that byte (a connection
dropped mid-read); ``corrupt`` flips the first byte; ``honour_range = False`` answers every request with the
whole file; ``endless`` streams junk without a length. ``bytes_sent`` counts the body bytes sent,
``requests`` lists the GETs as (path, Range header), ``heads`` the HEAD requests' paths.
"""

from __future__ import annotations

import http.server
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


class RangeServer(http.server.ThreadingHTTPServer):
    files: dict[str, bytes]
    cuts_left: int = 0          # this many transfers send half their body, then close
    cut_from: int | None = None  # ranged transfers starting at or after this byte send half, then close
    corrupt: bool = False       # flip one byte of every body
    honour_range: bool = True
    endless: bool = False       # answer 200 with no Content-Length and stream junk until the client hangs up
    requests: list[tuple[str, str | None]]   # GETs: (path, Range header)
    heads: list[str]                          # HEADs: path
    bytes_sent: int = 0

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early (e.g. after refusing a wrong size) is expected here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reset_counts(self) -> None:
        self.requests, self.heads, self.bytes_sent = [], [], 0


class _Handler(http.server.BaseHTTPRequestHandler):
    server: RangeServer
    protocol_version = "HTTP/1.1"   # keep-alive, as GDAL's curl expects of a real server

    def do_HEAD(self) -> None:  # noqa: N802 (the http.server API)
        srv = self.server
        srv.heads.append(self.path)
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if srv.honour_range:
            self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        srv = self.server
        rng = self.headers.get("Range")
        srv.requests.append((self.path, rng))
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if srv.endless:
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(100_000):            # up to 6.5 GB: far more than any product
                    self.wfile.write(b"junk" * 16_384)
            except (ConnectionError, OSError):
                pass
            return
        if srv.corrupt:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        start, end = 0, len(body) - 1
        if rng and srv.honour_range:
            first, _, last = rng.removeprefix("bytes=").partition("-")
            start = int(first)
            end = min(int(last), len(body) - 1) if last else len(body) - 1
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:end + 1]
        self.send_header("Content-Length", str(len(payload)))
        cut = srv.cuts_left > 0 or (srv.cut_from is not None and rng is not None and start >= srv.cut_from)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if cut:
            srv.cuts_left = max(srv.cuts_left - 1, 0)
            self._send(payload[: len(payload) // 2])
            self.close_connection = True
            return
        self._send(payload)

    def _send(self, data: bytes) -> None:
        self.wfile.write(data)
        self.server.bytes_sent += len(data)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def running() -> Iterator[RangeServer]:
    """A Range server on a free 127.0.0.1 port, serving ``srv.files`` (path -> bytes), for as long as the block runs."""
    srv = RangeServer(("127.0.0.1", 0), _Handler)
    srv.files = {}
    srv.reset_counts()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture
def server() -> Iterator[RangeServer]:
    with running() as srv:
        yield srv


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
