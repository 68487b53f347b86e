"""Solving a scenario's stage games at one state, without running the model.

This is what ``diplosim solve`` shows: each game as it stands at the start (or at any
values you pass), with all its equilibria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.errors import UsageError
from sim.game.equilibrium import SolveResult
from sim.game.normal_form import NormalFormGame
from sim.scenario.load import Scenario
from sim.solvers.registry import solve

__all__ = ["solve_stage_games", "stage_game"]


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
