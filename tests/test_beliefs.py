"""Beliefs about types after a round, by Bayes' rule, against posteriors computed by hand."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from sim.errors import SolverError
from sim.solvers.beliefs import bayes, likelihoods, observation
from sim.solvers.trees import solve_tree

from .test_tree_solvers import troop_crisis


def russia_hidden(game):  # the type draw and Russia's intended move: what the West cannot see
    return lambda node: (
        node == 0 or (game.nodes[node].kind == "decision" and game.players[game.nodes[node].player] == "Russia")
    )


def terminal(game, path: str) -> int:
    return next(k for k in game.terminals if game.nodes[k].path == path)


@pytest.mark.parametrize(
    ("path", "posterior"),
    [
        # An incident at M: the resolved type intends E (realised with 1 - 1/20), the
        # opportunistic one R (E only by accident, 1/20): 3/10 * 19/20 / (3/10 * 19/20 + 7/10 * 1/20)
        # = (57/200) / (64/200) = 57/64. Standing firm and the war draw do not depend on the type.
        ("r/M/E/E/S/no war", F(57, 64)),
        ("o/M/R/E/S/no war", F(57, 64)),  # the same observation from the other branch
        # No incident: 3/10 * 1/20 / (3/10 * 1/20 + 7/10 * 19/20) = (3/200) / (136/200) = 3/136.
        ("o/M/R/R", F(3, 136)),
        ("r/M/E/R", F(3, 136)),
    ],
)
def test_the_west_learns_from_russias_realised_move(path: str, posterior: F) -> None:
    game = troop_crisis()
    (pbe,) = solve_tree(game).solutions
    hidden = russia_hidden(game)
    seen = terminal(game, path)
    odds = likelihoods(game, pbe.behaviour, 0, seen, hidden)
    exact_odds = [F(x).limit_denominator(10**6) for x in odds]
    assert bayes([F(3, 10), F(7, 10)], exact_odds)[0] == posterior
    assert observation(game, seen, hidden)[0] == "M"


def test_an_observation_impossible_under_every_type_keeps_or_resets_the_belief() -> None:
    assert bayes([0.25, 0.75], [0.0, 0.0]) == [0.25, 0.75]
    assert bayes([F(1, 4), F(3, 4)], [F(0), F(0)], on_zero="uniform") == [F(1, 2), F(1, 2)]
    with pytest.raises(SolverError, match="unknown rule for an impossible observation 'guess'"):
        bayes([0.5, 0.5], [0.0, 0.0], on_zero="guess")


def test_a_posture_never_played_in_equilibrium_teaches_nothing() -> None:
    # In the PBE the EU plays M; a path through D has probability zero under both types.
    game = troop_crisis()
    (pbe,) = solve_tree(game).solutions
    odds = likelihoods(game, pbe.behaviour, 0, terminal(game, "r/D/E/E/S/no war"), russia_hidden(game))
    assert odds == [0.0, 0.0]
    assert bayes([0.3, 0.7], odds) == [0.3, 0.7]


def test_unobserved_moves_are_where_the_paths_into_an_information_set_part() -> None:
    from sim.game.tree import Chance, Decision, Terminal, build
    from sim.solvers.beliefs import unobserved

    # Nature picks a or b; after b, A picks l or r. B then moves at one information set
    # spanning a, b/l and b/r: B sees neither nature's draw (node 0) nor A's move (at b,
    # where b/l and b/r part; the pair a, b/l alone would only show node 0).
    last = {"x": Terminal((0, 0)), "y": Terminal((1, 1))}
    game = build(
        "g",
        ("A", "B"),
        Chance(
            {
                "a": (0.5, Decision("B", last, infoset="B")),
                "b": (
                    0.5,
                    Decision("A", {"l": Decision("B", last, infoset="B"), "r": Decision("B", last, infoset="B")}),
                ),
            }
        ),
    )
    assert sorted(game.nodes[k].path for k in unobserved(game, 1)) == ["", "b"]
    assert unobserved(game, 0) == frozenset()
