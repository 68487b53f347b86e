"""One row of numbers per run: what a sweep records about each run.

For a finished run, :func:`summarize` gives

* ``stop_reason``, ``rounds_played``, ``degenerate_rounds`` (rounds in which some game
  was degenerate);
* for every game and every pure profile, ``share:game=(a,b)`` the share of rounds in
  which that profile was played and ``first:game=(a,b)`` the first round it was (NaN
  if never): e.g. ``share:buffer_zone=(W,W)``;
* for every bargaining game, ``agreed:game`` the share of rounds whose talks agreed,
  ``first_agreed:game`` the first round they did (NaN if never), ``agreement:game.issue`` the
  last agreed value of each issue (NaN if none) and ``offers:game`` the mean number of
  offers an agreement took (NaN if none);
* ``final:X`` for every actor variable and parameter at the end (``final:Ukraine.trust``);
* ``metric:name`` for each of the scenario's ``metrics:`` formulas, which see the final
  state, ``rounds`` (played), ``count_<game>_<labels>`` (rounds in which a profile
  was played; see :func:`sim.scenario.semantics.count_name`) and, for a bargaining game,
  ``agreements_<game>`` and ``offers_<game>`` (rounds that agreed, offers made; see
  :func:`sim.scenario.semantics.agreement_counts`).

:func:`columns` lists the same names with their types, so that every table of a sweep
has one schema, whatever happened in its runs.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from sim.errors import FormulaError, RunError
from sim.model.history import History
from sim.scenario.load import Scenario
from sim.scenario.semantics import agreement_counts, count_name

__all__ = ["columns", "profile_key", "summarize"]


def profile_key(game: str, labels: tuple[str, ...]) -> str:
    """``"buffer_zone=(W,W)"``: how a profile is named in column names.

    Examples
    --------
    >>> profile_key("buffer_zone", ("W", "W"))
    'buffer_zone=(W,W)'
    """
    return f"{game}=({','.join(labels)})"


def _profiles(scenario: Scenario) -> list[tuple[str, tuple[str, ...]]]:
    return [(plan.name, labels) for plan in scenario.games for labels in itertools.product(*plan.strategies)]


def _final_keys(scenario: Scenario) -> list[str]:
    keys = [f"{actor}.{var}" for actor, variables in scenario.actors.items() for var in variables]
    return keys + list(scenario.parameters)


def columns(scenario: Scenario) -> list[tuple[str, str]]:
    """Every column :func:`summarize` fills, with its type (``"int"``, ``"float"``,
    ``"str"``), in a fixed order.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> [name for name, _ in columns(parse_scenario(_EXAMPLE))]  # doctest: +NORMALIZE_WHITESPACE
    ['stop_reason', 'rounds_played', 'degenerate_rounds', 'share:choice=(go)', 'share:choice=(stay)',
     'first:choice=(go)', 'first:choice=(stay)', 'final:A.x', 'final:cost']
    """
    found = [("stop_reason", "str"), ("rounds_played", "int"), ("degenerate_rounds", "int")]
    profiles = _profiles(scenario)
    found += [(f"share:{profile_key(g, p)}", "float") for g, p in profiles]
    found += [(f"first:{profile_key(g, p)}", "float") for g, p in profiles]
    for plan in scenario.bargainings:
        found += [(key, "float") for key in _bargaining_keys(plan.name, plan.template.issue_names)]
    found += [(f"final:{key}", "float") for key in _final_keys(scenario)]
    found += [(f"metric:{name}", "float") for name, _ in scenario.metrics]
    return found


#: What a sweep records of each bargaining game (``<what>:<game>`` columns; the agreement
#: one per issue, ``agreement:<game>.<issue>``).
BARGAINING_OUTCOMES = ("agreed", "first_agreed", "agreement", "offers")


def _bargaining_keys(game: str, issues: tuple[str, ...]) -> list[str]:
    """The sweep columns of a bargaining game, in order.

    Examples
    --------
    >>> _bargaining_keys("talks", ("width", "monitors"))
    ['agreed:talks', 'first_agreed:talks', 'agreement:talks.width', 'agreement:talks.monitors', 'offers:talks']
    """
    return [
        key
        for what in BARGAINING_OUTCOMES
        for key in ([f"agreement:{game}.{issue}" for issue in issues] if what == "agreement" else [f"{what}:{game}"])
    ]


def _agreements(scenario: Scenario, history: History, rounds_played: int) -> dict[str, float]:
    row: dict[str, float] = {}
    for plan in scenario.bargainings:
        agreed = [p for p in history.bargaining_plays if p.game == plan.name and p.negotiation.agreed]
        last = agreed[-1].negotiation.agreement if agreed else None
        issues = plan.template.issue_names
        values = (math.nan,) * len(issues) if last is None else agreed[-1].values(last)
        row[f"agreed:{plan.name}"] = len(agreed) / rounds_played if rounds_played else math.nan
        row[f"first_agreed:{plan.name}"] = float(agreed[0].round) if agreed else math.nan
        row.update({f"agreement:{plan.name}.{issue}": value for issue, value in zip(issues, values, strict=True)})
        row[f"offers:{plan.name}"] = sum(len(p.negotiation.steps) for p in agreed) / len(agreed) if agreed else math.nan
    return row


def summarize(scenario: Scenario, history: History, rounds_played: int, stop_reason: str) -> dict[str, Any]:
    """The sweep row of one finished run (see the module docstring).

    Raises
    ------
    RunError
        If a metric formula fails (division by zero, ...).
    """
    counts: dict[tuple[str, tuple[str, ...]], int] = dict.fromkeys(_profiles(scenario), 0)
    first: dict[tuple[str, tuple[str, ...]], int] = {}
    degenerate = set()
    for play in history.plays:
        key = (play.game, play.labels)
        counts[key] += 1
        first.setdefault(key, play.round)
        if play.result.degenerate:
            degenerate.add(play.round)
    row: dict[str, Any] = {
        "stop_reason": stop_reason,
        "rounds_played": rounds_played,
        "degenerate_rounds": len(degenerate),
    }
    for key, count in counts.items():
        row[f"share:{profile_key(*key)}"] = count / rounds_played if rounds_played else math.nan
    for key in counts:
        row[f"first:{profile_key(*key)}"] = float(first[key]) if key in first else math.nan
    row.update(_agreements(scenario, history, rounds_played))
    recorded = history.state_at(rounds_played)
    final = {name: recorded.get(name, scenario.initial[name]) for name in _final_keys(scenario)}
    row.update({f"final:{name}": value for name, value in final.items()})
    values = {**final, "rounds": rounds_played, **{count_name(g, p): n for (g, p), n in counts.items()}}
    for plan in scenario.bargainings:
        agreements, offers = agreement_counts(plan.name)
        plays = [p for p in history.bargaining_plays if p.game == plan.name]
        values[agreements] = sum(p.negotiation.agreed for p in plays)
        values[offers] = sum(len(p.negotiation.steps) for p in plays)
    for name, formula in scenario.metrics:
        try:
            row[f"metric:{name}"] = float(formula.evaluate(values))
        except FormulaError as exc:
            raise RunError(f"metric {name}: {exc}") from None
    return row
