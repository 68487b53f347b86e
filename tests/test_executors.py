from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from sim import executors
from sim.errors import UsageError
from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor


def square(x: int) -> int:
    return x * x


def lost(x: int, reason: str) -> int:
    return -1


def die_on_three(x: int) -> int:
    if x == 3:
        os._exit(1)  # a worker that dies: killed, out of memory, a crash in compiled code
    return x * x


def die_once(item: tuple[int, str]) -> int:
    x, marker = item
    if x == 5 and not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return x * x


@pytest.mark.parametrize(
    "executor",
    [SerialExecutor(), ProcessExecutor(2), DaskExecutor(local_workers=2)],
    ids=["serial", "processes", "dask"],
)
def test_every_executor_returns_every_result(executor: object) -> None:
    with executor as running:  # type: ignore[attr-defined]
        assert sorted(running.unordered(square, list(range(10)), lost)) == [x * x for x in range(10)]


def test_make_executor_choices() -> None:
    assert isinstance(make_executor(1), SerialExecutor)
    assert isinstance(make_executor(3), ProcessExecutor)
    assert isinstance(make_executor(dask_local=2), DaskExecutor)
    assert isinstance(make_executor(scheduler="tcp://localhost:1"), DaskExecutor)
    with pytest.raises(UsageError, match="exclude each other"):
        make_executor(2, dask_local=2)
    with pytest.raises(UsageError, match="at least 1"):
        make_executor(0)


def test_unreachable_scheduler_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="cannot reach a Dask scheduler"), DaskExecutor(scheduler="tcp://127.0.0.1:9"):
        pass


def test_a_worker_that_dies_every_time_loses_only_its_item() -> None:
    with ProcessExecutor(2) as executor:
        results = sorted(executor.unordered(die_on_three, list(range(8)), lost))
    assert results == sorted([-1] + [x * x for x in range(8) if x != 3])


def test_a_worker_that_dies_once_is_retried(tmp_path: Path) -> None:
    items = [(x, str(tmp_path / "died")) for x in range(8)]
    with ProcessExecutor(2) as executor:
        results = sorted(executor.unordered(die_once, items, lost))
    assert results == [x * x for x in range(8)]
    assert (tmp_path / "died").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="fork is chosen on Linux only")
def test_workers_are_forked_only_from_a_process_without_other_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(executors._FORK_SERVER, "started", False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert executors._start_method().get_start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)  # a notebook kernel, a progress bar
    assert executors._start_method().get_start_method() == "forkserver"
    monkeypatch.setattr(threading, "active_count", lambda: 1)  # the fork server, once started, serves on
    assert executors._start_method().get_start_method() == "forkserver"


def test_forked_workers_give_the_same_results_as_workers_from_the_fork_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(executors._FORK_SERVER, "started", False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    with ProcessExecutor(2) as forked:
        assert forked.pool is not None and len(forked.pool._processes) == 2  # all forked on entry
        first = sorted(forked.unordered(abs, [-3, -1, 2], lost))
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    with ProcessExecutor(2) as served:
        assert sorted(served.unordered(abs, [-3, -1, 2], lost)) == first == [1, 2, 3]
