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
