"""A throwaway PostgreSQL + PostGIS cluster on a loopback port, for the tests and the benches.

Debian's ``postgresql`` and ``postgis`` packages provide the server (``.ci/run``
installs them); this module runs ``initdb`` into a temporary folder, starts the
server on a free 127.0.0.1 port with its socket in that folder, creates a
database with the PostGIS extension, and removes everything on :meth:`stop`.
Run as root (as in CI), the server runs as the ``postgres`` user, since
PostgreSQL refuses to run as root.

    python tests/postgis_cluster.py      # start one by hand; prints its URL, Ctrl+C stops it
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgisCluster", "postgis_bin_dir"]


def postgis_bin_dir() -> Path | None:
    """The newest PostgreSQL server's bin folder that has PostGIS installed, or None."""
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        version = Path(bindir).parent.name
        if glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control") and Path(bindir, "initdb").exists():
            return Path(bindir)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgisCluster:
    """Start with :meth:`start` (returns the ``postgresql://`` URL of a PostGIS database), end with :meth:`stop`."""

    def __init__(self, database: str = "lunarmap_test"):
        bindir = postgis_bin_dir()
        if bindir is None:
            raise RuntimeError("PostgreSQL with PostGIS is not installed: apt-get install postgresql postgis")
        self.bindir = bindir
        self.database = database
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lunarmap-pg-"))
        self.data = self.folder / "data"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=self.folder)

    def start(self) -> str:
        if self._as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        # fsync off: a test database need not survive a power cut; transactions stay atomic.
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"), "-w", "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database)
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", self.database,
                  "-q", "-c", "CREATE EXTENSION postgis")
        return self.url

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    cluster = PostgisCluster("lunarmap")
    print(cluster.start(), flush=True)
    try:
        signal_wait = __import__("signal").pause
        signal_wait()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
