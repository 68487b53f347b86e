"""The three lenses (scenarios/lenses/): one crisis, the v1 troop payoffs at esc = 0, read as a
simultaneous game with a selection rule, as a sequential game (subgame perfection) and as a
Bayesian game whose belief play reveals. Every expected value is derived by hand below.

The payoffs (EU, Russia), from the v1 troop parameters (G_D 0.6, G_M 0.3, G_H 0.1, k_D 1,
k_M 0.35, p_D 0.1, p_M 0.04, p_H 0.01, K 20, B_EU 4, d_EU 1, a_EU 1, W_RU 1.8, C_RU 2.5, c_E 0.3):
    D: R (4*0.6 - 1, -1.8*0.6) = (7/5, -27/25);   E (-1 - 2 - 1 - 1, 2.5*0.4 - 0.3 - 2) = (-5, -13/10)
    M: R (4*0.3 - 0.35, -0.54) = (17/20, -27/50); E (-0.35 - 0.8 - 2, 2.5*0.7 - 0.3 - 0.8) = (-63/20, 13/20)
    H: R (0.4, -0.18) = (2/5, -9/50);              E (-0.2 - 1, 2.5*0.9 - 0.3 - 0.2) = (-6/5, 7/4)
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

import sim

from .conftest import SCENARIOS, diplosim

LENSES = SCENARIOS / "lenses"
SIMULTANEOUS = LENSES / "simultaneous.yaml"
SEQUENTIAL = LENSES / "sequential.yaml"
BAYESIAN = LENSES / "bayesian.yaml"

EU_PAYOFF = {  # (posture, Russia's realized move) -> the EU's payoff, from the docstring
    ("D", "R"): Fraction(7, 5),
    ("D", "E"): Fraction(-5),
    ("M", "R"): Fraction(17, 20),
    ("M", "E"): Fraction(-63, 20),
    ("H", "R"): Fraction(2, 5),
    ("H", "E"): Fraction(-6, 5),
}


def solved(*args: str) -> dict[str, Any]:
    """The one game of ``diplosim solve --json ARGS``."""
    result = diplosim("solve", *args, "--json")
    assert result.returncode == 0, result.stderr
    (game,) = json.loads(result.stdout)["games"]
    return dict(game)


def pure(behaviour: dict[str, dict[str, str]]) -> dict[str, str]:
    """Information set -> the move played for sure (every set of a pure profile)."""
    chosen = {where: [move for move, p in moves.items() if Fraction(p) == 1] for where, moves in behaviour.items()}
    assert all(len(moves) == 1 for moves in chosen.values()), behaviour
    return {where: moves[0] for where, moves in chosen.items()}


def threshold(eps: Fraction) -> Fraction:
    """The belief below which the EU deploys in the Bayesian lens (bayesian.yaml's header):
    D beats H iff 7/5 - 32/5 (eps + pi (1 - 2 eps)) > -6/5 + 8/5 eps, i.e.
    pi < (13 - 40 eps) / (32 (1 - 2 eps))."""
    return (13 - 40 * eps) / (32 * (1 - 2 * eps))


# --- 1. simultaneous -------------------------------------------------------------------------


def test_simultaneous_lens_has_two_pure_equilibria_and_the_mixed_one() -> None:
    # (D, R): 7/5 is the EU's best against R, -27/25 > -13/10 Russia's against D.
    # (H, E): -6/5 is the EU's best against E, 7/4 > -9/50 Russia's against H.
    # Mixed: M is dominated by 1/2 D + 1/2 H; Russia indifferent: (11/50) x = (193/100)(1 - x),
    # x = 193/215 on D; the EU indifferent between D and H: y = 19/5 (1 - y), y = 19/24 on R.
    game = solved(str(SIMULTANEOUS))
    assert game["complete"] is True
    assert game["equilibria"] == [
        {"EU": {"D": "1", "M": "0", "H": "0"}, "Russia": {"R": "1", "E": "0"}},
        {"EU": {"D": "0", "M": "0", "H": "1"}, "Russia": {"R": "0", "E": "1"}},
        {"EU": {"D": "193/215", "M": "0", "H": "22/215"}, "Russia": {"R": "19/24", "E": "5/24"}},
    ]
    # cells as in the module docstring (floats: the JSON's payoff table)
    for (eu, russia), value in EU_PAYOFF.items():
        assert game["payoffs"][f"{eu}, {russia}"][0] == pytest.approx(float(value), abs=1e-12)


def test_simultaneous_lens_selects_hold_back_by_risk_dominance() -> None:
    # Products of deviation losses: (D, R): (7/5 - 2/5)(-27/25 + 13/10) = 11/50 = 0.22;
    # (H, E): (-6/5 + 5)(7/4 + 9/50) = 19/5 * 193/100 = 3667/500 = 7.334: (H, E) is picked.
    game = solved(str(SIMULTANEOUS))
    (comparison,) = game["risk_dominance"]
    assert comparison["equilibria"] == [0, 1]
    assert comparison["products"] == pytest.approx([0.22, 7.334], abs=1e-12)


@pytest.mark.slow
def test_simultaneous_lens_plays_hold_back_and_escalate() -> None:
    # the run plays the risk-dominant equilibrium (above): the EU H, Russia E, payoffs (-6/5, 7/4)
    played = sim.run(SIMULTANEOUS).rounds.query("played")
    assert played["realised_payoff"].tolist() == [-1.2, 1.75]
    assert played["strategy"].tolist() == ["H", "E"] and set(played["selected_by"]) == {"risk_dominant"}


# --- 2. sequential ---------------------------------------------------------------------------


def test_sequential_lens_spe_is_deploy_and_restrain() -> None:
    # Backward induction: after D Russia restrains (-27/25 > -13/10), after M it escalates
    # (13/20 > -27/50), after H it escalates (7/4 > -9/50); the EU compares 7/5, -63/20, -6/5: D.
    game = solved(str(SEQUENTIAL))
    solutions = [eq for eq in game["equilibria"] if eq["solution"]]
    assert len(solutions) == 1
    (spe,) = solutions
    assert pure(spe["behaviour"]["EU"]) == {"(root)": "D"}
    assert pure(spe["behaviour"]["Russia"]) == {"D": "R", "M": "E", "H": "E"}
    assert spe["payoffs"] == {"EU": "7/5", "Russia": "-27/25"}
    assert spe["subgame_perfect"] is True


@pytest.mark.slow
def test_sequential_lens_flags_the_hold_back_equilibrium_as_a_non_credible_threat() -> None:
    # Nash equilibria (pure): D with any of the 4 plans after M and H (the EU keeps 7/5 >
    # 17/20, 2/5), and H against E, E, E (the EU: -6/5 > -63/20 > -5). The last rests on E
    # after D, where Russia loses -13/10 - (-27/25) = -11/50: it would gain 0.22 by R.
    game = solved(str(SEQUENTIAL))
    assert game["complete"] is True and len(game["equilibria"]) == 5
    (threat,) = [eq for eq in game["equilibria"] if pure(eq["behaviour"]["EU"]) == {"(root)": "H"}]
    assert pure(threat["behaviour"]["Russia"]) == {"D": "E", "M": "E", "H": "E"}
    assert threat["payoffs"] == {"EU": "-6/5", "Russia": "7/4"}
    assert threat["subgame_perfect"] is False and threat["solution"] is False
    assert threat["failures"] == [{"infoset": "D", "gain": "0.22"}]
    text = diplosim("solve", str(SEQUENTIAL)).stdout
    assert "Nash equilibrium EU: H; Russia: E, E, E is not subgame perfect:" in text
    assert "at D, never reached in this equilibrium, Russia would not play E: R gains 0.22 there" in text


# --- 3. Bayesian -----------------------------------------------------------------------------


def test_bayesian_lens_threshold_by_hand() -> None:
    # eps = 0: U(D) = 7/5 - 32/5 pi > U(H) = -6/5 iff pi < 13/32; eps = 1/20: 11 / (32 * 9/10) = 55/144.
    assert threshold(Fraction(0)) == Fraction(13, 32)
    assert threshold(Fraction(1, 20)) == Fraction(55, 144)


def test_bayesian_lens_deploys_at_the_default_belief() -> None:
    # pi = 3/10, eps = 1/20: P_E(D) = 3/10 * 19/20 + 7/10 * 1/20 = 8/25; U(D) = 7/5 - 32/5 * 8/25
    # = -81/125 > U(H) = -6/5 + 8/5 * 1/20 = -28/25. The resolved type escalates everywhere,
    # the opportunist plays its SPE replies (R after D, E after M and H).
    game = solved(str(BAYESIAN))
    (solution,) = [eq for eq in game["equilibria"] if eq["solution"]]
    assert pure(solution["behaviour"]["EU"]) == {"posture": "D"}
    assert pure(solution["behaviour"]["Russia"]) == {
        "resolved/D": "E",
        "resolved/M": "E",
        "resolved/H": "E",
        "opportunist/D": "R",
        "opportunist/M": "E",
        "opportunist/H": "E",
    }
    assert solution["payoffs"]["EU"] == "-81/125"
    # the Nash equilibrium in which the EU holds back rests on the opportunist's threat after D:
    # it would gain (1 - 2 eps)(-27/25 + 13/10) = 9/10 * 11/50 = 99/500 = 0.198 by R there
    (threat,) = [eq for eq in game["equilibria"] if not eq["solution"]]
    assert pure(threat["behaviour"]["EU"]) == {"posture": "H"} and threat["payoffs"]["EU"] == "-28/25"
    assert threat["failures"] == [{"infoset": "opportunist/D", "gain": "0.198"}]


@pytest.mark.parametrize(
    ("eps", "belief", "posture"),
    [
        # just either side of pi* = 13/32 = 0.40625 (eps = 0) and 55/144 = 0.38194... (eps = 1/20)
        ("0", "0.406", "D"),
        ("0", "0.407", "H"),
        ("0.05", "0.3819", "D"),
        ("0.05", "0.382", "H"),
        # at eps = 0.2 pi* = 5/19.2 = 0.2604...: the default 0.3 is above, the EU holds back
        ("0.2", "0.3", "H"),
        ("0.2", "0.26", "D"),
    ],
)
@pytest.mark.slow
def test_bayesian_lens_deploys_iff_the_belief_is_below_the_threshold(eps: str, belief: str, posture: str) -> None:
    assert (Fraction(belief) < threshold(Fraction(eps))) == (posture == "D")  # the table agrees with the formula
    game = solved(str(BAYESIAN), "--set", f"eps={eps}", "--set", f"EU.belief_resolved={belief}")
    (solution,) = [eq for eq in game["equilibria"] if eq["solution"]]
    assert pure(solution["behaviour"]["EU"]) == {"posture": posture}


def test_bayesian_lens_at_the_threshold_both_postures_are_solutions() -> None:
    # pi = 13/32, eps = 0: U(D) = 7/5 - 32/5 * 13/32 = 7/5 - 13/5 = -6/5 = U(H)
    game = solved(str(BAYESIAN), "--set", "eps=0", "--set", "EU.belief_resolved=0.40625")
    postures = sorted(pure(eq["behaviour"]["EU"])["posture"] for eq in game["equilibria"] if eq["solution"])
    assert postures == ["D", "H"]


def _rounds(eps: float, seed: int) -> tuple[str, list[str], list[str], list[float]]:
    """The type drawn, the EU's posture and what it saw each round, and its belief (round 0 first)."""
    result = sim.run(BAYESIAN, seed=seed, overrides={"eps": eps})
    moves = result.moves
    kind = moves.loc[moves["step"] == 1, "move"].tolist()
    postures = moves.loc[moves["actor"] == "EU", "move"].tolist()
    seen = moves.loc[moves["step"] == 4, "move"].tolist()
    beliefs = result.state.query("variable == 'belief_resolved'")["value"].tolist()
    assert len(set(kind)) == 1  # persistent: one type for the whole run
    return kind[0], postures, seen, beliefs


@pytest.mark.slow
def test_bayesian_lens_without_noise_one_deployment_reveals_the_type() -> None:
    # eps = 0: after D the resolved type's E and the opportunist's R are certain, so the
    # posterior is 1 or 0 after round 1; then the EU holds back (1 > 13/32) or deploys (0 <
    # 13/32) for good, and nothing more is learned (pi' = pi at 0 and 1).
    kinds = set()
    for seed in (1, 2):
        kind, postures, _, beliefs = _rounds(0.0, seed)
        kinds.add(kind)
        after = 1.0 if kind == "resolved" else 0.0
        assert beliefs == [0.3] + [after] * 12
        assert postures == ["D"] + ["H" if kind == "resolved" else "D"] * 11
    assert kinds == {"resolved", "opportunist"}  # seeds 1 and 2 draw one of each


@pytest.mark.slow
def test_bayesian_lens_with_noise_learns_by_bayes_rule_round_by_round() -> None:
    # eps = 1/20: after D the odds pi / (1 - pi) are multiplied by 19 after an E and divided
    # by 19 after an R; after H (both types intend E) they do not move. The EU deploys while
    # pi < 55/144. From pi = 3/10: E -> 57/64, R -> 3/136.
    for seed in (1, 2, 3):
        _, postures, seen, beliefs = _rounds(0.05, seed)
        for posture, outcome, prior, posterior in zip(postures, seen, beliefs[:-1], beliefs[1:], strict=True):
            assert (posture == "D") == (prior < 55 / 144)
            factor = 1.0 if posture != "D" else (19.0 if outcome == "E" else 1 / 19)
            odds = prior / (1 - prior) * factor
            assert posterior == pytest.approx(odds / (1 + odds), rel=1e-12)
        assert min(beliefs) > 0 and max(beliefs) < 1  # never certain with noise


def test_every_number_in_the_lenses_says_where_it_comes_from() -> None:
    for path in (SIMULTANEOUS, SEQUENTIAL, BAYESIAN):
        for line in path.read_text(encoding="utf-8").splitlines():
            code, _, comment = line.partition("#")
            key, colon, value = code.partition(":")
            if not colon or not key.strip() or key.strip() in {"rounds", "seed"}:
                continue
            try:
                float(value.strip())
            except ValueError:
                continue
            assert "[assumption]" in comment or "[article]" in comment, f"{path.name}: {line}"
