from __future__ import annotations

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
FLAGSHIP = SCENARIOS / "eu_russia_ukraine_buffer_zone.yaml"
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
    """Run the real command line (``python -m sim.cli``) and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )
