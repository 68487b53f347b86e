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
from sim.solvers.protocols import Concession, Mediator, Protocol

__all__ = [
    "AFFINE_POINTS",
    "BargainingTemplate",
    "MediatorTemplate",
    "PrivateTemplate",
    "PrivateValues",
    "ProtocolTemplate",
]

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
    >>> template = BargainingTemplate("pie", ("A", "B"), "y", (f("0"), f("1")), "",
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
    range: tuple[Formula, Formula]
    unit: str
    utilities: tuple[Formula, Formula]
    disagreement: tuple[Formula | None, Formula | None]
    discount: tuple[Formula, Formula] | None = None
    first: int = 0
    outside: tuple[Formula | None, Formula | None] = (None, None)
    breakdown: Formula | None = None
    power: tuple[Formula, Formula] | None = None
    protocol: ProtocolTemplate | None = None
    private: PrivateTemplate | None = None

    inputs: tuple[str, ...] = field(init=False, default=())
    """The state values the formulas read (not the issue)."""

    def __post_init__(self) -> None:
        names: set[str] = set()
        for formula in self._formulas():
            names |= formula.names
        names.discard(self.issue)
        object.__setattr__(self, "inputs", tuple(sorted(names)))

    def _formulas(self) -> list[Formula]:
        found = [*self.range, *self.utilities, *self.disagreement, *self.outside, self.breakdown]
        found += [*(self.discount or ()), *(self.power or ())]
        if self.protocol is not None and self.protocol.mediator is not None:
            found += self.protocol.mediator.formulas
        if self.private is not None:
            found += self.private.formulas
        return [f for f in found if f is not None]

    def value(self, formula: Formula, values: Mapping[str, Any], what: str) -> Number:
        """A formula's value at the state: exact (a Fraction) where it can be, else a float.

        Raises
        ------
        RunError
            If the formula fails there, naming the game and ``what``.
        """
        return self._number(formula, values, _exact_values(values, self.inputs), what)

    @property
    def alternating(self) -> bool:
        """Whether alternating offers (Rubinstein) are asked for: discounts or a breakdown risk."""
        return self.discount is not None or self.breakdown is not None

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
        low, high = (
            self._number(f, values, exact, f"the {end} of {self.issue}'s range")
            for f, end in zip(self.range, ("low end", "high end"))
        )
        if not low < high:
            raise RunError(f"game {self.name}: the range of {self.issue} is empty ({_show(low)} to {_show(high)})")
        lines = [self._line(party, values, exact, low, high) for party in (0, 1)]
        disagreement = self._disagreement(values, exact)
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
                rise = self._float(party, values, high) - self._float(party, values, low)
                slopes.append(Fraction((rise > 0) - (rise < 0)))
                intercepts.append(Fraction(0))
        discount = self._pair(self.discount, values, exact, "discount factor", Fraction(1))
        power = self._pair(self.power, values, exact, "bargaining power", Fraction(1, 2))
        breakdown = (
            Fraction(0) if self.breakdown is None else self._number(self.breakdown, values, exact, "breakdown risk")
        )
        for player, factor in zip(self.players, discount):
            if not 0 < factor <= 1:
                raise RunError(f"game {self.name}: {player}'s discount factor must lie in (0, 1], not {_show(factor)}")
        for player, weight in zip(self.players, power):
            if not weight > 0:
                raise RunError(f"game {self.name}: {player}'s bargaining power must be positive, not {_show(weight)}")
        if not 0 <= breakdown < 1:
            raise RunError(f"game {self.name}: the breakdown risk must lie in [0, 1), not {_show(breakdown)}")
        try:
            return Bargaining(
                self.name,
                self.players,
                self.issue,
                low,
                high,
                (slopes[0], slopes[1]),
                (intercepts[0], intercepts[1]),
                disagreement,
                discount,
                self.first,
                (outside[0], outside[1]),
                breakdown,
                power,
                self.unit,
                curves,
            )
        except BargainingError as exc:
            raise RunError(f"game {str(exc).removeprefix('bargaining ')}") from None

    def _disagreement(self, values: Mapping[str, Any], exact: Mapping[str, Any]) -> tuple[Number, Number]:
        """Each party's disagreement payoff; a private one is the mean over its types
        (the complete-information benchmark)."""
        found: list[Number] = []
        for party, (formula, player) in enumerate(zip(self.disagreement, self.players)):
            if self.private is not None and self.private.player == party:
                found.append(self.build_private(values).mean)
            else:
                found.append(
                    Fraction(0)
                    if formula is None
                    else self._number(formula, values, exact, f"{player}'s disagreement payoff")
                )
        return found[0], found[1]

    def _pair(
        self,
        formulas: tuple[Formula, Formula] | None,
        values: Mapping[str, Any],
        exact: Mapping[str, Any],
        what: str,
        default: Fraction,
    ) -> tuple[Number, Number]:
        if formulas is None:
            return default, default
        first, second = (self._number(f, values, exact, f"{p}'s {what}") for f, p in zip(formulas, self.players))
        return first, second

    def build_protocol(self, values: Mapping[str, Any]) -> Protocol:
        """How a run plays this game at ``values``: the scenario's ``protocol`` (its
        mediator's formulas evaluated), or both sides playing the equilibrium.

        Raises
        ------
        RunError
            If a mediator formula fails.
        """
        if self.protocol is None:
            return Protocol(DEFAULT_DEADLINE, (Concession("equilibrium"), Concession("equilibrium")))
        mediator = self.protocol.mediator
        built = None
        if mediator is not None:
            ideal, bias, credibility = (
                self.value(f, values, f"the mediator's {what}")
                for f, what in zip(mediator.formulas, ("ideal", "bias", "credibility"))
            )
            built = Mediator(mediator.name, ideal, bias, credibility)
        return Protocol(self.protocol.deadline, self.protocol.strategies, built)

    def build_private(self, values: Mapping[str, Any]) -> PrivateValues:
        """The private information at ``values``: the types' probabilities and
        disagreement payoffs, or the uniform interval.

        Raises
        ------
        RunError
            If a formula fails, the probabilities are negative or do not sum to 1, or the
            interval is empty.
        """
        private = self.private
        assert private is not None
        player = self.players[private.player]
        if private.uniform is not None:
            low, high = (
                self.value(f, values, f"{player}'s {end} value")
                for f, end in zip(private.uniform, ("lowest", "highest"))
            )
            if not low < high:
                raise RunError(
                    f"game {self.name}: {player}'s private values are uniform on an empty interval "
                    f"[{_show(low)}, {_show(high)}]: give low < high"
                )
            return PrivateValues(private.player, (), (low, high))
        types: tuple[tuple[str, Number, Number], ...] = tuple(
            (
                name,
                self.value(p, values, f"the probability of {player}'s type {name}"),
                self.value(d, values, f"{player}'s disagreement payoff as {name}"),
            )
            for name, p, d in private.types
        )
        total: Number = sum((p for _, p, _ in types), Fraction(0))
        if any(p < 0 for _, p, _ in types) or abs(float(total) - 1) > PROBABILITY_SLACK:
            shown = ", ".join(f"{name} {_show(p)}" for name, p, _ in types)
            raise RunError(
                f"game {self.name}: the probabilities of {player}'s types must be at least 0 and sum to 1 ({shown})"
            )
        return PrivateValues(private.player, types, None)

    def _line(
        self, party: int, values: Mapping[str, Any], exact: Mapping[str, Any], low: Number, high: Number
    ) -> tuple[Fraction, Fraction] | None:
        """``(slope, intercept)`` if the utility is affine in exact arithmetic, else None
        (checking first that it is finite at both ends of the range)."""
        self._float(party, values, low)
        self._float(party, values, high)
        if not (isinstance(low, Fraction) and isinstance(high, Fraction)):
            return None
        points: list[tuple[Fraction, Fraction]] = []
        for share in AFFINE_POINTS:
            y = low + share * (high - low)
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


def _show(value: Number) -> str:
    return str(value) if isinstance(value, Fraction) else f"{value:g}"


#: The offers in one negotiation when the scenario gives no ``protocol`` (both sides play
#: the equilibrium, which agrees on the first offer when there is a bargaining range).
DEFAULT_DEADLINE = 20

#: How far the types' probabilities (floats from formulas) may sum from 1.
PROBABILITY_SLACK = 1e-9


@dataclass(frozen=True)
class MediatorTemplate:
    """A mediator's name and its ``ideal``, ``bias`` and ``credibility`` formulas."""

    name: str
    ideal: Formula
    bias: Formula
    credibility: Formula

    @property
    def formulas(self) -> list[Formula]:
        """The three formulas, in that order."""
        return [self.ideal, self.bias, self.credibility]


@dataclass(frozen=True)
class ProtocolTemplate:
    """A compiled ``protocol``: the deadline, each side's concession strategy (player
    order), and an optional mediator."""

    deadline: int
    strategies: tuple[Concession, Concession]
    mediator: MediatorTemplate | None = None


@dataclass(frozen=True)
class PrivateTemplate:
    """A compiled ``private`` block: whose value of disagreeing is private (``player``,
    an index), its ``types`` (name, probability, disagreement formulas) or ``uniform``
    interval, whether a drawn type is ``persistent``, and the ``beliefs`` to update
    (type -> ``Actor.variable``)."""

    player: int
    types: tuple[tuple[str, Formula, Formula], ...] = ()
    uniform: tuple[Formula, Formula] | None = None
    persistent: bool = True
    beliefs: tuple[tuple[str, str], ...] = ()

    @property
    def formulas(self) -> list[Formula]:
        """Every formula of the block."""
        return [f for _, p, d in self.types for f in (p, d)] + list(self.uniform or ())


@dataclass(frozen=True)
class PrivateValues:
    """The private information at a state: ``types`` as (name, probability,
    disagreement payoff), or the ``uniform`` interval of the disagreement payoff.

    Examples
    --------
    >>> PrivateValues(1, (("tough", Fraction(1, 4), Fraction(1, 2)), ("soft", Fraction(3, 4), Fraction(0))), None).mean
    Fraction(1, 8)
    >>> PrivateValues(1, (), (Fraction(0), Fraction(1, 2))).mean
    Fraction(1, 4)
    """

    player: int
    types: tuple[tuple[str, Number, Number], ...]
    uniform: tuple[Number, Number] | None

    @property
    def mean(self) -> Number:
        """The expected disagreement payoff."""
        if self.uniform is not None:
            return (self.uniform[0] + self.uniform[1]) / 2
        return sum((p * d for _, p, d in self.types), Fraction(0))
