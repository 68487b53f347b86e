"""Runs per second of the flagship sweep: diplosim with 1 and 2 workers against a plain
mesa + nashpy loop over exactly the same games, state updates and rounds
(``baseline_flagship.py``), measured side by side in this run.

* The baseline runs 66 design points (G_H in 0..1 by 0.1, mediation strength 0..0.5 by
  0.1), each up to 24 rounds; before timing, the baseline and diplosim are checked to
  play the same rounds on all of them.
* diplosim runs sweeps of distinct points (G_H in 0..1 in 166 steps x the 6 mediation
  strengths: 996 runs; and in 498 steps: 2988 runs), so that no run repeats another's
  games. Each sweep runs in a new Python process, as from the command line: cold caches,
  worker start-up included (which weighs less in the longer sweep). Then the flagship's
  own sweep (its ``sweep:`` block: the 66 points with 5 replications each), where the
  replications repeat the same games (the flagship is deterministic at these settings)
  and the caches of built and solved games pay off.
* A process without threads forks its workers (milliseconds); a notebook, which runs
  threads, gets them from Python's fork server, which imports diplosim and mesa once
  per session. Both are measured: the notebook case as a second sweep, the server
  running, and a first one, which pays for the server. Also printed: the start-up of a
  pool each way, and how much faster two independent CPU-bound processes run than one
  on this machine (the ceiling of any 2-worker figure).

Medians of ``--repeats`` repeats, interleaved so that machine noise hits all alike.
Run with ``make bench`` or ``.venv/bin/python benchmarks/sweep.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleaved import measure, print_table

if TYPE_CHECKING:
    from sim.scenario.load import Scenario
    from sim.sweeps.runner import SweepSpec

# diplosim, mesa and nashpy are imported inside the functions: the sweeps run in new
# processes, and the start-up of this one should not weigh on the baseline's figures.

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "variants" / "eu_russia_ukraine_simultaneous.yaml"
SMALL = {"G_H": "0:1:11", "mediation_strength": "0:0.5:6"}
LARGE = {"G_H": "0:1:166", "mediation_strength": "0:0.5:6"}
LARGER = {"G_H": "0:1:498", "mediation_strength": "0:0.5:6"}


def main() -> None:
    from baseline_flagship import run_plain

    from sim.scenario.load import load_scenario
    from sim.sweeps.runner import plan, spec_from

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(FLAGSHIP)
    small = spec_from(None, SMALL, seed=2026)
    tasks = plan(scenario, small)
    check_agreement(scenario, small, tasks)

    def baseline() -> float:
        start = time.perf_counter()
        for task in tasks:
            run_plain(task.seed, **task.values)
        return len(tasks) / (time.perf_counter() - start)

    configurations: dict[str, Callable[[], float]] = {
        "plain mesa + nashpy (baseline)": baseline,
        "diplosim, 1 worker, 996 distinct runs": lambda: sweep_rate(LARGE, 1),
        "diplosim, 2 workers, 996 distinct runs": lambda: sweep_rate(LARGE, 2),
        "  the same in a notebook, fork server running": lambda: sweep_rate(LARGE, 2, notebook="running"),
        "  the same in a notebook, first sweep": lambda: sweep_rate(LARGE, 2, notebook="first"),
        "diplosim, 1 worker, 2988 distinct runs": lambda: sweep_rate(LARGER, 1),
        "diplosim, 2 workers, 2988 distinct runs": lambda: sweep_rate(LARGER, 2),
        "diplosim, 1 worker, flagship sweep block": lambda: sweep_rate(SMALL, 1, reps=5),
    }
    rates = measure(configurations, args.repeats)
    print(f"flagship sweep, runs per second, medians of {args.repeats} (worker start-up included)")
    print_table(rates, "plain mesa + nashpy (baseline)", "runs/s", "x baseline", 1)
    one = rates["diplosim, 1 worker, 996 distinct runs"]
    for runs in (996, 2988):
        two = rates[f"diplosim, 2 workers, {runs} distinct runs"]
        print(
            f"  2 workers / 1 worker, {runs} distinct runs: {two / rates[f'diplosim, 1 worker, {runs} distinct runs']:.2f}"
        )
    for case in ("fork server running", "first sweep"):
        print(
            f"  2 workers / 1 worker, 996 distinct runs, in a notebook, {case}: {rates[f'  the same in a notebook, {case}'] / one:.2f}"
        )
    for how in ("forked", "from a new fork server", "from a running fork server"):
        print(
            f"  start-up of a 2-worker pool, {how} (median of {args.repeats}): {pool_start_up(how, args.repeats):.3f} s"
        )
    print(f"  this machine: two CPU-bound processes / one: {machine_ceiling():.2f}")


#: Makes the new process look like a notebook kernel: a thread besides the main one.
_THREAD = "import threading\nthreading.Thread(target=threading.Event().wait, daemon=True).start()\n"


def sweep_rate(params: dict[str, str], workers: int, reps: int = 1, notebook: str = "") -> float:
    """Runs per second of a sweep in a new Python process, as from the command line (mesa
    and diplosim imported before the clock starts, so that both worker counts time only
    the sweep: pool start-up, runs, tables); with
    ``notebook``, the process runs a thread, so its workers come from the fork server:
    ``"first"`` starts it, ``"running"`` times a second sweep, the server started."""
    code = (
        (_THREAD if notebook else "") + "import sim.model.negotiation, sim.sweeps.chunks\n"
        "from sim.scenario.load import load_scenario\n"
        "from sim.scenario.template import clear_built\n"
        "from sim.solvers.registry import clear_caches\n"
        "from sim.sweeps.runner import run_sweep, spec_from\n"
        f"spec = spec_from(None, {params!r}, reps={reps}, seed=2026)\n"
        f"scenario = load_scenario({str(FLAGSHIP)!r})\n"
        + (
            f"run_sweep(scenario, spec, workers={workers})\nclear_caches()\nclear_built()\n"
            if notebook == "running"
            else ""
        )
        + f"outcome = run_sweep(scenario, spec, workers={workers})\n"
        "print(outcome.runs / outcome.seconds)\n"
    )
    return float(_python(code))


def pool_start_up(how: str, repeats: int) -> float:
    """Seconds from creating a 2-worker pool to an answer from both, in a new process."""
    from_server = how != "forked"
    code = (
        (_THREAD if from_server else "") + "import time\n"
        "from sim.sweeps.executors import ProcessExecutor\n"
        + (
            "with ProcessExecutor(2) as executor:\n    list(executor.unordered(abs, [-1, -2], lambda item, reason: 0))\n"
            if how == "from a running fork server"
            else ""
        )
        + "start = time.perf_counter()\n"
        "with ProcessExecutor(2) as executor:\n"
        "    list(executor.unordered(abs, [-1, -2], lambda item, reason: 0))\n"
        "print(time.perf_counter() - start)\n"
    )
    return statistics.median(float(_python(code)) for _ in range(repeats))


def _python(code: str) -> str:
    """The last line a new Python process running ``code`` prints."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()[-1]


def machine_ceiling(seconds: float = 2.0) -> float:
    """How much faster two independent CPU-bound processes finish than one doing both
    (forked: nothing to import, only arithmetic)."""
    count = _spin_count(seconds)
    start = time.perf_counter()
    _spin(count)
    _spin(count)
    serial = time.perf_counter() - start
    processes = [multiprocessing.get_context("fork").Process(target=_spin, args=(count,)) for _ in range(2)]
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return serial / (time.perf_counter() - start)


def _spin(count: int) -> int:
    total = 0
    for i in range(count):
        total += i * i % 7
    return total


def _spin_count(seconds: float) -> int:
    start = time.perf_counter()
    _spin(1_000_000)
    return int(1_000_000 * seconds / (time.perf_counter() - start))


def check_agreement(scenario: Scenario, spec: SweepSpec, tasks: list[Any]) -> None:
    """The baseline and diplosim play the same games: same rounds, same first mutual zone."""
    from baseline_flagship import run_plain

    from sim.sweeps.runner import run_sweep

    table = run_sweep(scenario, spec, workers=1).table
    for task in tasks:
        model = run_plain(task.seed, **task.values)
        row = table.loc[task.index]
        first = next((i + 1 for i, p in enumerate(model.played) if p[3:] == ("W", "W")), None)
        expected = row["first:buffer_zone=(W,W)"]
        assert model.round == row["rounds_played"], (task, model.round, row["rounds_played"])
        assert (first is None and math.isnan(expected)) or first == expected, (task, first, expected)
    print(f"baseline and diplosim agree on all {len(tasks)} runs (rounds played, first mutual zone)")


if __name__ == "__main__":
    main()
