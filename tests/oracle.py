"""An exact reference for two-player games, used only by the tests.

Every extreme equilibrium of a bimatrix game is a completely labelled pair of
vertices of the best-response polytopes (von Stengel 2007, section 3.5; Avis, Rosenberg,
Savani & von Stengel 2010), also for degenerate games. This enumerates the vertices
by brute force over sets of tight constraints, in exact Fraction arithmetic: slow, but
obviously right, for games up to 5x5.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

Matrix = list[list[Fraction]]


def _solve(rows: Matrix, rhs: list[Fraction]) -> list[Fraction] | None:
    n = len(rows[0])
    m = [[*r[:], b] for r, b in zip(rows, rhs)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        lead = m[col][col]
        m[col] = [x / lead for x in m[col]]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    return [m[i][-1] for i in range(n)]


def _vertices(M: Matrix, own_first: bool) -> dict[tuple[Fraction, ...], frozenset[int]]:
    """Vertices of {z >= 0, M z <= 1} (z of length d), with their labels.

    Constraint k < len(M) is row k of M z <= 1; constraint len(M) + j is z_j >= 0.
    Labels are returned in the game's numbering: row strategies 0..m-1, then columns.
    """
    rows_count, d = len(M), len(M[0])
    constraints = [(M[k], Fraction(1)) for k in range(rows_count)]
    constraints += [([Fraction(int(i == j)) for i in range(d)], Fraction(0)) for j in range(d)]
    found: dict[tuple[Fraction, ...], frozenset[int]] = {}
    for tight in itertools.combinations(range(len(constraints)), d):
        z = _solve([constraints[k][0] for k in tight], [constraints[k][1] for k in tight])
        if z is None or any(x < 0 for x in z) or all(x == 0 for x in z):
            continue
        if any(sum(a * b for a, b in zip(M[k], z)) > 1 for k in range(rows_count)):
            continue
        labels = set()
        for k, (coef, bound) in enumerate(constraints):
            if sum(a * b for a, b in zip(coef, z)) == bound:
                labels.add(k)
        found[tuple(z)] = frozenset(labels)
    renumbered = {}
    for z, labels in found.items():
        if own_first:  # z is the row player's x; constraints: B^T rows = column labels
            renumbered[z] = frozenset((k + d) if k < rows_count else (k - rows_count) for k in labels)
        else:  # z is y; constraints: A rows = row labels, y_j >= 0 = column labels
            renumbered[z] = frozenset(k if k < rows_count else rows_count + (k - rows_count) for k in labels)
    return renumbered


def extreme_equilibria(
    A: list[list[int | Fraction]], B: list[list[int | Fraction]]
) -> list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]:
    """All extreme equilibria of the game (A, B), exactly, each a pair of mixed strategies."""
    m, n = len(A), len(A[0])
    low = min(min(map(Fraction, r)) for r in A + B)
    shift = 1 - low
    a = [[Fraction(x) + shift for x in r] for r in A]
    bt = [[Fraction(B[i][j]) + shift for i in range(m)] for j in range(n)]
    xs = _vertices(bt, own_first=True)
    ys = _vertices(a, own_first=False)
    everything = frozenset(range(m + n))
    result = []
    for x, lx in xs.items():
        for y, ly in ys.items():
            if lx | ly == everything:
                sx, sy = sum(x), sum(y)
                result.append((tuple(v / sx for v in x), tuple(v / sy for v in y)))
    return result


def is_degenerate(A: list[list[int | Fraction]], B: list[list[int | Fraction]]) -> bool:
    """Exactly: some mixed strategy with k strategies in its support has more than k
    pure best responses, i.e. a best-response polytope has a vertex with too many
    labels (von Stengel 2007, definition 3.2 and theorem 3.3)."""
    m, n = len(A), len(A[0])
    low = min(min(map(Fraction, r)) for r in A + B)
    shift = 1 - low
    a = [[Fraction(x) + shift for x in r] for r in A]
    bt = [[Fraction(B[i][j]) + shift for i in range(m)] for j in range(n)]
    return any(len(labels) > m for labels in _vertices(bt, own_first=True).values()) or any(
        len(labels) > n for labels in _vertices(a, own_first=False).values()
    )
