"""A drawing of a game tree, with an equilibrium's moves highlighted (matplotlib only).

The drawing is made on its own :class:`matplotlib.figure.Figure` (no pyplot, no change to
the caller's backend). Leaves are spaced evenly, each other node sits above the middle of
its children; decision nodes are coloured by player, chance nodes are grey squares, and
the nodes of one information set are joined by a dashed line. With an equilibrium, the
moves it plays are drawn thick (their probability is written where it is mixed), and a
realised path, if given, in red.

Game layout: see :mod:`sim.game.tree`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.game.tree import ExtensiveFormGame
from sim.solvers.trees import TreeEquilibrium
from sim.viz.tree_report import number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw_tree"]

#: Horizontal gap between an edge and its label, in leaf spacings.
_LABEL_GAP = 0.04

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def draw_tree(
    game: ExtensiveFormGame,
    equilibrium: TreeEquilibrium | None = None,
    *,
    realised: Sequence[int] = (),
    title: str | None = None,
) -> Figure:
    """The tree of ``game`` as a figure.

    Parameters
    ----------
    game : ExtensiveFormGame
    equilibrium : TreeEquilibrium, optional
        Its moves are drawn thick.
    realised : sequence of int
        Node indices of a path actually played (drawn in red).
    title : str, optional
        Defaults to the game's name and, with an equilibrium, "equilibrium moves thick".

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("entry", ("Entrant", "Incumbent"), Decision("Entrant", {
    ...     "Out": Terminal((0, 2)), "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)),
    ...                                                       "Accommodate": Terminal((1, 1))})}))
    >>> figure = draw_tree(g)
    >>> [text.get_text() for text in figure.axes[0].texts][:3]
    ['Entrant', 'Out', 'In']
    """
    from sim.viz.plots import new_figure

    x, y = _layout(game)
    leaves = len(game.terminals)
    depth = max(node.depth for node in game.nodes)
    figure = new_figure((max(6.0, 0.55 * leaves + 1.5), max(3.5, 1.3 * depth + 1.5)))
    axes = figure.add_subplot()
    on_path = set(itertools.pairwise(realised))
    for k, node in game.walk():
        _draw_node(axes, game, k, x[k], y[k], leaves)
        for m, child in enumerate(node.children):
            played = equilibrium is not None and node.kind == "decision" and equilibrium.behaviour[node.infoset][m] > 0
            colour = "#c00000" if (k, child) in on_path else ("black" if played else "#999999")
            axes.plot([x[k], x[child]], [y[k], y[child]], color=colour, linewidth=2.6 if played else 0.9, zorder=1)
            label_x, label_y, label = _edge_label(game, equilibrium, k, m, x, y, child)
            # a label sits on its own side of its edge: siblings' labels never stack into one
            # column where a narrow subtree brings their edges close (which read as the wrong branch's)
            side = "right" if x[child] < x[k] else "left" if x[child] > x[k] else "center"
            axes.text(
                label_x + {"right": -_LABEL_GAP, "left": _LABEL_GAP, "center": 0.0}[side],
                label_y,
                label,
                fontsize=8,
                ha=side,
                va="center" if side == "center" else "bottom",  # above its edge, which falls away below it
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                zorder=3,
            )
    shared = [infoset for infoset in game.infosets if len(infoset.nodes) > 1]
    for rank, infoset in enumerate(shared):  # a dashed line per set, each a little lower, labelled at its left end
        offset = 0.12 + 0.1 * (rank % 3)
        xs = [x[n] for n in infoset.nodes]
        ys = [y[n] - offset for n in infoset.nodes]
        colour = _COLOURS[infoset.player % len(_COLOURS)]
        axes.plot(xs, ys, linestyle="--", color=colour, linewidth=1, zorder=0)
        axes.text(xs[0] - 0.15, ys[0], infoset.label, fontsize=6, color=colour, ha="right", va="center")
    handles = [
        axes.scatter([], [], s=80, color=_COLOURS[i % len(_COLOURS)], label=name) for i, name in enumerate(game.players)
    ]
    if game.has_chance:
        handles.append(axes.scatter([], [], s=80, marker="s", color="#888888", label="chance"))
    axes.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    axes.set_title(title or f"{game.name}" + (": equilibrium moves thick" if equilibrium is not None else ""))
    axes.set_axis_off()
    axes.set_ylim(-depth - 0.8, 0.6)
    return figure


def _layout(game: ExtensiveFormGame) -> tuple[list[float], list[float]]:
    x = [0.0] * len(game.nodes)
    y = [-float(node.depth) for node in game.nodes]
    for position, k in enumerate(game.terminals):
        x[k] = float(position)
    for k in range(len(game.nodes) - 1, -1, -1):
        children = game.nodes[k].children
        if children:
            x[k] = (x[children[0]] + x[children[-1]]) / 2
    return x, y


def _draw_node(axes: object, game: ExtensiveFormGame, k: int, x: float, y: float, leaves: int) -> None:
    node = game.nodes[k]
    plot = axes  # matplotlib Axes
    if node.kind == "terminal":
        payoffs = game.exact_payoffs[k] if game.exact_payoffs is not None else node.payoffs
        text = ", ".join(number(p) for p in payoffs)
        rotation = 90 if leaves > 10 else 0
        plot.text(x, y - 0.12, text, fontsize=7, ha="center", va="top", rotation=rotation)  # type: ignore[attr-defined]
        plot.scatter([x], [y], s=12, color="black", zorder=2)  # type: ignore[attr-defined]
    elif node.kind == "chance":
        plot.scatter([x], [y], s=90, marker="s", color="#888888", zorder=2)  # type: ignore[attr-defined]
    else:
        colour = _COLOURS[node.player % len(_COLOURS)]
        plot.scatter([x], [y], s=110, color=colour, zorder=2)  # type: ignore[attr-defined]
        if k == 0 or len(game.infosets[node.infoset].nodes) == 1 or k == game.infosets[node.infoset].nodes[0]:
            plot.text(x, y + 0.16, game.players[node.player], fontsize=8, ha="center", color=colour)  # type: ignore[attr-defined]


def _edge_label(
    game: ExtensiveFormGame,
    equilibrium: TreeEquilibrium | None,
    k: int,
    m: int,
    x: list[float],
    y: list[float],
    child: int,
) -> tuple[float, float, str]:
    node = game.nodes[k]
    label = node.moves[m]
    if node.kind == "chance":
        probability = game.exact_probabilities[k][m] if game.exact_probabilities is not None else node.probabilities[m]
        label += f" {number(probability)}"
    elif equilibrium is not None:
        p = float(equilibrium.behaviour[node.infoset][m])
        if 0 < p < 1:
            label += f" ({number(p)})"
    share = 0.5 if m % 2 == 0 else 0.32  # siblings' labels at different heights, clear of the child's name
    return (1 - share) * x[k] + share * x[child], (1 - share) * y[k] + share * y[child], label
