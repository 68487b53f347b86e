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
    ``workers=N`` (default: all cores): a ``ProcessPoolExecutor``. There are never more
    workers than items to run, nor (unless ``oversubscribe``) than the cores this process
    may use, nor ever more than :data:`MAX_WORKERS`. On Linux, from a
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

    Workers die with the process that started them, however it ends (killed, crashed):
    on Linux a forked worker asks the kernel for SIGKILL when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``); a worker from the fork server, or on another system,
    runs a watchdog thread that waits for the sweeping process to end (multiprocessing's
    parent sentinel) and ends the worker then. A sweep that is interrupted
    (Ctrl-C, SIGTERM handled by the command line) or fails terminates its workers
    itself; the runs in flight are lost.
Dask
    ``scheduler="tcp://host:8786"`` sends the work to a running ``dask.distributed``
    cluster (its workers need diplosim installed); ``dask_local=N`` starts a
    ``LocalCluster`` of N single-threaded worker processes for this sweep (capped as
    local processes are). Dask is the optional extra ``diplosim[dask]``. The address is
    checked before anything starts; at most :data:`DASK_IN_FLIGHT` items are submitted
    at a time, so a long sweep does not hold a future for every chunk.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import ipaddress
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sim.errors import UsageError

__all__ = [
    "DASK_IN_FLIGHT",
    "MAX_WORKERS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "check_address",
    "cores",
    "lanes",
    "make_executor",
]

#: Modules the fork server imports once, so that the workers forked from it need not.
PRELOAD = ("sim.sweeps.chunks", "sim.model.negotiation")
#: Whether this process has started Python's fork server (it then serves every pool).
_FORK_SERVER = {"started": False}
#: The most local worker processes (or local Dask workers) even with ``oversubscribe``.
MAX_WORKERS = 512
#: The most items submitted to a Dask cluster at a time.
DASK_IN_FLIGHT = 1000
#: Seconds between a worker's checks that its parent lives (where there is neither prctl nor a parent sentinel).
WATCHDOG_INTERVAL = 0.5
#: Linux's prctl option that sets the signal a process gets when its parent dies.
_PR_SET_PDEATHSIG = 1
#: The URL schemes of Dask scheduler addresses.
_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")

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
        pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),))
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


def _start_worker(sweeper: int) -> None:
    """Workers die with their parent (see :func:`_die_with_parent`) and leave Ctrl-C to
    the main process, which stops them. (Forked workers already end with ``os._exit``,
    without tearing their interpreter down.)"""
    _die_with_parent(sweeper)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the worker inherited is never collected: no scans, no copied pages. Guarded by
    # make bench, benchmarks/sweep.py "forked from a large process" (a fifth of the speed-up).
    gc.freeze()


def _die_with_parent(sweeper: int) -> None:
    """End this worker when the sweeping process ``sweeper`` ends, however it ends.

    A worker forked from it, on Linux, asks the kernel for SIGKILL when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``), then checks that the parent did not die before the
    request. Otherwise (a worker from the fork server, whose parent is the server;
    another system) a watchdog thread waits on multiprocessing's parent sentinel, a pipe
    or handle that the sweeping process holds until it ends, and ends the worker then;
    without a sentinel it polls ``os.getppid()``."""
    if os.getppid() == sweeper and _parent_death_signal(signal.SIGKILL):
        if os.getppid() != sweeper:  # the parent died before the request
            os._exit(1)
        return
    parent = multiprocessing.parent_process()
    target: Callable[[], None] = (
        (lambda: _end_when_gone(parent))
        if parent is not None and parent.pid == sweeper
        else (lambda: _end_when_adopted(os.getppid()))
    )
    threading.Thread(target=target, name="diplosim-watchdog", daemon=True).start()


def _parent_death_signal(number: int) -> bool:
    """Ask Linux to send ``number`` to this process when its parent dies; False where
    that cannot be asked."""
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, number, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _end_when_gone(parent: multiprocessing.process.BaseProcess) -> None:
    """End the process once ``parent`` has ended (its sentinel becomes ready)."""
    parent.join()
    os._exit(1)


def _end_when_adopted(parent: int) -> None:
    """End the process once its parent is gone (it is then adopted: another parent)."""
    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    os._exit(1)


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

        if not items:
            return
        waiting = iter(range(len(items)))
        where: dict[Any, int] = {}

        def submit() -> Any:
            index = next(waiting, None)
            if index is None:
                return None
            future = self.client.submit(function, items[index], pure=False)
            where[future.key] = index
            return future

        first = [future for future in (submit() for _ in range(DASK_IN_FLIGHT)) if future is not None]
        running = as_completed(first)
        for future in running:
            index = where.pop(future.key)
            following = submit()
            if following is not None:
                running.add(following)
            try:
                yield future.result()
            except KilledWorker as exc:  # Dask already retried it on other workers
                yield on_lost(items[index], f"its Dask workers died ({exc})")

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError("Dask is not installed: pip install 'diplosim[dask]'") from None
        if self.scheduler is not None:
            try:
                self.client = Client(check_address(self.scheduler), timeout="10s")
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
        if kind is not None and self.cluster is not None:  # interrupted: end the local workers now
            for process in _cluster_processes(self.cluster):
                with contextlib.suppress(ValueError):  # already closed
                    process.terminate()
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _cluster_processes(cluster: Any) -> list[Any]:
    """The worker processes of a Dask ``LocalCluster`` (its nannies' processes)."""
    found = []
    for worker in getattr(cluster, "workers", {}).values():
        process = getattr(getattr(worker, "process", None), "process", None)  # Nanny -> WorkerProcess -> AsyncProcess
        if process is not None and hasattr(process, "terminate"):
            found.append(process)
    return found


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one).

    Examples
    --------
    >>> cores() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def lanes(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    *,
    oversubscribe: bool = False,
) -> tuple[int, str]:
    """How many items may run at once with these options, and a note if fewer than asked
    (``""`` otherwise); checks every option, before anything starts.

    Local processes (``workers``, all cores by default) and local Dask workers are at
    most :func:`cores` unless ``oversubscribe``, and never more than :data:`MAX_WORKERS`.
    A Dask scheduler counts as :func:`cores` lanes (its size is not known here).

    Raises
    ------
    UsageError
        If more than one kind is asked for, a count is below 1 or above
        :data:`MAX_WORKERS`, or the scheduler address is malformed.

    Examples
    --------
    >>> lanes(1)
    (1, '')
    >>> count, note = lanes(10 * cores())
    >>> count == cores(), note.startswith(f"--workers {10 * cores()}: capped at {cores()}")
    (True, True)
    """
    given = [
        (flag, value)
        for flag, value in (("--workers", workers), ("--scheduler", scheduler), ("--dask-local", dask_local))
        if value is not None
    ]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(flag for flag, _ in given)} exclude each other: choose one")
    if scheduler is not None:
        check_address(scheduler)
        return cores(), ""
    flag, requested = given[0] if given else ("--workers", None)
    if requested is None:
        return cores(), ""
    assert isinstance(requested, int)
    if isinstance(requested, bool) or requested < 1:
        raise UsageError(f"{flag} {requested}: give at least 1")
    if requested > cores() and not oversubscribe:
        return cores(), (
            f"{flag} {requested}: capped at {cores()}, the cores this process may use "
            "(add --oversubscribe to start more)"
        )
    if requested > MAX_WORKERS:
        raise UsageError(
            f"{flag} {requested}: more than {MAX_WORKERS} worker processes "
            "(sim.sweeps.executors.MAX_WORKERS: raise it there)"
        )
    return requested, ""


def check_address(address: str) -> str:
    """A Dask scheduler address, checked: ``[SCHEME://]HOST[:PORT]``.

    Raises
    ------
    UsageError
        For an empty address, an unknown scheme, a bad host or a port that is not a
        whole number from 1 to 65535.

    Examples
    --------
    >>> check_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_address("foo:bar")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --scheduler 'foo:bar': the port 'bar' is not a whole number from 1 to 65535; write ...
    """
    form = "write [tcp://]HOST:PORT, e.g. tcp://127.0.0.1:8786"
    text = address.strip()
    if not text:
        raise UsageError(f"--scheduler {address!r}: an empty address; {form}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme not in _SCHEMES:
        raise UsageError(f"--scheduler {address!r}: unknown scheme {scheme!r} (known: {', '.join(_SCHEMES)}); {form}")
    if any(mark in rest for mark in "/?#@ "):
        raise UsageError(f"--scheduler {address!r}: only a host and a port are allowed; {form}")
    if rest.startswith("[") and "]" in rest:  # an IPv6 address
        close = rest.index("]") + 1
        host, port = rest[:close], rest[close:]
        if port and not port.startswith(":"):
            raise UsageError(f"--scheduler {address!r}: only a host and a port are allowed; {form}")
        port = port[1:]
    else:
        host, _, port = rest.partition(":")
    if not _is_host(host):
        raise UsageError(f"--scheduler {address!r}: {host!r} is not a host name or IP address; {form}")
    if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise UsageError(f"--scheduler {address!r}: the port {port!r} is not a whole number from 1 to 65535; {form}")
    return text


def _is_host(host: str) -> bool:
    if host.startswith("[") and host.endswith("]"):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return False
        return True
    return bool(_HOST.fullmatch(host))


def make_executor(
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    *,
    items: int | None = None,
    oversubscribe: bool = False,
) -> Executor:
    """The executor for these options (see the module docstring): at most
    :func:`lanes` workers, and never more than ``items`` (the chunks to run).

    Raises
    ------
    UsageError
        As :func:`lanes`.

    Examples
    --------
    >>> make_executor(1).name
    'serial'
    >>> make_executor(2, items=1).name
    'serial'
    """
    count, _ = lanes(workers, scheduler, dask_local, oversubscribe=oversubscribe)
    if items is not None:
        count = max(1, min(count, items))
    if scheduler is not None:
        return DaskExecutor(scheduler=scheduler.strip())
    if dask_local is not None:
        return DaskExecutor(local_workers=count)
    return SerialExecutor() if count == 1 else ProcessExecutor(count)
