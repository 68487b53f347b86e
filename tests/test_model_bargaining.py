"""Bargaining games played in a run (:meth:`sim.model.negotiation.NegotiationModel`):
negotiated by their protocol or as a take-it-or-leave-it offer under private
information, the outcome read by later formulas, beliefs moved by the answer, the
negotiation tables and sweep columns; values derived by hand in the comments."""

from __future__ import annotations

import math
from fractions import Fraction as F
from pathlib import Path

import pytest

from sim.errors import RunError
from sim.model.results import play
from sim.scenario.load import load_scenario, parse_scenario
from sim.sweeps.outcomes import columns, summarize

from .conftest import SCENARIOS

CLASSICS = SCENARIOS / "classics"

TALKS = """
name: talks
rounds: 4
seed: 5
parameters: {esc: 0, zone: 0, k: 40}
actors: {A: {}, B: {}}
games:
  talks:
    players: [A, B]
    bargaining:
      issue: {name: width, range: [0, k], unit: km}
      utilities: {A: "width / k", B: "1 - width / k"}
      disagreement: {A: 0.3, B: 0.3}
      breakdown: 0.5
      protocol:
        deadline: 6
        strategies: {A: boulware, B: boulware}
dynamics:
  - after: talks
    when: "talks.outcome == 'breakdown'"
    set: {esc: "esc + 1"}
  - after: talks
    when: "talks.agreed == 1"
    set: {zone: talks.agreement.width}
"""


def test_the_equilibrium_protocol_agrees_on_the_rubinstein_split_at_once() -> None:
    # rubinstein_split.yaml: equal discounts 9/10, a pie of 1: the first proposer keeps
    # 1/(1 + 9/10) = 10/19, offered and accepted at the first offer
    result = play(load_scenario(CLASSICS / "rubinstein_split.yaml"))
    [played] = result.history.bargaining_plays
    assert (played.negotiation.outcome, played.negotiation.agreement) == ("agreement", F(10, 19))
    assert [step.responses for step in played.negotiation.steps] == [("propose", "accept")]


def test_an_outside_option_that_binds_moves_the_played_split() -> None:
    # fearon_bargaining_range.yaml: A's war value 1/2 beats 9/10 * 10/19 = 9/19, so it
    # binds when B proposes; A offers B max(1/4, 9/10 * 1/2) = 9/20 and keeps 11/20
    [played] = play(load_scenario(CLASSICS / "fearon_bargaining_range.yaml")).history.bargaining_plays
    assert played.negotiation.agreement == F(11, 20)


@pytest.mark.parametrize(
    ("seed", "types", "agreements"), [(1, ["soft"], [F(17, 20)]), (2, ["tough"] * 2, [None, F(13, 20)])]
)
def test_a_rejection_teaches_the_proposer_across_rounds(seed: int, types: list[str], agreements: list[object]) -> None:
    # fearon_private_information.yaml: prior 3/10 on tough < 4/7, so A screens with 17/20;
    # soft B (war value 3/20 <= 1 - 17/20) accepts; tough B (7/20) rejects, A's posterior
    # on tough becomes 1 > 4/7, and next round A offers 13/20, which tough B accepts
    result = play(load_scenario(CLASSICS / "fearon_private_information.yaml"), seed=seed)
    plays = result.history.bargaining_plays
    assert [p.type for p in plays] == types
    assert [p.negotiation.agreement for p in plays] == agreements
    assert [p.war_probability for p in plays] == [F(3, 10), F(0)][: len(plays)]
    beliefs = result.state[result.state["variable"] == "belief_tough"]["value"].tolist()
    assert beliefs == [0.3, 0.0] if seed == 1 else beliefs == [0.3, 1.0, 1.0]


def test_uniform_private_values_meet_the_closed_form_demand() -> None:
    # fearon_uniform_costs.yaml: B's war value uniform on [1/5, 2/5], A's 1/2: A demands
    # 13/20 every round (leaving B 7/20), which B accepts exactly when its value is <= 7/20
    result = play(load_scenario(CLASSICS / "fearon_uniform_costs.yaml"))
    plays = result.history.bargaining_plays
    assert len(plays) == 5
    for p in plays:
        assert p.negotiation.steps[0].offer == F(13, 20)
        assert p.war_probability == F(1, 4)
        assert p.negotiation.agreed == (float(p.type or "nan") <= 0.35)
    assert {p.negotiation.agreed for p in plays} == {True, False}  # seed 1 draws both sides of 7/20


def test_formulas_read_the_outcome_and_the_agreement() -> None:
    result = play(parse_scenario(TALKS))
    table = result.negotiations
    state = result.history
    for p in state.bargaining_plays:
        after = state.state_at(p.round)
        before = state.state_at(p.round - 1)
        assert after["esc"] == before["esc"] + (p.negotiation.outcome == "breakdown")
        if p.negotiation.agreed:
            assert after["zone"] == float(p.negotiation.agreement)
    assert set(table["outcome"]) <= {"agreement", "breakdown", "deadline"}
    assert len(table) == 4


def test_the_range_is_a_formula_of_the_state() -> None:
    wide = play(parse_scenario(TALKS), overrides={"k": 80}).history.bargaining_plays[0]
    assert (wide.problem.low, wide.problem.high, wide.problem.unit) == (0, 80, "km")


def test_reading_an_agreement_before_any_is_a_clear_run_error() -> None:
    # disagreement 0.6 for both: no width is worth 0.6 to both, so no agreement, ever
    text = TALKS.replace("disagreement: {A: 0.3, B: 0.3}", "disagreement: {A: 0.6, B: 0.6}")
    text = text.replace('    when: "talks.agreed == 1"\n', "")
    with pytest.raises(RunError, match=r"talks.agreement.width has no value: talks has not agreed"):
        play(parse_scenario(text))


def test_same_seed_same_tables_and_breakdowns_use_the_seed() -> None:
    first, again = play(parse_scenario(TALKS)), play(parse_scenario(TALKS))
    assert first.offers.equals(again.offers) and first.negotiations.equals(again.negotiations)
    outcomes = {tuple(play(parse_scenario(TALKS), seed=s).negotiations["outcome"]) for s in range(8)}
    assert len(outcomes) > 1  # the breakdown risk 1/2 is drawn from the run's generator


def test_the_offers_table_has_a_row_per_offer_and_player() -> None:
    result = play(parse_scenario(TALKS), seed=0)
    offers, negotiations = result.offers, result.negotiations
    columns = ["round", "game", "step", "proposer", "offer", "player", "utility", "response", "issue"]
    assert list(offers.columns) == columns
    assert len(offers) == 2 * int(negotiations["offers"].sum())
    assert set(offers["response"]) <= {"propose", "accept", "reject"}
    # alternating offers from A: steps 1, 3, 5 are A's, 2, 4, 6 are B's
    assert offers[offers["player"] == "A"].groupby("step")["proposer"].first().tolist()[:2] == ["A", "B"]


def test_a_sweep_row_records_the_agreements() -> None:
    scenario = load_scenario(CLASSICS / "fearon_private_information.yaml")
    names = [name for name, _ in columns(scenario)]
    assert [n for n in names if ":territory" in n] == [
        "agreed:territory",
        "first_agreed:territory",
        "agreement:territory.x",
        "offers:territory",
    ]
    result = play(scenario, seed=2)
    row = summarize(scenario, result.history, result.rounds_played, result.stop_reason)
    # tough B: rejected in round 1, agreed on 13/20 in round 2 (stop_when), one offer each
    assert (row["agreed:territory"], row["first_agreed:territory"]) == (0.5, 2.0)
    assert (row["agreement:territory.x"], row["offers:territory"]) == (0.65, 1.0)
    never = summarize(scenario, result.history.__class__(), 0, "rounds")
    assert math.isnan(never["agreed:territory"]) and math.isnan(never["agreement:territory.x"])


def test_metrics_count_agreements_and_offers(tmp_path: Path) -> None:
    # fearon_private_information.yaml at seed 2: rejected in round 1, agreed in round 2,
    # one offer each: 1 agreement, 2 offers
    text = (CLASSICS / "fearon_private_information.yaml").read_text(encoding="utf-8")
    text += 'metrics:\n  deals: "agreements_territory"\n  per_round: "offers_territory / rounds"\n'
    scenario = parse_scenario(text)
    result = play(scenario, seed=2)
    row = summarize(scenario, result.history, result.rounds_played, result.stop_reason)
    assert (row["metric:deals"], row["metric:per_round"]) == (1.0, 1.0)


def test_a_sweep_over_a_bargaining_parameter_records_agreements(tmp_path: Path) -> None:
    # fearon_uniform_costs.yaml swept over w_low, B's lowest value of war, 2 runs each of 5
    # rounds; every negotiation is one take-it-or-leave-it offer
    from sim.scenario.factors import parse_factor
    from sim.sweeps.runner import SweepSpec, run_sweep

    scenario = load_scenario(CLASSICS / "fearon_uniform_costs.yaml")
    spec = SweepSpec((parse_factor("w_low=0.0,0.05"),), reps=2)
    table = run_sweep(scenario, spec, out=tmp_path / "sweep", workers=1).table
    assert sorted(table["w_low"]) == [0.0, 0.0, 0.05, 0.05]
    agreed = table["agreed:territory"]
    assert ((agreed * 5).round(9) % 1 == 0).all()  # a share of 5 rounds
    assert (table.loc[agreed > 0, "offers:territory"] == 1.0).all()
    assert table.loc[agreed == 0, "offers:territory"].isna().all()
    # A leaves B X = (1 - 1/2 + w_low) / 2 (the stationary point, inside [w_low, 0.4]):
    # it demands x = 1 - X, 3/4 at w_low = 0 and 29/40 at 0.05
    expected = 1 - (0.5 + table["w_low"]) / 2
    assert ((table["agreement:territory.x"] - expected).abs() < 1e-12).all()
    again = run_sweep(scenario, spec, out=tmp_path / "again", workers=1).table
    order = list(table.columns[:2])
    assert (
        table.sort_values(order)
        .reset_index(drop=True)[agreed.name]
        .equals(again.sort_values(order).reset_index(drop=True)[agreed.name])
    )


SHARED = """
name: shared type
rounds: 6
seed: 3
actors:
  A:
    state: {belief: 0.5, tough_rounds: 0}
  B: {}
games:
  crisis:
    players: [A, B]
    tree:
      types: B
      chance: {tough: A.belief, soft: "1 - A.belief"}
      moves:
        tough: {player: B, infoset: tough, moves: {threaten: {payoffs: [0, 1]}, wait: {payoffs: [0, 0]}}}
        soft: {player: B, infoset: soft, moves: {threaten: {payoffs: [0, 0]}, wait: {payoffs: [0, 1]}}}
  talks:
    players: [A, B]
    bargaining:
      issue: {name: x, range: [0, 1]}
      utilities: {A: x, B: "1 - x"}
      disagreement: {A: 0.5}
      proposer: A
      private:
        player: B
        types:
          tough: {probability: A.belief, disagreement: 0.4}
          soft: {probability: "1 - A.belief", disagreement: 0.1}
        beliefs: {tough: A.belief}
dynamics:
  - after: crisis
    when: "crisis.type.B == 'tough'"
    set: {A.tough_rounds: A.tough_rounds + 1}
"""


@pytest.mark.parametrize("seed", range(6))
def test_a_persistent_type_is_the_actors_across_games(seed: int) -> None:
    # the crisis draws B's type once; the talks, drawing B's type from the same names, see
    # the same type every round, even as A's belief (their prior) moves: a tough B
    # threatens in the crisis, a soft one waits
    from sim.model.negotiation import NegotiationModel

    model = NegotiationModel(parse_scenario(SHARED), seed=seed)
    model.run()
    [drawn] = model.types.values()
    assert model.types == {("B", ("tough", "soft")): drawn}
    assert {p.type for p in model.history.bargaining_plays} == {drawn}
    moves = {p.path.last_move_of("B") for p in model.history.tree_plays}
    assert moves == {"threaten" if drawn == "tough" else "wait"}
    # formulas read the type a tree drew as crisis.type.B
    assert model.actors["A"].state["tough_rounds"] == (6 if drawn == "tough" else 0)


def test_a_game_with_when_is_played_only_while_it_holds() -> None:
    # the talks stop once a zone is signed (zone > 0): with seed 0, round 1 agrees
    # (the first offer of two equilibrium players), so rounds 2-4 play no talks and the
    # after-rule counting negotiations fires once
    text = TALKS.replace("      breakdown: 0.5\n", "").replace(
        "      protocol:\n        deadline: 6\n        strategies: {A: boulware, B: boulware}\n", ""
    )
    text = text.replace("  talks:\n    players: [A, B]", '  talks:\n    when: "zone == 0"\n    players: [A, B]')
    text += "  - after: talks\n    set: {esc: esc + 1}\n"
    result = play(parse_scenario(text), seed=0)
    assert [p.round for p in result.history.bargaining_plays] == [1]
    assert result.history.state_at(4)["esc"] == 1.0
