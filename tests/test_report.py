from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from sim.api import RunResult, run
from sim.game.normal_form import NormalFormGame
from sim.model.stage_games import solve_stage_games
from sim.scenario.load import load_scenario
from sim.solvers.registry import solve
from sim.terminal import visible
from sim.viz.report import equilibrium_text, number, print_solved, print_story, solved_json

from .conftest import SCENARIOS, SIMULTANEOUS, diplosim
from .test_terminal import hidden_characters


def render(function: object, *args: object, width: int = 160) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    function(*args, console)  # type: ignore[operator]
    return buffer.getvalue()


def test_matrix_marks_best_responses_and_lists_fractions() -> None:
    results = solve_stage_games(load_scenario(SCENARIOS / "troop_deployment.yaml"))
    text = render(print_solved, results)
    assert "1.4*, -1.08*" in text  # (D, R): both best responses
    assert "-1.2*, 1.75*" in text  # (H, E)
    assert "0.85, -0.54" in text  # (M, R): neither
    assert "EU: D 193/215, H 22/215 · Russia: R 19/24, E 5/24" in text
    assert "3 equilibria, complete list" in text


def test_story_tells_each_round() -> None:
    text = render(print_story, run(SIMULTANEOUS, rounds=10))
    assert text.count("Round ") == 10
    assert "troop_deployment" in text and "EU H (hold back) · Russia E (escalate against the force)" in text
    assert "chosen by risk_dominant" in text
    assert "Ukraine H (hold the line) · Russia B (hold and fortify its own buffer zones)" in text  # frozen in round 10
    assert "esc 0 → 0.1" in text
    assert "played all 10 rounds" in text


def test_json_shape() -> None:
    data = solved_json(solve_stage_games(load_scenario(SCENARIOS / "troop_deployment.yaml")))
    (game,) = data["games"]
    assert game["players"] == ["EU", "Russia"]
    assert game["strategies"] == {"EU": ["D", "M", "H"], "Russia": ["R", "E"]}
    assert game["degenerate"] is False
    assert game["equilibria"][2] == {
        "EU": {"D": "193/215", "M": "0", "H": "22/215"},
        "Russia": {"R": "19/24", "E": "5/24"},
    }
    assert game["payoffs"]["D, R"] == [1.4, -1.08]


def test_number_and_equilibrium_text() -> None:
    assert number(-0.0) == "0"
    (result,) = solve_stage_games(load_scenario(SCENARIOS / "classics" / "prisoners_dilemma.yaml"))
    assert equilibrium_text(result.game, result.equilibria[0]) == "Alice: D · Bob: D"


def test_teaching_view_shows_elimination_and_risk_dominance() -> None:
    results = solve_stage_games(load_scenario(SCENARIOS / "troop_deployment.yaml"))
    text = render(print_solved, results)
    assert "Round 1: EU's M is strictly dominated by 1/2 D + 1/2 H (by at least 0.05)." in text
    assert "Left: EU: D, H; Russia: R, E." in text
    assert "(EU: H · Russia: E) risk-dominates (EU: D · Russia: R): products of deviation losses 7.334 > 0.22" in text
    (game,) = solved_json(results)["games"]
    assert game["elimination"][0][0]["strategy"] == "M"
    assert game["elimination"][0][0]["dominated_by"] == {"D": 0.5, "H": 0.5}
    assert game["undominated"] == {"EU": ["D", "H"], "Russia": ["R", "E"]}
    assert game["risk_dominance"] == [{"equilibria": [0, 1], "products": [pytest.approx(0.22), pytest.approx(7.334)]}]


def test_prisoners_dilemma_is_dominance_solvable() -> None:
    results = solve_stage_games(load_scenario(SCENARIOS / "classics" / "prisoners_dilemma.yaml"))
    text = render(print_solved, results)
    assert "Alice's C is strictly dominated by D; Bob's C is strictly dominated by D." in text


# --- user text is printed as it is: never markup, no control character (sim.terminal) ---


def hidden(text: str) -> list[str]:
    return hidden_characters(text)


@pytest.fixture(scope="module")
def chicken_run() -> RunResult:
    return run(SCENARIOS / "classics" / "chicken.yaml", rounds=2)


def named(result: RunResult, name: str) -> RunResult:
    scenario = dataclasses.replace(result.scenario, spec=result.scenario.spec.model_copy(update={"name": name}))
    return dataclasses.replace(result, scenario=scenario)


@pytest.mark.parametrize(
    "name",
    ["a [/bold] b", "\x1b]0;title\x07", "\x1b[2J", "[bold red]x", "ends in two backslashes \\\\", "\x9b31m"],
    ids=["closing-tag", "osc-title", "csi-clear", "open-tag", "backslashes", "c1-csi"],
)
def test_story_prints_a_scenario_name_as_written(chicken_run: RunResult, name: str) -> None:
    text = render(print_story, named(chicken_run, name))
    assert text.splitlines()[0] == f"{visible(name)}  (seed 3, up to 2 rounds)"
    assert hidden(text) == []


@settings(max_examples=150, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text())
@pytest.mark.slow
def test_any_scenario_name_prints_without_error_or_control_characters(chicken_run: RunResult, name: str) -> None:
    text = render(print_story, named(chicken_run, name))
    assert hidden(text) == []
    assert visible(name) in text


labels = st.text(min_size=1, max_size=12)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    name=st.text(max_size=20),
    players=st.lists(labels, min_size=2, max_size=2, unique=True),
    rows=st.lists(labels, min_size=2, max_size=2, unique=True),
    columns=st.lists(labels, min_size=2, max_size=2, unique=True),
)
@pytest.mark.slow
def test_any_game_player_and_strategy_names_print_without_error(
    name: str, players: list[str], rows: list[str], columns: list[str]
) -> None:
    # a coordination game: two pure equilibria and a mixed one, so every part of the view is printed
    game = NormalFormGame.from_matrices(
        name, tuple(players), (tuple(rows), tuple(columns)), [[2, 0], [0, 1]], [[1, 0], [0, 2]]
    )
    text = render(print_solved, [solve(game)], width=10_000)  # wide enough that no cell wraps
    assert hidden(text) == []
    assert "Risk dominance" in text and "3 equilibria" in text
    for label in (name, *players, *rows, *columns):
        assert visible(label) in text


# the story printed as the run is played (issue 17)


def test_the_story_printed_round_by_round_is_the_story_printed_at_the_end() -> None:
    from sim.viz.report import StoryPrinter

    buffer = io.StringIO()
    printer = StoryPrinter(Console(file=buffer, width=160, color_system=None))
    rounds_seen = []

    def hook(so_far: RunResult) -> None:
        printer(so_far)
        rounds_seen.append(buffer.getvalue().count("Round "))  # printed by the time the round is over

    result = run(SIMULTANEOUS, rounds=4, on_round=hook)
    assert rounds_seen == [1, 2, 3, 4]
    printer.end(result)
    assert buffer.getvalue() == render(print_story, result)


def test_the_story_of_a_run_stopped_by_an_error_ends_with_it() -> None:
    from sim.errors import RunError
    from sim.scenario.load import parse_scenario

    from .test_results import BREAKS_IN_ROUND_4

    with pytest.raises(RunError) as caught:
        run(parse_scenario(BREAKS_IN_ROUND_4))
    text = render(print_story, caught.value.partial)
    assert text.count("Round ") == 3 and "Round 4" not in text
    assert "stopped by an error in round 4, after 3 rounds played" in text


def test_strategy_descriptions_show_in_the_story_solve_json_and_tables(tmp_path: Path) -> None:
    # troop_deployment.yaml describes its strategies: D, M, H and R, E
    from sim.api import run as run_scenario

    path = SCENARIOS / "troop_deployment.yaml"
    text = diplosim("solve", str(path)).stdout
    assert "Strategies: EU: D = deploy a reassurance force, M = send monitors, H = hold back;" in " ".join(text.split())
    data = json.loads(diplosim("solve", str(path), "--json").stdout)
    assert data["games"][0]["descriptions"]["Russia"] == {"R": "restrain", "E": "escalate against the force"}
    story = " ".join(diplosim("run", str(path)).stdout.split())
    assert "EU H (hold back) · Russia E (escalate against the force)" in story
    rounds = run_scenario(path).rounds
    assert list(rounds.columns[:5]) == ["round", "game", "player", "strategy", "description"]
    described = dict(zip(rounds["strategy"], rounds["description"]))
    assert described["M"] == "send monitors" and described["E"] == "escalate against the force"
    plain = run_scenario(SCENARIOS / "classics" / "chicken.yaml").rounds  # described too
    assert "description" in plain.columns
