"""The teaching view of trees: the tree as text, backward induction, non-credible threats."""

from __future__ import annotations

from sim.solvers.trees import solve_tree
from sim.viz.tree_report import induction_steps, threats, tree_text

from .test_tree_solvers import ENTRY, centipede, troop_crisis


def test_entry_deterrence_is_taught_step_by_step_with_its_threat() -> None:
    result = solve_tree(ENTRY, everything=True)
    assert tree_text(ENTRY, result.solutions[0]).splitlines() == [
        "entry: payoffs (Entrant, Incumbent)",
        "Entrant at (root)",
        "├─ Out: (0, 2)",
        "└─ In *: Incumbent at In",
        "   ├─ Fight: (-1, -1)",
        "   └─ Accommodate *: (1, 1)",
    ]
    assert induction_steps(ENTRY) == [
        "At In, Incumbent compares Fight (-1) with Accommodate (1): chooses Accommodate.",
        "At (root), Entrant compares Out (0) with In (1): chooses In.",
    ]
    assert threats(result) == [
        "Nash equilibrium Entrant: Out; Incumbent: Fight is not subgame perfect:",
        "  at In, never reached in this equilibrium, Incumbent would not play Fight: Accommodate gains 2 there. "
        "The equilibrium rests on a non-credible threat.",
    ]


def test_centipede_induction_takes_at_every_stage() -> None:
    steps = induction_steps(centipede(3))
    assert len(steps) == 3 and all("chooses take." in step for step in steps)
    assert steps[-1] == "At (root), A compares take (2) with pass (1): chooses take."


def test_chance_moves_show_their_exact_probabilities_and_shared_information_sets() -> None:
    text = tree_text(troop_crisis())
    assert "├─ r [3/10]: EU at EU (with 1 other node)" in text
    assert "EU at EU after an incident at D (with 3 other nodes)" in text
    assert "war [3/100]: (-104/5, -59/10)" in text


def test_posteriors_after_each_observation_follow_bayes_rule() -> None:
    from fractions import Fraction as F

    from sim.game.tree import Chance, Decision, Terminal, build
    from sim.viz.tree_report import posterior_lines

    # Nature picks resolved (3/10) or opportunist (7/10); the resolved type prefers E, the
    # opportunist R; the intention is carried out with probability 4/5. Observing E:
    # P(E) = 3/10 * 4/5 + 7/10 * 1/5 = 19/50 = 0.38, posterior resolved 12/50 / 19/50 = 12/19
    # = 0.6316; observing R: P(R) = 31/50 = 0.62, posterior 3/50 / 31/50 = 3/31 = 0.09677.
    def noisy(good: str) -> Decision:
        def carried(intended: str) -> Chance:
            odds = {"E": F(4, 5) if intended == "E" else F(1, 5)}
            odds["R"] = 1 - odds["E"]
            return Chance(
                {m: (float(odds[m]), Terminal((1.0 if m == good else 0.0,))) for m in ("E", "R")},
                (odds["E"], odds["R"]),
            )

        return Decision("Russia", {"E": carried("E"), "R": carried("R")})

    game = build(
        "resolve",
        ("Russia",),
        Chance({"resolved": (0.3, noisy("E")), "opportunist": (0.7, noisy("R"))}, (F(3, 10), F(7, 10))),
    )
    intentions = {game.nodes[k].path for k in range(len(game.nodes)) if game.nodes[k].kind == "decision"}
    lines = posterior_lines(solve_tree(game), 0, hidden=lambda k: game.nodes[k].path in intentions)
    assert lines[1:] == [
        "  after E (probability 0.38): resolved 0.6316, opportunist 0.3684",
        "  after R (probability 0.62): resolved 0.09677, opportunist 0.9032",
    ]
    # seeing the intention reveals the type: it is certain after each intention
    revealed = posterior_lines(solve_tree(game), 0)
    assert "  after E, E (probability 0.24): resolved 1, opportunist 0" in revealed
    assert "  after R, R (probability 0.56): resolved 0, opportunist 1" in revealed
    assert "  after E, R (probability 0.06): resolved 1, opportunist 0" in revealed
