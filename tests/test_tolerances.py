"""Every tolerance of the solver code has a name and one home: :mod:`sim.game.tolerances`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sim.game import tolerances

from .conftest import ROOT

#: The modules that compute, check or compare equilibria: all of the game and solver layers.
SOLVER_CODE = sorted(
    str(path.relative_to(ROOT / "sim").with_suffix(""))
    for layer in ("game", "solvers")
    for path in (ROOT / "sim" / layer).glob("*.py")
    if path.name not in ("__init__.py", "tolerances.py")
)


def small_literals(path: Path) -> list[tuple[int, float]]:
    """Float literals between 0 and 1e-3 in absolute value (what tolerances look like)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, float) and 0 < abs(node.value) < 1e-3
    ]


@pytest.mark.parametrize("module", SOLVER_CODE)
def test_no_bare_tolerance_literal_in_the_solver_code(module: str) -> None:
    found = small_literals(ROOT / "sim" / f"{module}.py")
    assert not found, f"sim/{module}.py has tolerance literals {found}: name them in sim/tolerances.py"


def test_the_check_finds_a_bare_tolerance(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def close(a, b):\n    return abs(a - b) < 1e-9\n")
    assert small_literals(sample) == [(2, 1e-9)]


def test_every_tolerance_is_documented_and_small() -> None:
    source = (ROOT / "sim" / "game" / "tolerances.py").read_text(encoding="utf-8")
    for name in tolerances.__all__:
        value = getattr(tolerances, name)
        if callable(value):
            continue
        assert 0 < value <= 1e-4, name
        assert "#: " in source.split(f"\n{name} =")[0].rsplit("\n\n", 1)[-1], f"{name} has no comment"
