from __future__ import annotations

import math

import pytest

from sim.errors import RunError
from sim.model.negotiation import NegotiationModel
from sim.scenario.load import load_scenario, parse_scenario
from sim.sweeps.outcomes import columns, profile_key, summarize

from .conftest import SIMULTANEOUS


def test_flagship_row() -> None:
    scenario = load_scenario(SIMULTANEOUS)
    model = NegotiationModel(scenario, exact=False)
    model.run()
    row = summarize(scenario, model.history, model.round, model.stop_reason or "")
    assert [name for name, _ in columns(scenario)] == list(row)
    assert row["rounds_played"] == 24 and row["stop_reason"] == "rounds" and row["degenerate_rounds"] == 0
    assert row["share:buffer_zone=(H,O)"] == 9 / 24 and row["share:buffer_zone=(H,B)"] == 15 / 24
    assert row["first:buffer_zone=(H,B)"] == 10.0 and math.isnan(row["first:buffer_zone=(W,W)"])
    assert row["final:esc"] == 1.0 and row["final:G_D"] == 0.6
    assert row["metric:mutual_zone"] == 0.0 and row["metric:frozen_share"] == 15 / 24
    assert row["metric:territory_lost"] == pytest.approx(0.0099)


def test_profile_key() -> None:
    assert profile_key("joint", ("D", "R.W", "W", "mediate")) == "joint=(D,R.W,W,mediate)"


def test_a_failing_metric_is_a_run_error() -> None:
    text = """
name: m
rounds: 2
actors: {A: {}}
games:
  g: {players: [A], strategies: {A: [x, y]}, payoffs: {A: "1 if A == 'x' else 0"}}
metrics:
  bad: "1 / count_g_y"
"""
    scenario = parse_scenario(text)
    model = NegotiationModel(scenario)
    model.run()
    with pytest.raises(RunError, match=r"metric bad: .*division by zero"):
        summarize(scenario, model.history, model.round, "rounds")
