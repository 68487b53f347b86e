"""Fearon (1995) bargaining with private information, against answers derived by hand."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import SolverError, SolverLimitError
from sim.game.bargaining import Bargaining, BargainingError, bargaining_range
from sim.solvers.bargaining import screening_offer
from sim.solvers.beliefs import bayes, likelihoods, unobserved
from sim.solvers.fearon import (
    NO_OFFER,
    OFFER_INFOSET,
    fearon_summary,
    posterior_after,
    screening_pbe,
    screening_tree,
    uniform_demand,
)
from sim.solvers.trees import solve_tree


def pie(war_a: F, war_b: F = F(0), *, low: F = F(0), high: F = F(1)) -> Bargaining:
    """A's share y of a pie on [low, high], B gets 1 - y; fighting is worth war_a, war_b."""
    return Bargaining("pie", ("A", "B"), "share", low, high, (F(1), F(-1)), (F(0), F(1)), disagreement=(war_a, war_b))


def zone() -> Bargaining:
    """screening_offer's example: Ukraine (0) gets 96/125 - y, Russia (1) gets y."""
    return Bargaining(
        "zone",
        ("Ukraine", "Russia"),
        "y",
        F(0),
        F(1),
        (F(-1), F(1)),
        (F(96, 125), F(0)),
        disagreement=(F(1, 5), F(1, 2)),
    )


# --- uniform values of war -----------------------------------------------------------------


def test_the_worked_example() -> None:
    # x = 1 - y, A gets 1 - x (K = k = 1), d_A = 3/10, B's war value uniform on [0, 3/5]:
    # x* = (1 - 3/10 + 0) / 2 = 7/20, inside [0, 3/5]; y = 13/20; P = (7/20) / (3/5) = 7/12;
    # A expects 7/12 * 13/20 + 5/12 * 3/10 = 91/240 + 30/240 = 121/240.
    demand = uniform_demand(pie(F(3, 10)), F(0), F(3, 5))
    assert (demand.offer, demand.acceptance, demand.war_probability, demand.expected) == (
        F(13, 20),
        F(7, 12),
        F(5, 12),
        F(121, 240),
    )


def test_the_second_party_can_propose() -> None:
    # The mirror image: B proposes, keeps 1 - y; A's war value uniform on [0, 3/5], B's 3/10.
    # With z = 1 - y B's share, the same numbers: z = 13/20, so y = 7/20.
    problem = Bargaining(
        "pie", ("A", "B"), "share", F(0), F(1), (F(1), F(-1)), (F(0), F(1)), disagreement=(F(0), F(3, 10))
    )
    demand = uniform_demand(problem, F(0), F(3, 5), proposer=1)
    assert (demand.offer, demand.war_probability, demand.expected) == (F(7, 20), F(5, 12), F(121, 240))


@pytest.mark.parametrize(
    ("problem", "low", "high", "expected"),
    [
        # Every type fights for at most 1/5; x* = (1 - 0 + 0) / 2 = 1/2 > 1/5: offering B 1/5
        # (y = 4/5) is accepted for sure and worth 4/5; more would give away more for nothing.
        (pie(F(0)), F(0), F(1, 5), (F(4, 5), F(1), F(0), F(4, 5))),
        # d_A = 9/10: x* = (1 - 9/10 + 1/5) / 2 = 3/20 < 1/5 = low, so the best is x = 1/5,
        # accepted with chance 0: no offer, war for sure, A gets its 9/10.
        (pie(F(9, 10)), F(1, 5), F(3, 5), (None, F(0), F(1), F(9, 10))),
        # B fights for 3/2 to 2, more than the whole pie: nothing it would accept.
        (pie(F(0)), F(3, 2), F(2), (None, F(0), F(1), F(0))),
        # y only up to 1/2, so B gets at least 1/2, more than any type's 2/5: the cheapest
        # offer y = 1/2 is accepted for sure (worth 1/2 > d_A = 1/10).
        (pie(F(1, 10), high=F(1, 2)), F(0), F(2, 5), (F(1, 2), F(1), F(0), F(1, 2))),
        # The same with d_A = 1/2: the offer ties with fighting; the tie goes to the offer, as
        # screening_offer's does (to the answer more types accept).
        (pie(F(1, 2), high=F(1, 2)), F(0), F(2, 5), (F(1, 2), F(1), F(0), F(1, 2))),
        # Clipped by the range inside [low, high]: y <= 1/2 means x >= 1/2, x* = (1 - 0 + 0)/2
        # with B's value on [0, 4/5]: x* = 1/2 is the range's end; P = (1/2) / (4/5) = 5/8,
        # worth 5/8 * 1/2 = 5/16. Narrower: y <= 2/5 gives x >= 3/5 > x*, so x = 3/5,
        # P = 3/4, worth 3/4 * 2/5 = 3/10.
        (pie(F(0), high=F(1, 2)), F(0), F(4, 5), (F(1, 2), F(5, 8), F(3, 8), F(5, 16))),
        (pie(F(0), high=F(2, 5)), F(0), F(4, 5), (F(2, 5), F(3, 4), F(1, 4), F(3, 10))),
    ],
)
def test_corners(problem: Bargaining, low: F, high: F, expected: tuple[object, ...]) -> None:
    demand = uniform_demand(problem, low, high)
    assert (demand.offer, demand.acceptance, demand.war_probability, demand.expected) == expected


def test_integers_stay_exact() -> None:
    demand = uniform_demand(pie(F(3, 10)), 0, F(3, 5))
    assert demand.offer == F(13, 20)
    assert isinstance(demand.offer, F)


@pytest.mark.parametrize(("low", "high"), [(F(1, 2), F(1, 2)), (F(3, 5), F(0))])
def test_an_empty_interval_is_refused(low: F, high: F) -> None:
    with pytest.raises(BargainingError, match="spread over an interval"):
        uniform_demand(pie(F(0)), low, high)


def test_parties_pulling_the_same_way_are_refused() -> None:
    same = Bargaining("same", ("A", "B"), "y", F(0), F(1), (F(1), F(1)), (F(0), F(0)))
    with pytest.raises(BargainingError, match="opposite directions"):
        uniform_demand(same, F(0), F(1))


def test_a_proposer_is_a_party() -> None:
    with pytest.raises(BargainingError, match="party 0 or 1, not 2"):
        uniform_demand(pie(F(0)), F(0), F(1), proposer=2)


def test_curved_utilities() -> None:
    # A gets sqrt(y), B 1 - y, d_A = 0, B's value uniform on [0, 1]: P = 1 - y, so A
    # maximises (1 - y) sqrt(y): -sqrt(y) + (1 - y) / (2 sqrt(y)) = 0 gives 1 - 3y = 0,
    # y = 1/3, P = 2/3, worth 2/3 * sqrt(1/3) = 2 / (3 sqrt 3). Brent's search finds y to
    # about 1e-8 (a maximum from values); the value is flat there, so it is good to 1e-12.
    problem = Bargaining(
        "concave", ("A", "B"), "y", F(0), F(1), (F(1), F(-1)), (F(0), F(1)), curves=(math.sqrt, lambda y: 1 - y)
    )
    demand = uniform_demand(problem, F(0), F(1))
    assert demand.offer == pytest.approx(1 / 3, abs=1e-7)
    assert demand.acceptance == pytest.approx(2 / 3, abs=1e-7)
    assert demand.expected == pytest.approx(2 / (3 * math.sqrt(3)), abs=1e-12)


def test_affine_curves_give_the_closed_form() -> None:
    # The worked example written as curves: the numeric search finds y = 13/20, 121/240.
    problem = Bargaining(
        "pie",
        ("A", "B"),
        "share",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(0), F(1)),
        disagreement=(F(3, 10), F(0)),
        curves=(lambda y: y, lambda y: 1 - y),
    )
    demand = uniform_demand(problem, F(0), F(3, 5))
    assert demand.offer == pytest.approx(13 / 20, abs=1e-7)
    assert demand.expected == pytest.approx(121 / 240, abs=1e-12)


def test_a_curved_demand_nobody_accepts_is_no_offer() -> None:
    # B's war value 3/2 to 2 is more than 1 - y can give: no offer, A keeps d_A = 1/10.
    problem = Bargaining(
        "concave",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(0), F(1)),
        disagreement=(F(1, 10), F(0)),
        curves=(math.sqrt, lambda y: 1 - y),
    )
    demand = uniform_demand(problem, F(3, 2), F(2))
    assert (demand.offer, demand.acceptance, demand.war_probability, demand.expected) == (None, 0.0, 1.0, 0.1)
    assert isinstance(demand.expected, float)


def worth(problem: Bargaining, y: F, low: F, high: F) -> F:
    """What the demand y is worth to A (party 0) when B's war value is uniform on [low, high]."""
    share = min(max((problem.utility(1, y) - low) / (high - low), F(0)), F(1))
    return F(share * problem.utility(0, y) + (1 - share) * problem.disagreement[0])


#: Offers compared on the grid of the property below.
GRID = 200

fractions = st.fractions(F(-2), F(2), max_denominator=50)


@settings(max_examples=40, deadline=None)
@given(
    fractions,
    fractions,
    st.fractions(F(1, 10), F(3), max_denominator=20),
    st.fractions(F(-3), F(-1, 10), max_denominator=20),
    fractions,
    fractions,
    st.fractions(F(1, 20), F(2), max_denominator=20),
)
@pytest.mark.slow
def test_no_offer_on_a_grid_beats_the_demand(a0: F, a1: F, b0: F, b1: F, war_a: F, low: F, width: F) -> None:
    # Exact arithmetic: the stated tolerance is 0. Every grid offer, and fighting, is worth at
    # most the demand; the demand's value is what it claims.
    problem = Bargaining("random", ("A", "B"), "y", F(0), F(1), (b0, b1), (a0, a1), disagreement=(war_a, F(0)))
    high = low + width
    demand = uniform_demand(problem, low, high)
    grid = [F(n, GRID) for n in range(GRID + 1)]
    assert demand.expected >= max(war_a, *(worth(problem, y, low, high) for y in grid))
    if demand.offer is None:
        assert (demand.expected, demand.war_probability) == (war_a, 1)
    else:
        assert demand.expected == worth(problem, F(demand.offer), low, high)
        assert demand.acceptance > 0


#: Tolerance of the curved property below: the numeric maximum is found to about 1e-8 of
#: the range, so its value to about 1e-16; grid values may exceed it by round-off only.
CURVED_TOLERANCE = 1e-12


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.2, 1.0),
    st.floats(0.0, 0.6),
    st.floats(-0.5, 0.9),
    st.floats(0.05, 1.5),
)
@pytest.mark.slow
def test_no_offer_on_a_grid_beats_a_curved_demand(power: float, war_a: float, low: float, width: float) -> None:
    problem = Bargaining(
        "curved",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(0), F(1)),
        disagreement=(war_a, 0.0),
        curves=(lambda y: y**power, lambda y: 1 - y),
    )
    demand = uniform_demand(problem, low, low + width)

    def value(y: float) -> float:
        share = min(max((1 - y - low) / width, 0.0), 1.0)
        return share * y**power + (1 - share) * war_a

    best = max(war_a, *(value(n / GRID) for n in range(GRID + 1)))
    assert float(demand.expected) >= best - CURVED_TOLERANCE


# --- complete information: no war whenever the range is not empty ------------------------


@settings(max_examples=60, deadline=None)
@given(fractions, fractions, st.sampled_from([F(1), F(1, 2), F(3)]), fractions, fractions)
@pytest.mark.slow
def test_complete_information_means_no_war_when_the_range_is_not_empty(
    a0: F, a1: F, slope: F, war_a: F, war_b: F
) -> None:
    # Fearon 1995: with complete information the proposer offers the responder its value of
    # war (or the range's stingiest end), which is worth at least fighting to the proposer
    # exactly when the range is not empty.
    problem = Bargaining("random", ("A", "B"), "y", F(0), F(1), (slope, -slope), (a0, a1), disagreement=(war_a, war_b))
    summary = fearon_summary(problem)
    assert summary.war_probability == (0 if bargaining_range(problem) is not None else 1)
    assert screening_offer(problem, [(F(1), war_b)]).war_probability == summary.war_probability


def test_one_type_in_the_tree_means_no_war() -> None:
    # B fights for 1/2, A for 3/10: the range [3/10, 1/2] is not empty, A offers y = 1/2.
    result, _ = screening_pbe(pie(F(3, 10)), [(F(1), F(1, 2))], ["only"])
    assert (result.offer, result.war_probability, result.expected) == (F(1, 2), F(0), F(1, 2))


def test_the_summary_when_the_range_is_empty() -> None:
    # A fights for 3/5, B for 1/2: A needs y >= 3/5, B y <= 1/2: no range, war.
    summary = fearon_summary(pie(F(3, 5), F(1, 2)))
    assert (summary.range, summary.demand.offer, summary.war_probability, summary.expected) == (None, None, 1, F(3, 5))
    assert summary.explanation == (
        "No share is better for both sides than war (fighting is cheap compared with what an agreement would "
        "cost one of them), so talks fail even with complete information. A has no offer B would accept that "
        "beats fighting: war."
    )


def test_the_summary_with_private_information() -> None:
    # The worked example: range [3/10, 1/2] with B's 1/2; private [0, 3/5]: y = 13/20, P = 7/12.
    summary = fearon_summary(pie(F(3, 10), F(1, 2)), (F(0), F(3, 5)))
    assert (summary.range, summary.demand.offer, summary.war_probability, summary.expected) == (
        (F(3, 10), F(1, 2)),
        F(13, 20),
        F(5, 12),
        F(121, 240),
    )
    assert summary.explanation.endswith(
        "B's value of war is private, anywhere from 0 to 3/5, so A demands share = 13/20, accepted with chance 7/12: "
        "a tougher demand gains more when accepted but is rejected, meaning war, more often (the risk-return "
        "trade-off), and the best one risks war with chance 5/12."
    )


# --- discrete types as a tree --------------------------------------------------------------


def test_the_tree() -> None:
    # Types tough (B fights for 1/2) and soft (1/5): offers y = 1/2 and 4/5, or none.
    game = screening_tree(pie(F(3, 10)), [(F(2, 5), F(1, 2)), (F(3, 5), F(1, 5))], ["tough", "soft"])
    assert game.players == ("A", "B")
    assert game.nodes[0].kind == "chance"
    assert game.exact_probabilities is not None
    assert game.exact_probabilities[0] == (F(2, 5), F(3, 5))
    offer = game.infosets[0]
    assert (offer.label, game.players[offer.player], offer.moves) == (
        OFFER_INFOSET,
        "A",
        ("offer share=0.5", "offer share=0.8", NO_OFFER),
    )
    assert len(offer.nodes) == 2  # A does not see the type
    answers = [s for s in game.infosets if s.player == 1]
    assert [(s.label, len(s.nodes)) for s in answers] == [
        ("tough: offer share=0.5", 1),
        ("tough: offer share=0.8", 1),
        ("soft: offer share=0.5", 1),
        ("soft: offer share=0.8", 1),
    ]
    payoffs = {game.nodes[z].path: game.exact_payoffs[z] for z in game.terminals} if game.exact_payoffs else {}
    assert payoffs["tough/offer share=0.8/accept"] == (F(4, 5), F(1, 5))
    assert payoffs["tough/offer share=0.8/reject"] == (F(3, 10), F(1, 2))  # the type's own war value
    assert payoffs["soft/offer share=0.8/reject"] == (F(3, 10), F(1, 5))
    assert payoffs["soft/none"] == (F(3, 10), F(1, 5))


@pytest.mark.parametrize(
    ("types", "names", "fragment"),
    [
        ([(F(1), F(0))], ["a", "b"], "2 type names for 1 types"),
        ([(F(1, 2), F(0)), (F(1, 2), F(1))], ["a", "a"], "must differ"),
        ([(F(-1), F(0)), (F(2), F(1))], ["a", "b"], "at least 0"),
        ([(F(0), F(0))], ["a"], "sum to more than 0"),
    ],
)
def test_bad_types_are_refused(types: list[tuple[F, F]], names: list[str], fragment: str) -> None:
    with pytest.raises(BargainingError, match=fragment):
        screening_tree(pie(F(0)), types, names)


def test_the_pbe_is_the_screening_offer() -> None:
    # screening_offer's example: offers y = 1/2 (both accept) worth 96/125 - 1/2 = 67/250;
    # y = 3/10 (only "open" accepts) worth 7/10 (96/125 - 3/10) + 3/10 * 1/5 = 969/2500; none 1/5.
    types = [(F(3, 10), F(1, 2)), (F(7, 10), F(3, 10))]
    result, equilibrium = screening_pbe(zone(), types, ["resolved", "open"])
    assert (result.offer, result.accepted_by, result.war_probability, result.expected) == (
        F(3, 10),
        (1,),
        F(3, 10),
        F(969, 2500),
    )
    assert result.values == ((None, F(1, 5)), (F(1, 2), F(67, 250)), (F(3, 10), F(969, 2500)))
    assert equilibrium.satisfies("pbe")
    assert result == screening_offer(zone(), types)


def test_the_tree_has_other_equilibria_and_the_right_one_is_chosen() -> None:
    # Each type is indifferent at its own reservation offer, so the tree has four pure PBE,
    # one per way "resolved" answers y = 1/2 and "open" answers y = 3/10. Ukraine's best
    # offer given those answers (values from the test above; a rejected 1/2 is worth
    # 7/10 * 67/250 + 3/10 * 1/5 = 619/2500, a rejected 3/10 is worth 1/5):
    #   both accept -> 3/10 (969/2500); resolved rejects 1/2 -> 3/10;
    #   open rejects 3/10 -> 1/2 (67/250); both reject -> 1/2 (619/2500).
    types = [(F(3, 10), F(1, 2)), (F(7, 10), F(3, 10))]
    game = screening_tree(zone(), types, ["resolved", "open"])
    offer = next(k for k, s in enumerate(game.infosets) if s.label == OFFER_INFOSET)
    chosen = sorted(
        game.infosets[offer].moves[int(eq.behaviour[offer].argmax())] for eq in solve_tree(game, "pbe").solutions
    )
    assert chosen == ["offer y=0.3", "offer y=0.3", "offer y=0.5", "offer y=0.5"]
    _, equilibrium = screening_pbe(zone(), types, ["resolved", "open"])
    answers = {s.label: s.moves[int(equilibrium.behaviour[k].argmax())] for k, s in enumerate(game.infosets)}
    assert answers == {
        OFFER_INFOSET: "offer y=0.3",
        "resolved: offer y=0.5": "accept",
        "resolved: offer y=0.3": "reject",
        "open: offer y=0.5": "accept",
        "open: offer y=0.3": "accept",
    }


#: Screen iff the tough type's prior is below this. Pie, d_A = 3/10, B fights for 1/2 (tough,
#: prior pi) or 1/5 (soft). The safe offer y = 1/2 is accepted by both: worth 1/2. Screening
#: with y = 4/5 (only soft accepts): (1 - pi) 4/5 + pi 3/10. Screen iff
#: (1 - pi) 4/5 + pi 3/10 > 1/2  <=>  3/10 > pi (4/5 - 3/10)  <=>  pi < (1/2 - 1/5) / (1 - 1/5 - 3/10) = 3/5.
THRESHOLD = F(3, 5)


@pytest.mark.parametrize(
    ("pi", "offer", "war", "value"),
    [
        # pi = 59/100: screening worth 41/100 * 4/5 + 59/100 * 3/10 = 328/1000 + 177/1000 = 101/200 > 1/2
        (THRESHOLD - F(1, 100), F(4, 5), THRESHOLD - F(1, 100), F(101, 200)),
        # pi = 3/5: screening worth 2/5 * 4/5 + 3/5 * 3/10 = 1/2, a tie: the offer both accept
        (THRESHOLD, F(1, 2), F(0), F(1, 2)),
        # pi = 61/100: screening worth 39/100 * 4/5 + 61/100 * 3/10 = 99/200 < 1/2: the safe offer
        (THRESHOLD + F(1, 100), F(1, 2), F(0), F(1, 2)),
    ],
)
def test_screening_or_the_safe_offer(pi: F, offer: F, war: F, value: F) -> None:
    types = [(pi, F(1, 2)), (1 - pi, F(1, 5))]
    result, equilibrium = screening_pbe(pie(F(3, 10)), types, ["tough", "soft"])
    assert (result.offer, result.war_probability, result.expected) == (offer, war, value)
    assert equilibrium.satisfies("pbe")


def test_the_second_party_can_screen() -> None:
    # The mirror of the pi = 59/100 case: B proposes and keeps 1 - y, A fights for 1/2 (prior
    # 59/100) or 1/5, B for 3/10. Screening offers A y = 1/5: B keeps 4/5 with chance 41/100,
    # 101/200 in all, against 1/2 for the safe y = 1/2. B decides at the offer set.
    problem = Bargaining(
        "pie", ("A", "B"), "share", F(0), F(1), (F(1), F(-1)), (F(0), F(1)), disagreement=(F(0), F(3, 10))
    )
    types = [(F(59, 100), F(1, 2)), (F(41, 100), F(1, 5))]
    result, _ = screening_pbe(problem, types, ["tough", "soft"], proposer=1)
    assert (result.offer, result.accepted_by, result.war_probability, result.expected) == (
        F(1, 5),
        (1,),
        F(59, 100),
        F(101, 200),
    )
    game = screening_tree(problem, types, ["tough", "soft"], proposer=1)
    assert (game.infosets[0].label, game.players[game.infosets[0].player]) == (OFFER_INFOSET, "B")


def test_too_many_types_for_the_tree_are_refused_before_solving() -> None:
    # Four types with distinct values of war: four offers and none, 16 answers: 5 * 2**16 =
    # 327,680 pure profiles, more than the 200,000 the enumeration tries.
    types = [(F(1, 4), F(k, 5)) for k in range(4)]
    with pytest.raises(SolverLimitError, match="4 types has 327,680 pure profiles, more than the 200,000"):
        screening_pbe(pie(F(0)), types, ["a", "b", "c", "d"])


def test_float_types() -> None:
    # The zone example in floats: the same offer, war with chance 0.3 (to round-off).
    problem = Bargaining(
        "zone", ("Ukraine", "Russia"), "y", 0.0, 1.0, (-1.0, 1.0), (0.768, 0.0), disagreement=(0.2, 0.5)
    )
    result, equilibrium = screening_pbe(problem, [(0.3, 0.5), (0.7, 0.3)], ["resolved", "open"])
    assert result.offer == 0.3
    assert result.war_probability == pytest.approx(0.3, abs=1e-15)
    assert result.expected == pytest.approx(0.3876, abs=1e-15)
    assert equilibrium.exact is None


def test_a_disagreement_between_tree_and_enumeration_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.solvers import bargaining, fearon

    def wrong(problem: Bargaining, types: object, *, proposer: int | None = None) -> bargaining.Screening:
        return bargaining.Screening(None, (), F(1), F(1, 5), ())

    monkeypatch.setattr(fearon, "screening_offer", wrong)
    with pytest.raises(SolverError, match="the enumeration None"):
        screening_pbe(zone(), [(F(3, 10), F(1, 2)), (F(7, 10), F(3, 10))], ["resolved", "open"])


# --- beliefs after the answer ----------------------------------------------------------------

#: Pie, d_A = 0; B fights for 1/2 (1/5), 3/10 (1/2) or 0 (3/10). Offers: y = 1/2 (all accept)
#: worth 1/2; y = 7/10 (middle and soft, 4/5) worth 4/5 * 7/10 = 14/25; y = 1 (soft) worth 3/10.
THREE = [(F(1, 5), F(1, 2)), (F(1, 2), F(3, 10)), (F(3, 10), F(0))]
NAMES = ["tough", "middle", "soft"]


def test_posteriors_by_hand() -> None:
    # Accepted by middle and soft (prior 1/2 + 3/10 = 4/5): 5/8, 3/8. Rejected: only tough.
    assert posterior_after(THREE, (1, 2), accepted=True) == [F(0), F(5, 8), F(3, 8)]
    assert posterior_after(THREE, (1, 2), accepted=False) == [F(1), F(0), F(0)]
    # Nobody rejects an offer all accept: the (normalised) prior stays.
    assert posterior_after([(F(1), F(0)), (F(3), F(1))], (0, 1), accepted=False) == [F(1, 4), F(3, 4)]


def test_posteriors_in_floats() -> None:
    assert posterior_after([(0.25, 0.0), (0.75, 1.0)], (1,), accepted=True) == [0.0, 1.0]


def test_a_type_out_of_range_is_refused() -> None:
    with pytest.raises(BargainingError, match="numbered 0 to 2, not"):
        posterior_after(THREE, (3,), accepted=True)


@pytest.mark.slow  # solves a tree of three types (2,048 pure profiles): about 0.3 s
def test_posteriors_agree_with_bayes_on_the_tree() -> None:
    # The equilibrium offers y = 7/10 (14/25 is the best). A sees the offer and the answer,
    # not the type draw (unobserved: the root). After y = 7/10 both answers are on the path.
    # y = 1/2 is off it, so every answer to it has probability 0 under every type and the
    # prior stays; posterior_after keeps it too when no type gives the answer (a rejection
    # of 1/2, which every type accepts), and an acceptance of 1/2 by all is the prior itself.
    result, equilibrium = screening_pbe(pie(F(0)), THREE, NAMES)
    assert result.offer == F(7, 10)
    game = screening_tree(pie(F(0)), THREE, NAMES)
    hidden = unobserved(game, 0)
    assert hidden == {0}
    cases = [("offer share=0.7", (1, 2)), ("offer share=0.5", (0, 1, 2))]
    for (offer, accepted_by), answer, name in itertools.product(cases, ("accept", "reject"), NAMES):
        terminal = next(z for z in game.terminals if game.nodes[z].path == f"{name}/{offer}/{answer}")
        likelihood = likelihoods(game, equilibrium.behaviour, 0, terminal, lambda node: node in hidden)
        on_tree = bayes([float(p) for p, _ in THREE], likelihood)
        mine = posterior_after(THREE, accepted_by, accepted=answer == "accept")
        assert on_tree == pytest.approx([float(p) for p in mine], abs=1e-15), (offer, answer, name)
