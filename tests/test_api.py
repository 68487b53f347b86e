"""The public API: names reachable from ``import sim``, consistent arguments, old names."""

from __future__ import annotations

import importlib
import subprocess
import sys

import numpy as np
import pytest

import sim
from sim.game.normal_form import NormalFormGame


def test_the_modules_the_readme_names_are_reachable_after_import_sim() -> None:
    assert sim.plots.__name__ == "sim.viz.plots" and callable(sim.plots.sobol_bars)
    assert sim.analysis.__name__ == "sim.sweeps.analysis" and callable(sim.analysis.sobol_indices)
    assert {"run", "sweep", "solve", "RunResult", "SweepResult", "plots", "analysis"} <= set(dir(sim))


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("sim.games", "sim.game.normal_form", "NormalFormGame"),
        ("sim.selection", "sim.solvers.selection", "select"),
        ("sim.dominance", "sim.solvers.dominance", "iterated_elimination"),
        ("sim.nfg", "sim.game.nfg", "read_nfg"),
        ("sim.stage_games", "sim.model.stage_games", "stage_game"),
        ("sim.expressions", "sim.scenario.expressions", "Formula"),
    ],
)
@pytest.mark.slow
def test_release_0_2_module_names_still_import_with_a_warning(old: str, new: str, name: str) -> None:
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        f"    from {old} import {name} as thing\n"
        f"import {new}\n"
        f"assert thing is {new}.{name}\n"
        "print([str(w.message) for w in seen if w.category is DeprecationWarning])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert f"{old} is now {new}; the old name goes in the next release" in out


@pytest.mark.slow
def test_plots_and_analysis_import_by_their_short_names_without_a_warning() -> None:
    code = "import warnings\nwarnings.simplefilter('error')\nfrom sim.plots import sobol_bars\nimport sim.analysis\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_two_player_game_from_two_arrays_like_nashpy() -> None:
    zero_sum = NormalFormGame.from_arrays(np.array([[1, -1], [-1, 1]]))
    assert zero_sum.payoffs[..., 1].tolist() == [[-1.0, 1.0], [1.0, -1.0]]
    (eq,) = sim.solve(zero_sum, solver="vertex_enumeration").equilibria
    assert eq.strategies[0].tolist() == [0.5, 0.5]
    named = NormalFormGame.from_arrays(
        [[3, 0], [5, 1]], [[3, 5], [0, 1]], name="pd", strategies=(("C", "D"), ("C", "D"))
    )
    assert named.name == "pd" and named.payoff_of(("D", "C")) == (5.0, 0.0)
    with pytest.raises(ValueError, match="two payoff matrices of the same shape"):
        NormalFormGame.from_arrays([[1, 2]], [[1], [2]])


def test_solver_is_the_argument_name_everywhere_and_method_still_works() -> None:
    game = NormalFormGame.from_arrays([[1, 0], [0, 1]])
    assert sim.solve(game, solver="nashpy").method == "nashpy"
    with pytest.warns(DeprecationWarning, match=r"solve\(method=...\) is now solve\(solver=...\)"):
        assert sim.solve(game, method="nashpy").method == "nashpy"


def test_importing_sim_is_quick_and_pulls_in_no_heavy_library() -> None:
    code = "import sys, sim\nprint(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'mesa') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert importlib.import_module("sim.api").__name__ == "sim.api"
