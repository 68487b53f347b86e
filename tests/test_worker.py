from __future__ import annotations

import time

import pytest

from sim.solvers import worker


def test_call_returns_the_result() -> None:
    assert worker.call("sim.solvers.worker:echo", {"a": [1, 2]}, 30.0) == {"a": [1, 2]}


def test_errors_in_the_function_come_back_as_worker_errors() -> None:
    with pytest.raises(worker.WorkerError, match="ModuleNotFoundError"):
        worker.call("sim.nowhere:f", 1, 30.0)


@pytest.mark.slow
def test_a_call_past_its_time_limit_is_stopped_and_the_worker_replaced() -> None:
    start = time.perf_counter()
    with pytest.raises(worker.TimeLimitError, match=r"did not finish within 0\.5 s"):
        worker.call("sim.solvers.worker:pause", 5.0, 0.5)
    assert time.perf_counter() - start < 4
    assert worker.call("sim.solvers.worker:echo", "again", 30.0) == "again"


def test_only_the_sim_package_can_be_called() -> None:
    with pytest.raises(ValueError, match="only functions of the sim package"):
        worker.call("os:system", "true", 1.0)
