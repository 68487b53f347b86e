from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.solvers.vertices import _polytopes_numpy, _vertices_python, best_response_polytopes, vertex_enumeration

from .oracle import extreme_equilibria, is_degenerate

# Games as the solver gets them: small integer entries make ties, hence degenerate
# polytopes, frequent.
games = st.tuples(st.integers(1, 5), st.integers(1, 5), st.booleans()).flatmap(
    lambda t: st.tuples(
        *[
            arrays(
                np.float64,
                (t[0], t[1]),
                elements=st.integers(-2, 2).map(float)
                if t[2]
                else st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3)),
            )
        ]
        * 2
    )
)


def as_set(vertices: list[tuple[tuple[float, ...], int]]) -> set[tuple[tuple[float, ...], int]]:
    return {(tuple(round(v, 7) for v in point), tight) for point, tight in vertices}


@settings(max_examples=600, deadline=None)
@given(games)
@pytest.mark.slow
def test_python_and_numpy_paths_find_the_same_vertices_and_labels(game: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = (x - x.min() + 1.0 for x in game)
    m, n = a.shape
    assume(min(m, n) <= 2)  # the Python path handles at most two free coordinates
    python = _vertices_python(b.T.tolist(), n, m), _vertices_python(a.tolist(), m, n)
    batched = _polytopes_numpy(a, b)
    for ours, theirs in zip(python, batched):
        assert as_set(ours) == as_set(theirs)
        assert len(ours) == len(as_set(ours)) and len(theirs) == len(as_set(theirs))  # no duplicates


@settings(max_examples=300, deadline=None)
@given(games)
@pytest.mark.slow
def test_every_vertex_is_feasible_and_its_mask_names_exactly_the_tight_constraints(
    game: tuple[np.ndarray, np.ndarray],
) -> None:
    a, b = game
    xs, ys = best_response_polytopes(a, b)
    for vertices, matrix in ((xs, (b - b.min() + 1.0).T), (ys, a - a.min() + 1.0)):
        for point, tight in vertices:
            z = np.array(point)
            slack = np.concatenate([matrix @ z - 1.0, -z])
            assert np.all(slack <= 1e-9) and z.max() > 1e-9
            assert tight == sum(1 << k for k in np.flatnonzero(np.abs(slack) <= 1e-9))
            assert tight.bit_count() >= len(z)  # a vertex: at least `dimension` tight constraints


def test_a_game_with_a_tie_is_degenerate_with_the_oracle_s_extreme_equilibria() -> None:
    a, b = [[1, 0], [1, 0]], [[1, 0], [0, 1]]  # the row player is indifferent everywhere
    equilibria, degenerate = vertex_enumeration(np.array(a, dtype=float), np.array(b, dtype=float))
    assert degenerate == is_degenerate(a, b) is True
    expected = {(tuple(map(float, x)), tuple(map(float, y))) for x, y in extreme_equilibria(a, b)}
    assert {(tuple(x.tolist()), tuple(y.tolist())) for x, y in equilibria} == expected
