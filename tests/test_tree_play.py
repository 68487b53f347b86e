from __future__ import annotations

import math

import numpy as np
import pytest

from sim.errors import SolverError
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Terminal, build
from sim.solvers.tree_play import CHANCE, TREE_RULES, Move, play_tree, select_tree
from sim.solvers.trees import TreeSolveResult, profile_text, solve_tree


def entry(out_payoff: float = 2) -> ExtensiveFormGame:
    """Selten's entry deterrence: Out (0, out_payoff); In then Fight (-1, -1) or
    Accommodate (1, 1)."""
    return build(
        "entry",
        ("Entrant", "Incumbent"),
        Decision(
            "Entrant",
            {
                "Out": Terminal((0, out_payoff)),
                "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))}),
            },
        ),
    )


def weather(p_rain: float = 0.3) -> ExtensiveFormGame:
    """Nature draws rain with probability p_rain; then A, who sees it, goes or stays."""
    choice = {"go": Terminal((1,)), "stay": Terminal((0,))}
    return build(
        "weather",
        ("A",),
        Chance({"rain": (p_rain, Decision("A", choice, infoset="wet")), "sun": (1 - p_rain, Decision("A", choice))}),
    )


def test_the_subgame_perfect_path_of_entry_deterrence_is_played_without_a_draw() -> None:
    game = entry()
    chosen = select_tree(solve_tree(game), "first", np.random.default_rng(0))[0]
    rng = np.random.default_rng(5)
    before = rng.bit_generator.state
    path = play_tree(game, chosen.behaviour, rng)
    # In, then Accommodate (the only subgame-perfect equilibrium): payoffs (1, 1)
    assert path.moves == (Move(0, "Entrant", "(root)", "In"), Move(2, "Incumbent", "In", "Accommodate"))
    assert (path.terminal, path.payoffs) == (4, (1.0, 1.0))
    assert rng.bit_generator.state == before, "pure moves cost no draw"


@pytest.mark.slow
def test_chance_happens_with_its_probability() -> None:
    game = weather(0.3)
    behaviour = (np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    rng = np.random.default_rng(2026)
    draws = 10_000
    rain = sum(play_tree(game, behaviour, rng).moves[0].move == "rain" for _ in range(draws))
    # binomial(10000, 0.3): mean 3000, standard deviation sqrt(10000 * 0.3 * 0.7) = 45.8;
    # five deviations (229) fail a correct generator with probability below 1e-6
    assert abs(rain - 3000) < 5 * math.sqrt(draws * 0.3 * 0.7)


def test_the_same_seed_plays_the_same_paths_and_another_seed_differs() -> None:
    game = weather(0.5)
    behaviour = (np.array([0.5, 0.5]), np.array([0.5, 0.5]))

    def paths(seed: int) -> list[tuple[str, ...]]:
        rng = np.random.default_rng(seed)
        return [tuple(m.move for m in play_tree(game, behaviour, rng).moves) for _ in range(50)]

    assert paths(7) == paths(7)
    assert paths(7) != paths(8)


def test_a_fixed_chance_node_makes_its_move_without_a_draw_and_mode_never_replaces_chance() -> None:
    game = weather(0.5)
    behaviour = (np.array([0.25, 0.75]), np.array([0.4, 0.6]))
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    path = play_tree(game, behaviour, rng, play="mode", fixed={0: 0})
    # the type-like draw is fixed to rain; A's most likely move at "wet" is stay (0.75)
    assert [(m.actor, m.infoset, m.move) for m in path.moves] == [(CHANCE, "(root)", "rain"), ("A", "wet", "stay")]
    assert rng.bit_generator.state == before
    # mode: chance is still drawn, and differs across seeds
    first_moves = {play_tree(game, behaviour, np.random.default_rng(s), play="mode").moves[0].move for s in range(20)}
    assert first_moves == {"rain", "sun"}


def test_selection_rules_among_nash_equilibria_of_a_tree() -> None:
    # With Out worth (0, 3), the Nash equilibria in pure behaviour are (In, Accommodate)
    # with payoffs (1, 1), subgame perfect, and (Out, Fight) with (0, 3), resting on the
    # threat to fight. Neither pays every player more than the other, so payoff_dominant
    # keeps both and, like max_welfare, takes the larger sum: 3 > 2.
    game = entry(out_payoff=3)
    result = solve_tree(game, "nash")
    texts = [profile_text(game, eq) for eq in result.solutions]
    assert texts == ["Entrant: In; Incumbent: Accommodate", "Entrant: Out; Incumbent: Fight"]
    rng = np.random.default_rng(0)
    assert profile_text(game, select_tree(result, "first", rng)[0]) == texts[0]
    assert profile_text(game, select_tree(result, "max_welfare", rng)[0]) == texts[1]
    assert profile_text(game, select_tree(result, "payoff_dominant", rng)[0]) == texts[1]
    picked = [profile_text(game, select_tree(result, "random", rng)[0]) for _ in range(200)]
    assert set(picked) == set(texts)
    # under the default concept only the subgame-perfect one is a solution
    assert [profile_text(game, select_tree(solve_tree(game), rule, rng)[0]) for rule in TREE_RULES] == [texts[0]] * 4


def test_payoff_dominance_drops_a_dominated_equilibrium() -> None:
    # A moves x or y, B sees it and matches or not; matching on x pays (1, 1), on y (2, 2).
    # Nash equilibria: (y; x after x, y after y) and (y; y, y) with (2, 2), and (x; x, x)
    # with (1, 1), dominated by both others.
    game = build(
        "c",
        ("A", "B"),
        Decision(
            "A",
            {
                "x": Decision("B", {"x": Terminal((1, 1)), "y": Terminal((0, 0))}),
                "y": Decision("B", {"x": Terminal((0, 0)), "y": Terminal((2, 2))}),
            },
        ),
    )
    result = solve_tree(game, "nash")
    assert sorted(tuple(eq.payoffs) for eq in result.solutions) == [(1, 1), (2, 2), (2, 2)]
    assert tuple(select_tree(result, "payoff_dominant", np.random.default_rng(0))[0].payoffs) == (2, 2)


def test_unknown_rules_and_empty_solution_lists_are_solver_errors() -> None:
    game = entry()
    with pytest.raises(SolverError, match="unknown selection rule for trees 'risk_dominant'"):
        select_tree(solve_tree(game), "risk_dominant", np.random.default_rng(0))[0]
    empty = TreeSolveResult(game, "pbe", (), complete=False)
    with pytest.raises(SolverError, match="no equilibrium found satisfies the concept pbe"):
        select_tree(empty, "first", np.random.default_rng(0))[0]
    with pytest.raises(SolverError, match="unknown way to play 'greedy'"):
        play_tree(game, game.uniform_behaviour(), np.random.default_rng(0), play="greedy")


def test_a_conditional_case_prefers_the_solutions_that_make_its_moves() -> None:
    # Nash equilibria of entry with Out worth (0, 3): (In, Accommodate) first, (Out, Fight).
    game = entry(out_payoff=3)
    result = solve_tree(game, "nash")
    rng = np.random.default_rng(0)
    fight = [(1, "Fight")]  # the Incumbent (player 1) fights wherever it can
    chosen, reason = select_tree(result, "first", rng, [fight])
    assert (profile_text(game, chosen), reason) == ("Entrant: Out; Incumbent: Fight", "conditional")
    # a case no solution meets gives way to the next, then to the rule
    stay_out_and_accommodate = [(0, "Out"), (1, "Accommodate")]
    chosen, reason = select_tree(result, "first", rng, [stay_out_and_accommodate])
    assert (profile_text(game, chosen), reason) == ("Entrant: In; Incumbent: Accommodate", "first")
    chosen, reason = select_tree(result, "first", rng, [stay_out_and_accommodate, [(0, "Out")]])
    assert (profile_text(game, chosen), reason) == ("Entrant: Out; Incumbent: Fight", "conditional")
