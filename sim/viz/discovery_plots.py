"""Figures of scenario discovery (:mod:`sim.sweeps.discovery`): the peeling trajectory
and the limits of a box.

:func:`peeling_trajectory` draws each box PRIM passed through as a point (coverage
across, density up), coloured by how many parameters it restricts, with the reported
box ringed; :func:`box_limits` draws, per swept parameter, the range of every run (grey)
and the box's limits (coloured), each scaled to its own range, with the numbers written
on. :func:`discovery_figure` puts both side by side (``diplosim discover``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.files import write_atomic
from sim.sweeps.discovery import Discovery, Limit
from sim.viz.plots import PALETTE, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FIGURES", "box_limits", "discovery_figure", "peeling_trajectory", "save_discovery_figure"]

#: The size of :func:`discovery_figure` in inches: two panels side by side.
FIGURE_SIZE = (12.0, 5.0)
#: The sub-folder of a sweep folder that holds its figures (pyarrow skips names starting
#: with ``_``, so the folder stays a Parquet dataset for ``pandas.read_parquet``).
FIGURES = "_figures"
#: The narrowest span drawn for a box limit (a share of the parameter's range), so that a
#: box of one value stays visible.
MIN_SPAN = 0.02
#: Resolution of the saved PNG.
DPI = 110


def save_discovery_figure(found: Discovery, folder: str | Path, box: int = 0) -> Path:
    """Write :func:`discovery_figure` to ``folder/_figures/discovery_<output>.png``
    (atomically; the sub-folder is made if missing) and return its path."""
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in found.output)
    figure = discovery_figure(found, box)
    return write_atomic(Path(folder) / FIGURES / f"discovery_{name}.png", lambda path: _save(figure, path))


def _save(figure: Figure, path: str) -> None:
    figure.savefig(path, format="png", dpi=DPI)


def discovery_figure(found: Discovery, box: int = 0) -> Figure:
    """The peeling trajectory and one box's limits side by side.

    Examples
    --------
    >>> import pandas as pd
    >>> from sim.sweeps.discovery import discover
    >>> table = pd.DataFrame({"x": [i / 20 for i in range(20)]})
    >>> table["war"] = (table.x >= 0.5).astype(float)
    >>> figure = discovery_figure(discover(table, "war", ">=0.5", parameters=["x"], alpha=0.1))
    >>> [ax.get_title().split(":")[0] for ax in figure.axes[:2]]
    ['war >= 0.5', 'box 1']
    """
    figure = new_figure(FIGURE_SIZE)
    left, right = figure.subplots(1, 2, width_ratios=(1, 1.2))
    peeling_trajectory(found, ax=left)
    box_limits(found, box, ax=right)
    if found.scenario:
        figure.suptitle(f"scenario discovery: {found.scenario}", fontsize="medium")
    return figure


def peeling_trajectory(found: Discovery, *, ax: Axes | None = None) -> Axes:
    """Coverage against density of every box of the first peeling, the reported box ringed."""
    ax = ax if ax is not None else new_figure((6.0, 5.0)).add_subplot()
    steps = found.trajectory
    ax.plot(steps["coverage"], steps["density"], "-", color="0.75", linewidth=1, zorder=1)
    for count in sorted(set(steps["restricted"])):
        rows = steps[steps["restricted"] == count]
        label = f"{count} parameter{'s' if count != 1 else ''} restricted"
        ax.scatter(rows["coverage"], rows["density"], s=18, color=PALETTE[count % len(PALETTE)], label=label, zorder=2)
    chosen = steps[steps["chosen"]]
    if len(chosen):
        row = chosen.iloc[0]
        ax.scatter([row["coverage"]], [row["density"]], s=140, facecolors="none", edgecolors="black", zorder=3)
        ax.annotate(
            f"box 1 (step {int(row['step'])})\ncoverage {row['coverage']:.2f}, density {row['density']:.2f}",
            (row["coverage"], row["density"]),
            xytext=(-12, -28),
            textcoords="offset points",
            ha="right",
            fontsize="small",
        )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("coverage (share of all cases inside the box)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    title = f"{found.rule}: peeling trajectory of box 1 ({len(steps)} boxes, {found.runs} runs)"
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", loc="lower left", title="each point is a box", title_fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def box_limits(found: Discovery, box: int = 0, *, ax: Axes | None = None) -> Axes:
    """Per swept parameter, every run's range (grey) and the box's limits (coloured), each
    scaled to its own range; text levels as one slot each."""
    ax = ax if ax is not None else new_figure((6.0, 5.0)).add_subplot()
    chosen = found.boxes[box]
    names = list(found.parameters)
    for row, name in enumerate(reversed(names)):
        full, limit = found.ranges[name], chosen.limits[name]
        restricted = name in chosen.restricted
        colour = PALETTE[0] if restricted else PALETTE[4]
        ax.barh(row, 1.0, height=0.5, color="0.88", zorder=1)
        for start, width, text in _spans(full, limit):
            ax.barh(row, width, left=start, height=0.5, color=colour, zorder=2)
            label = text if restricted or isinstance(full, frozenset) else "any (unrestricted)"
            ax.text(start + width / 2, row + 0.32, label, ha="center", va="bottom", fontsize="small")
        low, high = _ends(full)
        ax.text(-0.02, row, low, ha="right", va="center", fontsize="x-small", color="0.35")
        ax.text(1.02, row, high, ha="left", va="center", fontsize="x-small", color="0.35")
    ax.set_yticks(range(len(names)), list(reversed(names)))
    ax.set_xticks([])
    ax.set_xlim(-0.25, 1.25)
    ax.set_ylim(-0.6, len(names) - 0.2)
    from matplotlib.patches import Patch

    legend = [("0.88", "range of the runs"), (PALETTE[0], "the box's limits"), (PALETTE[4], "not restricted")]
    ax.legend(
        handles=[Patch(color=colour, label=label) for colour, label in legend],
        fontsize="small",
        loc="upper center",
        bbox_to_anchor=(0.5, -0.02),
        ncols=3,
        frameon=False,
    )
    ax.set_title(
        f"box {box + 1}: coverage {chosen.coverage:.2f}, density {chosen.density:.2f}, {chosen.runs} runs",
        fontsize="medium",
    )
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


def _spans(full: Limit, limit: Limit) -> list[tuple[float, float, str]]:
    """The coloured spans (start, width on 0..1, label) of one parameter's limit."""
    if isinstance(full, frozenset):
        levels = sorted(full)
        slot = 1.0 / len(levels)
        return [(k * slot, slot, level) for k, level in enumerate(levels) if level in limit]
    assert isinstance(limit, tuple)
    width = full[1] - full[0]
    if width <= 0:
        return [(0.0, 1.0, f"{limit[0]:.3g}")]
    start, end = (limit[0] - full[0]) / width, (limit[1] - full[0]) / width
    text = f"{limit[0]:.3g}" if limit[0] == limit[1] else f"{limit[0]:.3g} to {limit[1]:.3g}"
    if end - start < MIN_SPAN:  # one value: a visible sliver, kept inside the range
        start = min(max(start - MIN_SPAN / 2, 0.0), 1.0 - MIN_SPAN)
        end = start + MIN_SPAN
    return [(start, end - start, text)]


def _ends(full: Limit) -> tuple[str, str]:
    if isinstance(full, frozenset):
        return "", ""
    return f"{full[0]:.3g}", f"{full[1]:.3g}"
