"""Tests of sim.game.efg and sim.game.efg_write: Gambit .efg files, with pygambit 16.7 as the oracle."""

from __future__ import annotations

import functools
import io
import math
import os
import re
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pygambit as gbt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.game.efg import MAX_DEPTH, parse_efg, read_efg, write_efg
from sim.game.efg_game import EfgGame, EfgInfoset, EfgOutcome
from sim.game.limits import MAX_PLAYERS
from sim.game.nfg import MAX_FILE_BYTES
from sim.game.tree import MAX_NODES, Chance, Decision, ExtensiveFormGame, Spec, Terminal, build, own_history
from sim.solvers.trees import TreeEquilibrium, backward_induction, exact_payoffs, profile_text, solve_tree

F = Fraction

# --- views: what a game is, the same whoever read it ----------------------------------------

#: One node: ("t", payoffs) | ("c", chance set, moves, probabilities) | ("p", player, set, moves),
#: a set named by its first node in prefix order.
NodeView = tuple[Any, ...]


def _fraction(value: Any) -> Fraction:
    return Fraction(str(value))


def _gambit_nodes(
    node: Any, above: tuple[Fraction, ...], players: list[Any]
) -> Iterator[tuple[Any, tuple[Fraction, ...]]]:
    """Every node of a pygambit tree in prefix order, with the sum of the outcomes down to it."""
    total = above if not node.outcome else tuple(a + _fraction(node.outcome[p]) for a, p in zip(above, players))
    yield node, total
    for child in node.children:
        yield from _gambit_nodes(child, total, players)


def _gambit_view(game: Any) -> tuple[str, tuple[str, ...], list[NodeView]]:
    players = list(game.players)
    first: dict[tuple[str, int], int] = {}
    nodes: list[NodeView] = []
    for k, (node, payoffs) in enumerate(_gambit_nodes(game.root, tuple(F(0) for _ in players), players)):
        if node.is_terminal:
            nodes.append(("t", payoffs))
            continue
        infoset = node.infoset
        owner = "" if infoset.is_chance else node.player.label
        index = first.setdefault((owner, infoset.number), k)
        moves = tuple(action.label for action in infoset.actions)
        if infoset.is_chance:
            nodes.append(("c", index, moves, tuple(_fraction(action.prob) for action in infoset.actions)))
        else:
            nodes.append(("p", owner, index, moves))
    return game.title, tuple(p.label for p in players), nodes


def _same(label: str) -> str:
    return label


def _view(game: EfgGame, clean: Callable[[str], str] = _same) -> tuple[str, tuple[str, ...], list[NodeView]]:
    """The view of a game read by diplosim (``clean`` applied to each label)."""
    assert game.exact_payoffs is not None
    assert game.exact_probabilities is not None
    chance_first: dict[int, int] = {}
    nodes: list[NodeView] = []
    for k, node in game.walk():
        if node.kind == "terminal":
            nodes.append(("t", game.exact_payoffs[k]))
        elif node.kind == "chance":
            index = chance_first.setdefault(game.source.chance[k].number, k)
            nodes.append(("c", index, tuple(map(clean, node.moves)), game.exact_probabilities[k]))
        else:
            infoset = game.infosets[node.infoset]
            nodes.append(("p", clean(game.players[node.player]), infoset.nodes[0], tuple(map(clean, node.moves))))
    return clean(game.name), tuple(map(clean, game.players)), nodes


def _gambit_names(game: Any) -> tuple[list[str], list[str]]:
    """Node names in prefix order, and the names of the players' information sets by first node."""
    nodes = [node for node, _ in _gambit_nodes(game.root, (), [])]
    seen: dict[Any, str] = {}
    for node in nodes:
        if not node.is_terminal and not node.infoset.is_chance:
            seen.setdefault((node.player.label, node.infoset.number), node.infoset.label)
    return [node.label for node in nodes], list(seen.values())


def _names(game: EfgGame) -> tuple[list[str], list[str]]:
    return list(game.source.node_names), [infoset.name for infoset in game.source.infosets]


def _assert_same(game: EfgGame, other: EfgGame) -> None:
    assert _view(game) == _view(other)
    assert game.source == other.source
    assert [s.label for s in game.infosets] == [s.label for s in other.infosets]
    assert [(n.path, n.payoffs, n.probabilities) for n in game.nodes] == [
        (n.path, n.payoffs, n.probabilities) for n in other.nodes
    ]


# --- hand-written files -----------------------------------------------------------------------

SAMPLE = """EFG 2 R "Sample" { "Ann" "Bob" } "a comment
over two lines"

c "root" 1 "nature" { "good" 1/3 "bad" 2/3 } 1 "fee" { -1, 0 }
p "a1" 1 1 "" { "up" "down" } 0
p "" 2 1 "Bob's set" { "l" "r" } 0
t "" 2 "x" { 3, 1.5 }
t "" 3 "y" { 0 0 }
t "" 0
p "a2" 1 2 "" { "up" "down" } 0
p "" 2 1 0
t "" 2
t "" 3
t "" 4 "z" { 1e1, -7/3 }
"""


def test_nodes_in_prefix_order_with_outcomes_summed_along_the_path() -> None:
    game = parse_efg(SAMPLE, "sample.efg")
    assert (game.name, game.players) == ("Sample", ("Ann", "Bob"))
    assert [node.path for node in game.nodes] == [
        "", "good", "good/up", "good/up/l", "good/up/r", "good/down",
        "bad", "bad/up", "bad/up/l", "bad/up/r", "bad/down",
    ]  # fmt: skip
    assert game.exact_payoffs == {
        3: (F(2), F(3, 2)),
        4: (F(-1), F(0)),
        5: (F(-1), F(0)),
        8: (F(2), F(3, 2)),
        9: (F(-1), F(0)),
        10: (F(9), F(-7, 3)),
    }
    assert game.nodes[10].payoffs == (9.0, -7 / 3)
    assert game.exact_probabilities == {0: (F(1, 3), F(2, 3))}
    assert game.nodes[0].probabilities == (1 / 3, 2 / 3)


def test_information_sets_are_labelled_by_name_or_player_and_number() -> None:
    game = parse_efg(SAMPLE, "sample.efg")
    assert [(s.label, game.players[s.player], s.moves, s.nodes) for s in game.infosets] == [
        ("1:1", "Ann", ("up", "down"), (1,)),
        ("Bob's set", "Bob", ("l", "r"), (2, 7)),
        ("1:2", "Ann", ("up", "down"), (6,)),
    ]
    assert game.source.infosets == (
        EfgInfoset(1, 1, "", ("up", "down")),
        EfgInfoset(2, 1, "Bob's set", ("l", "r")),
        EfgInfoset(1, 2, "", ("up", "down")),
    )
    assert dict(game.source.chance) == {0: EfgInfoset(0, 1, "nature", ("good", "bad"))}


def test_the_file_names_and_outcomes_are_kept() -> None:
    source = parse_efg(SAMPLE).source
    assert source.comment == "a comment\nover two lines"
    assert source.players == ("Ann", "Bob")
    assert source.node_names == ("root", "a1", "", "", "", "", "a2", "", "", "", "")
    fee, x, y, z = EfgOutcome(1, "fee", (F(-1), F(0))), EfgOutcome(2, "x", (F(3), F(3, 2))), None, None
    y = EfgOutcome(3, "y", (F(0), F(0)))
    z = EfgOutcome(4, "z", (F(10), F(-7, 3)))
    assert source.node_outcomes == (fee, None, None, x, y, None, None, None, x, y, z)


def test_the_sample_is_read_as_pygambit_reads_it() -> None:
    game = parse_efg(SAMPLE)
    gambit = gbt.read_efg(io.StringIO(SAMPLE))
    assert _view(game) == _gambit_view(gambit)
    assert _names(game) == _gambit_names(gambit)
    assert gambit.description == game.source.comment


def test_empty_and_repeated_names_get_unique_labels_and_are_written_back() -> None:
    text = (
        'EFG 2 R "" { "" "" } ""\n'
        'p "" 1 1 "s" { "a" "a" "" } 0\n'
        'p "" 2 1 "s" { "x" "x_1" "x" } 0\nt "" 0\nt "" 0\nt "" 0\n'
        't "" 0\n'
        'c "" 1 "" { "" 1/2 "" 1/2 } 0\nt "" 0\nt "" 0\n'
    )
    game = parse_efg(text)
    assert game.players == ("_1", "_2")
    assert [(s.label, s.moves) for s in game.infosets] == [
        ("s_1", ("a_1", "a_2", "_1")),
        ("s_2", ("x_2", "x_1", "x_3")),
    ]
    assert game.nodes[-3].moves == ("_1", "_2")
    gambit = gbt.read_efg(io.StringIO(text))
    _, players, nodes = _gambit_view(gambit)
    assert (players, nodes) == _view(game)[1:]
    assert write_efg(game).splitlines()[:4] == [
        'EFG 2 R "" { "" "" }',
        '""',
        "",
        'p "" 1 1 "s" { "a" "a" "" } 0',
    ]
    _assert_same(parse_efg(write_efg(game)), game)


def test_the_same_number_for_two_players_is_two_information_sets() -> None:
    # In .efg files information-set numbers are per player: a set cannot span two players.
    text = 'EFG 2 R "t" { "A" "B" } p "" 1 1 "" { "a" "b" } 0 p "" 2 1 "" { "c" } 0 t "" 0 p "" 2 1 0 t "" 0'
    game = parse_efg(text)
    assert [(s.label, s.player, s.nodes) for s in game.infosets] == [("1:1", 0, (0,)), ("2:1", 1, (1, 3))]
    assert _view(game) == _gambit_view(gbt.read_efg(io.StringIO(text)))


def test_restated_information_sets_and_outcomes_must_agree() -> None:
    text = (
        'EFG 2 R "t" { "A" "B" } c "" 1 "n" { "h" 1/2 "t" 0.5 } 0\n'
        'p "" 2 1 "s" { "l" "r" } 1 "o" { 1, 2 }\nt "" 1 "o" { 1, 2 }\nt "" 1\n'
        'p "" 2 1 "s" { "l" "r" } 1 "o" { 1 2 }\nt "" 0\nt "" 0\n'
    )
    game = parse_efg(text)
    assert game.infosets[0].nodes == (1, 4)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs[2] == (F(2), F(4))  # the outcome of the node and of the terminal
    assert game.exact_payoffs[6] == (F(1), F(2))


def test_a_chance_information_set_of_several_nodes() -> None:
    text = (
        'EFG 2 R "t" { "A" } p "" 1 1 "" { "a" "b" } 0\n'
        'c "" 3 "n" { "h" 1/4 "t" 3/4 } 0 t "" 0 t "" 0\nc "" 3 0 t "" 0 t "" 0'
    )
    game = parse_efg(text)
    assert game.exact_probabilities == {1: (F(1, 4), F(3, 4)), 4: (F(1, 4), F(3, 4))}
    assert game.source.chance[4] == EfgInfoset(0, 3, "n", ("h", "t"))
    assert _view(game) == _gambit_view(gbt.read_efg(io.StringIO(text)))
    assert 'c "" 3 "n" { "h" 1/4 "t" 3/4 } 0' in write_efg(game).splitlines()[4:]


def test_write_format_of_a_file_game() -> None:
    assert write_efg(parse_efg(SAMPLE)) == (
        'EFG 2 R "Sample" { "Ann" "Bob" }\n"a comment\nover two lines"\n\n'
        'c "root" 1 "nature" { "good" 1/3 "bad" 2/3 } 1 "fee" { -1, 0 }\n'
        'p "a1" 1 1 "" { "up" "down" } 0\n'
        'p "" 2 1 "Bob\'s set" { "l" "r" } 0\n'
        't "" 2 "x" { 3, 3/2 }\n'
        't "" 3 "y" { 0, 0 }\n'
        't "" 0\n'
        'p "a2" 1 2 "" { "up" "down" } 0\n'
        'p "" 2 1 "Bob\'s set" { "l" "r" } 0\n'
        't "" 2 "x" { 3, 3/2 }\n'
        't "" 3 "y" { 0, 0 }\n'
        't "" 4 "z" { 10, -7/3 }\n'
    )


def test_quotes_and_backslashes_in_names() -> None:
    text = 'EFG 2 R "say \\"hi\\"" { "A \\"1\\"" } p "\\"n\\"" 1 1 "\\"s\\"" { "\\"m\\"" } 0 t "" 1 "\\"o\\"" { 1 }'
    game = parse_efg(text)
    assert (game.name, game.players, game.infosets[0].label, game.nodes[0].moves) == (
        'say "hi"',
        ('A "1"',),
        '"s"',
        ('"m"',),
    )
    _assert_same(parse_efg(write_efg(game)), game)
    assert _view(game) == _gambit_view(gbt.read_efg(io.StringIO(write_efg(game))))


# --- writing trees built by diplosim ----------------------------------------------------------

ENTRY = build(
    "entry",
    ("Entrant", "Incumbent"),
    Decision(
        "Entrant",
        {
            "Out": Terminal((0, 2)),
            "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))}),
        },
    ),
)


def test_write_format_of_a_built_tree() -> None:
    assert write_efg(ENTRY) == (
        'EFG 2 R "entry" { "Entrant" "Incumbent" }\n""\n\n'
        'p "" 1 1 "(root)" { "Out" "In" } 0\n'
        't "" 1 "" { 0.0, 2.0 }\n'
        'p "" 2 1 "In" { "Fight" "Accommodate" } 0\n'
        't "" 2 "" { -1.0, -1.0 }\n'
        't "" 3 "" { 1.0, 1.0 }\n'
    )


def _same_tree(game: ExtensiveFormGame, back: ExtensiveFormGame) -> None:
    assert (back.name, back.players) == (game.name, game.players)
    assert [(s.label, s.player, s.moves, s.nodes) for s in back.infosets] == [
        (s.label, s.player, s.moves, s.nodes) for s in game.infosets
    ]
    assert [(n.kind, n.path, n.payoffs) for n in back.nodes] == [(n.kind, n.path, n.payoffs) for n in game.nodes]
    # float probabilities may move by an ulp, to sum to 1 exactly in the file
    for ours, theirs in zip(back.nodes, game.nodes):
        np.testing.assert_allclose(ours.probabilities, theirs.probabilities, rtol=0, atol=1e-15)
        if sum(F(repr(p)) for p in theirs.probabilities) == 1:  # already exact in the file: kept as it was
            assert ours.probabilities == theirs.probabilities


def test_float_probabilities_are_written_to_sum_to_one_exactly() -> None:
    third = 1 / 3
    game = build("thirds", ("A",), Chance({m: (third, Terminal((0.1,))) for m in "xyz"}))
    line = write_efg(game).splitlines()[3]
    assert line == 'c "" 1 "" { "x" 0.3333333333333334 "y" 0.3333333333333333 "z" 0.3333333333333333 } 0'
    back = parse_efg(write_efg(game))
    assert back.exact_probabilities == {0: (F("0.3333333333333334"), F("0.3333333333333333"), F("0.3333333333333333"))}
    assert back.nodes[1].payoffs == (0.1,)


@st.composite
def _trees(draw: st.DrawFn) -> ExtensiveFormGame:
    """Random trees of two players with chance, information sets (of perfect recall: a set
    joins nodes with the same own history only), exact or float numbers."""
    exact = draw(st.booleans())
    number = st.fractions(-20, 20, max_denominator=12) if exact else st.floats(-1e6, 1e6, allow_nan=False)
    moves_of: dict[str, int] = {}

    def terminal() -> Terminal:
        values = draw(st.tuples(number, number))
        return Terminal(tuple(float(x) for x in values), tuple(F(x) for x in values) if exact else None)

    def node(depth: int, history: dict[str, str]) -> Spec:
        if depth == 3 or draw(st.integers(0, 4)) == 0:
            return terminal()
        if draw(st.integers(0, 3)) == 0:
            weights = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
            shares = [F(w, sum(weights)) for w in weights]
            children = {f"c{m}": (float(p), node(depth + 1, history)) for m, p in enumerate(shares)}
            return Chance(children, tuple(shares) if exact else None)
        player = draw(st.sampled_from(["A", "B"]))
        label = f"{player}{depth}.{draw(st.integers(0, 1))}{history[player]}"
        moves = moves_of.setdefault(label, draw(st.integers(1, 3)))
        below = {m: node(depth + 1, {**history, player: f"{history[player]}/{label}:{m}"}) for m in range(moves)}
        return Decision(player, {f"m{m}": child for m, child in below.items()}, infoset=label)

    return build("random", ("A", "B"), node(0, {"A": "", "B": ""}))


@settings(max_examples=150, deadline=None)
@given(_trees())
@pytest.mark.slow
def test_built_trees_round_trip(game: ExtensiveFormGame) -> None:
    back = parse_efg(write_efg(game))
    _same_tree(game, back)
    if game.exact_payoffs is not None:
        assert back.exact_payoffs == game.exact_payoffs
        assert back.exact_probabilities == game.exact_probabilities
    _assert_same(parse_efg(write_efg(back)), back)


@settings(max_examples=40, deadline=None)
@given(_trees())
@pytest.mark.slow
def test_pygambit_reads_what_we_write(game: ExtensiveFormGame) -> None:
    text = write_efg(game)
    assert _view(parse_efg(text)) == _gambit_view(gbt.read_efg(io.StringIO(text)))


@settings(max_examples=40, deadline=None)
@given(_trees())
@pytest.mark.slow
def test_we_read_what_pygambit_writes(game: ExtensiveFormGame) -> None:
    ours = parse_efg(write_efg(game))
    theirs = gbt.read_efg(io.StringIO(write_efg(game))).to_efg()
    _same_tree(ours, parse_efg(theirs))
    assert _view(parse_efg(theirs)) == _view(ours)


# --- malformed files ------------------------------------------------------------------------------

_ONE = 'EFG 2 R "t" { "A" }\n'
_TWO = 'EFG 2 R "t" { "A" "B" }\n'
_COIN = _ONE + 'c "" 1 "" { "h" 1/2 "t" 1/2 } 0\n'

# (class, text, line, fragment): the classes of issue 14's bad .efg files
MALFORMED = [
    # syntax
    ("syntax", "", 1, "expected the keyword EFG, found the end of the file"),
    ("syntax", 'NFG 1 R "t" { "A" } { 1 } 1', 1, "expected the keyword EFG, found 'NFG'"),
    ("syntax", 'EFG 1 R "t" { "A" }\nt "" 0', 1, "only version 2 of the EFG format is read"),
    ("syntax", 'EFG 2\nX "t" { "A" }\nt "" 0', 2, "expected R or D after EFG 2"),
    ("syntax", 'EFG 2 R { "A" }\nt "" 0', 1, "expected the title of the game"),
    ("syntax", 'EFG 2 R "t"\n{ }\nt "" 0', 2, "the game has no players"),
    ("syntax", _ONE + 'x "" 0', 2, "expected a node (p for a player, c for chance, t for a terminal), found 'x'"),
    ("syntax", _ONE + 'p 1 1 "" { "a" } 0\nt "" 0', 2, "expected the name of the player node"),
    ("syntax", _ONE + 'p "" one 1 "" { "a" } 0\nt "" 0', 2, "expected the number of the player (a whole number)"),
    ("syntax", _ONE + 'p "" 1 1 "" { "a" 3 } 0\nt "" 0', 2, "expected a move name in double quotes or '}'"),
    (
        "syntax",
        _ONE + 'p "" 1 1 "" "a" 0\nt "" 0',
        2,
        "expected '{' opening the moves of information set 1 of player 'A'",
    ),
    ("syntax", _ONE + 'p "" 1 1 ""\n{ } 0', 3, "information set 1 of player 'A' has no moves"),
    ("syntax", _ONE + 't "" 1 "o" { 1 2 }', 2, "closing outcome 1: it has one payoff per player, 1 payoff"),
    ("syntax", _TWO + 't "" 1 "o" { 1, x }', 2, "expected a payoff, found 'x'"),
    ("syntax", _ONE + 't "" 1 "o" 1 }', 2, "expected '{' opening the payoffs of outcome 1"),
    ("syntax", _ONE + 't "" 1 "o" { 1e400 }', 2, "beyond the range of floats"),
    ("syntax", _ONE + 't "" -1', 2, "expected an outcome number (0 for none) (a whole number), found '-1'"),
    (
        "syntax",
        _ONE + 'p "" 1 1 "" { "a" "b" } 0\nt "" 0\n',
        3,
        "the file ends before the tree is complete: 1 more node",
    ),
    ("syntax", _ONE + 't "" 0\nt "" 0', 3, "expected the end of the file after the last node of the tree, found 't'"),
    ("syntax", _ONE + 't "no end 0', 2, "unterminated string"),
    # unknown numbers
    ("unknown-number", _ONE + 't "" 3', 2, "outcome 3 is not defined: give its name and payoffs where it is first"),
    ("unknown-number", _COIN + 't "" 1 "o" { 1 }\nt "" 2', 4, "outcome 2 is not defined"),
    (
        "unknown-number",
        _ONE + 'p "" 2 1 "" { "a" } 0\nt "" 0',
        2,
        "player number 2 is out of range: the game has 1 player",
    ),
    ("unknown-number", _TWO + 'p "" 0 1 "" { "a" } 0\nt "" 0', 2, "player number 0 is out of range"),
    ("unknown-number", _ONE + 'p "" 1 1 0\nt "" 0', 2, "information set 1 of player 'A' is used before it is defined"),
    ("unknown-number", _COIN + 'c "" 2 0\nt "" 0\nt "" 0', 3, "chance information set 2 is used before it is defined"),
    ("unknown-number", _ONE + 't "" 0 "o" { 1 }', 2, "outcome 0 means no outcome and has no name or payoffs"),
    # probabilities
    ("probabilities", _ONE + 'c "" 1 "" { "h" 1/2 "t" 1/3 } 0\nt "" 0\nt "" 0', 2, "sum to 5/6, not 1"),
    ("probabilities", _ONE + 'c "" 1 "" { "a" 0.3 "b" 0.3\n"c" 0.3 } 0', 3, "chance information set 1 sum to 9/10"),
    ("probabilities", _ONE + 'c "" 1 "" { "h" 3/2 "t" -1/2 } 0', 2, "probability '3/2' of move 'h': a probability is"),
    ("probabilities", _ONE + 'c "" 1 "" { "h" 1/0 } 0', 2, "probability '1/0' divides by zero"),
    ("probabilities", _ONE + 'c "" 1 "" { "h" x } 0', 2, "expected the probability of move 'h', found 'x'"),
    (
        "probabilities",
        _ONE + 'c "" 1 "" { "h" "t" } 0',
        2,
        "expected the probability of move 'h', found the string 't'",
    ),
    # information sets restated differently (a set cannot span two players in .efg: numbers are per player)
    (
        "infoset",
        _ONE + 'c "" 1 "" { "h" 1/2 "t" 1/2 } 0\np "" 1 1 "x" { "a" } 0\nt "" 0\np "" 1 1 "x" { "b" } 0\nt "" 0',
        5,
        "information set 1 of player 'A' has other moves here than at line 3",
    ),
    (
        "infoset",
        _COIN + 'p "" 1 1 "x" { "a" } 0\nt "" 0\np "" 1 1 "y" { "a" } 0\nt "" 0',
        5,
        "information set 1 of player 'A' is named 'y' here but 'x' at line 3",
    ),
    (
        "infoset",
        _COIN + 'p "" 1 1 "x" { "a" } 0\nt "" 0\np "" 1 1 "x" { "a" "b" } 0',
        5,
        "has other moves here than at line 3",
    ),
    (
        "infoset",
        _TWO + 'p "" 1 1 "" { "a" "b" } 0\nc "" 1 "" { "h" 1/2 "t" 1/2 } 0\nt "" 0\nt "" 0\n'
        'c "" 1 "" { "h" 1/4 "t" 3/4 } 0',
        6,
        "chance information set 1 has other moves and probabilities here than at line 3",
    ),
    (
        "infoset",
        _COIN + 't "" 1 "o" { 1 }\nt "" 1 "o" { 2 }',
        4,
        "outcome 1 is defined differently at line 3",
    ),
    # imperfect recall (Gambit allows it; diplosim's trees do not)
    ("imperfect-recall", _ONE + 'p "" 1 1 "" { "1" } 0\np "" 1 1 "" { "1" } 0\nt "" 0', 3, "node 1: imperfect recall"),
    (
        "imperfect-recall",
        _ONE + 'p "" 1 1 "" { "a" "b" } 0\np "" 1 2 "" { "x" } 0\nt "" 0\np "" 1 2 0\nt "" 0',
        5,
        "node b: imperfect recall: A cannot tell the nodes of information set '1:2' apart",
    ),
    (
        "imperfect-recall",
        _COIN + 'p "" 1 1 "" { "a" } 0\np "" 1 3 "" { "x" } 0\nt "" 0\np "" 1 2 "" { "a" } 0\np "" 1 3 0\nt "" 0',
        7,
        "node t/a: imperfect recall",
    ),
    (
        "imperfect-recall",
        _TWO + 'p "" 2 1 "" { "l" "r" } 0\np "" 1 1 "s" { "a" "b" } 0\np "" 2 2 "" { "x" } 0\nt "" 0\n'
        't "" 0\np "" 1 1 0\nt "" 0\np "" 2 2 0\nt "" 0',
        9,
        "node r/b: imperfect recall: B cannot tell the nodes of information set '2:2' apart",
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "line", "fragment"), MALFORMED, ids=[f"{case[0]}-{i}" for i, case in enumerate(MALFORMED)]
)
def test_malformed_files_name_the_line(kind: str, text: str, line: int, fragment: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_efg(text, "bad.efg")
    assert (error.value.file, error.value.line) == ("bad.efg", line)
    assert fragment in error.value.message
    assert str(error.value).startswith(f"bad.efg:{line}: ")
    assert "\n" not in str(error.value)
    del kind


def test_every_class_of_bad_file_has_several_cases() -> None:
    classes = [case[0] for case in MALFORMED]
    assert {kind: classes.count(kind) for kind in dict.fromkeys(classes)} == {
        "syntax": 20,
        "unknown-number": 7,
        "probabilities": 6,
        "infoset": 5,
        "imperfect-recall": 4,
    }


def test_imperfect_recall_is_explained() -> None:
    with pytest.raises(ScenarioError) as error:
        parse_efg(_ONE + 'p "" 1 1 "" { "1" } 0\np "" 1 1 "" { "1" } 0\nt "" 0', "am.efg")
    assert str(error.value) == (
        "am.efg:3: node 1: imperfect recall: A cannot tell the nodes of information set '1:1' apart, but reaches them "
        "by different moves of their own (here and at (root)); diplosim's game trees need perfect recall "
        "(Gambit's may lack it)"
    )


_PIECES = [
    "EFG", "2", "R", "p", "c", "t", '""', '"a"', "{", "}", ",", "0", "1", "2", "3", "1/2", "0.5", "-1",
    "1/0", "1e400", "x", '"', "\n", "01", ".5", "9" * 30,
]  # fmt: skip


def _check_only_scenario_errors(text: str) -> None:
    try:
        game = parse_efg(text, "fuzz.efg")
    except ScenarioError as error:
        assert error.file == "fuzz.efg"
        assert isinstance(error.line, int)
        assert 1 <= error.line <= text.count("\n") + 1
    else:
        assert isinstance(game, EfgGame)
        assert game.exact_payoffs is not None


@settings(max_examples=300, deadline=None)
@given(st.text())
@pytest.mark.slow
def test_any_text_raises_only_scenario_error(text: str) -> None:
    _check_only_scenario_errors(text)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["", 'EFG 2 R "t" ', 'EFG 2 R "t" { "A" "B" } ', 'EFG 2 R "t" { "A" } "" ']),
    st.lists(st.sampled_from(_PIECES), max_size=40),
)
@pytest.mark.slow
def test_token_soup_raises_only_scenario_error(head: str, pieces: list[str]) -> None:
    _check_only_scenario_errors(head + " ".join(pieces))


# --- files and limits -----------------------------------------------------------------------------


def test_read_efg(tmp_path: Path) -> None:
    file = tmp_path / "sample.efg"
    file.write_text(SAMPLE, encoding="utf-8")
    _assert_same(read_efg(file), parse_efg(SAMPLE))
    with pytest.raises(ScenarioError, match="no such file"):
        read_efg(tmp_path / "missing.efg")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_efg(tmp_path)
    latin = tmp_path / "latin.efg"
    latin.write_bytes(b'EFG 2 R "t"\n{ "Jos\xe9" } t "" 0')
    with pytest.raises(ScenarioError, match="not UTF-8") as error:
        read_efg(latin)
    assert error.value.line == 2
    bad = tmp_path / "bad.efg"
    bad.write_text(_ONE + 't "" 7\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        read_efg(bad)
    assert (error.value.file, error.value.line) == (str(bad), 2)


def test_a_file_beyond_the_byte_limit_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "huge.efg"
    with file.open("wb") as handle:
        handle.write(_ONE.encode() + b't "" 0\n')
        handle.truncate(MAX_FILE_BYTES + 1)  # a sparse file: nothing is written, and nothing may be read
    with pytest.raises(ScenarioError) as error:
        read_efg(file)
    assert str(error.value) == (
        f"{file}: the file has {MAX_FILE_BYTES + 1} bytes; the limit for a game file is {MAX_FILE_BYTES} "
        "(sim.game.nfg.MAX_FILE_BYTES: raise it there)"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_unread(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.efg"
    os.mkfifo(pipe)
    with pytest.raises(ScenarioError, match=r"pipe\.efg: is not a regular file \(a pipe or a device\)"):
        read_efg(pipe)


_NEVER_READ = '\n"this string is never scanned'  # an error if the reader went on


def _chain(levels: int) -> str:
    """One player's decisions, each a set of its own with one move, ``levels`` deep."""
    return _ONE + "".join(f'p "" 1 {i} "" {{ "m" }} 0\n' for i in range(1, levels + 1)) + 't "" 1 "end" { 1 }\n'


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            'EFG 2 R "t"\n{ ' + '"" ' * (MAX_PLAYERS + 3) + "}" + _NEVER_READ,
            2,
            f"the game has {MAX_PLAYERS + 3} players; the limit is {MAX_PLAYERS} "
            "(sim.game.limits.MAX_PLAYERS: raise it",
        ),
        (
            _ONE + 'c "" 1 "" { ' + '"" 0 ' * (MAX_NODES - 1) + '"" 1 }\n0' + _NEVER_READ,
            2,
            f"the tree has more than {MAX_NODES} nodes (1 read, {MAX_NODES} more announced by the moves so far; "
            "sim.game.tree.MAX_NODES: raise it there)",
        ),
        (
            _ONE + 'p "" 1 1 "" { ' + '"" ' * (MAX_NODES + 1) + "} 0" + _NEVER_READ,
            2,
            f"a node has more than {MAX_NODES} moves",
        ),
        (
            _ONE
            + 'c "" 1 "" { "" 1 '
            + '"" 0 ' * 2499
            + "} 0\n"
            + 'p "" 1 1 "" { "a" "b" } 0\nt "" 0\nt "" 0\n' * 2500,
            3 + 3 * 1249,
            f"the tree has more than {MAX_NODES} nodes (3749 read, 1252 more announced",
        ),
        (
            _chain(MAX_DEPTH + 1),
            MAX_DEPTH + 3,
            f"the tree is more than {MAX_DEPTH} levels deep (sim.game.efg_parser.MAX_DEPTH",
        ),
    ],
    ids=["players", "nodes-announced", "moves", "nodes-read", "depth"],
)
def test_games_beyond_the_limits_are_refused_while_reading(text: str, line: int, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_efg(text, "big.efg")
    assert (error.value.file, error.value.line) == ("big.efg", line)
    assert error.value.message.startswith(message)


@pytest.mark.slow
def test_games_at_the_limits_are_read_and_solved() -> None:
    deep = parse_efg(_chain(MAX_DEPTH))
    assert max(node.depth for node in deep.nodes) == MAX_DEPTH
    assert [b.tolist() for behaviour in backward_induction(deep) for b in behaviour] == [[1.0]] * MAX_DEPTH
    wide = parse_efg(_ONE + 'c "" 1 "" { ' + '"" 0 ' * (MAX_NODES - 2) + '"" 1 } 0\n' + 't "" 0\n' * (MAX_NODES - 1))
    assert len(wide.nodes) == MAX_NODES
    assert wide.nodes[0].moves[:2] == ("_1", "_2")
    players = parse_efg('EFG 2 R "t" { ' + '"" ' * MAX_PLAYERS + '} t "" 0')
    assert players.players == tuple(f"_{i}" for i in range(1, MAX_PLAYERS + 1))


# --- Gambit's own files (tests/data/gambit, see its README.md) ------------------------------------

GAMBIT = Path(__file__).parent / "data" / "gambit"
CORPUS = sorted(GAMBIT.rglob("*.efg"))


def _name(path: Path) -> str:
    return path.relative_to(GAMBIT).as_posix()


#: Files with imperfect recall (Gambit reads them; diplosim's trees need perfect recall), with
#: the line of the first node diplosim finds at fault.
IMPERFECT_RECALL = {
    "catalog/books/shohamleytonbrown2008/fig5_12.efg": 10,
    "catalog/books/vonstengel2022/fig10.7.efg": 21,
    "catalog/journals/geb/gilboa1997/fig1.efg": 6,
    "catalog/journals/geb/gilboa1997/fig2.efg": 16,
    "catalog/journals/geb/wichardt2008.efg": 13,
    "contrib/games/e09.efg": 56,
    "contrib/games/holdout.efg": 66,
    "contrib/games/myerson.efg": 11,
    "tests/test_games/AM-driver-one-infoset.efg": 5,
    "tests/test_games/AM-driver-subgame.efg": 5,
    "tests/test_games/AM-subgames.efg": 5,
    "tests/test_games/AM-unary-branches.efg": 9,
    "tests/test_games/AM-unary-hops.efg": 11,
    "tests/test_games/gilboa_two_am_agents.efg": 11,
    "tests/test_games/noPR-AM-driver-one-player.efg": 6,
    "tests/test_games/noPR-AM-driver-two-players.efg": 6,
    "tests/test_games/noPR-action-AM-three-chain.efg": 10,
    "tests/test_games/noPR-action-AM-two-hops.efg": 6,
    "tests/test_games/noPR-action-AM.efg": 5,
    "tests/test_games/noPR-action-AM2.efg": 5,
    "tests/test_games/noPR-action-selten-horse.efg": 10,
    "tests/test_games/noPR-information-no-deflate.efg": 13,
    "tests/test_games/not_perfect_recall.efg": 5,
    "tests/test_games/subgame-8-roots.efg": 28,
    "tests/test_games/subgame_roots_finder_overplapping_infosets_with_Nature.efg": 13,
    "tests/test_games/subgame_roots_finder_small_subgames_and_overplapping_infosets.efg": 18,
    "tests/test_games/subgames.efg": 28,
}
#: Files pygambit 16.7 refuses, though Gambit's repository holds them: it wants node names unique
#: in the game, information-set names unique for each player (chance too), and no label with spaces
#: at either end or two spaces in a row. diplosim reads them; they are compared with pygambit's
#: reading of the same file with node and information-set names emptied and spaces tidied.
GAMBIT_REFUSES = {
    "contrib/games/4cards.efg": "Node label must be unique within the game",
    "contrib/games/caro2.efg": "Node label must be unique within the game",  # and a move "call " with a space
    "contrib/games/coord2ts.efg": "Infoset label must be unique for the player",
    "contrib/games/e10.efg": "Node label must be unique within the game",
    "contrib/games/e10a.efg": "Node label must be unique within the game",
    "contrib/games/holdout.efg": "Infoset label must be unique for the player",
    "contrib/games/nim.efg": "Node label must be unique within the game",
    "contrib/games/nim7.efg": "Node label must be unique within the game",
}
READ = [path for path in CORPUS if _name(path) not in IMPERFECT_RECALL]
#: Files compared with pygambit's equilibria: at most this many pure behaviour profiles (one move
#: per information set), which keeps diplosim's solve_tree(everything=True) within a second or so.
COMPARED_AGENT_PROFILES = 128
#: A tree without any decision (only chance): solve_tree's nash and pbe fail on it (a bug of
#: sim.solvers.trees, reported), so it is not compared.
NO_DECISIONS = "tests/test_games/chance_root_5_moves_no_nonterm_player_nodes.efg"

_NODE_NAME = re.compile(r'^([pct]) "(?:[^"\\]|\\.)*"', re.M)
_INFOSET_NAME = re.compile(r'^(p "" \d+ \d+|c "" \d+) "(?:[^"\\]|\\.)*"', re.M)
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _tidy(label: str) -> str:
    return " ".join(label.split())


def _for_gambit(text: str, name: str) -> str:
    """The text pygambit reads: for the files it refuses, with node and information-set names emptied
    (each node of these files starts a line) and the spaces of every string tidied."""
    if name not in GAMBIT_REFUSES:
        return text
    text = _INFOSET_NAME.sub(r'\1 ""', _NODE_NAME.sub(r'\1 ""', text))
    return _STRING.sub(lambda match: f'"{_tidy(match.group(1))}"', text)


def _clean(path: Path) -> Callable[[str], str]:
    """What _for_gambit does to a label of the file."""
    return _tidy if _name(path) in GAMBIT_REFUSES else _same


def _gambit_read(path: Path) -> Any:
    return gbt.read_efg(io.StringIO(_for_gambit(path.read_text(encoding="utf-8"), _name(path))))


def _agent_profiles(game: ExtensiveFormGame) -> int:
    return math.prod(len(infoset.moves) for infoset in game.infosets)


def test_the_corpus_is_every_efg_file_of_gambit_and_its_readme_names_each() -> None:
    assert (len(CORPUS), len(READ)) == (174, 147)
    readme = (GAMBIT / "README.md").read_text(encoding="utf-8")
    assert "8883f7591cb86563b54be3fb00b8d2ab5ea91647" in readme and "GPL-2.0-or-later" in readme
    assert [name for name in map(_name, CORPUS) if f"`{name}`" not in readme] == []
    refused = readme[readme.index("## Refused") :].split("\n## ")[0]
    assert sorted(re.findall(r"`([^`]+\.efg)`", refused)) == sorted(IMPERFECT_RECALL)


@pytest.mark.parametrize("name", sorted(IMPERFECT_RECALL))
def test_gambit_files_with_imperfect_recall_are_refused(name: str) -> None:
    path = GAMBIT / name
    with pytest.raises(ScenarioError) as error:
        read_efg(path)
    assert (error.value.file, error.value.line) == (str(path), IMPERFECT_RECALL[name])
    assert re.fullmatch(
        r"node .*: imperfect recall: .* diplosim's game trees need perfect recall .*", error.value.message
    )
    assert not _gambit_read(path).is_perfect_recall


@pytest.mark.parametrize("name", sorted(GAMBIT_REFUSES))
def test_files_pygambit_refuses_are_read(name: str) -> None:
    path = GAMBIT / name
    with pytest.raises(ValueError, match=GAMBIT_REFUSES[name]):
        gbt.read_efg(str(path))
    gbt.read_efg(io.StringIO(_for_gambit(path.read_text(encoding="utf-8"), name)))
    if name not in IMPERFECT_RECALL:
        assert read_efg(path).source.node_names == tuple(
            m.group(1) for m in re.finditer(r'^[pct] "((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8"), re.M)
        )


@pytest.mark.parametrize("path", READ, ids=_name)
def test_gambit_files_read_as_pygambit_reads_them(path: Path) -> None:
    game = read_efg(path)
    gambit = _gambit_read(path)
    assert gambit.is_perfect_recall
    assert _view(game, _clean(path)) == _gambit_view(gambit)
    assert gambit.description == game.source.comment
    if _name(path) not in GAMBIT_REFUSES:
        assert _names(game) == _gambit_names(gambit)


@pytest.mark.parametrize("path", READ, ids=_name)
@pytest.mark.slow
def test_gambit_files_round_trip(path: Path) -> None:
    game = read_efg(path)
    text = write_efg(game)
    back = parse_efg(text)
    _assert_same(back, game)
    assert write_efg(back) == text
    assert _gambit_view(gbt.read_efg(io.StringIO(_for_gambit(text, _name(path))))) == _gambit_view(_gambit_read(path))


def _own_reach(game: ExtensiveFormGame, choices: list[int]) -> list[bool]:
    """Per information set: whether the owner's own pure choices lead to it (elsewhere a reduced
    strategy, as Gambit's, says nothing)."""
    return [all(choices[j] == m for j, m in own_history(game, infoset.nodes[0])) for infoset in game.infosets]


def _reduced(game: ExtensiveFormGame, choices: list[int]) -> tuple[int | None, ...]:
    return tuple(c if reached else None for c, reached in zip(choices, _own_reach(game, choices)))


def _gambit_infosets(game: ExtensiveFormGame, gambit: Any) -> list[Any]:
    """pygambit's information sets in the order of the game's (both named by their first node)."""
    first: dict[int, Any] = {}
    for k, (node, _) in enumerate(_gambit_nodes(gambit.root, (), [])):
        if not node.is_terminal and not node.infoset.is_chance:
            first.setdefault(k, node.infoset)
    index = {infoset.nodes[0]: k for k, infoset in enumerate(game.infosets)}
    ordered: list[Any] = [None] * len(game.infosets)
    seen: set[tuple[str, int]] = set()
    for k, infoset in first.items():
        key = (infoset.player.label, infoset.number)
        if key not in seen:
            seen.add(key)
            ordered[index[k]] = infoset
    return ordered


COMPARED = [
    path for path in READ if _name(path) != NO_DECISIONS and _agent_profiles(read_efg(path)) <= COMPARED_AGENT_PROFILES
]


@functools.cache
def _solved(path: Path) -> tuple[EfgGame, tuple[TreeEquilibrium, ...]]:
    game = read_efg(path)
    return game, solve_tree(game, "nash", mixed=True, everything=True).equilibria


@pytest.mark.parametrize("path", COMPARED, ids=_name)
@pytest.mark.slow
def test_pure_equilibria_are_those_of_gambits_enumpure(path: Path) -> None:
    game, found = _solved(path)
    gambit = _gambit_read(path)
    infosets = _gambit_infosets(game, gambit)
    theirs = set()
    for eq in gbt.nash.enumpure_solve(gambit).equilibria:
        behaviour = eq.as_behavior()
        mixes = [[_fraction(behaviour[action]) for action in infoset.actions] for infoset in infosets]
        theirs.add(tuple(mix.index(1) if sum(mix) == 1 else None for mix in mixes))
    ours = {_reduced(game, [int(np.argmax(mix)) for mix in eq.behaviour]) for eq in found if eq.is_pure}
    assert ours == theirs


def test_payoffs_of_very_different_sizes_hide_no_deviation() -> None:
    # Gambit's large_payoff_game.efg: payoffs of 1e19 next to 1. A float tolerance relative to
    # the spread (1e19 x 1e-9) would miss deviations worth 1; pure candidates of exact games are
    # therefore checked in exact arithmetic: only Gambit's one pure equilibrium remains.
    game, found = _solved(GAMBIT / "tests/test_games/large_payoff_game.efg")
    assert [profile_text(game, eq) for eq in found if eq.is_pure] == ["1: A, A; 2: Y, X"]


@pytest.mark.parametrize("path", [path for path in COMPARED if read_efg(path).n_players == 2], ids=_name)
@pytest.mark.slow
def test_two_player_equilibria_include_those_of_gambits_lcp(path: Path) -> None:
    # Lemke's algorithm on the sequence form ends at vertices, which are the realization plans of extreme
    # equilibria of the reduced normal form: diplosim lists each, with the same payoffs and the same moves
    # wherever the equilibrium reaches.
    game, found = _solved(path)
    gambit = _gambit_read(path)
    infosets = _gambit_infosets(game, gambit)
    players = list(gambit.players)
    for theirs in gbt.nash.lcp_solve(gambit, rational=True).equilibria:
        payoffs = [_fraction(theirs.payoff(player)) for player in players]
        reached = [k for k, infoset in enumerate(infosets) if _fraction(theirs.infoset_prob(infoset)) > 0]
        moves = {k: [float(_fraction(theirs[action])) for action in infosets[k].actions] for k in reached}
        same = [
            eq
            for eq in found
            if np.allclose(eq.payoffs, [float(p) for p in payoffs], rtol=0, atol=1e-9)
            and all(np.allclose(eq.behaviour[k], moves[k], rtol=0, atol=1e-9) for k in reached)
        ]
        assert same, (payoffs, moves)
        assert [list(exact_payoffs(game, eq.exact) or ()) for eq in same if eq.exact is not None] == [
            payoffs for eq in same if eq.exact is not None
        ]


def test_gambits_poker_is_solved_exactly() -> None:
    # Myerson's one-card poker (Gambit's doc/poker.efg): Alice raises with the king, bluffs with the
    # queen one time in three, Bob meets two times in three; Alice's value is 1/3.
    game = read_efg(GAMBIT / "doc/poker.efg")
    result = solve_tree(game, "pbe")
    assert [s.label for s in game.infosets] == ["1:1", "2:1", "1:2"]
    assert [eq.exact for eq in result.equilibria] == [((F(1), F(0)), (F(2, 3), F(1, 3)), (F(1, 3), F(2, 3)))]
    assert exact_payoffs(game, result.equilibria[0].exact or ()) == (F(1, 3), F(-1, 3))


def test_a_tree_without_decisions_is_solved() -> None:
    game = read_efg(GAMBIT / NO_DECISIONS)
    assert game.infosets == ()
    result = solve_tree(game, "nash")
    assert [eq.payoffs.tolist() for eq in result.equilibria] == [[2.0]]


@pytest.mark.slow
def test_a_tree_too_large_to_solve_in_time_stops_at_the_limit() -> None:
    # Monty Hall (67 nodes, 16 information sets, 2**16 x ... pure profiles): solved in the worker,
    # which is stopped at the limit with one line saying how to go on.
    from sim.errors import SolverLimitError

    game = read_efg(GAMBIT / "contrib/games/montyhal.efg")
    with pytest.raises(SolverLimitError, match="did not finish within the time limit of 1 s; raise the time limit"):
        solve_tree(game, time_limit=1.0)
