"""Running a scenario and what a run returns: tidy tables, a summary, files.

:func:`play` runs a scenario; its :class:`RunTables` holds three tidy
:class:`pandas.DataFrame` tables (the public :func:`sim.run` returns a
:class:`sim.api.RunResult`, the same with figures):

``rounds``
    one row per round, game, player and strategy: ``probability`` in the selected
    equilibrium, whether it was ``played``, ``strategy_payoff`` (its expected payoff
    against the others' equilibrium strategies), ``realised_payoff`` (the player's
    payoff at the profile actually played) and ``selected_by`` (the rule that chose).
``equilibria``
    one row per round, game, equilibrium, player and strategy: ``probability``,
    ``exact`` (a fraction such as ``"193/215"`` when checked exactly, else empty),
    ``payoff`` (the player's expected payoff there), ``selected``, ``degenerate`` and
    ``complete`` (whether the solver guarantees the list is complete).
``moves``
    for tree games, one row per move made on the path played: ``round``, ``game``,
    ``step``, ``actor`` (a player or ``chance``), ``information_set`` and ``move``
    (saved as ``moves.csv`` only when the scenario has tree games).
``negotiations``
    for bargaining games, one row per round, game and issue: ``issue``, ``outcome`` (see
    :data:`sim.solvers.protocols.OUTCOMES`), ``agreed``, ``agreement`` (the issue's agreed
    value, NaN if none), ``offers`` (how many were made), ``type`` (with private information:
    the type drawn) and ``war_probability`` (with private information: the chance of no
    agreement as the proposer saw it); saved as ``negotiations.csv`` when the scenario has
    bargaining games.
``offers``
    for bargaining games, one row per offer, player and issue: ``round``, ``game``,
    ``step``, ``proposer`` (a player or the mediator), ``offer`` (the issue's value in the
    offer), ``player``, ``utility`` (what the whole offer is worth to the player),
    ``response`` (``accept``, ``reject``, or ``propose`` for the player who made it) and
    ``issue``; saved as ``offers.csv``.
``state``
    one row per round, actor and variable (round 0 is the start; parameters that the
    dynamics change appear under the actor ``"parameters"``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import UsageError, UserError
from sim.files import TEMPORARY_PREFIX, Writer, write_folder_atomic
from sim.files import check_output_folder as check_output_folder_path
from sim.game.normal_form import strategy_payoffs
from sim.model.history import History
from sim.model.negotiation import NegotiationModel
from sim.model.provenance import versions
from sim.scenario.load import Scenario, load_scenario

__all__ = [
    "ERROR",
    "RUNNING",
    "RoundHook",
    "RunTables",
    "check_output_folder",
    "moves_table",
    "negotiations_table",
    "offers_table",
    "play",
    "rounds_table",
]

#: ``stop_reason`` of the run so far that :func:`play` hands to ``on_round`` before its last round.
RUNNING = "running"
#: ``stop_reason`` of a run that bad input stopped mid-way (a formula failing in round 3):
#: its tables hold the rounds before the failing one, its summary the error's message.
ERROR = "error"

#: Called by :func:`play` after each round with the run so far (a :class:`RunTables`).
RoundHook = Callable[["RunTables"], object]


def play(
    scenario: Scenario | str | os.PathLike[str],
    *,
    rounds: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, float | str] | None = None,
    exact: bool = True,
    on_round: RoundHook | None = None,
) -> RunTables:
    """Play a scenario to the end and collect its tables (the public :func:`sim.run`
    adds figures to what this returns).

    A run that bad input stops mid-way (a :class:`~sim.errors.UserError` such as a
    formula dividing by zero in round 3) raises that error with ``partial`` set to the run
    up to its last complete round: ``stop_reason`` :data:`ERROR`, ``error`` the message,
    the tables of the rounds before (nothing of the failing round).

    Parameters
    ----------
    scenario : Scenario or path
        A loaded scenario, or the path of a YAML file.
    rounds : int, optional
        Round limit (the scenario's ``rounds`` by default).
    seed : int, optional
        Seed (the scenario's ``seed`` by default).
    overrides : mapping, optional
        Values to change before the run (see :meth:`Scenario.with_overrides`):
        parameters, ``Actor.variable``, ``select``, ``game.select``, ``solver``,
        ``time_limit``.
    exact : bool
        Report exact fractions where the equilibria are rational.
    on_round : callable, optional
        Called after each round with the run so far (``stop_reason`` :data:`RUNNING`
        until the last round; its history is the live one, growing after the call), e.g.
        to print the story as it is played (:class:`sim.viz.report.StoryPrinter`).

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> result = play(parse_scenario(_EXAMPLE), overrides={"cost": 2}, on_round=lambda run: print(run))
    RunTables(scenario='tiny', seed=0, rounds_played=1, stop_reason='running')
    RunTables(scenario='tiny', seed=0, rounds_played=2, stop_reason='rounds')
    >>> result.rounds_played, result.rounds["strategy"][result.rounds["played"]].tolist()
    (2, ['stay', 'stay'])
    """
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        loaded = loaded.with_overrides(overrides)
    model = NegotiationModel(loaded, seed=seed, rounds=rounds, exact=exact)
    while model.running:
        try:
            model.step()
        except UserError as exc:
            played = model.round - 1  # the failing round is left out whole
            exc.partial = RunTables(
                loaded, model.seed, model.max_rounds, played, ERROR, model.history.up_to(played), error=str(exc)
            )
            raise
        if on_round is not None:
            on_round(_so_far(loaded, model))
    return _so_far(loaded, model)


def _so_far(scenario: Scenario, model: NegotiationModel) -> RunTables:
    reason = RUNNING if model.stop_reason is None else model.stop_reason
    return RunTables(scenario, model.seed, model.max_rounds, model.round, reason, model.history)


@dataclass
class RunTables:
    """A finished run: the scenario, how it ended, and its tables (the figures and the
    public :func:`sim.run` are :mod:`sim.api`'s :class:`~sim.api.RunResult`, which adds
    them).

    Attributes
    ----------
    scenario : Scenario
        As run (with any overrides).
    seed : int
    max_rounds : int
    rounds_played : int
    stop_reason : str
        ``"stop_when"`` (the scenario's condition held), ``"rounds"`` (limit), or
        :data:`ERROR` (bad input stopped it: see ``error``); :data:`RUNNING` while it is
        played (what ``on_round`` of :func:`play` sees).
    history : History
        The raw records (solved games, selections, actions).
    error : str or None
        The message of the error that stopped the run, if one did.
    """

    scenario: Scenario
    seed: int
    max_rounds: int
    rounds_played: int
    stop_reason: str
    history: History
    error: str | None = None
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def rounds(self) -> pd.DataFrame:
        """Per round, game, player and strategy (see the module docstring)."""
        if "rounds" not in self._tables:
            self._tables["rounds"] = rounds_table(self.history)
        return self._tables["rounds"]

    @property
    def equilibria(self) -> pd.DataFrame:
        """Every equilibrium found, per round and game (see the module docstring)."""
        if "equilibria" not in self._tables:
            self._tables["equilibria"] = _equilibria_table(self.history)
        return self._tables["equilibria"]

    @property
    def moves(self) -> pd.DataFrame:
        """Per round, tree game and move made on the played path (see the module docstring)."""
        if "moves" not in self._tables:
            self._tables["moves"] = moves_table(self.history)
        return self._tables["moves"]

    @property
    def negotiations(self) -> pd.DataFrame:
        """Per round and bargaining game: how the negotiation ended (see the module docstring)."""
        if "negotiations" not in self._tables:
            self._tables["negotiations"] = negotiations_table(self.history)
        return self._tables["negotiations"]

    @property
    def offers(self) -> pd.DataFrame:
        """Per offer made in a bargaining game and player (see the module docstring)."""
        if "offers" not in self._tables:
            self._tables["offers"] = offers_table(self.history)
        return self._tables["offers"]

    @property
    def state(self) -> pd.DataFrame:
        """Actor state (and changing parameters) after every round."""
        if "state" not in self._tables:
            self._tables["state"] = pd.DataFrame(self.history.state, columns=["round", "actor", "variable", "value"])
        return self._tables["state"]

    def final_state(self) -> dict[str, dict[str, float]]:
        """State after the last round: actor (or ``"parameters"``) -> variable -> value."""
        final: dict[str, dict[str, float]] = {}
        for r, actor, variable, value in self.history.state:
            if r == self.rounds_played:
                final.setdefault(actor, {})[variable] = value
        return final

    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds: scenario, seed, versions, how the run ended (and,
        for a run stopped by an error, its message under ``error``)."""
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.file,
            "scenario_sha256": self.scenario.sha256,
            "seed": self.seed,
            "overrides": dict(self.scenario.overrides),
            "max_rounds": self.max_rounds,
            "rounds_played": self.rounds_played,
            "stop_reason": self.stop_reason,
            "final_state": self.final_state(),
            "versions": versions(),
            **({"error": self.error} if self.error is not None else {}),
        }

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(scenario={self.scenario.name!r}, seed={self.seed}, "
            f"rounds_played={self.rounds_played}, stop_reason={self.stop_reason!r})"
        )

    def table_writers(self) -> dict[str, Writer]:
        """The files of the run's tables: CSV and Parquet of each, and ``summary.json``."""
        writers: dict[str, Writer] = {}
        names = ("rounds", "equilibria", "state", *(("moves",) if self.scenario.trees else ()))
        names += ("negotiations", "offers") if self.scenario.bargainings else ()
        for name in names:
            table: pd.DataFrame = getattr(self, name)
            writers[f"{name}.csv"] = partial(_to_csv, table)
            writers[f"{name}.parquet"] = partial(_to_parquet, table)
        writers["summary.json"] = partial(_to_text, json.dumps(self.summary(), indent=2, sort_keys=True) + "\n")
        return writers

    def save(self, directory: str | os.PathLike[str], *, force: bool = False, figures: bool = False) -> list[Path]:
        """Write the tables (CSV and Parquet) and ``summary.json`` into ``directory``
        (``figures`` needs :class:`sim.api.RunResult`, which can draw them).

        The files are written all together or not at all
        (:func:`sim.files.write_folder_atomic`): a failure such as a full disk leaves
        the folder as it was, a new folder appears only complete. Missing parent folders
        are created. A non-empty folder that does not hold a run of the same scenario is
        refused unless ``force`` (see :func:`check_output_folder`). Returns the paths
        written.

        Raises
        ------
        UsageError
            If the folder holds other files and ``force`` is not set.
        OutputError
            If the folder cannot be written (see :func:`sim.files.check_output_folder`).
        """
        if figures:
            raise UsageError("figures: only sim.run's RunResult draws figures (sim.api.RunResult)")
        check_output_folder(directory, self.scenario, force=force)
        return write_folder_atomic(Path(directory), self.table_writers(), "--out")


def check_output_folder(directory: str | os.PathLike[str], scenario: Scenario, *, force: bool = False) -> None:
    """Refuse to write a run into ``directory`` when that would mix it with other files
    or cannot work.

    An absent or empty folder, or one holding an earlier run of the same scenario
    (``summary.json`` with the same sha256), is fine; anything else needs ``force``.

    Raises
    ------
    OutputError
        If ``directory`` is not a folder (a file, a device), lies below a file, or
        cannot be written (:func:`sim.files.check_output_folder`).
    UsageError
        If it holds other things and ``force`` is not set.
    """
    folder = check_output_folder_path(directory, "--out")
    if force or not folder.exists() or all(p.name.startswith(TEMPORARY_PREFIX) for p in folder.iterdir()):
        return
    try:
        previous = json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("scenario_sha256")
    except (OSError, ValueError, AttributeError):
        previous = None
    if previous != scenario.sha256:
        what = "a run of another scenario" if previous else "files that are not a diplosim run"
        raise UsageError(f"--out {folder}: holds {what}; choose an empty folder or add --force to write there anyway")


def _to_csv(table: pd.DataFrame, path: str) -> None:
    table.to_csv(path, index=False, lineterminator="\n")


def _to_parquet(table: pd.DataFrame, path: str) -> None:
    table.to_parquet(path, index=False)


def _to_text(text: str, path: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def moves_table(history: History) -> pd.DataFrame:
    """One row per move made in a tree game: ``round``, ``game``, ``step`` (1 for the
    first move from the root), ``actor`` (a player, or ``chance``), ``information_set``
    (its label; for chance, the node's path) and ``move``.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _TREE_EXAMPLE
    >>> moves_table(play(parse_scenario(_TREE_EXAMPLE)).history)[["actor", "move"]].values.tolist()
    [['Entrant', 'In'], ['Incumbent', 'Accommodate']]
    """
    rows = [
        (tree_play.round, tree_play.game, step, move.actor, move.infoset, move.move)
        for tree_play in history.tree_plays
        for step, move in enumerate(tree_play.path.moves, start=1)
    ]
    return pd.DataFrame(rows, columns=["round", "game", "step", "actor", "information_set", "move"])


def negotiations_table(history: History) -> pd.DataFrame:
    """One row per round, bargaining game and issue (see the module docstring).

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _BARGAINING_EXAMPLE
    >>> table = negotiations_table(play(parse_scenario(_BARGAINING_EXAMPLE)).history)
    >>> table[["round", "outcome", "agreement", "offers"]].values.tolist()  # the Rubinstein split 10/19
    [[1, 'agreement', 0.5263157894736842, 1]]
    """
    rows = [
        (
            p.round,
            p.game,
            issue,
            p.negotiation.outcome,
            p.negotiation.agreed,
            math.nan if agreement is None else agreement[k],
            len(p.negotiation.steps),
            p.type or "",
            math.nan if p.war_probability is None else float(p.war_probability),
        )
        for p in history.bargaining_plays
        for agreement in [None if p.negotiation.agreement is None else p.values(p.negotiation.agreement)]
        for k, issue in enumerate(p.issues)
    ]
    columns = ["round", "game", "issue", "outcome", "agreed", "agreement", "offers", "type", "war_probability"]
    return pd.DataFrame(rows, columns=columns)


def offers_table(history: History) -> pd.DataFrame:
    """One row per offer made in a bargaining game, player and issue (see the module docstring).

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _BARGAINING_EXAMPLE
    >>> table = offers_table(play(parse_scenario(_BARGAINING_EXAMPLE)).history)
    >>> table[["step", "proposer", "player", "response"]].values.tolist()
    [[1, 'A', 'A', 'propose'], [1, 'A', 'B', 'accept']]
    """
    rows = [
        (p.round, p.game, step.step, step.proposer, value, player, float(utility), response, issue)
        for p in history.bargaining_plays
        for step in p.negotiation.steps
        for player, utility, response in zip(p.problem.parties, step.utilities, step.responses)
        for issue, value in zip(p.issues, p.values(step.offer), strict=True)
    ]
    columns = ["round", "game", "step", "proposer", "offer", "player", "utility", "response", "issue"]
    return pd.DataFrame(rows, columns=columns)


def rounds_table(history: History) -> pd.DataFrame:
    """The ``rounds`` table of a run's history (see the module docstring)."""
    rows = []
    for play in history.plays:
        game = play.result.game
        eq = play.selection.chosen(play.result)
        realised = game.payoffs[play.profile]
        for i, player in enumerate(game.players):
            values = strategy_payoffs(game, eq.strategies, i)
            for s, strategy in enumerate(game.strategies[i]):
                rows.append(
                    (
                        play.round,
                        game.name,
                        player,
                        strategy,
                        float(eq.strategies[i][s]),
                        s == play.profile[i],
                        float(values[s]),
                        float(realised[i]),
                        play.selection.reason,
                    )
                )
    columns = [
        "round",
        "game",
        "player",
        "strategy",
        "probability",
        "played",
        "strategy_payoff",
        "realised_payoff",
        "selected_by",
    ]
    return pd.DataFrame(rows, columns=columns)


def _equilibria_table(history: History) -> pd.DataFrame:
    rows = []
    for play in history.plays:
        result = play.result
        game = result.game
        for k, eq in enumerate(result.equilibria):
            for i, player in enumerate(game.players):
                for s, strategy in enumerate(game.strategies[i]):
                    exact = str(eq.exact[i][s]) if eq.exact is not None else ""
                    rows.append(
                        (
                            play.round,
                            game.name,
                            k,
                            player,
                            strategy,
                            float(eq.strategies[i][s]),
                            exact,
                            float(eq.payoffs[i]),
                            k == play.selection.index,
                            result.degenerate,
                            result.complete,
                        )
                    )
    columns = [
        "round",
        "game",
        "equilibrium",
        "player",
        "strategy",
        "probability",
        "exact",
        "payoff",
        "selected",
        "degenerate",
        "complete",
    ]
    return pd.DataFrame(rows, columns=columns)
