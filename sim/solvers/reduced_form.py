"""The reduced normal form of a game tree, and Kuhn's map back to behaviour strategies.

A *plan* of a player gives a move at every information set the player's own earlier
moves do not rule out, and none elsewhere (a reduced pure strategy). The reduced normal
form is the game between plans (expected payoffs over chance); with perfect recall every
mixed equilibrium of it maps to a behaviour-strategy equilibrium of the tree giving the
same payoffs (Kuhn 1953), which is how :mod:`sim.solvers.trees` finds mixed equilibria of
two-player trees with the project's vertex enumeration.

Game layout: see :mod:`sim.game.tree`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from sim.errors import SolverLimitError
from sim.game.behaviour import best_value, reach
from sim.game.normal_form import NormalFormGame
from sim.game.tree import Behaviour, ExtensiveFormGame, FloatArray, own_history

__all__ = [
    "MAX_PLANS",
    "Plan",
    "behaviour_of_plans",
    "completed",
    "exact_behaviour",
    "plans",
    "reduced_normal_form",
]

#: Most plans (reduced pure strategies) of one player in the reduced normal form.
MAX_PLANS = 2_000

Plan = dict[int, int]  # information set -> move index, for the sets the plan reaches


def plans(game: ExtensiveFormGame, player: int) -> list[Plan]:
    """The reduced pure strategies of ``player``: a move at every information set that the
    player's own earlier moves do not rule out, and none elsewhere.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("g", ("A", "B"), Decision("A", {
    ...     "stop": Terminal((0, 0)),
    ...     "go": Decision("B", {"l": Decision("A", {"a": Terminal((1, 1)), "b": Terminal((2, 0))}, infoset="A2"),
    ...                          "r": Terminal((0, 3))})}))
    >>> plans(g, 0)
    [{0: 0}, {0: 1, 2: 0}, {0: 1, 2: 1}]
    """
    own = game.infosets_of(player)
    history = {k: own_history(game, game.infosets[k].nodes[0]) for k in own}
    found: list[Plan] = []

    def extend(plan: Plan) -> None:
        if len(found) > MAX_PLANS:
            raise SolverLimitError(
                f"{game.players[player]} has more than {MAX_PLANS:,} plans in game {game.name}; simplify the tree"
            )
        pending = [k for k in own if k not in plan and all(plan.get(j) == m for j, m in history[k])]
        if not pending:
            found.append(plan)
            return
        first = pending[0]
        for move in range(len(game.infosets[first].moves)):
            extend({**plan, first: move})

    extend({})
    return found


def reduced_normal_form(game: ExtensiveFormGame) -> tuple[NormalFormGame, list[list[Plan]]]:
    """The reduced normal form of ``game`` (expected payoffs of every profile of plans) and
    each player's plans, in the order of the game's strategies. Exact payoffs are carried
    over when the tree is exact."""
    every = [plans(game, player) for player in range(game.n_players)]
    shape = tuple(len(p) for p in every)
    payoffs = np.zeros((*shape, game.n_players))
    exact = np.empty((*shape, game.n_players), dtype=object) if game.exact_payoffs is not None else None
    for index in itertools.product(*(range(n) for n in shape)):
        chosen = [every[player][i] for player, i in enumerate(index)]
        payoffs[index] = _plan_payoffs(game, chosen)
        if exact is not None:
            exact[index] = _plan_payoffs_exact(game, chosen)
    strategies = tuple(_plan_labels(game, own) for own in every)
    return NormalFormGame(game.name, game.players, strategies, payoffs, exact), every


def _plan_payoffs(game: ExtensiveFormGame, chosen: Sequence[Plan]) -> FloatArray:
    total = np.zeros(game.n_players)
    stack = [(0, 1.0)]
    while stack:
        k, p = stack.pop()
        node = game.nodes[k]
        if node.kind == "terminal":
            total += p * np.array(node.payoffs)
        elif node.kind == "chance":
            stack += [(c, p * q) for c, q in zip(node.children, node.probabilities) if q > 0]
        else:
            stack.append((node.children[chosen[node.player][node.infoset]], p))
    return total


def _plan_payoffs_exact(game: ExtensiveFormGame, chosen: Sequence[Plan]) -> list[Fraction]:
    assert game.exact_payoffs is not None and game.exact_probabilities is not None
    total = [Fraction(0)] * game.n_players
    stack = [(0, Fraction(1))]
    while stack:
        k, p = stack.pop()
        node = game.nodes[k]
        if node.kind == "terminal":
            total = [t + p * v for t, v in zip(total, game.exact_payoffs[k])]
        elif node.kind == "chance":
            stack += [(c, p * q) for c, q in zip(node.children, game.exact_probabilities[k]) if q > 0]
        else:
            stack.append((node.children[chosen[node.player][node.infoset]], p))
    return total


def _plan_labels(game: ExtensiveFormGame, own: list[Plan]) -> tuple[str, ...]:
    labels = [" ".join(game.infosets[k].moves[m] for k, m in sorted(plan.items())) or "-" for plan in own]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):  # two plans over different sets may read alike
        if labels.count(label) > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[i] = f"{label} ({seen[label]})"
    return tuple(labels)


def behaviour_of_plans(
    game: ExtensiveFormGame, every: list[list[Plan]], mixes: Sequence[Sequence[float]]
) -> list[FloatArray | None]:
    """Kuhn's map from mixed plans to behaviour: at each information set, the probability
    of each move among the plans that reach the set; ``None`` where no plan played does."""
    behaviour: list[FloatArray | None] = []
    for k, infoset in enumerate(game.infosets):
        weights = np.zeros(len(infoset.moves))
        for plan, p in zip(every[infoset.player], mixes[infoset.player]):
            if p > 0 and k in plan:
                weights[plan[k]] += p
        total = weights.sum()
        behaviour.append(weights / total if total > 0 else None)
    return behaviour


def exact_behaviour(
    game: ExtensiveFormGame, every: list[list[Plan]], mixes: Sequence[Sequence[Fraction]]
) -> tuple[tuple[Fraction, ...], ...]:
    result = []
    for k, infoset in enumerate(game.infosets):
        weights = [Fraction(0)] * len(infoset.moves)
        for plan, p in zip(every[infoset.player], mixes[infoset.player]):
            if p > 0 and k in plan:
                weights[plan[k]] += p
        total = sum(weights)
        result.append(tuple(w / total for w in weights))
    return tuple(result)


def completed(game: ExtensiveFormGame, partial: Sequence[FloatArray | None]) -> Behaviour:
    """Fill the information sets that a player's own play leaves unreached with a best
    reply there, deepest first, given the weight that chance and the others give to
    their nodes (uniform if none)."""
    behaviour = [b if b is not None else np.zeros(len(game.infosets[k].moves)) for k, b in enumerate(partial)]
    missing = [k for k, b in enumerate(partial) if b is None]
    for k in sorted(missing, key=lambda k: -max(game.nodes[n].depth for n in game.infosets[k].nodes)):
        infoset = game.infosets[k]
        behaviour[k][0] = 1.0  # a placeholder while the weights are computed
        weight = reach(game, tuple(behaviour), skip=infoset.player)[list(infoset.nodes)]
        if weight.sum() <= 0:
            weight = np.ones(len(infoset.nodes))
        start = {n: float(w) for n, w in zip(infoset.nodes, weight) if w > 0}
        _, choice = best_value(game, tuple(behaviour), infoset.player, start)
        behaviour[k][:] = 0.0
        behaviour[k][choice.get(k, 0)] = 1.0
    return tuple(behaviour)
