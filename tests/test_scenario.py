from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError, UsageError
from sim.scenario.expressions import DRAW_REFUSED
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.yaml_source import MAX_DEPTH

from .conftest import ALL_SCENARIOS, FLAGSHIP, SIMULTANEOUS

BASE = """\
name: base
rounds: 3
seed: 1
parameters:
  cost: 1.0
  bonus: 2
let:
  half: "cost / 2"
actors:
  A:
    state: {trust: 0.5}
  B:
    state: {trust: 0.5}
games:
  g:
    players: [A, B]
    strategies: {A: [x, y], B: [u, v]}
    let:
      extra: "bonus if A == 'x' else 0"
    payoffs:
      A: "extra - cost if B == 'u' else half"
      B: [[1, 0], [0, "A.trust"]]
dynamics:
  - after: g
    when: "g.A == 'x'"
    set: {A.trust: "A.trust + 0.1", cost: "cost * 2"}
stop_when: "round >= 2 and g.B == 'v'"
equilibrium:
  select: first
"""


def test_base_loads() -> None:
    scenario = parse_scenario(BASE, "base.yaml")
    assert scenario.name == "base"
    assert scenario.initial == {"cost": 1.0, "bonus": 2.0, "A.trust": 0.5, "B.trust": 0.5}
    assert scenario.dynamic_parameters == ("cost",)
    assert [g.name for g in scenario.games] == ["g"]
    assert scenario.games[0].rule == "first"
    assert scenario.rules[0].after == "g"


# (text to replace, replacement, expected line, expected field, message fragment)
CASES = [
    ("name: base\n", "", 1, "name", "required field 'name' is missing"),
    ("rounds: 3", "rounds: 0", 2, "rounds", "greater than or equal to 1"),
    ("rounds: 3", "rounds: 99999999", 2, "rounds", "the limit is 10000 (sim.scenario.spec.MAX_ROUNDS: raise it there"),
    ("rounds: 3", "rounds: three", 2, "rounds", "expected a whole number"),
    ("seed: 1", "seed: -1", 3, "seed", "greater than or equal to 0"),
    ("  cost: 1.0", "  cost: .nan", 5, "parameters.cost", "finite number"),
    ("  cost: 1.0", "  cost: .inf", 5, "parameters.cost", "finite number"),
    ("  cost: 1.0", "  cost: high", 5, "parameters.cost", "expected a number, got 'high'"),
    ("  cost: 1.0", "  cost: true", 5, "parameters.cost", "expected a number, got true"),
    ("  cost: 1.0", "  cost: 1.0\n  cost: 2.0", 6, "parameters.cost", "duplicate key 'cost'"),
    ("  cost: 1.0", "  round: 1.0", 5, "parameters.round", "'round' is reserved"),
    ("  cost: 1.0", "  max: 1.0", 5, "parameters.max", "'max' is reserved"),
    ("  cost: 1.0", "  2cost: 1.0", 5, "parameters.2cost", "not a valid name"),
    ("  bonus: 2", "  bonus: 2\n  A: 3", 11, "actors.A", "already used in parameters"),
    ("seed: 1\n", "seed: 1\nstratgies: 3\n", 4, "stratgies", "unknown field 'stratgies'"),
    ("    players: [A, B]", "    player: [A, B]", 16, "games.g.player", "(did you mean 'players'?)"),
    ("    strategies: {A", "    stratgies: {A", 17, "games.g.stratgies", "(did you mean 'strategies'?)"),
    ("    players: [A, B]", "    players: [A, C]", 16, "games.g.players[1]", "unknown actor 'C'"),
    ("    players: [A, B]", "    players: [A, A]", 16, "games.g.players[1]", "listed twice"),
    ("    players: [A, B]", "    players: []", 16, "games.g.players", "at least one player"),
    (
        "{A: [x, y], B: [u, v]}",
        "{A: [x, x], B: [u, v]}",
        17,
        "games.g.strategies.A[1]",
        "'x' is listed twice",
    ),
    ("{A: [x, y], B: [u, v]}", "{A: [x, y], B: [u, v], C: [w]}", 17, "games.g.strategies.C", "not a player"),
    ("{A: [x, y], B: [u, v]}", "{A: [x, y]}", 17, "games.g.strategies", "no strategies for player 'B'"),
    ("{A: [x, y], B: [u, v]}", "{A: [x, y], B: []}", 17, "games.g.strategies.B", "at least one strategy"),
    (
        "{A: [x, y], B: [u, v]}",
        "{A: [x, 'a b'], B: [u, v]}",
        17,
        "games.g.strategies.A[1]",
        "not a valid strategy label",
    ),
    (
        'B: [[1, 0], [0, "A.trust"]]',
        "B: [[1, 0], [0]]",
        22,
        "games.g.payoffs.B[1]",
        "1 columns, but the player has 2",
    ),
    ('B: [[1, 0], [0, "A.trust"]]', "B: [[1, 0]]", 22, "games.g.payoffs.B", "1 rows, but the player has 2"),
    (
        'B: [[1, 0], [0, "A.trust"]]',
        "B: [[1, 0], [0, [1]]]",
        22,
        "games.g.payoffs.B[1][1]",
        "too many levels",
    ),
    ('B: [[1, 0], [0, "A.trust"]]', "B: [[1, 0], [0, .nan]]", 22, "games.g.payoffs.B[1][1]", "finite number"),
    (
        'B: [[1, 0], [0, "A.trust"]]',
        "B: [[1, 0], [0, null]]",
        22,
        "games.g.payoffs.B[1][1]",
        "expected a number or a formula",
    ),
    ('B: [[1, 0], [0, "A.trust"]]', "C: 1", 22, "games.g.payoffs.C", "'C' is not a player"),
    ('      B: [[1, 0], [0, "A.trust"]]\n', "", 20, "games.g.payoffs", "no payoff for player 'B'"),
    (
        "A: \"extra - cost if B == 'u' else half\"",
        "A: \"extra - cost if B == 'w' else half\"",
        21,
        "games.g.payoffs.A",
        "'w' is not a strategy of B",
    ),
    (
        "A: \"extra - cost if B == 'u' else half\"",
        'A: "extra - cots"',
        21,
        "games.g.payoffs.A",
        "unknown name 'cots' (did you mean 'cost'?)",
    ),
    (
        "A: \"extra - cost if B == 'u' else half\"",
        "A: \"__import__('os').system('touch PWNED')\"",
        21,
        "games.g.payoffs.A",
        "only the functions",
    ),
    ("A: \"extra - cost if B == 'u' else half\"", 'A: "9**9**9"', 21, "games.g.payoffs.A", "overflows"),
    ("extra: \"bonus if A == 'x' else 0\"", 'half: "1"', 19, "games.g.let.half", "already used"),
    (
        "extra: \"bonus if A == 'x' else 0\"",
        'extra: "A.trusty"',
        19,
        "games.g.let.extra",
        "no state variable 'trusty'",
    ),
    ('  half: "cost / 2"', '  half: "g.A + 1"', 8, "let.half", "a strategy cannot be used"),
    ('  half: "cost / 2"', "  half: \"A == 'x'\"", 8, "let.half", "A is an actor: use A.<variable>"),
    ("  - after: g", "  - after: h", 24, "dynamics[0].after", "unknown game 'h'"),
    (
        "    when: \"g.A == 'x'\"",
        "    when: \"g.A == 'z'\"",
        25,
        "dynamics[0].when",
        "'z' is not a strategy of g.A",
    ),
    (
        'set: {A.trust: "A.trust + 0.1", cost: "cost * 2"}',
        "set: {A.trusts: 1}",
        26,
        "dynamics[0].set.A.trusts",
        "cannot set 'A.trusts'",
    ),
    (
        'set: {A.trust: "A.trust + 0.1", cost: "cost * 2"}',
        "set: {round: 1}",
        26,
        "dynamics[0].set.round",
        "cannot set 'round'",
    ),
    (
        'set: {A.trust: "A.trust + 0.1", cost: "cost * 2"}',
        "set: {}",
        26,
        "dynamics[0].set",
        "at least one value",
    ),
    (
        "stop_when: \"round >= 2 and g.B == 'v'\"",
        'stop_when: "round >= 2 and"',
        27,
        "stop_when",
        "syntax error",
    ),
    ("  select: first", "  select: best", 29, "equilibrium.select.rule", "unknown selection rule 'best'"),
    ("  select: first", "  solver: magic", 29, "equilibrium.solver", "unknown solver 'magic'"),
    ("  select: first", "  play: dice", 29, "equilibrium.play", "unknown play mode 'dice'"),
    (
        "  select: first",
        "  select: {conditional: [{when: 'A.trust > 1', prefer: {A: x, B: w}}]}",
        29,
        "equilibrium.select.conditional[0].prefer.B",
        "'w' is not a strategy of B",
    ),
    (
        "  select: first",
        "  select: {conditional: [{when: 'A.trust > 1', prefer: {A: x}}]}",
        29,
        "equilibrium.select.conditional[0].prefer",
        "no game has exactly the players A",
    ),
    (
        "  select: first",
        "  select: {rule: first, conditional: []}",
        29,
        "equilibrium.select",
        "either a rule name or conditional",
    ),
    ("    payoffs:\n", "    payoff_table: {'x, u': [1, 1]}\n    payoffs:\n", 15, "games.g", "exactly one"),
    # numbers too large for a float, dates, and bounded settings
    ("  cost: 1.0", "  cost: " + "9" * 400, 5, "parameters.cost", "a whole number of 400 digits is too large"),
    ("  cost: 1.0", "  cost: 1e400", 5, "parameters.cost", "finite number"),
    ("  cost: 1.0", "  cost: " + "9" * 1001, 5, "parameters.cost", "the limit is 1000"),
    ("  cost: 1.0", "  cost: 2026-01-01", 5, "parameters.cost", "expected a number, got '2026-01-01'"),
    ("  cost: 1.0", "  cost: !!timestamp 2026-01-01", 5, "parameters.cost", "the tag 'tag:yaml.org,2002:timestamp'"),
    ("seed: 1", "seed: " + "1" * 400, 3, "seed", "less than or equal to 9223372036854775807"),
    ("  select: first", "  time_limit: 1e300", 29, "equilibrium.time_limit", "the limit is 86400 s"),
    ("  select: first", "  logit_lambda: 1e7", 29, "equilibrium.logit_lambda", "sim.scenario.spec.MAX_LOGIT_LAMBDA"),
    (
        "A: \"extra - cost if B == 'u' else half\"",
        'A: "cost * ' + "9" * 400 + '"',
        21,
        "games.g.payoffs.A",
        "a number in the formula is too large",
    ),
    ("A: \"extra - cost if B == 'u' else half\"", 'A: "1e308 * 10"', 21, "games.g.payoffs.A", "not a finite"),
    # names and labels are matched whole: a final line break is not allowed
    ("{A: [x, y], B: [u, v]}", '{A: ["x\\n", y], B: [u, v]}', 17, "games.g.strategies.A[0]", "not a valid strategy"),
    ("  cost: 1.0", '  "cost\\n": 1.0', 5, "parameters['cost\\n']", "is not a valid name"),
    ("  bonus: 2", '  bonus: 2\n  "zz\\n": 3', 7, "parameters['zz\\n']", "is not a valid name"),
]


@pytest.mark.parametrize(("old", "new", "line", "field", "fragment"), CASES)
def test_each_mistake_names_file_line_and_field(old: str, new: str, line: int, field: str, fragment: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "case.yaml")
    message = str(error.value)
    assert fragment in message
    assert error.value.field == field, message
    assert error.value.line == line, message
    assert message.startswith(f"case.yaml:{line}: {field}: ")
    assert "\n" not in message


TABLE = BASE.replace(
    '    payoffs:\n      A: "extra - cost if B == \'u\' else half"\n      B: [[1, 0], [0, "A.trust"]]\n',
    '    payoff_table:\n      "x, u": [1, 1]\n      "x, v": [0, 0]\n'
    '      "y, u": [0, 0]\n      "(y, v)": [2, "A.trust"]\n',
)

TABLE_CASES = [
    ('      "x, v": [0, 0]\n', "", "games.g.payoff_table", "1 profile(s) missing: x, v"),
    (
        '      "x, v": [0, 0]\n',
        '      "x, v": [0, 0]\n      "x,v": [0, 0]\n',
        "games.g.payoff_table.x,v",
        "listed twice",
    ),
    ('"x, v": [0, 0]', '"x, w": [0, 0]', "games.g.payoff_table.x, w", "'w' is not a strategy of B"),
    ('"x, v": [0, 0]', '"x": [0, 0]', "games.g.payoff_table.x", "one strategy per player"),
    ('"x, v": [0, 0]', '"x, v": [0]', "games.g.payoff_table.x, v", "1 values, but the game has 2 players"),
    (
        '"x, v": [0, 0]',
        '"x, v": [0, "B == 1"]',
        "games.g.payoff_table.x, v[1]",
        "compare a strategy with a label",
    ),
]


def test_table_form_loads() -> None:
    parse_scenario(TABLE)


@pytest.mark.parametrize(("old", "new", "field", "fragment"), TABLE_CASES)
def test_table_mistakes(old: str, new: str, field: str, fragment: str) -> None:
    assert old in TABLE
    with pytest.raises(ScenarioError) as error:
        parse_scenario(TABLE.replace(old, new, 1), "t.yaml")
    assert fragment in str(error.value)
    assert error.value.field == field
    assert error.value.line is not None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "top level must be a mapping"),
        ("just text", "top level must be a mapping"),
        ("name: [1\n", "YAML syntax error"),
    ],
)
def test_files_that_are_not_scenarios(text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError, match=fragment):
        parse_scenario(text, "x.yaml")


def test_missing_file_directory_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(ScenarioError, match="not UTF-8") as error:
        load_scenario(latin)
    assert error.value.line == 1


def test_overrides_change_initial_values_only() -> None:
    scenario = parse_scenario(BASE)
    changed = scenario.with_overrides({"cost": 3, "A.trust": 0.9})
    assert changed.initial["cost"] == 3.0
    assert changed.initial["A.trust"] == 0.9
    assert changed.overrides == {"cost": 3.0, "A.trust": 0.9}
    assert scenario.initial["cost"] == 1.0
    with pytest.raises(UsageError, match=r"no parameter, actor state or game\.select of that name"):
        scenario.with_overrides({"costs": 1})
    with pytest.raises(UsageError, match="finite number"):
        scenario.with_overrides({"cost": float("nan")})


def test_game_lookup() -> None:
    scenario = parse_scenario(BASE)
    assert scenario.game("g").players == ("A", "B")
    with pytest.raises(UsageError, match="no game 'h'"):
        scenario.game("h")


@pytest.mark.parametrize("path", ALL_SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.sha256 and (scenario.games or scenario.trees or scenario.bargainings)


@pytest.mark.parametrize("path", [FLAGSHIP, SIMULTANEOUS], ids=lambda p: p.name)
def test_flagship_numbers_all_say_where_they_come_from(path: Path) -> None:
    # every number up to the dynamics (whose rules set values, they claim nothing) carries a tag;
    # [state] marks the start value of a variable the rules keep (a counter, a flag)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("dynamics:"):
            break
        stripped = line.split("#")[0]
        if (
            stripped.strip().startswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"))
            and ":" in stripped
        ):
            key, _, value = stripped.partition(":")
            value = value.strip()
            try:
                float(value)
            except ValueError:
                continue
            if key.strip() in {"rounds", "seed", "reps", "samples"}:
                continue
            tags = ("[article]", "[lit", "[assumption", "assumption]", "[state]")
            assert "#" in line and any(tag in line for tag in tags), line


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _dumped(data: object) -> str | None:
    import yaml

    try:
        return yaml.safe_dump(data)
    except yaml.YAMLError:
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["name", "rounds", "actors", "games", "dynamics", "parameters", "equilibrium", "let", "x"]),
        _yaml_values,
        max_size=6,
    )
)
@pytest.mark.slow
def test_any_structure_only_ever_raises_scenario_error(data: dict[str, object]) -> None:
    text = _dumped(data)
    assume(text is not None)
    assert text is not None
    with contextlib.suppress(ScenarioError):
        parse_scenario(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_only_ever_raises_scenario_error(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        parse_scenario(text)


@pytest.mark.parametrize(
    ("block", "field", "fragment"),
    [
        ("  params: {costs: '0:1:3'}\n", "sweep.params.costs", "unknown parameter, actor state or game.select 'costs'"),
        ("  params: {cost: '0:1:0'}\n", "sweep.params.cost", "an empty range"),
        ("  params: {cost: [1, 2]}\n  design: grd\n", "sweep.design", "unknown design 'grd'"),
        ("  params: {cost: [1]}\n  reps: 0\n", "sweep.reps", "greater than or equal to 1"),
    ],
)
def test_sweep_block_is_checked_when_the_file_loads(block: str, field: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(BASE + "sweep:\n" + block, "s.yaml")
    assert error.value.field == field and fragment in str(error.value)
    assert error.value.line is not None and error.value.line > 29


def test_rounds_is_reserved_for_metrics() -> None:
    with pytest.raises(ScenarioError, match="'rounds' is reserved"):
        parse_scenario(BASE.replace("  bonus: 2", "  rounds: 2"))


# --- input size and kind: refused before the file is read -----------------------


def test_a_device_or_fifo_is_refused_without_being_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(ScenarioError, match=r"is not a regular file \(a device, FIFO or socket\)") as error:
            load_scenario(path)
        assert error.value.file == str(path)


@pytest.mark.slow
def test_a_file_at_the_size_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    from sim.scenario.spec import MAX_SCENARIO_BYTES

    padding = MAX_SCENARIO_BYTES - len(BASE.encode())
    at_limit = tmp_path / "at_limit.yaml"
    at_limit.write_text(BASE + "#" * (padding - 1) + "\n")
    assert at_limit.stat().st_size == MAX_SCENARIO_BYTES
    assert load_scenario(at_limit).name == "base"
    above = tmp_path / "above.yaml"
    above.write_text(BASE + "#" * padding + "\n")
    with pytest.raises(ScenarioError, match=f"the file is {MAX_SCENARIO_BYTES + 1} bytes; the limit is") as error:
        load_scenario(above)
    assert "sim.scenario.spec.MAX_SCENARIO_BYTES" in str(error.value)
    with pytest.raises(ScenarioError, match="the limit is"):
        parse_scenario(BASE + "#" * padding + "\n")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (10**400, "finite number (below about 1.8e308), not 1000000000000000000000000000000000000..."),
        (float("inf"), "finite number (below about 1.8e308), not inf"),
        (True, "finite number (below about 1.8e308), not True"),
    ],
)
def test_overrides_refuse_numbers_that_are_not_finite_floats(value: object, fragment: str) -> None:
    with pytest.raises(UsageError, match=re.escape(fragment)):
        parse_scenario(BASE).with_overrides({"cost": value})  # type: ignore[dict-item]


# --- the loader never fails otherwise: structured inputs that once did ------------

_FIELDS = ["  cost: {}", "  bonus: {}", "rounds: {}", "seed: {}", "  half: {}", "name: {}", "x: {}"]


def _in_base(line: str, value: str) -> str:
    """BASE with the field of ``line`` set to ``value`` (``x`` is an unknown field)."""
    field = line.partition(":")[0] + ":"
    if field == "x:":
        return BASE + line.format(value) + "\n"
    old = next(row for row in BASE.splitlines() if row.startswith(field))
    return BASE.replace(old, line.format(value), 1)


@st.composite
def _deep_nesting(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 3 * MAX_DEPTH))
    style = draw(st.sampled_from(["list", "map", "block", "alias"]))
    if style == "list":
        value = "[" * depth + "]" * depth
    elif style == "map":
        value = "{a: " * depth + "1" + "}" * depth
    elif style == "alias":  # anchors that nest each other: deep only when written out
        anchors = "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, depth))
        return BASE + "a0: &a0 [1]\n" + anchors
    else:
        value = "\n" + "".join(" " * (2 + 2 * i) + "-\n" for i in range(depth))
    return _in_base(draw(st.sampled_from(_FIELDS)), value)


@st.composite
def _huge_numbers(draw: st.DrawFn) -> str:
    digits = draw(st.integers(300, 1100))
    number = draw(
        st.sampled_from(
            ["9" * digits, "-" + "1" * digits, "1e999", "-1e400", "1e-400", "0x" + "f" * digits, "0o7" * 10]
        )
    )
    where = draw(st.sampled_from([*_FIELDS, "formula", "time_limit", "logit_lambda", "samples"]))
    if where == "formula":
        return BASE.replace("extra - cost", f"extra * {number} - cost")
    if where in ("time_limit", "logit_lambda"):
        return BASE.replace("  select: first", f"  select: first\n  {where}: {number}")
    if where == "samples":
        return BASE + f"sweep:\n  params: {{cost: '0:1'}}\n  design: lhs\n  samples: {number}\n"
    return _in_base(where, number)


_DATES = ["2026-01-01", "!!timestamp 2026-01-01", "!!timestamp 99999-01-01", "2026-01-01 10:00:00", "!!bool maybe"]


@st.composite
def _dates(draw: st.DrawFn) -> str:
    return _in_base(draw(st.sampled_from(_FIELDS)), draw(st.sampled_from(_DATES)))


@st.composite
def _let_chains(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 300))
    link = draw(st.sampled_from(["{p} + {p}", "{p} + 1", "{p} * {p}", "exp({p})", "{p} ** 64", "min({p}, 1) / 3"]))
    lets = "".join(f'  l{i}: "{link.format(p=f"l{i - 1}")}"\n' for i in range(1, count))
    text = BASE.replace('  half: "cost / 2"\n', f'  half: "cost / 2"\n  l0: "cost / 3"\n{lets}')
    return text.replace("extra - cost if", f"extra - l{count - 1} if")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_deep_nesting(), _huge_numbers(), _dates(), _let_chains()))
@pytest.mark.slow
def test_nesting_numbers_dates_and_lets_only_ever_raise_scenario_errors(text: str) -> None:
    from sim.api import run
    from sim.errors import UserError

    scenario = None
    try:
        scenario = parse_scenario(text, "s.yaml")
    except ScenarioError as error:
        assert "\n" not in str(error)  # one line
    if scenario is not None:
        with contextlib.suppress(UserError):  # a formula may still fail on the values it meets
            run(scenario, rounds=2)


def _special_file(kind: str, folder: Path) -> Path:
    """A path that must not be read whole: a device, a FIFO, a file above the size limit."""
    import os

    from sim.scenario.spec import MAX_SCENARIO_BYTES

    if kind == "device":
        return Path("/dev/zero")
    path = folder / f"{kind}.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_text(BASE + "#" * MAX_SCENARIO_BYTES + "\n")
    return path


@pytest.mark.parametrize("command", ["validate", "run", "solve", "sweep"])
@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("device", "is not a regular file (a device, FIFO or socket)"),
        ("fifo", "is not a regular file (a device, FIFO or socket)"),
        ("huge", "bytes; the limit is 1000000 (sim.scenario.spec.MAX_SCENARIO_BYTES)"),
    ],
    ids=["dev-zero", "fifo", "file-above-the-size-limit"],
)
def test_input_that_must_not_be_read_is_one_line_and_exit_2(
    kind: str, fragment: str, command: str, tmp_path: Path
) -> None:
    from .conftest import diplosim

    path = _special_file(kind, tmp_path)
    extra = ["--out", str(tmp_path / "out")] if command in ("run", "sweep") else []
    extra += ["--param", "cost=0:1:2"] if command == "sweep" else []
    result = diplosim(command, str(path), *extra, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"diplosim: error: {path}: "), result.stderr
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_payoff_too_large_for_exact_arithmetic_has_float_payoffs_only() -> None:
    from sim.api import run

    # exactly, (A.trust / 3) ** 262144 would have hundreds of thousands of digits
    scenario = parse_scenario(BASE.replace("extra - cost if B == 'u' else half", "(A.trust / 3) ** 64 ** 3 + extra"))
    game = scenario.games[0].template.build(scenario.namespace(), exact=True)
    assert game.exact_payoffs is None
    assert game.payoff_of(("x", "u"))[0] == 2.0
    assert run(scenario).rounds_played >= 1


def test_at_most_the_size_limit_is_read_even_when_the_size_is_not_known(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.scenario.load
    from sim.scenario.spec import MAX_SCENARIO_BYTES

    grown = tmp_path / "grown.yaml"  # as if it grew after it was checked, or were a /proc file of size 0
    grown.write_text(BASE + "#" * MAX_SCENARIO_BYTES + "\n")
    monkeypatch.setattr(sim.scenario.load, "_check_file", lambda path: None)
    with pytest.raises(ScenarioError, match=f"the file is longer than {MAX_SCENARIO_BYTES} bytes; is it a scenario"):
        load_scenario(grown)


#: draw(p) outside the dynamics and stop_when: (text to replace, replacement, line, field).
DRAW_REFUSALS = [
    ("A: \"extra - cost if B == 'u' else half\"", 'A: "cost * draw(0.5)"', 21, "games.g.payoffs.A"),
    ('[0, "A.trust"]', '[0, "draw(A.trust)"]', 22, "games.g.payoffs.B[1][1]"),
    ("extra: \"bonus if A == 'x' else 0\"", 'extra: "bonus * draw(0.5)"', 19, "games.g.let.extra"),
    ('half: "cost / 2"', 'half: "cost * draw(0.5)"', 8, "let.half"),
    ("  select: first\n", '  select: first\nmetrics:\n  hit: "draw(0.5)"\n', 31, "metrics.hit"),
    (
        "  select: first\n",
        '  select:\n    conditional:\n      - {when: "draw(0.5)", prefer: {A: x, B: u}}\n    otherwise: first\n',
        31,
        "equilibrium.select.conditional[0].when",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "field"), DRAW_REFUSALS)
def test_draw_outside_the_dynamics_and_stop_when_is_refused_at_load(old: str, new: str, line: int, field: str) -> None:
    assert old in BASE
    with pytest.raises(ScenarioError) as error:
        parse_scenario(BASE.replace(old, new, 1), "case.yaml")
    message = str(error.value)
    assert message.startswith(f"case.yaml:{line}: {field}: formula ")
    assert message.endswith(f": {DRAW_REFUSED}")
    assert "\n" not in message


def test_draw_is_allowed_in_rule_when_and_set_and_in_stop_when() -> None:
    text = (
        BASE.replace("when: \"g.A == 'x'\"", "when: \"g.A == 'x' and draw(0.5)\"")
        .replace('"A.trust + 0.1"', '"A.trust + 0.1 * draw(0.2)"')
        .replace("stop_when: \"round >= 2 and g.B == 'v'\"", 'stop_when: "draw(0.1)"')
    )
    scenario = parse_scenario(text)
    when, stop = scenario.rules[0].when, scenario.stop_when
    assert when is not None and stop is not None
    assert (when.is_constant, stop.is_constant) == (False, False)
