"""The flagship's statistical checks at the defaults, by Monte Carlo, for each of Russia's types.

The model's expected values (derived in docs/model.md and in the flagship's comments):

* P(wider war within 24 months | opportunistic) ~ 0.035: the reassurance force stays
  for 23 months and each accidental strike (eps = 1/20 a month) against a firm EU
  carries the wider-war chance p_D;
* P(the zone breaks down within 24 months | opportunistic) ~ 0.14: a monthly hazard of
  4/625 under an untouched force (more in months with an accidental strike);
* P(a zone | resolved) = 0: a resolved Russia strikes any force, so no range opens;
* and the exact one, P(wider war | resolved) = 19/1000: only month 1 carries the risk.

``--runs`` runs per type (``theta`` = 1 resolved, 2 opportunistic, fixed), one
:func:`sim.sweep` over both types with replications on all cores; each estimate is
printed with its standard error, and PASS when it lies within 3 standard errors of the
expected value (for a probability of 0, PASS when no run shows it). Not part of
``make test`` (minutes, not seconds); run with ``make bench`` or
``.venv/bin/python benchmarks/flagship_montecarlo.py [--runs N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

from sim.api import sweep

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "eu_russia_ukraine_buffer_zone.yaml"
RESOLVED, OPPORTUNISTIC = 1, 2  # the flagship's theta
DEFAULT_RUNS = 300  # runs per type: 273 s for both types on 2 shared cores here (one 24-month run takes ~1 s a core)
TOLERANCE = 3.0  # standard errors

# (label, theta, the run's metric (the event: a value above 0), the expected probability)
CHECKS = [
    ("P(wider war | o)", OPPORTUNISTIC, "metric:wider_war", 0.035),
    ("P(breakdown within 24 months | o)", OPPORTUNISTIC, "metric:breakdowns", 0.14),
    ("P(zone | r)", RESOLVED, "metric:zone_formed", 0.0),
    ("P(wider war | r)", RESOLVED, "metric:wider_war", 19 / 1000),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"runs per type (default {DEFAULT_RUNS})")
    parser.add_argument("--seed", type=int, default=2026, help="root seed of the sweep (default 2026)")
    args = parser.parse_args()
    start = time.perf_counter()
    result = sweep(
        FLAGSHIP,
        {"theta": [RESOLVED, OPPORTUNISTIC]},
        reps=args.runs,
        seed=args.seed,
        workers=os.cpu_count(),
    )
    table = result.table
    if result.failures:
        raise SystemExit(f"{result.failures} runs failed")
    print(f"{args.runs} runs per type, seed {args.seed}, {time.perf_counter() - start:.0f} s")
    print(f"{'check':<36} {'estimate':>9} {'± SE':>7} {'expected':>9}  verdict")
    failed = 0
    for label, theta, column, expected in CHECKS:
        events = (table.loc[table["theta"] == theta, column] > 0).to_numpy()
        n = len(events)
        estimate = float(events.mean())
        se = math.sqrt(estimate * (1 - estimate) / n)
        ok = estimate == 0 if expected == 0 else abs(estimate - expected) <= TOLERANCE * max(se, 1 / n)
        failed += not ok
        print(f"{label:<36} {estimate:>9.4f} {se:>7.4f} {expected:>9.4f}  {'PASS' if ok else 'FAIL'}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
