"""Equilibria as data: verification, exact fractions, degeneracy, canonical order.

Every candidate a solver returns goes through :func:`finalize`, which works on the
game's normalised copy (:mod:`sim.game.scaling`: each player's payoffs shifted and scaled by
a power of two into ``[0, 1)``), so that every tolerance below is relative to the
payoffs' spread and no decision depends on the unit the payoffs are written in, and

1. cleans it (clips round-off such as ``-3e-18`` to zero and renormalises),
2. **verifies** it: no player gains more than :data:`sim.game.tolerances.REGRET` times
   the spread of the player's payoffs by deviating to any pure strategy (the *regret*);
   candidates that fail are dropped and noted,
3. removes duplicates (probabilities within :data:`sim.game.tolerances.SAME_PROBABILITY`),
4. makes it **exact** where possible: when the game carries exact payoffs, the mixed
   strategies are recomputed in :class:`fractions.Fraction` arithmetic from the
   supports found and checked exactly (sums to one, non-negative, no strictly
   profitable deviation); only then are fractions reported, and the floats are
   replaced by the fractions' values, so every backend yields the same numbers,
5. flags **degenerate** games (see :func:`is_degenerate`), and
6. sorts the list in a canonical order (see :func:`canonical_key`).

Expected payoffs are reported in the game's own units: read off the game for pure
equilibria, mapped back from the normalised game for mixed ones.

Game layout: see :mod:`sim.game.normal_form`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter, mul
from typing import Any

import numpy as np

from sim.game import tolerances
from sim.game.components import structure
from sim.game.equilibrium import (
    Equilibrium,
    ExactProfile,
    Profile,
    SolveResult,
    canonical_key,
    key_of_lists,
    tolerance,
)
from sim.game.normal_form import FloatArray, NormalFormGame, strategy_payoffs
from sim.game.scaling import Scaled, normalise

__all__ = [
    "canonical_profile",
    "exact_profile",
    "finalize",
    "has_pure_tie",
    "is_degenerate",
    "is_exact_equilibrium",
    "solve_linear",
]


def _payoffs_and_regret(game: NormalFormGame, profile: Sequence[FloatArray]) -> tuple[FloatArray, float]:
    """Expected payoffs and :func:`regret` (two players: in plain Python, see :class:`_Bimatrix`)."""
    if game.n_players == 2:
        return _Bimatrix.of(game).payoffs_and_regret(tuple(np.asarray(mix, dtype=float).tolist() for mix in profile))
    payoffs, gain = [], 0.0
    for player in range(game.n_players):
        values = strategy_payoffs(game, profile, player)
        payoff = float(values.dot(profile[player]))
        payoffs.append(payoff)
        gain = max(gain, float(values.max()) - payoff)
    return np.array(payoffs), gain


def finalize(
    game: NormalFormGame,
    candidates: Sequence[Sequence[FloatArray]],
    method: str,
    *,
    complete: bool,
    notes: Sequence[str] = (),
    degenerate: bool | None = None,
) -> SolveResult:
    """Clean, verify, de-duplicate, make exact, flag degeneracy, sort.

    Parameters
    ----------
    game : NormalFormGame
    candidates : sequence of profiles
        What a solver returned; may contain round-off, duplicates and junk.
    method : str
        Name of the solver, recorded in the result.
    complete : bool
        Whether the method finds every extreme equilibrium.
    notes : sequence of str
        Warnings already collected by the solver.
    degenerate : bool, optional
        The solver's exact finding; if ``None``, :func:`is_degenerate` decides.
    """
    notes = list(notes)
    scaled = normalise(game)
    work = scaled.game  # every decision is made here, in the normalised units
    tol = tolerance(work)
    bimatrix = _Bimatrix.of(work) if game.n_players == 2 else None
    kept: list[tuple[tuple[object, ...], Equilibrium]] = []  # with its canonical_key
    seen: list[tuple[list[float], ...]] = []
    for candidate in candidates:
        mixes = _clean(work, candidate)
        if mixes is None:
            notes.append("dropped a candidate that is not a probability profile")
            continue
        if bimatrix is not None:
            mixes = bimatrix.canonical(mixes)
            payoffs, gain = bimatrix.payoffs_and_regret(mixes)
        profile = tuple(np.array(mix) for mix in mixes)
        if bimatrix is None:
            payoffs, gain = _payoffs_and_regret(work, profile)
        if gain > tol:
            notes.append(f"dropped a candidate with a profitable deviation ({gain:.3g} of the payoff spread)")
            continue
        if work.exact_payoffs is not None and not _pure_exactly_right(work, mixes):
            notes.append("dropped a pure candidate with a profitable deviation in exact arithmetic")
            continue
        if any(_same(mixes, other) for other in seen):
            continue
        seen.append(mixes)
        equilibrium = _make_equilibrium(game, scaled, profile, payoffs, gain)
        key = key_of_lists(mixes) if equilibrium.exact is None else canonical_key(equilibrium.strategies)
        kept.append((key, equilibrium))
    kept.sort(key=itemgetter(0))
    equilibria = tuple(equilibrium for _, equilibrium in kept)
    if degenerate is None:
        degenerate = is_degenerate(work, equilibria, complete=complete)
    if game.n_players == 2 and complete and equilibria and not degenerate:  # isolated: each its own component
        alone = tuple((k,) for k in range(len(equilibria)))
        return SolveResult(game, equilibria, method, degenerate, complete, tuple(notes), alone, alone)
    if game.n_players == 2 and complete and equilibria:
        shape = structure([eq.strategies for eq in equilibria], tolerances.SAME_PROBABILITY)
        return SolveResult(
            game, equilibria, method, degenerate, complete, tuple(notes), shape.components, shape.nash_subsets
        )
    return SolveResult(game, equilibria, method, degenerate, complete, tuple(notes))


def canonical_profile(game: NormalFormGame, profile: Profile) -> Profile:
    """The same two-player extreme equilibrium, recomputed in one fixed way from its
    supports and best-response sets, so that every solver that finds it yields the
    same floats to the last bit (and any run replays exactly whichever backend solved
    it). Each mix solves "the opponent's best responses are equally good, and the
    probabilities sum to one" by least squares; an extreme point makes this system
    determined. If the solution is off (it should not be), the profile is kept.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> [m.tolist() for m in canonical_profile(g, (np.array([0.5000001, 0.4999999]), np.array([0.5, 0.5])))]
    [[0.5, 0.5], [0.5, 0.5]]
    """
    work = normalise(game).game
    mixes = _Bimatrix.of(work).canonical(tuple(np.asarray(mix, dtype=float).tolist() for mix in profile))
    return (np.array(mixes[0]), np.array(mixes[1]))


@dataclass(frozen=True)
class _Bimatrix:
    """A two-player game as nested lists, for the per-candidate work of :func:`finalize`
    in plain Python (numpy's overhead dominates on games this small). Sums are
    :func:`math.fsum`, correctly rounded, so the floats do not depend on the machine,
    its BLAS or the Python version."""

    rows: list[list[float]]  # rows[i][j]: the row player's payoff
    columns: list[list[float]]  # columns[j][i]: the column player's payoff
    scale: float  # the tolerances' scale: 1 or less on a normalised game
    #: (player, mix) -> its canonical mix, or None: remembered for this game
    canonical_mixes: dict[tuple[int, tuple[float, ...]], list[float] | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, game: NormalFormGame) -> _Bimatrix:
        return cls(game.payoffs[..., 0].tolist(), game.payoffs[..., 1].T.tolist(), game.payoff_scale)

    def payoffs_and_regret(self, mixes: Sequence[list[float]]) -> tuple[FloatArray, float]:
        row, column = _pure_choice(mixes[0]), _pure_choice(mixes[1])
        if row is not None and column is not None:  # the entries themselves (+ 0.0: fsum's zero is +0.0)
            values = ([line[column] + 0.0 for line in self.rows], [line[row] + 0.0 for line in self.columns])
            payoffs = [values[0][row], values[1][column]]
        else:
            values = (_against(self.rows, mixes[1]), _against(self.columns, mixes[0]))
            payoffs = [math.fsum(map(mul, values[player], mixes[player])) for player in (0, 1)]
        gain = max(0.0, max(values[0]) - payoffs[0], max(values[1]) - payoffs[1])
        return np.array(payoffs), gain

    def canonical(self, mixes: tuple[list[float], ...]) -> tuple[list[float], ...]:
        """See :func:`canonical_profile`."""
        if all(sum(1 for p in mix if p > 0) == 1 for mix in mixes):  # pure: exact already
            return tuple([1.0 if p > 0 else 0.0 for p in mix] for mix in mixes)
        result = []
        for player in (0, 1):
            key = (player, tuple(mixes[player]))  # a vertex shared by several equilibria: once
            if key not in self.canonical_mixes:
                self.canonical_mixes[key] = self._canonical_mix(player, mixes[player])
            mix = self.canonical_mixes[key]
            if mix is None:
                return mixes
            result.append(mix)
        return (result[0], result[1])

    def _canonical_mix(self, player: int, mix: list[float]) -> list[float] | None:
        """``player``'s mix recomputed from its support and the opponent's best
        responses to it; None if that fails (it should not)."""
        tol = tolerances.CANONICAL_MATCH * self.scale
        support = [i for i, p in enumerate(mix) if p > 0]
        table = self.columns if player == 0 else self.rows  # the opponent's payoffs, [theirs][own]
        values = _against(table, mix)
        top = max(values) - tol
        best = [j for j, v in enumerate(values) if v >= top]
        if len(support) == len(best) == 2:  # the common case, in closed form
            (own, own2), (theirs, theirs2) = support, best
            first = table[theirs][own] - table[theirs2][own]
            second = table[theirs][own2] - table[theirs2][own2]
            if abs(second - first) <= tolerances.REGRET * self.scale:
                return None
            solution: list[float] | None = [second / (second - first), first / (first - second)]
        else:
            equations = [[table[j][i] for i in support] + [-1.0] for j in best] + [[1.0] * len(support) + [0.0]]
            solution = solve_linear(equations, [0.0] * len(best) + [1.0], zero=tolerances.REGRET * self.scale)
        if solution is None:
            return None
        result = [0.0] * len(mix)
        for i, p in zip(support, solution):
            result[i] = p
        if min(result) < 0 or max(abs(p - q) for p, q in zip(result, mix)) > tolerances.CANONICAL_MATCH:
            return None
        return result


def _against(table: list[list[float]], mix: list[float]) -> list[float]:
    """Expected payoff of each line of ``table`` (one strategy's payoffs against the
    other player's) when the other player plays ``mix``."""
    return [math.fsum(map(mul, line, mix)) for line in table]


def solve_linear(rows: Sequence[Sequence[Any]], rhs: Sequence[Any], *, zero: float = 0.0) -> list[Any] | None:
    """The unique solution of a consistent linear system with at least as many equations
    as unknowns, by Gaussian elimination with partial pivoting; None if the columns are
    dependent (a pivot within ``zero`` of 0) or an equation left over is violated by more
    than ``zero``. Works on floats (with ``zero > 0``) and on Fractions (``zero = 0``:
    exact). In plain Python, so the floats do not depend on the machine's BLAS.

    Examples
    --------
    >>> solve_linear([[Fraction(2), Fraction(1)], [Fraction(1), Fraction(3)]], [Fraction(3), Fraction(5)])
    [Fraction(4, 5), Fraction(7, 5)]
    >>> solve_linear([[1.0, 1.0], [2.0, 2.0]], [1.0, 2.0], zero=1e-12) is None
    True
    """
    unknowns = len(rows[0])
    work = [[*coefficients, constant] for coefficients, constant in zip(rows, rhs)]
    for col in range(unknowns):
        pivot = max(range(col, len(work)), key=lambda r: abs(work[r][col]), default=None)
        if pivot is None or abs(work[pivot][col]) <= zero:
            return None
        work[col], work[pivot] = work[pivot], work[col]
        lead = work[col]
        for r in range(col + 1, len(work)):
            factor = work[r][col] / lead[col]
            if factor:
                work[r] = [x - factor * y for x, y in zip(work[r], lead)]
    if any(abs(rest[-1]) > zero for rest in work[unknowns:]):
        return None
    solution: list[Any] = []
    for r in range(unknowns - 1, -1, -1):
        equation = work[r]
        total = equation[-1]
        for c, value in zip(range(r + 1, unknowns), reversed(solution)):
            total = total - equation[c] * value
        solution.append(total / equation[r])
    return solution[::-1]


def _clean(game: NormalFormGame, candidate: Sequence[FloatArray]) -> tuple[list[float], ...] | None:
    """The candidate as probability lists (round-off clipped, renormalised), or None."""
    if len(candidate) != game.n_players:
        return None
    mixes = []
    for n, raw in zip(game.shape, candidate):
        plain = type(raw) is np.ndarray and raw.dtype == np.float64 and raw.ndim == 1
        values = raw.tolist() if plain else _as_list(raw)
        if (
            len(values) != n or not math.isfinite(sum(values)) or min(values) < -tolerances.NEGATIVE_PROBABILITY
        ):  # a sum with nan or inf is not finite
            return None
        values = [0.0 if p < tolerances.ZERO_PROBABILITY else p for p in values]
        total = math.fsum(values)
        if total <= 0 or abs(total - 1) > tolerances.PROBABILITY_SUM:
            return None
        mixes.append([p / total for p in values])
    return tuple(mixes)


def _pure_exactly_right(game: NormalFormGame, mixes: Sequence[list[float]]) -> bool:
    """For a pure profile of an exact game, whether it is an equilibrium in exact
    arithmetic (payoffs of very different sizes, 1e19 and 1, can hide a deviation below
    the float tolerance); other profiles pass (their exact check comes later)."""
    choices = [_pure_choice(mix) for mix in mixes]
    if any(choice is None for choice in choices):
        return True
    profile = tuple(tuple(Fraction(int(i == choice)) for i in range(len(mix))) for choice, mix in zip(choices, mixes))
    return is_exact_equilibrium(game, profile)


def _pure_choice(mix: list[float]) -> int | None:
    """The strategy a pure mix plays (exactly 1.0, the rest 0), else None."""
    return mix.index(1.0) if mix.count(0.0) == len(mix) - 1 and 1.0 in mix else None


def _as_list(raw: Any) -> list[Any]:
    return np.asarray(raw, dtype=float).reshape(-1).tolist()


def _same(a: Sequence[list[float]], b: Sequence[list[float]]) -> bool:
    for x, y in zip(a, b):
        for p, q in zip(x, y):
            if abs(p - q) > tolerances.SAME_PROBABILITY:
                return False
    return True


def _make_equilibrium(
    game: NormalFormGame, scaled: Scaled, profile: Profile, payoffs: FloatArray, gain: float
) -> Equilibrium:
    """The equilibrium with its payoffs in ``game``'s units; ``payoffs`` and ``gain`` are
    those of the normalised game ``scaled.game``."""
    exact = exact_profile(scaled.game, profile)
    if exact is not None:
        profile = tuple(np.array([float(p) for p in mix]) for mix in exact)
        payoffs, gain = _payoffs_and_regret(scaled.game, profile)
    for mix in profile:
        mix.setflags(write=False)
    pure = [_pure_choice(mix.tolist()) for mix in profile]
    if all(choice is not None for choice in pure):  # the game's own entries, to the bit
        original = np.array(game.payoffs[tuple(pure)])
    else:
        original = scaled.to_original(payoffs)
    original.setflags(write=False)
    return Equilibrium(profile, original, gain, exact)


# --- exactness -------------------------------------------------------------------


def exact_profile(game: NormalFormGame, profile: Profile) -> ExactProfile | None:
    """The exact equilibrium near ``profile``, if the game has exact payoffs.

    Tries an exact linear solve on the supports (two players), then rational
    approximation of the floats; returns a profile only if it passes
    :func:`is_exact_equilibrium`.
    """
    if game.exact_payoffs is None:
        return None
    attempts = []
    if game.n_players == 2:
        attempts.append(_solve_on_supports(game, profile))
    attempts.append(tuple(tuple(Fraction(float(p)).limit_denominator(10**6) for p in mix) for mix in profile))
    for attempt in attempts:
        if attempt is not None and is_exact_equilibrium(game, attempt):
            return attempt
    return None


def is_exact_equilibrium(game: NormalFormGame, profile: ExactProfile) -> bool:
    """Exact check in Fractions: probability vectors, and no profitable deviation."""
    if game.exact_payoffs is None:
        return False
    if any(sum(mix) != 1 or min(mix) < 0 for mix in profile):
        return False
    for player in range(game.n_players):
        values = _exact_strategy_payoffs(game, profile, player)
        best = max(values)
        if any(p > 0 and v != best for p, v in zip(profile[player], values)):
            return False
    return True


def _exact_strategy_payoffs(game: NormalFormGame, profile: ExactProfile, player: int) -> list[Fraction]:
    assert game.exact_payoffs is not None
    values = [Fraction(0)] * game.shape[player]
    for index in game.profiles():
        weight = Fraction(1)
        for other, s in enumerate(index):
            if other != player:
                weight *= profile[other][s]
                if weight == 0:
                    break
        if weight:
            values[index[player]] += weight * game.exact_payoffs[index][player]
    return values


def _solve_on_supports(game: NormalFormGame, profile: Profile) -> ExactProfile | None:
    """Two players: each mix is the one on its support that makes the opponent
    indifferent among the opponent's best responses (exact Gaussian elimination)."""
    assert game.exact_payoffs is not None
    tol = tolerance(game)
    result = []
    for player in (0, 1):
        opponent = 1 - player
        support = [i for i, p in enumerate(profile[player]) if p > 0]
        values = strategy_payoffs(game, profile, opponent)
        best = [j for j, v in enumerate(values) if v >= np.max(values) - tol]
        payoff = np.moveaxis(game.exact_payoffs[..., opponent], player, 0)  # [own, opponent]
        rows = [[payoff[i, j] for i in support] + [Fraction(-1)] for j in best]
        rows.append([Fraction(1)] * len(support) + [Fraction(0)])
        rhs = [Fraction(0)] * len(best) + [Fraction(1)]
        solution = solve_linear(rows, rhs)
        if solution is None:
            return None
        mix = [Fraction(0)] * game.shape[player]
        for i, value in zip(support, solution):
            mix[i] = value
        result.append(tuple(mix))
    return tuple(result)


# --- degeneracy ------------------------------------------------------------------


def is_degenerate(game: NormalFormGame, equilibria: Sequence[Equilibrium], *, complete: bool) -> bool:
    """Whether the game shows degeneracy (the generic test, for solvers that cannot
    tell exactly; vertex enumeration can and does).

    A game is flagged degenerate if any of these holds (von Stengel 2007, "Equilibrium
    computation for two-player games", section 3.4):

    * some pure strategy has more than one pure best response (a tie);
    * (two players) at some equilibrium, a player has more pure best responses than
      the opponent's mixed strategy has strategies in its support;
    * a complete method found an even number of equilibria (a non-degenerate game has
      an odd number).

    For one player: a tie between optimal strategies.
    """
    tol = tolerance(game)
    if game.n_players == 1:
        values = game.payoffs[..., 0]
        return int(np.sum(values >= np.max(values) - tol)) > 1
    if has_pure_tie(game, tol):
        return True
    if game.n_players == 2:
        for eq in equilibria:
            for player in (0, 1):
                values = strategy_payoffs(game, eq.strategies, player)
                best = int(np.sum(values >= np.max(values) - tol))
                if best > len(eq.support(1 - player)):
                    return True
    return complete and game.n_players == 2 and len(equilibria) % 2 == 0


def has_pure_tie(game: NormalFormGame, tol: float) -> bool:
    """True if some player has two best responses to some pure profile of the others."""
    for player in range(game.n_players):
        values = np.moveaxis(game.payoffs[..., player], player, -1)
        best = values.max(axis=-1, keepdims=True)
        if np.any(np.sum(values >= best - tol, axis=-1) > 1):
            return True
    return False
