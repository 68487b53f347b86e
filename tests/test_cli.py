from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import annotated_types
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim import cli
from sim.scenario.load import load_scenario
from sim.sweeps.runner import load_sweep
from sim.terminal import visible

from .conftest import ALL_SCENARIOS, ROOT, SCENARIOS, SIMULTANEOUS, diplosim, diplosim_process
from .test_files import is_device, null_device
from .test_terminal import hidden_characters


@pytest.mark.slow
def test_flagship_run_writes_tables_and_is_byte_identical_twice(tmp_path: Path) -> None:
    # two processes, each with its own hash seed: nothing may depend on either
    first = diplosim_process("run", str(SIMULTANEOUS), "--out", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    assert "Round 24" in first.stdout and "played all 24 rounds" in first.stdout
    second = diplosim_process("run", str(SIMULTANEOUS), "--out", str(tmp_path / "b"), "--quiet")
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
@pytest.mark.slow
def test_every_scenario_validates_solves_and_runs_from_the_cli(path: Path, tmp_path: Path) -> None:
    assert diplosim("validate", str(path)).returncode == 0
    assert diplosim("solve", str(path)).returncode == 0
    result = diplosim("run", str(path), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "summary.json").exists()
    # a scenario with tree games also saves the moves made on each path played
    assert (tmp_path / "out" / "moves.csv").exists() == bool(load_scenario(path).trees)
    # and one with bargaining games its negotiations and offers
    assert (tmp_path / "out" / "offers.csv").exists() == bool(load_scenario(path).bargainings)


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
        (["run", str(SIMULTANEOUS), "--set", "nope=1"], "--set nope: no parameter, actor state or game.select"),
        (["run", str(SIMULTANEOUS), "--set", "K_EU=abc"], "'abc' is not a number"),
        (["run", str(SIMULTANEOUS), "--set", "K_EU"], "write NAME=VALUE"),
        (["run", str(SIMULTANEOUS), "--rounds", "0"], "must be at least 1"),
        (["run", str(SIMULTANEOUS), "--seed", "-3"], "must be at least 0, not -3"),
        (["run", "missing.yaml"], "missing.yaml: no such file"),
        (["run", str(SCENARIOS)], "is a directory"),
        (["solve", str(SIMULTANEOUS), "--game", "nope"], "no game 'nope'"),
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
    result = diplosim("run", str(SIMULTANEOUS), "--out", str(target))
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert target.read_text() == "keep me"


def test_validate_reports_each_bad_file_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nrounds: 1\n")
    result = diplosim("validate", str(SIMULTANEOUS), str(bad))
    assert result.returncode == 2
    assert "ok: " in result.stdout
    assert "actors" in result.stderr


def test_internal_errors_exit_1_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("sim.model.stage_games.solve_stage_games", broken)
    assert cli.main(["solve", str(SIMULTANEOUS)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


@pytest.mark.slow
def test_validate_and_help_do_not_import_heavy_libraries() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from sim import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    cli.main(['validate', {str(SIMULTANEOUS)!r}])\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'nashpy', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


THREE_PLAYER_NFG = """NFG 1 R "majority" { "Ann" "Ben" "Cid" } { { "zero" "one" } { "zero" "one" } { "zero" "one" } }

1 1 1  0 1 1  1 0 1  1 1 0  1 1 0  1 0 1  0 1 1  1 1 1
"""


@pytest.mark.slow
def test_solve_a_three_player_nfg_file(tmp_path: Path) -> None:
    # each player gets 1 when its choice agrees with the majority of all three
    file = tmp_path / "majority.nfg"
    file.write_text(THREE_PLAYER_NFG)
    text = diplosim("solve", str(file))
    assert text.returncode == 0, text.stderr
    assert "Ann: zero · Ben: zero · Cid: zero" in text.stdout
    assert "Ann: one · Ben: one · Cid: one" in text.stdout
    assert "the method may miss some, degenerate game: extreme equilibria shown; solver gambit" in text.stdout
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
    assert game["complete"] is False and game["method"] == "gambit"  # as the text said: the method may miss some


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


ENTRY = SCENARIOS / "classics" / "entry_deterrence.yaml"


def test_solve_a_tree_game_json() -> None:
    # the unique subgame-perfect equilibrium In / Accommodate (1, 1) and the Nash
    # equilibrium Out / Fight (0, 2) whose threat to fight is not credible (see the file)
    result = diplosim("solve", str(ENTRY), "--json")
    assert result.returncode == 0, result.stderr
    (game,) = json.loads(result.stdout)["games"]
    assert {k: game[k] for k in ("name", "form", "players", "concept", "complete")} == {
        "name": "entry",
        "form": "extensive",
        "players": ["Entrant", "Incumbent"],
        "concept": "backward_induction",
        "complete": True,
    }
    first, second = game["equilibria"]
    assert first == {
        "behaviour": {
            "Entrant": {"(root)": {"Out": "0", "In": "1"}},
            "Incumbent": {"In": {"Fight": "0", "Accommodate": "1"}},
        },
        "payoffs": {"Entrant": "1", "Incumbent": "1"},
        "subgame_perfect": True,
        "sequentially_rational": True,
        "solution": True,
        "beliefs": {"(root)": {"(root)": "1"}, "In": {"In": "1"}},
        "failures": [],
    }
    assert second["behaviour"]["Incumbent"] == {"In": {"Fight": "1", "Accommodate": "0"}}
    assert (second["payoffs"], second["subgame_perfect"]) == ({"Entrant": "0", "Incumbent": "2"}, False)
    assert second["failures"] == [{"infoset": "In", "gain": "2"}]  # Accommodate gains 1 - (-1) there


def test_solve_a_tree_game_shows_the_teaching_view() -> None:
    result = diplosim("solve", str(ENTRY), "--set", "monopoly_profit=3")
    assert result.returncode == 0, result.stderr
    assert "├─ Out: (0, 3)" in result.stdout
    assert "At (root), Entrant compares Out (0) with In (1): chooses In." in result.stdout
    assert "2. Entrant: Out; Incumbent: Fight   payoffs (0, 3)   [Nash only]" in result.stdout


def test_games_in_normal_form_keep_their_output_beside_a_tree(tmp_path: Path) -> None:
    text = (SCENARIOS / "classics" / "chicken.yaml").read_text(encoding="utf-8")
    tree = (
        "  entry:\n    players: [Row, Column]\n    tree:\n      player: Row\n      moves:\n"
        "        Out: {payoffs: [0, 2]}\n"
        "        In: {player: Column, moves: {F: {payoffs: [-1, -1]}, A: {payoffs: [1, 1]}}}\n"
    )
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(text.replace("games:\n", "games:\n" + tree, 1), encoding="utf-8")
    alone = json.loads(diplosim("solve", str(SCENARIOS / "classics" / "chicken.yaml"), "--json").stdout)["games"]
    both = json.loads(diplosim("solve", str(mixed), "--json").stdout)["games"]
    assert [g["name"] for g in both] == ["entry", "chicken"]  # file order
    assert both[0]["form"] == "extensive" and both[1] == alone[0]
    assert json.loads(diplosim("solve", str(mixed), "--json", "--game", "chicken").stdout)["games"] == alone
    text_alone = diplosim("solve", str(SCENARIOS / "classics" / "chicken.yaml")).stdout
    assert diplosim("solve", str(mixed), "--game", "chicken").stdout == text_alone
    assert (
        diplosim("validate", str(mixed)).stdout
        == f"ok: {mixed}: 'Chicken', 2 actors, 2 games (1 as trees), 0 dynamics rules\n"
    )


def test_export_a_tree_game_as_efg_and_solve_it_again(tmp_path: Path) -> None:
    out = tmp_path / "entry.efg"
    result = diplosim("export", str(ENTRY), "--game", "entry", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines()[:3] == ['EFG 2 R "entry" { "Entrant" "Incumbent" }', '""', ""]
    from_file = json.loads(diplosim("solve", str(out), "--json").stdout)["games"]
    from_scenario = json.loads(diplosim("solve", str(ENTRY), "--json").stdout)["games"]
    assert from_file == from_scenario
    refused = diplosim("export", str(ENTRY), "--game", "entry", "--round", "1")
    assert refused.returncode == 2
    assert (
        refused.stderr
        == "diplosim: error: --round: game entry is a tree game, not played by run; export it at the start\n"
    )
    matrix = diplosim("export", str(SCENARIOS / "classics" / "chicken.yaml"), "--game", "chicken", "--format", "efg")
    assert matrix.stderr == "diplosim: error: --format efg: game chicken is in normal form; export it as nfg\n"


@pytest.mark.slow  # imports the sweep machinery (pandas, pyarrow): about 0.7 s
def test_a_sweep_plays_tree_games(tmp_path: Path) -> None:
    result = diplosim(
        "sweep", str(ENTRY), "--param", "monopoly_profit=1:3:3", "--workers", "1", "--out", str(tmp_path / "s")
    )
    assert result.returncode == 0, result.stderr
    assert len(load_sweep(tmp_path / "s")) == 3


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario's own sweep: cost 0 and 1, so final_x is 0.5 and 0.7 (A.x + 0.1 * cost
    in each of its 2 rounds)."""
    folder = tmp_path_factory.mktemp("tiny_sweep")
    scenario = tiny_scenario(folder, "tiny")
    assert call("sweep", str(scenario), "--workers", "1", "--quiet", "--out", str(folder / "sweep"))[0] == 0
    return folder / "sweep"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--output", "metric:final_y"], "unknown output column 'metric:final_y' (did you mean 'metric:final_x'?)"),
        (["--output", "stop_reason"], "output column 'stop_reason' is not numeric"),
        (["--output", "metric:final_x", "--threshold", ">0.7"], "no run has metric:final_x > 0.7 (0 of 2)"),
        (["--output", "metric:final_x", "--threshold", "0.5"], "every run has metric:final_x >= 0.5 (2 of 2)"),
        (["--output", "metric:final_x", "--threshold", "big"], "threshold 'big' is not a comparison and a number"),
        (["--output", "metric:final_x"], "output 'metric:final_x' is not true/false: give a threshold"),
        (["--output", "metric:final_x", "--threshold", "0.6", "--alpha", "0.7"], "alpha must be between 0 and 0.5"),
    ],
)
def test_discover_refuses_bad_input_with_one_line(tiny_sweep: Path, args: list[str], fragment: str) -> None:
    code, _, err = call("discover", str(tiny_sweep), *args)
    assert fragment in one_error_line(code, err)
    assert not (tiny_sweep / "_figures").exists()  # nothing written


@pytest.mark.parametrize(("folder", "fragment"), [("run", "not a sweep folder"), ("missing", "no such folder")])
def test_discover_refuses_a_folder_that_is_not_a_sweep(folder: str, fragment: str, tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    code, _, err = call("discover", str(tmp_path / folder), "--output", "metric:x", "--threshold", "1")
    assert fragment in one_error_line(code, err)


def test_discover_finds_the_costly_half_of_the_tiny_sweep(tiny_sweep: Path, tmp_path: Path) -> None:
    # 2 runs, 1 case (cost 1): one peel cuts the run at cost 0, leaving the case alone
    copy = tmp_path / "sweep"
    shutil.copytree(tiny_sweep, copy)
    code, out, err = call("discover", str(copy), "--output", "metric:final_x", "--threshold", ">0.6", "--no-figure")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "metric:final_x > 0.6 in 1 of 2 runs (50.0 %)",
        "box 1: coverage 1.000 (1 of 1 cases), density 1.000 (1 of 1 runs), mass 0.500",
        "  1 <= cost <= 1",
    ]
    assert not (copy / "_figures").exists()


def test_export_a_round_of_a_seeded_run_and_refuse_a_round_not_reached(tmp_path: Path) -> None:
    result = diplosim("export", str(SIMULTANEOUS), "--game", "buffer_zone", "--round", "10")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('NFG 1 R "buffer_zone" { "Ukraine" "Russia" }')
    stopped = diplosim(
        "export",
        str(SIMULTANEOUS),
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
    bad = diplosim("export", str(SIMULTANEOUS), "--game", "nope")
    assert bad.returncode == 2 and "no game 'nope'" in bad.stderr


def test_schema_command_matches_the_copy_in_docs_and_scenarios_point_to_it() -> None:
    printed = diplosim("schema")
    assert printed.returncode == 0
    assert json.loads(printed.stdout) == json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
    for path in ALL_SCENARIOS:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        assert (path.parent / first.split("=", 1)[1]).resolve() == ROOT / "docs" / "scenario.schema.json"


# --- in process: main(argv) -> int, what it prints captured ------------------------------


def call(*args: str) -> tuple[int, str, str]:
    """Run ``diplosim ARGS`` in this process: the exit code, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and lines[0].startswith("diplosim")
    return lines[0]


HOSTILE_NAME = "[/bold] \x1b]0;pwned\x07 \x1b[2J \x9b31m ends \\\\"
TINY = """name: {name}
rounds: 3
seed: 1
parameters: {{cost: 1.0}}
actors: {{A: {{state: {{x: 0.5}}}}, B: {{}}}}
games:
  g:
    players: [A, B]
    strategies: {{A: [x, y], B: [u, v]}}
    payoffs: {{A: [[1, 0], [0, "cost"]], B: [[0, 1], [1, 0]]}}
dynamics:
  - set: {{A.x: "A.x + 0.1 * cost"}}
metrics: {{final_x: "A.x"}}
sweep: {{params: {{cost: "0:1:2"}}, rounds: 2}}
"""


def tiny_scenario(folder: Path, name: str = HOSTILE_NAME) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(TINY.format(name=json.dumps(name)))
    return path


def hidden(text: str) -> list[str]:
    return hidden_characters(text)


# class: user text printed to a terminal is escaped


@pytest.mark.parametrize("command", ["run", "solve", "validate", "quiet-run"])
def test_a_hostile_scenario_name_is_printed_as_written(command: str, tmp_path: Path) -> None:
    path = tiny_scenario(tmp_path)
    args = ["run", str(path), "--quiet"] if command == "quiet-run" else [command, str(path)]
    code, out, err = call(*args)
    assert (code, err) == (0, "")
    assert hidden(out) == []
    if command in ("run", "quiet-run", "validate"):
        assert visible(HOSTILE_NAME) in out


def test_hostile_names_in_a_gambit_file_are_printed_as_written(tmp_path: Path) -> None:
    file = tmp_path / "hostile.nfg"
    file.write_text(
        'NFG 1 R "[/bold]\x1b[2J" { "\x1b]0;t\x07" "[red]" } { { "a\\\\" "[/]" } { "\x9b" "b\u202e" } }\n\n'
        "1 1  2 1  0 0  2 1\n"
    )
    code, out, err = call("solve", str(file))
    assert (code, err) == (0, "")
    assert hidden(out) == []
    for text in ("[/bold]\\x1b[2J", "\\x1b]0;t\\x07", "[red]", "a\\", "[/]", "\\x9b", "b\\u202e"):
        assert text in out


@pytest.mark.parametrize(
    "name",
    ["\x1b[2Jmissing.yaml", "[/bold]\x07.yaml", "new\nline.yaml", "bidi\u202e.yaml", "undecodable\udcff.yaml"],
    ids=["csi", "markup-bell", "newline", "bidi", "surrogate"],
)
def test_an_error_quoting_a_hostile_file_name_is_one_visible_line(name: str, tmp_path: Path) -> None:
    line = one_error_line(*call("run", str(tmp_path / name))[::2])
    assert hidden(line) == []
    assert line.endswith(f"{visible(name)}: no such file")


@pytest.mark.parametrize(
    "args",
    [["run", "x.yaml", "--\x1b]0;t\x07"], ["frob\x1b[2J"], ["solve", "x.yaml", "--solver", "\x1b[2J"]],
    ids=["unknown-flag", "unknown-command", "solver-name"],
)
def test_a_usage_error_quoting_hostile_arguments_is_one_visible_line(args: list[str]) -> None:
    code, _, err = call(*args)
    assert hidden(one_error_line(code, err)) == []
    assert "\\x1b" in err


def test_bad_input_corpus_errors_quoting_hostile_text_have_no_control_characters() -> None:
    corpus = ROOT / "tests" / "bad_scenarios"
    cases = json.loads((corpus / "cases_cli.json").read_text(encoding="utf-8"))
    escaped = [c for c in cases if c["class"] == "User text printed to a terminal is escaped"]
    assert len(escaped) >= 5
    for case in escaped:
        code, _, err = call(case["command"], str(corpus / case["file"]), *case["args"])
        line = one_error_line(code, err)
        assert hidden(line) == [] and case["fragment"] in line


# class: unknown solver names and wrong player counts are the user's mistake


THREE_PLAYERS = ROOT / "tests" / "bad_scenarios" / "solver_three_players.yaml"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["solve", str(SIMULTANEOUS), "--solver", "foo"], "argument --solver: unknown solver 'foo' (known: auto, "),
        (["run", str(SIMULTANEOUS), "--solver", "vertex-enumeration"], "(did you mean 'vertex_enumeration'?)"),
        (["sweep", str(SIMULTANEOUS), "--solver", ""], "argument --solver: unknown solver ''"),
        (["run", str(THREE_PLAYERS), "--solver", "nashpy"], "--solver nashpy: handles 2 to 2 players"),
        (["solve", str(THREE_PLAYERS), "--solver", "gambit_enummixed"], "--solver gambit_enummixed: handles 2 to 2"),
        (["sweep", str(THREE_PLAYERS), "--solver", "lemke_howson", "--workers", "1"], "--solver lemke_howson: handles"),
    ],
    ids=["unknown", "near-miss", "empty", "run-3-players", "solve-3-players", "sweep-3-players"],
)
def test_a_solver_that_cannot_be_used_is_refused_with_the_known_names(args: list[str], fragment: str) -> None:
    code, out, err = call(*args)
    assert fragment in one_error_line(code, err)
    assert out == ""


def test_a_two_player_solver_on_a_three_player_gambit_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "majority.nfg"
    file.write_text(THREE_PLAYER_NFG)
    code, _, err = call("solve", str(file), "--solver", "nashpy")
    assert one_error_line(code, err) == (
        f"diplosim: error: --solver nashpy: solver 'nashpy' handles 2 to 2 players, not 3 in {file}"
    )


def test_a_solver_failing_inside_is_still_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.errors import SolverError
    from sim.solvers import registry as solvers

    def broken(*args: object) -> None:
        raise SolverError("the polytope has no vertex")

    monkeypatch.setitem(solvers.SOLVERS, "nashpy", dataclasses.replace(solvers.SOLVERS["nashpy"], find=broken))
    code, _, err = call("solve", str(SCENARIOS / "classics" / "chicken.yaml"), "--solver", "nashpy")
    assert code == 1
    assert err.startswith("diplosim: internal error: SolverError: the polytope has no vertex\nThis is a bug")
    monkeypatch.setenv("DIPLOSIM_DEBUG", "1")
    with pytest.raises(SolverError, match="no vertex"):
        cli.main(["solve", str(SCENARIOS / "classics" / "chicken.yaml"), "--solver", "nashpy"])


# class: output paths


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "file.txt").write_text("keep")
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    device = null_device(tmp_path)  # /dev/null, or a private copy of it when the tests run as root
    return {
        "file": str(tmp_path / "file.txt"),
        "folder": str(tmp_path / "folder"),
        "fifo": str(tmp_path / "fifo"),
        "device": str(device),
    }


EXPORT = ["export", str(SCENARIOS / "troop_deployment.yaml"), "--game", "troop_deployment"]
CHICKEN = str(SCENARIOS / "classics" / "chicken.yaml")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([*EXPORT, "-o", "{device}"], "null: is a device, not a regular file; name a file to write"),
        ([*EXPORT, "-o", "{fifo}"], "fifo: is a FIFO (named pipe), not a regular file"),
        ([*EXPORT, "-o", "{folder}"], "folder: is a folder; name a file to write"),
        ([*EXPORT, "--output", "{file}/x"], "file.txt is a file, not a folder; choose another path"),
        ([*EXPORT, "-o", ""], "--output '': not a usable path"),
        (["run", CHICKEN, "--out", "{device}"], "null: exists and is not a folder (it is a device); choose a folder"),
        (["run", CHICKEN, "--out", "{fifo}"], "exists and is not a folder (it is a FIFO (named pipe))"),
        (["run", CHICKEN, "--out", "{file}"], "exists and is not a folder (it is a file)"),
        (["run", CHICKEN, "--out", "{file}/x/y", "--plots"], "file.txt is a file, not a folder"),
        (["run", CHICKEN, "--out", ""], "--out '': not a usable path"),
        (["sweep", CHICKEN, "--out", "{file}/x", "--workers", "1"], "file.txt is a file, not a folder"),
        (["sweep", CHICKEN, "--out", "{fifo}", "--workers", "1"], "exists and is not a folder (it is a FIFO"),
    ],
    ids=[
        "export-device",
        "export-fifo",
        "export-folder",
        "export-below-a-file",
        "export-empty",
        "run-device",
        "run-fifo",
        "run-file",
        "run-below-a-file",
        "run-empty",
        "sweep-below-a-file",
        "sweep-fifo",
    ],
)
def test_outputs_are_only_regular_files_or_new_paths(
    args: list[str], fragment: str, places: dict[str, str], tmp_path: Path
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = call(*[a.format(**places) for a in args])
    if "{device}" in args:
        assert f"{places['device']}: " in err
    assert fragment in one_error_line(code, err)
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert Path(places["file"]).read_text() == "keep" and stat.S_ISFIFO(os.stat(places["fifo"]).st_mode)
    assert is_device(places["device"]), "the device is never replaced by a file"


def test_missing_parent_folders_of_outputs_are_created(tmp_path: Path) -> None:
    code, _, err = call(*EXPORT, "-o", str(tmp_path / "a" / "b" / "troop.nfg"))
    assert code == 0 and err == f"wrote {tmp_path / 'a' / 'b' / 'troop.nfg'}\n"
    code, _, _ = call("run", CHICKEN, "--quiet", "--out", str(tmp_path / "c" / "d" / "run"))
    assert code == 0 and (tmp_path / "c" / "d" / "run" / "summary.json").exists()


def test_an_output_folder_without_permission_is_refused_before_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("sim.api.play", refuse)  # running would be a bug: the check comes first
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    code, _, err = call("run", CHICKEN, "--out", str(tmp_path / "run"))
    assert one_error_line(code, err).endswith(
        f"--out {tmp_path / 'run'}: cannot write in {tmp_path}: permission denied"
    )
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code, _, err = call(*EXPORT, "-o", str(tmp_path / "x.nfg"))
    assert one_error_line(code, err).endswith("permission denied")
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_saving_a_run_keeps_the_previous_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "run"
    assert call("run", CHICKEN, "--quiet", "--out", str(out), "--rounds", "2")[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(table: object, path: str) -> None:
        Path(path).write_text("half a tab")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sim.model.results._to_csv", full_disk)
    code, _, err = call("run", CHICKEN, "--quiet", "--out", str(out), "--rounds", "3", "--plots")
    assert one_error_line(code, err) == (
        f"diplosim: error: cannot write into {out}: the disk is full (no space left on the device); nothing was changed"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# class: flags obey the limits the file obeys


def flag_case(args: list[str], fragment: str) -> object:
    """A parametrised case named by its command and flags (the file left out)."""
    shown_args = [a for a in [args[0], *args[2:]] if a not in ("--game", "troop_deployment")]
    return pytest.param(args, fragment, id=" ".join(shown_args)[:50])


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        flag_case(["run", CHICKEN, "--rounds", "1000000000"], "--rounds: must be at most 10000, not 1000000000"),
        flag_case(
            ["run", CHICKEN, "--rounds", "10001"],
            "(the limit of the scenario field rounds: sim.scenario.spec.MAX_ROUNDS)",
        ),
        flag_case(["run", CHICKEN, "--rounds", "1e9"], "--rounds: '1e9' is not a whole number"),
        flag_case(["run", CHICKEN, "--rounds", "-1"], "--rounds: must be at least 1, not -1"),
        flag_case(["run", CHICKEN, "--rounds", ""], "--rounds: '' is not a whole number"),
        flag_case(["run", CHICKEN, "--seed", str(2**63)], "--seed: must be at most 9223372036854775807"),
        flag_case(["run", CHICKEN, "--seed", "1.5"], "--seed: '1.5' is not a whole number"),
        flag_case(["run", CHICKEN, "--seed", "9" * 5000], "--seed: '" + "9" * 60 + "...' is not a whole number"),
        flag_case([*EXPORT, "--round", "1000000"], "--round: must be at most 10000, not 1000000"),
        flag_case([*EXPORT, "--round", "500"], "troop_deployment.yaml has 3 rounds; export a round from 1 to 3"),
        flag_case([*EXPORT, "--round", "0"], "--round: must be at least 1, not 0"),
        flag_case([*EXPORT, "--seed", "-1"], "--seed: must be at least 0, not -1"),
        flag_case(["sweep", CHICKEN, "--rounds", "20000"], "--rounds: must be at most 10000, not 20000"),
        flag_case(
            ["sweep", CHICKEN, "--reps", "0"], "--reps: must be at least 1, not 0 (as the scenario field sweep.reps)"
        ),
        flag_case(["sweep", CHICKEN, "--samples", "-2"], "--samples: must be at least 1, not -2"),
        flag_case(["sweep", CHICKEN, "--seed", "-1"], "--seed: must be at least 0, not -1"),
        flag_case(["sweep", CHICKEN, "--workers", "0"], "--workers: must be at least 1, not 0"),
        flag_case(["run", CHICKEN, "--set", "K=nan"], "--set K: the value must be a finite number"),
        flag_case(["run", CHICKEN, "--set", "K=inf"], "--set K: the value must be a finite number"),
        flag_case(["solve", CHICKEN, "--set", "K=1e400"], "--set K: the value must be a finite number"),
    ],
)
@pytest.mark.slow
def test_numeric_flags_obey_the_limits_of_the_fields_they_override(args: list[str], fragment: str) -> None:
    code, out, err = call(*args)
    assert fragment in one_error_line(code, err)
    assert out == ""


def test_flag_limits_come_from_the_scenario_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.scenario import spec

    rounds = spec.ScenarioSpec.model_fields["rounds"]
    lower = [m for m in rounds.metadata if type(m).__name__ != "Le"]
    monkeypatch.setattr(rounds, "metadata", [*lower, annotated_types.Le(7)])
    code, _, err = call("run", CHICKEN, "--rounds", "8")
    assert "--rounds: must be at most 7, not 8" in one_error_line(code, err)


def test_export_of_the_last_round_of_the_scenario_works() -> None:
    code, out, _ = call(*EXPORT, "--round", "1")
    assert code == 0 and out.startswith('NFG 1 R "troop_deployment"')


# main(argv) -> int: usable in-process


def test_main_returns_the_exit_code_instead_of_exiting() -> None:
    assert call("--help")[0] == 0
    code, out, _ = call("run", "--version")
    assert code == 0 and out.startswith("diplosim ")
    assert call("frobnicate")[0] == 2
    assert call()[0] == 2


# --- random flags and values to every subcommand: exit 0 or 2, never a traceback -------------

#: Flags left out of the random examples: they reach the network or start clusters (their
#: refusals are fixed cases above and in the sweep tests).
UNRANDOMISED = {"--scheduler", "--dask-local", "-h", "--help", "--version"}
JUNK_FLAGS = ["--nope", "-x", "--", "-", "---", "--rounds=", "--set=", "--out=", "--ro", "--\x1b[2J", "--[/bold]"]
NUMBERS = ["0", "1", "2", "-1", "-0", "3", "1e9", "1e300", "nan", "inf", "-inf", "0x10", "1_0", "٣", "10001"]
HUGE = [str(10**30), str(2**63), str(2**63 - 1), "9" * 5000, "-" + str(10**20)]
TEXTS = ["", " ", "[/bold]", "\x1b]0;t\x07", "\x1b[2J", "ü", "日本", "a=b", "=", "\udcff", "\n", "x" * 300]
SETTINGS = ["cost=1", "cost=nan", "cost=1e400", "nope=1", "A.x=0.2", "select=random", "select=bogus"]
SETTINGS += ["g.select=first", "=1", "cost", "solver=nashpy", "cost= 2 ", "A.x=-1e308"]
PARAMS = ["cost=0:1:2", "cost=0:1", "cost=1,2", "A.x=0:1:2", "select=first,random", "nope=0:1:2", "cost=1:0:2"]
PARAMS += ["cost=0:1:0", "cost=a:b:c", "cost=0:1:-3", "cost", "cost=", "g.select=first"]
SOLVER_NAMES = ["auto", "vertex_enumeration", "nashpy", "support_enumeration", "maximise", "gambit_enumpure"]
SOLVER_NAMES += ["gambit_enummixed", "gambit_lcp", "foo", "", "Nashpy"]
#: Values of flags whose large values make long runs (designs, replications, processes): small
#: or refused values only, so that every example stays short.
BOUNDED = {"--samples", "--reps", "--workers", "--param"}
SMALL = ["1", "2", "0", "-1", "x", "nan", "", "1e3"]


SOBOL = ["--design", "sobol", "--samples", "4", "--param", "cost=0:1"]


class Places:
    """The folder of the random examples: scenarios, a Gambit file, a saved run and sweeps,
    and the awkward places (a FIFO, a folder, a file to write below)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.reset()
        for args in (
            ["run", str(self.scenario), "--out", str(root / "run")],
            ["sweep", str(self.scenario), "--workers", "1", "--out", str(root / "sweep"), "--quiet"],
            ["sweep", str(self.scenario), "--workers", "1", "--out", str(root / "sobol"), "--quiet", *SOBOL],
        ):
            assert call(*args)[0] == 0

    @property
    def scenario(self) -> Path:
        return self.root / "tiny.yaml"

    def reset(self) -> None:
        """Write the input files again (an example may have overwritten one with -o)."""
        tiny_scenario(self.root)
        (self.root / "junk.yaml").write_text("{{{ not: [yaml")
        (self.root / "game.nfg").write_text(THREE_PLAYER_NFG)
        (self.root / "file.txt").write_text("keep")
        (self.root / "folder").mkdir(exist_ok=True)
        if not (self.root / "fifo").exists():
            os.mkfifo(self.root / "fifo")
        if not (self.root / "null").exists():
            null_device(self.root)

    def new(self) -> str:
        self.count += 1
        return str(self.root / "new" / str(self.count) / "out")

    @property
    def device(self) -> str:
        return str(self.root / "null") if os.geteuid() == 0 else "/dev/null"

    def check_untouched(self) -> None:
        assert is_device(self.device) and is_device("/dev/null") and is_device("/dev/zero")
        assert stat.S_ISFIFO(os.stat(self.root / "fifo").st_mode)


@pytest.fixture(scope="module")
def random_places(tmp_path_factory: pytest.TempPathFactory) -> Places:
    return Places(tmp_path_factory.mktemp("random_flags"))


def paths(places: Places) -> st.SearchStrategy[str]:
    named = ["tiny.yaml", "junk.yaml", "game.nfg", "missing.yaml", "run", "sweep", "sobol", "folder", "fifo"]
    named += ["file.txt", "file.txt/x", "file.txt/x/y.nfg", "ü[/b]\x1b.yaml", "."]
    return st.one_of(
        st.sampled_from([str(places.root / name) for name in named]),
        st.sampled_from(["", places.device, "/nonexistent/dir/x", "a\0b"]),
        st.builds(places.new),
    )


def good_values(places: Places, command: str, flag: str) -> list[str]:
    """Values that a user would give to ``flag`` of ``command`` (so that examples get past
    the parser and run)."""
    scenario = str(places.scenario)
    good = {
        "--rounds": ["1", "2"],
        "--round": ["1", "2"],
        "--seed": ["0", "7", str(2**63 - 1)],
        "--set": ["cost=2", "A.x=0.1", "select=first", "g.select=random"],
        "--solver": ["auto", "vertex_enumeration", "nashpy", "support_enumeration", "gambit_enumpure"],
        "--out": [places.new(), str(places.root / ("sweep" if command == "sweep" else "run"))],
        "--output": ["metric:final_x", "final:A.x"] if command in ("analyze", "discover") else [places.new() + ".nfg"],
        "--threshold": [">0.6", "0.6", "<0.6"],
        "-o": [places.new() + ".nfg"],
        "--game": ["g"],
        "--format": ["nfg"],
        "--design": ["grid", "lhs", "sobol"],
        "--samples": ["2", "4"],
        "--reps": ["1", "2"],
        "--param": ["cost=0:1:2", "cost=0:1", "A.x=0.1,0.2", "select=first,random"],
        "--workers": ["1"],
        "--spec": [scenario],
        "--x": ["cost"],
        "--y": ["A.x"],
        "--metric": ["metric:final_x"],
    }
    return good.get(flag, ["1"])


def values(places: Places, command: str, flag: str) -> st.SearchStrategy[str]:
    """Mostly a good value; else anything (junk, huge, unicode, markup, awkward paths),
    except that flags whose large values make long runs get small or refused values only."""
    if flag in BOUNDED:
        junk: st.SearchStrategy[str] = st.sampled_from(PARAMS if flag == "--param" else SMALL)
    elif flag == "--set":
        junk = st.sampled_from(SETTINGS)
    elif flag == "--solver":
        junk = st.sampled_from(SOLVER_NAMES)
    elif flag in ("--rounds", "--round"):  # small (quick), or past the limit (refused)
        junk = st.sampled_from([*NUMBERS[:7], "10001", *HUGE])
    elif flag in ("--out", "--output", "-o", "--spec"):
        junk = paths(places)
    else:
        junk = st.one_of(st.sampled_from(NUMBERS + HUGE + TEXTS), st.text(max_size=8), paths(places))
    return mostly(st.sampled_from(good_values(places, command, flag)), junk)


def mostly(usual: st.SearchStrategy[str], other: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``usual`` two times in three, else ``other``."""
    return st.integers(0, 2).flatmap(lambda k: usual if k else other)


def command_line(places: Places) -> st.SearchStrategy[list[str]]:
    """A subcommand, then flags from its argparse definition (and junk flags) with values,
    and its positional arguments before or after them."""
    subcommands = cli_subparsers()

    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        name = draw(st.sampled_from(sorted(subcommands)))
        parser = subcommands[name]
        optional = [a for a in parser._actions if a.option_strings and not set(a.option_strings) & UNRANDOMISED]
        positional = [a for a in parser._actions if not a.option_strings]
        words: list[str] = []
        for _ in range(draw(st.integers(0, 4))):
            if not optional or draw(st.integers(0, 14)) == 0:
                words.append(draw(st.sampled_from(JUNK_FLAGS)))
                continue
            action = draw(st.sampled_from(optional))
            flag = draw(st.sampled_from(action.option_strings))
            words.append(flag)
            if action.nargs != 0:
                words.append(draw(values(places, name, flag)))
        if name == "export" and draw(st.booleans()):
            words += ["--game", "g"]
        usual = {"analyze": "sobol", "discover": "sweep", "plot": draw(st.sampled_from(["run", "sweep", "sobol"]))}.get(
            name, "tiny.yaml"
        )
        ends = [
            draw(mostly(st.just(str(places.root / usual)), paths(places)))
            for action in positional
            for _ in range(1 if action.nargs is None else 2)
        ]
        words = ends + words if draw(st.booleans()) else words + ends
        if name == "sweep" and "--workers" not in words:
            words += ["--workers", "1"]  # in this process, one run after the other
        return [name, *words]

    return build()


def cli_subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def check_random_command_line(places: Places, argv: list[str]) -> None:
    places.reset()
    code, out, err = call(*argv)
    event(f"{argv[0]} exit {code}")  # pytest --hypothesis-show-statistics: how many examples ran through
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    if code == 2:
        assert err and all(line.startswith("diplosim") and "error: " in line for line in err.splitlines()), err
    assert hidden(err) == [], (argv, err)
    if argv[0] != "sweep":  # a sweep's CSV table on standard output is data, quoted by pandas
        assert hidden(out) == [], (argv, out)
    places.check_untouched()


@settings(
    max_examples=int(os.environ.get("DIPLOSIM_RANDOM_FLAGS", "150")),
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(data=st.data())
@pytest.mark.slow
def test_random_flags_to_every_subcommand_exit_0_or_2_without_traceback(
    random_places: Places, data: st.DataObject
) -> None:
    argv = data.draw(command_line(random_places), label="argv")
    check_random_command_line(random_places, argv)


@pytest.mark.parametrize("command", [["schema"], ["solve", CHICKEN], ["run", CHICKEN]], ids=["print", "rich", "story"])
@pytest.mark.slow
def test_a_reader_that_goes_away_is_not_a_bug(command: list[str]) -> None:
    # like `diplosim solve FILE | head -1`: the pipe is closed before diplosim writes to it
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sim.cli", *command], stdout=write, stderr=subprocess.PIPE, timeout=600, check=False
        )
    finally:
        os.close(write)
    assert result.returncode == 141
    assert result.stderr == b""


@pytest.mark.slow
def test_a_game_beyond_the_time_limit_is_one_line_naming_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.game.nfg import write_nfg

    from .test_solvers import coordination

    game = tmp_path / "coordination14.nfg"
    game.write_text(write_nfg(coordination(14)))
    assert cli.main(["solve", str(game), "--time-limit", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "did not finish within the time limit of 1 s" in err[0]
    assert cli.main(["solve", str(game), "--time-limit", "1e300"]) == 2
    assert "the limit is 86400 s (sim.scenario.spec.MAX_TIME_LIMIT)" in capsys.readouterr().err


def test_solve_a_gambit_game_tree_teaches_and_gives_json(capsys: pytest.CaptureFixture[str]) -> None:
    poker = ROOT / "tests" / "data" / "gambit" / "doc" / "poker.efg"
    assert cli.main(["solve", str(poker)]) == 0
    out = capsys.readouterr().out
    assert "├─ King [1/2]: Alice at 1:1" in out
    assert "Alice: Raise, 1/3 Raise + 2/3 Fold; Bob: 2/3 Meet + 1/3 Pass   payoffs (1/3, -1/3)" in out
    assert cli.main(["solve", str(poker), "--json"]) == 0
    (game,) = json.loads(capsys.readouterr().out)["games"]
    assert (game["form"], game["players"], game["complete"]) == ("extensive", ["Alice", "Bob"], True)
    (eq,) = game["equilibria"]
    assert eq["behaviour"] == {
        "Alice": {"1:1": {"Raise": "1", "Fold": "0"}, "1:2": {"Raise": "1/3", "Fold": "2/3"}},
        "Bob": {"2:1": {"Meet": "2/3", "Pass": "1/3"}},
    }
    assert eq["payoffs"] == {"Alice": "1/3", "Bob": "-1/3"}
    assert eq["subgame_perfect"] is True and eq["sequentially_rational"] is True
    # Bob raised-at: the king with probability 1/2 * 1 = 1/2, the queen with 1/2 * 1/3 = 1/6: 3/4 and 1/4
    assert eq["beliefs"]["2:1"] == {"King/Raise": "3/4", "Queen/Raise": "1/4"}


def test_solve_a_bayesian_scenario_shows_the_posterior_after_each_observation(tmp_path: Path) -> None:
    from .test_model import RESOLVE

    # the hand derivation is in tests/test_tree_report.py: 19/50 and 12/19 after E, 31/50 and 3/31 after R
    file = tmp_path / "resolve.yaml"
    file.write_text(RESOLVE)
    result = diplosim("solve", str(file))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    start = lines.index(
        "Beliefs about the types drawn at (root), after each observation as EU sees them (first solution):"
    )
    assert lines[start + 1 : start + 3] == [
        "  after E (probability 0.38): resolved 0.6316, opportunist 0.3684",
        "  after R (probability 0.62): resolved 0.09677, opportunist 0.9032",
    ]


# class: a missing folder is named as missing (issue 17)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["plot", "{missing}"], "{missing}: no such folder; give the --out folder of diplosim run or diplosim sweep"),
        (["plot", "{file}"], "{file}: not a folder; give the --out folder of diplosim run or diplosim sweep"),
        (
            ["analyze", "{missing}", "--output", "x"],
            "{missing}: no such folder; run diplosim sweep ... --out {missing}",
        ),
    ],
    ids=["plot-missing", "plot-file", "analyze-missing"],
)
def test_a_missing_folder_is_named_as_missing(args: list[str], fragment: str, tmp_path: Path) -> None:
    places = {"missing": str(tmp_path / "missing"), "file": str(tmp_path / "file.txt")}
    (tmp_path / "file.txt").write_text("not a folder\n")
    code, out, err = call(*(arg.format(**places) for arg in args))
    assert one_error_line(code, err) == "diplosim: error: " + fragment.format(**places)
    assert out == "" and not (tmp_path / "missing").exists()


def test_a_saved_run_is_readable_by_others_under_umask_022(tmp_path: Path) -> None:
    # issue 17: the files were 0o600 whatever the umask; open() under umask 0o022 gives 0o644, mkdir 0o755
    old = os.umask(0o022)
    try:
        code, _, err = call("run", CHICKEN, "--quiet", "--rounds", "1", "--out", str(tmp_path / "run"))
    finally:
        os.umask(old)
    assert code == 0, err
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "run").iterdir()}
    assert (stat.S_IMODE((tmp_path / "run").stat().st_mode), modes) == (0o755, {0o644})


# class: the story streams; a run stopped by an error shows and saves the rounds played (issue 17)


def test_a_run_stopped_by_an_error_prints_and_saves_the_rounds_played(tmp_path: Path) -> None:
    from .test_results import BREAKS_IN_ROUND_4

    scenario = tmp_path / "breaks.yaml"
    scenario.write_text(BREAKS_IN_ROUND_4)
    out = tmp_path / "run"
    code, printed, err = call("run", str(scenario), "--out", str(out), "--plots")
    line = one_error_line(code, err)
    assert line.startswith(f"diplosim: error: round 4, game second, payoff of A at (go): {scenario}:")
    assert line.endswith("division by zero")
    assert [row for row in printed.splitlines() if row.startswith("Round")] == ["Round 1", "Round 2", "Round 3"]
    assert "stopped by an error in round 4, after 3 rounds played" in printed
    # the tables only (no figures of a broken run): rounds, equilibria, state in CSV and Parquet, and the summary
    assert printed.splitlines()[-1] == f"wrote 7 files to {out} (the 3 rounds before the error)"
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["stop_reason"], summary["rounds_played"], summary["error"]) == ("error", 3, line[17:])
    quiet_code, quiet, quiet_err = call("run", str(scenario), "--quiet")
    assert one_error_line(quiet_code, quiet_err) == line
    assert quiet == "breaks: 3 rounds, stop reason error\n"


#: The command line in a process whose round 2 waits for a line on standard input: the
#: test reads round 1 from the pipe before letting the run go on, which only works if
#: round 1 was flushed into the pipe as soon as it was played.
WAIT_BEFORE_ROUND_2 = (
    "import sys\n"
    "from sim.model.negotiation import NegotiationModel\n"
    "step = NegotiationModel.step\n"
    "def waiting(self):\n"
    "    if self.round == 1:\n"
    "        sys.stdin.readline()\n"
    "    step(self)\n"
    "NegotiationModel.step = waiting\n"
    "from sim.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
#: Seconds to wait for round 1 before failing (a guard against hanging, not a timing test).
STREAM_GUARD = 120


@pytest.mark.slow
def test_the_story_streams_into_a_pipe_round_by_round() -> None:
    import select

    child = subprocess.Popen(
        [sys.executable, "-c", WAIT_BEFORE_ROUND_2, "run", CHICKEN, "--rounds", "2"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    fd = child.stdout.fileno()
    printed = ""  # read from the pipe itself: a buffered readline could hold "Round 1" unseen by select
    try:
        while "Round 1" not in printed.splitlines():
            ready, _, _ = select.select([fd], [], [], STREAM_GUARD)
            assert ready, f"round 1 was not flushed into the pipe while round 2 waits; got {printed!r}"
            chunk = os.read(fd, 65536).decode()
            assert chunk, f"the run ended before round 1 was printed; got {printed!r}"
            printed += chunk
        child.stdin.write("go on\n")
        child.stdin.flush()
        rest, err = child.communicate(timeout=STREAM_GUARD)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()  # waits, and closes the pipes
    assert child.returncode == 0, err
    assert "Round 2" not in printed and "Round 2" in rest


def test_sweep_help_says_its_defaults_come_from_the_sweep_block() -> None:
    code, printed, _ = call("sweep", "--help")
    text = " ".join(printed.split())  # argparse wraps at the terminal's width
    assert code == 0
    assert "comes from the scenario's sweep: block (or --spec's) when the block has it" in text
    for flag in ("--design {grid,lhs,sobol} experimental design", "--samples SAMPLES", "--reps REPS", "--seed SEED"):
        assert f"{flag} " in text
    assert "(default: the sweep: block's, else grid)" in text and "(default: the sweep: block's, else 1)" in text
    assert "root seed (default: the sweep: block's, else 0)" in text


@pytest.mark.slow  # imports the sweep machinery (pandas, pyarrow) and runs 12 runs
def test_sweep_summary_names_the_values_of_the_sweep_block(tmp_path: Path) -> None:
    scenario = tiny_scenario(tmp_path, "tiny")
    text = scenario.read_text().replace("rounds: 2}", "rounds: 2, design: lhs, samples: 6, reps: 2}")
    text = text.replace('cost: "0:1:2"', 'cost: "0:1"')
    scenario.write_text(text)
    out = tmp_path / "sweep"
    code, _, err = call("sweep", str(scenario), "--samples", "3", "--workers", "1", "--out", str(out))
    assert code == 0, err
    # the flag's 3 samples win over the block's 6: 3 points x the block's 2 reps
    assert len(load_sweep(out)) == 6
    summary = "".join(err.split())  # rich wraps at the terminal's width, inside a long path too
    expected = (
        f"from the sweep: block of {scenario} (no flag given for them): params cost; design lhs; reps 2; rounds 2"
    )
    assert "".join(expected.split()) in summary
    assert "samples" not in summary.split("(noflaggivenforthem):")[1].split("table:")[0]
