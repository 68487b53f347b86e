"""Two-party bargaining over one continuous issue, with war as the outside option.

The problem is a :class:`sim.game.bargaining.Bargaining`.

Solutions (each returned as a :class:`Solution`, checked before it is returned)
    :func:`nash_solution`
        Nash (1950), asymmetric with bargaining powers (Kalai 1977): the agreement that
        maximises the product of the gains over the disagreement point, each raised to
        its power. Closed form for affine utilities, exact in fractions.
    :func:`kalai_smorodinsky`
        Kalai & Smorodinsky (1975): the agreement where each party's gain is the same
        share of its largest possible gain.
    :func:`rubinstein`
        Rubinstein (1982) alternating offers, infinite horizon: the unique subgame-perfect
        split, with discount factors per party, outside options a responder may take
        (Binmore, Shaked & Sutton 1989: an option changes the outcome only when it binds,
        the *outside-option principle*) and a breakdown risk after each rejection
        (Binmore, Rubinstein & Wolinsky 1986). The first proposer's offer is accepted at
        once.
    :func:`equilibrium_offers`
        The offer each party makes when it proposes in that equilibrium (what an
        equilibrium player offers in :mod:`sim.solvers.protocols`).
    :func:`rubinstein_finite`
        The same with a last round, by backward induction; it converges to
        :func:`rubinstein` as the horizon grows.
    :func:`screening_offer`
        A take-it-or-leave-it offer by a proposer who does not know the responder's
        value of fighting (Fearon 1995's private information): the offer that maximises
        the proposer's expected utility over the responder's types, and the chance of war
        (a rejection) it accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sim.errors import SolverError
from sim.game.bargaining import Bargaining, BargainingError, Number, bargaining_range
from sim.game.tolerances import DERIVATIVE_STEP, FIRST_ORDER, FIXED_POINT, ISSUE_SLACK, MAXIMUM_X, ROOT_X

__all__ = [
    "Screening",
    "Solution",
    "equilibrium_offers",
    "kalai_smorodinsky",
    "nash_solution",
    "reservation_offers",
    "rubinstein",
    "rubinstein_finite",
    "screening_offer",
]


@dataclass(frozen=True)
class Solution:
    """A solution of a bargaining problem.

    Attributes
    ----------
    concept : str
    agreement : number or None
        The agreed ``y``; ``None`` when talks fail (no agreement both prefer to fighting).
    utilities : tuple of two numbers
        What each party gets.
    explanation : str
        Why, in one or two sentences (for the teaching view).
    """

    concept: str
    agreement: Number | None
    utilities: tuple[Number, Number]
    explanation: str


def _no_deal(problem: Bargaining, concept: str, why: str) -> Solution:
    return Solution(concept, None, problem.disagreement, why)


# --- Nash and Kalai-Smorodinsky ---------------------------------------------------------


def nash_solution(problem: Bargaining) -> Solution:
    """The (asymmetric) Nash bargaining solution.

    With affine utilities ``u_i = a_i + b_i y`` and powers ``alpha``, ``beta``, the product
    ``(u_0 - d_0)**alpha (u_1 - d_1)**beta`` is largest where its logarithm's derivative is
    zero: ``alpha b_0 / (u_0 - d_0) + beta b_1 / (u_1 - d_1) = 0``, i.e.
    ``y = -(alpha b_0 (a_1 - d_1) + beta b_1 (a_0 - d_0)) / ((alpha + beta) b_0 b_1)``,
    clipped to the bargaining range.

    Examples
    --------
    >>> zone = Bargaining("zone", ("Ukraine", "Russia"), "y", Fraction(0), Fraction(1),
    ...                   (Fraction(-1), Fraction(1)), (Fraction(192, 250), Fraction(0)),
    ...                   disagreement=(Fraction(1, 5), Fraction(1, 2)))
    >>> nash_solution(zone).agreement  # the middle of the range [1/2, 71/125]
    Fraction(267, 500)
    """
    span = bargaining_range(problem)
    if span is None:
        return _no_deal(problem, "nash", "No agreement is better for both than the disagreement point.")
    if problem.curves is not None:
        return _nash_numeric(problem, span)
    (a0, a1), (b0, b1) = problem.intercepts, problem.slopes
    (d0, d1), (alpha, beta) = problem.disagreement, problem.power
    if b0 * b1 >= 0:  # both gain in the same direction (or one is indifferent): the end both like best
        y = span[1] if b0 + b1 > 0 else span[0]
        why = "Both parties prefer the same end of the range."
    else:
        y = -(alpha * b0 * (a1 - d1) + beta * b1 * (a0 - d0)) / ((alpha + beta) * b0 * b1)
        y = min(max(y, span[0]), span[1])
        why = "The agreement that maximises the product of both parties' gains over the disagreement point" + (
            " (weighted by their bargaining powers)." if alpha != beta else ": it splits the gains evenly."
        )
    return Solution("nash", y, (problem.utility(0, y), problem.utility(1, y)), why)


def kalai_smorodinsky(problem: Bargaining) -> Solution:
    """The Kalai-Smorodinsky solution: each party's gain over the disagreement point is
    the same share of the largest gain it could get in the bargaining range.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> kalai_smorodinsky(pie).agreement
    Fraction(1, 2)
    """
    span = bargaining_range(problem)
    if span is None:
        return _no_deal(problem, "kalai_smorodinsky", "No agreement is better for both than the disagreement point.")
    ideal = [max(problem.utility(p, span[0]), problem.utility(p, span[1])) for p in (0, 1)]
    gains = [ideal[p] - problem.disagreement[p] for p in (0, 1)]
    if gains[0] == 0 or gains[1] == 0:
        y = span[0]
    elif problem.curves is not None:
        y = _equal_shares(problem, span, gains)
    else:
        # (a_0 + b_0 y - d_0) / g_0 = (a_1 + b_1 y - d_1) / g_1, linear in y
        (a0, a1), (b0, b1), (d0, d1) = problem.intercepts, problem.slopes, problem.disagreement
        denominator = b0 / gains[0] - b1 / gains[1]
        y = span[0] if denominator == 0 else ((a1 - d1) / gains[1] - (a0 - d0) / gains[0]) / denominator
        y = min(max(y, span[0]), span[1])
    why = "Each party gets the same share of the most it could hope for within the bargaining range."
    return Solution("kalai_smorodinsky", y, (problem.utility(0, y), problem.utility(1, y)), why)


# --- alternating offers ---------------------------------------------------------------


def rubinstein(problem: Bargaining) -> Solution:
    """The subgame-perfect agreement of alternating offers with an infinite horizon.

    Let ``M_i`` be what party ``i`` gets when it proposes. The responder ``j`` accepts an
    offer worth at least ``max(w_j, (1 - q) delta_j M_j + q d_j)`` (its outside option, or
    the value of rejecting: with the breakdown risk ``q`` talks fail, else ``j`` proposes
    next round; without an outside option, ``w_j`` is its disagreement payoff, since it
    can always walk away), and a proposer offers exactly that. So ``M_i`` is what is left for ``i``
    when ``j`` gets that much: two piecewise-affine equations, solved exactly for each of
    the four cases of which outside options bind; the consistent case is the equilibrium.
    Without outside options or breakdown, on a pie of one: ``M_i = (1 - delta_j) / (1 -
    delta_i delta_j)``, so ``1 / (1 + delta)`` for equal discounting.

    Raises
    ------
    BargainingError
        If a party's utility does not depend on the issue (nothing to bargain over).

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(9, 10), Fraction(9, 10)),
    ...                        outside=(None, Fraction(1, 2)))
    >>> rubinstein(pie).agreement  # B's option 1/2 beats its Rubinstein share 9/19: it binds
    Fraction(1, 2)
    """
    span = bargaining_range(problem)
    if span is None:
        return _no_deal(problem, "rubinstein", "No agreement is better for both than the disagreement point.")
    _check_opposed(problem)
    if problem.breakdown == 0 and all(d == 1 for d in problem.discount):
        raise BargainingError(
            f"bargaining {problem.name}: alternating offers with no discounting and no breakdown risk have no unique "
            "equilibrium (any split is one); give a discount factor below 1 or a breakdown risk"
        )
    offers = _alternating(problem, span)
    proposer = problem.first
    y = offers[proposer]
    q = problem.breakdown
    # j's walk-away value binds when it is worth more than rejecting and proposing next
    binding = [problem.walk_away(j) > _continuation(problem, j, offers[j], q) for j in (0, 1)]
    responder = 1 - proposer
    names = problem.parties
    why = (
        f"{names[proposer]} proposes first and offers {names[responder]} just what rejecting "
        "is worth to it; waiting costs the responder a round of discounting, so the first proposer keeps more."
    )
    if binding[responder]:
        what = "outside option" if problem.outside[responder] is not None else "disagreement payoff (walking away)"
        why = (
            f"{names[responder]}'s {what} is worth more than what it could get by bargaining on, "
            f"so it binds: {names[proposer]} offers it exactly that."
        )
    elif binding[proposer]:
        what = "outside option" if problem.outside[proposer] is not None else "disagreement payoff (walking away)"
        why = (
            f"{names[proposer]} proposes first. Its {what}, {_plain(problem.walk_away(proposer))}, is worth more "
            f"than waiting a round to propose again, so when {names[responder]} proposes it must offer "
            f"{names[proposer]} exactly that (the option binds, Binmore, Shaked & Sutton 1989); "
            f"{names[proposer]} then offers {names[responder]} just what rejecting is worth, and keeps the rest."
        )
    return Solution("rubinstein", y, (problem.utility(0, y), problem.utility(1, y)), why)


def _plain(value: Number) -> str:
    return str(value) if isinstance(value, Fraction) else f"{float(value):.4g}"


def equilibrium_offers(problem: Bargaining) -> tuple[Number, Number]:
    """The offers ``(y_0, y_1)`` of the stationary subgame-perfect equilibrium of
    alternating offers: ``y_i`` is what party ``i`` offers when it proposes (see
    :func:`rubinstein`; the first proposer's offer is its agreement). Without discounting
    and without a breakdown risk every split is an equilibrium; then both offer the Nash
    solution's agreement (the limit of Rubinstein's as the discount factors tend to 1,
    Binmore, Rubinstein & Wolinsky 1986).

    Raises
    ------
    BargainingError
        If there is no bargaining range, or (with discounting or a breakdown risk) the
        parties do not pull the issue in opposite directions or a utility is negative on
        the range.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(9, 10), Fraction(9, 10)))
    >>> equilibrium_offers(pie)  # A keeps 1/(1 + 9/10); B offers A 9/10 of that
    (Fraction(10, 19), Fraction(9, 19))
    >>> equilibrium_offers(Bargaining.split("even", ("A", "B")))  # no discounting: the Nash split
    (Fraction(1, 2), Fraction(1, 2))
    """
    span = bargaining_range(problem)
    if span is None:
        raise BargainingError(
            f"bargaining {problem.name}: no agreement is better for both than the disagreement point, "
            "so there are no equilibrium offers"
        )
    if problem.breakdown == 0 and all(d == 1 for d in problem.discount):
        y = nash_solution(problem).agreement
        assert y is not None  # the range is not empty
        return (y, y)
    return _alternating(problem, span)


def _alternating(problem: Bargaining, span: tuple[Number, Number]) -> tuple[Number, Number]:
    """The stationary offers, after checking that alternating offers have them."""
    _check_opposed(problem)
    _check_levels(problem, span)
    return _stationary_offers(problem, span) if problem.curves is None else _offers_numeric(problem, span)


def _check_opposed(problem: Bargaining) -> None:
    if 0 in problem.favours or problem.favours[0] == problem.favours[1]:
        raise BargainingError(
            f"bargaining {problem.name}: alternating offers need parties pulling {problem.issue} in opposite directions"
        )


def _check_levels(problem: Bargaining, span: tuple[Number, Number]) -> None:
    """Alternating offers discount utility levels towards 0, the value of disagreeing for
    ever (Rubinstein 1982; Binmore, Shaked & Sutton 1989): utilities must not be negative
    over the bargaining range."""
    for party in (0, 1):
        if min(problem.utility(party, span[0]), problem.utility(party, span[1])) < 0:
            raise BargainingError(
                f"bargaining {problem.name}: alternating offers discount utilities towards 0 (disagreeing for ever), "
                f"so {problem.parties[party]}'s utility must be at least 0 over the bargaining range; add a constant "
                "to it (and to its disagreement payoff)"
            )


def _stationary_offers(problem: Bargaining, span: tuple[Number, Number]) -> tuple[Number, Number]:
    """The offers ``(y_0, y_1)`` each party makes when it proposes (stationary equilibrium)."""
    q = problem.breakdown
    for binds in ((False, False), (True, False), (False, True), (True, True)):
        offers = _offers_if(problem, binds, q)
        if offers is None:
            continue
        if all(span[0] - _slack(problem) <= y <= span[1] + _slack(problem) for y in offers) and _consistent(
            problem, offers, binds, q
        ):
            return (min(max(offers[0], span[0]), span[1]), min(max(offers[1], span[0]), span[1]))
    return _offers_at_ends(problem, span)


def _offers_at_ends(problem: Bargaining, span: tuple[Number, Number]) -> tuple[Number, Number]:
    """The stationary offers when one lies at an end of the range: the offer that would
    leave the responder just indifferent lies beyond it, so the proposer asks for the whole
    range and the responder gets more than rejecting is worth (e.g. a responder whose
    utility never falls low). The fixed-point iteration finds which offers sit at an end;
    the others follow from them exactly, and the fixed point is checked exactly."""
    approximate = _offers_numeric(problem, span)
    offers: list[Number | None] = [_end_at(span, y) for y in approximate]
    for _ in (0, 1):
        for i in (0, 1):
            other = offers[1 - i]
            if offers[i] is None and other is not None:
                offers[i] = _offer_against(problem, span, i, other)
    y_0, y_1 = offers
    if y_0 is None or y_1 is None or not _is_fixed_point(problem, span, (y_0, y_1)):
        raise SolverError(f"bargaining {problem.name}: no stationary equilibrium found (this is a bug)")
    return (y_0, y_1)


def _is_fixed_point(problem: Bargaining, span: tuple[Number, Number], offers: tuple[Number, Number]) -> bool:
    return all(_offer_against(problem, span, i, offers[1 - i]) == offers[i] for i in (0, 1))


def _end_at(span: tuple[Number, Number], y: Number) -> Number | None:
    """The end of ``span`` that the clipped float ``y`` is, or None inside it."""
    return next((end for end in span if float(end) == y), None)


def _offer_against(problem: Bargaining, span: tuple[Number, Number], i: int, other: Number) -> Number:
    """What ``i`` offers when proposing, if the responder ``j`` would offer ``other`` next:
    just what rejecting (or walking away) is worth to ``j``, clipped into the range."""
    j = 1 - i
    need = max(problem.walk_away(j), _continuation(problem, j, other, problem.breakdown))
    return min(max(problem.solve_for(j, need), span[0]), span[1])


def _slack(problem: Bargaining) -> Number:
    return 0 if isinstance(problem.low, Fraction) and isinstance(problem.high, Fraction) else ISSUE_SLACK


def _continuation(problem: Bargaining, j: int, proposing: Number, q: Number) -> Number:
    """What rejecting is worth to ``j``: breakdown (``q``) or ``j``'s own offer next round."""
    return (1 - q) * problem.discount[j] * problem.utility(j, proposing) + q * problem.disagreement[j]


def _offers_if(problem: Bargaining, binds: tuple[bool, bool], q: Number) -> tuple[Number, Number] | None:
    """Solve ``u_j(y_i) = w_j`` (if ``j``'s option binds) or ``u_j(y_i) = continuation``,
    for both proposers ``i`` (``j = 1 - i``): two affine equations in ``y_0``, ``y_1``."""
    # u_j(y_i) = a_j + b_j y_i; continuation = (1 - q) delta_j (a_j + b_j y_j) + q d_j
    rows: list[list[Number]] = []
    rhs: list[Number] = []
    for i in (0, 1):
        j = 1 - i
        a, b = problem.intercepts[j], problem.slopes[j]
        coefficients: list[Number] = [b * 0, b * 0]  # zeros of b's kind: exact stays exact
        coefficients[i] = b
        outside = problem.walk_away(j)
        if binds[j]:
            rows.append(coefficients)
            rhs.append(outside - a)
        else:
            factor = (1 - q) * problem.discount[j]
            coefficients[j] = coefficients[j] - factor * b
            rows.append(coefficients)
            rhs.append(factor * a + q * problem.disagreement[j] - a)
    (p, r), (s, t) = rows
    determinant = p * t - r * s
    if determinant == 0:
        return None
    return ((rhs[0] * t - r * rhs[1]) / determinant, (p * rhs[1] - s * rhs[0]) / determinant)


def _consistent(problem: Bargaining, offers: tuple[Number, Number], binds: tuple[bool, bool], q: Number) -> bool:
    """An outside option binds exactly when it is worth more than continuing."""
    for i in (0, 1):
        j = 1 - i
        going_on = _continuation(problem, j, offers[j], q)
        if binds[j] != (problem.walk_away(j) > going_on):
            return False
    return True


def rubinstein_finite(problem: Bargaining, rounds: int) -> Solution:
    """Alternating offers over at most ``rounds`` rounds, by backward induction: in the
    last round the responder accepts anything worth its outside option or disagreement
    payoff; in each earlier round, anything worth what rejecting is (see
    :func:`rubinstein`). As ``rounds`` grows the agreement converges to the infinite-
    horizon one.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), discount=(Fraction(1, 2), Fraction(1, 2)))
    >>> [rubinstein_finite(pie, t).agreement for t in (1, 2, 3)]  # 1, 1 - 1/2, 1 - 1/2 (1/2 + ...)
    [Fraction(1, 1), Fraction(1, 2), Fraction(3, 4)]
    """
    if rounds < 1:
        raise BargainingError(f"bargaining {problem.name}: the horizon must be at least one round, not {rounds}")
    span = bargaining_range(problem)
    if span is None:
        return _no_deal(problem, "rubinstein_finite", "No agreement is better for both than the disagreement point.")
    _check_levels(problem, span)
    proposers = [(problem.first + t) % 2 for t in range(rounds)]
    # value[i]: what party i gets from the start of the next round on (the last: disagreement)
    value = list(problem.disagreement)
    offer: Number = span[0]
    for t in range(rounds - 1, -1, -1):
        i = proposers[t]
        j = 1 - i
        last = t == rounds - 1
        rejecting = (
            problem.disagreement[j]
            if last
            else (
                (1 - problem.breakdown) * problem.discount[j] * value[j] + problem.breakdown * problem.disagreement[j]
            )
        )
        need = max(problem.walk_away(j), rejecting)
        offer = min(max(problem.solve_for(j, need), span[0]), span[1])
        value = [problem.utility(0, offer), problem.utility(1, offer)]
    why = f"Backward induction over {rounds} rounds: each proposer offers just what rejecting is worth."
    return Solution("rubinstein_finite", offer, (value[0], value[1]), why)


# --- numeric solutions (utilities that are not affine) ------------------------------------

#: Most rounds of the fixed-point iteration for alternating offers (a contraction by
#: (1 - breakdown)**2 * delta_0 * delta_1 per round).
MAX_ITERATIONS = 100_000


def _nash_numeric(problem: Bargaining, span: tuple[Number, Number]) -> Solution:
    """Maximise the weighted sum of log-gains on the range (Brent's bounded search: as
    precise as about 1e-8 of the range, the square root of the float precision, since
    the maximum is found from function values); verified by its first-order condition
    (a zero derivative inside the range)."""
    from scipy.optimize import minimize_scalar

    low, high = float(span[0]), float(span[1])
    alpha, beta = float(problem.power[0]), float(problem.power[1])
    d0, d1 = float(problem.disagreement[0]), float(problem.disagreement[1])

    def objective(y: float) -> float:
        g0, g1 = float(problem.utility(0, y)) - d0, float(problem.utility(1, y)) - d1
        return float("inf") if g0 <= 0 or g1 <= 0 else -(alpha * _log(g0) + beta * _log(g1))

    if high - low <= ISSUE_SLACK * max(1.0, abs(low)):
        y = low
    else:
        found = minimize_scalar(objective, bounds=(low, high), method="bounded", options={"xatol": MAXIMUM_X})
        y = float(found.x)
        _check_first_order(problem, objective, y, low, high)
    why = "The agreement that maximises the product of both parties' gains over the disagreement point (numerically)."
    return Solution("nash", y, (problem.utility(0, y), problem.utility(1, y)), why)


def _log(value: float) -> float:
    import math

    return math.log(value)


def _check_first_order(
    problem: Bargaining, objective: Callable[[float], float], y: float, low: float, high: float
) -> None:
    step = DERIVATIVE_STEP * (high - low)
    inside = low + step < y < high - step
    if not inside:
        return  # at an end: the bounded search keeps it only where the objective does not improve inwards
    slope = (objective(y + step) - objective(y - step)) / (2 * step)
    scale = abs(objective(y)) + 1.0
    if abs(slope) * (high - low) > FIRST_ORDER * scale:
        raise SolverError(f"bargaining {problem.name}: the numeric Nash solution failed its first-order condition")


def _equal_shares(problem: Bargaining, span: tuple[Number, Number], gains: list[Number]) -> float:
    from scipy.optimize import brentq

    def difference(y: float) -> float:
        return float((problem.utility(0, y) - problem.disagreement[0]) / gains[0]) - float(
            (problem.utility(1, y) - problem.disagreement[1]) / gains[1]
        )

    low, high = float(span[0]), float(span[1])
    if difference(low) * difference(high) > 0:
        return low if abs(difference(low)) < abs(difference(high)) else high
    return float(brentq(difference, low, high, xtol=ROOT_X))


def _offers_numeric(problem: Bargaining, span: tuple[Number, Number]) -> tuple[Number, Number]:
    """The stationary offers by fixed-point iteration: each proposer offers the responder
    what rejecting is worth (its outside option or continuing)."""
    q = float(problem.breakdown)
    offers = [float(span[0]), float(span[1])]
    for _ in range(MAX_ITERATIONS):
        new = []
        for i in (0, 1):
            j = 1 - i
            need = max(float(_continuation(problem, j, offers[j], q)), float(problem.walk_away(j)))
            new.append(min(max(float(problem.solve_for(j, need)), float(span[0])), float(span[1])))
        if max(abs(a - b) for a, b in zip(new, offers)) <= FIXED_POINT * max(1.0, abs(float(span[1]))):
            return (new[0], new[1])
        offers = new
    raise SolverError(f"bargaining {problem.name}: alternating offers did not converge in {MAX_ITERATIONS} rounds")


# --- private information: screening offers -----------------------------------------------


@dataclass(frozen=True)
class Screening:
    """A take-it-or-leave-it offer to a responder of unknown type.

    Attributes
    ----------
    offer : number or None
        The offer made (``None``: no offer, fighting on is better).
    accepted_by : tuple of int
        The types that accept it.
    war_probability : number
        The chance the offer is rejected (or that there is no offer).
    expected : number
        The proposer's expected utility.
    values : tuple of (offer or None, expected utility)
        Every candidate offer considered and what it is worth to the proposer.
    """

    offer: Number | None
    accepted_by: tuple[int, ...]
    war_probability: Number
    expected: Number
    values: tuple[tuple[Number | None, Number], ...]


def reservation_offers(problem: Bargaining, floors: Sequence[Number], *, responder: int) -> list[Number]:
    """The offers worth making to a responder whose disagreement payoff is one of
    ``floors``: for each, the agreement in the issue's range that gives the responder
    exactly that much, or the range's end it likes least when even that gives it more;
    none for a floor above everything the range can give it. Without repeats, the most
    generous to the responder first.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"))  # B gets 1 - y
    >>> reservation_offers(pie, [Fraction(1, 2), Fraction(-1), Fraction(3, 2), Fraction(1, 2)], responder=1)
    [Fraction(1, 2), Fraction(1, 1)]
    """
    ends = sorted((problem.low, problem.high), key=lambda y: problem.utility(responder, y))
    cheapest, dearest = problem.utility(responder, ends[0]), problem.utility(responder, ends[1])
    offers: set[Number] = set()
    for floor in floors:
        if floor > dearest:
            continue  # nothing in the range is worth fighting's value to this type
        y = ends[0] if floor <= cheapest else problem.solve_for(responder, floor)
        offers.add(min(max(y, problem.low), problem.high))
    return sorted(offers, key=lambda y: -problem.utility(responder, y))


def screening_offer(
    problem: Bargaining, types: Sequence[tuple[Number, Number]], *, proposer: int | None = None
) -> Screening:
    """The proposer's best take-it-or-leave-it offer when the responder's disagreement
    payoff is private: ``types`` lists ``(probability, disagreement payoff)`` of each type.

    Type ``k`` accepts an offer worth at least its disagreement payoff to it. Only offers
    that make some type exactly indifferent can be best (a more generous one gives away
    more to the same types), or, for a type that the range's stingiest end still
    satisfies, that end (:func:`reservation_offers`), so each such offer and "no offer"
    are compared; ties go to
    the offer accepted with the higher probability, then to no offer (Fearon 1995's
    risk-return trade-off: a tougher offer gains when accepted and risks war); an offer
    only types of probability 0 would accept is no better than none.

    Examples
    --------
    >>> zone = Bargaining("zone", ("Ukraine", "Russia"), "y", Fraction(0), Fraction(1),
    ...                   (Fraction(-1), Fraction(1)), (Fraction(192, 250), Fraction(0)),
    ...                   disagreement=(Fraction(1, 5), Fraction(1, 2)))
    >>> result = screening_offer(zone, [(Fraction(3, 10), Fraction(1, 2)), (Fraction(7, 10), Fraction(3, 10))])
    >>> result.offer, result.accepted_by, result.war_probability, result.expected  # the brief's 969/2500
    (Fraction(3, 10), (1,), Fraction(3, 10), Fraction(969, 2500))
    """
    i = problem.first if proposer is None else proposer
    j = 1 - i
    if not types or sum(p for p, _ in types) <= 0:
        raise BargainingError(f"bargaining {problem.name}: the responder's types have no probability")
    total = sum(p for p, _ in types)
    weights = [p / total for p, _ in types]
    fallback = problem.disagreement[i]
    candidates: list[tuple[Number | None, Number, tuple[int, ...]]] = [(None, fallback, ())]
    for y in reservation_offers(problem, [floor for _, floor in types], responder=j):
        accepting = tuple(k for k, (_, floor) in enumerate(types) if problem.utility(j, y) >= floor)
        share = sum(weights[k] for k in accepting)
        worth = share * problem.utility(i, y) + (1 - share) * fallback
        candidates.append((y, worth, accepting))
    best = max(candidates, key=lambda c: (c[1], sum(weights[k] for k in c[2])))
    accepted = sum(weights[k] for k in best[2])
    return Screening(best[0], best[2], 1 - accepted, best[1], tuple((y, worth) for y, worth, _ in candidates))
