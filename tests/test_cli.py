from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim import cli

from .conftest import ALL_SCENARIOS, FLAGSHIP, SCENARIOS, diplosim


def test_flagship_run_writes_tables_and_is_byte_identical_twice(tmp_path: Path) -> None:
    first = diplosim("run", str(FLAGSHIP), "--out", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    assert "Round 24" in first.stdout and "played all 24 rounds" in first.stdout
    second = diplosim("run", str(FLAGSHIP), "--out", str(tmp_path / "b"), "--quiet")
    assert second.returncode == 0, second.stderr
    for name in ("rounds.csv", "equilibria.csv", "state.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["rounds_played"] == 24


def test_solve_matching_pennies_json() -> None:
    result = diplosim("solve", str(SCENARIOS / "classics" / "matching_pennies.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    (game,) = json.loads(result.stdout)["games"]
    assert game["equilibria"] == [{"Even": {"heads": "1/2", "tails": "1/2"}, "Odd": {"heads": "1/2", "tails": "1/2"}}]


def test_unknown_strategy_in_a_formula_is_one_line_with_exit_2(tmp_path: Path) -> None:
    text = (
        (SCENARIOS / "troop_deployment.yaml")
        .read_text()
        .replace("if EU == 'D' else (G_M", "if EU == 'deploy' else (G_M")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    for command in ("run", "validate", "solve"):
        result = diplosim(command, str(bad))
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith(f"diplosim: error: {bad}:")
        assert "games.troop_deployment.let.G_X" in lines[0] and "'deploy' is not a strategy of EU" in lines[0]
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_scenario_validates_solves_and_runs_from_the_cli(path: Path, tmp_path: Path) -> None:
    assert diplosim("validate", str(path)).returncode == 0
    assert diplosim("solve", str(path)).returncode == 0
    result = diplosim("run", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "summary.json").exists()


def test_help_and_version() -> None:
    assert diplosim("--help").returncode == 0
    for command in ("run", "validate", "solve"):
        assert diplosim(command, "--help").returncode == 0
        assert diplosim(command, "--version").stdout.startswith("diplosim ")
    version = diplosim("--version")
    assert version.returncode == 0 and version.stdout.startswith("diplosim ")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", str(FLAGSHIP), "--set", "nope=1"], "--set nope: no parameter, actor state or game.select"),
        (["run", str(FLAGSHIP), "--set", "K_EU=abc"], "'abc' is not a number"),
        (["run", str(FLAGSHIP), "--set", "K_EU"], "write NAME=VALUE"),
        (["run", str(FLAGSHIP), "--rounds", "0"], "must be at least 1"),
        (["run", str(FLAGSHIP), "--seed", "-3"], "0 or more"),
        (["run", "missing.yaml"], "missing.yaml: no such file"),
        (["run", str(SCENARIOS)], "is a directory"),
        (["solve", str(FLAGSHIP), "--game", "nope"], "no game 'nope'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args: list[str], fragment: str) -> None:
    result = diplosim(*args)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_out_that_is_a_file_is_refused_before_running(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    result = diplosim("run", str(FLAGSHIP), "--out", str(target))
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert target.read_text() == "keep me"


def test_validate_reports_each_bad_file_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrounds: 1\n")
    result = diplosim("validate", str(FLAGSHIP), str(bad))
    assert result.returncode == 2
    assert "ok: " in result.stdout
    assert "actors" in result.stderr


def test_internal_errors_exit_1_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("sim.stage_games.solve_stage_games", broken)
    assert cli.main(["solve", str(FLAGSHIP)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


def test_validate_and_help_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from sim import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli.main(['validate', {str(FLAGSHIP)!r}])\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'nashpy', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


THREE_PLAYER_NFG = """NFG 1 R "majority" { "Ann" "Ben" "Cid" } { { "zero" "one" } { "zero" "one" } { "zero" "one" } }

1 1 1  0 1 1  1 0 1  1 1 0  1 1 0  1 0 1  0 1 1  1 1 1
"""


def test_solve_a_three_player_nfg_file(tmp_path: Path) -> None:
    # each player gets 1 when its choice agrees with the majority of all three
    file = tmp_path / "majority.nfg"
    file.write_text(THREE_PLAYER_NFG)
    text = diplosim("solve", str(file))
    assert text.returncode == 0, text.stderr
    assert "Ann: zero · Ben: zero · Cid: zero" in text.stdout
    assert "Ann: one · Ben: one · Cid: one" in text.stdout
    assert "solver gambit" in text.stdout and ("complete list" in text.stdout or "may miss some" in text.stdout)
    result = diplosim("solve", str(file), "--json")
    (game,) = json.loads(result.stdout)["games"]
    assert game["players"] == ["Ann", "Ben", "Cid"]
    assert game["strategies"]["Ann"] == ["zero", "one"]
    pure = [eq for eq in game["equilibria"] if all(set(mix.values()) <= {"0", "1"} for mix in eq.values())]
    assert {
        "Ann": {"zero": "1", "one": "0"},
        "Ben": {"zero": "1", "one": "0"},
        "Cid": {"zero": "1", "one": "0"},
    } in pure
    assert isinstance(game["complete"], bool) and game["method"] == "gambit"


def test_solve_a_degenerate_game_lists_both_ends_of_the_segment(tmp_path: Path) -> None:
    # b strictly dominates a, and Column is then indifferent: every (b, q u + (1 - q) v) is an
    # equilibrium, a segment with end points (b, u) and (b, v)
    file = tmp_path / "segment.nfg"
    file.write_text('NFG 1 R "segment" { "Row" "Column" } { { "a" "b" } { "u" "v" } }\n\n1 1  2 1  0 0  2 1\n')
    result = diplosim("solve", str(file), "--json")
    (game,) = json.loads(result.stdout)["games"]
    assert game["degenerate"] is True and game["complete"] is True
    assert game["equilibria"] == [
        {"Row": {"a": "0", "b": "1"}, "Column": {"u": "1", "v": "0"}},
        {"Row": {"a": "0", "b": "1"}, "Column": {"u": "0", "v": "1"}},
    ]
    assert game["components"] == [[0, 1]] and game["nash_subsets"] == [[0, 1]]
    text = diplosim("solve", str(file)).stdout
    assert "degenerate game: extreme equilibria shown" in text
    assert "Components (extreme equilibria joined by segments of equilibria): {1, 2}" in text


def test_export_round_trips_through_pygambit(tmp_path: Path) -> None:
    import pygambit as gbt

    out = tmp_path / "troop.nfg"
    result = diplosim("export", str(SCENARIOS / "troop_deployment.yaml"), "--game", "troop_deployment", "-o", str(out))
    assert result.returncode == 0, result.stderr
    game = gbt.read_nfg(str(out))
    assert [p.label for p in game.players] == ["EU", "Russia"]
    players = list(game.players)
    assert [s.label for s in players[0].strategies] == ["D", "M", "H"]
    assert [s.label for s in players[1].strategies] == ["R", "E"]
    outcome = game[next(iter(players[0].strategies)), next(iter(players[1].strategies))]
    assert float(outcome[players[0]]) == 1.4 and float(outcome[players[1]]) == -1.08
    solved = diplosim("solve", str(out), "--json")
    (exported,) = json.loads(solved.stdout)["games"]
    assert exported["equilibria"][2]["EU"] == {"D": "193/215", "M": "0", "H": "22/215"}


def test_export_a_round_of_a_seeded_run_and_refuse_a_round_not_reached(tmp_path: Path) -> None:
    result = diplosim("export", str(FLAGSHIP), "--game", "buffer_zone", "--round", "10")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('NFG 1 R "buffer_zone" { "Ukraine" "Russia" }')
    stopped = diplosim(
        "export",
        str(FLAGSHIP),
        "--game",
        "buffer_zone",
        "--round",
        "3",
        "--set",
        "G_H=0.6",
        "--set",
        "trust_needed=0.2",
    )
    assert stopped.returncode == 2 and "stopped after round 1, before round 3" in stopped.stderr
    bad = diplosim("export", str(FLAGSHIP), "--game", "nope")
    assert bad.returncode == 2 and "no game 'nope'" in bad.stderr


def test_schema_command_matches_the_copy_in_docs_and_scenarios_point_to_it() -> None:
    from .conftest import ROOT

    printed = diplosim("schema")
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    for path in ALL_SCENARIOS:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == ROOT / "docs" / "scenario.schema.json"
