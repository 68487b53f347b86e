from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.game.components import _maximal_bicliques, structure
from sim.game.equilibrium import regret, tolerance
from sim.game.normal_form import NormalFormGame
from sim.solvers.registry import solve


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
@pytest.mark.slow
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


def closed_pairs_by_brute_force(edges: dict[tuple[int, int], int]) -> list[tuple[int, ...]]:
    """Every subset X of rows whose common neighbours Y have X as their common neighbours."""
    xs, ys = sorted({x for x, _ in edges}), sorted({y for _, y in edges})
    neighbours = {x: {y for (a, y) in edges if a == x} for x in xs}
    found = set()
    for size in range(1, len(xs) + 1):
        for group in itertools.combinations(xs, size):
            common = set(ys).intersection(*(neighbours[x] for x in group))
            if common and tuple(x for x in xs if common <= neighbours[x]) == group:
                found.add(tuple(sorted(edges[x, y] for x in group for y in common)))
    return sorted(found)


@settings(max_examples=300, deadline=None)
@given(st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1))
@pytest.mark.slow
def test_maximal_bicliques_are_the_closed_pairs(pairs: set[tuple[int, int]]) -> None:
    edges = {pair: k for k, pair in enumerate(sorted(pairs))}
    assert _maximal_bicliques(edges) == closed_pairs_by_brute_force(edges)
