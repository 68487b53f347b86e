"""The negotiation engine: alternating offers and a mediator, against outcomes derived by hand
(exact fractions where the problem and the strategies are exact)."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.game.bargaining import Bargaining, BargainingError, bargaining_range
from sim.solvers.bargaining import equilibrium_offers, rubinstein
from sim.solvers.protocols import (
    CONCESSIONS,
    OUTCOMES,
    Concession,
    IssueSpace,
    Mediator,
    Negotiation,
    Protocol,
    Step,
    concession_target,
    negotiate,
)

PIE = Bargaining.split("pie", ("A", "B"))
PIE_9 = Bargaining.split("pie", ("A", "B"), discount=(F(9, 10), F(9, 10)))


def zone() -> Bargaining:
    """Ukraine's utility 96/125 - y, Russia's y; disagreement (1/5, 1/2): range [1/2, 71/125]."""
    return Bargaining(
        "zone", ("Ukraine", "Russia"), "y", F(0), F(1), (F(-1), F(1)), (F(96, 125), F(0)), (F(1, 5), F(1, 2))
    )


def with_(problem: Bargaining, **changes: object) -> Bargaining:
    return Bargaining(**{**problem.__dict__, **changes})


def play(problem: Bargaining, first: str, second: str, deadline: int = 10, **kwargs: object) -> Negotiation:
    protocol = Protocol(deadline, (Concession(first), Concession(second)), **kwargs)  # type: ignore[arg-type]
    return negotiate(problem, protocol, np.random.default_rng(0))


# --- equilibrium players -------------------------------------------------------------------


def test_two_equilibrium_players_agree_at_once_on_rubinsteins_split() -> None:
    # Pie of one, delta = 9/10 each: A keeps 1/(1 + 9/10) = 10/19; B's equilibrium share is
    # 1 - 10/19 = 9/19, exactly what A's offer leaves it, so it accepts at step 1.
    talks = play(PIE_9, "equilibrium", "equilibrium")
    assert talks.steps == (Step(1, "A", F(10, 19), (F(10, 19), F(9, 19)), ("propose", "accept")),)
    assert (talks.outcome, talks.agreement, talks.utilities) == ("agreement", F(10, 19), (F(10, 19), F(9, 19)))
    assert talks.agreement == rubinstein(PIE_9).agreement


def test_equilibrium_players_agree_on_rubinsteins_split_when_the_second_party_opens() -> None:
    # B proposes first: it keeps 10/19, so y (A's share) = 9/19, A's equilibrium share.
    problem = with_(PIE_9, first=1)
    talks = play(problem, "equilibrium", "equilibrium")
    assert [(s.step, s.proposer, s.offer, s.responses) for s in talks.steps] == [
        (1, "B", F(9, 19), ("accept", "propose"))
    ]
    assert talks.agreement == rubinstein(problem).agreement == F(9, 19)


def test_equilibrium_offers_are_the_nash_split_without_discounting() -> None:
    # No discounting, no breakdown: both offer the Nash agreement, the middle of the zone 267/500.
    assert equilibrium_offers(zone()) == (F(267, 500), F(267, 500))
    talks = play(zone(), "equilibrium", "equilibrium")
    assert (talks.outcome, len(talks.steps), talks.agreement) == ("agreement", 1, F(267, 500))


def test_equilibrium_offers_without_a_range_are_an_error() -> None:
    crossed = with_(PIE, disagreement=(F(3, 5), F(3, 5)))  # 3/5 + 3/5 > 1: no range
    with pytest.raises(BargainingError, match="no equilibrium offers"):
        equilibrium_offers(crossed)


# --- time-dependent concession --------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "steps", "agreement"),
    [
        # A asks 1 - t/T at even t (offers y = 1 - t/T); B asks 1 - t/T at odd t (offers y = t/T).
        # The responder at t is offered t/T and would ask 1 - (t+1)/T next: it accepts once
        # t/T >= 1 - (t+1)/T, i.e. 2t + 1 >= T.
        (10, 6, F(1, 2)),  # t = 5 (B offers y = 5/10; A's next ask 4/10)
        (9, 5, F(5, 9)),  # t = 4 (A offers y = 5/9; B gets 4/9 = its next ask 1 - 5/9)
        (1, 1, F(1)),  # one offer: the ultimatum; B accepts 0, its walk-away value
    ],
)
def test_two_linear_parties_meet_half_way_to_the_deadline(deadline: int, steps: int, agreement: F) -> None:
    talks = play(PIE, "linear", "linear", deadline)
    assert (talks.outcome, len(talks.steps), talks.agreement) == ("agreement", steps, agreement)
    assert [s.proposer for s in talks.steps] == ["A", "B"] * (steps // 2) + ["A"] * (steps % 2)
    assert all(s.responses in {("propose", "reject"), ("reject", "propose")} for s in talks.steps[:-1])


def test_linear_offers_step_by_step() -> None:
    # T = 4: A asks 1, B offers A 1/4, A asks 1/2 (B gets 1/2 >= its next ask 1 - 3/4): step 3.
    talks = play(PIE, "linear", "linear", 4)
    assert talks.steps == (
        Step(1, "A", F(1), (F(1), F(0)), ("propose", "reject")),
        Step(2, "B", F(1, 4), (F(1, 4), F(3, 4)), ("reject", "propose")),
        Step(3, "A", F(1, 2), (F(1, 2), F(1, 2)), ("propose", "accept")),
    )


def test_boulware_holds_out_longer_and_gets_more_than_a_conceder_against_linear() -> None:
    # T = 10 against a linear B (offers A t/10 at odd t, asks 1 - t/10).
    # Boulware A asks 1 - (t/10)**5: B, offered (t/10)**5 at even t, needs 1 - (t+1)/10:
    # 0 < .9, .00032 < .7, .0256 < .5, .07776 < .3; A, offered t/10 at odd t, needs
    # 1 - ((t+1)/10)**5: .1 < .99968, .3 < .98976, .5 < .92224, .7 >= 1 - .8**5 = .67232: step 8, y = 7/10.
    boulware = play(PIE, "boulware", "linear")
    assert (boulware.outcome, len(boulware.steps), boulware.agreement) == ("agreement", 8, F(7, 10))
    # Conceder A asks 1 - (t/10)**(1/5): at t = 1 it is offered .1 < its next ask 1 - .2**.2 = .2752;
    # at t = 2 it offers y = 1 - .2**.2 and B gets .2**.2 = .7248 >= 1 - 3/10: step 3 (a float: a root).
    conceder = play(PIE, "conceder", "linear")
    assert (conceder.outcome, len(conceder.steps), conceder.agreement) == ("agreement", 3, 1 - 0.2**0.2)
    assert len(boulware.steps) > len(conceder.steps)
    assert boulware.utilities[0] > conceder.utilities[0]


def test_an_exponent_overrides_the_kind() -> None:
    # A linear kind with e = 1/5 plays exactly as Boulware: step 8 on 7/10 (above).
    protocol = Protocol(10, (Concession("linear", F(1, 5)), Concession("linear")))
    talks = negotiate(PIE, protocol, np.random.default_rng(0))
    assert (len(talks.steps), talks.agreement) == (8, F(7, 10))


def test_concession_targets() -> None:
    # reserve + (best - reserve)(1 - (t/T)**(1/e)) with best 1, reserve 1/5, T = 4:
    # linear at t = 1: 1/5 + 4/5 * 3/4 = 4/5; Boulware at t = 2: 1/5 + 4/5 (1 - (1/2)**5) = 1/5 + 31/40 = 39/40
    assert concession_target(F(1), F(1, 5), 1, 4, F(1)) == F(4, 5)
    assert concession_target(F(1), F(1, 5), 2, 4, F(1, 5)) == F(39, 40)
    assert concession_target(F(1), F(1, 5), 4, 4, F(5)) == F(1, 5)  # the last step reaches the reserve
    assert concession_target(F(1), F(1, 5), 7, 4, F(5)) == F(1, 5)
    assert concession_target(1.0, 0.0, 1, 4, 2.0) == 1 - 0.25**0.5


def test_fractions_in_fractions_out_floats_in_floats_out() -> None:
    # The same linear negotiation (step 6 on 1/2, above) on the pie written with floats.
    exact = play(PIE, "linear", "linear")
    floats = Bargaining("pie", ("A", "B"), "share", 0.0, 1.0, (1.0, -1.0), (0.0, 1.0), (0.0, 0.0), (1.0, 1.0))
    rough = play(floats, "linear", "linear")
    assert (len(rough.steps), rough.agreement) == (6, 0.5)
    assert all(type(s.offer) is F for s in exact.steps)
    assert all(type(s.offer) is float for s in rough.steps)


# --- tit for tat ----------------------------------------------------------------------------


def test_two_tit_for_tat_parties_mirror_the_opening_concession() -> None:
    # T = 10. Both open at their best (A asks y = 1, B asks y = 0). A's second ask concedes the
    # opening 2/10 (B has shown no concession yet): y = 8/10. B mirrors A's 2/10: y = 2/10. A mirrors:
    # y = 6/10; B: y = 4/10, worth 4/10 to A = A's next ask 6/10 - 2/10: A accepts at step 6.
    talks = play(PIE, "tit_for_tat", "tit_for_tat")
    assert [s.offer for s in talks.steps] == [F(1), F(0), F(4, 5), F(1, 5), F(3, 5), F(2, 5)]
    assert (talks.outcome, talks.agreement, talks.steps[-1].responses) == ("agreement", F(2, 5), ("accept", "propose"))


def test_tit_for_tat_against_a_party_that_never_moves_ends_at_the_last_offer() -> None:
    # B plays equilibrium on the undiscounted pie: it always offers the Nash split 1/2 and accepts
    # at least 1/2. A opens at 1, concedes 2/10 once (y = 4/5), then mirrors B's zero concession:
    # it asks 4/5 to the end. At the last offer (t = 9, B's) A accepts anything worth its reserve.
    talks = play(PIE, "tit_for_tat", "equilibrium")
    assert [s.offer for s in talks.steps] == [F(1), *[F(1, 2), F(4, 5)] * 4, F(1, 2)]
    assert (talks.outcome, len(talks.steps), talks.agreement) == ("agreement", 10, F(1, 2))


# --- outcomes without agreement ------------------------------------------------------------


def test_no_range_offers_nothing() -> None:
    # Disagreement (3/5, 3/5) on a pie of one: no split gives both 3/5.
    crossed = with_(PIE, disagreement=(F(3, 5), F(3, 5)))
    assert bargaining_range(crossed) is None
    assert play(crossed, "linear", "linear") == Negotiation((), "no_range", None, (F(3, 5), F(3, 5)))


def test_an_outside_option_above_everything_in_the_range_is_no_range() -> None:
    # B's outside option 3/2 beats the whole pie: no agreement is worth its walk-away value.
    greedy = with_(PIE, outside=(None, F(3, 2)))
    assert play(greedy, "linear", "linear") == Negotiation((), "no_range", None, (F(0), F(0)))


def test_walk_away_values_summing_above_the_pie_run_to_the_deadline() -> None:
    # Outside options 3/5 each (disagreement 0, so the range is the whole pie): neither ever
    # offers the other more than 2/5 < 3/5, so all 4 offers are rejected; disagreement payoffs.
    # Targets 3/5 + 2/5 (1 - t/4): A asks 1, B 9/10 (y = 1/10), A 4/5, B 7/10 (y = 3/10).
    proud = with_(PIE, outside=(F(3, 5), F(3, 5)))
    talks = play(proud, "linear", "linear", 4)
    assert (talks.outcome, len(talks.steps), talks.agreement, talks.utilities) == ("deadline", 4, None, (F(0), F(0)))
    assert [s.offer for s in talks.steps] == [F(1), F(1, 10), F(4, 5), F(3, 10)]


def test_talks_break_down_at_the_first_draw_below_the_risk() -> None:
    # Breakdown 1/2, seed 5: draws .805, .808, .515, .286: the 4th rejection ends the talks
    # (two Boulware parties are far apart: no offer is accepted before t = 4).
    risky = with_(PIE, breakdown=F(1, 2))
    rng = np.random.default_rng(5)
    protocol = Protocol(10, (Concession("boulware"), Concession("boulware")))
    talks = negotiate(risky, protocol, rng)
    assert (talks.outcome, len(talks.steps), talks.agreement, talks.utilities) == ("breakdown", 4, None, (F(0), F(0)))
    assert rng.random() == np.random.default_rng(5).random(5)[4]  # exactly four draws were taken


def test_an_agreement_takes_one_draw_per_rejection() -> None:
    # Linear vs linear, T = 4, agree at step 3 (above) after two rejections; seed 1 draws .51, .95
    # (both above the risk 1/4), so the talks survive, and two draws were used.
    risky = with_(PIE, breakdown=F(1, 4))
    rng = np.random.default_rng(1)
    talks = negotiate(risky, Protocol(4, (Concession("linear"), Concession("linear"))), rng)
    assert (talks.outcome, len(talks.steps), talks.agreement) == ("agreement", 3, F(1, 2))
    assert rng.random() == np.random.default_rng(1).random(3)[2]


def test_without_a_breakdown_risk_the_generator_is_not_touched() -> None:
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    talks = negotiate(PIE, Protocol(6, (Concession("boulware"), Concession("tit_for_tat"))), rng)
    assert talks.steps[0].responses == ("propose", "reject")  # there were rejections
    assert rng.bit_generator.state == before


# --- the range is respected -----------------------------------------------------------------


@pytest.mark.parametrize("first", CONCESSIONS)
@pytest.mark.parametrize("second", CONCESSIONS)
def test_offers_stay_in_the_bargaining_range(first: str, second: str) -> None:
    # The zone's range is [1/2, 71/125], narrower than the issue's [0, 1]: every offer is clipped into it.
    problem = with_(zone(), discount=(F(9, 10), F(4, 5)))
    talks = play(problem, first, second, 12)
    assert talks.steps
    assert all(F(1, 2) <= s.offer <= F(71, 125) for s in talks.steps)


def test_the_issue_space_clips_into_the_range() -> None:
    space = IssueSpace(zone())
    # Ukraine asking 1/2 needs y = 96/125 - 1/2 = 67/250, below the range: clipped to 1/2.
    assert space.offer_for(0, F(1, 2)) == F(1, 2)
    assert (space.best(0), space.best(1)) == (F(96, 125) - F(1, 2), F(71, 125))
    assert space.blend(F(0), F(1), F(1, 2)) == F(1, 2)
    assert space.blend(F(1), F(1), F(1, 2)) == F(71, 125)


# --- a mediator -----------------------------------------------------------------------------


def test_a_biased_credible_mediator_gets_its_ideal() -> None:
    # bias 1: every text is the ideal 13/25, inside [1/2, 71/125]; credibility 1: each side accepts
    # anything worth its walk-away value, and 13/25 is (Ukraine 96/125 - 13/25 = 31/125 >= 1/5).
    mediator = Mediator("UN", F(13, 25), bias=F(1), credibility=F(1))
    talks = play(zone(), "boulware", "boulware", mediator=mediator)
    assert talks.steps == (
        Step(1, "UN", F(13, 25), (F(31, 125), F(13, 25)), ("accept", "accept"), (F(1, 2), F(71, 125))),
    )
    assert (talks.outcome, talks.agreement) == ("agreement", F(13, 25))


def test_a_mediators_ideal_outside_the_range_is_clipped() -> None:
    # Ideal 9/10 lies in the issue's range but beyond the bargaining range: the text is its end 71/125.
    talks = play(zone(), "linear", "linear", mediator=Mediator("UN", F(9, 10), F(1), F(1)))
    assert (talks.outcome, talks.agreement) == ("agreement", F(71, 125))


def test_an_unbiased_mediator_proposes_the_midpoint_of_the_demands() -> None:
    # Linear sides on the pie, T = 10: demands y = 1 - t/10 and t/10, midpoint 1/2 every time;
    # credibility 0: each accepts 1/2 once its target 1 - t/10 is at most 1/2, at t = 5: step 6.
    talks = play(PIE, "linear", "linear", mediator=Mediator("M", F(1, 2)))
    assert [s.offer for s in talks.steps] == [F(1, 2)] * 6
    assert [s.responses for s in talks.steps] == [("reject", "reject")] * 5 + [("accept", "accept")]
    assert talks.steps[1].demands == (F(9, 10), F(1, 10))
    assert (talks.outcome, talks.agreement) == ("agreement", F(1, 2))


def test_a_half_credible_mediator_is_accepted_sooner() -> None:
    # Credibility 1/2: each accepts 1/2 once 1/2 >= target - target/2, i.e. target 1 - t/10 <= 1: at once.
    talks = play(PIE, "linear", "linear", mediator=Mediator("M", F(1, 2), credibility=F(1, 2)))
    assert (len(talks.steps), talks.agreement) == (1, F(1, 2))


def test_a_biased_mediator_pulls_the_text_towards_its_ideal() -> None:
    # bias 1/2, ideal 1: text = 1/2 * 1 + 1/2 * 1/2 (the midpoint of the demands) = 3/4 every time.
    # Credibility 0: A accepts once its target 1 - t/10 <= 3/4 (t = 3), B once 1 - t/10 <= 1/4 (t = 8).
    talks = play(PIE, "linear", "linear", mediator=Mediator("M", F(1), bias=F(1, 2)))
    assert (len(talks.steps), talks.agreement, talks.steps[-1].proposer) == (9, F(3, 4), "M")
    assert [s.responses for s in talks.steps] == [("reject", "reject")] * 3 + [("accept", "reject")] * 5 + [
        ("accept", "accept")
    ]


# --- protocols that cannot be played ---------------------------------------------------------


@pytest.mark.parametrize(
    ("protocol", "message"),
    [
        (Protocol(0, (Concession("linear"), Concession("linear"))), "deadline must be a whole number"),
        (Protocol(5, (Concession("linear"), Concession("stubborn"))), "B's concession strategy 'stubborn'"),
        (Protocol(5, (Concession("conceder", F(0)), Concession("linear"))), "A's conceder exponent must be positive"),
        (Protocol(5, (Concession("tit_for_tat", F(2)), Concession("linear"))), "takes no exponent"),
        (
            Protocol(5, (Concession("linear"), Concession("linear")), Mediator("M", F(1, 2), bias=F(3, 2))),
            r"mediator M's bias must lie in \[0, 1\], not 3/2",
        ),
        (
            Protocol(5, (Concession("linear"), Concession("linear")), Mediator("M", F(1, 2), credibility=F(-1))),
            "credibility must lie in",
        ),
        (
            Protocol(5, (Concession("linear"), Concession("linear")), Mediator("M", F(2))),
            r"ideal 2 lies outside the range of share, \[0, 1\]",
        ),
    ],
)
def test_protocols_that_cannot_be_played(protocol: Protocol, message: str) -> None:
    with pytest.raises(BargainingError, match=message):
        negotiate(PIE, protocol, np.random.default_rng(0))


# --- properties -------------------------------------------------------------------------------

# Twelfths from 0 to 2 (integers over a fixed denominator: much quicker to draw than st.fractions).
fractions = st.integers(0, 24).map(lambda k: F(k, 12))
positive = st.integers(1, 24).map(lambda k: F(k, 12))
concessions = st.one_of(
    st.sampled_from(CONCESSIONS).map(Concession),
    st.tuples(st.sampled_from(["boulware", "linear", "conceder"]), st.sampled_from([F(1, 3), F(1), F(2)])).map(
        lambda kind_e: Concession(*kind_e)
    ),
)


@st.composite
def problems(draw: st.DrawFn) -> Bargaining:
    """Affine utilities that are not negative on [0, 1], pulling in opposite directions."""
    b0, b1 = draw(positive), -draw(positive)
    a0, a1 = draw(fractions), -b1 + draw(fractions)
    share = st.integers(0, 6).map(lambda k: F(k, 6))
    d0, d1 = (a0 + b0) * draw(share), a1 * draw(share)  # at most the party's best on [0, 1]
    outside = draw(st.tuples(st.none() | fractions, st.none() | fractions))
    discount = draw(st.tuples(*[st.sampled_from([F(1), F(9, 10), F(1, 2)])] * 2))
    breakdown = draw(st.sampled_from([F(0), F(1, 4)]))
    first = draw(st.sampled_from([0, 1]))
    return Bargaining(
        "p", ("A", "B"), "y", F(0), F(1), (b0, b1), (a0, a1), (d0, d1), discount, first, outside, breakdown
    )


@st.composite
def mediators(draw: st.DrawFn) -> Mediator | None:
    if draw(st.booleans()):
        return None
    unit = st.integers(0, 8).map(lambda k: F(k, 8))
    return Mediator("M", draw(unit), draw(unit), draw(unit))


@settings(max_examples=150, deadline=None)
@pytest.mark.slow
@given(problems(), concessions, concessions, st.integers(1, 12), mediators(), st.integers(0, 3))
def test_every_record_is_consistent(
    problem: Bargaining, first: Concession, second: Concession, deadline: int, mediator: Mediator | None, seed: int
) -> None:
    check_record(problem, first, second, deadline, mediator, seed)


@settings(max_examples=15, deadline=None)
@given(problems(), concessions, concessions, st.integers(1, 12), mediators(), st.integers(0, 3))
def test_a_few_records_are_consistent(
    problem: Bargaining, first: Concession, second: Concession, deadline: int, mediator: Mediator | None, seed: int
) -> None:
    # The same property on fewer examples, for the quick test run.
    check_record(problem, first, second, deadline, mediator, seed)


def check_record(
    problem: Bargaining, first: Concession, second: Concession, deadline: int, mediator: Mediator | None, seed: int
) -> None:
    """Every accepted offer is worth each party's walk-away value; steps, answers, outcome,
    agreement and utilities agree; offers stay in the range; exact strategies stay exact."""
    rng = np.random.default_rng(seed)
    before = rng.bit_generator.state
    talks = negotiate(problem, Protocol(deadline, (first, second), mediator), rng)
    assert talks.outcome in OUTCOMES
    if problem.breakdown == 0:
        assert rng.bit_generator.state == before
    span = bargaining_range(problem)
    if talks.outcome == "no_range":
        assert talks.steps == () and talks.utilities == problem.disagreement
        return
    assert span is not None
    assert [s.step for s in talks.steps] == list(range(1, len(talks.steps) + 1))
    assert 1 <= len(talks.steps) <= deadline
    for s in talks.steps:
        assert span[0] <= s.offer <= span[1]
        assert s.utilities == (problem.utility(0, s.offer), problem.utility(1, s.offer))
        if mediator is None:
            proposer = problem.parties.index(s.proposer)
            assert s.responses[proposer] == "propose" and s.responses[1 - proposer] in {"accept", "reject"}
            assert s.utilities[proposer] >= problem.walk_away(proposer)  # nobody offers below its walk-away value
        else:
            assert s.proposer == "M" and set(s.responses) <= {"accept", "reject"}
    accepted = [s for s in talks.steps if "reject" not in s.responses]
    assert accepted == ([talks.steps[-1]] if talks.outcome == "agreement" else [])
    for s in accepted:
        assert all(s.utilities[p] >= problem.walk_away(p) for p in (0, 1))
    if talks.outcome == "agreement":
        assert (talks.agreement, talks.utilities) == (talks.steps[-1].offer, talks.steps[-1].utilities)
    else:
        assert (talks.agreement, talks.utilities) == (None, problem.disagreement)
    if talks.outcome == "deadline":
        assert len(talks.steps) == deadline
    if talks.outcome == "breakdown":
        assert problem.breakdown > 0
    exact = all(c.kind != "conceder" and c.exponent in (None, F(1), F(1, 3)) for c in (first, second))
    if exact:
        assert all(isinstance(s.offer, F) for s in talks.steps)


def test_the_last_text_is_accepted_when_it_is_worth_the_walk_away_value() -> None:
    # A pie with walk-away values 2/5 (A, share) and 1/2 (B): the range is [2/5, 1/2]. A
    # mediator whose ideal 0 pulls every text fully (bias 1) proposes the range's end 2/5,
    # worth exactly A's walk-away value: A rejects it while it still demands more, and
    # accepts it at the last text (deadline 3), where the alternative is disagreeing
    pie = Bargaining.split("pie", ("A", "B"), disagreement=(F(2, 5), F(1, 2)))
    protocol = Protocol(3, (Concession("linear"), Concession("linear")), Mediator("M", F(0), F(1), F(0)))
    talks = negotiate(pie, protocol, np.random.default_rng(0))
    assert [step.offer for step in talks.steps] == [F(2, 5)] * 3
    assert [step.responses for step in talks.steps] == [("reject", "accept")] * 2 + [("accept", "accept")]
    assert (talks.outcome, talks.agreement) == ("agreement", F(2, 5))
