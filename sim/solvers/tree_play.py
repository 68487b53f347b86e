"""Choosing one equilibrium of a solved tree and playing it with the model's generator.

A round of a tree game picks one of the solutions of its concept (:func:`select_tree`,
by the rules that make sense for trees) and then walks the tree from the root
(:func:`play_tree`): at a chance node the move is drawn with the given probabilities, at
a decision node from the chosen behaviour at its information set (``"sample"``) or the
most likely move there (``"mode"``, first in the tree's order on a tie). Chance always
happens: ``mode`` never replaces a draw by nature. A chance node may be *fixed* to a move
drawn earlier (a player's type drawn once per run, then kept), which is how persistent
types are played.

The path actually played is returned as :class:`PlayedPath`, from which the run tables
record each move made.

Game layout: see :mod:`sim.game.tree`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import SolverError
from sim.game.behaviour import tolerance
from sim.game.tree import Behaviour, ExtensiveFormGame
from sim.solvers.trees import TreeEquilibrium, TreeSolveResult

__all__ = ["CHANCE", "PLAYS", "TREE_RULES", "Move", "PlayedPath", "play_tree", "select_tree"]

#: The name under which a chance move is recorded.
CHANCE = "chance"

#: How a decision is realised: drawn from the behaviour, or its most likely move.
PLAYS = ("sample", "mode")

#: Selection rules for trees, each with what it picks among the concept's solutions.
TREE_RULES = {
    "first": "the first solution (pure before mixed, then in the solver's order)",
    "payoff_dominant": "a solution no other one gives every player at least as much and someone more; "
    "then the highest sum of expected payoffs",
    "max_welfare": "the highest sum of expected payoffs (the first on a tie)",
    "random": "one drawn uniformly with the model's generator",
}
# (conditional cases come before the rule: see select_tree)


@dataclass(frozen=True)
class Move:
    """One move made on the played path.

    Attributes
    ----------
    node : int
        The node where it was made.
    actor : str
        The player who moved, or :data:`CHANCE`.
    infoset : str
        The label of the player's information set (for chance, the node's path).
    move : str
        The move's label.
    """

    node: int
    actor: str
    infoset: str
    move: str


@dataclass(frozen=True)
class PlayedPath:
    """A play of a tree from the root to a terminal node.

    Attributes
    ----------
    moves : tuple of Move
        Every move made, in order.
    terminal : int
        The terminal node reached.
    payoffs : tuple of float
        Its payoffs, in player order.
    """

    moves: tuple[Move, ...]
    terminal: int
    payoffs: tuple[float, ...]

    def last_move_of(self, actor: str) -> str | None:
        """The last move ``actor`` made on the path (``None`` if it did not move).

        Examples
        --------
        >>> path = PlayedPath((Move(0, "EU", "(root)", "D"), Move(1, "Russia", "D", "R")), 3, (1.0, 2.0))
        >>> path.last_move_of("Russia"), path.last_move_of("Ukraine")
        ('R', None)
        """
        for move in reversed(self.moves):
            if move.actor == actor:
                return move.move
        return None


def select_tree(
    result: TreeSolveResult,
    rule: str,
    rng: np.random.Generator,
    preferred: Sequence[Sequence[tuple[int, str]]] = (),
) -> tuple[TreeEquilibrium, str]:
    """One solution of the result's concept and what chose it: the first solution that
    makes the moves of the first ``preferred`` case some solution matches (each ``(player,
    move)``: the player makes the move for sure at every information set of its where it
    can), reason ``"conditional"``; else ``rule`` (see :data:`TREE_RULES`).

    Raises
    ------
    SolverError
        If the rule is unknown, or no equilibrium found satisfies the concept.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> from sim.solvers.trees import solve_tree
    >>> coordination = build("c", ("A", "B"), Decision("A", {
    ...     "x": Decision("B", {"x": Terminal((1, 1)), "y": Terminal((0, 0))}),
    ...     "y": Decision("B", {"x": Terminal((0, 0)), "y": Terminal((2, 2))})}))
    >>> result = solve_tree(coordination)
    >>> chosen, reason = select_tree(result, "max_welfare", np.random.default_rng(0))
    >>> chosen.payoffs.tolist(), reason
    ([2.0, 2.0], 'max_welfare')
    """
    if rule not in TREE_RULES:
        raise SolverError(f"unknown selection rule for trees {rule!r} (known: {', '.join(TREE_RULES)})")
    solutions = result.solutions
    if not solutions:
        raise SolverError(
            f"game {result.game.name}: no equilibrium found satisfies the concept {result.concept} "
            "(the solver does not promise to find every one); choose the concept nash or a smaller tree"
        )
    for prefer in preferred:
        matching = [eq for eq in solutions if _makes(result.game, eq, prefer)]
        if matching:
            return matching[0], "conditional"
    return _by_rule(result, solutions, rule, rng), rule


def _makes(game: ExtensiveFormGame, eq: TreeEquilibrium, prefer: Sequence[tuple[int, str]]) -> bool:
    """Each player of ``prefer`` makes its move for sure wherever it can (somewhere)."""
    for player, move in prefer:
        where = [k for k in game.infosets_of(player) if move in game.infosets[k].moves]
        if not where or any(eq.behaviour[k][game.infosets[k].moves.index(move)] != 1.0 for k in where):
            return False
    return True


def _by_rule(
    result: TreeSolveResult, solutions: Sequence[TreeEquilibrium], rule: str, rng: np.random.Generator
) -> TreeEquilibrium:
    if rule == "first":
        return solutions[0]
    if rule == "random":
        return solutions[int(rng.integers(len(solutions)))]
    tol = tolerance(result.game)
    candidates = list(solutions)
    if rule == "payoff_dominant":
        candidates = [eq for eq in solutions if not any(_dominates(other, eq, tol) for other in solutions)]
    welfare = [float(np.sum(eq.payoffs)) for eq in candidates]
    best = max(welfare)
    return candidates[next(i for i, w in enumerate(welfare) if w >= best - tol)]


def _dominates(first: TreeEquilibrium, second: TreeEquilibrium, tol: float) -> bool:
    """Every player gets at least as much in ``first`` and someone more."""
    gain = first.payoffs - second.payoffs
    return bool(np.all(gain >= -tol) and np.any(gain > tol))


def play_tree(
    game: ExtensiveFormGame,
    behaviour: Behaviour,
    rng: np.random.Generator,
    *,
    play: str = "sample",
    fixed: Mapping[int, int] | None = None,
) -> PlayedPath:
    """Walk the tree from the root with ``behaviour`` and the generator.

    Parameters
    ----------
    game : ExtensiveFormGame
    behaviour : Behaviour
        A probability vector per information set.
    rng : numpy.random.Generator
        The one generator of the run: every draw comes from it, in path order.
    play : {"sample", "mode"}
        How decisions are realised (chance is always drawn).
    fixed : mapping, optional
        Chance node -> the index of the move it makes (drawn earlier and kept: persistent
        types). No draw is made at a fixed node.

    Examples
    --------
    >>> from sim.game.tree import Chance, Decision, Terminal, build
    >>> choice = Decision("A", {"go": Terminal((2,)), "stay": Terminal((1,))})
    >>> game = build("g", ("A",), Chance({"rain": (0.25, Terminal((0,))), "sun": (0.75, choice)}))
    >>> behaviour = (np.array([1.0, 0.0]),)
    >>> [m.move for m in play_tree(game, behaviour, np.random.default_rng(1), fixed={0: 1}).moves]
    ['sun', 'go']
    """
    if play not in PLAYS:
        raise SolverError(f"unknown way to play {play!r} (known: {', '.join(PLAYS)})")
    fixed = fixed or {}
    moves: list[Move] = []
    node_index = 0
    node = game.nodes[0]
    while node.kind != "terminal":
        if node.kind == "chance":
            choice = fixed[node_index] if node_index in fixed else _draw(node.probabilities, rng)
            moves.append(Move(node_index, CHANCE, node.path or "(root)", node.moves[choice]))
        else:
            mix = behaviour[node.infoset]
            choice = _draw(mix, rng) if play == "sample" else int(np.argmax(mix))
            infoset = game.infosets[node.infoset]
            moves.append(Move(node_index, game.players[node.player], infoset.label, node.moves[choice]))
        node_index = node.children[choice]
        node = game.nodes[node_index]
    return PlayedPath(tuple(moves), node_index, node.payoffs)


def _draw(probabilities: Sequence[float] | np.ndarray, rng: np.random.Generator) -> int:
    """A move drawn with ``probabilities``; a move of probability one costs no draw (so a
    pure profile uses the generator only where chance or a mixture decides)."""
    weights = np.asarray(probabilities, dtype=float)
    certain = np.flatnonzero(weights == 1.0)
    if certain.size:
        return int(certain[0])
    return int(rng.choice(len(weights), p=weights / weights.sum()))
