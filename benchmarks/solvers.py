"""Time per solve of every registered solver, so users can pick one.

Random games of sizes 2x2 ... 6x6 (continuous and small-integer payoffs), the flagship's
two-player stage games (as played in runs over G_H in 0..1) and 3x3x3x2 games, each
solver on the same games, caches emptied before every solve; medians over the games (up
to 4x4: 30 games, the solvers taking turns over them 3 times), and the ratio to a
baseline measured in the same run (nashpy's vertex enumeration, solver ``nashpy``, for two players; Gambit's
enumpure for four). Gambit's slow methods run in a worker process with a time limit;
a solve that hits it counts as the limit, and is reported as failed, like a crash of the
worker.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/solvers.py [--games N] [--small-games N]``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.errors import SolverError
from sim.game.normal_form import NormalFormGame
from sim.model.negotiation import NegotiationModel
from sim.scenario.load import load_scenario
from sim.solvers.registry import SOLVERS, clear_caches, solve

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "variants" / "eu_russia_ukraine_simultaneous.yaml"

TWO_PLAYER_SIZES = [2, 3, 4, 5, 6]
N_PLAYER_SHAPE = (3, 3, 3, 2)
TIME_LIMIT = 5.0


def random_game(rng: np.random.Generator, shape: tuple[int, ...], integer: bool) -> NormalFormGame:
    k = len(shape)
    payoffs = rng.integers(-10, 11, size=(*shape, k)).astype(float) if integer else rng.normal(size=(*shape, k))
    players = tuple(f"P{i}" for i in range(k))
    strategies = tuple(tuple(f"s{j}" for j in range(n)) for n in shape)
    return NormalFormGame("bench", players, strategies, payoffs)


def solve_times(name: str, games: list[NormalFormGame]) -> tuple[list[float], int, int]:
    """Milliseconds of each solve, number of time-outs and failures (a Gambit worker that
    crashed), total equilibria found."""
    times, failed, found = [], 0, 0
    for game in games:
        clear_caches()  # every solve cold: no game is remembered from an earlier one
        start = time.perf_counter()
        try:
            result = solve(game, name, time_limit=TIME_LIMIT)
        except SolverError:
            failed += 1
        else:
            failed += any("did not finish" in note for note in result.notes)
            found += len(result.equilibria)
        times.append((time.perf_counter() - start) * 1000)
    return times, failed, found


def table(
    title: str, games: list[NormalFormGame], names: list[str], baseline: str, rounds: int = 1
) -> dict[str, float]:
    """Print one table; return the median milliseconds per solver. With several
    ``rounds``, the solvers take turns, each over all the games, and the median is over
    every solve (equilibria and failures are of one round)."""
    print(f"\n{title} ({len(games)} games{f', {rounds} rounds' if rounds > 1 else ''})")
    print(f"  {'solver':<22}{'median ms':>11}{'x baseline':>12}{'equilibria':>12}{'failed':>11}")
    times: dict[str, list[float]] = {name: [] for name in names}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(rounds):
        for name in names:
            measured, failed, found = solve_times(name, games)
            times[name] += measured
            counts[name] = (failed, found)
    medians = {name: statistics.median(measured) for name, measured in times.items()}
    for name, ms in medians.items():
        failed, found = counts[name]
        print(f"  {name:<22}{ms:>11.2f}{ms / medians[baseline]:>12.2f}{found:>12}{failed:>11}")
    return medians


def flagship_games(per_game: int) -> list[NormalFormGame]:
    """Distinct two-player stage games of flagship runs with G_H spread over 0..1,
    ``per_game`` of each game, spread over the runs."""
    scenario = load_scenario(FLAGSHIP)
    found: dict[str, dict[bytes, NormalFormGame]] = {}
    for g_h in np.linspace(0.0, 1.0, 11):
        model = NegotiationModel(scenario.with_overrides({"G_H": float(g_h)}), exact=False)
        model.run()
        for play in model.history.plays:
            game = play.result.game
            if game.n_players == 2:
                found.setdefault(game.name, {}).setdefault(game.payoffs.tobytes(), game)
    chosen = []
    for games in found.values():
        pool = list(games.values())
        chosen += [pool[i] for i in np.linspace(0, len(pool) - 1, min(per_game, len(pool))).astype(int)]
    return chosen


def summary(medians: dict[str, dict[str, float]]) -> None:
    """The issue's targets on 2x2 ... 4x4: vertex_enumeration against nashpy and against
    the fastest anchor, Gambit's floating-point enummixed."""
    print("\nvertex_enumeration (the default) on 2x2 ... 4x4 and the flagship's games:")
    print(f"  {'games':<42}{'x faster than nashpy':>22}{'x time of enummixed':>22}")
    for title, ms in medians.items():
        fast = ms["vertex_enumeration"]
        print(f"  {title:<42}{ms['nashpy'] / fast:>22.1f}{fast / ms['gambit_enummixed']:>22.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=10, help="games per size from 5x5 on (default 10)")
    parser.add_argument(
        "--small-games", type=int, default=30, help="games per size up to 4x4, solved in 3 rounds (default 30)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    two = [n for n, s in SOLVERS.items() if s.players[0] <= 2 <= s.players[1]]
    many = [n for n, s in SOLVERS.items() if s.players[1] >= len(N_PLAYER_SHAPE)]
    warm: Callable[[], None] = lambda: [solve(random_game(rng, (2, 2), False), n) for n in two]  # noqa: E731
    warm()  # start the Gambit worker and import nashpy before timing
    small: dict[str, dict[str, float]] = {}
    for size in TWO_PLAYER_SIZES:
        for integer in (False, True):
            count, rounds = (args.small_games, 3) if size <= 4 else (args.games, 1)
            games = [random_game(rng, (size, size), integer) for _ in range(count)]
            kind = "integer payoffs in [-10, 10]" if integer else "continuous payoffs"
            medians = table(f"{size}x{size}, {kind}", games, two, "nashpy", rounds)
            if size <= 4:
                small[f"{size}x{size}, {kind}"] = medians
    small["flagship stage games (3x2, 2x3)"] = table(
        "flagship stage games (troop deployment 3x2, buffer zone 2x3)",
        flagship_games(args.small_games),
        two,
        "nashpy",
        3,
    )
    games = [random_game(rng, N_PLAYER_SHAPE, False) for _ in range(args.games)]
    table("3x3x3x2, continuous payoffs", games, many, "gambit_enumpure")
    print(f"\nSlow Gambit methods are stopped after {TIME_LIMIT:g} s (counted as {TIME_LIMIT:g} s).")
    summary(small)


if __name__ == "__main__":
    main()
