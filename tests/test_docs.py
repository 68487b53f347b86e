"""docs/scenario-language.md covers the whole format, and its examples work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from sim.api import run
from sim.game import efg, limits, nfg, tree
from sim.model.stage_games import solve_bargaining_games, solve_tree_games
from sim.scenario import expressions, factors, spec, yaml_source
from sim.scenario.load import Scenario, parse_scenario
from sim.solvers import gambit
from sim.solvers.registry import SOLVERS
from sim.solvers.selection import RULES
from sim.sweeps import designs
from sim.sweeps import runner as sweeps

from .conftest import ROOT

LANGUAGE = ROOT / "docs" / "scenario-language.md"
TEXT = LANGUAGE.read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"^```yaml\n(.*?)^```", TEXT, flags=re.S | re.M)
EXAMPLES = [block for block in YAML_BLOCKS if re.search(r"^name:", block, flags=re.M)]
#: The modules whose MAX_ constants bound what a scenario, a game file or a sweep may ask for.
LIMIT_MODULES: tuple[ModuleType, ...] = (
    spec,
    expressions,
    sweeps,
    yaml_source,
    designs,
    factors,
    limits,
    tree,
    nfg,
    efg,
)


def _property_names(node: Any) -> Iterator[str]:
    """Every property name of every object in a JSON Schema (top level, ``$defs``, nested)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from properties
        for value in node.values():
            yield from _property_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _property_names(item)


def _section(title: str) -> str:
    """The text of the level-2 section ``## title`` (up to the next level-2 heading)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", TEXT, flags=re.S | re.M)
    assert match, f"no section '## {title}' in {LANGUAGE.name}"
    return match.group(1)


def _example_id(block: str) -> str:
    match = re.search(r"^name:\s*(.+)$", block, flags=re.M)
    assert match
    return match.group(1).strip()


def _needs_gambit(scenario: Scenario) -> bool:
    return any(
        len(plan.players) >= 3 or plan.solver.startswith("gambit") or (plan.rule == "logit" and plan.logit_lambda > 0)
        for plan in scenario.games
    )


def test_the_schema_walk_finds_every_model() -> None:
    names = set(_property_names(spec.json_schema()))
    assert {"name", "players", "logit_lambda", "prefer", "after", "samples", "state", "otherwise"} <= names


def test_every_field_of_the_schema_is_documented() -> None:
    missing = sorted({name for name in _property_names(spec.json_schema()) if f"`{name}`" not in TEXT})
    assert not missing, f"fields not documented (in backticks) in {LANGUAGE.name}: {missing}"


def test_the_page_has_complete_examples_and_fragments() -> None:
    assert len(EXAMPLES) >= 5
    assert len(YAML_BLOCKS) > len(EXAMPLES)


@pytest.mark.parametrize("block", EXAMPLES, ids=[_example_id(block) for block in EXAMPLES])
@pytest.mark.slow
def test_every_complete_example_validates_and_runs(block: str) -> None:
    scenario = parse_scenario(block, f"{LANGUAGE.name} ({_example_id(block)})")
    if _needs_gambit(scenario) and not gambit.available():
        pytest.skip("needs pygambit (pip install 'diplosim[gambit]')")
    if scenario.trees:
        assert all(result.solutions for result in solve_tree_games(scenario))
    if scenario.bargainings:
        assert all(solved.solutions for solved in solve_bargaining_games(scenario))
    result = run(scenario)
    assert 1 <= result.rounds_played <= scenario.rounds


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_selection_rule_is_documented(rule: str) -> None:
    assert f"`{rule}`" in TEXT


@pytest.mark.parametrize("solver", sorted([*SOLVERS, "auto"]))
def test_every_solver_is_documented(solver: str) -> None:
    assert f"`{solver}`" in _section("Solvers")


def _limits() -> list[tuple[str, int]]:
    found = []
    for module in LIMIT_MODULES:
        for name in dir(module):
            value = getattr(module, name)
            if name.startswith("MAX_") and isinstance(value, int):
                found.append((f"{module.__name__}.{name}", value))
    return found


def test_the_limit_constants_are_found() -> None:
    names = {name for name, _ in _limits()}
    assert {
        "sim.scenario.spec.MAX_ROUNDS",
        "sim.scenario.expressions.MAX_FORMULA_LENGTH",
        "sim.sweeps.runner.MAX_RUNS",
    } <= names
    assert "sim.scenario.yaml_source.MAX_NODES" in names


@pytest.mark.parametrize(("constant", "value"), _limits(), ids=[name for name, _ in _limits()])
def test_every_limit_is_in_the_limits_section(constant: str, value: int) -> None:
    limits = _section("Limits")
    name = constant.rsplit(".", 1)[1]
    assert f"`{name}`" in limits
    assert any(form in limits for form in (f"{value:,}", f"{value:_}", str(value))), (constant, value)
