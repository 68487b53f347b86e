from __future__ import annotations

import pytest

from sim.errors import UsageError
from sim.model.stage_games import solve_stage_games, stage_game
from sim.scenario.load import load_scenario

from .conftest import SIMULTANEOUS


def test_stage_games_at_the_start_in_play_order() -> None:
    scenario = load_scenario(SIMULTANEOUS)
    assert [r.game.name for r in solve_stage_games(scenario)] == ["mediation", "troop_deployment", "buffer_zone"]
    (only,) = solve_stage_games(scenario, ["buffer_zone"])
    assert only.game.players == ("Ukraine", "Russia")


def test_stage_game_in_a_round_of_a_run_sees_that_rounds_state() -> None:
    scenario = load_scenario(SIMULTANEOUS)
    start = stage_game(scenario, "buffer_zone")
    later = stage_game(scenario, "buffer_zone", round_number=12)
    assert start.exact_payoffs is not None and later.exact_payoffs is not None
    # Russia's payoff of (H, O) is gain - 0.8 * fatigue: fatigue has grown by round 12
    assert later.payoff_of(("H", "O"))[1] < start.payoff_of(("H", "O"))[1]
    with pytest.raises(UsageError, match="no game"):
        stage_game(scenario, "nope")
