"""Tree games written in a scenario: compiled, built from the state, solved; against
trees built by hand and equilibria derived by hand."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from sim.errors import RunError, UsageError
from sim.game.behaviour import tolerance, values
from sim.game.tree import Behaviour, Chance, Decision, ExtensiveFormGame, Spec, Terminal, build
from sim.model.stage_games import solve_tree_games, stage_tree
from sim.scenario.load import Scenario, load_scenario, parse_scenario
from sim.solvers.trees import TreeSolveResult, exact_payoffs, profile_text, solve_tree
from sim.viz.tree_report import tree_json

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


# --- classics of incomplete information --------------------------------------------------


def _exact_summary(result: TreeSolveResult) -> list[tuple[str, tuple[tuple[F, ...], ...] | None, tuple[F, ...] | None]]:
    """Per equilibrium: the profile, its exact behaviour and its exact expected payoffs."""
    game = result.game
    return [
        (profile_text(game, eq), eq.exact, exact_payoffs(game, eq.exact) if eq.exact is not None else None)
        for eq in result.equilibria
    ]


def _type_values(game: ExtensiveFormGame, behaviour: Behaviour, player: int) -> dict[str, float]:
    """What ``player`` expects from each type's node (the children of the root) on."""
    worth = values(game, behaviour)
    return {game.nodes[k].path: float(worth[k, player]) for k in game.nodes[0].children}


def _beliefs(result: TreeSolveResult, index: int) -> object:
    equilibria = tree_json(result)["equilibria"]
    assert isinstance(equilibria, list)
    return equilibria[index]["beliefs"]


# Beer-quiche (Cho & Kreps 1987; scenarios/classics/beer_quiche.yaml): the strong type has
# probability 9/10. Sender: 1 for its favourite breakfast (strong Beer, weak Quiche) + 2
# without a duel; Receiver: 1 for dueling weak or sparing strong. Pure profiles by hand:
# - separating (strong Beer, weak Quiche): the Receiver duels after Quiche (belief weak 1)
#   and not after Beer, so weak gets 1 and would drink Beer undisturbed for 2: not an
#   equilibrium; (strong Quiche, weak Beer): the Receiver duels after Beer, so weak gets 0
#   and would eat Quiche undisturbed for 3: not an equilibrium either.
# - pooling on Beer: belief after Beer = the prior, 9/10 strong; Not gives the Receiver
#   9/10 > Duel 1/10. Weak gets 0 + 2 = 2 from Beer and 1 + 2 (1 - d) from Quiche, with d
#   the duel probability after Quiche: an equilibrium iff d >= 1/2, and Duel (d = 1) is
#   sequentially rational iff the off-path belief weak >= 1/2. Strong gets 3, its best.
#   Payoffs: Sender 9/10 * 3 + 1/10 * 2 = 29/10; Receiver 9/10 (right only when strong).
# - pooling on Quiche, the mirror image: Not after Quiche (9/10 > 1/10); strong gets 2
#   and 1 + 2 (1 - d) from Beer: d >= 1/2, off-path belief weak >= 1/2. Sender 9/10 * 2 +
#   1/10 * 3 = 21/10; Receiver 9/10.
# The pure ones are d = 1; mixed d in [1/2, 1) too, with belief exactly 1/2 (the Receiver
# must be indifferent), whose extreme points are d = 1 and d = 1/2. No hybrid: strong
# mixes only if d_B = d_Q + 1/2 > 0, but then only strong drinks Beer and d_B = 0; weak
# mixes only if d_Q = d_B + 1/2 > 0, so strong drinks Beer only and P(weak | Beer) <= 1/10
# < 1/2 cannot make the Receiver mix (d_B = 1/2).
BEER, QUICHE, DUEL, NOT = (F(1), F(0)), (F(0), F(1)), (F(1), F(0)), (F(0), F(1))


def test_beer_quiche_has_two_pooling_equilibria_and_no_separating_one() -> None:
    result = _solved(load_scenario(CLASSICS / "beer_quiche.yaml"))
    assert result.concept == "pbe" and not result.complete  # pure ones found: mixed not searched
    # information sets in tree order: strong, after_beer, after_quiche, weak
    assert [s.label for s in result.game.infosets] == ["strong", "after_beer", "after_quiche", "weak"]
    assert _exact_summary(result) == [
        ("Sender: Beer, Beer; Receiver: Not, Duel", (BEER, NOT, DUEL, BEER), (F(29, 10), F(9, 10))),
        ("Sender: Quiche, Quiche; Receiver: Duel, Not", (QUICHE, DUEL, NOT, QUICHE), (F(21, 10), F(9, 10))),
    ]
    assert all(eq.subgame_perfect and eq.sequentially_rational and not eq.failures for eq in result.equilibria)
    # each type's payoff: pooling on Beer strong 3 (1 + 2), weak 2 (0 + 2); on Quiche the reverse
    beer, quiche = result.equilibria
    assert _type_values(result.game, beer.behaviour, 0) == {"strong": 3.0, "weak": 2.0}
    assert _type_values(result.game, quiche.behaviour, 0) == {"strong": 2.0, "weak": 3.0}
    # the Receiver expects 1 from strong (spared) and 0 from weak (spared) in both
    assert _type_values(result.game, beer.behaviour, 1) == {"strong": 1.0, "weak": 0.0}


def test_beer_quiche_reports_bayes_on_the_path_and_a_supporting_belief_off_it() -> None:
    # on the path, Bayes' rule gives the prior: 9/10 strong, 1/10 weak. Off the path any
    # belief weak >= 1/2 supports Duel; the solver reports the first node at which Duel is
    # best (its payoff to the Receiver 1 against Not 0): the weak one, with certainty.
    result = _solved(load_scenario(CLASSICS / "beer_quiche.yaml"))
    assert _beliefs(result, 0) == {
        "strong": {"strong": "1"},
        "after_beer": {"strong/Beer": "9/10", "weak/Beer": "1/10"},
        "after_quiche": {"strong/Quiche": "0", "weak/Quiche": "1"},
        "weak": {"weak": "1"},
    }
    assert _beliefs(result, 1) == {
        "strong": {"strong": "1"},
        "after_beer": {"strong/Beer": "0", "weak/Beer": "1"},
        "after_quiche": {"strong/Quiche": "9/10", "weak/Quiche": "1/10"},
        "weak": {"weak": "1"},
    }
    assert [eq.on_path for eq in result.equilibria] == [(True, True, False, True), (True, False, True, True)]


def test_beer_quiche_mixed_equilibria_are_the_ends_of_the_two_families() -> None:
    # with mixed ones (the extreme equilibria of the reduced normal form): each pooling
    # family runs from d = 1 (pure, listed first) to d = 1/2 (the weak, resp. strong, type
    # indifferent: 2 = 1 + 2 (1 - 1/2)), same payoffs. Every Nash equilibrium here is a
    # PBE (a mix off the path is supported by the belief 1/2 that makes the Receiver
    # indifferent), so nash lists the same four.
    game = _solved(load_scenario(CLASSICS / "beer_quiche.yaml")).game
    half = (F(1, 2), F(1, 2))
    expected = [
        ("Sender: Beer, Beer; Receiver: Not, Duel", (BEER, NOT, DUEL, BEER), (F(29, 10), F(9, 10))),
        ("Sender: Quiche, Quiche; Receiver: Duel, Not", (QUICHE, DUEL, NOT, QUICHE), (F(21, 10), F(9, 10))),
        ("Sender: Beer, Beer; Receiver: Not, 1/2 Duel + 1/2 Not", (BEER, NOT, half, BEER), (F(29, 10), F(9, 10))),
        (
            "Sender: Quiche, Quiche; Receiver: 1/2 Duel + 1/2 Not, Not",
            (QUICHE, half, NOT, QUICHE),
            (F(21, 10), F(9, 10)),
        ),
    ]
    for concept in ("pbe", "nash"):
        result = solve_tree(game, concept, mixed=True, everything=True)
        assert result.complete and _exact_summary(result) == expected
        assert all(eq.satisfies("pbe") for eq in result.equilibria)
    # the belief the solver reports at the mixing set off the path is 1/2 within the
    # payoff tolerance (found by a linear program in floats), not the exact fraction
    mixed = solve_tree(game, "pbe", mixed=True).equilibria[2]
    belief = mixed.beliefs[2]
    assert belief is not None and not mixed.on_path[2]
    assert belief.tolist() == pytest.approx([0.5, 0.5], abs=tolerance(game))


# Bayesian battle of the sexes (Osborne 2004, chapter 9; the file's tables): Player2
# wishes to meet (1/2) or avoid (1/2) Player1. Let p = P(Player1 plays B), m and a the
# probability that the meeting and the avoiding type play B.
# - meeting type: B gives p, S gives 2 (1 - p): B iff p >= 2/3.
# - avoiding type: B gives 1 - p, S gives 2p: B iff p <= 1/3.
# - Player1: B gives 1/2 (2m) + 1/2 (2a) = m + a, S gives 1/2 (1 - m) + 1/2 (1 - a): B iff
#   m + a >= 2/3.
# Pure: p = 1 gives m = 1, a = 0, m + a = 1 > 2/3: (B, (B, S)) is an equilibrium, with
#   Player1 1/2 * 2 + 1/2 * 0 = 1, Player2 1/2 * 1 + 1/2 * 2 = 3/2. p = 0 gives m = 0,
#   a = 1, m + a = 1 > 2/3: Player1 would switch to B (1 > 1/2), so (S, (S, B)) is not.
#   The other six pure profiles give a type a move that is not its best reply.
# Mixed: 2/3 < p < 1 and 0 < p < 1/3 make Player1 strictly prefer B, 1/3 < p < 2/3 makes
#   m = a = 0 and S strict: none. p = 2/3: a = 0, m = 2/3 (Player1 indifferent), payoffs
#   Player1 2/3, Player2 1/2 * 2/3 + 1/2 * 4/3 = 1. p = 1/3: m = 0, a = 2/3, Player1 2/3,
#   Player2 1/2 * 4/3 + 1/2 * 2/3 = 1. Three equilibria in all; every information set is
#   reached, so all are perfect Bayesian too.
def test_the_bayesian_battle_of_the_sexes_has_one_pure_equilibrium() -> None:
    result = _solved(load_scenario(CLASSICS / "bayesian_battle_of_the_sexes.yaml"))
    assert result.concept == "nash" and not result.complete
    assert [s.label for s in result.game.infosets] == ["player1", "meet", "avoid"]
    b, s = (F(1), F(0)), (F(0), F(1))
    assert _exact_summary(result) == [("Player1: B; Player2: B, S", (b, b, s), (F(1), F(3, 2)))]
    game = result.game
    # Player2's types: meeting 1 (at Bach together), avoiding 2 (at Stravinsky alone)
    assert _type_values(game, result.equilibria[0].behaviour, 1) == {"meet": 1.0, "avoid": 2.0}
    # Player1 cannot tell the types apart: her belief is the prior
    assert _beliefs(result, 0) == {
        "player1": {"meet": "1/2", "avoid": "1/2"},
        "meet": {"meet/B": "1", "meet/S": "0"},
        "avoid": {"avoid/B": "1", "avoid/S": "0"},
    }


@pytest.mark.parametrize("concept", ["nash", "pbe"])
def test_the_bayesian_battle_of_the_sexes_has_two_mixed_equilibria(concept: str) -> None:
    game = _solved(load_scenario(CLASSICS / "bayesian_battle_of_the_sexes.yaml")).game
    result = solve_tree(game, concept, mixed=True, everything=True)
    b, s = (F(1), F(0)), (F(0), F(1))
    two_thirds, one_third = (F(2, 3), F(1, 3)), (F(1, 3), F(2, 3))
    assert result.complete and _exact_summary(result) == [
        ("Player1: B; Player2: B, S", (b, b, s), (F(1), F(3, 2))),
        ("Player1: 2/3 B + 1/3 S; Player2: 2/3 B + 1/3 S, S", (two_thirds, two_thirds, s), (F(2, 3), F(1))),
        ("Player1: 1/3 B + 2/3 S; Player2: S, 2/3 B + 1/3 S", (one_third, s, two_thirds), (F(2, 3), F(1))),
    ]
    assert all(eq.satisfies(concept) and all(eq.on_path) for eq in result.equilibria)
