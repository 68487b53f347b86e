"""The normalised copy of a game that the solvers see: the same equilibria, in any unit.

A game's equilibria do not change when a player's payoffs are shifted by a constant or
multiplied by a positive one. The solvers and every tolerance-based check therefore work
on a copy in which each player's payoffs are

    normalised = (payoff - lowest) * 2**k,

``lowest`` the player's lowest payoff and ``2**k`` the power of two that puts the
player's spread ``highest - lowest`` in ``[1/2, 1)``; a player whose payoffs are all
equal gets zeros. Multiplying by a power of two is exact in binary floating point, and
the shift is exact for integers (up to ``2**53``), so integer payoffs stay integers
times a power of two, ties stay ties, and exact (Fraction) payoffs are normalised
exactly. Payoffs as large as ``1.7e308`` are first scaled down by a power of two, so
that the spread cannot overflow.

Game layout: see :mod:`sim.game.normal_form`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sim.game.normal_form import FloatArray, NormalFormGame

__all__ = ["Scaled", "normalise"]


@dataclass(frozen=True, eq=False)
class Scaled:
    """A game's normalised copy, and the per-player map back to the game's units.

    Attributes
    ----------
    game : NormalFormGame
        The normalised game (same names; payoffs in ``[0, 1)``; exact payoffs
        normalised exactly when the original has them).
    lowest : array of shape (k,)
        Each player's lowest payoff, in the original units.
    exponents : tuple of int
        ``k`` per player: normalised = (payoff - lowest) * 2**k.
    """

    game: NormalFormGame
    lowest: FloatArray
    exponents: tuple[int, ...]

    def to_original(self, payoffs: FloatArray) -> FloatArray:
        """Expected payoffs of the normalised game (one per player), in the original units.

        Examples
        --------
        >>> g = NormalFormGame.from_matrices("g", ("A", "B"), (("x", "y"), ("x", "y")),
        ...                                  [[0, 12], [3, 6]], [[1, 1], [1, 1]])
        >>> scaled = normalise(g)
        >>> scaled.game.payoffs[..., 0].tolist(), scaled.to_original(np.array([0.75, 0.0])).tolist()
        ([[0.0, 0.75], [0.1875, 0.375]], [12.0, 1.0])
        """
        return np.array([math.ldexp(p, -k) + low for p, k, low in zip(payoffs.tolist(), self.exponents, self.lowest)])

    def gain_to_original(self, player: int, gain: float) -> float:
        """A payoff difference of ``player`` in the normalised game, in the original units."""
        return math.ldexp(gain, -self.exponents[player])


def normalise(game: NormalFormGame) -> Scaled:
    """The normalised copy of ``game`` (see the module docstring), remembered on the game.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("g", ("A", "B"), (("x", "y"), ("x", "y")),
    ...                                  [[4e12, 12e12], [8e12, 0]], [[-5, -5], [-5, -5]])
    >>> scaled = normalise(g)
    >>> scaled.game.payoffs[..., 0].round(4).tolist(), scaled.game.payoffs[..., 1].tolist()
    ([[0.2274, 0.6821], [0.4547, 0.0]], [[0.0, 0.0], [0.0, 0.0]])
    >>> normalise(g.with_payoffs(g.payoffs * 1e-21)).game.payoffs[..., 0].round(4).tolist()  # another unit
    [[0.2684, 0.8053], [0.5369, 0.0]]
    """
    cached = game.__dict__.get("_normalised")
    if isinstance(cached, Scaled):
        return cached
    payoffs, lowest, exponents = _normalise_players(game.payoffs)
    exact = None if game.exact_payoffs is None else _normalise_exact(game.exact_payoffs, exponents)
    normal = NormalFormGame(game.name, game.players, game.strategies, payoffs, exact)
    normal.__dict__["_normalised"] = Scaled(normal, np.zeros(game.n_players), (0,) * game.n_players)
    scaled = Scaled(normal, lowest, exponents)
    game.__dict__["_normalised"] = scaled  # like a cached_property: the game is immutable
    return scaled


def _normalise_players(payoffs: FloatArray) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    """Every player's payoffs normalised (read-only), their lowest values and exponents."""
    flat = payoffs.reshape(-1, payoffs.shape[-1])
    low, high = flat.min(axis=0), flat.max(axis=0)
    down = -np.maximum(np.frexp(low)[1], np.frexp(high)[1])  # |payoffs| * 2**down < 1: no overflow
    spread = np.ldexp(high, down) - np.ldexp(low, down)
    exponent = np.where(spread > 0, down - np.frexp(spread)[1], 0)  # spread * 2**(exponent - down) in [1/2, 1)
    shifted = np.ldexp(payoffs, down) - np.ldexp(low, down)
    normal = np.ldexp(shifted, exponent - down)
    normal[..., spread == 0] = 0.0  # a player whose payoffs are all equal
    normal.setflags(write=False)
    return normal, low, tuple(exponent.tolist())


def _normalise_exact(exact: npt.NDArray[np.object_], exponents: tuple[int, ...]) -> npt.NDArray[np.object_]:
    """The exact payoffs normalised in Fractions, exactly, with the floats' exponents (so
    that the exact game stays the float game's exact counterpart)."""
    result = np.empty_like(exact)
    for player, exponent in enumerate(exponents):
        values: list[Fraction] = exact[..., player].ravel().tolist()
        low, factor = min(values), Fraction(2) ** exponent
        column = np.empty(len(values), dtype=object)
        column[:] = [(value - low) * factor for value in values]
        result[..., player] = column.reshape(exact.shape[:-1])
    result.setflags(write=False)
    return result
