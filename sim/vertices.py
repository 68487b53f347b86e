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
choices per polytope: 6 for 2x2, 10 for 2x3, 20 for 3x3, 70 for 4x4, 924 for 6x6. Up
to :data:`PYTHON_SYSTEMS` of them (then ``k <= 2``) are solved one by one in plain
Python floats, in closed form, which beats numpy's call overhead on such tiny systems.
Beyond, every system of both polytopes is solved at once by Cramer's rule, from all the
minors of the payoff matrices, which numpy computes level by level (see
:class:`_Minors`); on integer payoffs these minors are exact integers, so singular
systems are recognised exactly. Larger games than :data:`MAX_SYSTEMS` fall back to
nashpy (see :mod:`sim.solvers`). Both paths give the same vertices and labels
(``tests/test_vertices.py``).

A vertex is ``(point, tight)``: the point as a tuple of floats and a bit mask of its
tight constraints, bit ``k < rows`` for row ``k`` of ``M z <= 1`` and bit ``rows + j``
for ``z_j >= 0``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from sim.games import FloatArray

__all__ = ["MAX_SYSTEMS", "PYTHON_SYSTEMS", "Vertex", "best_response_polytopes", "vertex_enumeration"]

#: Most tight-constraint systems per polytope for this path (C(m + n, m)); beyond, nashpy.
MAX_SYSTEMS = 1000
#: Most systems per polytope solved in plain Python (measured: faster than numpy up to
#: 2x3, as fast on 2x4, slower from 3x3 on). At most two coordinates are then free.
PYTHON_SYSTEMS = 10
#: Tolerance on the shifted payoffs (which are at least 1) for feasibility and labels.
_TOL = 1e-9
#: Systems whose determinant is not larger in absolute value are singular.
_SINGULAR = 1e-12

Vertex = tuple[tuple[float, ...], int]
IndexArray = npt.NDArray[np.intp]


def best_response_polytopes(a: FloatArray, b: FloatArray) -> tuple[list[Vertex], list[Vertex]]:
    """The non-zero vertices of ``P`` and ``Q`` (see the module docstring) of the game
    ``(a, b)``, its payoffs shifted to be at least 1, each with its tight constraints.

    In ``P``'s masks bit ``j < n`` is column ``j`` (a best response) and bit ``n + i`` is
    ``x_i = 0``; in ``Q``'s, bit ``i < m`` is row ``i`` and bit ``m + j`` is ``y_j = 0``.
    The order is fixed.

    Examples
    --------
    >>> xs, ys = best_response_polytopes(np.array([[1.0, 0], [0, 1]]), np.array([[1.0, 0], [0, 1]]))
    >>> sorted((x, bin(t)) for x, t in xs)
    [((0.0, 0.5), '0b110'), ((0.3333333333333333, 0.3333333333333333), '0b11'), ((0.5, 0.0), '0b1001')]
    """
    m, n = a.shape
    if math.comb(m + n, m) <= PYTHON_SYSTEMS:  # shifted in plain Python: no numpy calls
        rows, columns_of_b = a.tolist(), b.T.tolist()
        low_a, low_b = min(map(min, rows)), min(map(min, columns_of_b))
        xs = _vertices_python([[v - low_b + 1.0 for v in line] for line in columns_of_b], n, m)
        ys = _vertices_python([[v - low_a + 1.0 for v in line] for line in rows], m, n)
        return xs, ys
    return _polytopes_numpy(a - (a.min() - 1.0), b - (b.min() - 1.0))


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
    xs, ys = best_response_polytopes(a, b)
    degenerate = any(t.bit_count() > m for _, t in xs) or any(t.bit_count() > n for _, t in ys)
    everything, columns = (1 << (m + n)) - 1, (1 << n) - 1
    x_labels = [(t >> n) | ((t & columns) << m) for _, t in xs]  # in game labels: rows 0..m-1, then columns
    y_labels = [t for _, t in ys]
    pairs: Iterable[tuple[int, int]]
    if not degenerate:  # exactly m and n labels: the partner has exactly the missing ones
        by_labels = {labels: k for k, labels in enumerate(y_labels)}
        pairs = [
            (i, by_labels[everything ^ labels]) for i, labels in enumerate(x_labels) if everything ^ labels in by_labels
        ]
    elif m + n < 63:  # a vertex may have extra labels: every pair, tested at once
        covered = (np.array(x_labels)[:, None] | np.array(y_labels, dtype=np.int64)) == everything
        pairs = zip(*(axis.tolist() for axis in np.nonzero(covered)))
    else:  # too many labels for int64
        pairs = [(i, k) for i, xl in enumerate(x_labels) for k, yl in enumerate(y_labels) if xl | yl == everything]
    found = []
    row_mixes: dict[int, FloatArray] = {}  # each vertex normalised once
    column_mixes: dict[int, FloatArray] = {}
    for i, k in pairs:
        if i not in row_mixes:
            row_mixes[i] = _normalised(xs[i][0])
        if k not in column_mixes:
            column_mixes[k] = _normalised(ys[k][0])
        found.append((row_mixes[i], column_mixes[k]))
    return found, degenerate


def _normalised(point: tuple[float, ...]) -> FloatArray:
    total = math.fsum(point)
    return np.array([v / total for v in point])


# --- plain Python, for few systems -------------------------------------------------


@lru_cache(maxsize=64)
def _choices_of_two(rows: int, dimension: int) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
    """Every (two tight rows, two free coordinates), in a fixed order."""
    return tuple(
        (tight, free)
        for tight in itertools.combinations(range(rows), 2)
        for free in itertools.combinations(range(dimension), 2)
    )


def _vertices_python(matrix: list[list[float]], rows: int, dimension: int) -> list[Vertex]:
    """The vertices of ``{z >= 0 : matrix @ z <= 1}`` when at most two coordinates are
    free (``min(rows, dimension) <= 2``, as for every game of :data:`PYTHON_SYSTEMS`)."""
    found: dict[int, tuple[float, ...]] = {}  # by tight constraints, which fix a vertex
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
        found.setdefault(tight, tuple(point))
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
        tight = sum(bit for bit, v in zip(zero_bits, point) if v <= _TOL)
        for r, slack in enumerate(slacks):
            if slack >= -_TOL:
                tight |= 1 << r
        found.setdefault(tight, tuple(point))
    return [(point, tight) for tight, point in found.items()]


# --- numpy, for many systems: Cramer's rule on every minor at once ----------------


@dataclass(frozen=True)
class _Minors:
    """Index tables for the games of one shape ``(m, n)``.

    Both players' shifted payoffs are bordered with a row and a column of ones,
    ``G = [[M, 1], [1, 0]]`` (``M`` is ``A`` for ``Q``, ``B`` for ``P``). Every ``k x k``
    minor of ``G`` that ``Q``'s or ``P``'s systems need (those not using both the ones
    row and the ones column) is computed from the ``(k - 1) x (k - 1)`` ones by
    Laplace expansion along its first row, ``det G[R, C] = sum_j (-1)^j G[R_0, C_j]
    det G[R - R_0, C - C_j]``: per level a gather, a product and a sum (``levels``:
    where the entries of ``G`` are, where the smaller minors are, the signs), for both
    players at once.

    The system of ``Q`` with tight rows ``R`` and free coordinates ``F`` solves by
    Cramer's rule: ``y_f = det A[R, F with f replaced by ones] / det A[R, F]``, minors
    of ``G`` with the ones column; ``P``'s systems ``B^T[R, F] x_F = 1`` read the same
    minors transposed, with the ones row. Each polytope's points are then ``signs *
    minors[numerators] / minors[denominators]`` (``signs`` is 0 off ``F``, and on the
    shorter side's padding), its excess over its constraints one product with
    ``constraints``.
    """

    levels: tuple[tuple[IndexArray, IndexArray, FloatArray], ...]
    denominators: IndexArray  # (2 * systems,): Q's systems, then P's; into all the minors
    numerators: IndexArray  # (2 * systems, max(m, n))
    signs: FloatArray  # (2 * systems, max(m, n))
    constraints: FloatArray  # (2, max(m, n), m + n): the -I blocks; the payoffs go in per game
    bounds: FloatArray  # (2, 1, m + n): 1 for payoff constraints, 0 for z >= 0
    bits: npt.NDArray[np.int64]  # (m + n,): 1 << constraint
    ones: FloatArray  # (m + n,)


@lru_cache(maxsize=64)
def _minors(m: int, n: int) -> _Minors:
    width, top, wide = n + 1, min(m, n), max(m, n)
    needed = {  # the minors of each size, as (rows, columns) of G
        k: [
            (rows, columns)
            for rows in itertools.combinations(range(m + 1), k)
            for columns in itertools.combinations(range(n + 1), k)
            if k == 1 or not (rows[-1] == m and columns[-1] == n)  # size 1: all of G, as it is laid out
        ]
        for k in range(1, top + 1)
    }
    # Layout of all minors: size 1 (G's entries) for Q then P, size 2 for Q then P, ...
    local = {key: number for k in needed for number, key in enumerate(needed[k])}
    count = {k: len(needed[k]) for k in needed}
    start = dict(zip(needed, itertools.accumulate([0] + [2 * count[k] for k in needed])))
    levels = []
    for k in range(2, top + 1):
        entries, smaller = [], []
        for player in (0, 1):
            for rows, columns in needed[k]:
                entries.append([player * count[1] + rows[0] * width + c for c in columns])
                smaller.append(
                    [player * count[k - 1] + local[rows[1:], columns[:j] + columns[j + 1 :]] for j in range(k)]
                )
        levels.append(
            (
                np.array(entries, dtype=np.intp),
                np.array(smaller, dtype=np.intp),
                np.array([(-1.0) ** j for j in range(k)]),
            )
        )
    zero = start[top] + 2 * count[top]  # a 0 after the largest minors

    def at(player: int, rows: tuple[int, ...], columns: tuple[int, ...]) -> int:
        k = len(rows)
        return start[k] + player * count[k] + local[rows, columns]

    systems: list[list[tuple[int, list[int], list[float]]]] = [[], []]
    for k in range(1, top + 1):
        for rows in itertools.combinations(range(m), k):
            for columns in itertools.combinations(range(n), k):
                # Q: A[rows, columns] y_columns = 1, the ones column in place of columns[p];
                # P: B[rows, columns]^T x_rows = 1, transposed: the ones row in place of rows[p]
                q_numerator, q_sign = [zero] * wide, [0.0] * wide
                p_numerator, p_sign = [zero] * wide, [0.0] * wide
                for p in range(k):  # the ones line moved from position p to the end
                    q_numerator[columns[p]] = at(0, rows, columns[:p] + columns[p + 1 :] + (n,))
                    p_numerator[rows[p]] = at(1, rows[:p] + rows[p + 1 :] + (m,), columns)
                    q_sign[columns[p]] = p_sign[rows[p]] = (-1.0) ** (k - 1 - p)
                systems[0].append((at(0, rows, columns), q_numerator, q_sign))
                systems[1].append((at(1, rows, columns), p_numerator, p_sign))
    both = systems[0] + systems[1]
    constraints = np.zeros((2, wide, m + n))
    constraints[0, :n, m:] = -np.eye(n)
    constraints[1, :m, n:] = -np.eye(m)
    bounds = np.zeros((2, 1, m + n))
    bounds[0, 0, :m] = 1.0
    bounds[1, 0, :n] = 1.0
    return _Minors(
        tuple(levels),
        np.array([d for d, _, _ in both], dtype=np.intp),
        np.array([numerator for _, numerator, _ in both], dtype=np.intp),
        np.array([sign for _, _, sign in both]),
        constraints,
        bounds,
        np.array([1 << k for k in range(m + n)], dtype=np.int64),
        np.ones(m + n),
    )


def _polytopes_numpy(a: FloatArray, b: FloatArray) -> tuple[list[Vertex], list[Vertex]]:
    """:func:`best_response_polytopes` of the shifted payoffs, by :class:`_Minors`."""
    m, n = a.shape
    tables = _minors(m, n)
    bordered = np.ones((2, m + 1, n + 1))
    bordered[:, m, n] = 0.0
    bordered[0, :m, :n], bordered[1, :m, :n] = a, b
    entries = bordered.ravel()
    minors, level = [entries], entries
    for where, smaller, signs in tables.levels:
        level = (entries[where] * level[smaller]) @ signs
        minors.append(level)
    minors.append(np.zeros(1))
    every = np.concatenate(minors)
    denominators = every[tables.denominators]
    denominators[np.abs(denominators) <= _SINGULAR] = np.nan  # singular: nan, never feasible
    points = every[tables.numerators] * tables.signs / denominators[:, None]
    constraints = tables.constraints.copy()
    constraints[0, :n, :m], constraints[1, :m, :n] = a.T, b
    excess = (points.reshape(2, -1, points.shape[1]) @ constraints - tables.bounds).reshape(len(points), -1)
    satisfied = (excess <= _TOL) @ tables.ones  # nan satisfies nothing
    feasible = np.flatnonzero(satisfied == m + n)
    points, tight = points[feasible] + 0.0, (excess[feasible] >= -_TOL) @ tables.bits  # + 0.0: no -0.0
    found: tuple[dict[int, list[float]], ...] = ({}, {})  # by tight constraints, which fix a vertex
    half = len(excess) // 2  # Q's systems first, then P's
    for system, point, mask in zip(feasible.tolist(), points.tolist(), tight.tolist()):
        found[system >= half].setdefault(mask, point)
    return (
        [(tuple(point[:m]), mask) for mask, point in found[1].items()],
        [(tuple(point[:n]), mask) for mask, point in found[0].items()],
    )
