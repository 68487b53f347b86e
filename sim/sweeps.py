"""Parameter sweeps: many runs of one scenario, reproducibly, resumably, on any executor.

A sweep is a :class:`SweepSpec` (factors, design, replications, rounds, root seed)
applied to a scenario. :func:`plan` turns it into tasks, one per design point and
replication, in a fixed order: point 0 rep 0, point 0 rep 1, ... Task ``k`` gets the
seed of ``numpy.random.SeedSequence(root).spawn(n)[k]`` (63 bits), so every run's seed
depends only on its position, never on the executor or the number of workers, and
any row can be replayed with ``diplosim run FILE --set NAME=VALUE ... --seed SEED``.

Tasks are grouped in chunks (fewer messages between processes); each finished chunk
is one row per run (see :mod:`sim.outcomes`), written by :class:`SweepStore` as a
Parquet part under a temporary name and renamed, so an interrupted sweep loses at most
the chunks in flight. ``_manifest.json`` records the spec, the scenario's sha256, the
package versions and the chunks done; running the same sweep into the same folder
resumes, a different one is refused unless ``force``. ``pandas.read_parquet(folder)``
reads the whole table (files starting with ``_`` or ``.`` are ignored by it).

A run that raises is recorded with its message in the column ``error`` and the sweep
goes on.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from sim.designs import Factor, design_points, parse_factor
from sim.errors import UsageError, did_you_mean
from sim.executors import make_executor
from sim.files import read_input
from sim.outcomes import columns
from sim.plots import SweepAccessor  # noqa: F401 - registers the table.sweep accessor
from sim.scenario import Scenario, load_scenario
from sim.selection import RULES
from sim.spec import SweepSpecBlock
from sim.sweep_runs import Job, JobResult, Task, lost_job, run_job
from sim.sweep_store import SweepStore, load_sweep
from sim.yaml_source import parse_yaml

__all__ = [
    "SweepOutcome",
    "SweepSpec",
    "SweepStore",
    "Task",
    "load_sweep",
    "plan",
    "read_sweep_block",
    "run_sweep",
    "spec_from",
    "sweep",
]

#: Most runs one sweep may have.
MAX_RUNS = 10_000_000


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep.

    Attributes
    ----------
    factors : tuple of Factor
        Parameters, ``Actor.variable`` (initial state), ``select`` or ``game.select``.
    design : str
        ``grid``, ``lhs`` or ``sobol`` (see :mod:`sim.designs`).
    samples : int or None
        Points of a sampled design.
    reps : int
        Replications per point.
    rounds : int or None
        Round limit of every run (the scenario's by default).
    seed : int
        Root seed.
    keep_rounds : bool
        Also keep every run's round-by-round table.
    """

    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int | None = None
    reps: int = 1
    rounds: int | None = None
    seed: int = 0
    keep_rounds: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (what the manifest stores)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SweepSpec:
        """The inverse of :meth:`as_dict`."""
        factors = tuple(Factor(**{**f, "values": _tuple(f.get("values"))}) for f in data["factors"])
        return cls(**{**data, "factors": factors})


def _tuple(values: Any) -> tuple[Any, ...] | None:
    return None if values is None else tuple(values)


def spec_from(
    block: SweepSpecBlock | None,
    params: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    reps: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    keep_rounds: bool = False,
) -> SweepSpec:
    """A spec from a ``sweep:`` block (a scenario's, or a file's), overridden by what is
    given.

    ``params`` is a mapping (``{"G_H": "0:1:11", "select": ["first", "random"]}``) or
    command-line texts (``["G_H=0:1:11"]``); given, it replaces the block's params.

    Examples
    --------
    >>> spec_from(None, ["G_H=0:1:3"], reps=2).factors[0].levels()
    (0.0, 0.5, 1.0)
    """
    if params is None:
        params = dict(block.params) if block is not None else {}
    texts = list(params) if not isinstance(params, Mapping) else [_factor_text(k, v) for k, v in params.items()]
    return SweepSpec(
        factors=tuple(parse_factor(text) for text in texts),
        design=design or (block.design if block else "grid"),
        samples=samples if samples is not None else (block.samples if block else None),
        reps=reps if reps is not None else (block.reps if block else 1),
        rounds=rounds if rounds is not None else (block.rounds if block else None),
        seed=seed if seed is not None else (block.seed if block else 0),
        keep_rounds=keep_rounds,
    )


def read_sweep_block(path: str | os.PathLike[str]) -> SweepSpecBlock:
    """A sweep given in its own YAML file: the fields of a ``sweep:`` block, at the top
    level or under ``sweep:``.

    Raises
    ------
    ScenarioError
        Naming the file, line and field of a mistake.
    """
    _, text = read_input(path, "a sweep file")
    document = parse_yaml(text, str(path))
    data = document.data
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and set(data) == {"sweep"}:
        data, prefix = data["sweep"], ("sweep",)
    try:
        return SweepSpecBlock.model_validate(data if data is not None else {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = prefix + tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        raise document.error(where, str(error["msg"])) from None


def _factor_text(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"{name}={','.join(str(v) for v in value)}"
    return f"{name}={value}"


def plan(scenario: Scenario, spec: SweepSpec) -> list[Task]:
    """Every run of the sweep, in (point, rep) order, each with its own seed.

    Raises
    ------
    UsageError
        On an unknown name, a word where a number is needed (or the reverse), an empty
        design, or too many runs, before anything runs.
    """
    if not spec.factors:
        raise UsageError("nothing to sweep: give at least one --param NAME=LO:HI:N (or a sweep: block)")
    if spec.reps < 1:
        raise UsageError(f"--reps {spec.reps}: give at least 1")
    for factor in spec.factors:
        _check_factor(scenario, factor)
    points = design_points(spec.factors, spec.design, spec.samples, spec.seed)
    total = len(points) * spec.reps
    if total > MAX_RUNS:
        raise UsageError(f"{total} runs; the limit is {MAX_RUNS} (sim.sweeps.MAX_RUNS): use fewer points or reps")
    children = np.random.SeedSequence(spec.seed).spawn(total)
    return [
        Task(k, k // spec.reps, k % spec.reps, points[k // spec.reps], int(child.generate_state(1, np.uint64)[0] >> 1))
        for k, child in enumerate(children)
    ]


def _is_rule(name: str, scenario: Scenario) -> bool:
    return name == "select" or (name.endswith(".select") and name[: -len(".select")] in scenario.spec.games)


def _check_factor(scenario: Scenario, factor: Factor) -> None:
    levels = factor.values if factor.values is not None else ()
    if _is_rule(factor.name, scenario):
        wrong = [v for v in levels if v not in RULES] or (["a range"] if factor.values is None else [])
        if wrong:
            raise UsageError(f"--param {factor.name}: {wrong[0]!r} is not a selection rule (rules: {', '.join(RULES)})")
        return
    if factor.name not in scenario.initial:
        known = [*scenario.initial, "select", *(f"{g.name}.select" for g in scenario.games)]
        raise UsageError(
            f"--param {factor.name}: no parameter, actor state or game.select of that name"
            f"{did_you_mean(factor.name, known)} (known: {', '.join(known)})"
        )
    words = [v for v in levels if isinstance(v, str)]
    if words:
        raise UsageError(f"--param {factor.name}: {words[0]!r} is not a number")


def schema(scenario: Scenario, spec: SweepSpec) -> pa.Schema:
    """The one schema of every table of this sweep."""
    types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}
    fields = [pa.field("point", pa.int64()), pa.field("rep", pa.int64()), pa.field("seed", pa.int64())]
    for factor in spec.factors:
        kind = pa.string() if _is_rule(factor.name, scenario) else pa.float64()
        fields.append(pa.field(factor.name, kind))
    fields.append(pa.field("error", pa.string()))
    fields += [pa.field(name, types[kind]) for name, kind in columns(scenario)]
    return pa.schema(fields)


@dataclass
class SweepOutcome:
    """A finished (or interrupted) sweep: its table and what this call did."""

    table: pd.DataFrame
    points: int
    runs: int
    ran: int
    seconds: float
    executor: str
    failures: int = field(init=False)

    def __post_init__(self) -> None:
        self.failures = int(self.table["error"].notna().sum()) if "error" in self.table else 0

    @property
    def rate(self) -> float:
        """Runs per second in this call."""
        return self.ran / self.seconds if self.seconds > 0 else math.nan


def run_sweep(
    scenario: Scenario | str | os.PathLike[str],
    spec: SweepSpec,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    progress: bool = False,
    chunk_size: int | None = None,
) -> SweepOutcome:
    """Run (or resume) a sweep; see :func:`sweep` for the arguments."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    tasks = plan(loaded, spec)
    executor = make_executor(workers, scheduler, dask_local)
    table_schema = schema(loaded, spec)
    manifest = _manifest(loaded, spec, tasks, chunk_size or _chunk_size(len(tasks), workers, dask_local), table_schema)
    store = SweepStore(Path(out), manifest, table_schema, force) if out is not None else None
    size = int((store.manifest if store else manifest)["chunk_size"])
    jobs = _jobs(loaded, spec, tasks, size, store.done if store else set())
    collected: list[JobResult] = []
    start = time.perf_counter()
    with executor, _progress(len(tasks), len(tasks) - sum(len(j.tasks) for j in jobs), progress) as advance:
        for result in executor.unordered(run_job, jobs, lost_job):
            if store is not None:
                store.write(result)
            else:
                collected.append(result)
            advance(len(result.rows))
    seconds = time.perf_counter() - start
    table = load_sweep(store.folder) if store else _table(collected, table_schema, spec, loaded)
    points = len(tasks) // spec.reps
    ran = sum(len(j.tasks) for j in jobs)
    return SweepOutcome(table, points, len(tasks), ran, seconds, executor.name)


def _chunk_size(tasks: int, workers: int | None, dask_local: int | None) -> int:
    lanes = dask_local or workers or os.cpu_count() or 1
    return max(1, min(64, math.ceil(tasks / (lanes * 16))))


def _manifest(
    scenario: Scenario, spec: SweepSpec, tasks: Sequence[Task], chunk_size: int, table_schema: pa.Schema
) -> dict[str, Any]:
    from sim.results import versions

    return {
        "format": 1,
        "scenario": scenario.name,
        "scenario_file": scenario.file,
        "scenario_sha256": scenario.sha256,
        "overrides": dict(scenario.overrides),
        "spec": spec.as_dict(),
        "runs": len(tasks),
        "points": len(tasks) // spec.reps,
        "chunk_size": chunk_size,
        "columns": [{"name": f.name, "type": str(f.type)} for f in table_schema],
        "done": [],
        "versions": versions(),
    }


def _jobs(scenario: Scenario, spec: SweepSpec, tasks: Sequence[Task], size: int, done: set[int]) -> list[Job]:
    jobs = []
    for number, start in enumerate(range(0, len(tasks), size)):
        if number not in done:
            chunk = tuple(tasks[start : start + size])
            jobs.append(
                Job(
                    number, chunk, scenario.text, scenario.file, dict(scenario.overrides), spec.rounds, spec.keep_rounds
                )
            )
    return jobs


def _table(results: list[JobResult], table_schema: pa.Schema, spec: SweepSpec, scenario: Scenario) -> pd.DataFrame:
    rows = [row for result in results for row in result.rows]
    frame: pd.DataFrame = pa.Table.from_pylist(rows, schema=table_schema).to_pandas()
    frame = frame.sort_values(["point", "rep"], ignore_index=True)
    frame.attrs["sweep"] = {**spec.as_dict(), "scenario": scenario.name}
    return frame


@contextmanager
def _progress(total: int, done: int, enabled: bool) -> Iterator[Any]:
    """A progress bar on stderr with rate and ETA; silent unless enabled and a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns_ = (
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} runs/s"),
        TimeRemainingColumn(),
    )
    start, before = time.perf_counter(), done
    with Progress(*columns_, console=Console(stderr=True)) as bar:
        task = bar.add_task("runs", total=total, completed=done, rate="-")

        def advance(n: int) -> None:
            nonlocal done
            done += n
            rate = (done - before) / max(time.perf_counter() - start, 1e-9)
            bar.update(task, completed=done, rate=f"{rate:.1f}")

        yield advance


def sweep(
    scenario: Scenario | str | os.PathLike[str],
    params: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    design: str | None = None,
    samples: int | None = None,
    reps: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    keep_rounds: bool = False,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a parameter sweep and return one row per run.

    Parameters
    ----------
    scenario : Scenario or path
    params : mapping or sequence of str, optional
        ``{"G_H": "0:1:11", "mediation_strength": [0, 0.25, 0.5]}`` or
        ``["G_H=0:1:11"]``; the scenario's ``sweep:`` block by default.
    design, samples, reps, rounds, seed
        See :class:`SweepSpec`; unset ones come from the ``sweep:`` block or defaults.
    workers : int, optional
        Local processes (all cores by default; 1 runs here, serially).
    scheduler : str, optional
        Address of a running Dask scheduler.
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many workers.
    out : path, optional
        Folder for the resumable Parquet output; in memory only if not given.
    force : bool
        Replace a different sweep found in ``out``.
    keep_rounds : bool
        Also keep every run's round table (in ``out/_rounds``).
    progress : bool
        Show a progress bar (on a terminal).

    Examples
    --------
    >>> from sim.scenario import parse_scenario, _EXAMPLE
    >>> table = sweep(parse_scenario(_EXAMPLE), {"cost": [0.5, 2.0]}, reps=2, workers=1)
    >>> table[["cost", "rep", "share:choice=(go)"]].values.tolist()
    [[0.5, 0.0, 1.0], [0.5, 1.0, 1.0], [2.0, 0.0, 0.0], [2.0, 1.0, 0.0]]
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    spec = spec_from(
        loaded.spec.sweep,
        params,
        design=design,
        samples=samples,
        reps=reps,
        rounds=rounds,
        seed=seed,
        keep_rounds=keep_rounds,
    )
    outcome = run_sweep(
        loaded,
        spec,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
        out=out,
        force=force,
        progress=progress,
    )
    return outcome.table
