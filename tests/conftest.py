from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # figures in files only, before matplotlib is imported

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "eu_russia_ukraine_buffer_zone.yaml"  # the flagship (v2): hidden resolve, a bargained zone
#: The first flagship (v1, simultaneous games), kept as a variant: the tests of its numbers use it.
SIMULTANEOUS = SCENARIOS / "variants" / "eu_russia_ukraine_simultaneous.yaml"
ALL_SCENARIOS = sorted(SCENARIOS.rglob("*.yaml"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def diplosim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The command line's ``main(argv)`` called in this process (in ``cwd`` if given), with
    what it printed and its exit code, shaped like :func:`diplosim_process`'s result."""
    from sim import cli

    out, err = _text_stream(), _text_stream()
    before = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(list(args))
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["diplosim", *args], code, _read(out), _read(err))


def diplosim_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line (``python -m sim.cli``) in a new process and capture what
    it prints: only for what needs a process boundary (exit codes as a shell sees them, no
    traceback, signals, imports at start-up); such tests are marked ``slow``."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


#: Python code that gives Ctrl-C (SIGINT) back its KeyboardInterrupt, whatever the process
#: inherited: a job started in the background with ``&`` ignores SIGINT, and so does every
#: process it starts, which would make tests of Ctrl-C pass or fail with how they were run.
RESTORE_SIGINT = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"


def cli_command(*args: str) -> list[str]:
    """The command line that runs ``diplosim ARGS`` in a new process that reacts to Ctrl-C
    as a foreground job does (see :data:`RESTORE_SIGINT`)."""
    program = RESTORE_SIGINT + "import sys\nfrom sim.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    return [sys.executable, "-c", program, *args]


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """:func:`diplosim` for tests that already capture with pytest's ``capsys``."""
    from sim import cli

    capsys.readouterr()  # what was printed before is not this command's
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["diplosim", *args], code, out, err)


def _text_stream() -> io.TextIOWrapper:
    """A text stream with a byte buffer below it, like a pipe's (``sys.stdout.buffer`` works)."""
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")


def _read(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")
