"""The template of a tree game: compiled formulas at the leaves and chance moves, and the
:class:`~sim.game.tree.ExtensiveFormGame` it builds from the current state.

A tree written in a scenario (``tree:``, see :mod:`sim.scenario.tree_forms`) compiles
into nested :class:`LeafTemplate`, :class:`DecisionTemplate` and :class:`ChanceTemplate`
records; :meth:`TreeTemplate.build` evaluates every formula at a state and hands the
numbers to :func:`sim.game.tree.build`, which checks the game (tree layout and checks:
see :mod:`sim.game.tree`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from sim.errors import FormulaError, RunError
from sim.game.tolerances import CHANCE_SUM
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Spec, Terminal, TreeError, build
from sim.scenario.expressions import Formula
from sim.scenario.template import _exact_values

__all__ = ["ChanceTemplate", "DecisionTemplate", "LeafTemplate", "NodeTemplate", "TreeTemplate", "TypeDraw"]


@dataclass(frozen=True)
class LeafTemplate:
    """A leaf: one payoff formula per player, in player order."""

    payoffs: tuple[Formula, ...]


@dataclass(frozen=True)
class DecisionTemplate:
    """A decision of ``player``; ``infoset`` is the label shared by the nodes the player
    cannot tell apart (``None``: the node alone)."""

    player: str
    moves: tuple[tuple[str, NodeTemplate], ...]
    infoset: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class ChanceTemplate:
    """A chance move: ``(move, probability formula, subtree)`` per move; ``origin``
    (file, line and field) is where errors of its probabilities point. A chance move
    that draws a player's type names the player in ``types``; it is drawn once per run
    if ``persistent``, and ``beliefs`` maps types to the ``Actor.variable`` keys that get
    their posterior probabilities after each round."""

    moves: tuple[tuple[str, Formula, NodeTemplate], ...]
    origin: str = ""
    types: str | None = None
    persistent: bool = True
    beliefs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TypeDraw:
    """Where a tree draws a player's type: the chance node's ``path``, the ``player``,
    whether the draw is ``persistent`` and the ``beliefs`` targets (type -> key)."""

    path: str
    player: str
    persistent: bool
    beliefs: tuple[tuple[str, str], ...]


NodeTemplate = LeafTemplate | DecisionTemplate | ChanceTemplate


@dataclass(frozen=True)
class TreeTemplate:
    """A compiled game tree, built into a game at a state by :meth:`build`.

    Examples
    --------
    >>> from sim.scenario.expressions import Formula, Scope
    >>> def f(text):
    ...     return Formula.compile(text, Scope(frozenset({"gain"}), {}, {}, {}))
    >>> template = TreeTemplate("entry", ("E", "I"), DecisionTemplate("E", (
    ...     ("Out", LeafTemplate((f("0"), f("2")))),
    ...     ("In", DecisionTemplate("I", (
    ...         ("Fight", LeafTemplate((f("-1"), f("-1")))),
    ...         ("Accommodate", LeafTemplate((f("gain"), f("1")))),
    ...     ))),
    ... )))
    >>> template.inputs
    ('gain',)
    >>> game = template.build({"gain": 0.5}, exact=True)
    >>> game.nodes[4].payoffs, game.exact_payoffs[4]
    ((0.5, 1.0), (Fraction(1, 2), Fraction(1, 1)))
    """

    name: str
    players: tuple[str, ...]
    root: NodeTemplate

    inputs: tuple[str, ...] = field(init=False, default=())
    """The values the formulas read."""

    def __post_init__(self) -> None:
        names: set[str] = set()
        for formula in _formulas(self.root):
            names |= formula.names
        object.__setattr__(self, "inputs", tuple(sorted(names)))

    def build(self, values: Mapping[str, Any], *, exact: bool = False) -> ExtensiveFormGame:
        """The game at ``values`` (the state); with ``exact=True`` also exact fractions
        where every formula allows (else the game has none).

        Raises
        ------
        RunError
            A formula fails (division by zero, ...) or the numbers do not make a game
            (chance probabilities that do not sum to 1, negative ones), naming the game
            and the node.
        """
        exact_values = _exact_values(values, self.inputs) if exact else None
        spec = _Evaluator(self.name, values, exact_values).node(self.root, "")
        try:
            return build(self.name, self.players, spec)
        except TreeError as exc:
            raise RunError(f"game {self.name}: {exc}") from None

    @cached_property
    def type_draws(self) -> tuple[TypeDraw, ...]:
        """The chance moves that draw players' types, in tree order.

        Examples
        --------
        >>> from sim.scenario.expressions import Formula
        >>> half, leaf = Formula.constant(0.5), LeafTemplate((Formula.constant(0),))
        >>> root = ChanceTemplate((("tough", half, leaf), ("soft", half, leaf)), types="R")
        >>> TreeTemplate("g", ("R",), root).type_draws
        (TypeDraw(path='', player='R', persistent=True, beliefs=()),)
        """
        return tuple(
            TypeDraw(path, node.types, node.persistent, node.beliefs)
            for node, path in _walk(self.root)
            if isinstance(node, ChanceTemplate) and node.types is not None
        )

    @cached_property
    def hidden_paths(self) -> frozenset[str]:
        """Paths of the decisions marked ``hidden`` (not seen by the other players).

        Examples
        --------
        >>> from sim.scenario.expressions import Formula
        >>> leaf = LeafTemplate((Formula.constant(0),))
        >>> root = DecisionTemplate("A", (("x", DecisionTemplate("A", (("y", leaf),), hidden=True)),))
        >>> sorted(TreeTemplate("g", ("A",), root).hidden_paths)
        ['x']
        """
        return frozenset(path for node, path in _walk(self.root) if isinstance(node, DecisionTemplate) and node.hidden)

    def unseen_by(self, game: ExtensiveFormGame, player: str) -> frozenset[int]:
        """The nodes of ``game`` (built from this template) whose move ``player`` does not
        see: the decisions marked ``hidden``, and where the paths into one of the player's
        information sets part (:func:`sim.solvers.beliefs.unobserved`; none for someone
        who is not a player of the game)."""
        from sim.solvers.beliefs import unobserved

        marked = {k for k, node in game.walk() if node.path in self.hidden_paths}
        own = unobserved(game, game.players.index(player)) if player in game.players else frozenset()
        return frozenset(marked | own)

    def shape(self) -> ExtensiveFormGame:
        """The game with every payoff 0 and every chance move uniform: its structure
        (players, information sets, perfect recall, size), checked without a state.

        Raises
        ------
        TreeError
            Naming the node whose structure is wrong.
        """
        return build(self.name, self.players, _shape(self.root, len(self.players)))


def _walk(root: NodeTemplate) -> Iterator[tuple[NodeTemplate, str]]:
    """Every node below ``root`` (itself included) with its path, in tree order."""
    todo: list[tuple[NodeTemplate, str]] = [(root, "")]
    while todo:
        node, path = todo.pop()
        yield node, path
        if isinstance(node, ChanceTemplate):
            children = [(move, child) for move, _, child in node.moves]
        elif isinstance(node, DecisionTemplate):
            children = list(node.moves)
        else:
            children = []
        todo.extend((child, _join(path, move)) for move, child in reversed(children))


def _formulas(node: NodeTemplate) -> Iterator[Formula]:
    if isinstance(node, LeafTemplate):
        yield from node.payoffs
    elif isinstance(node, DecisionTemplate):
        for _, child in node.moves:
            yield from _formulas(child)
    else:
        for _, probability, child in node.moves:
            yield probability
            yield from _formulas(child)


def _shape(node: NodeTemplate, n_players: int) -> Spec:
    if isinstance(node, LeafTemplate):
        return Terminal((0.0,) * n_players, (Fraction(0),) * n_players)
    if isinstance(node, DecisionTemplate):
        return Decision(node.player, {move: _shape(child, n_players) for move, child in node.moves}, node.infoset)
    share = Fraction(1, len(node.moves))
    return Chance(
        {move: (float(share), _shape(child, n_players)) for move, _, child in node.moves},
        (share,) * len(node.moves),
    )


@dataclass(frozen=True)
class _Evaluator:
    """Evaluates a template's formulas at one state into :mod:`sim.game.tree` records."""

    game: str
    values: Mapping[str, Any]
    exact_values: Mapping[str, Any] | None

    def node(self, node: NodeTemplate, path: str) -> Spec:
        if isinstance(node, LeafTemplate):
            payoffs = tuple(self.number(f, path, "payoff") for f in node.payoffs)
            return Terminal(payoffs, self.exact(node.payoffs))
        if isinstance(node, DecisionTemplate):
            moves = {move: self.node(child, _join(path, move)) for move, child in node.moves}
            return Decision(node.player, moves, node.infoset)
        probabilities = tuple(self.number(p, path, f"probability of {move}") for move, p, _ in node.moves)
        exact = self.exact(tuple(p for _, p, _ in node.moves))
        self.check_chance(node, path, probabilities, exact)
        draws = {
            move: (p, self.node(child, _join(path, move))) for (move, _, child), p in zip(node.moves, probabilities)
        }
        return Chance(draws, exact)

    def check_chance(
        self, node: ChanceTemplate, path: str, probabilities: tuple[float, ...], exact: tuple[Fraction, ...] | None
    ) -> None:
        """Probabilities of at least 0 that sum to 1 (exactly, where they are exact)."""
        where = f"{node.origin}: " if node.origin else ""
        at = f"game {self.game}, node {path or '(root)'}"
        for (move, _, _), p in zip(node.moves, probabilities):
            if p < 0:
                raise RunError(
                    f"{where}{at}: the probability of {move} is {p:.6g} at this state; it must be at least 0"
                )
        total: float | Fraction = sum(exact) if exact is not None else sum(probabilities)
        if (exact is not None and total != 1) or abs(float(total) - 1.0) > CHANCE_SUM:
            raise RunError(
                f"{where}{at}: the chance probabilities sum to {float(total):.6g}, not 1, at this state; "
                "write them so that they sum to 1 (e.g. the last as 1 minus the others)"
            )

    def number(self, formula: Formula, path: str, what: str) -> float:
        try:
            return float(formula.evaluate(self.values))
        except FormulaError as exc:
            raise RunError(f"game {self.game}, {what} at node {path or '(root)'}: {exc}") from None

    def exact(self, formulas: tuple[Formula, ...]) -> tuple[Fraction, ...] | None:
        """Exact values, or None where exact arithmetic is left (``exp``, ...) or fails."""
        if self.exact_values is None:
            return None
        result = []
        for formula in formulas:
            try:
                value = formula.evaluate_exact(self.exact_values)
            except FormulaError:
                return None
            if isinstance(value, (bool, int)):
                value = Fraction(value)
            if not isinstance(value, Fraction):
                return None
            result.append(value)
        return tuple(result)


def _join(path: str, move: str) -> str:
    return f"{path}/{move}" if path else move
