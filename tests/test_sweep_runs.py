from __future__ import annotations

import gc

from sim.scenario.load import parse_scenario
from sim.sweeps.chunks import GC_THRESHOLDS, Job, Task, _rare_garbage_collection, run_job

from .test_sweeps import SMALL


def test_a_chunk_runs_with_rare_garbage_collection_and_restores_the_thresholds() -> None:
    before = gc.get_threshold()
    with _rare_garbage_collection():
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == before


def test_run_job_gives_one_row_per_task_and_leaves_the_collector_as_it_was() -> None:
    before = gc.get_threshold()
    scenario = parse_scenario(SMALL)
    tasks = tuple(Task(i, i, 0, {"cost": 0.5, "k": k}, 100 + i) for i, k in enumerate([0.0, 2.0, 1.0]))
    result = run_job(Job(4, tasks, scenario.text, scenario.file, {}, None, False))
    assert result.number == 4
    assert [row["point"] for row in result.rows] == [0, 1, 2]
    assert ["error" in row for row in result.rows] == [False, True, False]  # k = 2 divides by zero
    assert result.rows[0]["rounds_played"] == 5
    assert gc.get_threshold() == before
