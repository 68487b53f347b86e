from __future__ import annotations

import subprocess
import sys

import matplotlib
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.api import RunResult, SweepResult, run, sweep
from sim.errors import UsageError
from sim.scenario.load import parse_scenario
from sim.viz import plots

from .conftest import SCENARIOS, SIMULTANEOUS


@pytest.fixture(scope="module")
def flagship() -> RunResult:
    return run(SIMULTANEOUS, rounds=12)


@pytest.fixture(scope="module")
def swept() -> SweepResult:
    return sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1:3", "m": [0, 0.5]}, reps=2, workers=1)


def drawn(ax: object) -> bool:
    return bool(ax.lines or ax.images or ax.patches or ax.collections)  # type: ignore[attr-defined]


def test_equilibrium_probabilities(flagship: RunResult) -> None:
    ax = plots.equilibrium_probabilities(flagship.rounds, "buffer_zone", equilibria=flagship.equilibria)
    assert drawn(ax)
    assert ax.get_xlabel() == "round" and ax.get_ylabel() == "probability in the selected equilibrium"
    assert "buffer_zone" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Ukraine: W" in labels and "Russia: O" in labels
    with pytest.raises(UsageError, match=r"no game 'bufer_zone'.*did you mean 'buffer_zone'"):
        plots.equilibrium_probabilities(flagship.rounds, "bufer_zone")


def test_degenerate_rounds_are_flagged() -> None:
    text = """
name: indifferent
rounds: 3
actors: {A: {}, B: {}}
games:
  g:
    players: [A, B]
    strategies: {A: [x, y], B: [u, v]}
    payoffs: {A: [[1, 1], [1, 1]], B: [[0, 1], [0, 1]]}
"""
    result = run(parse_scenario(text))
    assert result.equilibria["degenerate"].all()
    ax = plots.equilibrium_probabilities(result.rounds, "g", equilibria=result.equilibria)
    assert "degenerate game" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(ax.patches) == 3  # one grey band per round


def test_state_trajectories(flagship: RunResult) -> None:
    ax = plots.state_trajectories(flagship.state, ["Ukraine.trust", "esc"])
    assert len(ax.lines) == 2 and ax.get_xlabel() == "round (0 = start)" and ax.get_ylabel() == "value"
    with pytest.raises(UsageError, match="no state variable"):
        plots.state_trajectories(flagship.state, ["Ukraine.trusts"])


def test_move_timeline_puts_one_marker_per_move_made_on_the_move_s_row() -> None:
    # month 1: the EU sends monitors, then stands firm; month 2: it holds back; Russia's moves are not the EU's
    moves = pd.DataFrame(
        {
            "round": [1, 1, 1, 2],
            "game": "crisis",
            "actor": ["EU", "Russia", "EU", "EU"],
            "move": ["monitors", "strike", "stand_firm", "hold_back"],
        }
    )
    ax = plots.move_timeline(moves, "crisis", "EU", only=["hold_back", "monitors", "force", "stand_firm"])
    # rows bottom up in the order given; force (never made) keeps its row with no marker
    assert [t.get_text() for t in ax.get_yticklabels()] == ["hold_back", "monitors", "force", "stand_firm"]
    points = [(list(line.get_xdata()), list(line.get_ydata())) for line in ax.lines]
    assert points == [([2], [0]), ([1], [1]), ([], []), ([1], [3])]
    assert ax.get_title() == "crisis: moves of EU" and ax.get_xlabel() == "round"
    by_default = plots.move_timeline(moves, "crisis", "EU")  # every move made, in the order first made
    assert [t.get_text() for t in by_default.get_yticklabels()] == ["monitors", "stand_firm", "hold_back"]
    with pytest.raises(UsageError, match=r"no moves of 'Ukraine' in game 'crisis'"):
        plots.move_timeline(moves, "crisis", "Ukraine")


def test_payoff_heatmap(flagship: RunResult) -> None:
    ax = flagship.plot_payoffs("troop_deployment", 1).axes[0]
    assert ax.images and ax.get_xlabel() == "Russia (column player)" and ax.get_ylabel() == "EU (row player)"
    texts = [t.get_text() for t in ax.texts]
    assert "1.4*, -1.08*" in texts and "-1.2*, 1.75*" in texts
    assert len(ax.patches) == 2  # the two pure equilibria are outlined
    with pytest.raises(UsageError, match="two players"):
        flagship.plot_payoffs("mediation", 1)


@pytest.mark.slow
def test_run_result_figures_are_figures_and_leave_the_backend_alone(flagship: RunResult) -> None:
    backend = matplotlib.get_backend()
    figure = flagship.plot_equilibria()
    assert isinstance(figure, Figure)
    assert len(figure.axes) == 3 and all(drawn(ax) for ax in figure.axes)
    one = flagship.plot_equilibria("buffer_zone")
    assert len(one.axes) == 1 and "buffer_zone" in one.axes[0].get_title()
    for drawing in (flagship.plot_state(), flagship.plot_payoffs("troop_deployment", 1)):
        assert isinstance(drawing, Figure) and drawn(drawing.axes[0])
    assert matplotlib.get_backend() == backend
    assert "pyplot" not in repr(type(figure.canvas)).lower()


def test_sweep_result_figures(swept: SweepResult) -> None:
    figure = swept.plot_outcome("G", "share:buffer_zone=(W,W)")
    (ax,) = figure.axes
    assert drawn(ax) and ax.get_xlabel() == "G" and ax.get_ylabel() == "share:buffer_zone=(W,W)"
    ax = swept.plot_phase_diagram("G", "m", "share:buffer_zone=(W,W)").axes[0]
    assert ax.images and ax.get_xlabel() == "G" and ax.get_ylabel() == "m"
    ax = swept.plot_phase_diagram("G", "m", game="buffer_zone").axes[0]
    assert ax.get_legend().get_title().get_text() == "most frequent profile"
    with pytest.raises(UsageError, match="either an output column or a game"):
        swept.plot_phase_diagram("G", "m")
    with pytest.raises(UsageError, match="no column 'Gx'"):
        swept.plot_outcome("Gx", "share:buffer_zone=(W,W)")


@pytest.mark.slow
def test_the_pandas_accessor_is_registered_only_when_asked(swept: SweepResult) -> None:
    code = (
        "import pandas as pd, sim, sim.api, sim.viz.plots, sim.viz.figures, sim.sweeps.runner\n"
        "print(hasattr(pd.DataFrame, 'sweep'))"
    )
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == "False"  # importing the library changed nothing on pandas
    plots.register_accessor()
    ax = swept.table.sweep.outcome_vs_parameter("G", "share:buffer_zone=(W,W)")
    assert drawn(ax)


@pytest.mark.slow
def test_sobol_indices_and_bars_of_a_sweep_result() -> None:
    result = sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1", "m": "0:0.5"}, design="sobol", samples=32, workers=1)
    indices = result.sobol("share:buffer_zone=(H,O)")
    assert list(indices.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert result.sobol("share:buffer_zone=(H,O)") is indices  # remembered
    ax = result.plot_sobol("share:buffer_zone=(H,O)").axes[0]
    assert len(ax.patches) == 4 and ax.get_ylabel().startswith("Sobol index")
