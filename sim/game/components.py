"""Components of the equilibrium set of a two-player game, from its extreme points.

In a degenerate bimatrix game equilibria come in continua. Every equilibrium is a
convex combination of *extreme* equilibria (what vertex enumeration returns), and the
set is a finite union of *Nash subsets* ``conv(X) x conv(Y)``: sets of extreme mixed
strategies ``X`` of the row player and ``Y`` of the column player such that every pair
``(x, y)`` is an extreme equilibrium. The maximal Nash subsets are the maximal
bicliques of the bipartite graph joining ``x`` and ``y`` when ``(x, y)`` is an extreme
equilibrium, and the *components* (the connected pieces of the equilibrium set) are the
connected components of that graph (Avis, Rosenberg, Savani & von Stengel 2010,
"Enumeration of Nash equilibria for two-player games", Economic Theory 42, section 4).

Both are given as tuples of indices into the list of extreme equilibria.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.game.normal_form import FloatArray
from sim.game.tolerances import SAME_PROBABILITY

__all__ = ["MAX_CLIQUE_SEARCH", "EquilibriumStructure", "structure"]

#: Largest number of distinct extreme row strategies for which maximal Nash subsets are
#: enumerated (the search is exponential in it); components are always computed.
MAX_CLIQUE_SEARCH = 16


@dataclass(frozen=True)
class EquilibriumStructure:
    """How extreme equilibria hang together.

    Attributes
    ----------
    components : tuple of tuples of int
        Each component of the equilibrium set, as indices of its extreme equilibria.
    nash_subsets : tuple of tuples of int
        Each maximal Nash subset, as indices of its extreme equilibria (their convex
        hull consists of equilibria); empty if there were too many to enumerate.
    """

    components: tuple[tuple[int, ...], ...]
    nash_subsets: tuple[tuple[int, ...], ...]


def structure(profiles: Sequence[Sequence[FloatArray]], tol: float = SAME_PROBABILITY) -> EquilibriumStructure:
    """Components and maximal Nash subsets of two-player extreme equilibria.

    Parameters
    ----------
    profiles : sequence of (x, y)
        The extreme equilibria (all of them, as vertex enumeration gives).
    tol : float
        Strategies closer than this (maximum norm) are the same vertex.

    Examples
    --------
    >>> a, b = np.eye(2)
    >>> u, v, w = np.eye(3)
    >>> s = structure([(b, u), (b, v), (a, w)])   # (b, u)-(b, v) is a segment; (a, w) stands apart
    >>> s.components, s.nash_subsets
    (((0, 1), (2,)), ((0, 1), (2,)))
    """
    xs = _distinct([p[0] for p in profiles], tol)
    ys = _distinct([p[1] for p in profiles], tol)
    edges = {(xs[i], ys[i]): i for i in range(len(profiles))}
    components = _components(edges)
    subsets: list[tuple[int, ...]] = []
    if max(xs, default=0) < MAX_CLIQUE_SEARCH:
        subsets = _maximal_bicliques(edges)
    return EquilibriumStructure(tuple(components), tuple(subsets))


def _distinct(vectors: Sequence[FloatArray], tol: float) -> list[int]:
    """A vertex number for each vector, equal numbers for equal vectors."""
    seen: list[list[float]] = []
    numbers = []
    for vector in vectors:
        values = np.asarray(vector, dtype=float).tolist()
        match = next((k for k, other in enumerate(seen) if _near(values, other, tol)), None)
        if match is None:
            seen.append(values)
            match = len(seen) - 1
        numbers.append(match)
    return numbers


def _near(u: list[float], v: list[float], tol: float) -> bool:
    """Whether no entry differs by more than ``tol`` (in plain Python: these vectors are short)."""
    for p, q in zip(u, v):  # noqa: SIM110 (a loop: faster than all() over a generator)
        if abs(p - q) > tol:
            return False
    return True


def _components(edges: dict[tuple[int, int], int]) -> list[tuple[int, ...]]:
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for x, y in edges:
        parent[find(("x", x))] = find(("y", y))
    groups: dict[tuple[str, int], list[int]] = {}
    for (x, _), index in edges.items():
        groups.setdefault(find(("x", x)), []).append(index)
    return sorted(tuple(sorted(g)) for g in groups.values())


def _maximal_bicliques(edges: dict[tuple[int, int], int]) -> list[tuple[int, ...]]:
    """Closed pairs (X, Y): Y = common neighbours of X and X = common neighbours of Y.

    The Y of a closed pair is an intersection of neighbourhoods, and every non-empty
    intersection Y closes with X = the rows adjacent to all of Y; so the intersections,
    grown one neighbourhood at a time (as bit masks), give every closed pair once, in
    time proportional to their number rather than to the subsets of rows."""
    neighbours: dict[int, int] = {}  # row vertex -> bit mask of its column vertices
    for x, y in edges:
        neighbours[x] = neighbours.get(x, 0) | 1 << y
    intersections: set[int] = set()
    for mask in neighbours.values():
        intersections |= {mask & other for other in intersections} | {mask}
    found = set()
    for common in intersections - {0}:
        ys = [y for y in range(common.bit_length()) if common >> y & 1]
        xs = [x for x, mask in neighbours.items() if mask & common == common]
        found.add(tuple(sorted(edges[x, y] for x in xs for y in ys)))
    return sorted(found)
