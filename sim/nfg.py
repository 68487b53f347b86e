"""Reading and writing Gambit strategic-form game files (``.nfg``).

This module speaks Gambit's text format without importing pygambit (which is GPL and
an optional extra). Games become :class:`sim.games.NormalFormGame` objects, whose
payoff layout is described in :mod:`sim.games`.

The format, as read here (checked against pygambit 16.7):

* A file is a stream of tokens: ``{``, ``}``, ``,``, strings in double quotes, and
  bare words (keywords and numbers). Whitespace and line breaks between tokens are
  free. Inside a string ``\\"`` is a quote and ``\\\\`` a backslash; any other
  backslash is kept as written. A string may span lines.
* The header is ``NFG 1 R "title" { "P1" "P2" ... }``; ``NFG 1 D`` is accepted too.
  The title becomes the game's ``name``.
* The strategies follow, either as counts, ``{ 3 2 }`` (strategies are then named
  ``"1"``, ``"2"``, ... as Gambit names them), or as names,
  ``{ { "a" "b" "c" } { "x" "y" } }``. Player names, and the strategy names of one
  player, must be unique (diplosim addresses strategies by name).
* An optional comment string may come next; it is not kept.
* **Payoff version**: the payoffs follow, one number per player for each strategy
  profile, the profiles in the order where the *first* player's strategy varies
  fastest: ``(1, 1), (2, 1), (1, 2), (2, 2)`` for a 2 x 2 game.
* **Outcome version**: a ``{`` instead opens the list of outcomes
  ``{ "name" 1, 2 } { "name" 3 4 } ...`` (one payoff per player; commas between them
  are optional), closed by ``}``, followed by one outcome index per profile, in the
  same order. Outcomes count from 1; index 0 is the null outcome, whose payoffs are
  all zero. pygambit's ``Game.to_nfg`` always writes this version.
* A payoff is an integer (``3``, ``-2``), a decimal (``1.5``, ``-.25``, ``1e3``,
  ``2.5E-7``) or a rational (``3/4``). ``exact_payoffs`` holds each as the exact
  :class:`~fractions.Fraction` written, ``payoffs`` its float. Numbers beyond the
  range of floats are refused.

:func:`write_nfg` writes the payoff version, with strategy names, so that pygambit and
:func:`parse_nfg` read it back to the same game. Exact payoffs are written as ``3`` or
``3/4``; float payoffs as their shortest ``repr``, with ``e+`` shortened to ``e``
(Gambit's reader refuses ``1e+16``). Quotes and backslashes in names are escaped;
note that Gambit's own reader keeps ``\\\\`` as two characters, so names with
backslashes do not survive a trip through Gambit. pygambit 16.7 also refuses a file
where a strategy is named like the default name of a later one (``{ "2" "1" }``), even
one it wrote itself; :func:`parse_nfg` reads such files.

Any malformed text raises :class:`sim.errors.ScenarioError` naming the file and the
line of the offending token (for a file that ends too early, its last line with text).
A game may have at most :data:`MAX_PLAYERS` players.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sim.errors import ScenarioError
from sim.files import read_input
from sim.games import NormalFormGame

__all__ = ["MAX_PLAYERS", "parse_nfg", "read_nfg", "write_nfg"]

#: Most players a game file may have (one array axis per player; numpy 1 allows 32 axes).
MAX_PLAYERS = 31

_SPACE = re.compile(r"\s*")
_WORD = re.compile(r'[^\s{}",]+')
_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.DOTALL)
_ESCAPE = re.compile(r'\\(["\\])')
_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE](?P<exp>[-+]?[0-9]+))?")
_RATIONAL = re.compile(r"-?[0-9]+/(?P<den>[0-9]+)")
_MAX_NUMBER_LENGTH = 1000
_MAX_EXPONENT = 1000
_PAYOFF_HINT = "a payoff is a number such as 3, -1.5, 2e3 or 3/4"


@dataclass(frozen=True)
class _Token:
    kind: str  # "{", "}", ",", "string", "word" or "end"
    text: str
    line: int


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the file"
    text = token.text if len(token.text) <= 40 else token.text[:40] + "..."
    return f"the string {text!r}" if token.kind == "string" else repr(text)


class _Tokens:
    """The tokens of one file and a cursor over them."""

    def __init__(self, tokens: list[_Token], filename: str) -> None:
        self.tokens = tokens
        self.filename = filename
        self.position = 0

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def take(self) -> _Token:
        token = self.tokens[self.position]
        if token.kind != "end":
            self.position += 1
        return token

    def error(self, token: _Token, message: str) -> ScenarioError:
        return ScenarioError(message, file=self.filename, line=token.line)

    def expect(self, kind: str, what: str) -> _Token:
        token = self.take()
        if token.kind != kind:
            raise self.error(token, f"expected {what}, found {_describe(token)}")
        return token


def _match_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    match = pattern.match(text, position)
    return match.end() if match else position


def _tokenize(text: str, filename: str) -> _Tokens:
    tokens: list[_Token] = []
    position = 1 if text.startswith("\ufeff") else 0
    line, counted = 1, 0
    while True:
        position = _match_end(_SPACE, text, position)
        line += text.count("\n", counted, position)
        counted = position
        if position == len(text):  # the end is on the last line with text
            tokens.append(_Token("end", "", 1 + text.count("\n", 0, len(text.rstrip()))))
            return _Tokens(tokens, filename)
        char = text[position]
        if char in "{},":
            tokens.append(_Token(char, char, line))
            position += 1
        elif char == '"':
            end = _match_end(_STRING_BODY, text, position + 1)
            if end == len(text):
                message = 'unterminated string: add the closing double quote (write \\" for a quote inside it)'
                raise ScenarioError(message, file=filename, line=line)
            tokens.append(_Token("string", _ESCAPE.sub(r"\1", text[position + 1 : end]), line))
            position = end + 1
        else:
            end = _match_end(_WORD, text, position)
            tokens.append(_Token("word", text[position:end], line))
            position = end


def _header(tokens: _Tokens) -> str:
    start = 'a Gambit strategic-form file starts with NFG 1 R "title"'
    keyword = tokens.take()
    if keyword.kind != "word" or keyword.text != "NFG":
        raise tokens.error(keyword, f"expected the keyword NFG, found {_describe(keyword)}: {start}")
    version = tokens.take()
    if version.kind != "word" or version.text != "1":
        raise tokens.error(version, f"only version 1 of the NFG format is read, found {_describe(version)}: {start}")
    number_type = tokens.take()
    if number_type.kind != "word" or number_type.text not in ("R", "D"):
        raise tokens.error(number_type, f"expected R or D after NFG 1, found {_describe(number_type)}: {start}")
    return tokens.expect("string", 'the title of the game in double quotes (it may be "")').text


def _unique(tokens: _Tokens, names: Sequence[_Token], what: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for name in names:
        if name.text in seen:
            raise tokens.error(name, f"{what} {name.text!r} appears twice; rename one of them")
        seen.add(name.text)
    return tuple(name.text for name in names)


def _players(tokens: _Tokens) -> tuple[str, ...]:
    tokens.expect("{", "'{' opening the list of player names")
    names: list[_Token] = []
    while tokens.peek().kind == "string":
        names.append(tokens.take())
    close = tokens.expect("}", "a player name in double quotes or '}' closing the list of players")
    if not names:
        raise tokens.error(close, 'the game has no players; list at least one, e.g. { "P1" "P2" }')
    if len(names) > MAX_PLAYERS:
        raise tokens.error(close, f"the game has {len(names)} players; at most {MAX_PLAYERS} are supported")
    return _unique(tokens, names, "player name")


def _whole(tokens: _Tokens, token: _Token, what: str) -> int:
    if token.kind != "word" or not _WHOLE.fullmatch(token.text):
        raise tokens.error(token, f"expected {what} (a whole number), found {_describe(token)}")
    digits = token.text.lstrip("0") or "0"
    if len(digits) > 18:
        raise tokens.error(token, f"too large for {what}: {_describe(token)}")
    return int(digits)


def _strategies(tokens: _Tokens, players: Sequence[str]) -> tuple[tuple[int, ...], tuple[tuple[str, ...], ...] | None]:
    """Strategy counts, and the names unless the file gives only counts."""
    tokens.expect("{", '\'{\' opening the strategies (counts such as { 2 3 } or names { { "a" "b" } ... })')
    if tokens.peek().kind != "{":
        counts = tuple(_count(tokens, player) for player in players)
        players_text = _plural(len(players), "player")
        tokens.expect("}", f"'}}' closing the strategy counts (one count per player, {players_text})")
        return counts, None
    names = tuple(_strategy_names(tokens, player) for player in players)
    tokens.expect("}", f"'}}' closing the strategy lists (one list per player, {_plural(len(players), 'player')})")
    return tuple(len(n) for n in names), names


def _count(tokens: _Tokens, player: str) -> int:
    token = tokens.take()
    count = _whole(tokens, token, f"the number of strategies of player {player!r}")
    if count == 0:
        raise tokens.error(token, f"player {player!r} has no strategies; give every player at least one")
    return count


def _strategy_names(tokens: _Tokens, player: str) -> tuple[str, ...]:
    tokens.expect("{", f"'{{' opening the strategy names of player {player!r} (one list per player)")
    names: list[_Token] = []
    while tokens.peek().kind == "string":
        names.append(tokens.take())
    close = tokens.expect("}", f"a strategy name in double quotes or '}}' closing those of player {player!r}")
    if not names:
        raise tokens.error(close, f"player {player!r} has no strategies; give every player at least one")
    return _unique(tokens, names, f"strategy name of player {player!r}")


def _payoff(tokens: _Tokens) -> Fraction:
    token = tokens.take()
    decimal = _DECIMAL.fullmatch(token.text) if token.kind == "word" else None
    rational = _RATIONAL.fullmatch(token.text) if token.kind == "word" else None
    if decimal is None and rational is None:
        raise tokens.error(token, f"expected a payoff, found {_describe(token)}; {_PAYOFF_HINT}")
    exponent = decimal.group("exp") if decimal else None
    if len(token.text) > _MAX_NUMBER_LENGTH or (exponent is not None and abs(int(exponent)) > _MAX_EXPONENT):
        raise tokens.error(token, f"payoff {_describe(token)} is too long or too large; scale the payoffs")
    if rational is not None and int(rational.group("den")) == 0:
        raise tokens.error(token, f"payoff {_describe(token)} divides by zero; {_PAYOFF_HINT}")
    value = Fraction(token.text)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise tokens.error(token, f"payoff {_describe(token)} is beyond the range of floats (about 1.8e308)")
    return value


def _payoff_list(tokens: _Tokens, shape: Sequence[int]) -> list[Fraction]:
    needed = math.prod(shape) * len(shape)
    values: list[Fraction] = []
    for _ in range(needed):
        if tokens.peek().kind == "end":
            raise tokens.error(
                tokens.peek(),
                f"the file ends after {_plural(len(values), 'payoff')}, but the game needs {needed}: one per player "
                f"for each of its {_plural(math.prod(shape), 'strategy profile')}; add the missing payoffs",
            )
        values.append(_payoff(tokens))
    return values


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _outcomes(tokens: _Tokens, n_players: int) -> list[tuple[Fraction, ...]]:
    tokens.expect("{", "'{' opening the list of outcomes")
    outcomes: list[tuple[Fraction, ...]] = []
    while tokens.peek().kind == "{":
        tokens.take()
        tokens.expect("string", 'the name of the outcome in double quotes (it may be "")')
        values: list[Fraction] = []
        for _ in range(n_players):
            values.append(_payoff(tokens))
            if tokens.peek().kind == ",":
                tokens.take()
        payoffs_text = _plural(n_players, "payoff")
        tokens.expect("}", f"'}}' closing outcome {len(outcomes) + 1}: it has one payoff per player, {payoffs_text}")
        outcomes.append(tuple(values))
    tokens.expect("}", "'{' opening an outcome or '}' closing the list of outcomes")
    return outcomes


def _outcome_payoffs(tokens: _Tokens, shape: Sequence[int]) -> list[Fraction]:
    outcomes = [tuple(Fraction(0) for _ in shape), *_outcomes(tokens, len(shape))]
    needed = math.prod(shape)
    values: list[Fraction] = []
    for done in range(needed):
        token = tokens.take()
        if token.kind == "end":
            raise tokens.error(
                token,
                f"the file ends too early: {done} of the {needed} outcome indices (one per strategy profile) are given",
            )
        index = _whole(tokens, token, "an outcome index")
        if index >= len(outcomes):
            raise tokens.error(
                token,
                f"outcome index {index} is out of range: the file defines {_plural(len(outcomes) - 1, 'outcome')} "
                "(numbered from 1; 0 means no outcome, all payoffs 0)",
            )
        values.extend(outcomes[index])
    return values


def _to_game(
    title: str,
    players: tuple[str, ...],
    shape: tuple[int, ...],
    names: tuple[tuple[str, ...], ...] | None,
    values: list[Fraction],
) -> NormalFormGame:
    """Build the game from payoffs listed with the first player's strategy fastest."""
    k = len(players)
    flat = np.empty(len(values), dtype=object)
    flat[:] = values
    exact: npt.NDArray[np.object_] = flat.reshape((*reversed(shape), k)).transpose((*reversed(range(k)), k)).copy()
    payoffs = exact.astype(np.float64)
    strategies = names if names is not None else tuple(tuple(str(i) for i in range(1, n + 1)) for n in shape)
    return NormalFormGame(title, players, strategies, payoffs, exact)


def parse_nfg(text: str, filename: str = "<string>") -> NormalFormGame:
    """Read a game from the text of a Gambit ``.nfg`` file (either version).

    Parameters
    ----------
    text : str
        The file's text (see the module docstring for the format).
    filename : str
        Used in error messages.

    Returns
    -------
    NormalFormGame
        Named after the title, ``payoffs`` of shape ``(n_1, ..., n_k, k)`` and
        ``exact_payoffs`` holding the numbers as written.

    Raises
    ------
    ScenarioError
        On any malformed text, with the line of the offending token.

    Examples
    --------
    >>> game = parse_nfg('NFG 1 R "PD" { "Row" "Col" } { { "C" "D" } { "C" "D" } }\\n3 3 5 0 0 5 1 1\\n')
    >>> game.name, game.payoff_of(("D", "C")), game.exact_payoffs[1, 1].tolist()
    ('PD', (5.0, 0.0), [Fraction(1, 1), Fraction(1, 1)])
    """
    tokens = _tokenize(text, filename)
    title = _header(tokens)
    players = _players(tokens)
    shape, names = _strategies(tokens, players)
    if tokens.peek().kind == "string":
        tokens.take()  # the optional comment
    outcome_version = tokens.peek().kind == "{"
    values = _outcome_payoffs(tokens, shape) if outcome_version else _payoff_list(tokens, shape)
    last = tokens.take()
    if last.kind != "end":
        what = "outcome indices (one per profile)" if outcome_version else "payoffs (one per player and profile)"
        raise tokens.error(last, f"expected the end of the file after the {what}, found {_describe(last)}")
    return _to_game(title, players, shape, names, values)


def read_nfg(path: str | os.PathLike[str]) -> NormalFormGame:
    """Read a game from a Gambit ``.nfg`` file (UTF-8 text), see :func:`parse_nfg`.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, not UTF-8, or not a valid game.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder, "coin.nfg")
    ...     _ = file.write_text('NFG 1 R "coin" { "A" "B" } { 2 2 }\\n1 -1 -1 1 -1 1 1 -1\\n')
    ...     read_nfg(file).strategies
    (('1', '2'), ('1', '2'))
    """
    _, text = read_input(path, "a game file")
    return parse_nfg(text, str(path))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format_number(value: Fraction | float) -> str:
    if isinstance(value, float):  # also numpy.float64
        return repr(float(value)).replace("e+", "e")
    exact = Fraction(value)
    return str(exact.numerator) if exact.denominator == 1 else f"{exact.numerator}/{exact.denominator}"


def _file_order(shape: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Profiles as index tuples, the first player's strategy varying fastest."""
    for reversed_profile in itertools.product(*(range(n) for n in reversed(shape))):
        yield reversed_profile[::-1]


def write_nfg(game: NormalFormGame) -> str:
    """The text of a Gambit ``.nfg`` file (payoff version, with strategy names).

    Exact payoffs are written when the game has them, else each float's shortest
    ``repr``, so that :func:`parse_nfg` reads back the same values.

    Examples
    --------
    >>> pd = NormalFormGame.from_matrices(
    ...     "PD", ("Row", "Col"), (("C", "D"), ("C", "D")), [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> print(write_nfg(pd), end="")
    NFG 1 R "PD" { "Row" "Col" }
    { { "C" "D" } { "C" "D" } }
    <BLANKLINE>
    3.0 3.0
    5.0 0.0
    0.0 5.0
    1.0 1.0
    """
    values = game.exact_payoffs if game.exact_payoffs is not None else game.payoffs
    players = " ".join(_quote(player) for player in game.players)
    strategies = " ".join("{ " + " ".join(_quote(s) for s in names) + " }" for names in game.strategies)
    lines = [f"NFG 1 R {_quote(game.name)} {{ {players} }}", f"{{ {strategies} }}", ""]
    for profile in _file_order(game.shape):
        lines.append(" ".join(_format_number(x) for x in values[profile]))
    return "\n".join(lines) + "\n"
