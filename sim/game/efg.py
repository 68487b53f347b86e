"""Reading Gambit extensive-form game files (``.efg``); writing them is :mod:`sim.game.efg_write`.

Games become :class:`sim.game.efg_game.EfgGame` objects: game trees (:mod:`sim.game.tree`) that
also keep the file's numbers and names. No pygambit is needed.

The format, as read here (Gambit's own reader, ``src/games/file.cc``, and every ``.efg``
file of Gambit's repository; checked against pygambit 16.7):

* The tokens are those of ``.nfg`` files (:mod:`sim.game.nfg_tokens`).
* The header is ``EFG 2 R "title" { "P1" "P2" ... }`` (``EFG 2 D`` too), then an
  optional comment string. The title becomes the game's ``name``.
* Then the nodes, in prefix order (a node, then the subtree of each of its moves):

  - ``p "name" player infoset "infoset name" { "move" ... } outcome``: a decision of
    player ``player`` (numbered from 1) at that player's information set ``infoset``;
  - ``c "name" infoset "infoset name" { "move" probability ... } outcome``: a chance
    move (chance information sets are numbered on their own);
  - ``t "name" outcome``: a terminal node.

  An information set's name and moves are given at its first node and may be left out
  (or repeated identically) at the others: ``p "" 2 1 0``. Information-set numbers
  are the player's own, so the same number of two players means two sets.
* ``outcome`` is ``0`` (none) or a number, followed at its first use by the outcome's
  name and one payoff per player, ``3 "name" { 1, -2 }`` (commas optional); later
  uses give the number alone. An outcome may sit on any node: a terminal's payoffs
  are the sum of the outcomes on its path (a terminal without any: all 0).
* Probabilities and payoffs are integers, decimals (``0.25``, ``1e3``) or rationals
  (``1/3``), kept exactly (``Chance.exact``, ``Terminal.exact``), so that solutions are
  exact. The probabilities of a chance node must be at least 0 and sum exactly to 1.

**Labels.** Players, and the moves of each information set, get unique non-empty
labels by Gambit's rule (:func:`sim.game.nfg.unique_labels`: ``""`` becomes ``_1``, a
repeated ``"x"`` becomes ``x_1``, ``x_2``). An information set is labelled with its
name, or ``"player:number"`` when the name is empty (``"1:2"``: player 1's set 2 in
the file); names repeated across sets are made unique by the same rule. The file's
numbers and names, as written, stay in the game's ``source`` (:mod:`sim.game.efg_game`), so
``write_efg`` writes them back.

**Refused**: what :func:`sim.game.tree.build` refuses (imperfect recall above all, which
Gambit allows), inconsistent restatements of an information set or outcome, unknown
numbers, and games beyond the limits, all checked while reading, before the tree is
built (by :mod:`sim.game.efg_parser`): a file larger than :data:`sim.game.nfg.MAX_FILE_BYTES`, more
than ``MAX_PLAYERS`` players, more than :data:`sim.game.tree.MAX_NODES` nodes, more than
:data:`MAX_DEPTH` levels (defined in :mod:`sim.game.efg_parser`). Every error is a
:class:`sim.errors.ScenarioError` naming the file and the line (for a tree error, the line
of the node at fault).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import fields
from fractions import Fraction

from sim.errors import ScenarioError
from sim.files import read_input
from sim.game.efg_game import EfgGame, EfgSource
from sim.game.efg_parser import MAX_DEPTH, Key, Parser, read_header
from sim.game.efg_write import write_efg
from sim.game.nfg import _check_file, unique_labels
from sim.game.nfg_tokens import Tokens, describe
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Spec, Terminal, TreeError, build

__all__ = ["MAX_DEPTH", "parse_efg", "read_efg", "write_efg"]

_RECALL_HINT = "; diplosim's game trees need perfect recall (Gambit's may lack it)"


def _payoffs_on_paths(parser: Parser, n_players: int) -> list[tuple[Fraction, ...]]:
    """Per node, the sum of the outcomes from the root to it (the payoffs at a terminal)."""
    zero = tuple(Fraction(0) for _ in range(n_players))
    total: list[tuple[Fraction, ...]] = []
    for node in parser.nodes:
        above = total[node.parent] if node.parent >= 0 else zero
        total.append(above if node.outcome is None else tuple(a + b for a, b in zip(above, node.outcome.payoffs)))
    return total


def _labels(parser: Parser) -> dict[Key, str]:
    """The label of each player's information set: its name, or ``player:number``."""
    keys = list(dict.fromkeys(node.infoset for node in parser.nodes if node.kind == "p" and node.infoset))
    names = [parser.infosets[key].written.name or f"{key[0]}:{key[1]}" for key in keys]
    return dict(zip(keys, unique_labels(names)))


def _specs(parser: Parser, players: Sequence[str], tokens: Tokens) -> Spec:
    """The tree as nested records, built from the leaves up (no recursion)."""
    labels = _labels(parser)
    moves = {key: unique_labels(infoset.written.moves) for key, infoset in parser.infosets.items()}
    payoffs = _payoffs_on_paths(parser, len(players))
    built: list[Spec] = []  # subtrees read so far, the first child of a node on top
    for index in range(len(parser.nodes) - 1, -1, -1):
        node = parser.nodes[index]
        if node.infoset is None:
            built.append(_terminal(payoffs[index], tokens, node.line))
            continue
        names = moves[node.infoset]
        children = [built.pop() for _ in names]
        if node.kind == "c":
            probabilities = parser.infosets[node.infoset].probabilities
            branches = {m: (float(p), child) for m, p, child in zip(names, probabilities, children)}
            built.append(Chance(branches, exact=probabilities))
        else:
            player = players[node.infoset[0] - 1]
            built.append(Decision(player, dict(zip(names, children)), infoset=labels[node.infoset]))
    return built[0]


def _terminal(payoffs: tuple[Fraction, ...], tokens: Tokens, line: int) -> Terminal:
    try:
        values = tuple(float(p) for p in payoffs)
    except OverflowError:
        values = (math.inf,)
    if not all(math.isfinite(v) for v in values):
        raise ScenarioError(
            "the payoffs summed along the path to this terminal node are beyond the range of floats "
            "(about 1.8e308); scale the payoffs",
            file=tokens.filename,
            line=line,
        )
    return Terminal(values, exact=payoffs)


def _paths(parser: Parser, moves: dict[Key, tuple[str, ...]]) -> dict[str, int]:
    """The line of the first node with each path (the paths :func:`sim.game.tree.build` names)."""
    paths: list[str] = []
    taken = [0] * len(parser.nodes)  # the children of each node met so far
    lines: dict[str, int] = {}
    for node in parser.nodes:
        path = ""
        if node.parent >= 0:
            above = parser.nodes[node.parent]
            assert above.infoset is not None
            move = moves[above.infoset][taken[node.parent]]
            taken[node.parent] += 1
            path = f"{paths[node.parent]}/{move}" if paths[node.parent] else move
        paths.append(path)
        lines.setdefault(path, node.line)
    return lines


def _game(title: str, written: tuple[str, ...], comment: str, parser: Parser, tokens: Tokens) -> EfgGame:
    players = unique_labels(written)
    try:
        game = build(title, players, _specs(parser, players, tokens))
    except TreeError as error:
        moves = {key: unique_labels(infoset.written.moves) for key, infoset in parser.infosets.items()}
        hint = _RECALL_HINT if error.message.startswith("imperfect recall") else ""
        line = _paths(parser, moves).get(error.path)
        raise ScenarioError(str(error) + hint, file=tokens.filename, line=line) from None
    keys = {label: key for key, label in _labels(parser).items()}
    source = EfgSource(
        comment,
        written,
        tuple(node.name for node in parser.nodes),
        tuple(node.outcome for node in parser.nodes),
        tuple(parser.infosets[keys[infoset.label]].written for infoset in game.infosets),
        {
            k: parser.infosets[node.infoset].written
            for k, node in enumerate(parser.nodes)
            if node.kind == "c" and node.infoset is not None
        },
    )
    tree = {field.name: getattr(game, field.name) for field in fields(ExtensiveFormGame)}
    return EfgGame(**tree, source=source)


def parse_efg(text: str, filename: str = "<string>") -> EfgGame:
    """Read a game tree from the text of a Gambit ``.efg`` file.

    Parameters
    ----------
    text : str
        The file's text (see the module docstring for the format).
    filename : str
        Used in error messages.

    Returns
    -------
    EfgGame
        The tree, named after the title, with exact probabilities and payoffs, and the
        file's numbers and names in ``source``.

    Raises
    ------
    ScenarioError
        On any malformed text, a game the trees of diplosim cannot represent (imperfect
        recall) or one beyond the limits, with the line of the offending token or node.

    Examples
    --------
    >>> game = parse_efg('''EFG 2 R "entry" { "Entrant" "Incumbent" } ""
    ... p "" 1 1 "" { "Out" "In" } 0
    ... t "" 1 "stay out" { 0, 2 }
    ... p "" 2 1 "" { "Fight" "Accommodate" } 0
    ... t "" 2 "war" { -1, -1 }
    ... t "" 3 "peace" { 1/2, 1 }
    ... ''', "entry.efg")
    >>> [(s.label, s.moves) for s in game.infosets]
    [('1:1', ('Out', 'In')), ('2:1', ('Fight', 'Accommodate'))]
    >>> game.nodes[4].path, game.nodes[4].payoffs, game.exact_payoffs[4]
    ('In/Accommodate', (0.5, 1.0), (Fraction(1, 2), Fraction(1, 1)))
    """
    tokens = Tokens(text, filename)
    title, players, comment = read_header(tokens)
    parser = Parser(tokens, players)
    parser.tree()
    last = tokens.take()
    if last.kind != "end":
        raise tokens.error(
            last, f"expected the end of the file after the last node of the tree, found {describe(last)}"
        )
    return _game(title, players, comment, parser, tokens)


def read_efg(path: str | os.PathLike[str]) -> EfgGame:
    """Read a game tree from a Gambit ``.efg`` file (UTF-8 text), see :func:`parse_efg`.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, larger than :data:`sim.game.nfg.MAX_FILE_BYTES`,
        not UTF-8, or not a valid game.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder, "coin.efg")
    ...     _ = file.write_text('EFG 2 R "coin" { "A" } c "" 1 "" { "H" 1/2 "T" 1/2 } 0 t "" 1 "" { 1 } t "" 0')
    ...     read_efg(file).exact_probabilities
    {0: (Fraction(1, 2), Fraction(1, 2))}
    """
    _check_file(path)
    _, text = read_input(path, "a game file")
    return parse_efg(text, str(path))
