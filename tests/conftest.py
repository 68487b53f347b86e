from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "eu_russia_ukraine_buffer_zone.yaml"
ALL_SCENARIOS = sorted(SCENARIOS.rglob("*.yaml"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def diplosim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line (``python -m sim.cli``) and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )
