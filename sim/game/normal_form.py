"""Normal-form games with labelled players and strategies.

The convention, written down once (every other module refers here):

* ``players`` is ordered; the first player is the *row* player of a matrix, the
  second the *column* player.
* ``strategies[i]`` is player *i*'s labels, in the order the scenario lists them.
* ``payoffs`` is one float array of shape ``(n_1, ..., n_k, k)``: ``payoffs[s_1, ...,
  s_k, i]`` is player *i*'s payoff when player *j* plays strategy ``s_j``. For two
  players ``payoffs[..., 0]`` and ``payoffs[..., 1]`` are nashpy's ``A`` and ``B``,
  both indexed row-by-column.
* A mixed strategy of player *i* is a probability vector of length ``n_i``; a profile
  of mixed strategies is a tuple with one vector per player, in player order.
* ``exact_payoffs``, when present, holds the same payoffs as
  :class:`fractions.Fraction` (object array, same shape), from the numbers exactly as
  written in the scenario; it enables exact equilibria.
* ``source_labels``, when present, holds the player and strategy names exactly as a
  game file wrote them, where they differ from the labels (which are unique and
  non-empty, see :mod:`sim.game.nfg`); writing the game back uses them.

Payoff arrays are built from a scenario each round by a
:class:`sim.scenario.template.PayoffTemplate`: one compiled formula per profile and
player.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from sim.game.tolerances import payoff_tolerance

__all__ = [
    "FloatArray",
    "NormalFormGame",
    "SourceLabels",
    "best_response_marks",
    "expected_payoffs",
    "strategy_payoffs",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SourceLabels:
    """Player and strategy names as a game file wrote them (empty or repeated ones too)."""

    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """A finite game in strategic form (see the module docstring for the layout).

    Examples
    --------
    >>> pd = NormalFormGame.from_matrices(
    ...     "prisoners_dilemma", ("Row", "Col"), (("C", "D"), ("C", "D")),
    ...     [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> pd.shape, pd.payoff_of(("D", "C"))
    ((2, 2), (5.0, 0.0))
    """

    name: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    payoffs: FloatArray
    exact_payoffs: npt.NDArray[np.object_] | None = None
    source_labels: SourceLabels | None = None

    def __post_init__(self) -> None:
        shape = tuple(len(s) for s in self.strategies)
        if len(self.players) != len(self.strategies):
            raise ValueError("one strategy list per player is needed")
        source = self.source_labels
        if source is not None and (len(source.players), tuple(map(len, source.strategies))) != (len(shape), shape):
            raise ValueError("source_labels must name the same players and strategies")
        if self.payoffs.shape != (*shape, len(self.players)):
            raise ValueError(f"payoffs of shape {self.payoffs.shape}, expected {(*shape, len(self.players))}")
        if not np.isfinite(self.payoffs).all():
            raise ValueError("payoffs must be finite")
        # Games are shared (remembered builds and solutions): their arrays are read-only,
        # copied first if the caller's array is writeable, so the caller keeps theirs.
        for name in ("payoffs", "exact_payoffs"):
            array = getattr(self, name)
            if array is not None and array.flags.writeable:
                array = array.copy()
                array.setflags(write=False)
                object.__setattr__(self, name, array)

    @classmethod
    def from_matrices(
        cls,
        name: str,
        players: tuple[str, str],
        strategies: tuple[tuple[str, ...], tuple[str, ...]],
        row_payoffs: Sequence[Sequence[float]],
        column_payoffs: Sequence[Sequence[float]],
    ) -> NormalFormGame:
        """A two-player game from nashpy-style ``A`` and ``B`` (both row x column)."""
        payoffs = np.stack([np.asarray(row_payoffs, float), np.asarray(column_payoffs, float)], axis=-1)
        return cls(name, players, strategies, payoffs)

    @classmethod
    def from_arrays(
        cls,
        row_payoffs: Sequence[Sequence[float]] | FloatArray,
        column_payoffs: Sequence[Sequence[float]] | FloatArray | None = None,
        *,
        name: str = "game",
        players: tuple[str, str] = ("Row", "Column"),
        strategies: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> NormalFormGame:
        """A two-player game from two arrays, as ``nashpy.Game(A, B)``: without ``B`` the
        game is zero-sum (``B = -A``); strategies are numbered ``1, 2, ...`` unless given.

        Examples
        --------
        >>> game = NormalFormGame.from_arrays([[1, -1], [-1, 1]])
        >>> game.players, game.strategies, game.payoff_of(("1", "2"))
        (('Row', 'Column'), (('1', '2'), ('1', '2')), (-1.0, 1.0))
        """
        a = np.asarray(row_payoffs, dtype=float)
        b = -a if column_payoffs is None else np.asarray(column_payoffs, dtype=float)
        if a.ndim != 2 or a.shape != b.shape:
            raise ValueError(f"two payoff matrices of the same shape are needed, not {a.shape} and {b.shape}")
        labels = strategies or (
            tuple(str(k + 1) for k in range(a.shape[0])),
            tuple(str(k + 1) for k in range(a.shape[1])),
        )
        return cls(name, players, labels, np.stack([a, b], axis=-1))

    @cached_property
    def shape(self) -> tuple[int, ...]:
        """Number of strategies of each player."""
        return tuple(len(s) for s in self.strategies)

    @cached_property
    def payoff_scale(self) -> float:
        """The spread of the payoffs, the scale of the game's tolerances (see
        :mod:`sim.game.tolerances`): the largest ``max - min`` of a player's payoffs; if
        every player's payoffs are constant, their largest absolute value (1 if all are
        zero). It scales with the payoffs' unit, so tolerances do too.
        """
        spread = float(np.max(np.ptp(self.payoffs.reshape(-1, self.n_players), axis=0)))
        return spread if spread > 0 else self.payoff_magnitude or 1.0

    @cached_property
    def payoff_magnitude(self) -> float:
        """The largest absolute payoff (for the round-off allowed on large numbers)."""
        return float(np.abs(self.payoffs).max())

    @property
    def n_players(self) -> int:
        """Number of players."""
        return len(self.players)

    def profiles(self) -> Iterator[tuple[int, ...]]:
        """Every pure profile as strategy indices, in C (row-major) order."""
        return itertools.product(*(range(n) for n in self.shape))

    def labels_of(self, profile: Sequence[int]) -> tuple[str, ...]:
        """The labels of a pure profile given as indices."""
        return tuple(map(operator.getitem, self.strategies, profile))

    def payoff_of(self, labels: Sequence[str]) -> tuple[float, ...]:
        """Payoffs of a pure profile given by labels."""
        index = tuple(self.strategies[i].index(label) for i, label in enumerate(labels))
        return tuple(float(x) for x in self.payoffs[index])

    def with_payoffs(self, payoffs: FloatArray) -> NormalFormGame:
        """The same players and strategies with other payoffs (no exact copy)."""
        return NormalFormGame(self.name, self.players, self.strategies, payoffs, source_labels=self.source_labels)


def strategy_payoffs(game: NormalFormGame, profile: Sequence[FloatArray], player: int) -> FloatArray:
    """Expected payoff of each pure strategy of ``player`` against the others' mix.

    Parameters
    ----------
    game : NormalFormGame
    profile : sequence of arrays
        One mixed strategy per player (``profile[player]`` is ignored).
    player : int

    Returns
    -------
    array of shape ``(n_player,)``

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> strategy_payoffs(g, (np.array([.5, .5]), np.array([.25, .75])), 0).tolist()
    [-0.5, 0.5]
    """
    if game.n_players == 2:  # the common case, without the general tensor contraction
        return game.payoffs[..., 0] @ profile[1] if player == 0 else profile[0] @ game.payoffs[..., 1]
    tensor = np.moveaxis(game.payoffs[..., player], player, 0)
    others = [p for i, p in enumerate(profile) if i != player]
    for mix in reversed(others):
        tensor = tensor @ np.asarray(mix, dtype=float)
    return np.asarray(tensor, dtype=float)


def best_response_marks(game: NormalFormGame) -> npt.NDArray[np.bool_]:
    """Boolean array shaped like ``payoffs``: is each entry a best response of its
    player to the others' pure strategies (ties within :data:`sim.game.tolerances.REGRET`
    times the player's spread of payoffs)?

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("pd", ("R", "C"), (("C", "D"), ("C", "D")),
    ...                                  [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> best_response_marks(g)[1, 1].tolist()
    [True, True]
    """
    marks = np.zeros(game.payoffs.shape, dtype=bool)
    for player in range(game.n_players):
        values = game.payoffs[..., player]
        best = values.max(axis=player, keepdims=True)
        tol = payoff_tolerance(float(np.ptp(values)), float(np.abs(values).max()))
        marks[..., player] = values >= best - tol
    return marks


def expected_payoffs(game: NormalFormGame, profile: Sequence[FloatArray]) -> FloatArray:
    """Expected payoff of every player under a mixed profile, shape ``(k,)``."""
    return np.array([float(np.dot(strategy_payoffs(game, profile, i), profile[i])) for i in range(game.n_players)])
