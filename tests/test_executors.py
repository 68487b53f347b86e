from __future__ import annotations

import os
from pathlib import Path

import pytest

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
