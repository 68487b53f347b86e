"""A game written as a bargaining problem (``bargaining:``), checked and compiled into a
template (:class:`~sim.scenario.bargaining_template.BargainingTemplate`).

Two players bargain over one issue (``issue``: a name, a ``range`` of numbers and a
``unit``) or several (``issues``, a list of them); each has a ``utilities`` formula of
the issues and the state, and optionally a ``disagreement`` payoff (formula of the
state; 0 by default), a ``discount`` factor and an ``outside_options`` value
(alternating offers; one issue only, as ``private``), ``powers`` (asymmetric Nash). Also
``proposer`` (the first, by default the first player) and ``breakdown``. Every check that
does not need the state is made here; the rest when the problem is built
(:meth:`BargainingTemplate.build`, which the loader also calls at the initial state).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Protocol, TypeVar

from sim.errors import FormulaError, ScenarioError, did_you_mean, unknown
from sim.scenario.bargaining_template import (
    BargainingTemplate,
    IssueTemplate,
    MediatorTemplate,
    PrivateTemplate,
    ProtocolTemplate,
)
from sim.scenario.expressions import Formula, Scope
from sim.scenario.spec import BargainingSpec, ConcessionSpec, GameSpec, IssueSpec, PrivateSpec
from sim.solvers.protocols import CONCESSIONS, Concession

__all__ = ["build_bargaining_template"]

FieldPath = tuple[str | int, ...]
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_T = TypeVar("_T")


class _Context(Protocol):
    """What the scenario checker offers: errors at paths, formula compilation."""

    def fail(self, path: FieldPath, message: str) -> ScenarioError: ...

    def formula(self, value: float | str, scope: Scope, path: FieldPath) -> Formula: ...


def build_bargaining_template(
    context: _Context, name: str, spec: GameSpec, players: tuple[str, ...], scope: Scope, path: FieldPath
) -> BargainingTemplate:
    """Check a game's ``bargaining`` block and compile it."""
    for other in ("strategies", "payoffs", "payoff_table", "tree"):
        if getattr(spec, other) is not None:
            raise context.fail(
                (*path, other),
                f"a bargaining game has its utilities in `bargaining`: remove `{other}` (or the bargaining block)",
            )
    assert spec.bargaining is not None
    block, where = spec.bargaining, (*path, "bargaining")
    if len(players) != 2:
        raise context.fail((*path, "players"), f"a bargaining game has two players, not {len(players)}")
    pair = (players[0], players[1])
    issues = _issues(context, block, scope, where)
    several = len(issues) > 1
    if several:
        _refuse_with_several(context, block, where)
    with_issue = replace(scope, numbers=scope.numbers | {i.name for i in issues})
    utilities = _per_player(context, block.utilities, pair, (*where, "utilities"), required=True)
    private = _private(context, block, pair, scope, where)
    public = pair if private is None else (pair[1 - private.player],)
    disagreement = _per_player(context, block.disagreement or {}, pair, (*where, "disagreement"), required=False)
    if block.disagreement is not None and any(p not in disagreement for p in public):
        missing = next(p for p in public if p not in disagreement)
        raise context.fail(
            (*where, "disagreement"), f"no value for player {missing!r}: give one for each of {', '.join(public)}"
        )
    if private is not None and pair[private.player] in disagreement:
        raise context.fail(
            (*where, "disagreement", pair[private.player]),
            f"{pair[private.player]}'s disagreement payoff is private: give it under `private` (its types or "
            "uniform interval) and remove it here",
        )
    utility_formulas = tuple(context.formula(utilities[p], with_issue, (*where, "utilities", p)) for p in pair)
    disagreement_formulas = tuple(
        None
        if private is not None and private.player == k
        else context.formula(disagreement.get(p, 0), scope, (*where, "disagreement", p))
        for k, p in enumerate(pair)
    )
    outside = _per_player(context, block.outside_options or {}, pair, (*where, "outside_options"), required=False)
    outside_formulas = tuple(
        context.formula(outside[p], scope, (*where, "outside_options", p)) if p in outside else None for p in pair
    )
    return BargainingTemplate(
        name,
        pair,
        issues[0].name,
        issues[0].range,
        issues[0].unit,
        (utility_formulas[0], utility_formulas[1]),
        (disagreement_formulas[0], disagreement_formulas[1]),
        _factors(context, block.discount, pair, scope, (*where, "discount"), _discount_ok),
        _first(context, block, pair, where),
        (outside_formulas[0], outside_formulas[1]),
        _breakdown(context, block, scope, where),
        _factors(context, block.powers, pair, scope, (*where, "powers"), _power_ok),
        _protocol(context, block, pair, scope, where, issues),
        private,
        issues if several else (),
    )


def _issues(context: _Context, block: BargainingSpec, scope: Scope, where: FieldPath) -> tuple[IssueTemplate, ...]:
    """The issues bargained over: ``issue`` (one) or ``issues`` (a list), exactly one of
    the two; names valid, distinct and not used elsewhere; ranges compiled."""
    if block.issue is not None and block.issues is not None:
        raise context.fail(
            (*where, "issues"), "give either `issue` (one issue) or `issues` (several), not both: remove one"
        )
    if block.issue is None and block.issues is None:
        raise context.fail(
            where, "no issue: give `issue: {name, range, unit}`, or `issues:` a list of them to bargain over several"
        )
    if block.issue is not None:
        given, at = [block.issue], [(*where, "issue")]
    else:
        assert block.issues is not None
        given, at = block.issues, [(*where, "issues", k) for k in range(len(block.issues))]
        if not given:
            raise context.fail((*where, "issues"), "the list of issues is empty: give at least one issue")
    found: list[IssueTemplate] = []
    for spec, spec_at in zip(given, at, strict=True):
        if not _NAME.fullmatch(spec.name):
            raise context.fail((*spec_at, "name"), f"{spec.name!r} is not a valid name: use letters, digits and _")
        if any(spec.name == other.name for other in found):
            raise context.fail(
                (*spec_at, "name"), f"the issue {spec.name!r} is given twice: each issue needs its own name"
            )
        if spec.name in scope.numbers or spec.name in scope.labels or spec.name in scope.lets:
            raise context.fail((*spec_at, "name"), f"the name {spec.name!r} is already used; names must be unique")
        found.append(IssueTemplate(spec.name, _range(context, spec, scope, spec_at), spec.unit))
    return tuple(found)


def _refuse_with_several(context: _Context, block: BargainingSpec, where: FieldPath) -> None:
    """What is solved over one issue only: refused, one line each, for several issues."""
    if block.private is not None:
        raise context.fail(
            (*where, "private"),
            "private information (a take-it-or-leave-it offer) is solved over one issue: remove `private` or "
            "bargain over one issue",
        )
    if block.discount is not None:
        raise context.fail(
            (*where, "discount"),
            "discounted alternating offers (the Rubinstein solution) are solved over one issue: remove `discount` "
            "(over several issues `equilibrium` players offer the Nash solution)",
        )
    if block.outside_options is not None:
        raise context.fail(
            (*where, "outside_options"),
            "outside options are honoured over one issue only: remove `outside_options` or bargain over one issue",
        )


def _constant(formula: Formula) -> Fraction | None:
    """A formula's exact value when it reads nothing from the state (else None)."""
    if not formula.is_constant:
        return None
    try:
        value = formula.evaluate_exact({})
    except FormulaError:
        return None
    return Fraction(value) if isinstance(value, (int, Fraction)) and not isinstance(value, bool) else None


def _range(context: _Context, issue: IssueSpec, scope: Scope, where: FieldPath) -> tuple[Formula, Formula]:
    at = (*where, "range")
    if len(issue.range) != 2:
        raise context.fail(at, f"give the range as [low, high], two numbers, not {len(issue.range)}")
    low, high = (context.formula(v, scope, (*at, k)) for k, v in enumerate(issue.range))
    low_value, high_value = _constant(low), _constant(high)
    if low_value is not None and high_value is not None and not low_value < high_value:
        raise context.fail(
            at, f"the range [{low_value}, {high_value}] is empty or reversed: give [low, high] with low < high"
        )
    return low, high


def _discount_ok(value: Fraction) -> str | None:
    return None if 0 < value <= 1 else f"a discount factor lies in (0, 1], not {float(value):g}"


def _power_ok(value: Fraction) -> str | None:
    return None if value > 0 else f"a bargaining power is positive, not {float(value):g}"


def _factors(
    context: _Context,
    given: Mapping[str, float | str] | None,
    players: tuple[str, str],
    scope: Scope,
    at: FieldPath,
    check: Callable[[Fraction], str | None],
) -> tuple[Formula, Formula] | None:
    """One formula per player (discount factors, powers); constants checked now."""
    if given is None:
        return None
    _per_player(context, given, players, at, required=True)
    formulas = []
    for player in players:
        formula = context.formula(given[player], scope, (*at, player))
        value = _constant(formula)
        problem = None if value is None else check(value)
        if problem is not None:
            raise context.fail((*at, player), problem)
        formulas.append(formula)
    return formulas[0], formulas[1]


def _first(context: _Context, block: BargainingSpec, players: tuple[str, str], where: FieldPath) -> int:
    if block.proposer is None:
        return 0
    if block.proposer not in players:
        raise context.fail(
            (*where, "proposer"),
            f"{block.proposer!r} is not a player of this game (players: {', '.join(players)})",
        )
    return players.index(block.proposer)


def _breakdown(context: _Context, block: BargainingSpec, scope: Scope, where: FieldPath) -> Formula | None:
    if block.breakdown == 0:
        return None
    formula = context.formula(block.breakdown, scope, (*where, "breakdown"))
    risk = _constant(formula)
    if risk is not None and not 0 <= risk < 1:
        raise context.fail((*where, "breakdown"), f"the breakdown risk lies in [0, 1), not {float(risk):g}")
    return formula


def _protocol(
    context: _Context,
    block: BargainingSpec,
    players: tuple[str, str],
    scope: Scope,
    where: FieldPath,
    issues: tuple[IssueTemplate, ...],
) -> ProtocolTemplate | None:
    spec = block.protocol
    if spec is None:
        return None
    at = (*where, "protocol")
    if block.private is not None:
        raise context.fail(
            at,
            "with `private` values a run plays one take-it-or-leave-it offer (Fearon's screening), not a "
            "protocol: remove `protocol`, or `private` to negotiate offer by offer",
        )
    if not 1 <= spec.deadline <= MAX_DEADLINE:
        raise context.fail(
            (*at, "deadline"), f"the deadline is a number of offers from 1 to {MAX_DEADLINE}, not {spec.deadline}"
        )
    given = _per_player(context, spec.strategies or {}, players, (*at, "strategies"), required=False)
    strategies = tuple(_concession(context, given.get(p), (*at, "strategies", p)) for p in players)
    mediator = None
    if spec.mediator is not None:
        m, m_at = spec.mediator, (*at, "mediator")
        ideal = _ideal(context, m.ideal, issues, scope, (*m_at, "ideal"))
        bias, credibility = (
            context.formula(value, scope, (*m_at, key))
            for key, value in (("bias", m.bias), ("credibility", m.credibility))
        )
        for key, formula in (("bias", bias), ("credibility", credibility)):
            value = _constant(formula)
            if value is not None and not 0 <= value <= 1:
                raise context.fail((*m_at, key), f"the mediator's {key} lies in [0, 1], not {float(value):g}")
        mediator = MediatorTemplate(m.name, ideal, bias, credibility)
    return ProtocolTemplate(spec.deadline, (strategies[0], strategies[1]), mediator)


def _ideal(
    context: _Context,
    given: float | str | Mapping[str, float | str],
    issues: tuple[IssueTemplate, ...],
    scope: Scope,
    at: FieldPath,
) -> Formula | tuple[Formula, ...]:
    """The mediator's ideal: a value of the one issue, or a mapping issue -> value
    covering every issue of several."""
    names = [i.name for i in issues]
    if len(issues) == 1:
        if isinstance(given, Mapping):
            raise context.fail(at, f"the ideal is a value of {names[0]} (a number or formula), not a mapping")
        ideal = context.formula(given, scope, at)
        _check_within(context, ideal, issues[0], at)
        return ideal
    if not isinstance(given, Mapping):
        raise context.fail(
            at, f"over several issues the ideal is a mapping issue -> value: give one for each of {', '.join(names)}"
        )
    for issue in given:
        if issue not in names:
            raise context.fail((*at, issue), unknown("issue", issue, names))
    missing = [n for n in names if n not in given]
    if missing:
        raise context.fail(at, f"no ideal value for issue {missing[0]!r}: give one for each of {', '.join(names)}")
    ideals = tuple(context.formula(given[n], scope, (*at, n)) for n in names)
    for ideal, template, name in zip(ideals, issues, names):
        _check_within(context, ideal, template, (*at, name))
    return ideals


def _check_within(context: _Context, ideal: Formula, issue: IssueTemplate, at: FieldPath) -> None:
    """A mediator's ideal written as a number must lie in a range written as numbers."""
    value, low, high = _constant(ideal), _constant(issue.range[0]), _constant(issue.range[1])
    if value is not None and low is not None and high is not None and not low <= value <= high:
        raise context.fail(
            at,
            f"the mediator's ideal {float(value):g} lies outside {issue.name}'s range "
            f"[{float(low):g}, {float(high):g}]",
        )


#: The most offers one negotiation may take (``protocol.deadline``).
MAX_DEADLINE = 10_000


def _concession(context: _Context, given: str | ConcessionSpec | None, at: FieldPath) -> Concession:
    if given is None:
        return Concession("equilibrium")
    kind, exponent = (given, None) if isinstance(given, str) else (given.kind, given.exponent)
    where = at if isinstance(given, str) else (*at, "kind")
    if kind not in CONCESSIONS:
        raise context.fail(where, unknown("concession strategy", kind, list(CONCESSIONS)))
    if exponent is not None:
        if kind not in TIME_DEPENDENT:
            raise context.fail(
                (*at, "exponent"), f"only {', '.join(TIME_DEPENDENT)} concede over time with an exponent, not {kind}"
            )
        if not 0 < exponent < float("inf"):
            raise context.fail((*at, "exponent"), f"the concession exponent is a positive number, not {exponent:g}")
        return Concession(kind, _exact(exponent))
    return Concession(kind)


#: The concession strategies that take an exponent.
TIME_DEPENDENT = ("boulware", "linear", "conceder")


def _private(
    context: _Context, block: BargainingSpec, players: tuple[str, str], scope: Scope, where: FieldPath
) -> PrivateTemplate | None:
    spec = block.private
    if spec is None:
        return None
    at = (*where, "private")
    if spec.player not in players:
        raise context.fail(
            (*at, "player"), f"{spec.player!r} is not a player of this game (players: {', '.join(players)})"
        )
    player = players.index(spec.player)
    proposer = _first(context, block, players, where)
    if player == proposer:
        raise context.fail(
            (*at, "player"),
            f"{spec.player} has the private information, so it answers a take-it-or-leave-it offer: make "
            f"{players[1 - player]} the proposer (`proposer: {players[1 - player]}`)",
        )
    if (spec.uniform is None) == (spec.types is None):
        raise context.fail(at, "give either `uniform: [low, high]` or `types` (discrete types), one of them")
    if spec.uniform is not None:
        return PrivateTemplate(player, uniform=_uniform(context, spec, scope, at), persistent=spec.persistent)
    types = _types(context, spec, scope, at)
    return PrivateTemplate(player, types, None, spec.persistent, _belief_targets(context, spec, scope, at))


def _uniform(context: _Context, spec: PrivateSpec, scope: Scope, at: FieldPath) -> tuple[Formula, Formula]:
    assert spec.uniform is not None
    if spec.beliefs is not None:
        raise context.fail((*at, "beliefs"), "beliefs are updated over discrete types: use `types`")
    if len(spec.uniform) != 2:
        raise context.fail((*at, "uniform"), f"give the interval as [low, high], not {len(spec.uniform)} values")
    low, high = (context.formula(v, scope, (*at, "uniform", k)) for k, v in enumerate(spec.uniform))
    low_value, high_value = _constant(low), _constant(high)
    if low_value is not None and high_value is not None and not low_value < high_value:
        raise context.fail(
            (*at, "uniform"), f"the interval [{low_value}, {high_value}] has no mass: give [low, high] with low < high"
        )
    return low, high


def _types(
    context: _Context, spec: PrivateSpec, scope: Scope, at: FieldPath
) -> tuple[tuple[str, Formula, Formula], ...]:
    assert spec.types is not None
    if not spec.types:
        raise context.fail((*at, "types"), "give at least one type")
    types = []
    for name, t in spec.types.items():
        t_at = (*at, "types", name)
        if not _NAME.fullmatch(name):
            raise context.fail(t_at, f"{name!r} is not a valid type name: use letters, digits and _")
        probability = context.formula(t.probability, scope, (*t_at, "probability"))
        value = _constant(probability)
        if value is not None and value < 0:
            raise context.fail((*t_at, "probability"), f"a probability is at least 0, not {float(value):g}")
        types.append((name, probability, context.formula(t.disagreement, scope, (*t_at, "disagreement"))))
    constants = [_constant(p) for _, p, _ in types]
    if all(c is not None for c in constants):
        total = sum(c for c in constants if c is not None)
        if total == 0:
            raise context.fail((*at, "types"), "the types' probabilities are all 0: the distribution has no mass")
        if total != 1:
            raise context.fail((*at, "types"), f"the types' probabilities sum to {float(total):g}, not 1")
    return tuple(types)


def _belief_targets(context: _Context, spec: PrivateSpec, scope: Scope, at: FieldPath) -> tuple[tuple[str, str], ...]:
    assert spec.types is not None
    beliefs = []
    for label, target in (spec.beliefs or {}).items():
        b_at = (*at, "beliefs", label)
        if label not in spec.types:
            raise context.fail(b_at, f"{label!r} is not one of the types ({', '.join(spec.types)})")
        if "." not in target or target not in scope.numbers:
            known = sorted(n for n in scope.numbers if "." in n)
            raise context.fail(
                b_at,
                f"{target!r} is not an actor's state variable{did_you_mean(target, known)}: give Actor.variable, "
                "declared under the actor's `state` with the prior as its start value",
            )
        beliefs.append((label, target))
    return tuple(beliefs)


def _exact(value: float) -> Fraction:
    """A number as written (its shortest decimal form: 0.1 is 1/10)."""
    return Fraction(repr(float(value)))


def _per_player(
    context: _Context, values: Mapping[str, _T], players: tuple[str, str], at: FieldPath, *, required: bool
) -> Mapping[str, _T]:
    for player in values:
        if player not in players:
            raise context.fail(
                (*at, player), f"{player!r} is not a player of this game (players: {', '.join(players)})"
            )
    for player in players:
        if required and player not in values:
            raise context.fail(at, f"no value for player {player!r}: give one for each of {', '.join(players)}")
    return values
