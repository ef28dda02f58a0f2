"""Where heavy work runs: a Dask cluster, local by default or any scheduler the user names.

Terrain horizons for a sunlit-% map are independent per point: a 20 x 20 km
area at 20 m is a million of them. :func:`executor` hands out a
:class:`concurrent.futures.Executor` backed by Dask's distributed scheduler:

- ``LUNARMAP_DASK_SCHEDULER=tcp://host:8786`` sends the work to that cluster
  (its workers need lunarmap installed and the same data folder path);
- otherwise a :class:`distributed.LocalCluster` of worker processes on this
  machine, started on first use and kept for the process's life (a Streamlit
  server reuses it for every session's maps).

Callers submit batches and gather them with :func:`concurrent.futures.as_completed`,
so progress and cancellation work as with a process pool: cancelling drops the
batches not started.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from .errors import ComputeError

__all__ = ["DASK_SCHEDULER_ENV", "executor", "scheduler_address", "close_local_cluster", "plain_main"]

logger = logging.getLogger(__name__)

#: Environment variable naming a Dask scheduler (``tcp://host:port``); unset: a local cluster.
DASK_SCHEDULER_ENV = "LUNARMAP_DASK_SCHEDULER"

_LOCK = threading.Lock()
_LOCAL: dict[int, Any] = {}          # workers -> Client of a LocalCluster kept for the process
_MAIN_LOCK = threading.Lock()


@contextmanager
def plain_main() -> Iterator[None]:
    """A bare ``__main__`` module while worker processes are started ("spawn" start method).

    A spawned process first re-runs the parent's ``__main__`` file. Under Streamlit that is the page script
    (its script runner installs the script as ``__main__``): every worker would import the whole page stack
    (seconds each) before any work, and under Streamlit's AppTest it runs a generated script that kills the
    worker. Start pools and clusters inside this block; the page's own module is put back at the end. (A
    process a pool starts later, outside the block, still finds the page script, which is guarded by
    ``if __name__ == "__main__"``.)
    """
    import sys
    import types

    with _MAIN_LOCK:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


def scheduler_address() -> str | None:
    """The scheduler named by ``LUNARMAP_DASK_SCHEDULER``, or None for a local cluster."""
    address = os.environ.get(DASK_SCHEDULER_ENV, "").strip()
    return address or None


def _local_client(workers: int) -> Any:
    from distributed import Client, LocalCluster

    with _LOCK:
        client = _LOCAL.get(workers)
        if client is not None and client.status == "running":
            return client
        with plain_main():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.WARNING)
        client = Client(cluster, set_as_default=False)
        _LOCAL[workers] = client
        logger.info("started a local Dask cluster of %d worker processes", workers)
        return client


def close_local_cluster() -> None:
    """Stop the local clusters this process started (tests; a server keeps its cluster)."""
    with _LOCK:
        for client in _LOCAL.values():
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()
        _LOCAL.clear()


@contextmanager
def executor(workers: int) -> Iterator[Executor]:
    """An executor on the named Dask scheduler, or on a local cluster of ``workers`` processes.

    :class:`ComputeError` when the named scheduler cannot be reached (nothing is computed).
    """
    address = scheduler_address()
    if address is None:
        client = _local_client(max(1, int(workers)))
        pool = client.get_executor(pure=False)
        yield pool
        return
    from distributed import Client

    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise ComputeError(
            f"cannot reach the Dask scheduler at {address!r} ({type(err).__name__}: {err}); check "
            f"{DASK_SCHEDULER_ENV}, or unset it to compute on this machine."
        ) from err
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
