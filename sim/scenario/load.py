"""Loading a scenario: YAML text -> checked, compiled, immutable :class:`Scenario`.

Loading happens in three passes, each raising :class:`~sim.errors.ScenarioError`
naming the file, the line and the field path:

1. :mod:`sim.scenario.yaml_source` reads the YAML (duplicate keys refused, YAML 1.2 booleans);
2. :mod:`sim.scenario.spec` checks the shape (fields, types, ranges) with pydantic;
3. :mod:`sim.scenario.semantics` checks the meaning (names, players, labels, payoff shapes,
   formulas, solvers, selection rules) and compiles games and rules.

After loading nothing is re-checked: the model trusts the :class:`Scenario`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sim.errors import ScenarioError, UsageError, did_you_mean, unknown
from sim.files import read_input
from sim.scenario.expressions import Formula
from sim.scenario.semantics import (
    BargainingPlan,
    CasePlan,
    GamePlan,
    RulePlan,
    TreePlan,
    bargaining_names,
    compile_scenario,
)
from sim.scenario.spec import MAX_SCENARIO_BYTES, ScenarioSpec, validate_spec
from sim.scenario.yaml_source import parse_yaml
from sim.solvers.selection import RULES

__all__ = [
    "BargainingPlan",
    "CasePlan",
    "GamePlan",
    "RulePlan",
    "Scenario",
    "TreePlan",
    "load_scenario",
    "parse_scenario",
]


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario, ready to run. Build with :func:`load_scenario`.

    Attributes
    ----------
    spec : ScenarioSpec
        The file's content, as typed data.
    file : str
        Where it was read from (``"<string>"`` for text).
    sha256 : str
        Hash of the file's bytes (of the text, for strings).
    actors : dict
        Actor name -> names of its state variables.
    initial : dict
        Starting values: parameter names and ``"Actor.variable"`` keys.
    games, rules, stop_when
        The compiled games (in play order), dynamics rules and stop condition.
    overrides : dict
        Values changed by :meth:`with_overrides` (``--set``).
    metrics : tuple of (str, Formula)
        The scenario's sweep outputs, evaluated on a run's end (see :mod:`sim.sweeps.outcomes`).
    text : str
        The YAML text it was loaded from (sweep workers load it again).
    trees : tuple of TreePlan
        The compiled tree games (``tree:``); :attr:`stages` gives every game in the
        order of play.
    bargainings : tuple of BargainingPlan
        The compiled bargaining games (``bargaining:``); :attr:`stages` gives every
        game in the order of play.
    """

    spec: ScenarioSpec
    file: str
    sha256: str
    actors: Mapping[str, tuple[str, ...]]
    initial: Mapping[str, float]
    games: tuple[GamePlan, ...]
    rules: tuple[RulePlan, ...]
    stop_when: Formula | None
    overrides: Mapping[str, float | str] = field(default_factory=dict)
    metrics: tuple[tuple[str, Formula], ...] = ()
    text: str = field(default="", repr=False)
    trees: tuple[TreePlan, ...] = ()
    bargainings: tuple[BargainingPlan, ...] = ()

    @property
    def name(self) -> str:
        """The scenario's title."""
        return self.spec.name

    @property
    def rounds(self) -> int:
        """Most rounds to play."""
        return self.spec.rounds

    @property
    def seed(self) -> int:
        """The seed written in the file."""
        return self.spec.seed

    @property
    def parameters(self) -> tuple[str, ...]:
        """Parameter names, in file order."""
        return tuple(self.spec.parameters)

    @property
    def dynamic_parameters(self) -> tuple[str, ...]:
        """Parameters that some dynamics rule changes (they are state, recorded)."""
        targets = {target for rule in self.rules for target, _ in rule.assignments}
        return tuple(p for p in self.parameters if p in targets)

    @property
    def strategy_keys(self) -> tuple[str, ...]:
        """The ``game.Player`` names formulas use for the strategies played (for a tree
        game: the player's last move, and ``game.chance`` for the last chance move)."""
        keys = [f"{plan.name}.{player}" for plan in self.games for player in plan.players]
        return (*keys, *(key for plan in self.trees for key, _ in plan.labels))

    @property
    def outcome_values(self) -> dict[str, Any]:
        """What formulas read of each bargaining game before it is first played:
        ``game.agreed`` 0, ``game.offers`` 0, ``game.agreement.<issue>`` NaN (no agreement
        yet), ``game.outcome`` and ``game.type`` None (see
        :func:`sim.scenario.semantics.bargaining_names`)."""
        values: dict[str, Any] = {}
        for plan in self.bargainings:
            values.update(bargaining_names(plan.name, plan.template).initial)
        return values

    @property
    def stages(self) -> tuple[GamePlan | TreePlan | BargainingPlan, ...]:
        """Every stage game, matrices, trees and bargaining games, in the file's order
        (the order of play).

        Examples
        --------
        >>> [plan.name for plan in parse_scenario(_TREE_EXAMPLE).stages]
        ['entry']
        """
        plans: dict[str, GamePlan | TreePlan | BargainingPlan] = {plan.name: plan for plan in self.games}
        plans.update((plan.name, plan) for plan in self.trees)
        plans.update((plan.name, plan) for plan in self.bargainings)
        return tuple(plans[name] for name in self.spec.games if name in plans)

    def namespace(self, round_number: int = 1) -> dict[str, Any]:
        """The values formulas see at the start: the initial values, no strategy
        played yet (``game.Player`` is ``None``) and ``round``.

        Examples
        --------
        >>> parse_scenario(_EXAMPLE).namespace()
        {'cost': 1.0, 'A.x': 0.0, 'choice.A': None, 'round': 1}
        """
        values: dict[str, Any] = dict(self.initial)
        values.update(dict.fromkeys(self.strategy_keys))
        values.update(self.outcome_values)
        values["round"] = round_number
        return values

    def game(self, name: str) -> GamePlan:
        """The game called ``name``.

        Raises
        ------
        UsageError
            If there is no such game.
        """
        for plan in self.games:
            if plan.name == name:
                return plan
        if any(tree.name == name for tree in self.trees):
            raise UsageError(f"game {name} is a tree game: it has no strategy matrix (solve it with diplosim solve)")
        if self.is_bargaining(name):
            raise UsageError(
                f"game {name} is a bargaining game: it has no strategy matrix (solve it with diplosim solve)"
            )
        raise self._unknown_game(name)

    def tree(self, name: str) -> TreePlan:
        """The tree game called ``name``.

        Raises
        ------
        UsageError
            If there is no such game, or it is not a tree.

        Examples
        --------
        >>> parse_scenario(_TREE_EXAMPLE).tree("entry").players
        ('Entrant', 'Incumbent')
        """
        for plan in self.trees:
            if plan.name == name:
                return plan
        if any(plan.name == name for plan in self.games):
            raise UsageError(f"game {name} is in normal form, not a tree")
        raise self._unknown_game(name)

    def bargaining(self, name: str) -> BargainingPlan:
        """The bargaining game called ``name``.

        Raises
        ------
        UsageError
            If there is no such game, or it is not a bargaining game.

        Examples
        --------
        >>> parse_scenario(_BARGAINING_EXAMPLE).bargaining("pie").players
        ('A', 'B')
        """
        for plan in self.bargainings:
            if plan.name == name:
                return plan
        if name in self.spec.games:
            raise UsageError(f"game {name} is not a bargaining game")
        raise self._unknown_game(name)

    def is_bargaining(self, name: str) -> bool:
        """True if ``name`` is a bargaining game of this scenario."""
        return any(plan.name == name for plan in self.bargainings)

    def is_tree(self, name: str) -> bool:
        """True if ``name`` is a tree game of this scenario."""
        return any(plan.name == name for plan in self.trees)

    def _unknown_game(self, name: str) -> UsageError:
        return UsageError(f"no game {name!r} in {self.file} (games: {', '.join(self.spec.games)})")

    def with_overrides(self, values: Mapping[str, float | str]) -> Scenario:
        """A copy with other parameter values, initial actor state or selection rules.

        Parameters
        ----------
        values : mapping
            ``{"K_EU": 10, "Russia.fatigue": 1.2, "troop_deployment.select": "first"}``:
            parameter names or ``Actor.variable`` to finite numbers; ``select`` (every
            game) or ``game.select`` to a selection rule (a swept rule replaces the rule
            a game uses when none of its conditional cases applies); ``solver`` to a
            solver name for every game (see :meth:`with_solver`); ``time_limit`` to the
            seconds every game's solve may take where it can run long (0 to
            :data:`sim.scenario.spec.MAX_TIME_LIMIT`).

        Raises
        ------
        UsageError
            On an unknown name, a value that is not a finite number, or an unknown rule.

        Examples
        --------
        >>> s = parse_scenario(_EXAMPLE)
        >>> s.with_overrides({"cost": 2}).initial["cost"]
        2.0
        >>> s.with_overrides({"select": "random"}).games[0].rule
        'random'
        """
        initial = dict(self.initial)
        games = self.games
        trees = self.trees
        solver = values.get("solver")
        for key, value in values.items():
            if key.endswith(".select") and self.is_tree(key[: -len(".select")]):
                trees = _with_tree_rule(trees, key, value, strict=True)
            elif key == "select" or (key.endswith(".select") and key[: -len(".select")] in self.spec.games):
                games = _with_rule(games, key, value)
                trees = _with_tree_rule(trees, key, value, strict=False) if key == "select" else trees
            elif key == "time_limit":
                limit = _time_limit(value)
                games = tuple(replace(plan, time_limit=limit) for plan in games)
                trees = tuple(replace(plan, time_limit=limit) for plan in trees)
            elif key != "solver":
                initial[key] = _number_for(key, value, initial)
        changed = replace(self, initial=initial, games=games, trees=trees, overrides={**self.overrides, **values})
        return changed.with_solver(str(solver)) if solver is not None else changed

    def with_solver(self, solver: str) -> Scenario:
        """A copy whose games of two or more players all use ``solver`` (``--solver``;
        prefer ``with_overrides({"solver": ...})``, which also records it).

        Raises
        ------
        UsageError
            For an unknown solver, or one that cannot handle one of the games.

        Examples
        --------
        >>> parse_scenario(_EXAMPLE).with_solver("nashpy").games[0].solver
        'nashpy'
        """
        from sim.solvers.registry import SOLVERS

        if solver != "auto" and solver not in SOLVERS:
            raise UsageError(f"--solver {solver}: {unknown('solver', solver, ['auto', *SOLVERS])}")
        for plan in self.games:
            low, high = SOLVERS[solver].players if solver != "auto" else (1, len(plan.players))
            if len(plan.players) > 1 and not low <= len(plan.players) <= high:
                raise UsageError(f"--solver {solver}: handles {low} to {high} players; game {plan.name} has more")
        return replace(self, games=tuple(replace(plan, solver=solver) for plan in self.games))


def _with_tree_rule(trees: tuple[TreePlan, ...], key: str, value: object, *, strict: bool) -> tuple[TreePlan, ...]:
    """Trees with the selection rule ``value``: for ``game.select`` (``strict``) it must be
    a tree rule; the scenario-wide ``select`` changes the trees only when it is one."""
    from sim.solvers.tree_play import TREE_RULES

    if value not in TREE_RULES:
        if strict:
            raise UsageError(f"--set {key}: {unknown('selection rule for a tree game', str(value), list(TREE_RULES))}")
        return trees
    name = key[: -len(".select")]
    return tuple(replace(plan, rule=str(value)) if key == "select" or plan.name == name else plan for plan in trees)


def _time_limit(value: object) -> float:
    from sim.scenario.spec import MAX_TIME_LIMIT

    number = value if not isinstance(value, bool) and isinstance(value, (int, float)) else math.nan
    if not 0 <= number <= MAX_TIME_LIMIT:
        raise UsageError(
            f"time_limit: {value!r} is not a number of seconds from 0 to {MAX_TIME_LIMIT:g} "
            "(sim.scenario.spec.MAX_TIME_LIMIT)"
        )
    return float(number)


def _number_for(key: str, value: object, initial: Mapping[str, float]) -> float:
    if key not in initial:
        raise UsageError(
            f"--set {key}: no parameter, actor state or game.select of that name"
            f"{did_you_mean(key, list(initial))} (known: {', '.join(initial)}, select)"
        )
    number = math.nan
    if not isinstance(value, bool) and isinstance(value, (int, float)):
        with contextlib.suppress(OverflowError):  # an int beyond the largest float stays nan
            number = float(value)
    if not math.isfinite(number):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        raise UsageError(f"--set {key}: the value must be a finite number (below about 1.8e308), not {shown}")
    return number


def _with_rule(games: tuple[GamePlan, ...], key: str, rule: object) -> tuple[GamePlan, ...]:
    if not isinstance(rule, str) or rule not in RULES:
        raise UsageError(f"--set {key}: {unknown('selection rule', str(rule), list(RULES))}")
    target = None if key == "select" else key[: -len(".select")]
    return tuple(replace(plan, rule=rule) if target in (None, plan.name) else plan for plan in games)


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, not a regular file (a device, a FIFO),
        larger than :data:`MAX_SCENARIO_BYTES`, not UTF-8, or not a valid scenario; the
        message names the file, the line and the field.
    """
    _check_file(path)
    # read at most the limit: the file may have grown since, or not know its size (/proc)
    raw, text = read_input(path, "a scenario file", max_bytes=MAX_SCENARIO_BYTES)
    return _load(text, str(path), hashlib.sha256(raw).hexdigest())


def _check_file(path: str | os.PathLike[str]) -> None:
    """Refuse what must not be read whole: a device, FIFO or socket, or a file larger than
    :data:`MAX_SCENARIO_BYTES` (checked without opening it, which could block)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # missing, unreadable, a bad name: read_input explains it
        return
    if stat.S_ISDIR(info.st_mode):
        return  # read_input explains it
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError("is not a regular file (a device, FIFO or socket); give a scenario file", file=str(path))
    _check_size(info.st_size, str(path))


def _check_size(size: int, name: str) -> None:
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"the file is {size} bytes; the limit is {MAX_SCENARIO_BYTES} (sim.scenario.spec.MAX_SCENARIO_BYTES): "
            "is this a scenario file?",
            file=name,
        )


def parse_scenario(text: str, filename: str = "<string>") -> Scenario:
    """Check a scenario given as YAML text (see :func:`load_scenario`).

    Examples
    --------
    >>> s = parse_scenario(_EXAMPLE)
    >>> s.name, [g.name for g in s.games], s.initial["cost"]
    ('tiny', ['choice'], 1.0)
    """
    if len(text) > MAX_SCENARIO_BYTES:  # before encoding it: a character is at least one byte
        _check_size(len(text), filename)
    raw = text.encode("utf-8", errors="surrogatepass")
    _check_size(len(raw), filename)
    return _load(text, filename, hashlib.sha256(raw).hexdigest())


def _load(text: str, filename: str, sha256: str) -> Scenario:
    document = parse_yaml(text, filename)
    spec = validate_spec(document)
    parts = compile_scenario(document, spec)
    return Scenario(
        spec,
        document.filename,
        sha256,
        parts.actors,
        parts.initial,
        parts.games,
        parts.rules,
        parts.stop_when,
        metrics=parts.metrics,
        text=text,
        trees=parts.trees,
        bargainings=parts.bargainings,
    )


# --- pass 3: meaning ------------------------------------------------------------


_EXAMPLE = """
name: tiny
rounds: 2
parameters: {cost: 1.0}
actors: {A: {state: {x: 0}}}
games:
  choice:
    players: [A]
    strategies: {A: [go, stay]}
    payoffs: {A: "1 - cost if A == 'go' else 0"}
"""

_TREE_EXAMPLE = """
name: entry
rounds: 1
actors: {Entrant: {}, Incumbent: {}}
games:
  entry:
    players: [Entrant, Incumbent]
    tree:
      player: Entrant
      moves:
        Out: {payoffs: [0, 2]}
        In:
          player: Incumbent
          moves:
            Fight: {payoffs: [-1, -1]}
            Accommodate: {payoffs: [1, 1]}
"""

_BARGAINING_EXAMPLE = """
name: pie
rounds: 1
actors: {A: {}, B: {}}
games:
  pie:
    players: [A, B]
    bargaining:
      issue: {name: share, range: [0, 1]}
      utilities: {A: "share", B: "1 - share"}
      discount: {A: 0.9, B: 0.9}
"""
