from __future__ import annotations

import contextlib
import math
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import FormulaError
from sim.scenario.expressions import (
    DRAW_REFUSED,
    MAX_EXACT_BITS,
    MAX_EXPANDED_DEPTH,
    MAX_EXPANDED_NODES,
    MAX_FORMULA_DEPTH,
    MAX_FORMULA_LENGTH,
    MAX_FORMULA_NODES,
    UNIFORM,
    Formula,
    Scope,
)

SCOPE = Scope(
    numbers=frozenset({"cost", "gain", "round", "EU.trust", "Russia.fatigue"}),
    labels={"EU": ("D", "M", "H"), "troop.Russia": ("R", "E")},
    groups={"EU": "actor", "Russia": "actor", "troop": "game"},
)
VALUES = {
    "cost": 1.5,
    "gain": 4.0,
    "round": 3,
    "EU.trust": 0.25,
    "Russia.fatigue": 1.1,
    "EU": "M",
    "troop.Russia": None,
}


def value(text: str, values: dict[str, object] | None = None) -> object:
    return Formula.compile(text, SCOPE).evaluate(values or VALUES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("2 ** 3 - 1", 7.0),
        ("-cost + +gain", 2.5),
        ("gain / 4", 1.0),
        ("cost < gain <= 4", True),
        ("not (cost > gain) and round == 3", True),
        ("cost > gain or EU.trust < 0.5", True),
        ("1 if EU == 'M' else 2", 1.0),
        ("1 if EU != 'M' else 2", 2.0),
        ("troop.Russia == 'E'", False),  # nothing played yet: equals no label
        ("troop.Russia != 'E'", True),
        ("min(cost, gain, 0.5) + max(1, 2) + abs(-1)", 3.5),
        ("clip(gain, 0, 1) + clip(-1, 0, 1)", 1.0),
        ("sqrt(gain) + log(1) + exp(0)", 3.0),
        ("Russia.fatigue * (EU == 'M')", 1.1),
    ],
)
def test_allowed_constructs_evaluate_like_arithmetic(text: str, expected: object) -> None:
    assert value(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('touch PWNED')", "only the functions"),
        ("__builtins__", "names starting with '_'"),
        ("().__class__.__bases__", "attribute access"),
        ("cost.__class__", "names starting with '_'"),
        ("EU.trust.real.imag", "attribute access"),  # at most game.agreement.issue: three parts
        ("Russia.fatigue.real", "actor Russia has no state variable 'fatigue.real'"),
        ("open('x')", "the function 'open' is not allowed"),
        ("eval('1')", "the function 'eval' is not allowed"),
        ("[1, 2][0]", "subscripts"),
        ("[1, 2]", "lists are not allowed"),
        ("cost[0]", "subscripts"),
        ("lambda: 1", "lambda"),
        ("[x for x in (1,)]", "comprehensions"),
        ("f'{cost}'", "f-strings"),
        ("(y := 1)", "assignments"),
        ("cost % 2", "operator %"),
        ("cost // 2", "operator //"),
        ("cost in (1, 2)", "tuples are not allowed"),
        ("cost is cost", "the comparison is is not allowed"),
        ("None", "constant None"),
        ("'text'", "not a value"),
        ("EU", "not a value"),
        ("EU + 1", "a strategy cannot be used"),
        ("EU == 'X'", "'X' is not a strategy of EU"),
        ("EU < 'D'", "only be compared with == or !="),
        ("EU == troop.Russia", "label written as text"),
        ("max(cost)", "at least 2 arguments"),
        ("abs(cost, 1)", "takes 1 arguments"),
        ("max(cost, key=1)", "keyword"),
        ("coss + 1", "unknown name 'coss' (did you mean 'cost'?)"),
        ("EU.trusst", "actor EU has no state variable 'trusst' (did you mean 'trust'?)"),
        ("troop.Rusia == 'R'", "game troop has no player 'Rusia'"),
        ("Russia", "Russia is an actor: use Russia.<variable>"),
        ("9**9**9", "overflows"),
        ("10 ** 400", "overflows"),
        ("1e400", "too large"),
        ("1 / 0", "division by zero"),
        ("log(0)", "non-positive"),
        ("cost +", "syntax error"),
        ("", "non-empty"),
        ("x" * (MAX_FORMULA_LENGTH + 1), "characters long"),
        ("(" * 60 + "cost" + " + 1)" * 60, "nests deeper"),
        ("-" * 60 + "1", "nests deeper"),
        ("+".join(["cost"] * 400), "parts"),
    ],
)
def test_refused_formulas_name_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(FormulaError) as error:
        Formula.compile(text, SCOPE, origin="x.yaml:3 games.g.payoffs.EU")
    assert fragment in str(error.value)
    assert str(error.value).startswith("x.yaml:3 games.g.payoffs.EU: ")


def test_huge_power_is_refused_without_being_computed() -> None:
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        Formula.compile("9**9**9**9", SCOPE)
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "values", "fragment"),
    [
        ("gain / cost", {**VALUES, "cost": 0.0}, "division by zero"),
        ("log(cost)", {**VALUES, "cost": -1.0}, "non-positive"),
        ("sqrt(cost)", {**VALUES, "cost": -1.0}, "negative"),
        ("exp(gain)", {**VALUES, "gain": 1e6}, "overflows"),
        ("gain ** cost", {**VALUES, "gain": 1e300, "cost": 3.0}, "overflows"),
        ("cost ** 0.5", {**VALUES, "cost": -1.0}, "undefined"),
        ("clip(1, gain, cost)", VALUES, "lower bound"),
        ("gain * cost", {**VALUES, "gain": 1e308, "cost": 10.0}, "not a finite number"),
    ],
)
def test_runtime_failures_raise_formula_errors(text: str, values: dict[str, object], fragment: str) -> None:
    formula = Formula.compile(text, SCOPE, origin="f.yaml:9 dynamics[0]")
    with pytest.raises(FormulaError) as error:
        formula.evaluate(values)
    assert fragment in str(error.value)
    assert text in str(error.value)


def test_exact_evaluation_uses_the_numbers_as_written() -> None:
    formula = Formula.compile("4 * 0.6 - 1 if EU == 'M' else 0", SCOPE)
    assert formula.evaluate_exact(VALUES) == Fraction(7, 5)
    assert Formula.compile("cost * 0.1", SCOPE).evaluate_exact({**VALUES, "cost": Fraction(3)}) == Fraction(3, 10)
    assert isinstance(Formula.compile("sqrt(gain)", SCOPE).evaluate_exact({**VALUES, "gain": Fraction(4)}), float)


def test_lets_are_inlined_and_their_names_recorded() -> None:
    g = Formula.compile("cost * 2", SCOPE)
    scope = SCOPE.with_lets({"double": g})
    formula = Formula.compile("double + gain", scope)
    assert formula.evaluate(VALUES) == 7.0
    assert formula.names == {"cost", "gain"}


def test_constant_formula() -> None:
    assert Formula.constant(0.1).evaluate({}) == 0.1
    assert Formula.constant(0.1).evaluate_exact({}) == Fraction(1, 10)
    assert Formula.compile("2 * 3", SCOPE).is_constant


def test_depth_limit_constant_is_reasonable() -> None:
    assert 10 <= MAX_FORMULA_DEPTH <= 100


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
@pytest.mark.slow
def test_arbitrary_text_only_ever_raises_formula_error(text: str) -> None:
    start = time.perf_counter()
    try:
        formula = Formula.compile(text, SCOPE)
    except FormulaError:
        return
    with contextlib.suppress(FormulaError):
        formula.evaluate(VALUES)
    assert time.perf_counter() - start < 2.0


_ATOMS = st.sampled_from(["cost", "gain", "round", "EU.trust", "2", "0.5", "(EU == 'D')", "open", "__class__", "x"])
_OPS = st.sampled_from(
    [" + ", " * ", " ** ", " / ", " - ", " < ", " and ", " if ", " else ", ".", "(", ")", "[", "]", ","]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_ATOMS, _OPS), max_size=25))
@pytest.mark.slow
def test_formula_like_text_never_runs_code(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    canary = tmp_path_factory.getbasetemp() / "PWNED"
    text = "".join(parts) + f" or open('{canary}', 'w')"
    with pytest.raises(FormulaError):
        Formula.compile(text, SCOPE)
    assert not Path(canary).exists()


# --- limits that hold: at each stated limit a formula works, just above it is refused ---

_X = Scope(numbers=frozenset({"x", "round"}))


def _refusal(text: str, scope: Scope = _X) -> str:
    with pytest.raises(FormulaError) as error:
        Formula.compile(text, scope)
    return error.value.message


def test_nesting_at_the_depth_limit_compiles_and_one_more_level_is_refused() -> None:
    assert Formula.compile("-" * (MAX_FORMULA_DEPTH - 1) + "x", _X).evaluate({"x": 2.0}) == -2.0
    assert "nests deeper than 40 levels" in _refusal("-" * MAX_FORMULA_DEPTH + "x")


def test_parts_at_the_node_limit_compile_and_one_more_is_refused() -> None:
    # Expression, Call, Name min, Load and two nodes (Name, Load) per argument: 4 + 2 * 248 = 500
    at_limit = "min(" + ", ".join(["x"] * 248) + ")"
    assert Formula.compile(at_limit, _X).evaluate({"x": 1.5}) == 1.5
    above = "min(" + ", ".join(["x"] * 248) + ", 1)"  # a constant is one node: 501
    assert f"has 501 parts; the limit is {MAX_FORMULA_NODES}" in _refusal(above)


def test_text_at_the_length_limit_compiles_and_one_more_character_is_refused() -> None:
    at_limit = "x + 0." + "0" * (MAX_FORMULA_LENGTH - 7) + "1"
    assert len(at_limit) == MAX_FORMULA_LENGTH
    assert Formula.compile(at_limit, _X).evaluate({"x": 1.0}) == 1.0
    assert f"the limit is {MAX_FORMULA_LENGTH}" in _refusal(at_limit + "0")


def _doubling_lets(count: int) -> dict[str, Formula]:
    """``l0 = x``, ``l1 = l0 + l0``, ...: ``l{k}`` has 2 ** (k + 1) - 1 parts written out."""
    lets: dict[str, Formula] = {"l0": Formula.compile("x", _X)}
    for k in range(1, count):
        lets[f"l{k}"] = Formula.compile(f"l{k - 1} + l{k - 1}", _X.with_lets(lets))
    return lets


def test_lets_that_double_are_refused_when_written_out_too_large() -> None:
    lets = _doubling_lets(12)
    assert lets["l11"].size == 2**12 - 1 <= MAX_EXPANDED_NODES
    assert lets["l11"].evaluate({"x": 1.0}) == 2.0**11
    message = _refusal("l11 + l11", _X.with_lets(lets))
    assert f"the formula has 8191 parts; the limit is {MAX_EXPANDED_NODES}" in message
    assert "sim.scenario.expressions.MAX_EXPANDED_NODES" in message


def test_expanded_size_at_the_limit_compiles_and_one_more_part_is_refused() -> None:
    lets = _doubling_lets(12)
    remaining, names = MAX_EXPANDED_NODES - 2, []  # min(...): the call and the name min
    for k in range(11, -1, -1):
        while lets[f"l{k}"].size <= remaining:
            names.append(f"l{k}")
            remaining -= lets[f"l{k}"].size
    at_limit = Formula.compile(f"min({', '.join(names)})", _X.with_lets(lets))
    assert at_limit.size == MAX_EXPANDED_NODES
    assert at_limit.evaluate({"x": 1.0}) == 2.0  # l1 = x + x is the smallest
    assert f"has {MAX_EXPANDED_NODES + 1} parts" in _refusal(f"min({', '.join(names)}, x)", _X.with_lets(lets))


def _chain(link: str, scope: Scope = _X) -> tuple[Formula, Scope]:
    """The longest chain of lets ``c{k} = link(c{k-1})`` within MAX_EXPANDED_DEPTH."""
    formula = Formula.compile("x", scope)
    k = 0
    while True:
        scope = scope.with_lets({f"c{k}": formula})
        try:
            following = Formula.compile(link.format(f"c{k}"), scope)
        except FormulaError as error:
            assert "MAX_EXPANDED_DEPTH" in error.message
            return formula, scope
        formula, k = following, k + 1


# a comparison chain, and/or, calls of 4 arguments and if-else are the constructs whose
# evaluation takes the most Python frames per level
_LINKS = ["(0 < {} < 2) + 0", "({} > -1 and x > 0) + 0", "min({}, 1, 2, 3) + 0", "({} if x > 0 else 1) + 0", "-{}"]


@pytest.mark.parametrize("link", _LINKS)
@pytest.mark.slow
def test_a_chain_of_lets_at_the_depth_limit_evaluates_within_three_frames_a_level(link: str) -> None:
    import inspect
    import sys

    formula, scope = _chain(link)
    padding = MAX_EXPANDED_DEPTH - formula.depth  # fill up to the limit exactly
    name = next(reversed(list(scope.lets)))
    at_limit = Formula.compile("-" * (padding - 1) + name, scope) if padding else formula
    assert at_limit.depth == MAX_EXPANDED_DEPTH
    assert "nests 101 levels deep; the limit is 100" in _refusal("-" * padding + name, scope)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 3 * MAX_EXPANDED_DEPTH + 10)
    try:
        at_limit.evaluate({"x": 1.0})
        at_limit.evaluate_exact({"x": Fraction(1)})
    finally:
        sys.setrecursionlimit(old)


def test_a_long_chain_of_lets_is_refused_naming_the_limit() -> None:
    formula, scope = _chain("{} + 1")
    assert len(scope.lets) == 50  # each link: its let check and the addition
    assert "shorten the chain of lets" in _refusal(f"{next(reversed(list(scope.lets)))} + 1", scope)
    assert formula.evaluate({"x": 0.0}) == 49.0


@pytest.mark.parametrize(
    ("text", "values", "fragment"),
    [
        ("exp(x)", {"x": 1000.0}, "exp(1000) overflows"),
        ("x * 1e308 * 10", {"x": 1.0}, "not a finite number"),
        ("x ** 1000", {"x": 1e10}, "power overflows"),
        ("round ** 4", {"round": 10**100}, "power overflows"),
        ("round * round * round * round", {"round": 10**100}, "too large for a number"),
        ("round * round * 0.5", {"round": 10**200}, "int too large to convert to float"),
        ("x - x * 1e308 * 10 + x * 1e308 * 10", {"x": 1.0}, "not a finite number"),
    ],
)
def test_overflow_at_run_time_is_a_formula_error(text: str, values: dict[str, object], fragment: str) -> None:
    with pytest.raises(FormulaError) as error:
        Formula.compile(text, _X).evaluate(values)
    assert fragment in error.value.message


def test_a_let_that_is_not_finite_is_refused_where_it_is_used() -> None:
    scope = _X.with_lets({"big": Formula.compile("x * 1e308 * 10", _X)})
    formula = Formula.compile("min(big, 1)", scope, origin="f.yaml:4 games.g.payoffs.A")
    with pytest.raises(FormulaError, match="the let big is not a finite number"):
        formula.evaluate({"x": 1.0})
    assert formula.evaluate({"x": 1e-310}) == pytest.approx(0.1)


def test_integer_powers_are_floats_in_the_simulation_and_exact_in_fractions() -> None:
    formula = Formula.compile("round ** 2", _X)
    assert formula.evaluate({"round": 3}) == 9.0 and isinstance(formula.evaluate({"round": 3}), float)
    assert formula.evaluate_exact({"round": 3}) == Fraction(9)


def test_exact_values_larger_than_the_bit_limit_become_floats_without_being_computed() -> None:
    third = {"x": Fraction(1, 3)}
    # 1/3 ** (64 ** 4) would have 26 million bits: the size is checked before the power
    deep = Formula.compile("(((x ** 64) ** 64) ** 64) ** 64", _X)
    assert deep.evaluate_exact(third) == 0.0 and deep.evaluate({"x": 1 / 3}) == 0.0
    power = Formula.compile("x ** 64", _X)
    assert power.evaluate_exact(third) == Fraction(1, 3**64)


def test_the_exact_bit_limit_holds_exactly() -> None:
    same = Formula.compile("x + 0", _X)
    k = (MAX_EXACT_BITS - 2) // 2
    at_limit = Fraction(2**k + 1, 2**k)  # (k + 1) + (k + 1) bits
    assert at_limit.numerator.bit_length() + at_limit.denominator.bit_length() == MAX_EXACT_BITS
    assert same.evaluate_exact({"x": at_limit}) == at_limit
    above = Fraction(2 ** (k + 1) + 1, 2**k)  # one bit more
    result = same.evaluate_exact({"x": above})
    assert isinstance(result, float) and result == pytest.approx(2.0)


def test_exact_products_too_large_fall_back_to_floats_and_huge_ones_fail() -> None:
    near_one = Fraction(2**3000 + 1, 2**3000)  # 6,002 bits: exact; its square is not
    square = Formula.compile("x * x", _X)
    assert isinstance(square.evaluate_exact({"x": near_one}), float)
    assert square.evaluate_exact({"x": Fraction(1, 3)}) == Fraction(1, 9)
    with pytest.raises(FormulaError, match="too large for a number"):
        square.evaluate_exact({"x": Fraction(2**5000)})


def test_long_formulas_are_shortened_in_messages() -> None:
    text = "x + " * 120 + "unknown_name"
    message = str(_refusal_error(text))
    assert "..." in message and len(message) < 300


def _refusal_error(text: str) -> FormulaError:
    with pytest.raises(FormulaError) as error:
        Formula.compile(text, _X)
    return error.value


_LEAVES = st.sampled_from(["x", "round", "0", "1", "0.1", "1e308", "1e-308", "3", "64", "9" * 400, "True"])


def _combine(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(parts, st.sampled_from([" + ", " - ", " * ", " / ", " ** ", " < ", " and "]), parts)
    return st.one_of(
        binary.map("({0[0]}{0[1]}{0[2]})".format),
        parts.map("-{}".format),
        parts.map("exp({})".format),
        st.tuples(parts, parts).map("min({0[0]}, {0[1]})".format),
        st.tuples(parts, parts, parts).map("({0[0]} if {0[1]} else {0[2]})".format),
    )


@settings(max_examples=300, deadline=None)
@given(st.recursive(_LEAVES, _combine, max_leaves=80), st.sampled_from([0.0, 1e-300, 0.5, 3.0, 1e300]))
@pytest.mark.slow
def test_nested_formulas_only_ever_raise_formula_errors(text: str, x: float) -> None:
    try:
        formula = Formula.compile(text, _X)
    except FormulaError as error:
        assert "\n" not in str(error)
        formula = None
    if formula is not None:
        with contextlib.suppress(FormulaError):
            formula.evaluate({"x": x, "round": 7})
        with contextlib.suppress(FormulaError):
            formula.evaluate_exact({"x": Fraction(repr(x)), "round": 7})


# --- draw(p): seeded events (dynamics and stop_when only) ---

#: Where draw() may be called: the scope of dynamics rules and stop_when.
_SEEDED = SCOPE.with_draws()


class _Uniforms:
    """A deterministic stand-in for the run's ``rng.random``: the given numbers in turn,
    counting how many were read."""

    def __init__(self, *numbers: float) -> None:
        self.numbers = list(numbers)
        self.read = 0

    def __call__(self) -> float:
        self.read += 1
        return self.numbers.pop(0)


def _drawn(text: str, *numbers: float, **values: object) -> tuple[object, int]:
    """The value of ``text`` with the uniform numbers ``numbers``, and how many it read."""
    uniforms = _Uniforms(*numbers)
    result = Formula.compile(text, _SEEDED).evaluate({**VALUES, **values, UNIFORM: uniforms})
    return result, uniforms.read


@pytest.mark.parametrize(
    ("text", "numbers", "expected"),
    [
        ("draw(0.3)", [0.29], (1, 1)),  # u < p fires
        ("draw(0.3)", [0.3], (0, 1)),  # u = p does not: P(u < p) = p for u uniform on [0, 1)
        ("draw(0)", [0.0], (0, 1)),  # the smallest u: draw(0) never fires, yet reads one number
        ("draw(1)", [float(np.nextafter(1.0, 0.0))], (1, 1)),  # the largest u below 1: draw(1) always fires
        ("draw(EU.trust) + draw(EU.trust)", [0.1, 0.9], (1, 2)),  # left to right: 0.1 < 0.25, 0.9 >= 0.25
        ("10 * draw(0.5) + draw(0.5)", [0.9, 0.1], (1, 2)),  # the order is the text's
        ("draw(0.5) and draw(0.5)", [0.7], (False, 1)),  # `and` stops at the first 0: one number read
        ("cost if draw(cost / 3) else gain", [0.4], (1.5, 1)),  # p = 0.5
    ],
)
def test_draw_fires_when_the_next_uniform_number_is_below_p(
    text: str, numbers: list[float], expected: tuple[object, int]
) -> None:
    assert _drawn(text, *numbers) == expected


def test_draw_is_never_constant_nor_computed_at_load() -> None:
    # folding a constant part evaluates it with no values: a folded draw(0.5) would fail
    # to compile for want of a generator; it compiles and is not constant
    formula = Formula.compile("draw(0.5) * 2 + 1", _SEEDED)
    assert formula.is_constant is False
    assert formula.evaluate({UNIFORM: _Uniforms(0.75)}) == 1  # 0 * 2 + 1


def test_draw_is_an_int_in_exact_arithmetic_too() -> None:
    formula = Formula.compile("draw(cost / 2)", _SEEDED)
    exact = {**VALUES, "cost": Fraction(3, 2)}
    # p = 3/4 exactly: u = 0.74 fires, u = 0.75 does not
    assert formula.evaluate_exact({**exact, UNIFORM: _Uniforms(0.74)}) == 1
    result = formula.evaluate_exact({**exact, UNIFORM: _Uniforms(0.75)})
    assert result == 0 and type(result) is int


@pytest.mark.parametrize(
    ("text", "values", "shown"),
    [
        ("draw(1.5)", {}, "1.5"),
        ("draw(-0.1)", {}, "-0.1"),
        ("draw(cost)", {"cost": math.inf}, "inf"),
        ("draw(cost)", {"cost": math.nan}, "nan"),
    ],
)
def test_a_probability_outside_0_1_is_one_formula_error_and_reads_nothing(
    text: str, values: dict[str, object], shown: str
) -> None:
    uniforms = _Uniforms(0.5)
    formula = Formula.compile(text, _SEEDED)
    with pytest.raises(FormulaError) as caught:
        formula.evaluate({**VALUES, **values, UNIFORM: uniforms})
    assert caught.value.message == f"draw(p) needs a probability p from 0 to 1, got {shown}"
    assert uniforms.read == 0


def test_draw_without_a_generator_is_a_formula_error() -> None:
    with pytest.raises(FormulaError, match=r"needs the run's random generator: it is evaluated only during a run$"):
        Formula.compile("draw(0.5)", _SEEDED).evaluate(VALUES)


@pytest.mark.parametrize("text", ["draw(0.5)", "cost + draw(0.5)", "1 if EU == 'D' else draw(0.1)"])
def test_draw_is_refused_where_the_scope_does_not_allow_it(text: str) -> None:
    with pytest.raises(FormulaError) as caught:
        Formula.compile(text, SCOPE, "f.yaml:3 games.g.payoffs.EU")
    assert caught.value.message == DRAW_REFUSED
    assert str(caught.value).startswith("f.yaml:3 games.g.payoffs.EU: formula")
    assert DRAW_REFUSED.startswith("draw() is only allowed in dynamics (set and when) and stop_when")


def test_the_scope_keeps_draws_when_extended() -> None:
    assert SCOPE.draws is False
    assert _SEEDED.with_labels({"A": ("x",)}).draws is True
    assert _SEEDED.with_lets({}).draws is True


def test_draw_frequency_over_seeded_calls_is_within_a_binomial_bound() -> None:
    # n = 20000 draws of p = 0.3 from a seeded generator: the count of 1s is binomial with
    # mean n p = 6000 and standard deviation sqrt(n p (1 - p)) = sqrt(4200) = 64.8; five
    # standard deviations (324) bound it: 5676 <= count <= 6324 (chance to fail for a
    # generator that is right: below 1e-6; the seed fixes the outcome in any case)
    formula = Formula.compile("draw(0.3)", _SEEDED)
    values = {UNIFORM: np.random.default_rng(2026).random}
    count = sum(formula.evaluate(values) for _ in range(20000))
    assert 5676 <= count <= 6324
    # the same seed gives the same draws, one number each
    again = np.random.default_rng(2026).random(20000)
    assert count == int((again < 0.3).sum())
