"""The worker side of a sweep: running a chunk of tasks and returning plain rows.

A :class:`Job` carries everything a worker needs as plain, picklable data (the scenario's
YAML text, the overrides, the tasks with their values and seeds), so that it can run in
this process, in a spawned local process or on a Dask worker alike; workers compile the
scenario once per chunk (cached). A run that raises becomes a row with its message in
``error``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from sim.scenario.load import Scenario, parse_scenario
from sim.sweeps.outcomes import summarize

__all__ = ["Job", "JobResult", "Task", "lost_job", "run_job"]


@dataclass(frozen=True)
class Task:
    """One run: a design point, a replication, its values and its seed."""

    index: int
    point: int
    rep: int
    values: Mapping[str, float | str]
    seed: int


@dataclass(frozen=True)
class Job:
    """A chunk of tasks and what a worker needs to run them (plain, picklable data)."""

    number: int
    tasks: tuple[Task, ...]
    text: str
    filename: str
    overrides: Mapping[str, float | str]
    rounds: int | None
    keep_rounds: bool


@dataclass(frozen=True)
class JobResult:
    """The rows of a finished chunk (and its round tables if kept)."""

    number: int
    rows: list[dict[str, Any]]
    rounds: pd.DataFrame | None = None


def run_job(job: Job) -> JobResult:
    """Run a chunk (in a worker); a run that raises becomes a row with ``error``."""
    base = _scenario(job.text, job.filename, tuple(job.overrides.items()))
    rows, tables = [], []
    with _rare_garbage_collection():
        for task in job.tasks:
            row, table = _run_task(base, task, job.rounds, job.keep_rounds)
            rows.append(row)
            if table is not None:
                tables.append(table)
    return JobResult(job.number, rows, pd.concat(tables, ignore_index=True) if tables else None)


#: Garbage-collector thresholds while a chunk runs (Python's default is (700, 10, 10)).
GC_THRESHOLDS = (50_000, 50, 100)


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """Collect cyclic garbage less often while runs allocate many small objects: with the
    default thresholds the collector took about 15% of a flagship sweep (measured with
    ``benchmarks/sweep.py``), rescanning the caches of solved games again and again.
    Cycles are still collected, only in larger batches; the old thresholds come back
    afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@lru_cache(maxsize=8)
def _scenario(text: str, filename: str, overrides: tuple[tuple[str, float | str], ...]) -> Scenario:
    scenario = parse_scenario(text, filename)
    return scenario.with_overrides(dict(overrides)) if overrides else scenario


def _run_task(
    base: Scenario, task: Task, rounds: int | None, keep_rounds: bool
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    from sim.model.negotiation import NegotiationModel
    from sim.model.results import rounds_table

    row: dict[str, Any] = {"point": task.point, "rep": task.rep, "seed": task.seed, **task.values}
    try:
        scenario = base.with_overrides(task.values)
        model = NegotiationModel(scenario, seed=task.seed, rounds=rounds, exact=False)
        model.run()
        assert model.stop_reason is not None
        row.update(summarize(scenario, model.history, model.round, model.stop_reason))
    except Exception as exc:  # a failing run is recorded, and the sweep goes on
        row["error"] = f"{type(exc).__name__}: {exc}"
        return row, None
    if not keep_rounds:
        return row, None
    table = rounds_table(model.history)
    table.insert(0, "rep", task.rep)
    table.insert(0, "point", task.point)
    return row, table


def lost_job(job: Job, reason: str) -> JobResult:
    """The rows of a chunk whose worker died: each run recorded as failed, with its point."""
    rows = [
        {"point": task.point, "rep": task.rep, "seed": task.seed, **task.values, "error": f"run lost: {reason}"}
        for task in job.tasks
    ]
    return JobResult(job.number, rows)
