"""Parameter sweeps: many runs of one scenario, reproducibly, resumably, on any executor.

A sweep is a :class:`SweepSpec` (factors, design, replications, rounds, root seed)
applied to a scenario. :func:`plan` turns it into tasks, one per design point and
replication, in a fixed order: point 0 rep 0, point 0 rep 1, ... Task ``k`` gets the
seed of child ``k`` of the runs' stream of ``numpy.random.SeedSequence(root)`` (63 bits;
see :mod:`sim.sweeps.streams`: designs and bootstraps draw from other streams), so every run's
seed depends only on its position, never on the executor or the number of workers, and
any row can be replayed with ``diplosim run FILE --set NAME=VALUE ... --seed SEED``. The
plan is lazy: a task, with its point and seed, is built when it is about to run, so a
sweep of millions of runs starts at once and in little memory.

Planning refuses, before anything runs: an unknown name, a factor named like a column
of the table (``point``, ``seed``, ``rounds_played``, ...) or given twice (``select``
and ``game.select`` set the same rule), a round limit above :data:`sim.scenario.spec.MAX_ROUNDS`,
and more than :data:`MAX_RUNS` runs. A mistake in a ``sweep:`` block names the file,
the line and the field.

Tasks are grouped in chunks (fewer messages between processes); each finished chunk
is one row per run (see :mod:`sim.sweeps.outcomes`), written by :class:`SweepStore` as a
Parquet part (see :mod:`sim.sweeps.store`: the folder is locked while the sweep runs,
and resuming checks every part it keeps). Running the same sweep into the same folder
resumes with the runs no part holds; a different one is refused unless ``force``.
``pandas.read_parquet(folder)`` reads the whole table (files starting with ``_`` or
``.`` are ignored by it).

A run that raises is recorded with its message in the column ``error`` and the sweep
goes on; :attr:`SweepOutcome.failures` counts them.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import pandas as pd
import pyarrow as pa
from pydantic import ValidationError

from sim.errors import SweepError, UsageError, UserError, did_you_mean
from sim.files import read_input
from sim.scenario.load import Scenario, load_scenario
from sim.scenario.spec import MAX_ROUNDS, SweepSpecBlock
from sim.scenario.yaml_source import parse_yaml
from sim.solvers.selection import RULES
from sim.sweeps.chunks import Job, JobResult, Task, lost_job, run_job
from sim.sweeps.designs import Design, Factor, make_design, parse_factor
from sim.sweeps.executors import lanes, make_executor
from sim.sweeps.outcomes import columns
from sim.sweeps.store import FORMAT, Rejected, SweepStore, load_sweep
from sim.sweeps.streams import run_seed

__all__ = [
    "MAX_RUNS",
    "BlockSource",
    "Plan",
    "SweepOutcome",
    "SweepSpec",
    "SweepStore",
    "Task",
    "load_sweep",
    "plan",
    "read_sweep_block",
    "run_sweep",
    "spec_from",
    "sweep_outcome",
]

#: Most runs one sweep may have.
MAX_RUNS = 10_000_000
#: The largest root seed (the seeds of scenarios and runs are 63-bit too: sim.scenario.spec).
LARGEST_SEED = 2**63 - 1
#: Columns every sweep table has besides the outcomes: a factor cannot take their names.
ID_COLUMNS = ("point", "rep", "seed", "error")
#: The most runs in one chunk, and how many chunks per worker the sweep aims for (so
#: that the last chunks finish together).
RUNS_PER_CHUNK = 64
CHUNKS_PER_LANE = 16


@dataclass(frozen=True)
class BlockSource:
    """Where a ``sweep:`` block was read, so that a mistake in it is reported with its
    file, line and field.

    Attributes
    ----------
    file, text : str
        The YAML file and its text.
    prefix : tuple of str
        The path of the block in the document (``("sweep",)``, or ``()`` at the top).
    overridden : frozenset of str
        The block's fields that flags replaced (errors about them name the flag).
    taken : tuple of str
        The fields whose values the spec took from the block (written there and not
        replaced by a flag), in the block's field order: what a summary names as the
        block's (see :meth:`SweepSpec.block_values`).
    """

    file: str
    text: str
    prefix: tuple[str, ...]
    overridden: frozenset[str] = frozenset()
    taken: tuple[str, ...] = ()

    @classmethod
    def of(cls, scenario: Scenario) -> BlockSource | None:
        """The source of a scenario's own ``sweep:`` block, if it has one."""
        return None if scenario.spec.sweep is None else cls(scenario.file, scenario.text, ("sweep",))

    def locate(self, error: SweepError) -> UserError:
        """``error`` as a :class:`~sim.errors.ScenarioError` at its field's line (or the
        block's, for a field the block lacks), unless a flag gave that field; else
        ``error`` itself."""
        if not error.field or error.field[0] in self.overridden:
            return error
        document = parse_yaml(self.text, self.file)
        return document.error((*self.prefix, *error.field), error.problem)


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep.

    Attributes
    ----------
    factors : tuple of Factor
        Parameters, ``Actor.variable`` (initial state), ``select`` or ``game.select``.
    design : str
        ``grid``, ``lhs`` or ``sobol`` (see :mod:`sim.sweeps.designs`).
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
    source : BlockSource or None
        Where the spec's fields were read (not part of the spec's identity).
    """

    factors: tuple[Factor, ...]
    design: str = "grid"
    samples: int | None = None
    reps: int = 1
    rounds: int | None = None
    seed: int = 0
    keep_rounds: bool = False
    source: BlockSource | None = field(default=None, compare=False, repr=False)

    def block_values(self) -> dict[str, Any]:
        """The values that came from a ``sweep:`` block rather than from flags or
        arguments (the swept parameters by name), in the block's field order.

        Examples
        --------
        >>> from sim.scenario.spec import SweepSpecBlock
        >>> block = SweepSpecBlock(params={"G": "0:1:3"}, design="lhs", samples=1000, reps=2)
        >>> source = BlockSource("s.yaml", "", ("sweep",))
        >>> spec_from(block, reps=3, source=source).block_values()
        {'params': ['G'], 'design': 'lhs', 'samples': 1000}
        """
        taken = self.source.taken if self.source is not None else ()
        return {name: [f.name for f in self.factors] if name == "params" else getattr(self, name) for name in taken}

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (what the manifest stores)."""
        data = dataclasses.asdict(dataclasses.replace(self, source=None))
        del data["source"]
        return data

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
    source: BlockSource | None = None,
) -> SweepSpec:
    """A spec from a ``sweep:`` block (a scenario's, or a file's), overridden by what is
    given.

    ``params`` is a mapping (``{"G_H": "0:1:11", "select": ["first", "random"]}``) or
    command-line texts (``["G_H=0:1:11"]``); given, it replaces the block's params.
    ``source`` says where the block was read (see :class:`BlockSource`), so that errors
    about its fields name the file and line.

    Examples
    --------
    >>> spec_from(None, ["G_H=0:1:3"], reps=2).factors[0].levels()
    (0.0, 0.5, 1.0)
    """
    given = {"params": params, "design": design, "samples": samples, "reps": reps, "rounds": rounds, "seed": seed}
    if source is not None:
        overridden = source.overridden | {k for k, v in given.items() if v is not None}
        written = block.model_fields_set if block is not None else set()
        taken = tuple(name for name in given if name in written and name not in overridden)
        source = dataclasses.replace(source, overridden=frozenset(overridden), taken=taken)
    if params is None:
        params = dict(block.params) if block is not None else {}
    texts = list(params) if not isinstance(params, Mapping) else [_factor_text(k, v) for k, v in params.items()]
    try:
        factors = tuple(parse_factor(text) for text in texts)
    except UsageError as exc:
        name = next((t.partition("=")[0].strip() for t in texts if _fails(t)), "")
        error = SweepError(str(exc), field=("params", name))
        raise (source.locate(error) if source is not None else exc) from None
    return SweepSpec(
        factors=factors,
        design=design or (block.design if block else "grid"),
        samples=samples if samples is not None else (block.samples if block else None),
        reps=reps if reps is not None else (block.reps if block else 1),
        rounds=rounds if rounds is not None else (block.rounds if block else None),
        seed=seed if seed is not None else (block.seed if block else 0),
        keep_rounds=keep_rounds,
        source=source,
    )


def _fails(text: str) -> bool:
    try:
        parse_factor(text)
    except UsageError:
        return True
    return False


def read_sweep_block(path: str | os.PathLike[str]) -> SweepSpecBlock:
    """A sweep given in its own YAML file: the fields of a ``sweep:`` block, at the top
    level or under ``sweep:``.

    Raises
    ------
    ScenarioError
        Naming the file, line and field of a mistake.
    """
    return read_sweep_file(path)[0]


def read_sweep_file(path: str | os.PathLike[str]) -> tuple[SweepSpecBlock, BlockSource]:
    """A sweep file's block (see :func:`read_sweep_block`) and where it was read.

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
        block = SweepSpecBlock.model_validate(data if data is not None else {})
    except ValidationError as exc:
        error = exc.errors()[0]
        where = prefix + tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        raise document.error(where, str(error["msg"])) from None
    return block, BlockSource(str(path), text, prefix)


def _factor_text(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return f"{name}={','.join(str(v) for v in value)}"
    return f"{name}={value}"


class Plan(Sequence[Task]):
    """Every run of a sweep in (point, rep) order, built on demand: task ``k`` is point
    ``k // reps``, replication ``k % reps``, with the seed of run ``k`` (see
    :mod:`sim.sweeps.streams`). Holds the design (itself lazy) and three numbers.

    Examples
    --------
    >>> from sim.sweeps.designs import make_design, parse_factor
    >>> tasks = Plan(make_design([parse_factor("a=0:1:3")], "grid", None, 0), reps=2, seed=7)
    >>> len(tasks), tasks[5].point, tasks[5].rep, tasks[5].values
    (6, 2, 1, {'a': 1.0})
    """

    def __init__(self, points: Design, reps: int, seed: int) -> None:
        self.points = points
        self.reps = reps
        self.seed = seed

    def __len__(self) -> int:
        return len(self.points) * self.reps

    @overload
    def __getitem__(self, index: int) -> Task: ...

    @overload
    def __getitem__(self, index: slice) -> list[Task]: ...

    def __getitem__(self, index: int | slice) -> Task | list[Task]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"run {index} out of range (the sweep has {size})")
        index %= size
        point, rep = divmod(index, self.reps)
        return Task(index, point, rep, self.points[point], run_seed(self.seed, index))


def plan(scenario: Scenario, spec: SweepSpec) -> Plan:
    """Every run of the sweep, in (point, rep) order, each with its own seed (lazily:
    see :class:`Plan`).

    Raises
    ------
    UsageError
        On an unknown name, a factor named like a table column or setting what another
        one sets, a word where a number is needed (or the reverse), an empty design, a
        round limit or root seed out of range, or too many runs, before anything runs;
        a :class:`~sim.errors.ScenarioError` naming file, line and field when the
        mistake is in a ``sweep:`` block.
    """
    try:
        return _plan(scenario, spec)
    except SweepError as exc:
        raise (spec.source.locate(exc) if spec.source is not None else exc) from None


def _plan(scenario: Scenario, spec: SweepSpec) -> Plan:
    if not spec.factors:
        raise SweepError(
            "nothing to sweep: give at least one --param NAME=LO:HI:N (or a sweep: block)", field=("params",)
        )
    _check_number("--reps", spec.reps, 1, MAX_RUNS, "replications", "sim.sweeps.runner.MAX_RUNS")
    if spec.rounds is not None:
        _check_number("--rounds", spec.rounds, 1, MAX_ROUNDS, "rounds", "sim.scenario.spec.MAX_ROUNDS")
    _check_number("--seed", spec.seed, 0, LARGEST_SEED, "", "")
    reserved = {*ID_COLUMNS, *(name for name, _ in columns(scenario))}
    for factor in spec.factors:
        _check_factor(scenario, factor, reserved)
    _check_targets(scenario, spec.factors)
    points = make_design(spec.factors, spec.design, spec.samples, spec.seed)
    total = len(points) * spec.reps
    if total > MAX_RUNS:
        raise SweepError(
            f"{len(points)} points x {spec.reps} reps = {total} runs; the limit is {MAX_RUNS} "
            "(sim.sweeps.runner.MAX_RUNS): "
            "use fewer points or reps",
            field=("reps",) if spec.reps > 1 else ("params",),
        )
    return Plan(points, spec.reps, spec.seed)


def _check_number(flag: str, value: object, low: int, high: int, unit: str, constant: str) -> None:
    """A whole number in ``[low, high]``, else a message naming the flag, the value and
    the limit (and the constant that sets it)."""
    if isinstance(value, bool) or not isinstance(value, int):
        problem = f"{value!r} is not a whole number"
    elif value < low:
        problem = f"{value} is less than {low}"
    elif value > high:
        where = f" ({constant}: raise it there, or use fewer)" if constant else ""
        problem = f"{value} is more than the limit of {high}{' ' + unit if unit else ''}{where}"
    else:
        return
    raise SweepError(f"{flag} {problem}", field=(flag.lstrip("-"),), problem=problem)


def _is_rule(name: str, scenario: Scenario) -> bool:
    return name == "select" or (name.endswith(".select") and name[: -len(".select")] in scenario.spec.games)


def _check_factor(scenario: Scenario, factor: Factor, reserved: set[str]) -> None:
    where = ("params", factor.name)
    levels = factor.values if factor.values is not None else ()
    if _is_rule(factor.name, scenario):
        wrong = [v for v in levels if v not in RULES] or (["a range"] if factor.values is None else [])
        if wrong:
            problem = f"{wrong[0]!r} is not a selection rule (rules: {', '.join(RULES)})"
            raise SweepError(f"--param {factor.name}: {problem}", field=where, problem=problem)
        return
    if factor.name not in scenario.initial:
        known = [*scenario.initial, "select", *(f"{g.name}.select" for g in scenario.games)]
        problem = (
            f"no parameter, actor state or game.select of that name"
            f"{did_you_mean(factor.name, known)} (known: {', '.join(known)})"
        )
        raise SweepError(f"--param {factor.name}: {problem}", field=where, problem=problem)
    if factor.name in reserved:
        problem = (
            f"the sweep table already has a column {factor.name!r}, so a factor of that name would overwrite it; "
            "rename the parameter in the scenario to sweep it"
        )
        raise SweepError(f"--param {factor.name}: {problem}", field=where, problem=problem)
    words = [v for v in levels if isinstance(v, str)]
    if words:
        problem = f"{words[0]!r} is not a number"
        raise SweepError(f"--param {factor.name}: {problem}", field=where, problem=problem)


def _check_targets(scenario: Scenario, factors: Sequence[Factor]) -> None:
    """No two factors set the same thing: a name given twice, or ``select`` (every
    game's rule) with ``game.select``."""
    seen: set[str] = set()
    for factor in factors:
        if factor.name in seen:
            problem = "given twice; give each factor once"
            raise SweepError(f"--param {factor.name}: {problem}", field=("params", factor.name), problem=problem)
        seen.add(factor.name)
    if "select" in seen:
        both = next((f.name for f in factors if f.name != "select" and _is_rule(f.name, scenario)), None)
        if both is not None:
            problem = "select already sets the rule of every game; sweep either select or the games' own rules"
            raise SweepError(f"--param {both}: {problem}", field=("params", both), problem=problem)


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


class Chunks(Sequence[range]):
    """The runs still to do, cut into chunks of at most ``size`` consecutive runs; built
    from intervals of run indices, so it holds as many numbers as there are intervals.

    Examples
    --------
    >>> [list(chunk) for chunk in Chunks([(0, 5), (8, 10)], 2)]
    [[0, 1], [2, 3], [4], [8, 9]]
    """

    def __init__(self, intervals: Sequence[tuple[int, int]], size: int) -> None:
        self.intervals = [(start, stop) for start, stop in intervals if stop > start]
        self.size = size
        self.firsts: list[int] = []  # the number of the first chunk of each interval
        count = 0
        for start, stop in self.intervals:
            self.firsts.append(count)
            count += math.ceil((stop - start) / size)
        self._count = count

    @property
    def runs(self) -> int:
        """How many runs the chunks hold."""
        return sum(stop - start for start, stop in self.intervals)

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> range: ...

    @overload
    def __getitem__(self, index: slice) -> list[range]: ...

    def __getitem__(self, index: int | slice) -> range | list[range]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not -self._count <= index < self._count:
            raise IndexError(f"chunk {index} out of range ({self._count} chunks)")
        index %= self._count
        which = bisect_right(self.firsts, index) - 1
        start, stop = self.intervals[which]
        first = start + (index - self.firsts[which]) * self.size
        return range(first, min(first + self.size, stop))


class Jobs(Sequence[Job]):
    """The jobs of a sweep, built when an executor asks for them: job ``i`` runs chunk
    ``i`` and is saved as part ``first + i``."""

    def __init__(self, scenario: Scenario, spec: SweepSpec, tasks: Plan, chunks: Chunks, first: int) -> None:
        self.scenario = scenario
        self.spec = spec
        self.tasks = tasks
        self.chunks = chunks
        self.first = first

    def __len__(self) -> int:
        return len(self.chunks)

    @overload
    def __getitem__(self, index: int) -> Job: ...

    @overload
    def __getitem__(self, index: slice) -> list[Job]: ...

    def __getitem__(self, index: int | slice) -> Job | list[Job]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        scenario = self.scenario
        return Job(
            self.first + index,
            tuple(self.tasks[k] for k in self.chunks[index]),
            scenario.text,
            scenario.file,
            dict(scenario.overrides),
            self.spec.rounds,
            self.spec.keep_rounds,
        )


@dataclass
class SweepOutcome:
    """A finished (or interrupted) sweep: its table and what this call did.

    ``failures`` counts the runs of the table whose ``error`` is set (runs that raised,
    or whose worker died twice); ``rejected`` names the parts set aside on resumption
    (their runs were run again); ``notes`` say where this call did less than asked
    (fewer workers).
    """

    table: pd.DataFrame
    points: int
    runs: int
    ran: int
    seconds: float
    executor: str
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: int = field(init=False)

    def __post_init__(self) -> None:
        self.failures = int(self.table["error"].notna().sum()) if "error" in self.table else 0

    @property
    def rate(self) -> float:
        """Runs per second in this call."""
        return self.ran / self.seconds if self.seconds > 0 else math.nan

    @property
    def first_failure(self) -> str:
        """The message of the first failed run (in point order), or ``""``."""
        if not self.failures:
            return ""
        return str(self.table["error"].dropna().iloc[0])


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
    oversubscribe: bool = False,
    notify: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Run (or resume) a sweep; see :func:`sweep` for the arguments. ``notify`` gets a
    line for each thing done differently than asked (fewer workers than requested,
    parts set aside on resumption) when it happens."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)

    tasks = plan(loaded, spec)
    planned, note = lanes(workers, scheduler, dask_local, oversubscribe=oversubscribe)  # checked before anything
    if chunk_size is not None and (isinstance(chunk_size, bool) or chunk_size < 1):
        raise UsageError(f"chunk_size {chunk_size!r}: give at least 1")
    table_schema = schema(loaded, spec)
    notes = [note] if note else []
    tell = notify or (lambda line: None)
    for line in notes:
        tell(line)
    collected: list[JobResult] = []
    with ExitStack() as stack:
        store = None
        if out is not None:
            store = stack.enter_context(
                SweepStore(Path(out), _manifest(loaded, spec, tasks, table_schema), table_schema, force)
            )
            for rejected in store.rejected:
                tell(f"{Path(out) / rejected.name}: {rejected.reason}: set aside in _rejected/; its runs are run again")
        pending = store.pending if store is not None else [(0, len(tasks))]
        size = chunk_size or _chunk_size(sum(b - a for a, b in pending), planned)
        jobs = Jobs(loaded, spec, tasks, Chunks(pending, size), store.next_number if store is not None else 0)
        executor = make_executor(workers, scheduler, dask_local, items=len(jobs), oversubscribe=oversubscribe)
        start = time.perf_counter()
        with executor, _progress(len(tasks), len(tasks) - jobs.chunks.runs, progress) as advance:
            if store is not None:
                store.begin()
            for result in executor.unordered(run_job, jobs, lost_job):
                if store is not None:
                    store.write(result)
                else:
                    collected.append(result)
                advance(len(result.rows))
        seconds = time.perf_counter() - start
        table = load_sweep(store.folder) if store is not None else _table(collected, table_schema, spec, loaded)
    return SweepOutcome(
        table,
        len(tasks.points),
        len(tasks),
        jobs.chunks.runs,
        seconds,
        executor.name,
        rejected=list(store.rejected) if store is not None else [],
        notes=notes,
    )


def _chunk_size(runs: int, lanes: int) -> int:
    """Chunks of at most :data:`RUNS_PER_CHUNK` runs, about :data:`CHUNKS_PER_LANE` per lane."""
    return max(1, min(RUNS_PER_CHUNK, math.ceil(runs / (lanes * CHUNKS_PER_LANE))))


def _manifest(scenario: Scenario, spec: SweepSpec, tasks: Plan, table_schema: pa.Schema) -> dict[str, Any]:
    from sim.model.provenance import versions

    return {
        "format": FORMAT,
        "scenario": scenario.name,
        "scenario_file": scenario.file,
        "scenario_sha256": scenario.sha256,
        "overrides": dict(scenario.overrides),
        "spec": spec.as_dict(),
        "runs": len(tasks),
        "points": len(tasks.points),
        "columns": [{"name": f.name, "type": str(f.type)} for f in table_schema],
        "versions": versions(),
    }


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


def sweep_outcome(
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
    oversubscribe: bool = False,
) -> tuple[SweepSpec, SweepOutcome]:
    """Run a parameter sweep: its description and what the run did (the public
    :func:`sim.sweep` wraps these in a :class:`sim.api.SweepResult`).

    Parameters
    ----------
    scenario : Scenario or path
    params : mapping or sequence of str, optional
        ``{"G_H": "0:1:11", "mediation_strength": [0, 0.25, 0.5]}`` or
        ``["G_H=0:1:11"]``; the scenario's ``sweep:`` block by default.
    design, samples, reps, rounds, seed
        See :class:`SweepSpec`; unset ones come from the ``sweep:`` block or defaults.
    workers : int, optional
        Local processes (all cores by default; 1 runs here, serially); at most the
        cores and the chunks to run (see :func:`sim.sweeps.executors.lanes`).
    scheduler : str, optional
        Address of a running Dask scheduler, ``[tcp://]HOST:PORT``.
    dask_local : int, optional
        Start a Dask ``LocalCluster`` with this many workers (capped as ``workers``).
    out : path, optional
        Folder for the resumable Parquet output (locked while the sweep runs); in
        memory only if not given.
    force : bool
        Replace a different sweep (or a damaged one) found in ``out``.
    keep_rounds : bool
        Also keep every run's round table (in ``out/_rounds``).
    progress : bool
        Show a progress bar (on a terminal).
    oversubscribe : bool
        Start as many workers as asked even beyond the cores.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> spec, outcome = sweep_outcome(parse_scenario(_EXAMPLE), {"cost": [0.5, 2.0]}, reps=2, workers=1)
    >>> outcome.table[["cost", "rep", "share:choice=(go)"]].values.tolist()
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
        source=BlockSource.of(loaded) if params is None else None,
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
        oversubscribe=oversubscribe,
    )
    return spec, outcome
