"""Where sweep chunks run: in this process, on local processes, or on a Dask cluster.

Every executor has one method, :meth:`Executor.unordered`, which runs a function on
each item and yields the results as they complete, so the same sweep loop serves all
of them. When a worker process dies (killed, out of memory, a crash in compiled code),
the items it was running are retried one at a time; an item whose worker dies again
yields ``on_lost(item, reason)`` instead of a result, and the rest go on. The function
must be importable (a module-level function): workers may come from Python's fork
server, and Dask pickles it to its workers.

Serial
    ``workers=1``: everything in this process (debugging, notebooks, tests).
Local processes
    ``workers=N`` (default: all cores): a ``ProcessPoolExecutor``. On Linux, from a
    process that runs no other Python thread (the command line, a script), the workers
    are *forked* from this one: copies with everything imported, started in
    milliseconds. A process with threads (a notebook kernel) must not be copied (a
    thread may hold a lock the copy inherits), so its workers come from Python's *fork
    server*, a fresh single-threaded process started once per session that imports
    diplosim and mesa once (about 0.85 s); the second sweep of a notebook session, or a
    pool restarted after a worker died, starts at once. Windows has neither and spawns
    fresh interpreters. Workers freeze what they inherit out of the garbage collector's
    reach (``gc.freeze``), so that it neither rescans nor copies those pages. In a
    script, guard the call with ``if __name__ == "__main__":``.
Dask
    ``scheduler="tcp://host:8786"`` sends the work to a running ``dask.distributed``
    cluster (its workers need diplosim installed); ``dask_local=N`` starts a
    ``LocalCluster`` of N single-threaded worker processes for this sweep. Dask is the
    optional extra ``diplosim[dask]``.
"""

from __future__ import annotations

import atexit
import gc
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sim.errors import UsageError

__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "make_executor"]

#: Modules the fork server imports once, so that the workers forked from it need not.
PRELOAD = ("sim.sweep_runs", "sim.model")
#: Whether this process has started Python's fork server (it then serves every pool).
_FORK_SERVER = {"started": False}

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``function`` on items; a context manager."""

    name: str

    def unordered(
        self, function: Callable[[T], R], items: Sequence[T], on_lost: Callable[[T, str], R]
    ) -> Iterator[R]: ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class SerialExecutor:
    """Runs everything here, in order."""

    name = "serial"

    def unordered(self, function: Callable[[T], R], items: Sequence[T], on_lost: Callable[[T, str], R]) -> Iterator[R]:
        for item in items:
            yield function(item)

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


class ProcessExecutor:
    """A pool of local worker processes, forked from this one or from Python's fork
    server (see :func:`_start_method`)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.name = f"{workers} local processes"
        self.pool: ProcessPoolExecutor | None = None

    def unordered(self, function: Callable[[T], R], items: Sequence[T], on_lost: Callable[[T, str], R]) -> Iterator[R]:
        todo: deque[int] = deque(range(len(items)))
        while todo:
            suspects = yield from self._batch(function, items, todo)
            for index in suspects:  # alone, so that a second death names the culprit
                result = yield from self._batch(function, items, deque([index]))
                if result:
                    yield on_lost(items[index], "its worker process died twice (killed, out of memory or crashed)")

    def _batch(self, function: Callable[[T], R], items: Sequence[T], todo: deque[int]) -> Generator[R, None, list[int]]:
        """Run ``todo`` with at most workers + 1 in flight; on a dead worker, restart the
        pool and return the indices that were in flight (the rest stay in ``todo``)."""
        assert self.pool is not None
        flying: dict[Future[R], int] = {}
        while todo or flying:
            while todo and len(flying) <= self.workers:
                index = todo.popleft()
                try:
                    flying[self.pool.submit(function, items[index])] = index
                except BrokenProcessPool:  # it broke since the last results: this one never started
                    todo.appendleft(index)
                    lost = sorted(flying.values())
                    self._restart()
                    return lost
            done, _ = wait(flying, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost = sorted(flying.values())
                    self._restart()
                    return lost
                del flying[future]
                yield result
        return []

    def _restart(self) -> None:
        assert self.pool is not None
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = self._pool()

    def _pool(self) -> ProcessPoolExecutor:
        context = _start_method()
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker)
        if context.get_start_method() == "fork":  # fork them all now, before any thread starts here
            pool.submit(int).result()
        return pool

    def __enter__(self) -> ProcessExecutor:
        self.pool = self._pool()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        assert self.pool is not None
        if kind is not None:  # interrupted or failed: stop the workers now; the runs in flight are lost
            for process in list(getattr(self.pool, "_processes", {}).values()):
                process.terminate()
        self.pool.shutdown(wait=kind is None, cancel_futures=True)
        self.pool = None


def _start_method() -> Any:
    """*fork* on Linux while this process runs no other Python thread (the command line):
    the workers are copies of it, started in milliseconds with nothing to import. A copy
    of a process with threads could inherit a lock one of them holds, so otherwise (a
    notebook, a pool restarted while its old one winds down) the *forkserver*, which
    imports :data:`PRELOAD` once per session and is used from then on (its workers start
    in milliseconds from a small, clean process); *spawn* where there is no fork server
    (Windows)."""
    if sys.platform == "linux" and threading.active_count() == 1 and not _FORK_SERVER["started"]:
        return multiprocessing.get_context("fork")
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))  # takes effect when the server first starts
        _FORK_SERVER["started"] = True
        return context
    return multiprocessing.get_context("spawn")


def _start_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops them; and they end without
    tearing their interpreter down (which took about a second with full caches, and the
    sweep waited for it): by then their results are sent and their queues flushed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    atexit.register(os._exit, 0)
    gc.freeze()  # what the worker inherited is never collected: no scans, no copied pages


class DaskExecutor:
    """A ``dask.distributed`` client: to a running scheduler, or a local cluster."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.name = f"Dask at {scheduler}" if scheduler else f"Dask LocalCluster of {local_workers} workers"
        self.client: Any = None
        self.cluster: Any = None

    def unordered(self, function: Callable[[T], R], items: Sequence[T], on_lost: Callable[[T, str], R]) -> Iterator[R]:
        from distributed import KilledWorker, as_completed

        futures = self.client.map(function, list(items), pure=False)
        where = {future.key: item for future, item in zip(futures, items)}
        for future in as_completed(futures):
            try:
                yield future.result()
            except KilledWorker as exc:  # Dask already retried it on other workers
                yield on_lost(where[future.key], f"its Dask workers died ({exc})")

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("Dask is not installed: pip install 'diplosim[dask]'") from None
        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout="10s")
            except OSError as exc:
                raise UsageError(f"--scheduler {self.scheduler}: cannot reach a Dask scheduler ({exc})") from None
        else:
            self.cluster = LocalCluster(
                n_workers=self.local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None) -> Executor:
    """The executor for these options (see the module docstring).

    Raises
    ------
    UsageError
        If more than one kind is asked for, or a count is below 1.

    Examples
    --------
    >>> make_executor(1).name
    'serial'
    """
    given = [
        flag
        for flag, value in (("--workers", workers), ("--scheduler", scheduler), ("--dask-local", dask_local))
        if value is not None
    ]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} exclude each other: choose one")
    if scheduler is not None:
        return DaskExecutor(scheduler=scheduler)
    if dask_local is not None:
        if dask_local < 1:
            raise UsageError(f"--dask-local {dask_local}: give at least 1 worker")
        return DaskExecutor(local_workers=dask_local)
    count = (os.cpu_count() or 1) if workers is None else workers
    if count < 1:
        raise UsageError(f"--workers {count}: give at least 1")
    return SerialExecutor() if count == 1 else ProcessExecutor(count)
