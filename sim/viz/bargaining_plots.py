"""Figures of bargaining (matplotlib only): a problem's utility frontier with its
solutions, and the offers of a negotiation played out.

:func:`utility_frontier`
    The agreements of a :class:`~sim.game.bargaining.Bargaining` problem in utility
    space (one party's utility across, the other's up), the disagreement point, the
    bargaining range (the agreements both prefer to disagreeing, drawn thick) and each
    :class:`~sim.solvers.bargaining.Solution`'s point.
:func:`negotiation_offers`
    The offers of a :class:`~sim.solvers.protocols.Negotiation` against the step, one
    colour and marker per proposer, the bargaining range as a band and the agreement, if
    any, as a star.
:func:`bargaining_figure_writers`
    Both as PNG writers, for :func:`sim.files.write_folder_atomic`.

Like :mod:`sim.viz.plots`, each figure is drawn on the ``ax`` given or on a figure of its
own (no pyplot), and the colours are the Okabe-Ito palette.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from sim.files import Writer
from sim.game.bargaining import Bargaining, Number, bargaining_range
from sim.solvers.bargaining import Solution
from sim.solvers.protocols import Negotiation, scalar
from sim.viz.bargaining_report import TITLES
from sim.viz.figures import _png, _safe
from sim.viz.plots import PALETTE, _axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["bargaining_figure_writers", "negotiation_offers", "utility_frontier"]

#: Points at which a frontier of utilities that are not affine is drawn (an affine one is
#: a straight segment: its two ends).
FRONTIER_SAMPLES = 201
#: Names of solution concepts in legends (the text report's, Rubinstein shorter, and the finite horizon).
LABELS = {**TITLES, "rubinstein": "Rubinstein", "rubinstein_finite": "Rubinstein (finite horizon)"}
#: Markers of the solutions, in order (each a little smaller than the one before, so that
#: solutions at the same point all stay visible).
_SOLUTION_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
_SOLUTION_COLOURS = (PALETTE[5], PALETTE[3], PALETTE[4], PALETTE[1], PALETTE[0], PALETTE[7])
#: The share of the drawn values' spread left empty around them.
_MARGIN = 0.08
#: Colours of the frontier, the bargaining range and the disagreement point.
_FRONTIER, _RANGE, _DISAGREEMENT = "0.55", PALETTE[2], "black"
#: Markers of the two parties' offers and a mediator's.
_PROPOSER_MARKERS = ("o", "s", "D")
#: What a negotiation's outcome says in the title (agreements get their own words).
_OUTCOMES = {
    "deadline": "no agreement by the deadline",
    "breakdown": "talks broke down",
    "no_range": "no bargaining range: nothing offered",
}
#: Room right of the last step for the agreement's label, in steps: at least the first
#: number, else the second times the number of steps.
AGREEMENT_ROOM = (2.0, 0.4)
#: Most step numbers written under the offers (every k-th step beyond).
MAX_STEP_TICKS = 12
#: Size of the figures written by :func:`bargaining_figure_writers` (inches).
FRONTIER_SIZE, OFFERS_SIZE = (8.0, 5.0), (8.5, 4.5)


def _number(value: Number) -> str:
    """A number to read: up to 4 significant digits."""
    return format(float(value), ".4g")


def _issue_value(problem: Bargaining, value: Number) -> str:
    """A value of the issue to read: ``23.5 km``, or ``share 0.5263`` without a unit."""
    return f"{_number(value)} {problem.unit}" if problem.unit else f"{problem.issue} {_number(value)}"


def _trace(problem: Bargaining, low: Number, high: Number) -> tuple[list[float], list[float]]:
    """Both parties' utilities along the agreements from ``low`` to ``high``: the two ends
    of a straight segment for affine utilities, :data:`FRONTIER_SAMPLES` points otherwise."""
    count = 2 if problem.curves is None else FRONTIER_SAMPLES
    ys = [float(low) + (float(high) - float(low)) * k / (count - 1) for k in range(count)]
    return [float(problem.utility(0, y)) for y in ys], [float(problem.utility(1, y)) for y in ys]


def utility_frontier(problem: Bargaining, solutions: Sequence[Solution], *, ax: Axes | None = None) -> Axes:
    """A bargaining problem in utility space: the frontier of agreements (the first party's
    utility across, the second's up), the disagreement point with dashed lines to the ends
    of the bargaining range, the range itself drawn thick, and each solution's point.

    Parameters
    ----------
    problem : Bargaining
    solutions : sequence of Solution
        Each is marked at its utilities and named in the legend with its agreement.
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> from fractions import Fraction
    >>> from sim.solvers.bargaining import nash_solution, rubinstein
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(9, 10), Fraction(9, 10)))
    >>> ax = utility_frontier(pie, [nash_solution(pie), rubinstein(pie)])
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('A utility', 'B utility')
    >>> [text.get_text() for text in ax.get_legend().get_texts()][2:]  # Rubinstein: 1/(1 + 9/10) = 10/19
    ['disagreement (0, 0)', 'Nash: share 0.5', 'Rubinstein: share 0.5263']
    """
    ax = _axes(ax, FRONTIER_SIZE)
    xs, ys = _trace(problem, problem.low, problem.high)
    ends = f"{_number(problem.low)} to {_number(problem.high)}" + (f" {problem.unit}" if problem.unit else "")
    ax.plot(xs, ys, "-", color=_FRONTIER, linewidth=1.2, label=f"utility frontier ({problem.issue} {ends})")
    _label_ends(ax, problem, (xs[0], ys[0]), (xs[-1], ys[-1]))
    focus = _draw_solutions(ax, problem, solutions, labelled=True)
    _frame(ax, [*xs, *focus[0]], [*ys, *focus[1]])
    if bargaining_range(problem) is not None and _small(focus, ax):
        _zoom(ax, problem, solutions, focus)
    ax.set_xlabel(f"{problem.parties[0]} utility")
    ax.set_ylabel(f"{problem.parties[1]} utility")
    ax.set_title(f"{problem.name}: bargaining over {problem.issue}" + (f" ({problem.unit})" if problem.unit else ""))
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _draw_solutions(
    ax: Axes, problem: Bargaining, solutions: Sequence[Solution], *, labelled: bool
) -> tuple[list[float], list[float]]:
    """The bargaining range (thick, with dashed lines from the disagreement point to its
    ends), the disagreement point and the solutions; returns the points drawn."""
    d0, d1 = float(problem.disagreement[0]), float(problem.disagreement[1])
    points = ([d0], [d1])
    span = bargaining_range(problem)
    if span is None:
        ax.plot([], [], " ", label="bargaining range: empty" if labelled else None)
    else:
        rx, ry = _trace(problem, span[0], span[1])
        ax.plot(
            rx,
            ry,
            "-",
            color=_RANGE,
            linewidth=4,
            alpha=0.8,
            solid_capstyle="butt",
            label=f"bargaining range: {problem.issue} in [{_number(span[0])}, {_number(span[1])}]"
            if labelled
            else None,
        )
        for x_end, y_end in ((rx[0], ry[0]), (rx[-1], ry[-1])):
            ax.plot([d0, x_end], [d1, y_end], "--", color=_RANGE, linewidth=1)
        points[0].extend(rx)
        points[1].extend(ry)
    disagreement = f"disagreement ({_number(d0)}, {_number(d1)})"
    # on top of the solutions: those without an agreement sit on it
    ax.plot([d0], [d1], "o", color=_DISAGREEMENT, markersize=6, zorder=20, label=disagreement if labelled else None)
    for k, solution in enumerate(solutions):
        name = LABELS.get(solution.concept, solution.concept.replace("_", " "))
        agreed = "no agreement" if solution.agreement is None else _issue_value(problem, solution.agreement)
        u0, u1 = float(solution.utilities[0]), float(solution.utilities[1])
        ax.plot(
            [u0],
            [u1],
            _SOLUTION_MARKERS[k % len(_SOLUTION_MARKERS)],
            color=_SOLUTION_COLOURS[k % len(_SOLUTION_COLOURS)],
            markersize=max(15 - 4 * k, 5),
            markeredgecolor="black",
            markeredgewidth=0.6,
            linestyle="none",
            zorder=3 + k,
            label=f"{name}: {agreed}" if labelled else None,
        )
        points[0].append(u0)
        points[1].append(u1)
    return points


#: A zoomed inset is drawn when the bargaining range, the disagreement point and the
#: solutions span less than this share of the axes both across and up.
ZOOM_BELOW = 0.25
#: The inset's side, as a share of the axes, and the corners it may take (lower-left
#: corners in axes coordinates, the first free one of the frontier is used).
_INSET = 0.4
_CORNERS = ((0.58, 0.58), (0.02, 0.02), (0.58, 0.02), (0.02, 0.58))


def _fractions(ax: Axes, xs: Sequence[float], ys: Sequence[float]) -> list[tuple[float, float]]:
    """Points in axes coordinates (0 to 1 inside the axes)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    return [((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)) for x, y in zip(xs, ys)]


def _small(focus: tuple[list[float], list[float]], ax: Axes) -> bool:
    """Whether the points span less than :data:`ZOOM_BELOW` of the axes both ways (and
    more than a point: a range of one agreement needs no zoom)."""
    points = _fractions(ax, *focus)
    across = max(p[0] for p in points) - min(p[0] for p in points)
    up = max(p[1] for p in points) - min(p[1] for p in points)
    return 0 < across < ZOOM_BELOW and 0 < up < ZOOM_BELOW


def _zoom(ax: Axes, problem: Bargaining, solutions: Sequence[Solution], focus: tuple[list[float], list[float]]) -> None:
    """An inset of the bargaining range and the solutions, in the corner of the axes that
    the frontier and those points cross least."""
    xs, ys = _trace(problem, problem.low, problem.high)
    dense = [float(problem.low) + (float(problem.high) - float(problem.low)) * k / 100 for k in range(101)]
    drawn = _fractions(
        ax,
        [float(problem.utility(0, y)) for y in dense] + focus[0],
        [float(problem.utility(1, y)) for y in dense] + focus[1],
    )

    def crossing(corner: tuple[float, float]) -> int:
        return sum(corner[0] <= x <= corner[0] + _INSET and corner[1] <= y <= corner[1] + _INSET for x, y in drawn)

    corner = min(_CORNERS, key=crossing)
    inset = ax.inset_axes((corner[0], corner[1], _INSET, _INSET))
    inset.plot(xs, ys, "-", color=_FRONTIER, linewidth=1.2)
    _draw_solutions(inset, problem, solutions, labelled=False)
    _frame(inset, *focus, margin=2 * _MARGIN)
    inset.tick_params(labelsize="x-small")
    ax.indicate_inset_zoom(inset, edgecolor="0.5")


def _label_ends(ax: Axes, problem: Bargaining, first: tuple[float, float], last: tuple[float, float]) -> None:
    """Write the issue's value at both ends of the frontier, each on the side away from
    the other end (so the text stays off the frontier and inside the axes' margin)."""
    for value, here, there in ((problem.low, first, last), (problem.high, last, first)):
        right, above = here[0] >= there[0], here[1] >= there[1]
        ax.annotate(
            f"{problem.issue} = {_issue_value(problem, value) if problem.unit else _number(value)}",
            here,
            xytext=(-4 if right else 4, 4 if above else -4),
            textcoords="offset points",
            ha="right" if right else "left",
            va="bottom" if above else "top",
            fontsize="small",
            color="0.35",
        )


def _frame(ax: Axes, xs: Sequence[float], ys: Sequence[float], margin: float = _MARGIN) -> None:
    """Limits around every value drawn, with a margin (a share of their spread)."""
    for values, setter in ((xs, ax.set_xlim), (ys, ax.set_ylim)):
        low, high = min(values), max(values)
        pad = margin * (high - low) if high > low else 0.5
        setter(low - pad, high + pad)


#: The offers figure zooms in on the offers and the bargaining range when they span less
#: than this share of the issue's range (a band a few pixels wide says nothing).
ZOOM_BELOW = 0.3


def negotiation_offers(negotiation: Negotiation, problem: Bargaining, *, ax: Axes | None = None) -> Axes:
    """The offers of a negotiation against the step: one colour and marker per proposer
    (each party, a mediator), each proposer's offers joined by a line, the bargaining range
    as a band, and the agreement as a star with its value and step; the outcome is in the
    title.

    Parameters
    ----------
    negotiation : Negotiation
    problem : Bargaining
        The problem negotiated (its issue, unit, parties and bargaining range).
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> from sim.solvers.protocols import Step
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> steps = (Step(1, "A", 0.8, (0.8, 0.2), ("propose", "reject")),
    ...          Step(2, "B", 0.4, (0.4, 0.6), ("reject", "propose")),
    ...          Step(3, "A", 0.6, (0.6, 0.4), ("propose", "accept")))
    >>> ax = negotiation_offers(Negotiation(steps, "agreement", 0.6, (0.6, 0.4)), pie)
    >>> [text.get_text() for text in ax.texts], ax.get_title()
    (['agreed: share 0.6 at step 3'], 'pie: offers over share (agreed at step 3)')
    """
    ax = _axes(ax, OFFERS_SIZE)
    span = bargaining_range(problem)
    if span is not None:
        ax.axhspan(float(span[0]), float(span[1]), color=_RANGE, alpha=0.15, zorder=0, label="bargaining range")
    proposers = list(dict.fromkeys(step.proposer for step in negotiation.steps))
    for name in proposers:
        mine = [step for step in negotiation.steps if step.proposer == name]
        k = _proposer_index(problem, name)
        ax.plot(
            [step.step for step in mine],
            [float(scalar(step.offer)) for step in mine],
            "-" if k < 2 else ":",
            marker=_PROPOSER_MARKERS[k],
            color=PALETTE[k] if k < 2 else PALETTE[3],
            label=_proposer_label(name, k),
        )
    stated = [step for step in negotiation.steps if step.demands is not None]
    for k, party in enumerate(problem.parties if stated else ()):
        ax.plot(
            [step.step for step in stated],
            [float(scalar(step.demands[k])) for step in stated if step.demands is not None],
            "--",
            marker=_PROPOSER_MARKERS[k],
            markersize=4,
            alpha=0.6,
            color=PALETTE[k],
            label=f"{party}'s demands",
        )
    last = negotiation.steps[-1].step if negotiation.steps else 1
    if negotiation.agreed and negotiation.agreement is not None:
        _mark_agreement(ax, problem, negotiation, scalar(negotiation.agreement))
    offers = [float(scalar(step.offer)) for step in negotiation.steps]
    demanded = [float(scalar(d)) for step in stated if step.demands is not None for d in step.demands]
    shown = [*offers, *demanded, *(float(end) for end in span or ())]
    low, high = float(problem.low), float(problem.high)
    zoomed = bool(shown) and max(shown) - min(shown) < ZOOM_BELOW * (high - low)
    _frame(ax, [0.5, last + 0.5], shown if zoomed else [*offers, *demanded, low, high])
    room = max(AGREEMENT_ROOM[0], AGREEMENT_ROOM[1] * last) if negotiation.agreed else 0.0
    ax.set_xlim(0.5, last + 0.5 + room)
    ax.set_xticks(range(1, last + 1, -(-last // MAX_STEP_TICKS)))
    ax.set_xlabel("step (offer number)")
    label = f"{problem.issue} ({problem.unit})" if problem.unit else problem.issue
    if zoomed:  # the offers and the range fill a sliver of the issue: show them, say so
        unit = f" {problem.unit}" if problem.unit else ""
        label += f"\nzoomed in; {problem.issue} runs from {_number(problem.low)} to {_number(problem.high)}{unit}"
    ax.set_ylabel(label)
    ax.set_title(f"{problem.name}: offers over {problem.issue} ({_outcome(negotiation)})")
    if not negotiation.steps:
        ax.text(0.5, 0.5, "no offers were made", ha="center", va="center", transform=ax.transAxes)
    if ax.get_legend_handles_labels()[0]:  # nothing to name without a range or offers
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _proposer_index(problem: Bargaining, name: str) -> int:
    """0 or 1 for a party, 2 for anyone else (a mediator)."""
    return problem.parties.index(name) if name in problem.parties else 2


def _proposer_label(name: str, k: int) -> str:
    if k < 2:
        return f"{name}'s offers"
    return f"{name}'s texts" + ("" if "mediator" in name.lower() else " (mediator)")


def _agreed_step(negotiation: Negotiation) -> int:
    """The step of the accepted offer: the last one (talks end when an offer is accepted)."""
    return negotiation.steps[-1].step if negotiation.steps else 0


def _mark_agreement(ax: Axes, problem: Bargaining, negotiation: Negotiation, agreement: Number) -> None:
    """A star at the accepted offer, and its value and step written to its right (where
    no offer is drawn: the axis is widened for it)."""
    step = _agreed_step(negotiation)
    ax.plot([step], [float(agreement)], "*", color=PALETTE[6], markersize=18, markeredgecolor="black", zorder=5)
    ax.annotate(
        f"agreed: {_issue_value(problem, agreement)} at step {step}",
        (step, float(agreement)),
        xytext=(12, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize="small",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "0.7"},
        zorder=6,
    )


def _outcome(negotiation: Negotiation) -> str:
    if negotiation.agreed:
        return f"agreed at step {_agreed_step(negotiation)}"
    said = _OUTCOMES.get(negotiation.outcome, negotiation.outcome)
    if negotiation.outcome in ("deadline", "breakdown") and negotiation.steps:
        said += f" after {len(negotiation.steps)} offers"
    return said


def bargaining_figure_writers(
    problem: Bargaining,
    solutions: Sequence[Solution],
    negotiation: Negotiation | None = None,
    round_number: int | None = None,
) -> dict[str, Writer]:
    """The file names and PNG writers of a bargaining game's figures:
    ``bargaining_<game>.png`` (:func:`utility_frontier`) and, given a negotiation,
    ``offers_<game>.png`` (:func:`negotiation_offers`), to be written together
    (:func:`sim.files.write_folder_atomic`).

    Examples
    --------
    >>> from sim.solvers.bargaining import nash_solution
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> sorted(bargaining_figure_writers(pie, [nash_solution(pie)]))
    ['bargaining_pie.png']
    """
    game = _safe(problem.name)
    writers: dict[str, Writer] = {
        f"bargaining_{game}.png": _png(partial(_frontier_panel, problem, tuple(solutions), round_number), FRONTIER_SIZE)
    }
    if negotiation is not None:
        writers[f"offers_{game}.png"] = _png(partial(_offers_panel, negotiation, problem, round_number), OFFERS_SIZE)
    return writers


def _frontier_panel(problem: Bargaining, solutions: tuple[Solution, ...], round_number: int | None, ax: Any) -> None:
    utility_frontier(problem, solutions, ax=ax)
    _in_round(ax, round_number)


def _offers_panel(negotiation: Negotiation, problem: Bargaining, round_number: int | None, ax: Any) -> None:
    negotiation_offers(negotiation, problem, ax=ax)
    _in_round(ax, round_number)


def _in_round(ax: Any, round_number: int | None) -> None:
    """Say which round of a run a figure shows, in its title."""
    if round_number is not None:
        ax.set_title(f"{ax.get_title()}, round {round_number}")
