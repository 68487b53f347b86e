"""Pictures and text for people: figures of runs and sweeps, drawings of trees, the
command line's tables and stories.

Owns :mod:`~sim.viz.plots` (matplotlib figures, each on its own Figure: the caller's
backend is never changed), :mod:`~sim.viz.figures` (the PNG files of a run or sweep
folder), :mod:`~sim.viz.report` (matrices, equilibria and stories as text and JSON),
:mod:`~sim.viz.tree_report` and :mod:`~sim.viz.tree_figure` (trees).

May import: everything below it (:mod:`sim.sweeps`, :mod:`sim.model`, ...).
"""
