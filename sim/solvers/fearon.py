"""Fearon (1995): war between rational states from private information.

With complete information war is never the outcome when it is costly: the agreements
both sides prefer to fighting form the *bargaining range* (with a pie, war won with
chance ``p`` at costs ``c_A`` and ``c_B``, the shares of A from ``p - c_A`` to ``p + c_B``;
:func:`sim.game.bargaining.bargaining_range`), and a proposer offers the responder just
what fighting is worth to it. When the responder's value of fighting is private, the
proposer faces a *risk-return trade-off*: a tougher demand gains more when accepted and
is rejected, meaning war, more often.

:func:`uniform_demand`
    The responder's value of war is uniform on an interval: the best take-it-or-leave-it
    demand, in closed form for affine utilities (exact in fractions), numerically for
    curved ones.
:func:`screening_tree`, :func:`screening_pbe`
    Finitely many types: the game as a tree (chance draws the type, the proposer offers
    without seeing it, the responder answers knowing it), solved as a perfect Bayesian
    equilibrium and checked against :func:`sim.solvers.bargaining.screening_offer`.
:func:`posterior_after`
    What the proposer believes about the types after an answer (Bayes' rule).
:func:`fearon_summary`
    The bargaining range and, with private information, the demand and the chance of war,
    with a sentence saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sim.errors import SolverError, SolverLimitError
from sim.game.bargaining import Bargaining, BargainingError, Number, bargaining_range
from sim.game.tolerances import DERIVATIVE_STEP, FIRST_ORDER, MAXIMUM_X, SAME_PROBABILITY, payoff_tolerance
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Terminal, build
from sim.solvers.bargaining import Screening, reservation_offers, screening_offer
from sim.solvers.beliefs import bayes
from sim.solvers.trees import MAX_AGENT_PROFILES, TreeEquilibrium, check_pbe, exact_payoffs, solve_tree

__all__ = [
    "NO_OFFER",
    "OFFER_INFOSET",
    "Demand",
    "FearonSummary",
    "fearon_summary",
    "posterior_after",
    "screening_checked",
    "screening_pbe",
    "screening_tree",
    "uniform_demand",
]

#: The proposer's move in a screening tree that makes no offer (talks fail: war).
NO_OFFER = "none"
#: The label of the proposer's one information set in a screening tree.
OFFER_INFOSET = "offer"
#: Intervals of the grid a numeric demand is first searched on (utilities that are not
#: affine need not make the proposer's expected utility single-peaked); the best cell is
#: then refined by Brent's bounded search.
DEMAND_GRID = 256


# --- a value of war uniform on an interval -----------------------------------------------


@dataclass(frozen=True)
class Demand:
    """A proposer's take-it-or-leave-it demand to a responder of unknown resolve.

    Attributes
    ----------
    offer : number or None
        The agreement demanded; ``None`` when no offer is worth more to the proposer
        than fighting (or none could be accepted): war for sure.
    war_probability : number
        The chance the demand is rejected (``1 - acceptance``).
    expected : number
        The proposer's expected utility.
    acceptance : number
        The chance the responder accepts.
    """

    offer: Number | None
    war_probability: Number
    expected: Number
    acceptance: Number


def uniform_demand(problem: Bargaining, low: Number, high: Number, *, proposer: int | None = None) -> Demand:
    """The best take-it-or-leave-it demand when the responder's value of war (its
    disagreement payoff) is uniform on ``[low, high]``; the proposer's own is
    ``problem.disagreement``.

    The responder accepts ``y`` when ``x = u_j(y)`` is at least its value of war, with
    chance ``P(x) = (x - low) / (high - low)`` clipped to ``[0, 1]``. For affine utilities
    pulling opposite ways the proposer's utility is ``K - k x`` (``k > 0``), so on
    ``[low, high]`` it maximises ``d_i + (x - low) (K - d_i - k x) / (high - low)``, a
    concave parabola with its top at ``x* = (K - d_i + k low) / (2 k)``; ``x*`` is clipped to
    ``[low, high]`` (a more generous offer is accepted no more often, a stingier one never)
    and to what the issue's range can give. No offer is made when it would be accepted
    with chance 0 or is worth less than fighting (a tie with fighting goes to the offer, as
    in :func:`sim.solvers.bargaining.screening_offer`). Exact in fractions; the answer is
    checked against the ends and the other candidates. Utilities that are not affine
    (``problem.curves``) are searched numerically on the offers some but not every type
    accepts (a grid, then Brent's bounded search) and the maximum checked by its
    first-order condition.

    Raises
    ------
    BargainingError
        If ``low >= high``, the proposer is not 0 or 1, or the parties' utilities do not
        pull the issue in opposite directions.
    SolverError
        If the answer fails its check (a bug).

    Examples
    --------
    A pie, ``y`` the proposer's share, the responder gets ``1 - y``; fighting is worth
    ``3/10`` to the proposer and anything in ``[0, 3/5]`` to the responder. Here
    ``x = 1 - y``, ``K = k = 1``: ``x* = (1 - 3/10 + 0) / 2 = 7/20``, so the demand is
    ``y = 13/20``, accepted with chance ``(7/20) / (3/5) = 7/12``, worth
    ``7/12 * 13/20 + 5/12 * 3/10 = 91/240 + 30/240 = 121/240``:

    >>> pie = Bargaining.split("pie", ("A", "B"), disagreement=(Fraction(3, 10), Fraction(0)))
    >>> demand = uniform_demand(pie, Fraction(0), Fraction(3, 5))
    >>> demand.offer, demand.acceptance, demand.war_probability, demand.expected
    (Fraction(13, 20), Fraction(7, 12), Fraction(5, 12), Fraction(121, 240))
    """
    i = _proposer(problem, proposer)
    low, high = _exact(low), _exact(high)
    if not low < high:
        raise BargainingError(
            f"bargaining {problem.name}: the responder's value of war must be spread over an interval "
            f"(low < high), not {low} to {high}"
        )
    _check_opposed(problem)
    if problem.curves is not None:
        return _numeric_demand(problem, i, low, high)
    return _affine_demand(problem, i, low, high)


def _proposer(problem: Bargaining, proposer: int | None) -> int:
    i = problem.first if proposer is None else proposer
    if i not in (0, 1):
        raise BargainingError(f"bargaining {problem.name}: the proposer is party 0 or 1, not {i}")
    return i


def _exact(value: Number) -> Number:
    """Integers as Fractions, so that exact problems stay exact."""
    return Fraction(value) if isinstance(value, int) else value


def _check_opposed(problem: Bargaining) -> None:
    favours = problem.favours
    if 0 in favours or favours[0] == favours[1]:
        raise BargainingError(
            f"bargaining {problem.name}: a demand under private information needs parties pulling "
            f"{problem.issue} in opposite directions"
        )


def _acceptance(x: Number, low: Number, high: Number) -> Number:
    """The chance that a value of war uniform on ``[low, high]`` is at most ``x``."""
    share = (x - low) / (high - low)
    zero = share - share  # of the share's kind: exact stays exact (and no -0.0)
    return min(max(share, zero), zero + 1)


def _affine_demand(problem: Bargaining, i: int, low: Number, high: Number) -> Demand:
    j = 1 - i
    k = -problem.slopes[i] / problem.slopes[j]
    big_k = problem.intercepts[i] - problem.slopes[i] * problem.intercepts[j] / problem.slopes[j]
    fallback = problem.disagreement[i]

    def worth(x: Number) -> Number:
        share = _acceptance(x, low, high)
        return share * (big_k - k * x) + (1 - share) * fallback

    ends = sorted((problem.utility(j, problem.low), problem.utility(j, problem.high)))
    start, stop = max(low, ends[0]), min(high, ends[1])
    peak = (big_k - fallback + k * low) / (2 * k)
    if start <= stop:
        x = min(max(peak, start), stop)
    elif ends[0] > high:
        x = ends[0]  # every offer the range can give is accepted for sure: the cheapest
    else:
        x = ends[1]  # no offer the range can give is ever accepted
    candidates = [c for c in (ends[0], ends[1], low, high, peak) if ends[0] <= c <= ends[1]]
    _verify(problem, worth, x, candidates, [big_k - k * ends[0], big_k - k * ends[1], fallback])
    return _demand(problem, j, x, _acceptance(x, low, high), worth(x), fallback)


def _verify(
    problem: Bargaining, worth: Callable[[Number], Number], x: Number, candidates: list[Number], sizes: list[Number]
) -> None:
    """``x`` is worth at least every candidate (exactly in fractions; floats within the
    payoff tolerance of the proposer's utilities' size)."""
    best = worth(x)
    scale = max(abs(float(s)) for s in sizes) + 1.0
    slack: Number = Fraction(0) if isinstance(best, Fraction) else payoff_tolerance(scale, scale)
    for candidate in candidates:
        if worth(candidate) > best + slack:
            raise SolverError(
                f"bargaining {problem.name}: the demand {x} is worth {best} to the proposer, less than the offer "
                f"{candidate} (this is a bug)"
            )


def _demand(problem: Bargaining, j: int, x: Number, acceptance: Number, expected: Number, fallback: Number) -> Demand:
    """The demand giving the responder ``x``, or no offer when it is worthless (then the
    proposer gets ``fallback``, its disagreement payoff)."""
    if acceptance <= 0 or expected < fallback:
        zero = acceptance - acceptance
        return Demand(None, zero + 1, fallback, zero)
    ends = {problem.utility(j, y): y for y in (problem.low, problem.high)}
    offer = ends[x] if x in ends else min(max(problem.solve_for(j, x), problem.low), problem.high)
    return Demand(offer, 1 - acceptance, expected, acceptance)


def _numeric_demand(problem: Bargaining, i: int, low: Number, high: Number) -> Demand:
    """The demand for curved utilities: the offers whose acceptance lies strictly between
    0 and 1 form one interval of ``y`` (beyond it the proposer gives away more for
    nothing, or is never accepted), searched on a grid and refined by Brent's method."""
    from scipy.optimize import minimize_scalar

    j = 1 - i
    fallback = float(problem.disagreement[i])
    a, b = float(low), float(high)

    def worth(y: Number) -> float:
        share = float(_acceptance(float(problem.utility(j, y)), a, b))
        return share * float(problem.utility(i, y)) + (1 - share) * fallback

    y_low, y_high = float(problem.low), float(problem.high)
    edges = sorted(min(max(float(problem.solve_for(j, v)), y_low), y_high) for v in (a, b))
    left, right = edges
    grid = [left + (right - left) * n / DEMAND_GRID for n in range(DEMAND_GRID + 1)]
    best = max(range(len(grid)), key=lambda n: worth(grid[n]))
    y = grid[best]
    if right > left:
        bracket = (grid[max(best - 1, 0)], grid[min(best + 1, DEMAND_GRID)])
        found = minimize_scalar(lambda t: -worth(t), bounds=bracket, method="bounded", options={"xatol": MAXIMUM_X})
        if worth(float(found.x)) >= worth(y):
            y = float(found.x)
        _check_first_order(problem, worth, y, left, right)
    sizes: list[Number] = [problem.utility(i, y_low), problem.utility(i, y_high), fallback]
    _verify(problem, worth, y, [*grid, left, right], sizes)
    x = float(problem.utility(j, y))
    acceptance = float(_acceptance(x, a, b))
    demand = _demand(problem, j, x, acceptance, worth(y), fallback)
    return demand if demand.offer is None else Demand(y, demand.war_probability, demand.expected, acceptance)


def _check_first_order(
    problem: Bargaining, worth: Callable[[Number], float], y: float, left: float, right: float
) -> None:
    """Inside the interval, the derivative of the expected utility is zero at its maximum
    (central difference; tolerance relative to the interval and the objective's size)."""
    step = DERIVATIVE_STEP * (right - left)
    if not left + step < y < right - step:
        return  # at an end: the search keeps it only where the objective does not improve inwards
    slope = (worth(y + step) - worth(y - step)) / (2 * step)
    if abs(slope) * (right - left) > FIRST_ORDER * (abs(worth(y)) + 1.0):
        raise SolverError(f"bargaining {problem.name}: the numeric demand failed its first-order condition")


# --- finitely many types: the tree and its perfect Bayesian equilibrium ------------------


def screening_tree(
    problem: Bargaining,
    types: Sequence[tuple[Number, Number]],
    type_names: Sequence[str],
    *,
    proposer: int | None = None,
) -> ExtensiveFormGame:
    """The screening game as a tree: chance draws the responder's type (``types`` lists
    ``(probability, disagreement payoff)``, normalised), the proposer, not seeing it (one
    information set, :data:`OFFER_INFOSET`), offers one of the types' reservation offers
    (:func:`sim.solvers.bargaining.reservation_offers`, most generous first) or makes
    :data:`NO_OFFER`; the responder, knowing its type, accepts or rejects. Accepting gives
    both the utilities of the offer; rejecting and no offer give the disagreement
    payoffs, the responder's being its type's own. Offers are moves named ``"offer
    <issue>=<value>"``; payoffs are exact when the problem and the types are fractions.

    Raises
    ------
    BargainingError
        If names and types differ in number, names repeat, or probabilities are negative
        or sum to 0.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), disagreement=(Fraction(3, 10), Fraction(0)))
    >>> game = screening_tree(pie, [(Fraction(1, 2), Fraction(1, 2)), (Fraction(1, 2), Fraction(1, 5))],
    ...                       ["tough", "soft"])
    >>> game.infosets[0].label, game.infosets[0].moves, len(game.infosets[0].nodes)
    ('offer', ('offer share=0.5', 'offer share=0.8', 'none'), 2)
    >>> game.exact_payoffs[game.terminals[0]]  # tough B accepts y = 1/2
    (Fraction(1, 2), Fraction(1, 2))
    """
    i = _proposer(problem, proposer)
    j = 1 - i
    weights = _weights(problem, types, type_names)
    offers = reservation_offers(problem, [floor for _, floor in types], responder=j)
    labels = _labels(problem, offers)
    players = (problem.parties[i], problem.parties[j])
    branches: dict[str, tuple[float, Decision | Chance | Terminal]] = {}
    for name, (_, floor), weight in zip(type_names, types, weights):
        war = _terminal((problem.disagreement[0], floor) if j == 1 else (floor, problem.disagreement[1]))
        moves: dict[str, Decision | Chance | Terminal] = {}
        for y, label in zip(offers, labels):
            deal = _terminal((problem.utility(0, y), problem.utility(1, y)))
            moves[label] = Decision(players[1], {"accept": deal, "reject": war}, infoset=f"{name}: {label}")
        moves[NO_OFFER] = war
        branches[name] = (float(weight), Decision(players[0], moves, infoset=OFFER_INFOSET))
    exact = tuple(w for w in weights if isinstance(w, Fraction))
    chance = Chance(branches, exact=exact if len(exact) == len(weights) else None)
    return build(f"{problem.name} screening", problem.parties, chance)


def _weights(problem: Bargaining, types: Sequence[tuple[Number, Number]], names: Sequence[str]) -> list[Number]:
    if len(names) != len(types):
        raise BargainingError(f"bargaining {problem.name}: {len(names)} type names for {len(types)} types")
    if len(set(names)) != len(names) or problem.parties[0] == problem.parties[1]:
        raise BargainingError(f"bargaining {problem.name}: type names and party names must differ from each other")
    probabilities = [_exact(p) for p, _ in types]
    if not probabilities or any(p < 0 for p in probabilities) or sum(probabilities) <= 0:
        raise BargainingError(
            f"bargaining {problem.name}: type probabilities must be at least 0 and sum to more than 0"
        )
    total = sum(probabilities)
    return [p / total for p in probabilities]


def _labels(problem: Bargaining, offers: Sequence[Number]) -> list[str]:
    """Move names of the offers, unique (no ``/``: it separates moves in node paths)."""
    labels: list[str] = []
    for y in offers:
        label = f"offer {problem.issue}={float(y):.12g}"
        labels.append(label if label not in labels else f"{label} ({len(labels) + 1})")
    return labels


def _terminal(payoffs: tuple[Number, Number]) -> Terminal:
    values = tuple(_exact(p) for p in payoffs)
    exact = tuple(p for p in values if isinstance(p, Fraction))
    return Terminal(tuple(float(p) for p in values), exact if len(exact) == len(values) else None)


def screening_pbe(
    problem: Bargaining,
    types: Sequence[tuple[Number, Number]],
    type_names: Sequence[str],
    *,
    proposer: int | None = None,
) -> tuple[Screening, TreeEquilibrium]:
    """The screening offer as a perfect Bayesian equilibrium of :func:`screening_tree`.

    Every type is indifferent at its own reservation offer, so the tree has several
    equilibria: one for each way indifferent types answer, and, where the proposer is
    indifferent, one for each best offer. The one chosen is the one
    :func:`sim.solvers.bargaining.screening_offer` describes: every type accepts every
    offer worth at least its value of fighting (indifferent types accept), and of the
    proposer's best offers the one accepted by the most types. The result is checked
    against :func:`~sim.solvers.bargaining.screening_offer` (the same offer and chance of
    war). Solving enumerates the tree's pure profiles, ``(m + 1) 2**(n m)`` for ``n``
    types and ``m`` distinct offers, so it suits a few types: three take a fraction of a
    second, four distinct ones exceed :data:`sim.solvers.trees.MAX_AGENT_PROFILES`
    (use :func:`~sim.solvers.bargaining.screening_offer` for many types).

    Returns
    -------
    (Screening, TreeEquilibrium)
        The offer read from the equilibrium (``values`` given the types' answers in it)
        and the equilibrium itself.

    Raises
    ------
    SolverLimitError
        If the tree has more pure profiles than the enumeration tries (checked before
        solving).
    SolverError
        If no equilibrium of that kind is found or it disagrees with the enumeration (bugs).

    Examples
    --------
    The example of :func:`~sim.solvers.bargaining.screening_offer`: Ukraine offers
    ``y = 3/10``, which only the low-resolve type (chance 7/10) accepts.

    >>> zone = Bargaining("zone", ("Ukraine", "Russia"), "y", Fraction(0), Fraction(1),
    ...                   (Fraction(-1), Fraction(1)), (Fraction(192, 250), Fraction(0)),
    ...                   disagreement=(Fraction(1, 5), Fraction(1, 2)))
    >>> types = [(Fraction(3, 10), Fraction(1, 2)), (Fraction(7, 10), Fraction(3, 10))]
    >>> result, equilibrium = screening_pbe(zone, types, ["resolved", "open"])
    >>> result.offer, result.war_probability, result.expected
    (Fraction(3, 10), Fraction(3, 10), Fraction(969, 2500))
    """
    i = _proposer(problem, proposer)
    game = screening_tree(problem, types, type_names, proposer=i)
    offers = reservation_offers(problem, [floor for _, floor in types], responder=1 - i)
    profiles = (len(offers) + 1) * 2 ** (len(types) * len(offers))
    if profiles > MAX_AGENT_PROFILES:
        raise SolverLimitError(
            f"bargaining {problem.name}: the screening tree of {len(types)} types has {profiles:,} pure profiles, "
            f"more than the {MAX_AGENT_PROFILES:,} its equilibria are searched among; use fewer types, or "
            "screening_offer, which compares the offers directly"
        )
    weights = _weights(problem, types, type_names)
    chosen = _select(problem, game, i, types, type_names, offers)
    screening = _reading(problem, game, chosen, i, types, type_names, offers, weights)
    expected = screening_offer(problem, types, proposer=i)
    same_war = (
        screening.war_probability == expected.war_probability
        if isinstance(screening.war_probability, Fraction) and isinstance(expected.war_probability, Fraction)
        else abs(float(screening.war_probability) - float(expected.war_probability)) <= SAME_PROBABILITY
    )
    if screening.offer != expected.offer or screening.accepted_by != expected.accepted_by or not same_war:
        raise SolverError(
            f"bargaining {problem.name}: the screening tree's equilibrium offers {screening.offer} (war with chance "
            f"{screening.war_probability}), the enumeration {expected.offer} ({expected.war_probability}): a bug"
        )
    return screening, chosen


def screening_checked(
    problem: Bargaining,
    types: Sequence[tuple[Number, Number]],
    type_names: Sequence[str],
    *,
    proposer: int | None = None,
) -> tuple[Screening, TreeEquilibrium]:
    """The screening offer found by comparing the offers
    (:func:`~sim.solvers.bargaining.screening_offer`), checked to be a perfect Bayesian
    equilibrium of :func:`screening_tree` (:func:`sim.solvers.trees.check_pbe`): the
    same equilibrium :func:`screening_pbe` selects, but one profile checked instead of
    every profile enumerated, so it suits a run that plays the game each round and any
    number of types.

    Raises
    ------
    SolverError
        If the offer is not a perfect Bayesian equilibrium of the tree (a bug).

    Examples
    --------
    >>> zone = Bargaining("zone", ("Ukraine", "Russia"), "y", Fraction(0), Fraction(1),
    ...                   (Fraction(-1), Fraction(1)), (Fraction(192, 250), Fraction(0)),
    ...                   disagreement=(Fraction(1, 5), Fraction(1, 2)))
    >>> types = [(Fraction(3, 10), Fraction(1, 2)), (Fraction(7, 10), Fraction(3, 10))]
    >>> screening_checked(zone, types, ["resolved", "open"])[0].offer
    Fraction(3, 10)
    """
    i = _proposer(problem, proposer)
    j = 1 - i
    found = screening_offer(problem, types, proposer=i)
    game = screening_tree(problem, types, type_names, proposer=i)
    offers = reservation_offers(problem, [floor for _, floor in types], responder=j)
    labels = _labels(problem, offers)
    choices = [0] * len(game.infosets)
    choices[_infoset(game, OFFER_INFOSET)] = len(offers) if found.offer is None else offers.index(found.offer)
    for name, (_, floor) in zip(type_names, types):
        for y, label in zip(offers, labels):
            choices[_infoset(game, f"{name}: {label}")] = 0 if problem.utility(j, y) >= floor else 1
    checked = check_pbe(game, game.pure_behaviour(choices))
    if checked is None:
        raise SolverError(
            f"bargaining {problem.name}: the screening offer {found.offer} is not a perfect Bayesian equilibrium "
            "of the screening tree (a bug)"
        )
    return found, checked


def _infoset(game: ExtensiveFormGame, label: str) -> int:
    return next(k for k, infoset in enumerate(game.infosets) if infoset.label == label)


def _select(
    problem: Bargaining,
    game: ExtensiveFormGame,
    i: int,
    types: Sequence[tuple[Number, Number]],
    names: Sequence[str],
    offers: Sequence[Number],
) -> TreeEquilibrium:
    """Of the tree's pure perfect Bayesian equilibria, those where every type accepts
    exactly the offers worth at least its value of fighting; of those, the best for the
    proposer (exactly, where the game is exact), then the one accepted with the highest
    probability."""
    labels = _labels(problem, offers)
    j = 1 - i
    answers = {
        _infoset(game, f"{name}: {label}"): problem.utility(j, y) >= floor
        for name, (_, floor) in zip(names, types)
        for y, label in zip(offers, labels)
    }
    kept = [
        eq
        for eq in solve_tree(game, "pbe").solutions
        if eq.is_pure and all(bool(eq.behaviour[k][0] == 1) == accept for k, accept in answers.items())
    ]
    if not kept:
        raise SolverError(
            f"bargaining {problem.name}: the screening tree has no equilibrium of the kind sought (a bug)"
        )
    offer_set = _infoset(game, OFFER_INFOSET)

    weights = _weights(problem, types, names)

    def key(eq: TreeEquilibrium) -> tuple[Number, Number]:
        exact = exact_payoffs(game, eq.exact) if eq.exact is not None else None
        value: Number = exact[0] if exact is not None else float(eq.payoffs[0])
        move = int(eq.behaviour[offer_set].argmax())
        accepted: Number = (
            0
            if move == len(offers)
            else sum(w for w, (_, f) in zip(weights, types) if problem.utility(j, offers[move]) >= f)
        )
        return (value, accepted)

    return max(kept, key=key)


def _reading(
    problem: Bargaining,
    game: ExtensiveFormGame,
    eq: TreeEquilibrium,
    i: int,
    types: Sequence[tuple[Number, Number]],
    names: Sequence[str],
    offers: Sequence[Number],
    weights: Sequence[Number],
) -> Screening:
    """The screening offer an equilibrium of the tree plays, and every offer's value to
    the proposer given how each type answers it there."""
    labels = _labels(problem, offers)
    fallback = _exact(problem.disagreement[i])

    def accepting(m: int) -> tuple[int, ...]:
        return tuple(k for k, name in enumerate(names) if eq.behaviour[_infoset(game, f"{name}: {labels[m]}")][0] == 1)

    def worth(m: int) -> Number:
        share = sum((weights[k] for k in accepting(m)), weights[0] * 0)
        return share * problem.utility(i, offers[m]) + (1 - share) * fallback

    values: list[tuple[Number | None, Number]] = [(None, fallback)]
    values += [(y, worth(m)) for m, y in enumerate(offers)]
    move = int(eq.behaviour[_infoset(game, OFFER_INFOSET)].argmax())
    if move == len(offers):
        return Screening(None, (), weights[0] * 0 + 1, fallback, tuple(values))
    taken = accepting(move)
    war = 1 - sum((weights[k] for k in taken), weights[0] * 0)
    return Screening(offers[move], taken, war, worth(move), tuple(values))


# --- beliefs after the answer ------------------------------------------------------------


def posterior_after(
    types: Sequence[tuple[Number, Number]], offer_accepted_by: Sequence[int], accepted: bool
) -> list[Number]:
    """The proposer's belief about the responder's type after it answered an offer that
    the types ``offer_accepted_by`` accept (Bayes' rule, :func:`sim.solvers.beliefs.bayes`):
    an acceptance leaves the accepting types, a rejection the others, each in proportion
    to its prior (``types`` as in :func:`sim.solvers.bargaining.screening_offer`). An
    answer no type gives keeps the (normalised) prior. Exact in fractions.

    Raises
    ------
    BargainingError
        For a type index out of range or probabilities that are negative or sum to 0.

    Examples
    --------
    >>> types = [(Fraction(1, 5), Fraction(1, 2)), (Fraction(1, 2), Fraction(3, 10)), (Fraction(3, 10), Fraction(0))]
    >>> posterior_after(types, (1, 2), accepted=True)  # 1/2 and 3/10 of the 4/5 that accept
    [Fraction(0, 1), Fraction(5, 8), Fraction(3, 8)]
    >>> posterior_after(types, (1, 2), accepted=False)  # only the tough type rejects
    [Fraction(1, 1), Fraction(0, 1), Fraction(0, 1)]
    >>> posterior_after(types, (0, 1, 2), accepted=False)  # no type rejects: the prior stays
    [Fraction(1, 5), Fraction(1, 2), Fraction(3, 10)]
    """
    probabilities = [_exact(p) for p, _ in types]
    if not probabilities or any(p < 0 for p in probabilities) or sum(probabilities) <= 0:
        raise BargainingError("the responder's type probabilities must be at least 0 and sum to more than 0")
    if any(not 0 <= k < len(types) for k in offer_accepted_by):
        raise BargainingError(
            f"types accepting the offer must be numbered 0 to {len(types) - 1}, not {offer_accepted_by}"
        )
    total = sum(probabilities)
    prior = [p / total for p in probabilities]
    seen = [(k in offer_accepted_by) == accepted for k in range(len(types))]
    if all(isinstance(p, Fraction) for p in prior):
        exact = [Fraction(p) for p in prior]
        return list(bayes(exact, [Fraction(int(s)) for s in seen]))
    return list(bayes([float(p) for p in prior], [float(s) for s in seen]))


# --- the summary for the solve output ----------------------------------------------------


@dataclass(frozen=True)
class FearonSummary:
    """Fearon's (1995) argument for one bargaining problem.

    Attributes
    ----------
    range : tuple of two numbers or None
        The bargaining range with complete information (None: empty, war even then).
    demand : Demand
        The proposer's take-it-or-leave-it demand: with complete information the
        responder's reservation offer, else :func:`uniform_demand`'s.
    war_probability : number
        The chance of war.
    expected : number
        The proposer's expected utility.
    explanation : str
        Why, in plain words.
    """

    range: tuple[Number, Number] | None
    demand: Demand
    war_probability: Number
    expected: Number
    explanation: str


def fearon_summary(
    problem: Bargaining, private: tuple[Number, Number] | None = None, *, proposer: int | None = None
) -> FearonSummary:
    """The bargaining range and the demand with complete information (``private`` None:
    the responder's value of war is ``problem.disagreement``) or with the responder's
    value of war private, uniform on ``private = (low, high)``.

    Raises
    ------
    BargainingError
        As :func:`uniform_demand`.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"), disagreement=(Fraction(3, 10), Fraction(1, 2)))
    >>> known = fearon_summary(pie)
    >>> known.range, known.demand.offer, known.war_probability  # B's war value 1/2: A offers it 1/2
    ((Fraction(3, 10), Fraction(1, 2)), Fraction(1, 2), Fraction(0, 1))
    >>> import textwrap
    >>> print(textwrap.fill(known.explanation, 100))
    Fighting costs both sides, so every share from 3/10 to 1/2 is better for both than war: A accepts
    nothing below 3/10 and B nothing above 1/2 (in Fearon's model of war over a pie, won with chance p
    at costs c_A and c_B, the range runs from p - c_A to p + c_B). With complete information A demands
    share = 1/2, exactly what fighting is worth to B, and B accepts: no war.
    >>> hidden = fearon_summary(pie, (Fraction(0), Fraction(3, 5)))
    >>> hidden.demand.offer, hidden.war_probability, hidden.expected
    (Fraction(13, 20), Fraction(5, 12), Fraction(121, 240))
    """
    i = _proposer(problem, proposer)
    j = 1 - i
    _check_opposed(problem)
    span = bargaining_range(problem)
    if private is None:
        found = screening_offer(problem, [(Fraction(1), problem.disagreement[j])], proposer=i)
        demand = Demand(found.offer, found.war_probability, found.expected, 1 - found.war_probability)
    else:
        demand = uniform_demand(problem, private[0], private[1], proposer=i)
    text = _range_text(problem, span) + " " + _demand_text(problem, i, demand, private)
    return FearonSummary(span, demand, demand.war_probability, demand.expected, text)


def _show(value: Number) -> str:
    if isinstance(value, Fraction) and value.denominator <= 1000:
        return str(value)
    return f"{float(value):.4g}"


def _range_text(problem: Bargaining, span: tuple[Number, Number] | None) -> str:
    issue = problem.issue
    if span is None:
        return (
            f"No {issue} is better for both sides than war (fighting is cheap compared with what an agreement "
            "would cost one of them), so talks fail even with complete information."
        )
    rising = problem.parties[0 if problem.favours[0] > 0 else 1]
    falling = problem.parties[1 if problem.favours[0] > 0 else 0]
    return (
        f"Fighting costs both sides, so every {issue} from {_show(span[0])} to {_show(span[1])} is better for both "
        f"than war: {rising} accepts nothing below {_show(span[0])} and {falling} nothing above {_show(span[1])} "
        "(in Fearon's model of war over a pie, won with chance p at costs c_A and c_B, the range runs from "
        "p - c_A to p + c_B)."
    )


def _demand_text(problem: Bargaining, i: int, demand: Demand, private: tuple[Number, Number] | None) -> str:
    me, you, issue = problem.parties[i], problem.parties[1 - i], problem.issue
    if private is None:
        if demand.offer is None:
            return f"{me} has no offer {you} would accept that beats fighting: war."
        return (
            f"With complete information {me} demands {issue} = {_show(demand.offer)}, exactly what fighting is "
            f"worth to {you}, and {you} accepts: no war."
        )
    spread = f"{you}'s value of war is private, anywhere from {_show(private[0])} to {_show(private[1])}"
    if demand.offer is None:
        return f"{spread}, and no demand {you} might accept is worth more to {me} than fighting: war for sure."
    return (
        f"{spread}, so {me} demands {issue} = {_show(demand.offer)}, accepted with chance {_show(demand.acceptance)}: "
        "a tougher demand gains more when accepted but is rejected, meaning war, more often (the risk-return "
        f"trade-off), and the best one risks war with chance {_show(demand.war_probability)}."
    )
