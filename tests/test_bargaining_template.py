"""Bargaining games in scenarios (``bargaining:``): the YAML form against the hand-built
problem, the classics' solutions derived by hand, solve's text and JSON, formulas of
the state that move the solution, and a run that plays one."""

from __future__ import annotations

import json
import math
from fractions import Fraction as F
from pathlib import Path

import pytest

from sim.errors import RunError, UsageError
from sim.game.bargaining import Bargaining
from sim.model.stage_games import solve_bargaining_games
from sim.scenario.load import load_scenario, parse_scenario

from .conftest import SCENARIOS, diplosim

CLASSICS = SCENARIOS / "classics"

ZONE = """
name: zone talks
rounds: 1
parameters: {p_war: 0.6, c_UA: 0.1, c_RU: 0.1}
actors: {Ukraine: {}, Russia: {}}
games:
  zone_talks:
    players: [Ukraine, Russia]
    bargaining:
      issue: {name: width, range: [0, 40], unit: km}
      utilities: {Ukraine: "width / 40", Russia: "1 - width / 40"}
      disagreement: {Ukraine: "p_war - c_UA", Russia: "1 - p_war - c_RU"}
      discount: {Ukraine: 0.9, Russia: 0.9}
      proposer: Ukraine
"""


def _solutions(scenario_text: str, **changes: float) -> dict[str, object]:
    scenario = parse_scenario(scenario_text)
    if changes:
        scenario = scenario.with_overrides(changes)
    [solved] = solve_bargaining_games(scenario)
    return {s.concept: s for s in solved.solutions} | {"range": solved.span}


def test_the_yaml_form_builds_the_hand_built_problem() -> None:
    [solved] = solve_bargaining_games(parse_scenario(ZONE))
    # utilities width/40 and 1 - width/40: slopes 1/40 and -1/40, intercepts 0 and 1;
    # disagreement 0.6 - 0.1 = 1/2 and 1 - 0.6 - 0.1 = 3/10, exact
    expected = Bargaining(
        "zone_talks",
        ("Ukraine", "Russia"),
        "width",
        F(0),
        F(40),
        (F(1, 40), F(-1, 40)),
        (F(0), F(1)),
        (F(1, 2), F(3, 10)),
        (F(9, 10), F(9, 10)),
        0,
        (None, None),
        F(0),
        (F(1, 2), F(1, 2)),
        "km",
    )
    assert solved.problem == expected


def test_optional_fields_reach_the_problem() -> None:
    text = ZONE.replace(
        "      proposer: Ukraine",
        "      proposer: Russia\n      outside_options: {Russia: 0.5}\n      breakdown: 0.05\n"
        "      powers: {Ukraine: 1, Russia: 2}",
    )
    [solved] = solve_bargaining_games(parse_scenario(text))
    problem = solved.problem
    assert (problem.first, problem.outside, problem.breakdown, problem.power) == (
        1,
        (None, F(1, 2)),
        F(1, 20),
        (F(1), F(2)),
    )


def test_the_zone_example_is_solved_exactly() -> None:
    solutions = _solutions(ZONE)
    # Ukraine accepts width/40 >= 1/2 (width >= 20), Russia 1 - width/40 >= 3/10 (width <= 28)
    assert solutions["range"] == (F(20), F(28))
    nash = solutions["nash"]
    # gains width/40 - 1/2 and 7/10 - width/40 are equal at width/40 = 3/5: width 24
    assert (nash.agreement, nash.utilities) == (F(24), (F(3, 5), F(2, 5)))  # type: ignore[attr-defined]
    assert solutions["kalai_smorodinsky"].agreement == F(24)  # type: ignore[attr-defined]


def test_a_formula_of_the_state_moves_the_solution() -> None:
    # p_war 0.7: disagreement (0.6, 0.2); range width/40 in [3/5, 4/5], width in [24, 32], Nash its middle 28
    solutions = _solutions(ZONE, p_war=0.7)
    assert solutions["range"] == (F(24), F(32))
    assert solutions["nash"].agreement == F(28)  # type: ignore[attr-defined]


def test_rubinstein_split_classic_gives_the_first_proposer_one_over_one_plus_delta() -> None:
    [solved] = solve_bargaining_games(load_scenario(CLASSICS / "rubinstein_split.yaml"))
    by_concept = {s.concept: s for s in solved.solutions}
    # M = 1 - delta M with delta = 9/10: M = 1/(1 + 9/10) = 10/19; the responder gets 9/19
    assert by_concept["rubinstein"].agreement == F(10, 19)
    assert by_concept["rubinstein"].utilities == (F(10, 19), F(9, 19))
    # symmetric and undiscounted: the even split
    assert by_concept["nash"].agreement == F(1, 2)
    assert by_concept["kalai_smorodinsky"].agreement == F(1, 2)


def test_nash_bargaining_classic_meets_its_first_order_condition() -> None:
    [solved] = solve_bargaining_games(load_scenario(CLASSICS / "nash_bargaining.yaml"))
    assert solved.problem.curves is not None  # sqrt is not affine: numeric
    nash, ks = solved.solutions
    x = float(nash.agreement)  # type: ignore[arg-type]
    # d/dx log(sqrt(x) (1 - x)) = 1/(2x) - 1/(1 - x) = 0 at x = 1/3
    assert abs(1 / (2 * x) - 1 / (1 - x)) < 1e-5
    assert abs(x - 1 / 3) < 1e-7
    # Kalai-Smorodinsky: sqrt(x) = 1 - x, x = (3 - sqrt 5)/2
    assert abs(float(ks.agreement) - (3 - math.sqrt(5)) / 2) < 1e-9  # type: ignore[arg-type]


def test_solve_json_shape() -> None:
    result = diplosim("solve", str(CLASSICS / "rubinstein_split.yaml"), "--json")
    assert result.returncode == 0, result.stderr
    [game] = json.loads(result.stdout)["games"]
    assert game == {
        "name": "split",
        "form": "bargaining",
        "players": ["Proposer", "Responder"],
        "issues": [{"name": "share", "range": ["0", "1"], "unit": ""}],
        "disagreement": {"Proposer": "0", "Responder": "0"},
        "solutions": {
            "nash": {"agreement": {"share": "1/2"}, "utilities": {"Proposer": "1/2", "Responder": "1/2"}},
            "kalai_smorodinsky": {"agreement": {"share": "1/2"}, "utilities": {"Proposer": "1/2", "Responder": "1/2"}},
            "rubinstein": {"agreement": {"share": "10/19"}, "utilities": {"Proposer": "10/19", "Responder": "9/19"}},
            "range": ["0", "1"],
            # Fearon's take-it-or-leave-it demand with complete information: the
            # Responder's war value is 0, so the Proposer demands the whole pie, 1
            "fearon": {"range": ["0", "1"], "demand": "1", "war_probability": "0", "expected": "1"},
        },
        "notes": [],
    }


def test_solve_text_says_each_solution_and_why(tmp_path: Path) -> None:
    path = tmp_path / "zone.yaml"
    path.write_text(ZONE, encoding="utf-8")
    result = diplosim("solve", str(path))
    assert result.returncode == 0, result.stderr
    assert "bargaining range: width in [20 km, 28 km]" in result.stdout
    assert "Nash: width = 24 km; Ukraine gets 3/5 (~ 0.6), Russia gets 2/5 (~ 0.4)" in result.stdout
    assert "Rubinstein (alternating offers): width = 22 km" in result.stdout
    text = diplosim("solve", str(CLASSICS / "rubinstein_split.yaml")).stdout
    assert "The first proposer gets more: 1/(1+delta)" in " ".join(text.split())


def test_normal_form_games_beside_a_bargaining_game_keep_their_output(tmp_path: Path) -> None:
    matrix = """
  choice:
    players: [Ukraine]
    strategies: {Ukraine: [go, stay]}
    payoffs: {Ukraine: "1 if Ukraine == 'go' else 0"}
"""
    alone, both = tmp_path / "alone.yaml", tmp_path / "both.yaml"
    head = ZONE.split("games:\n", maxsplit=1)[0] + "games:"
    alone.write_text(head + matrix, encoding="utf-8")
    both.write_text(ZONE + matrix, encoding="utf-8")
    solo = json.loads(diplosim("solve", str(alone), "--json").stdout)["games"]
    mixed = json.loads(diplosim("solve", str(both), "--json").stdout)["games"]
    assert [game["name"] for game in mixed] == ["zone_talks", "choice"]
    assert mixed[1:] == solo


def test_run_plays_a_bargaining_game_and_writes_its_tables(tmp_path: Path) -> None:
    scenario = parse_scenario(ZONE)
    assert [plan.name for plan in scenario.stages] == ["zone_talks"]
    path = tmp_path / "zone.yaml"
    path.write_text(ZONE, encoding="utf-8")
    result = diplosim("run", str(path), "--out", str(tmp_path / "out"))
    assert (result.returncode, result.stderr) == (0, "")
    # both play the equilibrium: Ukraine offers its Rubinstein agreement, 22 km (see
    # test_solve_text_says_each_solution_and_why), and Russia accepts at once
    assert "agreed on width = 22 km at offer 1" in result.stdout
    negotiations = (tmp_path / "out" / "negotiations.csv").read_text(encoding="utf-8").splitlines()
    assert negotiations[0] == "round,game,issue,outcome,agreed,agreement,offers,type,war_probability"
    assert negotiations[1].startswith("1,zone_talks,width,agreement,True,22.0,1,,")
    offers = (tmp_path / "out" / "offers.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[5:8] for line in offers[1:]] == [
        ["Ukraine", offers[1].split(",")[6], "propose"],
        ["Russia", offers[2].split(",")[6], "accept"],
    ]


def test_a_state_where_a_utility_fails_is_a_run_error() -> None:
    text = ZONE.replace('Ukraine: "width / 40"', 'Ukraine: "width / k"').replace("c_RU: 0.1}", "c_RU: 0.1, k: 40}")
    scenario = parse_scenario(text).with_overrides({"k": 0})
    where = "<string>:11 games.zone_talks.bargaining.utilities.Ukraine"
    with pytest.raises(RunError, match=f"game zone_talks: {where}: Ukraine's utility at width = 0: division by zero"):
        solve_bargaining_games(scenario)


def test_a_bargaining_game_has_no_strategy_matrix() -> None:
    with pytest.raises(UsageError, match="game zone_talks is a bargaining game: it has no strategy matrix"):
        parse_scenario(ZONE).game("zone_talks")


def test_numpy_floats_in_the_state_build_exactly() -> None:
    # numpy 2 writes np.float64(0.6) as its repr: the exact value must come from the number
    import numpy as np

    scenario = parse_scenario(ZONE)
    values = {**scenario.namespace(), "p_war": np.float64(0.6)}
    problem = scenario.bargaining("zone_talks").template.build(values)
    assert problem.disagreement == (F(1, 2), F(3, 10))


def test_solve_shows_fearons_demand_and_what_the_answer_teaches() -> None:
    # fearon_private_information.yaml: prior 3/10 on tough (war value 7/20), soft 3/20; A's
    # war value 1/2. Screening (17/20, only soft accepts) is worth 17/20 - 7/20 * 3/10 =
    # 149/200 > 13/20, so war comes with chance 3/10; an acceptance reveals soft, a
    # rejection tough
    text = " ".join(diplosim("solve", str(CLASSICS / "fearon_private_information.yaml")).stdout.split())
    assert "A demands x = 17/20 (~ 0.85); chance of war 3/10 (~ 0.3); A expects 149/200 (~ 0.745)" in text
    assert "after an acceptance: tough 0, soft 1; after a rejection: tough 1, soft 0" in text
    uniform = json.loads(diplosim("solve", str(CLASSICS / "fearon_uniform_costs.yaml"), "--json").stdout)
    # uniform on [1/5, 2/5], A's war value 1/2: A leaves B 7/20, accepted with chance 3/4
    assert uniform["games"][0]["solutions"]["fearon"] == {
        "range": ["1/2", "7/10"],
        "demand": "13/20",
        "war_probability": "1/4",
        "expected": "49/80",
        "uniform": ["1/5", "2/5"],
    }
