from __future__ import annotations

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
