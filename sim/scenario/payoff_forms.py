"""The three ways a scenario may write a game's payoffs, turned into one template.

``payoffs`` with a matrix per player
    nested lists, one level per player: for two players rows are the first player's
    strategies and columns the second's (one player: a plain list). Entries are
    numbers or formulas.
``payoffs`` with a formula per player
    one formula evaluated at every profile, with each player's name bound to its
    strategy there: ``"4 * G if EU == 'D' else 0"``. A player may also be given a
    plain number (the same payoff everywhere).
``payoff_table``
    profile -> one value per player, in player order; a profile is written as the
    labels separated by commas, ``"D, R"`` (parentheses optional). Every profile must
    appear exactly once.

All three give a :class:`~sim.scenario.template.PayoffTemplate` whose cells are in C order.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Protocol

from sim.errors import ScenarioError
from sim.scenario.expressions import Formula, Scope
from sim.scenario.spec import GameSpec, number_or_formula
from sim.scenario.template import PayoffTemplate

__all__ = ["build_template", "parse_profile"]

FieldPath = tuple[str | int, ...]


class _Context(Protocol):
    """What the scenario checker offers: errors at paths, formula compilation."""

    def fail(self, path: FieldPath, message: str) -> ScenarioError: ...

    def formula(self, value: float | str, scope: Scope, path: FieldPath) -> Formula: ...


def build_template(
    context: _Context,
    name: str,
    spec: GameSpec,
    players: tuple[str, ...],
    strategies: tuple[tuple[str, ...], ...],
    scope: Scope,
    path: FieldPath,
) -> PayoffTemplate:
    """Check a game's payoffs (either form) and compile them into a template."""
    if (spec.payoffs is None) == (spec.payoff_table is None):
        raise context.fail(path, "give the payoffs either as `payoffs` (per player) or as `payoff_table`, exactly one")
    if spec.payoff_table is not None:
        cells = _from_table(context, spec.payoff_table, players, strategies, scope, (*path, "payoff_table"))
    else:
        assert spec.payoffs is not None
        cells = _from_players(context, spec.payoffs, players, strategies, scope, (*path, "payoffs"))
    return PayoffTemplate(name, players, strategies, cells)


def _from_players(
    context: _Context,
    payoffs: dict[str, Any],
    players: tuple[str, ...],
    strategies: tuple[tuple[str, ...], ...],
    scope: Scope,
    path: FieldPath,
) -> tuple[tuple[Formula, ...], ...]:
    for player in payoffs:
        if player not in players:
            raise context.fail(
                (*path, player), f"{player!r} is not a player of this game (players: {', '.join(players)})"
            )
    columns = []
    for player in players:
        if player not in payoffs:
            raise context.fail(path, f"no payoff for player {player!r}")
        entry = payoffs[player]
        where = (*path, player)
        if isinstance(entry, list):
            columns.append(_from_matrix(context, entry, strategies, scope, where))
        else:
            formula = context.formula(entry, scope, where)
            columns.append([formula] * _count(strategies))
    return tuple(zip(*columns))


def _from_matrix(
    context: _Context,
    matrix: list[Any],
    strategies: tuple[tuple[str, ...], ...],
    scope: Scope,
    path: FieldPath,
) -> list[Formula]:
    """Flatten a nested list of shape ``(n_1, ..., n_k)`` in C order, checking it."""
    cells: list[Formula] = []

    def walk(value: Any, depth: int, where: FieldPath) -> None:
        if depth == len(strategies):
            if isinstance(value, list):
                raise context.fail(
                    where,
                    f"too many levels of lists: a matrix for {len(strategies)} player(s) has {len(strategies)}",
                )
            try:
                entry = number_or_formula(value)
            except ValueError as exc:
                raise context.fail(where, str(exc)) from None
            cells.append(context.formula(entry, scope, where))
            return
        expected = len(strategies[depth])
        if not isinstance(value, list):
            raise context.fail(
                where,
                f"expected a list of {expected} entries (one per strategy {', '.join(strategies[depth])})",
            )
        if len(value) != expected:
            axis = "rows" if depth == 0 else "columns" if depth == 1 else f"entries on level {depth + 1}"
            raise context.fail(
                where,
                f"{len(value)} {axis}, but the player has {expected} strategies ({', '.join(strategies[depth])})",
            )
        for i, item in enumerate(value):
            walk(item, depth + 1, (*where, i))

    walk(matrix, 0, path)
    return cells


def parse_profile(key: str) -> tuple[str, ...]:
    """Labels of a profile written as text.

    Examples
    --------
    >>> parse_profile("(D, R)"), parse_profile("W,B")
    (('D', 'R'), ('W', 'B'))
    """
    text = key.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return tuple(part.strip() for part in text.split(","))


def _from_table(
    context: _Context,
    table: dict[str, list[Any]],
    players: tuple[str, ...],
    strategies: tuple[tuple[str, ...], ...],
    scope: Scope,
    path: FieldPath,
) -> tuple[tuple[Formula, ...], ...]:
    found: dict[tuple[str, ...], tuple[Formula, ...]] = {}
    for key, values in table.items():
        where = (*path, key)
        profile = parse_profile(key)
        if len(profile) != len(players):
            raise context.fail(
                where,
                f"a profile names one strategy per player ({', '.join(players)}), "
                f"e.g. {', '.join(s[0] for s in strategies)!r}",
            )
        for player, label, labels in zip(players, profile, strategies):
            if label not in labels:
                raise context.fail(where, f"{label!r} is not a strategy of {player} (strategies: {', '.join(labels)})")
        if profile in found:
            raise context.fail(where, f"the profile ({', '.join(profile)}) is listed twice")
        if len(values) != len(players):
            raise context.fail(
                where,
                f"{len(values)} values, but the game has {len(players)} players ({', '.join(players)}); "
                "give one per player",
            )
        found[profile] = tuple(context.formula(v, scope, (*where, i)) for i, v in enumerate(values))
    missing = [p for p in itertools.product(*strategies) if p not in found]
    if missing:
        shown = "; ".join(", ".join(p) for p in missing[:4]) + ("; ..." if len(missing) > 4 else "")
        raise context.fail(path, f"{len(missing)} profile(s) missing: {shown}")
    return tuple(found[p] for p in itertools.product(*strategies))


def _count(strategies: Sequence[Sequence[str]]) -> int:
    total = 1
    for labels in strategies:
        total *= len(labels)
    return total
