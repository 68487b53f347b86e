from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.game.equilibrium import tolerance
from sim.game.normal_form import NormalFormGame
from sim.solvers.dominance import Dominance, iterated_elimination, strictly_dominated


def two_player(a: list[list[float]], b: list[list[float]]) -> NormalFormGame:
    m, n = len(a), len(a[0])
    return NormalFormGame.from_matrices("g", ("Row", "Col"), (tuple("abcd"[:m]), tuple("wxyz"[:n])), a, b)


PD = NormalFormGame.from_matrices("pd", ("EU", "RU"), (("C", "D"), ("C", "D")), [[3, 0], [5, 1]], [[3, 5], [0, 1]])

# Four rounds, one strategy each: R (by C), then B (by T, once R is gone), then L (by C,
# once B is gone), then M (by T, once L is gone). (T, C) is the unique Nash equilibrium.
FOUR_ROUNDS = NormalFormGame.from_matrices(
    "four_rounds",
    ("Row", "Col"),
    (("T", "M", "B"), ("L", "C", "R")),
    [[3, 3, 0], [4, 1, 0], [2, 2, 5]],
    [[2, 3, 1], [1, 2, 0], [4, 2, 0]],
)


def test_prisoners_dilemma_is_solved_in_one_round() -> None:
    result = iterated_elimination(PD)
    assert len(result.steps) == 1
    assert result.steps[0] == (Dominance(0, 0, ((1, 1.0),), 1.0), Dominance(1, 0, ((1, 1.0),), 1.0))
    assert result.remaining == ((1,), (1,))
    assert result.solvable
    assert result.labels(PD) == (("D",), ("D",))
    assert result.steps[0][0].text(PD) == "EU's C is strictly dominated by D"


def test_several_rounds_each_enabled_by_the_previous_one() -> None:
    result = iterated_elimination(FOUR_ROUNDS)
    assert [[(d.player, d.strategy) for d in step] for step in result.steps] == [[(1, 2)], [(0, 2)], [(1, 0)], [(0, 1)]]
    assert result.remaining == ((0,), (1,))
    assert result.text(FOUR_ROUNDS) == (
        "Round 1: Col's R is strictly dominated by C.\n"
        "Round 2: Row's B is strictly dominated by T.\n"
        "Round 3: Col's L is strictly dominated by C.\n"
        "Round 4: Row's M is strictly dominated by T.\n"
        "Left: Row: T; Col: C."
    )
    # B is not dominated in the full game, only once R is removed
    assert (0, 2) not in {(d.player, d.strategy) for d in strictly_dominated(FOUR_ROUNDS)}
    assert [(d.player, d.strategy) for d in strictly_dominated(FOUR_ROUNDS, ((0, 1, 2), (0, 1)))] == [(0, 2)]


def test_pure_dominator_with_the_largest_margin_is_preferred() -> None:
    # R is dominated by L (margin 1) and by C (margin 2)
    (dominance,) = strictly_dominated(FOUR_ROUNDS)
    assert (dominance.player, dominance.strategy, dominance.dominator, dominance.margin) == (1, 2, ((1, 1.0),), 2.0)
    tied = two_player([[0, 0, 0], [0, 0, 0]], [[0, 1, 1], [0, 1, 1]])  # Col: y and z both beat x by 1
    assert strictly_dominated(tied) == [Dominance(1, 0, ((1, 1.0),), 1.0)]


def test_strategy_dominated_only_by_a_mix() -> None:
    game = two_player([[3, 0], [0, 3], [1, 1]], [[0, 0], [0, 0], [0, 0]])
    (dominance,) = strictly_dominated(game)
    assert (dominance.player, dominance.strategy) == (0, 2)
    assert [t for t, _ in dominance.dominator] == [0, 1]
    assert [w for _, w in dominance.dominator] == pytest.approx([0.5, 0.5], abs=1e-9)
    assert dominance.margin == pytest.approx(0.5, abs=1e-9)
    assert dominance.text(game) == "Row's c is strictly dominated by 1/2 a + 1/2 b (by at least 0.5)"
    assert iterated_elimination(game).remaining == ((0, 1), (0, 1))


def test_mixed_weights_that_are_not_simple_fractions_show_three_decimals() -> None:
    game = two_player([[1, 0], [0, 1], [0, 0]], [[0, 0], [0, 0], [0, 0]])
    text = Dominance(0, 2, ((0, 0.123456), (1, 0.876544)), 0.1).text(game)
    assert text == "Row's c is strictly dominated by 0.123 a + 0.877 b (by at least 0.1)"


def test_weak_dominance_is_not_reported() -> None:
    game = two_player([[1, 1], [1, 0]], [[0, 0], [0, 0]])
    assert strictly_dominated(game) == []
    result = iterated_elimination(game)
    assert result.steps == ()
    assert result.remaining == ((0, 1), (0, 1))
    assert not result.solvable
    assert result.text(game).startswith("No strategy is strictly dominated.")


def test_weak_dominance_by_a_mix_is_not_reported() -> None:
    # c ties 1/2 a + 1/2 b against x and loses nothing, gains nothing: weak only
    game = two_player([[2, 0], [0, 2], [1, 1]], [[0, 0], [0, 0], [0, 0]])
    assert strictly_dominated(game) == []


def test_three_players_in_a_chain() -> None:
    # A prefers 0; B wants to match A; C wants to match B: one player per round.
    payoffs = np.zeros((2, 2, 2, 3))
    for a, b, c in itertools.product(range(2), repeat=3):
        payoffs[a, b, c] = [a == 0, b == a, c == b]
    game = NormalFormGame("chain", ("A", "B", "C"), (("x", "y"),) * 3, payoffs)
    result = iterated_elimination(game)
    assert [[(d.player, d.strategy, d.dominator) for d in step] for step in result.steps] == [
        [(0, 1, ((0, 1.0),))],
        [(1, 1, ((0, 1.0),))],
        [(2, 1, ((0, 1.0),))],
    ]
    assert result.remaining == ((0,), (0,), (0,))


def test_one_player_keeps_only_the_best() -> None:
    game = NormalFormGame("solo", ("Solo",), (("a", "b", "c", "d"),), np.array([[2.0], [5.0], [1.0], [4.0]]))
    found = strictly_dominated(game)
    assert [(d.strategy, d.dominator, d.margin) for d in found] == [
        (0, ((1, 1.0),), 3.0),
        (2, ((1, 1.0),), 4.0),
        (3, ((1, 1.0),), 1.0),
    ]
    assert iterated_elimination(game).remaining == ((1,),)
    tie = NormalFormGame("tie", ("Solo",), (("a", "b", "c"),), np.array([[5.0], [5.0], [0.0]]))
    assert iterated_elimination(tie).remaining == ((0, 1),)


def test_bad_remaining_is_refused() -> None:
    with pytest.raises(ValueError, match="one tuple per player"):
        strictly_dominated(PD, ((0, 1),))
    with pytest.raises(ValueError, match=r"remaining\[1\]"):
        strictly_dominated(PD, ((0, 1), ()))
    with pytest.raises(ValueError, match=r"remaining\[0\]"):
        strictly_dominated(PD, ((0, 2), (0,)))


# --- properties on random games -------------------------------------------------------

random_games = st.integers(2, 3).flatmap(
    lambda k: st.lists(st.integers(1, 4), min_size=k, max_size=k).flatmap(
        lambda shape: arrays(np.float64, (*shape, len(shape)), elements=st.floats(-10, 10, allow_nan=False, width=32))
    )
)


def make_game(payoffs: np.ndarray) -> NormalFormGame:
    shape = payoffs.shape[:-1]
    strategies = tuple(tuple(f"s{j}" for j in range(n)) for n in shape)
    return NormalFormGame("random", tuple(f"p{i}" for i in range(len(shape))), strategies, payoffs)


def payoff_at(game: NormalFormGame, player: int, profile: tuple[int, ...], strategy: int) -> float:
    """Player's payoff when the others play ``profile`` and the player ``strategy``."""
    index = list(profile)
    index[player] = strategy
    return float(game.payoffs[(*index, player)])


def holds(game: NormalFormGame, remaining: tuple[tuple[int, ...], ...], dominance: Dominance) -> bool:
    own = remaining[dominance.player]
    indices = [t for t, _ in dominance.dominator]
    weights = np.array([w for _, w in dominance.dominator])
    if dominance.strategy not in own or not set(indices) <= set(own) - {dominance.strategy}:
        return False
    if np.any(weights <= 0) or abs(weights.sum() - 1) > 1e-9 or indices != sorted(indices):
        return False
    others = [kept if i != dominance.player else (0,) for i, kept in enumerate(remaining)]
    slack = 1e-12 * max(1.0, float(np.max(np.abs(game.payoffs))))
    for profile in itertools.product(*others):
        dominated = payoff_at(game, dominance.player, profile, dominance.strategy)
        mixed = sum(w * payoff_at(game, dominance.player, profile, t) for t, w in zip(indices, weights))
        if mixed - dominated < dominance.margin - slack:
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(random_games)
@pytest.mark.slow
def test_every_reported_dominance_holds(payoffs: np.ndarray) -> None:
    game = make_game(payoffs)
    result = iterated_elimination(game)
    remaining = tuple(tuple(range(n)) for n in game.shape)
    for step in result.steps:
        assert step == tuple(strictly_dominated(game, remaining))
        for dominance in step:
            assert dominance.margin > tolerance(game) > 0
            assert holds(game, remaining, dominance)
        removed = {(d.player, d.strategy) for d in step}
        remaining = tuple(tuple(s for s in own if (i, s) not in removed) for i, own in enumerate(remaining))
    assert remaining == result.remaining
    assert all(len(kept) >= 1 for kept in remaining)
    assert strictly_dominated(game, remaining) == []


@settings(max_examples=150, deadline=None)
@given(random_games, st.randoms(use_true_random=False))
@pytest.mark.slow
def test_elimination_is_independent_of_strategy_order(payoffs: np.ndarray, random: object) -> None:
    game = make_game(payoffs)
    orders = []
    for n in game.shape:
        order = list(range(n))
        random.shuffle(order)  # type: ignore[attr-defined]
        orders.append(order)
    permuted = NormalFormGame(
        "permuted",
        game.players,
        tuple(tuple(labels[j] for j in order) for labels, order in zip(game.strategies, orders)),
        game.payoffs[np.ix_(*orders)],
    )
    first = iterated_elimination(game).labels(game)
    second = iterated_elimination(permuted).labels(permuted)
    assert [set(kept) for kept in first] == [set(kept) for kept in second]


def pure_equilibria(game: NormalFormGame) -> list[tuple[int, ...]]:
    found = []
    for profile in game.profiles():
        stable = True
        for player in range(game.n_players):
            index = list(profile)
            index[player] = slice(None)
            if np.max(game.payoffs[(*index, player)]) > game.payoffs[(*profile, player)]:
                stable = False
        if stable:
            found.append(profile)
    return found


@settings(max_examples=200, deadline=None)
@given(random_games)
@pytest.mark.slow
def test_pure_nash_equilibria_survive_elimination(payoffs: np.ndarray) -> None:
    game = make_game(payoffs)
    remaining = iterated_elimination(game).remaining
    for profile in pure_equilibria(game):
        assert all(s in kept for s, kept in zip(profile, remaining)), profile
