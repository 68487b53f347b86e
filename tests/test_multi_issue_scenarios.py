"""Bargaining over several issues written in a scenario (``issues:``): solved by
``diplosim solve`` (Nash and Kalai-Smorodinsky, numeric within their tolerance), played
in runs over the issues' offer space, read by later formulas, in the tables and sweep
columns; values derived by hand in the comments (and in scenarios/classics/logrolling.yaml)."""

from __future__ import annotations

import json

import pytest

from sim.model.results import play
from sim.scenario.load import load_scenario, parse_scenario
from sim.sweeps.outcomes import columns, summarize

from .conftest import SCENARIOS, diplosim

LOGROLLING = SCENARIOS / "classics" / "logrolling.yaml"
#: The stated precision of a numeric solution: a share of each issue's range.
TOLERANCE = 1e-6
WIDTH, MONITORS = 40.0, 1000.0  # the issues' ranges, [0, 40] km and [0, 1000]

TRADE = """
name: trade
rounds: 1
actors: {A: {}, B: {}}
games:
  trade:
    players: [A, B]
    bargaining:
      issues:
        - {name: a, range: [0, 1]}
        - {name: b, range: [0, 1]}
      utilities: {A: "3 * a + b", B: "(1 - a) + 3 * (1 - b)"}
      protocol: PROTOCOL
"""


@pytest.mark.slow
def test_solve_json_gives_the_hand_derived_solutions() -> None:
    # See the derivation in logrolling.yaml: Nash at x = 1, y = 5/28 (1250/7 monitors),
    # utilities 211/280 and 23/40; Kalai-Smorodinsky at x = 1, y = 135/452 (33750/113).
    result = diplosim("solve", str(LOGROLLING), "--json")
    assert (result.returncode, result.stderr) == (0, "")
    [game] = json.loads(result.stdout)["games"]
    assert game["issues"] == [
        {"name": "width", "range": ["0", "40"], "unit": "km"},
        {"name": "monitors", "range": ["0", "1000"], "unit": ""},
    ]
    nash, ks = game["solutions"]["nash"], game["solutions"]["kalai_smorodinsky"]
    assert (nash["tolerance"], ks["tolerance"]) == (TOLERANCE, TOLERANCE)
    assert float(nash["agreement"]["width"]) == pytest.approx(40, abs=TOLERANCE * WIDTH)
    assert float(nash["agreement"]["monitors"]) == pytest.approx(1250 / 7, abs=TOLERANCE * MONITORS)
    # utilities move by at most 0.3/1000 per monitor: within 0.3 * TOLERANCE
    assert float(nash["utilities"]["Ukraine"]) == pytest.approx(211 / 280, abs=TOLERANCE)
    assert float(nash["utilities"]["Russia"]) == pytest.approx(23 / 40, abs=TOLERANCE)
    assert float(ks["agreement"]["width"]) == pytest.approx(40, abs=TOLERANCE * WIDTH)
    assert float(ks["agreement"]["monitors"]) == pytest.approx(33750 / 113, abs=TOLERANCE * MONITORS)


@pytest.mark.slow
def test_solve_text_shows_every_issue_and_the_tolerance() -> None:
    result = diplosim("solve", str(LOGROLLING))
    assert (result.returncode, result.stderr) == (0, "")
    assert "over 2 issues: width in [0 km, 40 km], monitors in [0, 1000]" in result.stdout
    assert "Nash: width = 40 km, monitors = 178.571; Ukraine gets 0.753571, Russia gets 0.575" in result.stdout
    assert "numeric, within 1e-06 of each issue's range" in result.stdout
    assert "a run plays it: alternating offers, Ukraine first (Ukraine boulware, Russia linear)" in result.stdout


@pytest.mark.slow
def test_a_run_agrees_and_later_formulas_read_both_issues() -> None:
    # Boulware Ukraine (best 67/70, reserve 0.55) against linear Russia (best 107/140,
    # reserve 0.1), T = 12, Ukraine first; every offer is on the frontier. Russia's offer
    # at t = 9 asks 0.1 + (93/140)(3/12) = 149/560: x = 1 and 0.7 (1 - y) = 149/560, so
    # y = 243/392 and Ukraine gets 0.7 + 0.3 y = 0.886 >= its next target
    # 0.55 + (57/140)(1 - (10/12)^5) = 0.7935: agreed at offer 10. (At t = 8 Ukraine asked
    # 0.9035 and Russia would keep 0.2251 < its next target 149/560; at t = 7 Russia's
    # offer gave Ukraine 0.8385 < 0.9035.) Monitors 1000 * 243/392 = 30375/49.
    result = play(load_scenario(LOGROLLING), seed=0)
    negotiations = result.negotiations
    assert negotiations[["issue", "outcome", "offers"]].values.tolist() == [
        ["width", "agreement", 10],
        ["monitors", "agreement", 10],
    ]
    agreement = dict(zip(negotiations["issue"], negotiations["agreement"], strict=True))
    assert agreement["width"] == pytest.approx(40, abs=TOLERANCE * WIDTH)
    assert agreement["monitors"] == pytest.approx(30375 / 49, abs=TOLERANCE * MONITORS)
    # the rule after the talks copies both issues into the state
    final = result.history.state_at(1)
    assert final["zone_km"] == agreement["width"]
    assert final["observers"] == agreement["monitors"]
    # offers: one row per offer, player and issue (10 offers x 2 players x 2 issues)
    assert len(result.offers) == 40
    first = result.offers[(result.offers["step"] == 1) & (result.offers["player"] == "Ukraine")]
    assert first["issue"].tolist() == ["width", "monitors"]
    # Ukraine opens at its ideal: x = 1, y = 6/7
    assert first["offer"].tolist() == pytest.approx([40, 6000 / 7], abs=TOLERANCE * MONITORS)


@pytest.mark.slow
def test_the_story_shows_offers_over_both_issues() -> None:
    # Ukraine's opening offer, its ideal (40 km, 6000/7 ~ 857.1 monitors), and the agreement above
    result = diplosim("run", str(LOGROLLING))
    assert (result.returncode, result.stderr) == (0, "")
    text = " ".join(result.stdout.split())
    assert "Ukraine (width 40 km, monitors 857.1) → Russia (width 38.81 km, monitors 0)" in text
    assert "agreed on width = 40 km, monitors = 619.9 at offer 10" in text


@pytest.mark.slow
def test_the_sweep_columns_name_every_issue() -> None:
    scenario = load_scenario(LOGROLLING)
    names = [name for name, _ in columns(scenario)]
    assert [n for n in names if ":talks" in n] == [
        "agreed:talks",
        "first_agreed:talks",
        "agreement:talks.width",
        "agreement:talks.monitors",
        "offers:talks",
    ]
    result = play(scenario, seed=0)
    row = summarize(scenario, result.history, result.rounds_played, result.stop_reason)
    assert row["agreement:talks.width"] == pytest.approx(40, abs=TOLERANCE * WIDTH)
    assert row["agreement:talks.monitors"] == pytest.approx(30375 / 49, abs=TOLERANCE * MONITORS)


@pytest.mark.slow
def test_equilibrium_players_agree_at_once_on_the_nash_solution() -> None:
    # A trades b for a: the Nash solution is a = 1, b = 0 (utilities 3 and 3, the
    # docstring example of nash_multi); both offer it, so the first offer is accepted.
    scenario = parse_scenario(TRADE.replace("PROTOCOL", "{deadline: 5}"))
    result = play(scenario, seed=0)
    assert result.negotiations[["issue", "outcome", "agreement", "offers"]].values.tolist() == [
        ["a", "agreement", pytest.approx(1.0, abs=TOLERANCE), 1],
        ["b", "agreement", pytest.approx(0.0, abs=TOLERANCE), 1],
    ]


@pytest.mark.slow
def test_a_mediator_with_an_ideal_per_issue() -> None:
    # Both sides' equilibrium demands are the Nash point (1, 0); the mediator pulls the
    # text all the way (bias 1) to its ideal (1/2, 1/2), worth 2 to each: below the
    # demands (3), so both reject until the last text, which each accepts as it is worth
    # more than disagreeing (0): agreement on (1/2, 1/2) at text 3.
    protocol = "{deadline: 3, mediator: {name: M, ideal: {a: 0.5, b: 0.5}, bias: 1}}"
    result = play(parse_scenario(TRADE.replace("PROTOCOL", protocol)), seed=0)
    assert result.negotiations[["issue", "agreement", "offers"]].values.tolist() == [["a", 0.5, 3], ["b", 0.5, 3]]
    assert set(result.offers["proposer"]) == {"M"}


@pytest.mark.slow
def test_an_issues_list_of_one_is_one_issue() -> None:
    one = """
name: pie
rounds: 1
actors: {A: {}, B: {}}
games:
  pie:
    players: [A, B]
    bargaining:
      ISSUE
      utilities: {A: "share", B: "1 - share"}
      discount: {A: 0.9, B: 0.9}
"""
    listed = parse_scenario(one.replace("ISSUE", "issues: [{name: share, range: [0, 1]}]"))
    single = parse_scenario(one.replace("ISSUE", "issue: {name: share, range: [0, 1]}"))
    # the Rubinstein split 1/(1 + 0.9) = 10/19 either way (exact: one issue keeps every feature)
    assert play(listed).negotiations["agreement"].tolist() == [10 / 19]
    assert play(single).negotiations["agreement"].tolist() == [10 / 19]


@pytest.mark.slow
def test_no_agreement_beats_disagreeing_nothing_is_offered() -> None:
    # B gets at most 4 (a = b = 0), less than its disagreement payoff 5: no agreement gives
    # both a gain, so nothing is offered, both issue rows are NaN and game.agreed reads 0.
    text = TRADE.replace("PROTOCOL", "{deadline: 5}").replace(
        'B: "(1 - a) + 3 * (1 - b)"}', 'B: "(1 - a) + 3 * (1 - b)"}\n      disagreement: {A: 0, B: 5}'
    )
    text += "dynamics:\n  - after: trade\n    set: {signed: trade.agreed}\n"
    text = text.replace("rounds: 1\n", "rounds: 1\nparameters: {signed: 7}\n")
    result = play(parse_scenario(text), seed=0)
    negotiations = result.negotiations
    assert negotiations[["issue", "outcome", "offers"]].values.tolist() == [["a", "no_range", 0], ["b", "no_range", 0]]
    assert negotiations["agreement"].isna().all()
    assert result.offers.empty
    assert result.history.state_at(1)["signed"] == 0.0
