"""Reading Gambit strategic-form game files (``.nfg``); writing them is :mod:`sim.game.nfg_write`.

This module speaks Gambit's text format without importing pygambit (which is GPL and
an optional extra). Games become :class:`sim.game.normal_form.NormalFormGame` objects, whose
payoff layout is described in :mod:`sim.game.normal_form`.

The format, as read here (checked against pygambit 16.7 and every ``.nfg`` file of
Gambit's catalogue, test-suite and contrib folder):

* The tokens (braces, commas, quoted strings, bare words) are described in
  :mod:`sim.game.nfg_tokens`.
* The header is ``NFG 1 R "title" { "P1" "P2" ... }``; ``NFG 1 D`` is accepted too.
  The title becomes the game's ``name``.
* The strategies follow, either as counts, ``{ 3 2 }`` (strategies are then named
  ``"1"``, ``"2"``, ... as Gambit names them), or as names,
  ``{ { "a" "b" "c" } { "x" "y" } }``.
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

**Names.** Player names, and the strategy names of one player, may be empty or
repeated in a file (Gambit's own files have both). diplosim addresses players and
strategies by label, so labels are made unique and non-empty by Gambit's own rule
(:func:`unique_labels`, the labels pygambit 16.7 gives): a name that is empty or
appears more than once gets the suffix ``_1``, ``_2``, ... (skipping labels already
used), so ``"defect" "defect"`` are labelled ``defect_1`` and ``defect_2`` and two
empty player names ``_1`` and ``_2``; a name that passes the scenario label rule keeps
passing it. The names as written are kept in the game's ``source_labels`` (only when
some label differs), and :func:`write_nfg` writes them, so reading and writing a file
gives back its names.

**Limits, checked before any work proportional to the game's size**: a file larger
than :data:`MAX_FILE_BYTES` is refused before it is read; a game may have at most
``MAX_PLAYERS`` players, ``MAX_STRATEGIES`` strategies per player and ``MAX_PROFILES``
profiles (and outcomes), the limits scenarios obey (:mod:`sim.scenario.spec`), checked as soon
as the header declares them.

:func:`write_nfg` (from :mod:`sim.game.nfg_write`) writes a game. pygambit 16.7 refuses a
file where a strategy is named like the default name of a later one (``{ "2" "1" }``),
even one it wrote itself; :func:`parse_nfg` reads such files.

Any malformed text raises :class:`sim.errors.ScenarioError` naming the file and the
line of the offending token (for a file that ends too early, its last line with text).
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sim.errors import ScenarioError
from sim.files import read_input
from sim.game.limits import MAX_PLAYERS, MAX_PROFILES, MAX_STRATEGIES
from sim.game.nfg_tokens import Token, Tokens, describe
from sim.game.nfg_write import write_nfg
from sim.game.normal_form import NormalFormGame, SourceLabels

__all__ = ["MAX_FILE_BYTES", "parse_nfg", "read_nfg", "unique_labels", "write_nfg"]

#: Largest game file read, in bytes (8 MiB). The largest game the limits allow, 10,000
#: profiles of 8 players, takes about 2 MB with 25 characters per payoff.
MAX_FILE_BYTES = 8 * 2**20

_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE](?P<exp>[-+]?[0-9]+))?")
_RATIONAL = re.compile(r"-?[0-9]+/(?P<den>[0-9]+)")
#: Longest number read (characters), and largest decimal exponent.
_MAX_NUMBER_LENGTH = 1000
_MAX_EXPONENT = 1000
#: Digits of the largest count or outcome index read (beyond, the number is refused).
_MAX_WHOLE_DIGITS = 18
_PAYOFF_HINT = "a payoff is a number such as 3, -1.5, 2e3 or 3/4"
_STRATEGY_LIMIT = (
    f"the limit is {MAX_STRATEGIES} per player (sim.game.limits.MAX_STRATEGIES: raise it there, or merge strategies)"
)
_PLAYER_LIMIT = f"the limit is {MAX_PLAYERS} (sim.game.limits.MAX_PLAYERS: raise it there)"


def unique_labels(names: Sequence[str]) -> tuple[str, ...]:
    """Labels for ``names`` that are unique and non-empty, by Gambit's rule.

    A name that is empty or appears more than once becomes ``name_1``, ``name_2``, ...,
    each time the next number whose label is not already used; other names stay. This
    is how Gambit 16.7 labels the players and strategies of the files it reads.

    Examples
    --------
    >>> unique_labels(["defect", "defect", "cooperate"])
    ('defect_1', 'defect_2', 'cooperate')
    >>> unique_labels(["", "", "x"]), unique_labels(["d", "d_1", "d"])
    (('_1', '_2', 'x'), ('d_2', 'd_1', 'd_3'))
    """
    counts = Counter(names)
    used = set(names)
    numbered: Counter[str] = Counter()
    labels: list[str] = []
    for name in names:
        if counts[name] == 1 and name:
            labels.append(name)
            continue
        numbered[name] += 1
        while f"{name}_{numbered[name]}" in used:
            numbered[name] += 1
        label = f"{name}_{numbered[name]}"
        used.add(label)
        labels.append(label)
    return tuple(labels)


def _header(tokens: Tokens) -> str:
    start = 'a Gambit strategic-form file starts with NFG 1 R "title"'
    keyword = tokens.take()
    if keyword.kind != "word" or keyword.text != "NFG":
        raise tokens.error(keyword, f"expected the keyword NFG, found {describe(keyword)}: {start}")
    version = tokens.take()
    if version.kind != "word" or version.text != "1":
        raise tokens.error(version, f"only version 1 of the NFG format is read, found {describe(version)}: {start}")
    number_type = tokens.take()
    if number_type.kind != "word" or number_type.text not in ("R", "D"):
        raise tokens.error(number_type, f"expected R or D after NFG 1, found {describe(number_type)}: {start}")
    return tokens.expect("string", 'the title of the game in double quotes (it may be "")').text


def _names(tokens: Tokens, closing: str, limit: int, too_many: Callable[[int], str]) -> tuple[tuple[str, ...], Token]:
    """The strings before a ``}`` and that brace; more than ``limit`` strings are an
    error (``too_many(count)``) at the first one beyond it, and are not kept."""
    names: list[str] = []
    beyond: Token | None = None
    count = 0
    while tokens.peek().kind == "string":
        token = tokens.take()
        count += 1
        if count <= limit:
            names.append(token.text)
        elif beyond is None:
            beyond = token
    close = tokens.expect("}", closing)
    if beyond is not None:
        raise tokens.error(beyond, too_many(count))
    return tuple(names), close


def _players(tokens: Tokens) -> tuple[str, ...]:
    tokens.expect("{", "'{' opening the list of player names")
    names, close = _names(
        tokens,
        "a player name in double quotes or '}' closing the list of players",
        MAX_PLAYERS,
        lambda count: f"the game has {count} players; {_PLAYER_LIMIT}",
    )
    if not names:
        raise tokens.error(close, 'the game has no players; list at least one, e.g. { "P1" "P2" }')
    return names


def _whole(tokens: Tokens, token: Token, what: str) -> int:
    if token.kind != "word" or not _WHOLE.fullmatch(token.text):
        raise tokens.error(token, f"expected {what} (a whole number), found {describe(token)}")
    digits = token.text.lstrip("0") or "0"
    if len(digits) > _MAX_WHOLE_DIGITS:
        raise tokens.error(token, f"too large for {what}: {describe(token)}")
    return int(digits)


def _player_names(written: Sequence[str]) -> tuple[str, ...]:
    """How messages name each player: ``player 'Ann'``, or ``player 2 (labelled '_2')``
    when the file's name is empty or repeated."""
    labels = unique_labels(written)
    return tuple(
        f"player {label!r}" if label == name else f"player {i} (labelled {label!r})"
        for i, (name, label) in enumerate(zip(written, labels), start=1)
    )


def _strategies(tokens: Tokens, players: Sequence[str]) -> tuple[tuple[int, ...], tuple[tuple[str, ...], ...] | None]:
    """Strategy counts, and the names unless the file gives only counts (``players``
    as messages name them)."""
    tokens.expect("{", '\'{\' opening the strategies (counts such as { 2 3 } or names { { "a" "b" } ... })')
    players_text = _plural(len(players), "player")
    if tokens.peek().kind != "{":
        counts = tuple(_count(tokens, player) for player in players)
        close = tokens.expect("}", f"'}}' closing the strategy counts (one count per player, {players_text})")
        names = None
    else:
        names = tuple(_strategy_names(tokens, player) for player in players)
        close = tokens.expect("}", f"'}}' closing the strategy lists (one list per player, {players_text})")
        counts = tuple(len(n) for n in names)
    profiles = math.prod(counts)
    if profiles > MAX_PROFILES:
        raise tokens.error(
            close,
            f"the game has {profiles} strategy profiles ({' x '.join(map(str, counts))}); the limit is {MAX_PROFILES} "
            "(sim.game.limits.MAX_PROFILES: raise it there, or use fewer strategies or players)",
        )
    return counts, names


def _count(tokens: Tokens, player: str) -> int:
    token = tokens.take()
    count = _whole(tokens, token, f"the number of strategies of {player}")
    if count == 0:
        raise tokens.error(token, f"{player} has no strategies; give every player at least one")
    if count > MAX_STRATEGIES:
        raise tokens.error(token, f"{player} has {count} strategies; {_STRATEGY_LIMIT}")
    return count


def _strategy_names(tokens: Tokens, player: str) -> tuple[str, ...]:
    tokens.expect("{", f"'{{' opening the strategy names of {player} (one list per player)")
    names, close = _names(
        tokens,
        f"a strategy name in double quotes or '}}' closing those of {player}",
        MAX_STRATEGIES,
        lambda count: f"{player} has {count} strategies; {_STRATEGY_LIMIT}",
    )
    if not names:
        raise tokens.error(close, f"{player} has no strategies; give every player at least one")
    return names


def _payoff(tokens: Tokens) -> Fraction:
    token = tokens.take()
    decimal = _DECIMAL.fullmatch(token.text) if token.kind == "word" else None
    rational = _RATIONAL.fullmatch(token.text) if token.kind == "word" else None
    if decimal is None and rational is None:
        raise tokens.error(token, f"expected a payoff, found {describe(token)}; {_PAYOFF_HINT}")
    exponent = decimal.group("exp") if decimal else None
    if len(token.text) > _MAX_NUMBER_LENGTH or (exponent is not None and abs(int(exponent)) > _MAX_EXPONENT):
        raise tokens.error(token, f"payoff {describe(token)} is too long or too large; scale the payoffs")
    if rational is not None and int(rational.group("den")) == 0:
        raise tokens.error(token, f"payoff {describe(token)} divides by zero; {_PAYOFF_HINT}")
    value = Fraction(token.text)
    try:
        finite = math.isfinite(float(value))
    except OverflowError:
        finite = False
    if not finite:
        raise tokens.error(token, f"payoff {describe(token)} is beyond the range of floats (about 1.8e308)")
    return value


def _payoff_list(tokens: Tokens, shape: Sequence[int]) -> list[Fraction]:
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


def _outcomes(tokens: Tokens, n_players: int) -> list[tuple[Fraction, ...]]:
    tokens.expect("{", "'{' opening the list of outcomes")
    outcomes: list[tuple[Fraction, ...]] = []
    while tokens.peek().kind == "{":
        opening = tokens.take()
        if len(outcomes) == MAX_PROFILES:
            raise tokens.error(
                opening,
                f"the file defines more than {MAX_PROFILES} outcomes, the most profiles a game may have "
                "(sim.game.limits.MAX_PROFILES: raise it there)",
            )
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


def _outcome_payoffs(tokens: Tokens, shape: Sequence[int]) -> list[Fraction]:
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


def _to_game(title: str, written: SourceLabels, values: list[Fraction]) -> NormalFormGame:
    """Build the game from payoffs listed with the first player's strategy fastest."""
    shape = tuple(len(names) for names in written.strategies)
    k = len(shape)
    flat = np.empty(len(values), dtype=object)
    flat[:] = values
    exact: npt.NDArray[np.object_] = flat.reshape((*reversed(shape), k)).transpose((*reversed(range(k)), k)).copy()
    payoffs = exact.astype(np.float64)
    players = unique_labels(written.players)
    strategies = tuple(unique_labels(names) for names in written.strategies)
    source = None if (players, strategies) == (written.players, written.strategies) else written
    return NormalFormGame(title, players, strategies, payoffs, exact, source)


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
        Named after the title, ``payoffs`` of shape ``(n_1, ..., n_k, k)``,
        ``exact_payoffs`` holding the numbers as written, unique labels, and the names
        as written in ``source_labels`` when they differ from the labels.

    Raises
    ------
    ScenarioError
        On any malformed text, or a game beyond the limits, with the line of the
        offending token.

    Examples
    --------
    >>> game = parse_nfg('NFG 1 R "PD" { "Row" "Col" } { { "C" "D" } { "C" "D" } }\\n3 3 5 0 0 5 1 1\\n')
    >>> game.name, game.payoff_of(("D", "C")), game.exact_payoffs[1, 1].tolist()
    ('PD', (5.0, 0.0), [Fraction(1, 1), Fraction(1, 1)])
    >>> twice = parse_nfg('NFG 1 R "" { "" "B" } { { "a" } { "b" "b" } } 1 2 3 4')
    >>> twice.players, twice.strategies, twice.source_labels.strategies
    (('_1', 'B'), (('a',), ('b_1', 'b_2')), (('a',), ('b', 'b')))
    """
    tokens = Tokens(text, filename)
    title = _header(tokens)
    written_players = _players(tokens)
    shape, names = _strategies(tokens, _player_names(written_players))
    if tokens.peek().kind == "string":
        tokens.take()  # the optional comment
    outcome_version = tokens.peek().kind == "{"
    values = _outcome_payoffs(tokens, shape) if outcome_version else _payoff_list(tokens, shape)
    last = tokens.take()
    if last.kind != "end":
        what = "outcome indices (one per profile)" if outcome_version else "payoffs (one per player and profile)"
        raise tokens.error(last, f"expected the end of the file after the {what}, found {describe(last)}")
    written_strategies = names if names is not None else tuple(tuple(map(str, range(1, n + 1))) for n in shape)
    return _to_game(title, SourceLabels(written_players, written_strategies), values)


def _check_file(path: str | os.PathLike[str]) -> None:
    """Refuse a file larger than :data:`MAX_FILE_BYTES`, or one that is not a regular
    file (a pipe or device could be endless), before reading it."""
    try:
        status = os.stat(path)
    except OSError:
        return  # read_input names the problem (no such file, no permission)
    if stat.S_ISDIR(status.st_mode):
        return  # read_input says so
    if not stat.S_ISREG(status.st_mode):
        raise ScenarioError("is not a regular file (a pipe or a device); save the game to a file", file=str(path))
    if status.st_size > MAX_FILE_BYTES:
        raise ScenarioError(
            f"the file has {status.st_size} bytes; the limit for a game file is {MAX_FILE_BYTES} "
            "(sim.game.nfg.MAX_FILE_BYTES: raise it there)",
            file=str(path),
        )


def read_nfg(path: str | os.PathLike[str]) -> NormalFormGame:
    """Read a game from a Gambit ``.nfg`` file (UTF-8 text), see :func:`parse_nfg`.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, larger than :data:`MAX_FILE_BYTES`, not
        UTF-8, or not a valid game.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder, "coin.nfg")
    ...     _ = file.write_text('NFG 1 R "coin" { "A" "B" } { 2 2 }\\n1 -1 -1 1 -1 1 1 -1\\n')
    ...     read_nfg(file).strategies
    (('1', '2'), ('1', '2'))
    """
    _check_file(path)
    _, text = read_input(path, "a game file")
    return parse_nfg(text, str(path))
