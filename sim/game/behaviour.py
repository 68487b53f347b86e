"""What a behaviour strategy profile does in a game tree: reach, payoffs, beliefs, regret.

Game and profile layout: see :mod:`sim.game.tree`. Everything here is a plain function of a
game and a profile, in floats; the checks compare payoffs with a tolerance relative to
the spread of the game's payoffs (:mod:`sim.game.tolerances`).

* :func:`reach` gives every node's probability under the profile (chance included).
* :func:`expected_payoffs` weighs the terminals by it.
* :func:`beliefs` are Bayes' rule at every information set the profile reaches.
* :func:`best_value` is a player's best expected payoff against the others, from any
  weighted set of starting nodes, by dynamic programming over the player's own
  information sets (perfect recall makes the choice at each set a single choice).
* :func:`nash_regret`, :func:`subgame_regret` and :func:`sequential_check` test
  the profile for Nash equilibrium, subgame perfection and sequential rationality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from sim.game.tolerances import REGRET
from sim.game.tree import Behaviour, ExtensiveFormGame, FloatArray

__all__ = [
    "SequentialCheck",
    "beliefs",
    "best_value",
    "expected_payoffs",
    "nash_regret",
    "reach",
    "sequential_check",
    "subgame_regret",
    "tolerance",
    "values",
]


def tolerance(game: ExtensiveFormGame) -> float:
    """Payoff tolerance of ``game``: :data:`~sim.game.tolerances.REGRET` times the spread of its
    terminal payoffs (1 if they are all equal)."""
    payoffs = [p for k in game.terminals for p in game.nodes[k].payoffs]
    spread = max(payoffs) - min(payoffs)
    return REGRET * (spread if spread > 0 else 1.0)


def reach(game: ExtensiveFormGame, behaviour: Behaviour, *, skip: int | None = None) -> FloatArray:
    """The probability of reaching every node under ``behaviour``. With ``skip`` set to a
    player, that player's own moves count as probability one (the player's *aim*: the
    weight others and chance give a node)."""
    probability = np.zeros(len(game.nodes))
    probability[0] = 1.0
    for k, node in game.walk():
        if not node.children or probability[k] == 0.0:
            continue
        if node.kind == "chance":
            weights: Sequence[float] = node.probabilities
        elif node.player == skip:
            weights = [1.0] * len(node.children)
        else:
            weights = behaviour[node.infoset].tolist()
        for child, weight in zip(node.children, weights):
            probability[child] = probability[k] * weight
    return probability


def values(game: ExtensiveFormGame, behaviour: Behaviour) -> FloatArray:
    """The expected payoff of every player from every node on, shape (nodes, players)."""
    value = np.zeros((len(game.nodes), game.n_players))
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            value[k] = node.payoffs
            continue
        weights = node.probabilities if node.kind == "chance" else behaviour[node.infoset]
        value[k] = np.asarray(weights) @ value[list(node.children)]
    return value


def expected_payoffs(game: ExtensiveFormGame, behaviour: Behaviour) -> FloatArray:
    """Every player's expected payoff under ``behaviour``, shape (players,).

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("g", ("A", "B"), Decision("A", {"L": Terminal((1, 0)), "R": Terminal((3, 2))}))
    >>> expected_payoffs(g, (np.array([0.5, 0.5]),)).tolist()
    [2.0, 1.0]
    """
    payoffs: FloatArray = values(game, behaviour)[0]
    return payoffs


def beliefs(game: ExtensiveFormGame, behaviour: Behaviour) -> tuple[FloatArray | None, ...]:
    """Bayes' rule at every information set: the probability of each of its nodes given
    that the set is reached, or ``None`` where the profile never reaches it."""
    probability = reach(game, behaviour)
    found: list[FloatArray | None] = []
    for infoset in game.infosets:
        weights = probability[list(infoset.nodes)]
        total = weights.sum()
        found.append(weights / total if total > 0 else None)
    return tuple(found)


def best_value(
    game: ExtensiveFormGame,
    behaviour: Behaviour | Sequence[Sequence[Fraction]],
    player: int,
    start: Mapping[int, Any],
    *,
    exact: bool = False,
) -> tuple[Any, dict[int, int]]:
    """``player``'s best expected payoff, summed over the nodes of ``start`` with their
    weights, when the others (and chance) play as in ``behaviour``; and the best move at
    each of the player's information sets below ``start`` (a best response).

    The player's information sets are decided from the bottom up: at a set, each move is
    worth the weighted sum, over the set's nodes, of the value of the move's child with
    the best choices already made below. Perfect recall makes this exact. With ``exact``
    (an exact game, behaviour as Fractions), everything is computed in Fractions.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("g", ("A", "B"), Decision("A", {"L": Terminal((1, 0)), "R": Terminal((3, 2))}))
    >>> best_value(g, (np.array([1.0, 0.0]),), 0, {0: 1.0})
    (3.0, {0: 1})
    """
    numbers = _Numbers(game, behaviour, exact)
    weight = _weights_below(game, numbers, player, start)
    own = [k for k in _bottom_up(game, player) if any(weight.get(n, 0) > 0 for n in game.infosets[k].nodes)]
    choice: dict[int, int] = {}
    value: dict[int, Any] = {}

    def node_value(k: int) -> Any:  # the player's payoff from node k on, with the choices made so far
        if k in value:
            return value[k]
        node = game.nodes[k]
        if node.kind == "terminal":
            result = numbers.payoffs(k)[player]
        elif node.kind == "decision" and node.player == player:
            result = node_value(node.children[choice.get(node.infoset, 0)])
        else:
            result = sum((w * node_value(c) for w, c in zip(numbers.weights(k), node.children) if w > 0), numbers.zero)
        value[k] = result
        return result

    for k in own:
        infoset = game.infosets[k]
        worth = [
            sum((weight.get(n, 0) * node_value(game.nodes[n].children[m]) for n in infoset.nodes), numbers.zero)
            for m in range(len(infoset.moves))
        ]
        choice[k] = max(range(len(worth)), key=worth.__getitem__)  # the first best move
        for n in infoset.nodes:  # decided: forget the values computed with the default choice
            _forget_above(game, n, value)
    total = sum((w * node_value(k) for k, w in start.items()), numbers.zero)
    return total, choice


class _Numbers:
    """The probabilities and payoffs of a game and a profile, as floats or, with
    ``exact``, as Fractions (an exact game and an exact profile)."""

    def __init__(self, game: ExtensiveFormGame, behaviour: Any, exact: bool) -> None:
        if exact and (game.exact_payoffs is None or game.exact_probabilities is None):
            raise ValueError(f"game {game.name} has no exact payoffs and probabilities")
        self.game, self.behaviour, self.exact = game, behaviour, exact
        self.zero: Any = Fraction(0) if exact else 0.0

    def payoffs(self, node: int) -> Sequence[Any]:
        if self.exact:
            assert self.game.exact_payoffs is not None
            return self.game.exact_payoffs[node]
        return self.game.nodes[node].payoffs

    def weights(self, node: int) -> Sequence[Any]:
        """The probabilities of the moves at a chance or decision node."""
        found = self.game.nodes[node]
        if found.kind == "chance":
            if self.exact:
                assert self.game.exact_probabilities is not None
                return self.game.exact_probabilities[node]
            return found.probabilities
        mix = self.behaviour[found.infoset]
        return list(mix) if self.exact else mix.tolist()


def exact_regret(game: ExtensiveFormGame, behaviour: Sequence[Sequence[Fraction]]) -> Fraction:
    """:func:`nash_regret` in exact arithmetic, for an exact game and exact behaviour.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> one, three = Terminal((1,), (Fraction(1),)), Terminal((3,), (Fraction(3),))
    >>> g = build("g", ("A",), Decision("A", {"L": one, "R": three}))
    >>> exact_regret(g, [[Fraction(1), Fraction(0)]])
    Fraction(2, 1)
    """
    numbers = _Numbers(game, behaviour, True)
    now = _exact_values(game, numbers)
    gains: list[Fraction] = [
        best_value(game, behaviour, player, {0: Fraction(1)}, exact=True)[0] - now[0][player]
        for player in range(game.n_players)
    ]
    return max(gains)


def exact_beliefs(
    game: ExtensiveFormGame, behaviour: Sequence[Sequence[Fraction]]
) -> tuple[tuple[Fraction, ...] | None, ...]:
    """:func:`beliefs` in exact arithmetic, for an exact game and exact behaviour."""
    numbers = _Numbers(game, behaviour, True)
    probability = [Fraction(0)] * len(game.nodes)
    probability[0] = Fraction(1)
    for k, node in game.walk():
        if node.children and probability[k]:
            for child, weight in zip(node.children, numbers.weights(k)):
                probability[child] = probability[k] * weight
    found: list[tuple[Fraction, ...] | None] = []
    for infoset in game.infosets:
        weights = [probability[n] for n in infoset.nodes]
        total = sum(weights)
        found.append(tuple(w / total for w in weights) if total else None)
    return tuple(found)


def _exact_values(game: ExtensiveFormGame, numbers: _Numbers) -> list[tuple[Fraction, ...]]:
    value: list[tuple[Fraction, ...]] = [()] * len(game.nodes)
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            value[k] = tuple(numbers.payoffs(k))
            continue
        weights = numbers.weights(k)
        value[k] = tuple(
            sum((w * value[c][i] for w, c in zip(weights, node.children)), Fraction(0)) for i in range(game.n_players)
        )
    return value


def _weights_below(game: ExtensiveFormGame, numbers: _Numbers, player: int, start: Mapping[int, Any]) -> dict[int, Any]:
    """The weight of every node below ``start``: chance and the others' moves multiply,
    the player's own moves do not (the player aims there)."""
    weight: dict[int, Any] = {}
    for root, w in start.items():
        weight[root] = weight.get(root, numbers.zero) + w
    for k, node in game.walk():
        w = weight.get(k, 0)
        if w == 0 or not node.children:
            continue
        if node.kind == "decision" and node.player == player:
            moves: Sequence[Any] = [1] * len(node.children)
        else:
            moves = numbers.weights(k)
        for child, p in zip(node.children, moves):
            if p > 0:
                weight[child] = weight.get(child, numbers.zero) + w * p
    return weight


def _bottom_up(game: ExtensiveFormGame, player: int) -> list[int]:
    """``player``'s information sets, each after every one of the player's sets below it."""
    order: list[int] = []
    done: set[int] = set()

    def visit(infoset: int) -> None:
        if infoset in done:
            return
        done.add(infoset)
        for below in _own_sets_below(game, infoset):
            visit(below)
        order.append(infoset)

    for infoset in game.infosets_of(player):
        visit(infoset)
    return order


def _own_sets_below(game: ExtensiveFormGame, infoset: int) -> set[int]:
    player = game.infosets[infoset].player
    found = set()
    for node in game.infosets[infoset].nodes:
        for k in game.subtree(node):
            if k != node and game.nodes[k].kind == "decision" and game.nodes[k].player == player:
                found.add(game.nodes[k].infoset)
    return found


def _forget_above(game: ExtensiveFormGame, node: int, value: dict[int, float]) -> None:
    k = node
    while k >= 0:
        value.pop(k, None)
        k = game.nodes[k].parent


def nash_regret(game: ExtensiveFormGame, behaviour: Behaviour) -> float:
    """The largest gain any player can make by changing strategy, the others fixed."""
    return subgame_regret(game, behaviour, 0)


def subgame_regret(game: ExtensiveFormGame, behaviour: Behaviour, root: int) -> float:
    """The largest gain any player can make in the subgame starting at ``root``."""
    now: list[float] = values(game, behaviour)[root].tolist()
    gains: list[float] = [
        best_value(game, behaviour, player, {root: 1.0})[0] - now[player] for player in range(game.n_players)
    ]
    return max(gains)


@dataclass(frozen=True)
class SequentialCheck:
    """The outcome of :func:`sequential_check`.

    Attributes
    ----------
    rational : bool
        Every information set's moves are best given its beliefs and the rest of play.
    beliefs : tuple
        The beliefs used at each information set (Bayes' rule where reached; the given
        or the found ones where not; ``None`` where no belief makes the moves optimal).
    failures : tuple of (int, float)
        The information sets where the moves are not best, with the gain a deviation
        would make there (given the beliefs).
    """

    rational: bool
    beliefs: tuple[FloatArray | None, ...]
    failures: tuple[tuple[int, float], ...]


def sequential_check(
    game: ExtensiveFormGame, behaviour: Behaviour, off_path: Mapping[int, FloatArray] | None = None
) -> SequentialCheck:
    """Is ``behaviour`` sequentially rational at every information set?

    Beliefs are Bayes' rule wherever the profile reaches the set; elsewhere they are
    ``off_path[set]`` if given, else any belief under which the set's moves are
    optimal against one-shot deviations there (found by a small linear program; the one
    found is returned). At each set, the owner's play from there on must be a best
    response to the beliefs and the others' play (within :func:`tolerance`).

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> entry = build("entry", ("E", "I"), Decision("E", {
    ...     "Out": Terminal((0, 2)),
    ...     "In": Decision("I", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))})}))
    >>> threat = entry.pure_behaviour([0, 0])          # stay out, because the incumbent would fight
    >>> check = sequential_check(entry, threat)
    >>> check.rational, [(entry.infosets[k].label, round(gain, 6)) for k, gain in check.failures]
    (False, [('In', 2.0)])
    """
    tol = tolerance(game)
    bayes = beliefs(game, behaviour)
    used: list[FloatArray | None] = []
    failures: list[tuple[int, float]] = []
    for k, infoset in enumerate(game.infosets):
        belief = bayes[k]
        if belief is None and off_path is not None:
            belief = off_path.get(k)
        if belief is None:
            belief = _supporting_belief(game, behaviour, k)
        if belief is None:  # no belief makes these moves optimal
            used.append(None)
            uniform = np.full(len(infoset.nodes), 1.0 / len(infoset.nodes))
            failures.append((k, float(_gain_at(game, behaviour, k, uniform))))
            continue
        used.append(belief)
        gain = _gain_at(game, behaviour, k, belief)
        if gain > tol:
            failures.append((k, float(gain)))
    return SequentialCheck(not failures, tuple(used), tuple(failures))


def _gain_at(game: ExtensiveFormGame, behaviour: Behaviour, infoset: int, belief: FloatArray) -> float:
    """What the owner of ``infoset`` gains by playing best from there on, given ``belief``."""
    owner = game.infosets[infoset].player
    start = {n: float(b) for n, b in zip(game.infosets[infoset].nodes, belief) if b > 0}
    now = values(game, behaviour)
    current = sum(w * now[n, owner] for n, w in start.items())
    best, _ = best_value(game, behaviour, owner, start)
    return float(best - current)


def _supporting_belief(game: ExtensiveFormGame, behaviour: Behaviour, infoset: int) -> FloatArray | None:
    """A belief over the nodes of an unreached ``infoset`` under which every move played
    there is a best one-shot choice (the rest of play fixed), or None."""
    from scipy.optimize import linprog

    owner = game.infosets[infoset].player
    nodes = game.infosets[infoset].nodes
    now = values(game, behaviour)
    worth = np.array([[now[c, owner] for c in game.nodes[n].children] for n in nodes])  # (nodes, moves)
    played = np.flatnonzero(behaviour[infoset] > 0)
    tol = tolerance(game)
    rows = [worth[:, other] - worth[:, move] for move in played for other in range(worth.shape[1]) if other != move]
    if not rows:
        return np.full(len(nodes), 1.0 / len(nodes))
    at_one_node = np.flatnonzero(np.max(np.array(rows), axis=0) <= tol)  # the moves are best at this node
    if len(at_one_node):  # certain to be there: no linear program needed
        belief = np.zeros(len(nodes))
        belief[at_one_node[0]] = 1.0
        return belief
    result = linprog(
        np.zeros(len(nodes)),
        A_ub=np.array(rows),
        b_ub=np.full(len(rows), tol),
        A_eq=np.ones((1, len(nodes))),
        b_eq=[1.0],
        bounds=[(0.0, None)] * len(nodes),
        method="highs",
    )
    if result.status != 0:
        return None
    belief = np.clip(np.asarray(result.x, dtype=float), 0.0, None)
    return np.asarray(belief / belief.sum(), dtype=float)
