"""The README's commands and examples are the ones that work."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from sim.api import run
from sim.scenario.load import parse_scenario
from sim.viz.plots import new_figure

from .conftest import FLAGSHIP, ROOT

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
    # issue 17: the flagship picture hid a player's move; the v2 picture has a row of moves
    # for each player of the crisis and the zone (Ukraine's offers), for both types of Russia
    assert "](docs/images/flagship.png)" in README and "`python docs/images/flagship.py`" in README
    script = runpy.run_path(str(ROOT / "docs" / "images" / "flagship.py"))  # defines, does not draw
    figure = new_figure((13.0, 12.0))
    grid = figure.subplots(script["ROWS"], 2)
    for column, (seed, title) in enumerate(script["WORLDS"]):
        script["draw_world"](run(FLAGSHIP, seed=seed), title, list(grid[:, column]))
    titles = [ax.get_title() for ax in grid[:, 0]]
    assert any("EU" in t for t in titles) and any("Russia" in t for t in titles)
    assert any("Ukraine's offers" in t for t in titles)
    moves = [ax for ax in grid[1:4, 0] if ax.lines]  # the EU's, Russia's and chance's rows of moves
    assert len(moves) == 3 and all(any(len(line.get_xdata()) for line in ax.lines) for ax in moves)
