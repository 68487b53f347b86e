"""The meaning checks of a scenario, and what they compile it into.

After :mod:`sim.scenario.spec` has checked the shape of a file, :func:`compile_scenario` checks
its meaning: names exist and do not clash, players are actors, strategy labels are
unique, payoffs have the right shape or cover every profile (:mod:`sim.scenario.payoff_forms`),
every formula compiles in its scope (:mod:`sim.scenario.expressions`), solver and selection rules
exist. Every problem is a :class:`~sim.errors.ScenarioError` naming the file, the line
and the field. The result is plain compiled parts (:class:`GamePlan`, :class:`RulePlan`)
that :class:`sim.scenario.load.Scenario` holds and the model trusts.
"""

from __future__ import annotations

import itertools
import keyword
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sim.errors import FormulaError, RunError, ScenarioError, UsageError, did_you_mean, unknown
from sim.game.limits import MAX_PLAYERS, MAX_PROFILES, MAX_STRATEGIES
from sim.scenario.bargaining_forms import build_bargaining_template
from sim.scenario.bargaining_template import BargainingTemplate
from sim.scenario.expressions import FUNCTIONS, Formula, Scope, shorten
from sim.scenario.factors import DESIGNS, parse_factor
from sim.scenario.payoff_forms import build_template
from sim.scenario.spec import BargainingSpec, EquilibriumSpec, GameSpec, ScenarioSpec, TreeNodeSpec
from sim.scenario.template import PayoffTemplate
from sim.scenario.tree_forms import build_tree_template
from sim.scenario.tree_template import TreeTemplate
from sim.scenario.yaml_source import Path as FieldPath
from sim.scenario.yaml_source import YamlDocument, format_path
from sim.solvers.protocols import OUTCOMES
from sim.solvers.registry import SOLVERS
from sim.solvers.selection import PLAY_MODES, RULES
from sim.solvers.tree_play import CHANCE, TREE_RULES
from sim.solvers.trees import CONCEPTS

__all__ = [
    "RESERVED",
    "BargainingNames",
    "BargainingPlan",
    "CasePlan",
    "Compiled",
    "GamePlan",
    "RulePlan",
    "TreeCase",
    "TYPE",
    "TreePlan",
    "agreement_counts",
    "bargaining_names",
    "compile_scenario",
    "count_name",
    "tree_labels",
]

#: The middle part of ``game.type.Player``, the type a tree drew for a player.
TYPE = "type"

_Plan = TypeVar("_Plan", "GamePlan", "TreePlan", "BargainingPlan")

# used with fullmatch: the whole text must match (`$` would also accept a final line break)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]*")
#: A message that starts where a formula was written (``file:line field: ...``, see
#: :meth:`_Checker.origin`).
_PLACED = re.compile(r"(?P<file>.+?):(?P<line>\d+) (?P<field>\S+): (?P<message>.*)", re.S)
#: Names a scenario may not give to parameters, actors, games or sub-formulas.
RESERVED = frozenset({"round", "rounds", "parameters", "True", "False", "None", *FUNCTIONS})


@dataclass(frozen=True)
class CasePlan:
    """A conditional-selection case: if ``when`` holds, prefer ``profile``."""

    when: Formula
    profile: tuple[int, ...]


@dataclass(frozen=True)
class TreeCase:
    """A conditional-selection case of a tree game: if ``when`` holds, prefer a solution
    in which each ``(player index, move)`` of ``prefer`` is made for sure wherever the
    player can make it."""

    when: Formula
    prefer: tuple[tuple[int, str], ...]


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
    logit_lambda: float = 1.0
    time_limit: float = 20.0
    when: Formula | None = None


@dataclass(frozen=True)
class TreePlan:
    """A compiled tree game: how to build, solve, select and play it (``concept``:
    ``None`` for the default of :func:`sim.solvers.trees.default_concept`; ``rule``: one
    of :data:`sim.solvers.tree_play.TREE_RULES`; ``labels``: the ``game.Player`` keys
    formulas may read after it is played, with every move label each can hold)."""

    name: str
    players: tuple[str, ...]
    template: TreeTemplate
    concept: str | None
    description: str = ""
    time_limit: float = 20.0
    rule: str = "first"
    play: str = "sample"
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()
    cases: tuple[TreeCase, ...] = ()
    when: Formula | None = None


@dataclass(frozen=True)
class BargainingPlan:
    """A compiled bargaining game: how to build it at a state, and how a run plays it
    (the template's protocol or private information)."""

    name: str
    players: tuple[str, ...]
    template: BargainingTemplate
    description: str = ""
    when: Formula | None = None


@dataclass(frozen=True)
class RulePlan:
    """A compiled dynamics rule; targets are parameter names or ``Actor.variable``."""

    index: int
    after: str | None
    when: Formula | None
    assignments: tuple[tuple[str, Formula], ...]
    description: str = ""


@dataclass(frozen=True)
class Compiled:
    """Everything :func:`compile_scenario` produces, for :class:`sim.scenario.load.Scenario`."""

    actors: dict[str, tuple[str, ...]]
    initial: dict[str, float]
    games: tuple[GamePlan, ...]
    rules: tuple[RulePlan, ...]
    stop_when: Formula | None
    metrics: tuple[tuple[str, Formula], ...] = ()
    trees: tuple[TreePlan, ...] = ()
    bargainings: tuple[BargainingPlan, ...] = ()


def tree_labels(game: str, players: Sequence[str], root: TreeNodeSpec) -> dict[str, tuple[str, ...]]:
    """The ``game.Player`` keys of a tree game with every move label each player has in
    it (in tree order), ``game.chance`` with the chance moves' labels if it has any, and
    ``game.type.Player`` with the types of each player whose type a chance move draws.

    Examples
    --------
    >>> from sim.scenario.spec import TreeNodeSpec
    >>> leaf = {"payoffs": [0, 0]}
    >>> root = TreeNodeSpec.model_validate({"player": "A", "moves": {"x": leaf, "y": {
    ...     "chance": {"h": 0.5, "t": 0.5}, "moves": {"h": leaf, "t": leaf}}}})
    >>> tree_labels("g", ["A", "B"], root)
    {'g.A': ('x', 'y'), 'g.B': (), 'g.chance': ('h', 't')}
    """
    found: dict[str, list[str]] = {player: [] for player in players}
    chance: list[str] = []
    types: dict[str, list[str]] = {}
    todo = [root]
    while todo:
        node = todo.pop()
        moves = list(node.moves or {})
        owner = chance if node.chance is not None else found.get(node.player or "", [])
        owner.extend(move for move in moves if move not in owner)
        if node.types is not None:
            drawn = types.setdefault(node.types, [])
            drawn.extend(move for move in moves if move not in drawn)
        todo.extend(reversed(list((node.moves or {}).values())))
    labels = {f"{game}.{player}": tuple(moves) for player, moves in found.items()}
    if chance:
        labels[f"{game}.{CHANCE}"] = tuple(chance)
    labels.update((f"{game}.{TYPE}.{player}", tuple(moves)) for player, moves in types.items())
    return labels


@dataclass(frozen=True)
class BargainingNames:
    """The names formulas read after a bargaining game is played: ``numbers`` and
    ``labels`` (key -> possible values), and their ``initial`` values."""

    numbers: frozenset[str]
    labels: dict[str, tuple[str, ...]]
    initial: dict[str, Any]


def bargaining_names(game: str, block: BargainingSpec | BargainingTemplate) -> BargainingNames:
    """``game.agreed`` (1 if the last negotiation agreed, else 0), ``game.offers``
    (offers it took), ``game.agreement.<issue>`` for each issue (the agreed value; not a
    number until an agreement), the label ``game.outcome`` (one of
    :data:`sim.solvers.protocols.OUTCOMES`) and, with
    private types, the label ``game.type`` (the type drawn).

    Examples
    --------
    >>> from sim.scenario.spec import BargainingSpec
    >>> block = BargainingSpec.model_validate({"issue": {"name": "width", "range": [0, 40]},
    ...                                       "utilities": {"A": "width", "B": "40 - width"}})
    >>> sorted(bargaining_names("talks", block).numbers)
    ['talks.agreed', 'talks.agreement.width', 'talks.offers']
    """
    if isinstance(block, BargainingTemplate):
        issues = block.issue_names
        types = tuple(name for name, _, _ in block.private.types) if block.private is not None else ()
    else:
        issues = tuple(i.name for i in ([block.issue] if block.issue is not None else block.issues or []))
        types = tuple(block.private.types or {}) if block.private is not None else ()
    agreements = [f"{game}.agreement.{issue}" for issue in issues]
    numbers = frozenset({f"{game}.agreed", f"{game}.offers", *agreements})
    labels = {f"{game}.outcome": OUTCOMES, **({f"{game}.type": types} if types else {})}
    initial: dict[str, Any] = {f"{game}.agreed": 0.0, f"{game}.offers": 0.0, **dict.fromkeys(agreements, math.nan)}
    initial.update(dict.fromkeys(labels))
    return BargainingNames(numbers, labels, initial)


def agreement_counts(game: str) -> tuple[str, str]:
    """The names under which metrics see a bargaining game's agreements and offers.

    Examples
    --------
    >>> agreement_counts("zone_talks")
    ('agreements_zone_talks', 'offers_zone_talks')
    """
    return f"agreements_{game}", f"offers_{game}"


def count_name(game: str, labels: Sequence[str]) -> str:
    """The name under which metrics see how often a profile was played.

    Examples
    --------
    >>> count_name("joint", ("D", "R.W", "W", "mediate"))
    'count_joint_D_R_W_W_mediate'
    """
    return "_".join(["count", game, *(re.sub(r"[^A-Za-z0-9_]", "_", label) for label in labels)])


def compile_scenario(document: YamlDocument, spec: ScenarioSpec) -> Compiled:
    """Check the meaning of a shape-checked scenario and compile it.

    Raises
    ------
    ScenarioError
        The first problem found, with file, line and field.
    """
    return _Checker(document, spec).compile()


class _Checker:
    """Checks names, shapes and formulas; builds the Scenario."""

    def __init__(self, document: YamlDocument, spec: ScenarioSpec) -> None:
        self.doc = document
        self.spec = spec
        self.matched_cases: set[int] = set()

    def fail(self, path: FieldPath, message: str) -> ScenarioError:
        return self.doc.error(path, message)

    def with_when(self, plan: _Plan, scope: Scope) -> _Plan:
        """A game's ``when``: the rounds in which it is played (a formula of the state and
        of what was played before it)."""
        given = self.spec.games[plan.name].when
        if given is None:
            return plan
        return replace(plan, when=self.formula(given, scope, ("games", plan.name, "when")))

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
            raise self.fail(path, f"formula {shorten(value)!r}: {exc.message}") from None

    def compile(self) -> Compiled:
        self.check_names()
        scope = self.global_scope()
        games = tuple(
            self.game(name, spec, scope)
            for name, spec in self.spec.games.items()
            if spec.tree is None and spec.bargaining is None
        )
        trees = tuple(
            self.tree(name, spec, scope)
            for name, spec in self.spec.games.items()
            if spec.tree is not None and spec.bargaining is None
        )
        bargainings = tuple(
            self.bargaining(name, spec, scope) for name, spec in self.spec.games.items() if spec.bargaining is not None
        )
        self.check_cases_used()
        games = tuple(self.with_when(plan, scope) for plan in games)
        trees = tuple(self.with_when(plan, scope) for plan in trees)
        bargainings = tuple(self.with_when(plan, scope) for plan in bargainings)
        seeded = scope.with_draws()  # draw(p) only in the dynamics and stop_when: they change the state
        rules = tuple(self.rule(i, seeded) for i in range(len(self.spec.dynamics)))
        stop = None
        if self.spec.stop_when is not None:
            stop = self.formula(self.spec.stop_when, seeded, ("stop_when",))
        metrics = self.metrics(games, bargainings)
        self.check_sweep()
        initial: dict[str, float] = {k: float(v) for k, v in self.spec.parameters.items()}
        for actor, actor_spec in self.spec.actors.items():
            initial.update({f"{actor}.{var}": float(v) for var, v in actor_spec.state.items()})
        actors = {name: tuple(a.state) for name, a in self.spec.actors.items()}
        return Compiled(actors, initial, games, rules, stop, metrics, trees, bargainings)

    def metrics(
        self, games: Sequence[GamePlan], bargainings: Sequence[BargainingPlan] = ()
    ) -> tuple[tuple[str, Formula], ...]:
        """Metric formulas: final parameters and Actor.variable, ``rounds`` (played),
        ``count_<game>_<labels>`` (rounds in which that profile was played) and, for a
        bargaining game, ``agreements_<game>`` (rounds whose talks agreed) and
        ``offers_<game>`` (offers made in all its negotiations)."""
        if not self.spec.metrics:
            return ()
        numbers = {*self.spec.parameters, "rounds"}
        for actor, actor_spec in self.spec.actors.items():
            numbers.update(f"{actor}.{var}" for var in actor_spec.state)
        for plan in games:
            for labels in itertools.product(*plan.strategies):
                name = count_name(plan.name, labels)
                if name in numbers:
                    raise self.fail(("games", plan.name, "strategies"), f"two profiles share the metric name {name}")
                numbers.add(name)
        for bargaining in bargainings:
            for name in agreement_counts(bargaining.name):
                if name in numbers:
                    raise self.fail(("games", bargaining.name), f"the metric name {name} is already used")
                numbers.add(name)
        groups = {a: "actor" for a in self.spec.actors}
        scope = Scope(frozenset(numbers), {}, {}, groups)
        compiled = []
        for name, text in self.spec.metrics.items():
            self.check_name(name, ("metrics", name))
            compiled.append((name, self.formula(text, scope, ("metrics", name))))
        return tuple(compiled)

    def check_sweep(self) -> None:
        """The ``sweep:`` block names things that can be swept, in valid forms."""
        block = self.spec.sweep
        if block is None:
            return
        if block.design not in DESIGNS:
            raise self.fail(("sweep", "design"), unknown("design", block.design, list(DESIGNS)))
        known = [*self.spec.parameters, "select", *(f"{g}.select" for g in self.spec.games)]
        known += [f"{a}.{v}" for a, spec in self.spec.actors.items() for v in spec.state]
        for name, value in block.params.items():
            where = ("sweep", "params", name)
            if name not in known:
                raise self.fail(where, unknown("parameter, actor state or game.select", name, known))
            text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            try:
                parse_factor(f"{name}={text}")
            except UsageError as exc:
                raise self.fail(where, str(exc)) from None

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
        if not _NAME.fullmatch(name):
            raise self.fail(path, f"{name!r} is not a valid name: use letters, digits and _, starting with a letter")
        if keyword.iskeyword(name) or name in RESERVED:
            raise self.fail(path, f"{name!r} is reserved; choose another name")

    def global_scope(self) -> Scope:
        numbers = {*self.spec.parameters, "round"}
        for actor, actor_spec in self.spec.actors.items():
            numbers.update(f"{actor}.{var}" for var in actor_spec.state)
        labels: dict[str, tuple[str, ...]] = {}
        for game, game_spec in self.spec.games.items():
            if game_spec.bargaining is not None:
                names = bargaining_names(game, game_spec.bargaining)
                numbers.update(names.numbers)
                labels.update(names.labels)
                continue
            if game_spec.tree is not None:
                labels.update(tree_labels(game, game_spec.players, game_spec.tree))
                continue
            for player in game_spec.players:
                labels[f"{game}.{player}"] = tuple((game_spec.strategies or {}).get(player, ()))
        groups = {**{a: "actor" for a in self.spec.actors}, **{g: "game" for g in self.spec.games}}
        scope = Scope(frozenset(numbers), labels, {}, groups)
        return self.lets(scope, self.spec.let, ("let",))

    def lets(self, scope: Scope, lets: Mapping[str, float | str], path: FieldPath) -> Scope:
        known = dict(scope.lets)  # grows as each let compiles: one copy, not one per let
        # no draw() in a let: a let is written out at each use, so it would draw once per use
        result = Scope(scope.numbers, scope.labels, known, scope.groups, draws=False)
        for name, value in lets.items():
            if name in known or name in scope.numbers or name in scope.labels:
                raise self.fail((*path, name), f"the name {name!r} is already used; names must be unique")
            self.check_name(name, (*path, name))
            known[name] = self.formula(value, result, (*path, name))  # sees only the lets above it
        return result

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
            float(settings.logit_lambda),
            float(settings.time_limit),
        )

    def tree(self, name: str, spec: GameSpec, scope: Scope) -> TreePlan:
        path: FieldPath = ("games", name)
        players = self.players(spec, path)
        game_scope = self.lets(scope, spec.let, (*path, "let"))
        template = build_tree_template(self, name, spec, players, game_scope, path)
        settings, _ = self.settings(spec, path)
        own = spec.equilibrium is not None and spec.equilibrium.concept is not None
        where: FieldPath = (*path, "equilibrium", "concept") if own else ("equilibrium", "concept")
        if settings.concept is not None and settings.concept not in CONCEPTS:
            raise self.fail(where, unknown("solution concept", settings.concept, list(CONCEPTS)))
        if settings.concept == "backward_induction" and not template.shape().perfect_information:
            raise self.fail(
                where,
                "backward induction needs perfect information, but this tree has information sets of several "
                "nodes; use subgame_perfect or pbe",
            )
        rule = self.tree_rule(spec, settings, path)
        assert spec.tree is not None
        labels = tuple(tree_labels(name, players, spec.tree).items())
        own_labels = {key[len(name) + 1 :]: moves for key, moves in labels}
        cases = self.tree_cases(spec, path, players, own_labels, scope)
        if CHANCE in players and template.shape().has_chance:
            raise self.fail(
                (*path, "players"),
                f"an actor named {CHANCE!r} plays a tree with chance moves, whose outcome formulas read as "
                f"{name}.{CHANCE}; rename the actor",
            )
        return TreePlan(
            name,
            players,
            template,
            settings.concept,
            spec.description,
            float(settings.time_limit),
            rule,
            settings.play,
            labels,
            cases,
        )

    def bargaining(self, name: str, spec: GameSpec, scope: Scope) -> BargainingPlan:
        """A bargaining game, built once at the initial state so that formulas that fail
        there (not finite at an end of the range, ...) are load errors."""
        path: FieldPath = ("games", name)
        players = self.players(spec, path)
        game_scope = self.lets(scope, spec.let, (*path, "let"))
        template = build_bargaining_template(self, name, spec, players, game_scope, path)
        if spec.equilibrium is not None:
            raise self.fail((*path, "equilibrium"), "a bargaining game has no equilibrium settings: remove them")
        state: dict[str, Any] = {k: float(v) for k, v in self.spec.parameters.items()}
        for actor, actor_spec in self.spec.actors.items():
            state.update({f"{actor}.{var}": float(v) for var, v in actor_spec.state.items()})
        state.update(dict.fromkeys(scope.labels))
        state["round"] = 1
        try:
            if template.several:
                template.build_multi(state)
            else:
                template.build(state)
        except RunError as exc:
            message = str(exc).removeprefix(f"game {name}: ")
            placed = _PLACED.match(message)
            if placed is not None and placed["file"] == self.doc.filename:  # the formula at fault says where
                raise ScenarioError(
                    f"at the initial state: {placed['message']}",
                    file=self.doc.filename,
                    line=int(placed["line"]),
                    field=placed["field"],
                ) from None
            raise self.fail((*path, "bargaining"), f"at the initial state: {message}") from None
        return BargainingPlan(name, players, template, spec.description)

    def tree_rule(self, spec: GameSpec, settings: EquilibriumSpec, path: FieldPath) -> str:
        """The selection rule of a tree game: its own ``select`` (or ``otherwise``) must be
        a tree rule; the scenario-wide default, when it is not one (risk_dominant), and
        scenario-wide conditional cases become ``first``."""
        own = spec.equilibrium is not None and "select" in spec.equilibrium.model_fields_set
        select = settings.select
        if select.conditional is not None and not own:
            return "first"
        rule = select.rule or select.otherwise
        if rule in TREE_RULES:
            return rule
        if own:
            field = "otherwise" if select.conditional is not None else "select"
            raise self.fail(
                (*path, "equilibrium", "select", *((field,) if field == "otherwise" else ())),
                unknown("selection rule for a tree game", rule, list(TREE_RULES)),
            )
        return "first"

    def tree_cases(
        self,
        spec: GameSpec,
        path: FieldPath,
        players: tuple[str, ...],
        labels: Mapping[str, tuple[str, ...]],
        scope: Scope,
    ) -> tuple[TreeCase, ...]:
        """A tree game's own conditional cases: ``prefer`` names some of its players, each
        with one of its move labels."""
        if spec.equilibrium is None or "select" not in spec.equilibrium.model_fields_set:
            return ()
        cases = []
        for i, case in enumerate(spec.equilibrium.select.conditional or ()):
            case_path: FieldPath = (*path, "equilibrium", "select", "conditional", i)
            if not case.prefer:
                raise self.fail((*case_path, "prefer"), "name at least one player and the move it should make")
            prefer = []
            for player, move in case.prefer.items():
                if player not in players:
                    raise self.fail((*case_path, "prefer", player), unknown("player of this game", player, players))
                moves = labels[player]
                if move not in moves:
                    raise self.fail(
                        (*case_path, "prefer", player),
                        f"{move!r} is not a move of {player} in this tree{did_you_mean(move, list(moves))} "
                        f"(moves: {', '.join(moves) or 'none'})",
                    )
                prefer.append((players.index(player), move))
            cases.append(TreeCase(self.formula(case.when, scope, (*case_path, "when")), tuple(prefer)))
        return tuple(cases)

    def players(self, spec: GameSpec, path: FieldPath) -> tuple[str, ...]:
        players = tuple(spec.players)
        if not players:
            raise self.fail((*path, "players"), "a game needs at least one player")
        if len(players) > MAX_PLAYERS:
            raise self.fail(
                (*path, "players"),
                f"{len(players)} players; the limit is {MAX_PLAYERS} (sim.game.limits.MAX_PLAYERS): "
                "equilibrium computation grows very fast with the number of players; split the game",
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
        if spec.strategies is None:
            raise self.fail(
                path,
                "the required field 'strategies' is missing: a game gives `strategies` with `payoffs` "
                "(or `payoff_table`), or a `tree`, or a `bargaining` block",
            )
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
            if not labels:
                raise self.fail(where, "a player needs at least one strategy")
            if len(labels) > MAX_STRATEGIES:
                raise self.fail(
                    where,
                    f"{len(labels)} strategies; the limit is {MAX_STRATEGIES} per player "
                    "(sim.game.limits.MAX_STRATEGIES: raise it there, or merge strategies)",
                )
            for i, label in enumerate(labels):
                if not _LABEL.fullmatch(label):
                    raise self.fail(
                        (*where, i), f"{label!r} is not a valid strategy label: use letters, digits, _ . + -"
                    )
                if labels.index(label) != i:
                    raise self.fail((*where, i), f"the strategy {label!r} is listed twice")
            result.append(tuple(labels))
        profiles = math.prod(len(s) for s in result)
        if profiles > MAX_PROFILES:
            raise self.fail(
                (*path, "strategies"),
                f"{profiles} profiles; the limit is {MAX_PROFILES} per game "
                "(sim.game.limits.MAX_PROFILES: raise it there, or use fewer strategies or players)",
            )
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
        if base.solver != "auto" and base.solver not in SOLVERS:
            raise self.fail((*where, "solver"), unknown("solver", base.solver, ["auto", *SOLVERS]))
        low, high = SOLVERS[base.solver].players if base.solver != "auto" else (1, MAX_PLAYERS)
        if n_players > 1 and not low <= n_players <= high:
            raise self.fail(
                (*where, "solver"),
                f"the solver {base.solver!r} handles {low} to {high} players, not {n_players}",
            )
        if spec.tree is None and spec.equilibrium is not None and spec.equilibrium.concept is not None:
            raise self.fail(
                (*path, "equilibrium", "concept"),
                "a solution concept applies to tree games; a game in normal form takes `solver` and `select`",
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
