"""The independent random streams of a sweep, all derived from its one root seed.

``numpy.random.SeedSequence(root)`` has three children with fixed roles, so that no two
uses of randomness ever share a generator state:

``DESIGN`` (spawn key ``(0,)``)
    The sampled designs: the Latin hypercube and the scrambling of the Sobol' sequence.
``BOOTSTRAP`` (spawn key ``(1,)``)
    The bootstrap resamples of the Sobol indices' confidence intervals.
``RUNS`` (spawn key ``(2,)``)
    The runs: run ``k`` (in (point, replication) order) gets child ``k`` of this child,
    spawn key ``(2, k)``, whatever the number of runs, the executor or the workers.

A run's seed is computed from its position when it is needed (:func:`run_seed`), so a
plan of millions of runs holds no seed objects.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BOOTSTRAP", "DESIGN", "RUNS", "generator", "run_seed", "stream"]

#: Spawn key of the sampled designs' stream.
DESIGN = 0
#: Spawn key of the bootstrap's stream (Sobol confidence intervals).
BOOTSTRAP = 1
#: Spawn key of the runs' stream; run k is its child k.
RUNS = 2


def stream(root: int, role: int, *index: int) -> np.random.SeedSequence:
    """The seed sequence of a role (``DESIGN``, ``BOOTSTRAP``, ``RUNS``), or of child
    ``index`` of it: the same as ``SeedSequence(root).spawn(3)[role]`` (``.spawn(n)[index]``).

    Examples
    --------
    >>> stream(7, RUNS, 4).spawn_key
    (2, 4)
    >>> stream(7, RUNS, 4).generate_state(2).tolist() == (
    ...     np.random.SeedSequence(7).spawn(3)[RUNS].spawn(5)[4].generate_state(2).tolist())
    True
    """
    return np.random.SeedSequence(root, spawn_key=(role, *index))


def generator(root: int, role: int) -> np.random.Generator:
    """A numpy generator drawing from a role's stream.

    Examples
    --------
    >>> float(generator(0, DESIGN).random()) != float(generator(0, BOOTSTRAP).random())
    True
    """
    return np.random.default_rng(stream(root, role))


def run_seed(root: int, index: int) -> int:
    """The seed of run ``index`` (63 bits, so that it fits the tables' int64 column and
    ``diplosim run --seed``).

    Examples
    --------
    >>> run_seed(0, 0) == run_seed(0, 0) != run_seed(0, 1)
    True
    >>> 0 <= run_seed(2**63 - 1, 10**7) < 2**63
    True
    """
    return int(stream(root, RUNS, index).generate_state(1, np.uint64)[0] >> np.uint64(1))
