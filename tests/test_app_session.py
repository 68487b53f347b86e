"""What the browser page does, without a browser (sim.app.session): the sliders it offers,
reading uploads, and a scenario played round by round."""

from __future__ import annotations

import base64
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.app.session import (
    UPLOAD_LIMIT,
    Session,
    load_file,
    load_upload,
    read_upload,
    scenario_files,
    sliders,
    value_notes,
)
from sim.errors import ScenarioError
from sim.model.results import play
from sim.scenario.load import _EXAMPLE, load_scenario, parse_scenario
from tests.conftest import ALL_SCENARIOS, FLAGSHIP, SCENARIOS, SIMULTANEOUS

# a division by zero in round 2 (the rule reads `round`), after a good round 1
_FAILS_IN_ROUND_2 = _EXAMPLE + "dynamics:\n  - set: {A.x: '1 / (2 - round)'}\n"


def test_the_sweep_block_gives_the_first_sliders_and_their_ranges() -> None:
    # the flagship sweeps a_EU0 over [0.05, 0.5, 0.8] and A_RU0 over [0.02, 0.2, 0.4]:
    # uneven levels, so about a hundred steps over each range: 0.75 / 100 = 0.0075 rounds
    # down to the step 0.005 (1, 2 or 5 times a power of ten), 0.38 / 100 to 0.002
    scenario = load_scenario(FLAGSHIP)
    found = sliders(scenario)
    swept = [s for s in found if s.group == "swept"]
    assert [(s.name, s.low, s.high, s.origin) for s in swept] == [
        ("a_EU0", 0.05, 0.8, "sweep: block"),
        ("A_RU0", 0.02, 0.4, "sweep: block"),
    ]
    assert (swept[0].step, swept[1].step) == (0.005, 0.002)
    assert [s.name for s in found[:2]] == ["a_EU0", "A_RU0"]


def test_every_start_value_gets_one_slider_in_its_group() -> None:
    scenario = load_scenario(FLAGSHIP)
    found = sliders(scenario)
    names = [s.name for s in found]
    assert len(names) == len(set(names))
    state = {f"{a}.{v}" for a, variables in scenario.actors.items() for v in variables}
    assert set(names) == set(scenario.parameters) | state
    dynamic = set(scenario.dynamic_parameters)
    for slider in found:
        if slider.group == "parameter":
            assert slider.name not in dynamic
        if slider.group == "state":
            assert slider.name in dynamic or slider.name in state


def test_a_grid_gives_its_own_step_and_a_list_of_even_levels_its_gap() -> None:
    # cost '0:4:5' is the levels 0, 1, 2, 3, 4: step 1; a list 0.5, 1.0, 1.5: step 0.5
    grid = sliders(parse_scenario(_EXAMPLE + "sweep: {params: {cost: '0:4:5'}}"))[0]
    assert (grid.low, grid.high, grid.step) == (0.0, 4.0, 1.0)
    listed = sliders(parse_scenario(_EXAMPLE + "sweep: {params: {cost: [0.5, 1.0, 1.5]}}"))[0]
    assert (listed.low, listed.high, listed.step) == (0.5, 1.5, 0.5)


def test_a_range_that_leaves_out_the_scenario_value_is_widened_to_hold_it() -> None:
    # cost is 1 in the file; the sweep ranges over [2, 3]: the slider starts where the file says
    slider = sliders(parse_scenario(_EXAMPLE + "sweep: {params: {cost: '2:3'}}"))[0]
    assert (slider.low, slider.high, slider.value) == (1.0, 3.0, 1.0)


def test_a_selection_rule_in_the_sweep_is_not_a_slider() -> None:
    text = _EXAMPLE + "sweep: {params: {select: [first, risk_dominant]}}"
    assert [s.name for s in sliders(parse_scenario(text))] == ["cost", "A.x"]


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
@settings(max_examples=200, deadline=None)
def test_a_default_range_holds_the_value_and_has_a_positive_step(value: float) -> None:
    text = _EXAMPLE.replace("cost: 1.0", f"cost: {value!r}")
    slider = sliders(parse_scenario(text))[0]
    assert slider.low < value < slider.high or (value == 0 and slider.low == 0)  # room to move both ways
    assert slider.step > 0 and math.isfinite(slider.step)
    assert slider.step <= (slider.high - slider.low) or slider.high == slider.low


def test_the_offered_files_are_every_scenario_of_the_folder() -> None:
    offered = scenario_files(SCENARIOS)
    assert sorted(offered) == sorted(str(p.relative_to(SCENARIOS)) for p in ALL_SCENARIOS)
    top = [name for name in offered if "/" not in name]
    assert offered[: len(top)] == sorted(top)  # top-level files first
    assert scenario_files(SCENARIOS / "no-such-folder") == []


def test_a_file_outside_the_folder_is_refused(tmp_path: object) -> None:
    with pytest.raises(ScenarioError, match="not a scenario of"):
        load_file(SCENARIOS, "../pyproject.toml")
    assert load_file(SCENARIOS, str(SIMULTANEOUS.relative_to(SCENARIOS))).name == load_scenario(SIMULTANEOUS).name


def test_an_upload_is_checked_like_a_file_on_disk() -> None:
    with pytest.raises(ScenarioError) as upload:
        load_upload("folder/typo.yaml", b"name: x\nroundz: 3\n")
    message = str(upload.value)
    assert message.startswith("typo.yaml:2: roundz: unknown field 'roundz' (did you mean 'rounds'?)")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xfe garbage", "typo.yaml: not UTF-8 text (byte 0); save the scenario as UTF-8"),
        (b"#" * (UPLOAD_LIMIT + 1), f"typo.yaml: {UPLOAD_LIMIT + 1:,} bytes, more than the page reads"),
        (b"", "typo.yaml"),
    ],
    ids=["binary", "too-large", "empty"],
)
def test_a_bad_upload_is_named(data: bytes, expected: str) -> None:
    with pytest.raises(ScenarioError) as upload:
        load_upload("typo.yaml", data)
    assert str(upload.value).startswith(expected)


def test_the_page_message_carries_the_exact_bytes() -> None:
    raw = _EXAMPLE.encode()
    message = {"name": "tiny.yaml", "size": len(raw), "data": base64.b64encode(raw).decode()}
    assert read_upload(message).sha256 == parse_scenario(_EXAMPLE).sha256


@pytest.mark.parametrize(
    "message",
    [
        {"name": "big.yaml", "size": 10**7, "data": None},
        {"name": "big.yaml", "size": 10, "data": "A" * (4 * (UPLOAD_LIMIT // 3 + 2))},
    ],
    ids=["not-sent", "sent-anyway"],
)
def test_a_large_upload_is_refused_before_it_is_decoded(message: dict[str, object]) -> None:
    with pytest.raises(ScenarioError, match="more than the page reads"):
        read_upload(message)


def test_a_damaged_upload_is_named() -> None:
    with pytest.raises(ScenarioError, match="the upload arrived damaged"):
        read_upload({"name": "x.yaml", "size": 3, "data": "not base64!"})


def test_stepping_plays_the_same_rounds_as_a_run() -> None:
    # the session is the run of `diplosim run`, a round at a time: same tables
    scenario = load_scenario(SIMULTANEOUS)
    session = Session(scenario)
    for expected_round in (1, 2, 3):
        session.step()
        assert session.round == expected_round
    whole = play(scenario, rounds=3)
    stepped = session.tables()
    assert stepped.rounds_played == 3
    assert stepped.rounds.equals(whole.rounds)
    assert stepped.state.equals(whole.state)


def test_a_moved_value_replays_to_the_same_round_with_the_value() -> None:
    # cost 2 makes `go` pay 1 - 2 < 0: A stays
    session = Session(parse_scenario(_EXAMPLE))
    session.step()
    moved = session.with_value("cost", 2.0)
    assert moved.round == 1
    assert [p.labels for p in moved.plays()] == [("stay",)]
    assert moved.values == {"cost": 2.0}
    assert session.values == {}  # the old session is unchanged
    assert moved.restarted().round == 0 and moved.restarted().values == {"cost": 2.0}


def test_play_to_stops_at_the_last_round() -> None:
    session = Session(parse_scenario(_EXAMPLE))
    session.play_to(99)
    assert (session.round, session.running, session.stop_reason) == (2, False, "rounds")
    session.step()  # nothing once stopped
    assert session.round == 2


def test_an_error_in_a_round_stops_the_run_and_keeps_the_rounds_before() -> None:
    session = Session(parse_scenario(_FAILS_IN_ROUND_2))
    session.play_to(2)
    assert session.error is not None and "division by zero" in session.error
    assert (session.round, session.running, session.stop_reason) == (1, False, "error")
    tables = session.tables()
    assert tables.rounds_played == 1 and tables.error == session.error
    assert set(tables.rounds["round"]) == {1}


def test_the_file_comments_say_what_each_value_is() -> None:
    # the flagship says of every number what it models and where it comes from: each
    # slider carries that comment, continuation lines included
    found = {slider.name: slider.note for slider in sliders(load_scenario(FLAGSHIP))}
    assert all(found.values()), [name for name, note in found.items() if not note]
    assert found["G_H"] == "... when the EU holds back [assumption], 0-0.2"
    assert found["EU.pi"].startswith("the West's belief that Russia is resolved, prior pi0 [assumption], 0.05-0.9;")
    assert found["EU.pi"].endswith("a split EU sits between postures")


def test_a_section_comment_is_not_a_value_note() -> None:
    text = "parameters:\n  a: 1  # first\n  # --- a section ---\n  b: 2\n  c: {x: 1}  # not a number\n"
    assert value_notes(text) == {"a": "first"}


def test_a_value_written_as_a_whole_number_moves_in_whole_steps() -> None:
    # the flagship's theta is a switch (0 drawn, 1 resolved, 2 opportunistic): a slider over
    # [0, 1] in hundredths could not reach 2 and offered 0.99, which its formulas read as "not 1"
    found = {slider.name: slider for slider in sliders(load_scenario(FLAGSHIP))}
    theta = found["theta"]
    assert (theta.low, theta.high, theta.step) == (0.0, 2.0, 1.0)
    assert (found["K_EU"].low, found["K_EU"].high, found["K_EU"].step) == (0.0, 40.0, 1.0)  # K_EU: 20
    assert found["G_D"].step == 0.01  # G_D: 0.60, a decimal
