"""The Python API for notebooks and scripts: run a scenario, sweep its parameters, and get
back objects with the same verbs (tables as attributes, ``save``, ``plot_*``).

``sim.run(...)`` returns a :class:`RunResult`, ``sim.sweep(...)`` a :class:`SweepResult`.
Both take the fixed values to change as ``overrides`` (``{"K_EU": 10, "Ukraine.trust":
0.5}``, the command line's ``--set``); a sweep takes the swept factors as ``params`` (the
command line's ``--param``). Every ``plot_*`` method returns a
:class:`matplotlib.figure.Figure`, drawn on its own (the caller's matplotlib backend is
never changed).

This module sits above the layers it combines: the model (:mod:`sim.model`), sweeps
(:mod:`sim.sweeps`) and pictures (:mod:`sim.viz`).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from sim.errors import UsageError, UserError
from sim.files import Writer, write_folder_atomic
from sim.files import check_output_folder as check_output_folder_path
from sim.game.bargaining import Bargaining
from sim.game.multi_issue import MultiIssueBargaining
from sim.model.results import RoundHook, RunTables, check_output_folder, play
from sim.scenario.load import Scenario, load_scenario
from sim.solvers.protocols import Negotiation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.sweeps.discovery import Discovery
    from sim.sweeps.runner import SweepOutcome, SweepSpec

__all__ = ["RunResult", "SweepResult", "run", "sweep"]


def run(
    scenario: Scenario | str | os.PathLike[str],
    *,
    rounds: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, float | str] | None = None,
    exact: bool = True,
    on_round: RoundHook | None = None,
    **deprecated: Any,
) -> RunResult:
    """Play a scenario to the end: its tables, summary and figures.

    A run that bad input stops mid-way (a formula failing in round 3) raises the error
    (a :class:`~sim.errors.RunError`, say) with its ``partial`` set to a :class:`RunResult`
    of the rounds before the failing one: ``stop_reason`` ``"error"``, ``error`` the
    message; ``error.partial.save(folder)`` writes its tables and a ``summary.json`` that
    says so.

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario, or the path of a YAML file.
    rounds : int, optional
        Round limit (the scenario's ``rounds`` by default).
    seed : int, optional
        Seed (the scenario's ``seed`` by default).
    overrides : mapping, optional
        Values to change before the run (:meth:`sim.scenario.load.Scenario.with_overrides`):
        parameters, ``Actor.variable``, ``select``, ``game.select``, ``solver``,
        ``time_limit``. (``set=`` is the old name of this argument.)
    exact : bool
        Report exact fractions where the equilibria are rational.
    on_round : callable, optional
        Called after each round with the run so far (a
        :class:`~sim.model.results.RunTables`, ``stop_reason`` ``"running"`` until the last
        round), e.g. :class:`sim.viz.report.StoryPrinter` to print the story as it is played.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> result = run(parse_scenario(_EXAMPLE), overrides={"cost": 2})
    >>> result.rounds_played, result.rounds["strategy"][result.rounds["played"]].tolist()
    (2, ['stay', 'stay'])
    """
    overrides = _renamed(deprecated, "set", "overrides", overrides, "run")
    try:
        tables = play(scenario, rounds=rounds, seed=seed, overrides=overrides, exact=exact, on_round=on_round)
    except UserError as exc:
        if isinstance(exc.partial, RunTables):
            exc.partial = RunResult.of(exc.partial)
        raise
    return RunResult.of(tables)


def _renamed(given: dict[str, Any], old: str, new: str, value: Any, function: str) -> Any:
    """The value of an argument that was renamed, with a warning if the old name is used."""
    unknown = set(given) - {old}
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if old not in given:
        return value
    if value is not None:
        raise TypeError(f"{function}() got both {old}= and {new}=")
    warnings.warn(f"{function}({old}=...) is now {function}({new}=...)", DeprecationWarning, stacklevel=3)
    return given[old]


class OneIssuePlay(NamedTuple):
    """A one-issue bargaining game's problem and negotiation in one round (what its figures draw)."""

    problem: Bargaining
    negotiation: Negotiation


@dataclass(repr=False)
class RunResult(RunTables):
    """A finished run (:class:`sim.model.results.RunTables`: scenario, seed, how it
    ended, the tables ``rounds``, ``equilibria``, ``state``) with its figures."""

    @classmethod
    def of(cls, tables: RunTables) -> RunResult:
        """The same run with its figures (a run played by :func:`sim.model.results.play`,
        or stepped a round at a time by the browser page)."""
        return cls(**{f.name: getattr(tables, f.name) for f in fields(tables)})

    def plot_equilibria(self, game: str | None = None) -> Figure:
        """The selected equilibrium over rounds, one panel per game (or only ``game``)."""
        from sim.viz import plots

        names = [game] if game is not None else [plan.name for plan in self.scenario.games]
        sizes = [plots.equilibria_size(self.rounds, name) for name in names]
        figure = plots.new_figure((max(w for w, _ in sizes), sum(h for _, h in sizes)))
        grid = figure.add_gridspec(len(names), 1, height_ratios=[h for _, h in sizes])
        for k, name in enumerate(names):
            panel = figure.add_subplot(grid[k])
            plots.equilibrium_probabilities(
                self.rounds, name, equilibria=self.equilibria, scenario=self.scenario.name, ax=panel
            )
        return figure

    def plot_state(self, variables: Sequence[str] | None = None) -> Figure:
        """Actor state over rounds, a panel per actor (:func:`sim.viz.plots.state_by_actor`)."""
        from sim.viz import plots

        figure = plots.new_figure(plots.state_size(self.state, variables))
        plots.state_by_actor(self.state, variables, scenario=self.scenario.name, ax=figure.add_subplot())
        return figure

    def plot_payoffs(self, game: str, round_number: int = 1) -> Figure:
        """A two-player game as played in a round, best responses marked
        (:func:`sim.viz.plots.payoff_heatmap`)."""
        from sim.viz import plots

        for played in self.history.plays:
            if played.game == game and played.round == round_number:
                figure = plots.new_figure((6.5, 4.8))
                plots.payoff_heatmap(
                    played.result, round_number=round_number, scenario=self.scenario.name, ax=figure.add_subplot()
                )
                return figure
        raise UsageError(f"no play of game {game!r} in round {round_number} of this run")

    def plot_negotiation(self, game: str, round_number: int | None = None) -> Figure:
        """The offers of a bargaining game's negotiation over its steps, with the
        bargaining range and the agreement (:func:`sim.viz.bargaining_plots.negotiation_offers`);
        the last round's by default."""
        from sim.viz import plots
        from sim.viz.bargaining_plots import negotiation_offers

        played = self._bargaining_play(game, round_number)
        figure = plots.new_figure((8, 4.5))
        negotiation_offers(played.negotiation, played.problem, ax=figure.add_subplot())
        return figure

    def plot_frontier(self, game: str, round_number: int | None = None) -> Figure:
        """A bargaining game's utility frontier as built in a round (the last by
        default), with the disagreement point, the bargaining range and the Nash,
        Kalai-Smorodinsky and Rubinstein points (:func:`sim.viz.bargaining_plots.utility_frontier`)."""
        from sim.model.stage_games import bargaining_solutions
        from sim.viz import plots
        from sim.viz.bargaining_plots import utility_frontier

        played = self._bargaining_play(game, round_number)
        alternating = self.scenario.bargaining(game).template.alternating
        solutions, _ = bargaining_solutions(played.problem, alternating=alternating)
        figure = plots.new_figure((7, 5))
        utility_frontier(played.problem, solutions, ax=figure.add_subplot())
        return figure

    def _bargaining_play(self, game: str, round_number: int | None) -> OneIssuePlay:
        plays = [p for p in self.history.bargaining_plays if p.game == game]
        if plays and isinstance(plays[0].problem, MultiIssueBargaining):
            raise UsageError(f"bargaining game {game!r} is over several issues: its figures are not drawn")
        if round_number is not None:
            plays = [p for p in plays if p.round == round_number]
        if not plays:
            when = "" if round_number is None else f" in round {round_number}"
            raise UsageError(f"no negotiation of bargaining game {game!r}{when} in this run")
        last = plays[-1]
        assert isinstance(last.problem, Bargaining)
        return OneIssuePlay(last.problem, last.negotiation)

    def save_figures(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write the run's figures as PNG into ``directory``, all or none."""
        check_output_folder_path(directory, "--out")
        return write_folder_atomic(Path(directory), self._figure_writers(), "--out")

    def _figure_writers(self) -> dict[str, Writer]:
        from sim.viz.figures import run_figure_writers

        first = {p.game: p.result for p in self.history.plays if p.round == 1 and p.result.game.n_players == 2}
        writers = run_figure_writers(self.rounds, self.equilibria, self.state, first, self.scenario.name)
        writers.update(self._bargaining_writers())
        return writers

    def _bargaining_writers(self) -> dict[str, Writer]:
        """Each bargaining game's frontier and offers, as in its last round."""
        from sim.model.stage_games import bargaining_solutions
        from sim.viz.bargaining_plots import bargaining_figure_writers

        writers: dict[str, Writer] = {}
        for plan in self.scenario.bargainings:
            plays = [p for p in self.history.bargaining_plays if p.game == plan.name]
            if plays and isinstance(plays[-1].problem, Bargaining):  # over several issues: no figures
                last = plays[-1]
                problem = plays[-1].problem
                solutions, _ = bargaining_solutions(problem, alternating=plan.template.alternating)
                writers.update(bargaining_figure_writers(problem, solutions, last.negotiation, last.round))
        return writers

    def save(self, directory: str | os.PathLike[str], *, force: bool = False, figures: bool = False) -> list[Path]:
        """Write the tables (CSV and Parquet), ``summary.json`` and, with ``figures``,
        the figures (PNG) into ``directory``, all together or not at all (see
        :meth:`sim.model.results.RunTables.save` for the folder rules)."""
        check_output_folder(directory, self.scenario, force=force)
        writers = self.table_writers()
        if figures:
            writers.update(self._figure_writers())
        return write_folder_atomic(Path(directory), writers, "--out")


def sweep(
    scenario: Scenario | str | os.PathLike[str],
    params: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    overrides: Mapping[str, float | str] | None = None,
    design: str | None = None,
    samples: int | None = None,
    reps: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    keep_rounds: bool = False,
    progress: bool = False,
    oversubscribe: bool = False,
) -> SweepResult:
    """Run a parameter sweep: one row per run, and the figures and sensitivity of them.

    Parameters
    ----------
    scenario : Scenario or path
    params : mapping or sequence of str, optional
        The swept factors, ``{"G_H": "0:1:11", "mediation_strength": [0, 0.25, 0.5]}``
        or ``["G_H=0:1:11"]``; the scenario's ``sweep:`` block by default.
    overrides : mapping, optional
        Fixed values changed for every run (as :func:`run`'s ``overrides``).
    design, samples, reps, rounds, seed, workers, scheduler, dask_local, out, force,
    keep_rounds, progress, oversubscribe
        See :func:`sim.sweeps.runner.sweep_outcome`.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> result = sweep(parse_scenario(_EXAMPLE), {"cost": [0.5, 2.0]}, reps=2, workers=1)
    >>> result.table[["cost", "rep", "share:choice=(go)"]].values.tolist()
    [[0.5, 0.0, 1.0], [0.5, 1.0, 1.0], [2.0, 0.0, 0.0], [2.0, 1.0, 0.0]]
    >>> result.runs, result.failures
    (4, 0)
    """
    from sim.sweeps.runner import sweep_outcome

    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        loaded = loaded.with_overrides(overrides)
    spec, outcome = sweep_outcome(
        loaded,
        params,
        design=design,
        samples=samples,
        reps=reps,
        rounds=rounds,
        seed=seed,
        workers=workers,
        scheduler=scheduler,
        dask_local=dask_local,
        out=out,
        force=force,
        keep_rounds=keep_rounds,
        progress=progress,
        oversubscribe=oversubscribe,
    )
    return SweepResult(loaded, spec, outcome, Path(out) if out is not None else None)


@dataclass(repr=False)
class SweepResult:
    """A finished sweep: its table (one row per run), how it was made, and its figures.

    Attributes
    ----------
    scenario : Scenario
        As swept (with any overrides).
    spec : SweepSpec
        The factors, design, samples, replications, rounds and root seed.
    outcome : SweepOutcome
        What the call did: runs, failures, time, executor, notes.
    folder : Path or None
        The resumable Parquet folder, when the sweep was given ``out``.
    """

    scenario: Scenario
    spec: SweepSpec
    outcome: SweepOutcome
    folder: Path | None = None
    _sobol: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """One row per run: the swept values, ``point``, ``rep``, ``seed``, ``error`` and
        the outputs (see :mod:`sim.sweeps.outcomes`)."""
        return self.outcome.table

    @property
    def runs(self) -> int:
        """Runs in the table."""
        return len(self.outcome.table)

    @property
    def failures(self) -> int:
        """Runs whose ``error`` is set."""
        return self.outcome.failures

    def __repr__(self) -> str:
        factors = ", ".join(factor.name for factor in self.spec.factors)
        return (
            f"SweepResult(scenario={self.scenario.name!r}, design={self.spec.design!r}, factors=[{factors}], "
            f"runs={self.runs}, failures={self.failures})"
        )

    def sobol(self, output: str) -> pd.DataFrame:
        """First-order and total Sobol indices of ``output`` (a ``sobol`` design; see
        :func:`sim.sweeps.analysis.sobol_indices`), remembered per output."""
        from sim.sweeps.analysis import sobol_indices

        if output not in self._sobol:
            self._sobol[output] = sobol_indices(self.table, output)
        return self._sobol[output]

    def plot_phase_diagram(self, x: str, y: str, output: str | None = None, *, game: str | None = None) -> Figure:
        """Two swept parameters: an output's mean, or the modal profile of ``game``."""
        from sim.viz import plots

        figure = plots.new_figure((7, 5))
        plots.phase_diagram(self.table, x, y, output, game=game, ax=figure.add_subplot())
        return figure

    def plot_outcome(self, x: str, output: str) -> Figure:
        """An output against one swept parameter (mean and 10-90 % band)."""
        from sim.viz import plots

        figure = plots.new_figure((7, 4))
        plots.outcome_vs_parameter(self.table, x, output, ax=figure.add_subplot())
        return figure

    def plot_sobol(self, output: str) -> Figure:
        """The Sobol indices of ``output`` with confidence intervals."""
        from sim.viz import plots

        figure = plots.new_figure((7, 4))
        plots.sobol_bars(self.sobol(output), output=output, scenario=self.scenario.name, ax=figure.add_subplot())
        return figure

    def discover(self, output: str, threshold: str | float | None = None, **settings: Any) -> Discovery:
        """The boxes of swept parameters where ``output`` meets ``threshold`` (PRIM; see
        :func:`sim.sweeps.discovery.discover` for ``settings``: ``alpha``, ``min_mass``,
        ``min_coverage``, ``paste``, ``boxes``)."""
        from sim.sweeps.discovery import discover

        return discover(self.table, output, threshold, **settings)

    def plot_discovery(self, found: Discovery, box: int = 0) -> Figure:
        """The peeling trajectory of ``found`` (from :meth:`discover`) and the limits of its
        box number ``box`` (0: the first)."""
        from sim.viz.discovery_plots import discovery_figure

        return discovery_figure(found, box)

    def save(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write the table (Parquet and CSV) and the sweep's description (``sweep.json``)
        into ``directory``, all together or not at all. A sweep run with ``out`` is
        already saved there (resumable); this writes a plain copy."""
        table = self.table
        writers: dict[str, Writer] = {
            "sweep.parquet": partial(_table_to, table, "parquet"),
            "sweep.csv": partial(_table_to, table, "csv"),
            "sweep.json": partial(_text_to, json.dumps(self.spec.as_dict(), indent=2, sort_keys=True) + "\n"),
        }
        check_output_folder_path(directory, "--out")
        return write_folder_atomic(Path(directory), writers, "--out")


def _table_to(table: pd.DataFrame, kind: str, path: str) -> None:
    if kind == "csv":
        table.to_csv(path, index=False, lineterminator="\n")
    else:
        table.to_parquet(path, index=False)


def _text_to(text: str, path: str) -> None:
    Path(path).write_text(text, encoding="utf-8")
