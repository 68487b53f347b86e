"""Figures of runs and sweeps (matplotlib only).

Every function takes result tables (the DataFrames of :mod:`sim.model.results` and
:mod:`sim.sweeps.runner`) and an optional matplotlib ``ax``, and returns the axes it drew on.
Colours come from the Okabe-Ito palette, which stays distinguishable with the common
forms of colour blindness; line styles tell players apart too, so figures also read
in grey.

Runs
    :func:`equilibrium_probabilities` (a game's selected equilibrium over rounds, a
    panel per player with the strategy it played and degenerate rounds marked),
    :func:`state_by_actor` (a panel per actor), :func:`state_trajectories` (one panel),
    :func:`move_timeline` (the moves an actor made in a game tree, round by round),
    :func:`payoff_heatmap` (a two-player stage game with best responses and equilibria).
Sweeps
    :func:`outcome_vs_parameter` (an output against one parameter, with the spread over
    replications), :func:`phase_diagram` (an output's mean, or the most frequent
    profile of a game, over two parameters: a heatmap of a grid, a scatter plot of
    sampled points), :func:`sobol_bars`.

Titles name the scenario (when the caller gives it, or a sweep table carries it), the
game and the round where they apply.

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
from sim.terminal import visible

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "equilibria_size",
    "equilibrium_probabilities",
    "move_timeline",
    "new_figure",
    "outcome_vs_parameter",
    "payoff_heatmap",
    "phase_diagram",
    "register_accessor",
    "sobol_bars",
    "state_by_actor",
    "state_size",
    "state_trajectories",
]

#: Okabe & Ito (2008) colours, safe for colour-blind readers.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: The outline of a played strategy (vermillion: visible on the pale and the dark cells).
PLAYED = PALETTE[5]
#: Designs whose points are sampled, not a grid: their phase diagrams are scatter plots.
SAMPLED_DESIGNS = ("lhs", "sobol")
#: Bins (at most) of a sampled parameter in the figure of an output against it.
SAMPLED_BINS = 10
#: Area (points squared) of a sampled point's dot in a phase diagram.
_DOT = 60.0
_STYLES = ("-", "--", ":", "-.")
#: Markers of a panel's state lines, in turn, and about how many marks each line gets.
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_MARKS_PER_LINE = 12
#: Height in inches of one actor's panel of state.
_STATE_PANEL_INCHES = 1.8


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


def _shown(text: str) -> str:
    """User text (a scenario's, player's or strategy's name) as a figure shows it: control
    characters as visible escapes (:func:`sim.terminal.visible`), ``$`` not read as math.

    Examples
    --------
    >>> print(_shown("costs $5\x1b[2J"))
    costs \\$5\\x1b[2J
    """
    return visible(text).replace("$", "\\$")


def _title(ax: Axes, text: str, scenario: str | None) -> None:
    """Title ``ax`` with ``text`` under the scenario's name (when known)."""
    lines = [scenario, *text.split("\n")] if scenario else text.split("\n")
    ax.set_title("\n".join(_shown(line) for line in lines))


def _sweep_scenario(table: pd.DataFrame) -> str | None:
    """The scenario's name a sweep table carries in ``attrs["sweep"]`` (``None`` when lost)."""
    name = table.attrs.get("sweep", {}).get("scenario")
    return str(name) if name else None


def _tick(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


#: Runs of at most this many rounds have each mixed probability written in its cell
#: (with more, the cells are too narrow for the text).
WRITTEN_ROUNDS = 30
#: Height in inches of one strategy's row, and of a player's panel beyond its rows.
_ROW_INCHES, _PANEL_INCHES = 0.32, 0.5


def equilibria_size(rounds: pd.DataFrame, game: str) -> tuple[float, float]:
    """The figure size (inches) that gives :func:`equilibrium_probabilities` of ``game``
    readable rows: grows with the players, their strategies and the rounds.

    Examples
    --------
    >>> rounds = pd.DataFrame({"round": [1, 1, 1], "game": "g", "player": ["A", "A", "B"],
    ...                        "strategy": ["x", "y", "u"]})
    >>> equilibria_size(rounds, "g")
    (8.0, 3.26)
    """
    here = rounds[rounds["game"] == game]
    strategies = here.groupby("player", sort=False)["strategy"].nunique()
    height = 1.3 + float(strategies.sum()) * _ROW_INCHES + len(strategies) * _PANEL_INCHES
    width = min(14.0, max(8.0, 4.0 + 0.15 * here["round"].nunique()))
    return round(width, 2), round(height, 2)


def equilibrium_probabilities(
    rounds: pd.DataFrame,
    game: str,
    *,
    equilibria: pd.DataFrame | None = None,
    scenario: str | None = None,
    ax: Axes | None = None,
) -> list[Axes]:
    """A game's selected equilibrium, round by round, one panel per player: a row per
    strategy, each cell shaded by the strategy's probability in that round's selected
    equilibrium (mixed probabilities written in the cell on short runs), a ring on the
    strategy the player actually played, hatching on degenerate rounds.

    Parameters
    ----------
    rounds : DataFrame
        A run's ``rounds`` table.
    game : str
    equilibria : DataFrame, optional
        The run's ``equilibria`` table, to hatch degenerate rounds.
    scenario : str, optional
        The scenario's name, for the title.
    ax : matplotlib Axes, optional
        Made by ``add_subplot``: its place is split into the players' panels. A new
        figure (of :func:`equilibria_size`) when not given.

    Returns
    -------
    list of Axes
        The players' panels, top to bottom in the order the game lists them.

    Examples
    --------
    >>> rounds = pd.DataFrame({"round": [1, 1, 2, 2], "game": "g", "player": "A",
    ...                        "strategy": ["x", "y", "x", "y"], "probability": [0.5, 0.5, 1.0, 0.0],
    ...                        "played": [False, True, True, False]})
    >>> (panel,) = equilibrium_probabilities(rounds, "g", scenario="demo")
    >>> panel.get_ylabel(), [t.get_text() for t in panel.get_yticklabels()]
    ('A', ['x', 'y'])
    """
    _require(rounds, "game", "rounds table")
    here = rounds[rounds["game"] == game]
    if here.empty:
        raise UsageError(f"no game {game!r} in the rounds table{did_you_mean(game, sorted(set(rounds['game'])))}")
    players = list(dict.fromkeys(here["player"]))
    strategies = {p: list(dict.fromkeys(here.loc[here["player"] == p, "strategy"])) for p in players}
    panels = _player_panels(ax, [len(strategies[p]) for p in players], equilibria_size(rounds, game))
    span = range(int(here["round"].min()), int(here["round"].max()) + 1)
    degenerate: list[int] = []
    if equilibria is not None:
        flagged = equilibria[(equilibria["game"] == game) & equilibria["degenerate"]]["round"]
        degenerate = sorted(int(r) for r in flagged.unique())
    image = None
    for panel, player in zip(panels, players):
        image = _player_panel(panel, here[here["player"] == player], strategies[player], span, degenerate)
        panel.set_ylabel(_shown(player), rotation=0, ha="right", va="center", fontweight="bold", labelpad=12)
    for panel in panels[:-1]:
        panel.tick_params(labelbottom=False)
    panels[-1].set_xlabel("round")
    _title(panels[0], f"{game}: selected equilibrium each round", scenario)
    assert image is not None
    panels[0].figure.colorbar(image, ax=panels, label="probability in the\nselected equilibrium", shrink=0.8, aspect=25)
    panels[-1].legend(
        handles=_equilibria_legend(bool(degenerate)),
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        borderaxespad=3.8,  # in font sizes: below the round numbers and the axis label
        ncols=2,
        frameon=False,
    )
    return panels


def _player_panels(ax: Axes | None, rows: list[int], size: tuple[float, float]) -> list[Axes]:
    """One panel per player, as high as the player has strategies, sharing the rounds axis:
    in ``ax``'s place (which is removed), or in a new figure of ``size``."""
    if ax is None:
        figure: Any = new_figure(size)
        grid = figure.add_gridspec(len(rows), 1, height_ratios=rows)
    else:
        spec = ax.get_subplotspec()
        if spec is None:
            raise UsageError("the equilibria figure needs axes made by add_subplot (it splits them per player)")
        figure = ax.figure
        ax.remove()
        grid = spec.subgridspec(len(rows), 1, height_ratios=rows)
    first = figure.add_subplot(grid[0])
    return [first] + [figure.add_subplot(grid[k], sharex=first) for k in range(1, len(rows))]


def _described(line: pd.DataFrame, strategy: str) -> str:
    """``"H (hold back)"`` when the rounds table describes the strategy, else ``"H"``."""
    if "description" not in line.columns:
        return strategy
    texts = line.loc[line["strategy"] == strategy, "description"]
    text = str(texts.iloc[0]) if len(texts) else ""
    return f"{strategy} ({text})" if text else strategy


def _player_panel(ax: Axes, line: pd.DataFrame, strategies: list[str], span: range, degenerate: list[int]) -> Any:
    """One player's rows: probabilities as shades, the played strategy outlined."""
    grid = line.pivot_table(index="strategy", columns="round", values="probability", aggfunc="first")
    grid = grid.reindex(index=strategies, columns=list(span))
    extent = (span.start - 0.5, span.stop - 0.5, len(strategies) - 0.5, -0.5)
    image = ax.imshow(
        grid.values, aspect="auto", cmap="Blues", vmin=0.0, vmax=1.0, extent=extent, interpolation="nearest"
    )
    if len(span) <= WRITTEN_ROUNDS:
        for (k, r), p in np.ndenumerate(grid.values):
            if 0.0 < p < 1.0:
                ax.text(
                    span.start + r,
                    k,
                    _probability(p),
                    ha="center",
                    va="center",
                    fontsize="x-small",
                    color="white" if p > 0.6 else "black",
                )
    for r, strategy in line.loc[line["played"], ["round", "strategy"]].itertuples(index=False):
        ax.add_patch(_played_box(int(r), strategies.index(strategy)))
    for r in degenerate:
        ax.axvspan(r - 0.5, r + 0.5, fill=False, hatch="///", edgecolor="0.45", linewidth=0)
    ax.set_yticks(range(len(strategies)), [_shown(_described(line, s)) for s in strategies])
    ax.set_ylim(len(strategies) - 0.5, -0.5)
    ax.xaxis.set_major_locator(_integer_ticks())
    return image


def _probability(p: float) -> str:
    """A mixed probability in two decimals, never shown as 0 or 1.

    Examples
    --------
    >>> [_probability(p) for p in (1 / 3, 0.001, 0.999)]
    ['.33', '<.01', '>.99']
    """
    return "<.01" if p < 0.005 else ">.99" if p >= 0.995 else f"{p:.2f}".lstrip("0")


def _played_box(x: int, y: int) -> Any:
    """The outline of a played strategy's cell."""
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.42, y - 0.42), 0.84, 0.84, fill=False, edgecolor=PLAYED, linewidth=2, label="_played")


def _equilibria_legend(degenerate: bool) -> list[Any]:
    from matplotlib.patches import Patch

    handles = [Patch(fill=False, edgecolor=PLAYED, linewidth=2, label="strategy played")]
    if degenerate:
        handles.append(Patch(fill=False, hatch="///", edgecolor="0.45", linewidth=0, label="degenerate game"))
    return handles


def _integer_ticks() -> Any:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def state_trajectories(
    state: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    scenario: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Actor state (and changing parameters) over rounds, one line per variable, all
    in one panel (:func:`state_by_actor` gives each actor a panel of its own).

    Parameters
    ----------
    state : DataFrame
        A run's ``state`` table.
    variables : sequence of str, optional
        ``"Actor.variable"`` names (or a parameter's name) to draw; all by default.
    scenario : str, optional
        The scenario's name, for the title.
    """
    frame, chosen = _state_keys(state, variables)
    ax = _axes(ax)
    _state_lines(ax, frame, chosen, chosen)
    ax.set_xlabel("round (0 = start)")
    ax.set_ylabel("value")
    _title(ax, "state over rounds", scenario)
    if not chosen:
        ax.text(0.5, 0.5, "this scenario has no state variables", ha="center", va="center", transform=ax.transAxes)
    return ax


def state_by_actor(
    state: pd.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    scenario: str | None = None,
    ax: Axes | None = None,
) -> list[Axes]:
    """Actor state over rounds with a panel per actor (and one for the parameters that
    change), each with its own scale: lines of different actors never hide each other.

    Parameters
    ----------
    state : DataFrame
        A run's ``state`` table.
    variables : sequence of str, optional
        ``"Actor.variable"`` names (or a parameter's name) to draw; all by default.
    scenario : str, optional
        The scenario's name, for the title.
    ax : matplotlib Axes, optional
        Made by ``add_subplot``: its place is split into the panels. A new figure (of
        :func:`state_size`) when not given.

    Examples
    --------
    >>> state = pd.DataFrame({"round": [0, 1, 0, 1], "actor": ["A", "A", "parameters", "parameters"],
    ...                       "variable": ["trust", "trust", "esc", "esc"], "value": [0.1, 0.2, 0.0, 1.0]})
    >>> [panel.get_ylabel() for panel in state_by_actor(state)]
    ['A', 'parameters']
    """
    frame, chosen = _state_keys(state, variables)
    if not chosen:
        return [state_trajectories(state, variables, scenario=scenario, ax=ax)]
    owners = dict(zip(frame["key"], frame["actor"]))
    actors = list(dict.fromkeys(owners[key] for key in chosen))
    panels = _player_panels(ax, [1] * len(actors), state_size(state, variables))
    for panel, actor in zip(panels, actors):
        keys = [key for key in chosen if owners[key] == actor]
        _state_lines(panel, frame, keys, [key.removeprefix(f"{actor}.") for key in keys])
        panel.set_ylabel(_shown(actor), rotation=0, ha="right", va="center", fontweight="bold", labelpad=12)
    for panel in panels[:-1]:
        panel.tick_params(labelbottom=False)
    panels[-1].set_xlabel("round (0 = start)")
    _title(panels[0], "state over rounds (a panel per actor, each with its own scale)", scenario)
    return panels


def state_size(state: pd.DataFrame, variables: Sequence[str] | None = None) -> tuple[float, float]:
    """The figure size (inches) of :func:`state_by_actor`: a band per actor.

    Examples
    --------
    >>> state = pd.DataFrame({"round": [0], "actor": ["A"], "variable": ["trust"], "value": [0.1]})
    >>> state_size(state)
    (8.0, 3.1)
    """
    frame, chosen = _state_keys(state, variables)
    actors = set(frame.loc[frame["key"].isin(chosen), "actor"])
    return 8.0, round(1.3 + _STATE_PANEL_INCHES * max(1, len(actors)), 2)


def _state_keys(state: pd.DataFrame, variables: Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The state table with a ``key`` column (``Actor.variable``, or a parameter's name)
    and the keys to draw (checked)."""
    _require(state, "variable", "state table")
    keys = np.where(state["actor"] == "parameters", state["variable"], state["actor"] + "." + state["variable"])
    frame = state.assign(key=keys)
    chosen = list(variables) if variables else list(dict.fromkeys(frame["key"]))
    for name in chosen:
        if name not in set(frame["key"]):
            raise UsageError(f"no state variable {name!r}{did_you_mean(name, sorted(set(frame['key'])))}")
    return frame, chosen


def _state_lines(ax: Axes, frame: pd.DataFrame, keys: Sequence[str], labels: Sequence[str]) -> None:
    """A line per key, told apart by colour, style and marker (so lines lying on each
    other still show both markers), with a legend at the right."""
    for index, (name, label) in enumerate(zip(keys, labels)):
        line = frame[frame["key"] == name]
        ax.plot(
            line["round"],
            line["value"],
            _STYLES[(index // len(PALETTE)) % len(_STYLES)],
            color=PALETTE[index % len(PALETTE)],
            marker=_MARKERS[index % len(_MARKERS)],
            markevery=(index % 3, max(1, len(line) // _MARKS_PER_LINE)),
            markersize=5,
            label=_shown(label),
        )
    if keys:
        ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.xaxis.set_major_locator(_integer_ticks())  # rounds are whole: no tick at round 0.2


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


def payoff_heatmap(
    result: SolveResult, *, round_number: int | None = None, scenario: str | None = None, ax: Axes | None = None
) -> Axes:
    """A two-player stage game: cells coloured by the row player's payoff, labelled
    with both payoffs (``*`` marks a best response), pure equilibria outlined; the title
    names the scenario and the round when given."""
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
    when = f", round {round_number}" if round_number is not None else ""
    _title(
        ax,
        f"{game.name}{when}: payoffs ({game.players[0]}, {game.players[1]})\n* best response, box: pure equilibrium",
        scenario,
    )
    ax.figure.colorbar(image, ax=ax, label=f"payoff of {game.players[0]}")
    return ax


def _outline(x: int, y: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.48), 0.96, 0.96, fill=False, edgecolor=PALETTE[5], linewidth=3)


def outcome_vs_parameter(table: pd.DataFrame, x: str, output: str, *, ax: Axes | None = None) -> Axes:
    """A sweep output against one parameter: the mean over runs, and a band from the
    10th to the 90th percentile over replications and the other swept values. Sampled
    values (an ``lhs`` or ``sobol`` design) are binned: a dot per run, and the mean and
    band over the runs in each of up to :data:`SAMPLED_BINS` equal bins of ``x``.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [0.05, 0.15, 0.55, 0.95], "metric:m": [0.0, 1.0, 1.0, 0.5]})
    >>> table.attrs["sweep"] = {"design": "lhs"}
    >>> ax = outcome_vs_parameter(table, "a", "metric:m")
    >>> len(ax.collections[-1].get_offsets()), ax.get_title()
    (4, 'metric:m against a (4 runs; mean per bin of a)')
    """
    _require(table, x, "sweep table")
    _require_numbers(table, output)
    ax = _axes(ax)
    sampled = _sampled_factor(table, x)
    keys: Any = table[x]
    if sampled:
        bins = max(1, min(SAMPLED_BINS, table[x].nunique() // 4))
        keys = pd.cut(table[x], bins).map(lambda interval: interval.mid).astype(float)
    grouped = table[output].groupby(keys, observed=True)
    summary = pd.DataFrame({"mean": grouped.mean(), "low": grouped.quantile(0.1), "high": grouped.quantile(0.9)})
    ax.fill_between(
        summary.index,
        summary["low"],
        summary["high"],
        color=PALETTE[4],
        alpha=0.35,
        label="10th-90th percentile of runs" + (" in the bin" if sampled else ""),
    )
    ax.plot(
        summary.index, summary["mean"], "-o", color=PALETTE[0], label="mean" + (" per bin" if sampled else " over runs")
    )
    if sampled:
        ax.scatter(table[x], table[output], s=12, color="0.35", alpha=0.6, label="a run", zorder=3)
    ax.set_xlabel(x)
    ax.set_ylabel(output)
    how = f"; mean per bin of {x}" if sampled else ""
    _title(ax, f"{output} against {x} ({len(table)} runs{how})", _sweep_scenario(table))
    ax.legend(fontsize="small")
    return ax


def _sampled_factor(table: pd.DataFrame, x: str) -> bool:
    """Whether ``x`` holds sampled values (an ``lhs`` or ``sobol`` design's) rather than levels."""
    if not pd.api.types.is_numeric_dtype(table[x]):
        return False
    return bool(table.attrs.get("sweep", {}).get("design") in SAMPLED_DESIGNS)


def phase_diagram(
    table: pd.DataFrame, x: str, y: str, output: str | None = None, *, game: str | None = None, ax: Axes | None = None
) -> Axes:
    """Two swept parameters: an output's mean over runs, or (``game`` given, ``output``
    not) the profile of that game played most often. A grid of values is drawn as a
    heatmap with a cell per grid point; sampled values (an ``lhs`` or ``sobol`` design, or
    any points that are not a grid) as a scatter plot on numeric axes, a dot per point.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [0.1, 0.5, 0.9], "b": [0.3, 0.8, 0.2], "metric:m": [0.0, 1.0, 1.0]})
    >>> ax = phase_diagram(table, "a", "b", "metric:m")
    >>> len(ax.collections), ax.get_xlabel(), ax.get_title()
    (1, 'a', 'metric:m: mean over runs (3 sampled points)')
    """
    for column in (x, y):
        _require(table, column, "sweep table")
    if (output is None) == (game is None):
        raise UsageError("give either an output column or a game (for its most frequent profile)")
    ax = _axes(ax, (6.5, 5.0))
    if output is not None:
        _require_numbers(table, output)
    if _is_grid(table, x, y):
        title = _phase_heatmap(table, x, y, output, game, ax)
    else:
        title = _phase_scatter(table, x, y, output, game, ax)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    _title(ax, title, _sweep_scenario(table))
    return ax


def _is_grid(table: pd.DataFrame, x: str, y: str) -> bool:
    """Whether the sweep's ``(x, y)`` values form a grid (every value of ``x`` with every
    value of ``y``), as a ``grid`` design's do and a sampled design's do not."""
    if not all(pd.api.types.is_numeric_dtype(table[c]) for c in (x, y)):
        return True  # categories (a game's select) have no axis to scatter on
    if table.attrs.get("sweep", {}).get("design") in SAMPLED_DESIGNS:
        return False
    return len(table[[x, y]].drop_duplicates()) == table[x].nunique() * table[y].nunique()


def _phase_heatmap(table: pd.DataFrame, x: str, y: str, output: str | None, game: str | None, ax: Axes) -> str:
    """A grid sweep's cells; returns the title."""
    if output is not None:
        grid = table.pivot_table(index=y, columns=x, values=output, aggfunc="mean")
        low, high = _limits(output)
        image = ax.imshow(grid.values, origin="lower", aspect="auto", cmap="viridis", vmin=low, vmax=high)
        ax.figure.colorbar(image, ax=ax, label=_mean_of(output))
        title = f"{output}: mean over runs"
    else:
        codes, labels = _modal_profiles(table, x, y, str(game))
        grid = codes.unstack(x)
        image = ax.imshow(
            grid.values,
            origin="lower",
            aspect="auto",
            cmap=_categorical(len(labels)),
            vmin=-0.5,
            vmax=len(labels) - 0.5,
        )
        _profile_legend(ax, [image.cmap(k) for k in range(len(labels))], labels)
        title = f"{game}: most frequent profile"
    ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
    return title


def _phase_scatter(table: pd.DataFrame, x: str, y: str, output: str | None, game: str | None, ax: Axes) -> str:
    """A sampled sweep's points (the mean over a point's replications); returns the title."""
    if output is not None:
        means = table.groupby([x, y])[output].mean().reset_index()
        low, high = _limits(output)
        dots = ax.scatter(
            means[x], means[y], c=means[output], cmap="viridis", s=_DOT, edgecolors="0.25", vmin=low, vmax=high
        )
        ax.figure.colorbar(dots, ax=ax, label=_mean_of(output))
        return f"{output}: mean over runs ({_sampled(table, len(means))})"
    codes, labels = _modal_profiles(table, x, y, str(game))
    points = codes.reset_index(name="code")
    colours = [PALETTE[k % len(PALETTE)] for k in range(len(labels))]
    ax.scatter(points[x], points[y], c=[colours[int(k)] for k in points["code"]], s=_DOT, edgecolors="0.25")
    _profile_legend(ax, colours, labels)
    return f"{game}: most frequent profile ({_sampled(table, len(points))})"


def _sampled(table: pd.DataFrame, points: int) -> str:
    """``"40 points of an lhs design"`` (the design when the table carries it)."""
    design = table.attrs.get("sweep", {}).get("design")
    return f"{points} points of an {design} design" if design else f"{points} sampled points"


def _mean_of(output: str) -> str:
    """A colour bar's label: what the colour is the mean of, a share spelt out.

    Examples
    --------
    >>> print(_mean_of("share:buffer_zone=(H,O)"))
    mean of share:buffer_zone=(H,O)
    (share of rounds in which buffer_zone was played as (H,O))
    """
    if output.startswith("share:") and "=" in output:
        game, profile = output[len("share:") :].split("=", 1)
        return f"mean of {output}\n(share of rounds in which {game} was played as {profile})"
    return f"mean of {output}"


def _limits(output: str) -> tuple[float | None, float | None]:
    """The colour range of an output: 0 to 1 for a share (so equal colours mean equal
    shares in every figure), the data's own range (``None``) otherwise."""
    return (0.0, 1.0) if output.startswith("share:") else (None, None)


def _profile_legend(ax: Axes, colours: Sequence[Any], labels: Sequence[str]) -> None:
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(color=colour, label=label) for colour, label in zip(colours, labels)],
        title="most frequent profile",
        fontsize="small",
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )


def _modal_profiles(table: pd.DataFrame, x: str, y: str, game: str) -> tuple[pd.Series, list[str]]:
    """The code of the profile played most often at each ``(y, x)`` point, and the
    profiles the codes stand for."""
    prefix = f"share:{game}=("
    shares = [c for c in table.columns if str(c).startswith(prefix)]
    if not shares:
        games = sorted({str(c)[6:].split("=")[0] for c in table.columns if str(c).startswith("share:")})
        raise UsageError(f"no game {game!r} in the sweep table{did_you_mean(game, games)}")
    means = table.groupby([y, x])[shares].mean()
    modal = means.idxmax(axis=1).str[len("share:") :]
    labels = sorted(set(modal))
    codes = modal.map({label: k for k, label in enumerate(labels)})
    return codes, labels


def _categorical(count: int) -> Any:
    from matplotlib.colors import ListedColormap

    return ListedColormap([PALETTE[k % len(PALETTE)] for k in range(count)])


def sobol_bars(
    indices: pd.DataFrame, *, output: str | None = None, scenario: str | None = None, ax: Axes | None = None
) -> Axes:
    """First-order and total Sobol indices per parameter, with confidence intervals
    (the table of :func:`sim.sweeps.analysis.sobol_indices`); ``output`` and
    ``scenario`` name what they are of in the title."""
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
    of = f" of {output}" if output else ""
    _title(ax, f"sensitivity{of}: Sobol indices with 95% confidence intervals", scenario)
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
