"""The ``diplosim`` command: parse arguments, call the library, print.

Exit codes: 0 success, 2 bad input (one line on stderr naming file, line and field;
no traceback), 1 an internal error (a bug: please report it), 3 a sweep that finished
but some of its runs failed, 130 interrupted (Ctrl-C), 143 a sweep stopped by SIGTERM.
Heavy libraries (mesa, pandas, nashpy) are imported only by the commands that need
them, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.errors import DiplosimError, UsageError, UserError
from sim.files import write_text_atomic

if TYPE_CHECKING:
    from sim.equilibria import SolveResult
    from sim.sweeps import SweepOutcome

__all__ = ["SWEEP_FAILED", "main"]

#: Exit code of a sweep that finished but some of whose runs failed.
SWEEP_FAILED = 3


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _assignment(text: str) -> tuple[str, float | str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--set {text!r}: write NAME=VALUE, e.g. --set K_EU=10")
    name = name.strip()
    if name == "select" or name.endswith(".select"):
        return name, value.strip()
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--set {name}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"--set {name}: the value must be a finite number")
    return name, number


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a seed must be 0 or more")
    return value


def _version() -> str:
    try:
        return metadata.version("diplosim")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``diplosim`` and its commands."""
    parser = _Parser(prog="diplosim", description="Game-theory simulator of diplomatic negotiation.")
    parser.add_argument("--version", action="version", version=f"diplosim {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for add in (_add_run, _add_validate, _add_solve, _add_export, _add_sweep, _add_analyze, _add_plot, _add_schema):
        command = add(commands)
        command.add_argument("--version", action="version", version=f"diplosim {_version()}")
    return parser


def _add_run(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    run = commands.add_parser(
        "run", help="play a scenario round by round", description="Play a scenario and tell its story."
    )
    run.add_argument("file", help="scenario YAML file")
    run.add_argument("--rounds", type=_positive, help="round limit (default: the scenario's rounds)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    _add_set(run)
    run.add_argument("--out", help="folder for the tables (CSV, Parquet) and summary.json")
    _add_solver(run)
    run.add_argument("--quiet", action="store_true", help="print only how the run ended")
    run.add_argument("--plots", action="store_true", help="also write the run's figures (PNG) into --out")
    run.add_argument("--force", action="store_true", help="write into a non-empty --out that holds other files")
    run.set_defaults(handler=_run)
    return run


def _add_validate(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    validate = commands.add_parser(
        "validate", help="check scenario files", description="Check scenario files without running them."
    )
    validate.add_argument("files", nargs="+", help="scenario YAML files")
    validate.set_defaults(handler=_validate)
    return validate


def _add_solve(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    solve = commands.add_parser(
        "solve",
        help="show each stage game and all its equilibria",
        description="Show each stage game at the initial state: the payoff matrix with best responses "
        "marked, and all equilibria.",
    )
    solve.add_argument("file", help="scenario YAML file, or a Gambit strategic-form game (.nfg)")
    solve.add_argument("--game", action="append", help="only this game (repeatable)")
    _add_set(solve)
    solve.add_argument("--json", action="store_true", help="print JSON for machines")
    _add_solver(solve)
    solve.set_defaults(handler=_solve)
    return solve


def _add_export(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    export = commands.add_parser(
        "export",
        help="write a stage game as a Gambit .nfg file",
        description="Write a stage game, at the start or as played in a round of a seeded run, "
        "as a Gambit strategic-form file (payoff version) that pygambit and the Gambit GUI read.",
    )
    export.add_argument("file", help="scenario YAML file")
    export.add_argument("--game", required=True, help="the stage game to export")
    _add_set(export)
    export.add_argument(
        "--round", type=_positive, help="the game as played in this round of a run (default: the start)"
    )
    export.add_argument("--seed", type=_seed, help="seed of that run (default: the scenario's seed)")
    export.add_argument("--format", choices=["nfg"], default="nfg", help="file format (nfg)")
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(handler=_export)
    return export


def _add_sweep(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    sweep = commands.add_parser(
        "sweep",
        help="run a scenario over a grid or sample of parameter values",
        description="Run many seeded runs of a scenario: a grid, Latin-hypercube or Sobol design of parameter "
        "values, with replications, on all cores or a Dask cluster; resumable Parquet output.",
    )
    sweep.add_argument("file", help="scenario YAML file (its sweep: block gives defaults)")
    sweep.add_argument(
        "--param",
        action="append",
        metavar="NAME=SPEC",
        help="NAME=LO:HI:N (evenly spaced), NAME=LO:HI (sampled designs) or NAME=a,b,c; NAME is a parameter, "
        "an initial Actor.variable, select or game.select (repeatable)",
    )
    sweep.add_argument("--design", choices=["grid", "lhs", "sobol"], help="experimental design (default grid)")
    sweep.add_argument("--samples", type=_positive, help="points of an lhs or sobol design")
    sweep.add_argument("--reps", type=_positive, help="replications per point (default 1)")
    sweep.add_argument("--rounds", type=_positive, help="round limit of every run")
    sweep.add_argument("--seed", type=_seed, help="root seed (default 0)")
    sweep.add_argument("--spec", help="a YAML file with a sweep block (params, design, samples, reps, rounds, seed)")
    _add_solver(sweep)
    place = sweep.add_mutually_exclusive_group()
    place.add_argument(
        "--workers",
        type=_positive,
        help="local processes (default: all cores; never more than the cores, unless --oversubscribe, nor than the "
        "chunks to run; 1: serial)",
    )
    place.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://host:8786")
    place.add_argument("--dask-local", type=_positive, metavar="N", help="start a Dask LocalCluster of N workers")
    sweep.add_argument(
        "--oversubscribe",
        action="store_true",
        help="start as many --workers (or --dask-local workers) as asked, even more than the cores",
    )
    sweep.add_argument("--out", help="folder for the Parquet table (resumable); without it, CSV on stdout")
    sweep.add_argument(
        "--force", action="store_true", help="replace a different or damaged sweep in --out (never a running one)"
    )
    sweep.add_argument("--keep-rounds", action="store_true", help="also keep every run's round table")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    sweep.set_defaults(handler=_sweep)
    return sweep


def _add_analyze(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    analyze = commands.add_parser(
        "analyze",
        help="Sobol sensitivity indices of a sweep's output",
        description="First-order and total Sobol indices, with confidence intervals, of one output column of a "
        "sweep run with --design sobol.",
    )
    analyze.add_argument("folder", help="the sweep's --out folder")
    analyze.add_argument("--output", required=True, help="the output column, e.g. 'share:buffer_zone=(W,W)'")
    analyze.set_defaults(handler=_analyze)
    return analyze


def _add_plot(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    plot = commands.add_parser(
        "plot",
        help="draw the figures of a saved run or sweep folder",
        description="Write PNG figures into a run's --out folder (equilibria per game, state) or a sweep's "
        "(a phase diagram over two parameters, or an output against one).",
    )
    plot.add_argument("folder", help="a run's or a sweep's --out folder")
    plot.add_argument("--x", help="sweep: the parameter on the x axis (default: the first swept)")
    plot.add_argument("--y", help="sweep: the parameter on the y axis (default: the second swept)")
    plot.add_argument("--metric", help="sweep: the output column (default: the first metric)")
    plot.set_defaults(handler=_plot)
    return plot


def _plot(args: argparse.Namespace) -> int:
    from sim.figures import plot_folder

    for path in plot_folder(args.folder, x=args.x, y=args.y, metric=args.metric):
        print(f"wrote {path}")
    return 0


def _add_schema(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the scenario format",
        description="Print the JSON Schema of scenario files, for editors (a copy is docs/scenario.schema.json).",
    )
    schema.set_defaults(handler=_schema)
    return schema


def _schema(args: argparse.Namespace) -> int:
    from sim.spec import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0


def _add_solver(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--solver",
        help="solve every game of two or more players with this solver, e.g. nashpy (default: the scenario's)",
    )


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        type=_assignment,
        default=[],
        metavar="NAME=VALUE",
        help="change a parameter or an initial Actor.variable (repeatable)",
    )


def _console() -> object:
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _run(args: argparse.Namespace) -> int:
    if args.plots and args.out is None:
        raise UsageError("--plots writes into the --out folder: give --out DIR")
    from sim.report import print_story
    from sim.results import check_output_folder, run
    from sim.scenario import load_scenario

    scenario = load_scenario(args.file)
    if args.out is not None:  # before running: a refused folder costs nothing and stays untouched
        check_output_folder(Path(args.out), scenario, force=args.force)
    result = run(scenario, rounds=args.rounds, seed=args.seed, set=_changes(args))
    console = _console()
    if args.quiet:
        print(f"{result.scenario.name}: {result.rounds_played} rounds, stop reason {result.stop_reason}")
    else:
        print_story(result, console)  # type: ignore[arg-type]
    if args.out is not None:
        written = result.save(args.out, force=True)
        if args.plots:
            written += result.save_figures(args.out)
        print(f"wrote {len(written)} files to {args.out}")
    return 0


def _changes(args: argparse.Namespace) -> dict[str, float | str]:
    """``--set`` values, and ``--solver`` as the override ``solver``."""
    changes: dict[str, float | str] = dict(args.set)
    if getattr(args, "solver", None):
        changes["solver"] = args.solver
    return changes


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    failures = 0
    for file in args.files:
        try:
            scenario = load_scenario(file)
        except UserError as exc:
            print(f"diplosim: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        print(
            f"ok: {file}: {scenario.name!r}, {_count(len(scenario.actors), 'actor')}, "
            f"{_count(len(scenario.games), 'game')}, "
            f"{len(scenario.rules)} dynamics rules"
        )
    return 2 if failures else 0


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _solve(args: argparse.Namespace) -> int:
    from sim.report import print_solved, solved_json

    if Path(args.file).suffix.lower() == ".nfg":
        results, title = _solve_nfg(args)
    else:
        results, title = _solve_scenario(args)
    if args.json:
        print(json.dumps({"scenario": title, **solved_json(results)}, indent=2))
    else:
        print_solved(results, _console())  # type: ignore[arg-type]
    return 0


def _solve_scenario(args: argparse.Namespace) -> tuple[list[SolveResult], str]:
    from sim.scenario import load_scenario
    from sim.stage_games import solve_stage_games

    scenario = load_scenario(args.file)
    if args.set or args.solver:
        scenario = scenario.with_overrides(_changes(args))
    return solve_stage_games(scenario, args.game), scenario.name


def _solve_nfg(args: argparse.Namespace) -> tuple[list[SolveResult], str]:
    from sim.nfg import read_nfg
    from sim.solvers import solve

    if args.set or args.game:
        raise UsageError("--set and --game apply to scenario files, not to .nfg games")
    game = read_nfg(args.file)
    return [solve(game, args.solver or "auto")], game.name


def _export(args: argparse.Namespace) -> int:
    from sim.nfg import write_nfg
    from sim.scenario import load_scenario
    from sim.stage_games import stage_game

    if args.output is not None and Path(args.output).is_dir():
        raise UsageError(f"--output {args.output}: is a folder; name a file")
    scenario = load_scenario(args.file)
    if args.set:
        scenario = scenario.with_overrides(dict(args.set))
    text = write_nfg(stage_game(scenario, args.game, round_number=args.round, seed=args.seed))
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(args.output), text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


class _Stopped(KeyboardInterrupt):
    """A signal that stops a sweep as Ctrl-C does (SIGTERM)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While a sweep runs, SIGTERM stops it as Ctrl-C does: workers terminated, the
    folder unlocked, the finished parts kept (instead of dying with the work in the air)."""

    def stop(number: int, frame: object) -> None:
        raise _Stopped(number)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _sweep(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario
    from sim.sweeps import BlockSource, read_sweep_file, run_sweep, spec_from

    scenario = load_scenario(args.file)
    if args.solver:
        scenario = scenario.with_overrides({"solver": args.solver})
    block, source = read_sweep_file(args.spec) if args.spec else (scenario.spec.sweep, BlockSource.of(scenario))
    spec = spec_from(
        block,
        args.param,
        design=args.design,
        samples=args.samples,
        reps=args.reps,
        rounds=args.rounds,
        seed=args.seed,
        keep_rounds=args.keep_rounds,
        source=source,
    )
    try:
        with _terminate_as_interrupt():
            outcome = run_sweep(
                scenario,
                spec,
                workers=args.workers,
                scheduler=args.scheduler,
                dask_local=args.dask_local,
                out=args.out,
                force=args.force,
                progress=not args.quiet,
                oversubscribe=args.oversubscribe,
                notify=lambda line: print(f"diplosim: {line}", file=sys.stderr),
            )
    except KeyboardInterrupt as stop:
        number = stop.number if isinstance(stop, _Stopped) else signal.SIGINT
        saved = (
            f"the finished runs are saved in {args.out}; run the same command again to resume"
            if args.out
            else ("nothing was saved (no --out)")
        )
        how = "interrupted" if number == signal.SIGINT else f"stopped by {signal.Signals(number).name}"
        print(f"diplosim: {how}: {saved}", file=sys.stderr)
        _exit_now(128 + int(number))
    if args.out is None:
        outcome.table.to_csv(sys.stdout, index=False, lineterminator="\n")
    if not args.quiet:
        _print_sweep_summary(outcome, args.out)
    if outcome.failures:
        print(
            f"diplosim: {outcome.failures} of {outcome.runs} runs failed (their message is in the column 'error'; "
            f"the first: {outcome.first_failure})",
            file=sys.stderr,
        )
        return SWEEP_FAILED
    return 0


def _exit_now(code: int) -> NoReturn:
    """End the process at once with ``code``: the sweep is stopped, its workers ended,
    its folder unlocked and its streams flushed, and tearing down an interpreter full
    of cached games took over a second after Ctrl-C."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _print_sweep_summary(outcome: SweepOutcome, out: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="sweep", title_justify="left")
    for name in ("points", "runs", "run now", "failures", "wall time", "runs/s", "executor"):
        table.add_column(name, justify="right")
    table.add_row(
        str(outcome.points),
        str(outcome.runs),
        str(outcome.ran),
        str(outcome.failures),
        f"{outcome.seconds:.1f} s",
        f"{outcome.rate:.1f}",
        outcome.executor,
    )
    console = Console(stderr=True, highlight=False)
    console.print(table)
    if outcome.rejected:
        names = ", ".join(f"{r.name} ({r.reason})" for r in outcome.rejected)
        console.print(f"set aside in _rejected/ and run again: {names}")
    if out is not None:
        console.print(f"table: pandas.read_parquet({out!r}) or diplosim analyze {out} --output NAME")


def _analyze(args: argparse.Namespace) -> int:
    from sim.analysis import format_indices, sobol_indices
    from sim.sweeps import load_sweep

    table = load_sweep(args.folder)
    print(format_indices(sobol_indices(table, args.output)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``diplosim`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UserError as exc:
        print(f"diplosim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("diplosim: interrupted", file=sys.stderr)
        return 130
    except (DiplosimError, Exception) as exc:
        if os.environ.get("DIPLOSIM_DEBUG"):
            raise
        print(
            f"diplosim: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in diplosim; rerun with DIPLOSIM_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
