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
theorem 3.3). The payoffs are those of the game's normalised copy (:mod:`sim.game.scaling`:
in ``[0, 1)``, spread at least 1/2), shifted by one so that both polytopes are bounded:
every coefficient then lies in ``[1, 2)`` and every tolerance of
:mod:`sim.game.tolerances` is relative to the numbers it compares.

Choosing ``k`` rows ``R`` of ``M z <= 1`` tight and all coordinates but ``k`` of them
(``F``) zero leaves the ``k x k`` system ``M[R, F] z_F = 1``. There are ``C(m + n, m)``
choices per polytope: 6 for 2x2, 10 for 2x3, 20 for 3x3, 70 for 4x4, 924 for 6x6. Up
to :data:`PYTHON_SYSTEMS` of them (then ``k <= 2``) are solved one by one in plain
Python floats, in closed form, which beats numpy's call overhead on such tiny systems.
Beyond, the systems of up to :data:`CRAMER_SIZE` unknowns of both polytopes are solved
at once by Cramer's rule, from all the small minors of the payoff matrices, which numpy
computes level by level (see :class:`_Minors`); larger systems are solved in batches by
LU decomposition with partial pivoting (LAPACK). Cramer's rule by Laplace expansion is
not numerically stable: on von Stengel's 6x6 game with 75 equilibria its 5x5 and 6x6
minors lost about six digits to cancellation, enough to misjudge which constraints are
tight at three of the equilibria; LU keeps the error near round-off times the system's
condition. The work is done in blocks (:data:`BLOCK`), so memory stays bounded on large
games; :mod:`sim.solvers.registry` runs games larger than :data:`MAX_SYSTEMS` in a worker process
under a time limit. All paths give the same vertices and labels
(``tests/test_vertices.py``).

A vertex is ``(point, tight)``: the point as a tuple of floats and a bit mask of its
tight constraints, bit ``k < rows`` for row ``k`` of ``M z <= 1`` and bit ``rows + j``
for ``z_j >= 0``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from sim.game.normal_form import FloatArray
from sim.game.tolerances import FEASIBILITY, SINGULAR

__all__ = [
    "CRAMER_SIZE",
    "MAX_SYSTEMS",
    "PYTHON_SYSTEMS",
    "Vertex",
    "best_response_polytopes",
    "vertex_enumeration",
]

#: Most tight-constraint systems per polytope (C(m + n, m)) solved in the calling process:
#: 8x8 has 12,870 (about 0.2 s); larger games are solved in a worker process under the
#: solve's time limit (see :mod:`sim.solvers.registry`).
MAX_SYSTEMS = 13_000
#: Most systems per polytope solved in plain Python (measured: faster than numpy up to
#: 2x3, as fast on 2x4, slower from 3x3 on). At most two coordinates are then free.
PYTHON_SYSTEMS = 10
#: Largest systems solved by Cramer's rule; larger ones by LU (see the module docstring).
#: Up to 3x3 games (the flagship's) no LU is needed, which keeps them fast (make bench,
#: "solvers", 3x3).
CRAMER_SIZE = 3
#: Most systems of one size solved in one LU batch (bounds the memory of large games).
BLOCK = 20_000
_TOL = FEASIBILITY
_SINGULAR = SINGULAR

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
    elif m + n < 63:  # a vertex may have extra labels: every pair, tested at once (in blocks of rows)
        rows, columns_of = np.array(x_labels, dtype=np.int64)[:, None], np.array(y_labels, dtype=np.int64)
        step = max(1, BLOCK // max(1, len(y_labels)))
        pairs = [
            (first + i, k)
            for first in range(0, len(x_labels), step)
            for i, k in zip(
                *(axis.tolist() for axis in np.nonzero((rows[first : first + step] | columns_of) == everything))
            )
        ]
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
    minor of ``G`` (``k <= CRAMER_SIZE``) that ``Q``'s or ``P``'s small systems
    need (those not using both the ones row and the ones column) is computed from the
    ``(k - 1) x (k - 1)`` ones by Laplace expansion along its first row, ``det G[R, C] =
    sum_j (-1)^j G[R_0, C_j] det G[R - R_0, C - C_j]``: per level a gather, a product and
    a sum (``levels``: where the entries of ``G`` are, where the smaller minors are, the
    signs), for both players at once.

    The system of ``Q`` with tight rows ``R`` and free coordinates ``F`` solves by
    Cramer's rule: ``y_f = det A[R, F with f replaced by ones] / det A[R, F]``, minors
    of ``G`` with the ones column; ``P``'s systems ``B^T[R, F] x_F = 1`` read the same
    minors transposed, with the ones row. Each polytope's points are then ``signs *
    minors[numerators] / minors[denominators]`` (``signs`` is 0 off ``F``, and on the
    shorter side's padding).

    The larger systems (``k > CRAMER_SIZE``) are listed in ``large``, one entry per
    size ``k``: every choice of ``k`` rows and ``k`` columns of the payoff matrices,
    solved by LU in blocks. A block of points holds ``Q``'s systems, then as many of
    ``P``'s; their excess over the constraints is one product with ``constraints``.
    """

    levels: tuple[tuple[IndexArray, IndexArray, FloatArray], ...]
    denominators: IndexArray  # (2 * small systems,): Q's systems, then P's; into all the minors
    numerators: IndexArray  # (2 * small systems, max(m, n))
    signs: FloatArray  # (2 * small systems, max(m, n))
    large: tuple[tuple[IndexArray, IndexArray], ...]  # per k: (C(m, k), k) rows, (C(n, k), k) columns
    constraints: FloatArray  # (2, max(m, n), m + n): the -I blocks; the payoffs go in per game
    bounds: FloatArray  # (2, 1, m + n): 1 for payoff constraints, 0 for z >= 0
    bits: npt.NDArray[np.int64]  # (m + n,): 1 << constraint
    ones: FloatArray  # (m + n,)


@lru_cache(maxsize=64)
def _minors(m: int, n: int) -> _Minors:
    width, top, wide = n + 1, min(m, n, CRAMER_SIZE), max(m, n)
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
    for k in range(2, max(needed) + 1):
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
    zero = start[max(needed)] + 2 * count[max(needed)]  # a 0 after the largest minors

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
    large = tuple(
        (
            np.array(list(itertools.combinations(range(m), k)), dtype=np.intp),
            np.array(list(itertools.combinations(range(n), k)), dtype=np.intp),
        )
        for k in range(top + 1, min(m, n) + 1)
    )
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
        large,
        constraints,
        bounds,
        np.array([1 << k for k in range(m + n)], dtype=np.int64),
        np.ones(m + n),
    )


def _polytopes_numpy(a: FloatArray, b: FloatArray) -> tuple[list[Vertex], list[Vertex]]:
    """:func:`best_response_polytopes` of the shifted payoffs, by :class:`_Minors`."""
    m, n = a.shape
    tables = _minors(m, n)
    constraints = tables.constraints.copy()  # Q's (A y <= 1, y >= 0), then P's (B^T x <= 1, x >= 0)
    constraints[0, :n, :m], constraints[1, :m, :n] = a.T, b
    found: tuple[dict[int, list[float]], ...] = ({}, {})  # by tight constraints, which fix a vertex
    points = _cramer_points(a, b, tables)
    if tables.large:  # LU blocks, gathered into passes of about BLOCK systems
        pending = [points]
        for block in _lu_points(a, b, tables):
            if sum(p.shape[1] for p in pending) + block.shape[1] > BLOCK:
                _keep_vertices(np.concatenate(pending, axis=1), constraints, tables, found)
                pending = []
            pending.append(block)
        points = np.concatenate(pending, axis=1)
    _keep_vertices(points, constraints, tables, found)
    return (
        [(tuple(point[:m]), mask) for mask, point in found[1].items()],
        [(tuple(point[:n]), mask) for mask, point in found[0].items()],
    )


def _keep_vertices(
    points: FloatArray, constraints: FloatArray, tables: _Minors, found: tuple[dict[int, list[float]], ...]
) -> None:
    """Add the feasible ones of ``points`` (shape (2, systems, width): Q's, P's) to
    ``found``, by their tight constraints."""
    half, width = points.shape[1], points.shape[2]
    excess = (points @ constraints - tables.bounds).reshape(2 * half, -1)  # Q's systems, then P's
    satisfied = (excess <= _TOL) @ tables.ones  # nan satisfies nothing
    feasible = np.flatnonzero(satisfied == excess.shape[1])
    tight = (excess[feasible] >= -_TOL) @ tables.bits
    flat = points.reshape(2 * half, width)[feasible] + 0.0  # + 0.0: no -0.0
    for system, point, mask in zip(feasible.tolist(), flat.tolist(), tight.tolist()):
        found[system >= half].setdefault(mask, point)


def _cramer_points(a: FloatArray, b: FloatArray, tables: _Minors) -> FloatArray:
    """The solutions of the small systems by Cramer's rule (nan where singular)."""
    m, n = a.shape
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
    points: FloatArray = every[tables.numerators] * tables.signs / denominators[:, None]
    return points.reshape(2, -1, points.shape[-1])  # Q's systems, then P's


def _lu_points(a: FloatArray, b: FloatArray, tables: _Minors) -> Iterator[FloatArray]:
    """The solutions of the large systems by LU, in blocks of at most about :data:`BLOCK`
    systems, each of shape (2, systems, max(m, n)): ``Q``'s, then as many of ``P``'s."""
    wide = max(a.shape)
    for all_rows, columns in tables.large:
        k = all_rows.shape[1]
        step = max(1, BLOCK // len(columns))
        for first in range(0, len(all_rows), step):
            rows = all_rows[first : first + step]
            pick = (rows[:, None, :, None], columns[None, :, None, :])
            systems = np.concatenate(
                [a[pick].reshape(-1, k, k), np.swapaxes(b[pick], -1, -2).reshape(-1, k, k)]
            )  # Q: A[R, F] y_F = 1; P: B[R, F]^T x_R = 1
            solutions = _solve_all_ones(systems)
            free = np.concatenate([np.tile(columns, (len(rows), 1)), np.repeat(rows, len(columns), axis=0)])
            points = np.zeros((len(systems), wide))
            points[np.arange(len(systems))[:, None], free] = solutions
            yield points.reshape(2, -1, wide)


def _solve_all_ones(systems: FloatArray) -> FloatArray:
    """The solutions of ``M z = 1`` for a stack of ``k x k`` systems with coefficients in
    [1, 2], by LU (nan for singular ones). The condition number in the 1-norm is at most
    ``2k`` times the inverse's 1-norm, which decides singularity (:data:`SINGULAR`)."""
    k = systems.shape[-1]
    try:
        inverses = np.linalg.inv(systems)
        exactly = None
    except np.linalg.LinAlgError:  # a zero pivot somewhere: find which, solve the others
        exactly = np.linalg.det(systems) == 0.0
        systems = systems.copy()
        systems[exactly] = np.eye(k)
        inverses = np.linalg.inv(systems)
    solutions: FloatArray = inverses.sum(axis=2)  # the solution of M z = 1: the rows' sums of M^-1
    singular = np.abs(inverses).sum(axis=1).max(axis=1) * (2 * k * _SINGULAR) >= 1.0
    if exactly is not None:
        singular |= exactly
    solutions[singular] = np.nan  # never feasible
    return solutions
