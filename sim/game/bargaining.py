"""Bargaining problems: two parties and one continuous issue, with war as the outside
option (the data; the solutions are :mod:`sim.solvers.bargaining`).

A problem (:class:`Bargaining`): an issue ``y`` in ``[low, high]`` (a zone's width, a
share of territory), each party's utility of an agreement ``y`` (affine in ``y`` for the
exact closed forms; any monotone function for the numeric ones), what each gets if talks
fail (the *disagreement point*, typically the value of fighting on, Fearon 1995:
``p - c``), discount factors per round, who proposes first, optional outside options a
responder can take instead of continuing, and a risk that talks break down after a
rejection. :func:`bargaining_range` is the set of agreements both prefer to
disagreeing (Fearon 1995): empty when fighting is cheap relative to what an agreement
costs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sim.errors import UserError
from sim.game.tolerances import ROOT_X

__all__ = ["Bargaining", "BargainingError", "Number", "bargaining_range"]

Number = float | Fraction


class BargainingError(UserError):
    """A bargaining problem that cannot be solved as written (an empty issue range,
    utilities that are not finite, discount factors outside (0, 1], ...)."""


@dataclass(frozen=True)
class Bargaining:
    """A bargaining problem over one issue (see the module docstring).

    Attributes
    ----------
    name : str
    parties : tuple of two str
    issue : str
        The issue's name, e.g. ``"width"``.
    low, high : number
        The issue's range.
    slopes, intercepts : tuple of two numbers
        Each party's utility ``intercepts[i] + slopes[i] * y`` (affine; exact when given
        as Fractions).
    disagreement : tuple of two numbers
        What each party gets if talks fail.
    discount : tuple of two numbers
        Per-round discount factors, in (0, 1].
    first : int
        The party that proposes first (0 or 1).
    outside : tuple of two numbers or None
        Outside options a responder can take instead of continuing. ``None``: the
        disagreement payoff (a responder can always walk away, e.g. to war).
    breakdown : number
        The chance that talks break down after a rejection (each party then gets its
        disagreement payoff), in [0, 1).
    power : tuple of two numbers
        Bargaining powers for the asymmetric Nash solution (positive).
    unit : str
        The issue's unit, for reading (``"km"``).
    curves : tuple of two functions, optional
        Utilities that are not affine: each a continuous, strictly monotone function of
        ``y`` on the range (then ``slopes`` only say which way each grows). The solutions
        are then numeric (floats), checked against their defining conditions.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(9, 10), Fraction(9, 10)))
    >>> pie.utility(0, Fraction(3, 4)), pie.utility(1, Fraction(3, 4))  # shares of the pie
    (Fraction(3, 4), Fraction(1, 4))
    """

    name: str
    parties: tuple[str, str]
    issue: str
    low: Number
    high: Number
    slopes: tuple[Number, Number]
    intercepts: tuple[Number, Number]
    disagreement: tuple[Number, Number] = (Fraction(0), Fraction(0))
    discount: tuple[Number, Number] = (Fraction(1), Fraction(1))
    first: int = 0
    outside: tuple[Number | None, Number | None] = (None, None)
    breakdown: Number = Fraction(0)
    power: tuple[Number, Number] = (Fraction(1, 2), Fraction(1, 2))
    unit: str = ""
    curves: tuple[Callable[[float], float], Callable[[float], float]] | None = None

    def __post_init__(self) -> None:
        _check(self)

    @classmethod
    def split(
        cls,
        name: str,
        parties: tuple[str, str],
        *,
        discount: tuple[Number, Number] = (Fraction(1), Fraction(1)),
        disagreement: tuple[Number, Number] = (Fraction(0), Fraction(0)),
        outside: tuple[Number | None, Number | None] = (None, None),
    ) -> Bargaining:
        """Splitting a pie of one: ``y`` is the first party's share, the second gets ``1 - y``."""
        return cls(
            name,
            parties,
            "share",
            Fraction(0),
            Fraction(1),
            (Fraction(1), Fraction(-1)),
            (Fraction(0), Fraction(1)),
            disagreement,
            discount,
            0,
            outside,
        )

    def walk_away(self, party: int) -> Number:
        """What ``party`` gets by walking away instead of answering: its outside option,
        or its disagreement payoff when it has none."""
        option = self.outside[party]
        return self.disagreement[party] if option is None else option

    def utility(self, party: int, y: Number) -> Number:
        """``party``'s utility of the agreement ``y``."""
        if self.curves is not None:
            return float(self.curves[party](float(y)))
        return self.intercepts[party] + self.slopes[party] * y

    def solve_for(self, party: int, utility: Number) -> Number:
        """The agreement that gives ``party`` exactly ``utility`` (its utility is not flat;
        beyond what the range can give, the nearest end of a line through the range)."""
        if self.curves is None:
            return (utility - self.intercepts[party]) / self.slopes[party]
        return _invert(self.curves[party], float(utility), float(self.low), float(self.high))

    @property
    def favours(self) -> tuple[int, int]:
        """+1 if a party's utility grows with ``y``, -1 if it falls, 0 if flat."""
        if self.curves is not None:
            return (
                _sign(self.utility(0, self.high) - self.utility(0, self.low)),
                _sign(self.utility(1, self.high) - self.utility(1, self.low)),
            )
        return (_sign(self.slopes[0]), _sign(self.slopes[1]))


def _sign(value: Number) -> int:
    return (value > 0) - (value < 0)


def _invert(curve: Callable[[float], float], target: float, low: float, high: float) -> float:
    """The ``y`` in ``[low, high]`` where the monotone ``curve`` equals ``target``; outside
    the curve's values on the range, the linear extension through its ends."""
    from scipy.optimize import brentq

    at_low, at_high = curve(low), curve(high)
    if (target - at_low) * (target - at_high) <= 0:
        return float(brentq(lambda y: curve(y) - target, low, high, xtol=ROOT_X, rtol=4 * 2.0**-52))
    slope = (at_high - at_low) / (high - low)
    return (
        low + (target - at_low) / slope
        if abs(target - at_low) < abs(target - at_high)
        else high + (target - at_high) / slope
    )


def _check(problem: Bargaining) -> None:
    numbers = [problem.low, problem.high, *problem.slopes, *problem.intercepts, *problem.disagreement]
    numbers += [*problem.discount, problem.breakdown, *problem.power]
    numbers += [value for value in problem.outside if value is not None]
    if any(not _finite(value) for value in numbers):
        raise BargainingError(f"bargaining {problem.name}: every number must be finite")
    if not problem.low < problem.high:
        raise BargainingError(
            f"bargaining {problem.name}: the range of {problem.issue} is empty ({problem.low} to {problem.high})"
        )
    if any(not 0 < d <= 1 for d in problem.discount):
        raise BargainingError(f"bargaining {problem.name}: discount factors must lie in (0, 1], not {problem.discount}")
    if not 0 <= problem.breakdown < 1:
        raise BargainingError(
            f"bargaining {problem.name}: the breakdown risk must lie in [0, 1), not {problem.breakdown}"
        )
    if any(p <= 0 for p in problem.power):
        raise BargainingError(f"bargaining {problem.name}: bargaining powers must be positive, not {problem.power}")
    if problem.first not in (0, 1):
        raise BargainingError(f"bargaining {problem.name}: the first proposer is party 0 or 1, not {problem.first}")
    if problem.curves is not None:
        _check_curves(problem)


#: Points at which a utility curve is checked to be finite and monotone.
CURVE_CHECKS = 65


def _check_curves(problem: Bargaining) -> None:
    low, high = float(problem.low), float(problem.high)
    grid = [low + (high - low) * k / (CURVE_CHECKS - 1) for k in range(CURVE_CHECKS)]
    for party, curve in enumerate(problem.curves or ()):
        values = [float(curve(y)) for y in grid]
        if not all(abs(v) < float("inf") for v in values):
            raise BargainingError(
                f"bargaining {problem.name}: {problem.parties[party]}'s utility is not a finite number everywhere "
                f"on {problem.issue} in [{low:g}, {high:g}]"
            )
        steps = [b - a for a, b in itertools.pairwise(values)]
        if not (all(step > 0 for step in steps) or all(step < 0 for step in steps)):
            raise BargainingError(
                f"bargaining {problem.name}: {problem.parties[party]}'s utility must rise or fall strictly "
                f"with {problem.issue} over its range"
            )


def _finite(value: Any) -> bool:
    return isinstance(value, Fraction) or (isinstance(value, (int, float)) and abs(value) < float("inf"))


def bargaining_range(problem: Bargaining) -> tuple[Number, Number] | None:
    """The agreements both parties weakly prefer to the disagreement point, as
    ``(lowest y, highest y)``, or None when there is none (Fearon 1995: war is then the
    outcome even with complete information).

    Examples
    --------
    >>> zone = Bargaining("zone", ("Ukraine", "Russia"), "y", Fraction(0), Fraction(1),
    ...                   (Fraction(-1), Fraction(1)), (Fraction(192, 250), Fraction(0)),
    ...                   disagreement=(Fraction(1, 5), Fraction(1, 2)))
    >>> bargaining_range(zone)  # Russia needs y >= 1/2, Ukraine accepts y <= 0.768 - 0.2
    (Fraction(1, 2), Fraction(71, 125))
    """
    low, high = problem.low, problem.high
    for party in (0, 1):
        direction, floor = problem.favours[party], problem.disagreement[party]
        if direction == 0:
            if problem.utility(party, low) < floor:
                return None
            continue
        edge = problem.solve_for(party, floor)
        if direction > 0:
            low = max(low, edge)
        else:
            high = min(high, edge)
    return (low, high) if low <= high else None
