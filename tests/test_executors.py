from __future__ import annotations

import pytest

from sim.errors import UsageError
from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor


def square(x: int) -> int:
    return x * x


@pytest.mark.parametrize(
    "executor",
    [SerialExecutor(), ProcessExecutor(2), DaskExecutor(local_workers=2)],
    ids=["serial", "processes", "dask"],
)
def test_every_executor_returns_every_result(executor: object) -> None:
    with executor as running:  # type: ignore[attr-defined]
        assert sorted(running.unordered(square, list(range(10)))) == [x * x for x in range(10)]


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
