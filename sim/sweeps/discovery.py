"""Scenario discovery on a sweep: the boxes of parameter space where an outcome happens.

The method is PRIM, the patient rule induction method of Friedman & Fisher (1999,
*Statistics and Computing* 9, 123-143), as used for scenario discovery by Bryant &
Lempert (2010, *Technological Forecasting and Social Change* 77, 34-49).

Cases of interest
    A run is a *case* when its output meets the threshold (``metric:war >= 0.5``, or a
    boolean output that is true). Failed runs (NaN output) are left out and counted.

Boxes
    A box restricts each swept parameter: a numeric one to ``[low, high]``, a parameter
    with text levels (``select=first,max_welfare``) to a set of levels. Its *coverage* is
    the share of all cases that fall in it, its *density* the share of its runs that are
    cases, its *mass* the share of all runs in it.

Peeling
    Start from the box holding every run. At each step, try every peel: for a numeric
    parameter, cut the ``alpha`` share of the box's runs with the lowest values (or the
    highest; ties are cut together, and if the ``alpha`` quantile is the minimum, the
    runs at the minimum are cut); for a text parameter, drop one level. Keep the peel
    whose remaining box has the highest density (ties: the one that cuts fewer runs,
    then the first parameter in the sweep's order). Stop when the next box would hold
    fewer than ``min_mass`` of all runs, or when no peel is possible. The boxes passed
    through make the *peeling trajectory*, from coverage 1 and low density to lower
    coverage and higher density.

Choosing a box, pasting and covering
    The box reported balances the two goals of scenario discovery, explaining most cases
    (coverage) with few runs that are not cases (density): it has the highest harmonic
    mean of coverage and density on the trajectory (the F1 score; ties: the larger box),
    among the boxes whose coverage is at least ``min_coverage``. With ``paste=True`` it is then widened
    while that raises its density (the reverse of a peel, by ``alpha`` of its runs).
    With ``boxes > 1``, the runs of the box are set aside and the search repeats on the
    rest (Friedman & Fisher's covering), while cases remain and the new box is denser than
    the sweep as a whole (its share of cases among all runs).

Reported limits
    A peeled side of a numeric limit is the value of the nearest run kept when it was
    last peeled (or pasted); a side no peel touched keeps the lowest (highest) value of
    the runs. A parameter that no peel touched is *unrestricted* (``x: any``).

Everything is deterministic: no random draws, the same table gives the same boxes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.errors import UsageError, did_you_mean, unknown

__all__ = ["ALPHA", "MIN_COVERAGE", "MIN_MASS", "Box", "Discovery", "discover", "format_discovery", "parse_threshold"]

#: The share of a box's runs one peel cuts (Friedman & Fisher suggest 0.05-0.10).
ALPHA = 0.05
#: The smallest box, as a share of all runs: peeling stops before a box would hold fewer.
MIN_MASS = 0.05
#: The box reported has at least this coverage (0: any box of the trajectory may be chosen).
MIN_COVERAGE = 0.0
#: The most boxes covering may find.
MAX_BOXES = 10
#: Columns of a sweep table that are not outputs.
_RESERVED = ("point", "rep", "seed", "error")
_COMPARISONS = (">=", "<=", ">", "<", "==")

_Mask = npt.NDArray[np.bool_]
Limit = tuple[float, float] | frozenset[str]


@dataclass(frozen=True)
class Box:
    """One box of parameter space.

    Attributes
    ----------
    limits : dict
        Per swept parameter, in the sweep's order: ``(low, high)`` for a numeric one, a
        frozenset of levels for one with text levels.
    restricted : tuple of str
        The parameters the box restricts (the others keep the range of every run).
    coverage, density, mass : float
        Cases in the box / all cases, cases in the box / runs in the box, runs in the
        box / all runs (all runs: every run with an output, before covering set any aside).
    runs, cases : int
        Runs and cases in the box.
    """

    limits: dict[str, Limit]
    restricted: tuple[str, ...]
    coverage: float
    density: float
    mass: float
    runs: int
    cases: int

    def describe(self, name: str) -> str:
        """One parameter's limit as text: ``0.2 <= x <= 0.5``, ``rule in {first}``, or
        ``x: any`` if unrestricted.

        Examples
        --------
        >>> box = Box({"x": (0.2, 0.5)}, ("x",), 1.0, 1.0, 0.3, 3, 3)
        >>> box.describe("x")
        '0.2 <= x <= 0.5'
        """
        limit = self.limits[name]
        if name not in self.restricted:
            return f"{name}: any"
        if isinstance(limit, frozenset):
            return f"{name} in {{{', '.join(sorted(limit))}}}"
        return f"{limit[0]:.4g} <= {name} <= {limit[1]:.4g}"


@dataclass(frozen=True)
class Discovery:
    """What :func:`discover` found.

    Attributes
    ----------
    output, rule : str
        The output column and the rule that makes a run a case (``metric:war >= 0.5``).
    runs, cases, failed : int
        Runs with an output, cases among them, and runs left out (no output: failed).
    boxes : tuple of Box
        The boxes found, the first the best (covering order).
    trajectory : pandas.DataFrame
        The first box's peeling trajectory: one row per box passed through, columns
        ``step`` (0: every run), ``coverage``, ``density``, ``mass``, ``runs``,
        ``restricted`` (how many parameters the box restricts) and ``chosen`` (the box
        reported, before pasting).
    parameters : tuple of str
        The swept parameters, in the sweep's order.
    ranges : dict
        Per parameter, the range (or levels) of every run: the box limits' frame.
    scenario : str
        The swept scenario's name, when the table's sweep description has it.
    """

    output: str
    rule: str
    runs: int
    cases: int
    failed: int
    boxes: tuple[Box, ...]
    trajectory: pd.DataFrame = field(repr=False, compare=False)
    parameters: tuple[str, ...] = ()
    ranges: dict[str, Limit] = field(default_factory=dict, repr=False)
    scenario: str = ""


@dataclass(frozen=True)
class _Threshold:
    comparison: str
    value: float

    def __call__(self, values: npt.NDArray[np.float64]) -> _Mask:
        compare = {
            ">=": np.greater_equal,
            "<=": np.less_equal,
            ">": np.greater,
            "<": np.less,
            "==": np.equal,
        }[self.comparison]
        return np.asarray(compare(values, self.value), dtype=bool)


def parse_threshold(text: str | float) -> tuple[str, float]:
    """The comparison and value of a threshold: ``'>=0.5'``, ``'< 2'``, ``'==1'``, or a
    bare number (meaning ``>=``).

    Raises
    ------
    UsageError
        If the text is not a comparison followed by a finite number.

    Examples
    --------
    >>> parse_threshold(">0.5"), parse_threshold("0.5"), parse_threshold(0.25)
    (('>', 0.5), ('>=', 0.5), ('>=', 0.25))
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        comparison, number = ">=", str(text)
    else:
        match = re.fullmatch(r"\s*(>=|<=|==|>|<)?\s*(\S+)\s*", str(text))
        comparison, number = (match.group(1) or ">=", match.group(2)) if match else ("", "")
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not comparison or not math.isfinite(value):
        raise UsageError(
            f"threshold {text!r} is not a comparison and a number; write e.g. '>=0.5', '<0.2', '==1' "
            "(a bare number means >=)"
        )
    return comparison, value


def discover(
    table: pd.DataFrame,
    output: str,
    threshold: str | float | None = None,
    *,
    parameters: Sequence[str] | None = None,
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
    min_coverage: float = MIN_COVERAGE,
    paste: bool = False,
    boxes: int = 1,
) -> Discovery:
    """Find the boxes of swept parameters where ``output`` meets ``threshold`` (PRIM; see
    :mod:`sim.sweeps.discovery`).

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep's table (:func:`sim.load_sweep`); its swept parameters are read from
        ``table.attrs["sweep"]["factors"]`` unless ``parameters`` names them.
    output : str
        A numeric or boolean output column (``metric:war``, ``agreed:buffer_zone``).
    threshold : str or float, optional
        When a run is a case (see :func:`parse_threshold`); required unless the output
        is boolean (then a case is a true value).
    parameters : sequence of str, optional
        The columns that span parameter space (default: the sweep's factors).
    alpha : float
        The share of a box's runs one peel cuts, in (0, 0.5).
    min_mass : float
        The smallest box as a share of all runs, in (0, 1).
    min_coverage : float
        The box reported has at least this coverage, in [0, 1] (0: no floor).
    paste : bool
        Widen the chosen box while that raises its density.
    boxes : int
        The most boxes to find (covering), 1 to :data:`MAX_BOXES`.

    Returns
    -------
    Discovery

    Raises
    ------
    UsageError
        If the output is unknown (with the closest name) or not numeric, the threshold
        is malformed, no run or every run is a case, or a setting is out of range.

    Examples
    --------
    On a 10 x 10 grid, the outcome happens where ``x >= 0.6`` and ``y <= 0.3``:

    >>> grid = np.arange(10) / 10
    >>> table = pd.DataFrame([(x, y) for x in grid for y in grid], columns=["x", "y"])
    >>> table["metric:war"] = ((table.x >= 0.6) & (table.y <= 0.3)).astype(float)
    >>> found = discover(table, "metric:war", ">=0.5", parameters=["x", "y"], alpha=0.1)
    >>> box = found.boxes[0]
    >>> [box.describe(name) for name in ("x", "y")], box.coverage, box.density
    (['0.6 <= x <= 0.9', '0 <= y <= 0.3'], 1.0, 1.0)
    """
    names = _parameters(table, parameters)
    _check_settings(alpha, min_mass, min_coverage, boxes)
    values = _output(table, output, names)
    rule, is_case = _rule(output, values, threshold)
    kept = ~np.isnan(values)
    data = table.loc[kept, list(names)].reset_index(drop=True)
    cases = is_case(values[kept])
    _check_cases(rule, cases)
    columns = [_Column.of(data[name]) for name in names]
    ranges = {c.name: c.full_limit(np.ones(len(data), dtype=bool)) for c in columns}
    found: list[Box] = []
    trajectory = pd.DataFrame()
    left = np.ones(len(data), dtype=bool)
    total = int(cases.sum())
    for index in range(boxes):
        if not cases[left].any():
            break
        peeled = _peel(columns, cases, left, alpha, min_mass * len(data))
        chosen = _choose([mask for mask, _ in peeled], cases, total, min_coverage)
        if index == 0:
            trajectory = _trajectory(peeled, cases, total, len(data), chosen)
        inside, limits = _paste(columns, cases, left, *peeled[chosen], alpha) if paste else peeled[chosen]
        if index > 0 and _density(cases, inside) <= total / len(data):
            break  # no denser than the sweep as a whole: it explains nothing
        found.append(_box(inside, limits, peeled[0][1], cases, total, len(data)))
        left = left & ~inside
    failed = int((~kept).sum())
    return Discovery(output, rule, len(data), total, failed, tuple(found), trajectory, names, ranges, _scenario(table))


def format_discovery(found: Discovery) -> str:
    """The boxes as plain text: one block per box, one line per restricted parameter.

    Examples
    --------
    >>> box = Box({"x": (0.2, 0.5), "y": (0.0, 1.0)}, ("x",), 0.9, 0.75, 0.3, 12, 9)
    >>> found = Discovery("metric:war", "metric:war >= 0.5", 40, 10, 0, (box,), pd.DataFrame(), ("x", "y"))
    >>> print(format_discovery(found))
    metric:war >= 0.5 in 10 of 40 runs (25.0 %)
    box 1: coverage 0.900 (9 of 10 cases), density 0.750 (9 of 12 runs), mass 0.300
      0.2 <= x <= 0.5
      y: any
    """
    lines = [f"{found.rule} in {found.cases} of {found.runs} runs ({100 * found.cases / found.runs:.1f} %)"]
    if found.failed:
        lines.append(f"left out: {found.failed} failed runs (no {found.output})")
    for number, box in enumerate(found.boxes, start=1):
        lines.append(
            f"box {number}: coverage {box.coverage:.3f} ({box.cases} of {found.cases} cases), "
            f"density {box.density:.3f} ({box.cases} of {box.runs} runs), mass {box.mass:.3f}"
        )
        lines.extend(f"  {box.describe(name)}" for name in found.parameters)
    return "\n".join(lines)


# --- checks ------------------------------------------------------------------------------


def _parameters(table: pd.DataFrame, given: Sequence[str] | None) -> tuple[str, ...]:
    if given is None:
        sweep = table.attrs.get("sweep")
        factors = sweep.get("factors") if isinstance(sweep, Mapping) else None
        if not isinstance(factors, list | tuple) or not all(isinstance(f, Mapping) and "name" in f for f in factors):
            raise UsageError(
                "the table has no sweep description (attrs['sweep']['factors']); load it with "
                "sim.load_sweep(folder), or pass parameters= (the swept columns)"
            )
        given = [str(f["name"]) for f in factors]
    names = tuple(given)
    if not names:
        raise UsageError("scenario discovery needs at least one swept parameter")
    for name in names:
        if name not in table.columns:
            raise UsageError(unknown("parameter column", name, [str(c) for c in table.columns]))
    return names


def _scenario(table: pd.DataFrame) -> str:
    sweep = table.attrs.get("sweep")
    name = sweep.get("scenario") if isinstance(sweep, Mapping) else None
    return name if isinstance(name, str) else ""


def _check_settings(alpha: float, min_mass: float, min_coverage: float, boxes: int) -> None:
    if not 0 < alpha < 0.5:
        raise UsageError(f"alpha must be between 0 and 0.5 (the share one peel cuts), not {alpha!r}")
    if not 0 < min_mass < 1:
        raise UsageError(f"min_mass must be between 0 and 1 (the smallest box's share of the runs), not {min_mass!r}")
    if not 0 <= min_coverage <= 1:
        raise UsageError(f"min_coverage must be between 0 and 1, not {min_coverage!r}")
    if isinstance(boxes, bool) or not isinstance(boxes, int) or not 1 <= boxes <= MAX_BOXES:
        raise UsageError(f"boxes must be a whole number from 1 to {MAX_BOXES}, not {boxes!r}")


def _output(table: pd.DataFrame, output: str, parameters: Sequence[str]) -> npt.NDArray[np.float64]:
    """The output as floats (NaN: no value), after checking it is a numeric output."""
    inputs = set(parameters) | set(_RESERVED)
    if output not in table.columns or output in inputs:
        outputs = [str(c) for c in table.columns if c not in inputs and _is_number(table[c])]
        raise UsageError(_unknown_output(output, outputs))
    column = table[output]
    if not _is_number(column):
        raise UsageError(
            f"output column {output!r} is not numeric ({column.dtype}); scenario discovery needs a number "
            "or a true/false output (e.g. metric:NAME, share:GAME=(...), agreed:GAME)"
        )
    values = np.array(pd.to_numeric(column, errors="coerce").astype(float), dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    if np.isnan(values).all():
        raise UsageError(f"output {output!r} has no value in any of the {len(table)} runs (all failed or empty)")
    return values


def _unknown_output(output: str, outputs: Sequence[str]) -> str:
    """The closest name, and the outputs of the same kind (``metric:``, ``share:``, ...)
    rather than all of them (a sweep has one column per profile and state variable).

    Examples
    --------
    >>> _unknown_output("metric:wr", ["final:x", "metric:war", "metric:cost"])
    "unknown output column 'metric:wr' (did you mean 'metric:war'?) (metric: outputs: metric:war, metric:cost)"
    """
    kind = output.split(":", maxsplit=1)[0] + ":" if ":" in output else ""
    same = [name for name in outputs if kind and name.startswith(kind)]
    if not same:
        kinds = sorted({name.split(":")[0] + ":" for name in outputs if ":" in name})
        plain = [name for name in outputs if ":" not in name]
        return (
            f"unknown output column {output!r}{did_you_mean(output, list(outputs))} "
            f"(outputs: {', '.join(plain + [k + '...' for k in kinds]) or 'none'})"
        )
    return f"unknown output column {output!r}{did_you_mean(output, list(outputs))} ({kind} outputs: {', '.join(same)})"


def _is_number(column: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column))


def _rule(output: str, values: npt.NDArray[np.float64], threshold: str | float | None) -> tuple[str, _Threshold]:
    if threshold is None:
        present = set(np.unique(values[~np.isnan(values)]).tolist())
        if not present <= {0.0, 1.0}:
            raise UsageError(
                f"output {output!r} is not true/false: give a threshold, e.g. --threshold '>=0.5' "
                "(a run is a case when its output meets it)"
            )
        return f"{output} is true", _Threshold("==", 1.0)
    comparison, value = parse_threshold(threshold)
    return f"{output} {comparison} {value:g}", _Threshold(comparison, value)


def _check_cases(rule: str, cases: _Mask) -> None:
    if not cases.any():
        raise UsageError(f"no run has {rule} (0 of {len(cases)}): there is nothing to find; change --threshold")
    if cases.all():
        raise UsageError(
            f"every run has {rule} ({len(cases)} of {len(cases)}): it happens everywhere in the sweep; "
            "change --threshold"
        )


# --- columns and boxes ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """One parameter's values: floats, or text levels."""

    name: str
    numbers: npt.NDArray[np.float64] | None
    levels: npt.NDArray[np.object_] | None

    @classmethod
    def of(cls, column: pd.Series) -> _Column:
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            return cls(str(column.name), np.asarray(column, dtype=np.float64), None)
        return cls(str(column.name), None, np.asarray(column.astype(str), dtype=object))

    def full_limit(self, mask: _Mask) -> Limit:
        if self.numbers is not None:
            inside = self.numbers[mask]
            return float(inside.min()), float(inside.max())
        assert self.levels is not None
        return frozenset(str(v) for v in self.levels[mask])

    def within(self, limit: Limit) -> _Mask:
        if self.numbers is not None:
            assert isinstance(limit, tuple)
            return (self.numbers >= limit[0]) & (self.numbers <= limit[1])
        assert self.levels is not None and isinstance(limit, frozenset)
        return np.isin(self.levels, list(limit))

    def peels(self, limit: Limit, inside: _Mask, alpha: float) -> list[Limit]:
        """The narrower limits one peel can give: cut the lowest or highest ``alpha`` of
        the box's runs (ties together), or drop one text level."""
        if self.numbers is None:
            present = self.full_limit(inside)
            assert isinstance(present, frozenset)
            return [present - {level} for level in sorted(present)] if len(present) > 1 else []
        values = np.sort(self.numbers[inside])
        cut = max(1, math.floor(alpha * len(values)))
        above, below = values[values > values[cut - 1]], values[values < values[-cut]]
        narrower: list[Limit] = []
        if len(above):
            narrower.append((float(above[0]), float(values[-1])))
        if len(below):
            narrower.append((float(values[0]), float(below[-1])))
        return narrower

    def pastes(self, limit: Limit, candidates: _Mask, runs: int, alpha: float) -> list[Limit]:
        """The wider limits one paste can give: add the ``alpha`` share of ``runs``
        nearest below or above (ties together), or one text level, among ``candidates``
        (runs outside the box that meet every other limit)."""
        if self.numbers is None:
            assert isinstance(limit, frozenset) and self.levels is not None
            extra = sorted({str(v) for v in self.levels[candidates]} - limit)
            return [limit | {level} for level in extra]
        assert isinstance(limit, tuple)
        add = max(1, math.floor(alpha * runs))
        low_side = np.sort(self.numbers[candidates & (self.numbers < limit[0])])[::-1]
        high_side = np.sort(self.numbers[candidates & (self.numbers > limit[1])])
        wider: list[Limit] = []
        if len(low_side):
            wider.append((float(low_side[min(add, len(low_side)) - 1]), limit[1]))
        if len(high_side):
            wider.append((limit[0], float(high_side[min(add, len(high_side)) - 1])))
        return wider


_Limits = dict[str, Limit]


def _inside(columns: Sequence[_Column], limits: _Limits, left: _Mask) -> _Mask:
    mask = left.copy()
    for column in columns:
        mask &= column.within(limits[column.name])
    return mask


def _density(cases: _Mask, inside: _Mask) -> float:
    runs = int(inside.sum())
    return float(cases[inside].sum()) / runs if runs else 0.0


def _peel(
    columns: Sequence[_Column], cases: _Mask, left: _Mask, alpha: float, min_runs: float
) -> list[tuple[_Mask, _Limits]]:
    """The boxes of the peeling trajectory (runs inside, limits), the first holding every run left."""
    limits: _Limits = {c.name: c.full_limit(left) for c in columns}
    inside = _inside(columns, limits, left)
    trajectory = [(inside, limits)]
    while True:
        best: tuple[tuple[float, int, int], _Limits, _Mask] | None = None
        for order, column in enumerate(columns):
            for narrower in column.peels(limits[column.name], inside, alpha):
                mask = inside & column.within(narrower)
                runs = int(mask.sum())
                if runs < min_runs or runs == 0:
                    continue
                key = (_density(cases, mask), runs, -order)
                if best is None or key > best[0]:
                    best = (key, {**limits, column.name: narrower}, mask)
        if best is None:
            return trajectory
        _, limits, inside = best
        trajectory.append((inside, limits))


def _choose(trajectory: Sequence[_Mask], cases: _Mask, total: int, min_coverage: float) -> int:
    """The box with the best balance of coverage (of the cases in the first box) and density:
    the highest harmonic mean of the two, among boxes with enough coverage (ties: the larger)."""
    start = int(cases[trajectory[0]].sum()) or total
    best, best_score = 0, -1.0
    for index, mask in enumerate(trajectory):
        coverage, density = int(cases[mask].sum()) / start, _density(cases, mask)
        if coverage + 1e-12 < min_coverage:
            break
        score = 2 * coverage * density / (coverage + density) if coverage + density else 0.0
        if score > best_score:
            best, best_score = index, score
    return best


def _paste(
    columns: Sequence[_Column], cases: _Mask, left: _Mask, inside: _Mask, limits: _Limits, alpha: float
) -> tuple[_Mask, _Limits]:
    """Widen the box by pasting while its density rises."""
    while True:
        density, runs = _density(cases, inside), int(inside.sum())
        best: tuple[tuple[float, int], _Mask, _Limits] | None = None
        for order, column in enumerate(columns):
            others = _inside([c for c in columns if c is not column], limits, left) & ~inside
            for wider in column.pastes(limits[column.name], others, runs, alpha):
                mask = inside | (others & column.within(wider))
                key = (_density(cases, mask), -order)
                if key[0] > density and (best is None or key > best[0]):
                    best = (key, mask, {**limits, column.name: wider})
        if best is None:
            return inside, limits
        _, inside, limits = best


def _box(inside: _Mask, limits: _Limits, start: _Limits, cases: _Mask, total: int, runs: int) -> Box:
    """The box of ``limits``; the parameters it restricts are those narrower than at the
    ``start`` of its peeling."""
    restricted = tuple(name for name, limit in limits.items() if limit != start[name])
    in_box, hits = int(inside.sum()), int(cases[inside].sum())
    return Box(dict(limits), restricted, hits / total, hits / in_box, in_box / runs, in_box, hits)


def _trajectory(
    trajectory: Sequence[tuple[_Mask, _Limits]], cases: _Mask, total: int, runs: int, chosen: int
) -> pd.DataFrame:
    start = trajectory[0][1]
    rows: list[dict[str, Any]] = []
    for step, (mask, limits) in enumerate(trajectory):
        in_box, hits = int(mask.sum()), int(cases[mask].sum())
        rows.append(
            {
                "step": step,
                "coverage": hits / total,
                "density": hits / in_box,
                "mass": in_box / runs,
                "runs": in_box,
                "restricted": sum(limit != start[name] for name, limit in limits.items()),
                "chosen": step == chosen,
            }
        )
    return pd.DataFrame(rows)
