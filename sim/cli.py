"""The ``diplosim`` command: parse arguments, call the library, print.

Exit codes: 0 success, 2 bad input (one line on stderr naming file, line and field;
no traceback), 1 an internal error (a bug: please report it), 130 interrupted.
Heavy libraries (mesa, pandas, nashpy) are imported only by the commands that need
them, so ``--help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim.errors import DiplosimError, UsageError, UserError
from sim.files import write_text_atomic

if TYPE_CHECKING:
    from sim.equilibria import SolveResult

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _assignment(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--set {text!r}: write NAME=VALUE, e.g. --set K_EU=10")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--set {name}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"--set {name}: the value must be a finite number")
    return name.strip(), number


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

    run = commands.add_parser(
        "run", help="play a scenario round by round", description="Play a scenario and tell its story."
    )
    run.add_argument("file", help="scenario YAML file")
    run.add_argument("--rounds", type=_positive, help="round limit (default: the scenario's rounds)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's seed)")
    _add_set(run)
    run.add_argument("--out", help="folder for the tables (CSV, Parquet) and summary.json")
    run.add_argument("--quiet", action="store_true", help="print only how the run ended")
    run.set_defaults(handler=_run)

    validate = commands.add_parser(
        "validate", help="check scenario files", description="Check scenario files without running them."
    )
    validate.add_argument("files", nargs="+", help="scenario YAML files")
    validate.set_defaults(handler=_validate)

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
    solve.set_defaults(handler=_solve)
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

    for command in (run, validate, solve, export):
        command.add_argument("--version", action="version", version=f"diplosim {_version()}")
    return parser


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
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: exists and is not a folder")
    from sim.report import print_story
    from sim.results import run

    result = run(args.file, rounds=args.rounds, seed=args.seed, set=dict(args.set))
    console = _console()
    if args.quiet:
        print(f"{result.scenario.name}: {result.rounds_played} rounds, stop reason {result.stop_reason}")
    else:
        print_story(result, console)  # type: ignore[arg-type]
    if args.out is not None:
        written = result.save(args.out)
        print(f"wrote {len(written)} files to {args.out}")
    return 0


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
    if args.set:
        scenario = scenario.with_overrides(dict(args.set))
    return solve_stage_games(scenario, args.game), scenario.name


def _solve_nfg(args: argparse.Namespace) -> tuple[list[SolveResult], str]:
    from sim.nfg import read_nfg
    from sim.solvers import solve

    if args.set or args.game:
        raise UsageError("--set and --game apply to scenario files, not to .nfg games")
    game = read_nfg(args.file)
    return [solve(game)], game.name


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
