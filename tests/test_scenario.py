from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError, UsageError
from sim.scenario import load_scenario, parse_scenario

from .conftest import ALL_SCENARIOS, FLAGSHIP

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
    ("rounds: 3", "rounds: 99999999", 2, "rounds", "the limit is 10000 (sim.spec.MAX_ROUNDS: raise it there"),
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
    assert scenario.sha256 and scenario.games


def test_flagship_numbers_all_say_where_they_come_from() -> None:
    for line in FLAGSHIP.read_text(encoding="utf-8").splitlines():
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
            assert "#" in line and any(tag in line for tag in ("[article]", "[lit", "[assumption", "assumption]")), line


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(["name", "rounds", "actors", "games", "dynamics", "parameters", "equilibrium", "let", "x"]),
        _yaml_values,
        max_size=6,
    )
)
def test_any_structure_only_ever_raises_scenario_error(data: dict[str, object]) -> None:
    import yaml

    try:
        text = yaml.safe_dump(data)
    except yaml.YAMLError:
        return
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
