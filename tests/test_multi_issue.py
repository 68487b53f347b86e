"""Bargaining over several issues: numeric solutions against closed forms derived by hand.

Each solution states its precision (``MultiSolution.tolerance``, a share of each issue's
range, 1e-6); the closed forms below are checked to it.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from sim.errors import SolverError
from sim.game.bargaining import Bargaining, BargainingError
from sim.game.multi_issue import MultiIssueBargaining
from sim.game.tolerances import MULTI_AGREEMENT
from sim.solvers.bargaining import kalai_smorodinsky, nash_solution
from sim.solvers.multi_issue import MultiIssueSpace, frontier, kalai_smorodinsky_multi, nash_multi

UNIT_SQUARE = ((0.0, 1.0), (0.0, 1.0))
#: Utilities here are of order one, so the agreement's precision carries over to them.
CLOSE = MULTI_AGREEMENT


def logrolling(**changes: object) -> MultiIssueBargaining:
    """A values issue a three times as much as b; B the other way round (Raiffa's logrolling)."""
    base = MultiIssueBargaining(
        "logrolling",
        ("A", "B"),
        ("a", "b"),
        UNIT_SQUARE,
        (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])),
    )
    return MultiIssueBargaining(**{**base.__dict__, **changes})


def concave(n: int = 2, **changes: object) -> MultiIssueBargaining:
    """A's utility sum of sqrt(x_k), B's sum of (1 - x_k), over n issues in [0, 1], d = 0."""
    base = MultiIssueBargaining(
        "concave",
        ("A", "B"),
        tuple("abcdef"[:n]),
        ((0.0, 1.0),) * n,
        (lambda x: float(np.sum(np.sqrt(x))), lambda x: float(np.sum(1 - x))),
    )
    return MultiIssueBargaining(**{**base.__dict__, **changes})


def mirrored() -> MultiIssueBargaining:
    """Symmetric: B's utility of (a, b) is A's of (1 - a, 1 - b)."""
    return MultiIssueBargaining(
        "mirrored",
        ("A", "B"),
        ("a", "b"),
        UNIT_SQUARE,
        (lambda x: math.sqrt(x[0]) + math.sqrt(x[1]), lambda x: math.sqrt(1 - x[0]) + math.sqrt(1 - x[1])),
    )


# --- (a) logrolling: linear utilities, solutions at a corner or on an edge ------------------


def test_logrolling_nash_gives_each_party_the_issue_it_values_most() -> None:
    # The frontier: from (a, b) = (1, 0), worth (3, 3), either b rises (A gains 1, B loses 3 a
    # unit: on to (4, 0)) or a falls (A loses 3, B gains 1: on to (0, 4)); inner points are
    # dominated. On a = 1: (3 + b)(3 - 3b) = 9 - 6b - 3b^2, falling in b. On b = 0: 3a (4 - a)
    # = 12a - 3a^2, rising on [0, 1] (derivative 12 - 6a > 0). The product's maximum is 9 at
    # the corner (1, 0): A gets all of a, B all of b.
    solution = nash_multi(logrolling())
    assert solution.concept == "nash"
    assert solution.agreement == {"a": 1.0, "b": 0.0}
    assert solution.utilities == (3.0, 3.0)
    assert solution.tolerance == MULTI_AGREEMENT


def test_logrolling_nash_with_unequal_powers_lies_on_an_edge() -> None:
    # Powers 1 : 4 (weights 1/5, 4/5). On the edge b = 0: maximise (1/5) log(3a) + (4/5) log(4 - a):
    # 1 / (5a) = 4 / (5 (4 - a)) -> 4 - a = 4a -> a = 4/5, inside [0, 1]; utilities (12/5, 16/5).
    # At b = 0 the derivative in b is (1/5) / (12/5) - (4/5) 3 / (16/5) = 1/12 - 3/4 < 0: b stays 0.
    solution = nash_multi(logrolling(power=(1.0, 4.0)))
    assert solution.agreement is not None
    assert solution.agreement["a"] == pytest.approx(4 / 5, abs=CLOSE)
    assert solution.agreement["b"] == 0.0
    assert solution.utilities == pytest.approx((12 / 5, 16 / 5), abs=3 * CLOSE)


def test_logrolling_kalai_smorodinsky_meets_the_kink() -> None:
    # Ideals: B's utility 4 - a - 3b is never below 0, so A's ideal is 4 at (1, 1), and B's is 4
    # at (0, 0). Equal shares of equal ideals: u_A = u_B on the frontier, the kink (3, 3) at (1, 0).
    solution = kalai_smorodinsky_multi(logrolling())
    assert solution.agreement == pytest.approx({"a": 1.0, "b": 0.0}, abs=CLOSE)
    assert solution.utilities == pytest.approx((3.0, 3.0), abs=CLOSE)


def test_no_agreement_when_no_point_gives_both_a_gain() -> None:
    # The best equal split is the kink (3, 3): nothing gives both more than 3.5.
    problem = logrolling(disagreement=(3.5, 3.5))
    for solve in (nash_multi, kalai_smorodinsky_multi):
        solution = solve(problem)
        assert solution.agreement is None
        assert solution.utilities == (3.5, 3.5)
    assert frontier(problem) == ()


# --- (b) a separable concave case with an interior solution --------------------------------


@pytest.mark.parametrize("n", [2, 3])
def test_concave_nash_is_interior(n: int) -> None:
    # Maximise (1/2) log(sum sqrt x_k) + (1/2) log(sum (1 - x_k)): concave and symmetric in the
    # issues, so the maximum has x_k = s for all k: (1/2) log(n sqrt s) + (1/2) log(n (1 - s)),
    # derivative 1/(4s) - 1/(2 (1 - s)) = 0 -> 1 - s = 2s -> s = 1/3; utilities n/sqrt(3), 2n/3.
    solution = nash_multi(concave(n))
    assert solution.agreement is not None
    assert list(solution.agreement.values()) == pytest.approx([1 / 3] * n, abs=CLOSE)
    assert solution.utilities == pytest.approx((n / math.sqrt(3), 2 * n / 3), abs=n * CLOSE)


@pytest.mark.parametrize(("power", "share"), [((1.0, 3.0), 1 / 7), ((3.0, 1.0), 3 / 5), ((1.0, 9.0), 1 / 19)])
def test_concave_nash_moves_with_bargaining_power(power: tuple[float, float], share: float) -> None:
    # Weights w_A, w_B (the powers over their sum); still x_k = s: maximise (w_A / 2) log s +
    # w_B log(1 - s): w_A / (2s) = w_B / (1 - s) -> s = w_A / (w_A + 2 w_B): 1/4 / (1/4 + 3/2)
    # = 1/7, 3/4 / (3/4 + 1/2) = 3/5, 1/10 / (1/10 + 18/10) = 1/19.
    solution = nash_multi(concave(power=power))
    assert solution.agreement == pytest.approx({"a": share, "b": share}, abs=CLOSE)


def test_nash_keeps_the_best_of_several_local_maxima() -> None:
    # B gains 1 whatever a is, so Nash maximises A's utility 2 + a/20 - 10 (a - 0.45)^2 (a - 1)^2.
    # Any a < 1 gives at most 2 + a/20 < 2.05 = its value at a = 1, the maximum. The search from
    # the centre (slope -0.225 + 0.05 < 0 at a = 1/2) climbs to the local maximum near 0.46
    # (about 2.023), as does the one from a = 0 (A gets -0.025 there, below its disagreement
    # payoff, so that start is first moved halfway to the centre); only a = 1 stays at the maximum.
    bumpy = MultiIssueBargaining(
        "bumpy",
        ("A", "B"),
        ("a",),
        ((0.0, 1.0),),
        (lambda x: 2 + x[0] / 20 - 10 * (x[0] - 0.45) ** 2 * (x[0] - 1) ** 2, lambda x: 1.0),
    )
    solution = nash_multi(bumpy)
    assert solution.agreement == {"a": 1.0}
    assert solution.utilities == pytest.approx((2.05, 1.0), abs=1e-15)


def test_nash_when_no_starting_point_gives_both_a_gain() -> None:
    # d = (1.2, 1.1): the centre gives (sqrt 2, 1) and the corners (0, 2), (1, 1), (1, 1), (2, 0),
    # none above d for both, but the frontier u_B = 2 - u_A^2 / 2 passes (1.25, 1.22): the
    # search starts from the agreement that maximises the smaller gain. By symmetry a = b = s
    # = r^2: maximise log(2r - 1.2) + log(0.9 - 2r^2): 2 / (2r - 1.2) = 4r / (0.9 - 2r^2) ->
    # 0.9 - 2r^2 = 4r^2 - 2.4r -> 20r^2 - 8r - 3 = 0 -> r = (2 + sqrt(19)) / 10.
    solution = nash_multi(concave(disagreement=(1.2, 1.1)))
    r = (2 + math.sqrt(19)) / 10
    assert solution.agreement == pytest.approx({"a": r**2, "b": r**2}, abs=CLOSE)
    assert solution.utilities == pytest.approx((2 * r, 2 - 2 * r**2), abs=CLOSE)


def test_the_same_agreement_in_any_unit() -> None:
    # Logrolling with a in km on [0, 100], b in troops on [0, 10], and B's utility in thousands:
    # the same problem, so the same agreement in the new units (a = 4/5 of 100 km, b = 0).
    problem = MultiIssueBargaining(
        "units",
        ("A", "B"),
        ("a", "b"),
        ((0.0, 100.0), (0.0, 10.0)),
        (lambda x: 3 * x[0] / 100 + x[1] / 10, lambda x: 1000 * ((1 - x[0] / 100) + 3 * (1 - x[1] / 10))),
        power=(1.0, 4.0),
        units=("km", "troops"),
    )
    solution = nash_multi(problem)
    assert solution.agreement == pytest.approx({"a": 80.0, "b": 0.0}, abs=100 * CLOSE)
    assert solution.utilities == pytest.approx((12 / 5, 3200.0), rel=3 * CLOSE)


def test_concave_kalai_smorodinsky() -> None:
    # Ideals: A's 2 at (1, 1) (B's utility is never negative), B's 2 at (0, 0). On the frontier
    # a = b = s (equal marginal rates), so equal gains: 2 sqrt(s) = 2 - 2s -> sqrt(s) =
    # (sqrt(5) - 1) / 2 -> s = (3 - sqrt(5)) / 2, each gains sqrt(5) - 1.
    solution = kalai_smorodinsky_multi(concave())
    s = (3 - math.sqrt(5)) / 2
    assert solution.concept == "kalai_smorodinsky"
    assert solution.agreement == pytest.approx({"a": s, "b": s}, abs=CLOSE)
    assert solution.utilities == pytest.approx((math.sqrt(5) - 1, math.sqrt(5) - 1), abs=CLOSE)


# --- (c) one issue: the same as the one-issue solver ---------------------------------------


def test_one_issue_agrees_with_the_one_issue_solver() -> None:
    # u_A = sqrt(y), u_B = 1 - y, powers 1 : 3 (weights 1/4, 3/4): maximise (1/8) log y +
    # (3/4) log(1 - y): 1 / (8y) = 3 / (4 (1 - y)) -> 1 - y = 6y -> y = 1/7.
    single = Bargaining(
        "concave",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(0), F(1)),
        power=(F(1), F(3)),
        curves=(math.sqrt, lambda y: 1 - y),
    )
    several = nash_multi(MultiIssueBargaining.from_bargaining(single))
    assert several.agreement is not None
    assert several.agreement["y"] == pytest.approx(float(nash_solution(single).agreement or 0), abs=CLOSE)
    assert several.agreement["y"] == pytest.approx(1 / 7, abs=CLOSE)


def test_one_issue_kalai_smorodinsky_agrees_with_the_one_issue_solver() -> None:
    # u_A = sqrt(y), u_B = 1 - y: both ideals are 1, so sqrt(y) = 1 - y -> y = (3 - sqrt 5) / 2.
    single = Bargaining(
        "concave", ("A", "B"), "y", F(0), F(1), (F(1), F(-1)), (F(0), F(1)), curves=(math.sqrt, lambda y: 1 - y)
    )
    several = kalai_smorodinsky_multi(MultiIssueBargaining.from_bargaining(single))
    assert several.agreement is not None
    assert several.agreement["y"] == pytest.approx(float(kalai_smorodinsky(single).agreement or 0), abs=CLOSE)
    assert several.agreement["y"] == pytest.approx((3 - math.sqrt(5)) / 2, abs=CLOSE)


# --- (d) Kalai-Smorodinsky on a symmetric problem --------------------------------------------


def test_kalai_smorodinsky_gives_equal_gains_on_a_symmetric_problem() -> None:
    # Symmetric under (a, b) -> (1 - a, 1 - b) with the parties swapped, d = 0: equal gains. The
    # ideals are 2 each (at (1, 1) and (0, 0)); the frontier has a = b = s (equal marginal
    # rates), so 2 sqrt(s) = 2 sqrt(1 - s) -> s = 1/2, each gets 2 sqrt(1/2) = sqrt(2).
    solution = kalai_smorodinsky_multi(mirrored())
    assert solution.utilities[0] == pytest.approx(solution.utilities[1], abs=CLOSE)
    assert solution.utilities[0] == pytest.approx(math.sqrt(2), abs=CLOSE)
    assert solution.agreement == pytest.approx({"a": 0.5, "b": 0.5}, abs=CLOSE)


# --- (e) first-order conditions at the returned point -----------------------------------------


def test_first_order_conditions_hold_at_the_interior_nash_solution() -> None:
    # f = (1/2) log(sqrt a + sqrt b) + (1/2) log(2 - a - b); by hand
    # df/da = (1 / (2 sqrt a)) / (2 (sqrt a + sqrt b)) - 1 / (2 (2 - a - b)), likewise in b.
    agreement = nash_multi(concave()).agreement
    assert agreement is not None
    a, b = agreement["a"], agreement["b"]
    for mine in (a, b):
        slope = 1 / (4 * math.sqrt(mine) * (math.sqrt(a) + math.sqrt(b))) - 1 / (2 * (2 - a - b))
        assert abs(slope) < CLOSE


def test_first_order_conditions_hold_at_the_edge_nash_solution() -> None:
    # f = (1/5) log(3a + b) + (4/5) log(4 - a - 3b): df/da = (3/5) / (3a + b) - (4/5) / (4 - a - 3b)
    # is zero (a inside its range); df/db = (1/5) / (3a + b) - (12/5) / (4 - a - 3b) is negative
    # at b = 0, its lower end: moving b up would lower f.
    agreement = nash_multi(logrolling(power=(1.0, 4.0))).agreement
    assert agreement is not None
    a, b = agreement["a"], agreement["b"]
    assert abs(0.6 / (3 * a + b) - 0.8 / (4 - a - 3 * b)) < CLOSE
    assert b == 0.0
    assert 0.2 / (3 * a + b) - 2.4 / (4 - a - 3 * b) == pytest.approx(1 / 12 - 3 / 4, abs=CLOSE)


def test_a_kink_at_the_maximum_fails_the_first_order_check() -> None:
    # Both have min(a + 1/2, 2 - 2a): the product peaks at the kink a = 1/2, where the
    # derivative jumps from 2 / 1 to -4 / 1: no zero, so the check refuses the point.
    kinked = MultiIssueBargaining(
        "kinked",
        ("A", "B"),
        ("a",),
        ((0.0, 1.0),),
        (lambda x: min(x[0] + 0.5, 2 - 2 * x[0]), lambda x: min(x[0] + 0.5, 2 - 2 * x[0])),
    )
    with pytest.raises(SolverError, match="failed its first-order conditions"):
        nash_multi(kinked)


# --- (f) the offer space: trade-off offers on the frontier -------------------------------------


def test_trade_off_offers_give_the_target_on_the_frontier() -> None:
    # Concave case: the frontier has a = b = s, u_A = 2 sqrt(s), u_B = 2 - 2s. A asking 1: s = 1/4,
    # B keeps 3/2. B asking 1: a + b <= 1 and A's best is a = b = 1/2, worth sqrt(2) to A.
    space = MultiIssueSpace(concave())
    offer = space.offer_for(0, 1.0)
    assert offer == pytest.approx((0.25, 0.25), abs=CLOSE)
    assert space.utility(0, offer) == pytest.approx(1.0, abs=CLOSE)
    assert space.utility(1, offer) == pytest.approx(1.5, abs=CLOSE)
    offer = space.offer_for(1, 1.0)
    assert offer == pytest.approx((0.5, 0.5), abs=CLOSE)
    assert space.utility(1, offer) == pytest.approx(1.0, abs=CLOSE)
    assert space.utility(0, offer) == pytest.approx(math.sqrt(2), abs=CLOSE)


def test_trade_off_offers_in_logrolling() -> None:
    # A asking 3.5 > 3 (the kink): a = 1, then b with 3 + b = 3.5 -> b = 1/2, B keeps 3 - 3/2.
    # A asking 1.5 < 3: b = 0, 3a = 1.5 -> a = 1/2, B keeps 4 - 1/2 = 7/2.
    space = MultiIssueSpace(logrolling())
    assert space.offer_for(0, 3.5) == pytest.approx((1.0, 0.5), abs=CLOSE)
    assert space.utility(1, space.offer_for(0, 3.5)) == pytest.approx(1.5, abs=CLOSE)
    assert space.offer_for(0, 1.5) == pytest.approx((0.5, 0.0), abs=CLOSE)
    assert space.utility(1, space.offer_for(0, 1.5)) == pytest.approx(3.5, abs=CLOSE)


def test_best_reserve_and_asking_too_much() -> None:
    # d = (1/2, 1). A's best leaves B 1: 4 - a - 3b >= 1. A unit of a gives A 3 for 1 of B's,
    # a unit of b gives A 1 for 3 of B's, so a = 1 first, then 3b <= 2 -> b = 2/3: A gets
    # 3 + 2/3 = 11/3. B's best leaves A 1/2: again a is the cheaper way to pay A (1 of B's
    # for 3 of A's), 3a >= 1/2 -> a = 1/6, b = 0: B gets 4 - 1/6 = 23/6.
    # Asking more than the best gets the best offer.
    space = MultiIssueSpace(logrolling(disagreement=(0.5, 1.0)))
    assert space.parties == ("A", "B")
    assert (space.best(0), space.best(1)) == pytest.approx((11 / 3, 23 / 6), abs=CLOSE)
    assert (space.reserve(0), space.reserve(1)) == (0.5, 1.0)
    assert space.offer_for(0, 9.0) == pytest.approx((1.0, 2 / 3), abs=CLOSE)
    assert space.offer_for(1, 23 / 6) == pytest.approx((1 / 6, 0.0), abs=CLOSE)


def test_best_when_the_other_cannot_get_its_disagreement_payoff() -> None:
    # B's utility is at most 4 (at a = b = 0): a disagreement payoff of 5 leaves nothing to offer.
    space = MultiIssueSpace(logrolling(disagreement=(0.0, 5.0)))
    with pytest.raises(BargainingError, match="no agreement gives B its disagreement payoff 5"):
        space.best(0)


@pytest.mark.slow
def test_blend_equilibrium_and_range_of_the_space() -> None:
    # blend: 1/4 of (1, 0) and 3/4 of (0, 1) issue by issue; an ideal beyond the box is clipped.
    # equilibrium: both offer the Nash solution (1, 0) (test above). has_range: B's 5 > its 4.
    space = MultiIssueSpace(logrolling())
    assert space.blend((1.0, 0.0), (0.0, 1.0), F(1, 4)) == (0.25, 0.75)
    assert space.blend((2.0, -1.0), (0.0, 0.0), 1) == (1.0, 0.0)
    offer, other = space.equilibrium()
    assert offer == other == pytest.approx((1.0, 0.0), abs=CLOSE)
    assert space.has_range()
    closed = MultiIssueSpace(logrolling(disagreement=(0.0, 5.0)))
    assert not closed.has_range()
    with pytest.raises(BargainingError, match="no agreement is better for both than the disagreement point"):
        closed.equilibrium()


def test_the_protocol_engine_plays_over_several_issues() -> None:
    # Linear A against linear B, T = 4, A first. Bests 4 and 4, reserves 0. Targets
    # 4 (1 - t/4). t = 0: A asks 4 -> (1, 1), B keeps 0 < its next target 3: reject.
    # t = 1: B asks 3 and pays A with a (a unit of a costs B 1 and gives A 3), keeping
    # b = 0: (1 - a) + 3 = 3 -> a = 1. A gets 3 >= its next target 4 (1 - 2/4) = 2:
    # agreement on (1, 0) at offer 2, the logroll, worth 3 to each.
    from sim.solvers.protocols import Concession, Protocol, negotiate_over

    protocol = Protocol(4, (Concession("linear"), Concession("linear")))
    talks = negotiate_over(MultiIssueSpace(logrolling()), protocol, np.random.default_rng(0))
    assert (talks.outcome, len(talks.steps)) == ("agreement", 2)
    assert [step.proposer for step in talks.steps] == ["A", "B"]
    assert talks.agreement == pytest.approx((1.0, 0.0), abs=CLOSE)
    assert talks.utilities == pytest.approx((3.0, 3.0), abs=CLOSE)


def test_the_frontier_is_sampled_on_the_curve() -> None:
    # Concave case: u_A = 2 sqrt(s), u_B = 2 - 2s on the frontier, so u_B = 2 - u_A^2 / 2, from
    # (0, 2) (B's ideal) to (2, 0) (A's ideal) in steps of 2/4 of A's utility.
    points = frontier(concave(), 5)
    assert [p.utilities[0] for p in points] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0], abs=CLOSE)
    assert [p.utilities[1] for p in points] == pytest.approx([2 - u**2 / 2 for u in (0, 0.5, 1, 1.5, 2)], abs=CLOSE)
    assert points[2].agreement == pytest.approx({"a": 0.25, "b": 0.25}, abs=CLOSE)


# --- bad problems -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"issues": (), "bounds": ()}, "give at least one issue"),
        ({"bounds": ((0.0, 1.0), (1.0, 1.0))}, r"the range of b is empty \(1.0 to 1.0\)"),
        ({"bounds": ((0.0, 1.0),)}, r"one \(low, high\) range per issue \(2 issues, 1 ranges\)"),
        ({"bounds": ((0.0, math.inf), (0.0, 1.0))}, "the range of a must be finite"),
        ({"power": (1.0, 0.0)}, "bargaining powers must be positive"),
        ({"units": ("km",)}, "one unit per issue"),
        (
            {"utilities": (lambda x: math.log(x[0] - 0.5), lambda x: 1.0)},
            r"A's utility is not a finite number at a = 0, b = 0 \(math domain error\)",
        ),
        (
            {"utilities": (lambda x: 1.0, lambda x: float(np.log(x[1])))},
            r"B's utility is not a finite number at a = 0, b = 0 \(it gave -inf\)",
        ),
    ],
    ids=["no issue", "empty range", "ranges", "infinite", "power", "units", "raises", "infinite utility"],
)
def test_bad_problems_are_refused(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(BargainingError, match=fragment):
        logrolling(**changes)


def test_a_frontier_needs_two_points() -> None:
    with pytest.raises(BargainingError, match="at 2 points or more, not 1"):
        frontier(logrolling(), 1)
