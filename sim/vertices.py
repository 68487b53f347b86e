"""Vertex enumeration of small bimatrix games: the fast exact path.

The same algorithm as nashpy's vertex enumeration (von Stengel 2007, "Equilibrium
computation for two-player games in strategic and extensive form", algorithm 3.5),
without qhull: the vertices of the best-response polytopes

    P = {x >= 0 : B^T x <= 1}    (row player, m strategies, labels: x_i = 0 -> i,
                                  column j a best response -> m + j)
    Q = {y >= 0 : A y <= 1}      (column player, labels: row i a best response -> i,
                                  y_j = 0 -> m + j)

are found by solving, for every choice of tight constraints, the system that makes them
tight, and keeping the feasible solutions. A pair of vertices whose labels together
cover all ``m + n`` labels is an extreme equilibrium (normalised); a vertex with more
labels than its dimension shows that the game is degenerate (von Stengel 2007,
theorem 3.3). Payoffs are first shifted to be at least 1, so that both polytopes are
bounded.

Choosing ``k`` rows ``R`` of ``M z <= 1`` tight and all coordinates but ``k`` of them
(``F``) zero leaves the ``k x k`` system ``M[R, F] z_F = 1``. There are ``C(m + n, m)``
choices: 6 for 2x2, 10 for 2x3, 20 for 3x3, 70 for 4x4, 924 for 6x6. Up to
:data:`PYTHON_SYSTEMS` of them are solved one by one in plain Python floats (closed form
for ``k <= 2``, Gaussian elimination beyond), which is faster than numpy's call overhead on such tiny systems;
beyond, all at once with batched ``numpy.linalg.solve``. Larger games than
:data:`MAX_SYSTEMS` fall back to nashpy (see :mod:`sim.solvers`). Both paths give the
same vertices and labels (``tests/test_vertices.py``).

A vertex is ``(point, tight)``: the point as a tuple of floats and a bit mask of its
tight constraints, bit ``k < rows`` for row ``k`` of ``M z <= 1`` and bit ``rows + j``
for ``z_j >= 0``.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from sim.games import FloatArray

__all__ = ["MAX_SYSTEMS", "PYTHON_SYSTEMS", "Vertex", "polytope_vertices", "vertex_enumeration"]

#: Most tight-constraint systems per polytope for this path (C(m + n, m)); beyond, nashpy.
MAX_SYSTEMS = 1000
#: Most systems solved in plain Python (measured in benchmarks/solvers.py: faster than
#: numpy up to 3x3, slower from 4x4 on).
PYTHON_SYSTEMS = 20
#: Tolerance on the shifted payoffs (which are at least 1) for feasibility and labels.
_TOL = 1e-9
#: Systems whose determinant is not larger in absolute value are singular.
_SINGULAR = 1e-12

Vertex = tuple[tuple[float, ...], int]


def polytope_vertices(matrix: FloatArray) -> list[Vertex]:
    """Non-zero vertices of ``{z >= 0 : matrix @ z <= 1}`` and their tight constraints.

    Returns ``(point, tight)`` pairs in a fixed order, where bit ``k`` of ``tight`` is set
    when constraint ``k`` is tight: ``k < len(matrix)`` is row ``k`` of
    ``matrix @ z <= 1``, ``len(matrix) + j`` is ``z_j >= 0``.

    Examples
    --------
    >>> sorted((p, bin(t)) for p, t in polytope_vertices(np.array([[1.0, 2.0], [2.0, 1.0]])))
    [((0.0, 0.5), '0b101'), ((0.3333333333333333, 0.3333333333333333), '0b11'), ((0.5, 0.0), '0b1010')]
    """
    rows, dimension = matrix.shape
    if math.comb(rows + dimension, dimension) <= PYTHON_SYSTEMS:
        return _vertices_python(matrix.tolist(), rows, dimension)
    return _vertices_numpy(matrix)


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
    if math.comb(m + n, m) <= PYTHON_SYSTEMS:  # shifted in plain Python: the same floats, no numpy calls
        rows, columns_of_b = a.tolist(), b.T.tolist()
        low_a, low_b = min(map(min, rows)), min(map(min, columns_of_b))
        xs = _vertices_python([[v - low_b + 1.0 for v in line] for line in columns_of_b], n, m)
        ys = _vertices_python([[v - low_a + 1.0 for v in line] for line in rows], m, n)
    else:
        xs = polytope_vertices((b - b.min() + 1.0).T)  # bit k < n: column k; n + i: x_i = 0
        ys = polytope_vertices(a - a.min() + 1.0)  # bit k < m: row k; m + j: y_j = 0 (game labels already)
    degenerate = any(t.bit_count() > m for _, t in xs) or any(t.bit_count() > n for _, t in ys)
    everything, columns = (1 << (m + n)) - 1, (1 << n) - 1
    found = []
    mixes: dict[int, FloatArray] = {}  # the normalised column vertices, each made once
    for x, x_tight in xs:
        x_labels = (x_tight >> n) | ((x_tight & columns) << m)  # in game labels: rows 0..m-1, then columns
        row_mix = None
        for k, (y, y_tight) in enumerate(ys):
            if x_labels | y_tight == everything:
                row_mix = _normalised(x) if row_mix is None else row_mix
                if k not in mixes:
                    mixes[k] = _normalised(y)
                found.append((row_mix, mixes[k]))
    return found, degenerate


def _normalised(point: tuple[float, ...]) -> FloatArray:
    total = math.fsum(point)
    return np.array([v / total for v in point])


# --- plain Python, for few systems -------------------------------------------------


@lru_cache(maxsize=64)
def _choices(rows: int, dimension: int, smallest: int = 3) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """Every (tight rows R, free coordinates F) with ``|R| = |F| >= smallest``, in a fixed order."""
    return tuple(
        (tight, free)
        for k in range(smallest, min(rows, dimension) + 1)
        for tight in itertools.combinations(range(rows), k)
        for free in itertools.combinations(range(dimension), k)
    )


@lru_cache(maxsize=64)
def _choices_of_two(rows: int, dimension: int) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """Every (two tight rows, two free coordinates), in a fixed order."""
    return tuple(
        (tight, free)
        for tight in itertools.combinations(range(rows), 2)
        for free in itertools.combinations(range(dimension), 2)
    )


def _vertices_python(matrix: list[list[float]], rows: int, dimension: int) -> list[Vertex]:
    found: dict[tuple[int, ...], Vertex] = {}
    zero_bits = [1 << (rows + j) for j in range(dimension)]
    all_zero = sum(zero_bits)
    for f in range(dimension):  # one free coordinate: z_f = 1 / (the largest entry of column f)
        column = [row[f] for row in matrix]
        top = max(column)
        if top <= _SINGULAR:  # unbounded, or no positive entry
            continue
        value = 1.0 / top
        point = [0.0] * dimension
        point[f] = value
        tight = all_zero ^ zero_bits[f]
        for r, entry in enumerate(column):
            if entry * value - 1.0 >= -_TOL:
                tight |= 1 << r
        found[_key(point)] = (tuple(point), tight)
    for (r1, r2), (f1, f2) in _choices_of_two(rows, dimension):  # two free coordinates: Cramer's rule
        a, b, c, d = matrix[r1][f1], matrix[r1][f2], matrix[r2][f1], matrix[r2][f2]
        det = a * d - b * c
        if abs(det) <= _SINGULAR:
            continue
        z1, z2 = (d - b) / det, (a - c) / det
        if z1 < -_TOL or z2 < -_TOL or (z1 <= _TOL and z2 <= _TOL):
            continue
        slacks = [row[f1] * z1 + row[f2] * z2 - 1.0 for row in matrix]
        if max(slacks) > _TOL:
            continue
        point = [0.0] * dimension
        point[f1], point[f2] = z1, z2
        _add(found, point, slacks, zero_bits)
    for tight_rows, free in _choices(rows, dimension):  # three or more: elimination
        values = _solve_ones([[matrix[r][f] for f in free] for r in tight_rows])
        if values is None or min(values) < -_TOL or max(values) <= _TOL:
            continue
        slacks = [sum(row[f] * v for f, v in zip(free, values)) - 1.0 for row in matrix]
        if max(slacks) > _TOL:
            continue
        point = [0.0] * dimension
        for f, v in zip(free, values):
            point[f] = v
        _add(found, point, slacks, zero_bits)
    return list(found.values())


def _add(found: dict[tuple[int, ...], Vertex], point: list[float], slacks: list[float], zero_bits: list[int]) -> None:
    """Record a feasible point with its tight constraints, unless the same vertex is known."""
    key = _key(point)
    if key in found:
        return
    tight = sum(bit for bit, v in zip(zero_bits, point) if v <= _TOL)
    for r, slack in enumerate(slacks):
        if slack >= -_TOL:
            tight |= 1 << r
    found[key] = (tuple(point), tight)


def _key(point: list[float]) -> tuple[int, ...]:
    """The point on a grid of 1e-9: one key for the same vertex from different systems."""
    return tuple([round(v * 1e9) for v in point])


def _solve_ones(system: list[list[float]]) -> list[float] | None:
    """The solution of ``system @ z = 1`` (three or more unknowns), or None if singular
    (``|det| <= 1e-12``)."""
    k = len(system)
    work = [[*row, 1.0] for row in system]  # Gaussian elimination with partial pivoting
    det = 1.0
    for col in range(k):
        pivot = max(range(col, k), key=lambda r: abs(work[r][col]))
        if pivot != col:
            work[col], work[pivot] = work[pivot], work[col]
            det = -det
        lead = work[col][col]
        det *= lead
        if lead == 0.0:
            return None
        for r in range(col + 1, k):
            factor = work[r][col] / lead
            if factor:
                work[r] = [x - factor * y for x, y in zip(work[r], work[col])]
    if abs(det) <= _SINGULAR:
        return None
    solution = [0.0] * k
    for r in range(k - 1, -1, -1):
        solution[r] = (work[r][k] - sum(work[r][c] * solution[c] for c in range(r + 1, k))) / work[r][r]
    return solution


# --- numpy, batched, for many systems ----------------------------------------------


@lru_cache(maxsize=64)
def _layout(rows: int, dimension: int) -> tuple[FloatArray, FloatArray, npt.NDArray[np.intp]]:
    """Per shape: ``-I``, the right-hand sides, and every choice of ``dimension`` tight
    constraints among the ``rows + dimension``."""
    bounds = np.concatenate([np.ones(rows), np.zeros(dimension)])
    subsets = np.array(list(itertools.combinations(range(rows + dimension), dimension)), dtype=np.intp)
    return -np.eye(dimension), bounds, subsets


def _vertices_numpy(matrix: FloatArray) -> list[Vertex]:
    rows, dimension = matrix.shape
    identity, bounds, subsets = _layout(rows, dimension)
    constraints = np.vstack([matrix, identity])
    systems = constraints[subsets]
    solvable = np.abs(np.linalg.det(systems)) > _SINGULAR
    points = np.linalg.solve(systems[solvable], bounds[subsets[solvable]][..., None])[..., 0]
    slack = points @ constraints.T - bounds
    feasible = (slack <= _TOL).all(axis=1) & (points.max(axis=1) > _TOL)
    found: dict[tuple[int, ...], Vertex] = {}
    for point, tight in zip(points[feasible].tolist(), (np.abs(slack[feasible]) <= _TOL).tolist()):
        key = _key(point)
        if key not in found:
            found[key] = (tuple(point), sum(1 << k for k, is_tight in enumerate(tight) if is_tight))
    return list(found.values())
