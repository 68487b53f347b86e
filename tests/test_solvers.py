from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.errors import SolverChoiceError, SolverError, SolverLimitError
from sim.game.equilibrium import SAME_TOL, SolveResult, regret, tolerance
from sim.game.normal_form import NormalFormGame
from sim.model.stage_games import solve_stage_games
from sim.scenario.load import load_scenario
from sim.solvers.registry import SOLVERS, solve

from .conftest import SCENARIOS
from .oracle import extreme_equilibria, is_degenerate

F = Fraction


def exact_profiles(path: str) -> list[tuple[tuple[Fraction, ...], ...]]:
    (result,) = solve_stage_games(load_scenario(SCENARIOS / path))
    assert all(eq.exact is not None for eq in result.equilibria)
    return [eq.exact for eq in result.equilibria if eq.exact is not None]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("classics/prisoners_dilemma.yaml", [((F(0), F(1)), (F(0), F(1)))]),
        ("classics/matching_pennies.yaml", [((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))]),
        ("classics/rock_paper_scissors.yaml", [((F(1, 3),) * 3, (F(1, 3),) * 3)]),
        (
            "classics/chicken.yaml",
            [
                ((F(1), F(0)), (F(0), F(1))),
                ((F(0), F(1)), (F(1), F(0))),
                ((F(9, 10), F(1, 10)), (F(9, 10), F(1, 10))),
            ],
        ),
        (
            "classics/stag_hunt.yaml",
            [
                ((F(1), F(0)), (F(1), F(0))),
                ((F(0), F(1)), (F(0), F(1))),
                ((F(3, 4), F(1, 4)), (F(3, 4), F(1, 4))),
            ],
        ),
        (
            "classics/battle_of_the_sexes.yaml",
            [
                ((F(1), F(0)), (F(1), F(0))),
                ((F(0), F(1)), (F(0), F(1))),
                ((F(3, 5), F(2, 5)), (F(2, 5), F(3, 5))),
            ],
        ),
    ],
)
def test_classics_exactly(path: str, expected: list[tuple[tuple[Fraction, ...], ...]]) -> None:
    assert exact_profiles(path) == expected


def test_flagship_troop_game_has_the_three_equilibria_of_the_model() -> None:
    results = solve_stage_games(load_scenario(SCENARIOS / "troop_deployment.yaml"))
    (result,) = results
    assert not result.degenerate and result.complete
    exact = [eq.exact for eq in result.equilibria]
    assert exact == [
        ((F(1), F(0), F(0)), (F(1), F(0))),
        ((F(0), F(0), F(1)), (F(0), F(1))),
        ((F(193, 215), F(0), F(22, 215)), (F(19, 24), F(5, 24))),
    ]


def test_troop_game_with_cheaper_war_leaves_only_hold_and_escalate() -> None:
    scenario = load_scenario(SCENARIOS / "troop_deployment.yaml").with_overrides({"K_EU": 10, "K_RU": 10})
    (result,) = solve_stage_games(scenario)
    assert [result.game.labels_of([s[0] for s in (eq.support(0), eq.support(1))]) for eq in result.equilibria] == [
        ("H", "E")
    ]


def test_buffer_zone_default_and_with_guarantee_and_mediation() -> None:
    scenario = load_scenario(SCENARIOS / "buffer_zone.yaml")
    (default,) = solve_stage_games(scenario)
    assert [(eq.support(0), eq.support(1)) for eq in default.equilibria] == [((1,), (2,))]  # (H, O)
    (stag,) = solve_stage_games(scenario.with_overrides({"G": 0.6, "m": 0.5}))
    assert len(stag.equilibria) == 3
    assert (stag.equilibria[0].support(0), stag.equilibria[0].support(1)) == ((0,), (0,))  # (W, W)
    (monitors,) = solve_stage_games(scenario.with_overrides({"G": 0.3, "m": 0.5}))
    assert len(monitors.equilibria) == 1


def game_of(a: np.ndarray, b: np.ndarray) -> NormalFormGame:
    m, n = a.shape
    return NormalFormGame.from_matrices("g", ("r", "c"), (tuple("abcde"[:m]), tuple("vwxyz"[:n])), a, b)


def same_sets(found: list[tuple[np.ndarray, ...]], reference: list[tuple[np.ndarray, ...]]) -> bool:
    def inside(x: tuple[np.ndarray, ...], pool: list[tuple[np.ndarray, ...]]) -> bool:
        return any(all(np.max(np.abs(p - q)) <= 10 * SAME_TOL for p, q in zip(x, y)) for y in pool)

    return all(inside(x, reference) for x in found) and all(inside(y, found) for y in reference)


integer_games = st.tuples(st.integers(2, 4), st.integers(2, 4), st.integers(1, 6)).flatmap(
    lambda t: st.tuples(
        arrays(np.int64, (t[0], t[1]), elements=st.integers(-t[2], t[2])),
        arrays(np.int64, (t[0], t[1]), elements=st.integers(-t[2], t[2])),
    )
)


@settings(max_examples=250, deadline=None)
@given(integer_games)
@pytest.mark.slow
def test_vertex_enumeration_matches_exact_reference_also_on_degenerate_games(
    ab: tuple[np.ndarray, np.ndarray],
) -> None:
    a, b = ab
    result = solve(game_of(a.astype(float), b.astype(float)))
    reference = [
        (np.array([float(v) for v in x]), np.array([float(v) for v in y]))
        for x, y in extreme_equilibria(a.tolist(), b.tolist())
    ]
    assert same_sets([eq.strategies for eq in result.equilibria], reference)
    assert result.degenerate == is_degenerate(a.tolist(), b.tolist())
    assert result.complete


@pytest.mark.parametrize("name", [n for n, s in SOLVERS.items() if s.players[1] >= 2])
@pytest.mark.slow
def test_every_two_player_solver_returns_verified_equilibria(name: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
        game = game_of(a, b)
        result = solve(game, name)
        assert result.method == name
        if SOLVERS[name].complete:
            assert result.equilibria
        assert all(regret(game, eq.strategies) <= tolerance(game) for eq in result.equilibria)
        assert result.complete == SOLVERS[name].complete


def test_one_player_games_are_maximised_with_ties_flagged() -> None:
    game = NormalFormGame("d", ("me",), (("a", "b", "c"),), np.array([[1.0], [3.0], [3.0]]))
    result = solve(game, "vertex_enumeration")
    assert result.method == "maximise"
    assert [eq.support(0) for eq in result.equilibria] == [(1,), (2,)]
    assert result.degenerate
    single = solve(NormalFormGame("d", ("me",), (("a", "b"),), np.array([[1.0], [0.0]])))
    assert not single.degenerate and len(single.equilibria) == 1


def test_one_player_memory_grows_with_the_strategies_not_their_square() -> None:
    import tracemalloc

    n = 20_000  # an n x n identity would take 3.2 GB
    payoffs = np.zeros((n, 1))
    payoffs[7, 0] = 1.0
    game = NormalFormGame("d", ("me",), (tuple(f"s{i}" for i in range(n)),), payoffs)
    tracemalloc.start()
    try:
        (best,) = solve(game).equilibria
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert best.support(0) == (7,)
    assert peak < 100 * n * 8  # a few vectors of n floats, not n of them


def test_solver_errors() -> None:
    game = game_of(np.eye(2), np.eye(2))
    with pytest.raises(SolverChoiceError, match="unknown solver"):
        solve(game, "magic")
    three = NormalFormGame("g", ("a", "b", "c"), (("x",), ("y",), ("z",)), np.zeros((1, 1, 1, 3)))
    with pytest.raises(SolverChoiceError, match="handles 2 to 2 players"):
        solve(three, "vertex_enumeration")
    assert solve(three).method == "gambit"


def test_all_zero_game_is_solved_as_degenerate() -> None:
    result = solve(game_of(np.zeros((2, 2)), np.zeros((2, 2))))
    assert result.degenerate
    assert len(result.equilibria) == 4


equivalence_games = st.tuples(st.integers(2, 4), st.integers(2, 4), st.sampled_from([1, 2, 3, 10, 0])).flatmap(
    lambda t: st.tuples(
        arrays(np.float64, (t[0], t[1]), elements=st.integers(-t[2], t[2]).map(float))
        if t[2]
        else arrays(np.float64, (t[0], t[1]), elements=st.floats(-5, 5).map(lambda x: round(x, 3))),
        arrays(np.float64, (t[0], t[1]), elements=st.integers(-t[2], t[2]).map(float))
        if t[2]
        else arrays(np.float64, (t[0], t[1]), elements=st.floats(-5, 5).map(lambda x: round(x, 3))),
    )
)


@settings(max_examples=1500, deadline=None)
@given(equivalence_games)
@example(  # a near tie: nashpy's labels call it degenerate, the exact reference does not
    (
        np.array([[0.0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]]),
        np.array([[0.0, 0, 0, 0.001], [0, 0, 0, 1], [0, 0, 0.125, -3]]),
    )
)
@pytest.mark.slow
def test_fast_vertex_enumeration_equals_nashpy_bit_for_bit(ab: tuple[np.ndarray, np.ndarray]) -> None:
    """The fast path and nashpy's polytopes: the same extreme points, the same floats to
    the last bit, the same degenerate flag, the same canonical order (many games are
    degenerate: small integer payoffs tie often).

    nashpy labels a vertex with ``np.isclose`` (relative tolerance 1e-5), so on a near
    tie closer than that (payoffs 0 and 0.001 against a mix) it sees a tie that is not
    there; where the two disagree, the exact reference must side with the fast path."""
    game = game_of(*ab)
    fast, slow = solve(game, "vertex_enumeration"), solve(game, "nashpy")
    if not agree(fast, slow):
        event("nashpy misjudged a near tie")
        a, b = (x.tolist() for x in ab)
        reference = [
            (np.array([float(v) for v in x]), np.array([float(v) for v in y])) for x, y in extreme_equilibria(a, b)
        ]
        assert fast.degenerate == is_degenerate(a, b)
        assert same_sets([eq.strategies for eq in fast.equilibria], reference)
        if slow.degenerate == fast.degenerate:  # nashpy judged the tie like we did, so its answer must differ
            assert not same_sets([eq.strategies for eq in slow.equilibria], reference)


def agree(fast: SolveResult, slow: SolveResult) -> bool:
    return (
        fast.degenerate == slow.degenerate
        and len(fast.equilibria) == len(slow.equilibria)
        and all(
            np.array_equal(x, y)
            for a, b in zip(fast.equilibria, slow.equilibria)
            for x, y in zip(a.strategies, b.strategies)
        )
        and fast.components == slow.components
    )


def test_a_complete_solver_that_finds_nothing_is_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every finite game has an equilibrium: a complete solver returning none is a bug, not "incomplete".
    from sim.solvers import registry as solvers

    broken = solvers.Solver("broken", lambda game, limit: solvers.Found([]), (2, 2), True, False, "finds nothing")
    monkeypatch.setitem(solvers.SOLVERS, "broken", broken)
    game = NormalFormGame.from_matrices("pd", ("R", "C"), (("C", "D"), ("C", "D")), [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    with pytest.raises(SolverError, match="internal error: the complete solver broken found no equilibrium of game pd"):
        solve(game, "broken")


def test_cached_results_cannot_be_changed_by_the_caller() -> None:
    # Solved games are remembered and handed out again: nothing in a result may be writeable.
    import dataclasses

    from sim.solvers.selection import select

    payoffs = np.array([[[4.0, 4.0], [0.0, 3.0]], [[3.0, 0.0], [3.0, 3.0]]])  # stag hunt
    game = NormalFormGame("stag", ("A", "B"), (("S", "H"), ("S", "H")), payoffs)
    payoffs[0, 0, 0] = 99.0  # the caller's array is the caller's: the game kept a copy
    first = solve(game)
    before = [(eq.strategies[0].tolist(), eq.payoffs.tolist()) for eq in first.equilibria]
    for array in (first.game.payoffs, first.equilibria[2].strategies[0], first.equilibria[2].payoffs):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.equilibria = ()  # type: ignore[misc]
    state = dict(vars(first))
    chosen = select(first, "risk_dominant", np.random.default_rng(0))
    assert dict(vars(first)) == state, "a selection is not stored on the shared result"
    again = solve(NormalFormGame("stag", ("A", "B"), (("S", "H"), ("S", "H")), game.payoffs.copy()))
    assert again is first  # remembered ...
    assert [(eq.strategies[0].tolist(), eq.payoffs.tolist()) for eq in again.equilibria] == before  # ... unchanged
    assert select(again, "risk_dominant", np.random.default_rng(1)) == chosen


def coordination(size: int) -> NormalFormGame:
    """Both players get 1 when they pick the same strategy: 2**size - 1 equilibria."""
    labels = tuple(f"s{i}" for i in range(size))
    return NormalFormGame("coordination", ("A", "B"), (labels, labels), np.stack([np.eye(size)] * 2, axis=-1))


@pytest.mark.slow
def test_a_game_too_large_to_enumerate_stops_at_the_time_limit_with_advice() -> None:
    # 14x14: C(28, 14) = 40,116,600 systems per polytope, far beyond a second's work; it runs in
    # the worker, which is stopped at the limit.
    with pytest.raises(SolverLimitError) as caught:
        solve(coordination(14), time_limit=1.0)
    message = str(caught.value)
    assert "game coordination (14x14, 40,116,600 systems of tight constraints per polytope)" in message
    assert "did not finish within the time limit of 1 s" in message
    assert "time_limit" in message and "--time-limit" in message and "lemke_howson" in message
    with pytest.raises(SolverLimitError, match="too large to enumerate with a time limit of 0 s"):
        solve(coordination(14), time_limit=0.0)


@pytest.mark.slow
def test_a_large_game_within_the_limit_is_solved_in_the_worker() -> None:
    # 9x9 coordination: C(18, 9) = 48,620 systems per polytope (above the 13,000 solved in this
    # process); 2**9 - 1 = 511 equilibria, one for each non-empty set of common strategies.
    result = solve(coordination(9), time_limit=120.0)
    assert len(result.equilibria) == 511 and result.complete
