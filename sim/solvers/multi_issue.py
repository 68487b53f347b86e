"""Two-party bargaining over several continuous issues, solved numerically.

The problem is a :class:`sim.game.multi_issue.MultiIssueBargaining`: a box of agreements
and two utilities that need not be linear. Every solution is found by SLSQP (scipy) on
the issues rescaled to ``[0, 1]``, from several deterministic starting points (the box's
centre and corners), with gradients by central differences; the best point found is
then *verified*: its first-order (Karush-Kuhn-Tucker) conditions must hold, else
:class:`~sim.errors.SolverError`. A verified point is a local maximum's candidate; with
concave utilities (a convex set of utility pairs) it is the maximum.

Solutions (each a :class:`MultiSolution`)
    :func:`nash_multi`
        Nash (1950), asymmetric with bargaining powers (Kalai 1977): the agreement that
        maximises ``alpha log(u_0 - d_0) + beta log(u_1 - d_1)``.
    :func:`kalai_smorodinsky_multi`
        Kalai & Smorodinsky (1975): the largest ``t`` such that each party gains at least
        the share ``t`` of its largest possible gain (its *ideal*).

Also :func:`frontier` (the Pareto frontier sampled in utility space) and
:class:`MultiIssueSpace`, the offer space of the negotiation protocols
(:mod:`sim.solvers.protocols`): utilities of offers, each party's trade-off offer for a
utility it asks for, its best and its reservation utility, a mediator's blend of two
offers, and the offer of an ``equilibrium`` player (the Nash solution: over several
issues no subgame-perfect offer of alternating offers is computed).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.errors import SolverError
from sim.game.bargaining import BargainingError, Number
from sim.game.multi_issue import MultiIssueBargaining, values_at
from sim.game.tolerances import (
    DERIVATIVE_STEP,
    GAIN_FLOOR,
    ISSUE_SLACK,
    LOG_FLOOR,
    MULTI_ACTIVE,
    MULTI_AGREEMENT,
    MULTI_FEASIBLE,
    MULTI_FIRST_ORDER,
    SLSQP_FTOL,
)
from sim.solvers.protocols import Offer

__all__ = [
    "FrontierPoint",
    "MultiIssueSpace",
    "MultiSolution",
    "frontier",
    "kalai_smorodinsky_multi",
    "nash_multi",
]

Vector = npt.NDArray[np.float64]

#: Most SLSQP iterations from one starting point.
MAX_ITERATIONS = 200
#: Up to this many issues every corner of the box is a starting point (2**n of them);
#: beyond, the centres of the box's faces are (2 n of them).
CORNER_ISSUES = 4
#: An infeasible starting point of the Nash search is moved halfway towards a feasible
#: one at most this many times.
PULL_STEPS = 40
#: Utility values and gradients remembered per problem (cleared when full).
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class MultiSolution:
    """A solution of a bargaining problem over several issues.

    Attributes
    ----------
    concept : str
    agreement : dict of str to float, or None
        The agreed value of each issue; ``None`` when talks fail (no agreement gives both
        parties more than disagreeing).
    utilities : tuple of two floats
        What each party gets.
    explanation : str
        Why, in one or two sentences (for the teaching view).
    tolerance : float
        The stated precision of the agreement, as a share of each issue's range (the
        solution is numeric; see :data:`~sim.game.tolerances.MULTI_AGREEMENT`).
    """

    concept: str
    agreement: dict[str, float] | None
    utilities: tuple[float, float]
    explanation: str
    tolerance: float


@dataclass(frozen=True)
class FrontierPoint:
    """A point of the Pareto frontier: the ``utilities`` and the ``agreement`` giving them."""

    utilities: tuple[float, float]
    agreement: dict[str, float]


# --- evaluating utilities on the unit box ------------------------------------------------


class _Box:
    """Both utilities at points ``z`` of the unit box (issue ``k`` is ``low_k + z_k (high_k -
    low_k)``), with their Jacobian by central differences (one-sided, second order, at the
    box's faces, so that no utility is evaluated outside the box)."""

    def __init__(self, problem: MultiIssueBargaining) -> None:
        self.problem = problem
        self.low, self.width = problem.low, problem.high - problem.low
        self.n = len(problem.issues)
        self.d = np.array(problem.disagreement, dtype=np.float64)
        self._values: dict[bytes, Vector] = {}
        self._jacobians: dict[bytes, Vector] = {}
        starts = _starts(self.n)
        spread = np.ptp(np.array([self.values(z) for z in starts]), axis=0)
        #: each utility's spread over the starting points (1 if flat there): its scale
        self.scale = np.where(spread > 0, spread, 1.0)
        self.starts = starts

    def issues(self, z: Vector) -> Vector:
        """The issue values at ``z`` (clipped to the box)."""
        return np.asarray(self.low + np.clip(z, 0.0, 1.0) * self.width, dtype=np.float64)

    def values(self, z: Vector) -> Vector:
        """``(u_0, u_1)`` at ``z``."""
        key = np.asarray(z, dtype=np.float64).tobytes()
        found = self._values.get(key)
        if found is None:
            if len(self._values) > CACHE_SIZE:
                self._values.clear()
            found = np.array(values_at(self.problem, self.issues(z)), dtype=np.float64)
            self._values[key] = found
        return found

    def jacobian(self, z: Vector) -> Vector:
        """``d u_i / d z_k``, a 2 x n array."""
        key = np.asarray(z, dtype=np.float64).tobytes()
        found = self._jacobians.get(key)
        if found is None:
            if len(self._jacobians) > CACHE_SIZE:
                self._jacobians.clear()
            z = np.clip(np.asarray(z, dtype=np.float64), 0.0, 1.0)
            found = np.column_stack([self._partial(z, k) for k in range(self.n)])
            self._jacobians[key] = found
        return found

    def _partial(self, z: Vector, k: int) -> Vector:
        h = DERIVATIVE_STEP

        def at(offset: float) -> Vector:
            moved = z.copy()
            moved[k] += offset
            return self.values(moved)

        if z[k] - h < 0:
            return (-3 * at(0.0) + 4 * at(h) - at(2 * h)) / (2 * h)
        if z[k] + h > 1:
            return (3 * at(0.0) - 4 * at(-h) + at(-2 * h)) / (2 * h)
        return (at(h) - at(-h)) / (2 * h)


def _starts(n: int) -> list[Vector]:
    """The box's centre, then its corners (or, with many issues, the centres of its faces)."""
    points = [np.full(n, 0.5)]
    if n <= CORNER_ISSUES:
        points += [np.array(corner, dtype=np.float64) for corner in itertools.product((0.0, 1.0), repeat=n)]
    else:
        for k, end in itertools.product(range(n), (0.0, 1.0)):
            face = np.full(n, 0.5)
            face[k] = end
            points.append(face)
    return points


# --- one smooth program: maximise an objective of the utilities s.t. linear rows ----------

#: An objective: ``(u, t) -> (value, d value / d u, d value / d t)``.
Objective = Callable[[Vector, float], tuple[float, Vector, float]]


@dataclass(frozen=True)
class _Program:
    """Maximise ``objective(u(z), t)`` over ``z`` in the unit box (and ``t`` if ``with_t``)
    subject to ``rows @ u(z) + rows_t * t + rows_b >= 0`` (rows scaled to order one)."""

    objective: Objective
    rows: Vector
    rows_t: Vector
    rows_b: Vector
    with_t: bool = False

    def split(self, w: Vector) -> tuple[Vector, float]:
        n = len(w) - 1 if self.with_t else len(w)
        return w[:n], float(w[n]) if self.with_t else 0.0

    def constraints(self, box: _Box, w: Vector) -> Vector:
        z, t = self.split(w)
        return np.asarray(self.rows @ box.values(z) + self.rows_t * t + self.rows_b, dtype=np.float64)

    def constraint_jacobian(self, box: _Box, w: Vector) -> Vector:
        z, _ = self.split(w)
        block = self.rows @ box.jacobian(z)
        return np.column_stack([block, self.rows_t]) if self.with_t else block

    def value(self, box: _Box, w: Vector) -> float:
        """The objective's value at ``w``."""
        z, t = self.split(w)
        return self.objective(box.values(z), t)[0]

    def gradient(self, box: _Box, w: Vector) -> tuple[float, Vector, float]:
        """The objective's value, gradient in ``w``, and the size of the terms it sums."""
        z, t = self.split(w)
        value, by_u, by_t = self.objective(box.values(z), t)
        jacobian = box.jacobian(z)
        gradient = by_u @ jacobian
        size = float(np.sum(np.abs(by_u) * np.linalg.norm(jacobian, axis=1)) + abs(by_t))
        return value, np.append(gradient, by_t) if self.with_t else gradient, size

    def start(self, box: _Box, z: Vector) -> Vector:
        """``z``, with ``t`` (if any) as large as the rows allow there."""
        if not self.with_t:
            return z
        slack = self.rows @ box.values(z) + self.rows_b
        limits = [slack[j] / -self.rows_t[j] for j in range(len(slack)) if self.rows_t[j] < 0]
        return np.append(z, min(limits) if limits else 0.0)


@dataclass(frozen=True)
class _Found:
    z: Vector
    t: float
    value: float


def _maximise(box: _Box, program: _Program, starts: list[Vector], what: str) -> _Found | None:
    """The best feasible point SLSQP finds from ``starts``, verified by its first-order
    conditions; ``None`` if no start led to a feasible point."""
    from scipy.optimize import minimize

    bounds = [(0.0, 1.0)] * box.n + ([(None, None)] if program.with_t else [])
    constraints = (
        [
            {
                "type": "ineq",
                "fun": lambda w: program.constraints(box, _inside(w, box.n)),
                "jac": lambda w: program.constraint_jacobian(box, _inside(w, box.n)),
            }
        ]
        if len(program.rows)
        else []
    )
    best: _Found | None = None
    for z in starts:
        result = minimize(
            lambda w: -program.value(box, _inside(w, box.n)),
            program.start(box, z),
            jac=lambda w: -program.gradient(box, _inside(w, box.n))[1],
            method="SLSQP",
            bounds=bounds,
            constraints=constraints,
            options={"ftol": SLSQP_FTOL, "maxiter": MAX_ITERATIONS},
        )
        w = _snap(_inside(np.asarray(result.x, dtype=np.float64), box.n), box.n)
        if len(program.rows) and float(np.min(program.constraints(box, w))) < -MULTI_FEASIBLE:
            continue
        value = program.value(box, w)
        if best is None or value > best.value:
            zz, t = program.split(w)
            best = _Found(zz, t, value)
    if best is not None:
        _verify(box, program, np.append(best.z, best.t) if program.with_t else best.z, what)
    return best


def _inside(w: Vector, n: int) -> Vector:
    w = np.asarray(w, dtype=np.float64).copy()
    w[:n] = np.clip(w[:n], 0.0, 1.0)
    return w


def _snap(w: Vector, n: int) -> Vector:
    """Issue values within :data:`ISSUE_SLACK` of an end are put on it."""
    w = w.copy()
    w[:n] = np.where(w[:n] < ISSUE_SLACK, 0.0, np.where(w[:n] > 1 - ISSUE_SLACK, 1.0, w[:n]))
    return w


def _verify(box: _Box, program: _Program, w: Vector, what: str) -> None:
    """The first-order (KKT) conditions at ``w``: the objective's gradient is a
    non-negative combination of the binding constraints' gradients pointing inwards
    (multipliers by non-negative least squares)."""
    from scipy.optimize import nnls

    _, gradient, size = program.gradient(box, w)
    columns: list[Vector] = []
    if len(program.rows):
        values, jacobian = program.constraints(box, w), program.constraint_jacobian(box, w)
        columns += [jacobian[j] for j in range(len(values)) if values[j] <= MULTI_ACTIVE]
    for k in range(box.n):
        if w[k] == 0.0 or w[k] == 1.0:
            columns.append(np.eye(len(w))[k] * (1.0 if w[k] == 0.0 else -1.0))
    if columns:
        matrix = np.column_stack(columns)
        multipliers, _ = nnls(matrix, -gradient)
        residual = float(np.linalg.norm(matrix @ multipliers + gradient))
        size += float(np.sum(multipliers * np.linalg.norm(matrix, axis=0)))
    else:
        residual = float(np.linalg.norm(gradient))
    if residual > MULTI_FIRST_ORDER * size:
        raise SolverError(
            f"bargaining {box.problem.name}: the numeric {what} failed its first-order conditions "
            f"(residual {residual:.3g} against gradients of size {size:.3g}); are the utilities smooth?"
        )


# --- programs --------------------------------------------------------------------------


def _linear(coefficients: tuple[float, float], by_t: float = 0.0) -> Objective:
    c = np.array(coefficients, dtype=np.float64)
    return lambda u, t: (float(c @ u + by_t * t), c, by_t)


def _maximin(box: _Box) -> _Found | None:
    """The agreement that maximises the smaller gain (each over its utility's spread)."""
    rows = np.diag(1 / box.scale)
    program = _Program(_linear((0.0, 0.0), 1.0), rows, -np.ones(2), -box.d / box.scale, with_t=True)
    return _maximise(box, program, box.starts, "largest smallest gain")


def _feasible_starts(box: _Box) -> list[Vector] | None:
    """Starting points where both gain (more than :data:`GAIN_FLOOR`): the starts that
    do, the others pulled towards one that does; ``None`` when no agreement gives both
    a gain (checked by maximising the smaller gain)."""

    def gains(z: Vector) -> float:
        return float(np.min((box.values(z) - box.d) / box.scale))

    good = [z for z in box.starts if gains(z) > GAIN_FLOOR]
    if not good:
        found = _maximin(box)
        if found is None or found.t <= GAIN_FLOOR:
            return None
        good = [found.z]
    anchor = max(good, key=gains)
    pulled: list[Vector] = []
    for z in box.starts:
        moved = z
        for _ in range(PULL_STEPS):
            if gains(moved) > GAIN_FLOOR:
                pulled.append(moved)
                break
            moved = (moved + anchor) / 2
    return pulled


def _safe_log(gain: float) -> tuple[float, float]:
    """``log`` and its derivative, continued below :data:`LOG_FLOOR` by the quadratic
    Taylor polynomial (finite, concave, smooth)."""
    if gain >= LOG_FLOOR:
        return math.log(gain), 1 / gain
    step = gain - LOG_FLOOR
    return (
        math.log(LOG_FLOOR) + step / LOG_FLOOR - step**2 / (2 * LOG_FLOOR**2),
        1 / LOG_FLOOR - step / LOG_FLOOR**2,
    )


def _nash_objective(box: _Box) -> Objective:
    power = np.array(box.problem.power, dtype=np.float64)
    weights = power / power.sum()

    def objective(u: Vector, t: float) -> tuple[float, Vector, float]:
        logs = [_safe_log(float(g)) for g in (u - box.d) / box.scale]
        value = sum(w * log for w, (log, _) in zip(weights, logs, strict=True))
        slope = np.array([w * d / s for w, (_, d), s in zip(weights, logs, box.scale, strict=True)])
        return float(value), slope, 0.0

    return objective


def _ideal(box: _Box, party: int, starts: list[Vector]) -> _Found | None:
    """``party``'s largest utility among agreements giving the other at least its
    disagreement payoff (``value`` is the utility over its spread)."""
    other = 1 - party
    objective = [0.0, 0.0]
    objective[party] = 1 / float(box.scale[party])
    row = np.zeros((1, 2))
    row[0, other] = 1 / box.scale[other]
    program = _Program(
        _linear((objective[0], objective[1])), row, np.zeros(1), np.array([-box.d[other] / box.scale[other]])
    )
    return _maximise(box, program, starts, f"best agreement for {box.problem.parties[party]}")


def _trade_off(box: _Box, party: int, level: float, starts: list[Vector]) -> _Found | None:
    """The agreement that maximises the other party's utility while ``party`` gets at
    least ``level``."""
    other = 1 - party
    objective = [0.0, 0.0]
    objective[other] = 1 / float(box.scale[other])
    row = np.zeros((1, 2))
    row[0, party] = 1 / box.scale[party]
    program = _Program(_linear((objective[0], objective[1])), row, np.zeros(1), np.array([-level / box.scale[party]]))
    return _maximise(box, program, starts, f"trade-off offer at {level:g} for {box.problem.parties[party]}")


def _solution(box: _Box, concept: str, z: Vector, why: str) -> MultiSolution:
    u = box.values(z)
    agreement = box.problem.agreement(box.issues(z))
    return MultiSolution(concept, agreement, (float(u[0]), float(u[1])), why, MULTI_AGREEMENT)


def _no_deal(problem: MultiIssueBargaining, concept: str) -> MultiSolution:
    return MultiSolution(
        concept,
        None,
        problem.disagreement,
        "No agreement is better for both than the disagreement point.",
        MULTI_AGREEMENT,
    )


# --- the solutions ------------------------------------------------------------------------


def nash_multi(problem: MultiIssueBargaining) -> MultiSolution:
    """The (asymmetric) Nash bargaining solution over several issues.

    Maximises ``alpha log(u_0 - d_0) + beta log(u_1 - d_1)`` (powers normalised to sum to
    one) over the box, from every starting point where both gain, and checks the
    first-order conditions at the best point found: the gradient ``alpha grad u_0 / (u_0 -
    d_0) + beta grad u_1 / (u_1 - d_1)`` is zero along every issue not at an end of its
    range, and points outwards at an end.

    Raises
    ------
    SolverError
        If the point found fails its first-order conditions (utilities that are not
        smooth, or a numerical failure).

    Examples
    --------
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> solution = nash_multi(trade)  # logrolling: A gets all of a, B all of b
    >>> solution.agreement, solution.utilities
    ({'a': 1.0, 'b': 0.0}, (3.0, 3.0))
    """
    box = _Box(problem)
    starts = _feasible_starts(box)
    if starts is None:
        return _no_deal(problem, "nash")
    program = _Program(_nash_objective(box), np.zeros((0, 2)), np.zeros(0), np.zeros(0))
    found = _maximise(box, program, starts, "Nash solution")
    if found is None or float(np.min((box.values(found.z) - box.d) / box.scale)) < LOG_FLOOR:
        raise SolverError(f"bargaining {problem.name}: the numeric Nash solution left the agreements both prefer")
    alpha, beta = problem.power
    why = "The agreement that maximises the product of both parties' gains over the disagreement point" + (
        " (weighted by their bargaining powers)" if alpha != beta else ""
    )
    return _solution(box, "nash", found.z, why + ", over all issues at once (numerically).")


def kalai_smorodinsky_multi(problem: MultiIssueBargaining) -> MultiSolution:
    """The Kalai-Smorodinsky solution over several issues.

    First each party's *ideal*: its largest utility among agreements that give the other
    at least its disagreement payoff. Then the largest ``t`` such that ``u_i - d_i >= t
    (ideal_i - d_i)`` for both: the point where the line from the disagreement point to
    the ideal point meets the frontier.

    Raises
    ------
    SolverError
        If a point found fails its first-order conditions.

    Examples
    --------
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> solution = kalai_smorodinsky_multi(trade)  # ideals (4, 4): equal gains 3 at the kink
    >>> solution.agreement, solution.utilities
    ({'a': 1.0, 'b': 0.0}, (3.0, 3.0))
    """
    box = _Box(problem)
    starts = _feasible_starts(box)
    if starts is None:
        return _no_deal(problem, "kalai_smorodinsky")
    ideals = [_ideal(box, party, starts) for party in (0, 1)]
    gains = np.array([box.values(found.z)[p] - box.d[p] if found else 0.0 for p, found in enumerate(ideals)])
    if np.any(gains <= GAIN_FLOOR * box.scale):
        raise SolverError(f"bargaining {problem.name}: a party's ideal is no gain although both can gain")
    rows = np.diag(1 / gains)
    program = _Program(_linear((0.0, 0.0), 1.0), rows, -np.ones(2), -box.d / gains, with_t=True)
    found = _maximise(box, program, starts, "Kalai-Smorodinsky solution")
    if found is None:
        raise SolverError(f"bargaining {problem.name}: the Kalai-Smorodinsky search found no feasible point")
    why = (
        f"Each party gets the same share ({found.t:.3g}) of the most it could hope for, "
        "over all issues at once (numerically)."
    )
    return _solution(box, "kalai_smorodinsky", found.z, why)


def frontier(problem: MultiIssueBargaining, points: int = 50) -> tuple[FrontierPoint, ...]:
    """The Pareto frontier of the agreements both prefer to disagreeing, sampled in
    utility space: for ``points`` levels of party 0's utility from ``d_0`` to its ideal,
    the agreement that gives party 1 the most while party 0 gets at least the level.
    Empty when no agreement gives both a gain. The first level is searched from every
    starting point, each next one from the point found for the level before (with
    utilities that have several local maxima, a point may be a local one: each is still
    checked by its first-order conditions).

    Examples
    --------
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> [tuple(round(u, 9) for u in point.utilities) for point in frontier(trade, 5)]
    [(0.0, 4.0), (1.0, 3.666666667), (2.0, 3.333333333), (3.0, 3.0), (4.0, 0.0)]
    """
    if points < 2:
        raise BargainingError(f"bargaining {problem.name}: sample the frontier at 2 points or more, not {points}")
    box = _Box(problem)
    starts = _feasible_starts(box)
    if starts is None:
        return ()
    ideal = _ideal(box, 0, starts)
    if ideal is None:
        return ()
    top = float(box.values(ideal.z)[0])
    sampled: list[FrontierPoint] = []
    previous: list[Vector] = []
    for k in range(points - 1):
        level = box.d[0] + (top - box.d[0]) * k / (points - 1)
        found = _trade_off(box, 0, level, previous or starts)
        if found is None:
            raise SolverError(f"bargaining {problem.name}: no agreement gives {problem.parties[0]} {level:g}")
        sampled.append(_point(box, found.z))
        previous = [found.z]
    sampled.append(_point(box, ideal.z))
    return tuple(sampled)


def _point(box: _Box, z: Vector) -> FrontierPoint:
    u = box.values(z)
    return FrontierPoint((float(u[0]), float(u[1])), box.problem.agreement(box.issues(z)))


# --- the offer space of the negotiation protocols ----------------------------------------


class MultiIssueSpace:
    """Offers over several issues, for the negotiation protocols: an offer is a tuple of
    issue values (in issue order).

    Parameters
    ----------
    problem : MultiIssueBargaining

    Examples
    --------
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> space = MultiIssueSpace(trade)
    >>> space.best(0), space.reserve(0)
    (4.0, 0.0)
    >>> offer = space.offer_for(0, 3.5)  # A asks 3.5: all of a and half of b, B keeps 1.5
    >>> [round(x, 9) for x in offer], round(space.utility(1, offer), 9)
    ([1.0, 0.5], 1.5)
    """

    def __init__(self, problem: MultiIssueBargaining) -> None:
        self.problem = problem
        self._box = _Box(problem)
        self._ideals: dict[int, _Found] = {}
        self._offers: dict[tuple[int, float], Vector] = {}
        self._open: bool | None = None
        self._nash: tuple[tuple[float, ...], tuple[float, ...]] | None = None

    @property
    def parties(self) -> tuple[str, str]:
        """The two parties' names."""
        return self.problem.parties

    def utility(self, party: int, offer: Offer) -> float:
        """``party``'s utility of ``offer``."""
        return self.problem.utility(party, _vector(offer))

    def has_range(self) -> bool:
        """Whether some agreement gives both parties more than disagreeing (else there
        is nothing to offer: a negotiation ends ``"no_range"``)."""
        if self._open is None:
            self._open = _feasible_starts(self._box) is not None
        return self._open

    def blend(self, offer: Offer, other: Offer, weight: Number) -> tuple[float, ...]:
        """``weight`` of ``offer`` and ``1 - weight`` of ``other``, issue by issue, clipped
        into the issues' ranges (a mediator's text).

        Examples
        --------
        >>> trade = MultiIssueBargaining(
        ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
        ...     (lambda x: x[0] + x[1], lambda x: 2 - x[0] - x[1]))
        >>> MultiIssueSpace(trade).blend((1.0, 0.0), (0.0, 1.0), 0.25)
        (0.25, 0.75)
        """
        w = float(weight)
        mixed = w * np.array(_vector(offer)) + (1 - w) * np.array(_vector(other))
        return tuple(float(x) for x in np.clip(mixed, self.problem.low, self.problem.high))

    def equilibrium(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """The offer each party makes as an ``equilibrium`` player: over several issues
        no subgame-perfect offer of alternating offers is computed, so both offer the
        (asymmetric) Nash solution (:func:`nash_multi`, computed once) and accept what
        it gives them.

        Raises
        ------
        BargainingError
            If no agreement gives both parties more than disagreeing.

        Examples
        --------
        >>> trade = MultiIssueBargaining(
        ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
        ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
        >>> MultiIssueSpace(trade).equilibrium()
        ((1.0, 0.0), (1.0, 0.0))
        """
        if self._nash is None:
            solution = nash_multi(self.problem)
            if solution.agreement is None:
                raise BargainingError(
                    f"bargaining {self.problem.name}: no agreement is better for both than the disagreement point"
                )
            offer = tuple(solution.agreement[issue] for issue in self.problem.issues)
            self._nash = (offer, offer)
        return self._nash

    def reserve(self, party: int) -> float:
        """``party``'s disagreement payoff: what it gets if talks fail."""
        return float(self.problem.disagreement[party])

    def best(self, party: int) -> float:
        """``party``'s highest utility among agreements giving the other at least its
        disagreement payoff.

        Raises
        ------
        BargainingError
            If no agreement gives the other party its disagreement payoff.
        """
        return float(self._box.values(self._ideal(party).z)[party])

    def offer_for(self, party: int, target: Number) -> tuple[float, ...]:
        """The offer that is best for the other party among those worth at least
        ``target`` to ``party`` (a point of the Pareto frontier): ``party``'s trade-off
        offer. A target above :meth:`best` gives the offer worth :meth:`best`.

        The search starts from both ends of the frontier (each party's best agreement,
        found once from every starting point) and from the offer already found for the
        nearest target; offers are remembered per target.

        Raises
        ------
        BargainingError
            If no agreement gives the other party its disagreement payoff.
        SolverError
            If the offer found fails its first-order conditions.
        """
        ideal = self._ideal(party)
        if target >= self.best(party):
            return self._offer(ideal.z)
        key = (party, float(target))
        if key not in self._offers:
            found = _trade_off(self._box, party, float(target), self._anchors(party, float(target)))
            if found is None:
                raise SolverError(
                    f"bargaining {self.problem.name}: no offer is worth {target:g} to {self.parties[party]}"
                )
            self._offers[key] = found.z
        return self._offer(self._offers[key])

    def _anchors(self, party: int, target: float) -> list[Vector]:
        """Where the search for a trade-off offer starts: the offer already found for the
        nearest target, and both parties' best agreements (the ends of the frontier)."""
        solved = [(abs(level - target), z) for (who, level), z in self._offers.items() if who == party]
        nearest = [min(solved, key=lambda pair: pair[0])[1]] if solved else []
        return [*nearest, self._ideal(party).z, self._ideal(1 - party).z]

    def agreement(self, offer: Offer) -> dict[str, float]:
        """``offer`` with its issues named."""
        return self.problem.agreement(_vector(offer))

    def _offer(self, z: Vector) -> tuple[float, ...]:
        return tuple(float(x) for x in self._box.issues(z))

    def _ideal(self, party: int) -> _Found:
        if party not in self._ideals:
            found = _ideal(self._box, party, self._box.starts)
            if found is None:
                other = self.parties[1 - party]
                raise BargainingError(
                    f"bargaining {self.problem.name}: no agreement gives {other} its disagreement payoff "
                    f"{self.problem.disagreement[1 - party]:g}: there is nothing to offer"
                )
            self._ideals[party] = found
        return self._ideals[party]


def _vector(offer: Offer) -> tuple[float, ...]:
    """An offer over several issues as its tuple of issue values.

    Raises
    ------
    TypeError
        If ``offer`` is one number (a one-issue offer).
    """
    if not isinstance(offer, tuple):
        raise TypeError(f"an offer over several issues is one value per issue, not {offer!r}")
    return offer
