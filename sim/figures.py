"""The PNG figures of a run or sweep folder (``diplosim run --plots``, ``diplosim plot``).

A run folder (with ``summary.json``) gets ``equilibria_<game>.png`` for each game and
``state.png``; a run in memory also gets ``payoffs_<game>.png`` for each two-player
game at round 1. A sweep folder (with ``_manifest.json``) gets a phase diagram over two
swept parameters, or the output against one parameter. Files are written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from sim import plots
from sim.errors import UsageError
from sim.files import write_atomic

__all__ = ["plot_folder", "run_figures", "sweep_figures"]


def _save(figure: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    write_atomic(path, lambda temporary: figure.savefig(temporary, format="png", dpi=110))
    plt.close(figure)
    return path


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # files only: no window
    import matplotlib.pyplot as plt

    return plt


def run_figures(
    rounds: pd.DataFrame,
    equilibria: pd.DataFrame,
    state: pd.DataFrame,
    folder: Path,
    solved: dict[str, Any] | None = None,
) -> list[Path]:
    """Write a run's figures into ``folder``; ``solved`` maps two-player games to the
    :class:`~sim.equilibria.SolveResult` to draw as payoff heatmaps."""
    plt = _pyplot()
    written = []
    for game in dict.fromkeys(rounds["game"]):
        figure, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        plots.equilibrium_probabilities(rounds, str(game), equilibria=equilibria, ax=ax)
        written.append(_save(figure, folder / f"equilibria_{game}.png"))
    figure, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    plots.state_trajectories(state, ax=ax)
    written.append(_save(figure, folder / "state.png"))
    for game, result in (solved or {}).items():
        figure, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
        plots.payoff_heatmap(result, ax=ax)
        written.append(_save(figure, folder / f"payoffs_{game}.png"))
    return written


def sweep_figures(
    table: pd.DataFrame, folder: Path, x: str | None = None, y: str | None = None, metric: str | None = None
) -> list[Path]:
    """Write a sweep's figure: a phase diagram of ``metric`` over ``x`` and ``y``, or
    ``metric`` against ``x``. Defaults: the first swept parameters, the first metric."""
    plt = _pyplot()
    factors = [f["name"] for f in table.attrs.get("sweep", {}).get("factors", [])]
    numeric = [name for name in factors if pd.api.types.is_numeric_dtype(table[name])]
    if x is None:
        if not numeric:
            raise UsageError("name the parameter for the x axis: --x NAME")
        x, y = numeric[0], y or (numeric[1] if len(numeric) > 1 else None)
    metric = metric or _default_output(table)
    figure, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
    if y is not None:
        plots.phase_diagram(table, x, y, metric, ax=ax)
        name = f"phase_{_safe(metric)}_{_safe(x)}_{_safe(y)}.png"
    else:
        plots.outcome_vs_parameter(table, x, metric, ax=ax)
        name = f"{_safe(metric)}_vs_{_safe(x)}.png"
    return [_save(figure, folder / name)]


def _default_output(table: pd.DataFrame) -> str:
    for prefix in ("metric:", "share:"):
        found = [str(c) for c in table.columns if str(c).startswith(prefix)]
        if found:
            return found[0]
    raise UsageError("the sweep table has no metric or share column; name one with --metric")


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def plot_folder(
    folder: str | os.PathLike[str], *, x: str | None = None, y: str | None = None, metric: str | None = None
) -> list[Path]:
    """Draw a saved run or sweep folder's figures into it.

    Raises
    ------
    UsageError
        If the folder is neither a run's ``--out`` nor a sweep's.
    """
    path = Path(folder)
    if (path / "_manifest.json").exists():
        from sim.sweeps import load_sweep

        return sweep_figures(load_sweep(path), path, x, y, metric)
    if (path / "summary.json").exists():
        tables = {name: pd.read_parquet(path / f"{name}.parquet") for name in ("rounds", "equilibria", "state")}
        return run_figures(tables["rounds"], tables["equilibria"], tables["state"], path)
    raise UsageError(f"{folder}: neither a run folder (summary.json) nor a sweep folder (_manifest.json)")
