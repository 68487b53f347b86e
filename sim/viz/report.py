"""Human-readable and JSON views of solved games and runs.

Used by the command line and usable in a notebook: payoff matrices with best
responses marked, equilibria as exact fractions where they were checked exactly, and
the round-by-round story of a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim.game.bargaining import Bargaining
from sim.game.equilibrium import Equilibrium, SolveResult
from sim.game.normal_form import NormalFormGame, best_response_marks
from sim.game.readable import fraction_text
from sim.model.history import BargainingPlay, Play, TreePlay
from sim.scenario.load import Scenario
from sim.scenario.semantics import GamePlan
from sim.solvers.dominance import iterated_elimination
from sim.solvers.protocols import Offer
from sim.solvers.selection import risk_dominance
from sim.terminal import shown

if TYPE_CHECKING:
    from sim.model.results import RunTables as RunResult

__all__ = [
    "CONCEPT_NAMES",
    "StoryPrinter",
    "equilibrium_text",
    "game_table",
    "matrix_heading",
    "print_solved",
    "print_story",
    "risk_comparisons",
    "solve_status",
    "solved_json",
    "story_line",
    "strategy_meanings",
]

_BEST = "*"


def number(value: float) -> str:
    """Compact decimal form of a payoff or state value.

    Examples
    --------
    >>> number(1.4), number(-0.0), number(2 / 3), number(1.2475)
    ('1.4', '0', '0.6667', '1.248')
    """
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def game_table(result: SolveResult) -> Table:
    """The payoff matrix (two players) or payoff column (one player) as a table;
    ``*`` marks each player's best responses."""
    game = result.game
    marks = best_response_marks(game)
    if game.n_players == 1:
        table = Table()
        table.add_column(shown(game.players[0]))
        table.add_column("payoff", justify="right")
        for s, label in enumerate(game.strategies[0]):
            table.add_row(shown(label), number(game.payoffs[s, 0]) + (_BEST if marks[s, 0] else ""))
        return table
    row, column = game.players
    table = Table()
    table.add_column(shown(f"{row} \\ {column}"))
    for label in game.strategies[1]:
        table.add_column(shown(label), justify="center")
    for i, label in enumerate(game.strategies[0]):
        cells = []
        for j in range(game.shape[1]):
            pair = [number(game.payoffs[i, j, p]) + (_BEST if marks[i, j, p] else "") for p in (0, 1)]
            cells.append(", ".join(pair))
        table.add_row(shown(label), *cells)
    return table


def matrix_heading(game: NormalFormGame) -> str:
    """How to read a game's matrix: who chooses the row and the column, what a cell holds."""
    if game.n_players == 1:
        return f"a decision of {game.players[0]}"
    if game.n_players > 2:
        profiles = int(np.prod(game.shape))
        return f"{', '.join(game.players)} choose at once; {profiles} profiles (all payoffs: --json)"
    row, column = game.players
    return f"{row} chooses the row, {column} the column; each cell: payoff of {row}, payoff of {column}"


def equilibrium_text(game: NormalFormGame, eq: Equilibrium) -> str:
    """``"EU: D · Russia: R"`` for a pure equilibrium; for a mixed one each player's
    strategies played with positive probability, e.g. ``"EU: D 193/215, H 22/215"``."""
    parts = []
    for i, player in enumerate(game.players):
        support = eq.support(i)
        if len(support) == 1:
            parts.append(f"{player}: {game.strategies[i][support[0]]}")
        else:
            mix = ", ".join(f"{game.strategies[i][s]} {_readable_probability(eq, i, s)}" for s in support)
            parts.append(f"{player}: {mix}")
    return " · ".join(parts)


def _readable_probability(eq: Equilibrium, player: int, strategy: int) -> str:
    """A probability for reading: its exact fraction when short, else a decimal."""
    if eq.exact is not None:
        return fraction_text(eq.exact[player][strategy])
    return eq.probability_text(player, strategy)


def solve_status(result: SolveResult) -> str:
    """``"2 equilibria, complete list"``: how many equilibria and how sure the list is."""
    count = len(result.equilibria)
    words = [f"{count} equilibri{'um' if count == 1 else 'a'}"]
    words.append("complete list" if result.complete else "the method may miss some")
    if result.degenerate:
        words.append("degenerate game: extreme equilibria shown")
    return ", ".join(words)


def strategy_meanings(plan: GamePlan) -> str:
    """What the strategies mean, one line: ``EU: D = deploy, H = hold back; Russia: ...``
    (empty when the scenario gives no descriptions).

    Examples
    --------
    >>> from sim.scenario.load import load_scenario
    >>> meanings = strategy_meanings(load_scenario("scenarios/troop_deployment.yaml").game("troop_deployment"))
    >>> for part in meanings.split("; "):
    ...     print(part)
    EU: D = deploy a reassurance force, M = send monitors, H = hold back
    Russia: R = restrain, E = escalate against the force
    """
    parts = []
    for player, labels, texts in zip(plan.players, plan.strategies, plan.descriptions or ()):
        meant = [f"{label} = {text}" for label, text in zip(labels, texts) if text]
        if meant:
            parts.append(f"{player}: {', '.join(meant)}")
    return "; ".join(parts)


def print_solved(results: Sequence[SolveResult], console: Console, plans: Mapping[str, GamePlan] | None = None) -> None:
    """Print each game's matrix, its equilibria with payoffs, and the teaching view:
    iterated elimination of strictly dominated strategies and risk dominance; with the
    games' ``plans``, what their strategies mean.

    Names and labels are the user's text: they are printed as they are, never read as
    markup, with control characters made visible (see :mod:`sim.terminal`)."""
    for result in results:
        game = result.game
        console.print(shown((game.name, "bold"), f"  {matrix_heading(game)}"))
        plan = (plans or {}).get(game.name)
        if plan is not None and (meanings := strategy_meanings(plan)):
            console.print(shown(("Strategies: ", "bold"), meanings))
        if game.n_players <= 2:
            console.print(game_table(result))
            console.print(shown((f"{_BEST} marks a best response to the other players' strategy.", "dim")))
        console.print(shown(("Equilibria", "bold"), f" ({solve_status(result)}; solver {result.method}):"))
        for k, eq in enumerate(result.equilibria, start=1):
            kind = "pure " if eq.is_pure else "mixed"
            payoffs = ", ".join(number(x) for x in eq.payoffs)
            console.print(shown(f"  {k}. {kind}  {equilibrium_text(game, eq)}   payoffs ({payoffs})"))
        if result.degenerate and len(result.components) < len(result.equilibria):
            groups = "; ".join("{" + ", ".join(str(k + 1) for k in c) + "}" for c in result.components)
            console.print(f"  Components (extreme equilibria joined by segments of equilibria): {groups}")
        for note in result.notes:
            console.print(shown("  ", (f"note: {note}", "dim")))
        console.print(shown(("Strictly dominated strategies", "bold"), " (iterated elimination):"))
        for line in iterated_elimination(game).text(game).splitlines():
            console.print(shown(f"  {line}"))
        for text in _risk_lines(result):
            console.print(text)
        console.print()


def _risk_lines(result: SolveResult) -> list[Text]:
    comparisons = risk_comparisons(result)
    if not comparisons:
        return []
    lines = [
        shown(("Risk dominance", "bold"), " (Harsanyi-Selten, in the 2x2 game of the two equilibria's strategies):")
    ]
    for first, second, mine, theirs in comparisons:
        a = equilibrium_text(result.game, result.equilibria[first])
        b = equilibrium_text(result.game, result.equilibria[second])
        if mine == theirs:
            lines.append(
                shown(f"  ({a}) and ({b}): neither risk-dominates; products of deviation losses {number(mine)}")
            )
            continue
        (winner, high), (loser, low) = sorted([(a, mine), (b, theirs)], key=lambda pair: -pair[1])
        lines.append(
            shown(f"  ({winner}) risk-dominates ({loser}): products of deviation losses {number(high)} > {number(low)}")
        )
    return lines


def risk_comparisons(result: SolveResult) -> list[tuple[int, int, float, float]]:
    """Two players: for each pair of pure equilibria not sharing a strategy, their
    indices and products of deviation losses (see :func:`sim.solvers.selection.risk_dominance`)."""
    game = result.game
    if game.n_players != 2:
        return []
    pure = [k for k, eq in enumerate(result.equilibria) if eq.is_pure]
    found = []
    for i, first in enumerate(pure):
        for second in pure[i + 1 :]:
            a, b = result.equilibria[first], result.equilibria[second]
            if set(a.support(0)) & set(b.support(0)) or set(a.support(1)) & set(b.support(1)):
                continue
            mine, theirs = risk_dominance(game, a, b)
            found.append((first, second, mine, theirs))
    return found


def solved_json(results: Sequence[SolveResult], plans: Mapping[str, GamePlan] | None = None) -> dict[str, Any]:
    """Machine-readable form of solved games (the ``--json`` output).

    Probabilities are exact fraction strings when checked exactly, decimal strings
    otherwise; ``exact`` says which, per equilibrium. With the games' ``plans``,
    ``descriptions`` says what each strategy means (player -> label -> text, for the
    strategies the scenario describes).
    """
    games = []
    for result in results:
        game = result.game
        plan = (plans or {}).get(game.name)
        described = _descriptions(plan) if plan is not None and plan.strategies == game.strategies else {}
        games.append(
            {
                "name": game.name,
                "players": list(game.players),
                "strategies": {p: list(game.strategies[i]) for i, p in enumerate(game.players)},
                "method": result.method,
                "degenerate": result.degenerate,
                "complete": result.complete,
                "payoffs": {
                    ", ".join(game.labels_of(index)): [float(x) for x in game.payoffs[index]]
                    for index in game.profiles()
                },
                "equilibria": [
                    {
                        player: {label: eq.probability_text(i, s) for s, label in enumerate(game.strategies[i])}
                        for i, player in enumerate(game.players)
                    }
                    for eq in result.equilibria
                ],
                "equilibrium_payoffs": [
                    {player: float(eq.payoffs[i]) for i, player in enumerate(game.players)} for eq in result.equilibria
                ],
                "exact": [eq.exact is not None for eq in result.equilibria],
                "components": [list(c) for c in result.components],
                "nash_subsets": [list(c) for c in result.nash_subsets],
                "notes": list(result.notes),
                **({"descriptions": described} if described else {}),
                **_teaching_json(result),
            }
        )
    return {"games": games}


def _descriptions(plan: GamePlan) -> dict[str, dict[str, str]]:
    found = {
        player: {label: text for label, text in zip(labels, texts) if text}
        for player, labels, texts in zip(plan.players, plan.strategies, plan.descriptions or ())
    }
    return {player: texts for player, texts in found.items() if texts}


def _teaching_json(result: SolveResult) -> dict[str, Any]:
    game = result.game
    elimination = iterated_elimination(game)
    steps = [
        [
            {
                "player": game.players[d.player],
                "strategy": game.strategies[d.player][d.strategy],
                "dominated_by": {game.strategies[d.player][t]: w for t, w in d.dominator},
                "margin": d.margin,
            }
            for d in step
        ]
        for step in elimination.steps
    ]
    risk = [
        {"equilibria": [first, second], "products": [mine, theirs]}
        for first, second, mine, theirs in risk_comparisons(result)
    ]
    remaining = {p: list(kept) for p, kept in zip(game.players, elimination.labels(game))}
    return {"elimination": steps, "undominated": remaining, "risk_dominance": risk}


def _play_line(play: Play, plan: GamePlan | None = None) -> Text:
    result = play.result
    game = result.game
    eq = play.selection.chosen(result)
    described = plan is not None and plan.strategies == game.strategies
    actions = " · ".join(
        f"{p} {plan.described(i, label) if plan is not None and described else label}"
        for i, (p, label) in enumerate(zip(game.players, play.labels))
    )
    count = len(result.equilibria)
    why = "the only equilibrium" if count == 1 else f"{count} equilibria, chosen by {play.selection.reason}"
    if not eq.is_pure:
        why += f"; mixed {equilibrium_text(game, eq)}, played by chance"
    if result.degenerate:
        why += "; degenerate game"
    if not result.complete:
        why += "; list may be incomplete"
    return shown(f"{actions:<28}  ", (why, "dim"))


#: How the solution concepts of trees read in a sentence.
CONCEPT_NAMES = {
    "pbe": "perfect Bayesian",
    "subgame_perfect": "subgame-perfect",
    "backward_induction": "backward-induction",
    "nash": "Nash",
}


def _tree_play_line(play: TreePlay) -> Text:
    """The path played (``Entrant In → chance storm``) and why: how many solutions of the
    concept there were and which rule chose."""
    result = play.result
    path = " → ".join(f"{move.actor} {move.move}" for move in play.path.moves)
    count = len(result.solutions)
    concept = CONCEPT_NAMES.get(result.concept, result.concept)
    why = f"the only {concept} solution" if count == 1 else f"{count} {concept} solutions, chosen by {play.rule}"
    if not play.chosen.is_pure:
        why += "; mixed, played by chance"
    if not result.complete:
        why += "; list may be incomplete"
    payoffs = ", ".join(f"{player} {number(value)}" for player, value in zip(result.game.players, play.path.payoffs))
    return shown(f"{path}  ", (f"{why}; payoffs {payoffs}", "dim"))


#: How a negotiation's outcome reads in the story.
_OUTCOME_WORDS = {
    "agreement": "agreed",
    "deadline": "no offer accepted by the deadline",
    "breakdown": "talks broke down",
    "no_range": "no agreement both prefer to disagreeing: nothing offered",
    "rejected": "the offer was rejected",
    "no_offer": "no offer made: disagreeing is worth more to the proposer",
}


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


def _offer_text(play: BargainingPlay, offer: Offer) -> str:
    """An offer for reading: ``24 km`` over one issue, ``(width 20 km, monitors 3)`` over several."""
    values = play.values(offer)
    if len(values) == 1:
        return f"{number(values[0])}{_unit(play.units[0])}"
    shown_values = zip(play.issues, values, play.units, strict=True)
    return "(" + ", ".join(f"{issue} {number(value)}{_unit(unit)}" for issue, value, unit in shown_values) + ")"


def _bargaining_line(play: BargainingPlay) -> Text:
    """``EU 30 km → Russia 18 km → EU 24 km, agreed on 24 km at offer 3``: the offers made
    (the first and last few when there are many) and how the talks ended."""
    problem, negotiation = play.problem, play.negotiation
    offers = [f"{step.proposer} {_offer_text(play, step.offer)}" for step in negotiation.steps]
    if len(offers) > SHOWN_OFFERS:
        offers = [*offers[:2], f"… {len(offers) - 4} more …", *offers[-2:]]
    path = " → ".join(offers) if offers else "no offer"
    words = _OUTCOME_WORDS[negotiation.outcome]
    if negotiation.agreed:
        assert negotiation.agreement is not None
        agreed = zip(play.issues, play.values(negotiation.agreement), play.units, strict=True)
        on = ", ".join(f"{issue} = {number(value)}{_unit(unit)}" for issue, value, unit in agreed)
        words += f" on {on} at offer {len(negotiation.steps)}"
    if play.type is not None and isinstance(problem, Bargaining):
        words += f"; {problem.parties[1 - problem.first]} was {play.type}"
    if play.war_probability is not None:
        words += f"; chance of war the proposer's offer risked {number(float(play.war_probability))}"
    payoffs = ", ".join(f"{p} {number(float(u))}" for p, u in zip(problem.parties, negotiation.utilities))
    return shown(f"{path}  ", (f"{words}; payoffs {payoffs}", "dim"))


#: The most offers a story line lists one by one.
SHOWN_OFFERS = 6


def _changes(before: dict[str, float], after: dict[str, float]) -> str:
    moved = [
        f"{key} {number(before[key])} → {number(value)}"
        for key, value in after.items()
        if key in before and number(before[key]) != number(value)
    ]
    return ", ".join(moved) if moved else "no change"


def print_story(result: RunResult, console: Console) -> None:
    """The run round by round: what was played and why, and what the state did.

    The scenario's text (its name, names, labels, the stop condition) is printed as it
    is, never read as markup, with control characters made visible (see :mod:`sim.terminal`).
    To print it while the run is played, see :class:`StoryPrinter`."""
    StoryPrinter(console).end(result)


class StoryPrinter:
    """The story of a run printed as it is played: the heading and each round as soon as
    it is played (standard output flushed after each, so a pipe sees it at once too), the
    ending once the run is over. :func:`print_story` prints the same text at once.

    An instance is the ``on_round`` hook of :func:`sim.run` (:func:`sim.model.results.play`);
    :meth:`end` prints what is left, for a finished run or one stopped by an error.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> from sim.model.results import play
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> console = Console(file=io.StringIO(), width=100)
    >>> printer = StoryPrinter(console)
    >>> result = play(parse_scenario(_EXAMPLE), on_round=printer)
    >>> [line for line in console.file.getvalue().splitlines() if line.startswith(("tiny", "Round"))]
    ['tiny  (seed 0, up to 2 rounds)', 'Round 1', 'Round 2']
    >>> printer.end(result)
    >>> "played all 2 rounds" in console.file.getvalue().splitlines()
    True
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self._headed = False
        self._printed = 0  # rounds printed
        self._seen = (0, 0, 0)  # records of the history already printed: plays, tree plays, bargaining plays

    def __call__(self, run: RunResult) -> None:
        """Print the heading (the first time) and the rounds played since the last call."""
        if not self._headed:
            self._heading(run)
            self._headed = True
        history = run.history
        lists: tuple[list[Any], list[Any], list[Any]] = (history.plays, history.tree_plays, history.bargaining_plays)
        new = [record for seen, records in zip(self._seen, lists) for record in records[seen:]]
        self._seen = (len(history.plays), len(history.tree_plays), len(history.bargaining_plays))
        order = {plan.name: k for k, plan in enumerate(run.scenario.stages)}
        by_round: dict[int, list[Play | TreePlay | BargainingPlay]] = {}
        for play in sorted(new, key=lambda p: (p.round, order[p.game])):
            by_round.setdefault(play.round, []).append(play)
        for round_number in range(self._printed + 1, run.rounds_played + 1):
            self._round(run, round_number, by_round.get(round_number, []))
        self._printed = max(self._printed, run.rounds_played)
        self.console.file.flush()

    def end(self, run: RunResult) -> None:
        """Print the rounds not printed yet and how the run ended, with the state at its
        start and end."""
        from sim.model.results import ERROR  # pandas: only for a run's story, not solve's

        self(run)
        scenario = run.scenario
        if run.stop_reason == ERROR:
            ending = f"stopped by an error in round {run.rounds_played + 1}, after {run.rounds_played} rounds played"
        elif run.stop_reason == "stop_when" and scenario.stop_when is not None:
            ending = f"stopped after round {run.rounds_played}: {scenario.stop_when.text}"
        else:
            ending = f"played all {run.rounds_played} rounds"
        self.console.print(shown((ending, "bold")))
        if run.history.state_at(0):
            self.console.print(_final_table(run))
        self.console.file.flush()

    def _heading(self, run: RunResult) -> None:
        scenario = run.scenario
        self.console.print(shown((scenario.name, "bold"), f"  (seed {run.seed}, up to {run.max_rounds} rounds)"))
        if scenario.overrides:
            changes = (f"{k} = {v if isinstance(v, str) else number(v)}" for k, v in scenario.overrides.items())
            self.console.print(shown("changed: " + ", ".join(changes)))

    def _round(self, run: RunResult, round_number: int, plays: list[Play | TreePlay | BargainingPlay]) -> None:
        self.console.print(shown((f"Round {round_number}", "bold")))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", min_width=16)
        grid.add_column()
        for play in plays:
            grid.add_row(shown(f"  {play.game}"), story_line(play, run.scenario))
        before = run.history.state_at(round_number - 1)
        after = run.history.state_at(round_number)
        if after:
            grid.add_row("  state", shown((_changes(before, after), "cyan")))
        self.console.print(grid)


def story_line(play: Play | TreePlay | BargainingPlay, scenario: Scenario) -> Text:
    """One game of one round as the story tells it: what was played and why (the
    strategies with their descriptions, the path through a tree, the offers made).

    Examples
    --------
    >>> from sim.model.results import play
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> run = play(parse_scenario(_EXAMPLE))
    >>> story_line(run.history.plays[0], run.scenario).plain.split("  ")[0]
    'A go'
    """
    if isinstance(play, TreePlay):
        return _tree_play_line(play)
    if isinstance(play, BargainingPlay):
        return _bargaining_line(play)
    return _play_line(play, _plan(scenario, play.game))


def _plan(scenario: Scenario, name: str) -> GamePlan | None:
    return next((plan for plan in scenario.games if plan.name == name), None)


def _final_table(result: RunResult) -> Table:
    table = Table(title="State", title_justify="left")
    for name in ("", "start", "end"):
        table.add_column(name, justify="left" if not name else "right")
    start = result.history.state_at(0)
    end = result.history.state_at(result.rounds_played)
    for key, value in end.items():
        table.add_row(shown(key), number(start[key]), number(value))
    return table
