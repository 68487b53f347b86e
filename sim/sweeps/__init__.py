"""Parameter sweeps: many runs of one scenario, reproducibly, resumably, on any executor.

Owns designs (:mod:`~sim.sweeps.designs`), random streams, planning and running
(:mod:`~sim.sweeps.runner`), the worker side (:mod:`~sim.sweeps.chunks`), the output
folder (:mod:`~sim.sweeps.store`), executors (local processes, Dask), what each run
records (:mod:`~sim.sweeps.outcomes`) and sensitivity analysis
(:mod:`~sim.sweeps.analysis`).

May import: :mod:`sim.model` and everything below it. Nothing about pictures.
"""

from sim._lazy import exports

__getattr__, __dir__ = exports(
    __name__,
    {
        "load_sweep": "sim.sweeps.runner",
        "run_sweep": "sim.sweeps.runner",
        "sweep_outcome": "sim.sweeps.runner",
    },
)
