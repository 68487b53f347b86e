"""Figures of bargaining: the utility frontier with its solutions, the offers of a
negotiation, and their PNG writers."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import matplotlib
import pytest
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.files import write_folder_atomic
from sim.game.bargaining import Bargaining, Number
from sim.solvers.bargaining import kalai_smorodinsky, nash_solution, rubinstein
from sim.solvers.protocols import Negotiation, Step
from sim.viz.bargaining_plots import (
    FRONTIER_SAMPLES,
    bargaining_figure_writers,
    negotiation_offers,
    utility_frontier,
)
from sim.viz.plots import new_figure

PIE = Bargaining.split("pie", ("EU", "Russia"), discount=(Fraction(9, 10), Fraction(9, 10)))
# sqrt(x) against 1 - x: Nash maximises sqrt(x) (1 - x), zero derivative where 1 - x = 2x, x = 1/3;
# Kalai-Smorodinsky (both ideals 1) where sqrt(x) = 1 - x, x = (3 - sqrt 5) / 2 = 0.381966.
ROOT = Bargaining(
    "root",
    ("EU", "Russia"),
    "x",
    0.0,
    1.0,
    (1, -1),
    (0, 0),
    discount=(0.9, 0.9),
    curves=(lambda x: x**0.5, lambda x: 1 - x),
)
# A 50 km zone: Ukraine 0.768 - y/50, Russia y/50, disagreement (0.2, 0.5). Russia needs y >= 25,
# Ukraine y <= 50 (0.768 - 0.2) = 28.4: the range [25, 28.4], utilities (0.268, 0.5) to (0.2, 0.568).
ZONE = Bargaining(
    "buffer_zone",
    ("Ukraine", "Russia"),
    "width",
    Fraction(0),
    Fraction(50),
    (Fraction(-1, 50), Fraction(1, 50)),
    (Fraction(192, 250), Fraction(0)),
    disagreement=(Fraction(1, 5), Fraction(1, 2)),
    discount=(Fraction(9, 10), Fraction(4, 5)),
    unit="km",
)


def legend(ax: Axes) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def points(line: Line2D) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in zip(line.get_xdata(), line.get_ydata())]  # type: ignore[arg-type]


def labelled(ax: Axes, label: str) -> Line2D:
    (line,) = [line for line in ax.lines if line.get_label() == label]
    return line


def step(problem: Bargaining, k: int, proposer: str, offer: Number, responses: tuple[str, str]) -> Step:
    return Step(k, proposer, offer, (problem.utility(0, offer), problem.utility(1, offer)), responses)


def zone_talks() -> Negotiation:
    """Ukraine offers 5, 12, 20, 25 km at odd steps, Russia 45, 40, 35 at even ones; Ukraine
    accepts Russia's 26.5 km at step 8."""
    steps = []
    for k, offer in enumerate([5, 45, 12, 40, 20, 35, 25, Fraction(53, 2)], start=1):
        if k % 2:
            steps.append(step(ZONE, k, "Ukraine", offer, ("propose", "reject")))
        else:
            steps.append(step(ZONE, k, "Russia", offer, ("accept" if k == 8 else "reject", "propose")))
    return Negotiation(tuple(steps), "agreement", Fraction(53, 2), steps[-1].utilities)


def mediated_talks(problem: Bargaining) -> Negotiation:
    """EU and Russia with a mediator's texts at steps 3 and 6, no agreement by the deadline."""
    steps = (
        step(problem, 1, "EU", 0.8, ("propose", "reject")),
        step(problem, 2, "Russia", 0.1, ("reject", "propose")),
        step(problem, 3, "mediator", 0.4, ("reject", "reject")),
        step(problem, 4, "EU", 0.6, ("propose", "reject")),
        step(problem, 5, "Russia", 0.2, ("reject", "propose")),
        step(problem, 6, "mediator", 0.38, ("accept", "reject")),
    )
    return Negotiation(steps, "deadline", None, (problem.disagreement[0], problem.disagreement[1]))


# --- the utility frontier --------------------------------------------------------------------


def test_the_pie_frontier_is_a_segment_with_the_whole_range_and_three_solutions() -> None:
    backend = matplotlib.get_backend()
    solutions = [nash_solution(PIE), kalai_smorodinsky(PIE), rubinstein(PIE)]
    ax = utility_frontier(PIE, solutions)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("EU utility", "Russia utility")
    assert ax.get_title() == "pie: bargaining over share"
    # Rubinstein with equal discounts 9/10: the first proposer gets 1 / (1 + 9/10) = 10/19 = 0.5263
    assert legend(ax) == [
        "utility frontier (share 0 to 1)",
        "bargaining range: share in [0, 1]",
        "disagreement (0, 0)",
        "Nash: share 0.5",
        "Kalai-Smorodinsky: share 0.5",
        "Rubinstein: share 0.5263",
    ]
    # EU gets y, Russia 1 - y: share 0 is (0, 1), share 1 is (1, 0), a straight segment
    assert points(labelled(ax, "utility frontier (share 0 to 1)")) == [(0.0, 1.0), (1.0, 0.0)]
    band = labelled(ax, "bargaining range: share in [0, 1]")
    assert points(band) == [(0.0, 1.0), (1.0, 0.0)] and band.get_linewidth() == 4
    dashed = [points(line) for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed == [[(0.0, 0.0), (0.0, 1.0)], [(0.0, 0.0), (1.0, 0.0)]]  # from d to the range's ends
    assert points(labelled(ax, "disagreement (0, 0)")) == [(0.0, 0.0)]
    assert points(labelled(ax, "Nash: share 0.5")) == [(0.5, 0.5)]
    assert points(labelled(ax, "Rubinstein: share 0.5263")) == [(10 / 19, 9 / 19)]
    assert [line.get_marker() for line in ax.lines[-3:]] == ["o", "s", "^"]
    ends = {text.get_text(): text.xy for text in ax.texts}
    assert ends == {"share = 0": (0.0, 1.0), "share = 1": (1.0, 0.0)}
    # everything drawn spans [0, 1] both ways; 8% of it is left on each side
    assert ax.get_xlim() == pytest.approx((-0.08, 1.08)) and ax.get_ylim() == pytest.approx((-0.08, 1.08))
    assert ax.child_axes == []  # no zoom: the range fills the axes
    assert matplotlib.get_backend() == backend


@pytest.mark.slow  # solving the curved problem imports scipy
def test_a_curved_frontier_is_sampled_and_its_solutions_lie_on_it() -> None:
    ax = utility_frontier(ROOT, [nash_solution(ROOT), kalai_smorodinsky(ROOT)])
    frontier = points(labelled(ax, "utility frontier (x 0 to 1)"))
    assert len(frontier) == FRONTIER_SAMPLES
    # u0 = sqrt(x), u1 = 1 - x: every point has u1 = 1 - u0**2
    assert all(u1 == pytest.approx(1 - u0**2) for u0, u1 in frontier)
    assert legend(ax)[3:] == ["Nash: x 0.3333", "Kalai-Smorodinsky: x 0.382"]
    ((u0, u1),) = points(labelled(ax, "Nash: x 0.3333"))
    assert (u0, u1) == (pytest.approx(3**-0.5, abs=1e-6), pytest.approx(2 / 3, abs=1e-6))
    ((u0, u1),) = points(labelled(ax, "Kalai-Smorodinsky: x 0.382"))
    assert u0 == pytest.approx(u1, abs=1e-6) == pytest.approx((5**0.5 - 1) / 2, abs=1e-6)  # equal gains 0.618


def test_a_narrow_range_is_shown_again_in_a_zoomed_inset() -> None:
    ax = utility_frontier(ZONE, [nash_solution(ZONE), rubinstein(ZONE)])
    assert ax.get_title() == "buffer_zone: bargaining over width (km)"
    assert legend(ax)[:3] == [
        "utility frontier (width 0 to 50 km)",
        "bargaining range: width in [25, 28.4]",
        "disagreement (0.2, 0.5)",
    ]
    assert legend(ax)[3] == "Nash: 26.7 km"  # the middle of [25, 28.4] (the doctest's 267/500 of 50 km)
    assert {text.get_text() for text in ax.texts} == {"width = 0 km", "width = 50 km"}
    (inset,) = ax.child_axes
    # The focus spans 0.2 to 0.268 across (under 25% of the axes): an inset around it, 16% of
    # its spread left on each side: 0.2 - 0.16 * 0.068 = 0.18912, 0.268 + 0.01088 = 0.27888.
    assert inset.get_xlim() == pytest.approx((0.18912, 0.27888))
    assert inset.get_ylim() == pytest.approx((0.48912, 0.57888))
    assert inset.get_legend() is None and len(inset.lines) == len(ax.lines)


@pytest.mark.slow  # lays the figure out
def test_the_inset_takes_a_corner_the_frontier_does_not_cross() -> None:
    ax = utility_frontier(ZONE, [nash_solution(ZONE)])
    # The frontier u0 + u1 = 0.768 runs along the main axes' diagonal (their limits are its ends plus
    # 8%), the focus sits just below its middle: the inset takes the free upper right corner.
    ax.figure.draw_without_rendering()
    (inset,) = ax.child_axes
    corners = ax.transAxes.inverted().transform(inset.get_window_extent())
    assert corners.flatten().tolist() == pytest.approx([0.58, 0.58, 0.98, 0.98])


def test_an_empty_range_says_so_and_the_solutions_sit_at_disagreement() -> None:
    # Russia needs y >= 50 * 0.9 = 45, Ukraine y <= 50 (0.768 - 0.5) = 13.4: no range
    hard = Bargaining(
        "hard",
        ("Ukraine", "Russia"),
        "width",
        Fraction(0),
        Fraction(50),
        (Fraction(-1, 50), Fraction(1, 50)),
        (Fraction(192, 250), Fraction(0)),
        disagreement=(Fraction(1, 2), Fraction(9, 10)),
        unit="km",
    )
    ax = utility_frontier(hard, [nash_solution(hard)])
    assert legend(ax)[1:] == ["bargaining range: empty", "disagreement (0.5, 0.9)", "Nash: no agreement"]
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]
    assert points(labelled(ax, "Nash: no agreement")) == [(0.5, 0.9)]
    assert labelled(ax, "disagreement (0.5, 0.9)").get_zorder() > labelled(ax, "Nash: no agreement").get_zorder()
    assert ax.child_axes == []  # nothing to zoom into: every point is the disagreement point


# --- the offers of a negotiation ---------------------------------------------------------------


def test_offers_per_proposer_the_band_and_the_agreement_star() -> None:
    figure = new_figure()
    given = figure.add_subplot()
    ax = negotiation_offers(zone_talks(), ZONE, ax=given)
    assert ax is given
    assert ax.get_title() == "buffer_zone: offers over width (agreed at step 8)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step (offer number)", "width (km)")
    assert legend(ax) == ["bargaining range", "Ukraine's offers", "Russia's offers"]
    ukraine, russia = labelled(ax, "Ukraine's offers"), labelled(ax, "Russia's offers")
    assert points(ukraine) == [(1, 5), (3, 12), (5, 20), (7, 25)]
    assert points(russia) == [(2, 45), (4, 40), (6, 35), (8, 26.5)]
    assert (ukraine.get_marker(), russia.get_marker()) == ("o", "s")
    assert ukraine.get_color() != russia.get_color()
    (star,) = [line for line in ax.lines if line.get_marker() == "*"]
    assert points(star) == [(8, 26.5)]
    assert [text.get_text() for text in ax.texts] == ["agreed: 26.5 km at step 8"]
    (band,) = ax.patches  # the range [25, 28.4] as a horizontal band
    assert band.get_label() == "bargaining range"
    assert (band.get_y(), band.get_height()) == (25, pytest.approx(3.4))  # type: ignore[attr-defined]
    # 8 steps and room for the label: max(2, 0.4 * 8) = 3.2 steps; the 0 to 50 km with 8%
    assert ax.get_xlim() == pytest.approx((0.5, 11.7)) and ax.get_ylim() == pytest.approx((-4, 54))
    assert list(ax.get_xticks()) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_mediator_has_its_own_style_and_a_deadline_is_in_the_title() -> None:
    ax = negotiation_offers(mediated_talks(PIE), PIE)
    assert ax.get_title() == "pie: offers over share (no agreement by the deadline after 6 offers)"
    assert ax.get_ylabel() == "share"
    assert legend(ax) == ["bargaining range", "EU's offers", "Russia's offers", "mediator's texts"]
    mediator = labelled(ax, "mediator's texts")
    assert points(mediator) == [(3, 0.4), (6, 0.38)]
    assert (mediator.get_marker(), mediator.get_linestyle()) == ("D", ":")
    assert not [line for line in ax.lines if line.get_marker() == "*"] and not ax.texts
    assert ax.get_xlim() == pytest.approx((0.5, 6.5))  # no agreement: no room for a label


def test_breakdown_and_no_range_outcomes() -> None:
    steps = (step(PIE, 1, "EU", 0.9, ("propose", "reject")), step(PIE, 2, "Russia", 0.2, ("reject", "propose")))
    broken = negotiation_offers(Negotiation(steps, "breakdown", None, (0, 0)), PIE)
    assert broken.get_title() == "pie: offers over share (talks broke down after 2 offers)"
    hard = Bargaining.split("hard", ("EU", "Russia"), disagreement=(Fraction(3, 5), Fraction(3, 5)))
    empty = negotiation_offers(Negotiation((), "no_range", None, (Fraction(3, 5), Fraction(3, 5))), hard)
    assert empty.get_title() == "hard: offers over share (no bargaining range: nothing offered)"
    assert [text.get_text() for text in empty.texts] == ["no offers were made"]
    assert not empty.patches and not empty.lines and empty.get_legend() is None


# --- the PNG writers ------------------------------------------------------------------------------


@pytest.mark.slow
def test_writers_render_both_figures_for_the_pie_and_a_curved_problem(tmp_path: Path) -> None:
    pie_talks = Negotiation(
        (step(PIE, 1, "EU", 0.7, ("propose", "reject")), step(PIE, 2, "Russia", 0.5, ("accept", "propose"))),
        "agreement",
        0.5,
        (0.5, 0.5),
    )
    pie = bargaining_figure_writers(PIE, [nash_solution(PIE), rubinstein(PIE)], pie_talks)
    assert sorted(pie) == ["bargaining_pie.png", "offers_pie.png"]
    root = bargaining_figure_writers(ROOT, [nash_solution(ROOT)], mediated_talks(ROOT))
    assert sorted(root) == ["bargaining_root.png", "offers_root.png"]
    written = write_folder_atomic(tmp_path, {**pie, **root})
    assert sorted(path.name for path in written) == sorted([*pie, *root])
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert sorted(bargaining_figure_writers(PIE, [])) == ["bargaining_pie.png"]  # no negotiation, no offers figure


def test_a_mediated_negotiation_shows_the_sides_demands_and_zooms_in() -> None:
    # a zone of 0 to 40 km whose range is [20, 22]: texts at 21 and 21.5, each side's
    # demands on the record; the values span 20 to 22, 5% of the issue: the axis zooms
    zone = Bargaining(
        "zone",
        ("Ukraine", "Russia"),
        "width",
        Fraction(0),
        Fraction(40),
        (Fraction(-1, 40), Fraction(1, 40)),
        (Fraction(1), Fraction(0)),
        disagreement=(Fraction(9, 20), Fraction(1, 2)),
        unit="km",
    )
    steps = (
        Step(1, "Swiss", 21.0, (0.475, 0.525), ("accept", "reject"), (20.0, 22.0)),
        Step(2, "Swiss", 21.5, (0.4625, 0.5375), ("accept", "accept"), (20.5, 21.5)),
    )
    ax = negotiation_offers(Negotiation(steps, "agreement", 21.5, (0.4625, 0.5375)), zone)
    lines = {line.get_label(): line.get_ydata().tolist() for line in ax.get_lines()}
    assert lines["Ukraine's demands"] == [20.0, 20.5] and lines["Russia's demands"] == [22.0, 21.5]
    low, high = ax.get_ylim()
    assert 19 < low < 20 and 22 < high < 23
    assert "zoomed in; width runs from 0 to 40 km" in ax.get_ylabel()
