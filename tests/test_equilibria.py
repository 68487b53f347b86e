from __future__ import annotations

from fractions import Fraction
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.game.equilibrium import canonical_key, regret, tolerance
from sim.game.normal_form import NormalFormGame
from sim.solvers.finalize import finalize, is_exact_equilibrium
from sim.solvers.registry import solve


def exact_game(a: list[list[int]], b: list[list[int]]) -> NormalFormGame:
    payoffs = np.stack([np.array(a, float), np.array(b, float)], axis=-1)
    exact = np.empty(payoffs.shape, dtype=object)
    for index in np.ndindex(payoffs.shape):
        exact[index] = Fraction(int(payoffs[index]))
    m, n = payoffs.shape[:2]
    return NormalFormGame("g", ("r", "c"), (tuple("abcdef"[:m]), tuple("uvwxyz"[:n])), payoffs, exact)


def test_finalize_cleans_dedupes_verifies_and_sorts() -> None:
    game = exact_game([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    candidates = [
        (np.array([2 / 3, 1 / 3]), np.array([1 / 3, 2 / 3])),
        (np.array([-1e-17, 1.0]), np.array([0.0, 1.0 + 1e-16])),
        (np.array([1.0, 0.0]), np.array([1.0, 0.0])),
        (np.array([0.0, 1.0]), np.array([0.0, 1.0])),  # duplicate
        (np.array([1.0, 0.0]), np.array([0.0, 1.0])),  # not an equilibrium
        (np.array([np.nan, 1.0]), np.array([0.0, 1.0])),  # junk
    ]
    result = finalize(game, candidates, "test", complete=True)
    assert [eq.is_pure for eq in result.equilibria] == [True, True, False]
    assert result.equilibria[0].support(0) == (0,)
    assert result.equilibria[2].exact == ((Fraction(2, 3), Fraction(1, 3)), (Fraction(1, 3), Fraction(2, 3)))
    assert any("profitable deviation" in note for note in result.notes)
    assert any("not a probability profile" in note for note in result.notes)
    assert result.equilibria[1].strategies[0][0] == 0.0  # -1e-17 cleaned


def test_exact_check_rejects_near_misses() -> None:
    game = exact_game([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert is_exact_equilibrium(game, ((Fraction(2, 3), Fraction(1, 3)), (Fraction(1, 3), Fraction(2, 3))))
    assert not is_exact_equilibrium(
        game,
        (
            (Fraction(2, 3), Fraction(1, 3)),
            (Fraction(1, 3) + Fraction(1, 10**9), Fraction(2, 3) - Fraction(1, 10**9)),
        ),
    )
    assert not is_exact_equilibrium(game, ((Fraction(1), Fraction(1)), (Fraction(1), Fraction(0))))


def test_no_exact_fractions_without_exact_payoffs() -> None:
    game = exact_game([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    floats = NormalFormGame(game.name, game.players, game.strategies, game.payoffs)
    assert all(eq.exact is None for eq in solve(floats).equilibria)
    assert all(eq.exact is not None for eq in solve(game).equilibria)


def test_probability_text() -> None:
    game = exact_game([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    assert solve(game).equilibria[2].probability_text(0, 0) == "2/3"
    floats = NormalFormGame(game.name, game.players, game.strategies, game.payoffs)
    assert solve(floats).equilibria[2].probability_text(0, 0) == "0.6666666667"


def test_regret_and_tolerance() -> None:
    game = exact_game([[3, 0], [5, 1]], [[3, 5], [0, 1]])
    assert regret(game, (np.array([0.0, 1.0]), np.array([0.0, 1.0]))) == 0.0
    assert regret(game, (np.array([1.0, 0.0]), np.array([1.0, 0.0]))) == 2.0
    assert tolerance(game) == pytest.approx(5e-9)


def test_canonical_key_orders_pure_first_then_labels() -> None:
    pure_late = (np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    pure_early = (np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    mixed = (np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    assert sorted([mixed, pure_late, pure_early], key=canonical_key) == [pure_early, pure_late, mixed]


def test_known_degenerate_game_lists_both_ends_of_a_segment() -> None:
    # Column is indifferent between u and v whenever Row plays b: the equilibria (b, any mix of u, v)
    # with Row's best response b form a segment whose end points are (b, u) and (b, v).
    game = exact_game([[1, 0], [2, 2]], [[1, 0], [1, 1]])
    result = solve(game)
    assert result.degenerate
    ends = [(eq.support(0), eq.support(1)) for eq in result.equilibria]
    assert ((1,), (0,)) in ends and ((1,), (1,)) in ends


# payoffs on a grid of 1/8 (ties, hence degenerate games, are common), or continuous ones
# no finer than 1e-3: differences near the verification tolerance make any solver's
# answer depend on round-off, which is not what these laws are about
_grid = st.integers(-80, 80).map(lambda k: k / 8)
_continuous = st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 3))
payoff_arrays = st.integers(2, 4).flatmap(
    lambda m: st.integers(2, 4).flatmap(lambda n: arrays(np.float64, (m, n, 2), elements=st.one_of(_grid, _continuous)))
)


@settings(max_examples=150, deadline=None)
@given(payoff_arrays)
@pytest.mark.slow
def test_every_returned_equilibrium_is_a_mutual_best_response(payoffs: np.ndarray) -> None:
    m, n = payoffs.shape[:2]
    game = NormalFormGame("g", ("r", "c"), (tuple("abcd"[:m]), tuple("wxyz"[:n])), payoffs)
    result = solve(game)
    assert result.equilibria, "every finite game has an equilibrium"
    for eq in result.equilibria:
        for mix in eq.strategies:
            assert np.all(mix >= 0) and abs(mix.sum() - 1) < 1e-9
        assert regret(game, eq.strategies) <= tolerance(game)


@settings(max_examples=150, deadline=None)
@given(payoff_arrays, st.floats(-9, 12), st.floats(-5, 5))
@pytest.mark.slow
def test_equilibria_unchanged_by_positive_affine_transforms(payoffs: np.ndarray, exponent: float, shift: float) -> None:
    # degenerate games included: every unit from 1e-9 to 1e12 (see also tests/test_scaling.py)
    m, n = payoffs.shape[:2]
    labels = (tuple("abcd"[:m]), tuple("wxyz"[:n]))
    scale = 10.0**exponent
    first = solve(NormalFormGame("g", ("r", "c"), labels, payoffs))
    second = solve(NormalFormGame("g", ("r", "c"), labels, (payoffs + shift) * scale))
    assert first.degenerate == second.degenerate
    assert len(first.equilibria) == len(second.equilibria)
    for a, b in zip(first.equilibria, second.equilibria):
        for x, y in zip(a.strategies, b.strategies):
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(payoff_arrays, st.randoms(use_true_random=False))
@pytest.mark.slow
def test_equilibria_permute_with_relabelled_strategies(payoffs: np.ndarray, random: object) -> None:
    m, n = payoffs.shape[:2]
    rows = list(range(m))
    random.shuffle(rows)  # type: ignore[attr-defined]
    labels = (tuple("abcd"[:m]), tuple("wxyz"[:n]))
    first = solve(NormalFormGame("g", ("r", "c"), labels, payoffs))
    permuted = NormalFormGame("g", ("r", "c"), (tuple(labels[0][i] for i in rows), labels[1]), payoffs[rows])
    second = solve(permuted)
    assert first.degenerate == second.degenerate
    back = sorted(
        (tuple(np.round(eq.strategies[0][np.argsort(rows)], 7)), tuple(np.round(eq.strategies[1], 7)))
        for eq in second.equilibria
    )
    mine = sorted(
        (tuple(np.round(eq.strategies[0], 7)), tuple(np.round(eq.strategies[1], 7))) for eq in first.equilibria
    )
    assert back == mine


def test_a_deviation_worth_1_next_to_payoffs_of_1e19_is_not_hidden() -> None:
    # Row's payoffs 1e19 (top right) and 1 / 0 elsewhere: against Left, Row gets 1 from Top and
    # 0 from Bottom, a difference 1e-19 of the spread, far below the float tolerance. In exact
    # arithmetic (Bottom, Left) is no equilibrium: Top gains 1. Column is indifferent everywhere.
    exact = np.array([[[F(1), F(0)], [F(10**19), F(0)]], [[F(0), F(0)], [F(0), F(0)]]], dtype=object)
    game = NormalFormGame("huge", ("Row", "Col"), (("Top", "Bottom"), ("Left", "Right")), exact.astype(float), exact)
    pure = [(eq.support(0), eq.support(1)) for eq in solve(game).equilibria if eq.is_pure]
    assert ((1,), (0,)) not in pure
    assert ((0,), (0,)) in pure and ((0,), (1,)) in pure
