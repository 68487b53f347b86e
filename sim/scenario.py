"""Loading a scenario: YAML text -> checked, compiled, immutable :class:`Scenario`.

Loading happens in three passes, each raising :class:`~sim.errors.ScenarioError`
naming the file, the line and the field path:

1. :mod:`sim.yaml_source` reads the YAML (duplicate keys refused, YAML 1.2 booleans);
2. :mod:`sim.spec` checks the shape (fields, types, ranges) with pydantic;
3. this module checks the meaning: names exist and do not clash, players are actors,
   strategy labels are unique, payoffs have the right shape or cover every profile,
   every formula compiles in its scope (:mod:`sim.expressions`), solver and selection
   rules exist. Payoff forms are turned into one :class:`~sim.games.PayoffTemplate`
   per game (see :mod:`sim.payoff_forms`).

After loading nothing is re-checked: the model trusts the :class:`Scenario`.
"""

from __future__ import annotations

import hashlib
import keyword
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sim.errors import FormulaError, ScenarioError, UsageError, did_you_mean, unknown
from sim.expressions import FUNCTIONS, Formula, Scope
from sim.games import PayoffTemplate
from sim.payoff_forms import build_template
from sim.selection import PLAY_MODES, RULES
from sim.solvers import SOLVERS
from sim.spec import (
    MAX_PLAYERS,
    MAX_PROFILES,
    MAX_STRATEGIES,
    EquilibriumSpec,
    GameSpec,
    ScenarioSpec,
    validate_spec,
)
from sim.yaml_source import Path as FieldPath
from sim.yaml_source import YamlDocument, format_path, parse_yaml

__all__ = ["CasePlan", "GamePlan", "RulePlan", "Scenario", "load_scenario", "parse_scenario"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+\-]*$")
#: Names a scenario may not give to parameters, actors, games or sub-formulas.
RESERVED = frozenset({"round", "parameters", "True", "False", "None", *FUNCTIONS})


@dataclass(frozen=True)
class CasePlan:
    """A conditional-selection case: if ``when`` holds, prefer ``profile``."""

    when: Formula
    profile: tuple[int, ...]


@dataclass(frozen=True)
class GamePlan:
    """A compiled stage game: how to build, solve, select and play it."""

    name: str
    players: tuple[str, ...]
    strategies: tuple[tuple[str, ...], ...]
    template: PayoffTemplate
    solver: str
    rule: str
    cases: tuple[CasePlan, ...]
    play: str
    description: str = ""


@dataclass(frozen=True)
class RulePlan:
    """A compiled dynamics rule; targets are parameter names or ``Actor.variable``."""

    index: int
    after: str | None
    when: Formula | None
    assignments: tuple[tuple[str, Formula], ...]
    description: str = ""


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
    """

    spec: ScenarioSpec
    file: str
    sha256: str
    actors: Mapping[str, tuple[str, ...]]
    initial: Mapping[str, float]
    games: tuple[GamePlan, ...]
    rules: tuple[RulePlan, ...]
    stop_when: Formula | None
    overrides: Mapping[str, float] = field(default_factory=dict)

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
        """The ``game.Player`` names formulas use for the strategies played."""
        return tuple(f"{plan.name}.{player}" for plan in self.games for player in plan.players)

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
        raise UsageError(f"no game {name!r} in {self.file} (games: {', '.join(g.name for g in self.games)})")

    def with_overrides(self, values: Mapping[str, float]) -> Scenario:
        """A copy with other parameter values or initial actor state.

        Parameters
        ----------
        values : mapping
            ``{"K_EU": 10, "Russia.fatigue": 1.2}``: parameter names or
            ``Actor.variable``, to finite numbers.

        Raises
        ------
        UsageError
            On an unknown name or a value that is not a finite number.

        Examples
        --------
        >>> s = parse_scenario(_EXAMPLE)
        >>> s.with_overrides({"cost": 2}).initial["cost"]
        2.0
        """
        initial = dict(self.initial)
        for key, value in values.items():
            if key not in initial:
                raise UsageError(
                    f"--set {key}: no parameter or actor state of that name{did_you_mean(key, list(initial))} "
                    f"(known: {', '.join(initial)})"
                )
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise UsageError(f"--set {key}: the value must be a finite number, not {value!r}")
            initial[key] = float(value)
        return replace(self, initial=initial, overrides={**self.overrides, **{k: float(v) for k, v in values.items()}})


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file.

    Raises
    ------
    ScenarioError
        If the file is missing, unreadable, not UTF-8, or not a valid scenario; the
        message names the file, the line and the field.
    """
    name = str(path)
    file = Path(path)
    if file.is_dir():
        raise ScenarioError("is a directory, not a scenario file", file=name)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=name) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror}", file=name) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError("the file is not UTF-8 text; save it as UTF-8", file=name, line=line) from None
    return _load(text, name, hashlib.sha256(raw).hexdigest())


def parse_scenario(text: str, filename: str = "<string>") -> Scenario:
    """Check a scenario given as YAML text (see :func:`load_scenario`).

    Examples
    --------
    >>> s = parse_scenario(_EXAMPLE)
    >>> s.name, [g.name for g in s.games], s.initial["cost"]
    ('tiny', ['choice'], 1.0)
    """
    return _load(text, filename, hashlib.sha256(text.encode("utf-8")).hexdigest())


def _load(text: str, filename: str, sha256: str) -> Scenario:
    document = parse_yaml(text, filename)
    spec = validate_spec(document)
    return _Checker(document, spec).scenario(sha256)


# --- pass 3: meaning ------------------------------------------------------------


class _Checker:
    """Checks names, shapes and formulas; builds the Scenario."""

    def __init__(self, document: YamlDocument, spec: ScenarioSpec) -> None:
        self.doc = document
        self.spec = spec
        self.matched_cases: set[int] = set()

    def fail(self, path: FieldPath, message: str) -> ScenarioError:
        return self.doc.error(path, message)

    def origin(self, path: FieldPath) -> str:
        line = self.doc.line_of(path)
        return f"{self.doc.filename}:{line} {format_path(path)}" if line else f"{self.doc.filename} {format_path(path)}"

    def formula(self, value: float | str, scope: Scope, path: FieldPath) -> Formula:
        """Compile a number-or-formula field, turning formula errors into load errors."""
        if not isinstance(value, str):
            return Formula.constant(value, self.origin(path))
        try:
            return Formula.compile(value, scope, self.origin(path))
        except FormulaError as exc:
            raise self.fail(path, f"formula {value!r}: {exc.message}") from None

    def scenario(self, sha256: str) -> Scenario:
        self.check_names()
        scope = self.global_scope()
        games = tuple(self.game(name, spec, scope) for name, spec in self.spec.games.items())
        self.check_cases_used()
        rules = tuple(self.rule(i, scope) for i in range(len(self.spec.dynamics)))
        stop = None
        if self.spec.stop_when is not None:
            stop = self.formula(self.spec.stop_when, scope, ("stop_when",))
        initial: dict[str, float] = {k: float(v) for k, v in self.spec.parameters.items()}
        for actor, actor_spec in self.spec.actors.items():
            initial.update({f"{actor}.{var}": float(v) for var, v in actor_spec.state.items()})
        actors = {name: tuple(a.state) for name, a in self.spec.actors.items()}
        return Scenario(self.spec, self.doc.filename, sha256, actors, initial, games, rules, stop)

    def check_names(self) -> None:
        seen: dict[str, str] = {}
        sections: list[tuple[str, Mapping[str, object]]] = [
            ("parameters", self.spec.parameters),
            ("let", self.spec.let),
            ("actors", self.spec.actors),
            ("games", self.spec.games),
        ]
        for section, names in sections:
            for name in names:
                self.check_name(name, (section, name))
                if name in seen:
                    raise self.fail(
                        (section, name),
                        f"the name {name!r} is already used in {seen[name]}; names must be unique",
                    )
                seen[name] = section
        for actor, actor_spec in self.spec.actors.items():
            for var in actor_spec.state:
                self.check_name(var, ("actors", actor, "state", var))

    def check_name(self, name: str, path: FieldPath) -> None:
        if not _NAME.match(name):
            raise self.fail(path, f"{name!r} is not a valid name: use letters, digits and _, starting with a letter")
        if keyword.iskeyword(name) or name in RESERVED:
            raise self.fail(path, f"{name!r} is reserved; choose another name")

    def global_scope(self) -> Scope:
        numbers = {*self.spec.parameters, "round"}
        for actor, actor_spec in self.spec.actors.items():
            numbers.update(f"{actor}.{var}" for var in actor_spec.state)
        labels: dict[str, tuple[str, ...]] = {}
        for game, game_spec in self.spec.games.items():
            for player in game_spec.players:
                labels[f"{game}.{player}"] = tuple(game_spec.strategies.get(player, ()))
        groups = {**{a: "actor" for a in self.spec.actors}, **{g: "game" for g in self.spec.games}}
        scope = Scope(frozenset(numbers), labels, {}, groups)
        return self.lets(scope, self.spec.let, ("let",))

    def lets(self, scope: Scope, lets: Mapping[str, float | str], path: FieldPath) -> Scope:
        for name, value in lets.items():
            if name in scope.lets or name in scope.numbers or name in scope.labels:
                raise self.fail((*path, name), f"the name {name!r} is already used; names must be unique")
            self.check_name(name, (*path, name))
            scope = scope.with_lets({name: self.formula(value, scope, (*path, name))})
        return scope

    def game(self, name: str, spec: GameSpec, scope: Scope) -> GamePlan:
        path: FieldPath = ("games", name)
        players = self.players(spec, path)
        strategies = self.strategies(spec, players, path)
        game_scope = scope.with_labels(dict(zip(players, strategies)))
        game_scope = self.lets(game_scope, spec.let, (*path, "let"))
        template = build_template(self, name, spec, players, strategies, game_scope, path)
        settings, where = self.settings(spec, path)
        cases = self.cases(settings, players, strategies, scope, where)
        return GamePlan(
            name,
            players,
            strategies,
            template,
            settings.solver,
            settings.select.rule or settings.select.otherwise,
            cases,
            settings.play,
            spec.description,
        )

    def players(self, spec: GameSpec, path: FieldPath) -> tuple[str, ...]:
        players = tuple(spec.players)
        if not players:
            raise self.fail((*path, "players"), "a game needs at least one player")
        if len(players) > MAX_PLAYERS:
            raise self.fail(
                (*path, "players"),
                f"{len(players)} players; this version solves games of at most {MAX_PLAYERS} players "
                "(split the game, or wait for the N-player solvers)",
            )
        for i, player in enumerate(players):
            if player not in self.spec.actors:
                raise self.fail(
                    (*path, "players", i),
                    unknown("actor", player, list(self.spec.actors)),
                )
            if players.index(player) != i:
                raise self.fail((*path, "players", i), f"{player!r} is listed twice")
        return players

    def strategies(self, spec: GameSpec, players: tuple[str, ...], path: FieldPath) -> tuple[tuple[str, ...], ...]:
        for player in spec.strategies:
            if player not in players:
                raise self.fail(
                    (*path, "strategies", player),
                    f"{player!r} is not a player of this game (players: {', '.join(players)})",
                )
        result = []
        for player in players:
            where = (*path, "strategies", player)
            labels = spec.strategies.get(player)
            if labels is None:
                raise self.fail((*path, "strategies"), f"no strategies for player {player!r}")
            if not labels or len(labels) > MAX_STRATEGIES:
                raise self.fail(where, f"a player needs 1 to {MAX_STRATEGIES} strategies, not {len(labels)}")
            for i, label in enumerate(labels):
                if not _LABEL.match(label):
                    raise self.fail(
                        (*where, i), f"{label!r} is not a valid strategy label: use letters, digits, _ . + -"
                    )
                if labels.index(label) != i:
                    raise self.fail((*where, i), f"the strategy {label!r} is listed twice")
            result.append(tuple(labels))
        profiles = math.prod(len(s) for s in result)
        if profiles > MAX_PROFILES:
            raise self.fail((*path, "strategies"), f"{profiles} profiles; the limit is {MAX_PROFILES}")
        return tuple(result)

    def settings(self, spec: GameSpec, path: FieldPath) -> tuple[EquilibriumSpec, FieldPath]:
        """The game's equilibrium settings (scenario's, overridden by the game's) and
        the path of the ``select`` that applies."""
        base = self.spec.equilibrium
        where: FieldPath = ("equilibrium",)
        select_where = where
        if spec.equilibrium is not None:
            override = {k: getattr(spec.equilibrium, k) for k in spec.equilibrium.model_fields_set}
            base = base.model_copy(update=override)
            where = (*path, "equilibrium")
            if "select" in override:
                select_where = where
        n_players = len(spec.players)
        if base.solver not in SOLVERS:
            raise self.fail(
                (*where, "solver"),
                unknown("solver", base.solver, list(SOLVERS)),
            )
        low, high = SOLVERS[base.solver].players
        if n_players > 1 and not low <= n_players <= high:
            raise self.fail(
                (*where, "solver"),
                f"the solver {base.solver!r} handles {low} to {high} players, not {n_players}",
            )
        if base.play not in PLAY_MODES:
            raise self.fail((*where, "play"), f"unknown play mode {base.play!r} (known: {', '.join(PLAY_MODES)})")
        select = base.select
        if (select.rule is None) == (select.conditional is None):
            raise self.fail((*where, "select"), "give either a rule name or conditional cases")
        for key in ("rule", "otherwise"):
            rule = getattr(select, key)
            if rule is not None and rule not in RULES:
                raise self.fail(
                    (*where, "select", key),
                    unknown("selection rule", rule, list(RULES)),
                )
        return base, select_where

    def cases(
        self,
        settings: EquilibriumSpec,
        players: tuple[str, ...],
        strategies: tuple[tuple[str, ...], ...],
        scope: Scope,
        where: FieldPath,
    ) -> tuple[CasePlan, ...]:
        """Conditional cases that name exactly this game's players."""
        plans = []
        for i, case in enumerate(settings.select.conditional or ()):
            case_path = (*where, "select", "conditional", i)
            if set(case.prefer) != set(players):
                if where != ("equilibrium",):
                    raise self.fail((*case_path, "prefer"), f"name each player of this game once: {', '.join(players)}")
                continue
            self.matched_cases.add(i)
            profile = []
            for player, labels in zip(players, strategies):
                label = case.prefer[player]
                if label not in labels:
                    raise self.fail(
                        (*case_path, "prefer", player),
                        f"{label!r} is not a strategy of {player}{did_you_mean(label, list(labels))} "
                        f"(strategies: {', '.join(labels)})",
                    )
                profile.append(labels.index(label))
            plans.append(CasePlan(self.formula(case.when, scope, (*case_path, "when")), tuple(profile)))
        return tuple(plans)

    def check_cases_used(self) -> None:
        """Every scenario-wide conditional case must fit some game's players."""
        for i, case in enumerate(self.spec.equilibrium.select.conditional or ()):
            if i not in self.matched_cases:
                raise self.fail(
                    ("equilibrium", "select", "conditional", i, "prefer"),
                    f"no game has exactly the players {', '.join(case.prefer)}; name each player of one game",
                )

    def rule(self, index: int, scope: Scope) -> RulePlan:
        spec = self.spec.dynamics[index]
        path: FieldPath = ("dynamics", index)
        if spec.after is not None and spec.after not in self.spec.games:
            raise self.fail(
                (*path, "after"),
                unknown("game", spec.after, list(self.spec.games)),
            )
        when = self.formula(spec.when, scope, (*path, "when")) if spec.when is not None else None
        if not spec.set:
            raise self.fail((*path, "set"), "a rule must set at least one value")
        targets = sorted(scope.numbers - {"round"})
        assignments = []
        for target, value in spec.set.items():
            if target not in scope.numbers or target == "round":
                raise self.fail(
                    (*path, "set", target),
                    f"cannot set {target!r}: not a parameter or Actor.variable{did_you_mean(target, targets)}",
                )
            assignments.append((target, self.formula(value, scope, (*path, "set", target))))
        return RulePlan(index, spec.after, when, tuple(assignments), spec.description)


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
