"""diplosim: a game-theory simulator of diplomatic negotiation.

Actors are mesa agents; every round each stage game is built from their state as a
payoff array, all its equilibria are solved and verified, one is selected, the
actors act on it and the state moves on. Scenarios are YAML files.

The public API (imported lazily, so ``import sim`` is quick)::

    import sim
    result = sim.run("scenarios/eu_russia_ukraine_buffer_zone.yaml", seed=7)
    result.rounds, result.equilibria, result.state      # tidy pandas tables
    scenario = sim.load_scenario("scenarios/classics/chicken.yaml")
    sim.solve_stage_games(scenario)                     # equilibria at the start
    model = sim.NegotiationModel(scenario, seed=1)      # the mesa model itself
    table = sim.sweep("scenarios/eu_russia_ukraine_buffer_zone.yaml",
                      {"G_H": "0:1:11", "mediation_strength": "0:0.5:6"}, reps=5)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.equilibria import Equilibrium, SolveResult
    from sim.errors import (
        DiplosimError,
        FormulaError,
        RunError,
        ScenarioError,
        SolverError,
        UsageError,
        UserError,
    )
    from sim.games import NormalFormGame
    from sim.model import NegotiationModel
    from sim.results import RunResult, run
    from sim.scenario import Scenario, load_scenario, parse_scenario
    from sim.solvers import SOLVERS, solve
    from sim.stage_games import solve_stage_games
    from sim.sweeps import load_sweep, sweep

__all__ = [
    "SOLVERS",
    "DiplosimError",
    "Equilibrium",
    "FormulaError",
    "NegotiationModel",
    "NormalFormGame",
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SolveResult",
    "SolverError",
    "UsageError",
    "UserError",
    "load_scenario",
    "load_sweep",
    "parse_scenario",
    "run",
    "solve",
    "solve_stage_games",
    "sweep",
]

_HOMES = {
    "Equilibrium": "sim.equilibria",
    "SolveResult": "sim.equilibria",
    "DiplosimError": "sim.errors",
    "FormulaError": "sim.errors",
    "RunError": "sim.errors",
    "ScenarioError": "sim.errors",
    "SolverError": "sim.errors",
    "UsageError": "sim.errors",
    "UserError": "sim.errors",
    "NormalFormGame": "sim.games",
    "NegotiationModel": "sim.model",
    "RunResult": "sim.results",
    "run": "sim.results",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "parse_scenario": "sim.scenario",
    "SOLVERS": "sim.solvers",
    "solve": "sim.solvers",
    "solve_stage_games": "sim.stage_games",
    "sweep": "sim.sweeps",
    "load_sweep": "sim.sweeps",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
