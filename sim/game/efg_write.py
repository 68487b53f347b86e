"""Writing Gambit extensive-form game files (``.efg``); reading is :mod:`sim.game.efg`.

:func:`write_efg` writes a game tree the way Gambit does (one node a line, in prefix
order, each node restating its information set and outcome), so that pygambit and
:func:`sim.game.efg.parse_efg` read it back to the same game.

* A game read from a file (:class:`sim.game.efg_game.EfgGame`) is written with the file's
  names and numbers: player, node, information-set, move and outcome names as written
  (empty or repeated ones too), the file's information-set and outcome numbers, its
  comment, and its outcomes where the file put them (on inner nodes too).
* Any other tree is written with its labels as names: each player's information sets
  numbered from 1 in the tree's order and named by their labels, each chance node an
  information set of its own, and one outcome per terminal, numbered in tree order.

Numbers are written exactly (``3``, ``3/4``) when the game has exact payoffs and
probabilities, else as each float's shortest ``repr`` (``e+`` shortened to ``e``, which
Gambit's reader needs); float probabilities whose written decimals do not sum exactly to
1 have the difference (at most :data:`sim.game.tree.PROBABILITY_SUM`) added to the largest,
so that the file is valid for readers that check the sum exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from sim.game.efg_game import EfgGame, EfgInfoset
from sim.game.nfg_write import _format_number, _quote
from sim.game.tree import ExtensiveFormGame, Node

__all__ = ["write_efg"]


def _list(items: Sequence[str], separator: str = " ") -> str:
    return "{ " + separator.join(items) + " }"


def _float_probabilities(probabilities: Sequence[float]) -> list[str]:
    """The shortest decimals of the floats, the largest adjusted so that they sum to 1 exactly."""
    texts = [_format_number(p) for p in probabilities]
    missing = 1 - sum(Decimal(text) for text in texts)
    if missing:
        largest = max(range(len(texts)), key=lambda m: probabilities[m])
        texts[largest] = format(Decimal(texts[largest]) + missing, "f")
    return texts


class _Writer:
    """The lines of one game's file."""

    def __init__(self, game: ExtensiveFormGame) -> None:
        self.game = game
        self.source = game.source if isinstance(game, EfgGame) else None
        self.numbers = [0] * len(game.infosets)  # each set's number among its player's sets, from 1
        for player in range(game.n_players):
            for number, k in enumerate(game.infosets_of(player), start=1):
                self.numbers[k] = number
        self.chance_numbers = {k: n for n, k in enumerate((k for k, node in game.walk() if node.kind == "chance"), 1)}
        self.terminal_numbers = {k: n for n, k in enumerate(game.terminals, start=1)}

    def header(self) -> list[str]:
        players = self.source.players if self.source else self.game.players
        comment = self.source.comment if self.source else ""
        return [f"EFG 2 R {_quote(self.game.name)} {_list([_quote(p) for p in players])}", _quote(comment), ""]

    def node(self, k: int, node: Node) -> str:
        name = _quote(self.source.node_names[k] if self.source else "")
        if node.kind == "terminal":
            return f"t {name} {self.outcome(k, node)}"
        if node.kind == "chance":
            infoset = self.chance(k, node)
            moves = zip(infoset.moves, self.probabilities(k, node))
            return (
                f"c {name} {infoset.number} {_quote(infoset.name)} {_list([f'{_quote(m)} {p}' for m, p in moves])} "
                + (self.outcome(k, node))
            )
        infoset = self.decision(node)
        return (
            f"p {name} {infoset.player} {infoset.number} {_quote(infoset.name)} "
            f"{_list([_quote(m) for m in infoset.moves])} {self.outcome(k, node)}"
        )

    def decision(self, node: Node) -> EfgInfoset:
        if self.source:
            return self.source.infosets[node.infoset]
        infoset = self.game.infosets[node.infoset]
        return EfgInfoset(infoset.player + 1, self.numbers[node.infoset], infoset.label, infoset.moves)

    def chance(self, k: int, node: Node) -> EfgInfoset:
        if self.source:
            return self.source.chance[k]
        return EfgInfoset(0, self.chance_numbers[k], "", node.moves)

    def probabilities(self, k: int, node: Node) -> list[str]:
        if self.game.exact_probabilities is not None:
            return [_format_number(p) for p in self.game.exact_probabilities[k]]
        return _float_probabilities(node.probabilities)

    def outcome(self, k: int, node: Node) -> str:
        if self.source:
            outcome = self.source.node_outcomes[k]
            if outcome is None:
                return "0"
            number, name, payoffs = outcome.number, outcome.name, list[Fraction | float](outcome.payoffs)
        elif node.kind == "terminal":
            number, name = self.terminal_numbers[k], ""
            exact = self.game.exact_payoffs
            payoffs = list(exact[k]) if exact is not None else list(node.payoffs)
        else:
            return "0"
        return f"{number} {_quote(name)} {_list([_format_number(p) for p in payoffs], ', ')}"


def write_efg(game: ExtensiveFormGame) -> str:
    """The text of a Gambit ``.efg`` file of ``game`` (see the module docstring).

    Examples
    --------
    >>> from sim.game.tree import Chance, Decision, Terminal, build
    >>> game = build("bet", ("Ann",), Chance({
    ...     "rain": (0.25, Decision("Ann", {"stay": Terminal((1,)), "go": Terminal((-2.5,))}, infoset="wet")),
    ...     "sun": (0.75, Terminal((3,))),
    ... }))
    >>> print(write_efg(game), end="")
    EFG 2 R "bet" { "Ann" }
    ""
    <BLANKLINE>
    c "" 1 "" { "rain" 0.25 "sun" 0.75 } 0
    p "" 1 1 "wet" { "stay" "go" } 0
    t "" 1 "" { 1.0 }
    t "" 2 "" { -2.5 }
    t "" 3 "" { 3.0 }
    """
    writer = _Writer(game)
    return "\n".join([*writer.header(), *(writer.node(k, node) for k, node in game.walk())]) + "\n"
