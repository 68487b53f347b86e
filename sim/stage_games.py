"""Solving a scenario's stage games at one state, without running the model.

This is what ``diplosim solve`` shows: each game as it stands at the start (or at any
values you pass), with all its equilibria.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sim.equilibria import SolveResult
from sim.scenario import Scenario
from sim.solvers import solve

__all__ = ["solve_stage_games"]


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
    >>> from sim.scenario import parse_scenario, _EXAMPLE
    >>> [r.game.labels_of(r.equilibria[0].support(0)) for r in solve_stage_games(parse_scenario(_EXAMPLE))]
    [('go',)]
    """
    plans = [scenario.game(name) for name in games] if games else list(scenario.games)
    state = dict(values) if values is not None else scenario.namespace()
    return [solve(plan.template.build(state, exact=exact), plan.solver) for plan in plans]
