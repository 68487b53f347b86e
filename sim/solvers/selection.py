"""Choosing one equilibrium, and realising actions from it.

Games often have several equilibria (Chicken and Stag Hunt have three). Which one the
actors play is a modelling choice, so it is a *named rule* from :data:`RULES`, never
an implicit "take the first". Every rule is deterministic given the solver's
canonical order (:func:`sim.solvers.finalize.canonical_key`) except ``random``, which draws
from the model's generator. Ties are broken by that canonical order.

Rules
    ``risk_dominant``
        Harsanyi & Selten (1988) risk dominance between pure equilibria, by the
        2x2 restriction: equilibrium (a1, b1) beats (a2, b2) when its product of
        deviation losses ``(A[a1,b1] - A[a2,b1]) * (B[a1,b1] - B[a1,b2])`` is larger.
        The pure equilibrium that beats the most others is chosen. With no pure
        equilibrium (or more than two players) it falls back to ``max_welfare``.
    ``payoff_dominant``
        An equilibrium that no other gives every player strictly more (Harsanyi &
        Selten); among several such, the one with the highest total payoff.
    ``max_welfare``
        Highest sum of expected payoffs.
    ``first``
        The first in canonical order (pure before mixed, earlier labels first).
    ``random``
        Uniformly at random, with the model's generator.
    ``logit``
        Not a Nash equilibrium: the logit quantal response equilibrium at precision
        ``logit_lambda`` (McKelvey & Palfrey 1995), a bounded-rationality mode where
        better replies are only more likely; any number of players (needs pygambit).
        The profile is checked to be a logit fixed point.
    conditional
        A scenario may list ``when`` conditions, each preferring one pure profile; the
        first whose condition holds and whose profile is an equilibrium is chosen,
        else the ``otherwise`` rule (see :func:`select`).

Realisation (``play``)
    ``sample`` draws each player's action from its mixed strategy (one uniform draw
    per player, always, so the random stream does not depend on the probabilities);
    ``mode`` plays each player's most probable strategy (the first on ties).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.errors import SolverError
from sim.game.equilibrium import Equilibrium, SolveResult, regret, tolerance
from sim.game.normal_form import FloatArray, NormalFormGame, expected_payoffs, strategy_payoffs
from sim.game.scaling import normalise
from sim.game.tolerances import LOGIT_RESIDUAL, REGRET

__all__ = [
    "PLAY_MODES",
    "RULES",
    "Selection",
    "SelectionRule",
    "Settings",
    "logit_residual",
    "realise",
    "risk_dominance",
    "select",
]


@dataclass(frozen=True)
class Selection:
    """The chosen equilibrium and why.

    Attributes
    ----------
    index : int or None
        Position in ``SolveResult.equilibria``; ``None`` when the profile played is not
        one of them (the logit QRE).
    reason : str
        The rule that decided, e.g. ``"risk_dominant"`` or ``"conditional case 1"``.
    profile : Equilibrium or None
        The profile played when it is not in the list (the logit QRE).
    """

    index: int | None
    reason: str
    profile: Equilibrium | None = None

    def chosen(self, result: SolveResult) -> Equilibrium:
        """The profile to play: the selected equilibrium, or the QRE."""
        if self.profile is not None:
            return self.profile
        assert self.index is not None
        return result.equilibria[self.index]


@dataclass(frozen=True)
class Settings:
    """Parameters of the rules (only ``logit`` has one so far)."""

    logit_lambda: float = 1.0


@dataclass(frozen=True)
class SelectionRule:
    """A registered rule: ``choose(result, rng, settings) -> Selection``."""

    name: str
    choose: Callable[[SolveResult, np.random.Generator, Settings], Selection]
    summary: str


RULES: dict[str, SelectionRule] = {}
#: How actions are realised from the selected equilibrium.
PLAY_MODES = ("sample", "mode")


_Choose = Callable[[SolveResult, np.random.Generator, Settings], Selection]


def _register(name: str, summary: str) -> Callable[[_Choose], _Choose]:
    def decorate(choose: _Choose) -> _Choose:
        RULES[name] = SelectionRule(name, choose, summary)
        return choose

    return decorate


def select(
    result: SolveResult,
    rule: str,
    rng: np.random.Generator,
    preferred: Sequence[tuple[int, ...]] = (),
    settings: Settings = Settings(),
) -> Selection:
    """Pick one equilibrium of ``result``.

    Parameters
    ----------
    result : SolveResult
        Must hold at least one equilibrium.
    rule : str
        A name in :data:`RULES`, used when no preferred profile applies.
    rng : numpy.random.Generator
        Used only by the ``random`` rule.
    preferred : sequence of profiles
        Pure profiles (strategy indices) of conditional cases whose condition holds,
        in the scenario's order; the first that is an equilibrium wins.
    settings : Settings
        Parameters of the rules (``logit_lambda``).

    Raises
    ------
    SolverError
        If there is no equilibrium to choose from.

    Examples
    --------
    >>> from sim.solvers.registry import solve
    >>> stag = NormalFormGame.from_matrices("stag", ("A", "B"), (("S", "H"), ("S", "H")),
    ...                                      [[4, 0], [3, 3]], [[4, 3], [0, 3]])
    >>> result = solve(stag)
    >>> [result.equilibria[select(result, r, np.random.default_rng(0)).index].support(0)
    ...  for r in ("payoff_dominant", "risk_dominant")]
    [(0,), (1,)]
    """
    if not result.equilibria:
        raise SolverError(
            f"no equilibrium of game {result.game.name} was found by {result.method}; "
            "choose the solver vertex_enumeration"
        )
    for case, profile in enumerate(preferred, start=1):
        for index, eq in enumerate(result.equilibria):
            if eq.is_pure and _pure_profile(eq) == tuple(profile):
                return Selection(index, f"conditional case {case}")
    if rule not in RULES:
        raise SolverError(f"unknown selection rule {rule!r} (known: {', '.join(RULES)})")
    if rule == "random":
        return RULES[rule].choose(result, rng, settings)
    made = _MADE.setdefault(result, {})
    chosen = made.get((rule, settings))
    if chosen is None:
        chosen = made[rule, settings] = RULES[rule].choose(result, rng, settings)
    return chosen


#: Deterministic selections already made from a result (solved games are remembered and
#: reused, so is the choice among their equilibria), kept beside the result rather than
#: on it, so that a result handed out twice is never changed: forgotten with the result.
_MADE: weakref.WeakKeyDictionary[SolveResult, dict[tuple[str, Settings], Selection]] = weakref.WeakKeyDictionary()


def _pure_profile(eq: Equilibrium) -> tuple[int, ...]:
    if eq.is_pure:
        return tuple(support[0] for support in eq.supports)
    return tuple(int(np.argmax(mix)) for mix in eq.strategies)


@_register("first", "the first equilibrium in canonical order")
def _first(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    return Selection(0, "first")


@_register("random", "uniformly at random (the model's generator)")
def _random(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    return Selection(int(rng.integers(len(result.equilibria))), "random")


def _argmax(scores: Sequence[float], tol: float) -> int:
    best = max(scores)
    return next(i for i, s in enumerate(scores) if s >= best - tol)


@_register("max_welfare", "the highest sum of expected payoffs")
def _max_welfare(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    scores = [float(np.sum(eq.payoffs)) for eq in result.equilibria]
    return Selection(_argmax(scores, tolerance(result.game)), "max_welfare")


@_register("payoff_dominant", "not payoff-dominated by another equilibrium; then max welfare")
def _payoff_dominant(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    tol = tolerance(result.game)
    eqs = result.equilibria
    undominated = [i for i, eq in enumerate(eqs) if not any(np.all(other.payoffs > eq.payoffs + tol) for other in eqs)]
    scores = [float(np.sum(eqs[i].payoffs)) for i in undominated]
    return Selection(undominated[_argmax(scores, tol)], "payoff_dominant")


@_register("risk_dominant", "Harsanyi-Selten risk dominance among pure equilibria; else max welfare")
def _risk_dominant(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    pure = [i for i, eq in enumerate(result.equilibria) if eq.is_pure]
    if not pure or result.game.n_players > 2:
        fallback = _max_welfare(result, rng, settings)
        return Selection(fallback.index, "max_welfare (risk dominance undefined here)")
    if len(pure) == 1 or result.game.n_players == 1:
        return Selection(pure[0], "risk_dominant")
    # Products of two players' payoff differences: compared on the normalised game, where
    # they do not depend on either player's unit, with a tolerance on products of spreads <= 1.
    work = normalise(result.game).game
    wins = []
    for i in pure:
        count = 0
        for j in pure:
            if i != j:
                mine, theirs = risk_dominance(work, result.equilibria[i], result.equilibria[j])
                count += mine > theirs + REGRET
        wins.append(count)
    return Selection(pure[_argmax([float(w) for w in wins], 0.0)], "risk_dominant")


@_register("logit", "the logit quantal response equilibrium at precision logit_lambda (not a Nash equilibrium)")
def _logit(result: SolveResult, rng: np.random.Generator, settings: Settings) -> Selection:
    from sim.solvers.gambit import logit_qre

    game = result.game
    profile = logit_qre(game, settings.logit_lambda)
    residual = logit_residual(game, profile, settings.logit_lambda)
    if residual > LOGIT_RESIDUAL:
        raise SolverError(f"the logit QRE of game {game.name} did not converge (residual {residual:.2g})")
    equilibrium = Equilibrium(profile, expected_payoffs(game, profile), regret(game, profile))
    return Selection(None, f"logit QRE (lambda {settings.logit_lambda:g})", equilibrium)


def logit_residual(game: NormalFormGame, profile: Sequence[FloatArray], lam: float) -> float:
    """How far ``profile`` is from a logit QRE at ``lam``: the largest difference
    between a probability and ``exp(lam * u) / sum(exp(lam * u))`` of its player.

    Examples
    --------
    >>> g = NormalFormGame.from_matrices("mp", ("A", "B"), (("H", "T"), ("H", "T")),
    ...                                   [[1, -1], [-1, 1]], [[-1, 1], [1, -1]])
    >>> logit_residual(g, (np.array([.5, .5]), np.array([.5, .5])), 3.0)
    0.0
    """
    worst = 0.0
    for player, mix in enumerate(profile):
        values = lam * strategy_payoffs(game, profile, player)
        weights = np.exp(values - values.max())
        worst = max(worst, float(np.max(np.abs(weights / weights.sum() - mix))))
    return worst


def risk_dominance(game: NormalFormGame, first: Equilibrium, second: Equilibrium) -> tuple[float, float]:
    """Products of deviation losses of two pure equilibria of a two-player game.

    Returns ``(product of first, product of second)`` in the 2x2 game restricted to
    their strategies; the larger product risk-dominates. Equilibria sharing a
    strategy give ``(0, 0)`` (risk dominance is undefined).

    Examples
    --------
    >>> stag = NormalFormGame.from_matrices("stag", ("A", "B"), (("S", "H"), ("S", "H")),
    ...                                      [[4, 0], [3, 3]], [[4, 3], [0, 3]])
    >>> from sim.solvers.registry import solve
    >>> eqs = solve(stag).equilibria
    >>> risk_dominance(stag, eqs[0], eqs[1])
    (1.0, 9.0)
    """
    a1, b1 = first.support(0)[0], first.support(1)[0]
    a2, b2 = second.support(0)[0], second.support(1)[0]
    if a1 == a2 or b1 == b2:
        return (0.0, 0.0)
    a, b = game.payoffs[..., 0], game.payoffs[..., 1]
    mine = (a[a1, b1] - a[a2, b1]) * (b[a1, b1] - b[a1, b2])
    theirs = (a[a2, b2] - a[a1, b2]) * (b[a2, b2] - b[a2, b1])
    return (float(mine), float(theirs))


def realise(eq: Equilibrium, play: str, rng: np.random.Generator) -> tuple[int, ...]:
    """The pure profile actually played, as strategy indices.

    Examples
    --------
    >>> eq = Equilibrium((np.array([0.25, 0.75]), np.array([1.0, 0.0])), np.zeros(2), 0.0)
    >>> realise(eq, "mode", np.random.default_rng(0))
    (1, 0)
    """
    if play == "mode":
        return _pure_profile(eq)
    if play != "sample":
        raise SolverError(f"unknown play mode {play!r} (known: {', '.join(PLAY_MODES)})")
    actions = []
    for mix, support in zip(eq.strategies, eq.supports):
        draw = rng.random()
        if len(support) == 1:
            actions.append(support[0])
            continue
        cumulative = np.cumsum(mix[list(support)])
        position = int(np.searchsorted(cumulative / cumulative[-1], draw, side="right"))
        actions.append(int(support[min(position, len(support) - 1)]))
    return tuple(actions)
