"""Experimental designs for parameter sweeps: the factors varied and the points to run.

Factors
    The parameters a sweep varies are :class:`sim.scenario.factors.Factor` records, read
    from the ``sweep:`` block or from ``--param`` by :func:`sim.scenario.factors.parse_factor`.

Designs (:data:`DESIGNS`, see :func:`design_points`)
    ``grid``
        The full factorial of every factor's levels, the last factor varying fastest.
    ``lhs``
        A Latin hypercube (McKay, Beckman & Conover 1979, *Technometrics* 21) of
        ``samples`` points: each factor's range is cut into ``samples`` equal strata and
        every stratum holds exactly one point.
    ``sobol``
        Saltelli's scheme on a scrambled Sobol' sequence (Saltelli et al. 2010,
        *Computer Physics Communications* 181, 259-270), as SALib builds it, for
        first-order and total Sobol indices (:func:`sim.sweeps.analysis.sobol_indices`):
        ``samples * (D + 2)`` points for ``D`` factors, in SALib's order.

Reproducibility
    The points are a pure function of ``(factors, design, samples, seed)``: the same
    inputs give the same list on any machine, for given versions of numpy, scipy and
    SALib. A point is a dict from factor name to level, in the order of the factors.
    The sampled designs draw from the design stream of the root seed
    (:data:`sim.sweeps.streams.DESIGN`), which no run and no bootstrap shares.

Memory
    :func:`make_design` gives the points as a lazy sequence: a grid point is computed from its
    index when asked for, and a sampled design keeps one array of ``points x factors``
    floats (at most :data:`MAX_SAMPLED_VALUES`), so a design of a million points costs
    megabytes, not a million dicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from sim.errors import SweepError, unknown
from sim.scenario.factors import DESIGNS, MAX_POINTS, Factor, Level, Point, is_whole, parse_factor
from sim.sweeps.streams import DESIGN, generator

__all__ = [
    "DESIGNS",
    "MAX_POINTS",
    "MAX_SAMPLED_VALUES",
    "Design",
    "Factor",
    "Level",
    "Point",
    "design_points",
    "make_design",
    "parse_factor",
    "problem",
]

#: The most numbers (points x factors) a sampled design may hold in memory: 80 MB of floats.
MAX_SAMPLED_VALUES = 10_000_000

_Array = npt.NDArray[np.float64]


class Design(Sequence[Point]):
    """The points of a design as a lazy sequence (see :func:`make_design`): each point is
    built when it is asked for.

    Examples
    --------
    >>> points = make_design([parse_factor("a=0:1:3"), parse_factor("b=1,2")], "grid", None, seed=0)
    >>> len(points), points[3], points[-1]
    (6, {'a': 0.5, 'b': 2.0}, {'a': 1.0, 'b': 2.0})
    """

    def __init__(self, names: Sequence[str], levels: Sequence[Sequence[Level]] | None, sample: _Array | None) -> None:
        self.names = tuple(names)
        self._levels = None if levels is None else tuple(tuple(column) for column in levels)
        self._sample = sample
        self._size = len(sample) if sample is not None else math.prod(len(c) for c in self._levels or ())

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Point: ...

    @overload
    def __getitem__(self, index: slice) -> list[Point]: ...

    def __getitem__(self, index: int | slice) -> Point | list[Point]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._size))]
        if not -self._size <= index < self._size:
            raise IndexError(f"design point {index} out of range (the design has {self._size})")
        index %= self._size
        if self._sample is not None:
            return dict(zip(self.names, self._sample[index].tolist()))
        assert self._levels is not None
        values: list[Level] = []
        for column in reversed(self._levels):  # the last factor varies fastest
            index, digit = divmod(index, len(column))
            values.append(column[digit])
        return dict(zip(self.names, reversed(values)))


def make_design(factors: Sequence[Factor], design: str, samples: int | None, seed: int) -> Design:
    """The points of a sweep as a lazy sequence; the same points as :func:`design_points`.

    Raises
    ------
    UsageError
        As :func:`design_points`, before anything is computed.

    Examples
    --------
    >>> points = make_design([parse_factor("x=0:1")], "lhs", 4, seed=1)
    >>> len(points), sorted(points[0])
    (4, ['x'])
    """
    factors = tuple(factors)
    _check_design(factors, design, samples, seed)
    names = [f.name for f in factors]
    if design == "grid":
        return Design(names, [f.levels() for f in factors], None)
    assert samples is not None
    if design == "lhs":
        return Design(names, None, _latin_hypercube(factors, samples, seed))
    return Design(names, None, _saltelli(factors, samples, seed))


def design_points(factors: Sequence[Factor], design: str, samples: int | None, seed: int) -> list[Point]:
    """The points of a sweep: one dict from factor name to level per run.

    Parameters
    ----------
    factors : sequence of Factor
        At least one, with distinct names. ``grid`` needs levels (a range with a
        count, or a list); ``lhs`` and ``sobol`` need ranges with ``low < high``
        (a count is ignored).
    design : str
        A name in :data:`DESIGNS` (see :mod:`sim.sweeps.designs`).
    samples : int or None
        ``None`` for ``grid``; the number of points for ``lhs``; the base sample
        size ``N``, a power of two, for ``sobol`` (which gives ``N * (D + 2)`` points).
    seed : int
        A whole number >= 0, the sweep's root seed. ``lhs`` draws from, and ``sobol``
        scrambles the Sobol' sequence with (through SALib), a generator on the design
        stream ``numpy.random.SeedSequence(seed, spawn_key=(0,))`` (see
        :mod:`sim.sweeps.streams`); ``grid`` ignores it.

    Returns
    -------
    list of dict
        The points in design order: ``itertools.product`` order for ``grid``
        (the last factor varies fastest), sample order for ``lhs`` and SALib's
        order for ``sobol``. Numbers are Python floats.

    Raises
    ------
    UsageError
        For an unknown design, a missing or unexpected ``samples``, no factors,
        repeated names, a factor the design cannot use, more than :data:`MAX_POINTS`
        points, or a sampled design of more than :data:`MAX_SAMPLED_VALUES` numbers.

    Examples
    --------
    >>> a, rule = parse_factor("a=0:1:2"), parse_factor("rule=first,max_welfare")
    >>> for point in design_points([a, rule], "grid", None, seed=0):
    ...     print(point)
    {'a': 0.0, 'rule': 'first'}
    {'a': 0.0, 'rule': 'max_welfare'}
    {'a': 1.0, 'rule': 'first'}
    {'a': 1.0, 'rule': 'max_welfare'}
    >>> x, y = parse_factor("x=0:1"), parse_factor("y=-5:5")
    >>> len(design_points([x, y], "lhs", 10, seed=1)), len(design_points([x, y], "sobol", 8, seed=1))
    (10, 32)
    """
    return list(make_design(factors, design, samples, seed))


def problem(factors: Sequence[Factor]) -> dict[str, Any]:
    """The SALib problem of numeric ranges: ``num_vars``, ``names`` and ``bounds``.

    Raises
    ------
    UsageError
        For no factors, repeated names, a list factor or a range with ``low = high``.

    Examples
    --------
    >>> problem([parse_factor("a=0:1"), parse_factor("b=-2:2:5")])
    {'num_vars': 2, 'names': ['a', 'b'], 'bounds': [[0.0, 1.0], [-2.0, 2.0]]}
    """
    factors = tuple(factors)
    _check_factors(factors)
    _check_sampled(factors, "sobol")
    bounds = [[f.low, f.high] for f in factors]
    return {"num_vars": len(factors), "names": [f.name for f in factors], "bounds": bounds}


def _latin_hypercube(factors: tuple[Factor, ...], samples: int, seed: int) -> _Array:
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(factors), seed=generator(seed, DESIGN)).random(samples)
    scaled: _Array = qmc.scale(unit, *_bounds(factors))
    return scaled


def _saltelli(factors: tuple[Factor, ...], samples: int, seed: int) -> _Array:
    from SALib.sample import sobol

    sample: _Array = sobol.sample(problem(factors), samples, calc_second_order=False, seed=generator(seed, DESIGN))
    return sample


def _bounds(factors: tuple[Factor, ...]) -> tuple[list[float], list[float]]:
    lows = [f.low for f in factors]
    highs = [f.high for f in factors]
    assert all(x is not None for x in lows + highs)
    return [float(x) for x in lows if x is not None], [float(x) for x in highs if x is not None]


def _check_design(factors: tuple[Factor, ...], design: str, samples: int | None, seed: int) -> None:
    if design not in DESIGNS:
        raise SweepError(unknown("design", design, DESIGNS) + "; choose one with --design", field=("design",))
    if not is_whole(seed) or seed < 0:
        raise SweepError(f"the seed must be a whole number >= 0, not {seed!r}", field=("seed",))
    _check_factors(factors)
    if design == "grid":
        if samples is not None:
            raise SweepError(
                "the grid design takes no sample count (its size is the product of the factors' level "
                "counts); drop --samples, or choose a sampled design (lhs, sobol)",
                field=("samples",),
            )
        for factor in factors:
            factor.levels()
        size = math.prod(len(f.levels()) for f in factors)
    else:
        _check_samples(design, samples)
        _check_sampled(factors, design)
        assert samples is not None
        size = samples if design == "lhs" else samples * (len(factors) + 2)
    where = ("params",) if design == "grid" else ("samples",)
    if size > MAX_POINTS:
        raise SweepError(
            f"the {design} design has {size} points; the limit is {MAX_POINTS} "
            "(sim.scenario.factors.MAX_POINTS: raise it "
            "there, or use fewer levels or samples)",
            field=where,
        )
    if design != "grid" and size * len(factors) > MAX_SAMPLED_VALUES:
        raise SweepError(
            f"the {design} design has {size} points of {len(factors)} factors, {size * len(factors)} numbers; the "
            f"limit is {MAX_SAMPLED_VALUES} (sim.sweeps.designs.MAX_SAMPLED_VALUES: raise it there, "
            "or use fewer samples)",
            field=where,
        )


def _check_factors(factors: tuple[Factor, ...]) -> None:
    if not factors:
        raise SweepError(
            "a sweep needs at least one factor; add --param NAME=LO:HI:N, e.g. --param G_D=0:1:11", field=("params",)
        )
    seen: set[str] = set()
    for factor in factors:
        if factor.name in seen:
            raise SweepError(
                f"factor {factor.name!r} is given twice; give each --param once", field=("params", factor.name)
            )
        seen.add(factor.name)


def _check_samples(design: str, samples: int | None) -> None:
    if samples is None:
        example = "1024" if design == "sobol" else "100"
        raise SweepError(
            f"the {design} design needs a sample count; add --samples N, e.g. --samples {example}", field=("samples",)
        )
    if not is_whole(samples) or samples < 1:
        raise SweepError(f"the sample count must be a whole number >= 1, not {samples!r}", field=("samples",))
    if design == "sobol" and samples & (samples - 1):
        below = 1 << (samples.bit_length() - 1)
        raise SweepError(
            f"the sobol design needs a power of two samples, not {samples} (the Sobol' sequence is balanced "
            f"only then); use --samples {below} or {2 * below}",
            field=("samples",),
        )


def _check_sampled(factors: tuple[Factor, ...], design: str) -> None:
    for factor in factors:
        if not factor.is_range:
            words = any(isinstance(v, str) for v in factor.values or ())
            fix = (
                "choose the grid design"
                if words
                else f"give {factor.name}=LO:HI (e.g. {factor.name}=0:1), or choose the grid design"
            )
            raise SweepError(
                f"factor {factor.name!r} is a list of {'words' if words else 'values'} ({factor.text()}): the {design} "
                f"design samples numeric ranges only; {fix}",
                field=("params", factor.name),
            )
        if factor.low == factor.high:
            raise SweepError(
                f"factor {factor.name!r} has LO = HI ({factor.text()}): there is nothing to sample; "
                "give LO < HI, or leave the parameter out of the sweep",
                field=("params", factor.name),
            )
