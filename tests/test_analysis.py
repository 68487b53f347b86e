from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from SALib.test_functions import Ishigami

from sim.errors import UsageError
from sim.sweeps.analysis import COLUMNS, format_indices, sobol_indices
from sim.sweeps.designs import Factor, design_points, parse_factor

from .conftest import diplosim

ISHIGAMI_FACTORS = tuple(parse_factor(f"x{i}=-3.141592653589793:3.141592653589793") for i in (1, 2, 3))
# Analytic indices of the Ishigami function with a = 7, b = 0.1 (Ishigami & Homma 1990;
# Sobol' & Levitan 1999).
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]

Model = Callable[[np.ndarray], np.ndarray]


def ishigami(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = Ishigami.evaluate(x)
    return result


def sweep_table(
    factors: tuple[Factor, ...], samples: int, model: Model, *, reps: int = 1, seed: int = 0
) -> pd.DataFrame:
    """A results table as the sweep writes it (see the contract in sim.sweeps.analysis)."""
    points = design_points(factors, "sobol", samples, seed)
    x = np.array([[p[f.name] for f in factors] for p in points])
    y = model(x)
    frame = pd.DataFrame(
        {
            "point": np.repeat(np.arange(len(points)), reps),
            "rep": np.tile(np.arange(reps), len(points)),
            **{f.name: np.repeat(x[:, i], reps) for i, f in enumerate(factors)},
            "y": np.repeat(y, reps),
            "rounds": 10,
            "winner": "EU",
            "error": None,
        }
    )
    frame.attrs["sweep"] = sweep_of(factors, samples, reps=reps, seed=seed)
    return frame


def sweep_of(factors: tuple[Factor, ...], samples: int, design: str = "sobol", **extra: Any) -> dict[str, Any]:
    return {"design": design, "samples": samples, "factors": [dataclasses.asdict(f) for f in factors], **extra}


@pytest.fixture(scope="module")
def ishigami_table() -> pd.DataFrame:
    return sweep_table(ISHIGAMI_FACTORS, 1024, ishigami)


def test_ishigami_indices_match_the_analytic_values(ishigami_table: pd.DataFrame) -> None:
    indices = sobol_indices(ishigami_table, "y")
    assert list(indices.index) == ["x1", "x2", "x3"] and indices.index.name == "factor"
    assert tuple(indices.columns) == COLUMNS
    assert indices["S1"].to_numpy() == pytest.approx(ISHIGAMI_S1, abs=0.04)
    assert indices["ST"].to_numpy() == pytest.approx(ISHIGAMI_ST, abs=0.04)
    conf = indices[["S1_conf", "ST_conf"]].to_numpy()
    assert np.all(conf > 0) and np.all(conf < 0.15)


@pytest.mark.parametrize("reps", [2, 3])
@pytest.mark.slow
def test_identical_replications_give_the_same_indices(ishigami_table: pd.DataFrame, reps: int) -> None:
    repeated = sweep_table(ISHIGAMI_FACTORS, 1024, ishigami, reps=reps)
    assert len(repeated) == reps * len(ishigami_table)
    pd.testing.assert_frame_equal(sobol_indices(repeated, "y"), sobol_indices(ishigami_table, "y"), rtol=1e-12)


def test_replications_are_averaged(ishigami_table: pd.DataFrame) -> None:
    noisy = sweep_table(ISHIGAMI_FACTORS, 1024, ishigami, reps=2)
    noisy["y"] += np.where(noisy["rep"] == 0, 0.5, -0.5)
    pd.testing.assert_frame_equal(sobol_indices(noisy, "y"), sobol_indices(ishigami_table, "y"), rtol=1e-9)


def test_row_order_does_not_matter(ishigami_table: pd.DataFrame) -> None:
    shuffled = ishigami_table.sample(frac=1.0, random_state=np.random.RandomState(0))
    shuffled.attrs = ishigami_table.attrs
    pd.testing.assert_frame_equal(sobol_indices(shuffled, "y"), sobol_indices(ishigami_table, "y"))


def test_confidence_intervals_are_reproducible(ishigami_table: pd.DataFrame) -> None:
    # SALib falls back to numpy's global generator for a falsy seed: it must not here
    np.random.seed(1)
    first = sobol_indices(ishigami_table, "y")
    np.random.seed(2)
    assert sobol_indices(ishigami_table, "y").equals(first)
    other = sobol_indices(ishigami_table, "y", seed=7)
    assert other[["S1", "ST"]].equals(first[["S1", "ST"]])
    assert not other["S1_conf"].equals(first["S1_conf"])


def test_sweep_given_explicitly_after_parquet(ishigami_table: pd.DataFrame, tmp_path: Path) -> None:
    ishigami_table.to_parquet(tmp_path / "table.parquet")
    read = pd.read_parquet(tmp_path / "table.parquet")
    read.attrs = {}
    expected = sobol_indices(ishigami_table, "y")
    pd.testing.assert_frame_equal(sobol_indices(read, "y", sweep=ishigami_table.attrs["sweep"]), expected)


def test_sweep_factors_may_come_from_json(ishigami_table: pd.DataFrame) -> None:
    sweep = {"design": "sobol", "samples": 1024, "reps": 1, "seed": 0, "scenario": "x", "factors": []}
    sweep["factors"] = [
        {"name": f.name, "low": f.low, "high": f.high, "count": None, "values": None} for f in ISHIGAMI_FACTORS
    ]
    table = ishigami_table.copy()
    table.attrs = {}
    pd.testing.assert_frame_equal(sobol_indices(table, "y", sweep=sweep), sobol_indices(ishigami_table, "y"))


def test_linear_model_indices_are_the_variance_shares() -> None:
    factors = (parse_factor("a=0:1"), parse_factor("b=0:1"), parse_factor("c=0:1"))
    table = sweep_table(factors, 512, lambda x: x[:, 0] + 2 * x[:, 1])
    indices = sobol_indices(table, "y")
    assert indices["S1"].to_numpy() == pytest.approx([0.2, 0.8, 0.0], abs=0.02)
    assert indices["ST"].to_numpy() == pytest.approx([0.2, 0.8, 0.0], abs=0.02)


def test_format_indices(ishigami_table: pd.DataFrame) -> None:
    indices = sobol_indices(ishigami_table, "y")
    lines = format_indices(indices).splitlines()
    assert lines[0].split() == ["factor", "S1", "(95%", "CI)", "ST", "(95%", "CI)"]
    assert [line.split()[0] for line in lines[1:]] == ["x1", "x2", "x3"]
    numbers = re.fullmatch(r"x1 +(\d\.\d{3}) \+/- (\d\.\d{3}) +(\d\.\d{3}) \+/- (\d\.\d{3})", lines[1])
    assert numbers is not None
    assert list(numbers.groups()) == [f"{indices.loc['x1', column]:.3f}" for column in COLUMNS]


# --- errors ---------------------------------------------------------------------------


def small_table() -> pd.DataFrame:
    factors = (parse_factor("a=0:1"), parse_factor("b=0:1"))
    return sweep_table(factors, 8, lambda x: x[:, 0] + x[:, 1] ** 2, reps=2)


def raises(table: pd.DataFrame, output: str, text: str, **kwargs: Any) -> None:
    with pytest.raises(UsageError, match=re.escape(text)):
        sobol_indices(table, output, **kwargs)


def test_not_a_sobol_design() -> None:
    table = small_table()
    table.attrs["sweep"]["design"] = "grid"
    raises(
        table, "y", "Sobol indices need a sweep with the sobol design, not 'grid'; rerun the sweep with --design sobol"
    )


def test_no_sweep_description() -> None:
    table = small_table()
    table.attrs = {}
    raises(table, "y", "the results table has no sweep description (attrs['sweep'])")


@pytest.mark.parametrize(
    ("change", "text"),
    [
        ({"samples": None}, "no valid sample count"),
        ({"samples": 0}, "no valid sample count"),
        ({"factors": "a"}, "no valid factors"),
        ({"factors": [{"name": "a", "lo": 0}]}, "malformed factor"),
        ({"factors": [{"name": "a", "values": [1, 2]}]}, "factor 'a' is a list of values"),
        ({"factors": []}, "a sweep needs at least one factor"),
    ],
)
def test_malformed_sweep_description(change: dict[str, Any], text: str) -> None:
    table = small_table()
    raises(table, "y", text, sweep={**table.attrs["sweep"], **change})


def test_unknown_output_suggests_a_numeric_output() -> None:
    table = small_table()
    raises(table, "yy", "unknown output column 'yy' (did you mean 'y'?) (known: y, rounds)")
    raises(table, "a", "unknown output column 'a'")
    raises(table, "point", "unknown output column 'point'")
    raises(table, "winner", "output column 'winner' is not numeric")


def test_failed_runs_are_counted() -> None:
    table = small_table()
    table.loc[[3, 10], "y"] = np.nan
    table.loc[[3, 10], "error"] = "ZeroDivisionError: division by zero"
    raises(
        table, "y", "output 'y' is missing (NaN) or infinite in 2 of 64 runs; 2 runs failed (see the column 'error')"
    )
    table.loc[5, "y"] = np.inf
    raises(table, "y", "in 3 of 64 runs; 2 runs failed")


def test_missing_points() -> None:
    table = small_table()
    table = table[table["point"] != 17]
    raises(table, "y", "1 of the 32 design points have no run (the first is point 17)")


def test_points_outside_the_design() -> None:
    table = small_table()
    table.loc[0, "point"] = 32
    raises(table, "y", "point 32, outside 0..31")


def test_point_column_is_required() -> None:
    raises(small_table().drop(columns="point"), "y", "no integer column 'point'")


def test_constant_output() -> None:
    table = small_table()
    raises(table, "rounds", "output 'rounds' is constant (10) at every design point: Sobol indices are undefined")


def test_output_constant_on_the_base_samples() -> None:
    table = small_table()
    step = 2 + 2
    base = (table["point"] % step == 0) | (table["point"] % step == step - 1)
    table["y"] = np.where(base, 1.0, table["y"])
    raises(table, "y", "constant on the base samples")


def test_seed_must_be_a_whole_number() -> None:
    raises(small_table(), "y", "the seed must be a whole number >= 0", seed=-1)


def test_the_bootstrap_draws_from_the_sweep_seed_bootstrap_stream(ishigami_table: pd.DataFrame) -> None:
    table = ishigami_table.copy()
    table.attrs = {"sweep": {**ishigami_table.attrs["sweep"], "seed": 5}}
    assert sobol_indices(table, "y").equals(sobol_indices(ishigami_table, "y", seed=5))
    assert not sobol_indices(table, "y")["S1_conf"].equals(sobol_indices(table, "y", seed=0)["S1_conf"])


# --- analyze and plot on damaged sweep folders (the command line) ----------------------


@pytest.fixture(scope="module")
def sobol_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sim.scenario.load import parse_scenario
    from sim.sweeps.runner import run_sweep, spec_from

    from .test_sweeps import SMALL

    folder = tmp_path_factory.mktemp("sobol") / "out"
    spec = spec_from(None, {"cost": "0.5:2", "k": "0:1"}, design="sobol", samples=16, seed=2)
    run_sweep(parse_scenario(SMALL), spec, workers=1, out=folder, chunk_size=16)
    return folder


def _part(folder: Path) -> Path:
    return folder / "part-000001.parquet"


def _rewrite(change: Callable[[pa.Table], pa.Table]) -> Callable[[Path], None]:
    return lambda folder: pq.write_table(change(pq.read_table(_part(folder))), _part(folder))


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated-part": (
        lambda f: _part(f).write_bytes(_part(f).read_bytes()[:500]),
        "{folder}/part-000001.parquet: not readable Parquet (",
    ),
    "garbage-part": (lambda f: _part(f).write_bytes(b"x" * 900), "{folder}/part-000001.parquet: not readable Parquet"),
    "empty-part": (lambda f: _part(f).write_bytes(b""), "{folder}/part-000001.parquet: not readable Parquet"),
    "missing-column": (
        _rewrite(lambda t: t.drop_columns(["metric:crash_share"])),
        "{folder}/part-000001.parquet: no column 'metric:crash_share'; run the same diplosim sweep command again",
    ),
    "string-column": (
        _rewrite(lambda t: t.set_column(t.schema.get_field_index("cost"), "cost", t.column("cost").cast(pa.string()))),
        "{folder}/part-000001.parquet: column 'cost' is string, not double",
    ),
    "duplicate-part": (
        lambda f: shutil.copy(_part(f), f / "part-000009.parquet"),
        "{folder}: run (point 16, rep 0) is in two parts; run the same diplosim sweep command again",
    ),
    "manifest-not-json": (
        lambda f: (f / "_manifest.json").write_text("{"),
        "{folder}/_manifest.json: not valid JSON (",
    ),
    "manifest-truncated": (
        lambda f: (f / "_manifest.json").write_bytes((f / "_manifest.json").read_bytes()[:200]),
        "{folder}/_manifest.json: not valid JSON (",
    ),
    "manifest-without-columns": (
        lambda f: (f / "_manifest.json").write_text(
            json.dumps({k: v for k, v in json.loads((f / "_manifest.json").read_text()).items() if k != "columns"})
        ),
        "{folder}/_manifest.json: columns: Field required",
    ),
}


@pytest.mark.parametrize("command", ["analyze", "plot"])
@pytest.mark.parametrize("damage", list(DAMAGES))
def test_analyze_and_plot_on_a_damaged_folder_name_the_file(
    sobol_folder: Path, tmp_path: Path, damage: str, command: str
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(sobol_folder, folder)
    change, fragment = DAMAGES[damage]
    change(folder)
    args = ["--output", "metric:crash_share"] if command == "analyze" else []
    result = diplosim(command, str(folder), *args)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("diplosim: error: " + fragment.format(folder=folder)), result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "--output", "stop_reason"], "output column 'stop_reason' is not numeric (str)"),
        (["analyze", "--output", "nope"], "unknown output column 'nope'"),
        (["analyze", "--output", "point"], "unknown output column 'point'"),
        (["plot", "--metric", "stop_reason"], "column 'stop_reason' holds str values, not numbers"),
        (["plot", "--metric", "error"], "column 'error' holds str values, not numbers"),
        (["plot", "--metric", "nope"], "no column 'nope' in the sweep table"),
        (["plot", "--x", "nope"], "no column 'nope' in the sweep table"),
    ],
    ids=[
        "analyze-string-output",
        "analyze-missing-output",
        "analyze-input-as-output",
        "plot-string-metric",
        "plot-error-column",
        "plot-missing-metric",
        "plot-missing-axis",
    ],
)
def test_analyze_and_plot_of_a_column_that_is_not_a_numeric_output(
    sobol_folder: Path, args: list[str], message: str
) -> None:
    result = diplosim(args[0], str(sobol_folder), *args[1:])
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"diplosim: error: {message}"), result.stderr
