from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.api import RunResult, run
from sim.errors import RunError, ScenarioError
from sim.model.agents import Actor
from sim.model.negotiation import NegotiationModel
from sim.scenario.load import load_scenario, parse_scenario

from .conftest import SCENARIOS, SIMULTANEOUS

RECORDED = Path(__file__).parent / "data" / "flagship_seed7.json"


def trajectory(result: RunResult) -> dict[str, Any]:
    """What the flagship did each round: actions per game, and the state after it."""
    played = result.rounds[result.rounds["played"]]
    rounds = []
    for r in range(1, result.rounds_played + 1):
        here = played[played["round"] == r]
        actions = {f"{g}.{p}": s for g, p, s in zip(here["game"], here["player"], here["strategy"])}
        state = {k: round(v, 12) for k, v in result.history.state_at(r).items()}
        rounds.append({"round": r, "actions": actions, "state": state})
    return {"stop_reason": result.stop_reason, "rounds": rounds}


def test_seeded_flagship_run_matches_the_recorded_trajectory() -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert trajectory(run(SIMULTANEOUS)) == recorded


def test_flagship_story_follows_from_the_model() -> None:
    """Independent checks of the recorded run, by hand from the v1 variant's formulas (its scenario file)."""
    result = run(SIMULTANEOUS)
    played = result.rounds[result.rounds["played"]].set_index(["round", "game", "player"])["strategy"]
    # (H, E) is risk-dominant every round: the EU holds back, Russia escalates
    assert all(played[(r, "troop_deployment", "EU")] == "H" for r in range(1, 25))
    assert all(played[(r, "troop_deployment", "Russia")] == "E" for r in range(1, 25))
    # Russia prefers O to B against H while 0.9 - 0.8 * fatigue > 0, i.e. fatigue < 1.125;
    # fatigue grows by 0.015 per round of offensive: 1.12 before round 9, 1.135 before round 10
    assert [played[(r, "buffer_zone", "Russia")] for r in range(1, 25)] == ["O"] * 9 + ["B"] * 15
    assert all(played[(r, "buffer_zone", "Ukraine")] == "H" for r in range(1, 25))
    final = result.history.state_at(24)
    assert final["Russia.fatigue"] == pytest.approx(1 + 9 * 0.015 + 15 * 0.0075)
    assert final["Ukraine.fatigue"] == pytest.approx(1 + 9 * 0.02 + 15 * 0.01)
    # only mediation moves trust (nobody withdrew): tau_t = 1 - (1 - tau_0) * 0.97^t
    assert final["Ukraine.trust"] == pytest.approx(1 - 0.8 * 0.97**24)
    assert final["Russia.trust"] == pytest.approx(1 - 0.6 * 0.97**24)
    assert final["esc"] == 1.0 and final["m"] == 0.5 and final["G"] == 0.1
    assert result.stop_reason == "rounds"


def test_same_seed_gives_identical_tables() -> None:
    chicken = SCENARIOS / "classics" / "chicken.yaml"
    first, second = run(chicken, seed=11, rounds=30), run(chicken, seed=11, rounds=30)
    for name in ("rounds", "equilibria", "state"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    other = run(chicken, seed=12, rounds=30)
    assert not first.rounds.equals(other.rounds)


def test_stop_when_ends_the_run_early() -> None:
    # a credible guarantee even when the EU holds back, and a low trust threshold:
    # the conditional rule picks the mutual zone in round 1 and stop_when holds
    result = run(SIMULTANEOUS, overrides={"G_H": 0.6, "trust_needed": 0.2})
    assert result.stop_reason == "stop_when"
    assert result.rounds_played == 1
    played = result.rounds[result.rounds["played"] & (result.rounds["game"] == "buffer_zone")]
    assert played["strategy"].tolist() == ["W", "W"]
    assert played["selected_by"].unique().tolist() == ["conditional case 1"]


def test_without_enough_trust_the_mutual_zone_is_not_chosen() -> None:
    result = run(SIMULTANEOUS, overrides={"G_H": 0.6}, rounds=3)
    zone = result.rounds[(result.rounds["game"] == "buffer_zone") & result.rounds["played"]]
    assert set(zone["strategy"]) == {"H", "O"}
    assert set(zone["selected_by"]) == {"risk_dominant"}


SEQUENCE = """
name: order within a round
rounds: 2
parameters: {level: 0.0}
actors: {A: {state: {seen: 0}}, B: {}}
games:
  first:
    players: [A]
    strategies: {A: [low, high]}
    payoffs: {A: "1 if A == 'high' else 0"}
  second:
    players: [B]
    strategies: {B: [follow, ignore]}
    payoffs: {B: "level if B == 'follow' else 0.5"}
dynamics:
  - after: first
    set: {level: "1 if first.A == 'high' else 0"}
  - set: {A.seen: "A.seen + level + round"}
"""


def test_values_set_after_a_game_are_seen_by_later_games_of_the_same_round() -> None:
    result = run(parse_scenario(SEQUENCE))
    played = result.rounds[result.rounds["played"]]
    assert played[played["game"] == "second"]["strategy"].tolist() == ["follow", "follow"]
    assert result.history.state_at(2)["A.seen"] == (1 + 1) + (1 + 2)


def test_actors_are_mesa_agents_of_the_model() -> None:
    model = NegotiationModel(load_scenario(SIMULTANEOUS), seed=3, rounds=2)
    assert {a.name for a in model.agents} == {"EU", "Russia", "Ukraine", "Switzerland"}
    assert all(isinstance(a, Actor) for a in model.agents)
    assert model.actors["Ukraine"].state["trust"] == 0.2
    model.run()
    assert model.round == 2 and not model.running
    model.step()  # a stopped model does nothing
    assert model.round == 2


def test_runtime_formula_error_names_round_and_place() -> None:
    text = SEQUENCE.replace('set: {A.seen: "A.seen + level + round"}', 'set: {A.seen: "1 / (2 - round)"}')
    with pytest.raises(RunError, match=r"round 2, dynamics\[1\]: .*division by zero"):
        run(parse_scenario(text))
    payoff = SEQUENCE.replace("\"level if B == 'follow' else 0.5\"", '"1 / (level - 1)"')
    with pytest.raises(RunError, match=r"round 1, game second, payoff of B at \(follow\).*division by zero"):
        run(parse_scenario(payoff))


def test_rounds_and_seed_overrides() -> None:
    result = run(SIMULTANEOUS, rounds=3, seed=99)
    assert result.rounds_played == 3 and result.seed == 99
    assert result.summary()["seed"] == 99


MISSED = """
name: support enumeration misses the only equilibrium of this game
rounds: 1
actors: {A: {}, B: {}}
games:
  g:
    players: [A, B]
    strategies: {A: [x, y, z], B: [u, v, w]}
    payoffs:
      A: [[-0.67, 2.35, 0.72], [0.78, 0.05, -1.4], [1.22, -0.54, -1.34]]
      B: [[0.67, -2.63, -0.21], [0.87, -1.02, -1.87], [-0.21, -0.28, 0.3]]
equilibrium: {solver: support_enumeration}
"""


def test_an_incomplete_solver_that_finds_nothing_is_a_clear_error() -> None:
    with pytest.raises(RunError, match=r"support_enumeration found no equilibrium.*vertex_enumeration"):
        run(parse_scenario(MISSED))
    complete = run(parse_scenario(MISSED.replace("support_enumeration", "vertex_enumeration")))
    assert complete.rounds_played == 1


if __name__ == "__main__":  # regenerate the recording after an intended model change
    RECORDED.write_text(json.dumps(trajectory(run(SIMULTANEOUS)), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {RECORDED}")


@pytest.mark.slow
def test_joint_four_player_scenario_runs_all_its_rounds() -> None:
    result = run(SCENARIOS / "eu_russia_ukraine_joint.yaml")
    assert result.rounds_played == 24 and result.stop_reason == "rounds"
    played = result.rounds[result.rounds["played"]]
    assert set(played[played["player"] == "Switzerland"]["strategy"]) == {"mediate"}
    equilibria = result.equilibria
    assert not equilibria["complete"].any()  # enumpoly is skipped: gnm and logit may miss mixed equilibria
    assert equilibria.groupby("round")["equilibrium"].nunique().min() >= 3  # the three pure equilibria at least


LOGIT = """
name: chicken played with bounded rationality
rounds: 3
seed: 2
actors: {Row: {}, Column: {}}
games:
  chicken:
    players: [Row, Column]
    strategies: {Row: [swerve, straight], Column: [swerve, straight]}
    payoffs:
      Row: [[0, -1], [1, -10]]
      Column: [[0, 1], [-1, -10]]
equilibrium: {select: logit, logit_lambda: 2.0}
"""


def test_logit_selection_plays_the_quantal_response_equilibrium() -> None:
    result = run(parse_scenario(LOGIT))
    rows = result.rounds[result.rounds["player"] == "Row"]
    assert rows["selected_by"].unique().tolist() == ["logit QRE (lambda 2)"]
    assert rows[rows["strategy"] == "swerve"]["probability"].round(4).unique().tolist() == [0.8231]
    assert not result.equilibria["selected"].any()  # the QRE is not one of the Nash equilibria


# --- draw(p): seeded events in the dynamics and stop_when ---

#: A hazard: each round an incident happens with probability 0.3; war breaks out with
#: probability `A.tension`, which grows by 0.1 per incident; the run stops at war. The
#: game has one pure equilibrium played as its mode, so the draws are the only numbers the
#: generator gives: two a round, incident first, then war (rules in file order).
HAZARD = """
name: hazard
rounds: 40
seed: 3
parameters:
  war: 0
actors:
  A: {state: {tension: 0.1, incidents: 0}}
games:
  posture:
    players: [A]
    strategies: {A: [calm, arm]}
    payoffs: {A: [0, 1]}
equilibrium: {select: first, play: mode}
dynamics:
  - description: an incident with probability 0.3
    set: {A.incidents: "A.incidents + draw(0.3)"}
  - description: war with probability tension; tension follows the incidents
    when: "war == 0"
    set: {war: "draw(A.tension)", A.tension: "clip(0.1 + 0.1 * A.incidents, 0, 1)"}
stop_when: "war == 1"
"""


def _hazard_by_hand(seed: int, rounds: int = 40) -> tuple[int, float, float]:
    """Rounds played, final incidents and tension of HAZARD, from the generator's numbers
    read in the model's order (u < p fires; a rule's values use the state before it)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    incidents, tension = 0.0, 0.1
    for played in range(1, rounds + 1):
        incidents += float(rng.random() < 0.3)
        war = rng.random() < tension
        tension = min(max(0.1 + 0.1 * incidents, 0.0), 1.0)
        if war:
            return played, incidents, tension
    return rounds, incidents, tension


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_draws_are_the_seeded_generators_numbers_in_rule_order(seed: int) -> None:
    result = run(parse_scenario(HAZARD), seed=seed)
    rounds, incidents, tension = _hazard_by_hand(seed)
    final = result.history.state_at(result.rounds_played)
    assert (result.rounds_played, final["A.incidents"], final["A.tension"]) == (rounds, incidents, tension)
    assert final["war"] == (1.0 if result.stop_reason == "stop_when" else 0.0)


def test_the_same_seed_gives_identical_tables_with_draws_and_other_seeds_differ() -> None:
    scenario = parse_scenario(HAZARD)
    first, second = run(scenario, seed=7), run(scenario, seed=7)
    for name in ("rounds", "equilibria", "state"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    # seeds whose hand-derived runs differ give different tables
    assert _hazard_by_hand(7) != _hazard_by_hand(8)
    assert not first.state.equals(run(scenario, seed=8).state)


def test_draw_0_never_fires_and_draw_1_always_fires() -> None:
    text = HAZARD.replace("rounds: 40", "rounds: 30").replace(
        'set: {A.incidents: "A.incidents + draw(0.3)"}', 'set: {A.incidents: "A.incidents + draw(1)"}'
    )
    text = text.replace('"draw(A.tension)"', '"draw(0)"')
    result = run(parse_scenario(text))
    final = result.history.state_at(30)
    # 30 rounds, no war (draw(0)), one incident a round (draw(1)); tension = 0.1 + 0.1 * 29
    # (set before round 30's incident), clipped to 1
    assert (result.rounds_played, result.stop_reason) == (30, "rounds")
    assert (final["war"], final["A.incidents"], final["A.tension"]) == (0.0, 30.0, 1.0)


def test_a_draw_with_a_probability_outside_0_1_is_a_run_error_naming_round_and_rule() -> None:
    # the incident rule draws with p = round / 2.5: 0.4, 0.8, then 1.2 in round 3; no war
    # (draw(0)) stops the run before
    text = HAZARD.replace("draw(0.3)", "draw(round / 2.5)").replace('"draw(A.tension)"', '"draw(0)"')
    with pytest.raises(RunError) as caught:
        run(parse_scenario(text))
    message = str(caught.value)
    assert message.startswith("round 3, dynamics[0]: <string>:")
    assert message.endswith(
        "formula 'A.incidents + draw(round / 2.5)': draw(p) needs a probability p from 0 to 1, got 1.2"
    )
    assert "\n" not in message


STORMY_ENTRY = """
name: entry with storms
rounds: 400
seed: 11
actors: {Entrant: {state: {entered: 0, storms: 0, fights: 0}}, Incumbent: {}}
parameters: {p_storm: 0.25}
games:
  entry:
    players: [Entrant, Incumbent]
    tree:
      player: Entrant
      moves:
        Out: {payoffs: [0, 2]}
        In:
          chance: {calm: "1 - p_storm", storm: p_storm}
          moves:
            calm:
              player: Incumbent
              moves:
                Fight: {payoffs: [-1, -1]}
                Accommodate: {payoffs: [1, 1]}
            storm: {payoffs: [0.5, 0]}
dynamics:
  - after: entry
    when: "entry.Entrant == 'In'"
    set: {Entrant.entered: "Entrant.entered + 1"}
  - after: entry
    when: "entry.chance == 'storm'"
    set: {Entrant.storms: "Entrant.storms + 1"}
  - after: entry
    when: "entry.Incumbent == 'Fight'"
    set: {Entrant.fights: "Entrant.fights + 1"}
"""


@pytest.mark.slow
def test_a_tree_game_is_played_each_round_with_chance_drawn_from_the_seed() -> None:
    # Backward induction: after calm the Incumbent accommodates (1 > -1); In is then worth
    # (1 - p) * 1 + p * 0.5 = 0.875 > 0 to the Entrant, so it enters every round and never
    # meets a fight. Storms come with probability 1/4: over 400 rounds a binomial count with
    # mean 100 and standard deviation sqrt(400 * 0.25 * 0.75) = 8.66; five deviations fail a
    # correct generator with probability below 1e-6.
    result = run(parse_scenario(STORMY_ENTRY))
    final = result.final_state()["Entrant"]
    assert final["entered"] == 400 and final["fights"] == 0
    assert abs(final["storms"] - 100) < 5 * 8.66
    moves = result.moves
    assert moves.columns.tolist() == ["round", "game", "step", "actor", "information_set", "move"]
    storms = moves[(moves["actor"] == "chance") & (moves["move"] == "storm")]
    assert len(storms) == final["storms"], "the state and the recorded path agree"
    calm_rounds = moves[moves["move"] == "calm"]["round"]
    after_calm = moves[moves["round"].isin(calm_rounds) & (moves["step"] == 3)]
    assert set(after_calm["move"]) == {"Accommodate"} and len(after_calm) == 400 - len(storms)


def test_tree_games_are_reproducible_by_seed() -> None:
    scenario = parse_scenario(STORMY_ENTRY).with_overrides({"p_storm": 0.5})
    first, again, other = (run(scenario, seed=s, rounds=30) for s in (3, 3, 4))
    pd.testing.assert_frame_equal(first.moves, again.moves)
    pd.testing.assert_frame_equal(first.state, again.state)
    assert not first.moves.equals(other.moves)


def test_a_formula_comparing_a_move_label_that_is_not_in_the_tree_is_refused_at_load() -> None:
    text = STORMY_ENTRY.replace("when: \"entry.chance == 'storm'\"", "when: \"entry.chance == 'stom'\"")
    with pytest.raises(ScenarioError, match=r"dynamics\[1\]\.when: .*'stom'"):
        parse_scenario(text)


def test_the_story_tells_the_path_played_and_why() -> None:
    from rich.console import Console

    from sim.viz.report import print_story

    console = Console(record=True, width=200)
    print_story(run(parse_scenario(STORMY_ENTRY), rounds=2, seed=1), console)
    text = console.export_text()
    assert "Entrant In → chance" in text
    assert "the only backward-induction solution" not in text  # chance: the default concept is pbe
    assert "the only perfect Bayesian solution" in text


RESOLVE = """name: resolve
rounds: 8
seed: 4
actors:
  Russia: {}
  EU: {state: {belief_resolved: 0.3}}
games:
  posture:
    players: [Russia, EU]
    tree:
      chance: {resolved: "EU.belief_resolved", opportunist: "1 - EU.belief_resolved"}
      types: Russia
      beliefs: {resolved: EU.belief_resolved}
      moves:
        resolved:
          player: Russia
          hidden: true
          moves:
            E:
              chance: {E: 0.8, R: 0.2}
              moves: {E: {payoffs: [1, 0]}, R: {payoffs: [0, 0]}}
            R:
              chance: {E: 0.2, R: 0.8}
              moves: {E: {payoffs: [1, 0]}, R: {payoffs: [0, 0]}}
        opportunist:
          player: Russia
          hidden: true
          moves:
            E:
              chance: {E: 0.8, R: 0.2}
              moves: {E: {payoffs: [0, 0]}, R: {payoffs: [1, 0]}}
            R:
              chance: {E: 0.2, R: 0.8}
              moves: {E: {payoffs: [0, 0]}, R: {payoffs: [1, 0]}}
"""


@pytest.mark.parametrize("seed", range(8))
def test_beliefs_about_a_persistent_type_follow_bayes_rule_round_by_round(seed: int) -> None:
    # Russia's type is drawn once (resolved with the EU's prior 3/10) and kept. The resolved
    # type intends E, the opportunist R (each gets 1 when its preferred move happens); the
    # intention is hidden, and the move happens as intended with probability 4/5. After a
    # realised E the EU's belief pi becomes pi (4/5) / (pi (4/5) + (1 - pi) (1/5)) =
    # 4 pi / (1 + 3 pi); after a realised R, pi (1/5) / (pi (1/5) + (1 - pi) (4/5)) =
    # pi / (4 - 3 pi). The belief is the next round's prior.
    result = run(parse_scenario(RESOLVE), seed=seed)
    moves = result.moves
    types = moves[moves["step"] == 1]["move"].tolist()
    assert len(types) == 8 and len(set(types)) == 1, "the type is drawn once per run"
    intended = {"resolved": "E", "opportunist": "R"}[types[0]]
    assert set(moves[moves["step"] == 2]["move"]) == {intended}
    belief = 0.3
    beliefs = result.state[result.state["variable"] == "belief_resolved"]["value"].tolist()
    assert beliefs[0] == 0.3
    for round_number, seen in enumerate(moves[moves["step"] == 3]["move"], start=1):
        belief = 4 * belief / (1 + 3 * belief) if seen == "E" else belief / (4 - 3 * belief)
        assert beliefs[round_number] == pytest.approx(belief, rel=1e-12, abs=0)


@pytest.mark.parametrize("rule", ["first", "random"])
def test_pooling_in_beer_quiche_teaches_the_receiver_nothing(rule: str) -> None:
    # both solutions pool (both types eat the same breakfast, and the Receiver does not
    # duel after it): the observation (breakfast, Not) has likelihood 1 under each type, so
    # the posterior 9/10 * 1 / (9/10 * 1 + 1/10 * 1) is the prior 9/10, round after round,
    # whichever pooling equilibrium the rule selects
    result = run(SCENARIOS / "classics" / "beer_quiche.yaml", rounds=6, seed=3, overrides={"breakfast.select": rule})
    moves = result.moves
    assert set(moves[moves["actor"] == "Receiver"]["move"]) == {"Not"}
    beliefs = result.state[result.state["variable"] == "belief_strong"]["value"].tolist()
    assert beliefs == pytest.approx([0.9] * 7, rel=1e-12, abs=0)


@pytest.mark.slow
def test_both_types_are_drawn_across_seeds_and_a_redrawn_type_changes_within_a_run() -> None:
    drawn = {run(parse_scenario(RESOLVE), seed=s, rounds=1).moves["move"].iloc[0] for s in range(8)}
    assert drawn == {"resolved", "opportunist"}
    # drawn anew each round, with the prior kept at 3/10 (no beliefs): 40 rounds without a
    # resolved type would have probability 0.7 ** 40 < 1e-6
    redrawn = RESOLVE.replace("      types: Russia\n", "      types: Russia\n      persistent: false\n").replace(
        "      beliefs: {resolved: EU.belief_resolved}\n", ""
    )
    moves = run(parse_scenario(redrawn), seed=1, rounds=40).moves
    assert set(moves[moves["step"] == 1]["move"]) == {"resolved", "opportunist"}


def test_a_tree_game_selects_by_its_conditional_cases_in_a_run() -> None:
    # Under the concept nash, entry with Out worth (0, 3) has two pure equilibria: (In,
    # Accommodate) and (Out, Fight). The case prefers the Incumbent fighting while the
    # Entrant has entered fewer than 2 times; the rule otherwise takes the first, entry.
    text = STORMY_ENTRY.replace("Out: {payoffs: [0, 2]}", "Out: {payoffs: [0, 3]}").replace(
        '          chance: {calm: "1 - p_storm", storm: p_storm}\n', ""
    )
    text = text.replace("rounds: 400", "rounds: 4").replace(
        "    tree:\n",
        "    equilibrium:\n      concept: nash\n      select:\n        conditional:\n"
        "          - {when: 'round <= 2', prefer: {Incumbent: Fight}}\n        otherwise: first\n    tree:\n",
    )
    text = text.replace(
        "          moves:\n            calm:\n              player: Incumbent\n              moves:\n"
        "                Fight: {payoffs: [-1, -1]}\n                Accommodate: {payoffs: [1, 1]}\n"
        "            storm: {payoffs: [0.5, 0]}\n",
        "          player: Incumbent\n          moves:\n"
        "            Fight: {payoffs: [-1, -1]}\n            Accommodate: {payoffs: [1, 1]}\n",
    )
    text = text.replace(
        '  - after: entry\n    when: "entry.chance == \'storm\'"\n    set: {Entrant.storms: "Entrant.storms + 1"}\n', ""
    )
    result = run(parse_scenario(text))
    first_moves = result.moves[result.moves["step"] == 1]["move"].tolist()
    assert first_moves == ["Out", "Out", "In", "In"]
    story = [play.rule for play in result.history.tree_plays]
    assert story == ["conditional", "conditional", "first", "first"]


def test_a_conditional_case_naming_a_move_the_player_does_not_have_is_refused_at_load() -> None:
    text = STORMY_ENTRY.replace(
        "    tree:\n",
        "    equilibrium:\n      select:\n        conditional:\n"
        "          - {when: 'round <= 2', prefer: {Incumbent: Fite}}\n        otherwise: first\n    tree:\n",
        1,
    )
    with pytest.raises(ScenarioError, match=r"prefer\.Incumbent: 'Fite' is not a move of Incumbent in this tree"):
        parse_scenario(text)


STANDOFF = """name: Russia's hidden resolve
rounds: 6
seed: 4
parameters:
  q: 0.8      # chance that an intention is carried out
  d: 1        # Russia's cost when the EU deploys
actors:
  Russia: {}
  EU: {state: {belief: 0.3}}
let:
  eu_vs_res: "-3"
games:
  standoff:
    players: [Russia, EU]
    tree:
      chance: {resolved: "EU.belief", opportunist: "1 - EU.belief"}
      types: Russia
      persistent: true
      beliefs: {resolved: EU.belief}
      moves:
        resolved:
          player: Russia
          moves:
            E:
              chance: {E: q, R: "1 - q"}
              moves:
                E: {player: EU, infoset: sawE, moves: {deploy: {payoffs: ["2 - d", -3]}, hold: {payoffs: [2, -1]}}}
                R: {player: EU, infoset: sawR, moves: {deploy: {payoffs: [-1, 1]}, hold: {payoffs: [0, 0]}}}
            R:
              chance: {E: "1 - q", R: q}
              moves:
                E: {player: EU, infoset: sawE, moves: {deploy: {payoffs: ["2 - d", -3]}, hold: {payoffs: [2, -1]}}}
                R: {player: EU, infoset: sawR, moves: {deploy: {payoffs: [-1, 1]}, hold: {payoffs: [0, 0]}}}
        opportunist:
          player: Russia
          moves:
            E:
              chance: {E: q, R: "1 - q"}
              moves:
                E: {player: EU, infoset: sawE, moves: {deploy: {payoffs: ["-1 - d", 2]}, hold: {payoffs: [-1, 0]}}}
                R: {player: EU, infoset: sawR, moves: {deploy: {payoffs: [0, 1]}, hold: {payoffs: [1, 0]}}}
            R:
              chance: {E: "1 - q", R: q}
              moves:
                E: {player: EU, infoset: sawE, moves: {deploy: {payoffs: ["-1 - d", 2]}, hold: {payoffs: [-1, 0]}}}
                R: {player: EU, infoset: sawR, moves: {deploy: {payoffs: [0, 1]}, hold: {payoffs: [1, 0]}}}
"""


@pytest.mark.parametrize("seed", range(4))
def test_beliefs_follow_what_the_holders_information_sets_let_it_see(seed: int) -> None:
    # No move is marked hidden, but the EU's information sets sawE and sawR each span both of
    # Russia's intentions: the EU sees only what happened (E or R), so its belief moves as
    # in test_beliefs_about_a_persistent_type_follow_bayes_rule_round_by_round, by
    # 4 pi / (1 + 3 pi) after E and pi / (4 - 3 pi) after R (each intention is carried out
    # with q = 4/5; the resolved type intends E, the opportunist R, as its payoffs say).
    result = run(parse_scenario(STANDOFF), seed=seed)
    moves = result.moves
    belief = 0.3
    beliefs = result.state[result.state["variable"] == "belief"]["value"].tolist()
    for round_number, seen in enumerate(moves[moves["step"] == 3]["move"], start=1):
        belief = 4 * belief / (1 + 3 * belief) if seen == "E" else belief / (4 - 3 * belief)
        assert beliefs[round_number] == pytest.approx(belief, rel=1e-12, abs=0)
