"""Figures of runs and sweeps (matplotlib only).

Every function takes result tables (the DataFrames of :mod:`sim.model.results` and
:mod:`sim.sweeps.runner`) and an optional matplotlib ``ax``, and returns the axes it drew on.
Colours come from the Okabe-Ito palette, which stays distinguishable with the common
forms of colour blindness; line styles tell players apart too, so figures also read
in grey.

Runs
    :func:`equilibrium_probabilities` (a game's selected equilibrium over rounds, with
    the actions played and degenerate rounds), :func:`state_trajectories`,
    :func:`move_timeline` (the moves an actor made in a game tree, round by round),
    :func:`payoff_heatmap` (a two-player stage game with best responses and equilibria).
Sweeps
    :func:`outcome_vs_parameter` (an output against one parameter, with the spread over
    replications), :func:`phase_diagram` (an output's mean, or the most frequent
    profile of a game, over two parameters), :func:`sobol_bars`.

The same figures are methods of :class:`sim.api.RunResult` (``plot_equilibria``,
``plot_state``, ``plot_payoffs``) and :class:`sim.api.SweepResult` (``plot_phase_diagram``,
``plot_outcome``, ``plot_sobol``), each returning a figure; :func:`register_accessor` adds
them to pandas as ``table.sweep`` for those who want it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import UsageError, did_you_mean
from sim.game.equilibrium import SolveResult
from sim.game.normal_form import best_response_marks

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "equilibrium_probabilities",
    "move_timeline",
    "new_figure",
    "outcome_vs_parameter",
    "payoff_heatmap",
    "phase_diagram",
    "register_accessor",
    "sobol_bars",
    "state_trajectories",
]

#: Okabe & Ito (2008) colours, safe for colour-blind readers.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_STYLES = ("-", "--", ":", "-.")


def new_figure(size: tuple[float, float] = (7.0, 4.0)) -> Figure:
    """An empty figure of its own (no pyplot: the caller's backend and open figures are
    left alone), laid out so that titles and labels fit. In a notebook it shows itself as
    a PNG when it is a cell's value (it has ``_repr_png_``), whatever the backend.

    Examples
    --------
    >>> figure = new_figure((4, 3))
    >>> figure.get_size_inches().tolist(), figure._repr_png_()[:4]
    ([4.0, 3.0], b'\\x89PNG')
    """
    figure: Figure = _shown_figure()(figsize=size, layout="constrained")
    return figure


@functools.cache
def _shown_figure() -> type[Figure]:
    """The figure class of :func:`new_figure` (made on first use: matplotlib is imported
    only by those who draw)."""
    from matplotlib.figure import Figure

    class ShownFigure(Figure):
        """A figure that IPython can show without pyplot."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return ShownFigure


def _axes(ax: Axes | None, size: tuple[float, float] = (7.0, 4.0)) -> Axes:
    """``ax``, or the axes of a new figure of ``size``."""
    return ax if ax is not None else new_figure(size).add_subplot()


def _require(table: pd.DataFrame, column: str, what: str) -> None:
    if column not in table.columns:
        known = [str(c) for c in table.columns]
        raise UsageError(f"no column {column!r} in the {what}{did_you_mean(column, known)}")


def _require_numbers(table: pd.DataFrame, column: str) -> None:
    """An output to average must be a column of numbers (not ``stop_reason``, ``error``)."""
    _require(table, column, "sweep table")
    if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
        numbers = [str(c) for c in table.columns if str(c).startswith(("metric:", "share:", "final:"))][:3]
        raise UsageError(
            f"column {column!r} holds {table[column].dtype} values, not numbers: choose a numeric output"
            f"{' (e.g. ' + ', '.join(numbers) + ')' if numbers else ''}"
        )


def _tick(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def equilibrium_probabilities(
    rounds: pd.DataFrame, game: str, *, equilibria: pd.DataFrame | None = None, ax: Axes | None = None
) -> Axes:
    """A game's selected equilibrium, round by round: one line per player's strategy,
    a dot where the strategy was played, grey bands on degenerate rounds.

    Parameters
    ----------
    rounds : DataFrame
        A run's ``rounds`` table.
    game : str
    equilibria : DataFrame, optional
        The run's ``equilibria`` table, to shade degenerate rounds.
    ax : matplotlib Axes, optional
    """
    _require(rounds, "game", "rounds table")
    here = rounds[rounds["game"] == game]
    if here.empty:
        raise UsageError(f"no game {game!r} in the rounds table{did_you_mean(game, sorted(set(rounds['game'])))}")
    ax = _axes(ax)
    if equilibria is not None:
        flagged = equilibria[(equilibria["game"] == game) & equilibria["degenerate"]]["round"].unique()
        for index, r in enumerate(sorted(flagged)):
            ax.axvspan(r - 0.5, r + 0.5, color="0.85", zorder=0, label="degenerate game" if index == 0 else None)
    players = list(dict.fromkeys(here["player"]))
    for k, ((player, strategy), line) in enumerate(here.groupby(["player", "strategy"], sort=False)):
        colour, style = PALETTE[k % len(PALETTE)], _STYLES[players.index(player) % len(_STYLES)]
        ax.plot(
            line["round"],
            line["probability"],
            style,
            color=colour,
            drawstyle="steps-mid",
            label=f"{player}: {strategy}",
        )
        played = line[line["played"]]
        ax.plot(played["round"], played["probability"], "o", color=colour, markersize=5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("round")
    ax.set_ylabel("probability in the selected equilibrium")
    ax.set_title(f"{game}: selected equilibrium (dots: strategies played)")
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def state_trajectories(state: pd.DataFrame, variables: Sequence[str] | None = None, *, ax: Axes | None = None) -> Axes:
    """Actor state (and changing parameters) over rounds, one line per variable.

    Parameters
    ----------
    state : DataFrame
        A run's ``state`` table.
    variables : sequence of str, optional
        ``"Actor.variable"`` names (or a parameter's name) to draw; all by default.
    """
    _require(state, "variable", "state table")
    keys = np.where(state["actor"] == "parameters", state["variable"], state["actor"] + "." + state["variable"])
    frame = state.assign(key=keys)
    chosen = list(variables) if variables else list(dict.fromkeys(frame["key"]))
    for name in chosen:
        if name not in set(frame["key"]):
            raise UsageError(f"no state variable {name!r}{did_you_mean(name, sorted(set(frame['key'])))}")
    ax = _axes(ax)
    for index, name in enumerate(chosen):
        line = frame[frame["key"] == name]
        ax.plot(
            line["round"],
            line["value"],
            _STYLES[(index // len(PALETTE)) % len(_STYLES)],
            color=PALETTE[index % len(PALETTE)],
            label=name,
        )
    ax.set_xlabel("round (0 = start)")
    ax.set_ylabel("value")
    ax.set_title("state over rounds")
    if chosen:
        ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:
        ax.text(0.5, 0.5, "this scenario has no state variables", ha="center", va="center", transform=ax.transAxes)
    return ax


def move_timeline(
    moves: pd.DataFrame, game: str, actor: str, *, only: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """The moves an actor (or ``chance``) made in a game tree, round by round: one row per
    move, a marker in each round it was made (a round may hold several: a posture, then a
    reply to an incident).

    Parameters
    ----------
    moves : DataFrame
        A run's ``moves`` table (columns ``round``, ``game``, ``actor``, ``move``).
    game, actor : str
    only : sequence of str, optional
        The moves to show, bottom row first (default: every move made, in the order first
        made); chance's type draws, for one, can be left out this way.
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> table = pd.DataFrame({"round": [1, 1, 2], "game": "crisis", "actor": "EU",
    ...                       "move": ["monitors", "stand_firm", "hold_back"]})
    >>> ax = move_timeline(table, "crisis", "EU")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['monitors', 'stand_firm', 'hold_back']
    """
    for column in ("round", "game", "actor", "move"):
        _require(moves, column, "moves table")
    here = moves[(moves["game"] == game) & (moves["actor"] == actor)]
    if here.empty:
        pairs = sorted({f"{g}/{a}" for g, a in zip(moves["game"], moves["actor"], strict=True)})
        raise UsageError(f"no moves of {actor!r} in game {game!r}{did_you_mean(f'{game}/{actor}', pairs)}")
    names = list(only) if only is not None else list(dict.fromkeys(here["move"]))
    ax = _axes(ax, (7.0, 0.6 + 0.35 * len(names)))
    for row, name in enumerate(names):
        made = here[here["move"] == name]["round"]
        ax.plot(made, [row] * len(made), "o", color=PALETTE[row % len(PALETTE)], markersize=6)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.grid(axis="y", color="0.9")
    ax.set_xlabel("round")
    ax.set_title(f"{game}: moves of {actor}")
    return ax


def payoff_heatmap(result: SolveResult, *, ax: Axes | None = None) -> Axes:
    """A two-player stage game: cells coloured by the row player's payoff, labelled
    with both payoffs (``*`` marks a best response), pure equilibria outlined, all
    equilibria listed below."""
    game = result.game
    if game.n_players != 2:
        raise UsageError(f"a payoff heatmap needs two players; {game.name} has {game.n_players}")
    ax = _axes(ax, (6.0, 4.5))
    row_payoffs = game.payoffs[..., 0]
    best = best_response_marks(game)
    image = ax.imshow(row_payoffs, cmap="cividis", aspect="auto")
    for i, j in np.ndindex(*game.shape):
        marks = ["*" if best[i, j, p] else "" for p in (0, 1)]
        text = f"{game.payoffs[i, j, 0]:.3g}{marks[0]}, {game.payoffs[i, j, 1]:.3g}{marks[1]}"
        ax.text(
            j, i, text, ha="center", va="center", color="white" if row_payoffs[i, j] < row_payoffs.mean() else "black"
        )
    for eq in result.equilibria:
        if eq.is_pure:
            i, j = eq.support(0)[0], eq.support(1)[0]
            ax.add_patch(_outline(j, i))
    ax.set_xticks(range(game.shape[1]), game.strategies[1])
    ax.set_yticks(range(game.shape[0]), game.strategies[0])
    ax.set_xlabel(f"{game.players[1]} (column player)")
    ax.set_ylabel(f"{game.players[0]} (row player)")
    ax.set_title(f"{game.name}: payoffs ({game.players[0]}, {game.players[1]})\n* best response, box: pure equilibrium")
    ax.figure.colorbar(image, ax=ax, label=f"payoff of {game.players[0]}")
    return ax


def _outline(x: int, y: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.48), 0.96, 0.96, fill=False, edgecolor=PALETTE[5], linewidth=3)


def outcome_vs_parameter(table: pd.DataFrame, x: str, output: str, *, ax: Axes | None = None) -> Axes:
    """A sweep output against one parameter: the mean over runs, and a band from the
    10th to the 90th percentile over replications and the other swept values."""
    _require(table, x, "sweep table")
    _require_numbers(table, output)
    grouped = table.groupby(x)[output]
    summary = pd.DataFrame({"mean": grouped.mean(), "low": grouped.quantile(0.1), "high": grouped.quantile(0.9)})
    ax = _axes(ax)
    ax.fill_between(
        summary.index,
        summary["low"],
        summary["high"],
        color=PALETTE[4],
        alpha=0.35,
        label="10th-90th percentile of runs",
    )
    ax.plot(summary.index, summary["mean"], "-o", color=PALETTE[0], label="mean over runs")
    ax.set_xlabel(x)
    ax.set_ylabel(output)
    ax.set_title(f"{output} against {x} ({len(table)} runs)")
    ax.legend(fontsize="small")
    return ax


def phase_diagram(
    table: pd.DataFrame, x: str, y: str, output: str | None = None, *, game: str | None = None, ax: Axes | None = None
) -> Axes:
    """Two swept parameters: a heatmap of an output's mean over runs, or (``game``
    given, ``output`` not) of the profile of that game played most often."""
    for column in (x, y):
        _require(table, column, "sweep table")
    if (output is None) == (game is None):
        raise UsageError("give either an output column or a game (for its most frequent profile)")
    ax = _axes(ax, (6.5, 5.0))
    if output is not None:
        _require_numbers(table, output)
        grid = table.pivot_table(index=y, columns=x, values=output, aggfunc="mean")
        image = ax.imshow(grid.values, origin="lower", aspect="auto", cmap="viridis")
        ax.figure.colorbar(image, ax=ax, label=f"mean of {output}")
        title = f"{output}: mean over runs"
    else:
        grid, labels = _modal_profiles(table, x, y, str(game))
        image = ax.imshow(
            grid.values,
            origin="lower",
            aspect="auto",
            cmap=_categorical(len(labels)),
            vmin=-0.5,
            vmax=len(labels) - 0.5,
        )
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=image.cmap(k), label=label) for k, label in enumerate(labels)],
            title="most frequent profile",
            fontsize="small",
            loc="center left",
            bbox_to_anchor=(1.01, 0.5),
        )
        title = f"{game}: most frequent profile"
    ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title)
    return ax


def _modal_profiles(table: pd.DataFrame, x: str, y: str, game: str) -> tuple[pd.DataFrame, list[str]]:
    prefix = f"share:{game}=("
    shares = [c for c in table.columns if str(c).startswith(prefix)]
    if not shares:
        games = sorted({str(c)[6:].split("=")[0] for c in table.columns if str(c).startswith("share:")})
        raise UsageError(f"no game {game!r} in the sweep table{did_you_mean(game, games)}")
    means = table.groupby([y, x])[shares].mean()
    modal = means.idxmax(axis=1).str[len("share:") :]
    labels = sorted(set(modal))
    codes = modal.map({label: k for k, label in enumerate(labels)}).unstack(x)
    return codes, labels


def _categorical(count: int) -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap([PALETTE[k % len(PALETTE)] for k in range(count)])


def sobol_bars(indices: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """First-order and total Sobol indices per parameter, with confidence intervals
    (the table of :func:`sim.sweeps.analysis.sobol_indices`)."""
    for column in ("S1", "S1_conf", "ST", "ST_conf"):
        _require(indices, column, "Sobol table")
    ax = _axes(ax)
    positions = np.arange(len(indices))
    ax.bar(
        positions - 0.2,
        indices["S1"],
        0.4,
        yerr=indices["S1_conf"],
        color=PALETTE[0],
        label="first order (S1)",
        capsize=3,
    )
    ax.bar(
        positions + 0.2, indices["ST"], 0.4, yerr=indices["ST_conf"], color=PALETTE[1], label="total (ST)", capsize=3
    )
    ax.set_xticks(positions, [str(name) for name in indices.index])
    ax.set_ylabel("Sobol index (share of output variance)")
    ax.set_xlabel("parameter")
    ax.set_title("sensitivity: Sobol indices with 95% confidence intervals")
    ax.legend(fontsize="small")
    return ax


def register_accessor() -> None:
    """Add ``table.sweep.phase_diagram(...)`` and friends to every pandas DataFrame, for
    those who ask (the library registers nothing on pandas by itself; a
    :class:`sim.api.SweepResult` has the same figures as ``plot_*`` methods)."""
    if not hasattr(pd.DataFrame, "sweep"):
        pd.api.extensions.register_dataframe_accessor("sweep")(SweepAccessor)


class SweepAccessor:
    """``table.sweep.phase_diagram(...)`` and friends on a sweep table (after
    :func:`register_accessor`)."""

    def __init__(self, table: pd.DataFrame) -> None:
        self._table = table

    def outcome_vs_parameter(self, x: str, output: str, *, ax: Axes | None = None) -> Axes:
        """See :func:`outcome_vs_parameter`."""
        return outcome_vs_parameter(self._table, x, output, ax=ax)

    def phase_diagram(
        self, x: str, y: str, output: str | None = None, *, game: str | None = None, ax: Axes | None = None
    ) -> Axes:
        """See :func:`phase_diagram`."""
        return phase_diagram(self._table, x, y, output, game=game, ax=ax)
