"""A game written as a tree (``tree:``), checked and compiled into a template.

Every node of the tree is a mapping of one of three kinds:

decision
    ``player`` (one of the game's players) and ``moves`` (move label -> node); an
    optional ``infoset`` label puts the node in one information set with the player's
    other nodes of that label (the player cannot tell them apart: same moves, same
    player, and perfect recall).
chance
    ``chance`` (move label -> probability, a number or formula) and ``moves`` with the
    same labels; the probabilities must sum to 1 (checked when loading if they are
    numbers, else each time the game is built).
leaf
    ``payoffs``: one number or formula per player, a list in player order or a mapping
    player -> value.

The node path of an error is the moves from the root (``In/Fight``), as in
:mod:`sim.game.tree`; its field path is where the node is written.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Protocol

from sim.errors import FormulaError, ScenarioError, did_you_mean
from sim.game.tolerances import CHANCE_SUM
from sim.game.tree import MAX_DEPTH, MAX_NODES, TreeError
from sim.scenario.expressions import Formula, Scope
from sim.scenario.spec import GameSpec, TreeNodeSpec
from sim.scenario.tree_template import ChanceTemplate, DecisionTemplate, LeafTemplate, NodeTemplate, TreeTemplate

__all__ = ["build_tree_template"]

FieldPath = tuple[str | int, ...]

# a move label: as strategy labels, so that a node path (moves joined by /) reads back
_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]*")


class _Context(Protocol):
    """What the scenario checker offers: errors at paths, formula compilation."""

    def fail(self, path: FieldPath, message: str) -> ScenarioError: ...

    def formula(self, value: float | str, scope: Scope, path: FieldPath) -> Formula: ...

    def origin(self, path: FieldPath) -> str: ...


def build_tree_template(
    context: _Context, name: str, spec: GameSpec, players: tuple[str, ...], scope: Scope, path: FieldPath
) -> TreeTemplate:
    """Check a game's tree and compile it (the structure is checked by building it with
    zero payoffs and uniform chance: see :meth:`TreeTemplate.shape`)."""
    for other in ("strategies", "payoffs", "payoff_table"):
        if getattr(spec, other) is not None:
            raise context.fail(
                (*path, other),
                f"a tree game has its payoffs at the leaves of `tree`: remove `{other}` (or the tree)",
            )
    assert spec.tree is not None
    compiler = _Compiler(context, players, scope)
    template = TreeTemplate(name, players, compiler.node(spec.tree, "", (*path, "tree"), 0))
    try:
        template.shape()
    except TreeError as exc:
        where = compiler.fields.get(exc.path, (*path, "tree"))
        raise context.fail(where, f"node {exc.path or '(root)'}: {exc.message}") from None
    return template


class _Compiler:
    def __init__(self, context: _Context, players: tuple[str, ...], scope: Scope) -> None:
        self.context = context
        self.players = players
        self.scope = scope
        self.fields: dict[str, FieldPath] = {}  # node path -> field path, for the structure's errors
        self.count = 0

    def fail(self, where: FieldPath, node: str, message: str) -> ScenarioError:
        return self.context.fail(where, f"node {node or '(root)'}: {message}")

    def node(self, spec: TreeNodeSpec, node: str, where: FieldPath, depth: int) -> NodeTemplate:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                where, node, f"the tree has more than {MAX_NODES} nodes (sim.game.tree.MAX_NODES): simplify it"
            )
        if depth > MAX_DEPTH:
            raise self.fail(
                where, node, f"the tree is deeper than {MAX_DEPTH} moves (sim.game.tree.MAX_DEPTH): simplify it"
            )
        self.fields[node] = where
        if spec.payoffs is not None:
            return self.leaf(spec, node, where)
        if spec.moves is None:
            raise self.fail(
                where,
                node,
                "a node needs `moves` (a decision with `player`, or a chance move with `chance`) "
                "or, at a leaf, `payoffs`",
            )
        if not spec.moves:
            raise self.fail((*where, "moves"), node, "`moves` is empty: give at least one move, or make it a leaf")
        for move in spec.moves:
            if not _LABEL.fullmatch(move):
                raise self.fail(
                    (*where, "moves", move), node, f"{move!r} is not a valid move label: use letters, digits, _ . + -"
                )
        if spec.chance is not None:
            return self.chance(spec, node, where, depth)
        return self.decision(spec, node, where, depth)

    def leaf(self, spec: TreeNodeSpec, node: str, where: FieldPath) -> LeafTemplate:
        for other in ("moves", "chance", "player", "infoset", "hidden", "types", "persistent", "beliefs"):
            if getattr(spec, other) is not None:
                raise self.fail(
                    (*where, other),
                    node,
                    f"a node with `payoffs` is a leaf and has no `{other}`: remove one of them "
                    "(a node has either moves or payoffs, not both)",
                )
        payoffs = spec.payoffs
        at: FieldPath = (*where, "payoffs")
        n = len(self.players)
        if isinstance(payoffs, list):
            if len(payoffs) != n:
                raise self.fail(
                    at,
                    node,
                    f"{len(payoffs)} payoffs, but the game has {n} players ({', '.join(self.players)}); "
                    "give one per player, in that order",
                )
            return LeafTemplate(tuple(self.context.formula(v, self.scope, (*at, i)) for i, v in enumerate(payoffs)))
        assert isinstance(payoffs, dict)
        for player in payoffs:
            if player not in self.players:
                raise self.fail(
                    (*at, player), node, f"{player!r} is not a player of this game (players: {', '.join(self.players)})"
                )
        missing = [p for p in self.players if p not in payoffs]
        if missing:
            raise self.fail(at, node, f"no payoff for {', '.join(missing)}: give one per player")
        return LeafTemplate(tuple(self.context.formula(payoffs[p], self.scope, (*at, p)) for p in self.players))

    def decision(self, spec: TreeNodeSpec, node: str, where: FieldPath, depth: int) -> DecisionTemplate:
        if spec.player is None:
            raise self.fail(where, node, "a node with moves needs `player` (who moves) or `chance` (the probabilities)")
        if spec.player not in self.players:
            raise self.fail(
                (*where, "player"),
                node,
                f"{spec.player!r} is not a player of this game (players: {', '.join(self.players)})",
            )
        if spec.infoset is not None and not spec.infoset.strip():
            raise self.fail((*where, "infoset"), node, "an information set label must not be empty")
        for other in ("types", "persistent", "beliefs"):
            if getattr(spec, other) is not None:
                raise self.fail(
                    (*where, other), node, f"`{other}` belongs to a chance move that draws a type (with `chance`)"
                )
        assert spec.moves is not None
        moves = tuple(
            (move, self.node(child, _join(node, move), (*where, "moves", move), depth + 1))
            for move, child in spec.moves.items()
        )
        return DecisionTemplate(spec.player, moves, spec.infoset, bool(spec.hidden))

    def chance(self, spec: TreeNodeSpec, node: str, where: FieldPath, depth: int) -> ChanceTemplate:
        assert spec.chance is not None and spec.moves is not None
        for other in ("player", "infoset", "hidden"):
            if getattr(spec, other) is not None:
                raise self.fail((*where, other), node, f"a chance move has no {other}: remove `{other}` (or `chance`)")
        if list(spec.chance) != list(spec.moves):
            raise self.fail(
                (*where, "chance"),
                node,
                f"`chance` gives probabilities of {', '.join(spec.chance) or 'no move'} but the moves are "
                f"{', '.join(spec.moves)}: give one probability per move, in the same order",
            )
        probabilities = {
            move: self.context.formula(value, self.scope, (*where, "chance", move))
            for move, value in spec.chance.items()
        }
        self.check_constant_sum(probabilities, node, (*where, "chance"))
        beliefs = self.type_settings(spec, node, where)
        return ChanceTemplate(
            tuple(
                (move, probabilities[move], self.node(child, _join(node, move), (*where, "moves", move), depth + 1))
                for move, child in spec.moves.items()
            ),
            self.context.origin((*where, "chance")),
            spec.types,
            spec.persistent is not False,
            beliefs,
        )

    def type_settings(self, spec: TreeNodeSpec, node: str, where: FieldPath) -> tuple[tuple[str, str], ...]:
        """Check ``types``, ``persistent`` and ``beliefs`` of a chance move; the beliefs."""
        if spec.types is None:
            for other in ("persistent", "beliefs"):
                if getattr(spec, other) is not None:
                    raise self.fail(
                        (*where, other), node, f"`{other}` needs `types`: the player whose type this chance move draws"
                    )
            return ()
        if spec.types not in self.players:
            raise self.fail(
                (*where, "types"),
                node,
                f"{spec.types!r} is not a player of this game (players: {', '.join(self.players)})",
            )
        assert spec.moves is not None
        beliefs = []
        for label, target in (spec.beliefs or {}).items():
            at: FieldPath = (*where, "beliefs", label)
            if label not in spec.moves:
                raise self.fail(at, node, f"{label!r} is not a type drawn here (types: {', '.join(spec.moves)})")
            if "." not in target or target not in self.scope.numbers:
                known = sorted(n for n in self.scope.numbers if "." in n)
                raise self.fail(
                    at,
                    node,
                    f"{target!r} is not an actor's state variable{did_you_mean(target, known)}: give "
                    "Actor.variable, declared under the actor's `state` with the prior as its start value",
                )
            beliefs.append((label, target))
        return tuple(beliefs)

    def check_constant_sum(self, probabilities: dict[str, Formula], node: str, where: FieldPath) -> None:
        """Probabilities written as numbers are checked now (formulas: when built)."""
        if not all(p.is_constant for p in probabilities.values()):
            return
        values: list[Any] = []
        try:
            values = [p.evaluate_exact({}) for p in probabilities.values()]
        except FormulaError:  # e.g. 1/0: reported where the game is built, with the state
            return
        for move, value in zip(probabilities, values):
            if not value >= 0:
                raise self.fail(
                    (*where, move), node, f"the probability of {move} is {_shown(value)}; probabilities are at least 0"
                )
        total = sum(values)
        exact = all(isinstance(v, (Fraction, int)) for v in values)
        if (exact and total != 1) or (not exact and abs(float(total) - 1.0) > CHANCE_SUM):
            raise self.fail(
                where,
                node,
                f"the chance probabilities sum to {_shown(total)}, not 1: make them sum to 1 "
                "(e.g. write the last one as 1 minus the others)",
            )


def _shown(value: Any) -> str:
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value} ({float(value):.6g})"
    return format(float(value), ".6g") if math.isfinite(float(value)) else str(value)


def _join(path: str, move: str) -> str:
    return f"{path}/{move}" if path else move
