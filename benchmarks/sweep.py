"""Runs per second of the flagship sweep: diplosim with 1 and 2 workers against a plain
mesa + nashpy loop over exactly the same games, state updates and rounds
(``baseline_flagship.py``), measured side by side in this run.

Each configuration runs the same design points (G_H in 0..1 by 0.1, mediation strength
0..0.5 by 0.1: 66 runs of up to 24 rounds) ``--repeats`` times; the medians are printed with
their ratios to the baseline. Before timing, the baseline and diplosim are checked to
play the same rounds on every point.

Run with ``make bench`` or ``.venv/bin/python benchmarks/sweep.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_flagship import run_plain

from sim.scenario import load_scenario
from sim.sweeps import plan, run_sweep, spec_from

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "eu_russia_ukraine_buffer_zone.yaml"
PARAMS = {"G_H": "0:1:11", "mediation_strength": "0:0.5:6"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(FLAGSHIP)
    spec = spec_from(None, PARAMS, reps=1, seed=2026)
    tasks = plan(scenario, spec)
    check_agreement(scenario, spec, tasks)

    def baseline() -> float:
        start = time.perf_counter()
        for task in tasks:
            run_plain(task.seed, **task.values)
        return len(tasks) / (time.perf_counter() - start)

    def diplosim(workers: int) -> float:
        outcome = run_sweep(scenario, spec, workers=workers)
        return outcome.runs / outcome.seconds

    rates: dict[str, list[float]] = {
        "plain mesa + nashpy (baseline)": [],
        "diplosim, 1 worker": [],
        "diplosim, 2 workers": [],
    }
    for _ in range(args.repeats):  # interleaved, so that machine noise hits all alike
        rates["plain mesa + nashpy (baseline)"].append(baseline())
        rates["diplosim, 1 worker"].append(diplosim(1))
        rates["diplosim, 2 workers"].append(diplosim(2))
    base = statistics.median(rates["plain mesa + nashpy (baseline)"])
    print(f"flagship sweep, {len(tasks)} runs, {args.repeats} repeats (medians; worker start-up included)")
    print(f"  {'configuration':<34}{'runs/s':>10}{'x baseline':>12}")
    for name, values in rates.items():
        median = statistics.median(values)
        print(f"  {name:<34}{median:>10.2f}{median / base:>12.2f}")
    two, one = statistics.median(rates["diplosim, 2 workers"]), statistics.median(rates["diplosim, 1 worker"])
    print(f"  2 workers / 1 worker: {two / one:.2f}")


def check_agreement(scenario: object, spec: object, tasks: list[object]) -> None:
    """The baseline and diplosim play the same games: same rounds, same first mutual zone."""
    table = run_sweep(scenario, spec, workers=1).table  # type: ignore[arg-type]
    for task in tasks:
        model = run_plain(task.seed, **task.values)  # type: ignore[attr-defined]
        row = table.loc[task.index]  # type: ignore[attr-defined]
        first = next((i + 1 for i, p in enumerate(model.played) if p[3:] == ("W", "W")), None)
        expected = row["first:buffer_zone=(W,W)"]
        assert model.round == row["rounds_played"], (task, model.round, row["rounds_played"])
        assert (first is None and math.isnan(expected)) or first == expected, (task, first, expected)
    print(f"baseline and diplosim agree on all {len(tasks)} runs (rounds played, first mutual zone)")


if __name__ == "__main__":
    main()
