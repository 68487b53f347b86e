from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.vertices import _vertices_numpy, _vertices_python, polytope_vertices, vertex_enumeration

from .oracle import extreme_equilibria, is_degenerate

# Shifted payoff matrices as the solver builds them (entries at least 1); small integer
# entries make ties, hence degenerate polytopes, frequent.
matrices = st.tuples(st.integers(1, 4), st.integers(1, 4), st.booleans()).flatmap(
    lambda t: arrays(
        np.float64,
        (t[0], t[1]),
        elements=st.integers(1, 4).map(float) if t[2] else st.floats(1, 6, allow_nan=False).map(lambda x: round(x, 3)),
    )
)


def as_set(vertices: list[tuple[tuple[float, ...], int]]) -> set[tuple[tuple[float, ...], int]]:
    return {(tuple(round(v, 7) for v in point), tight) for point, tight in vertices}


@settings(max_examples=600, deadline=None)
@given(matrices)
def test_python_and_numpy_paths_find_the_same_vertices_and_labels(matrix: np.ndarray) -> None:
    rows, dimension = matrix.shape
    python, batched = _vertices_python(matrix.tolist(), rows, dimension), _vertices_numpy(matrix)
    assert as_set(python) == as_set(batched)
    assert len(python) == len(as_set(python))  # no duplicates


@settings(max_examples=300, deadline=None)
@given(matrices)
def test_every_vertex_is_feasible_and_its_mask_names_exactly_the_tight_constraints(matrix: np.ndarray) -> None:
    dimension = matrix.shape[1]
    for point, tight in polytope_vertices(matrix):
        z = np.array(point)
        slack = np.concatenate([matrix @ z - 1.0, -z])
        assert np.all(slack <= 1e-9) and z.max() > 1e-9
        assert tight == sum(1 << k for k in np.flatnonzero(np.abs(slack) <= 1e-9))
        assert tight.bit_count() >= dimension  # a vertex: at least `dimension` tight constraints


def test_a_game_with_a_tie_is_degenerate_with_the_oracle_s_extreme_equilibria() -> None:
    a, b = [[1, 0], [1, 0]], [[1, 0], [0, 1]]  # the row player is indifferent everywhere
    equilibria, degenerate = vertex_enumeration(np.array(a, dtype=float), np.array(b, dtype=float))
    assert degenerate == is_degenerate(a, b) is True
    expected = {(tuple(map(float, x)), tuple(map(float, y))) for x, y in extreme_equilibria(a, b)}
    assert {(tuple(x.tolist()), tuple(y.tolist())) for x, y in equilibria} == expected
