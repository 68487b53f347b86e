from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.api import run
from sim.api import sweep as sweep_result
from sim.errors import UsageError
from sim.viz import plots
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
    table = sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1:3", "m": [0, 0.5]}, workers=1, out=out)
    (phase,) = plot_folder(out, metric="share:buffer_zone=(W,W)")
    assert phase == out / "_figures" / "phase_share_buffer_zone__W_W__G_m.png" and phase.stat().st_size > 10_000
    (line,) = plot_folder(out, x="m", metric="share:buffer_zone=(H,O)")
    assert line == out / "_figures" / "share_buffer_zone__H_O__vs_m.png"
    # issue 17: a PNG beside the parts made pandas.read_parquet(folder) fail
    assert not list(out.glob("*.png"))
    read = pd.read_parquet(out).sort_values(["point", "rep"]).reset_index(drop=True)
    assert len(read) == 6 and read["G"].tolist() == table["G"].tolist()  # 3 x 2 points, one run each
    again = sweep(SCENARIOS / "buffer_zone.yaml", {"G": "0:1:3", "m": [0, 0.5]}, workers=1, out=out)
    assert len(again) == 6 and again.attrs["sweep"]["design"] == "grid"  # resumed: _figures is not a part
    with pytest.raises(UsageError, match="neither a run folder"):
        plot_folder(tmp_path)
    saved = tmp_path / "saved"
    run(SCENARIOS / "classics" / "chicken.yaml").save(saved)
    assert {p.name for p in plot_folder(saved)} == {"equilibria_chicken.png", "state.png"}


@pytest.mark.slow
def test_a_saved_run_is_redrawn_with_its_scenario_in_the_titles(tmp_path: Path, monkeypatch: Any) -> None:
    saved = tmp_path / "saved"
    result = run(SCENARIOS / "classics" / "chicken.yaml", rounds=2)
    result.save(saved)
    titles: list[str] = []
    drawn = plots.equilibrium_probabilities

    def spy(*args: Any, **kwargs: Any) -> Any:
        panels = drawn(*args, **kwargs)
        titles.append(panels[0].get_title())
        return panels

    monkeypatch.setattr(plots, "equilibrium_probabilities", spy)
    plot_folder(saved)
    assert titles == [f"{result.scenario.name}\nchicken: selected equilibrium each round"]
