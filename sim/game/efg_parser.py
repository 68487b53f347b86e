"""The nodes of a Gambit ``.efg`` file, read in prefix order (used by :mod:`sim.game.efg`).

:class:`Parser` reads the nodes as the file writes them (:class:`FileNode`), checking the
grammar, the numbers of players, information sets and outcomes, restatements of an
information set or outcome, chance probabilities, and the size of the tree
(:data:`MAX_DEPTH`, :data:`sim.game.tree.MAX_NODES`) as it goes; :mod:`sim.game.efg` builds the
game tree from them. The format is described in :mod:`sim.game.efg`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sim.game.efg_game import EfgInfoset, EfgOutcome
from sim.game.nfg import (
    _DECIMAL,
    _MAX_EXPONENT,
    _MAX_NUMBER_LENGTH,
    _RATIONAL,
    _payoff,
    _player_names,
    _players,
    _plural,
    _whole,
)
from sim.game.nfg_tokens import Token, Tokens, describe
from sim.game.tree import MAX_DEPTH, MAX_NODES

__all__ = ["MAX_DEPTH", "FileInfoset", "FileNode", "Key", "Parser", "read_header"]

_START = 'a Gambit extensive-form file starts with EFG 2 R "title"'
_NODE_KINDS = {"p": "player", "c": "chance", "t": "terminal"}
_PROBABILITY_HINT = "a probability is a number from 0 to 1 such as 1, 0.25 or 1/3"

Key = tuple[int, int]  # (player number, infoset number); player 0 is chance


@dataclass(frozen=True)
class FileNode:
    """A node as the file writes it (``infoset`` is ``None`` for a terminal)."""

    kind: str
    name: str
    line: int
    parent: int
    infoset: Key | None
    outcome: EfgOutcome | None


@dataclass(frozen=True)
class FileInfoset:
    """An information set as first defined, with its probabilities (chance) and line."""

    written: EfgInfoset
    probabilities: tuple[Fraction, ...]
    line: int


class Parser:
    """The nodes, information sets and outcomes of a file, read in prefix order."""

    def __init__(self, tokens: Tokens, players: Sequence[str]) -> None:
        self.tokens = tokens
        self.players = _player_names(players)  # as messages name them
        self.infosets: dict[Key, FileInfoset] = {}
        self.outcomes: dict[int, tuple[EfgOutcome, int]] = {}  # number -> outcome, line
        self.nodes: list[FileNode] = []

    def tree(self) -> None:
        """Read the nodes until the root's subtree is complete."""
        open_nodes: list[list[int]] = []  # [node, moves whose subtree is still to read], root first
        promised = 1  # nodes announced by the moves read so far, not yet read
        while True:
            if len(open_nodes) > MAX_DEPTH:
                raise self.tokens.error(
                    self.tokens.peek(),
                    f"the tree is more than {MAX_DEPTH} levels deep (sim.game.efg_parser.MAX_DEPTH: raise it there)",
                )
            moves = self.node(open_nodes[-1][0] if open_nodes else -1, promised)
            promised += moves - 1
            if open_nodes:
                open_nodes[-1][1] -= 1
            if moves:
                open_nodes.append([len(self.nodes) - 1, moves])
            while open_nodes and open_nodes[-1][1] == 0:
                open_nodes.pop()
            if not open_nodes:
                return

    def node(self, parent: int, promised: int) -> int:
        """Read one node; return its number of moves."""
        kind = self.tokens.take()
        if kind.kind == "end":
            raise self.tokens.error(
                kind,
                f"the file ends before the tree is complete: {_plural(promised, 'more node')} expected "
                "(one subtree per move of the nodes above)",
            )
        if kind.kind != "word" or kind.text not in _NODE_KINDS:
            raise self.tokens.error(
                kind, f"expected a node (p for a player, c for chance, t for a terminal), found {describe(kind)}"
            )
        name = self.tokens.expect(
            "string", f'the name of the {_NODE_KINDS[kind.text]} node in double quotes (it may be "")'
        )
        key: Key | None = None
        if kind.text == "p":
            player_token = self.tokens.take()
            player = _whole(self.tokens, player_token, "the number of the player")
            if not 1 <= player <= len(self.players):
                raise self.tokens.error(
                    player_token,
                    f"player number {player} is out of range: the game has {_plural(len(self.players), 'player')}, "
                    "numbered from 1",
                )
            key = (player, _whole(self.tokens, self.tokens.take(), "the number of the information set"))
        elif kind.text == "c":
            key = (0, _whole(self.tokens, self.tokens.take(), "the number of the chance information set"))
        moves = 0 if key is None else len(self.infoset(key).written.moves)
        announced = promised - 1 + moves
        if len(self.nodes) + 1 + announced > MAX_NODES:
            raise self.tokens.error(
                kind,
                f"the tree has more than {MAX_NODES} nodes ({len(self.nodes) + 1} read, {announced} more announced "
                "by the moves so far; sim.game.tree.MAX_NODES: raise it there)",
            )
        self.nodes.append(FileNode(kind.text, name.text, kind.line, parent, key, self.outcome()))
        return moves

    def _who(self, key: Key) -> str:
        player, number = key
        return (
            f"chance information set {number}"
            if player == 0
            else f"information set {number} of {self.players[player - 1]}"
        )

    def infoset(self, key: Key) -> FileInfoset:
        """The information set ``key``, defined (or restated) here if a name follows."""
        if self.tokens.peek().kind != "string":
            if key not in self.infosets:
                raise self.tokens.error(
                    self.tokens.peek(),
                    f"{self._who(key)} is used before it is defined: give its name and moves at its first node, "
                    f'e.g. {key[1]} "" {{ "a" "b" }}',
                )
            return self.infosets[key]
        name = self.tokens.take()
        self.tokens.expect("{", f"'{{' opening the moves of {self._who(key)}")
        moves, probabilities, close = self._moves(key)
        here = FileInfoset(EfgInfoset(key[0], key[1], name.text, moves), probabilities, name.line)
        known = self.infosets.setdefault(key, here)
        if known.written.name != here.written.name:
            raise self.tokens.error(
                name,
                f"{self._who(key)} is named {name.text!r} here but {known.written.name!r} at line {known.line}; "
                "every node of an information set has the same name (or leave the name and moves out)",
            )
        if (known.written.moves, known.probabilities) != (moves, probabilities):
            what = "moves and probabilities" if key[0] == 0 else "moves"
            raise self.tokens.error(
                close,
                f"{self._who(key)} has other {what} here than at line {known.line}: every node of an information "
                f"set has the same {what} (or leave the name and moves out)",
            )
        return known

    def _moves(self, key: Key) -> tuple[tuple[str, ...], tuple[Fraction, ...], Token]:
        moves: list[str] = []
        probabilities: list[Fraction] = []
        while self.tokens.peek().kind == "string":
            move = self.tokens.take()
            if len(moves) == MAX_NODES:
                raise self.tokens.error(move, f"a node has more than {MAX_NODES} moves (sim.game.tree.MAX_NODES)")
            moves.append(move.text)
            if key[0] == 0:
                probabilities.append(self._probability(move.text))
        close = self.tokens.expect("}", "a move name in double quotes or '}' closing the moves")
        if not moves:
            raise self.tokens.error(close, f"{self._who(key)} has no moves; give it at least one")
        total = sum(probabilities, Fraction(0))
        if key[0] == 0 and total != 1:
            raise self.tokens.error(
                close, f"the probabilities of {self._who(key)} sum to {total}, not 1; {_PROBABILITY_HINT}"
            )
        return tuple(moves), tuple(probabilities), close

    def _probability(self, move: str) -> Fraction:
        token = self.tokens.take()
        decimal = _DECIMAL.fullmatch(token.text) if token.kind == "word" else None
        rational = _RATIONAL.fullmatch(token.text) if token.kind == "word" else None
        if decimal is None and rational is None:
            raise self.tokens.error(
                token, f"expected the probability of move {move!r}, found {describe(token)}; {_PROBABILITY_HINT}"
            )
        exponent = decimal.group("exp") if decimal else None
        if len(token.text) > _MAX_NUMBER_LENGTH or (exponent is not None and abs(int(exponent)) > _MAX_EXPONENT):
            raise self.tokens.error(token, f"probability {describe(token)} is too long or too large")
        if rational is not None and int(rational.group("den")) == 0:
            raise self.tokens.error(token, f"probability {describe(token)} divides by zero; {_PROBABILITY_HINT}")
        value = Fraction(token.text)
        if not 0 <= value <= 1:
            raise self.tokens.error(token, f"probability {describe(token)} of move {move!r}: {_PROBABILITY_HINT}")
        return value

    def outcome(self) -> EfgOutcome | None:
        """The outcome of a node: defined here if a name follows its number."""
        token = self.tokens.take()
        number = _whole(self.tokens, token, "an outcome number (0 for none)")
        if self.tokens.peek().kind != "string":
            if number == 0:
                return None
            if number not in self.outcomes:
                raise self.tokens.error(
                    token,
                    f"outcome {number} is not defined: give its name and payoffs where it is first used, "
                    f'e.g. {number} "" {{ {", ".join(["0"] * len(self.players))} }}',
                )
            return self.outcomes[number][0]
        if number == 0:
            raise self.tokens.error(
                token, "outcome 0 means no outcome and has no name or payoffs; number outcomes from 1"
            )
        name = self.tokens.take().text
        self.tokens.expect("{", f"'{{' opening the payoffs of outcome {number}")
        payoffs = []
        for _ in self.players:
            payoffs.append(_payoff(self.tokens))
            if self.tokens.peek().kind == ",":
                self.tokens.take()
        self.tokens.expect(
            "}", f"'}}' closing outcome {number}: it has one payoff per player, {_plural(len(self.players), 'payoff')}"
        )
        outcome = EfgOutcome(number, name, tuple(payoffs))
        known, line = self.outcomes.setdefault(number, (outcome, token.line))
        if known != outcome:
            raise self.tokens.error(
                token,
                f"outcome {number} is defined differently at line {line}; an outcome number names one outcome "
                "(give the name and payoffs once, or identically)",
            )
        return outcome


def read_header(tokens: Tokens) -> tuple[str, tuple[str, ...], str]:
    """The title, the player names as written and the comment."""
    keyword = tokens.take()
    if keyword.kind != "word" or keyword.text != "EFG":
        raise tokens.error(keyword, f"expected the keyword EFG, found {describe(keyword)}: {_START}")
    version = tokens.take()
    if version.kind != "word" or version.text != "2":
        raise tokens.error(version, f"only version 2 of the EFG format is read, found {describe(version)}: {_START}")
    number_type = tokens.take()
    if number_type.kind != "word" or number_type.text not in ("R", "D"):
        raise tokens.error(number_type, f"expected R or D after EFG 2, found {describe(number_type)}: {_START}")
    title = tokens.expect("string", 'the title of the game in double quotes (it may be "")').text
    players = _players(tokens)
    comment = tokens.take().text if tokens.peek().kind == "string" else ""
    return title, players, comment
