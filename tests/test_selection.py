from __future__ import annotations

import numpy as np
import pytest

from sim.errors import SolverError
from sim.game.equilibrium import Equilibrium
from sim.game.normal_form import NormalFormGame
from sim.solvers.registry import solve
from sim.solvers.selection import RULES, realise, risk_dominance, select


def stag_hunt() -> NormalFormGame:
    return NormalFormGame.from_matrices(
        "stag", ("A", "B"), (("S", "H"), ("S", "H")), [[4, 0], [3, 3]], [[4, 3], [0, 3]]
    )


def chosen(game: NormalFormGame, rule: str, seed: int = 0) -> tuple[str, ...]:
    result = solve(game)
    eq = result.equilibria[select(result, rule, np.random.default_rng(seed)).index]
    return game.labels_of([int(np.argmax(m)) for m in eq.strategies])


def test_stag_hunt_payoff_versus_risk_dominance() -> None:
    game = stag_hunt()
    assert chosen(game, "payoff_dominant") == ("S", "S")
    assert chosen(game, "risk_dominant") == ("H", "H")
    assert chosen(game, "max_welfare") == ("S", "S")
    assert chosen(game, "first") == ("S", "S")


def test_risk_dominance_products() -> None:
    game = stag_hunt()
    eqs = solve(game).equilibria
    assert risk_dominance(game, eqs[0], eqs[1]) == (1.0, 9.0)


def test_flagship_troop_game_risk_dominant_is_hold_escalate() -> None:
    a = [[1.4, -5], [0.85, -3.15], [0.4, -1.2]]
    b = [[-1.08, -1.3], [-0.54, 0.65], [-0.18, 1.75]]
    game = NormalFormGame.from_matrices("troop", ("EU", "Russia"), (("D", "M", "H"), ("R", "E")), a, b)
    assert chosen(game, "risk_dominant") == ("H", "E")
    eqs = solve(game).equilibria
    assert risk_dominance(game, eqs[0], eqs[1]) == pytest.approx((1.0 * 0.22, 3.8 * 1.93))


def test_risk_dominance_falls_back_to_welfare_without_pure_equilibria() -> None:
    pennies = NormalFormGame.from_matrices(
        "mp", ("A", "B"), (("H", "T"), ("H", "T")), [[1, -1], [-1, 1]], [[-1, 1], [1, -1]]
    )
    result = solve(pennies)
    selection = select(result, "risk_dominant", np.random.default_rng(0))
    assert selection.index == 0 and "max_welfare" in selection.reason


def test_payoff_dominance_picks_undominated_then_welfare() -> None:
    battle = NormalFormGame.from_matrices(
        "bos", ("A", "B"), (("O", "F"), ("O", "F")), [[3, 0], [0, 2]], [[2, 0], [0, 3]]
    )
    # (O, O) gives (3, 2) and (F, F) gives (2, 3): neither dominates, equal welfare -> canonical first
    assert chosen(battle, "payoff_dominant") == ("O", "O")


def test_random_rule_uses_the_generator_reproducibly() -> None:
    result = solve(stag_hunt())
    picks = [select(result, "random", np.random.default_rng(seed)).index for seed in range(30)]
    assert set(picks) == {0, 1, 2}
    assert picks == [select(result, "random", np.random.default_rng(seed)).index for seed in range(30)]


def test_deterministic_choices_are_remembered_with_the_result_but_preferences_still_win() -> None:
    result = solve(stag_hunt())
    first = select(result, "risk_dominant", np.random.default_rng(0))
    assert select(result, "risk_dominant", np.random.default_rng(1)) is first
    assert result.equilibria[first.index].support(0) == (1,)
    assert select(result, "payoff_dominant", np.random.default_rng(0)).index != first.index
    preferred = select(result, "risk_dominant", np.random.default_rng(0), preferred=[(0, 0)])
    assert preferred.reason == "conditional case 1" and result.equilibria[preferred.index].support(0) == (0,)


def test_conditional_preference_wins_when_it_is_an_equilibrium() -> None:
    game = stag_hunt()
    result = solve(game)
    rng = np.random.default_rng(0)
    assert select(result, "risk_dominant", rng, preferred=[(0, 0)]).reason == "conditional case 1"
    assert select(result, "risk_dominant", rng, preferred=[(0, 1), (1, 1)]).reason == "conditional case 2"
    fallback = select(result, "risk_dominant", rng, preferred=[(0, 1)])
    assert fallback.reason == "risk_dominant"


def test_select_errors() -> None:
    result = solve(stag_hunt())
    with pytest.raises(SolverError, match="unknown selection rule"):
        select(result, "nope", np.random.default_rng(0))
    empty = type(result)(result.game, (), "x", False, False)
    with pytest.raises(SolverError, match="no equilibrium"):
        select(empty, "first", np.random.default_rng(0))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_returns_a_valid_index(rule: str) -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        game = NormalFormGame.from_matrices(
            "g", ("a", "b"), (("x", "y", "z"), ("u", "v")), rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        )
        result = solve(game)
        selection = select(result, rule, rng)
        if rule == "logit":
            assert selection.index is None and selection.profile is not None
        else:
            assert selection.index is not None and 0 <= selection.index < len(result.equilibria)


def test_realise_mode_and_sample() -> None:
    eq = Equilibrium((np.array([0.25, 0.0, 0.75]), np.array([1.0, 0.0])), np.zeros(2), 0.0)
    assert realise(eq, "mode", np.random.default_rng(0)) == (2, 0)
    rng = np.random.default_rng(42)
    draws = [realise(eq, "sample", rng)[0] for _ in range(4000)]
    assert 1 not in draws
    assert abs(draws.count(0) / 4000 - 0.25) < 0.03
    with pytest.raises(SolverError, match="unknown play mode"):
        realise(eq, "dice", rng)


def test_sampling_consumes_one_draw_per_player_whatever_the_probabilities() -> None:
    pure_eq = Equilibrium((np.array([1.0, 0.0]), np.array([0.0, 1.0])), np.zeros(2), 0.0)
    mixed_eq = Equilibrium((np.array([0.5, 0.5]), np.array([0.5, 0.5])), np.zeros(2), 0.0)
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    realise(pure_eq, "sample", a)
    realise(mixed_eq, "sample", b)
    assert a.random() == b.random()
