from __future__ import annotations

import io
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


def played_cells(ax: object) -> list[tuple[int, str]]:
    """The (round, strategy) of every cell a panel outlines as played."""
    # the rows' labels, without the strategies' descriptions ("H (hold back)" -> "H")
    strategies = [t.get_text().split(" (")[0] for t in ax.get_yticklabels()]  # type: ignore[attr-defined]
    boxes = [p for p in ax.patches if p.get_label() == "_played"]  # type: ignore[attr-defined]
    return sorted(
        (round(p.get_x() + p.get_width() / 2), strategies[round(p.get_y() + p.get_height() / 2)]) for p in boxes
    )


def test_equilibria_have_a_panel_per_player_marking_what_each_played(flagship: RunResult) -> None:
    # issue 17: one panel per player, so that the second player's lines no longer cover the first's
    ukraine, russia = plots.equilibrium_probabilities(
        flagship.rounds, "buffer_zone", equilibria=flagship.equilibria, scenario="Flagship"
    )
    assert [ukraine.get_ylabel(), russia.get_ylabel()] == ["Ukraine", "Russia"]
    assert [t.get_text() for t in ukraine.get_yticklabels()] == [
        "W (withdraw 20 km into a mutual 40 km zone)",
        "H (hold the line)",
    ]
    assert [t.get_text() for t in russia.get_yticklabels()] == [
        "W (withdraw 20 km)",
        "B (hold and fortify its own buffer zones)",
        "O (offensive)",
    ]
    assert ukraine.get_title() == "Flagship\nbuffer_zone: selected equilibrium each round"
    assert russia.get_xlabel() == "round" and ukraine.get_xlabel() == ""
    for panel, player in ((ukraine, "Ukraine"), (russia, "Russia")):
        table = flagship.rounds
        rows = table[(table["game"] == "buffer_zone") & (table["player"] == player) & table["played"]]
        expected = sorted(zip(rows["round"], rows["strategy"]))
        assert len(expected) == 12  # one move per round of the 12 played
        assert played_cells(panel) == expected
    (image,) = russia.images  # probabilities as shades: rows W, B, O over rounds 1..12
    assert image.get_array().shape == (3, 12)
    with pytest.raises(UsageError, match=r"no game 'bufer_zone'.*did you mean 'buffer_zone'"):
        plots.equilibrium_probabilities(flagship.rounds, "bufer_zone")


def test_a_mixed_equilibrium_shows_its_probabilities_and_the_moves_drawn() -> None:
    # issue 17: in rock-paper-scissors all six lines lay on 1/3 and hid the moves
    result = run(SCENARIOS / "classics" / "rock_paper_scissors.yaml", rounds=4, seed=3)
    first, second = plots.equilibrium_probabilities(result.rounds, "rps")
    for panel, player in ((first, "First"), (second, "Second")):
        # 4 rounds x 3 strategies, each 1/3 written as .33 in its cell
        assert [t.get_text() for t in panel.texts] == [".33"] * 12
        rows = result.rounds[(result.rounds["player"] == player) & result.rounds["played"]]
        assert played_cells(panel) == sorted(zip(rows["round"], rows["strategy"]))
        assert len(played_cells(panel)) == 4


@pytest.mark.slow
def test_a_long_run_writes_no_probabilities_in_its_narrow_cells() -> None:
    result = run(SCENARIOS / "classics" / "rock_paper_scissors.yaml", rounds=plots.WRITTEN_ROUNDS + 1)
    first, _ = plots.equilibrium_probabilities(result.rounds, "rps")
    assert len(first.texts) == 0 and len(played_cells(first)) == plots.WRITTEN_ROUNDS + 1


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
    a, b = plots.equilibrium_probabilities(result.rounds, "g", equilibria=result.equilibria)
    assert [t.get_text() for t in b.get_legend().get_texts()] == ["strategy played", "degenerate game"]
    for panel in (a, b):  # one hatched band per round, beside the 3 played cells
        assert len([p for p in panel.patches if p.get_hatch() == "///"]) == 3
        assert len(played_cells(panel)) == 3


def test_state_trajectories(flagship: RunResult) -> None:
    ax = plots.state_trajectories(flagship.state, ["Ukraine.trust", "esc"])
    assert len(ax.lines) == 2 and ax.get_xlabel() == "round (0 = start)" and ax.get_ylabel() == "value"
    with pytest.raises(UsageError, match="no state variable"):
        plots.state_trajectories(flagship.state, ["Ukraine.trusts"])


def test_state_by_actor_gives_each_actor_a_panel(flagship: RunResult) -> None:
    # EU.audience (1.0) and Switzerland.acceptance_UA (1.0) lay on each other in one panel
    panels = plots.state_by_actor(flagship.state, scenario="Flagship")
    assert [p.get_ylabel() for p in panels] == ["EU", "Russia", "Ukraine", "Switzerland", "parameters"]
    assert [len(p.lines) for p in panels] == [1, 3, 4, 2, 3]
    assert [t.get_text() for t in panels[3].get_legend().get_texts()] == ["acceptance_UA", "acceptance_RU"]
    assert panels[0].get_title().startswith("Flagship\nstate over rounds")
    assert panels[-1].get_xlabel() == "round (0 = start)"
    (ukraine,) = plots.state_by_actor(flagship.state, ["Ukraine.trust"])
    assert ukraine.get_ylabel() == "Ukraine" and len(ukraine.lines) == 1


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
    assert ax.get_title().splitlines()[:2] == [
        flagship.scenario.name,
        "troop_deployment, round 1: payoffs (EU, Russia)",
    ]
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
    # mediation: Switzerland; troop_deployment: EU, Russia; buffer_zone: Ukraine, Russia; each game a colour bar
    panels = [ax for ax in figure.axes if ax.images]
    assert [ax.get_ylabel() for ax in panels] == ["Switzerland", "EU", "Russia", "Ukraine", "Russia"]
    assert len(figure.axes) == 5 + 3 and all(drawn(ax) for ax in figure.axes)
    one = flagship.plot_equilibria("buffer_zone")
    assert len(one.axes) == 2 + 1 and one.axes[0].get_title().endswith("buffer_zone: selected equilibrium each round")
    for drawing in (flagship.plot_state(), flagship.plot_payoffs("troop_deployment", 1)):
        assert isinstance(drawing, Figure) and drawn(drawing.axes[0])
    assert matplotlib.get_backend() == backend
    assert "pyplot" not in repr(type(figure.canvas)).lower()


def test_sweep_result_figures(swept: SweepResult) -> None:
    figure = swept.plot_outcome("G", "share:buffer_zone=(W,W)")
    (ax,) = figure.axes
    assert drawn(ax) and ax.get_xlabel() == "G" and ax.get_ylabel() == "share:buffer_zone=(W,W)"
    ax = swept.plot_phase_diagram("G", "m", "share:buffer_zone=(W,W)").axes[0]
    assert ax.images and ax.get_xlabel() == "G" and ax.get_ylabel() == "m"  # a grid stays a heatmap
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "0.5", "1"]
    assert ax.get_title() == f"{swept.scenario.name}\nshare:buffer_zone=(W,W): mean over runs"
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
    assert ax.get_title() == (
        f"{result.scenario.name}\nsensitivity of share:buffer_zone=(H,O): Sobol indices with 95% confidence intervals"
    )


@pytest.mark.slow
def test_a_sampled_sweep_is_a_scatter_plot_not_a_heatmap_of_categories() -> None:
    # issue 17: every sampled value became a category (hundreds of tick labels, pixel-sized cells)
    result = sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1", "m": "0:0.5"}, design="lhs", samples=12, workers=1)
    assert result.table.attrs["sweep"]["design"] == "lhs"
    bare = result.table.copy()
    bare.attrs = {}  # a table read back without its description: not a grid either
    for table in (result.table, bare):
        ax = plots.phase_diagram(table, "G", "m", "share:buffer_zone=(W,W)")
        assert len(ax.images) == 0
        (dots,) = ax.collections
        assert len(dots.get_offsets()) == 12  # a dot per sampled point
        assert len(ax.get_xticks()) < 12  # a numeric axis, not a tick per sampled value
        assert dots.get_clim() == (0.0, 1.0)  # a share's colours always span 0 to 1
    ax = result.plot_phase_diagram("G", "m", game="buffer_zone").axes[0]
    assert len(ax.images) == 0 and len(ax.collections[0].get_offsets()) == 12
    assert ax.get_legend().get_title().get_text() == "most frequent profile"
    assert ax.get_title() == f"{result.scenario.name}\nbuffer_zone: most frequent profile (12 points of an lhs design)"
    # against one sampled parameter: a dot per run and the mean over bins, not a line through 12 single runs
    ax = result.plot_outcome("G", "share:buffer_zone=(W,W)").axes[0]
    assert len(ax.collections[-1].get_offsets()) == 12
    (means,) = ax.lines
    assert len(means.get_xdata()) == 3  # 12 sampled values // 4 = 3 bins, each holding some of the stratified samples
    assert ax.get_title() == f"{result.scenario.name}\nshare:buffer_zone=(W,W) against G (12 runs; mean per bin of G)"


def test_a_hostile_scenario_name_is_shown_as_written_in_titles(flagship: RunResult) -> None:
    # a control character has no glyph (a warning, an error under pytest) and $ would start mathtext
    name = "costs $5 \x1b[2J"
    (panel, _) = plots.equilibrium_probabilities(flagship.rounds, "buffer_zone", scenario=name)
    assert panel.get_title() == "costs \\$5 \\x1b[2J\nbuffer_zone: selected equilibrium each round"
    panel.figure.savefig(io.BytesIO(), format="png")  # draws without a warning


def test_the_equilibria_figure_names_what_each_strategy_means() -> None:
    # troop_deployment.yaml describes its strategies: the rows say what they mean
    from sim.api import run as run_scenario

    result = run_scenario(SCENARIOS / "troop_deployment.yaml", rounds=2)
    panels = plots.equilibrium_probabilities(result.rounds, "troop_deployment", equilibria=result.equilibria)
    labels = [[t.get_text() for t in panel.get_yticklabels()] for panel in panels]
    assert labels == [
        ["D (deploy a reassurance force)", "M (send monitors)", "H (hold back)"],
        ["R (restrain)", "E (escalate against the force)"],
    ]
