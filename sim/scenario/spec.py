"""The scenario file format as pydantic models: field names, types, defaults.

This is the *shape* of a scenario. Its *meaning* (names that must exist, matrix shapes,
formulas) is checked by :mod:`sim.scenario.load`, which turns these models into a runnable
:class:`~sim.scenario.load.Scenario`. The JSON Schema for editors comes from here
(:func:`json_schema`). Every model forbids unknown fields, so a typo such as
``stratgies`` is an error, not a silently ignored key.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, ValidationError

from sim.errors import ScenarioError, did_you_mean
from sim.game.limits import MAX_PLAYERS, MAX_PROFILES, MAX_STRATEGIES
from sim.scenario.factors import MAX_POINTS
from sim.scenario.yaml_source import Path as FieldPath
from sim.scenario.yaml_source import YamlDocument

__all__ = [
    "MAX_LOGIT_LAMBDA",
    "MAX_PLAYERS",
    "MAX_PROFILES",
    "MAX_ROUNDS",
    "MAX_SCENARIO_BYTES",
    "MAX_STRATEGIES",
    "MAX_TIME_LIMIT",
    "ActorSpec",
    "BargainingSpec",
    "CaseSpec",
    "EquilibriumSpec",
    "GameSpec",
    "IssueSpec",
    "RuleSpec",
    "ScenarioSpec",
    "SelectSpec",
    "SweepSpecBlock",
    "TreeNodeSpec",
    "json_schema",
    "number_or_formula",
    "validate_spec",
]

#: Most rounds a scenario may ask for.
MAX_ROUNDS = 10_000
#: Largest scenario file, in bytes (scenarios are a few kilobytes; this keeps a wrong
#: file, e.g. a data dump, from being read whole into memory).
MAX_SCENARIO_BYTES = 1_000_000
#: Longest ``time_limit``, in seconds (a day): a longer wait is a mistake, and the
#: operating system refuses timeouts beyond about 1e9 s.
MAX_TIME_LIMIT = 86_400.0
#: Largest ``logit_lambda``: with payoff differences of 0.001 or more, a larger precision
#: plays like a Nash equilibrium to double precision.
MAX_LOGIT_LAMBDA = 1e6
#: Longest piece of a value quoted in an error message, in characters.
_MAX_SHOWN = 60


def _number(value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("expected a finite number, not .nan or .inf")
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            raise ValueError(
                f"a whole number of {len(str(abs(value)))} digits is too large (the largest number is about 1.8e308)"
            ) from None
    return value


def _non_negative(value: Any) -> float | int:
    number = _number(value)
    if number < 0:
        raise ValueError(f"must be 0 or more, not {number}")
    return number


def _at_most(largest: float, unit: str, constant: str) -> Any:
    """A validator of a number from 0 to ``largest`` (``constant`` names the limit)."""

    def check(value: Any) -> float | int:
        number = _non_negative(value)
        if number > largest:
            raise ValueError(f"{number:g}{unit} is too large; the limit is {largest:g}{unit} ({constant})")
        return number

    return check


def number_or_formula(value: Any) -> float | int | str:
    """``value`` if it is a finite number or non-empty text, else ``ValueError``."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("a formula must not be empty")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number or a formula in quotes, got {_describe(value)}")
    return _number(value)


def _payoff_entry(value: Any) -> Any:
    if isinstance(value, list):
        return value
    return number_or_formula(value)


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a truth value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _shown(value)


def _shown(value: Any) -> str:
    """``repr(value)``, shortened to :data:`_MAX_SHOWN` characters for a message."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


Number = Annotated[float, PlainValidator(_number, json_schema_input_type=float)]
"""A finite number (not a truth value, not text)."""
NumberOrFormula = Annotated[float | str, PlainValidator(number_or_formula, json_schema_input_type=float | str)]
"""A number, or a formula in quotes (see ``docs/scenario-language.md``)."""
PayoffEntry = Annotated[Any, PlainValidator(_payoff_entry, json_schema_input_type=float | str | list[Any])]
"""One player's payoff: a formula, a number, or a nested list (matrix)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ActorSpec(_Spec):
    """An actor (state, bloc, mediator): a mesa agent holding named numbers."""

    description: str = Field("", description="Who the actor is.")
    state: dict[str, Number] = Field(default_factory=dict, description="Named numeric state, e.g. {fatigue: 1.0}.")


class CaseSpec(_Spec):
    """One case of a conditional selection rule."""

    when: str = Field(description="A condition (formula).")
    prefer: dict[str, str] = Field(description="The preferred pure profile: player -> strategy.")


def _select_shorthand(value: Any) -> Any:
    return {"rule": value} if isinstance(value, str) else value


class SelectSpec(_Spec):
    """Which equilibrium is played: a rule name, or conditional cases."""

    rule: str | None = Field(
        None, description="A rule: risk_dominant, payoff_dominant, max_welfare, first, random, logit."
    )
    conditional: list[CaseSpec] | None = Field(
        None,
        description="Cases tried in order; the first whose condition holds and whose profile is an equilibrium wins.",
    )
    otherwise: str = Field("risk_dominant", description="The rule used when no case applies.")


class EquilibriumSpec(_Spec):
    """How equilibria are computed, chosen and played."""

    solver: str = Field(
        "auto", description="auto (by the number of players) or a registered solver name, e.g. vertex_enumeration."
    )
    select: Annotated[SelectSpec, BeforeValidator(_select_shorthand, json_schema_input_type=str | SelectSpec)] = Field(
        default_factory=lambda: SelectSpec(rule="risk_dominant"),
        description="A rule name, or {conditional: [...], otherwise: rule}.",
    )
    play: str = Field("sample", description="sample (draw from the mixed strategies) or mode.")
    logit_lambda: Annotated[
        float,
        PlainValidator(
            _at_most(MAX_LOGIT_LAMBDA, "", "sim.scenario.spec.MAX_LOGIT_LAMBDA"),
            json_schema_input_type=Annotated[float, Field(ge=0, le=MAX_LOGIT_LAMBDA)],
        ),
    ] = Field(1.0, description="Precision of the logit QRE played by the selection rule logit (0: uniform play).")
    concept: str | None = Field(
        None,
        description="Solution concept of tree games: backward_induction, nash, subgame_perfect or pbe "
        "(default: backward_induction for perfect information without chance, else pbe).",
    )
    time_limit: Annotated[
        float,
        PlainValidator(
            _at_most(MAX_TIME_LIMIT, " s", "sim.scenario.spec.MAX_TIME_LIMIT"),
            json_schema_input_type=Annotated[float, Field(ge=0, le=MAX_TIME_LIMIT)],
        ),
    ] = Field(
        20.0,
        description="Seconds a solve that can run long may take per game, at most a day: Gambit's slow "
        "methods (enumpoly, gnm, ...) and two-player games larger than 8x8; 0 skips enumpoly.",
    )


def _leaf_payoffs(value: Any) -> Any:
    if isinstance(value, list):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = value.items()  # type: ignore[assignment]
    else:
        raise ValueError(
            f"payoffs are a list (one value per player, in player order) or a mapping player -> value, "
            f"got {_describe(value)}"
        )
    for key, entry in items:
        try:
            number_or_formula(entry)
        except ValueError as exc:
            raise ValueError(f"payoff {key}: {exc}") from None
    return value


LeafPayoffs = Annotated[
    Any,
    PlainValidator(_leaf_payoffs, json_schema_input_type=list[float | str] | dict[str, float | str]),
]
"""A leaf's payoffs: one number or formula per player, as a list or a mapping."""


class TreeNodeSpec(_Spec):
    """A node of a game tree: a decision (``player`` and ``moves``), a chance move
    (``chance`` probabilities and ``moves``) or a leaf (``payoffs``)."""

    player: str | None = Field(None, description="Who moves here (a player of the game).")
    infoset: str | None = Field(
        None, description="Information set label: the player's nodes with the same label cannot be told apart."
    )
    chance: dict[str, NumberOrFormula] | None = Field(
        None, description="A chance move: move -> probability (a number or formula), one per move."
    )
    moves: dict[str, TreeNodeSpec] | None = Field(None, description="Move label -> the node it leads to.")
    payoffs: LeafPayoffs | None = Field(
        None, description="A leaf: one payoff per player, a list in player order or a mapping player -> value."
    )
    hidden: bool | None = Field(
        None,
        description="A decision the other players do not see (only what follows it): left out of what beliefs "
        "are updated from.",
    )
    types: str | None = Field(
        None, description="A chance move that draws this player's type (a Bayesian game): its moves are the types."
    )
    persistent: bool | None = Field(
        None, description="With types: drawn once per run and kept (true, the default), or anew each round (false)."
    )
    beliefs: dict[str, str] | None = Field(
        None,
        description="With types: type -> the Actor.variable that holds the posterior probability of that type "
        "after each round, by Bayes' rule over the moves played after the draw.",
    )


class IssueSpec(_Spec):
    """An issue of a bargaining game: one continuous quantity over a range."""

    name: str = Field(description="The issue's name, usable in the utility formulas (e.g. width).")
    range: list[NumberOrFormula] = Field(
        description="[low, high]: the agreements possible, numbers or formulas of the state with low < high."
    )
    unit: str = Field("", description="The issue's unit, for reading (e.g. km).")


class ConcessionSpec(_Spec):
    """A concession strategy with its parameter."""

    kind: str = Field(description="boulware, linear, conceder, tit_for_tat or equilibrium.")
    exponent: Number | None = Field(
        None, description="Time-dependent kinds: the concession exponent e > 0 (below 1 holds out, above 1 gives in)."
    )


class MediatorSpec(_Spec):
    """A mediator proposing a single negotiating text that both sides amend."""

    name: str = Field("mediator", description="Who mediates (an actor's name, or any name), for the record.")
    ideal: NumberOrFormula | dict[str, NumberOrFormula] = Field(
        description="The agreement the mediator would like: a value of the issue (several issues: issue -> value)."
    )
    bias: NumberOrFormula = Field(0.0, description="In [0, 1]: how far each text is pulled towards the ideal.")
    credibility: NumberOrFormula = Field(
        0.0, description="In [0, 1]: how much the sides trust the text (they accept it below their demand)."
    )


class ProtocolSpec(_Spec):
    """How a run plays the bargaining game: offers made one by one until one is accepted."""

    deadline: int = Field(20, description="The most offers in one negotiation (one round of the scenario).")
    strategies: dict[str, str | ConcessionSpec] | None = Field(
        None, description="Player -> concession strategy (a kind, or {kind, exponent}); equilibrium by default."
    )
    mediator: MediatorSpec | None = Field(None, description="A mediator's single text instead of alternating offers.")


class PrivateTypeSpec(_Spec):
    """One type of the player with private information."""

    probability: NumberOrFormula = Field(description="The prior probability of this type (a formula of the state).")
    disagreement: NumberOrFormula = Field(description="What this type gets if talks fail (its value of war).")


class PrivateSpec(_Spec):
    """The responder's value of disagreeing is private (Fearon 1995): a take-it-or-leave-it offer."""

    player: str = Field(description="The player whose disagreement payoff is private (it answers the offer).")
    uniform: list[NumberOrFormula] | None = Field(
        None, description="[low, high]: its disagreement payoff is uniform on this interval (not with types)."
    )
    types: dict[str, PrivateTypeSpec] | None = Field(
        None, description="Type name -> probability and disagreement payoff (discrete types; not with uniform)."
    )
    persistent: bool = Field(True, description="Drawn once per run and kept (true), or anew each round (false).")
    beliefs: dict[str, str] | None = Field(
        None, description="With types: type -> the Actor.variable that holds its posterior after each round."
    )


class BargainingSpec(_Spec):
    """A bargaining game of two players over one issue (``issue``) or several (``issues``)."""

    issue: IssueSpec | None = Field(None, description="The one issue bargained over (or give `issues`).")
    issues: list[IssueSpec] | None = Field(
        None, description="Several issues bargained over at once (instead of `issue`), in order."
    )
    utilities: dict[str, NumberOrFormula] = Field(
        description="Player -> utility of an agreement: a formula of the issue and the state."
    )
    disagreement: dict[str, NumberOrFormula] | None = Field(
        None, description="Player -> what it gets if talks fail (e.g. the value of war); 0 for both by default."
    )
    discount: dict[str, NumberOrFormula] | None = Field(
        None, description="Player -> discount factor per offer, in (0, 1]: alternating offers (Rubinstein)."
    )
    proposer: str | None = Field(None, description="Who proposes first in alternating offers (the first player).")
    outside_options: dict[str, NumberOrFormula] | None = Field(
        None, description="Player -> an outside option it can take instead of answering (alternating offers)."
    )
    breakdown: NumberOrFormula = Field(
        0.0, description="The chance that talks break down after a rejection, in [0, 1)."
    )
    powers: dict[str, NumberOrFormula] | None = Field(
        None, description="Player -> bargaining power for the asymmetric Nash solution (positive)."
    )
    protocol: ProtocolSpec | None = Field(
        None, description="How runs play it offer by offer (by default both play the equilibrium)."
    )
    private: PrivateSpec | None = Field(
        None, description="A player's value of disagreeing is private: the other makes a take-it-or-leave-it offer."
    )


class GameSpec(_Spec):
    """A stage game, rebuilt from the current state every round."""

    description: str = Field("", description="What the game stands for.")
    players: list[str] = Field(description="Actor names; the first is the row player.")
    strategies: dict[str, list[str]] | None = Field(
        None, description="Player -> strategy labels (a game in normal form; not with tree)."
    )
    tree: TreeNodeSpec | None = Field(
        None, description="A game tree (extensive form) instead of strategies and payoffs: its root node."
    )
    bargaining: BargainingSpec | None = Field(
        None, description="A bargaining problem over one issue or several instead of strategies and payoffs."
    )
    let: dict[str, NumberOrFormula] = Field(
        default_factory=dict, description="Named sub-formulas, usable in this game's payoffs."
    )
    payoffs: dict[str, PayoffEntry] | None = Field(
        None, description="Player -> a formula, or a matrix (rows: first player's strategies)."
    )
    payoff_table: dict[str, list[NumberOrFormula]] | None = Field(
        None, description="'label, label' profile -> one value per player, in player order."
    )
    equilibrium: EquilibriumSpec | None = Field(
        None, description="Overrides of the scenario's equilibrium settings for this game."
    )
    when: str | None = Field(
        None,
        description="Play this game only in rounds where this condition holds (read at its turn); "
        "otherwise it and its `after:` rules are skipped.",
    )


class RuleSpec(_Spec):
    """A state-update rule of the dynamics."""

    description: str = Field("", description="Why the state moves (source or assumption).")
    after: str | None = Field(
        None, description="Run right after this game is played; by default at the end of the round."
    )
    when: str | None = Field(None, description="Apply only when this condition holds.")
    set: dict[str, NumberOrFormula] = Field(
        description="Target (parameter or Actor.variable) -> new value; "
        "all right-hand sides see the state before the rule."
    )


def _factor_value(value: Any) -> float | str | list[float | str]:
    if isinstance(value, list):
        if not value or any(isinstance(v, (bool, list, dict)) or v is None for v in value):
            raise ValueError("a list of values must be non-empty numbers or words")
        return value
    if isinstance(value, str):
        return value
    return _number(value)


FactorValue = Annotated[
    float | str | list[float | str],
    PlainValidator(_factor_value, json_schema_input_type=float | str | list[float | str]),
]
"""A swept value: ``"LO:HI:N"``, ``"LO:HI"`` (sampled designs), or a list of values."""


class SweepSpecBlock(_Spec):
    """A parameter sweep (``diplosim sweep``); command-line flags override it."""

    params: dict[str, FactorValue] = Field(
        default_factory=dict,
        description="Name (parameter, Actor.variable, select or game.select) -> 'LO:HI:N', 'LO:HI' or a list.",
    )
    design: str = Field("grid", description="grid, lhs or sobol.")
    samples: int | None = Field(
        None,
        ge=1,
        le=MAX_POINTS,
        description="Points of a sampled design (lhs, sobol), at most sim.scenario.factors.MAX_POINTS.",
    )
    reps: int = Field(1, ge=1, description="Replications per point, each with its own seed.")
    rounds: int | None = Field(None, ge=1, le=MAX_ROUNDS, description="Round limit of every run.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Root seed: every run's seed is derived from it.")


class ScenarioSpec(_Spec):
    """A whole scenario file."""

    name: str = Field(min_length=1, description="Title of the scenario.")
    description: str = Field("", description="What it models.")
    source: str = Field("", description="Where its numbers come from.")
    rounds: int = Field(ge=1, le=MAX_ROUNDS, description="Most rounds to play.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed of the one random generator.")
    parameters: dict[str, Number] = Field(default_factory=dict, description="Named numbers.")
    let: dict[str, NumberOrFormula] = Field(default_factory=dict, description="Named sub-formulas usable everywhere.")
    actors: dict[str, ActorSpec] = Field(min_length=1, description="Actor name -> actor.")
    games: dict[str, GameSpec] = Field(min_length=1, description="Stage games, played in this order each round.")
    dynamics: list[RuleSpec] = Field(default_factory=list, description="State-update rules, applied in order.")
    stop_when: str | None = Field(None, description="Stop after a round in which this condition holds.")
    equilibrium: EquilibriumSpec = Field(
        default_factory=EquilibriumSpec, description="Solver, selection rule and play mode of every game."
    )
    metrics: dict[str, str] = Field(
        default_factory=dict,
        description="Name -> formula over the final state, rounds and count_<game>_<labels> (sweep outputs).",
    )
    sweep: SweepSpecBlock | None = Field(None, description="A default parameter sweep for diplosim sweep.")


def validate_spec(document: YamlDocument) -> ScenarioSpec:
    """Check the shape of a parsed scenario file; the first problem is raised.

    Raises
    ------
    ScenarioError
        Naming the file, line and field, with a hint for unknown fields.
    """
    if document.data is None:
        raise ScenarioError(
            "the file is empty; a scenario needs name, rounds, actors and games", file=document.filename
        )
    if not isinstance(document.data, dict):
        raise document.error((), "the top level must be a mapping of fields (name:, rounds:, actors:, games:, ...)")
    try:
        return ScenarioSpec.model_validate(document.data)
    except ValidationError as exc:
        errors = exc.errors()
        # a typo (unknown field) explains a "missing field" next to it: report it first
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        path: FieldPath = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        raise document.error(path, _pydantic_message(error, path)) from None


_MESSAGES = {
    "missing": "this required field is missing",
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "float_type": "expected a number",
}


def _pydantic_message(error: Any, path: FieldPath) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        field_name = str(path[-1]) if path else "?"
        allowed = _allowed_fields(path[:-1])
        listed = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown field {field_name!r}{did_you_mean(field_name, allowed)}{listed}"
    if kind == "missing":
        return f"the required field {path[-1]!r} is missing" if path else _MESSAGES[kind]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "less_than_equal" and path and path[-1] == "rounds":
        return (
            f"{error['input']} rounds; the limit is {MAX_ROUNDS} (sim.scenario.spec.MAX_ROUNDS: raise it there, "
            "or play fewer rounds)"
        )
    message = str(_MESSAGES.get(kind, error["msg"]))
    if kind in _MESSAGES and "input" in error and kind != "missing":
        message += f", got {_shown(error['input'])}"
    return message


def _allowed_fields(parent: FieldPath) -> list[str]:
    """Field names allowed at ``parent`` (for 'did you mean' hints)."""
    model: Any = ScenarioSpec
    steps = list(parent)
    while steps:
        entry = _CHILDREN.get((model, steps.pop(0)))
        if entry is None:
            return []
        how, model = entry
        if how != "one":
            if not steps:
                return []
            steps.pop(0)
    return sorted(model.model_fields)


_CHILDREN: dict[tuple[Any, str | int], tuple[str, Any]] = {
    (ScenarioSpec, "actors"): ("mapping", ActorSpec),
    (ScenarioSpec, "games"): ("mapping", GameSpec),
    (ScenarioSpec, "dynamics"): ("list", RuleSpec),
    (ScenarioSpec, "equilibrium"): ("one", EquilibriumSpec),
    (GameSpec, "equilibrium"): ("one", EquilibriumSpec),
    (GameSpec, "tree"): ("one", TreeNodeSpec),
    (TreeNodeSpec, "moves"): ("mapping", TreeNodeSpec),
    (EquilibriumSpec, "select"): ("one", SelectSpec),
    (SelectSpec, "conditional"): ("list", CaseSpec),
    (ScenarioSpec, "sweep"): ("one", SweepSpecBlock),
    (GameSpec, "bargaining"): ("one", BargainingSpec),
    (BargainingSpec, "issue"): ("one", IssueSpec),
    (BargainingSpec, "issues"): ("list", IssueSpec),
    (BargainingSpec, "protocol"): ("one", ProtocolSpec),
    (BargainingSpec, "private"): ("one", PrivateSpec),
    (ProtocolSpec, "mediator"): ("one", MediatorSpec),
    (ProtocolSpec, "strategies"): ("mapping", ConcessionSpec),
    (PrivateSpec, "types"): ("mapping", PrivateTypeSpec),
}


def json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format (for editors and ``diplosim schema``)."""
    schema = ScenarioSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "diplosim scenario"
    return schema
