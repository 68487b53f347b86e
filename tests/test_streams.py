from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from sim.sweeps.designs import design_points, parse_factor
from sim.sweeps.streams import BOOTSTRAP, DESIGN, RUNS, generator, run_seed, stream


def test_the_three_roles_are_the_three_children_of_the_root() -> None:
    children = np.random.SeedSequence(42).spawn(3)
    for role in (DESIGN, BOOTSTRAP, RUNS):
        assert stream(42, role).spawn_key == children[role].spawn_key == (role,)
        assert stream(42, role).generate_state(4).tolist() == children[role].generate_state(4).tolist()
    assert len({DESIGN, BOOTSTRAP, RUNS}) == 3


@pytest.mark.parametrize("root", [0, 1, 11, 2**63 - 1])
def test_designs_bootstraps_and_runs_have_disjoint_spawn_keys_and_states(root: int) -> None:
    runs = 1000
    keys = {stream(root, DESIGN).spawn_key, stream(root, BOOTSTRAP).spawn_key}
    run_keys = {stream(root, RUNS, k).spawn_key for k in range(runs)}
    assert len(run_keys) == runs and not keys & run_keys and len(keys) == 2
    # no run's generator starts where the design's or the bootstrap's does (the old
    # scheme gave the Latin hypercube the state of run 1 and the bootstrap that of run 2)
    states = {tuple(stream(root, role).generate_state(4).tolist()) for role in (DESIGN, BOOTSTRAP)}
    run_states = {tuple(stream(root, RUNS, k).generate_state(4).tolist()) for k in range(runs)}
    assert len(states) == 2 and not states & run_states
    assert {stream(root, RUNS, k).spawn_key for k in (1, 2)}.isdisjoint({(1,), (2,)})


def test_a_run_seed_is_child_k_of_the_runs_stream() -> None:
    children = np.random.SeedSequence(5).spawn(3)[RUNS].spawn(10)
    assert [run_seed(5, k) for k in range(10)] == [
        int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children
    ]


def test_lhs_draws_from_the_design_stream_only() -> None:
    factors = [parse_factor("a=0:1"), parse_factor("b=0:1")]
    points = design_points(factors, "lhs", 8, seed=3)
    expected = qmc.LatinHypercube(d=2, seed=generator(3, DESIGN)).random(8)
    assert np.array_equal([[p["a"], p["b"]] for p in points], expected)
    run_one = qmc.LatinHypercube(d=2, seed=np.random.default_rng(stream(3, RUNS, 1))).random(8)
    assert not np.array_equal(expected, run_one)
