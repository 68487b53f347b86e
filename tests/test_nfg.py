"""Tests of sim.game.nfg: Gambit .nfg files, with pygambit 16.7 as the oracle."""

from __future__ import annotations

import io
import itertools
import os
import re
import string
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pygambit as gbt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.game.limits import MAX_PLAYERS, MAX_PROFILES, MAX_STRATEGIES
from sim.game.nfg import MAX_FILE_BYTES, parse_nfg, read_nfg, unique_labels, write_nfg
from sim.game.normal_form import NormalFormGame, SourceLabels
from sim.solvers.registry import solve

from .conftest import diplosim

ObjectArray = npt.NDArray[np.object_]

# --- helpers ----------------------------------------------------------------------


def _exact(values: Any) -> ObjectArray:
    """An object array of Fractions from nested lists of numbers or strings."""
    array = np.asarray(values, dtype=object)
    return np.vectorize(Fraction, otypes=[object])(array)  # type: ignore[no-any-return]


def _game_with_exact(
    name: str, players: tuple[str, ...], strategies: tuple[tuple[str, ...], ...], exact: ObjectArray
) -> NormalFormGame:
    """The game as the reader makes it from a file with these names: unique labels, and
    the names themselves as ``source_labels`` when they differ."""
    labels = unique_labels(players), tuple(unique_labels(names) for names in strategies)
    source = None if labels == (players, strategies) else SourceLabels(players, strategies)
    return NormalFormGame(name, *labels, exact.astype(float), exact, source)


def _gambit_view(game: Any) -> tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...], ObjectArray]:
    """Title, player labels, strategy labels and exact payoffs (diplosim layout) of a pygambit game."""
    players = list(game.players)
    shape = tuple(len(list(player.strategies)) for player in players)
    exact = np.empty((*shape, len(players)), dtype=object)
    for profile in itertools.product(*(range(n) for n in shape)):
        outcome = game[list(profile)]
        values = [Fraction(0)] * len(players) if outcome is None else [Fraction(outcome[p]) for p in players]
        for i, value in enumerate(values):
            exact[(*profile, i)] = value
    labels = tuple(tuple(s.label for s in player.strategies) for player in players)
    return game.title, tuple(p.label for p in players), labels, exact


def _gambit_from_arrays(
    title: str, players: tuple[str, ...], strategies: tuple[tuple[str, ...], ...], exact: ObjectArray
) -> Any:
    """A pygambit game with these labels and payoffs (pygambit takes one array per player)."""
    game = gbt.Game.from_arrays(*(exact[..., i] for i in range(len(players))), title=title)
    for player, name, labels in zip(game.players, players, strategies):
        player.label = name
        for strategy, label in zip(player.strategies, labels):
            strategy.label = label
    return game


def _assert_same(game: NormalFormGame, other: NormalFormGame) -> None:
    assert game.name == other.name
    assert game.players == other.players
    assert game.strategies == other.strategies
    assert game.payoffs.shape == other.payoffs.shape
    assert np.array_equal(game.payoffs, other.payoffs)
    assert game.exact_payoffs is not None
    assert other.exact_payoffs is not None
    assert game.exact_payoffs.tolist() == other.exact_payoffs.tolist()
    assert game.source_labels == other.source_labels


# --- hand-written files -------------------------------------------------------------

# Gambit's e02.nfg (Selten 1975), payoff version with counts only.
SELTEN = """NFG 1 R "Selten (IJGT, 75), Figure 2, normal form"
{ "Player 1" "Player 2" } { 3 2 }

1 1 0 2 0 2 1 1 0 3 2 0
"""


def test_payoff_version_first_player_fastest() -> None:
    game = parse_nfg(SELTEN, "e02.nfg")
    assert game.name == "Selten (IJGT, 75), Figure 2, normal form"
    assert game.players == ("Player 1", "Player 2")
    assert game.strategies == (("1", "2", "3"), ("1", "2"))
    row = [[1, 1], [0, 0], [0, 2]]
    column = [[1, 1], [2, 3], [2, 0]]
    assert game.payoffs[..., 0].tolist() == row
    assert game.payoffs[..., 1].tolist() == column
    assert game.exact_payoffs is not None
    assert game.exact_payoffs[2, 1].tolist() == [Fraction(2), Fraction(0)]


def test_payoff_version_with_names_numbers_and_free_layout() -> None:
    text = (
        'NFG 1 D "A \\"quoted\\" title"\n{ "Row" "Col" }\n{ { "up" "down" }\n  { "left" "right" } }\n'
        '"a comment\nover two lines"\n'
        "1.5 -.25\n1e3 3/4\n\t-2 2.5E-7\n0 -7/3"
    )
    game = parse_nfg(text)
    assert game.name == 'A "quoted" title'
    assert game.strategies == (("up", "down"), ("left", "right"))
    assert game.exact_payoffs is not None
    assert game.exact_payoffs[0, 0].tolist() == [Fraction(3, 2), Fraction(-1, 4)]
    assert game.exact_payoffs[1, 0].tolist() == [Fraction(1000), Fraction(3, 4)]
    assert game.exact_payoffs[0, 1].tolist() == [Fraction(-2), Fraction("2.5e-7")]
    assert game.exact_payoffs[1, 1].tolist() == [Fraction(0), Fraction(-7, 3)]
    assert game.payoffs[1, 1].tolist() == [0.0, -7 / 3]
    assert game.payoffs[0, 1, 1] == 2.5e-7


OUTCOMES = """NFG 1 R "Two outcomes" { "P1" "P2" }

{ { "a" "b" }
{ "c" "d" }
}
""

{
{ "o1" 1, 2 }
{ "o2" 3/2 -4 }
}
1 0 2 1
"""


def test_outcome_version_with_null_outcome() -> None:
    game = parse_nfg(OUTCOMES)
    assert game.strategies == (("a", "b"), ("c", "d"))
    # profiles (a,c) (b,c) (a,d) (b,d) take outcomes 1 0 2 1
    assert game.payoff_of(("a", "c")) == (1.0, 2.0)
    assert game.payoff_of(("b", "c")) == (0.0, 0.0)
    assert game.payoff_of(("a", "d")) == (1.5, -4.0)
    assert game.payoff_of(("b", "d")) == (1.0, 2.0)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs[0, 1, 0] == Fraction(3, 2)


def test_outcome_version_without_comment_and_with_counts() -> None:
    game = parse_nfg('NFG 1 R "" { "P" } { 3 } { { "x" 5 } { "y" 6, } } 2 1 0')
    assert game.strategies == (("1", "2", "3"),)
    assert game.payoffs[..., 0].tolist() == [6.0, 5.0, 0.0]


def test_escapes_in_strings() -> None:
    game = parse_nfg('NFG 1 R "a\\\\b \\"c\\" \\n" { "P" } { { "s" } } 1')
    assert game.name == 'a\\b "c" \\n'


def test_write_format() -> None:
    exact = _exact([[["1/3", 2], [0, "-5/2"]]])
    game = _game_with_exact('say "hi"', ("only", 'two"'), (("s",), ("l", "r")), exact)
    assert write_nfg(game) == 'NFG 1 R "say \\"hi\\"" { "only" "two\\"" }\n{ { "s" } { "l" "r" } }\n\n1/3 2\n0 -5/2\n'
    floats = NormalFormGame("f", ("P",), (("a", "b", "c"),), np.array([[1e16], [0.1], [-2.5e-7]]))
    assert write_nfg(floats).splitlines()[3:] == ["1e16", "0.1", "-2.5e-07"]


# --- pygambit as the oracle ---------------------------------------------------------

PD = _game_with_exact(
    "Prisoner's dilemma",
    ("Row", "Column"),
    (("Cooperate", "Defect"), ("Cooperate", "Defect")),
    _exact([[[3, 3], [0, 5]], [[5, 0], [1, 1]]]),
)
THREE = _game_with_exact(
    'Three "players"',
    ("Alice", "Bob", "Carol"),
    (("a1", "a2"), ("b1", "b2", "b3"), ("c1", "c2")),
    _exact([Fraction(i) - Fraction(35, 4) for i in range(36)]).reshape(2, 3, 2, 3),
)


@pytest.mark.parametrize(
    "text", [SELTEN, OUTCOMES, 'NFG 1 R "t" { "A" "B" "C" } { 2 3 2 }\n' + " ".join(map(str, range(36)))]
)
def test_profile_order_and_default_names_agree_with_pygambit(text: str) -> None:
    game = parse_nfg(text)
    title, players, strategies, exact = _gambit_view(gbt.read_nfg(io.StringIO(text)))
    assert (game.name, game.players, game.strategies) == (title, players, strategies)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs.tolist() == exact.tolist()


@pytest.mark.parametrize("game", [PD, THREE], ids=["pd", "three"])
def test_pygambit_reads_what_we_write(game: NormalFormGame) -> None:
    title, players, strategies, exact = _gambit_view(gbt.read_nfg(io.StringIO(write_nfg(game))))
    assert (title, players, strategies) == (game.name, game.players, game.strategies)
    assert game.exact_payoffs is not None
    assert exact.tolist() == game.exact_payoffs.tolist()


def test_pygambit_reads_our_floats_exactly() -> None:
    values = np.array([[[0.1, 1e16]], [[-2.5e-7, 1 / 3]], [[-0.0, 1.7976931348623157e308]]])
    game = NormalFormGame("floats", ("P", "Q"), (("x", "y", "z"), ("w",)), values)
    _, _, _, exact = _gambit_view(gbt.read_nfg(io.StringIO(write_nfg(game))))
    assert exact.astype(float).tolist() == values.tolist()


@pytest.mark.parametrize("game", [PD, THREE], ids=["pd", "three"])
def test_we_read_what_pygambit_writes(game: NormalFormGame) -> None:
    assert game.exact_payoffs is not None
    text = _gambit_from_arrays(game.name, game.players, game.strategies, game.exact_payoffs).to_nfg()
    assert '\n""\n' in text  # pygambit always writes the outcome version
    assert "," in text  # ... with commas between the payoffs of an outcome
    _assert_same(parse_nfg(text), game)


def test_we_read_pygambit_null_outcomes_and_decimals() -> None:
    gambit_game = gbt.read_nfg(io.StringIO(OUTCOMES))
    text = gambit_game.to_nfg()
    assert text.rstrip().endswith("1 0 2 1")
    _assert_same(parse_nfg(text), parse_nfg(OUTCOMES))
    decimals = gbt.Game.from_arrays(np.array([[0.1, 2.5e-7]], dtype=object), np.array([[Decimal("-1.25"), 3]]))
    game = parse_nfg(decimals.to_nfg())
    _, _, _, exact = _gambit_view(decimals)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs.tolist() == exact.tolist()
    assert game.payoffs[0, 1, 0] == 2.5e-7


_ANY_LABEL = st.text(max_size=8)
# pygambit 16.7 gives strategies the default labels "1", "2", ... and then relabels them one by one, so it
# refuses files where a strategy is named like the default of a later one (test below): labels start with a letter.
_LABEL = st.builds(
    str.__add__,
    st.sampled_from(string.ascii_letters),
    st.text(alphabet=string.ascii_letters + string.digits + "_-'\"()", max_size=5),
)


@st.composite
def _exact_games(draw: st.DrawFn, labels: st.SearchStrategy[str] = _ANY_LABEL) -> NormalFormGame:
    k = draw(st.integers(1, 3))
    players = tuple(draw(st.lists(labels, min_size=k, max_size=k)))
    strategies = tuple(tuple(draw(st.lists(labels, min_size=1, max_size=4))) for _ in range(k))
    shape = (*(len(s) for s in strategies), k)
    number = st.one_of(st.integers(-1000, 1000).map(Fraction), st.fractions(-100, 100, max_denominator=64))
    flat = draw(st.lists(number, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    exact = np.empty(len(flat), dtype=object)
    exact[:] = flat
    return _game_with_exact(draw(labels), players, strategies, exact.reshape(shape))


@settings(max_examples=150, deadline=None)
@given(_exact_games())
@pytest.mark.slow
def test_round_trip_exact(game: NormalFormGame) -> None:
    _assert_same(parse_nfg(write_nfg(game)), game)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=6, max_size=6),
)
def test_round_trip_floats(values: list[float]) -> None:
    game = NormalFormGame("floats", ("A", "B"), (("x", "y", "z"), ("w",)), np.array(values).reshape(3, 1, 2))
    back = parse_nfg(write_nfg(game))
    assert back.payoffs.tolist() == game.payoffs.tolist()
    assert back.exact_payoffs is not None
    assert [float(x) for x in back.exact_payoffs.ravel()] == values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exact_games(_LABEL))
@pytest.mark.slow
def test_round_trip_through_pygambit(game: NormalFormGame) -> None:
    title, players, strategies, exact = _gambit_view(gbt.read_nfg(io.StringIO(write_nfg(game))))
    assert (title, players, strategies) == (game.name, game.players, game.strategies)
    assert game.exact_payoffs is not None
    assert exact.tolist() == game.exact_payoffs.tolist()
    back = parse_nfg(_gambit_from_arrays(title, players, strategies, exact).to_nfg())
    _assert_same(back, NormalFormGame(game.name, game.players, game.strategies, game.payoffs, game.exact_payoffs))


# Names that are empty, repeated, or look like the labels Gambit makes from them.
_CLASHING_NAME = st.sampled_from(["", "a", "a", "a_1", "a_2", "_1", "_2", "b"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_exact_games(_CLASHING_NAME))
@pytest.mark.slow
def test_labels_are_the_ones_pygambit_gives(game: NormalFormGame) -> None:
    _, players, strategies, _ = _gambit_view(gbt.read_nfg(io.StringIO(write_nfg(game))))
    assert (players, strategies) == (game.players, game.strategies)
    _assert_same(parse_nfg(write_nfg(game)), game)


# The scenario label rule (sim.scenario.semantics): a name that passes it gives labels that pass it.
_SCENARIO_LABEL = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]{0,3}", fullmatch=True)


@given(st.lists(st.one_of(st.just(""), _SCENARIO_LABEL), max_size=8))
@pytest.mark.slow
def test_labels_are_unique_non_empty_and_keep_the_scenario_label_rule(names: list[str]) -> None:
    labels = unique_labels(names)
    assert len(labels) == len(names) == len(set(labels))
    assert all(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]*", label) for label in labels)
    assert [label for label, name in zip(labels, names) if names.count(name) == 1 and name] == [
        name for name in names if names.count(name) == 1 and name
    ]


def test_empty_and_repeated_names_are_read_labelled_and_written_back() -> None:
    text = 'NFG 1 R "t" { "" "" } { { "d" "d" "c" } { "" } }\n1 2 3 4 5 6\n'
    game = parse_nfg(text)
    assert game.players == ("_1", "_2")
    assert game.strategies == (("d_1", "d_2", "c"), ("_1",))
    assert game.source_labels == SourceLabels(("", ""), (("d", "d", "c"), ("",)))
    assert write_nfg(game).splitlines()[:2] == ['NFG 1 R "t" { "" "" }', '{ { "d" "d" "c" } { "" } }']
    _assert_same(parse_nfg(write_nfg(game)), game)
    assert parse_nfg('NFG 1 R "t" { "A" } { 2 } 1 2').source_labels is None


def test_numeral_labels_pygambit_refuses_are_read() -> None:
    text = 'NFG 1 R "t" { "P" } { { "2" "1" } } 1 2'
    with pytest.raises(ValueError, match="Strategy label must be unique"):
        gbt.read_nfg(io.StringIO(text))
    assert parse_nfg(text).strategies == (("2", "1"),)


# --- malformed files ------------------------------------------------------------------

_HEAD = 'NFG 1 R "t" { "A" "B" } { 2 2 }\n'
_NAMED = 'NFG 1 R "t" { "A" "B" } { { "a" "b" } { "c" } }\n'


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("", 1, "expected the keyword NFG"),
        ('\n\nEFG 2 R "t" { "A" } { 1 } 1', 3, "expected the keyword NFG"),
        ('NFG 2 R "t" { "A" } { 1 } 1', 1, "only version 1"),
        ('NFG 1\nX "t" { "A" } { 1 } 1', 2, "expected R or D"),
        ('NFG 1 R { "A" } { 1 } 1', 1, "title of the game"),
        ('NFG 1 R "t" "A" { 1 } 1', 1, "'{' opening the list of player names"),
        ('NFG 1 R "t"\n{ }\n{ }', 2, "the game has no players"),
        ('NFG 1 R "t" { "A" 3 } { 1 } 1', 1, "a player name in double quotes"),
        ('NFG 1 R "t" { "A" "B" } { 2\n0 } 1 2', 2, "player 'B' has no strategies"),
        ('NFG 1 R "t" { "A" "B" } { { "a" }\n{ } } 1 2', 2, "player 'B' has no strategies"),
        ('NFG 1 R "t" { "A" "B" } { 2 } 1 2', 1, "the number of strategies of player 'B'"),
        ('NFG 1 R "t" { "A" } { 2 2 } 1 2', 1, "closing the strategy counts"),
        ('NFG 1 R "t" { "A" "B" } { { "a" } } 1 2', 1, "opening the strategy names of player 'B'"),
        ('NFG 1 R "t" { "A" } { { "a" } { "b" } } 1 2', 1, "closing the strategy lists"),
        ('NFG 1 R "t" { "A" } { 2.5 } 1 2', 1, "a whole number"),
        ('NFG 1 R "t" { "A" } { 1' + "0" * 30 + " } 1", 1, "too large"),
        (_HEAD + "1 2 3 4\n5 6 7\n\n", 3, "the file ends after 7 payoffs"),
        (_HEAD + "1 2 3 4\n5 6 7 8\n9\n", 4, "expected the end of the file"),
        (_HEAD + "1 2 3 x 5 6 7 8", 2, "expected a payoff, found 'x'"),
        (_HEAD + "1 2 3 +4 5 6 7 8", 2, "expected a payoff"),
        (_HEAD + "1 2 3\n1.2.3 5 6 7 8", 3, "expected a payoff"),
        (_HEAD + "1 2 3 4 5 inf 7 8", 2, "expected a payoff"),
        (_HEAD + "1 2 3 4 5 NaN 7 8", 2, "expected a payoff"),
        (_HEAD + "1 2 3 4 5 3/-4 7 8", 2, "expected a payoff"),
        (_HEAD + '1 2 3 4 5 "6" 7 8', 2, "expected a payoff, found the string '6'"),
        (_HEAD + "1 2 3 4 5 6, 7 8", 2, "expected a payoff, found ','"),
        (_HEAD + "1 2 3 4 5 6 7\n1e309", 3, "beyond the range of floats"),
        (_HEAD + "1 2 3 4 5 6 7\n-1e400", 3, "beyond the range of floats"),
        (_HEAD + "1 2 3 4 5 6 7\n1/0", 3, "divides by zero"),
        (_HEAD + "1 2 3 4 5 6 7\n1e99999999999", 3, "too long or too large"),
        (_HEAD + "1 2 3 4 5 6 7\n" + "9" * 5000, 3, "too long or too large"),
        (_HEAD + '1 2 3 4 5 6 7 "8', 2, "unterminated string"),
        ('NFG 1 R "t\n\n', 1, "unterminated string"),
        ('NFG 1 R "t\\" { "A" } { 1 } 1', 1, "expected '{' opening the list of player names, found 'A'"),
        ('NFG 1 R "t" { "A" } { 1 } "\n1', 1, "unterminated string"),
        (_NAMED + '{ { "o" 1 2 }\n{ "p" 3 } } 1 2', 3, "expected a payoff, found '}'"),
        (_NAMED + '{ { "o" 1 2 3 } } 1 2', 2, "closing outcome 1: it has one payoff per player, 2 payoffs"),
        (_NAMED + "{ { 1 2 } } 1 2", 2, "the name of the outcome"),
        (_NAMED + '{ { "o" 1 2 } "p" } 1 2', 2, "'{' opening an outcome or '}' closing"),
        (_NAMED + '{ { "o" 1 2 } }\n1\n2', 4, "outcome index 2 is out of range: the file defines 1 outcome"),
        (_NAMED + '{ { "o" 1 2 } }\n1 -1', 3, "expected an outcome index"),
        (_NAMED + '{ { "o" 1 2 } }\n1 ' + "9" * 40, 3, "too large for an outcome index"),
        (_NAMED + '{ { "o" 1 2 } }\n1', 3, "the file ends too early: 1 of the 2 outcome indices"),
        (_NAMED + '{ { "o" 1 2 } }\n1 1\n0', 4, "expected the end of the file after the outcome indices"),
    ],
)
def test_malformed_files_name_the_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_nfg(text, "bad.nfg")
    assert error.value.file == "bad.nfg"
    assert error.value.line == line
    assert fragment in error.value.message
    assert str(error.value).startswith(f"bad.nfg:{line}: ")


_PIECES = [
    "NFG", "1", "R", "D", '"t"', '""', "{", "}", "{", "}", ",", '"a"', '"b"', "0", "2", "3", "-1.5",
    "3/4", "1e400", "1/0", "x", '"', '\\"', "\n", "01", ".5", "-", "e3", "9" * 30,
]  # fmt: skip


def _check_only_scenario_errors(text: str) -> None:
    try:
        game = parse_nfg(text, "fuzz.nfg")
    except ScenarioError as error:
        assert error.file == "fuzz.nfg"
        assert isinstance(error.line, int)
        assert 1 <= error.line <= text.count("\n") + 1
    else:
        assert isinstance(game, NormalFormGame)
        assert game.exact_payoffs is not None


@settings(max_examples=300, deadline=None)
@given(st.text())
@pytest.mark.slow
def test_any_text_raises_only_scenario_error(text: str) -> None:
    _check_only_scenario_errors(text)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["", 'NFG 1 R "t" ', 'NFG 1 R "t" { "A" "B" } ', 'NFG 1 R "t" { "A" } { 2 } ']),
    st.lists(st.sampled_from(_PIECES), max_size=30),
)
@pytest.mark.slow
def test_token_soup_raises_only_scenario_error(head: str, pieces: list[str]) -> None:
    _check_only_scenario_errors(head + " ".join(pieces))


# --- files ------------------------------------------------------------------------------


def test_read_nfg(tmp_path: Path) -> None:
    file = tmp_path / "selten.nfg"
    file.write_text(SELTEN, encoding="utf-8")
    _assert_same(read_nfg(file), parse_nfg(SELTEN))
    assert read_nfg(str(file)).name.startswith("Selten")


def test_read_nfg_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        read_nfg(tmp_path / "missing.nfg")
    with pytest.raises(ScenarioError, match="is a directory"):
        read_nfg(tmp_path)
    latin = tmp_path / "latin.nfg"
    latin.write_bytes(b'NFG 1 R "t"\n{ "Jos\xe9" } { 1 } 1')
    with pytest.raises(ScenarioError, match="not UTF-8") as error:
        read_nfg(latin)
    assert error.value.line == 2
    bad = tmp_path / "bad.nfg"
    bad.write_text('NFG 1 R "t"\n{ "A" } { 1 }\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        read_nfg(bad)
    assert error.value.file == str(bad)
    assert error.value.line == 2


# --- limits, checked before the work they bound -------------------------------------------

_OVER = MAX_STRATEGIES + 1
_NEVER_READ = '\n"this string is never scanned'  # an error if the reader went on


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            'NFG 1 R "one player" { "A" }\n{ 100000 }' + _NEVER_READ,
            2,
            f"player 'A' has 100000 strategies; the limit is {MAX_STRATEGIES} per player "
            "(sim.game.limits.MAX_STRATEGIES: raise it there, or merge strategies)",
        ),
        ('NFG 1 R "t" { "A" "B" } { 2 60 }' + _NEVER_READ, 1, "player 'B' has 60 strategies; the limit is"),
        (
            'NFG 1 R "t" { "A" "B" }\n{ { "x" }\n{ ' + '"s" ' * _OVER + "} }" + _NEVER_READ,
            3,
            f"player 'B' has {_OVER} strategies; the limit is {MAX_STRATEGIES}",
        ),
        (
            'NFG 1 R "t" { "A" "B" "C" }\n{ 50 50 5 }' + _NEVER_READ,
            2,
            f"the game has 12500 strategy profiles (50 x 50 x 5); the limit is {MAX_PROFILES} "
            "(sim.game.limits.MAX_PROFILES: raise it there, or use fewer strategies or players)",
        ),
        (
            'NFG 1 R "t"\n{ ' + '"" ' * (MAX_PLAYERS + 3) + "}" + _NEVER_READ,
            2,
            f"the game has {MAX_PLAYERS + 3} players; the limit is {MAX_PLAYERS} "
            "(sim.game.limits.MAX_PLAYERS: raise it",
        ),
        (
            'NFG 1 R "t" { "A" } { 1 }\n{\n' + '{ "" 1 }\n' * (MAX_PROFILES + 1) + "} 1",
            MAX_PROFILES + 3,
            f"the file defines more than {MAX_PROFILES} outcomes, the most profiles a game may have",
        ),
    ],
    ids=["one-player-100000", "2x60", "names-beyond", "profiles", "players", "outcomes"],
)
@pytest.mark.slow
def test_games_beyond_the_limits_are_refused_from_their_header(text: str, line: int, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_nfg(text, "big.nfg")
    assert (error.value.file, error.value.line) == ("big.nfg", line)
    assert error.value.message.startswith(message)


@pytest.mark.slow
def test_games_at_the_limits_are_read() -> None:
    last = MAX_PROFILES // MAX_STRATEGIES**2
    assert last * MAX_STRATEGIES**2 == MAX_PROFILES
    names = "{ " + " ".join(f'"s{i}"' for i in range(MAX_STRATEGIES)) + " }"
    repeated = "{ " + '"x" ' * last + "}"
    game = parse_nfg(f'NFG 1 R "t" {{ "A" "B" "C" }} {{ {names} {names} {repeated} }}\n' + "1 " * (3 * MAX_PROFILES))
    assert game.shape == (MAX_STRATEGIES, MAX_STRATEGIES, last)
    assert game.strategies[2] == tuple(f"x_{i}" for i in range(1, last + 1))
    players = 'NFG 1 R "t" { ' + '"" ' * MAX_PLAYERS + "} { " + "1 " * MAX_PLAYERS + "}\n" + "0 " * MAX_PLAYERS
    assert parse_nfg(players).players == tuple(f"_{i}" for i in range(1, MAX_PLAYERS + 1))


def test_a_file_beyond_the_byte_limit_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "huge.nfg"
    with file.open("wb") as handle:
        handle.write(b'NFG 1 R "t" { "A" } { 1 } 1\n')
        handle.truncate(MAX_FILE_BYTES + 1)  # a sparse file: nothing is written, and nothing may be read
    with pytest.raises(ScenarioError) as error:
        read_nfg(file)
    assert str(error.value) == (
        f"{file}: the file has {MAX_FILE_BYTES + 1} bytes; the limit for a game file is {MAX_FILE_BYTES} "
        "(sim.game.nfg.MAX_FILE_BYTES: raise it there)"
    )
    result = diplosim("solve", str(file))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"diplosim: error: {error.value}"]


def test_a_file_at_the_byte_limit_is_read(tmp_path: Path) -> None:
    file = tmp_path / "padded.nfg"
    text = 'NFG 1 R "t" { "A" } { 1 } 1'
    file.write_text(text + " " * (MAX_FILE_BYTES - len(text)), encoding="utf-8")
    assert file.stat().st_size == MAX_FILE_BYTES
    assert read_nfg(file).payoffs.tolist() == [[1.0]]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_unread(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.nfg"
    os.mkfifo(pipe)
    with pytest.raises(ScenarioError, match=r"pipe\.nfg: is not a regular file \(a pipe or a device\)"):
        read_nfg(pipe)


# --- Gambit's own files (tests/data/gambit, see its README.md) ----------------------------

GAMBIT = Path(__file__).parent / "data" / "gambit"
CORPUS = sorted(GAMBIT.rglob("*.nfg"))
#: Two-player games up to this many strategies per player are compared with Gambit's enummixed.
COMPARED_SIZE = 8


def _name(path: Path) -> str:
    return path.relative_to(GAMBIT).as_posix()


def _players(path: Path) -> int:
    return len(gbt.read_nfg(str(path)).players)


TWO_PLAYERS = [path for path in CORPUS if _players(path) == 2]
MORE_PLAYERS = [path for path in CORPUS if _players(path) > 2]


def test_the_corpus_is_every_file_of_gambit_and_its_readme_names_each() -> None:
    assert len(CORPUS) == 60
    assert (len(TWO_PLAYERS), len(MORE_PLAYERS)) == (44, 16)
    readme = (GAMBIT / "README.md").read_text(encoding="utf-8")
    assert "8883f7591cb86563b54be3fb00b8d2ab5ea91647" in readme and "GPL-2.0-or-later" in readme
    assert [name for name in map(_name, CORPUS) if f"`{name}`" not in readme] == []


@pytest.mark.parametrize("path", CORPUS, ids=_name)
def test_gambit_files_read_as_pygambit_reads_them(path: Path) -> None:
    game = read_nfg(path)
    title, players, strategies, exact = _gambit_view(gbt.read_nfg(str(path)))
    assert (game.name, game.players, game.strategies) == (title, players, strategies)
    assert game.exact_payoffs is not None
    assert game.exact_payoffs.tolist() == exact.tolist()
    assert game.payoffs.tolist() == exact.astype(float).tolist()


@pytest.mark.parametrize("path", CORPUS, ids=_name)
def test_gambit_files_round_trip(path: Path) -> None:
    game = read_nfg(path)
    text = write_nfg(game)
    _assert_same(parse_nfg(text), game)
    title, players, strategies, exact = _gambit_view(gbt.read_nfg(io.StringIO(text)))
    original = _gambit_view(gbt.read_nfg(str(path)))
    assert (title, players, strategies) == original[:3]
    assert exact.tolist() == original[3].tolist()


def test_empty_and_repeated_names_of_gambit_files_are_written_back() -> None:
    unnamed = read_nfg(GAMBIT / "contrib/games/sww1.nfg")
    assert unnamed.players == ("_1", "_2")
    assert write_nfg(unnamed).startswith('NFG 1 R "Schotter-Weigelt-Wilson Fig 1 game in normal form" { "" "" }\n')
    repeated = read_nfg(GAMBIT / "tests/test_games/2x2_bimatrix_all_zero_payoffs.nfg")
    assert repeated.strategies == (("cooperate", "defect"), ("defect_1", "defect_2"))
    assert write_nfg(repeated).splitlines()[1] == '{ { "cooperate" "defect" } { "defect" "defect" } }'


def _exact_set(profiles: Any) -> set[tuple[tuple[Fraction, ...], ...]]:
    return {tuple(tuple(Fraction(str(p)) for p in mix) for mix in profile) for profile in profiles}


def _gambit_equilibria(path: Path, method: str) -> set[tuple[tuple[Fraction, ...], ...]]:
    game = gbt.read_nfg(str(path))
    if method == "enummixed":
        found = gbt.nash.enummixed_solve(game, rational=True).equilibria
    else:
        found = gbt.nash.enumpure_solve(game).equilibria
    return _exact_set([[eq[strategy] for strategy in player.strategies] for player in game.players] for eq in found)


@pytest.mark.parametrize("path", TWO_PLAYERS, ids=_name)
@pytest.mark.slow
def test_two_player_gambit_files_solve_with_the_default_solver(path: Path) -> None:
    result = solve(read_nfg(path))
    assert result.method == "vertex_enumeration"
    assert result.complete
    assert len(result.equilibria) >= 1
    assert all(eq.exact is not None for eq in result.equilibria)


@pytest.mark.parametrize(
    "path",
    [path for path in TWO_PLAYERS if max(read_nfg(path).shape) <= COMPARED_SIZE],
    ids=_name,
)
@pytest.mark.slow
def test_two_player_equilibria_are_those_of_gambits_enummixed(path: Path) -> None:
    result = solve(read_nfg(path))
    ours = _exact_set(eq.exact for eq in result.equilibria)
    theirs = _gambit_equilibria(path, "enummixed")
    assert len(result.equilibria) == len(theirs)
    assert ours == theirs


@pytest.mark.parametrize("name", ["6x6_game_with_75_eq.nfg", "6x6_game_with_75_eq_small_payoffs.nfg"])
@pytest.mark.slow
def test_von_stengels_6x6_game_has_all_75_equilibria_in_any_unit(name: str) -> None:
    # von Stengel (1999), "New maximal numbers of equilibria in bimatrix games", DCG 21: a 6x6
    # game from cyclic polytopes with 75 equilibria, more than the conjectured 2**6 - 1 = 63.
    # Its systems of tight constraints have condition numbers near 3e7: Cramer's rule by
    # Laplace expansion lost three of the equilibria (release 0.2). The two files hold the
    # same game in two units; Gambit's exact enummixed is the reference.
    path = GAMBIT / "catalog/journals/dcg/vonstengel1999" / name
    result = solve(read_nfg(path))
    assert len(result.equilibria) == 75 and not result.degenerate
    assert _exact_set(eq.exact for eq in result.equilibria) == _gambit_equilibria(path, "enummixed")
    floats = read_nfg(path)
    scaled = solve(floats.with_payoffs(floats.payoffs * 1e-7))  # floats, no exact payoffs: the same 75
    assert len(scaled.equilibria) == 75
    for ours, exact in zip(scaled.equilibria, result.equilibria):
        for mix, fractions in zip(ours.strategies, exact.exact or ()):
            np.testing.assert_allclose(mix, [float(p) for p in fractions], rtol=0, atol=1e-9)


@pytest.mark.parametrize("path", MORE_PLAYERS, ids=_name)
def test_pure_equilibria_of_n_player_gambit_files_are_those_of_gambits_enumpure(path: Path) -> None:
    result = solve(read_nfg(path), "gambit_enumpure")
    assert all(eq.is_pure and eq.exact is not None for eq in result.equilibria)
    assert _exact_set(eq.exact for eq in result.equilibria) == _gambit_equilibria(path, "enumpure")
