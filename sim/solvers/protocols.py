"""Negotiation protocols simulated offer by offer: alternating offers with concession
strategies, and a mediator's single negotiating text.

The data of a protocol (:class:`Concession`, :class:`Mediator`, :class:`Protocol`) and of
a negotiation played under it (:class:`Step`, :class:`Negotiation`). The engine is
:func:`negotiate`; it plays on an :class:`OfferSpace` (what can be offered and what each
offer is worth), here :class:`IssueSpace` for a one-issue
:class:`~sim.game.bargaining.Bargaining` problem, so that a problem with several issues
can be played by the same engine.

Alternating offers
    The parties propose in turn, the problem's first proposer first, at most
    ``deadline`` offers (steps ``t = 0 .. T - 1``). At each offer a party asks for a
    *target* utility (its strategy, below) and offers the agreement that gives it exactly
    that (clipped into the bargaining range). The responder accepts when the offer is
    worth at least what it would itself ask for at its next offer (AC_next, Baarslag,
    Hindriks & Jonker 2014) and at least its walk-away value; at the last offer there is
    no next one, so it accepts anything worth its walk-away value. After each rejected
    offer the talks break down with the problem's breakdown risk (one draw of the random
    generator per rejection, the last one included, and none when the risk is 0; a
    breakdown at the last rejection ends the talks as ``"breakdown"``, not
    ``"deadline"``).
Concession strategies (Faratin, Sierra & Jennings 1998)
    Time-dependent: the target at step ``t`` is
    ``reserve + (best - reserve) (1 - (t / T) ** (1 / e))``: it starts at the party's best
    agreement in the range and reaches its walk-away value at ``t = T``, just after the
    last offer, which is what a responder weighs the last offer against (AC_next); the
    last offer itself is still ``(1 / T) ** (1 / e)`` of the way up. ``e < 1`` holds out
    (Boulware), ``e > 1`` gives in early (Conceder). Relative tit-for-tat: open at one's
    best, then concede, in one's own utility, as much as the other side's last concession
    was worth to oneself (never above one's best nor below one's walk-away value); before
    the other side has shown a concession, concede :data:`TIT_FOR_TAT_OPENING`, so two
    tit-for-tat parties do move. Equilibrium: always offer the stationary subgame-perfect
    offer of Rubinstein (1982) (:func:`sim.solvers.bargaining.equilibrium_offers`; the
    Nash solution without discounting or breakdown risk) and accept at least the
    equilibrium share (what the other side's equilibrium offer gives it).
Mediator (single negotiating text, Raiffa 1982)
    At each step the sides' current demands (what their strategies would offer) give the
    text: ``bias`` of the way from the midpoint of the demands to the mediator's
    ``ideal``, clipped into the bargaining range. Each side accepts it when it is worth
    its current target lowered by ``credibility`` of the way to its walk-away value (the
    last text: worth its walk-away value, there being no next one). Both accept: an
    agreement. Otherwise the demands are on the record (tit-for-tat answers
    the other side's demands) and the talks go on, or break down as above.

No party ever offers (or accepts) less than its walk-away value; when no agreement in
the range is worth that much to some party, nothing is offered (``"no_range"``, as
without a bargaining range). Arithmetic is exact
(Fractions in, Fractions out) where the problem is exact and the strategy keeps it so:
linear and Boulware's default exponent ``1/5`` (a whole power of ``t / T``), tit-for-tat,
equilibrium and the mediator's texts; other exponents take a root, computed in floats.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Protocol as Interface

import numpy as np

from sim.game.bargaining import Bargaining, BargainingError, Number, bargaining_range
from sim.solvers.bargaining import equilibrium_offers

__all__ = [
    "CONCESSIONS",
    "DEFAULT_EXPONENTS",
    "OUTCOMES",
    "TARGET_CACHE",
    "TIT_FOR_TAT_OPENING",
    "Concession",
    "IssueSpace",
    "Mediator",
    "Negotiation",
    "Offer",
    "OfferSpace",
    "Protocol",
    "Step",
    "check_protocol",
    "concession_target",
    "negotiate",
    "negotiate_over",
    "scalar",
]

#: An offer: a value of the issue (one number), or one value per issue, in issue order
#: (a problem with several issues, :class:`sim.solvers.multi_issue.MultiIssueSpace`).
Offer = Number | tuple[float, ...]


def scalar(offer: Offer) -> Number:
    """A one-issue offer as its number.

    Raises
    ------
    TypeError
        If ``offer`` has several issues.

    Examples
    --------
    >>> scalar(Fraction(1, 2))
    Fraction(1, 2)
    """
    if isinstance(offer, tuple):
        raise TypeError(f"an offer over one issue is a number, not {offer!r}")
    return offer


#: The concession strategies: time-dependent (Faratin, Sierra & Jennings 1998) with an
#: exponent ``e`` (``boulware`` e < 1 holds out, ``linear`` e = 1, ``conceder`` e > 1
#: gives in early), ``tit_for_tat`` (concede as much as the other side did last), and
#: ``equilibrium`` (offer the subgame-perfect split, accept at least the equilibrium share).
CONCESSIONS = ("boulware", "linear", "conceder", "tit_for_tat", "equilibrium")


@dataclass(frozen=True)
class Concession:
    """One party's strategy: its ``kind`` (one of :data:`CONCESSIONS`) and, for the
    time-dependent kinds, the exponent ``e`` (``None``: the kind's default)."""

    kind: str
    exponent: Number | None = None


@dataclass(frozen=True)
class Mediator:
    """A mediator proposing a single text that both sides amend.

    Attributes
    ----------
    name : str
    ideal : number or tuple of floats
        The agreement the mediator would like (a value of the issue; over several
        issues, one value per issue).
    bias : number
        In [0, 1]: how far each text is pulled towards ``ideal`` (0: the midpoint of the
        sides' demands; 1: always ``ideal``).
    credibility : number
        In [0, 1]: how much a side trusts the text (it accepts a text worth its current
        demand lowered by this share of the way to its walk-away value).
    """

    name: str
    ideal: Offer
    bias: Number = 0
    credibility: Number = 0


@dataclass(frozen=True)
class Protocol:
    """How a negotiation is played: at most ``deadline`` offers, each side's
    ``strategies`` (in the problem's party order), an optional ``mediator``."""

    deadline: int
    strategies: tuple[Concession, Concession]
    mediator: Mediator | None = None


@dataclass(frozen=True)
class Step:
    """One offer and the answers to it.

    Attributes
    ----------
    step : int
        1, 2, ... (the offer's number).
    proposer : str
        The party (or mediator) that made the offer.
    offer : number or tuple of floats
        The value of the issue offered (one value per issue over several issues).
    utilities : tuple of two numbers
        What the offer is worth to each party.
    responses : tuple of two str
        Each party's answer: ``"accept"``, ``"reject"``, or ``"propose"`` for the party
        that made the offer.
    demands : tuple of two numbers or None
        Under a mediator, what each side demanded at this step (the texts are built from
        them); ``None`` under alternating offers.
    """

    step: int
    proposer: str
    offer: Offer
    utilities: tuple[Number, Number]
    responses: tuple[str, str]
    demands: tuple[Offer, Offer] | None = None


@dataclass(frozen=True)
class Negotiation:
    """A negotiation played to its end.

    Attributes
    ----------
    steps : tuple of Step
    outcome : str
        ``"agreement"``, ``"deadline"`` (no offer accepted in time), ``"breakdown"``
        (talks broke down after a rejection, at the breakdown risk) or ``"no_range"``
        (no agreement is worth more to both than disagreeing: nothing is offered).
    agreement : number, tuple of floats, or None
        The agreed value of the issue (one per issue over several issues).
    utilities : tuple of two numbers
        What each party gets: the agreement's utilities, or the disagreement payoffs.
    """

    steps: tuple[Step, ...]
    outcome: str
    agreement: Offer | None
    utilities: tuple[Number, Number]

    @property
    def agreed(self) -> bool:
        """Whether the talks ended in an agreement."""
        return self.outcome == "agreement"


#: The exponent ``e`` of each time-dependent kind when its :class:`Concession` gives none
#: (Faratin, Sierra & Jennings 1998's examples): Boulware 1/5 (so ``(t / T) ** 5``, exact
#: in fractions), linear 1, Conceder 5.
DEFAULT_EXPONENTS: dict[str, Number] = {"boulware": Fraction(1, 5), "linear": Fraction(1), "conceder": Fraction(5)}

#: How a negotiation can end (see :class:`Negotiation`): an agreement; no offer accepted
#: by the deadline; talks broken down after a rejection (the breakdown risk); no agreement
#: both prefer to disagreeing (nothing offered); and, for one take-it-or-leave-it offer
#: under private information, the offer rejected, or none made (the proposer prefers to
#: disagree).
OUTCOMES = ("agreement", "deadline", "breakdown", "no_range", "rejected", "no_offer")

#: A tit-for-tat party's concession before the other side has shown one (while the
#: other has made fewer than two offers): this many ``1/T`` of the way from its best
#: to its walk-away value, ``T`` the deadline. Two tit-for-tat parties both open at their
#: best, so without it neither would ever move; 2 is a linear strategy's pace per own
#: offer (it concedes ``1/T`` per step and offers every other step), so two tit-for-tat
#: parties then mirror each other at that pace and meet about half way to the deadline.
TIT_FOR_TAT_OPENING = Fraction(2)


# --- what can be offered -----------------------------------------------------------------


class OfferSpace(Interface):
    """What the engine needs of a problem: the offers and what they are worth.

    Offers are values of the issue (one number) for :class:`IssueSpace`; a problem with
    several issues implements the same methods over its own offers.
    """

    @property
    def parties(self) -> tuple[str, str]:
        """The two parties' names."""
        ...

    def utility(self, party: int, offer: Offer) -> Number:
        """What ``offer`` is worth to ``party``."""
        ...

    def offer_for(self, party: int, target: Number) -> Offer:
        """The offer that gives ``party`` the utility ``target``, clipped into the
        bargaining range (the nearest offer in it when none gives exactly that)."""
        ...

    def best(self, party: int) -> Number:
        """``party``'s highest utility on the bargaining range."""
        ...

    def reserve(self, party: int) -> Number:
        """``party``'s walk-away value: it never offers or accepts less."""
        ...

    def blend(self, offer: Offer, other: Offer, weight: Number) -> Offer:
        """``weight`` of ``offer`` and ``1 - weight`` of ``other``, clipped into the
        bargaining range (a mediator's text)."""
        ...

    def equilibrium(self) -> tuple[Offer, Offer]:
        """The offer each party makes when it proposes in the subgame-perfect
        equilibrium of alternating offers (raises BargainingError when there is none)."""
        ...


class IssueSpace:
    """The :class:`OfferSpace` of a one-issue :class:`~sim.game.bargaining.Bargaining`
    problem: offers are values of the issue in its bargaining range (``span``, when the
    caller has it already).

    Raises
    ------
    BargainingError
        If the problem has no bargaining range.

    Examples
    --------
    >>> space = IssueSpace(Bargaining.split("pie", ("A", "B")))
    >>> space.offer_for(1, Fraction(1, 4)), space.best(0), space.reserve(1)  # B gets 1/4 at y = 3/4
    (Fraction(3, 4), Fraction(1, 1), Fraction(0, 1))
    >>> space.offer_for(0, Fraction(3, 2))  # more than the pie: clipped to all of it
    Fraction(1, 1)
    """

    __slots__ = ("_affine", "_best", "_equilibrium", "_flat", "_reserve", "high", "low", "problem")

    def __init__(self, problem: Bargaining, span: tuple[Number, Number] | None = None) -> None:
        span = bargaining_range(problem) if span is None else span
        if span is None:
            raise BargainingError(
                f"bargaining {problem.name}: no agreement is better for both than the disagreement point"
            )
        self.problem = problem
        self.low, self.high = span
        self._best = tuple(max(problem.utility(p, self.low), problem.utility(p, self.high)) for p in (0, 1))
        self._reserve = (problem.walk_away(0), problem.walk_away(1))
        self._flat = tuple(direction == 0 for direction in problem.favours)
        self._affine = problem.curves is None
        self._equilibrium: tuple[Number, Number] | None = None

    @property
    def parties(self) -> tuple[str, str]:
        """The problem's parties."""
        return self.problem.parties

    def utility(self, party: int, offer: Offer) -> Number:
        """``party``'s utility of the agreement ``offer``."""
        value = scalar(offer)
        if self._affine:
            return self.problem.intercepts[party] + self.problem.slopes[party] * value
        return self.problem.utility(party, value)

    def offer_for(self, party: int, target: Number) -> Number:
        """The agreement worth ``target`` to ``party``, clipped into the bargaining range;
        the low end when ``party`` does not care about the issue."""
        if self._flat[party]:
            return self.low
        if self._affine:
            offer = (target - self.problem.intercepts[party]) / self.problem.slopes[party]
        else:
            offer = self.problem.solve_for(party, target)
        return min(max(offer, self.low), self.high)

    def best(self, party: int) -> Number:
        """``party``'s utility at the end of the bargaining range it prefers."""
        return self._best[party]

    def reserve(self, party: int) -> Number:
        """``party``'s walk-away value (its outside option, else its disagreement payoff)."""
        return self._reserve[party]

    def blend(self, offer: Offer, other: Offer, weight: Number) -> Number:
        """``weight * offer + (1 - weight) * other``, clipped into the bargaining range."""
        return self.clip(weight * scalar(offer) + (1 - weight) * scalar(other))

    def clip(self, offer: Number) -> Number:
        """``offer`` moved into the bargaining range."""
        return min(max(offer, self.low), self.high)

    def equilibrium(self) -> tuple[Number, Number]:
        """:func:`~sim.solvers.bargaining.equilibrium_offers` of the problem (computed once)."""
        if self._equilibrium is None:
            self._equilibrium = equilibrium_offers(self.problem)
        return self._equilibrium


# --- checking a protocol -----------------------------------------------------------------


def check_protocol(problem: Bargaining, protocol: Protocol) -> None:
    """Raise :class:`~sim.game.bargaining.BargainingError` if ``protocol`` cannot be played
    on ``problem``: a deadline below one offer, an unknown concession kind, an exponent
    that is not positive (or given to a kind that has none), a mediator's bias or
    credibility outside [0, 1] or its ideal outside the issue's range.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> check_protocol(pie, Protocol(10, (Concession("linear"), Concession("boulware", Fraction(-1)))))
    Traceback (most recent call last):
    ...
    sim.game.bargaining.BargainingError: bargaining pie: B's boulware exponent must be positive, not -1
    """
    where = f"bargaining {problem.name}"
    if isinstance(protocol.deadline, bool) or not isinstance(protocol.deadline, int) or protocol.deadline < 1:
        raise BargainingError(
            f"{where}: the deadline must be a whole number of offers, at least 1, not {protocol.deadline}"
        )
    for party, concession in enumerate(protocol.strategies):
        name = problem.parties[party]
        if concession.kind not in CONCESSIONS:
            raise BargainingError(
                f"{where}: {name}'s concession strategy {concession.kind!r} is not one of {', '.join(CONCESSIONS)}"
            )
        if concession.exponent is None:
            continue
        if concession.kind not in DEFAULT_EXPONENTS:
            raise BargainingError(
                f"{where}: {name}'s {concession.kind} strategy takes no exponent (only "
                f"{', '.join(DEFAULT_EXPONENTS)} do)"
            )
        if not concession.exponent > 0 or not concession.exponent < float("inf"):
            raise BargainingError(
                f"{where}: {name}'s {concession.kind} exponent must be positive, not {concession.exponent}"
            )
    mediator = protocol.mediator
    if mediator is not None:
        for label, value in (("bias", mediator.bias), ("credibility", mediator.credibility)):
            if not 0 <= value <= 1:
                raise BargainingError(f"{where}: mediator {mediator.name}'s {label} must lie in [0, 1], not {value}")
        if not problem.low <= scalar(mediator.ideal) <= problem.high:
            raise BargainingError(
                f"{where}: mediator {mediator.name}'s ideal {mediator.ideal} lies outside the range of "
                f"{problem.issue}, [{problem.low}, {problem.high}]"
            )


# --- concession strategies ---------------------------------------------------------------


def concession_target(best: Number, reserve: Number, t: int, deadline: int, exponent: Number) -> Number:
    """The time-dependent target at step ``t`` of ``deadline`` (Faratin, Sierra & Jennings
    1998): ``reserve + (best - reserve) (1 - (t / T) ** (1 / e))``. Exact when ``1 / e``
    is a whole number and the inputs are exact; a float otherwise. From step ``T`` on,
    the reserve.

    Examples
    --------
    >>> concession_target(Fraction(1), Fraction(0), 3, 10, Fraction(1))  # linear: 1 - 3/10
    Fraction(7, 10)
    >>> concession_target(Fraction(1), Fraction(0), 5, 10, Fraction(1, 5))  # Boulware: 1 - (1/2)**5
    Fraction(31, 32)
    >>> concession_target(Fraction(1), Fraction(0), 0, 10, Fraction(5))  # every kind starts at its best
    Fraction(1, 1)
    """
    return reserve + (best - reserve) * (1 - _elapsed(t, deadline, exponent))


#: How many time-dependent schedules (one per best, walk-away value, deadline and
#: exponent) are remembered across negotiations: a sweep replays the same few, and exact
#: powers of ``t / T`` are the engine's costliest arithmetic.
TARGET_CACHE = 1024


@functools.lru_cache(maxsize=TARGET_CACHE, typed=True)  # typed: 1/2 and 0.5 are equal keys otherwise
def _schedule(best: Number, reserve: Number, deadline: int, exponent: Number) -> list[Number | None]:
    """The targets at ``t = 0 .. T`` of one time-dependent strategy, filled in as they are asked for."""
    return [None] * (deadline + 1)


def _elapsed(t: int, deadline: int, exponent: Number) -> Number:
    """``(t / T) ** (1 / e)``, at most 1."""
    if t >= deadline:
        return Fraction(1)
    if t == 0:
        return Fraction(0)
    if isinstance(exponent, (int, Fraction)):
        power = 1 / Fraction(exponent)
        if power.denominator == 1:
            return Fraction(t, deadline) ** power.numerator
    return float(float(t / deadline) ** (1 / float(exponent)))


@dataclass(frozen=True)
class _Demand:
    """What a party asks for at a step: its target utility, the offer it makes for it and
    what that offer is worth to it (the target, unless clipping into the range moved it)."""

    target: Number
    offer: Offer
    worth: Number


class _Strategy:
    """A party's concession strategy in one negotiation. ``own`` lists the targets of its
    earlier demands, ``other`` the other side's earlier offers (or demands, under a
    mediator); both only grow during a negotiation, so a demand is remembered by ``t`` and
    their lengths (a responder's AC_next look at its next demand is then its demand)."""

    def __init__(self, space: OfferSpace, party: int, deadline: int) -> None:
        self.space, self.party, self.deadline = space, party, deadline
        self.best, self.reserve = space.best(party), space.reserve(party)
        self._demands: dict[tuple[int, int, int], _Demand] = {}

    def target(self, t: int, own: list[Number], other: list[Offer]) -> Number:
        raise NotImplementedError

    def demand(self, t: int, own: list[Number], other: list[Offer]) -> _Demand:
        """Its demand at step ``t``: the target and the offer giving it that."""
        key = (t, len(own), len(other))
        found = self._demands.get(key)
        if found is None:
            found = self._demands[key] = self._demand(t, own, other)
        return found

    def _demand(self, t: int, own: list[Number], other: list[Offer]) -> _Demand:
        target = self.target(t, own, other)
        offer = self.space.offer_for(self.party, target)
        return _Demand(target, offer, self.space.utility(self.party, offer))

    def least(self, t: int, own: list[Number], other: list[Offer]) -> Number:
        """The least it accepts at step ``t`` (``other`` includes the offer answered):
        AC_next, what its own next demand would be worth to it."""
        return self.demand(t + 1, own, other).worth


class _TimeDependent(_Strategy):
    def __init__(self, space: OfferSpace, party: int, deadline: int, exponent: Number) -> None:
        super().__init__(space, party, deadline)
        self.exponent = exponent
        self.schedule = _schedule(self.best, self.reserve, deadline, exponent)

    def target(self, t: int, own: list[Number], other: list[Offer]) -> Number:
        found = self.schedule[t]
        if found is None:
            found = self.schedule[t] = concession_target(self.best, self.reserve, t, self.deadline, self.exponent)
        return found


class _TitForTat(_Strategy):
    def target(self, t: int, own: list[Number], other: list[Offer]) -> Number:
        if not own:
            return self.best
        if len(other) < 2:
            given = (self.best - self.reserve) * TIT_FOR_TAT_OPENING / self.deadline
        else:
            given = self.space.utility(self.party, other[-1]) - self.space.utility(self.party, other[-2])
        return min(self.best, max(self.reserve, own[-1] - given))


class _Equilibrium(_Strategy):
    def __init__(self, space: OfferSpace, party: int, deadline: int) -> None:
        super().__init__(space, party, deadline)
        offers = space.equilibrium()
        offer, worth = offers[party], space.utility(party, offers[party])
        if worth < self.reserve:  # never below its walk-away value
            offer = space.offer_for(party, self.reserve)
            worth = space.utility(party, offer)
        self.offer = _Demand(worth, offer, worth)
        self.share = space.utility(party, offers[1 - party])

    def demand(self, t: int, own: list[Number], other: list[Offer]) -> _Demand:
        """Its equilibrium offer, every time."""
        return self.offer

    def least(self, t: int, own: list[Number], other: list[Offer]) -> Number:
        """Its equilibrium share: what the equilibrium offer of the other side is worth."""
        return self.share


def _strategy(space: OfferSpace, party: int, concession: Concession, deadline: int) -> _Strategy:
    if concession.kind == "tit_for_tat":
        return _TitForTat(space, party, deadline)
    if concession.kind == "equilibrium":
        return _Equilibrium(space, party, deadline)
    exponent = DEFAULT_EXPONENTS[concession.kind] if concession.exponent is None else concession.exponent
    return _TimeDependent(space, party, deadline, exponent)


# --- the engine ----------------------------------------------------------------------------


@dataclass
class _Talks:
    """A negotiation under way: the space, the strategies, the record so far."""

    space: OfferSpace
    protocol: Protocol
    rng: np.random.Generator
    breakdown: Number
    disagreement: tuple[Number, Number]
    strategies: tuple[_Strategy, _Strategy]
    steps: list[Step] = field(default_factory=list)
    targets: tuple[list[Number], list[Number]] = field(default_factory=lambda: ([], []))
    offers: tuple[list[Offer], list[Offer]] = field(default_factory=lambda: ([], []))

    def worth(self, offer: Offer) -> tuple[Number, Number]:
        return (self.space.utility(0, offer), self.space.utility(1, offer))

    def breaks_down(self) -> bool:
        """After a rejection: do the talks break down? (One draw, only when they can.)"""
        return self.breakdown > 0 and self.rng.random() < self.breakdown

    def end(self, outcome: str, agreement: Offer | None = None) -> Negotiation:
        utilities = self.disagreement if agreement is None else self.worth(agreement)
        return Negotiation(tuple(self.steps), outcome, agreement, utilities)


def negotiate(problem: Bargaining, protocol: Protocol, rng: np.random.Generator) -> Negotiation:
    """Play ``protocol`` on ``problem`` offer by offer (see the module docstring).

    Deterministic given ``rng``, which is drawn from only for the breakdown risk: once
    after each rejected offer (or text), and never when the problem's risk is 0. Without
    a bargaining range nothing is offered (outcome ``"no_range"``); so too when some
    party's walk-away value is more than any agreement in the range gives it. The
    utilities of an agreement are undiscounted (the step number is in the record).

    Raises
    ------
    BargainingError
        If the protocol cannot be played on the problem (:func:`check_protocol`), or an
        equilibrium player's problem has no alternating-offers equilibrium.

    Examples
    --------
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> linear = Protocol(10, (Concession("linear"), Concession("linear")))
    >>> talks = negotiate(pie, linear, np.random.default_rng(0))
    >>> talks.outcome, len(talks.steps), talks.agreement  # B's 6th-step offer 5/10 beats A's next ask 4/10
    ('agreement', 6, Fraction(1, 2))
    >>> [step.offer for step in talks.steps[:3]]  # A asks 1 - t/10, B offers A t/10
    [Fraction(1, 1), Fraction(1, 10), Fraction(4, 5)]
    """
    check_protocol(problem, protocol)
    span = bargaining_range(problem)
    if span is None:
        return Negotiation((), "no_range", None, problem.disagreement)
    return negotiate_over(
        IssueSpace(problem, span),
        protocol,
        rng,
        first=problem.first,
        breakdown=problem.breakdown,
        disagreement=problem.disagreement,
    )


def negotiate_over(
    space: OfferSpace,
    protocol: Protocol,
    rng: np.random.Generator,
    *,
    first: int = 0,
    breakdown: Number = Fraction(0),
    disagreement: tuple[Number, Number] = (Fraction(0), Fraction(0)),
) -> Negotiation:
    """Play ``protocol`` over any :class:`OfferSpace` (what :func:`negotiate` does for a
    one-issue problem, whose space is its :class:`IssueSpace`): ``first`` proposes first,
    talks break down after a rejection with probability ``breakdown``, and
    ``disagreement`` is what each party gets without an agreement. The protocol is
    taken as checked (:func:`check_protocol`).

    Examples
    --------
    >>> space = IssueSpace(Bargaining.split("pie", ("A", "B")))
    >>> protocol = Protocol(10, (Concession("tit_for_tat"), Concession("tit_for_tat")))
    >>> talks = negotiate_over(space, protocol, np.random.default_rng(0), first=1)
    >>> talks.steps[0].proposer, talks.agreement  # mirrored: B opens, A ends up with 3/5
    ('B', Fraction(3, 5))
    """
    if any(space.best(p) < space.reserve(p) for p in (0, 1)):
        return Negotiation((), "no_range", None, disagreement)
    strategies = (
        _strategy(space, 0, protocol.strategies[0], protocol.deadline),
        _strategy(space, 1, protocol.strategies[1], protocol.deadline),
    )
    talks = _Talks(space, protocol, rng, breakdown, disagreement, strategies)
    if protocol.mediator is not None:
        return _mediated(talks, protocol.mediator)
    return _alternating(talks, first)


def _alternating(talks: _Talks, first: int) -> Negotiation:
    """Alternating offers, ``first`` proposing first."""
    deadline, space = talks.protocol.deadline, talks.space
    for t in range(deadline):
        i = (first + t) % 2
        j = 1 - i
        demand = talks.strategies[i].demand(t, talks.targets[i], talks.offers[j])
        talks.targets[i].append(demand.target)
        talks.offers[i].append(demand.offer)
        answered = space.utility(j, demand.offer)
        utilities = (demand.worth, answered) if i == 0 else (answered, demand.worth)
        least = space.reserve(j)
        if t < deadline - 1:
            least = max(least, talks.strategies[j].least(t, talks.targets[j], talks.offers[i]))
        accepted = answered >= least
        answers = ["propose", "propose"]
        answers[j] = "accept" if accepted else "reject"
        talks.steps.append(Step(t + 1, space.parties[i], demand.offer, utilities, (answers[0], answers[1])))
        if accepted:
            return talks.end("agreement", demand.offer)
        if talks.breaks_down():
            return talks.end("breakdown")
    return talks.end("deadline")


def _mediated(talks: _Talks, mediator: Mediator) -> Negotiation:
    """A mediator's single negotiating text (Raiffa 1982): each text is ``bias`` of the way
    from the midpoint of the sides' current demands to the mediator's ideal; the last text
    is accepted by a side when it is worth its walk-away value (as the last offer of
    alternating offers is)."""
    space = talks.space
    half = Fraction(1, 2)
    for t in range(talks.protocol.deadline):
        demands = [talks.strategies[p].demand(t, talks.targets[p], talks.offers[1 - p]) for p in (0, 1)]
        text = space.blend(demands[0].offer, demands[1].offer, half)
        if mediator.bias != 0:
            text = space.blend(mediator.ideal, text, mediator.bias)
        utilities = talks.worth(text)
        answers = []
        for p in (0, 1):
            # every strategy's target is at least its reserve, so credibility <= 1 keeps least there too
            least = target = demands[p].target
            if t == talks.protocol.deadline - 1:  # the last text: the alternative is disagreeing
                least = space.reserve(p)
            elif mediator.credibility != 0:
                least = target - mediator.credibility * (target - space.reserve(p))
            answers.append("accept" if utilities[p] >= least else "reject")
        stated = (demands[0].offer, demands[1].offer)
        talks.steps.append(Step(t + 1, mediator.name, text, utilities, (answers[0], answers[1]), stated))
        if answers == ["accept", "accept"]:
            return talks.end("agreement", text)
        for p in (0, 1):
            talks.targets[p].append(demands[p].target)
            talks.offers[p].append(demands[p].offer)
        if talks.breaks_down():
            return talks.end("breakdown")
    return talks.end("deadline")
