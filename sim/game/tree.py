"""Games in extensive form: trees with chance, information sets and payoffs.

The convention, written down once (every other module on trees refers here):

* A game is a rooted tree of :class:`Node` objects stored in a tuple in depth-first
  pre-order; the root is node 0, each node knows its parent and its children, and its
  ``path``: the moves from the root (``"In/Fight"``), unique and readable.
* A **decision node** belongs to one player and to one of that player's **information
  sets** (:class:`Infoset`): nodes the player cannot tell apart. Every node of an
  information set has the same moves, in the same order.
* A **chance node** draws a move with fixed probabilities (floats, and exact
  :class:`fractions.Fraction` when the numbers were written exactly).
* A **terminal node** carries one payoff per player, in player order.
* A **behaviour strategy profile** gives, for every information set, a probability
  vector over its moves: ``behaviour[k]`` belongs to ``game.infosets[k]``.
* Players have **perfect recall** (checked when a game is built): all nodes of an
  information set are reached by the same sequence of the owner's own information sets
  and moves. A Bayesian game is a tree whose root is a chance move picking the types.

Build a game from nested :class:`Decision`, :class:`Chance` and :class:`Terminal`
records with :func:`build`; :class:`TreeError` names the node path of what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from sim.errors import UserError
from sim.game.tolerances import CHANCE_SUM

__all__ = [
    "Behaviour",
    "Chance",
    "Decision",
    "ExtensiveFormGame",
    "Infoset",
    "Node",
    "Terminal",
    "TreeError",
    "build",
]

#: Most nodes in a tree (each is solved and drawn; trees of the flagship have 34 terminals).
MAX_NODES = 5_000
#: Deepest tree, in moves from the root (the builder and the solvers recurse this deep).
MAX_DEPTH = 200

FloatArray = npt.NDArray[np.float64]
#: One probability vector per information set (see the module docstring).
Behaviour = tuple[FloatArray, ...]


class TreeError(UserError):
    """A tree that is not a valid game, with the path of the node at fault.

    Examples
    --------
    >>> str(TreeError("probabilities sum to 0.9, not 1", path="In/nature"))
    'node In/nature: probabilities sum to 0.9, not 1'
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"node {self.path or '(root)'}: " if self.path is not None else ""
        return where + self.message


# --- building blocks -----------------------------------------------------------------


@dataclass(frozen=True)
class Terminal:
    """A leaf: one payoff per player, in player order (``exact``: the same as Fractions)."""

    payoffs: tuple[float, ...]
    exact: tuple[Fraction, ...] | None = None


@dataclass(frozen=True)
class Decision:
    """A choice by ``player``; nodes sharing ``infoset`` cannot be told apart by the
    player (``None``: a singleton set named after the node's path)."""

    player: str
    moves: Mapping[str, Spec]
    infoset: str | None = None


@dataclass(frozen=True)
class Chance:
    """A random move: ``moves`` maps each move to ``(probability, subtree)``."""

    moves: Mapping[str, tuple[float, Spec]]
    exact: tuple[Fraction, ...] | None = None


Spec = Terminal | Decision | Chance


# --- the game --------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One node of a tree (see the module docstring)."""

    kind: Literal["decision", "chance", "terminal"]
    path: str
    parent: int
    depth: int
    moves: tuple[str, ...] = ()
    children: tuple[int, ...] = ()
    player: int = -1
    infoset: int = -1
    probabilities: tuple[float, ...] = ()
    payoffs: tuple[float, ...] = ()


@dataclass(frozen=True)
class Infoset:
    """An information set: its label, owner, moves and nodes (indices into ``nodes``)."""

    label: str
    player: int
    moves: tuple[str, ...]
    nodes: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class ExtensiveFormGame:
    """A finite game in extensive form (see the module docstring).

    Examples
    --------
    >>> entry = build("entry", ("Entrant", "Incumbent"), Decision("Entrant", {
    ...     "Out": Terminal((0, 2)),
    ...     "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))}),
    ... }))
    >>> [node.path for node in entry.nodes]
    ['', 'Out', 'In', 'In/Fight', 'In/Accommodate']
    >>> [(s.label, entry.players[s.player], s.moves) for s in entry.infosets]
    [('(root)', 'Entrant', ('Out', 'In')), ('In', 'Incumbent', ('Fight', 'Accommodate'))]
    """

    name: str
    players: tuple[str, ...]
    nodes: tuple[Node, ...]
    infosets: tuple[Infoset, ...]
    exact_probabilities: Mapping[int, tuple[Fraction, ...]] | None = None
    exact_payoffs: Mapping[int, tuple[Fraction, ...]] | None = None

    @property
    def n_players(self) -> int:
        """Number of players (chance is not a player)."""
        return len(self.players)

    @cached_property
    def terminals(self) -> tuple[int, ...]:
        """Indices of the terminal nodes, in tree order."""
        return tuple(k for k, node in enumerate(self.nodes) if node.kind == "terminal")

    @cached_property
    def perfect_information(self) -> bool:
        """True if every information set is a single node."""
        return all(len(infoset.nodes) == 1 for infoset in self.infosets)

    @cached_property
    def has_chance(self) -> bool:
        """True if some node is a chance move."""
        return any(node.kind == "chance" for node in self.nodes)

    def infosets_of(self, player: int) -> tuple[int, ...]:
        """The indices of ``player``'s information sets."""
        return tuple(k for k, infoset in enumerate(self.infosets) if infoset.player == player)

    def subtree(self, root: int) -> range:
        """The indices of ``root`` and every node below it (contiguous in pre-order)."""
        return range(root, self._subtree_end[root])

    @cached_property
    def _subtree_end(self) -> tuple[int, ...]:
        ends = list(range(1, len(self.nodes) + 1))
        for k in range(len(self.nodes) - 1, -1, -1):
            if self.nodes[k].children:
                ends[k] = ends[self.nodes[k].children[-1]]
        return tuple(ends)

    @cached_property
    def subgame_roots(self) -> tuple[int, ...]:
        """Nodes that start a proper or improper subgame: every information set that meets
        the node's subtree lies inside it, and the node is alone in its information set."""
        roots = []
        for k, node in enumerate(self.nodes):
            if node.kind == "terminal":
                continue
            if node.kind == "decision" and len(self.infosets[node.infoset].nodes) > 1:
                continue
            inside = self.subtree(k)
            if all(
                all(n in inside for n in self.infosets[self.nodes[h].infoset].nodes)
                for h in inside
                if self.nodes[h].kind == "decision"
            ):
                roots.append(k)
        return tuple(roots)

    def uniform_behaviour(self) -> Behaviour:
        """Every move of every information set equally likely (a starting point)."""
        return tuple(np.full(len(s.moves), 1.0 / len(s.moves)) for s in self.infosets)

    def pure_behaviour(self, choices: Sequence[int]) -> Behaviour:
        """The behaviour profile that plays move ``choices[k]`` at information set ``k``."""
        profile = []
        for infoset, choice in zip(self.infosets, choices):
            mix = np.zeros(len(infoset.moves))
            mix[choice] = 1.0
            profile.append(mix)
        return tuple(profile)

    def walk(self) -> Iterator[tuple[int, Node]]:
        """Every node with its index, in tree order."""
        return iter(enumerate(self.nodes))


def build(name: str, players: Sequence[str], root: Spec) -> ExtensiveFormGame:
    """The game of the nested specification ``root`` (checked: see :class:`TreeError`).

    Raises
    ------
    TreeError
        Unknown player, a node without moves, chance probabilities that are negative or
        do not sum to one, payoffs of the wrong length or not finite, an information set
        whose nodes differ in player or moves, imperfect recall, too many nodes.

    Examples
    --------
    >>> game = build("coin", ("A",), Chance({"heads": (0.5, Terminal((1,))), "tails": (0.5, Terminal((0,)))}))
    >>> game.nodes[0].probabilities, game.terminals
    ((0.5, 0.5), (1, 2))
    """
    builder = _Builder(tuple(players))
    builder.add(root, parent=-1, path="", depth=0)
    return builder.game(name)


@dataclass
class _Builder:
    players: tuple[str, ...]
    nodes: list[Node] = field(default_factory=list)
    children: dict[int, list[int]] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)  # infoset label -> index
    infosets: list[tuple[str, int, tuple[str, ...], list[int]]] = field(default_factory=list)
    exact_probabilities: dict[int, tuple[Fraction, ...]] = field(default_factory=dict)
    exact_payoffs: dict[int, tuple[Fraction, ...]] = field(default_factory=dict)
    all_exact: bool = True

    def add(self, spec: Spec, *, parent: int, path: str, depth: int) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise TreeError(f"the tree has more than {MAX_NODES} nodes", path=path)
        if depth > MAX_DEPTH:
            raise TreeError(f"the tree is deeper than {MAX_DEPTH} moves", path=path)
        index = len(self.nodes)
        self.nodes.append(Node("terminal", path, parent, depth))  # placeholder, replaced below
        if isinstance(spec, Terminal):
            self.nodes[index] = self._terminal(spec, path, parent, depth, index)
        elif isinstance(spec, Decision):
            self.nodes[index] = self._decision(spec, path, parent, depth, index)
        else:
            self.nodes[index] = self._chance(spec, path, parent, depth, index)
        return index

    def _terminal(self, spec: Terminal, path: str, parent: int, depth: int, index: int) -> Node:
        payoffs = tuple(float(p) for p in spec.payoffs)
        if len(payoffs) != len(self.players):
            raise TreeError(f"{len(payoffs)} payoffs for {len(self.players)} players", path=path)
        if not all(np.isfinite(payoffs)):
            raise TreeError(f"payoffs must be finite numbers, not {payoffs}", path=path)
        if spec.exact is not None:
            self.exact_payoffs[index] = tuple(spec.exact)
        else:
            self.all_exact = False
        return Node("terminal", path, parent, depth, payoffs=payoffs)

    def _decision(self, spec: Decision, path: str, parent: int, depth: int, index: int) -> Node:
        if spec.player not in self.players:
            raise TreeError(f"unknown player {spec.player!r} (players: {', '.join(self.players)})", path=path)
        moves = tuple(spec.moves)
        if not moves:
            raise TreeError("a decision needs at least one move", path=path)
        player = self.players.index(spec.player)
        label = spec.infoset if spec.infoset is not None else (path or "(root)")
        infoset = self._infoset(label, player, moves, path)
        self.infosets[infoset][3].append(index)
        kids = tuple(
            self.add(child, parent=index, path=_join(path, move), depth=depth + 1) for move, child in spec.moves.items()
        )
        return Node("decision", path, parent, depth, moves, kids, player, infoset)

    def _chance(self, spec: Chance, path: str, parent: int, depth: int, index: int) -> Node:
        moves = tuple(spec.moves)
        if not moves:
            raise TreeError("a chance node needs at least one move", path=path)
        probabilities = tuple(float(p) for p, _ in spec.moves.values())
        if any(not np.isfinite(p) or p < 0 for p in probabilities):
            raise TreeError(f"chance probabilities must be numbers of at least 0, not {probabilities}", path=path)
        total = sum(probabilities)
        if abs(total - 1.0) > CHANCE_SUM:
            raise TreeError(f"chance probabilities sum to {total:.6g}, not 1", path=path)
        if spec.exact is not None:
            if sum(spec.exact) != 1:
                raise TreeError(f"chance probabilities sum to {sum(spec.exact)}, not 1", path=path)
            self.exact_probabilities[index] = tuple(spec.exact)
        else:
            self.all_exact = False
        kids = tuple(
            self.add(child, parent=index, path=_join(path, move), depth=depth + 1)
            for move, (_, child) in spec.moves.items()
        )
        return Node("chance", path, parent, depth, moves, kids, probabilities=probabilities)

    def _infoset(self, label: str, player: int, moves: tuple[str, ...], path: str) -> int:
        if label not in self.labels:
            self.labels[label] = len(self.infosets)
            self.infosets.append((label, player, moves, []))
            return self.labels[label]
        known = self.infosets[self.labels[label]]
        if known[1] != player:
            raise TreeError(
                f"information set {label!r} spans two players ({self.players[known[1]]} and {self.players[player]}): "
                "give each player's nodes their own information set label",
                path=path,
            )
        if known[2] != moves:
            raise TreeError(
                f"the nodes of information set {label!r} must have the same moves: {', '.join(known[2])} "
                f"elsewhere, {', '.join(moves)} here",
                path=path,
            )
        return self.labels[label]

    def game(self, name: str) -> ExtensiveFormGame:
        infosets = tuple(Infoset(label, player, moves, tuple(nodes)) for label, player, moves, nodes in self.infosets)
        exact = self.all_exact
        game = ExtensiveFormGame(
            name,
            self.players,
            tuple(self.nodes),
            infosets,
            self.exact_probabilities if exact else None,
            self.exact_payoffs if exact else None,
        )
        _check_perfect_recall(game)
        return game


def _join(path: str, move: str) -> str:
    return f"{path}/{move}" if path else move


def own_history(game: ExtensiveFormGame, node: int) -> tuple[tuple[int, int], ...]:
    """The (information set, move index) pairs of the owner of ``node`` on its path, from
    the root (what the player remembers having done)."""
    player = game.nodes[node].player
    history = []
    child, parent = node, game.nodes[node].parent
    while parent >= 0:
        above = game.nodes[parent]
        if above.kind == "decision" and above.player == player:
            history.append((above.infoset, above.children.index(child)))
        child, parent = parent, above.parent
    return tuple(reversed(history))


def _check_perfect_recall(game: ExtensiveFormGame) -> None:
    for infoset in game.infosets:
        first = own_history(game, infoset.nodes[0])
        for node in infoset.nodes[1:]:
            if own_history(game, node) != first:
                raise TreeError(
                    f"imperfect recall: {game.players[infoset.player]} cannot tell the nodes of information set "
                    f"{infoset.label!r} apart, but reaches them by different moves of their own "
                    f"(here and at {game.nodes[infoset.nodes[0]].path or '(root)'})",
                    path=game.nodes[node].path,
                )
