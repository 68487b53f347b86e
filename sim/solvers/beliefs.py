"""Beliefs about hidden types, updated by Bayes' rule from what players see of a round.

A Bayesian game is a tree whose chance move at ``types_at`` picks a player's type (see
:mod:`sim.game.tree`). After a round is played, an observer sees the moves of the realised
path except those it cannot see (the type draw itself, the typed player's intentions
before noise, ...): the *observation*. Its probability under each type, given the
equilibrium behaviour every type follows, is the likelihood; the posterior is

    posterior(type) = prior(type) * P(observation | type) / sum over types of the same.

An observation of probability zero under every type (an off-path surprise) leaves the
belief as the rule ``on_zero`` says: ``"keep"`` (the prior stays, the default) or
``"uniform"``; it never divides by zero.

Game layout: see :mod:`sim.game.tree`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TypeVar

from sim.errors import SolverError
from sim.game.behaviour import reach
from sim.game.tree import Behaviour, ExtensiveFormGame

__all__ = ["ON_ZERO", "bayes", "likelihoods", "observation", "unobserved"]

#: What an observation impossible under every type does to the belief.
ON_ZERO = ("keep", "uniform")

Number = TypeVar("Number", float, Fraction)


def observation(game: ExtensiveFormGame, terminal: int, hidden: Callable[[int], bool]) -> tuple[str, ...]:
    """The moves an observer sees on the path to ``terminal``: every move made at a node
    for which ``hidden(node)`` is false, in order.

    Examples
    --------
    >>> from sim.game.tree import Chance, Decision, Terminal, build
    >>> g = build("g", ("A",), Chance({"r": (0.5, Decision("A", {"x": Terminal((1,))}, infoset="a")),
    ...                                 "o": (0.5, Decision("A", {"x": Terminal((0,))}, infoset="a"))}))
    >>> observation(g, 2, hidden=lambda node: node == 0)
    ('x',)
    """
    moves = []
    child, parent = terminal, game.nodes[terminal].parent
    while parent >= 0:
        if not hidden(parent):
            node = game.nodes[parent]
            moves.append(node.moves[node.children.index(child)])
        child, parent = parent, game.nodes[parent].parent
    return tuple(reversed(moves))


def unobserved(game: ExtensiveFormGame, player: int) -> frozenset[int]:
    """The nodes whose move ``player`` cannot see, as its own information sets say: for
    every two nodes of one of its information sets, the node where their paths part (the
    player cannot tell which move was made there).

    Examples
    --------
    >>> from sim.game.tree import Chance, Decision, Terminal, build
    >>> guess = {"x": Terminal((0, 1)), "y": Terminal((1, 0))}
    >>> g = build("g", ("A", "B"), Decision("A", {"l": Decision("B", guess, infoset="b"),
    ...                                          "r": Decision("B", guess, infoset="b")}))
    >>> sorted(unobserved(g, 1)), sorted(unobserved(g, 0))  # B does not see A's move at the root
    ([0], [])
    """
    found: set[int] = set()
    for infoset in game.infosets:
        if infoset.player == player and len(infoset.nodes) > 1:
            found |= _partings(game, infoset.nodes)
    return frozenset(found)


def _partings(game: ExtensiveFormGame, members: Sequence[int]) -> set[int]:
    """The nodes where the paths to ``members`` part: two or more of their children lead
    to a member."""
    leads: dict[int, set[int]] = {}  # node -> its children on a path to a member
    for member in members:
        child, node = member, game.nodes[member].parent
        while node >= 0:
            seen = node in leads
            leads.setdefault(node, set()).add(child)
            if seen:
                break  # the rest of the way up is marked already
            child, node = node, game.nodes[node].parent
    return {node for node, children in leads.items() if len(children) > 1}


def likelihoods(
    game: ExtensiveFormGame, behaviour: Behaviour, types_at: int, terminal: int, hidden: Callable[[int], bool]
) -> list[float]:
    """P(observation | type) for each move of the type-drawing chance node ``types_at``:
    the probability, under ``behaviour`` and chance, of reaching a terminal that looks
    the same as ``terminal`` to the observer, starting from that type's branch."""
    if game.nodes[types_at].kind != "chance":
        raise SolverError(f"node {game.nodes[types_at].path or '(root)'} of game {game.name} does not draw types")
    seen = observation(game, terminal, hidden)
    probability = reach(game, behaviour)
    result = []
    for branch, prior in zip(game.nodes[types_at].children, game.nodes[types_at].probabilities):
        inside = game.subtree(branch)
        total = sum(probability[z] for z in game.terminals if z in inside and observation(game, z, hidden) == seen)
        reached = probability[types_at] * prior
        result.append(total / reached if reached > 0 else 0.0)
    return result


def bayes(prior: Sequence[Number], likelihood: Sequence[Number], on_zero: str = "keep") -> list[Number]:
    """The posterior over types from a prior and the observation's likelihoods.

    Works in floats or in exact Fractions (then exactly).

    Examples
    --------
    >>> bayes([Fraction(3, 10), Fraction(7, 10)], [Fraction(19, 20), Fraction(1, 20)])  # an incident
    [Fraction(57, 64), Fraction(7, 64)]
    >>> bayes([0.3, 0.7], [0.0, 0.0])  # impossible under both types: the prior stays
    [0.3, 0.7]
    """
    if on_zero not in ON_ZERO:
        raise SolverError(f"unknown rule for an impossible observation {on_zero!r} (known: {', '.join(ON_ZERO)})")
    joint = [p * q for p, q in zip(prior, likelihood)]
    total = sum(joint)
    if total == 0:
        if on_zero == "keep":
            return list(prior)
        share = type(prior[0])(1) / len(prior)
        return [share] * len(prior)
    return [j / total for j in joint]
