"""Draw the README's picture, docs/images/flagship.png: the first flagship's default run (the v1 variant), the
buffer-zone game's selected equilibrium with every player's move, and the state that
drives it. Run from the repository's root: ``python docs/images/flagship.py``."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from sim.api import run
from sim.viz import plots

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIO = ROOT / "scenarios" / "variants" / "eu_russia_ukraine_simultaneous.yaml"
PICTURE = ROOT / "docs" / "images" / "flagship.png"
#: The state the story turns on: war fatigue, trust built by mediation, escalation.
VARIABLES = ("Russia.fatigue", "Ukraine.fatigue", "Russia.trust", "Ukraine.trust", "esc")


def flagship_figure() -> Figure:
    """The picture: the buffer-zone game's panels (one per player) above the state."""
    result = run(SCENARIO)
    width, height = plots.equilibria_size(result.rounds, "buffer_zone")
    figure = plots.new_figure((width, height + 3.6))
    grid = figure.add_gridspec(2, 1, height_ratios=[height, 3.6])
    plots.equilibrium_probabilities(
        result.rounds,
        "buffer_zone",
        equilibria=result.equilibria,
        scenario=result.scenario.name,
        ax=figure.add_subplot(grid[0]),
    )
    state = figure.add_subplot(grid[1])
    plots.state_trajectories(result.state, VARIABLES, ax=state)
    state.set_title("the state that drives it")
    return figure


if __name__ == "__main__":
    flagship_figure().savefig(PICTURE, format="png", dpi=100)
    print(f"wrote {PICTURE.relative_to(ROOT)}")
