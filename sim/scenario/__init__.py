"""The scenario language: YAML text to a checked, compiled, immutable scenario.

Owns safe YAML with line numbers (:mod:`~sim.scenario.yaml_source`), the format as
pydantic models (:mod:`~sim.scenario.spec`), the formula language
(:mod:`~sim.scenario.expressions`), the payoff forms and the payoff template that builds
a game from the state (:mod:`~sim.scenario.payoff_forms`,
:mod:`~sim.scenario.template`), game trees and the tree template that builds a tree
from the state (:mod:`~sim.scenario.tree_forms`, :mod:`~sim.scenario.tree_template`),
the meaning checks (:mod:`~sim.scenario.semantics`),
the syntax of swept factors (:mod:`~sim.scenario.factors`) and loading
(:mod:`~sim.scenario.load`).

May import: :mod:`sim.game`, and :mod:`sim.solvers` for the names of solvers,
selection rules and solution concepts of trees. Nothing about runs, sweeps or pictures.
"""

from sim._lazy import exports

__getattr__, __dir__ = exports(
    __name__,
    {
        "Scenario": "sim.scenario.load",
        "load_scenario": "sim.scenario.load",
        "parse_scenario": "sim.scenario.load",
    },
)
