from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from sim.errors import RunError
from sim.game.normal_form import NormalFormGame, SourceLabels, expected_payoffs, strategy_payoffs
from sim.scenario.load import parse_scenario

HEADER = """\
name: forms
rounds: 1
parameters: {T: 5, R: 3, P: 1, S: 0}
actors: {Alice: {}, Bob: {}}
games:
  pd:
    players: [Alice, Bob]
    strategies: {Alice: [C, D], Bob: [C, D]}
"""
MATRICES = (
    HEADER
    + """\
    payoffs:
      Alice: [["R", "S"], ["T", "P"]]
      Bob: [[3, 5], [0, 1]]
"""
)
TABLE = (
    HEADER
    + """\
    payoff_table:
      "C, C": [R, R]
      "C, D": [S, T]
      "(D, C)": [5, 0]
      "D,D": ["P", "P"]
"""
)
FORMULAS = (
    HEADER
    + """\
    let:
      both_c: "Alice == 'C' and Bob == 'C'"
    payoffs:
      Alice: "R if both_c else (S if Alice == 'C' else (T if Bob == 'C' else P))"
      Bob: "R if both_c else (S if Bob == 'C' else (T if Alice == 'C' else P))"
"""
)


@pytest.mark.parametrize("text", [MATRICES, TABLE, FORMULAS], ids=["matrices", "table", "formulas"])
def test_three_payoff_forms_give_identical_arrays(text: str) -> None:
    scenario = parse_scenario(text)
    game = scenario.games[0].template.build(scenario.namespace(), exact=True)
    expected = np.array([[[3, 3], [0, 5]], [[5, 0], [1, 1]]], dtype=float)
    np.testing.assert_array_equal(game.payoffs, expected)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs[1, 0, 0] == Fraction(5)


def test_template_build_uses_current_values_and_exact_decimals() -> None:
    scenario = parse_scenario(MATRICES)
    values = {**scenario.namespace(), "R": 0.1}
    game = scenario.games[0].template.build(values, exact=True)
    assert game.payoffs[0, 0, 0] == 0.1
    assert game.exact_payoffs is not None and game.exact_payoffs[0, 0, 0] == Fraction(1, 10)
    assert scenario.games[0].template.build(values).exact_payoffs is None


def test_inexact_functions_leave_no_exact_payoffs() -> None:
    scenario = parse_scenario(MATRICES.replace('["R", "S"]', '["sqrt(R)", "S"]'))
    assert scenario.games[0].template.build(scenario.namespace(), exact=True).exact_payoffs is None


def test_a_failing_payoff_names_game_profile_and_player() -> None:
    scenario = parse_scenario(MATRICES.replace('["T", "P"]', '["T / P", "P"]'))
    with pytest.raises(RunError, match=r"game pd, payoff of Alice at \(D, C\).*division by zero"):
        scenario.games[0].template.build({**scenario.namespace(), "P": 0.0})


def test_game_shape_checks() -> None:
    with pytest.raises(ValueError, match="shape"):
        NormalFormGame("g", ("a", "b"), (("x",), ("y", "z")), np.zeros((1, 1, 2)))
    with pytest.raises(ValueError, match="finite"):
        NormalFormGame("g", ("a",), (("x",),), np.array([[np.nan]]))
    with pytest.raises(ValueError, match="source_labels must name the same players and strategies"):
        NormalFormGame("g", ("a",), (("x_1", "x_2"),), np.zeros((2, 1)), source_labels=SourceLabels(("a",), (("x",),)))


def test_source_labels_stay_with_other_payoffs() -> None:
    source = SourceLabels(("",), (("x", "x"),))
    game = NormalFormGame("g", ("_1",), (("x_1", "x_2"),), np.zeros((2, 1)), source_labels=source)
    assert game.with_payoffs(np.ones((2, 1))).source_labels is source


def test_strategy_and_expected_payoffs_three_players() -> None:
    rng = np.random.default_rng(1)
    payoffs = rng.normal(size=(2, 3, 2, 3))
    game = NormalFormGame("g", ("a", "b", "c"), (("0", "1"), ("0", "1", "2"), ("0", "1")), payoffs)
    profile = (np.array([0.3, 0.7]), np.array([0.2, 0.5, 0.3]), np.array([0.6, 0.4]))
    brute = np.einsum("i,j,k,ijkp->p", *profile, payoffs)
    np.testing.assert_allclose(expected_payoffs(game, profile), brute)
    by_strategy = np.einsum("i,k,ijk->j", profile[0], profile[2], payoffs[..., 1])
    np.testing.assert_allclose(strategy_payoffs(game, profile, 1), by_strategy)


def test_labels_and_profiles() -> None:
    game = NormalFormGame.from_matrices(
        "g", ("a", "b"), (("x", "y"), ("u", "v", "w")), np.zeros((2, 3)), np.zeros((2, 3))
    )
    assert list(game.profiles())[:2] == [(0, 0), (0, 1)]
    assert game.labels_of((1, 2)) == ("y", "w")
    assert game.n_players == 2 and game.shape == (2, 3)
