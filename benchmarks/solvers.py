"""Time per solve of every registered solver, so users can pick one.

Random games of sizes 2x2 ... 6x6 (continuous and small-integer payoffs) and 3x3x3x2,
each solver on the same games; medians over the games, and the ratio to a baseline
measured in the same run (nashpy's vertex enumeration, solver ``nashpy``, for two players; Gambit's
enumpure for four). Gambit's slow methods run in a worker process with a time limit;
a solve that hits it counts as the limit and is reported.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/solvers.py [--games N]``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from sim.games import NormalFormGame
from sim.solvers import SOLVERS, solve

TWO_PLAYER_SIZES = [2, 3, 4, 5, 6]
N_PLAYER_SHAPE = (3, 3, 3, 2)
TIME_LIMIT = 5.0


def random_game(rng: np.random.Generator, shape: tuple[int, ...], integer: bool) -> NormalFormGame:
    k = len(shape)
    payoffs = rng.integers(-10, 11, size=(*shape, k)).astype(float) if integer else rng.normal(size=(*shape, k))
    players = tuple(f"P{i}" for i in range(k))
    strategies = tuple(tuple(f"s{j}" for j in range(n)) for n in shape)
    return NormalFormGame("bench", players, strategies, payoffs)


def median_ms(name: str, games: list[NormalFormGame]) -> tuple[float, int, int]:
    """Median milliseconds per solve, number of time-outs, total equilibria found."""
    times, timeouts, found = [], 0, 0
    for game in games:
        start = time.perf_counter()
        result = solve(game, name, time_limit=TIME_LIMIT)
        times.append((time.perf_counter() - start) * 1000)
        timeouts += any("did not finish" in note for note in result.notes)
        found += len(result.equilibria)
    return statistics.median(times), timeouts, found


def table(title: str, games: list[NormalFormGame], names: list[str], baseline: str) -> None:
    print(f"\n{title} ({len(games)} games)")
    print(f"  {'solver':<22}{'median ms':>11}{'x baseline':>12}{'equilibria':>12}{'time-outs':>11}")
    rows = {name: median_ms(name, games) for name in names}
    base = rows[baseline][0]
    for name, (ms, timeouts, found) in rows.items():
        print(f"  {name:<22}{ms:>11.2f}{ms / base:>12.2f}{found:>12}{timeouts:>11}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=10, help="games per size (default 10)")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    two = [n for n, s in SOLVERS.items() if s.players[0] <= 2 <= s.players[1]]
    many = [n for n, s in SOLVERS.items() if s.players[1] >= len(N_PLAYER_SHAPE)]
    warm: Callable[[], None] = lambda: [solve(random_game(rng, (2, 2), False), n) for n in two]  # noqa: E731
    warm()  # start the Gambit worker and import nashpy before timing
    for size in TWO_PLAYER_SIZES:
        for integer in (False, True):
            games = [random_game(rng, (size, size), integer) for _ in range(args.games)]
            kind = "integer payoffs in [-10, 10]" if integer else "continuous payoffs"
            table(f"{size}x{size}, {kind}", games, two, "nashpy")
    games = [random_game(rng, N_PLAYER_SHAPE, False) for _ in range(args.games)]
    table("3x3x3x2, continuous payoffs", games, many, "gambit_enumpure")
    print(f"\nSlow Gambit methods are stopped after {TIME_LIMIT:g} s (counted as {TIME_LIMIT:g} s).")


if __name__ == "__main__":
    main()
