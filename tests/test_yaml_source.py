from __future__ import annotations

import contextlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.scenario.yaml_source import MAX_DEPTH, MAX_NODES, format_path, parse_yaml


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


@pytest.mark.slow
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
@pytest.mark.slow
def test_any_text_parses_or_raises_scenario_error(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        parse_yaml(text)


def _nested(depth: int) -> str:
    """A document whose innermost list is ``depth`` levels deep (the top mapping is 1)."""
    return "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def test_nesting_at_the_depth_limit_reads_and_one_more_level_is_refused() -> None:
    assert parse_yaml(_nested(MAX_DEPTH)).data is not None
    with pytest.raises(ScenarioError, match=f"nest deeper than {MAX_DEPTH} levels") as error:
        parse_yaml(_nested(MAX_DEPTH + 1), "deep.yaml")
    assert error.value.line == 1
    assert "sim.scenario.yaml_source.MAX_DEPTH" in str(error.value)


@pytest.mark.parametrize("depth", [2_000, 100_000])
@pytest.mark.slow
def test_very_deep_nesting_is_refused_before_python_recursion_could_fail(depth: int) -> None:
    for text in ("a: " + "[" * depth + "]" * depth, "a: " + "{b: " * depth + "1" + "}" * depth):
        with pytest.raises(ScenarioError, match="nest deeper than"):
            parse_yaml(text)


def _aliases(depth: int) -> str:
    """Anchors that each hold the previous one: written out, ``depth`` levels deep."""
    return "a0: &a0 []\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, depth - 1))


@pytest.mark.slow
def test_nesting_through_aliases_is_bounded_too() -> None:
    parse_yaml(_aliases(MAX_DEPTH))
    with pytest.raises(ScenarioError, match="with its aliases written out, the document nests deeper") as error:
        parse_yaml(_aliases(MAX_DEPTH + 1), "alias.yaml")
    assert error.value.line is not None
    with pytest.raises(ScenarioError, match="nests deeper"):
        parse_yaml(_aliases(2_000))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: !!timestamp 2026-01-01\n", "the tag 'tag:yaml.org,2002:timestamp' is not supported"),
        ("a: !!timestamp 99999-01-01\n", "the tag 'tag:yaml.org,2002:timestamp' is not supported"),
        ("a: !!binary aGVsbG8=\n", "the tag 'tag:yaml.org,2002:binary' is not supported"),
        ("a: !!bool maybe\n", "cannot read this value"),
        ("a: <<\n", "'<<' has a special meaning in YAML; put it in quotes"),
        ("a: =\n", "'=' has a special meaning in YAML; put it in quotes"),
        ("a: !!int 12x\n", "cannot read this value"),
        ("a: !!float abc\n", "cannot read this value"),
        ("a: " + "9" * 1001 + "\n", "a whole number of 1001 digits; the limit is 1000"),
        ("a: " + "9" * 5000 + "\n", "a whole number of 5000 digits; the limit is 1000"),
    ],
)
def test_scalar_tags_beyond_the_core_schema_and_overlong_numbers_are_refused(text: str, fragment: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(fragment)) as error:
        parse_yaml(text, "t.yaml")
    assert error.value.line == 1 and error.value.field == "a"


def test_core_tags_work_and_dates_stay_text() -> None:
    data = parse_yaml("a: !!str 1\nb: !!int '7'\nc: !!float '2'\nd: !!bool true\ne: !!null ''\nf: 2026-01-01\n").data
    assert data == {"a": "1", "b": 7, "c": 2.0, "d": True, "e": None, "f": "2026-01-01"}
    assert parse_yaml("a: " + "9" * 1000 + "\n").data == {"a": int("9" * 1000)}


def test_a_key_with_a_line_break_is_quoted_in_the_field() -> None:
    assert format_path(("parameters", "cost\n")) == "parameters['cost\\n']"
