"""The README's commands and examples are the ones that work."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from sim.api import run
from sim.scenario.load import parse_scenario

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_two_commands_the_makefile_provides() -> None:
    language, first = BLOCKS[0]
    assert language == "sh"
    commands = [line.split("#")[0].strip() for line in first.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^demo:", makefile, flags=re.M) and re.search(r"^test:", makefile, flags=re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_scenario_example_loads_and_runs() -> None:
    (yaml_text,) = [body for language, body in BLOCKS if language == "yaml"]
    result = run(parse_scenario(yaml_text, "README.md"))
    assert result.rounds_played >= 1


@pytest.mark.slow
def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = [body for language, body in BLOCKS if language == "python"]
    monkeypatch.chdir(ROOT)
    code = code.replace(
        'result.save("out/run1", figures=True)', f"result.save({str(tmp_path / 'run1')!r}, figures=True)"
    )
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # the project's own documentation, not scenario text
    assert (tmp_path / "run1" / "summary.json").exists() and (tmp_path / "run1" / "state.png").exists()
    for name in ("result", "swept"):  # the reprs the comments show
        shown = re.search(rf"^{name} +# (.*)$", code, flags=re.M)
        assert shown is not None
        assert repr(namespace[name]) == shown.group(1).replace("'...'", repr(namespace[name].scenario.name))  # type: ignore[attr-defined]


def test_readme_cli_lines_name_existing_files() -> None:
    for path in set(re.findall(r"scenarios/[\w/]+\.yaml", README)) - {"scenarios/mine.yaml"}:
        assert (ROOT / path).exists(), path


def test_every_make_command_in_the_readme_is_a_makefile_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, flags=re.M))
    used = set(re.findall(r"`?make ([a-z]+)", README))
    assert used and used <= targets, used - targets


def test_readme_picture_and_docs_exist() -> None:
    for link in re.findall(r"\]\(([^)]+\.png)\)", README):
        assert (ROOT / link).exists(), link
    for doc in re.findall(r"`(docs/[\w.-]+)`", README):
        assert (ROOT / doc).exists(), doc


@pytest.mark.slow
def test_the_readme_picture_shows_every_players_move() -> None:
    # issue 17: the flagship picture hid Ukraine's move under Russia's lines
    assert "](docs/images/flagship.png)" in README and "`python docs/images/flagship.py`" in README
    script = runpy.run_path(str(ROOT / "docs" / "images" / "flagship.py"))  # draws, does not save
    figure = script["flagship_figure"]()
    panels = [ax for ax in figure.axes if ax.images]
    assert [ax.get_ylabel() for ax in panels] == ["Ukraine", "Russia"]
    for panel in panels:  # the 24 rounds' moves of each player outlined
        assert len([p for p in panel.patches if p.get_label() == "_played"]) == 24
