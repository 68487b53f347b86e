"""Negotiation protocols simulated offer by offer: alternating offers with concession
strategies, and a mediator's single negotiating text.

The data of a protocol (:class:`Concession`, :class:`Mediator`, :class:`Protocol`) and of
a negotiation played under it (:class:`Step`, :class:`Negotiation`). The engine is
:func:`negotiate`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.game.bargaining import Number

__all__ = ["CONCESSIONS", "Concession", "Mediator", "Negotiation", "Protocol", "Step"]

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
    ideal : number
        The agreement the mediator would like (a value of the issue).
    bias : number
        In [0, 1]: how far each text is pulled towards ``ideal`` (0: the midpoint of the
        sides' demands; 1: always ``ideal``).
    credibility : number
        In [0, 1]: how much a side trusts the text (it accepts a text worth its current
        demand lowered by this share of the way to its walk-away value).
    """

    name: str
    ideal: Number
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
    offer : number
        The value of the issue offered.
    utilities : tuple of two numbers
        What the offer is worth to each party.
    responses : tuple of two str
        Each party's answer: ``"accept"``, ``"reject"``, or ``"propose"`` for the party
        that made the offer.
    """

    step: int
    proposer: str
    offer: Number
    utilities: tuple[Number, Number]
    responses: tuple[str, str]


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
    agreement : number or None
        The agreed value of the issue.
    utilities : tuple of two numbers
        What each party gets: the agreement's utilities, or the disagreement payoffs.
    """

    steps: tuple[Step, ...]
    outcome: str
    agreement: Number | None
    utilities: tuple[Number, Number]

    @property
    def agreed(self) -> bool:
        """Whether the talks ended in an agreement."""
        return self.outcome == "agreement"
