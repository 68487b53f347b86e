"""Experimental designs for parameter sweeps: the factors varied and the points to run.

Factors
    A *factor* is one scenario parameter varied by a sweep. On the command line it is
    written ``--param TEXT`` and read by :func:`parse_factor`, in one of three forms:

    ``NAME=LO:HI:N``
        ``N`` evenly spaced grid levels from ``LO`` to ``HI``, both included
        (``numpy.linspace``). ``N = 1`` gives the single level ``LO``. ``LO < HI`` is
        required, except that ``LO = HI`` is allowed with ``N = 1`` (a one-level factor).
    ``NAME=LO:HI``
        The interval ``[LO, HI]``, ``LO < HI``, without grid levels: only the sampled
        designs (``lhs``, ``sobol``) can use it.
    ``NAME=a,b,c``
        Explicit levels, without repeats: either all numbers or all words such as
        ``risk_dominant`` (``[A-Za-z_][A-Za-z0-9_]*``), for non-numeric factors like a
        selection rule. Only the ``grid`` design can use them.

    ``NAME`` is an identifier with at most one dot (``Ukraine.trust``). Numbers are
    anything :class:`float` reads that is finite (``-1``, ``0.5``, ``1e-3``); ``inf`` and
    ``nan`` are errors, not words. Spaces around the parts are ignored. ``N`` is at most
    :data:`MAX_POINTS`.

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
        first-order and total Sobol indices (:func:`sim.analysis.sobol_indices`):
        ``samples * (D + 2)`` points for ``D`` factors, in SALib's order.

Reproducibility
    The points are a pure function of ``(factors, design, samples, seed)``: the same
    inputs give the same list on any machine, for given versions of numpy, scipy and
    SALib. A point is a dict from factor name to level, in the order of the factors.
    The sampled designs draw from the design stream of the root seed
    (:data:`sim.streams.DESIGN`), which no run and no bootstrap shares.

Memory
    :func:`make_design` gives the points as a lazy sequence: a grid point is computed from its
    index when asked for, and a sampled design keeps one array of ``points x factors``
    floats (at most :data:`MAX_SAMPLED_VALUES`), so a design of a million points costs
    megabytes, not a million dicts.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, overload

import numpy as np
import numpy.typing as npt

from sim.errors import SweepError, UsageError, unknown
from sim.streams import DESIGN, generator

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

#: The design names :func:`design_points` accepts.
DESIGNS = ("grid", "lhs", "sobol")
#: The largest number of points of a design (and of levels of a factor): a guard against typos.
MAX_POINTS = 1_000_000
#: The most numbers (points x factors) a sampled design may hold in memory: 80 MB of floats.
MAX_SAMPLED_VALUES = 10_000_000

Level = float | str
Point = dict[str, Level]
_Array = npt.NDArray[np.float64]

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
_DIGITS = re.compile(r"[0-9]+")
_FORMS = {
    "grid": "NAME=LO:HI:N, e.g. {name}=0:1:11",
    "range": "NAME=LO:HI with LO < HI, e.g. {name}=0:1",
    "list": "NAME=a,b,c with numbers or words, e.g. {name}=0.1,0.5,0.9 or rule=risk_dominant,max_welfare",
    "any": "NAME=LO:HI:N, NAME=LO:HI or NAME=a,b,c, e.g. {name}=0:1:11",
}


@dataclass(frozen=True)
class Factor:
    """One parameter varied by a sweep: a numeric range or an explicit list of levels.

    Attributes
    ----------
    name : str
        The parameter, an identifier with at most one dot (``Ukraine.trust``).
    low, high : float or None
        The range ``[low, high]``; ``None`` for a list factor.
    count : int or None
        The number of evenly spaced grid levels of a range, both ends included;
        ``None`` for a range that can only be sampled, and for a list factor.
    values : tuple of float or tuple of str, or None
        The explicit levels of a list factor; ``None`` for a range.

    Raises
    ------
    UsageError
        If the fields do not make one of the forms described in :mod:`sim.designs`
        (integers are accepted for floats, and a list for ``values``).

    Examples
    --------
    >>> Factor("G_D", low=0, high=1, count=3).levels()
    (0.0, 0.5, 1.0)
    >>> Factor("rule", values=("first", "max_welfare")).is_range
    False
    """

    name: str
    low: float | None = None
    high: float | None = None
    count: int | None = None
    values: tuple[Level, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", _real(self.low))
        object.__setattr__(self, "high", _real(self.high))
        count: object = self.count
        if not isinstance(count, bool) and isinstance(count, numbers.Integral):
            object.__setattr__(self, "count", int(count))
        values: object = self.values
        if isinstance(values, Sequence) and not isinstance(values, str):
            object.__setattr__(self, "values", tuple(_real(v) for v in values))
        problem = _problem(self.name, self.low, self.high, self.count, self.values)
        if problem:
            raise UsageError(f"factor {self.name!r}: {problem}")

    @property
    def is_range(self) -> bool:
        """True for a numeric range (``low``, ``high``), False for a list of values."""
        return self.values is None

    def levels(self) -> tuple[Level, ...]:
        """The grid levels: ``numpy.linspace(low, high, count)``, the ends exactly as given
        and the others snapped to their 12-significant-digit form when that is within two units in the last place
        (``0.6``, not ``0.6000000000000001``, so that tables and replay commands show the
        values as a person would write them), or ``values``.

        Raises
        ------
        UsageError
            For a range without ``count``, which has no grid levels.
        """
        if self.values is not None:
            return self.values
        if self.count is None:
            raise SweepError(
                f"factor {self.name!r} is a range without a grid count ({self.text()}): the grid design "
                f"needs {_form('grid', self.name)}; or choose a sampled design (lhs, sobol)",
                field=("params", self.name),
            )
        assert self.low is not None and self.high is not None
        levels = [float(x) for x in np.linspace(self.low, self.high, self.count)]
        inner = [min(max(_tidy(x), self.low), self.high) for x in levels[1:-1]]
        return tuple(levels[:1] + inner + levels[1:][-1:])

    def text(self) -> str:
        """The command-line form, which :func:`parse_factor` reads back to this factor.

        Examples
        --------
        >>> parse_factor("Ukraine.trust = 0 : 1 : 5").text()
        'Ukraine.trust=0.0:1.0:5'
        """
        if self.values is not None:
            return f"{self.name}=" + ",".join(repr(v) if isinstance(v, float) else v for v in self.values)
        count = "" if self.count is None else f":{self.count}"
        return f"{self.name}={self.low!r}:{self.high!r}{count}"


def _tidy(x: float) -> float:
    """``x`` written with 12 significant digits, if that moves it by at most 2 ulp."""
    short = float(f"{x:.12g}")
    return short if abs(short - x) <= 2 * math.ulp(x) else x


def parse_factor(text: str) -> Factor:
    """Read a factor from its command-line form (see :mod:`sim.designs`).

    Parameters
    ----------
    text : str
        ``NAME=LO:HI:N``, ``NAME=LO:HI`` or ``NAME=a,b,c``.

    Raises
    ------
    UsageError
        For any other text, naming the text, what is wrong and the form expected.

    Examples
    --------
    >>> parse_factor("G_D=0:1:11").levels()[:3]
    (0.0, 0.1, 0.2)
    >>> parse_factor("Ukraine.trust=0.2:0.8")
    Factor(name='Ukraine.trust', low=0.2, high=0.8, count=None, values=None)
    >>> parse_factor("rule=risk_dominant,max_welfare").values
    ('risk_dominant', 'max_welfare')
    >>> parse_factor("G_D=0:1:0")
    Traceback (most recent call last):
    ...
    sim.errors.UsageError: --param G_D=0:1:0: an empty range (N must be at least 1); write NAME=LO:HI:N, e.g. G_D=0:1:11
    """
    name, sep, spec = (part.strip() for part in text.partition("="))
    if not sep:
        raise _parse_error(text, "no '=' between the name and the levels", "any", name)
    if not _NAME.fullmatch(name):
        raise _parse_error(text, f"{_name_problem(name)}", "any", name)
    if ":" in spec:
        return _parse_range(text, name, spec)
    return _parse_list(text, name, spec)


def _parse_range(text: str, name: str, spec: str) -> Factor:
    parts = [part.strip() for part in spec.split(":")]
    form = "grid" if len(parts) == 3 else "range"
    if len(parts) > 3:
        raise _parse_error(text, f"{len(parts)} parts separated by ':' (at most 3: LO, HI and N)", "grid", name)
    bounds = [_number(part) for part in parts[:2]]
    for label, part, bound in zip(("LO", "HI"), parts, bounds):
        if bound is None:
            problem = f"{label} is missing" if not part else f"{label} {part!r} is not a finite number"
            raise _parse_error(text, problem, form, name)
    count = None
    if form == "grid":
        if not _DIGITS.fullmatch(parts[2]):
            problem = "N is missing" if not parts[2] else f"N {parts[2]!r} is not a whole number"
            raise _parse_error(text, problem, form, name)
        digits = parts[2].lstrip("0") or "0"
        count = int(digits) if len(digits) <= 9 else MAX_POINTS + 1
    low, high = bounds
    problem = _problem(name, low, high, count, None)
    if problem:
        raise _parse_error(text, problem, form, name)
    return Factor(name, low, high, count)


def _parse_list(text: str, name: str, spec: str) -> Factor:
    if not spec:
        raise _parse_error(text, "no levels after '='", "any", name)
    items = [item.strip() for item in spec.split(",")]
    values: list[Level] = []
    for item in items:
        number = _number(item)
        if number is not None:
            values.append(number)
        elif _is_float(item):
            raise _parse_error(text, f"{item!r} is not a finite number", "list", name)
        elif _WORD.fullmatch(item):
            values.append(item)
        else:
            what = "an empty item" if not item else f"{item!r} is neither a number nor a word"
            raise _parse_error(text, what, "list" if "," in spec else "any", name)
    problem = _problem(name, None, None, None, tuple(values))
    if problem:
        raise _parse_error(text, problem, "list", name)
    return Factor(name, values=tuple(values))


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
        A name in :data:`DESIGNS` (see :mod:`sim.designs`).
    samples : int or None
        ``None`` for ``grid``; the number of points for ``lhs``; the base sample
        size ``N``, a power of two, for ``sobol`` (which gives ``N * (D + 2)`` points).
    seed : int
        A whole number >= 0, the sweep's root seed. ``lhs`` draws from, and ``sobol``
        scrambles the Sobol' sequence with (through SALib), a generator on the design
        stream ``numpy.random.SeedSequence(seed, spawn_key=(0,))`` (see
        :mod:`sim.streams`); ``grid`` ignores it.

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
    if not _is_whole(seed) or seed < 0:
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
            f"the {design} design has {size} points; the limit is {MAX_POINTS} (sim.designs.MAX_POINTS: raise it "
            "there, or use fewer levels or samples)",
            field=where,
        )
    if design != "grid" and size * len(factors) > MAX_SAMPLED_VALUES:
        raise SweepError(
            f"the {design} design has {size} points of {len(factors)} factors, {size * len(factors)} numbers; the "
            f"limit is {MAX_SAMPLED_VALUES} (sim.designs.MAX_SAMPLED_VALUES: raise it there, or use fewer samples)",
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
    if not _is_whole(samples) or samples < 1:
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


def _problem(name: object, low: object, high: object, count: object, values: object) -> str:
    """What is wrong with these fields of a :class:`Factor` (not yet trusted), or ``""``."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return _name_problem(name)
    if values is None:
        return _range_problem(low, high, count)
    if low is not None or high is not None or count is not None:
        return "give either a range (low, high, count) or values, not both"
    return _values_problem(values)


def _range_problem(low: object, high: object, count: object) -> str:
    if low is None or high is None:
        return "a range needs both LO and HI (or give values)"
    if not isinstance(low, float) or not isinstance(high, float) or not (math.isfinite(low) and math.isfinite(high)):
        return f"LO and HI must be finite numbers, not {low!r} and {high!r}"
    if low > high:
        return f"LO {low!r} is greater than HI {high!r} (swap them)"
    if not math.isfinite(high - low):
        return f"the range from {low!r} to {high!r} is too wide to compute with"
    if count is None:
        return "" if low < high else f"an empty interval (LO = HI = {low!r}; a sampled range needs LO < HI)"
    if not _is_whole(count):
        return f"N must be a whole number, not {count!r}"
    if count < 1:
        return "an empty range (N must be at least 1)"
    if count > MAX_POINTS:
        return f"too many levels (N is at most {MAX_POINTS}, sim.designs.MAX_POINTS)"
    if low == high and count > 1:
        return f"LO = HI = {low!r} gives {count} equal levels (write N = 1 for one level, or widen the range)"
    return ""


def _values_problem(values: object) -> str:
    if not isinstance(values, tuple):
        return f"values must be a tuple of numbers or words, not {values!r}"
    if not values:
        return "an empty list of values"
    for value in values:
        if isinstance(value, float):
            if not math.isfinite(value):
                return f"{value!r} is not a finite number"
        elif not isinstance(value, str) or not _WORD.fullmatch(value):
            return f"{value!r} is neither a number nor a word"
    if len({isinstance(v, str) for v in values}) > 1:
        return "the list mixes numbers and words (a factor's levels are all numbers or all words)"
    seen: set[object] = set()
    for value in values:
        if value in seen:
            return f"the value {value!r} is repeated"
        seen.add(value)
    return ""


def _name_problem(name: object) -> str:
    return f"{name!r} is not a parameter name (letters, digits and _, not starting with a digit, with at most one dot)"


def _parse_error(text: str, problem: str, form: str, name: str) -> UsageError:
    return UsageError(f"--param {text.strip()}: {problem}; write {_form(form, name)}")


def _form(form: str, name: str) -> str:
    return _FORMS[form].format(name=name if _NAME.fullmatch(name) else "G_D")


def _number(text: str) -> float | None:
    """The finite float ``text`` reads as, else ``None``."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _real(value: object) -> Any:
    """Integers and numpy floats as Python floats; anything else unchanged (checked later)."""
    if isinstance(value, bool):
        return value
    return float(value) if isinstance(value, numbers.Real) else value


def _is_whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
