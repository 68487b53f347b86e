"""The ``diplosim`` command: parse arguments, call the library, print.

Exit codes: 0 success, 2 bad input (one line on stderr naming file, line and field;
no traceback), 1 an internal error (a bug: please report it), 3 a sweep that finished
but some of its runs failed, 130 interrupted (Ctrl-C), 141 standard output closed by its
reader (``| head``), 143 a sweep stopped by SIGTERM. Everything the user wrote is printed
through :mod:`sim.terminal` (control characters visible, never markup).
Heavy libraries (mesa, pandas, nashpy) are imported only by the commands that need
them, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from sim.errors import DiplosimError, SolverChoiceError, UsageError, UserError, unknown
from sim.files import check_output_file, check_output_folder, write_text_atomic
from sim.terminal import shown, visible

if TYPE_CHECKING:
    from sim.game.equilibrium import SolveResult
    from sim.scenario.load import Scenario
    from sim.scenario.semantics import GamePlan
    from sim.solvers.trees import TreeSolveResult
    from sim.sweeps.runner import SweepOutcome, SweepSpec

__all__ = ["SWEEP_FAILED", "main"]

#: Exit code of a sweep that finished but some of whose runs failed.
SWEEP_FAILED = 3


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        # the message quotes the user's arguments: control characters made visible, one line
        self.exit(2, f"{self.prog}: error: {visible(message)} (see {self.prog} --help)\n")


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


#: Longest quotation of a flag's value in an error message (the rest is cut, ``...``).
_QUOTE_LIMIT = 60


def _quote(text: str) -> str:
    return repr(text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "...")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_quote(text)} is not a whole number") from None


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _real(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_quote(text)} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{_quote(text)} is not a finite number")
    return value


def _field(model: str, name: str, where: str, number: Callable[[str], Any] = _whole) -> Callable[[str], Any]:
    """An argparse type for a flag that overrides the scenario field ``where``
    (``name`` of the :mod:`sim.scenario.spec` model ``model``): a whole number (or what
    ``number`` reads), checked by the very validation the field has in a file, so the
    flag obeys the file's limits."""

    def parse(text: str) -> Any:
        from pydantic import TypeAdapter, ValidationError

        from sim.scenario import spec

        field = getattr(spec, model).model_fields[name]
        value = number(text)
        checked: Any = Annotated[(field.annotation, *field.metadata)]  # the field's type with its constraints
        try:
            TypeAdapter(checked).validate_python(value, strict=True)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(_limit_message(exc.errors()[0], value, name, where)) from None
        return value

    parse.__name__ = where  # argparse names the type in some messages
    return parse


def _limit_message(error: Any, value: float, name: str, where: str) -> str:
    bounds = error.get("ctx", {})
    if error["type"] == "greater_than_equal":
        return f"must be at least {bounds['ge']}, not {value} (as the scenario field {where})"
    if error["type"] == "less_than_equal":
        from sim.scenario import spec

        constant = f"MAX_{name.upper()}"
        where_set = f": sim.scenario.spec.{constant}" if getattr(spec, constant, None) == bounds["le"] else ""
        return f"must be at most {bounds['le']}, not {value} (the limit of the scenario field {where}{where_set})"
    if error["type"] == "value_error":
        return str(bounds["error"])
    return f"{value}: {error['msg']}"


def _solver_name(text: str) -> str:
    from sim.solvers.registry import SOLVERS

    if text != "auto" and text not in SOLVERS:
        raise argparse.ArgumentTypeError(unknown("solver", text, ["auto", *SOLVERS]))
    return text


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
    for add in (
        _add_run,
        _add_validate,
        _add_solve,
        _add_export,
        _add_sweep,
        _add_analyze,
        _add_discover,
        _add_plot,
        _add_app,
        _add_schema,
    ):
        command = add(commands)
        command.add_argument("--version", action="version", version=f"diplosim {_version()}")
    return parser


def _add_run(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    run = commands.add_parser(
        "run", help="play a scenario round by round", description="Play a scenario and tell its story."
    )
    run.add_argument("file", help="scenario YAML file, or a Gambit game tree (.efg) played as a one-game scenario")
    run.add_argument(
        "--rounds", type=_field("ScenarioSpec", "rounds", "rounds"), help="round limit (default: the scenario's rounds)"
    )
    run.add_argument(
        "--seed", type=_field("ScenarioSpec", "seed", "seed"), help="random seed (default: the scenario's seed)"
    )
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
    validate.add_argument("files", nargs="+", help="scenario YAML files, or Gambit game files (.efg, .nfg)")
    validate.set_defaults(handler=_validate)
    return validate


def _add_solve(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    solve = commands.add_parser(
        "solve",
        help="show each stage game and all its equilibria",
        description="Show each stage game at the initial state: the payoff matrix with best responses "
        "marked, and all equilibria (a tree game: the tree, backward induction and every equilibrium, flagged).",
    )
    solve.add_argument(
        "file", help="scenario YAML file, a Gambit strategic-form game (.nfg) or a Gambit game tree (.efg)"
    )
    solve.add_argument("--game", action="append", help="only this game (repeatable)")
    _add_set(solve)
    solve.add_argument("--json", action="store_true", help="print JSON for machines")
    _add_solver(solve)
    solve.set_defaults(handler=_solve)
    return solve


def _add_export(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    export = commands.add_parser(
        "export",
        help="write a stage game as a Gambit .nfg (or, for a tree game, .efg) file",
        description="Write a stage game, at the start or as played in a round of a seeded run, "
        "as a Gambit strategic-form file (payoff version) that pygambit and the Gambit GUI read; "
        "a tree game, at the start, as a Gambit game tree (.efg).",
    )
    export.add_argument("file", help="scenario YAML file")
    export.add_argument("--game", required=True, help="the stage game to export")
    _add_set(export)
    export.add_argument(
        "--round",
        type=_field("ScenarioSpec", "rounds", "rounds"),
        help="the game as played in this round of a run, at most the scenario's rounds (default: the start)",
    )
    export.add_argument(
        "--seed", type=_field("ScenarioSpec", "seed", "seed"), help="seed of that run (default: the scenario's seed)"
    )
    export.add_argument(
        "--format",
        choices=["nfg", "efg"],
        help="file format: nfg for games in normal form, efg for tree games (default: the game's)",
    )
    export.add_argument("--output", "-o", help="file to write (default: standard output)")
    export.set_defaults(handler=_export)
    return export


def _add_sweep(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    sweep = commands.add_parser(
        "sweep",
        help="run a scenario over a grid or sample of parameter values",
        description="Run many seeded runs of a scenario: a grid, Latin-hypercube or Sobol design of parameter "
        "values, with replications, on all cores or a Dask cluster; resumable Parquet output. A value not given "
        "as a flag comes from the scenario's sweep: block (or --spec's) when the block has it, else from the "
        "default below; a flag given wins. The summary names the values that came from the block.",
    )
    sweep.add_argument("file", help="scenario YAML file (its sweep: block gives defaults)")
    sweep.add_argument(
        "--param",
        action="append",
        metavar="NAME=SPEC",
        help="NAME=LO:HI:N (evenly spaced), NAME=LO:HI (sampled designs) or NAME=a,b,c; NAME is a parameter, "
        "an initial Actor.variable, select or game.select (repeatable; default: the sweep: block's params)",
    )
    sweep.add_argument(
        "--design",
        choices=["grid", "lhs", "sobol"],
        help="experimental design (default: the sweep: block's, else grid)",
    )
    sweep.add_argument(
        "--samples",
        type=_field("SweepSpecBlock", "samples", "sweep.samples"),
        help="points of an lhs or sobol design (default: the sweep: block's; needed by those designs)",
    )
    sweep.add_argument(
        "--reps",
        type=_field("SweepSpecBlock", "reps", "sweep.reps"),
        help="replications per point (default: the sweep: block's, else 1)",
    )
    sweep.add_argument(
        "--rounds",
        type=_field("SweepSpecBlock", "rounds", "sweep.rounds"),
        help="round limit of every run (default: the sweep: block's, else the scenario's rounds)",
    )
    sweep.add_argument(
        "--seed",
        type=_field("SweepSpecBlock", "seed", "sweep.seed"),
        help="root seed (default: the sweep: block's, else 0)",
    )
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


def _add_discover(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    discover = commands.add_parser(
        "discover",
        help="find the boxes of swept parameters where an outcome happens (PRIM)",
        description="Scenario discovery: the boxes of swept parameter values where a sweep's output meets a "
        "threshold, found with PRIM (Friedman & Fisher 1999), with each box's coverage (share of the cases inside) "
        "and density (share of its runs that are cases); the figure goes to FOLDER/_figures/.",
    )
    discover.add_argument("folder", help="the sweep's --out folder")
    discover.add_argument("--output", required=True, help="the output column, e.g. metric:war or agreed:buffer_zone")
    discover.add_argument(
        "--threshold",
        help="when a run is a case: '>=0.5', '<0.2', '==1' (a bare number means >=); optional for a true/false output",
    )
    # The defaults are sim.sweeps.discovery's (not imported here: the parser stays quick to build).
    discover.add_argument("--alpha", type=_real, help="share of a box's runs one peel cuts (default 0.05)")
    discover.add_argument("--min-mass", type=_real, help="smallest box as a share of the runs (default 0.05)")
    discover.add_argument(
        "--min-coverage",
        type=_real,
        help="report a box with at least this coverage (default 0: the best balance of coverage and density)",
    )
    discover.add_argument("--paste", action="store_true", help="widen the box afterwards while its density rises")
    discover.add_argument(
        "--boxes", type=_positive, default=1, help="find up to this many boxes, each on the runs the others leave"
    )
    discover.add_argument("--no-figure", action="store_true", help="print the boxes only")
    discover.set_defaults(handler=_discover)
    return discover


def _discover(args: argparse.Namespace) -> int:
    from sim.sweeps.discovery import discover, format_discovery
    from sim.sweeps.runner import load_sweep

    table = load_sweep(args.folder)
    given = {"alpha": args.alpha, "min_mass": args.min_mass, "min_coverage": args.min_coverage}
    settings = {name: value for name, value in given.items() if value is not None}
    found = discover(table, args.output, args.threshold, paste=args.paste, boxes=args.boxes, **settings)
    print("\n".join(visible(line) for line in format_discovery(found).splitlines()))
    if not args.no_figure:
        from sim.viz.discovery_plots import save_discovery_figure

        print(visible(f"wrote {save_discovery_figure(found, args.folder)}"))
    return 0


def _add_plot(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    plot = commands.add_parser(
        "plot",
        help="draw the figures of a saved run or sweep folder",
        description="Write PNG figures into a run's --out folder (equilibria per game, state) or into a sweep's "
        "DIR/_figures/ (a phase diagram over two parameters: a heatmap of a grid, a scatter plot of an lhs or "
        "sobol design; or an output against one); DIR stays a Parquet dataset.",
    )
    plot.add_argument("folder", help="a run's or a sweep's --out folder")
    plot.add_argument("--x", help="sweep: the parameter on the x axis (default: the first swept)")
    plot.add_argument("--y", help="sweep: the parameter on the y axis (default: the second swept)")
    plot.add_argument("--metric", help="sweep: the output column (default: the first metric)")
    plot.set_defaults(handler=_plot)
    return plot


def _plot(args: argparse.Namespace) -> int:
    from sim.viz.figures import plot_folder

    for path in plot_folder(args.folder, x=args.x, y=args.y, metric=args.metric):
        print(visible(f"wrote {path}"))
    return 0


def _add_app(commands: argparse._SubParsersAction[_Parser]) -> argparse.ArgumentParser:
    app = commands.add_parser(
        "app",
        help="open a scenario in a local web page (sliders, matrices, equilibria)",
        description="Start a web page on this machine where a scenario is picked from a folder or uploaded, its "
        "parameters and starting state are moved with sliders, and its rounds are stepped, showing each game's "
        "matrix with best responses marked (or its tree, or its bargaining picture), every equilibrium in exact "
        "fractions, the one chosen, and the state over time. Needs the optional extra: pip install "
        "'diplosim[app]'. Listens on 127.0.0.1 (this machine only) unless --host says otherwise.",
    )
    app.add_argument("scenario", nargs="?", help="a scenario file to open first")
    app.add_argument("--folder", default="scenarios", help="the folder whose scenarios the page offers (%(default)s)")
    app.add_argument("--host", default="127.0.0.1", help="the address to listen on (%(default)s: this machine only)")
    app.add_argument("--port", type=int, default=8765, help="the port (%(default)s; 0 picks a free one)")
    app.set_defaults(handler=_app)
    return app


def _app(args: argparse.Namespace) -> int:
    from sim.app.server import serve

    serve(args.scenario, folder=args.folder, host=args.host, port=args.port)
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
    from sim.scenario.spec import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return 0


def _add_solver(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--solver",
        type=_solver_name,
        help="solve every game of two or more players with this solver, e.g. nashpy (default: the scenario's)",
    )
    parser.add_argument(
        "--time-limit",
        type=_field("EquilibriumSpec", "time_limit", "equilibrium.time_limit", _real),
        metavar="SECONDS",
        help="seconds one game's solve may take where it can run long (large games, Gambit's slow methods); "
        "default: the scenario's, else 20",
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

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich would exit the process with code 1: main() decides
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "standard output was closed by its reader")

    # user text reaches rich only as Text (sim.terminal.shown): no markup, no emoji codes, no highlighting
    return _Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 120)


def _run(args: argparse.Namespace) -> int:
    """Play a scenario, printing its story round by round as it is played; a run that bad
    input stops mid-way prints the rounds played, saves their tables with ``--out``
    (``stop_reason: error`` in ``summary.json``), then fails with the error's one line."""
    if args.plots and args.out is None:
        raise UsageError("--plots writes into the --out folder: give --out DIR")
    from sim.api import RunResult, run
    from sim.model.results import check_output_folder
    from sim.viz.report import StoryPrinter

    scenario = _playable(args.file)
    if args.out is not None:  # before running: a refused folder costs nothing and stays untouched
        check_output_folder(args.out, scenario, force=args.force)
    printer = None if args.quiet else StoryPrinter(_console())  # type: ignore[arg-type]
    try:
        result = run(scenario, rounds=args.rounds, seed=args.seed, overrides=_changes(args), on_round=printer)
    except UserError as exc:
        if not isinstance(exc.partial, RunResult):
            raise
        _finish_run(args, printer, exc.partial, figures=False)  # the rounds before the error, then its line
        raise
    _finish_run(args, printer, result, figures=args.plots)
    return 0


def _finish_run(args: argparse.Namespace, printer: Any, result: Any, *, figures: bool) -> None:
    """The end of a run's story (or the quiet line), and its files with ``--out``."""
    if printer is None:
        print(visible(f"{result.scenario.name}: {result.rounds_played} rounds, stop reason {result.stop_reason}"))
    else:
        printer.end(result)
    if args.out is not None:
        written = result.save(args.out, force=True, figures=figures)  # all files, or none
        what = "" if result.error is None else f" (the {result.rounds_played} rounds before the error)"
        print(visible(f"wrote {len(written)} files to {args.out}{what}"))
    sys.stdout.flush()


def _changes(args: argparse.Namespace) -> dict[str, float | str]:
    """``--set`` values, and ``--solver`` and ``--time-limit`` as the overrides ``solver``
    and ``time_limit``."""
    changes: dict[str, float | str] = dict(getattr(args, "set", None) or [])
    if getattr(args, "solver", None):
        changes["solver"] = args.solver
    if getattr(args, "time_limit", None) is not None:
        changes["time_limit"] = args.time_limit
    return changes


def _playable(file: str) -> Scenario:
    """The scenario in ``file``; a Gambit ``.efg`` tree as a one-game scenario. A ``.nfg``
    game is refused: it has no state to play rounds over (solve it instead)."""
    suffix = Path(file).suffix.lower()
    if suffix == ".efg":
        from sim.scenario.from_gambit import scenario_from_efg

        return scenario_from_efg(file)
    if suffix == ".nfg":
        from sim.game.nfg import read_nfg

        read_nfg(file)  # a broken file says so first
        raise UsageError(
            f"{file}: a .nfg file is one game in normal form, not a scenario: solve it with diplosim solve, "
            "or write a scenario with the game to play it round by round"
        )
    from sim.scenario.load import load_scenario

    return load_scenario(file)


def _validate(args: argparse.Namespace) -> int:
    failures = 0
    for file in args.files:
        try:
            if Path(file).suffix.lower() == ".nfg":
                _validate_nfg(file)
                continue
            scenario = _playable(file)
        except UserError as exc:
            _error(exc)
            failures += 1
            continue
        print(
            visible(
                f"ok: {file}: {scenario.name!r}, {_count(len(scenario.actors), 'actor')}, "
                f"{_count(len(scenario.games) + len(scenario.trees) + len(scenario.bargainings), 'game')}"
                f"{f' ({len(scenario.trees)} as trees)' if scenario.trees else ''}"
                f"{f' ({len(scenario.bargainings)} bargaining)' if scenario.bargainings else ''}, "
                f"{len(scenario.rules)} dynamics rules"
            )
        )
    return 2 if failures else 0


def _validate_nfg(file: str) -> None:
    from sim.game.nfg import read_nfg

    game = read_nfg(file)
    shape = "x".join(str(n) for n in game.shape)
    print(visible(f"ok: {file}: {game.name!r}, a {shape} game of {_count(game.n_players, 'player')}"))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _solve(args: argparse.Namespace) -> int:
    from sim.viz.report import print_solved, solved_json

    if Path(args.file).suffix.lower() == ".efg":
        return _solve_efg(args)
    plans: dict[str, GamePlan] = {}
    if Path(args.file).suffix.lower() == ".nfg":
        results, title = _solve_nfg(args)
    else:
        scenario = _scenario_to_solve(args)
        if scenario.trees or scenario.bargainings:
            return _solve_with_trees(args, scenario)
        results, title = _solve_scenario(args, scenario)
        plans = {plan.name: plan for plan in scenario.games}
    if args.json:
        print(json.dumps({"scenario": title, **solved_json(results, plans)}, indent=2))
    else:
        print_solved(results, _console(), plans)  # type: ignore[arg-type]
    return 0


def _scenario_to_solve(args: argparse.Namespace) -> Scenario:
    from sim.scenario.load import load_scenario

    scenario = load_scenario(args.file)
    if changes := _changes(args):
        scenario = scenario.with_overrides(changes)
    return scenario


def _solve_scenario(args: argparse.Namespace, scenario: Scenario) -> tuple[list[SolveResult], str]:
    from sim.model.stage_games import solve_stage_games

    return solve_stage_games(scenario, args.game), scenario.name


def _solve_with_trees(args: argparse.Namespace, scenario: Scenario) -> int:
    """A scenario with tree or bargaining games: every game in file order (or ``--game``
    order), trees shown as for ``.efg`` files, bargaining games with their solutions,
    games in normal form as without trees."""
    from sim.model.stage_games import solve_bargaining_games, solve_stage_games, solve_tree_games
    from sim.viz.bargaining_report import bargaining_json, bargaining_lines
    from sim.viz.report import print_solved, solved_json
    from sim.viz.tree_report import tree_json, tree_lines

    names = list(args.game) if args.game else list(scenario.spec.games)
    console = _console()
    games: list[dict[str, Any]] = []
    for name in names:
        if scenario.is_bargaining(name):
            [solved] = solve_bargaining_games(scenario, [name])
            if args.json:
                games.append(bargaining_json(solved))
                continue
            for line in bargaining_lines(solved):
                console.print(shown(line))  # type: ignore[attr-defined]
            console.print()  # type: ignore[attr-defined]
        elif scenario.is_tree(name):
            [tree] = solve_tree_games(scenario, [name])
            if args.json:
                games.append(tree_json(tree))
                continue
            for line in [*tree_lines(tree), *_scenario_posteriors(scenario, name, tree)]:
                console.print(shown(line))  # type: ignore[attr-defined]
            console.print()  # type: ignore[attr-defined]
        else:
            results = solve_stage_games(scenario, [name])
            plans = {plan.name: plan for plan in scenario.games}
            if args.json:
                games.extend(solved_json(results, plans)["games"])
            else:
                print_solved(results, console, plans)  # type: ignore[arg-type]
    if args.json:
        print(json.dumps({"scenario": scenario.name, "games": games}, indent=2))
    return 0


def _scenario_posteriors(scenario: Scenario, name: str, result: TreeSolveResult) -> list[str]:
    """The posterior after each observation, for every type draw of a scenario's tree."""
    from sim.viz.tree_report import posterior_lines

    game = result.game
    template = scenario.tree(name).template
    index_of = {node.path: k for k, node in game.walk()}
    lines: list[str] = []
    for draw in template.type_draws:
        # who learns: the holders of its beliefs, else every other player; each sees the
        # moves its information sets tell apart and that are not hidden
        holders = [target.partition(".")[0] for _, target in draw.beliefs]
        observers = [p for p in dict.fromkeys(holders) if p in game.players] or [
            p for p in game.players if p != draw.player
        ]
        for observer in observers:
            hidden = template.unseen_by(game, observer)
            lines += ["", *posterior_lines(result, index_of[draw.path], hidden.__contains__, observer)]
    return lines


def _efg_posteriors(result: TreeSolveResult) -> list[str]:
    """Gambit files mark no type draws: a chance move at the root is read as one
    (Harsanyi), and the posterior of each player who cannot see it is shown, from the
    moves its information sets tell apart."""
    from sim.solvers.beliefs import unobserved
    from sim.viz.tree_report import posterior_lines

    lines: list[str] = []
    for player, name in enumerate(result.game.players):
        blind = unobserved(result.game, player)
        if 0 in blind:  # a player who sees the draw knows the type: nothing to learn
            lines += ["", *posterior_lines(result, 0, blind.__contains__, name)]
    return lines


def _solve_efg(args: argparse.Namespace) -> int:
    """A Gambit game tree: every equilibrium found, flagged, with the teaching view."""
    from sim.game.efg import read_efg
    from sim.solvers.trees import solve_tree
    from sim.viz.tree_report import tree_json, tree_lines

    if args.set or args.game or args.solver:
        raise UsageError("--set, --game and --solver apply to scenario files and .nfg games, not to .efg trees")
    game = read_efg(args.file)
    result = solve_tree(game, everything=True, time_limit=args.time_limit)
    if args.json:
        print(json.dumps({"scenario": game.name, "games": [tree_json(result)]}, indent=2))
    else:
        console = _console()
        extra = _efg_posteriors(result) if game.nodes[0].kind == "chance" else []
        for line in [*tree_lines(result), *extra]:
            console.print(shown(line))  # type: ignore[attr-defined]
    return 0


def _solve_nfg(args: argparse.Namespace) -> tuple[list[SolveResult], str]:
    from sim.game.nfg import read_nfg
    from sim.solvers.registry import solve

    if args.set or args.game:
        raise UsageError("--set and --game apply to scenario files, not to .nfg games")
    game = read_nfg(args.file)
    try:
        return [solve(game, args.solver or "auto", time_limit=args.time_limit)], game.name
    except SolverChoiceError as exc:
        raise UsageError(f"--solver {args.solver}: {exc} in {args.file}") from None


def _export(args: argparse.Namespace) -> int:
    from sim.game.nfg import write_nfg
    from sim.model.stage_games import stage_game
    from sim.scenario.load import load_scenario

    if args.output is not None:  # before any work: a device, FIFO, folder or read-only place is refused
        check_output_file(args.output, "--output")
    scenario = load_scenario(args.file)
    if args.round is not None and args.round > scenario.rounds:
        raise UsageError(
            f"--round {args.round}: {args.file} has {scenario.rounds} rounds; "
            f"export a round from 1 to {scenario.rounds}"
        )
    if args.set:
        scenario = scenario.with_overrides(dict(args.set))
    text = _exported_tree(args, scenario) if scenario.is_tree(args.game) else None
    if text is None:
        if args.format == "efg":
            raise UsageError(f"--format efg: game {args.game} is in normal form; export it as nfg")
        text = write_nfg(stage_game(scenario, args.game, round_number=args.round, seed=args.seed))
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(Path(args.output), text, "--output")
        print(visible(f"wrote {args.output}"), file=sys.stderr)
    return 0


def _exported_tree(args: argparse.Namespace, scenario: Scenario) -> str:
    from sim.game.efg_write import write_efg
    from sim.model.stage_games import stage_tree

    if args.format == "nfg":
        raise UsageError(f"--format nfg: game {args.game} is a tree game; export it as efg")
    if args.round is not None:
        raise UsageError(f"--round: game {args.game} is a tree game, not played by run; export it at the start")
    return write_efg(stage_tree(scenario, args.game))


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
    from sim.scenario.load import load_scenario
    from sim.sweeps.runner import BlockSource, read_sweep_file, run_sweep, spec_from

    if args.out is not None:  # before any work: a file, device or read-only place is refused
        check_output_folder(args.out, "--out")
    scenario = load_scenario(args.file)
    if changes := {key: value for key, value in _changes(args).items() if key in ("solver", "time_limit")}:
        scenario = scenario.with_overrides(changes)
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
        print(visible(f"diplosim: {how}: {saved}"), file=sys.stderr)
        _exit_now(128 + int(number))
    if args.out is None:
        outcome.table.to_csv(sys.stdout, index=False, lineterminator="\n")
    if not args.quiet:
        _print_sweep_summary(outcome, args.out, spec)
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


def _print_sweep_summary(outcome: SweepOutcome, out: str | None, spec: SweepSpec) -> None:
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
    console = Console(stderr=True, highlight=False, emoji=False)
    console.print(table)
    if taken := spec.block_values():
        assert spec.source is not None
        values = "; ".join(f"{name} {_block_value(value)}" for name, value in taken.items())
        console.print(shown(f"from the sweep: block of {spec.source.file} (no flag given for them): {values}"))
    if outcome.rejected:
        names = ", ".join(f"{r.name} ({r.reason})" for r in outcome.rejected)
        console.print(f"set aside in _rejected/ and run again: {names}")
    if out is not None:
        console.print(shown(f"table: pandas.read_parquet({out!r}) or diplosim analyze {out} --output NAME"))


def _block_value(value: object) -> str:
    """A value of a ``sweep:`` block as the summary shows it (the swept names joined)."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _analyze(args: argparse.Namespace) -> int:
    from sim.sweeps.analysis import format_indices, sobol_indices
    from sim.sweeps.runner import load_sweep

    table = load_sweep(args.folder)
    print("\n".join(visible(line) for line in format_indices(sobol_indices(table, args.output)).splitlines()))
    return 0


#: Exit code when standard output is closed by its reader, as a shell reports SIGPIPE (128 + 13).
_BROKEN_PIPE = 141


def _silence_stdout() -> None:
    """Point standard output at the null device, so that Python's final flush of a
    closed pipe does not print another error."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (captured in a test): nothing to flush
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _error(exc: UserError) -> None:
    """The one line of a user's mistake (its text quotes the user: made visible)."""
    print(f"diplosim: error: {visible(str(exc))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``diplosim`` command; returns the exit code (it never calls ``sys.exit``,
    so tests and other programs can call it in-process).

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    diplosim ...
    0
    >>> main(["run", "--rounds", "0", "scenario.yaml"])  # the error line goes to standard error
    2
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad flag (its line already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.handler(args))
    except UserError as exc:
        _error(exc)
        return 2
    except KeyboardInterrupt:
        print("diplosim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (diplosim solve ... | head): not a bug
        _silence_stdout()
        return _BROKEN_PIPE
    except (DiplosimError, Exception) as exc:
        if os.environ.get("DIPLOSIM_DEBUG"):
            raise
        print(
            f"diplosim: internal error: {type(exc).__name__}: {visible(str(exc))}\n"
            "This is a bug in diplosim; rerun with DIPLOSIM_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
