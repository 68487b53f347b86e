"""Seconds per 24-round run of a tree stage game of 34 terminal nodes: built afresh from the
state every round, solved for its perfect Bayesian equilibria (verified), one selected and
played with the run's generator, against a baseline measured in the same run.

The tree is the flagship's troop crisis (chance picks Russia's type, the EU moves without
seeing it, Russia answers, chance turns a move into an incident with probability 1/20, the
EU stands firm or backs down, chance decides a wider war): 34 terminal nodes, 7 information
sets. Its prior that Russia is resolved moves from round to round, as beliefs would, so
no round repeats another's game. Configurations:

* ``matrix solver on the reduced normal form`` (the baseline): the same 24 trees' reduced
  normal forms (5 x 16) solved by the default two-player solver, what a simultaneous-move
  scenario of the same size pays per round;
* ``tree: pbe, exact checks``: :func:`sim.solvers.trees.solve_tree` with exact fractions
  (as ``diplosim run`` does);
* ``tree: pbe, floats``: the same with float payoffs only (as sweeps do);
* ``tree: subgame perfect + Nash, everything``: also listing every Nash equilibrium that
  is not a solution (what ``diplosim solve`` shows to teach);
* ``sim.run: 24 rounds of the tree in a scenario``: the tree written as a scenario's game
  (through :func:`sim.scenario.from_gambit.scenario_text`, at the prior 3/10) and run
  with :func:`sim.run` (exact checks, tables, story data): the whole round loop.

Target of issue 14: a 24-round run under one second. Medians of ``--repeats`` repeats,
interleaved so that machine noise hits all alike. Run with ``make bench`` or
``.venv/bin/python benchmarks/trees.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction as F
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleaved import measure, print_table

from sim.api import run
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Spec, Terminal, build
from sim.scenario.from_gambit import scenario_text
from sim.scenario.load import parse_scenario
from sim.solvers.reduced_form import reduced_normal_form
from sim.solvers.registry import clear_caches, solve
from sim.solvers.tree_play import play_tree, select_tree
from sim.solvers.trees import solve_tree

ROUNDS = 24


def terminal(exact: bool, eu: F, russia: F) -> Terminal:
    return Terminal((float(eu), float(russia)), (eu, russia) if exact else None)


def chance(exact: bool, moves: dict[str, tuple[F, Spec]]) -> Chance:
    floats = {move: (float(p), subtree) for move, (p, subtree) in moves.items()}
    return Chance(floats, tuple(p for p, _ in moves.values()) if exact else None)


def troop_crisis(pi: F, exact: bool) -> ExtensiveFormGame:
    """The troop crisis at prior ``pi`` (numbers of the flagship's model at esc = 0)."""
    g = {"D": F(3, 5), "M": F(7, 20), "H": F(1, 10)}
    k = d = {"D": F(1), "M": F(3, 10)}
    b, w, lam, c_e, a_ru, k_eu, a_eu = F(4), F(2), F(1, 2), F(3, 10), F(1, 5), F(20), F(1, 2)
    p = {"D": F(3, 100), "M": F(1, 50)}
    k_war = {"r": F(5), "o": F(20)}
    eps = F(1, 20)

    def after_incident(theta: str, x: str) -> Decision:
        firm_payoffs = (b * g[x] * (1 - lam) - k[x] - d[x], -w * g[x] * (1 - lam) - c_e)
        firm = chance(
            exact,
            {
                "war": (p[x], terminal(exact, firm_payoffs[0] - k_eu, firm_payoffs[1] - k_war[theta])),
                "no war": (1 - p[x], terminal(exact, *firm_payoffs)),
            },
        )
        back = terminal(exact, b * g["H"] - k[x] - d[x] - a_eu, -w * g["H"] - c_e)
        return Decision("EU", {"S": firm, "B": back}, infoset=f"EU after an incident at {x}")

    def russia(theta: str, x: str) -> Decision:
        tolerate = terminal(exact, b * g[x] - k[x], -w * g[x] - a_ru)
        incident = after_incident(theta, x)
        return Decision(
            "Russia",
            {
                "R": chance(exact, {"R": (1 - eps, tolerate), "E": (eps, incident)}),
                "E": chance(exact, {"E": (1 - eps, incident), "R": (eps, tolerate)}),
            },
            infoset=f"Russia {theta} after {x}",
        )

    def eu(theta: str) -> Decision:
        moves: dict[str, Spec] = {"D": russia(theta, "D"), "M": russia(theta, "M")}
        moves["H"] = terminal(exact, b * g["H"], -w * g["H"])
        return Decision("EU", moves, infoset="EU")

    return build("troop crisis", ("EU", "Russia"), chance(exact, {"r": (pi, eu("r")), "o": (1 - pi, eu("o"))}))


def priors() -> list[F]:
    """A prior per round, from 3/10 drifting up (as updated beliefs would)."""
    return [F(3, 10) + F(round_number, 100) for round_number in range(ROUNDS)]


def tree_run(exact: bool, concept: str, everything: bool) -> float:
    rng = np.random.default_rng(2026)
    start = time.perf_counter()
    for pi in priors():
        result = solve_tree(troop_crisis(pi, exact), concept, everything=everything)
        chosen = select_tree(result, "first", rng)[0]
        play_tree(result.game, chosen.behaviour, rng)
    return time.perf_counter() - start


def matrix_run() -> float:
    games = [reduced_normal_form(troop_crisis(pi, exact=True))[0] for pi in priors()]
    clear_caches()
    start = time.perf_counter()
    for game in games:
        solve(game)
    return time.perf_counter() - start


def scenario_run() -> float:
    scenario = parse_scenario(scenario_text(troop_crisis(F(3, 10), exact=True), "troop_crisis", rounds=ROUNDS))
    start = time.perf_counter()
    result = run(scenario, seed=2026)
    assert result.rounds_played == ROUNDS and len(result.moves) >= ROUNDS
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    game = troop_crisis(F(3, 10), exact=True)
    print(f"troop crisis: {len(game.terminals)} terminal nodes, {len(game.infosets)} information sets")
    configurations = {
        "matrix solver on the reduced normal form (baseline)": matrix_run,
        "tree: pbe, exact checks": lambda: tree_run(True, "pbe", False),
        "tree: pbe, floats": lambda: tree_run(False, "pbe", False),
        "tree: subgame perfect + Nash, everything": lambda: tree_run(True, "subgame_perfect", True),
        "sim.run: 24 rounds of the tree in a scenario": scenario_run,
    }
    print_table(measure(configurations, args.repeats), next(iter(configurations)), "s/run", "x baseline", 3)


if __name__ == "__main__":
    main()
