"""Game trees read from Gambit ``.efg`` files: the tree, and what the file says beyond it.

An :class:`EfgGame` is an :class:`~sim.game.tree.ExtensiveFormGame` (solve it, draw it, check
it like any tree) with one more field, ``source``: an :class:`EfgSource` holding the
numbers and names as the file wrote them, which the tree itself does not keep, so that
:func:`sim.game.efg_write.write_efg` writes the file back and messages can name things as the
file does:

* ``source.infosets[k]`` is the tree's information set ``k`` as the file numbers it
  (:class:`EfgInfoset`: the player's number, the file's information-set number, its name
  and its moves as written). The tree's label of the set is its name, or
  ``"player:number"`` (``"1:2"``) when the name is empty; see :mod:`sim.game.efg`.
* ``source.chance[n]`` is the chance information set of chance node ``n`` (player 0).
* ``source.node_names[n]`` and ``source.node_outcomes[n]`` are the name and the outcome
  (:class:`EfgOutcome`, or ``None``) the file gives node ``n``; the tree's terminal
  payoffs are the sums of the outcomes on the path to each terminal.
* ``source.players`` are the player names as written (the tree's labels are made
  unique and non-empty), ``source.comment`` the file's comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from sim.game.tree import ExtensiveFormGame

__all__ = ["EfgGame", "EfgInfoset", "EfgOutcome", "EfgSource"]


@dataclass(frozen=True)
class EfgOutcome:
    """An outcome of the file: its number, its name and one payoff per player."""

    number: int
    name: str
    payoffs: tuple[Fraction, ...]


@dataclass(frozen=True)
class EfgInfoset:
    """An information set as the file writes it: the player's number (from 1; 0 for
    chance), the file's number of the set (per player), its name and its moves."""

    player: int
    number: int
    name: str
    moves: tuple[str, ...]


@dataclass(frozen=True)
class EfgSource:
    """What an ``.efg`` file says beyond the tree (see the module docstring)."""

    comment: str
    players: tuple[str, ...]
    node_names: tuple[str, ...]
    node_outcomes: tuple[EfgOutcome | None, ...]
    infosets: tuple[EfgInfoset, ...]
    chance: Mapping[int, EfgInfoset]


@dataclass(frozen=True, eq=False)
class EfgGame(ExtensiveFormGame):
    """A game tree read from an ``.efg`` file, with the file's numbers and names.

    Examples
    --------
    >>> from sim.game.efg import parse_efg
    >>> game = parse_efg('EFG 2 R "t" { "A" } "" p "root" 1 7 "" { "x" "y" } 0 t "" 1 "win" { 1 } t "" 0')
    >>> game.infosets[0].label, game.source.infosets[0], game.source.node_names
    ('1:7', EfgInfoset(player=1, number=7, name='', moves=('x', 'y')), ('root', '', ''))
    """

    source: EfgSource = field(kw_only=True)
