"""What the browser page shows of one game in one round, as plain data: the payoff
matrix with best responses marked (HTML), every equilibrium in words (exact fractions
where the solver checked them exactly) with the chosen one flagged, and the figures of
trees and bargaining games.

Every name and label comes from the scenario, the user's text: it is escaped before it
goes into HTML, so a label such as ``<script>`` is shown, never run.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.api import RunResult
from sim.errors import DiplosimError
from sim.game.bargaining import Bargaining
from sim.game.equilibrium import SolveResult
from sim.game.multi_issue import MultiIssueBargaining
from sim.game.normal_form import NormalFormGame, best_response_marks
from sim.game.readable import fraction_text
from sim.model.history import PARAMETERS, BargainingPlay, Play, TreePlay
from sim.model.results import RunTables
from sim.model.stage_games import bargaining_solutions
from sim.scenario.load import Scenario
from sim.solvers.multi_issue import kalai_smorodinsky_multi, nash_multi
from sim.solvers.trees import TreeEquilibrium, TreeSolveResult, exact_payoffs, profile_text, solve_tree
from sim.terminal import visible
from sim.viz.bargaining_report import TITLES, agreement_text, multi_agreement_text
from sim.viz.report import (
    CONCEPT_NAMES,
    equilibrium_text,
    matrix_heading,
    number,
    solve_status,
    story_line,
    strategy_meanings,
)

if TYPE_CHECKING:  # matplotlib is imported only when a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["EquilibriumRow", "GameView", "game_view", "matrix_html", "state_figure"]

#: The mark of a best response in a matrix cell (as in ``diplosim solve``).
BEST = "*"

Form = Literal["matrix", "tree", "bargaining"]


@dataclass(frozen=True)
class EquilibriumRow:
    """One equilibrium (or, for a bargaining game, one solution) as the page lists it.

    Attributes
    ----------
    text : str
        The strategies (``"EU: D 193/215, H 22/215 · Russia: R"``) or the agreement.
    payoffs : str
        ``"EU 1/2, Russia 3"``.
    chosen : bool
        The one the run played (selected by the scenario's rule).
    note : str
        What kind it is (``pure``, ``mixed``, the solution concept, what a tree's
        equilibrium satisfies).
    """

    text: str
    payoffs: str
    chosen: bool
    note: str


@dataclass(frozen=True)
class GameView:
    """A game of one round as the page shows it.

    Attributes
    ----------
    name : str
    form : str
        ``"matrix"``, ``"tree"`` or ``"bargaining"``.
    story : str
        What was played and why (the story line of ``diplosim run``).
    heading : str
        How to read the matrix, or what the picture shows.
    meanings : str
        What the strategies mean (empty when the scenario gives no descriptions).
    matrix : str
        The payoff matrix as an HTML table (empty for trees and bargaining games).
    status : str
        How many equilibria and whether the list is complete.
    equilibria : tuple of EquilibriumRow
    figure : callable or None
        Draws the tree or the bargaining picture (a matplotlib Figure), when there is one.
    large : bool
        The figure is a tree of more than :data:`SMALL_TREE_NODES` nodes: slow to draw and
        small print at the page's width (the page draws it when asked).
    """

    name: str
    form: Form
    story: str
    heading: str
    meanings: str
    matrix: str
    status: str
    equilibria: tuple[EquilibriumRow, ...]
    figure: Callable[[], Figure] | None = None
    large: bool = False


def game_view(play: Play | TreePlay | BargainingPlay, scenario: Scenario) -> GameView:
    """The view of one played game.

    Examples
    --------
    >>> from sim.app.session import Session
    >>> from sim.scenario.load import load_scenario
    >>> session = Session(load_scenario("scenarios/classics/matching_pennies.yaml"))
    >>> session.step()
    >>> view = game_view(session.plays()[0], session.model.scenario)
    >>> view.form, view.status, [(row.text, row.chosen) for row in view.equilibria]
    ('matrix', '1 equilibrium, complete list', [('Even: heads 1/2, tails 1/2 · Odd: heads 1/2, tails 1/2', True)])
    """
    story = visible(story_line(play, scenario).plain)
    if isinstance(play, TreePlay):
        return _tree_view(play, story)
    if isinstance(play, BargainingPlay):
        return _bargaining_view(play, scenario, story)
    result = play.result
    plan = next((p for p in scenario.games if p.name == play.game), None)
    meanings = strategy_meanings(plan) if plan is not None else ""
    chosen = play.selection.index
    rows = tuple(
        EquilibriumRow(
            visible(equilibrium_text(result.game, eq)),
            _payoffs(result.game.players, eq.payoffs.tolist()),
            k == chosen,
            "pure" if eq.is_pure else "mixed",
        )
        for k, eq in enumerate(result.equilibria)
    )
    return GameView(
        play.game,
        "matrix",
        story,
        visible(_how_to_read(result.game)),
        visible(meanings),
        matrix_html(result, play.profile),
        solve_status(result),
        rows,
    )


def _how_to_read(game: NormalFormGame) -> str:
    """How to read the page's matrix (with three or more players, a table per profile of the others)."""
    if game.n_players <= 2:
        return matrix_heading(game)
    row, column, *others = game.players
    return (
        f"{row} chooses the row, {column} the column, a table for each choice of {', '.join(others)}; "
        f"each cell: the payoffs of {', '.join(game.players)}, in that order"
    )


def _payoffs(players: Sequence[str], values: Sequence[float | Fraction]) -> str:
    """``"EU 163/250, Russia -69/80"``: exact fractions where short, else decimals."""
    shown = (fraction_text(v) if isinstance(v, Fraction) else number(float(v)) for v in values)
    return ", ".join(f"{visible(p)} {text}" for p, text in zip(players, shown))


#: Trees up to this many nodes also list their Nash equilibria that are not solutions
#: (a run solves for the solutions only): the non-credible threats a student should see.
SMALL_TREE_NODES = 40


def _with_threats(result: TreeSolveResult) -> TreeSolveResult:
    """The result with the Nash equilibria that are not solutions, for a small tree whose
    run listed its solutions only."""
    if len(result.game.nodes) > SMALL_TREE_NODES or not all(eq.satisfies(result.concept) for eq in result.equilibria):
        return result
    try:
        return solve_tree(result.game, result.concept, everything=True)
    except DiplosimError:  # a limit or a concept that cannot list more: the run's list stands
        return result


def _same(a: TreeEquilibrium, b: TreeEquilibrium) -> bool:
    return all(np.allclose(x, y) for x, y in zip(a.behaviour, b.behaviour))


def _tree_view(play: TreePlay, story: str) -> GameView:
    from sim.viz.tree_figure import draw_tree

    result = _with_threats(play.result)
    game = result.game
    rows = []
    for eq in result.equilibria:
        exact = exact_payoffs(game, eq.exact) if eq.exact is not None else None
        values: list[float | Fraction] = list(exact) if exact is not None else eq.payoffs.tolist()
        flags = [name for name, holds in (("solution", eq.satisfies(result.concept)),) if holds]
        if eq.subgame_perfect:
            flags.append("subgame perfect")
        if eq.sequentially_rational:
            flags.append("sequentially rational")
        moves = profile_text(game, eq) if any(game.infosets_of(p) for p in range(len(game.players))) else ""
        rows.append(
            EquilibriumRow(
                visible(moves or "no decisions: chance moves only"),
                _payoffs(game.players, values),
                _same(eq, play.chosen),
                ", ".join(flags) or "Nash only: its threat or promise off the path is not credible",
            )
        )
    count, solutions = len(result.equilibria), len(result.solutions)
    listed = "complete list" if result.complete else "possibly incomplete"
    status = f"{count} equilibri{'um' if count == 1 else 'a'}"
    concept = CONCEPT_NAMES.get(result.concept, result.concept)
    if solutions < count:
        status += f", {solutions} of them {concept}"
    elif count == solutions and len(game.nodes) > SMALL_TREE_NODES:
        status += f", all {concept} (the run solves for those; diplosim solve lists the other Nash equilibria)"
    status += f", {listed}"
    path = (*(move.node for move in play.path.moves), play.path.terminal)

    def figure() -> Figure:
        return draw_tree(game, play.chosen, realised=path, title=f"{visible(game.name)}, round {play.round}")

    heading = f"a game tree (solution concept {result.concept}): the chosen equilibrium's moves thick, the path red"
    large = len(game.nodes) > SMALL_TREE_NODES
    return GameView(play.game, "tree", story, heading, "", "", status, tuple(rows), figure, large)


def _bargaining_view(play: BargainingPlay, scenario: Scenario, story: str) -> GameView:
    problem = play.problem
    if not isinstance(problem, Bargaining):
        return _several_issues_view(play, problem, story)
    plan = scenario.bargaining(play.game)
    solutions, _ = bargaining_solutions(problem, alternating=plan.template.alternating)
    rows = _merged(
        [
            (visible(agreement_text(problem, s)), _payoffs(problem.parties, list(s.utilities)), TITLES[s.concept])
            for s in solutions
        ]
    )

    def figure() -> Figure:
        from sim.viz.bargaining_plots import negotiation_offers, utility_frontier
        from sim.viz.plots import new_figure

        drawn = new_figure((12, 4.6))
        frontier, offers = drawn.subplots(1, 2)
        utility_frontier(problem, solutions, ax=frontier)
        negotiation_offers(play.negotiation, problem, ax=offers)
        drawn.suptitle(f"{visible(problem.name)}, round {play.round}")
        return drawn

    heading = "the utility frontier with its solutions, and the offers made this round"
    return GameView(
        play.game, "bargaining", story, heading, "", "", _solutions_status(len(solutions), rows), rows, figure
    )


def _several_issues_view(play: BargainingPlay, problem: MultiIssueBargaining, story: str) -> GameView:
    """Nash and Kalai-Smorodinsky over several issues (numeric; no picture)."""
    found = (nash_multi(problem), kalai_smorodinsky_multi(problem))
    rows = [
        (visible(multi_agreement_text(problem, s)), _payoffs(problem.parties, list(s.utilities)), TITLES[s.concept])
        for s in found
    ]
    precision = f"within {found[0].tolerance:g} of each range"
    heading = f"a negotiation over {len(problem.issues)} issues: numeric solutions, {precision}"
    merged = _merged(rows)
    return GameView(play.game, "bargaining", story, heading, "", "", _solutions_status(len(found), merged), merged)


def _solutions_status(count: int, rows: Sequence[EquilibriumRow]) -> str:
    """``"3 solutions, all the same outcome"`` when the concepts agree."""
    if len(rows) == 1 and count > 1:
        return f"{count} solutions, all the same outcome"
    if len(rows) < count:
        return f"{count} solutions, {len(rows)} outcomes"
    return f"{count} solutions"


def _merged(rows: Sequence[tuple[str, str, str]]) -> tuple[EquilibriumRow, ...]:
    """One row per distinct outcome, naming every concept that gives it (Nash,
    Kalai-Smorodinsky and Rubinstein often agree, and all say "no agreement" when the range is empty)."""
    merged: dict[tuple[str, str], list[str]] = {}
    for text, payoffs, concept in rows:
        merged.setdefault((text, payoffs), []).append(concept)
    return tuple(
        EquilibriumRow(text, payoffs, False, ", ".join(concepts)) for (text, payoffs), concepts in merged.items()
    )


def matrix_html(result: SolveResult, played: Sequence[int] = ()) -> str:
    """The payoff matrix as an HTML table: rows the first player's strategies, columns
    the second's, each cell every player's payoff with ``*`` on best responses (bold),
    the cell played shaded. With three or more players, a table per profile of the
    others; with one, a column.

    Examples
    --------
    >>> from sim.game.normal_form import NormalFormGame
    >>> from sim.solvers.registry import solve
    >>> pd_game = NormalFormGame.from_matrices("pd", ("R", "C"), (("C", "D"), ("C", "<D>")),
    ...                                        [[3, 0], [5, 1]], [[3, 5], [0, 1]])
    >>> table = matrix_html(solve(pd_game), (1, 1))
    >>> "&lt;D&gt;" in table, table.count("<b>1*</b>")
    (True, 2)
    """
    game = result.game
    marks = best_response_marks(game)
    if game.n_players == 1:
        return _column(game, marks, played)
    others = [range(n) for n in game.shape[2:]]
    tables = []
    for rest in itertools.product(*others):
        caption = ""
        if rest:
            fixed = (
                f"{html.escape(visible(game.players[2 + k]))} plays {html.escape(visible(game.strategies[2 + k][s]))}"
                for k, s in enumerate(rest)
            )
            caption = f"<caption>when {', '.join(fixed)}</caption>"
        tables.append(_table(game, marks, played, tuple(rest), caption))
    return "\n".join(tables)


def _cell(game: NormalFormGame, marks: np.ndarray, profile: tuple[int, ...]) -> str:
    parts = []
    for p in range(game.n_players):
        text = number(float(game.payoffs[(*profile, p)]))
        parts.append(f"<b>{text}{BEST}</b>" if marks[(*profile, p)] else text)
    return ", ".join(parts)


def _table(game: NormalFormGame, marks: np.ndarray, played: Sequence[int], rest: tuple[int, ...], caption: str) -> str:
    row_player, column_player = (html.escape(visible(name)) for name in game.players[:2])
    head = "".join(f"<th>{html.escape(visible(label))}</th>" for label in game.strategies[1])
    lines = [f'<table class="diplosim-matrix">{caption}<tr><th>{row_player} \\ {column_player}</th>{head}</tr>']
    for i, label in enumerate(game.strategies[0]):
        cells = []
        for j in range(game.shape[1]):
            profile = (i, j, *rest)
            shaded = ' class="played"' if tuple(played) == profile else ""
            cells.append(f"<td{shaded}>{_cell(game, marks, profile)}</td>")
        lines.append(f"<tr><th>{html.escape(visible(label))}</th>{''.join(cells)}</tr>")
    lines.append("</table>")
    return "".join(lines)


def _column(game: NormalFormGame, marks: np.ndarray, played: Sequence[int]) -> str:
    player = html.escape(visible(game.players[0]))
    lines = [f'<table class="diplosim-matrix"><tr><th>{player}</th><th>payoff</th></tr>']
    for s, label in enumerate(game.strategies[0]):
        shaded = ' class="played"' if tuple(played) == (s,) else ""
        lines.append(f"<tr><th>{html.escape(visible(label))}</th><td{shaded}>{_cell(game, marks, (s,))}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


#: Parameters that the dynamics change drawn at most in the state figure, beyond the
#: actors' own variables (the flagship has dozens of counters).
MOST_PARAMETER_LINES = 8


def state_figure(tables: RunTables) -> Figure:
    """The state over rounds as the page draws it: every actor's variables, a panel per
    actor, and the first :data:`MOST_PARAMETER_LINES` parameters the dynamics change."""
    state = tables.state
    actors = state[state["actor"] != PARAMETERS]
    variables = list(dict.fromkeys(f"{a}.{v}" for a, v in zip(actors["actor"], actors["variable"])))
    dynamic = list(tables.scenario.dynamic_parameters[:MOST_PARAMETER_LINES])
    return RunResult.of(tables).plot_state(variables + dynamic)
