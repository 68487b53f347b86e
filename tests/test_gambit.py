"""The pygambit solvers: agreement with nashpy, verification for N players, time limits."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.errors import UsageError
from sim.game.equilibrium import regret, tolerance
from sim.game.normal_form import NormalFormGame
from sim.scenario.load import load_scenario
from sim.solvers import gambit
from sim.solvers.registry import SOLVERS, solve
from sim.solvers.selection import Settings, logit_residual, select

from .conftest import SCENARIOS


def labelled(payoffs: np.ndarray) -> NormalFormGame:
    shape = payoffs.shape[:-1]
    players = tuple(f"P{i}" for i in range(len(shape)))
    strategies = tuple(tuple(f"s{j}" for j in range(n)) for n in shape)
    return NormalFormGame("g", players, strategies, payoffs)


def as_set(result: object) -> list[tuple[tuple[float, ...], ...]]:
    return sorted(
        tuple(tuple(np.round(mix, 7)) for mix in eq.strategies)
        for eq in result.equilibria  # type: ignore[attr-defined]
    )


two_player = st.tuples(st.integers(2, 5), st.integers(2, 5)).flatmap(
    lambda mn: arrays(np.float64, (*mn, 2), elements=st.floats(-10, 10, allow_nan=False).map(lambda x: round(x, 2)))
)


@settings(max_examples=60, deadline=None)
@given(two_player)
@pytest.mark.slow
def test_nashpy_and_pygambit_agree_on_non_degenerate_games(payoffs: np.ndarray) -> None:
    game = labelled(payoffs)
    nash = solve(game, "vertex_enumeration")
    if nash.degenerate:
        return
    assert as_set(solve(game, "gambit_enummixed")) == as_set(nash)


@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 2, 2), (2, 2, 2, 2)])
@pytest.mark.parametrize("name", [n for n, s in SOLVERS.items() if s.players[1] >= 3])
@pytest.mark.slow
def test_every_n_player_solver_returns_verified_equilibria(name: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(sum(shape))
    for _ in range(3):
        game = labelled(rng.normal(size=(*shape, len(shape))))
        result = solve(game, name, time_limit=10)
        for eq in result.equilibria:
            assert regret(game, eq.strategies) <= tolerance(game)
        if name == "gambit":
            assert result.equilibria


@pytest.mark.slow
def test_n_player_default_lists_all_pure_equilibria_and_says_if_complete() -> None:
    # three players choosing 0/1; each gets 1 when matching the majority: pure equilibria
    # (0,0,0) and (1,1,1), plus mixed ones
    payoffs = np.zeros((2, 2, 2, 3))
    for index in np.ndindex(2, 2, 2):
        majority = int(sum(index) >= 2)
        payoffs[index] = [1.0 if s == majority else 0.0 for s in index]
    result = solve(labelled(payoffs))
    assert result.method == "gambit"
    pure = [eq for eq in result.equilibria if eq.is_pure]
    assert [tuple(int(np.argmax(m)) for m in eq.strategies) for eq in pure] == [(0, 0, 0), (1, 1, 1)]


@pytest.mark.slow
def test_time_limit_falls_back_and_marks_the_list_incomplete() -> None:
    scenario = load_scenario(SCENARIOS / "eu_russia_ukraine_joint.yaml")
    game = scenario.games[0].template.build(scenario.namespace())
    result = solve(game, "gambit", time_limit=0.5)
    assert not result.complete
    assert any("did not finish within 0.5 s" in note for note in result.notes)
    assert sum(eq.is_pure for eq in result.equilibria) == 3


def test_one_player_and_two_player_gambit_methods() -> None:
    pennies = NormalFormGame.from_matrices(
        "mp", ("A", "B"), (("H", "T"), ("H", "T")), [[1, -1], [-1, 1]], [[-1, 1], [1, -1]]
    )
    for name in ("gambit_enummixed", "gambit_lcp", "gambit_logit", "gambit_gnm", "gambit_simpdiv", "gambit_enumpoly"):
        (eq,) = solve(pennies, name).equilibria
        np.testing.assert_allclose(eq.strategies[0], [0.5, 0.5], atol=1e-9)
    assert solve(pennies, "gambit_enumpure").equilibria == ()


def test_logit_qre_is_a_fixed_point_and_tends_to_nash() -> None:
    chicken = NormalFormGame.from_matrices(
        "chicken",
        ("A", "B"),
        (("swerve", "straight"), ("swerve", "straight")),
        [[0, -1], [1, -10]],
        [[0, 1], [-1, -10]],
    )
    uniform = gambit.logit_qre(chicken, 0.0)
    np.testing.assert_allclose(uniform[0], [0.5, 0.5])
    for lam in (0.5, 2.0, 10.0):
        assert logit_residual(chicken, gambit.logit_qre(chicken, lam), lam) < 1e-6
    sharp = gambit.logit_qre(chicken, 200.0)
    np.testing.assert_allclose(sharp[0], [0.9, 0.1], atol=0.01)  # the principal branch ends at the mixed equilibrium
    np.testing.assert_allclose(sharp[1], sharp[0])  # and stays symmetric in a symmetric game
    result = solve(chicken)
    selection = select(result, "logit", np.random.default_rng(0), settings=Settings(logit_lambda=2.0))
    assert selection.index is None and "logit QRE" in selection.reason
    assert selection.chosen(result) is selection.profile


def test_missing_pygambit_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygambit", None)
    assert not gambit.available()
    three = labelled(np.zeros((2, 2, 2, 3)))
    with pytest.raises(UsageError, match=r"needs pygambit, which is not installed: pip install 'diplosim\[gambit\]'"):
        solve(three)
