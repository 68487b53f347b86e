from __future__ import annotations

import errno
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.api import run
from sim.errors import OutputError, RunError, UsageError
from sim.model.results import RunTables

from .conftest import SCENARIOS, SIMULTANEOUS


def test_tables_are_tidy_with_the_documented_columns() -> None:
    result = run(SIMULTANEOUS, rounds=2)
    assert list(result.rounds.columns) == [
        "round",
        "game",
        "player",
        "strategy",
        "description",  # the variant describes its strategies
        "probability",
        "played",
        "strategy_payoff",
        "realised_payoff",
        "selected_by",
    ]
    assert list(result.equilibria.columns) == [
        "round",
        "game",
        "equilibrium",
        "player",
        "strategy",
        "probability",
        "exact",
        "payoff",
        "selected",
        "degenerate",
        "complete",
    ]
    assert list(result.state.columns) == ["round", "actor", "variable", "value"]
    # one row per round, game, player and strategy: 2 + 3*2 + 2*3 = 14 per round
    assert len(result.rounds) == 2 * (2 + 5 + 5)
    # exactly one selected equilibrium and one played strategy per round, game and player
    selected = result.equilibria[result.equilibria["selected"]]
    assert selected.groupby(["round", "game", "player"])["equilibrium"].nunique().eq(1).all()
    assert result.rounds.groupby(["round", "game", "player"])["played"].sum().eq(1).all()
    # round 0 is the start
    assert set(result.state["round"]) == {0, 1, 2}
    assert "parameters" in set(result.state["actor"])


def test_exact_fractions_appear_in_the_equilibria_table() -> None:
    result = run(SIMULTANEOUS, rounds=1)
    troop = result.equilibria[
        (result.equilibria["game"] == "troop_deployment") & (result.equilibria["equilibrium"] == 2)
    ]
    assert troop["exact"].tolist() == ["193/215", "0", "22/215", "19/24", "5/24"]
    assert not run(SIMULTANEOUS, rounds=1, exact=False).equilibria["exact"].astype(bool).any()


@pytest.mark.slow
def test_save_writes_tables_and_summary(tmp_path: Path) -> None:
    result = run(SIMULTANEOUS, rounds=3)
    written = result.save(tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(
        [f"{t}.{e}" for t in ("rounds", "equilibria", "state") for e in ("csv", "parquet")] + ["summary.json"]
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "out" / "rounds.parquet"), result.rounds, check_dtype=False
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["scenario"] == result.scenario.name
    assert summary["rounds_played"] == 3 and summary["stop_reason"] == "rounds"
    assert summary["scenario_sha256"] == result.scenario.sha256
    assert summary["final_state"]["parameters"]["esc"] == pytest.approx(0.3)
    assert {"diplosim", "numpy", "nashpy", "mesa", "python"} <= set(summary["versions"])
    assert not list((tmp_path / "out").glob(".*")), "no temporary files left behind"


def test_same_seed_saves_byte_identical_csv(tmp_path: Path) -> None:
    chicken = SCENARIOS / "classics" / "chicken.yaml"
    run(chicken, seed=4, rounds=20).save(tmp_path / "a")
    run(chicken, seed=4, rounds=20).save(tmp_path / "b")
    for name in ("rounds.csv", "equilibria.csv", "state.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_overrides_are_recorded() -> None:
    result = run(SIMULTANEOUS, rounds=1, overrides={"K_EU": 10})
    assert result.summary()["overrides"] == {"K_EU": 10.0}
    assert result.final_state()["Ukraine"]["trust"] > 0.2


def test_output_folder_safety(tmp_path: Path) -> None:
    result = run(SIMULTANEOUS, rounds=2)
    result.save(tmp_path / "a")
    result.save(tmp_path / "a")  # the same scenario again: fine
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="holds files that are not a diplosim run"):
        result.save(other)
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    result.save(other, force=True)
    assert (other / "notes.txt").read_text() == "mine" and (other / "summary.json").exists()
    chicken = run(SCENARIOS / "classics" / "chicken.yaml", rounds=2)
    with pytest.raises(UsageError, match="holds a run of another scenario"):
        chicken.save(tmp_path / "a")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="exists and is not a folder"):
        chicken.save(tmp_path / "file")


@pytest.mark.slow
def test_a_full_disk_while_saving_keeps_the_previous_complete_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "run"
    run(SIMULTANEOUS, rounds=2).save(folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def full_disk(table: pd.DataFrame, path: str) -> None:
        Path(path).write_bytes(b"PAR1 half a table")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sim.model.results._to_parquet", full_disk)
    with pytest.raises(OutputError, match=r"cannot write into .*run: the disk is full .*; nothing was changed"):
        run(SIMULTANEOUS, rounds=3).save(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no half file, no temporary folder
    with pytest.raises(OutputError, match="the disk is full"):
        run(SIMULTANEOUS, rounds=3).save(tmp_path / "new" / "run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no half folder


@pytest.mark.slow
def test_tables_and_figures_are_saved_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(SCENARIOS / "classics" / "chicken.yaml", rounds=2)
    written = result.save(tmp_path / "run", figures=True)
    assert sorted(p.name for p in written) == sorted(
        [f"{t}.{e}" for t in ("rounds", "equilibria", "state") for e in ("csv", "parquet")]
        + ["summary.json", "equilibria_chicken.png", "state.png", "payoffs_chicken.png"]
    )

    def broken_figure(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", broken_figure)
    with pytest.raises(OutputError, match="the disk is full"):
        result.save(tmp_path / "second", figures=True)
    assert not (tmp_path / "second").exists()


def test_a_temporary_folder_left_by_a_killed_save_does_not_block_the_next(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    (folder / ".diplosim-run.x1y2z3").mkdir(parents=True)  # what a save killed half-way leaves
    run(SCENARIOS / "classics" / "chicken.yaml", rounds=1).save(folder)
    assert (folder / "summary.json").exists()


def test_the_old_argument_name_set_still_works_with_a_warning() -> None:
    with pytest.warns(DeprecationWarning, match=r"run\(set=...\) is now run\(overrides=...\)"):
        old = run(SIMULTANEOUS, rounds=1, set={"K_EU": 10})
    assert old.scenario.overrides == {"K_EU": 10}
    with pytest.raises(TypeError, match="got both set= and overrides="):
        run(SIMULTANEOUS, rounds=1, set={"K_EU": 10}, overrides={"K_EU": 9})
    with pytest.raises(TypeError, match="unexpected keyword argument 'sett'"):
        run(SIMULTANEOUS, rounds=1, sett={"K_EU": 10})


def test_a_run_result_has_a_short_repr() -> None:
    result = run(SIMULTANEOUS)
    assert repr(result) == (
        f"RunResult(scenario={result.scenario.name!r}, seed=7, rounds_played={result.rounds_played}, "
        f"stop_reason={result.stop_reason!r})"
    )


# a run stopped by an error, and the run as it is played (issue 17)

#: Two games a round; A.x starts at 3 and falls by 1 after each round, so the second
#: game's payoff 1 / A.x divides by zero in round 4 (A.x = 3 - 3 = 0), after the first
#: game of round 4 was played.
BREAKS_IN_ROUND_4 = """
name: breaks
rounds: 6
actors: {A: {state: {x: 3}}}
games:
  first:
    players: [A]
    strategies: {A: [go, stay]}
    payoffs: {A: "1 if A == 'go' else 0"}
  second:
    players: [A]
    strategies: {A: [go, stay]}
    payoffs: {A: "1 / A.x if A == 'go' else 0"}
dynamics:
  - set: {A.x: "A.x - 1"}
"""


def test_a_run_stopped_by_an_error_keeps_the_rounds_before_it(tmp_path: Path) -> None:
    from sim.model.results import play
    from sim.scenario.load import parse_scenario

    with pytest.raises(RunError, match="round 4, game second") as caught:
        play(parse_scenario(BREAKS_IN_ROUND_4))
    partial = caught.value.partial
    assert isinstance(partial, RunTables)
    assert (partial.rounds_played, partial.stop_reason, partial.max_rounds) == (3, "error", 6)
    assert partial.error == str(caught.value)
    # rounds 1-3 whole; the first game of round 4 (played before the error) is left out
    assert sorted(set(zip(partial.rounds["round"], partial.rounds["game"]))) == [
        (r, g) for r in (1, 2, 3) for g in ("first", "second")
    ]
    assert partial.state["round"].tolist() == [0, 1, 2, 3] and partial.final_state() == {"A": {"x": 0.0}}
    partial.save(tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["stop_reason"], summary["rounds_played"], summary["error"]) == ("error", 3, str(caught.value))
    assert pd.read_csv(tmp_path / "run" / "rounds.csv")["round"].max() == 3


def test_a_finished_run_has_no_error_in_its_summary() -> None:
    summary = run(SCENARIOS / "classics" / "chicken.yaml", rounds=1).summary()
    assert "error" not in summary and summary["stop_reason"] == "rounds"


def test_on_round_sees_each_round_as_it_is_played() -> None:
    from sim.model.results import play
    from sim.scenario.load import parse_scenario

    seen = []

    def hook(so_far: RunTables) -> None:
        seen.append((so_far.rounds_played, so_far.stop_reason, sorted({p.round for p in so_far.history.plays})))

    result = play(parse_scenario(BREAKS_IN_ROUND_4), rounds=3, on_round=hook)
    # the hook runs after each round: running until the last, which ends on the round limit
    assert seen == [(1, "running", [1]), (2, "running", [1, 2]), (3, "rounds", [1, 2, 3])]
    assert result.stop_reason == "rounds"


def test_sim_run_attaches_a_run_result_with_figures_to_the_error() -> None:
    from sim.api import RunResult
    from sim.scenario.load import parse_scenario

    with pytest.raises(RunError) as caught:
        run(parse_scenario(BREAKS_IN_ROUND_4))
    partial = caught.value.partial
    assert isinstance(partial, RunResult) and partial.rounds_played == 3
    assert partial.plot_state().axes[0].get_lines()[0].get_xdata().tolist() == [0, 1, 2, 3]
