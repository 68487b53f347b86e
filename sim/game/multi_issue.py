"""Bargaining problems over several continuous issues at once, with utilities that need
not be linear (the data; the solutions are :mod:`sim.solvers.multi_issue`).

A problem (:class:`MultiIssueBargaining`): issues ``x_1, ..., x_n``, each in its range
``[low_k, high_k]`` (so agreements form a box), each party's utility of an agreement
(any continuous function of the vector of issue values; the solvers also need it to be
differentiable), what each gets if talks fail (the *disagreement point*), and bargaining
powers for the asymmetric Nash solution. With several issues the parties can *logroll*:
each concedes on the issue it cares about less (Raiffa 1982, *The Art and Science of
Negotiation*), so the Pareto frontier lies beyond any one-issue compromise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sim.game.bargaining import Bargaining, BargainingError

__all__ = ["MultiIssueBargaining", "Utility", "check_points", "values_at"]

#: A party's utility: a function of the vector of issue values (floats, in issue order).
Utility = Callable[[npt.NDArray[np.float64]], float]

#: Most points of the box at which the utilities are checked to be finite (a grid of up
#: to :data:`AXIS_CHECKS` values per issue, fewer as issues are added: 33 x 33 for two).
MAX_CHECK_POINTS = 1089
#: Most values per issue in the grid of checked points (the one-issue check uses 65).
AXIS_CHECKS = 65


@dataclass(frozen=True)
class MultiIssueBargaining:
    """A bargaining problem over several issues (see the module docstring).

    Attributes
    ----------
    name : str
    parties : tuple of two str
    issues : tuple of str
        The issues' names, e.g. ``("width", "troops")``.
    bounds : tuple of (low, high) pairs
        Each issue's range, in issue order; ``low < high``.
    utilities : tuple of two functions
        Each party's utility of an agreement, a function of the numpy vector of issue
        values (in issue order) returning a number; finite everywhere on the box.
    disagreement : tuple of two numbers
        What each party gets if talks fail.
    power : tuple of two positive numbers
        Bargaining powers for the asymmetric Nash solution (only their ratio matters).
    units : tuple of str
        Each issue's unit, for reading (empty: no units).

    Raises
    ------
    BargainingError
        If there is no issue, a range is empty or not finite, the sizes disagree, a power
        is not positive, or a utility is not a finite number somewhere on the box.

    Examples
    --------
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> trade.utility(0, (1.0, 0.0)), trade.utility(1, (1.0, 0.0))  # A gets a, B keeps b
    (3.0, 3.0)
    >>> trade.agreement((1.0, 0.0))
    {'a': 1.0, 'b': 0.0}
    """

    name: str
    parties: tuple[str, str]
    issues: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    utilities: tuple[Utility, Utility]
    disagreement: tuple[float, float] = (0.0, 0.0)
    power: tuple[float, float] = (0.5, 0.5)
    units: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_shape(self)
        _check_numbers(self)
        _check_finite(self)

    @classmethod
    def from_bargaining(cls, problem: Bargaining) -> MultiIssueBargaining:
        """The one-issue problem ``problem`` as a problem over one issue of this kind
        (its utilities, disagreement point and powers; discounting and outside options
        belong to alternating offers and are left out).

        Examples
        --------
        >>> from fractions import Fraction
        >>> pie = Bargaining.split("pie", ("A", "B"))
        >>> one = MultiIssueBargaining.from_bargaining(pie)
        >>> one.issues, one.bounds, one.utility(1, (0.25,))
        (('share',), ((0.0, 1.0),), 0.75)
        """
        utilities = tuple(_single(problem, party) for party in (0, 1))
        return cls(
            problem.name,
            problem.parties,
            (problem.issue,),
            ((float(problem.low), float(problem.high)),),
            (utilities[0], utilities[1]),
            (float(problem.disagreement[0]), float(problem.disagreement[1])),
            (float(problem.power[0]), float(problem.power[1])),
            (problem.unit,),
        )

    def utility(self, party: int, offer: tuple[float, ...] | npt.NDArray[np.float64]) -> float:
        """``party``'s utility of the agreement ``offer`` (issue values in issue order)."""
        return float(self.utilities[party](np.asarray(offer, dtype=np.float64)))

    def agreement(self, offer: tuple[float, ...] | npt.NDArray[np.float64]) -> dict[str, float]:
        """The agreement ``offer`` with its issues named."""
        return {issue: float(value) for issue, value in zip(self.issues, offer, strict=True)}

    @property
    def low(self) -> npt.NDArray[np.float64]:
        """The issues' lower ends, as a vector."""
        return np.array([low for low, _ in self.bounds], dtype=np.float64)

    @property
    def high(self) -> npt.NDArray[np.float64]:
        """The issues' upper ends, as a vector."""
        return np.array([high for _, high in self.bounds], dtype=np.float64)


def _single(problem: Bargaining, party: int) -> Utility:
    return lambda x: float(problem.utility(party, float(x[0])))


def _check_shape(problem: MultiIssueBargaining) -> None:
    where = f"bargaining {problem.name}"
    if not problem.issues:
        raise BargainingError(f"{where}: give at least one issue to bargain over")
    if len(set(problem.issues)) != len(problem.issues):
        raise BargainingError(f"{where}: issue names must differ, not {', '.join(problem.issues)}")
    if len(problem.bounds) != len(problem.issues):
        raise BargainingError(
            f"{where}: give one (low, high) range per issue "
            f"({len(problem.issues)} issues, {len(problem.bounds)} ranges)"
        )
    if problem.units and len(problem.units) != len(problem.issues):
        raise BargainingError(f"{where}: give one unit per issue ({len(problem.issues)}), or none")
    sizes = (len(problem.parties), len(problem.utilities), len(problem.disagreement), len(problem.power))
    if sizes != (2, 2, 2, 2):
        raise BargainingError(f"{where}: give two parties, and two utilities, disagreement payoffs and powers")


def _check_numbers(problem: MultiIssueBargaining) -> None:
    where = f"bargaining {problem.name}"
    for issue, (low, high) in zip(problem.issues, problem.bounds, strict=True):
        if not (_finite(low) and _finite(high)):
            raise BargainingError(f"{where}: the range of {issue} must be finite, not [{low}, {high}]")
        if not low < high:
            raise BargainingError(f"{where}: the range of {issue} is empty ({low} to {high}); give low < high")
    if not all(_finite(d) for d in problem.disagreement):
        raise BargainingError(f"{where}: disagreement payoffs must be finite, not {problem.disagreement}")
    if not all(_finite(p) and p > 0 for p in problem.power):
        raise BargainingError(f"{where}: bargaining powers must be positive, not {problem.power}")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_points(bounds: tuple[tuple[float, float], ...]) -> npt.NDArray[np.float64]:
    """The points of the box at which utilities are checked: a grid including the
    corners (at most :data:`MAX_CHECK_POINTS` points), or, with too many issues for a
    grid of corners, an evenly spread deterministic sample and the centre.

    Examples
    --------
    >>> check_points(((0.0, 1.0), (0.0, 2.0))).shape  # 33 values per issue
    (1089, 2)
    >>> check_points(((0.0, 1.0),) * 11).shape
    (1090, 11)
    """
    n = len(bounds)
    low = np.array([b[0] for b in bounds], dtype=np.float64)
    high = np.array([b[1] for b in bounds], dtype=np.float64)
    per_axis = min(AXIS_CHECKS, round(MAX_CHECK_POINTS ** (1 / n)))
    while per_axis**n > MAX_CHECK_POINTS:
        per_axis -= 1
    if per_axis >= 2:
        axis = np.linspace(0.0, 1.0, per_axis)
        unit = np.array(list(itertools.product(axis, repeat=n)), dtype=np.float64)
    else:
        unit = np.vstack([_kronecker(n, MAX_CHECK_POINTS), np.full((1, n), 0.5)])
    return np.asarray(low + unit * (high - low), dtype=np.float64)


def _kronecker(n: int, count: int) -> npt.NDArray[np.float64]:
    """``count`` points of the unit cube spread evenly (Roberts's R_n sequence: multiples of
    the powers of ``1 / phi_n``, ``phi_n`` the root of ``x**(n + 1) = x + 1``, modulo 1)."""
    phi = 2.0
    for _ in range(64):  # fixed-point iteration, converges for any n
        phi = (1 + phi) ** (1 / (n + 1))
    steps = np.array([phi ** -(k + 1) for k in range(n)], dtype=np.float64)
    return np.asarray(np.mod(0.5 + np.outer(np.arange(1, count + 1), steps), 1.0), dtype=np.float64)


def _check_finite(problem: MultiIssueBargaining) -> None:
    with np.errstate(all="ignore"):
        for point in check_points(problem.bounds):
            values_at(problem, point)


def values_at(problem: MultiIssueBargaining, point: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Both parties' utilities at ``point`` (a vector of issue values), checked to be
    finite numbers (numpy's warnings on the way are silenced: a NaN or infinity is refused).

    Raises
    ------
    BargainingError
        If a utility is not a finite number there, or fails to compute.

    Examples
    --------
    >>> MultiIssueBargaining("bad", ("A", "B"), ("a",), ((0.0, 1.0),), (lambda x: math.log(x[0]), lambda x: 1.0))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.game.bargaining.BargainingError: bargaining bad: A's utility is not a finite number at a = 0 (math...
    """
    with np.errstate(all="ignore"):
        return (_one(problem, 0, point), _one(problem, 1, point))


def _one(problem: MultiIssueBargaining, party: int, point: npt.NDArray[np.float64]) -> float:
    try:
        value = float(problem.utilities[party](point.copy()))
        problem_text = "" if math.isfinite(value) else f"it gave {value}"
    except (ArithmeticError, ValueError, TypeError) as error:
        value, problem_text = math.nan, str(error)
    if problem_text:
        where = ", ".join(f"{issue} = {x:g}" for issue, x in zip(problem.issues, point, strict=True))
        raise BargainingError(
            f"bargaining {problem.name}: {problem.parties[party]}'s utility is not a finite number at "
            f"{where} ({problem_text}); it must be finite everywhere on the issues' ranges"
        )
    return value
