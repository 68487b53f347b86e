"""Swept factors: the parameters a sweep varies, as the scenario's ``sweep:`` block and
the command line's ``--param`` write them (the designs that sample them are
:mod:`sim.sweeps.designs`).

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
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from sim.errors import SweepError, UsageError

__all__ = ["DESIGNS", "MAX_POINTS", "Factor", "Level", "Point", "is_whole", "parse_factor"]

#: The design names :func:`design_points` accepts.
DESIGNS = ("grid", "lhs", "sobol")
#: The largest number of points of a design (and of levels of a factor): a guard against typos.
MAX_POINTS = 1_000_000

Level = float | str
Point = dict[str, Level]

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
        If the fields do not make one of the forms described in :mod:`sim.sweeps.designs`
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
    """Read a factor from its command-line form (see :mod:`sim.sweeps.designs`).

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
    if not is_whole(count):
        return f"N must be a whole number, not {count!r}"
    if count < 1:
        return "an empty range (N must be at least 1)"
    if count > MAX_POINTS:
        return f"too many levels (N is at most {MAX_POINTS}, sim.sweeps.designs.MAX_POINTS)"
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


def is_whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
