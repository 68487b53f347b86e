"""Sensitivity analysis of sweep results: first-order and total Sobol indices.

Results table (the contract with :mod:`sim.sweeps.runner`)
    A :class:`pandas.DataFrame` with one row per run and the columns

    ``point``
        The index of the design point, in :func:`sim.sweeps.designs.design_points` order.
    ``rep``
        The replication index.
    one column per factor
        Named exactly as the factor.
    outputs
        Numbers; a failed run has NaN outputs and a non-empty message in ``error``.

    ``results.attrs["sweep"]`` describes the sweep: at least ``design``, ``samples``
    and ``factors`` (each a dict ``dataclasses.asdict(Factor)``). Parquet files may not
    keep ``attrs``: pass ``sweep=`` explicitly then.

Method
    The output of each design point is averaged over its replications, so the indices
    describe the *mean* response (noise between replications is averaged out, not
    attributed to a factor). SALib (Herman & Usher 2017, *JOSS* 2(9), 97) estimates
    the first-order index ``S1`` with the estimator of Saltelli et al. (2010, *Computer
    Physics Communications* 181, 259-270) and the total index ``ST`` with Jansen's
    (1999); their confidence intervals (95 %) come from 100 bootstrap resamples of the
    base samples, drawn from the bootstrap stream of ``seed`` (the sweep's root seed by
    default; see :mod:`sim.sweeps.streams`: no design and no run draws from it) so that they
    are reproducible. ``S1`` and ``ST`` themselves do not depend on ``seed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sim.errors import UsageError, unknown
from sim.sweeps.designs import Factor, problem
from sim.sweeps.streams import BOOTSTRAP, generator

__all__ = ["COLUMNS", "format_indices", "sobol_indices"]

#: The columns of the table :func:`sobol_indices` returns.
COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
_RESERVED = ("point", "rep", "error")


def sobol_indices(
    results: pd.DataFrame, output: str, *, sweep: Mapping[str, Any] | None = None, seed: int | None = None
) -> pd.DataFrame:
    """First-order and total Sobol indices of one output of a ``sobol`` sweep.

    Parameters
    ----------
    results : pandas.DataFrame
        The sweep's table (see :mod:`sim.sweeps.analysis`), rows in any order.
    output : str
        A numeric output column.
    sweep : mapping, optional
        The sweep description; ``results.attrs["sweep"]`` by default.
    seed : int, optional
        The root seed whose bootstrap stream draws the resamples of the confidence
        intervals (a whole number >= 0); the sweep's ``seed`` by default (0 if the
        description has none).

    Returns
    -------
    pandas.DataFrame
        Indexed by factor name (index ``factor``), in the sweep's factor order, with
        the float columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (the ``_conf``
        columns are half-widths of 95 % confidence intervals).

    Raises
    ------
    UsageError
        If the sweep is not a ``sobol`` design, ``output`` is not a numeric output
        column, some design point has no run or a failed one, or the output is
        constant (the indices are then undefined).

    Examples
    --------
    A linear response ``y = x + 2 z`` on the unit square: ``S1 = ST = (0.2, 0.8)``.

    >>> from sim.sweeps.designs import design_points, parse_factor
    >>> factors = [parse_factor("x=0:1"), parse_factor("z=0:1")]
    >>> points = design_points(factors, "sobol", 256, seed=0)
    >>> table = pd.DataFrame(points).assign(point=range(len(points)), rep=0)
    >>> table["y"] = table.x + 2 * table.z
    >>> table.attrs["sweep"] = {"design": "sobol", "samples": 256, "factors": [
    ...     {"name": "x", "low": 0, "high": 1}, {"name": "z", "low": 0, "high": 1}]}
    >>> indices = sobol_indices(table, "y")
    >>> list(indices.index), list(indices.columns)
    (['x', 'z'], ['S1', 'S1_conf', 'ST', 'ST_conf'])
    >>> indices[["S1", "ST"]].round(1).to_dict("list")
    {'S1': [0.2, 0.8], 'ST': [0.2, 0.8]}
    """
    factors, samples, root = _sobol_sweep(results, sweep)
    seed = root if seed is None else seed
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"the seed must be a whole number >= 0, not {seed!r}")
    y = _point_means(results, output, factors, samples * (len(factors) + 2))
    _check_variance(y, output, len(factors))
    return _analyze(factors, y, seed)


def format_indices(table: pd.DataFrame) -> str:
    """A plain-text table of :func:`sobol_indices`, one line per factor.

    Examples
    --------
    >>> table = pd.DataFrame({"S1": [0.31, 0.0], "S1_conf": [0.02, 0.011], "ST": [0.56, 0.24],
    ...                       "ST_conf": [0.03, 0.015]}, index=pd.Index(["x1", "x3"], name="factor"))
    >>> print(format_indices(table))
    factor  S1 (95% CI)      ST (95% CI)
    x1      0.310 +/- 0.020  0.560 +/- 0.030
    x3      0.000 +/- 0.011  0.240 +/- 0.015
    """
    rows = [["factor", "S1 (95% CI)", "ST (95% CI)"]]
    for name, row in table.iterrows():
        rows.append([str(name), _estimate(row["S1"], row["S1_conf"]), _estimate(row["ST"], row["ST_conf"])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _estimate(value: float, conf: float) -> str:
    return f"{value:.3f} +/- {conf:.3f}"


def _sobol_sweep(results: pd.DataFrame, sweep: Mapping[str, Any] | None) -> tuple[tuple[Factor, ...], int, Any]:
    """The factors, base sample size and root seed (as given; checked by the caller) of
    a ``sobol`` sweep description."""
    if sweep is None:
        sweep = results.attrs.get("sweep")
    if not isinstance(sweep, Mapping):
        raise UsageError(
            "the results table has no sweep description (attrs['sweep']); load it with "
            "sim.load_sweep(folder), or pass sweep= (the sweep's spec) explicitly"
        )
    design = sweep.get("design")
    if design != "sobol":
        raise UsageError(
            f"Sobol indices need a sweep with the sobol design, not {design!r}; "
            "rerun the sweep with --design sobol --samples 1024"
        )
    samples, entries = sweep.get("samples"), sweep.get("factors")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise UsageError(f"the sweep description has no valid sample count (samples: {samples!r})")
    if not isinstance(entries, list | tuple) or not all(isinstance(e, Mapping) for e in entries):
        raise UsageError(f"the sweep description has no valid factors (factors: {entries!r})")
    try:
        factors = tuple(Factor(**entry) for entry in entries)
    except TypeError as error:
        raise UsageError(f"the sweep description has a malformed factor ({error})") from None
    problem(factors)
    return factors, samples, sweep.get("seed", 0)


def _point_means(
    results: pd.DataFrame, output: str, factors: tuple[Factor, ...], n_points: int
) -> npt.NDArray[np.float64]:
    """The mean of ``output`` over replications per design point, in point order."""
    _check_output(results, output, factors)
    if "point" not in results.columns or not pd.api.types.is_integer_dtype(results["point"]):
        raise UsageError("the results table has no integer column 'point' (the design point of each run)")
    values = results[output].astype(float)
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        raise UsageError(
            f"output {output!r} is missing (NaN) or infinite in {int(bad.sum())} of {len(results)} runs"
            f"{_failures(results)}; Sobol indices need every point: fix the cause and rerun the sweep"
        )
    means = values.groupby(results["point"]).mean()
    outside = means.index[(means.index < 0) | (means.index >= n_points)]
    if len(outside):
        raise UsageError(
            f"the results table has point {outside[0]}, outside 0..{n_points - 1}: "
            "it does not belong to this sweep description"
        )
    if len(means) < n_points:
        first = next(i for i in range(n_points) if i not in means.index)
        raise UsageError(
            f"{n_points - len(means)} of the {n_points} design points have no run (the first is point {first}); "
            "Sobol indices need all of them: finish the sweep (run it again into the same folder)"
        )
    return np.asarray(means.sort_index(), dtype=np.float64)


def _check_output(results: pd.DataFrame, output: str, factors: tuple[Factor, ...]) -> None:
    inputs = {f.name for f in factors} | set(_RESERVED)
    if output in results.columns and output not in inputs:
        column = results[output]
        if pd.api.types.is_numeric_dtype(column):
            return
        raise UsageError(f"output column {output!r} is not numeric ({column.dtype}); Sobol indices need numbers")
    outputs = [str(c) for c in results.columns if c not in inputs and pd.api.types.is_numeric_dtype(results[c])]
    raise UsageError(unknown("output column", output, outputs))


def _failures(results: pd.DataFrame) -> str:
    if "error" not in results.columns:
        return ""
    failed = int(results["error"].map(lambda e: isinstance(e, str) and e != "").sum())
    return f"; {failed} runs failed (see the column 'error')" if failed else ""


def _check_variance(y: npt.NDArray[np.float64], output: str, d: int) -> None:
    """Refuse outputs whose indices are undefined, before SALib warns and returns zeros."""
    if np.ptp(y) == 0:
        raise UsageError(
            f"output {output!r} is constant ({y[0]:g}) at every design point: Sobol indices are "
            "undefined (there is no variance to apportion to the factors)"
        )
    # SALib's estimators divide by the variance of the base samples A and B (rows 0 and
    # D + 1 of each block of D + 2) after normalising Y; it warns and returns 0 if they
    # are constant. Same arithmetic as SALib.analyze.sobol, so the same decision.
    z = (y - y.mean()) / y.std()
    step = d + 2
    if np.ptp(np.r_[z[0::step], z[step - 1 :: step]]) <= np.finfo(float).eps:
        raise UsageError(
            f"output {output!r} is constant on the base samples of the sobol design (it varies only "
            "on the cross samples): Sobol indices are undefined at this size; rerun with more --samples"
        )


def _analyze(factors: tuple[Factor, ...], y: npt.NDArray[np.float64], seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol

    # A Generator, not the int: SALib tests ``if seed:`` and would fall back to numpy's
    # global generator for seed 0; it hands the seed to numpy.random.default_rng, which
    # returns a Generator unchanged.
    rng = generator(seed, BOOTSTRAP)
    indices = sobol.analyze(problem(factors), y, calc_second_order=False, num_resamples=100, seed=rng)
    index = pd.Index([f.name for f in factors], name="factor")
    return pd.DataFrame({key: np.asarray(indices[key], dtype=np.float64) for key in COLUMNS}, index=index)
