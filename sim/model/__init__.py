"""Running a scenario: the mesa model, round by round, and what a run records.

Owns the model and its agents (:mod:`~sim.model.negotiation`, :mod:`~sim.model.agents`),
the history of a run (:mod:`~sim.model.history`), its tidy tables and files
(:mod:`~sim.model.tables`, :mod:`~sim.model.results`), provenance of outputs
(:mod:`~sim.model.provenance`), and the stage games at one state
(:mod:`~sim.model.stage_games`).

May import: :mod:`sim.scenario`, :mod:`sim.solvers`, :mod:`sim.game` (and mesa, pandas).
Nothing about sweeps or pictures.
"""

from sim._lazy import exports

__getattr__, __dir__ = exports(
    __name__,
    {
        "NegotiationModel": "sim.model.negotiation",
        "Actor": "sim.model.agents",
    },
)
