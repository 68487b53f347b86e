"""The unit law: a game's equilibria do not depend on the unit its payoffs are written in.

Multiplying every payoff by ``c > 0`` (and shifting by ``c * s``) must give the same
equilibria, in the same order, with the same degeneracy flag and components, for every
``c`` from 1e-9 to 1e12, degenerate games included; the floats the scaled games carry
are compared with the exact oracle (``tests/oracle.py``) too.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.game.normal_form import NormalFormGame
from sim.game.scaling import normalise
from sim.solvers.registry import solve

from .oracle import extreme_equilibria

# Small integers make ties, hence degenerate games, frequent (about half of these).
integer_games = st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
    lambda shape: arrays(np.int64, (*shape, 2), elements=st.integers(-4, 4))
)
units = st.tuples(st.floats(-9, 12), st.floats(1, 9.99)).map(lambda t: t[1] * 10 ** t[0])


def game_of(payoffs: np.ndarray) -> NormalFormGame:
    m, n = payoffs.shape[:2]
    return NormalFormGame("g", ("r", "c"), (tuple("abcd"[:m]), tuple("wxyz"[:n])), payoffs.astype(float))


def exact_set(payoffs: np.ndarray) -> set[tuple[tuple[float, ...], ...]]:
    """The oracle's extreme equilibria, as floats rounded to 9 places."""
    a, b = payoffs[..., 0].tolist(), payoffs[..., 1].tolist()
    return {tuple(tuple(round(float(p), 9) for p in mix) for mix in eq) for eq in extreme_equilibria(a, b)}


def found_set(game: NormalFormGame) -> set[tuple[tuple[float, ...], ...]]:
    return {tuple(tuple(round(float(p), 9) for p in mix) for mix in eq.strategies) for eq in solve(game).equilibria}


@settings(max_examples=250, deadline=None)
@given(integer_games, units, st.integers(-5, 5))
@example(np.array([[[1, 1], [0, 0]], [[0, 0], [1, 1]]]), 1e-9, 0)  # coordination: three equilibria
@example(np.array([[[1, 0], [1, 0]], [[1, 0], [1, 0]]]), 1e12, 3)  # everyone indifferent: a continuum
@example(np.array([[[2, 2], [0, 0]], [[0, 0], [1, 1]]]), 1.5e-5, 0)
@pytest.mark.slow
def test_equilibria_do_not_depend_on_the_payoff_unit(payoffs: np.ndarray, unit: float, shift: int) -> None:
    base = solve(game_of(payoffs))
    scaled = solve(game_of((payoffs + shift) * unit))
    assert scaled.degenerate == base.degenerate
    assert len(scaled.equilibria) == len(base.equilibria)
    for ours, theirs in zip(scaled.equilibria, base.equilibria):  # the same order too
        for x, y in zip(ours.strategies, theirs.strategies):
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-9)
        spread = unit * max(1, int(np.ptp(payoffs)))  # payoffs are compared relative to their spread
        np.testing.assert_allclose(ours.payoffs, (theirs.payoffs + shift) * unit, rtol=0, atol=1e-12 * spread)
    assert scaled.components == base.components
    assert scaled.nash_subsets == base.nash_subsets


@settings(max_examples=150, deadline=None)
@given(integer_games, units)
@pytest.mark.slow
def test_float_games_in_any_unit_have_the_oracle_s_extreme_equilibria(payoffs: np.ndarray, unit: float) -> None:
    assert found_set(game_of(payoffs * unit)) == exact_set(payoffs)


@pytest.mark.parametrize("unit", [1e-300, 2.0**-1000, 1e250, 1e300, 1.7e307])
def test_near_the_float_limits_games_are_solved_exactly_as_at_unit_one(unit: float) -> None:
    # Chicken with a mixed equilibrium (9/10, 1/10): (row, column) payoffs
    payoffs = np.array([[[0, 0], [-1, 1]], [[1, -1], [-10, -10]]])
    assert found_set(game_of(payoffs * unit)) == exact_set(payoffs)
    result = solve(game_of(payoffs * unit))
    assert all(np.isfinite(eq.payoffs).all() for eq in result.equilibria)


def test_a_game_of_the_largest_floats_keeps_its_only_equilibrium() -> None:
    biggest = np.finfo(float).max
    payoffs = np.array([[[biggest, biggest], [0.0, -biggest]], [[-biggest, 0.0], [-biggest, -biggest]]])
    (equilibrium,) = solve(game_of(payoffs)).equilibria
    assert [mix.tolist() for mix in equilibrium.strategies] == [[1.0, 0.0], [1.0, 0.0]]
    assert equilibrium.payoffs.tolist() == [biggest, biggest]


def test_normalised_payoffs_are_exact_for_integers_and_span_half_to_one() -> None:
    payoffs = np.array([[[3, -7], [10**12, 5]], [[-(10**12), 0], [7, 2**40]]], dtype=float)
    scaled = normalise(game_of(payoffs))
    for player in (0, 1):
        values = scaled.game.payoffs[..., player]
        assert values.min() == 0.0 and 0.5 <= values.max() < 1.0
        back = np.ldexp(values, -scaled.exponents[player]) + scaled.lowest[player]
        assert back.tolist() == payoffs[..., player].tolist()  # exactly: integers below 2**53


def test_exact_payoffs_are_normalised_exactly_with_the_floats_exponents() -> None:
    exact = np.array([[[Fraction(1, 10), Fraction(3)], [Fraction(0), Fraction(1)]]], dtype=object).reshape(1, 2, 2)
    game = NormalFormGame("g", ("r", "c"), (("a",), ("w", "x")), exact.astype(float), exact)
    scaled = normalise(game)
    assert scaled.game.exact_payoffs is not None
    for player in (0, 1):
        k = scaled.exponents[player]
        low = min(exact[..., player].flat)
        expected = [(value - low) * Fraction(2) ** k for value in exact[..., player].flat]
        assert list(scaled.game.exact_payoffs[..., player].flat) == expected
