"""The payoff template of a game: one compiled formula per profile and player, and the
game it builds from the current state each round.

Game layout: see :mod:`sim.game.normal_form`.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from sim.errors import FormulaError, RunError
from sim.game.normal_form import NormalFormGame
from sim.scenario.expressions import Formula

__all__ = ["BUILT_CACHE_SIZE", "PayoffTemplate", "clear_built"]


@dataclass(frozen=True)
class PayoffTemplate:
    """Compiled payoff formulas of one game: ``cells[profile_index][player]``.

    Profiles are in C order (see :meth:`NormalFormGame.profiles`). When a cell is
    evaluated, each player's name is bound to its strategy label in that profile, so a
    formula can say ``EU == 'D'``; ``lets`` are the game's named sub-formulas.
    """

    name: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    cells: tuple[tuple[Formula, ...], ...]

    inputs: tuple[str, ...] = field(init=False, default=())
    """The values the payoffs read (the players' own names excluded): the build cache's key."""

    def __post_init__(self) -> None:
        names = set().union(*(formula.names for row in self.cells for formula in row)) - set(self.players)
        object.__setattr__(self, "inputs", tuple(sorted(names)))

    def build(self, values: Mapping[str, Any], *, exact: bool = False) -> NormalFormGame:
        """Evaluate every cell at ``values`` (the current state).

        With ``exact=True`` the payoffs are also computed as Fractions from the values
        as written (``exact_payoffs``); if a cell leaves exact arithmetic (``exp``,
        ...), ``exact_payoffs`` is ``None``.

        Raises
        ------
        RunError
            If a formula fails (division by zero, ...), naming the game, profile and
            player.
        """
        key = (id(self), exact, *(values[name] for name in self.inputs))
        cached = _BUILT.get(key)
        if cached is not None and cached[0] is self:
            _BUILT.move_to_end(key)
            return cached[1]
        game = self._build(values, exact)
        _BUILT[key] = (self, game)
        if len(_BUILT) > BUILT_CACHE_SIZE:
            _BUILT.popitem(last=False)
        return game

    def _build(self, values: Mapping[str, Any], exact: bool) -> NormalFormGame:
        shape = tuple(len(s) for s in self.strategies)
        k = len(self.players)
        payoffs = np.empty((*shape, k))
        flat = payoffs.reshape(-1, k)
        exact_values = _exact_values(values, self.inputs) if exact else None
        exact_cells: list[Any] | None = [] if exact else None
        bound = dict(values)  # one copy; each cell then binds the players to its labels
        exact_bound = dict(exact_values) if exact_values is not None else {}
        for index, labels in enumerate(itertools.product(*self.strategies)):
            bound.update(zip(self.players, labels))
            for player, formula in enumerate(self.cells[index]):
                flat[index, player] = self._evaluate(formula, bound, labels, player)
            if exact_values is not None and exact_cells is not None:
                exact_bound.update(zip(self.players, labels))
                exact_cells.extend(self._evaluate_exact(f, exact_bound) for f in self.cells[index])
        exact_array = None
        if exact_cells is not None and all(isinstance(x, Fraction) for x in exact_cells):
            exact_array = np.empty(len(exact_cells), dtype=object)
            exact_array[:] = exact_cells
            exact_array = exact_array.reshape((*shape, k))
            exact_array.setflags(write=False)
        payoffs.setflags(write=False)  # built here, shared from here on: no copy needed
        return NormalFormGame(self.name, self.players, self.strategies, payoffs, exact_array)

    def _where(self, labels: tuple[str, ...], player: int) -> str:
        return f"game {self.name}, payoff of {self.players[player]} at ({', '.join(labels)})"

    def _evaluate(self, formula: Formula, values: Mapping[str, Any], labels: tuple[str, ...], player: int) -> float:
        try:
            return float(formula.evaluate(values))
        except FormulaError as exc:
            raise RunError(f"{self._where(labels, player)}: {exc}") from None

    @staticmethod
    def _evaluate_exact(formula: Formula, values: Mapping[str, Any]) -> Any:
        """Exact value, or None when exact arithmetic fails where floats did not
        (e.g. an exact zero divisor that rounding made non-zero)."""
        try:
            value = formula.evaluate_exact(values)
        except FormulaError:
            return None
        return Fraction(value) if isinstance(value, (bool, int)) else value


#: Games built from the same template and the same input values are the same game (exact
#: payoffs come from the same floats' decimal forms): the most recent ones are remembered.
BUILT_CACHE_SIZE = 4096
_BUILT: OrderedDict[tuple[Any, ...], tuple[PayoffTemplate, NormalFormGame]] = OrderedDict()


def clear_built() -> None:
    """Forget the remembered games (see :data:`BUILT_CACHE_SIZE`)."""
    _BUILT.clear()


def _exact_values(values: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The values of ``names``, every float replaced by the Fraction of its shortest
    decimal form (``0.1`` is 1/10)."""
    exact = {}
    for name in names:
        value = values[name]
        exact[name] = _decimal(value) if isinstance(value, float) else value
    return exact


@lru_cache(maxsize=4096)
def _decimal(value: float) -> Fraction:
    """The Fraction of a float's shortest decimal form, remembered: a run's state values
    repeat from round to round (make bench: "flagship run, exact")."""
    return Fraction(repr(float(value)))  # a numpy float64 is a float whose repr is np.float64(...)
