"""Solving games: every equilibrium, verified.

Owns the solver registry (:mod:`~sim.solvers.registry`), the vertex enumeration kernel
(:mod:`~sim.solvers.vertices`), the shared verification of every solver's output
(:mod:`~sim.solvers.finalize`), the nashpy and Gambit back-ends and the time-limited
worker process, selection among equilibria, dominance, the solution concepts of trees
(:mod:`~sim.solvers.trees`, :mod:`~sim.solvers.reduced_form`) and playing them
(:mod:`~sim.solvers.tree_play`), beliefs updated by
Bayes' rule, and bargaining solutions (over one issue, :mod:`~sim.solvers.bargaining`; over
several, numerically, :mod:`~sim.solvers.multi_issue`).

May import: :mod:`sim.game` (and the libraries nashpy, pygambit, scipy). Nothing about
scenarios, runs, sweeps or pictures.
"""

from sim._lazy import exports

__getattr__, __dir__ = exports(
    __name__,
    {
        "DEFAULT_SOLVER": "sim.solvers.registry",
        "SOLVERS": "sim.solvers.registry",
        "Solver": "sim.solvers.registry",
        "clear_caches": "sim.solvers.registry",
        "solve": "sim.solvers.registry",
    },
)
