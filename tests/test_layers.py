"""The layers of ``sim`` (docs/design.md): imports go one way, and there is no cycle.

``make lint`` runs import-linter on the contracts in ``pyproject.toml``; these tests show
that the contract catches an upward import (lazy ones included) and that the package has
no import cycle at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from .conftest import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(where / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=where,
        env=environment,
        check=False,
    )


@pytest.fixture
def copy_of_sim(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.slow
def test_the_layer_contract_holds(copy_of_sim: Path) -> None:
    result = lint_imports(copy_of_sim)
    assert result.returncode == 0, result.stdout
    assert "Contracts: 2 kept, 0 broken." in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("game/scaling.py", "from sim.solvers import registry"),  # game imports a solver
        ("solvers/selection.py", "from sim.scenario import spec"),  # a solver imports the scenario language
        ("model/history.py", "    from sim.viz import plots"),  # lazily, inside a function
    ],
    ids=["game-imports-solvers", "solvers-import-scenario", "lazy-model-imports-viz"],
)
def test_an_upward_import_breaks_the_contract(copy_of_sim: Path, module: str, upward: str) -> None:
    path = copy_of_sim / "sim" / module
    text = path.read_text(encoding="utf-8")
    if upward.startswith("    "):
        text += f"\n\ndef _upward() -> None:\n{upward}\n"
    else:
        text = text.replace(
            "from __future__ import annotations\n", f"from __future__ import annotations\n{upward}\n", 1
        )
    path.write_text(text, encoding="utf-8")
    result = lint_imports(copy_of_sim)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout


def test_there_is_no_import_cycle() -> None:
    graph = grimp.build_graph("sim", cache_dir=None)
    modules = sorted(graph.modules)
    cycles = []
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(imported=module, importer=imported):
                cycles.append(tuple(graph.find_shortest_chain(importer=imported, imported=module) or ()))
    packages = {m for m in modules if (ROOT / Path(*m.split("."))).is_dir()}
    real = [c for c in cycles if not set(c) & packages]  # a package's __init__ re-exporting is not a cycle
    assert real == [], real
