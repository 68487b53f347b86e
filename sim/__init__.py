"""diplosim: a game-theory simulator of diplomatic negotiation.

Actors are mesa agents; every round each stage game is built from their state as a
payoff array, all its equilibria are solved and verified, one is selected, the
actors act on it and the state moves on. Scenarios are YAML files.

The public API (imported lazily, so ``import sim`` is quick)::

    import sim
    result = sim.run("scenarios/eu_russia_ukraine_buffer_zone.yaml", seed=2)  # the flagship
    result.rounds, result.equilibria, result.state      # tidy pandas tables
    scenario = sim.load_scenario("scenarios/classics/chicken.yaml")
    sim.solve_stage_games(scenario)                     # equilibria at the start
    sim.solve_tree_games(sim.load_scenario("scenarios/classics/centipede.yaml"))  # tree games
    model = sim.NegotiationModel(scenario, seed=1)      # the mesa model itself
    sweep = sim.sweep("scenarios/variants/eu_russia_ukraine_simultaneous.yaml",   # the v1 flagship
                      {"G_H": "0:1:11", "mediation_strength": "0:0.5:6"}, reps=5)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.api import RunResult, SweepResult, run, sweep
    from sim.errors import (
        DiplosimError,
        FormulaError,
        RunError,
        ScenarioError,
        SolverError,
        UsageError,
        UserError,
    )
    from sim.game.equilibrium import Equilibrium, SolveResult
    from sim.game.normal_form import NormalFormGame
    from sim.model.negotiation import NegotiationModel
    from sim.model.stage_games import solve_stage_games, solve_tree_games
    from sim.scenario.load import Scenario, load_scenario, parse_scenario
    from sim.solvers.registry import SOLVERS, solve
    from sim.sweeps.discovery import discover
    from sim.sweeps.runner import load_sweep
    from sim.viz.discovery_plots import discovery_figure

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
    "SweepResult",
    "UsageError",
    "UserError",
    "discover",
    "discovery_figure",
    "load_scenario",
    "load_sweep",
    "parse_scenario",
    "run",
    "solve",
    "solve_stage_games",
    "solve_tree_games",
    "sweep",
]

_HOMES = {
    "Equilibrium": "sim.game.equilibrium",
    "SolveResult": "sim.game.equilibrium",
    "DiplosimError": "sim.errors",
    "FormulaError": "sim.errors",
    "RunError": "sim.errors",
    "ScenarioError": "sim.errors",
    "SolverError": "sim.errors",
    "UsageError": "sim.errors",
    "UserError": "sim.errors",
    "NormalFormGame": "sim.game.normal_form",
    "NegotiationModel": "sim.model.negotiation",
    "RunResult": "sim.api",
    "run": "sim.api",
    "Scenario": "sim.scenario.load",
    "load_scenario": "sim.scenario.load",
    "parse_scenario": "sim.scenario.load",
    "SOLVERS": "sim.solvers.registry",
    "solve": "sim.solvers.registry",
    "solve_stage_games": "sim.model.stage_games",
    "solve_tree_games": "sim.model.stage_games",
    "sweep": "sim.api",
    "SweepResult": "sim.api",
    "load_sweep": "sim.sweeps.runner",
    "discover": "sim.sweeps.discovery",
    "discovery_figure": "sim.viz.discovery_plots",
}


#: Short names of modules, reachable as ``sim.plots`` after ``import sim``.
_MODULES = {"plots": "sim.viz.plots", "analysis": "sim.sweeps.analysis", "api": "sim.api"}

#: Where the modules of release 0.2 went (``import sim.games`` still works, with a
#: DeprecationWarning, for one release).
MOVED = {
    "sim.games": "sim.game.normal_form",
    "sim.equilibria": "sim.solvers.finalize",
    "sim.selection": "sim.solvers.selection",
    "sim.dominance": "sim.solvers.dominance",
    "sim.nfg": "sim.game.nfg",
    "sim.stage_games": "sim.model.stage_games",
    "sim.expressions": "sim.scenario.expressions",
    "sim.results": "sim.model.results",
    "sim.plots": "sim.viz.plots",
    "sim.analysis": "sim.sweeps.analysis",
}


def __getattr__(name: str) -> Any:
    """Import public names and the short module names on first use (PEP 562)."""
    if name in _MODULES:
        module = importlib.import_module(_MODULES[name])
        globals()[name] = module
        return module
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *_MODULES])


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a 0.2 module name (``sim.games``) as the module that replaced it, with a
    DeprecationWarning (``sim.plots`` and ``sim.analysis`` stay supported, silently)."""

    def find_spec(self, fullname: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name.removeprefix("sim.") not in _MODULES:
            warnings.warn(
                f"{spec.name} is now {MOVED[spec.name]}; the old name goes in the next release",
                DeprecationWarning,
                stacklevel=2,
            )
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        """The module is the new one, already executed."""


sys.meta_path.append(_MovedModules())
