"""A game written as a bargaining problem (``bargaining:``), checked and compiled into a
template (:class:`~sim.scenario.bargaining_template.BargainingTemplate`).

Two players bargain over one issue (``issue``: a name, a ``range`` of numbers and a
``unit``); each has a ``utilities`` formula of the issue and the state, and optionally a
``disagreement`` payoff (formula of the state; 0 by default), a ``discount`` factor and an
``outside_options`` value (alternating offers), ``powers`` (asymmetric Nash). Also
``proposer`` (the first, by default the first player) and ``breakdown``. Every check that
does not need the state is made here; the rest when the problem is built
(:meth:`BargainingTemplate.build`, which the loader also calls at the initial state).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Protocol, TypeVar

from sim.errors import ScenarioError
from sim.scenario.bargaining_template import BargainingTemplate
from sim.scenario.expressions import Formula, Scope
from sim.scenario.spec import BargainingSpec, GameSpec

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
    issue = block.issue.name
    if not _NAME.fullmatch(issue):
        raise context.fail((*where, "issue", "name"), f"{issue!r} is not a valid name: use letters, digits and _")
    if issue in scope.numbers or issue in scope.labels or issue in scope.lets:
        raise context.fail((*where, "issue", "name"), f"the name {issue!r} is already used; names must be unique")
    low, high = _range(context, block, where)
    with_issue = replace(scope, numbers=scope.numbers | {issue})
    utilities = _per_player(context, block.utilities, pair, (*where, "utilities"), required=True)
    disagreement = _per_player(
        context, block.disagreement or {}, pair, (*where, "disagreement"), required=block.disagreement is not None
    )
    utility_formulas = tuple(context.formula(utilities[p], with_issue, (*where, "utilities", p)) for p in pair)
    disagreement_formulas = tuple(
        context.formula(disagreement.get(p, 0), scope, (*where, "disagreement", p)) for p in pair
    )
    outside = _per_player(context, block.outside_options or {}, pair, (*where, "outside_options"), required=False)
    outside_formulas = tuple(
        context.formula(outside[p], scope, (*where, "outside_options", p)) if p in outside else None for p in pair
    )
    return BargainingTemplate(
        name,
        pair,
        issue,
        low,
        high,
        block.issue.unit,
        (utility_formulas[0], utility_formulas[1]),
        (disagreement_formulas[0], disagreement_formulas[1]),
        _discount(context, block, pair, where),
        _first(context, block, pair, where),
        (outside_formulas[0], outside_formulas[1]),
        _breakdown(context, block, where),
        _powers(context, block, pair, where),
    )


def _range(context: _Context, block: BargainingSpec, where: FieldPath) -> tuple[Fraction, Fraction]:
    at = (*where, "issue", "range")
    if len(block.issue.range) != 2:
        raise context.fail(at, f"give the range as [low, high], two numbers, not {len(block.issue.range)}")
    low, high = (_exact(v) for v in block.issue.range)
    if not low < high:
        raise context.fail(at, f"the range [{low}, {high}] is empty or reversed: give [low, high] with low < high")
    return low, high


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


def _discount(
    context: _Context, block: BargainingSpec, players: tuple[str, str], where: FieldPath
) -> tuple[Fraction, Fraction] | None:
    if block.discount is None:
        return None
    at = (*where, "discount")
    _per_player(context, block.discount, players, at, required=True)
    factors = []
    for player in players:
        factor = _exact(block.discount[player])
        if not 0 < factor <= 1:
            raise context.fail((*at, player), f"a discount factor lies in (0, 1], not {block.discount[player]:g}")
        factors.append(factor)
    return factors[0], factors[1]


def _first(context: _Context, block: BargainingSpec, players: tuple[str, str], where: FieldPath) -> int:
    if block.proposer is None:
        return 0
    if block.proposer not in players:
        raise context.fail(
            (*where, "proposer"),
            f"{block.proposer!r} is not a player of this game (players: {', '.join(players)})",
        )
    return players.index(block.proposer)


def _breakdown(context: _Context, block: BargainingSpec, where: FieldPath) -> Fraction:
    risk = _exact(block.breakdown)
    if not 0 <= risk < 1:
        raise context.fail((*where, "breakdown"), f"the breakdown risk lies in [0, 1), not {block.breakdown:g}")
    return risk


def _powers(
    context: _Context, block: BargainingSpec, players: tuple[str, str], where: FieldPath
) -> tuple[Fraction, Fraction] | None:
    if block.powers is None:
        return None
    at = (*where, "powers")
    _per_player(context, block.powers, players, at, required=True)
    powers = []
    for player in players:
        power = _exact(block.powers[player])
        if power <= 0:
            raise context.fail((*at, player), f"a bargaining power is positive, not {block.powers[player]:g}")
        powers.append(power)
    return powers[0], powers[1]
