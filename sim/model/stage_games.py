"""Solving a scenario's stage games at one state, without running the model.

This is what ``diplosim solve`` shows: each game as it stands at the start (or at any
values you pass), with all its equilibria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import UsageError
from sim.game.bargaining import Bargaining, BargainingError, Number, bargaining_range
from sim.game.equilibrium import SolveResult
from sim.game.multi_issue import MultiIssueBargaining
from sim.game.normal_form import NormalFormGame
from sim.game.tree import ExtensiveFormGame
from sim.scenario.bargaining_template import BargainingTemplate, PrivateValues
from sim.scenario.load import Scenario
from sim.solvers.bargaining import Solution, kalai_smorodinsky, nash_solution, rubinstein
from sim.solvers.fearon import fearon_summary, screening_pbe
from sim.solvers.multi_issue import MultiSolution, kalai_smorodinsky_multi, nash_multi
from sim.solvers.protocols import Protocol
from sim.solvers.registry import solve
from sim.solvers.trees import TreeSolveResult, solve_tree

__all__ = [
    "Fearon",
    "SolvedBargaining",
    "bargaining_solutions",
    "solve_bargaining_games",
    "solve_stage_games",
    "solve_tree_games",
    "stage_game",
    "stage_tree",
]


def solve_stage_games(
    scenario: Scenario,
    games: Sequence[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    exact: bool = True,
) -> list[SolveResult]:
    """Build and solve stage games at the initial state (or at ``values``).

    Parameters
    ----------
    scenario : Scenario
    games : sequence of str, optional
        Names of the games to solve; all, in play order, by default.
    values : mapping, optional
        The state to build them at; :meth:`Scenario.namespace` by default (round 1,
        nothing played yet).
    exact : bool
        Compute exact fractions where the payoffs allow.

    Raises
    ------
    UsageError
        For an unknown game name.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> [r.game.labels_of(r.equilibria[0].support(0)) for r in solve_stage_games(parse_scenario(_EXAMPLE))]
    [('go',)]
    """
    plans = [scenario.game(name) for name in games] if games else list(scenario.games)
    state = dict(values) if values is not None else scenario.namespace()
    return [solve(plan.template.build(state, exact=exact), plan.solver, time_limit=plan.time_limit) for plan in plans]


def solve_tree_games(
    scenario: Scenario,
    games: Sequence[str] | None = None,
    *,
    values: Mapping[str, Any] | None = None,
    everything: bool = True,
) -> list[TreeSolveResult]:
    """Build and solve tree games at the initial state (or at ``values``), each with its
    solution concept; ``everything`` also lists the Nash equilibria that are not
    solutions (flagged, with their non-credible threats), as ``diplosim solve`` shows.

    Parameters
    ----------
    scenario : Scenario
    games : sequence of str, optional
        Names of the tree games to solve; all, in file order, by default.
    values : mapping, optional
        The state to build them at; :meth:`Scenario.namespace` by default.
    everything : bool
        See :func:`sim.solvers.trees.solve_tree`.

    Raises
    ------
    UsageError
        For an unknown game name, or one that is not a tree.
    RunError
        If a formula fails or the chance probabilities do not sum to 1 at that state.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _TREE_EXAMPLE
    >>> from sim.solvers.trees import profile_text
    >>> [result] = solve_tree_games(parse_scenario(_TREE_EXAMPLE))
    >>> [profile_text(result.game, eq) for eq in result.solutions]
    ['Entrant: In; Incumbent: Accommodate']
    """
    plans = [scenario.tree(name) for name in games] if games else list(scenario.trees)
    state = dict(values) if values is not None else scenario.namespace()
    return [
        solve_tree(
            plan.template.build(state, exact=True), plan.concept, everything=everything, time_limit=plan.time_limit
        )
        for plan in plans
    ]


@dataclass(frozen=True)
class SolvedBargaining:
    """A bargaining game built at a state and its solutions.

    Attributes
    ----------
    problem : Bargaining
    span : (number, number) or None
        The bargaining range (:func:`sim.game.bargaining.bargaining_range`).
    solutions : tuple of Solution
        Nash, Kalai-Smorodinsky and, when discounts or a breakdown risk are given,
        Rubinstein.
    notes : tuple of str
        Why a solution asked for is missing (alternating offers that have no
        equilibrium as written, ...).
    """

    problem: Bargaining
    span: tuple[Number, Number] | None
    solutions: tuple[Solution, ...]
    notes: tuple[str, ...] = ()
    fearon: Fearon | None = None
    protocol: Protocol | None = None


@dataclass(frozen=True)
class SolvedMultiIssue:
    """A bargaining game over several issues built at a state and its solutions.

    Attributes
    ----------
    problem : MultiIssueBargaining
    solutions : tuple of MultiSolution
        Nash and Kalai-Smorodinsky (numeric, each with its stated tolerance).
    protocol : Protocol or None
        How a run plays it, when the scenario gives a ``protocol``.
    first : int
        Who proposes first in alternating offers.
    """

    problem: MultiIssueBargaining
    solutions: tuple[MultiSolution, ...]
    protocol: Protocol | None = None
    first: int = 0


@dataclass(frozen=True)
class Fearon:
    """Fearon's (1995) view of a bargaining game: the proposer's take-it-or-leave-it
    demand against what it knows of the responder's value of war.

    Attributes
    ----------
    demand : number or None
        The demand (``None``: none is worth more to the proposer than disagreeing).
    war_probability : number
        The chance the demand is rejected (or none made).
    expected : number
        The proposer's expected utility.
    explanation : str
        Where the range comes from and the risk-return trade-off, in words.
    private : PrivateValues or None
        The responder's private information (None: complete information).
    accepted_by : tuple of str
        With discrete types: the types that accept the demand.
    """

    demand: Number | None
    war_probability: Number
    expected: Number
    explanation: str
    private: PrivateValues | None = None
    accepted_by: tuple[str, ...] = ()


def solve_bargaining_games(
    scenario: Scenario, games: Sequence[str] | None = None, *, values: Mapping[str, Any] | None = None
) -> list[SolvedBargaining | SolvedMultiIssue]:
    """Build and solve bargaining games at the initial state (or at ``values``); a game
    over several issues gives a :class:`SolvedMultiIssue`.

    Raises
    ------
    UsageError
        For an unknown game name, or one that is not a bargaining game.
    RunError
        If a formula fails at that state.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _BARGAINING_EXAMPLE
    >>> [solved] = solve_bargaining_games(parse_scenario(_BARGAINING_EXAMPLE))
    >>> [(s.concept, s.agreement) for s in solved.solutions]  # doctest: +NORMALIZE_WHITESPACE
    [('nash', Fraction(1, 2)), ('kalai_smorodinsky', Fraction(1, 2)), ('rubinstein', Fraction(10, 19))]
    """
    plans = [scenario.bargaining(name) for name in games] if games else list(scenario.bargainings)
    state = dict(values) if values is not None else scenario.namespace()
    solved: list[SolvedBargaining | SolvedMultiIssue] = []
    for plan in plans:
        if plan.template.several:
            solved.append(_solve_several(plan.template, state))
            continue
        problem = plan.template.build(state)
        solutions, notes = bargaining_solutions(problem, alternating=plan.template.alternating)
        private = plan.template.build_private(state) if plan.template.private is not None else None
        fearon = None
        if problem.favours[0] * problem.favours[1] < 0:  # opposed: one side's gain is the other's loss
            fearon = _fearon(problem, private)
        protocol = plan.template.build_protocol(state) if plan.template.protocol is not None else None
        span = bargaining_range(problem)
        solved.append(SolvedBargaining(problem, span, tuple(solutions), tuple(notes), fearon, protocol))
    return solved


def _solve_several(template: BargainingTemplate, state: Mapping[str, Any]) -> SolvedMultiIssue:
    """Nash and Kalai-Smorodinsky over several issues (numeric; no alternating-offers
    solution is computed over several issues)."""
    problem = template.build_multi(state)
    solutions = (nash_multi(problem), kalai_smorodinsky_multi(problem))
    protocol = template.build_protocol(state) if template.protocol is not None else None
    return SolvedMultiIssue(problem, solutions, protocol, template.first)


def bargaining_solutions(problem: Bargaining, *, alternating: bool) -> tuple[list[Solution], list[str]]:
    """Nash, Kalai-Smorodinsky and (when ``alternating``) Rubinstein solutions of a
    problem, and a note for each solution asked for that does not exist as written.

    Examples
    --------
    >>> from fractions import Fraction
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(9, 10), Fraction(9, 10)))
    >>> [s.agreement for s in bargaining_solutions(pie, alternating=True)[0]]
    [Fraction(1, 2), Fraction(1, 2), Fraction(10, 19)]
    """
    solutions = [nash_solution(problem), kalai_smorodinsky(problem)]
    notes: list[str] = []
    if alternating:
        try:
            solutions.append(rubinstein(problem))
        except BargainingError as exc:
            notes.append(f"Rubinstein: {exc}")
    return solutions, notes


def _fearon(problem: Bargaining, private: PrivateValues | None) -> Fearon:
    """The take-it-or-leave-it demand: with discrete types the screening game's perfect
    Bayesian equilibrium, else :func:`sim.solvers.fearon.fearon_summary`."""
    if private is None or private.uniform is not None:
        summary = fearon_summary(problem, None if private is None else private.uniform)
        demand = summary.demand
        return Fearon(demand.offer, demand.war_probability, demand.expected, summary.explanation, private)
    names = [name for name, _, _ in private.types]
    screening, _ = screening_pbe(problem, [(p, d) for _, p, d in private.types], names)
    base = fearon_summary(problem).explanation.split(" With complete information")[0]
    accepted = tuple(names[k] for k in screening.accepted_by)
    me, you = problem.parties[problem.first], problem.parties[1 - problem.first]
    if screening.offer is None:
        why = f"{me} does not know {you}'s type, and no offer is worth more to it than fighting: war for sure."
    elif len(accepted) == len(names):
        why = f"{me} does not know {you}'s type and makes the offer every type accepts: no war."
    else:
        why = (
            f"{me} does not know {you}'s type; the offer every type accepts gives away too much, so it demands "
            f"more, accepted only by {', '.join(accepted)}, and risks war with the other types (the risk-return "
            "trade-off); a rejection reveals the type."
        )
    return Fearon(screening.offer, screening.war_probability, screening.expected, f"{base} {why}", private, accepted)


def stage_tree(scenario: Scenario, name: str) -> ExtensiveFormGame:
    """One tree game as built at the start (exact where the formulas allow).

    Raises
    ------
    UsageError
        For an unknown game, or one that is not a tree.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _TREE_EXAMPLE
    >>> [node.path for node in stage_tree(parse_scenario(_TREE_EXAMPLE), "entry").nodes]
    ['', 'Out', 'In', 'In/Fight', 'In/Accommodate']
    """
    return scenario.tree(name).template.build(scenario.namespace(), exact=True)


def stage_game(
    scenario: Scenario, name: str, *, round_number: int | None = None, seed: int | None = None
) -> NormalFormGame:
    """One stage game as built at the start, or as played in ``round_number`` of a
    seeded run (with exact payoffs where the formulas allow).

    Raises
    ------
    UsageError
        For an unknown game, or a round the run did not reach.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> stage_game(parse_scenario(_EXAMPLE), "choice", round_number=2).payoffs[:, 0].tolist()
    [0.0, 0.0]
    """
    plan = scenario.game(name)
    if round_number is None:
        return plan.template.build(scenario.namespace(), exact=True)
    from sim.model.results import play

    result = play(scenario, rounds=round_number, seed=seed)
    for played in result.history.plays:
        if played.round == round_number and played.game == name:
            game: NormalFormGame = played.result.game
            return game
    raise UsageError(f"the run stopped after round {result.rounds_played}, before round {round_number}")
