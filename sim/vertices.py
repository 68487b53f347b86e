"""Vertex enumeration of small bimatrix games in numpy: the fast exact path.

The same algorithm as nashpy's vertex enumeration (von Stengel 2007, "Equilibrium
computation for two-player games in strategic and extensive form", algorithm 3.5),
without qhull: the vertices of the best-response polytopes

    P = {x >= 0 : B^T x <= 1}    (row player, m strategies, labels: x_i = 0 -> i,
                                  column j a best response -> m + j)
    Q = {y >= 0 : A y <= 1}      (column player, labels: row i a best response -> i,
                                  y_j = 0 -> m + j)

are found by solving, for every choice of ``m`` (resp. ``n``) constraints, the system
that makes them tight, all at once with batched ``numpy.linalg.solve``, keeping the
feasible solutions. A pair of vertices whose labels together cover all ``m + n``
labels is an extreme equilibrium (normalised); a vertex with more labels than its
dimension shows that the game is degenerate (von Stengel 2007, theorem 3.3). Payoffs
are first shifted to be at least 1, so that both polytopes are bounded.

The number of systems is ``C(m + n, m)``: 6 for 2x2, 20 for 3x3, 70 for 4x4, 924 for
6x6, so this is meant for small games; larger ones fall back to nashpy (see
:mod:`sim.solvers`).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from sim.games import FloatArray

__all__ = ["MAX_SYSTEMS", "bimatrix_vertices", "vertex_enumeration"]

#: Most tight-constraint systems per polytope for this path (C(m + n, m)); beyond, nashpy.
MAX_SYSTEMS = 1000
#: Tolerance on the shifted payoffs (which are at least 1) for feasibility and labels.
_TOL = 1e-9


@lru_cache(maxsize=64)
def _subsets(rows: int, dimension: int) -> npt.NDArray[np.intp]:
    return np.array(list(itertools.combinations(range(rows), dimension)), dtype=np.intp)


def bimatrix_vertices(matrix: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Non-zero vertices of ``{z >= 0 : matrix @ z <= 1}`` and their tight constraints.

    Constraint ``k < len(matrix)`` is row ``k`` of ``matrix @ z <= 1``; constraint
    ``len(matrix) + j`` is ``z_j >= 0``. Returns the vertices (one per row) and a
    boolean array: ``tight[v, k]`` says whether vertex ``v`` makes constraint ``k`` tight.

    Examples
    --------
    >>> vertices, tight = bimatrix_vertices(np.array([[1.0, 2.0], [2.0, 1.0]]))
    >>> sorted(np.flatnonzero(row).tolist() for row in tight)
    [[0, 1], [0, 2], [1, 3]]
    """
    rows, dimension = matrix.shape
    identity, bounds, subsets = _layout(rows, dimension)
    constraints = np.vstack([matrix, identity])
    systems = constraints[subsets]
    solvable = np.abs(np.linalg.det(systems)) > 1e-12
    points = np.linalg.solve(systems[solvable], bounds[subsets[solvable]][..., None])[..., 0]
    slack = points @ constraints.T - bounds
    feasible = (slack <= _TOL).all(axis=1) & (points.max(axis=1) > _TOL)
    points, slack = points[feasible], slack[feasible]
    keep = list({tuple(np.round(point, 9)): k for k, point in reversed(list(enumerate(points)))}.values())
    keep.sort()
    return points[keep], np.abs(slack[keep]) <= _TOL


@lru_cache(maxsize=64)
def _layout(rows: int, dimension: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """Per shape: ``-I``, the right-hand sides, and every choice of tight constraints."""
    bounds = np.concatenate([np.ones(rows), np.zeros(dimension)])
    return -np.eye(dimension), bounds, _subsets(rows + dimension, dimension)


def vertex_enumeration(a: FloatArray, b: FloatArray) -> tuple[list[tuple[FloatArray, FloatArray]], bool]:
    """Every extreme equilibrium of the bimatrix game ``(a, b)`` and whether it is
    degenerate (see the module docstring).

    Examples
    --------
    >>> equilibria, degenerate = vertex_enumeration(np.array([[1.0, -1], [-1, 1]]), np.array([[-1.0, 1], [1, -1]]))
    >>> [np.round(x, 12).tolist() for x, y in equilibria], degenerate
    ([[0.5, 0.5]], False)
    """
    m, n = a.shape
    xs, x_tight = bimatrix_vertices((b - b.min() + 1.0).T)  # constraint k < n: column k; n + i: x_i = 0
    ys, y_tight = bimatrix_vertices(a - a.min() + 1.0)  # constraint k < m: row k; m + j: y_j = 0
    degenerate = bool(np.any(x_tight.sum(axis=1) > m) or np.any(y_tight.sum(axis=1) > n))
    x_labels = np.hstack([x_tight[:, n:], x_tight[:, :n]])  # in game labels: rows 0..m-1, then columns
    complete = np.all(x_labels[:, None, :] | y_tight[None, :, :], axis=2)
    found = [(xs[i] / xs[i].sum(), ys[j] / ys[j].sum()) for i, j in zip(*np.nonzero(complete))]
    return found, degenerate
