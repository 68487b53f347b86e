from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.components import structure
from sim.equilibria import regret, tolerance
from sim.games import NormalFormGame
from sim.solvers import solve


def test_structure_of_known_pieces() -> None:
    a, b = np.eye(2)
    u, v, w = np.eye(3)
    result = structure([(b, u), (b, v), (a, w), (a, v)])
    # (b,u)-(b,v) share b; (b,v)-(a,v) share v; (a,v)-(a,w) share a: one component
    assert result.components == ((0, 1, 2, 3),)
    # maximal Nash subsets: {b} x {u, v} and {a} x {v, w}; {a, b} x {v} is a biclique too
    assert set(result.nash_subsets) == {(0, 1), (2, 3), (1, 3)}


games = st.tuples(st.integers(2, 4), st.integers(2, 4)).flatmap(
    lambda mn: arrays(np.float64, (*mn, 2), elements=st.integers(-2, 2).map(float))
)


@settings(max_examples=150, deadline=None)
@given(games)
def test_nash_subsets_are_sets_of_equilibria_and_components_partition(payoffs: np.ndarray) -> None:
    m, n = payoffs.shape[:2]
    game = NormalFormGame("g", ("r", "c"), (tuple("abcd"[:m]), tuple("wxyz"[:n])), payoffs)
    result = solve(game)
    indices = sorted(k for component in result.components for k in component)
    assert indices == list(range(len(result.equilibria)))
    for subset in result.nash_subsets:
        mixes = [result.equilibria[k].strategies for k in subset]
        middle = (np.mean([x for x, _ in mixes], axis=0), np.mean([y for _, y in mixes], axis=0))
        assert regret(game, middle) <= tolerance(game), "the convex hull of a Nash subset consists of equilibria"
        assert any(set(subset) <= set(component) for component in result.components)
