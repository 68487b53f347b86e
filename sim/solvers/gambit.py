"""Solvers from Gambit's Python package, pygambit (the only module importing it).

pygambit is GPL-2.0-or-later, so it is the optional extra ``diplosim[gambit]``;
without it, two-player games still solve with nashpy, and asking for a Gambit method
(or a game of three or more players) is a clear error saying how to install it.

Methods (Gambit's names; see the pygambit documentation, "Computing Nash equilibria")
    ``enummixed``  two players: all extreme equilibria (exact rationals when the
                   payoffs are exact); ``lcp`` two players: some equilibria;
    ``enumpure``   any number of players: every pure equilibrium, exactly;
    ``enumpoly``   any number of players: isolated equilibria, by solving the
                   polynomial system of each support (measured to miss some: in 8 of
                   40 random 6x6 games it returned fewer than vertex enumeration);
    ``gnm``        Govindan-Wilson global Newton: some equilibria;
    ``simpdiv``    simplicial subdivision: one equilibrium;
    ``logit``      the limit of the logit quantal-response branch: one equilibrium.
The default for three or more players, :func:`find_nplayer`, lists every pure
equilibrium (``enumpure``) and the mixed ones ``enumpoly`` finds; if ``enumpoly``
does not finish within :data:`TIME_LIMIT` seconds, it falls back to ``gnm`` and
``logit`` and says that the list may be incomplete.

A hung pygambit call cannot be interrupted from Python, so the methods that can run
for long (``enumpoly``, ``gnm``, ``simpdiv``, ``logit``) run in the worker process of
:mod:`sim.solvers.worker`, which is killed after the time limit. Every returned profile is verified by
:func:`sim.solvers.finalize.finalize` like any other solver's.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from sim.errors import SolverError, UsageError
from sim.game.normal_form import FloatArray, NormalFormGame
from sim.game.tolerances import GAMBIT_ENUMPOLY, GAMBIT_LOGIT, QRE_ROOT
from sim.solvers import worker

__all__ = ["TIME_LIMIT", "available", "logit_qre", "run_method"]

#: Seconds a slow Gambit method may run before its worker is killed, by default.
TIME_LIMIT = 20.0
#: Methods given exact (rational) payoffs when the game has them; the others get
#: floats (enumpoly is orders of magnitude slower on rationals, and gnm crashed on them).
_RATIONAL = frozenset({"enummixed", "lcp", "enumpure"})
#: Methods run in the worker process (they can run for long or crash).
_IN_WORKER = frozenset({"enumpoly", "gnm", "simpdiv", "logit"})
_INSTALL = "pip install 'diplosim[gambit]' (pygambit, GPL-2.0-or-later)"

Profiles = list[tuple[FloatArray, ...]]


def available() -> bool:
    """True if pygambit can be imported."""
    try:
        import pygambit  # noqa: F401
    except ImportError:
        return False
    return True


def _require(what: str) -> Any:
    try:
        import pygambit
    except ImportError:
        raise UsageError(f"{what} needs pygambit, which is not installed: {_INSTALL}") from None
    return pygambit


def to_gambit(game: NormalFormGame) -> Any:
    """The game as a ``pygambit.Game`` with the same labels (exact payoffs if known)."""
    gbt = _require("this solver")
    source = game.exact_payoffs if game.exact_payoffs is not None else game.payoffs
    arrays = [np.asarray(source[..., i]) for i in range(game.n_players)]
    gambit_game = gbt.Game.from_arrays(*arrays, title=game.name)
    for player, name, labels in zip(gambit_game.players, game.players, game.strategies):
        player.label = name
        for strategy, label in zip(player.strategies, labels):
            strategy.label = label
    return gambit_game


def _to_floats(gambit_game: Any, profile: Any) -> tuple[FloatArray, ...]:
    return tuple(
        np.array([float(Fraction(str(profile[s]))) for s in player.strategies]) for player in gambit_game.players
    )


def _solve(gambit_game: Any, method: str, exact: bool) -> Any:
    import pygambit as gbt

    nash = gbt.nash
    if method == "enummixed":
        return nash.enummixed_solve(gambit_game, rational=exact)
    if method == "lcp":
        return nash.lcp_solve(gambit_game, rational=exact)
    if method == "enumpure":
        return nash.enumpure_solve(gambit_game)
    if method == "enumpoly":
        return nash.enumpoly_solve(gambit_game, maxregret=GAMBIT_ENUMPOLY)
    if method == "gnm":
        return nash.gnm_solve(gambit_game)
    if method == "simpdiv":
        return nash.simpdiv_solve(gambit_game.mixed_strategy_profile(rational=True))
    if method == "logit":
        return nash.logit_solve(gambit_game, maxregret=GAMBIT_LOGIT)
    raise ValueError(f"unknown Gambit method {method!r}")


def run_method(game: NormalFormGame, method: str, time_limit: float = TIME_LIMIT) -> Profiles | None:
    """The equilibria Gambit's ``method`` returns for ``game``, or ``None`` if it ran
    past ``time_limit`` seconds (only methods run in the worker can time out).

    Raises
    ------
    UsageError
        If pygambit is not installed.
    SolverError
        If the method failed inside Gambit.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> [np.round(p[0], 9).tolist() for p in run_method(g, "enummixed")]
    [[0.5, 0.5]]
    """
    _require(f"the Gambit method {method}")
    request = (method, (game.name, game.players, game.strategies, game.payoffs, game.exact_payoffs))
    try:
        found = (
            worker.call("sim.solvers.gambit:answer", request, time_limit) if method in _IN_WORKER else answer(request)
        )
    except worker.TimeLimitError:
        return None
    except (worker.WorkerError, RuntimeError, ValueError) as exc:  # Gambit raises both
        raise SolverError(f"Gambit's {method} failed on game {game.name}: {exc}") from None
    return [tuple(np.array(mix) for mix in profile) for profile in found]


def answer(request: tuple[str, tuple[Any, ...]]) -> list[list[list[float]]]:
    """Solve one request ``(method, game parts)``; plain lists travel back, also
    across the process boundary of :mod:`sim.solvers.worker`."""
    method, payload = request
    game = NormalFormGame(*payload)
    if method not in _RATIONAL:
        game = game.with_payoffs(game.payoffs)
    gambit_game = to_gambit(game)
    result = _solve(gambit_game, method, game.exact_payoffs is not None)
    return [[mix.tolist() for mix in _to_floats(gambit_game, eq)] for eq in result.equilibria]


def logit_qre(game: NormalFormGame, lam: float) -> tuple[FloatArray, ...]:
    """The logit quantal response equilibrium at precision ``lam`` (McKelvey & Palfrey
    1995) on the principal branch, the one that starts from uniform play at ``lam = 0``.

    Gambit's ``logit_solve_branch`` traces the branch (arclength continuation, which
    follows it through turning points); the point where it first reaches ``lam`` is
    then refined by Newton's method on the fixed-point equations
    ``p_i = softmax(lam * u_i(p_-i))``. (Gambit's own ``logit_solve_lambda`` was
    measured to return points at the wrong precision, e.g. 0.49 for 2.0.) ``lam`` is
    in units of 1 / payoff: 0 is uniform play, large values approach a Nash
    equilibrium.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> [np.round(m, 6).tolist() for m in logit_qre(g, 2.0)]
    [[0.5, 0.5], [0.5, 0.5]]
    """
    if lam == 0:
        return tuple(np.full(n, 1.0 / n) for n in game.shape)
    gbt = _require("the logit quantal response equilibrium")
    gambit_game = to_gambit(game.with_payoffs(game.payoffs))
    branch = gbt.qre.logit_solve_branch(gambit_game, maxregret=GAMBIT_LOGIT)
    start = _point_at(gambit_game, branch, lam)
    return _refine_qre(game, start, lam)


def _point_at(gambit_game: Any, branch: list[Any], lam: float) -> tuple[FloatArray, ...]:
    """The branch's profile where ``lam`` is first reached (interpolated)."""
    points = [(float(point.lam), _to_floats(gambit_game, point.profile)) for point in branch]
    for (low, before), (high, after) in itertools.pairwise(points):
        if low <= lam <= high:
            weight = (lam - low) / (high - low) if high > low else 0.0
            return tuple((1 - weight) * b + weight * a for b, a in zip(before, after))
    return points[-1][1]


def _refine_qre(game: NormalFormGame, start: tuple[FloatArray, ...], lam: float) -> tuple[FloatArray, ...]:
    from scipy.optimize import root

    from sim.game.normal_form import strategy_payoffs

    sizes = list(game.shape)
    cuts = np.cumsum(sizes)[:-1]

    def split(x: FloatArray) -> list[FloatArray]:
        return np.split(x, cuts)

    def residual(x: FloatArray) -> FloatArray:
        profile = split(x)
        parts = []
        for i, mix in enumerate(profile):
            values = lam * strategy_payoffs(game, profile, i)
            weights = np.exp(values - values.max())
            parts.append(mix - weights / weights.sum())
        return np.concatenate(parts)

    solution = root(residual, np.concatenate(start), method="hybr", tol=QRE_ROOT)
    return tuple(np.clip(mix, 0.0, 1.0) for mix in split(np.asarray(solution.x)))
