from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.api import run
from sim.api import sweep as sweep_result
from sim.errors import ScenarioError, SweepError, UsageError
from sim.scenario.load import parse_scenario
from sim.sweeps import executors
from sim.sweeps.runner import MAX_RUNS, Chunks, load_sweep, plan, read_sweep_block, run_sweep, spec_from
from sim.sweeps.streams import run_seed

from .conftest import cli_command, diplosim

SMALL = """
name: sweepable chicken
rounds: 5
parameters: {cost: 1.0, k: 1.0}
actors: {A: {state: {x: 0}}, B: {}}
games:
  g:
    players: [A, B]
    strategies: {A: [s, t], B: [s, t]}
    payoffs:
      A: [[0, -1], [1, "-10 * cost"]]
      B: [[0, 1], [-1, "-10 * cost"]]
dynamics:
  - set: {A.x: "A.x + 1 / (k - 2)"}
equilibrium: {select: random}
metrics:
  crash_share: "count_g_t_t / rounds"
sweep:
  params: {cost: "0.5:1:2", k: [0, 1]}
  reps: 3
  seed: 11
"""


def sweep(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """The table of :func:`sim.api.sweep`."""
    return sweep_result(*args, **kwargs).table


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def test_a_2x2_grid_with_3_reps_gives_12_rows(scenario_file: Path) -> None:
    table = sweep(scenario_file, workers=1)
    assert len(table) == 12
    assert table[["point", "rep"]].values.tolist() == [[p, r] for p in range(4) for r in range(3)]
    assert table[["cost", "k"]].drop_duplicates().values.tolist() == [[0.5, 0.0], [0.5, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert table["seed"].nunique() == 12
    assert table["error"].isna().all()
    assert (table["rounds_played"] == 5).all()
    shares = table[[c for c in table.columns if c.startswith("share:g=")]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    np.testing.assert_allclose(table["metric:crash_share"], table["share:g=(t,t)"])
    assert {"first:g=(s,t)", "final:A.x", "final:cost", "degenerate_rounds", "stop_reason"} <= set(table.columns)
    # random selection and sampling: replications differ
    assert table.groupby("point")["share:g=(s,t)"].nunique().max() > 1


@pytest.mark.slow
def test_identical_tables_with_one_or_two_workers_and_dask(scenario_file: Path) -> None:
    serial = sweep(scenario_file, workers=1)
    pool = sweep(scenario_file, workers=2)
    dask = sweep(scenario_file, dask_local=2)
    pd.testing.assert_frame_equal(serial, pool)
    pd.testing.assert_frame_equal(serial, dask)


def test_a_row_can_be_replayed_with_run(scenario_file: Path) -> None:
    table = sweep(scenario_file, workers=1)
    row = table.iloc[7]
    replay = run(scenario_file, overrides={"cost": row["cost"], "k": row["k"]}, seed=int(row["seed"]))
    played = replay.rounds[replay.rounds["played"] & (replay.rounds["player"] == "A")]["strategy"].tolist()
    b = replay.rounds[replay.rounds["played"] & (replay.rounds["player"] == "B")]["strategy"].tolist()
    share = sum(x == "s" and y == "t" for x, y in zip(played, b)) / 5
    assert share == row["share:g=(s,t)"]


def test_a_failing_point_is_recorded_and_the_others_finish(scenario_file: Path) -> None:
    table = sweep(scenario_file, {"k": [1, 2, 3]}, workers=1, reps=1)
    assert table["error"].notna().tolist() == [False, True, False]
    assert "division by zero" in table["error"][1]
    assert np.isnan(table["final:A.x"][1]) and table["final:A.x"][2] == 5.0


def test_output_folder_resumes_and_refuses_another_sweep(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_sweep(scenario_file, spec_from(parse_scenario(SMALL).spec.sweep), workers=1, out=out, chunk_size=2)
    assert first.ran == 12 and len(list(out.glob("part-*.parquet"))) == 6
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["format"] == 2 and manifest["runs"] == 12 and "done" not in manifest  # parts are the truth
    pd.testing.assert_frame_equal(pd.read_parquet(out).sort_values(["point", "rep"], ignore_index=True), first.table)
    (out / "part-000001.parquet").unlink()
    (out / "part-000004.parquet").unlink()
    again = run_sweep(scenario_file, spec_from(parse_scenario(SMALL).spec.sweep), workers=1, out=out)
    assert again.ran == 4
    pd.testing.assert_frame_equal(again.table, first.table)
    with pytest.raises(UsageError, match="holds a different sweep"):
        sweep(scenario_file, {"cost": [1]}, workers=1, out=out)
    replaced = sweep(scenario_file, {"cost": [1]}, workers=1, reps=1, out=out, force=True)
    assert len(replaced) == 1
    assert len(pd.read_parquet(out)) == len(replaced)


def test_a_sweep_begun_by_another_diplosim_version_is_not_resumed(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = spec_from(parse_scenario(SMALL).spec.sweep)
    run_sweep(scenario_file, spec, workers=1, out=out, chunk_size=2)
    manifest = json.loads((out / "_manifest.json").read_text())
    manifest["versions"]["diplosim"] = "0.0.1"  # as if an older version had begun it
    (out / "_manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match="holds a different sweep") as refused:
        run_sweep(scenario_file, spec, workers=1, out=out)
    assert "begun by diplosim 0.0.1" in str(refused.value)


def test_keep_rounds(scenario_file: Path, tmp_path: Path) -> None:
    sweep(scenario_file, {"cost": [1]}, workers=1, reps=2, out=tmp_path / "o", keep_rounds=True)
    rounds = pd.read_parquet(tmp_path / "o" / "_rounds")
    assert set(rounds["rep"]) == {0, 1} and set(rounds["round"]) == {1, 2, 3, 4, 5}
    assert len(pd.read_parquet(tmp_path / "o")) == 2  # the round tables are not part of the run table


def test_selection_rule_can_be_swept(scenario_file: Path) -> None:
    table = sweep(scenario_file, {"g.select": ["first", "payoff_dominant"]}, workers=1, reps=1)
    assert table["g.select"].tolist() == ["first", "payoff_dominant"]
    assert table["share:g=(s,t)"].tolist() == [1.0, 1.0]  # both pick the first pure equilibrium (s, t)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"costs": "0:1:3"}, "no parameter, actor state or game.select of that name (did you mean 'cost'?)"),
        ({"cost": "0:1:0"}, "cost"),
        ({"cost": ["low", "high"]}, "'low' is not a number"),
        ({"select": ["best"]}, "'best' is not a selection rule"),
        ({}, "nothing to sweep"),
    ],
)
def test_bad_specs_are_refused_before_anything_runs(params: dict[str, object], fragment: str) -> None:
    scenario = parse_scenario(SMALL)
    with pytest.raises(UsageError) as error:
        spec = spec_from(None, params)
        plan(scenario, spec)
    assert fragment in str(error.value)


def test_seeds_depend_only_on_position() -> None:
    scenario = parse_scenario(SMALL)
    small = plan(scenario, spec_from(None, {"cost": [1, 2]}, reps=2, seed=5))
    large = plan(scenario, spec_from(None, {"cost": [1, 2, 3]}, reps=2, seed=5))
    assert [t.seed for t in small] == [t.seed for t in large[:4]]
    assert len({t.seed for t in large}) == 6


def test_sweep_file(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text("sweep:\n  params: {cost: [1, 2]}\n  reps: 2\n")
    assert read_sweep_block(file).reps == 2
    file.write_text("params: {cost: [1, 2]}\nrepz: 2\n")
    with pytest.raises(ScenarioError, match=r"s.yaml:2: repz: Extra inputs are not permitted"):
        read_sweep_block(file)


@pytest.mark.slow
def test_killed_sweep_resumes_to_the_same_table(scenario_file: Path, tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(scenario_file),
        "--param",
        "cost=0.5:1:40",
        "--param",
        "k=0,1",
        "--reps",
        "3",
        "--workers",
        "1",
        "--quiet",
    ]
    whole = tmp_path / "whole"
    subprocess.run([*command, "--out", str(whole)], check=True, capture_output=True, timeout=600)
    cut = tmp_path / "cut"
    process = subprocess.Popen([*command, "--out", str(cut)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(cut.glob("part-*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    parts = len(list(cut.glob("part-*.parquet")))
    assert parts >= 2
    partial = pd.read_parquet(cut)  # every part written so far is complete and readable
    assert len(partial) < 240
    subprocess.run([*command, "--out", str(cut)], check=True, capture_output=True, timeout=600)
    pd.testing.assert_frame_equal(load_sweep(cut), load_sweep(whole))
    assert len(load_sweep(cut)) == 240 and not load_sweep(cut).duplicated(["point", "rep"]).any()


@pytest.mark.slow
def test_cli_sweep_summary_csv_and_analyze(scenario_file: Path, tmp_path: Path) -> None:
    printed = diplosim("sweep", str(scenario_file), "--workers", "1")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.splitlines()[0].startswith("point,rep,seed,cost,k,error,stop_reason")
    assert len(printed.stdout.splitlines()) == 13
    assert "runs/s" in printed.stderr and "failures" in printed.stderr
    out = tmp_path / "sobol"
    done = diplosim(
        "sweep",
        str(scenario_file),
        "--design",
        "sobol",
        "--samples",
        "32",
        "--param",
        "cost=0.5:2",
        "--param",
        "k=0:1",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    assert len(pd.read_parquet(out)) == 32 * 4 * 3
    analyzed = diplosim("analyze", str(out), "--output", "metric:crash_share")
    assert analyzed.returncode == 0, analyzed.stderr
    assert "cost" in analyzed.stdout and "k" in analyzed.stdout and "S1" in analyzed.stdout
    wrong = diplosim("analyze", str(out), "--output", "metric:crash")
    assert wrong.returncode == 2 and "did you mean" in wrong.stderr
    grid = diplosim("analyze", str(tmp_path), "--output", "x")
    assert grid.returncode == 2 and "not a sweep folder" in grid.stderr
    bad = diplosim("sweep", str(scenario_file), "--param", "costs=0:1:3", "--out", str(tmp_path / "never"))
    assert bad.returncode == 2 and "did you mean 'cost'" in bad.stderr
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_ctrl_c_stops_the_sweep_keeps_finished_parts_and_resumes(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "interrupted"
    command = [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(scenario_file),
        "--param",
        "cost=0.5:1:300",  # long enough that it cannot finish before the signal lands
        "--param",
        "k=0,1",
        "--reps",
        "2",
        "--workers",
        "2",
        "--quiet",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(cli_command(*command[3:]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("part-*.parquet"))) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted: the finished runs are saved" in stderr and "Traceback" not in stderr
    assert len(pd.read_parquet(out)) < 1200
    finished = diplosim(*command[3:])
    assert finished.returncode == 0, finished.stderr
    table = load_sweep(out)
    assert len(table) == 1200 and not table.duplicated(["point", "rep"]).any()


def sweep_workers(main: int) -> list[int]:
    """The worker processes of a sweep: forked from ``main`` (its other children are
    multiprocessing's helpers), or children of its fork server."""

    def children(parent: int) -> dict[int, str]:
        found = subprocess.run(["pgrep", "-a", "-P", str(parent)], capture_output=True, text=True, check=False)
        return {int(line.split()[0]): line for line in found.stdout.splitlines()}

    workers = []
    for pid, command in children(main).items():
        if "forkserver" in command:
            workers += list(children(pid))
        elif "resource_tracker" not in command:
            workers.append(pid)
    return workers


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_the_sweep_finishes(scenario_file: Path, tmp_path: Path) -> None:
    args = ["sweep", str(scenario_file), "--param", "cost=0.5:1:300", "--param", "k=0,1", "--reps", "2", "--quiet"]
    whole = diplosim(*args, "--workers", "1", "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", *args, "--workers", "2", "--out", str(out)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = sweep_workers(process.pid)
    assert workers, "the sweep has worker processes"
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    table = load_sweep(out)
    assert len(table) == 1200 and table["error"].isna().all()  # the lost chunk was run again
    pd.testing.assert_frame_equal(table, load_sweep(tmp_path / "whole"))


# --- planning refuses what would silently overwrite -------------------------------------

COLUMN_NAMES = ("point", "rep", "seed", "error", "rounds_played", "stop_reason", "degenerate_rounds")
NAMED_LIKE_COLUMNS = SMALL.replace(
    "parameters: {cost: 1.0, k: 1.0}",
    "parameters: {cost: 1.0, k: 1.0, " + ", ".join(f"{n}: 1" for n in COLUMN_NAMES) + "}",
)


@pytest.mark.parametrize("name", COLUMN_NAMES)
def test_a_factor_named_like_a_table_column_is_refused(name: str) -> None:
    scenario = parse_scenario(NAMED_LIKE_COLUMNS)
    with pytest.raises(SweepError) as refused:
        plan(scenario, spec_from(None, {name: [1, 2]}))
    assert str(refused.value) == (
        f"--param {name}: the sweep table already has a column {name!r}, so a factor of that name would "
        "overwrite it; rename the parameter in the scenario to sweep it"
    )
    assert refused.value.field == ("params", name)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["cost=0:1:3", "cost=2,3"], "--param cost: given twice; give each factor once"),
        (["k=1,2", "cost=1", "k=3"], "--param k: given twice; give each factor once"),
        (
            ["select=first", "g.select=first,random"],
            "--param g.select: select already sets the rule of every game; sweep either select or the games' own rules",
        ),
        (
            ["g.select=first,random", "select=first"],
            "--param g.select: select already sets the rule of every game; sweep either select or the games' own rules",
        ),
    ],
    ids=["same-name", "same-name-apart", "select-then-game-select", "game-select-then-select"],
)
@pytest.mark.slow
def test_two_factors_that_set_the_same_thing_are_refused(params: list[str], message: str) -> None:
    with pytest.raises(SweepError) as refused:
        plan(parse_scenario(SMALL), spec_from(None, params))
    assert str(refused.value) == message


def test_the_plan_of_ten_million_runs_is_built_lazily_in_little_memory() -> None:
    scenario = parse_scenario(SMALL)
    spec = spec_from(None, {"cost": "0:1:1000", "k": "0:1:1000"}, reps=10, seed=3)
    tracemalloc.start()
    try:
        tasks = plan(scenario, spec)
        chunks = Chunks([(0, len(tasks))], 64)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(tasks) == MAX_RUNS and len(chunks) == 156_250  # 10 million / 64
    assert peak < 2_000_000  # the old plan held ten million seed objects and tasks (gigabytes)
    last = tasks[MAX_RUNS - 1]
    assert (last.index, last.point, last.rep, last.values) == (MAX_RUNS - 1, 999_999, 9, {"cost": 1.0, "k": 1.0})
    assert last.seed == run_seed(3, MAX_RUNS - 1)
    assert list(chunks[-1]) == list(range(MAX_RUNS - 64, MAX_RUNS))
    with pytest.raises(SweepError, match=r"1000000 points x 11 reps = 11000000 runs; the limit is 10000000"):
        plan(scenario, spec_from(None, {"cost": "0:1:1000", "k": "0:1:1000"}, reps=11))


def test_chunks_cover_every_pending_run_once() -> None:
    chunks = Chunks([(0, 0), (3, 10), (12, 13), (20, 26)], 3)
    runs = [k for chunk in chunks for k in chunk]
    assert runs == [*range(3, 10), 12, *range(20, 26)] and chunks.runs == len(runs)
    assert [len(c) for c in chunks] == [3, 3, 1, 1, 3, 3]


def test_rounds_flag_plays_that_many_rounds_up_to_the_file_limit(scenario_file: Path) -> None:
    table = sweep(scenario_file, {"cost": [1]}, reps=1, rounds=7, workers=1)
    assert table["rounds_played"].tolist() == [7]
    with pytest.raises(
        SweepError, match=r"--rounds 20000 is more than the limit of 10000 rounds \(sim\.scenario\.spec\.MAX"
    ):
        sweep(scenario_file, {"cost": [1]}, rounds=20_000, workers=1)


def test_a_two_run_sweep_starts_two_workers_on_a_machine_of_sixteen_cores(
    scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(executors, "cores", lambda: 16)
    outcome = run_sweep(scenario_file, spec_from(None, {"cost": [1, 2]}), out=None)
    assert outcome.executor == "2 local processes" and outcome.notes == []
    monkeypatch.setattr(executors, "cores", lambda: 2)
    capped = run_sweep(scenario_file, spec_from(None, {"cost": [1, 2]}), workers=16)
    assert capped.executor == "2 local processes"
    assert capped.notes == [
        "--workers 16: capped at 2, the cores this process may use (add --oversubscribe to start more)"
    ]


# --- the command line: flags obey the file's limits, honest exit codes ----------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rounds", "20000"],
            "sweep: error: argument --rounds: must be at most 10000, not 20000 (the limit of the scenario field "
            "sweep.rounds: sim.scenario.spec.MAX_ROUNDS)",
        ),
        (
            ["--seed", str(2**63)],
            f"sweep: error: argument --seed: must be at most {2**63 - 1}, not {2**63} (the limit of the scenario "
            "field sweep.seed)",
        ),
        (
            ["--reps", "5000000"],
            "4 points x 5000000 reps = 20000000 runs; the limit is 10000000 (sim.sweeps.runner.MAX_RUNS)",
        ),
        (["--scheduler", ""], "--scheduler '': an empty address; write [tcp://]HOST:PORT"),
        (["--scheduler", "foo:bar"], "--scheduler 'foo:bar': the port 'bar' is not a whole number from 1 to 65535"),
        (["--scheduler", "tcp://h:99999"], "--scheduler 'tcp://h:99999': the port '99999' is not a whole number"),
        (["--scheduler", "http://h:1"], "--scheduler 'http://h:1': unknown scheme 'http'"),
        (["--workers", "1000", "--oversubscribe"], "--workers 1000: more than 512 worker processes"),
        (["--dask-local", "600", "--oversubscribe"], "--dask-local 600: more than 512 worker processes"),
        (["--param", "cost=0:1:3", "--param", "cost=4"], "--param cost: given twice; give each factor once"),
        (["--param", "select=first", "--param", "g.select=first"], "--param g.select: select already sets"),
    ],
    ids=[
        "rounds-above-limit",
        "seed-above-63-bits",
        "reps-beyond-run-limit",
        "scheduler-empty",
        "scheduler-port-word",
        "scheduler-port-range",
        "scheduler-scheme",
        "workers-beyond-max",
        "dask-local-beyond-max",
        "factor-twice",
        "select-twice",
    ],
)
def test_bad_sweep_flags_are_one_line_and_exit_2_before_anything_starts(
    scenario_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "never"
    result = diplosim("sweep", str(scenario_file), *args, "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert not out.exists()
    assert lines[0].startswith(
        f"diplosim {message}" if message.startswith("sweep:") else f"diplosim: error: {message}"
    ), lines[0]


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (["--design", "sobol", "--samples", "64"], "19: sweep.params.k: factor 'k' is a list of values (k=0.0,1.0)"),
        (["--design", "lhs"], "18: sweep.samples: the lhs design needs a sample count; add --samples N"),
        (["--reps", "3", "--param", "cost=0:1:3"], None),
    ],
    ids=["block-list-sampled", "block-without-samples", "flags-replace-the-block"],
)
def test_a_mistake_in_the_sweep_block_names_the_file_line_and_field(
    scenario_file: Path, args: list[str], where: str | None
) -> None:
    result = diplosim("sweep", str(scenario_file), *args, "--workers", "1", "--quiet")
    if where is None:
        assert result.returncode == 0, result.stderr
        return
    assert result.returncode == 2
    assert result.stderr.startswith(f"diplosim: error: {scenario_file}:{where}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_sweep_file_mistake_names_the_file_line_and_field(scenario_file: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("sweep:\n  params:\n    point: [1, 2]\n    cost: [1]\n  samples: 4\n")
    result = diplosim("sweep", str(scenario_file), "--spec", str(spec), "--workers", "1")
    assert result.returncode == 2
    assert result.stderr.startswith(f"diplosim: error: {spec}:3: sweep.params.point: no parameter")
    spec.write_text("params: {cost: [1, 2]}\nsamples: 4\n")
    result = diplosim("sweep", str(scenario_file), "--spec", str(spec), "--workers", "1")
    assert result.stderr.startswith(f"diplosim: error: {spec}:2: samples: the grid design takes no sample count")


@pytest.mark.parametrize(
    ("k", "quiet", "code", "line"),
    [
        ("2", True, 3, "diplosim: 3 of 3 runs failed"),
        ("2", False, 3, "diplosim: 3 of 3 runs failed"),
        ("1,2", True, 3, "diplosim: 3 of 6 runs failed"),
        ("0,1", True, 0, None),
    ],
    ids=["all-fail-quiet", "all-fail", "some-fail", "none-fail"],
)
def test_a_sweep_with_failed_runs_exits_3_and_says_how_many(
    scenario_file: Path, tmp_path: Path, k: str, quiet: bool, code: int, line: str | None
) -> None:
    args = ["sweep", str(scenario_file), "--param", f"k={k}", "--workers", "1", "--out", str(tmp_path / "o")]
    result = diplosim(*args, *(["--quiet"] if quiet else []))
    assert result.returncode == code, result.stderr
    last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else None
    if line is None:
        assert result.stderr == ""
        return
    assert last is not None and last.startswith(
        f"{line} (their message is in the column 'error'; the first: RunError: "
    )
    assert last.endswith("formula 'A.x + 1 / (k - 2)': division by zero)"), last
    if not quiet:
        assert "failures" in result.stderr


#: A hazard swept over its probability: each run draws from its own seeded generator.
HAZARD = """
name: swept hazard
rounds: 20
parameters: {p: 0.1, war: 0}
actors: {A: {}}
games:
  g:
    players: [A]
    strategies: {A: [x, y]}
    payoffs: {A: [1, 0]}
dynamics:
  - set: {war: "draw(p)"}
stop_when: "war == 1"
sweep:
  params: {p: [0.1, 0.3]}
  reps: 4
  seed: 5
"""


@pytest.mark.slow
def test_draws_give_identical_sweep_tables_with_one_or_two_workers_and_replay_with_run(tmp_path: Path) -> None:
    path = tmp_path / "hazard.yaml"
    path.write_text(HAZARD)
    serial = sweep(path, workers=1)
    pd.testing.assert_frame_equal(serial, sweep(path, workers=2))
    # each row is the run of its seed: replaying it with `run` stops in the same round
    for row in serial.itertuples():
        replay = run(path, overrides={"p": row.p}, seed=int(row.seed))
        assert (replay.rounds_played, replay.stop_reason) == (row.rounds_played, row.stop_reason)


# which values came from a sweep: block (issue 17: the block's samples silently replaced the flags' defaults)


def test_a_spec_names_the_values_its_block_gave_and_a_flag_wins() -> None:
    from sim.scenario.spec import SweepSpecBlock
    from sim.sweeps.runner import BlockSource

    block = SweepSpecBlock(params={"G": "0:1"}, design="lhs", samples=1000, seed=7)  # reps and rounds not written
    source = BlockSource("s.yaml", "", ("sweep",))
    spec = spec_from(block, samples=200, source=source)
    assert (spec.samples, spec.design, spec.reps, spec.seed) == (200, "lhs", 1, 7)  # the flag's 200 ran, not 1000
    assert spec.block_values() == {"params": ["G"], "design": "lhs", "seed": 7}
    assert spec_from(block, ["H=0:1"], design="sobol", seed=1, source=source).block_values() == {"samples": 1000}
    assert spec_from(block).block_values() == {}  # no source: nothing to name
