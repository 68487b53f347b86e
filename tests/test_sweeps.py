from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import UsageError
from sim.results import run
from sim.scenario import parse_scenario
from sim.sweeps import load_sweep, plan, read_sweep_block, run_sweep, spec_from, sweep

from .conftest import diplosim

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


def test_identical_tables_with_one_or_two_workers_and_dask(scenario_file: Path) -> None:
    serial = sweep(scenario_file, workers=1)
    pool = sweep(scenario_file, workers=2)
    dask = sweep(scenario_file, dask_local=2)
    pd.testing.assert_frame_equal(serial, pool)
    pd.testing.assert_frame_equal(serial, dask)


def test_a_row_can_be_replayed_with_run(scenario_file: Path) -> None:
    table = sweep(scenario_file, workers=1)
    row = table.iloc[7]
    replay = run(scenario_file, set={"cost": row["cost"], "k": row["k"]}, seed=int(row["seed"]))
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
    assert manifest["done"] == list(range(6)) and manifest["runs"] == 12
    pd.testing.assert_frame_equal(pd.read_parquet(out).sort_values(["point", "rep"], ignore_index=True), first.table)
    (out / "part-000001.parquet").unlink()
    (out / "part-000004.parquet").unlink()
    again = run_sweep(scenario_file, spec_from(parse_scenario(SMALL).spec.sweep), workers=1, out=out)
    assert again.ran == 4
    pd.testing.assert_frame_equal(again.table, first.table)
    with pytest.raises(UsageError, match="holds a different sweep"):
        sweep(scenario_file, {"cost": [1]}, workers=1, out=out)
    replaced = sweep(scenario_file, {"cost": [1]}, workers=1, reps=1, out=out, force=True)
    assert len(replaced) == 2 or len(replaced) == 1
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
    with pytest.raises(Exception, match=r"s.yaml:2: repz"):
        read_sweep_block(file)


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
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
