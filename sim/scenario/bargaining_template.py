"""The template of a bargaining game: compiled utility, disagreement and outside-option
formulas, and the :class:`~sim.game.bargaining.Bargaining` problem they build at a state.

A bargaining game written in a scenario (``bargaining:``, see
:mod:`sim.scenario.bargaining_forms`) compiles into a :class:`BargainingTemplate`;
:meth:`BargainingTemplate.build` evaluates the formulas at a state. A utility whose exact
values at :data:`AFFINE_POINTS` points of the range lie on one line is taken as affine,
``a + b y``, and the problem is exact (Fractions, closed-form solutions); otherwise every
utility becomes a curve (a float function of the issue) and the solutions are numeric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sim.errors import FormulaError, RunError
from sim.game.bargaining import Bargaining, BargainingError, Number
from sim.scenario.expressions import Formula
from sim.scenario.template import _exact_values

__all__ = ["AFFINE_POINTS", "BargainingTemplate"]

#: Where in the range (shares from low to high) a utility is evaluated exactly to decide
#: whether it is affine: a polynomial of degree below 5 through these five points on one
#: line is that line.
AFFINE_POINTS = (Fraction(0), Fraction(2, 7), Fraction(3, 7), Fraction(5, 7), Fraction(1))


@dataclass(frozen=True)
class BargainingTemplate:
    """A compiled bargaining game, built into a problem at a state by :meth:`build`.

    ``utilities`` read the issue (by its name) and the state; ``disagreement`` and
    ``outside`` the state; ``discount`` is ``None`` when alternating offers are not
    asked for; ``power`` ``None`` for the symmetric Nash solution.

    Examples
    --------
    >>> from sim.scenario.expressions import Formula, Scope
    >>> def f(text):
    ...     return Formula.compile(text, Scope(frozenset({"y", "c"}), {}, {}, {}))
    >>> template = BargainingTemplate("pie", ("A", "B"), "y", Fraction(0), Fraction(1), "",
    ...                               (f("y"), f("1 - y")), (f("c"), f("c")))
    >>> template.inputs
    ('c',)
    >>> problem = template.build({"c": 0.1})
    >>> problem.slopes, problem.intercepts, problem.disagreement
    ((Fraction(1, 1), Fraction(-1, 1)), (Fraction(0, 1), Fraction(1, 1)), (Fraction(1, 10), Fraction(1, 10)))
    """

    name: str
    players: tuple[str, str]
    issue: str
    low: Fraction
    high: Fraction
    unit: str
    utilities: tuple[Formula, Formula]
    disagreement: tuple[Formula, Formula]
    discount: tuple[Fraction, Fraction] | None = None
    first: int = 0
    outside: tuple[Formula | None, Formula | None] = (None, None)
    breakdown: Fraction = Fraction(0)
    power: tuple[Fraction, Fraction] | None = None

    inputs: tuple[str, ...] = field(init=False, default=())
    """The state values the formulas read (not the issue)."""

    def __post_init__(self) -> None:
        names: set[str] = set()
        for formula in (*self.utilities, *self.disagreement, *(f for f in self.outside if f is not None)):
            names |= formula.names
        names.discard(self.issue)
        object.__setattr__(self, "inputs", tuple(sorted(names)))

    @property
    def alternating(self) -> bool:
        """Whether alternating offers (Rubinstein) are asked for: discounts or a breakdown risk."""
        return self.discount is not None or self.breakdown > 0

    def build(self, values: Mapping[str, Any]) -> Bargaining:
        """The problem at ``values`` (the state): exact where the formulas allow.

        Raises
        ------
        RunError
            A formula fails or is not finite (at an end of the range, ...), or the
            numbers do not make a problem (a utility that does not rise or fall
            strictly, ...), naming the game.
        """
        exact = _exact_values(values, self.inputs)
        lines = [self._line(party, values, exact) for party in (0, 1)]
        disagreement = tuple(self._number(f, values, exact, f"{p}'s disagreement payoff") for f, p in self._each())
        outside = tuple(
            None if f is None else self._number(f, values, exact, f"{p}'s outside option")
            for f, p in zip(self.outside, self.players)
        )
        slopes: list[Number] = []
        intercepts: list[Number] = []
        curves = None
        if lines[0] is not None and lines[1] is not None:
            for slope, intercept in (lines[0], lines[1]):
                slopes.append(slope)
                intercepts.append(intercept)
        else:
            curves = (self._curve(0, values), self._curve(1, values))
            for party in (0, 1):
                rise = self._float(party, values, self.high) - self._float(party, values, self.low)
                slopes.append(Fraction((rise > 0) - (rise < 0)))
                intercepts.append(Fraction(0))
        try:
            return Bargaining(
                self.name,
                self.players,
                self.issue,
                self.low,
                self.high,
                (slopes[0], slopes[1]),
                (intercepts[0], intercepts[1]),
                (disagreement[0], disagreement[1]),
                self.discount or (Fraction(1), Fraction(1)),
                self.first,
                (outside[0], outside[1]),
                self.breakdown,
                self.power or (Fraction(1, 2), Fraction(1, 2)),
                self.unit,
                curves,
            )
        except BargainingError as exc:
            raise RunError(f"game {str(exc).removeprefix('bargaining ')}") from None

    def _each(self) -> zip[tuple[Formula, str]]:
        return zip(self.disagreement, self.players)

    def _line(
        self, party: int, values: Mapping[str, Any], exact: Mapping[str, Any]
    ) -> tuple[Fraction, Fraction] | None:
        """``(slope, intercept)`` if the utility is affine in exact arithmetic, else None
        (checking first that it is finite at both ends of the range)."""
        self._float(party, values, self.low)
        self._float(party, values, self.high)
        points: list[tuple[Fraction, Fraction]] = []
        for share in AFFINE_POINTS:
            y = self.low + share * (self.high - self.low)
            try:
                value = self.utilities[party].evaluate_exact({**exact, self.issue: y})
            except FormulaError:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
                return None
            points.append((y, Fraction(value)))
        (y0, u0), (y1, u1) = points[0], points[-1]
        slope = (u1 - u0) / (y1 - y0)
        intercept = u0 - slope * y0
        if any(u != intercept + slope * y for y, u in points):
            return None
        return slope, intercept

    def _float(self, party: int, values: Mapping[str, Any], y: Number) -> float:
        try:
            return float(self.utilities[party].evaluate({**values, self.issue: float(y)}))
        except FormulaError as exc:
            raise RunError(
                f"game {self.name}: {self.players[party]}'s utility at {self.issue} = {float(y):g}: {exc.message}"
            ) from None

    def _curve(self, party: int, values: Mapping[str, Any]) -> Callable[[float], float]:
        bound = dict(values)

        def curve(y: float) -> float:
            return self._float(party, bound, y)

        return curve

    def _number(self, formula: Formula, values: Mapping[str, Any], exact: Mapping[str, Any], what: str) -> Number:
        try:
            value = formula.evaluate_exact(exact)
        except FormulaError:
            value = None
        if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
            return Fraction(value)
        try:
            return float(formula.evaluate(values))
        except FormulaError as exc:
            raise RunError(f"game {self.name}, {what}: {exc.message}") from None
