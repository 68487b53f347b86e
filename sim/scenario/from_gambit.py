"""A Gambit game tree (``.efg``) as a one-game scenario, so that ``diplosim run`` can play it.

The tree becomes the scenario's only game, named after the file (``coin.efg``: ``coin``),
written in the scenario language's tree form (:mod:`sim.scenario.tree_forms`): its
players become actors without state; payoffs and chance probabilities are written as
exact fractions where the file has them. Names the scenario language does not accept
(Gambit allows any text) are made valid: characters other than letters, digits and ``_``
become ``_`` in player names (``Player 1`` -> ``Player_1``), other than letters, digits
and ``_ . + -`` in move labels, and a name that would be empty, reserved or repeated gets
a prefix or a number. The scenario plays one round by default.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.game.efg import read_efg
from sim.game.tree import ExtensiveFormGame
from sim.scenario.load import Scenario, parse_scenario
from sim.scenario.semantics import RESERVED

__all__ = ["scenario_from_efg"]

_PLAYER_CHARACTERS = re.compile(r"[^A-Za-z0-9_]")
_MOVE_CHARACTERS = re.compile(r"[^A-Za-z0-9_.+\-]")


def scenario_from_efg(path: str | os.PathLike[str], *, rounds: int = 1) -> Scenario:
    """The game tree of a Gambit ``.efg`` file as a scenario with that one game.

    Raises
    ------
    ScenarioError
        If the file is not a valid game, or its tree is deeper than a scenario's tree
        may be.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = pathlib.Path(folder, "coin.efg")
    ...     _ = file.write_text('EFG 2 R "coin" { "Player 1" } c "" 1 "" { "H" 1/2 "T" 1/2 } 0 '
    ...                         't "" 1 "" { 1 } t "" 0')
    ...     scenario = scenario_from_efg(file)
    >>> list(scenario.actors), [plan.name for plan in scenario.stages]
    (['Player_1'], ['coin'])
    """
    game = read_efg(path)
    stem = _valid_names([os.path.splitext(os.path.basename(os.fspath(path)))[0]], _PLAYER_CHARACTERS, "game")[0]
    text = scenario_text(game, stem, rounds=rounds)
    try:
        return parse_scenario(text, f"{os.fspath(path)} (as a scenario)")
    except ScenarioError as exc:
        raise ScenarioError(f"{os.fspath(path)}: cannot be played as a scenario: {exc.message}") from None


def scenario_text(game: ExtensiveFormGame, name: str, *, rounds: int = 1) -> str:
    """The YAML text of a one-game scenario holding ``game`` as the game ``name`` (a valid
    name; see the module docstring)."""
    players = _valid_names(game.players, _PLAYER_CHARACTERS, "Player")
    document: dict[str, Any] = {
        "name": game.name or "a Gambit game",
        "description": "A game tree read from a Gambit .efg file.",
        "rounds": rounds,
        "actors": {player: {} for player in players},
        "games": {name: {"players": players, "tree": _node(game, 0, players)}},
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _node(game: ExtensiveFormGame, index: int, players: list[str]) -> dict[str, Any]:
    node = game.nodes[index]
    if node.kind == "terminal":
        return {"payoffs": _numbers((game.exact_payoffs or {}).get(index), node.payoffs)}
    moves = _valid_names(node.moves, _MOVE_CHARACTERS, "move")
    children = {move: _node(game, child, players) for move, child in zip(moves, node.children)}
    if node.kind == "chance":
        chances = _numbers((game.exact_probabilities or {}).get(index), node.probabilities)
        return {"chance": dict(zip(moves, chances)), "moves": children}
    infoset = game.infosets[node.infoset]
    return {"player": players[node.player], "infoset": infoset.label or f"set {node.infoset}", "moves": children}


def _numbers(exact: Sequence[Fraction] | None, floats: Sequence[float]) -> list[float | str]:
    """The exact values where there are, else the floats."""
    if exact is not None:
        return [_number(value) for value in exact]
    return [float(value) for value in floats]


def _number(value: float | Fraction) -> float | str:
    """Exact fractions as text the formula language reads exactly (``"3/10"``)."""
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return float(value)


def _valid_names(names: Iterable[str], invalid: re.Pattern[str], stem: str) -> list[str]:
    """Names made valid and unique, in order (see the module docstring).

    Examples
    --------
    >>> _valid_names(["Player 1", "", "Player 1", "2nd"], _PLAYER_CHARACTERS, "Player")
    ['Player_1', 'Player_2', 'Player_1_3', 'Player_2nd']
    """
    result: list[str] = []
    for position, name in enumerate(names, start=1):
        valid = invalid.sub("_", name.strip()).strip("_")
        if not valid:
            valid = f"{stem}_{position}"
        elif not valid[0].isalpha():
            valid = f"{stem}_{valid}"
        if keyword.iskeyword(valid) or valid in RESERVED or valid == "chance":
            valid = f"{valid}_"
        while valid in result:
            valid = f"{valid}_{position}"
        result.append(valid)
    return result
