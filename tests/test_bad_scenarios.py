"""The corpus of bad input (``tests/bad_scenarios``), through the real command line.

Every case must end with exit code 2 and one line on stderr that names the file, the
line (where there is one) and the field, with no traceback, no output folder created
(except by a run stopped mid-way, which saves the rounds before the error) and no code
run (no ``PWNED`` file appears).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.terminal import visible

from .conftest import ROOT, diplosim, diplosim_process, in_process

CORPUS = ROOT / "tests" / "bad_scenarios"
#: Every ``cases*.json`` file: one list of cases each (a file, the command, its flags, and
#: what the error line must say); ``class`` names the kind of mistake the case stands for.
CASES: list[dict[str, Any]] = [
    case for path in sorted(CORPUS.glob("cases*.json")) for case in json.loads(path.read_text(encoding="utf-8"))
]


def test_the_corpus_is_large_and_every_file_has_a_case() -> None:
    files = {p.name for p in [*CORPUS.glob("*.yaml"), *CORPUS.glob("*.nfg")]}
    assert len(CASES) >= 40
    assert files == {case["file"] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
@pytest.mark.slow
def test_bad_input_gives_one_clear_line_and_exit_2(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = CORPUS / case["file"]
    out = tmp_path / "out"
    extra = ["--out", str(out)] if case["command"] == "run" else []
    monkeypatch.chdir(tmp_path)
    result = in_process(capsys, case["command"], str(path), *case["args"], *extra)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    message = lines[0]
    assert "Traceback" not in result.stderr
    assert case["fragment"] in message, message
    if not case["args"]:
        assert str(path) in message, message
    if case["line"] is not None:
        assert f"{path}:{case['line']}:" in message, message
    if case["field"] is not None:
        assert case["field"] in message, message
    # a run that bad input stopped mid-way ("round 4, ...") saves the rounds before the error (issue 17); nothing
    # else is written for bad input
    stopped_mid_way = case["command"] == "run" and message.startswith("diplosim: error: round ")
    assert out.exists() == stopped_mid_way, message
    if stopped_mid_way:
        summary = json.loads((out / "summary.json").read_text())
        assert (summary["stop_reason"], f"diplosim: error: {visible(summary['error'])}") == ("error", message)
        failing = int(message.removeprefix("diplosim: error: round ").split(",")[0])
        assert summary["rounds_played"] == failing - 1  # the failing round is left out whole
        assert set(pd.read_csv(out / "rounds.csv")["round"]) <= set(range(1, failing))
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "{tmp}/missing.yaml"], "missing.yaml: no such file"),
        (["run", "{tmp}"], "is a directory, not a scenario file"),
        (
            ["run", str(ROOT / "scenarios" / "classics" / "chicken.yaml"), "--out", "{tmp}/file.txt"],
            "exists and is not a folder",
        ),
        (["solve", "{tmp}/missing.nfg"], "missing.nfg: no such file"),
        (["sweep", str(ROOT / "scenarios" / "classics" / "chicken.yaml"), "--param", "x=0:1:0"], "an empty range"),
    ],
)
def test_bad_paths_and_flags(args: list[str], fragment: str, tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("keep")
    result = diplosim(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 2
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "file.txt").read_text() == "keep"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["yaml_syntax_bracket.yaml", "formula_import.yaml", "runtime_division_by_zero.yaml"])
def test_bad_input_seen_from_a_shell_is_exit_2_without_a_traceback(name: str, tmp_path: Path) -> None:
    # The corpus runs in process; a few cases cross a real process boundary too.
    case = next(c for c in CASES if c["file"] == name)
    extra = ["--out", str(tmp_path / "out")] if case["command"] == "run" else []
    result = diplosim_process(case["command"], str(CORPUS / name), *case["args"], *extra, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
