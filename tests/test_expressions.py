from __future__ import annotations

import contextlib
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import FormulaError
from sim.expressions import MAX_FORMULA_DEPTH, MAX_FORMULA_LENGTH, Formula, Scope

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
        ("EU.trust.real", "attribute access"),
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
def test_formula_like_text_never_runs_code(tmp_path_factory: pytest.TempPathFactory, parts: list[str]) -> None:
    canary = tmp_path_factory.getbasetemp() / "PWNED"
    text = "".join(parts) + f" or open('{canary}', 'w')"
    with pytest.raises(FormulaError):
        Formula.compile(text, SCOPE)
    assert not Path(canary).exists()
