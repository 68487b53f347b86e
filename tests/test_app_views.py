"""What the browser page shows of a game (sim.app.views): matrices with best responses
marked, every equilibrium in words with the chosen one, trees and bargaining pictures,
and the scenario's text always escaped."""

from __future__ import annotations

import html
import itertools
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.app.session import Session
from sim.app.views import game_view, matrix_html, state_figure
from sim.game.normal_form import NormalFormGame, best_response_marks
from sim.game.readable import MAX_READABLE_DENOMINATOR
from sim.scenario.load import load_scenario
from sim.solvers.registry import solve
from sim.viz.report import equilibrium_text
from tests.conftest import FLAGSHIP, SCENARIOS, SIMULTANEOUS

_PRISONERS = NormalFormGame.from_matrices(
    "pd", ("Row", "Col"), (("C", "D"), ("C", "D")), [[3, 0], [5, 1]], [[3, 5], [0, 1]]
)


def _cells(table: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", table)


def test_the_matrix_bolds_exactly_the_best_responses() -> None:
    # prisoner's dilemma: D is each player's best response to anything, so in row-major
    # cells (C,C) (C,D) (D,C) (D,D) the marks are: -, Col's, Row's, both
    table = matrix_html(solve(_PRISONERS), (1, 1))
    assert _cells(table) == ["3, 3", "0, <b>5*</b>", "<b>5*</b>, 0", "<b>1*</b>, <b>1*</b>"]
    assert table.count('class="played"') == 1
    assert re.search(r'<td class="played"><b>1\*</b>, <b>1\*</b></td>', table)


@given(st.lists(st.integers(-3, 3), min_size=12, max_size=12), st.integers(0, 5))
@settings(max_examples=60, deadline=None)
def test_every_marked_cell_is_a_best_response_for_any_payoffs(values: list[int], played: int) -> None:
    # 3x2 game from 12 integers: the bold entries are those best_response_marks says, no others
    payoffs = np.array(values, dtype=float).reshape(3, 2, 2)
    game = NormalFormGame("g", ("R", "C"), (("a", "b", "c"), ("x", "y")), payoffs)
    table = matrix_html(solve(game), divmod(played, 2))
    marks = best_response_marks(game)
    cells = _cells(table)
    for (i, j), cell in zip(itertools.product(range(3), range(2)), cells):
        parts = cell.split(", ")
        assert [part.startswith("<b>") for part in parts] == [bool(marks[i, j, p]) for p in (0, 1)]


def test_a_game_of_four_players_gets_a_table_per_profile_of_the_others() -> None:
    scenario = load_scenario(SCENARIOS / "eu_russia_ukraine_joint.yaml")
    session = Session(scenario)
    session.step()
    plays = [p for p in session.plays() if getattr(p, "result", None) is not None]
    four = next(p for p in plays if p.result.game.n_players == 4)
    game = four.result.game
    table = matrix_html(four.result, four.profile)
    others = int(np.prod(game.shape[2:]))
    assert table.count("<table") == others
    assert table.count("<caption>when ") == others
    assert table.count('class="played"') == 1


def test_the_labels_are_shown_never_run() -> None:
    # scenario labels are letters, digits and _ . + - only, but games come from Gambit files
    # and the API too: every name and label is escaped into the HTML, markup shown as text
    game = NormalFormGame.from_matrices(
        "g",
        ("<i>A</i>", "B"),
        (("<b>x</b>", "y & z"), ("<img src=x onerror=alert(2)>", "w")),
        [[1, 0], [0, 1]],
        [[1, 0], [0, 1]],
    )
    table = matrix_html(solve(game))
    assert "<b>x</b>" not in table and "&lt;b&gt;x&lt;/b&gt;" in table
    assert "<img" not in table and html.escape("<img src=x onerror=alert(2)>") in table
    assert "y &amp; z" in table and "&lt;i&gt;A&lt;/i&gt;" in table


@given(st.text(min_size=1, max_size=12))
@settings(max_examples=100, deadline=None)
def test_no_label_can_open_a_tag_in_the_matrix(label: str) -> None:
    game = NormalFormGame.from_matrices(
        "g", ("R", "C"), ((label, "other"), ("x", "y")), [[1, 0], [0, 1]], [[1, 0], [0, 1]]
    )
    table = matrix_html(solve(game))
    tags = set(re.findall(r"<(/?[a-z]+)", table))
    assert tags <= {"table", "/table", "tr", "/tr", "th", "/th", "td", "/td", "b", "/b", "caption", "/caption"}


def test_every_equilibrium_is_listed_with_fractions_and_the_chosen_one_flagged() -> None:
    scenario = load_scenario(SIMULTANEOUS)
    session = Session(scenario)
    session.step()
    for play in session.plays():
        view = game_view(play, session.model.scenario)
        assert [row.text for row in view.equilibria] == [
            equilibrium_text(play.result.game, eq) for eq in play.result.equilibria
        ]
        assert [row.chosen for row in view.equilibria].count(True) == 1
        assert view.equilibria[play.selection.index].chosen
    troops = next(game_view(p, scenario) for p in session.plays() if p.game == "troop_deployment")
    # the mixed equilibrium of the v1 troop game, in exact fractions (see tests/test_flagship.py)
    assert any("193/215" in row.text and row.note == "mixed" for row in troops.equilibria)


def test_a_tree_lists_its_equilibria_with_exact_payoffs_and_draws_the_path() -> None:
    session = Session(load_scenario(FLAGSHIP))
    session.step()
    crisis = next(p for p in session.plays() if p.game == "crisis")
    view = game_view(crisis, session.model.scenario)
    assert view.form == "tree" and view.matrix == ""
    assert [row.chosen for row in view.equilibria].count(True) == 1
    chosen = next(row for row in view.equilibria if row.chosen)
    assert "solution" in chosen.note and re.search(r"-?\d+/\d+", chosen.payoffs)
    assert view.figure is not None
    figure = view.figure()
    assert figure.axes[0].get_title() == "crisis, round 1"


def test_a_chance_only_tree_says_so() -> None:
    session = Session(load_scenario(FLAGSHIP))
    session.step()
    draw = next(p for p in session.plays() if p.game == "russia_type")
    assert game_view(draw, session.model.scenario).equilibria[0].text == "no decisions: chance moves only"


def test_a_bargaining_game_lists_its_solutions_and_draws_frontier_and_offers() -> None:
    session = Session(load_scenario(SCENARIOS / "classics" / "fearon_bargaining_range.yaml"))
    session.step()
    play = session.plays()[0]
    view = game_view(play, session.model.scenario)
    assert view.form == "bargaining"
    concepts = [concept for row in view.equilibria for concept in row.note.split(", ")]
    assert sorted(concepts) == ["Kalai-Smorodinsky", "Nash", "Rubinstein (alternating offers)"]
    assert len({row.text for row in view.equilibria}) == len(view.equilibria)  # one row per distinct outcome
    assert view.figure is not None
    titles = [ax.get_title() for ax in view.figure().axes]
    assert any("bargaining over" in t for t in titles) and any("offers over" in t for t in titles)


def test_the_state_figure_of_a_session_is_the_run_figure() -> None:
    session = Session(load_scenario(SIMULTANEOUS))
    session.play_to(2)
    figure = state_figure(session.tables())
    assert figure.axes and figure.axes[-1].get_xlabel() == "round (0 = start)"


def test_a_small_tree_also_lists_the_nash_equilibria_with_threats_that_are_not_credible() -> None:
    # entry deterrence: (In, Accommodate) is the backward-induction solution; (Out, Fight) is
    # Nash only, held up by the incumbent's threat to fight, which it would not carry out
    session = Session(load_scenario(SCENARIOS / "classics" / "entry_deterrence.yaml"))
    session.step()
    view = game_view(session.plays()[0], session.model.scenario)
    rows = {row.text: row for row in view.equilibria}
    assert set(rows) == {"Entrant: In; Incumbent: Accommodate", "Entrant: Out; Incumbent: Fight"}
    assert rows["Entrant: In; Incumbent: Accommodate"].chosen
    assert rows["Entrant: Out; Incumbent: Fight"].note.startswith("Nash only")
    assert view.status == "2 equilibria, 1 of them backward-induction, complete list"


def test_a_negotiation_over_several_issues_lists_its_numeric_solutions() -> None:
    session = Session(load_scenario(SCENARIOS / "classics" / "logrolling.yaml"))
    session.step()
    view = game_view(session.plays()[0], session.model.scenario)
    assert view.figure is None and view.heading.startswith("a negotiation over 2 issues")
    concepts = [concept for row in view.equilibria for concept in row.note.split(", ")]
    assert sorted(concepts) == ["Kalai-Smorodinsky", "Nash"]
    assert all(" = " in row.text for row in view.equilibria)


def test_float_noise_is_never_shown_as_a_fraction() -> None:
    # the zone talks' disagreement values come from fatigue, a float state variable (1.015,
    # 1.03, ...): carried exactly they are fractions over 10**16; the page shows decimals
    session = Session(load_scenario(FLAGSHIP))
    session.play_to(6)
    for round_number in range(1, session.round + 1):
        for play in session.plays(round_number):
            view = game_view(play, session.model.scenario)
            for row in view.equilibria:
                for denominator in re.findall(r"\d+/(\d+)", row.text + row.payoffs):
                    assert int(denominator) <= MAX_READABLE_DENOMINATOR, (row.text, row.payoffs)
