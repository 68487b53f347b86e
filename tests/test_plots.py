from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim import plots
from sim.analysis import sobol_indices
from sim.errors import UsageError
from sim.results import RunResult, run
from sim.scenario import parse_scenario
from sim.sweeps import sweep

from .conftest import FLAGSHIP, SCENARIOS


@pytest.fixture(scope="module")
def flagship() -> RunResult:
    return run(FLAGSHIP, rounds=12)


@pytest.fixture(scope="module")
def swept() -> pd.DataFrame:
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


def test_payoff_heatmap(flagship: RunResult) -> None:
    ax = flagship.plot_payoffs("troop_deployment", 1)
    assert ax.images and ax.get_xlabel() == "Russia (column player)" and ax.get_ylabel() == "EU (row player)"
    texts = [t.get_text() for t in ax.texts]
    assert "1.4*, -1.08*" in texts and "-1.2*, 1.75*" in texts
    assert len(ax.patches) == 2  # the two pure equilibria are outlined
    with pytest.raises(UsageError, match="two players"):
        flagship.plot_payoffs("mediation", 1)


def test_run_result_figure_has_one_panel_per_game(flagship: RunResult) -> None:
    figure = flagship.plot_equilibria()
    assert len(figure.axes) == 3 and all(drawn(ax) for ax in figure.axes)
    assert drawn(flagship.plot_state())


def test_sweep_plots(swept: pd.DataFrame) -> None:
    ax = swept.sweep.outcome_vs_parameter("G", "share:buffer_zone=(W,W)")
    assert drawn(ax) and ax.get_xlabel() == "G" and ax.get_ylabel() == "share:buffer_zone=(W,W)"
    ax = swept.sweep.phase_diagram("G", "m", "share:buffer_zone=(W,W)")
    assert ax.images and ax.get_xlabel() == "G" and ax.get_ylabel() == "m"
    ax = swept.sweep.phase_diagram("G", "m", game="buffer_zone")
    assert ax.get_legend().get_title().get_text() == "most frequent profile"
    with pytest.raises(UsageError, match="either an output column or a game"):
        swept.sweep.phase_diagram("G", "m")
    with pytest.raises(UsageError, match="no column 'Gx'"):
        swept.sweep.outcome_vs_parameter("Gx", "share:buffer_zone=(W,W)")


def test_sobol_bars() -> None:
    table = sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1", "m": "0:0.5"}, design="sobol", samples=32, workers=1)
    indices = sobol_indices(table, "share:buffer_zone=(H,O)")
    ax = plots.sobol_bars(indices)
    assert len(ax.patches) == 4 and ax.get_ylabel().startswith("Sobol index")
    plt.close("all")
