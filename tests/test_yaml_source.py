from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.yaml_source import MAX_NODES, format_path, parse_yaml


def test_values_keep_their_lines() -> None:
    doc = parse_yaml("a: 1\nb:\n  c: [x, y]\n  d:\n    - 2\n    - 3\n", "f.yaml")
    assert doc.data == {"a": 1, "b": {"c": ["x", "y"], "d": [2, 3]}}
    assert doc.line_of(("b", "c", 1)) == 3
    assert doc.line_of(("b", "d", 1)) == 6
    assert doc.line_of(("b", "missing")) == 2


def test_yaml_12_scalars() -> None:
    doc = parse_yaml("a: no\nb: on\nc: 1e3\nd: 010\ne: 1:20\nf: true\ng: 2024-01-01\nh: 0x10\ni: .5\n")
    assert doc.data == {
        "a": "no",
        "b": "on",
        "c": 1000.0,
        "d": 10,
        "e": "1:20",
        "f": True,
        "g": "2024-01-01",
        "h": 16,
        "i": 0.5,
    }


def test_keys_are_text_as_written() -> None:
    assert parse_yaml("1: a\nyes: b\n").data == {"1": "a", "yes": "b"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a'"),
        ("a: [1, 2\n", 2, "YAML syntax error"),
        ("a: &x [*x]\n", 1, "recursive alias"),
        ("a: !!python/object/apply:os.system ['touch PWNED']\n", 1, "is not supported"),
        ("a: !!python/name:os.system x\n", 1, "is not supported"),
        ("a: !!set {x, y}\n", 1, "is not supported"),
        ("? [1, 2]\n: x\n", 1, "a key must be plain text"),
        ("a: 1\n\tb: 2\n", 2, "YAML syntax error"),
    ],
)
def test_bad_yaml_is_refused_with_its_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_yaml(text, "bad.yaml")
    assert error.value.line == line
    assert fragment in str(error.value)
    assert str(error.value).startswith(f"bad.yaml:{line}")


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(ScenarioError, match=f"more than {MAX_NODES}"):
        parse_yaml("\n".join(lines))


def test_empty_document_is_none() -> None:
    assert parse_yaml("").data is None
    assert parse_yaml("# only a comment\n").data is None


def test_format_path() -> None:
    assert format_path(("games", "g", "payoffs", "EU", 0, 1)) == "games.g.payoffs.EU[0][1]"
    assert format_path(()) == ""


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_scenario_error(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        parse_yaml(text)
