"""The drawing of a tree: every move and payoff is written, equilibrium moves are thick."""

from __future__ import annotations

import matplotlib
import pytest

from sim.solvers.trees import solve_tree
from sim.viz.tree_figure import draw_tree

from .test_tree_solvers import ENTRY, troop_crisis


def test_the_equilibrium_moves_are_drawn_thick_and_every_label_is_written() -> None:
    backend = matplotlib.get_backend()
    (spe,) = solve_tree(ENTRY).solutions
    figure = draw_tree(ENTRY, spe)
    axes = figure.axes[0]
    texts = {text.get_text() for text in axes.texts}
    assert {"Out", "In", "Fight", "Accommodate", "0, 2", "-1, -1", "1, 1"} <= texts
    widths = sorted(round(line.get_linewidth(), 1) for line in axes.lines)
    assert widths == [0.9, 0.9, 2.6, 2.6]  # In and Accommodate are played
    assert matplotlib.get_backend() == backend


@pytest.mark.slow
def test_a_large_tree_shows_chance_probabilities_and_information_sets() -> None:
    game = troop_crisis()
    figure = draw_tree(game, solve_tree(game).solutions[0], realised=[0, 1])
    axes = figure.axes[0]
    texts = {text.get_text() for text in axes.texts}
    assert {"r 3/10", "o 7/10", "war 3/100", "EU after an incident at D", "EU"} <= texts
    assert any(line.get_linestyle() == "--" for line in axes.lines)
    assert any(line.get_color() == "#c00000" for line in axes.lines)  # the realised path


def test_each_move_label_sits_on_its_own_side_of_its_edge() -> None:
    # a new student misread a narrow chance node: its two labels stacked in one column,
    # the upper one belonging to the right branch. Entry deterrence: Out and Fight go left
    # (labels end left of their parent), In and Accommodate go right (labels start right of it)
    figure = draw_tree(ENTRY)
    axes = figure.axes[0]
    labels = {text.get_text(): text for text in axes.texts}
    # leaves Out, Fight, Accommodate at x = 0, 1, 2; a node sits midway over its first and
    # last child: the Incumbent at 1.5, the Entrant at (0 + 1.5) / 2 = 0.75
    parent_x_of = {"Out": 0.75, "In": 0.75, "Fight": 1.5, "Accommodate": 1.5}
    for move, side in (("Out", "right"), ("Fight", "right"), ("In", "left"), ("Accommodate", "left")):
        text = labels[move]
        parent_x = parent_x_of[move]
        assert text.get_ha() == side, move
        x = text.get_position()[0]
        assert (x < parent_x) if side == "right" else (x > parent_x), (move, x, parent_x)
