"""Bargaining solutions against closed forms derived by hand (exact fractions)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.game.bargaining import Bargaining, BargainingError, bargaining_range
from sim.solvers.bargaining import (
    equilibrium_offers,
    kalai_smorodinsky,
    nash_solution,
    rubinstein,
    rubinstein_finite,
    screening_offer,
)


def zone(guarantee: F, russia_war: F, ukraine_war: F = F(1, 5)) -> Bargaining:
    """The brief's zone: y is Russia's share; Ukraine gets 1 - y - sigma(G), sigma = 29/50 (1 - G);
    fighting on is worth w_UA to Ukraine and w_theta = p - c_theta to Russia."""
    sigma = F(29, 50) * (1 - guarantee)
    return Bargaining(
        "zone",
        ("Ukraine", "Russia"),
        "y",
        F(0),
        F(1),
        (F(-1), F(1)),
        (1 - sigma, F(0)),
        disagreement=(ukraine_war, russia_war),
    )


@pytest.mark.parametrize(
    ("guarantee", "russia_war", "width"),
    [
        # width = (1 - sigma - w_UA) - w_theta with w_UA = 1/5, w_r = 1/2, w_o = 3/10
        (F(1, 10), F(1, 2), F(-111, 500)),  # sigma = 261/500: upper 139/500 - 1/2
        (F(1, 10), F(3, 10), F(-11, 500)),
        (F(7, 20), F(1, 2), F(-77, 1000)),  # sigma = 377/1000
        (F(7, 20), F(3, 10), F(123, 1000)),
        (F(3, 5), F(1, 2), F(17, 250)),  # sigma = 29/125
        (F(3, 5), F(3, 10), F(67, 250)),
    ],
)
def test_the_bargaining_range_opens_only_with_a_guarantee(guarantee: F, russia_war: F, width: F) -> None:
    problem = zone(guarantee, russia_war)
    span = bargaining_range(problem)
    upper = 1 - F(29, 50) * (1 - guarantee) - F(1, 5)
    assert upper - russia_war == width
    assert span == ((russia_war, upper) if width >= 0 else None)


def test_nash_and_kalai_smorodinsky_split_the_zone() -> None:
    # Range [1/2, 71/125] with r and G_D; with affine utilities of slopes -1 and 1 the Nash
    # solution is the middle: (1/2 + 71/125) / 2 = 267/500 (the brief's NBS); Kalai-Smorodinsky
    # also gives the middle, since each side's best gain is the whole width 17/250.
    problem = zone(F(3, 5), F(1, 2))
    assert nash_solution(problem).agreement == F(267, 500)
    assert kalai_smorodinsky(problem).agreement == F(267, 500)
    assert nash_solution(problem).utilities == (F(192, 250) - F(267, 500), F(267, 500))


def test_asymmetric_nash_gives_the_stronger_party_its_power_share_of_the_gains() -> None:
    # Pie of one, d = 0, powers (alpha, beta): maximise y**alpha (1 - y)**beta: y = alpha / (alpha + beta).
    pie = Bargaining.split("pie", ("A", "B"))
    strong = Bargaining(**{**pie.__dict__, "power": (F(3), F(1))})
    assert nash_solution(strong).agreement == F(3, 4)


def test_kalai_smorodinsky_and_nash_on_an_asymmetric_problem() -> None:
    problem = Bargaining(
        "ks", ("A", "B"), "y", F(0), F(1), (F(2), F(-1)), (F(0), F(1)), disagreement=(F(1, 2), F(1, 2))
    )
    # A's utility 2y, B's 1 - y, d = (1/2, 1/2). Range: 2y >= 1/2 -> y >= 1/4; 1 - y >= 1/2 -> y <= 1/2.
    # Ideals: A 1 (at y = 1/2), B 3/4 (at y = 1/4); best gains 1/2 and 1/4.
    # KS: (2y - 1/2) / (1/2) = (1/2 - y) / (1/4) -> 4y - 1 = 2 - 4y -> y = 3/8.
    # Nash: maximise (2y - 1/2)(1/2 - y): derivative 2(1/2 - y) - (2y - 1/2) = 0 -> y = 3/8.
    # (On a segment the two coincide; they differ when the frontier bends: see the numeric solutions.)
    assert bargaining_range(problem) == (F(1, 4), F(1, 2))
    assert kalai_smorodinsky(problem).agreement == F(3, 8)
    assert nash_solution(problem).agreement == F(3, 8)


@pytest.mark.parametrize("delta", [F(1, 2), F(9, 10), F(99, 100)])
def test_rubinstein_with_equal_discounting_gives_the_first_proposer_one_over_one_plus_delta(delta: F) -> None:
    # Stationary SPE: M = 1 - delta M, so M = 1 / (1 + delta) (Rubinstein 1982).
    pie = Bargaining.split("pie", ("A", "B"), discount=(delta, delta))
    solution = rubinstein(pie)
    assert solution.agreement == 1 / (1 + delta)
    assert solution.utilities == (1 / (1 + delta), delta / (1 + delta))


def test_rubinstein_with_unequal_discounting() -> None:
    # M_A = (1 - delta_B) / (1 - delta_A delta_B) = (1 - 1/2) / (1 - 9/10 * 1/2) = (1/2) / (11/20) = 10/11.
    pie = Bargaining.split("pie", ("A", "B"), discount=(F(9, 10), F(1, 2)))
    assert rubinstein(pie).agreement == F(10, 11)


@pytest.mark.parametrize(
    ("option", "share_of_b"),
    [
        (F(2, 5), F(9, 19)),  # below B's continuation delta / (1 + delta) = 9/19: no effect
        (F(9, 19), F(9, 19)),  # exactly at it: still no effect
        (F(1, 2), F(1, 2)),  # above: binds, B gets exactly its option
        (F(4, 5), F(4, 5)),
    ],
)
def test_an_outside_option_matters_only_when_it_binds(option: F, share_of_b: F) -> None:
    # Binmore, Shaked & Sutton (1989): B's option w_B changes the split only if w_B > delta M_B.
    pie = Bargaining.split("pie", ("A", "B"), discount=(F(9, 10), F(9, 10)), outside=(None, option))
    assert rubinstein(pie).utilities[1] == share_of_b


def test_the_briefs_rubinstein_split_where_russias_war_option_binds() -> None:
    # delta = 9/10, Ukraine first, war as each side's outside option, r known, G_D: the pie is
    # 1 - sigma = 96/125; Russia's Rubinstein share as responder would be
    # delta (1 - delta) / (1 - delta**2) * 96/125 = 9/19 * 96/125 < 1/2 = w_r: it binds, y = 1/2.
    base = zone(F(3, 5), F(1, 2))
    problem = Bargaining(**{**base.__dict__, "discount": (F(9, 10), F(9, 10)), "outside": (F(1, 5), F(1, 2))})
    assert rubinstein(problem).agreement == F(1, 2)
    assert "outside option" in rubinstein(problem).explanation


def test_breakdown_risk_without_discounting_tends_to_the_nash_solution() -> None:
    # Binmore, Rubinstein & Wolinsky (1986): with breakdown risk q and no discounting, the first
    # proposer gets 1 / (2 - q) of a pie with d = 0: M = 1 - (1 - q) M -> M = 1 / (2 - q) -> 1/2.
    for q in (F(1, 2), F(1, 10), F(1, 1000)):
        pie = Bargaining(**{**Bargaining.split("pie", ("A", "B")).__dict__, "breakdown": q})
        assert rubinstein(pie).agreement == 1 / (2 - q)


def test_a_proposer_asks_for_the_whole_range_when_the_responder_never_falls_low() -> None:
    # A's utility y, B's 2 - y on [0, 1] (B gets at least 1), delta 1/2 each. Making B indifferent
    # would need 2 - y_0 = (2 - y_1)/2 with y_1 = y_0/2, i.e. y_0 = 4/3, beyond the range: A asks
    # y_0 = 1 (B gets 1 >= (2 - y_1)/2 = 3/4), and B offers A what rejecting is worth, 1/2 * 1: y_1 = 1/2.
    rich = Bargaining("rich", ("A", "B"), "y", F(0), F(1), (F(1), F(-1)), (F(0), F(2)), discount=(F(1, 2), F(1, 2)))
    assert equilibrium_offers(rich) == (F(1), F(1, 2))
    assert rubinstein(rich).agreement == F(1)
    assert rubinstein(Bargaining(**{**rich.__dict__, "first": 1})).agreement == F(1, 2)


def test_equilibrium_offers_are_rubinsteins_for_either_proposer() -> None:
    # Pie, delta 9/10: A offers itself 10/19; B keeps 10/19 too, so it offers A 9/19.
    pie = Bargaining.split("pie", ("A", "B"), discount=(F(9, 10), F(9, 10)))
    assert equilibrium_offers(pie) == (F(10, 19), F(9, 19))
    assert rubinstein(Bargaining(**{**pie.__dict__, "first": 1})).agreement == F(9, 19)


@settings(max_examples=60, deadline=None)
@given(st.fractions(F(1, 20), F(19, 20)), st.fractions(F(1, 20), F(19, 20)))
@pytest.mark.slow
def test_the_finite_horizon_converges_to_the_infinite_one(delta_a: F, delta_b: F) -> None:
    # The gap shrinks by delta_a * delta_b every two rounds.
    pie = Bargaining.split("pie", ("A", "B"), discount=(delta_a, delta_b))
    limit = rubinstein(pie).agreement
    gaps = [abs(rubinstein_finite(pie, t).agreement - limit) for t in (2, 4, 8, 16, 32)]
    assert all(later <= earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] <= (delta_a * delta_b) ** 15


def test_screening_makes_the_offer_the_brief_derives() -> None:
    # At G_D, pi = 3/10: offers y_r = 1/2 (both accept): 96/125 - 1/2 = 67/250; y_o = 3/10 (o
    # accepts): 7/10 (96/125 - 3/10) + 3/10 * 1/5 = 969/2500; none: 1/5. So y_o, war with chance 3/10.
    problem = zone(F(3, 5), F(1, 2))
    result = screening_offer(problem, [(F(3, 10), F(1, 2)), (F(7, 10), F(3, 10))])
    assert (result.offer, result.accepted_by, result.war_probability, result.expected) == (
        F(3, 10),
        (1,),
        F(3, 10),
        F(969, 2500),
    )


def test_a_type_the_whole_range_satisfies_gets_the_stingiest_end() -> None:
    # Pie, B gets 1 - y. Type 0 fights for -1/2: even y = 1 (B gets 0) beats that, so its
    # reservation 3/2 lies outside the range and the offer is the end y = 1, accepted (A gets
    # 1/2 * 1 + 1/2 * 0 = 1/2). Type 1 fights for 2: nothing in the range satisfies it.
    pie = Bargaining.split("pie", ("A", "B"))
    result = screening_offer(pie, [(F(1, 2), F(-1, 2)), (F(1, 2), F(2))])
    assert (result.offer, result.accepted_by, result.war_probability, result.expected) == (F(1), (0,), F(1, 2), F(1, 2))
    assert result.values == ((None, F(0)), (F(1), F(1, 2)))


@pytest.mark.parametrize(("pi", "screens"), [(F(50, 67) - F(1, 1000), True), (F(50, 67) + F(1, 1000), False)])
def test_screening_stops_above_the_threshold(pi: F, screens: bool) -> None:
    # Screen iff pi < (c_o - c_r) / (c_o + c_UA - sigma) = (1/5) / (3/10 + 1/5 - 29/125) = 50/67.
    problem = zone(F(3, 5), F(1, 2))
    result = screening_offer(problem, [(pi, F(1, 2)), (1 - pi, F(3, 10))])
    assert result.offer == (F(3, 10) if screens else F(1, 2))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"low": F(1), "high": F(1)}, "the range of y is empty (1 to 1)"),
        ({"discount": (F(0), F(1, 2))}, "discount factors must lie in (0, 1]"),
        ({"discount": (F(3, 2), F(1, 2))}, "discount factors must lie in (0, 1]"),
        ({"breakdown": F(1)}, "the breakdown risk must lie in [0, 1)"),
        ({"power": (F(0), F(1))}, "bargaining powers must be positive"),
        ({"slopes": (float("inf"), F(1))}, "every number must be finite"),
        ({"disagreement": (float("nan"), F(0))}, "every number must be finite"),
    ],
)
def test_bad_bargaining_problems_are_refused(changes: dict[str, object], fragment: str) -> None:
    base = zone(F(3, 5), F(1, 2))
    with pytest.raises(BargainingError) as caught:
        Bargaining(**{**base.__dict__, **changes})
    assert fragment in str(caught.value)


def test_a_responder_without_probability_is_refused() -> None:
    with pytest.raises(BargainingError, match="have no probability"):
        screening_offer(zone(F(3, 5), F(1, 2)), [(F(0), F(1, 2))])


def concave(**changes: object) -> Bargaining:
    """A's utility sqrt(y), B's 1 - y on [0, 1], d = 0: a bent frontier."""
    base = Bargaining(
        "concave",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(0), F(1)),
        curves=(math.sqrt, lambda y: 1 - y),
    )
    return Bargaining(**{**base.__dict__, **changes})


def test_nash_and_kalai_smorodinsky_differ_on_a_bent_frontier() -> None:
    # Nash: maximise sqrt(y) (1 - y): (1 - y) / (2 sqrt y) = sqrt y -> 1 - y = 2y -> y = 1/3.
    # KS: both ideals are 1, so sqrt(y) = 1 - y -> sqrt(y) = (sqrt 5 - 1) / 2 -> y = (3 - sqrt 5) / 2.
    assert nash_solution(concave()).agreement == pytest.approx(1 / 3, abs=1e-9)
    assert kalai_smorodinsky(concave()).agreement == pytest.approx((3 - math.sqrt(5)) / 2, abs=1e-12)


def test_numeric_alternating_offers_satisfy_the_stationarity_conditions() -> None:
    # Each proposer offers the responder exactly the discounted value of its own next offer:
    # u_B(y_A) = delta u_B(y_B) and u_A(y_B) = delta u_A(y_A) (Rubinstein 1982).
    delta = 0.9
    problem = concave(discount=(delta, delta))
    y_a = float(rubinstein(problem).agreement)
    y_b = float(rubinstein(Bargaining(**{**problem.__dict__, "first": 1})).agreement)
    assert 1 - y_a == pytest.approx(delta * (1 - y_b), abs=1e-12)
    assert math.sqrt(y_b) == pytest.approx(delta * math.sqrt(y_a), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(
    st.fractions(F(1, 10), F(3)),
    st.fractions(F(1, 10), F(3)),
    st.fractions(F(0), F(1)),
    st.fractions(F(1, 10), F(19, 20)),
)
@pytest.mark.slow
def test_numeric_solutions_agree_with_the_exact_ones_on_affine_utilities(b0: F, b1: F, shift: F, delta: F) -> None:
    exact = Bargaining(
        "affine",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (b0, -b1),
        (shift, b1),
        disagreement=(shift, F(0)),
        discount=(delta, delta),
    )
    numeric = Bargaining(
        **{**exact.__dict__, "curves": (lambda y: float(shift + b0 * F(y)), lambda y: float(b1 - b1 * F(y)))}
    )
    # A maximum found from function values alone is as precise as the square root of the
    # float precision (about 1e-8 of the range): the numeric Nash solution is checked to 1e-7.
    for solve, precision in ((nash_solution, 1e-7), (kalai_smorodinsky, 1e-12), (rubinstein, 1e-12)):
        assert float(solve(numeric).agreement) == pytest.approx(float(solve(exact).agreement), abs=precision)


@pytest.mark.parametrize(
    ("curves", "fragment"),
    [
        ((lambda y: (y - 0.5) ** 2, lambda y: 1 - y), "utility must rise or fall strictly"),
        ((lambda y: math.log(y) if y > 0 else float("-inf"), lambda y: 1 - y), "not a finite number everywhere"),
    ],
    ids=["not monotone", "not finite"],
)
def test_utilities_that_are_not_monotone_or_not_finite_are_refused(
    curves: tuple[object, object], fragment: str
) -> None:
    with pytest.raises(BargainingError, match=fragment):
        concave(curves=curves)


def test_alternating_offers_with_negative_utilities_are_refused() -> None:
    negative = Bargaining(
        "neg",
        ("A", "B"),
        "y",
        F(0),
        F(1),
        (F(1), F(-1)),
        (F(-2), F(1)),
        disagreement=(F(-2), F(0)),
        discount=(F(1, 2), F(1, 2)),
    )
    with pytest.raises(BargainingError, match="A's utility must be at least 0 over the bargaining range"):
        rubinstein(negative)


def test_alternating_offers_without_discounting_or_breakdown_are_refused() -> None:
    with pytest.raises(BargainingError, match="no unique equilibrium"):
        rubinstein(Bargaining.split("pie", ("A", "B")))


def test_rubinstein_says_which_walk_away_value_binds() -> None:
    # Fearon's territory (fearon_bargaining_range.yaml): A's war value 1/2 beats 9/10 of its
    # Rubinstein share 10/19 (9/19), so it binds when B proposes; B's 1/4 never binds
    territory = Bargaining.split(
        "territory", ("A", "B"), discount=(F(9, 10), F(9, 10)), disagreement=(F(1, 2), F(1, 4))
    )
    solution = rubinstein(territory)
    assert solution.agreement == F(11, 20)
    assert "so when B proposes it must offer A exactly that (the option binds" in solution.explanation
    plain = rubinstein(Bargaining.split("pie", ("A", "B"), discount=(F(9, 10), F(9, 10))))
    assert "so the first proposer keeps more" in plain.explanation


def test_an_offer_only_a_type_of_probability_zero_accepts_is_no_offer() -> None:
    # The zone of the flagship at pi = 1 (the resolved type certain), G_D: Ukraine's deal utility
    # 1 - y - 29/125, war 1/5; types r (prob. 1, war 1/2) and o (prob. 0, war 3/10). Offering
    # y_o = 3/10 is rejected for sure: worth 1/5, the same as no offer, and accepted with
    # probability 0, so the tie goes to no offer, not to the offer the absent type would take.
    zone = Bargaining(
        "zone",
        ("Ukraine", "Russia"),
        "y",
        F(0),
        F(1),
        (F(-1), F(1)),
        (F(96, 125), F(0)),
        disagreement=(F(1, 5), F(1, 2)),
    )
    result = screening_offer(zone, [(F(1), F(1, 2)), (F(0), F(3, 10))])
    assert result.offer == F(1, 2)  # y_r is worth 1 - 1/2 - 29/125 = 67/250 > 1/5
    narrow = Bargaining(
        "zone",
        ("Ukraine", "Russia"),
        "y",
        F(0),
        F(1),
        (F(-1), F(1)),
        (F(239, 500), F(0)),
        disagreement=(F(1, 5), F(1, 2)),
    )
    # under G_H (sigma = 261/500) y_r is worth 1 - 1/2 - 261/500 < 1/5 and y_o, rejected, 1/5: no offer
    result = screening_offer(narrow, [(F(1), F(1, 2)), (F(0), F(3, 10))])
    assert (result.offer, result.war_probability, result.expected) == (None, 1, F(1, 5))
