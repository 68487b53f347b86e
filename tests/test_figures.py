from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.api import run
from sim.api import sweep as sweep_result
from sim.errors import UsageError
from sim.viz.figures import plot_folder

from .conftest import SCENARIOS, SIMULTANEOUS, diplosim


def sweep(*args: Any, **kwargs: Any) -> pd.DataFrame:
    """The table of :func:`sim.api.sweep`."""
    return sweep_result(*args, **kwargs).table


@pytest.mark.slow
def test_run_plots_from_the_cli_and_from_a_saved_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = diplosim("run", str(SIMULTANEOUS), "--rounds", "5", "--out", str(out), "--plots", "--quiet")
    assert result.returncode == 0, result.stderr
    names = {p.name for p in out.glob("*.png")}
    assert names == {
        "equilibria_mediation.png",
        "equilibria_troop_deployment.png",
        "equilibria_buffer_zone.png",
        "state.png",
        "payoffs_troop_deployment.png",
        "payoffs_buffer_zone.png",
    }
    assert all(p.stat().st_size > 10_000 for p in out.glob("*.png"))
    for p in out.glob("*.png"):
        p.unlink()
    redrawn = diplosim("plot", str(out))
    assert redrawn.returncode == 0 and len(list(out.glob("equilibria_*.png"))) == 3
    assert diplosim("run", str(SIMULTANEOUS), "--plots").returncode == 2


@pytest.mark.slow
def test_sweep_figures(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1:3", "m": [0, 0.5]}, workers=1, out=out)
    (phase,) = plot_folder(out, metric="share:buffer_zone=(W,W)")
    assert phase.name == "phase_share_buffer_zone__W_W__G_m.png" and phase.stat().st_size > 10_000
    (line,) = plot_folder(out, x="m", metric="share:buffer_zone=(H,O)")
    assert line.name.endswith("_vs_m.png")
    with pytest.raises(UsageError, match="neither a run folder"):
        plot_folder(tmp_path)
    saved = tmp_path / "saved"
    run(SCENARIOS / "classics" / "chicken.yaml").save(saved)
    assert {p.name for p in plot_folder(saved)} == {"equilibria_chicken.png", "state.png"}
