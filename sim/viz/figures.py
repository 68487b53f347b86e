"""The PNG figures of a run or sweep folder (``diplosim run --plots``, ``diplosim plot``).

A run folder (with ``summary.json``) gets ``equilibria_<game>.png`` for each game and
``state.png``; a run in memory also gets ``payoffs_<game>.png`` for each two-player
game at round 1. A sweep folder (with ``_manifest.json``) gets a phase diagram over two
swept parameters, or the output against one parameter, in its ``_figures/`` folder (a
name starting with ``_``: the sweep folder stays a Parquet dataset that
``pandas.read_parquet`` reads whole). Files are written atomically, and a run's figures
all together (:mod:`sim.files`): a failure leaves the folder as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UsageError
from sim.files import Writer, write_atomic, write_folder_atomic
from sim.sweeps.store import FIGURES_FOLDER
from sim.viz import plots

__all__ = ["plot_folder", "run_figure_writers", "run_figures", "sweep_figures"]


def _png(draw: Callable[[Any], object], size: tuple[float, float]) -> Writer:
    """A writer that draws one figure with ``draw(ax)`` and saves it as PNG (a figure of
    its own, never shown: no pyplot, no backend)."""

    def write(path: str) -> None:
        figure = plots.new_figure(size)
        draw(figure.add_subplot())
        figure.savefig(path, format="png", dpi=110)

    return write


def run_figure_writers(
    rounds: pd.DataFrame,
    equilibria: pd.DataFrame,
    state: pd.DataFrame,
    solved: dict[str, Any] | None = None,
    scenario: str | None = None,
) -> dict[str, Writer]:
    """The file names and writers of a run's figures (see :func:`run_figures`), to be
    written together with its tables (:func:`sim.files.write_folder_atomic`); ``solved``
    holds round 1's games, ``scenario`` is the name the titles show."""
    writers: dict[str, Writer] = {}
    for game in dict.fromkeys(rounds["game"]):
        draw = partial(_equilibria_panel, rounds, equilibria, str(game), scenario)
        writers[f"equilibria_{_safe(str(game))}.png"] = _png(draw, plots.equilibria_size(rounds, str(game)))
    writers["state.png"] = _png(partial(_state_panels, state, scenario), plots.state_size(state))
    for game, result in (solved or {}).items():
        writers[f"payoffs_{_safe(game)}.png"] = _png(partial(_payoff_panel, result, scenario), (6.5, 4.8))
    return writers


def _equilibria_panel(rounds: pd.DataFrame, equilibria: pd.DataFrame, game: str, scenario: str | None, ax: Any) -> None:
    plots.equilibrium_probabilities(rounds, game, equilibria=equilibria, scenario=scenario, ax=ax)


def _state_panels(state: pd.DataFrame, scenario: str | None, ax: Any) -> None:
    plots.state_by_actor(state, scenario=scenario, ax=ax)


def _payoff_panel(result: Any, scenario: str | None, ax: Any) -> None:
    plots.payoff_heatmap(result, round_number=1, scenario=scenario, ax=ax)


def run_figures(
    rounds: pd.DataFrame,
    equilibria: pd.DataFrame,
    state: pd.DataFrame,
    folder: Path,
    solved: dict[str, Any] | None = None,
    scenario: str | None = None,
) -> list[Path]:
    """Write a run's figures into ``folder``, all or none; ``solved`` maps two-player
    games to the :class:`~sim.solvers.finalize.SolveResult` (of round 1) to draw as
    payoff heatmaps, ``scenario`` is the name the titles show."""
    return write_folder_atomic(folder, run_figure_writers(rounds, equilibria, state, solved, scenario))


def sweep_figures(
    table: pd.DataFrame, folder: Path, x: str | None = None, y: str | None = None, metric: str | None = None
) -> list[Path]:
    """Write a sweep's figure into ``folder``: a phase diagram of ``metric`` over ``x`` and
    ``y``, or ``metric`` against ``x``. Defaults: the first swept parameters, the first
    metric. :func:`plot_folder` gives a sweep folder's ``_figures/``."""
    factors = [f["name"] for f in table.attrs.get("sweep", {}).get("factors", [])]
    numeric = [name for name in factors if pd.api.types.is_numeric_dtype(table[name])]
    if x is None:
        if not numeric:
            raise UsageError("name the parameter for the x axis: --x NAME")
        x, y = numeric[0], y or (numeric[1] if len(numeric) > 1 else None)
    output = metric or _default_output(table)
    if y is not None:
        across = y
        name = f"phase_{_safe(output)}_{_safe(x)}_{_safe(across)}.png"
        draw = _png(lambda ax: plots.phase_diagram(table, x, across, output, ax=ax), (7.5, 5))
    else:
        name = f"{_safe(output)}_vs_{_safe(x)}.png"
        draw = _png(lambda ax: plots.outcome_vs_parameter(table, x, output, ax=ax), (7.5, 5))
    return [write_atomic(folder / name, draw)]


def _default_output(table: pd.DataFrame) -> str:
    for prefix in ("metric:", "share:"):
        found = [str(c) for c in table.columns if str(c).startswith(prefix)]
        if found:
            return found[0]
    raise UsageError("the sweep table has no metric or share column; name one with --metric")


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def _read_table(path: Path) -> pd.DataFrame:
    """A run's table, or a clear error when it is missing or not a Parquet file."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors on a broken file are ValueErrors (ArrowInvalid)
        reason = "no such file" if isinstance(exc, FileNotFoundError) else "not a readable Parquet table"
        raise UsageError(f"{path}: {reason}; write the run again with diplosim run FILE --out FOLDER") from None


def _scenario_name(folder: Path) -> str | None:
    """The scenario's name in a run folder's ``summary.json`` (``None`` when unreadable)."""
    try:
        name = json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("scenario")
    except (OSError, ValueError, AttributeError):
        return None
    return str(name) if name else None


def plot_folder(
    folder: str | os.PathLike[str], *, x: str | None = None, y: str | None = None, metric: str | None = None
) -> list[Path]:
    """Draw a saved run's figures into its folder, or a sweep's into its ``_figures/``.

    Raises
    ------
    UsageError
        If the folder does not exist, or is neither a run's ``--out`` nor a sweep's.
    """
    path = Path(folder)
    if not path.is_dir():
        what = "not a folder" if path.exists() else "no such folder"
        raise UsageError(f"{folder}: {what}; give the --out folder of diplosim run or diplosim sweep")
    if (path / "_manifest.json").exists():
        from sim.sweeps.runner import load_sweep

        return sweep_figures(load_sweep(path), path / FIGURES_FOLDER, x, y, metric)
    if (path / "summary.json").exists():
        tables = {name: _read_table(path / f"{name}.parquet") for name in ("rounds", "equilibria", "state")}
        return run_figures(tables["rounds"], tables["equilibria"], tables["state"], path, scenario=_scenario_name(path))
    raise UsageError(f"{folder}: neither a run folder (summary.json) nor a sweep folder (_manifest.json)")
