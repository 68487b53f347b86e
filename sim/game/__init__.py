"""Games as data: the bottom layer.

Owns normal-form games (:mod:`~sim.game.normal_form`), game trees with chance and
information sets (:mod:`~sim.game.tree`) and what behaviour strategies do in them
(:mod:`~sim.game.behaviour`), bargaining problems (:mod:`~sim.game.bargaining`; over
several issues, :mod:`~sim.game.multi_issue`),
equilibria as data (:mod:`~sim.game.equilibrium`), components of equilibrium sets,
the normalised copy every solver sees (:mod:`~sim.game.scaling`), every numerical
tolerance (:mod:`~sim.game.tolerances`), the size limits of games
(:mod:`~sim.game.limits`) and Gambit's game files (``nfg*``, ``efg*``).

May import: numpy, scipy, the standard library, :mod:`sim.errors`, :mod:`sim.files`.
Nothing above it (no solvers, scenarios, mesa or plots).
"""
