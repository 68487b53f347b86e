"""Seconds per 24-round run with one bargaining game per round, against a baseline
measured in the same run.

Every round the game is built afresh from the state (the sides' fatigue grows each round,
so no round repeats another's problem), negotiated, and its outcome recorded and read by
the dynamics. Configurations, each a scenario run with :func:`sim.run` (exact fractions,
tables, story data: the whole round loop):

* ``2x2 matrix game`` (the baseline): a simultaneous-move stage game of the same
  scenario, what a round of the existing kind costs;
* ``bargaining: equilibrium (Rubinstein)``: both sides play the subgame-perfect offers,
  agreed at the first offer (the default protocol);
* ``bargaining: Boulware vs conceder, 20 offers``: alternating offers with time-dependent
  concession, up to 20 offers a round;
* ``bargaining: mediator's single text, 20 offers``;
* ``bargaining: take-it-or-leave-it, two private types (PBE)``: the screening tree solved
  for its perfect Bayesian equilibrium every round, the proposer's belief updated;
* ``bargaining: take-it-or-leave-it, uniform private value``.

Target of issue 15: a 24-round run with one bargaining game per round well under a
second. Medians of ``--repeats`` repeats, interleaved so that machine noise hits all
alike. Run with ``make bench`` or ``.venv/bin/python benchmarks/bargaining.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleaved import measure, print_table

from sim.api import run
from sim.scenario.load import Scenario, parse_scenario

ROUNDS = 24

HEAD = f"""
name: bench
rounds: {ROUNDS}
parameters: {{p: 0.55, c: 0.02}}
actors:
  A:
    state: {{fatigue: 1.0, belief: 0.3}}
  B:
    state: {{fatigue: 1.0}}
games:
"""

MATRIX = """
  g:
    players: [A, B]
    strategies: {A: [hold, yield], B: [hold, yield]}
    payoffs:
      A: [[-1, 2], ["-c * A.fatigue", 1]]
      B: [[-1, "-c * B.fatigue"], [2, 1]]
"""

BARGAINING = """
  g:
    players: [A, B]
    bargaining:
      issue: {name: width, range: [0, 40], unit: km}
      utilities: {A: "width / 40", B: "1 - width / 40"}
"""

PUBLIC = """      disagreement: {A: "p - c * A.fatigue", B: "1 - p - c * B.fatigue"}
      discount: {A: 0.9, B: 0.9}
"""

DYNAMICS = """
dynamics:
  - set: {A.fatigue: "A.fatigue + 0.05", B.fatigue: "B.fatigue + 0.05"}
"""


def scenario(game: str) -> Scenario:
    return parse_scenario(HEAD + game + DYNAMICS)


SCENARIOS = {
    "2x2 matrix game (baseline)": scenario(MATRIX),
    "bargaining: equilibrium (Rubinstein)": scenario(BARGAINING + PUBLIC),
    "bargaining: Boulware vs conceder, 20 offers": scenario(
        BARGAINING + PUBLIC + "      protocol: {deadline: 20, strategies: {A: boulware, B: conceder}}\n"
    ),
    "bargaining: mediator's single text, 20 offers": scenario(
        BARGAINING
        + PUBLIC
        + "      protocol:\n        deadline: 20\n        strategies: {A: boulware, B: boulware}\n"
        + "        mediator: {name: M, ideal: 20, bias: 0.3, credibility: 0.2}\n"
    ),
    "bargaining: take-it-or-leave-it, two private types (PBE)": scenario(
        BARGAINING
        + """      disagreement: {A: "p - c * A.fatigue"}
      private:
        player: B
        types:
          tough: {probability: A.belief, disagreement: "1 - p - c * B.fatigue / 4"}
          soft: {probability: "1 - A.belief", disagreement: "1 - p - 6 * c * B.fatigue"}
        persistent: false
        beliefs: {tough: A.belief}
"""
    ),
    "bargaining: take-it-or-leave-it, uniform private value": scenario(
        BARGAINING
        + """      disagreement: {A: "p - c * A.fatigue"}
      private: {player: B, uniform: ["0.2 - c * B.fatigue", "0.5 - c * B.fatigue"], persistent: false}
"""
    ),
}


def timed(loaded: Scenario) -> float:
    start = time.perf_counter()
    result = run(loaded, seed=2026)
    assert result.rounds_played == ROUNDS
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    configurations = {name: (lambda loaded=loaded: timed(loaded)) for name, loaded in SCENARIOS.items()}
    for loaded in SCENARIOS.values():  # imports and caches warm, outside the measurement
        timed(loaded)
    print(f"{ROUNDS} rounds, one game per round")
    print_table(measure(configurations, args.repeats), next(iter(configurations)), "s/run", "x baseline", 3)


if __name__ == "__main__":
    main()
