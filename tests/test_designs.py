from __future__ import annotations

import dataclasses
import math
import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SALib.sample import sobol as salib_sobol
from scipy.stats import qmc

from sim.errors import SweepError, UsageError
from sim.sweeps.designs import (
    DESIGNS,
    MAX_POINTS,
    MAX_SAMPLED_VALUES,
    Factor,
    design_points,
    make_design,
    parse_factor,
    problem,
)

# --- parse_factor: accepted forms ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("G_D=0:1:11", Factor("G_D", 0.0, 1.0, 11)),
        ("G_D=0:1:1", Factor("G_D", 0.0, 1.0, 1)),
        ("G_D=0.5:0.5:1", Factor("G_D", 0.5, 0.5, 1)),
        ("G_D=-1:1:3", Factor("G_D", -1.0, 1.0, 3)),
        ("G_D=1e-3:2.5E1:007", Factor("G_D", 0.001, 25.0, 7)),
        ("G_D=0:1", Factor("G_D", 0.0, 1.0)),
        ("Ukraine.trust=0.2:0.8", Factor("Ukraine.trust", 0.2, 0.8)),
        (" Ukraine.trust = 0.2 : 0.8 : 4 ", Factor("Ukraine.trust", 0.2, 0.8, 4)),
        ("x=0.1,0.5,0.9", Factor("x", values=(0.1, 0.5, 0.9))),
        ("x=3", Factor("x", values=(3.0,))),
        ("x=-2, 1e2", Factor("x", values=(-2.0, 100.0))),
        ("select=risk_dominant,max_welfare", Factor("select", values=("risk_dominant", "max_welfare"))),
        ("EU.select=_private,first", Factor("EU.select", values=("_private", "first"))),
        ("_x=first", Factor("_x", values=("first",))),
    ],
)
def test_parse_accepted_forms(text: str, expected: Factor) -> None:
    factor = parse_factor(text)
    assert factor == expected
    assert parse_factor(factor.text()) == factor


def test_parse_range_levels_are_linspace_with_exact_ends() -> None:
    levels = parse_factor("G_D=0:1:11").levels()
    assert levels == tuple(i / 10 for i in range(11))  # linspace, rounded to 12 significant digits
    np.testing.assert_allclose(levels, np.linspace(0, 1, 11), rtol=0, atol=1e-12)
    assert levels[0] == 0.0 and levels[-1] == 1.0
    assert all(type(level) is float for level in levels)


def test_one_level_is_low() -> None:
    assert parse_factor("a=0.2:0.9:1").levels() == (0.2,)
    assert parse_factor("a=3:3:1").levels() == (3.0,)


def test_factor_kinds() -> None:
    assert parse_factor("a=0:1").is_range
    assert parse_factor("a=0:1:3").is_range
    assert not parse_factor("a=1,2").is_range
    assert parse_factor("a=x,y").levels() == ("x", "y")


def test_range_without_count_has_no_levels() -> None:
    with pytest.raises(UsageError, match=r"'a' is a range without a grid count .*a=0:1:11"):
        parse_factor("a=0:1").levels()


def test_documented_error_message() -> None:
    with pytest.raises(UsageError) as info:
        parse_factor("G_D=0:1:0")
    assert str(info.value) == (
        "--param G_D=0:1:0: an empty range (N must be at least 1); write NAME=LO:HI:N, e.g. G_D=0:1:11"
    )


@pytest.mark.parametrize(
    ("text", "problem_text"),
    [
        ("G_D", "no '=' between the name and the levels"),
        ("G_D=", "no levels after '='"),
        ("=0:1:3", "'' is not a parameter name"),
        ("1x=0:1:3", "'1x' is not a parameter name"),
        ("a.b.c=0:1:3", "'a.b.c' is not a parameter name"),
        ("a-b=0:1:3", "'a-b' is not a parameter name"),
        ("a.=0:1:3", "'a.' is not a parameter name"),
        ("G_D=1:0:3", "LO 1.0 is greater than HI 0.0 (swap them)"),
        ("G_D=1:0", "LO 1.0 is greater than HI 0.0"),
        ("G_D=0:1:0", "an empty range (N must be at least 1)"),
        ("G_D=0:1:2.5", "N '2.5' is not a whole number"),
        ("G_D=0:1:-3", "N '-3' is not a whole number"),
        ("G_D=0:1:x", "N 'x' is not a whole number"),
        ("G_D=0:1:", "N is missing"),
        ("G_D=:1:3", "LO is missing"),
        ("G_D=0:", "HI is missing"),
        ("G_D=0:1:3:4", "4 parts separated by ':'"),
        ("G_D=a:1:3", "LO 'a' is not a finite number"),
        ("G_D=0:inf:3", "HI 'inf' is not a finite number"),
        ("G_D=nan:1", "LO 'nan' is not a finite number"),
        ("G_D=0:1e999", "HI '1e999' is not a finite number"),
        ("G_D=2:2", "an empty interval (LO = HI = 2.0; a sampled range needs LO < HI)"),
        ("G_D=2:2:3", "LO = HI = 2.0 gives 3 equal levels"),
        ("G_D=0:1:1000001", f"too many levels (N is at most {MAX_POINTS}, sim.sweeps.designs.MAX_POINTS)"),
        ("G_D=0:1:99999999999999999999", "too many levels"),
        ("G_D=-1e308:1e308", "too wide"),
        ("G_D=1,,2", "an empty item"),
        ("G_D=1,", "an empty item"),
        ("G_D=1,inf", "'inf' is not a finite number"),
        ("G_D=nan", "'nan' is not a finite number"),
        ("G_D=1,2x", "'2x' is neither a number nor a word"),
        ("G_D=b=c", "'b=c' is neither a number nor a word"),
        ("G_D=risk-dominant", "'risk-dominant' is neither a number nor a word"),
        ("G_D=1,first", "the list mixes numbers and words"),
        ("G_D=first,first", "the value 'first' is repeated"),
        ("G_D=1,1.0", "the value 1.0 is repeated"),
    ],
)
def test_parse_errors_name_the_text_the_problem_and_the_form(text: str, problem_text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_factor(text)
    message = str(info.value)
    assert message.startswith(f"--param {text.strip()}: ")
    assert problem_text in message
    assert "; write NAME=" in message and "e.g. " in message


def test_error_example_uses_the_given_name() -> None:
    with pytest.raises(UsageError, match=r"e\.g\. Ukraine\.trust=0:1$"):
        parse_factor("Ukraine.trust=1:1")


# --- Factor built directly -----------------------------------------------------------


def test_factor_normalises_numbers_and_lists() -> None:
    factor = Factor("a", values=[1, 2.5])  # type: ignore[arg-type]
    assert factor.values == (1.0, 2.5) and all(type(v) is float for v in factor.values)
    ranged = Factor("a", low=np.int64(0), high=1, count=np.int64(3))  # type: ignore[arg-type]
    assert (type(ranged.low), type(ranged.high), type(ranged.count)) == (float, float, int)
    assert Factor(**dataclasses.asdict(ranged)) == ranged


@pytest.mark.parametrize(
    ("kwargs", "problem_text"),
    [
        ({"name": "a"}, "a range needs both LO and HI"),
        ({"name": "a", "low": 0.0}, "a range needs both LO and HI"),
        ({"name": "a", "low": 0.0, "high": 1.0, "values": (1.0,)}, "not both"),
        ({"name": "a", "count": 3, "values": (1.0,)}, "not both"),
        ({"name": "a", "low": "0", "high": 1.0}, "must be finite numbers"),
        ({"name": "a", "low": 0.0, "high": math.inf}, "must be finite numbers"),
        ({"name": "a", "low": 0.0, "high": 1.0, "count": 2.0}, "N must be a whole number"),
        ({"name": "a", "low": 0.0, "high": 1.0, "count": True}, "N must be a whole number"),
        ({"name": "a", "low": 0.0, "high": 1.0, "count": 0}, "an empty range"),
        ({"name": "a", "values": ()}, "an empty list of values"),
        ({"name": "a", "values": "xy"}, "values must be a tuple"),
        ({"name": "a", "values": (math.nan,)}, "not a finite number"),
        ({"name": "a", "values": (True,)}, "neither a number nor a word"),
        ({"name": "a", "values": ("two words",)}, "neither a number nor a word"),
        ({"name": "a b", "low": 0.0, "high": 1.0}, "not a parameter name"),
        ({"name": 3, "low": 0.0, "high": 1.0}, "not a parameter name"),
    ],
)
def test_factor_rejects_bad_fields(kwargs: dict[str, object], problem_text: str) -> None:
    with pytest.raises(UsageError, match=r"^factor ") as info:
        Factor(**kwargs)  # type: ignore[arg-type]
    assert problem_text in str(info.value)


# --- grid ------------------------------------------------------------------------------


def test_grid_two_by_two_in_product_order() -> None:
    factors = [parse_factor("a=0:1:2"), parse_factor("b=10:20:2")]
    assert design_points(factors, "grid", None, seed=0) == [
        {"a": 0.0, "b": 10.0},
        {"a": 0.0, "b": 20.0},
        {"a": 1.0, "b": 10.0},
        {"a": 1.0, "b": 20.0},
    ]


def test_grid_mixes_ranges_lists_and_words() -> None:
    factors = [parse_factor("select=first,random"), parse_factor("x=0:1:3"), parse_factor("y=7")]
    points = design_points(factors, "grid", None, seed=0)
    assert len(points) == 6
    assert points[0] == {"select": "first", "x": 0.0, "y": 7.0}
    assert points[-1] == {"select": "random", "x": 1.0, "y": 7.0}
    assert [list(p) for p in points] == [["select", "x", "y"]] * 6


def test_grid_ignores_the_seed() -> None:
    factors = [parse_factor("a=0:1:3")]
    assert design_points(factors, "grid", None, seed=0) == design_points(factors, "grid", None, seed=99)


_LEVEL_COUNTS = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@given(_LEVEL_COUNTS)
def test_grid_size_is_the_product_of_level_counts(counts: list[int]) -> None:
    factors = [Factor(f"f{i}", 0.0, 1.0, n) for i, n in enumerate(counts)]
    points = design_points(factors, "grid", None, seed=0)
    assert len(points) == math.prod(counts)
    assert len({tuple(p.values()) for p in points}) == len(points)
    # the last factor varies fastest
    assert [p[f"f{len(counts) - 1}"] for p in points[: counts[-1]]] == list(factors[-1].levels())


@pytest.mark.parametrize(
    ("factors", "samples", "problem_text"),
    [
        (["a=0:1"], None, "'a' is a range without a grid count"),
        (["a=0:1:3"], 8, "the grid design takes no sample count"),
        (["a=0:1:1000", "b=0:1:1001"], None, "the grid design has 1001000 points; the limit is 1000000"),
    ],
)
def test_grid_errors(factors: list[str], samples: int | None, problem_text: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem_text)):
        design_points([parse_factor(t) for t in factors], "grid", samples, seed=0)


# --- lhs -------------------------------------------------------------------------------


def test_lhs_puts_one_point_in_each_stratum_inside_the_bounds() -> None:
    factors = [parse_factor("a=0:1"), parse_factor("b=-5:15"), parse_factor("c=2:2.5:9")]
    n = 50
    points = design_points(factors, "lhs", n, seed=3)
    assert len(points) == n
    for factor in factors:
        assert factor.low is not None and factor.high is not None
        values = np.array([p[factor.name] for p in points])
        assert np.all((values >= factor.low) & (values <= factor.high))
        strata = np.floor((values - factor.low) / (factor.high - factor.low) * n).astype(int)
        assert sorted(strata.tolist()) == list(range(n))


def test_lhs_uses_the_documented_generator() -> None:
    factors = [parse_factor("a=0:1"), parse_factor("b=-5:15")]
    rng = np.random.default_rng(np.random.SeedSequence(11).spawn(3)[0])  # the design stream (sim.sweeps.streams)
    expected = qmc.scale(qmc.LatinHypercube(d=2, seed=rng).random(16), [0, -5], [1, 15])
    points = design_points(factors, "lhs", 16, seed=11)
    assert np.array_equal([[p["a"], p["b"]] for p in points], expected)
    assert all(type(v) is float for p in points for v in p.values())


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_sampled_designs_are_determined_by_the_seed(design: str) -> None:
    factors = [parse_factor("a=0:1"), parse_factor("b=-5:15")]
    first = design_points(factors, design, 16, seed=5)
    assert first == design_points(factors, design, 16, seed=5)
    assert first != design_points(factors, design, 16, seed=6)


def test_lhs_ignores_a_grid_count() -> None:
    ranged = design_points([parse_factor("a=0:1")], "lhs", 8, seed=0)
    assert ranged == design_points([parse_factor("a=0:1:5")], "lhs", 8, seed=0)


# --- sobol -----------------------------------------------------------------------------


@pytest.mark.parametrize(("d", "n"), [(1, 1), (2, 8), (3, 64)])
def test_sobol_size_is_n_times_d_plus_two(d: int, n: int) -> None:
    factors = [Factor(f"f{i}", -1.0, 1.0) for i in range(d)]
    points = design_points(factors, "sobol", n, seed=0)
    assert len(points) == n * (d + 2)
    assert all(-1 <= p[f.name] <= 1 for p in points for f in factors)


def test_sobol_is_salib_saltelli_sample_in_salib_order() -> None:
    factors = [parse_factor("a=0:1"), parse_factor("b=-5:15:3")]
    expected = salib_sobol.sample(
        {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [-5, 15]]},
        32,
        calc_second_order=False,
        seed=np.random.default_rng(np.random.SeedSequence(4).spawn(3)[0]),  # the design stream (sim.sweeps.streams)
    )
    points = design_points(factors, "sobol", 32, seed=4)
    assert np.array_equal([[p["a"], p["b"]] for p in points], expected)


def test_sobol_needs_a_power_of_two() -> None:
    with pytest.raises(UsageError, match=r"power of two samples, not 100 .*use --samples 64 or 128"):
        design_points([parse_factor("a=0:1")], "sobol", 100, seed=0)


def test_problem() -> None:
    factors = [parse_factor("a=0:1"), parse_factor("Ukraine.trust=-2:2:5")]
    assert problem(factors) == {"num_vars": 2, "names": ["a", "Ukraine.trust"], "bounds": [[0.0, 1.0], [-2.0, 2.0]]}
    with pytest.raises(UsageError, match="list of values"):
        problem([parse_factor("a=1,2")])


# --- errors common to the designs -----------------------------------------------------


@pytest.mark.parametrize(
    ("texts", "design", "samples", "seed", "problem_text"),
    [
        (["a=0:1:3"], "gird", None, 0, "unknown design 'gird' (did you mean 'grid'?)"),
        ([], "grid", None, 0, "a sweep needs at least one factor; add --param"),
        (["a=0:1:3", "a=1,2"], "grid", None, 0, "factor 'a' is given twice"),
        (["a=0:1:3"], "grid", None, -1, "the seed must be a whole number >= 0"),
        (["a=0:1"], "lhs", None, 0, "the lhs design needs a sample count; add --samples"),
        (["a=0:1"], "sobol", None, 0, "the sobol design needs a sample count; add --samples N, e.g. --samples 1024"),
        (["a=0:1"], "lhs", 0, 0, "the sample count must be a whole number >= 1"),
        (["a=0:1"], "lhs", True, 0, "the sample count must be a whole number >= 1"),
        (["a=0:1"], "lhs", 2.0, 0, "the sample count must be a whole number >= 1"),
        (["a=1,2"], "lhs", 8, 0, "the lhs design samples numeric ranges only"),
        (
            ["a=x,y"],
            "sobol",
            8,
            0,
            "is a list of words (a=x,y): the sobol design samples numeric ranges only; choose the grid",
        ),
        (["a=1:1:1"], "lhs", 8, 0, "factor 'a' has LO = HI"),
        (["a=0:1"], "lhs", MAX_POINTS + 1, 0, "the limit is 1000000"),
        (["a=0:1", "b=0:1"], "sobol", 2**18, 0, "the sobol design has 1048576 points"),
    ],
)
def test_design_errors(texts: list[str], design: str, samples: int | None, seed: int, problem_text: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem_text)):
        design_points([parse_factor(t) for t in texts], design, samples, seed)


def test_designs_registry() -> None:
    assert DESIGNS == ("grid", "lhs", "sobol")


@pytest.mark.parametrize(
    ("texts", "design", "samples", "field"),
    [
        (["a=0:1:3"], "gird", None, ("design",)),
        (["a=0:1"], "sobol", 100, ("samples",)),
        (["a=0:1"], "lhs", None, ("samples",)),
        (["a=0:1:3"], "grid", 4, ("samples",)),
        (["a=1,2"], "lhs", 8, ("params", "a")),
        (["a=0:1"], "grid", None, ("params", "a")),
        (["a=0:1:1000", "b=0:1:1001"], "grid", None, ("params",)),
    ],
    ids=["design", "sobol-samples", "missing-samples", "grid-with-samples", "list-sampled", "range-on-grid", "too-big"],
)
def test_design_errors_name_the_sweep_field_at_fault(
    texts: list[str], design: str, samples: int | None, field: tuple[str, ...]
) -> None:
    with pytest.raises(SweepError) as info:
        design_points([parse_factor(t) for t in texts], design, samples, seed=0)
    assert info.value.field == field


def test_a_sampled_design_is_limited_in_the_numbers_it_holds() -> None:
    factors = [Factor(f"f{i}", 0.0, 1.0) for i in range(11)]
    samples = MAX_SAMPLED_VALUES // 11 + 1
    with pytest.raises(SweepError, match=rf"the lhs design has {samples} points of 11 factors.*MAX_SAMPLED_VALUES"):
        make_design(factors, "lhs", samples, seed=0)


@pytest.mark.parametrize("design", ["grid", "lhs", "sobol"])
def test_the_lazy_design_gives_the_same_points_as_the_list(design: str) -> None:
    factors = [parse_factor("a=0:1:4"), parse_factor("b=-2:2:3")]
    samples = None if design == "grid" else 8
    points = make_design(factors, design, samples, seed=9)
    listed = design_points(factors, design, samples, seed=9)
    assert list(points) == listed and points[-1] == listed[-1] and points[1:3] == listed[1:3]
    with pytest.raises(IndexError):
        points[len(listed)]


def test_a_grid_of_a_million_points_costs_no_memory_until_a_point_is_asked_for() -> None:
    factors = [parse_factor("a=0:1:1000"), parse_factor("b=0:1:1000")]
    tracemalloc.start()
    try:
        points = make_design(factors, "grid", None, seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(points) == MAX_POINTS and points[MAX_POINTS - 1] == {"a": 1.0, "b": 1.0}
    assert peak < 2_000_000  # two columns of 1000 levels, not a million dicts (about 200 MB)


# --- laws --------------------------------------------------------------------------------


@settings(max_examples=500)
@given(st.text())
@pytest.mark.slow
def test_parse_factor_raises_only_usage_errors_on_any_text(text: str) -> None:
    try:
        factor = parse_factor(text)
    except UsageError:
        return
    assert parse_factor(factor.text()) == factor


@settings(max_examples=500)
@given(st.text(alphabet="ab_.=:,0123456789-e inf", max_size=20))
@pytest.mark.slow
def test_parse_factor_raises_only_usage_errors_on_near_misses(text: str) -> None:
    try:
        factor = parse_factor(text)
    except UsageError:
        return
    assert parse_factor(factor.text()) == factor
    if factor.count is not None or not factor.is_range:
        assert len(factor.levels()) >= 1


_FINITE = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)


@given(_FINITE, _FINITE, st.integers(1, 50))
def test_range_text_round_trips(a: float, b: float, n: int) -> None:
    low, high = min(a, b), max(a, b)
    if low == high:
        n = 1
    factor = Factor("x", low, high, n)
    assert parse_factor(factor.text()) == factor
    levels = factor.levels()
    assert len(levels) == n and levels[0] == low
    assert all(low <= level <= high for level in levels)
