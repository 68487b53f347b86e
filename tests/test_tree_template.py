"""Tree games written in a scenario: compiled, built from the state, solved; against
trees built by hand and equilibria derived by hand."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from sim.errors import RunError, UsageError
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Spec, Terminal, build
from sim.model.stage_games import solve_tree_games, stage_tree
from sim.scenario.load import Scenario, load_scenario, parse_scenario
from sim.solvers.trees import TreeSolveResult, profile_text

from .conftest import SCENARIOS

CLASSICS = SCENARIOS / "classics"

#: Entry against an incumbent of unknown strength (the example of docs/scenario-language.md).
BAYESIAN_ENTRY = """
name: entry with types
rounds: 1
parameters: {p_strong: 0.3}
actors: {Entrant: {}, Incumbent: {}}
games:
  entry:
    players: [Entrant, Incumbent]
    tree:
      chance: {strong: p_strong, weak: "1 - p_strong"}
      moves:
        strong:
          player: Entrant
          infoset: entrant
          moves:
            Out: {payoffs: [0, 2]}
            In:
              player: Incumbent
              moves:
                Fight: {payoffs: [-1, 1]}
                Accommodate: {payoffs: [1, 0]}
        weak:
          player: Entrant
          infoset: entrant
          moves:
            Out: {payoffs: [0, 2]}
            In:
              player: Incumbent
              moves:
                Fight: {payoffs: {Entrant: -1, Incumbent: -1}}
                Accommodate: {payoffs: {Incumbent: 1, Entrant: 1}}
"""


def T(*payoffs: F | int) -> Terminal:
    """A terminal with exact payoffs."""
    exact = tuple(F(p) for p in payoffs)
    return Terminal(tuple(float(p) for p in exact), exact)


def _same_game(a: ExtensiveFormGame, b: ExtensiveFormGame) -> None:
    assert (a.name, a.players, a.nodes, a.infosets) == (b.name, b.players, b.nodes, b.infosets)
    assert a.exact_payoffs == b.exact_payoffs
    assert a.exact_probabilities == b.exact_probabilities


def _solved(scenario: Scenario) -> TreeSolveResult:
    [result] = solve_tree_games(scenario)
    return result


def _summary(result: TreeSolveResult) -> list[tuple[str, tuple[F, ...] | None, bool]]:
    """Per equilibrium: the profile, its exact behaviour-derived payoffs, and whether it
    is a solution of the concept."""
    game = result.game
    return [
        (profile_text(game, eq), tuple(F(p).limit_denominator(1000) for p in eq.payoffs), eq.satisfies(result.concept))
        for eq in result.equilibria
    ]


def test_a_tree_written_in_yaml_is_the_tree_built_by_hand() -> None:
    # the same tree with tree.py's records: chance 3/10 strong, 7/10 weak (0.3 as written)
    def incumbent(fight: tuple[int, int], accommodate: tuple[int, int]) -> Spec:
        return Decision("Incumbent", {"Fight": T(*fight), "Accommodate": T(*accommodate)})

    def entrant(fight: tuple[int, int], accommodate: tuple[int, int]) -> Spec:
        return Decision("Entrant", {"Out": T(0, 2), "In": incumbent(fight, accommodate)}, "entrant")

    by_hand = build(
        "entry",
        ("Entrant", "Incumbent"),
        Chance(
            {"strong": (0.3, entrant((-1, 1), (1, 0))), "weak": (0.7, entrant((-1, -1), (1, 1)))},
            (F(3, 10), F(7, 10)),
        ),
    )
    _same_game(stage_tree(parse_scenario(BAYESIAN_ENTRY), "entry"), by_hand)


def test_entry_deterrence_has_one_subgame_perfect_equilibrium_and_a_threat() -> None:
    # at In the Incumbent accommodates (1 > -1), so the Entrant enters (1 > 0): In /
    # Accommodate, (1, 1). Out / Fight is Nash (0 >= -1 for the Entrant; Fight is never
    # reached), with (0, monopoly_profit) = (0, 2), but not subgame perfect.
    result = _solved(load_scenario(CLASSICS / "entry_deterrence.yaml"))
    assert result.concept == "backward_induction" and result.complete
    assert _summary(result) == [
        ("Entrant: In; Incumbent: Accommodate", (1, 1), True),
        ("Entrant: Out; Incumbent: Fight", (0, 2), False),
    ]
    assert [eq.subgame_perfect for eq in result.equilibria] == [True, False]


def test_a_parameter_moves_the_payoffs_of_the_threat_not_the_solution() -> None:
    # monopoly_profit 5: the Incumbent's payoff after Out is 5; backward induction never
    # looks at it (the Entrant compares its own 0 with 1), so In / Accommodate stays.
    scenario = load_scenario(CLASSICS / "entry_deterrence.yaml").with_overrides({"monopoly_profit": 5})
    assert _summary(_solved(scenario)) == [
        ("Entrant: In; Incumbent: Accommodate", (1, 1), True),
        ("Entrant: Out; Incumbent: Fight", (0, 5), False),
    ]


def test_the_centipede_unravels_to_taking_at_once() -> None:
    # backward induction (see the file): Bob takes at move 4 (4 > 3), Ann at move 3
    # (3 > 2), Bob at move 2 (2 > 1), Ann at move 1 (1 > 0): (1, 0). The other Nash
    # equilibria: Ann takes at once and Bob takes at move 2 (else Ann would pass for at
    # least 2), with any move at moves 3 and 4 (never reached): 2 x 2 = 4 in all.
    result = _solved(load_scenario(CLASSICS / "centipede.yaml"))
    assert _summary(result) == [
        ("Ann: take, take; Bob: take, take", (1, 0), True),
        ("Ann: take, take; Bob: take, pass", (1, 0), False),
        ("Ann: take, pass; Bob: take, take", (1, 0), False),
        ("Ann: take, pass; Bob: take, pass", (1, 0), False),
    ]


def test_the_ultimatum_proposer_offers_the_least() -> None:
    # every positive offer is accepted (x > 0), so the Proposer offers 1: (4 - 1, 1). Pure
    # Nash equilibria: offer 1 accepted, any answer to 2 and 3 (4); offer 2 accepted
    # with 1 rejected, any answer to 3 (2); offer 3 accepted with 1 and 2 rejected (1).
    result = _solved(load_scenario(CLASSICS / "ultimatum.yaml"))
    assert [s for s in _summary(result) if s[2]] == [
        ("Proposer: offer1; Responder: accept, accept, accept", (3, 1), True)
    ]
    assert sorted(s[1] for s in _summary(result)) == [(1, 3), (2, 2), (2, 2), (3, 1), (3, 1), (3, 1), (3, 1)]


@pytest.mark.parametrize(
    ("p_strong", "profile", "payoffs"),
    [
        # In is worth -1 * p + 1 * (1 - p) = 1 - 2p to the Entrant: 2/5 at 0.3, enter;
        # the Incumbent gets 1 either way (a strong one fights: 1, a weak one
        # accommodates: 1)
        (0.3, "Entrant: In; Incumbent: Fight, Accommodate", (F(2, 5), F(1))),
        # -2/5 at 0.7: stay out, (0, 2)
        (0.7, "Entrant: Out; Incumbent: Fight, Accommodate", (F(0), F(2))),
    ],
)
def test_the_belief_about_the_incumbent_decides_entry(p_strong: float, profile: str, payoffs: tuple[F, F]) -> None:
    scenario = parse_scenario(BAYESIAN_ENTRY).with_overrides({"p_strong": p_strong})
    result = _solved(scenario)
    assert result.concept == "pbe"  # the default with chance moves
    [solution] = result.solutions
    assert profile_text(result.game, solution) == profile
    assert tuple(F(p).limit_denominator(1000) for p in solution.payoffs) == payoffs
    assert solution.exact is not None


def test_probabilities_off_one_at_the_state_are_a_run_error_naming_the_node() -> None:
    # written as p_strong and 1.2 - p_strong: they sum to 1.2 at any state
    text = BAYESIAN_ENTRY.replace('"1 - p_strong"', '"1.2 - p_strong"')
    scenario = parse_scenario(text, "types.yaml")
    with pytest.raises(RunError) as caught:
        stage_tree(scenario, "entry")
    assert str(caught.value) == (
        "types.yaml:10 games.entry.tree.chance: game entry, node (root): the chance probabilities sum to 1.2, not 1, "
        "at this state; write them so that they sum to 1 (e.g. the last as 1 minus the others)"
    )


def test_a_negative_probability_at_the_state_is_a_run_error() -> None:
    scenario = parse_scenario(BAYESIAN_ENTRY, "types.yaml").with_overrides({"p_strong": -0.5})
    with pytest.raises(RunError, match=r"node \(root\): the probability of strong is -0.5 at this state"):
        stage_tree(scenario, "entry")


def test_a_failing_payoff_formula_names_the_game_and_node() -> None:
    text = BAYESIAN_ENTRY.replace("Fight: {payoffs: [-1, 1]}", 'Fight: {payoffs: ["-1 / (p_strong - 0.3)", 1]}')
    with pytest.raises(RunError, match=r"^game entry, payoff at node strong/In/Fight: .*division by zero"):
        stage_tree(parse_scenario(text), "entry")


def test_payoffs_outside_exact_arithmetic_give_a_float_game() -> None:
    text = BAYESIAN_ENTRY.replace("Fight: {payoffs: [-1, 1]}", 'Fight: {payoffs: ["-exp(0)", 1]}')
    game = stage_tree(parse_scenario(text), "entry")
    assert game.exact_payoffs is None and game.exact_probabilities is None
    # pre-order: (root), strong, strong/Out, strong/In, strong/In/Fight
    assert (game.nodes[4].path, game.nodes[4].payoffs) == ("strong/In/Fight", (-1.0, 1.0))


def test_the_template_reads_only_what_its_formulas_name() -> None:
    assert parse_scenario(BAYESIAN_ENTRY).trees[0].template.inputs == ("p_strong",)


def test_tree_games_are_not_asked_for_as_matrices() -> None:
    scenario = parse_scenario(BAYESIAN_ENTRY)
    # formulas read each player's last move on the path, and the last chance move
    assert scenario.games == () and scenario.strategy_keys == ("entry.Entrant", "entry.Incumbent", "entry.chance")
    with pytest.raises(UsageError, match=r"^game entry is a tree game"):
        scenario.game("entry")
    with pytest.raises(UsageError, match=r"^no game 'nope'"):
        scenario.tree("nope")


def test_a_tree_game_takes_only_the_selection_rules_of_trees() -> None:
    scenario = parse_scenario(BAYESIAN_ENTRY)
    assert scenario.trees[0].rule == "first"  # the scenario-wide default risk_dominant is not one
    assert scenario.with_overrides({"entry.select": "max_welfare"}).trees[0].rule == "max_welfare"
    assert scenario.with_overrides({"select": "random"}).trees[0].rule == "random"
    assert scenario.with_overrides({"select": "risk_dominant"}).trees[0].rule == "first"
    with pytest.raises(UsageError, match=r"^--set entry.select: unknown selection rule for a tree game 'logit'"):
        scenario.with_overrides({"entry.select": "logit"})
