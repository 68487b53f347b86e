"""Equilibria as data: one verified equilibrium, what solving one game produced, the
tolerance on a game's payoffs, regret, and the canonical order of equilibria.

Game layout: see :mod:`sim.game.normal_form`. The solvers make these records
(:mod:`sim.solvers.finalize` verifies every one before it is made).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from sim.game import tolerances
from sim.game.normal_form import FloatArray, NormalFormGame, strategy_payoffs

__all__ = [
    "ATOL",
    "SAME_TOL",
    "Equilibrium",
    "ExactProfile",
    "Profile",
    "SolveResult",
    "canonical_key",
    "key_of_lists",
    "regret",
    "tolerance",
]

#: Verification tolerance, relative to the payoff scale (:data:`sim.game.tolerances.REGRET`).
ATOL = tolerances.REGRET
#: Two equilibria whose probabilities all differ by less than this are the same
#: (:data:`sim.game.tolerances.SAME_PROBABILITY`).
SAME_TOL = tolerances.SAME_PROBABILITY

Profile = tuple[FloatArray, ...]
ExactProfile = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True, eq=False)
class Equilibrium:
    """One verified equilibrium.

    Attributes
    ----------
    strategies : tuple of arrays
        One probability vector per player (see :mod:`sim.game.normal_form`).
    payoffs : array of shape (k,)
        Each player's expected payoff, in the game's units.
    regret : float
        Largest gain any player could make by deviating, relative to the spread of
        that player's payoffs (at most :data:`sim.game.tolerances.REGRET`).
    exact : tuple of tuples of Fraction, or None
        The same strategies as exact fractions, when they were checked exactly.
    """

    strategies: Profile
    payoffs: FloatArray
    regret: float
    exact: ExactProfile | None = None

    @cached_property
    def supports(self) -> tuple[tuple[int, ...], ...]:
        """Per player, the indices of the strategies played with positive probability."""
        return tuple(tuple(i for i, p in enumerate(mix.tolist()) if p) for mix in self.strategies)

    @cached_property
    def is_pure(self) -> bool:
        """True if every player plays one strategy with probability one."""
        return all(len(support) == 1 for support in self.supports)

    def support(self, player: int) -> tuple[int, ...]:
        """Indices of the strategies ``player`` plays with positive probability."""
        return self.supports[player]

    def probability_text(self, player: int, strategy: int) -> str:
        """``"193/215"`` when exact, else a decimal string such as ``"0.8976744186"``."""
        if self.exact is not None:
            return str(self.exact[player][strategy])
        return format(float(self.strategies[player][strategy]), ".10g")


@dataclass(frozen=True, eq=False)
class SolveResult:
    """What solving one game produced.

    Attributes
    ----------
    game : NormalFormGame
    equilibria : tuple of Equilibrium
        Verified, without duplicates, in canonical order.
    method : str
        The solver's registered name.
    degenerate : bool
        True if the game is degenerate (ties, or continua of equilibria); the list
        then holds extreme equilibria.
    complete : bool
        True if the method guarantees that every (extreme) equilibrium is listed.
    notes : tuple of str
        Solver warnings and dropped candidates, for the curious.
    components : tuple of tuples of int
        Two players, complete list: the connected components of the equilibrium set,
        as indices of their extreme equilibria (see :mod:`sim.game.components`); empty
        otherwise.
    nash_subsets : tuple of tuples of int
        Two players, complete list: the maximal sets of extreme equilibria whose convex
        hull consists of equilibria; empty otherwise.
    """

    game: NormalFormGame
    equilibria: tuple[Equilibrium, ...]
    method: str
    degenerate: bool
    complete: bool
    notes: tuple[str, ...] = ()
    components: tuple[tuple[int, ...], ...] = ()
    nash_subsets: tuple[tuple[int, ...], ...] = ()


def tolerance(game: NormalFormGame) -> float:
    """The tolerance on ``game``'s payoffs, in its units (see :mod:`sim.game.tolerances`):
    :data:`~sim.game.tolerances.REGRET` times its payoff scale, plus round-off on large payoffs.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("g", ("A", "B"), (("x", "y"), ("x", "y")),
    ...                                  [[0, 10], [5, 5]], [[0, 1], [1, 0]])
    >>> tolerance(g) == tolerance(g.with_payoffs(g.payoffs * 2.0**-30)) * 2.0**30
    True
    """
    return tolerances.payoff_tolerance(game.payoff_scale, game.payoff_magnitude)


def regret(game: NormalFormGame, profile: Sequence[FloatArray]) -> float:
    """Largest gain any player can make by a unilateral pure deviation.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("pd", ("R", "C"), (("C", "D"), ("C", "D")),
    ...                                  [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> regret(g, (np.array([0., 1.]), np.array([0., 1.]))), regret(g, (np.array([1., 0.]), np.array([1., 0.])))
    (0.0, 2.0)
    """
    gain = 0.0
    for player in range(game.n_players):
        values = strategy_payoffs(game, profile, player)
        gain = max(gain, float(values.max()) - float(values.dot(profile[player])))
    return gain


def canonical_key(strategies: Sequence[FloatArray]) -> tuple[object, ...]:
    """Sort key: smaller total support first, then higher probability on earlier
    strategies, player by player (so pure equilibria come first, in label order)."""
    return key_of_lists([np.asarray(mix, dtype=float).tolist() for mix in strategies])


def key_of_lists(mixes: Sequence[list[float]]) -> tuple[object, ...]:
    """:func:`canonical_key` of mixed strategies given as lists of floats."""
    joined = [p for mix in mixes for p in mix]
    return (sum(1 for p in joined if p), tuple([-round(p * 1e9) for p in joined]))
