"""What happened in a run, recorded cheaply during the run.

The model appends plain records here while it plays; :mod:`sim.model.results` turns them
into tidy tables once, at the end, so no pandas work happens per round.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.game.bargaining import Bargaining, Number
from sim.game.equilibrium import SolveResult
from sim.game.multi_issue import MultiIssueBargaining
from sim.solvers.protocols import Negotiation, Offer
from sim.solvers.selection import Selection
from sim.solvers.tree_play import PlayedPath
from sim.solvers.trees import TreeEquilibrium, TreeSolveResult

__all__ = ["PARAMETERS", "BargainingPlay", "History", "Play", "TreePlay"]

#: The actor name under which changing parameters are recorded in the state table.
PARAMETERS = "parameters"


@dataclass(frozen=True)
class Play:
    """One game in one round: the solved game, the choice, the actions.

    Attributes
    ----------
    round : int
    result : SolveResult
        The game as built this round and all its equilibria.
    selection : Selection
        Which equilibrium was chosen and why.
    profile : tuple of int
        The strategies actually played (indices, player order).
    """

    round: int
    result: SolveResult
    selection: Selection
    profile: tuple[int, ...]

    @property
    def game(self) -> str:
        """The game's name."""
        return self.result.game.name

    @property
    def labels(self) -> tuple[str, ...]:
        """The strategies actually played, as labels."""
        return self.result.game.labels_of(self.profile)


@dataclass(frozen=True)
class TreePlay:
    """One tree game in one round: the solved tree, the chosen solution, the path played.

    Attributes
    ----------
    round : int
    result : TreeSolveResult
        The tree as built this round and its equilibria (solutions of its concept first).
    chosen : TreeEquilibrium
        The solution selected.
    rule : str
        The selection rule that chose it.
    path : PlayedPath
        Every move made, chance included, and the terminal node reached.
    """

    round: int
    result: TreeSolveResult
    chosen: TreeEquilibrium
    rule: str
    path: PlayedPath

    @property
    def game(self) -> str:
        """The game's name."""
        return self.result.game.name


@dataclass(frozen=True)
class BargainingPlay:
    """One bargaining game in one round: the problem as built and the negotiation played.

    Attributes
    ----------
    round : int
    problem : Bargaining or MultiIssueBargaining
        The problem at this round's state (with private information: the responder's
        disagreement payoff is the mean over its types); over several issues, a
        :class:`~sim.game.multi_issue.MultiIssueBargaining`.
    negotiation : Negotiation
        Every offer and answer, and the outcome (over several issues, offers are tuples
        of issue values, in issue order).
    type : str or None
        With private types: the type drawn (a uniform value: its value, as text).
    war_probability : number or None
        With private information: the chance, as the proposer sees it, that its offer is
        rejected (or that it makes none).
    """

    round: int
    problem: Bargaining | MultiIssueBargaining
    negotiation: Negotiation
    type: str | None = None
    war_probability: Number | None = None

    @property
    def game(self) -> str:
        """The game's name."""
        return self.problem.name

    @property
    def issues(self) -> tuple[str, ...]:
        """The issues' names, in order (one for a one-issue problem)."""
        if isinstance(self.problem, MultiIssueBargaining):
            return self.problem.issues
        return (self.problem.issue,)

    @property
    def units(self) -> tuple[str, ...]:
        """The issues' units, in order (empty strings: no unit)."""
        if isinstance(self.problem, MultiIssueBargaining):
            return self.problem.units or ("",) * len(self.problem.issues)
        return (self.problem.unit,)

    @staticmethod
    def values(offer: Offer) -> tuple[float, ...]:
        """An offer's issue values as floats, in issue order.

        Examples
        --------
        >>> from fractions import Fraction
        >>> BargainingPlay.values(Fraction(1, 2)), BargainingPlay.values((20.0, 3.0))
        ((0.5,), (20.0, 3.0))
        """
        return tuple(float(v) for v in offer) if isinstance(offer, tuple) else (float(offer),)


@dataclass
class History:
    """Every play (``plays`` of games in normal form, ``tree_plays`` of trees,
    ``bargaining_plays`` of bargaining games), and the state after every round (round 0
    is the start).

    ``state`` rows are ``(round, actor, variable, value)``; parameters changed by the
    dynamics are recorded under the actor name ``"parameters"``.
    """

    plays: list[Play] = field(default_factory=list)
    tree_plays: list[TreePlay] = field(default_factory=list)
    bargaining_plays: list[BargainingPlay] = field(default_factory=list)
    state: list[tuple[int, str, str, float]] = field(default_factory=list)

    def up_to(self, round_number: int) -> History:
        """The records of rounds ``1..round_number`` (and the start): a run cut after that
        round, such as one stopped by an error in the next, without the next round's
        first games.

        Examples
        --------
        >>> History(state=[(0, "A", "x", 0.0), (1, "A", "x", 1.0)]).up_to(0).state
        [(0, 'A', 'x', 0.0)]
        """
        return History(
            [p for p in self.plays if p.round <= round_number],
            [p for p in self.tree_plays if p.round <= round_number],
            [p for p in self.bargaining_plays if p.round <= round_number],
            [row for row in self.state if row[0] <= round_number],
        )

    def state_at(self, round_number: int) -> dict[str, float]:
        """The recorded state after ``round_number``, keyed as formulas name it
        (``"Russia.fatigue"``, or a parameter's bare name)."""
        return {(v if a == PARAMETERS else f"{a}.{v}"): x for r, a, v, x in self.state if r == round_number}
