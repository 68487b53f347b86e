"""Starting the page (sim.app.server, ``diplosim app``): localhost by default, and bad
input (a missing scenario, a taken port) named in one line before anything starts."""

from __future__ import annotations

import socket
import sys

import pytest

from sim.app.server import LOCALHOST, check_port, free_port
from sim.cli import build_parser
from sim.errors import UsageError
from tests.conftest import FLAGSHIP, diplosim


def test_the_page_listens_on_this_machine_only_unless_told() -> None:
    args = build_parser().parse_args(["app"])
    assert (args.host, args.port, args.folder, args.scenario) == (LOCALHOST, 8765, "scenarios", None)
    assert LOCALHOST == "127.0.0.1"


def test_a_taken_port_is_named() -> None:
    with socket.socket() as taken:
        taken.bind((LOCALHOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=rf"--host 127\.0\.0\.1 --port {port}: cannot listen there"):
            check_port(LOCALHOST, port)


def test_a_free_port_is_free() -> None:
    check_port(LOCALHOST, free_port())


@pytest.mark.parametrize("port", [-1, 65536])
def test_a_port_out_of_range_is_named(port: int) -> None:
    with pytest.raises(UsageError, match="a port is a number from 1 to 65535"):
        check_port(LOCALHOST, port)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["app", "missing.yaml"], "diplosim: error: missing.yaml: no such scenario file\n"),
        (
            ["app", str(FLAGSHIP), "--folder", "no-such-folder"],
            "diplosim: error: --folder no-such-folder: no such folder\n",
        ),
    ],
    ids=["scenario", "folder"],
)
def test_bad_input_is_one_line_and_nothing_starts(args: list[str], message: str) -> None:
    result = diplosim(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_without_the_extra_the_page_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "solara", None)  # as if not installed: importing it fails
    for name in ("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "SOLARA_THEME_SHOW_BANNER", "SOLARA_THEME_TITLE"):
        monkeypatch.setenv(name, "kept")  # serve() sets them by setdefault: this process's environment stays as it was
    result = diplosim("app", str(FLAGSHIP), "--port", "0")
    assert (result.returncode, result.stdout) == (2, "")
    extra = "the page needs the optional extra 'app': pip install 'diplosim[app]' (make test installs it)"
    assert result.stderr == f"diplosim: error: {extra}\n"
