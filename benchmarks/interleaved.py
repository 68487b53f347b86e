"""Repeated measurements, interleaved so that machine noise hits every configuration alike,
and a table of their medians with the ratio to a baseline (shared by the benchmarks)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping


def measure(configurations: Mapping[str, Callable[[], float]], repeats: int) -> dict[str, float]:
    """Each configuration's median over ``repeats`` rounds, one call of each per round."""
    values: dict[str, list[float]] = {name: [] for name in configurations}
    for _ in range(repeats):
        for name, run in configurations.items():
            values[name].append(run())
    return {name: statistics.median(found) for name, found in values.items()}


def print_table(medians: Mapping[str, float], baseline: str, unit: str, ratio: str, digits: int) -> None:
    """One line per configuration: its median and the ratio to the baseline's median."""
    width = max(34, *(len(name) + 2 for name in medians))
    print(f"  {'configuration':<{width}}{unit:>10}{ratio:>24}")
    for name, median in medians.items():
        print(f"  {name:<{width}}{median:>10.{digits}f}{median / medians[baseline]:>24.2f}")
