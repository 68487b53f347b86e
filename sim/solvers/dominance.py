"""Strict dominance and iterated elimination of strictly dominated strategies (IESDS).

Game layout: see :mod:`sim.game.normal_form`. Strategies are always named by their index in the
*original* game, also inside a sub-game; a sub-game is given by ``remaining``, one tuple
of kept strategy indices per player, in player order.

Definition
    Strategy ``s`` of player *i* is **strictly dominated** in a sub-game if a mixed
    strategy ``σ`` over player *i*'s other remaining strategies earns strictly more
    than ``s`` against every remaining pure profile ``p`` of the other players::

        margin = min_p  Σ_t σ_t (u_i(t, p) − u_i(s, p))  >  0.

    Pure profiles of the others suffice: a mixed belief averages them.

Method
    Pure dominators are tried first, since they are easier to read; among several, the
    one with the largest margin is reported (ties: the lowest index). Only if there is
    none is domination by a mix tested, with the linear program of Shoham &
    Leyton-Brown (2009), *Multiagent Systems*, section 4.5.1 (see also Fudenberg &
    Tirole 1991, *Game Theory*, section 2.1)::

        maximise ε  subject to  Σ_t σ_t (u_i(t, p) − u_i(s, p)) ≥ ε   for every p,
                                Σ_t σ_t = 1,   σ_t ≥ 0,

    solved by :func:`scipy.optimize.linprog` (HiGHS, feasibility tolerances
    :data:`sim.game.tolerances.DOMINANCE_LP`) on the gains divided by their largest absolute
    value. The weights found are cleaned (negative round-off and weights below
    :data:`sim.game.tolerances.WEIGHT` set to zero, then
    renormalised) and the margin is **recomputed** from them in floats, so a reported
    dominance always holds as stated.

Tolerance
    A dominance is reported only if its margin exceeds
    :func:`sim.solvers.finalize.tolerance` (:data:`sim.game.tolerances.REGRET` times the spread
    of the payoffs), so ties (weak dominance) and round-off are never reported as
    strict, whatever the payoffs' unit. A mixed dominance whose best margin lies within
    the LP's accuracy (about ``1e-10`` times the payoff scale) of that tolerance may be
    missed.

Elimination
    Each round removes *every* strategy strictly dominated in the current sub-game, for
    all players at once, until none is left. For strict dominance the result does not
    depend on the order of elimination (Gilboa, Kalai & Zemel 1990, "On the order of
    eliminating dominated strategies", *Operations Research Letters* 9). No Nash
    equilibrium is ever removed, and every player keeps at least one strategy: a best
    response to the uniform belief over the others' remaining profiles is never
    strictly dominated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from sim.errors import SolverError
from sim.game.equilibrium import tolerance
from sim.game.normal_form import FloatArray, NormalFormGame
from sim.game.tolerances import DOMINANCE_LP, REGRET, WEIGHT

__all__ = ["WEIGHT_TOL", "Dominance", "Elimination", "iterated_elimination", "strictly_dominated"]

#: Weights of a mixed dominator below this (LP round-off) are set to zero.
WEIGHT_TOL = WEIGHT
_HIGHS = {"primal_feasibility_tolerance": DOMINANCE_LP, "dual_feasibility_tolerance": DOMINANCE_LP}

Remaining = tuple[tuple[int, ...], ...]
Dominator = tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class Dominance:
    """One strictly dominated strategy and what dominates it.

    Attributes
    ----------
    player : int
        The player's index.
    strategy : int
        The dominated strategy (index in the original game).
    dominator : tuple of (int, float)
        Strategies of the same player (original indices, increasing) with positive
        weights summing to one; a single ``(index, 1.0)`` for a pure dominator.
    margin : float
        The smallest gain of the dominator over ``strategy`` against the others'
        remaining pure profiles (always above :func:`sim.solvers.finalize.tolerance`).
    """

    player: int
    strategy: int
    dominator: Dominator
    margin: float

    @property
    def is_pure(self) -> bool:
        """True if one pure strategy dominates."""
        return len(self.dominator) == 1

    def text(self, game: NormalFormGame) -> str:
        """A sentence for teaching output (the margin is shown for mixed dominators).

        Examples
        --------
        >>> g = NormalFormGame.from_matrices("g", ("Row", "Col"), (("a", "b", "c"), ("x", "y")),
        ...                                  [[3, 0], [0, 3], [1, 1]], [[0, 0], [0, 0], [0, 0]])
        >>> Dominance(0, 2, ((0, 1.0),), 1.0).text(g)
        "Row's c is strictly dominated by a"
        >>> Dominance(0, 2, ((0, 0.5), (1, 0.5)), 0.5).text(g)
        "Row's c is strictly dominated by 1/2 a + 1/2 b (by at least 0.5)"
        """
        labels = game.strategies[self.player]
        start = f"{game.players[self.player]}'s {labels[self.strategy]} is strictly dominated by "
        if self.is_pure:
            return start + labels[self.dominator[0][0]]
        mix = " + ".join(f"{_weight_text(weight)} {labels[t]}" for t, weight in self.dominator)
        return f"{start}{mix} (by at least {self.margin:.3g})"


@dataclass(frozen=True)
class Elimination:
    """The result of :func:`iterated_elimination`.

    Attributes
    ----------
    steps : tuple of tuples of Dominance
        Round by round, the strategies removed together in that round.
    remaining : tuple of tuples of int
        The original indices of the strategies left, per player.
    """

    steps: tuple[tuple[Dominance, ...], ...]
    remaining: Remaining

    @property
    def solvable(self) -> bool:
        """True if exactly one strategy is left per player (dominance solvable)."""
        return all(len(kept) == 1 for kept in self.remaining)

    def labels(self, game: NormalFormGame) -> tuple[tuple[str, ...], ...]:
        """The labels of the strategies left, per player."""
        return tuple(tuple(game.strategies[i][s] for s in kept) for i, kept in enumerate(self.remaining))

    def text(self, game: NormalFormGame) -> str:
        """One line per round, then the strategies left (see :func:`iterated_elimination`)."""
        lines = [f"Round {n}: " + "; ".join(d.text(game) for d in step) + "." for n, step in enumerate(self.steps, 1)]
        if not lines:
            lines.append("No strategy is strictly dominated.")
        left = "; ".join(f"{player}: {', '.join(kept)}" for player, kept in zip(game.players, self.labels(game)))
        return "\n".join([*lines, f"Left: {left}."])


def strictly_dominated(game: NormalFormGame, remaining: Sequence[Sequence[int]] | None = None) -> list[Dominance]:
    """Every strategy strictly dominated in a sub-game, by a pure or mixed strategy.

    Parameters
    ----------
    game : NormalFormGame
        Any number of players.
    remaining : sequence of sequences of int, optional
        Player ``i`` keeps only ``remaining[i]`` (original indices, at least one); all by default.

    Returns
    -------
    list of Dominance
        In player order, then strategy order; a pure dominator whenever one exists.

    Raises
    ------
    ValueError
        If ``remaining`` does not name at least one valid strategy per player.

    Examples
    --------
    >>> pd = NormalFormGame.from_matrices("pd", ("Row", "Col"), (("C", "D"), ("C", "D")),
    ...                                   [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> [d.text(pd) for d in strictly_dominated(pd)]
    ["Row's C is strictly dominated by D", "Col's C is strictly dominated by D"]
    >>> strictly_dominated(pd, remaining=((1,), (0, 1)))[0].margin
    1.0
    """
    kept = _check_remaining(game, remaining)
    tol = tolerance(game)
    found = []
    for player in range(game.n_players):
        values = _own_by_others(game, kept, player)
        for row, strategy in enumerate(kept[player]):
            dominated = _dominator(values, row, kept[player], tol)
            if dominated is not None:
                found.append(Dominance(player, strategy, *dominated))
    return found


def iterated_elimination(game: NormalFormGame) -> Elimination:
    """Iterated elimination of strictly dominated strategies, all at once per round.

    Each round removes every strategy :func:`strictly_dominated` finds in the current
    sub-game, for all players simultaneously, until none is left.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("g", ("Row", "Col"), (("Up", "Down"), ("Left", "Middle", "Right")),
    ...                                  [[1, 1, 0], [0, 0, 2]], [[0, 2, 1], [3, 1, 0]])
    >>> result = iterated_elimination(g)
    >>> print(result.text(g))
    Round 1: Col's Right is strictly dominated by Middle.
    Round 2: Row's Down is strictly dominated by Up.
    Round 3: Col's Left is strictly dominated by Middle.
    Left: Row: Up; Col: Middle.
    >>> result.remaining, result.solvable
    (((0,), (1,)), True)
    """
    kept: Remaining = tuple(tuple(range(n)) for n in game.shape)
    steps = []
    while found := strictly_dominated(game, kept):
        steps.append(tuple(found))
        removed = {(d.player, d.strategy) for d in found}
        kept = tuple(tuple(s for s in own if (i, s) not in removed) for i, own in enumerate(kept))
    return Elimination(tuple(steps), kept)


def _check_remaining(game: NormalFormGame, remaining: Sequence[Sequence[int]] | None) -> Remaining:
    if remaining is None:
        return tuple(tuple(range(n)) for n in game.shape)
    if len(remaining) != game.n_players:
        raise ValueError(f"remaining needs one tuple per player ({game.n_players}), got {len(remaining)}")
    kept = tuple(tuple(sorted({int(s) for s in own})) for own in remaining)
    for player, (n, own) in enumerate(zip(game.shape, kept)):
        if not own or own[0] < 0 or own[-1] >= n:
            raise ValueError(f"remaining[{player}] = {own} must name some of the strategies 0..{n - 1}")
    return kept


def _own_by_others(game: NormalFormGame, kept: Remaining, player: int) -> FloatArray:
    """Player's payoffs in the sub-game, shape (own remaining, others' remaining profiles)."""
    values = game.payoffs[np.ix_(*kept)][..., player]
    return np.moveaxis(values, player, 0).reshape(len(kept[player]), -1)


def _dominator(values: FloatArray, row: int, own: tuple[int, ...], tol: float) -> tuple[Dominator, float] | None:
    """The dominator of ``own[row]`` and its margin: pure if possible, else by LP."""
    others = [r for r in range(len(own)) if r != row]
    if not others:
        return None
    gains = values[others] - values[row]  # (other strategies, profiles)
    margins = gains.min(axis=1)
    best = int(np.argmax(margins))
    if margins[best] > tol:
        return ((own[others[best]], 1.0),), float(margins[best])
    if len(others) < 2 or np.any(gains.max(axis=0) <= tol):
        return None  # some profile where no other strategy does better: no mix can
    weights = _max_min_weights(gains)
    margin = float(np.min(weights @ gains))
    if margin <= tol:
        return None
    return tuple((own[others[j]], float(w)) for j, w in enumerate(weights) if w > 0), margin


def _max_min_weights(gains: FloatArray) -> FloatArray:
    """Weights σ maximising ``min_p (σ @ gains)[p]`` (the LP of the module docstring)."""
    from scipy.optimize import linprog

    m, n_profiles = gains.shape
    scaled = gains / float(np.max(np.abs(gains)))  # not all zero: some gain exceeds the tolerance
    cost = np.zeros(m + 1)
    cost[-1] = -1.0  # maximise ε
    a_ub = np.hstack([-scaled.T, np.ones((n_profiles, 1))])  # ε - σ @ gains[:, p] <= 0
    a_eq = np.append(np.ones(m), 0.0).reshape(1, -1)
    bounds = [(0.0, None)] * m + [(None, None)]
    result = linprog(
        cost, A_ub=a_ub, b_ub=np.zeros(n_profiles), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs", options=_HIGHS
    )
    if result.status != 0:
        raise SolverError(f"the dominance linear program failed: {result.message}")
    weights = np.clip(np.asarray(result.x[:m], dtype=float), 0.0, None)
    weights[weights < WEIGHT_TOL] = 0.0
    cleaned: FloatArray = weights / weights.sum()
    return cleaned


def _weight_text(weight: float) -> str:
    """``"1/2"`` for weights that are simple fractions, else three decimals (tiny ones
    in scientific notation, so that no positive weight reads as zero)."""
    simple = Fraction(weight).limit_denominator(100)
    if simple != 0 and abs(float(simple) - weight) <= REGRET:
        return str(simple)
    return f"{weight:.3f}" if weight >= 1e-3 else f"{weight:.1e}"
