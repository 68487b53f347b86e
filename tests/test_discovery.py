"""Scenario discovery (sim.sweeps.discovery, sim.viz.discovery_plots, ``diplosim discover``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import cli
from sim.errors import UsageError
from sim.sweeps import discovery
from sim.sweeps.discovery import Box, discover, format_discovery, parse_threshold
from sim.sweeps.runner import load_sweep

from .conftest import SIMULTANEOUS, diplosim

#: How far a recovered limit may lie from the true one on 1000 uniform runs: the gap
#: between neighbouring sampled values is about 1/1000 per unit, and one peel cuts 5 % of
#: the box's runs, so the last peel may stop up to a few gaps short of the boundary.
TOLERANCE = 0.01


def uniform_sweep(seed: int = 12345, runs: int = 1000) -> pd.DataFrame:
    """``runs`` uniform points on the unit square, the outcome where 0.2 <= x <= 0.5 and y > 0.7."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.uniform(size=(runs, 2)), columns=["x", "y"])
    table["metric:war"] = ((table.x >= 0.2) & (table.x <= 0.5) & (table.y > 0.7)).astype(float)
    table.attrs["sweep"] = {"factors": [{"name": "x", "low": 0, "high": 1}, {"name": "y", "low": 0, "high": 1}]}
    return table


def inside(table: pd.DataFrame, box: Box) -> pd.Series:
    """The runs of ``table`` inside the numeric limits of ``box`` (counted independently)."""
    mask = pd.Series(True, index=table.index)
    for name, (low, high) in box.limits.items():
        mask &= (table[name] >= low) & (table[name] <= high)
    return mask


def test_prim_recovers_a_box_from_a_uniform_sample() -> None:
    table = uniform_sweep()
    found = discover(table, "metric:war", ">=1")
    box = found.boxes[0]
    assert box.restricted == ("x", "y")
    (x_low, x_high), (y_low, y_high) = box.limits["x"], box.limits["y"]
    assert abs(x_low - 0.2) <= TOLERANCE and abs(x_high - 0.5) <= TOLERANCE
    assert abs(y_low - 0.7) <= TOLERANCE
    assert abs(y_high - 1.0) <= TOLERANCE  # the top of the square
    # coverage and density by their definitions, counted on the table itself
    cases = table["metric:war"] == 1
    within = inside(table, box)
    assert found.cases == int(cases.sum()) and found.runs == 1000 and found.failed == 0
    assert (box.runs, box.cases) == (int(within.sum()), int((within & cases).sum()))
    assert box.coverage == box.cases / found.cases
    assert box.density == box.cases / box.runs
    assert box.mass == box.runs / 1000
    assert box.coverage >= 0.95 and box.density >= 0.95


def test_a_one_parameter_trajectory_derived_by_hand() -> None:
    # x = 0, 0.05, ..., 0.95 (20 runs); cases: x >= 0.5 (10 runs). alpha 0.1: the first peel
    # cuts floor(0.1 * 20) = 2 runs, each later one floor(0.1 * n) = 1 run (n <= 19). Cutting
    # the bottom keeps every case, cutting the top loses one, so PRIM peels from below:
    # 20, 18, 17, ..., 10 runs (steps 0-9), the last holding exactly the 10 cases (density 1,
    # coverage 1). Then it keeps peeling (a tie, the lower side first) down to the smallest
    # box, min_mass 0.05 * 20 = 1 run: steps 10-18 with 9, ..., 1 runs. 19 boxes in all.
    table = pd.DataFrame({"x": np.arange(20) / 20})
    table["metric:war"] = (table.x >= 0.5).astype(float)
    found = discover(table, "metric:war", ">=0.5", parameters=["x"], alpha=0.1)
    steps = found.trajectory
    assert steps["runs"].tolist() == [20, *range(18, 0, -1)]
    assert steps.loc[9, ["coverage", "density", "mass"]].tolist() == [1.0, 1.0, 0.5]
    assert steps.loc[0, "density"] == 10 / 20 and steps.loc[1, "density"] == 10 / 18
    assert steps.loc[18, ["coverage", "density"]].tolist() == [1 / 10, 1.0]
    # the reported box: the best harmonic mean of coverage and density is 1, at step 9 only
    assert steps["chosen"].tolist() == [step == 9 for step in range(19)]
    box = found.boxes[0]
    assert box.limits == {"x": (0.5, 0.95)} and box.restricted == ("x",)
    assert (box.coverage, box.density, box.mass, box.runs, box.cases) == (1.0, 1.0, 0.5, 10, 10)


def test_text_levels_are_peeled_one_level_at_a_time() -> None:
    # 3 levels x 10 values = 30 runs; cases: rule b with x >= 0.5 (5 runs). Dropping a level
    # cuts 10 runs, more than alpha's share, but it is the only peel of a text parameter.
    rows = [(rule, k / 10) for rule in ("a", "b", "c") for k in range(10)]
    table = pd.DataFrame(rows, columns=["rule", "x"])
    table["metric:war"] = ((table.rule == "b") & (table.x >= 0.5)).astype(float)
    box = discover(table, "metric:war", ">0", parameters=["rule", "x"], alpha=0.1).boxes[0]
    assert box.limits == {"rule": frozenset({"b"}), "x": (0.5, 0.9)}
    assert (box.cases, box.runs, box.coverage, box.density) == (5, 5, 1.0, 1.0)
    assert box.describe("rule") == "rule in {b}"


def test_the_same_table_gives_the_same_boxes_in_any_row_order() -> None:
    table = uniform_sweep()
    first = discover(table, "metric:war", ">=1", boxes=2)
    again = discover(table, "metric:war", ">=1", boxes=2)
    shuffled = discover(table.sample(frac=1, random_state=7), "metric:war", ">=1", boxes=2)
    assert first.boxes == again.boxes == shuffled.boxes
    pd.testing.assert_frame_equal(first.trajectory, shuffled.trajectory)


def test_covering_finds_two_separate_regions() -> None:
    table = uniform_sweep()
    table["metric:war"] = (((table.x < 0.3) & (table.y < 0.3)) | ((table.x > 0.7) & (table.y > 0.6))).astype(float)
    found = discover(table, "metric:war", ">=1", boxes=3)
    # a third box would be no denser than the sweep (19 % cases): covering stops at two
    assert len(found.boxes) == 2
    upper, lower = found.boxes
    assert abs(upper.limits["x"][0] - 0.7) <= TOLERANCE and abs(upper.limits["y"][0] - 0.6) <= TOLERANCE
    assert abs(lower.limits["x"][1] - 0.3) <= TOLERANCE and abs(lower.limits["y"][1] - 0.3) <= TOLERANCE
    assert upper.density == lower.density == 1.0
    assert upper.cases + lower.cases == found.cases - 1  # one case lies just outside both


def test_pasting_widens_the_box_only_while_its_density_rises() -> None:
    # seed 3 with 10 % noise (cases also outside the box): the peeled box holds 24 cases in
    # 31 runs (density 0.774); pasting adds 2 runs, both cases, 26 in 33 (0.788) - counts
    # recorded from this seeded sample; what must hold is that the pasted box contains the
    # peeled one and is denser
    rng = np.random.default_rng(3)
    table = pd.DataFrame(rng.uniform(size=(300, 2)), columns=["x", "y"])
    table["metric:war"] = (
        ((table.x >= 0.2) & (table.x <= 0.5) & (table.y > 0.7)) | (rng.uniform(size=300) < 0.1)
    ).astype(float)
    peeled = discover(table, "metric:war", ">=1", parameters=["x", "y"]).boxes[0]
    pasted = discover(table, "metric:war", ">=1", parameters=["x", "y"], paste=True).boxes[0]
    assert (peeled.cases, peeled.runs, pasted.cases, pasted.runs) == (24, 31, 26, 33)
    assert pasted.density > peeled.density
    assert (inside(table, peeled) <= inside(table, pasted)).all()  # every run of the peeled box stays in


def test_min_coverage_keeps_boxes_that_explain_enough_cases() -> None:
    table = uniform_sweep()
    table["metric:war"] = (((table.x < 0.3) & (table.y < 0.3)) | ((table.x > 0.7) & (table.y > 0.6))).astype(float)
    box = discover(table, "metric:war", ">=1", min_coverage=0.9).boxes[0]
    assert box.coverage >= 0.9 and box.density < 0.5  # both regions in one loose box


def test_a_boolean_output_needs_no_threshold_and_failed_runs_are_left_out() -> None:
    table = uniform_sweep()
    table["agreed:talks"] = table["metric:war"] == 1
    table["metric:war"] = table["metric:war"].where(table.index >= 10)  # 10 failed runs
    assert discover(table, "agreed:talks").rule == "agreed:talks is true"
    found = discover(table, "metric:war", ">=1")
    assert (found.runs, found.failed) == (990, 10)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [(">=0.5", (">=", 0.5)), ("< -1", ("<", -1.0)), ("==1", ("==", 1.0)), ("0.25", (">=", 0.25)), (2, (">=", 2.0))],
)
def test_thresholds(text: str | float, parsed: tuple[str, float]) -> None:
    assert parse_threshold(text) == parsed


@pytest.mark.parametrize(
    ("output", "threshold", "fragment"),
    [
        ("metric:wr", ">=1", "unknown output column 'metric:wr' (did you mean 'metric:war'?)"),
        ("label", ">=1", "output column 'label' is not numeric (str)"),
        ("metric:war", ">1", "no run has metric:war > 1 (0 of 1000)"),
        ("metric:war", ">=0", "every run has metric:war >= 0 (1000 of 1000)"),
        ("metric:war", "=>1", "threshold '=>1' is not a comparison and a number"),
        ("metric:war", "nan", "threshold 'nan' is not a comparison and a number"),
        ("score", None, "output 'score' is not true/false: give a threshold"),
        ("x", ">=0.5", "unknown output column 'x'"),
    ],
)
def test_bad_outputs_and_thresholds_are_usage_errors(output: str, threshold: str | None, fragment: str) -> None:
    table = uniform_sweep()
    table["label"] = "a"
    table["score"] = table.x * 3
    with pytest.raises(UsageError) as error:
        discover(table, output, threshold)
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"alpha": 0.5}, "alpha must be between 0 and 0.5"),
        ({"min_mass": 0.0}, "min_mass must be between 0 and 1"),
        ({"min_coverage": 1.5}, "min_coverage must be between 0 and 1"),
        ({"boxes": 0}, "boxes must be a whole number from 1 to 10"),
    ],
)
def test_settings_out_of_range_are_usage_errors(settings: dict[str, float], fragment: str) -> None:
    with pytest.raises(UsageError) as error:
        discover(uniform_sweep(), "metric:war", ">=1", **settings)  # type: ignore[arg-type]
    assert fragment in str(error.value)


def test_a_table_without_a_sweep_description_needs_parameters() -> None:
    table = uniform_sweep()
    table.attrs.clear()
    with pytest.raises(UsageError) as error:
        discover(table, "metric:war", ">=1")
    assert "pass parameters= (the swept columns)" in str(error.value)


def test_the_text_report_lists_each_box() -> None:
    found = discover(uniform_sweep(), "metric:war", ">=1")
    box = found.boxes[0]
    lines = format_discovery(found).splitlines()
    assert lines[0] == f"metric:war >= 1 in {found.cases} of 1000 runs ({found.cases / 10:.1f} %)"
    assert lines[1].startswith(f"box 1: coverage {box.coverage:.3f} ({box.cases} of {found.cases} cases)")
    assert lines[2:] == [f"  {box.describe('x')}", f"  {box.describe('y')}"]


def test_the_help_states_the_module_defaults() -> None:
    text = cli.build_parser().parse_args(["discover", "x", "--output", "y"])
    assert (text.alpha, text.min_mass, text.min_coverage) == (None, None, None)  # the module's defaults apply
    action = next(a for a in cli.build_parser()._actions if a.dest == "command")
    helps = {a.dest: a.help for a in action.choices["discover"]._actions}  # type: ignore[attr-defined]
    assert f"(default {discovery.ALPHA})" in str(helps["alpha"])
    assert f"(default {discovery.MIN_MASS})" in str(helps["min_mass"])
    assert f"(default {discovery.MIN_COVERAGE:g}" in str(helps["min_coverage"])


@pytest.mark.slow
def test_the_figure_shows_the_trajectory_and_the_box() -> None:
    found = discover(uniform_sweep(), "metric:war", ">=1")
    figure = sim.discovery_figure(found)
    trajectory, limits = figure.axes[:2]
    assert trajectory.get_xlabel().startswith("coverage") and trajectory.get_ylabel().startswith("density")
    assert trajectory.get_title().startswith("metric:war >= 1: peeling trajectory")
    assert [tick.get_text() for tick in limits.get_yticklabels()] == ["y", "x"]  # the first parameter on top
    texts = [text.get_text() for text in limits.texts]
    x_low, x_high = found.boxes[0].limits["x"]
    assert f"{x_low:.3g} to {x_high:.3g}" in texts


@pytest.fixture(scope="module")
def flagship_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("discover") / "sweep"
    args = [
        "--design",
        "lhs",
        "--samples",
        "40",
        "--reps",
        "1",
        "--param",
        "G_H=0:1",
        "--param",
        "mediation_strength=0:0.5",
    ]
    result = diplosim("sweep", str(SIMULTANEOUS), *args, "--workers", "1", "--quiet", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    return folder


@pytest.mark.slow
def test_discover_on_a_sweep_of_the_flagship(flagship_sweep: Path) -> None:
    result = diplosim("discover", str(flagship_sweep), "--output", "metric:mutual_zone", "--threshold", ">=1")
    assert (result.returncode, result.stderr) == (0, "")
    table = load_sweep(flagship_sweep)
    cases = table["metric:mutual_zone"] >= 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"metric:mutual_zone >= 1 in {int(cases.sum())} of 40 runs ({cases.mean() * 100:.1f} %)"
    # the zone forms once the guarantee is credible enough, whatever the mediation: the box
    # starts at the lowest G_H of a run where it formed and every run above it is a case
    # (so coverage and density are 1)
    threshold = table.G_H[cases].min()
    assert table.G_H[~cases].max() < threshold
    assert lines[1] == f"box 1: coverage 1.000 ({cases.sum()} of {cases.sum()} cases), density 1.000 " + (
        f"({cases.sum()} of {cases.sum()} runs), mass {cases.mean():.3f}"
    )
    assert lines[2] == f"  {threshold:.4g} <= G_H <= {table.G_H.max():.4g}"
    assert lines[3] == "  mediation_strength: any"
    figure = flagship_sweep / "_figures" / "discovery_metric_mutual_zone.png"
    assert lines[4] == f"wrote {figure}"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_parquet(flagship_sweep)) == 40  # still a Parquet dataset with _figures/ inside


@pytest.mark.slow
def test_the_api_gives_the_same_boxes_as_the_command(flagship_sweep: Path) -> None:
    table = sim.load_sweep(flagship_sweep)
    found = sim.discover(table, "metric:mutual_zone")  # true/false: no threshold needed
    assert found.boxes[0].restricted == ("G_H",)
    assert found.scenario == table.attrs["sweep"]["scenario"]


@pytest.mark.slow
def test_a_box_of_one_value_and_of_text_levels_is_drawn_visibly() -> None:
    # cases: rule b at x = 1 only (x in 0, 0.5, 1): the box is {b} x [1, 1]
    rows = [(rule, x / 2) for rule in ("a", "b", "c") for x in range(3) for _ in range(4)]
    table = pd.DataFrame(rows, columns=["rule", "x"])
    table["metric:war"] = ((table.rule == "b") & (table.x == 1)).astype(float)
    found = discover(table, "metric:war", ">0", parameters=["rule", "x"], alpha=0.1)
    assert found.boxes[0].limits == {"rule": frozenset({"b"}), "x": (1.0, 1.0)}
    limits = sim.discovery_figure(found).axes[1]
    texts = [text.get_text() for text in limits.texts]
    assert "1" in texts and "b" in texts and "1 to 1" not in texts
    # the box's bars (coloured): the level b (a third of the row), one value (MIN_SPAN wide)
    widths = sorted(round(bar.get_width(), 4) for bar in limits.patches if bar.get_facecolor()[:3] != (0.88,) * 3)
    assert widths == [0.02, round(1 / 3, 4)]
