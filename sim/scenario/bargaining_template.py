"""The template of a bargaining game: compiled utility, disagreement and outside-option
formulas, and the :class:`~sim.game.bargaining.Bargaining` problem they build at a state.

A bargaining game written in a scenario (``bargaining:``, see
:mod:`sim.scenario.bargaining_forms`) compiles into a :class:`BargainingTemplate`;
:meth:`BargainingTemplate.build` evaluates the formulas at a state. A utility whose exact
values at :data:`AFFINE_POINTS` points of the range lie on one line is taken as affine,
``a + b y``, and the problem is exact (Fractions, closed-form solutions); otherwise every
utility becomes a curve (a float function of the issue) and the solutions are numeric.
A game over several issues (``issues``) builds a
:class:`~sim.game.multi_issue.MultiIssueBargaining` instead (:meth:`BargainingTemplate.build_multi`):
its utilities evaluate the formulas in floats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sim.errors import FormulaError, RunError
from sim.game.bargaining import Bargaining, BargainingError, Number
from sim.game.multi_issue import MultiIssueBargaining
from sim.scenario.expressions import Formula
from sim.scenario.template import _exact_values
from sim.solvers.protocols import Concession, Mediator, Protocol

__all__ = [
    "AFFINE_POINTS",
    "BargainingTemplate",
    "IssueTemplate",
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
    asked for; ``power`` ``None`` for the symmetric Nash solution. ``issues`` lists every
    issue of a game over several (``issue``, ``range`` and ``unit`` are then the first's);
    it is empty for a game over one issue.

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
    issues: tuple[IssueTemplate, ...] = ()

    inputs: tuple[str, ...] = field(init=False, default=())
    """The state values the formulas read (not the issues)."""

    def __post_init__(self) -> None:
        names: set[str] = set()
        for formula in self._formulas():
            names |= formula.names
        names -= set(self.issue_names)
        object.__setattr__(self, "inputs", tuple(sorted(names)))

    @property
    def several(self) -> bool:
        """Whether the game is over several issues (built by :meth:`build_multi`)."""
        return len(self.issues) > 1

    @property
    def issue_names(self) -> tuple[str, ...]:
        """Every issue's name, in order."""
        return tuple(i.name for i in self.issues) if self.issues else (self.issue,)

    def _formulas(self) -> list[Formula]:
        found = [*self.range, *self.utilities, *self.disagreement, *self.outside, self.breakdown]
        found += [f for i in self.issues for f in i.range]
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
        for k, (player, factor) in enumerate(zip(self.players, discount)):
            if not 0 < factor <= 1:
                at = _where(self.discount[k]) if self.discount else ""
                raise RunError(
                    f"game {self.name}: {at}{player}'s discount factor must lie in (0, 1], not {_show(factor)}"
                )
        for k, (player, weight) in enumerate(zip(self.players, power)):
            if not weight > 0:
                at = _where(self.power[k]) if self.power else ""
                raise RunError(
                    f"game {self.name}: {at}{player}'s bargaining power must be positive, not {_show(weight)}"
                )
        if not 0 <= breakdown < 1:
            at = _where(self.breakdown) if self.breakdown is not None else ""
            raise RunError(f"game {self.name}: {at}the breakdown risk must lie in [0, 1), not {_show(breakdown)}")
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
            bias, credibility = (
                self.value(f, values, f"the mediator's {what}")
                for f, what in ((mediator.bias, "bias"), (mediator.credibility, "credibility"))
            )
            if self.several:  # one issue: checked with the problem (check_protocol)
                for what, value, formula in (
                    ("bias", bias, mediator.bias),
                    ("credibility", credibility, mediator.credibility),
                ):
                    if not 0 <= value <= 1:
                        where = f"{formula.origin}: " if formula.origin else ""
                        raise RunError(
                            f"game {self.name}: {where}mediator {mediator.name}'s {what} must lie in [0, 1], "
                            f"not {_show(value)}"
                        )
            built = Mediator(mediator.name, self._ideal(mediator, values), bias, credibility)
        return Protocol(self.protocol.deadline, self.protocol.strategies, built)

    def _ideal(self, mediator: MediatorTemplate, values: Mapping[str, Any]) -> Number | tuple[float, ...]:
        """The mediator's ideal at ``values``: a value of the issue, or over several issues
        one per issue (floats, each checked to lie in its issue's range)."""
        if isinstance(mediator.ideal, Formula):
            return self.value(mediator.ideal, values, "the mediator's ideal")
        bounds = self._bounds(values)
        ideal = []
        for issue, formula, (low, high) in zip(self.issues, mediator.ideal, bounds, strict=True):
            value = float(self.value(formula, values, f"the mediator's ideal {issue.name}"))
            if not low <= value <= high:
                where = f"{formula.origin}: " if formula.origin else ""
                raise RunError(
                    f"game {self.name}: {where}mediator {mediator.name}'s ideal {issue.name} = {value:g} lies "
                    f"outside its range [{low:g}, {high:g}]"
                )
            ideal.append(value)
        return tuple(ideal)

    def build_multi(self, values: Mapping[str, Any]) -> MultiIssueBargaining:
        """The problem over several issues at ``values`` (the state): ranges, disagreement
        payoffs and powers evaluated, utilities that evaluate the formulas in floats at a
        vector of issue values.

        Raises
        ------
        RunError
            A formula fails (a utility: naming the player and the issue values), a range
            is empty, a power is not positive, or a utility is not finite somewhere on the
            issues' ranges, naming the game.

        Examples
        --------
        >>> from sim.scenario.expressions import Formula, Scope
        >>> def f(text):
        ...     return Formula.compile(text, Scope(frozenset({"a", "b"}), {}, {}, {}))
        >>> template = BargainingTemplate(
        ...     "trade", ("A", "B"), "a", (f("0"), f("1")), "", (f("3 * a + b"), f("4 - a - 3 * b")),
        ...     (None, None), issues=(IssueTemplate("a", (f("0"), f("1"))), IssueTemplate("b", (f("0"), f("1")))))
        >>> problem = template.build_multi({})
        >>> problem.issues, problem.bounds, problem.utility(1, (1.0, 0.0))
        (('a', 'b'), ((0.0, 1.0), (0.0, 1.0)), 3.0)
        """
        bounds = self._bounds(values)
        disagreement = tuple(float(d) for d in self._disagreement(values, _exact_values(values, self.inputs)))
        power = tuple(
            float(v)
            for v in self._pair(self.power, values, _exact_values(values, self.inputs), "bargaining power", Fraction(1))
        )
        for player, weight in zip(self.players, power):
            if not weight > 0:
                raise RunError(f"game {self.name}: {player}'s bargaining power must be positive, not {weight:g}")
        utilities = (self._multi_utility(0, values), self._multi_utility(1, values))
        try:
            return MultiIssueBargaining(
                self.name,
                self.players,
                self.issue_names,
                bounds,
                utilities,
                (disagreement[0], disagreement[1]),
                (power[0], power[1]),
                tuple(i.unit for i in self.issues),
            )
        except BargainingError as exc:
            raise RunError(f"game {str(exc).removeprefix('bargaining ')}") from None

    def _bounds(self, values: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
        """Each issue's range at ``values``, in floats."""
        found = []
        for issue in self.issues:
            low, high = (
                float(self.value(f, values, f"the {end} of {issue.name}'s range"))
                for f, end in zip(issue.range, ("low end", "high end"))
            )
            if not low < high:
                raise RunError(f"game {self.name}: the range of {issue.name} is empty ({low:g} to {high:g})")
            found.append((low, high))
        return tuple(found)

    def _multi_utility(self, party: int, values: Mapping[str, Any]) -> Callable[[Any], float]:
        """``party``'s utility over several issues: its formula in floats at a vector of
        issue values (a failure is a RunError naming the player and the values)."""
        bound, names, formula = dict(values), self.issue_names, self.utilities[party]

        def utility(x: Any) -> float:
            point = {name: float(v) for name, v in zip(names, x, strict=True)}
            try:
                return float(formula.evaluate({**bound, **point}))
            except FormulaError as exc:
                at = ", ".join(f"{name} = {v:g}" for name, v in point.items())
                raise RunError(f"game {self.name}: {self.players[party]}'s utility at {at}: {exc}") from None

        return utility

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
                f"game {self.name}: {_where(private.types[0][1])}the probabilities of {player}'s types must be at "
                f"least 0 and sum to 1, not {_show(total)} ({shown})"
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
                f"game {self.name}: {_where(self.utilities[party])}{self.players[party]}'s utility at "
                f"{self.issue} = {float(y):g}: {exc.message}"
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


def _where(formula: Formula) -> str:
    """Where a formula was written (``file:line field: ``), to start an error with."""
    return f"{formula.origin}: " if formula.origin else ""


def _show(value: Number) -> str:
    return str(value) if isinstance(value, Fraction) else f"{value:g}"


#: The offers in one negotiation when the scenario gives no ``protocol`` (both sides play
#: the equilibrium, which agrees on the first offer when there is a bargaining range).
DEFAULT_DEADLINE = 20

#: How far the types' probabilities (floats from formulas) may sum from 1.
PROBABILITY_SLACK = 1e-9


@dataclass(frozen=True)
class MediatorTemplate:
    """A mediator's name and its ``ideal`` (one formula per issue over several issues),
    ``bias`` and ``credibility`` formulas."""

    name: str
    ideal: Formula | tuple[Formula, ...]
    bias: Formula
    credibility: Formula

    @property
    def formulas(self) -> list[Formula]:
        """Every formula: the ideal (one per issue over several issues), bias, credibility."""
        ideal = [self.ideal] if isinstance(self.ideal, Formula) else list(self.ideal)
        return [*ideal, self.bias, self.credibility]


@dataclass(frozen=True)
class IssueTemplate:
    """One issue of a game over several: its name, ``range`` formulas and unit."""

    name: str
    range: tuple[Formula, Formula]
    unit: str = ""


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
