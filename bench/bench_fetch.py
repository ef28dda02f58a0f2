"""Benchmark: fetching and verifying the data products.

Budgets: a run that finds every product present and verified takes under 50 ms
(it is called before every real-data test session and by the dashboard); a cold
copy of the shared mirror (about 5.7 MB) takes under 1 s; a download from a
127.0.0.1 server runs at 50 MB/s or more (hashing included), resume included.
Run: python bench/bench_fetch.py [MIRROR_DIR]
"""

from __future__ import annotations

import hashlib
import http.server
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lunarmap.fetch import fetch_all  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = ROOT.parent / "shared" / "lunar-data"
BODY_BYTES = 64 * 1000 * 1000


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(self.body) - 1}/{len(self.body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(self.body) - start))
        self.end_headers()
        self.wfile.write(memoryview(self.body)[start:])

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    mirror = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MIRROR
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "rasters"
        t0 = time.perf_counter()
        report = fetch_all(data_dir=data, mirror=mirror)
        cold = time.perf_counter() - t0
        size = sum(o.bytes for o in report.fetched)
        print(f"cold copy of {len(report.fetched)} products ({size / 1e6:.1f} MB) from the mirror, verified: "
              f"{cold * 1000:.0f} ms (budget 1000 ms)")
        warm = []
        for _ in range(5):
            t0 = time.perf_counter()
            again = fetch_all(data_dir=data, mirror=mirror)
            warm.append(time.perf_counter() - t0)
        assert again.nothing_to_do
        print(f"second run, {again.summary()}: {min(warm) * 1000:.1f} ms (budget 50 ms)")
        t0 = time.perf_counter()
        fetch_all(data_dir=data, mirror=mirror, rehash=True)
        print(f"re-hash everything present (--verify): {(time.perf_counter() - t0) * 1000:.0f} ms")

        body = (hashlib.sha256(b"lunarmap").digest() * (BODY_BYTES // 32 + 1))[:BODY_BYTES]
        _Handler.body = body
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/big.bin"
        catalog = Path(tmp) / "sources.toml"
        catalog.write_text(
            f'[[product]]\nname = "big"\nrole = "bench"\nfile = "big.bin"\nurls = ["{url}"]\nbytes = {len(body)}\n'
            f'sha256 = "{hashlib.sha256(body).hexdigest()}"\nlicence = "none"\ncitation = "bench"\n'
            'description = "benchmark bytes, 1 m/px"\nrequired = true\n')
        t0 = time.perf_counter()
        fetch_all(data_dir=Path(tmp) / "dl", catalog=catalog)
        t = time.perf_counter() - t0
        print(f"download {len(body) / 1e6:.0f} MB from 127.0.0.1, verified: {t:.2f} s = {len(body) / 1e6 / t:.0f} MB/s "
              "(budget >= 50 MB/s)")
        part = Path(tmp) / "dl2" / "big.bin.part"
        part.parent.mkdir()
        part.write_bytes(body[: len(body) // 2])
        t0 = time.perf_counter()
        out = fetch_all(data_dir=Path(tmp) / "dl2", catalog=catalog)
        t = time.perf_counter() - t0
        print(f"resume from {out.outcomes[0].resumed_from_bytes / 1e6:.0f} MB: {t:.2f} s (hashes the kept half, "
              "downloads the rest)")
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
