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
