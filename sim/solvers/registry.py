"""Named equilibrium solvers, each registered with what it can do.

A solver turns a :class:`~sim.game.normal_form.NormalFormGame` into candidate profiles; the
shared :func:`sim.solvers.finalize.finalize` then verifies, de-duplicates, makes exact and
sorts them, so every solver's output is held to the same standard. Scenarios and the
command line pick solvers by name from :data:`SOLVERS`.

``auto`` (the default) picks ``maximise`` for one player, ``vertex_enumeration`` for
two and ``gambit`` for three or more.

Registered
    ``vertex_enumeration``
        the enumeration of the vertices of the best-response polytopes (von Stengel
        2007, algorithm 3.5 of Nisan et al.) done in numpy (:mod:`sim.solvers.vertices`): every
        extreme equilibrium, also of degenerate games, and a degeneracy test from the
        vertices' labels.
    ``nashpy``
        the same algorithm with nashpy's own polytope functions (qhull): same answers,
        10 to 30 times slower on small games. Payoffs are first shifted to be at least
        1, because nashpy's own shift leaves a zero row that makes a polytope
        unbounded and the method return nothing.
    ``support_enumeration``
        nashpy's support enumeration: fast on 2x2, but measured to miss equilibria on
        3x3 and larger games (see ``docs/solvers.md``); not complete.
    ``lemke_howson``
        nashpy's Lemke-Howson from every initial label: some equilibria, not all.
    ``maximise``
        games of one player: every optimal pure strategy.
    ``gambit``
        three or more players: every pure equilibrium (Gambit's ``enumpure``, exact)
        and the mixed ones Gambit's ``enumpoly`` finds (it solves each support's
        polynomial system, but was measured to miss equilibria in 8 of 40 random 6x6
        games, so the list is never marked complete); if ``enumpoly`` runs past the time
        limit, the mixed ones ``gnm`` and ``logit`` find.
    ``gambit_enummixed``, ``gambit_lcp``, ``gambit_enumpure``, ``gambit_enumpoly``,
    ``gambit_gnm``, ``gambit_simpdiv``, ``gambit_logit``
        Gambit's methods one by one (see :mod:`sim.solvers.gambit`), for cross-checks and
        benchmarks.

Every solver sees the game's normalised copy (:mod:`sim.game.scaling`), so its answer does
not depend on the unit of the payoffs. Two-player enumerations of games with more than
:data:`sim.solvers.vertices.MAX_SYSTEMS` systems of tight constraints (larger than 8x8) run in
the worker process (:mod:`sim.solvers.worker`) under the solve's time limit; past it the solve
fails with :class:`~sim.errors.SolverLimitError`, which names the limit and how to
raise it. A complete solver that returns no equilibrium is an internal error (every
finite game has one).

nashpy is imported only when nashpy's methods run, pygambit only when a Gambit method
runs (it is the optional extra ``diplosim[gambit]``).
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import SolverChoiceError, SolverError, SolverLimitError
from sim.game.equilibrium import SolveResult, tolerance
from sim.game.normal_form import FloatArray, NormalFormGame
from sim.game.scaling import normalise
from sim.game.tolerances import SUPPORT_ENUMERATION
from sim.solvers.finalize import finalize
from sim.solvers.gambit import TIME_LIMIT
from sim.solvers.vertices import MAX_SYSTEMS, vertex_enumeration

__all__ = ["DEFAULT_SOLVER", "SOLVERS", "Solver", "solve"]

Candidates = list[tuple[FloatArray, ...]]


@dataclass(frozen=True)
class Found:
    """What a solver's search returned, before verification.

    Attributes
    ----------
    candidates : list of profiles
    notes : list of str
        Warnings seen.
    degenerate : bool or None
        The solver's own finding on degeneracy, when it can tell exactly (vertex
        enumeration sees every vertex's labels); ``None`` to use the generic test.
    complete : bool or None
        Whether this search found every equilibrium, when that depends on the run
        (a method that timed out); ``None`` for the solver's declared capability.
    """

    candidates: Candidates
    notes: list[str] = field(default_factory=list)
    degenerate: bool | None = None
    complete: bool | None = None


@dataclass(frozen=True)
class Solver:
    """A registered solver and its capabilities.

    Attributes
    ----------
    name : str
    find : callable
        ``find(game, time_limit) -> Found``; ``time_limit`` (seconds) bounds the
        methods that can run for long.
    players : tuple of int
        Fewest and most players it handles.
    complete : bool
        True if it returns every extreme equilibrium.
    exact : bool
        True if it computes in exact arithmetic (exactness is otherwise established
        afterwards, see :mod:`sim.solvers.finalize`).
    summary : str
    """

    name: str
    find: Callable[[NormalFormGame, float], Found]
    players: tuple[int, int]
    complete: bool
    exact: bool
    summary: str


#: The default: the best registered solver for the game's number of players.
DEFAULT_SOLVER = "auto"
_AUTO = {1: "maximise", 2: "vertex_enumeration"}
#: Every registered solver by name.
SOLVERS: dict[str, Solver] = {}


def register(solver: Solver) -> Solver:
    """Add ``solver`` to :data:`SOLVERS` (names are unique)."""
    if solver.name in SOLVERS:
        raise ValueError(f"a solver named {solver.name!r} is already registered")
    SOLVERS[solver.name] = solver
    return solver


def solve(
    game: NormalFormGame, solver: str = DEFAULT_SOLVER, *, time_limit: float | None = None, method: str | None = None
) -> SolveResult:
    """All equilibria of ``game`` that ``solver`` finds, verified and sorted.

    One-player games are always solved by ``maximise``.

    Parameters
    ----------
    game : NormalFormGame
    solver : str
        ``"auto"`` or a name in :data:`SOLVERS` (``method=`` is its old name).
    time_limit : float, optional
        Seconds the slow Gambit methods may run (:data:`sim.solvers.gambit.TIME_LIMIT` by
        default); the ``gambit`` solver skips ``enumpoly`` when it is 0.

    Raises
    ------
    SolverChoiceError
        Unknown method, or a method that cannot handle this many players (the
        caller's mistake, shown to a user as bad input).
    SolverError
        A method that failed.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> [eq.strategies[0].tolist() for eq in solve(g).equilibria]
    [[0.5, 0.5]]
    """
    if method is not None:
        warnings.warn("solve(method=...) is now solve(solver=...)", DeprecationWarning, stacklevel=2)
        solver = method
    name = solver
    if game.n_players == 1:
        name = "maximise"
    elif name == "auto":
        name = _AUTO.get(game.n_players, "gambit")
    chosen = SOLVERS.get(name)
    if chosen is None:
        raise SolverChoiceError(f"unknown solver {name!r} (known: auto, {', '.join(SOLVERS)})")
    low, high = chosen.players
    if not low <= game.n_players <= high:
        raise SolverChoiceError(f"solver {name!r} handles {low} to {high} players, not {game.n_players}")
    key = _cache_key(game, chosen.name)
    if key is not None and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result = _solve_now(game, chosen, time_limit)
    if chosen.complete and not result.equilibria:  # every finite game has an equilibrium
        raise SolverError(
            f"internal error: the complete solver {chosen.name} found no equilibrium of game {game.name} "
            f"(payoff scale {game.payoff_scale:.3g})"
        )
    if key is not None:
        _CACHE[key] = result
        if len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


#: Solved games remembered (least recently used dropped first).
CACHE_SIZE = 4096
_CACHE: OrderedDict[tuple[Any, ...], SolveResult] = OrderedDict()
#: Solvers whose answer depends on the payoffs alone (no time limit), so it can be reused.
_PURE = frozenset({"vertex_enumeration", "nashpy", "support_enumeration", "maximise", "gambit_enummixed"})


def clear_caches() -> None:
    """Forget every remembered solution (for benchmarks measuring cold runs; the games
    built from templates are remembered by :mod:`sim.scenario.template`)."""
    _CACHE.clear()


def _cache_key(game: NormalFormGame, method: str) -> tuple[Any, ...] | None:
    """Identical games (same names, labels, payoffs to the bit and exact payoffs) solve
    identically. Results are immutable (read-only arrays, frozen records), so one can be
    handed out many times."""
    if method not in _PURE:
        return None
    exact = None if game.exact_payoffs is None else tuple(game.exact_payoffs.flat)
    return (method, game.name, game.players, game.strategies, game.payoffs.tobytes(), exact)


def _solve_now(game: NormalFormGame, solver: Solver, time_limit: float | None) -> SolveResult:
    """Solve the normalised copy of ``game`` (see :mod:`sim.game.scaling`); ``finalize``
    reports the equilibria in ``game``'s units. Two-player games too large to enumerate
    quickly are solved in the worker process, under the time limit."""
    limit = TIME_LIMIT if time_limit is None else time_limit
    if solver.name in _ENUMERATIONS and game.n_players == 2 and _systems(game) > MAX_SYSTEMS:
        return _solve_in_worker(game, solver, limit)
    return solve_in_process((solver.name, game, limit))


def solve_in_process(request: tuple[str, NormalFormGame, float]) -> SolveResult:
    """Find and finalize in this process (in :mod:`sim.solvers.worker` for large games)."""
    name, game, limit = request
    solver = SOLVERS[name]
    found = solver.find(normalise(game).game, limit)
    return finalize(
        game,
        found.candidates,
        solver.name,
        complete=solver.complete if found.complete is None else found.complete,
        notes=found.notes,
        degenerate=found.degenerate,
    )


#: Two-player solvers that run in the calling process and whose time grows without bound
#: with the game (the number of systems, or of supports, is exponential in its size).
_ENUMERATIONS = frozenset({"vertex_enumeration", "nashpy", "support_enumeration"})


def _systems(game: NormalFormGame) -> int:
    """Systems of tight constraints per best-response polytope: C(m + n, m)."""
    m, n = game.shape
    return math.comb(m + n, m)


def _solve_in_worker(game: NormalFormGame, solver: Solver, limit: float) -> SolveResult:
    from sim.solvers import worker

    m, n = game.shape
    size = f"game {game.name} ({m}x{n}, {_systems(game):,} systems of tight constraints per polytope)"
    advice = (
        "raise the time limit (equilibrium: {time_limit: ...} in the scenario, or --time-limit) or choose a "
        "solver that finds some equilibria quickly (lemke_howson, gambit_lcp)"
    )
    if limit <= 0:
        raise SolverLimitError(f"{size} is too large to enumerate with a time limit of 0 s: {advice}")
    try:
        result: SolveResult = worker.call("sim.solvers.registry:solve_in_process", (solver.name, game, limit), limit)
    except worker.TimeLimitError:
        raise SolverLimitError(
            f"{size}: {solver.name} did not finish within the time limit of {limit:g} s; {advice}"
        ) from None
    except worker.WorkerError as exc:
        raise SolverError(f"{solver.name} failed on game {game.name}: {exc}") from None
    return result


def _maximise(game: NormalFormGame, time_limit: float) -> Found:
    values = game.payoffs[..., 0]
    best = np.flatnonzero(values >= np.max(values) - tolerance(game))
    return Found([(np.eye(1, game.shape[0], int(i))[0],) for i in best], degenerate=len(best) > 1)  # rows, not n x n


def _bimatrix(game: NormalFormGame) -> tuple[FloatArray, FloatArray]:
    """nashpy's ``A``, ``B`` of the normalised game, each shifted by one: entries in [1, 2)."""
    return game.payoffs[..., 0] + 1.0, game.payoffs[..., 1] + 1.0


def _vertex_enumeration(a: FloatArray, b: FloatArray) -> tuple[Candidates, bool]:
    """nashpy's vertex enumeration (``nashpy.algorithms.vertex_enumeration``), built
    from its own polytope functions so that each polytope's vertices are computed once
    (nashpy recomputes the column polytope for every row vertex) and their labels
    also tell whether the game is degenerate: a vertex of the row polytope with more
    than ``m`` labels, or of the column polytope with more than ``n`` (von Stengel 2007,
    theorem 3.3)."""
    from nashpy.polytope import build_halfspaces, non_trivial_vertices

    m, n = a.shape
    rows = list(non_trivial_vertices(build_halfspaces(b.transpose())))
    columns = list(non_trivial_vertices(build_halfspaces(a)))
    degenerate = any(len(labels) > m for _, labels in rows) or any(len(labels) > n for _, labels in columns)
    everything = set(range(m + n))
    found: Candidates = []
    for row_vertex, row_labels in rows:
        adjusted = {(label + m) % (m + n) for label in row_labels}
        for column_vertex, column_labels in columns:
            if adjusted | column_labels == everything:
                found.append((row_vertex / np.sum(row_vertex), column_vertex / np.sum(column_vertex)))
    return found, degenerate


def _lemke_howson(a: FloatArray, b: FloatArray, time_limit: float) -> Candidates:
    """nashpy's Lemke-Howson from every label, in the worker: it can cycle forever
    (seen on 5x5 games), so it is stopped after ``time_limit`` seconds (nothing found)."""
    from sim.solvers import worker

    try:
        found = worker.call("sim.solvers.registry:lemke_howson_in_worker", (a, b), time_limit)
    except worker.TimeLimitError:
        warnings.warn(f"nashpy Lemke-Howson did not finish within {time_limit:g} s", RuntimeWarning, stacklevel=2)
        return []
    except worker.WorkerError as exc:
        raise SolverError(f"nashpy Lemke-Howson failed: {exc}") from None
    return [tuple(np.asarray(mix) for mix in profile) for profile in found]


def lemke_howson_in_worker(matrices: tuple[FloatArray, FloatArray]) -> list[list[FloatArray]]:
    """Runs in :mod:`sim.solvers.worker`: nashpy's Lemke-Howson from every initial label."""
    import nashpy

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return [
            [np.asarray(mix, dtype=float) for mix in profile]
            for profile in nashpy.Game(*matrices).lemke_howson_enumeration()
        ]


def _run_nashpy(game: NormalFormGame, method: str, time_limit: float) -> Found:
    import nashpy

    a, b = _bimatrix(game)
    degenerate = None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with np.errstate(all="ignore"):
            try:
                if method == "vertex_enumeration":
                    candidates, degenerate = _vertex_enumeration(a, b)
                elif method == "support_enumeration":
                    candidates = _collect(
                        nashpy.Game(a, b).support_enumeration(non_degenerate=False, tol=SUPPORT_ENUMERATION)
                    )
                else:
                    candidates = _lemke_howson(a, b, time_limit)
            except Exception as exc:
                raise SolverError(f"nashpy {method} failed on game {game.name}: {exc}") from exc
    notes = sorted({"nashpy: " + " ".join(str(w.message).split()) for w in seen})
    return Found(candidates, notes, degenerate)


def _collect(generator: Iterable[Any]) -> Candidates:
    return [tuple(np.asarray(s, dtype=float) for s in profile) for profile in generator]


def _nashpy_method(method: str) -> Callable[[NormalFormGame, float], Found]:
    def find(game: NormalFormGame, time_limit: float) -> Found:
        return _run_nashpy(game, method, time_limit)

    return find


def _fast_vertex_enumeration(game: NormalFormGame, time_limit: float) -> Found:
    """The numpy kernel of :mod:`sim.solvers.vertices`."""
    with np.errstate(all="ignore"):
        candidates, degenerate = vertex_enumeration(game.payoffs[..., 0], game.payoffs[..., 1])
    return Found(list(candidates), degenerate=degenerate)


register(
    Solver(
        "vertex_enumeration",
        _fast_vertex_enumeration,
        (2, 2),
        True,
        False,
        "vertex enumeration in numpy (sim.solvers.vertices): every extreme equilibrium, degenerate games too; "
        "games above 8x8 in a worker under the time limit (default)",
    )
)
register(
    Solver(
        "nashpy",
        _nashpy_method("vertex_enumeration"),
        (2, 2),
        True,
        False,
        "nashpy's vertex enumeration (its polytopes, via qhull): the same answers as vertex_enumeration, slower",
    )
)
register(
    Solver(
        "support_enumeration",
        _nashpy_method("support_enumeration"),
        (2, 2),
        False,
        False,
        "nashpy support enumeration: fast, measured to miss equilibria on 3x3 and larger",
    )
)
register(
    Solver(
        "lemke_howson",
        _nashpy_method("lemke_howson"),
        (2, 2),
        False,
        False,
        "nashpy Lemke-Howson from every initial label: some equilibria",
    )
)
register(Solver("maximise", _maximise, (1, 1), True, True, "one player: every optimal pure strategy"))


def _gambit_method(method: str) -> Callable[[NormalFormGame, float], Found]:
    def find(game: NormalFormGame, time_limit: float) -> Found:
        from sim.solvers import gambit

        found = gambit.run_method(game, method, time_limit)
        if found is None:
            note = f"Gambit's {method} did not finish within {time_limit:g} s"
            return Found([], [note], complete=False)
        return Found(found)

    return find


_ENUMPOLY_NOTE = (
    "all pure equilibria (enumpure, exact); mixed ones from enumpoly, which was measured to miss some "
    "(8 of 40 random 6x6 games)"
)


def _gambit_all(game: NormalFormGame, time_limit: float) -> Found:
    """Every pure equilibrium, then enumpoly's mixed ones, or gnm's and logit's."""
    from sim.solvers import gambit

    pure = gambit.run_method(game, "enumpure") or []
    mixed = gambit.run_method(game, "enumpoly", time_limit) if time_limit > 0 else None
    if mixed is not None:
        return Found(pure + mixed, [_ENUMPOLY_NOTE], complete=False)
    notes = [
        f"enumpoly did not finish within {time_limit:g} s: all pure equilibria, mixed ones from gnm and logit"
        if time_limit > 0
        else "all pure equilibria; mixed ones from gnm and logit (enumpoly skipped: time limit 0)"
    ]
    found: list[tuple[FloatArray, ...]] = []
    for method in ("gnm", "logit"):
        try:
            found += gambit.run_method(game, method, TIME_LIMIT) or []
        except SolverError as exc:
            notes.append(str(exc))
    return Found(pure + found, notes, complete=False)


MANY = 10**6
register(
    Solver(
        "gambit",
        _gambit_all,
        (2, MANY),
        False,
        False,
        "Gambit: all pure equilibria exactly, mixed ones by enumpoly (default for 3+ players)",
    )
)
for _method, _players, _complete, _exact, _summary in [
    ("enummixed", (2, 2), True, True, "all extreme equilibria, exact rationals"),
    ("lcp", (2, 2), False, True, "Lemke-Howson as a linear complementarity problem: some equilibria"),
    ("enumpure", (2, MANY), False, True, "every pure equilibrium, no mixed ones"),
    ("enumpoly", (2, MANY), False, False, "isolated equilibria by support (time-limited; measured to miss some)"),
    ("gnm", (2, MANY), False, False, "global Newton method: some equilibria (time-limited)"),
    ("simpdiv", (2, MANY), False, False, "simplicial subdivision: one equilibrium (time-limited)"),
    ("logit", (2, MANY), False, False, "the limit of the logit QRE branch: one equilibrium"),
]:
    register(Solver(f"gambit_{_method}", _gambit_method(_method), _players, _complete, _exact, f"Gambit {_summary}"))
