"""Text and JSON of solved bargaining games (``diplosim solve`` of a scenario with a
``bargaining:`` game): each solution's agreement, utilities and why, and the bargaining
range."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sim.game.bargaining import Bargaining, Number
from sim.game.multi_issue import MultiIssueBargaining
from sim.game.readable import MAX_READABLE_DENOMINATOR
from sim.model.stage_games import Fearon, SolvedBargaining, SolvedMultiIssue
from sim.scenario.bargaining_template import PrivateValues
from sim.solvers.bargaining import Solution
from sim.solvers.fearon import posterior_after
from sim.solvers.multi_issue import MultiSolution
from sim.solvers.protocols import Protocol, scalar

__all__ = [
    "TITLES",
    "agreement_text",
    "bargaining_json",
    "bargaining_lines",
    "multi_agreement_text",
    "multi_issue_json",
    "multi_issue_lines",
    "protocol_text",
]

#: How solution concepts are named in the text.
TITLES = {"nash": "Nash", "kalai_smorodinsky": "Kalai-Smorodinsky", "rubinstein": "Rubinstein (alternating offers)"}


def _reading(value: Number) -> str:
    """A number for reading: a fraction with its decimal, a float to 6 digits."""
    if isinstance(value, Fraction):
        if value.denominator > MAX_READABLE_DENOMINATOR:  # float noise carried exactly: a decimal reads better
            return format(float(value), ".6g")
        return str(value) if value.denominator == 1 else f"{value} (~ {float(value):.4g})"
    return format(float(value), ".6g")


def _exact_text(value: Number) -> str:
    """A number for JSON: an exact fraction string, or a decimal one."""
    return str(value) if isinstance(value, Fraction) else format(float(value), ".10g")


def _with_unit(problem: Bargaining, value: Number) -> str:
    """A value of the issue with its unit, before any decimal: ``262/7 km (~ 37.43)``."""
    unit = f" {problem.unit}" if problem.unit else ""
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value}{unit} (~ {float(value):.4g})"
    return f"{_reading(value)}{unit}"


def bargaining_lines(solved: SolvedBargaining | SolvedMultiIssue) -> list[str]:
    """The teaching view of a solved bargaining game, one string per line.

    Examples
    --------
    >>> from sim.model.stage_games import solve_bargaining_games
    >>> from sim.scenario.load import parse_scenario, _BARGAINING_EXAMPLE
    >>> [solved] = solve_bargaining_games(parse_scenario(_BARGAINING_EXAMPLE))
    >>> bargaining_lines(solved)[0]
    'pie: bargaining between A and B over share in [0, 1]'
    """
    if isinstance(solved, SolvedMultiIssue):
        return multi_issue_lines(solved)
    problem = solved.problem
    a, b = problem.parties
    lines = [
        f"{problem.name}: bargaining between {a} and {b} over {problem.issue} in "
        f"[{_with_unit(problem, problem.low)}, {_with_unit(problem, problem.high)}]",
        f"  disagreement (if talks fail): {a} {_reading(problem.disagreement[0])}, "
        f"{b} {_reading(problem.disagreement[1])}",
    ]
    if solved.span is None:
        lines.append("  bargaining range: empty - no agreement is better for both than disagreeing")
    else:
        lines.append(
            f"  bargaining range: {problem.issue} in [{_with_unit(problem, solved.span[0])}, "
            f"{_with_unit(problem, solved.span[1])}] (the agreements both prefer to disagreeing)"
        )
    for solution in solved.solutions:
        lines.append(f"  {TITLES[solution.concept]}: {agreement_text(problem, solution)}")
        lines.append(f"    {solution.explanation}")
        if solution.concept == "rubinstein" and (extra := _equal_discounts(problem, solution)):
            lines.append(f"    {extra}")
    if solved.fearon is not None:
        lines += _fearon_lines(problem, solved.fearon)
    if solved.protocol is not None:
        lines.append(f"  a run plays it: {protocol_text(problem, solved.protocol)}")
    lines += [f"  note: {note}" for note in solved.notes]
    return lines


def _fearon_lines(problem: Bargaining, fearon: Fearon) -> list[str]:
    me = problem.parties[problem.first]
    private = fearon.private
    if private is not None and private.types:
        types = ", ".join(f"{name} {_reading(p)} (disagreement {_reading(d)})" for name, p, d in private.types)
        head = f"  Fearon (take-it-or-leave-it, {problem.parties[private.player]}'s type private: {types}):"
    elif private is not None and private.uniform is not None:
        low, high = private.uniform
        head = (
            f"  Fearon (take-it-or-leave-it, {problem.parties[private.player]}'s disagreement payoff uniform on "
            f"[{_reading(low)}, {_reading(high)}]):"
        )
    else:
        head = "  Fearon (take-it-or-leave-it, complete information):"
    if fearon.demand is None:
        demand = f"{me} makes no offer"
    else:
        demand = f"{me} demands {problem.issue} = {_with_unit(problem, fearon.demand)}"
    lines = [
        f"{head} {demand}; chance of war {_reading(fearon.war_probability)}; {me} expects {_reading(fearon.expected)}",
        f"    {fearon.explanation}",
    ]
    if private is not None and private.types and fearon.demand is not None:
        lines.append(f"    {me}'s belief after the answer (Bayes' rule): {_posteriors(private, fearon.accepted_by)}")
    return lines


def _posteriors(private: PrivateValues, accepted_by: tuple[str, ...]) -> str:
    """``after an acceptance: tough 0, soft 1; after a rejection: tough 1, soft 0`` (an
    answer no type gives is left out)."""
    names = [name for name, _, _ in private.types]
    types = [(p, d) for _, p, d in private.types]
    accepting = tuple(names.index(name) for name in accepted_by)
    parts = []
    for answer, said in (("an acceptance", True), ("a rejection", False)):
        if not any((k in accepting) == said and types[k][0] > 0 for k in range(len(names))):
            continue  # no type gives this answer
        posterior = posterior_after(types, accepting, said)
        parts.append(f"after {answer}: " + ", ".join(f"{n} {_reading(p)}" for n, p in zip(names, posterior)))
    return "; ".join(parts)


def protocol_text(problem: Bargaining, protocol: Protocol) -> str:
    """How a run plays a bargaining game, in words.

    Examples
    --------
    >>> from sim.solvers.protocols import Concession, Protocol
    >>> pie = Bargaining.split("pie", ("A", "B"))
    >>> protocol_text(pie, Protocol(10, (Concession("boulware"), Concession("linear"))))
    'alternating offers, A first (A boulware, B linear), at most 10 offers'
    """
    ideal = "" if protocol.mediator is None else _with_unit(problem, scalar(protocol.mediator.ideal))
    return _protocol_words(problem.parties, problem.first, protocol, ideal)


def _protocol_words(parties: tuple[str, str], first: int, protocol: Protocol, ideal: str) -> str:
    """:func:`protocol_text` given the parties, the first proposer and the mediator's
    ideal as text."""
    strategies = ", ".join(
        f"{party} {c.kind}" + ("" if c.exponent is None else f" (e = {_reading(c.exponent)})")
        for party, c in zip(parties, protocol.strategies)
    )
    mediator = protocol.mediator
    if mediator is None:
        how = f"alternating offers, {parties[first]} first"
    else:
        how = (
            f"{mediator.name}'s single text (ideal {ideal}, bias "
            f"{_reading(mediator.bias)}, credibility {_reading(mediator.credibility)})"
        )
    return f"{how} ({strategies}), at most {protocol.deadline} offers"


# --- several issues ----------------------------------------------------------------------


def _issue_value(problem: MultiIssueBargaining, k: int, value: float) -> str:
    """Issue ``k``'s value with its unit: ``40 km``."""
    unit = problem.units[k] if problem.units else ""
    return f"{_reading(value)} {unit}" if unit else _reading(value)


def multi_agreement_text(problem: MultiIssueBargaining, solution: MultiSolution) -> str:
    """``"width = 40 km, monitors = 178.6"``, or ``"no agreement (talks fail)"``: a
    solution over several issues in words."""
    if solution.agreement is None:
        return "no agreement (talks fail)"
    return _multi_agreement(problem, [solution.agreement[issue] for issue in problem.issues])


def _multi_agreement(problem: MultiIssueBargaining, agreement: Sequence[float]) -> str:
    """``width = 40 km, monitors = 178.6``."""
    return ", ".join(
        f"{issue} = {_issue_value(problem, k, value)}"
        for k, (issue, value) in enumerate(zip(problem.issues, agreement))
    )


def multi_issue_lines(solved: SolvedMultiIssue) -> list[str]:
    """The teaching view of a solved game over several issues: the issues and their
    ranges, the disagreement point, the Nash and Kalai-Smorodinsky agreements with
    each side's utility and why, and their stated precision.

    Examples
    --------
    >>> from sim.game.multi_issue import MultiIssueBargaining
    >>> from sim.solvers.multi_issue import nash_multi
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> lines = multi_issue_lines(SolvedMultiIssue(trade, (nash_multi(trade),)))
    >>> lines[0]
    'trade: bargaining between A and B over 2 issues: a in [0, 1], b in [0, 1]'
    >>> lines[2], lines[-1]
    ('  Nash: a = 1, b = 0; A gets 3, B gets 3', "  numeric, within 1e-06 of each issue's range")
    """
    problem = solved.problem
    a, b = problem.parties
    ranges = ", ".join(
        f"{issue} in [{_issue_value(problem, k, low)}, {_issue_value(problem, k, high)}]"
        for k, (issue, (low, high)) in enumerate(zip(problem.issues, problem.bounds))
    )
    lines = [
        f"{problem.name}: bargaining between {a} and {b} over {len(problem.issues)} issues: {ranges}",
        f"  disagreement (if talks fail): {a} {_reading(problem.disagreement[0])}, "
        f"{b} {_reading(problem.disagreement[1])}",
    ]
    for solution in solved.solutions:
        gets = f"{a} gets {_reading(solution.utilities[0])}, {b} gets {_reading(solution.utilities[1])}"
        lines.append(f"  {TITLES[solution.concept]}: {multi_agreement_text(problem, solution)}; {gets}")
        lines.append(f"    {solution.explanation}")
    if solved.protocol is not None:
        ideal = ""
        if solved.protocol.mediator is not None and isinstance(solved.protocol.mediator.ideal, tuple):
            ideal = _multi_agreement(problem, solved.protocol.mediator.ideal)
        lines.append(f"  a run plays it: {_protocol_words(problem.parties, solved.first, solved.protocol, ideal)}")
    tolerance = max((s.tolerance for s in solved.solutions), default=0.0)
    lines.append(f"  numeric, within {tolerance:g} of each issue's range")
    return lines


def multi_issue_json(solved: SolvedMultiIssue) -> dict[str, object]:
    """Machine-readable form of a solved game over several issues (``solve --json``):
    decimal strings, each solution with its ``tolerance`` (a share of each issue's range).

    Examples
    --------
    >>> from sim.game.multi_issue import MultiIssueBargaining
    >>> from sim.solvers.multi_issue import nash_multi
    >>> trade = MultiIssueBargaining(
    ...     "trade", ("A", "B"), ("a", "b"), ((0.0, 1.0), (0.0, 1.0)),
    ...     (lambda x: 3 * x[0] + x[1], lambda x: (1 - x[0]) + 3 * (1 - x[1])))
    >>> multi_issue_json(SolvedMultiIssue(trade, (nash_multi(trade),)))["solutions"]["nash"]
    {'agreement': {'a': '1', 'b': '0'}, 'utilities': {'A': '3', 'B': '3'}, 'tolerance': 1e-06}
    """
    problem = solved.problem
    solutions: dict[str, object] = {}
    for solution in solved.solutions:
        solutions[solution.concept] = {
            "agreement": None
            if solution.agreement is None
            else {issue: _exact_text(solution.agreement[issue]) for issue in problem.issues},
            "utilities": {p: _exact_text(u) for p, u in zip(problem.parties, solution.utilities)},
            "tolerance": solution.tolerance,
        }
    units = problem.units or ("",) * len(problem.issues)
    return {
        "name": problem.name,
        "form": "bargaining",
        "players": list(problem.parties),
        "issues": [
            {"name": issue, "range": [_exact_text(low), _exact_text(high)], "unit": unit}
            for issue, (low, high), unit in zip(problem.issues, problem.bounds, units)
        ],
        "disagreement": {p: _exact_text(d) for p, d in zip(problem.parties, problem.disagreement)},
        "solutions": solutions,
        "notes": [],
    }


def agreement_text(problem: Bargaining, solution: Solution) -> str:
    """``"width = 24 km; EU gets 3/5 (~ 0.6), Russia gets 2/5 (~ 0.4)"``: a solution in words."""
    a, b = problem.parties
    utilities = f"{a} gets {_reading(solution.utilities[0])}, {b} gets {_reading(solution.utilities[1])}"
    if solution.agreement is None:
        return f"no agreement (talks fail); {utilities}"
    return f"{problem.issue} = {_with_unit(problem, solution.agreement)}; {utilities}"


def _equal_discounts(problem: Bargaining, solution: Solution) -> str:
    """The textbook sentence, said only when it holds exactly: with equal discounts and
    nothing at stake beyond the pie (disagreement 0, no outside options, no breakdown),
    the first proposer gets ``1/(1+delta)`` of the most it could get."""
    delta = problem.discount[0]
    first = problem.first
    plain = problem.outside == (None, None) and problem.breakdown == 0 and problem.disagreement == (0, 0)
    if not (plain and problem.discount[1] == delta and isinstance(solution.utilities[first], Fraction)):
        return ""
    best = max(problem.utility(first, problem.low), problem.utility(first, problem.high))
    if solution.utilities[first] != best / (1 + delta):
        return ""
    return (
        f"The first proposer gets more: 1/(1+delta) of the most it could get with equal discounts "
        f"delta = {delta}, here {_reading(solution.utilities[first])}."
    )


def _fearon_json(solved: SolvedBargaining) -> dict[str, object]:
    fearon = solved.fearon
    assert fearon is not None
    found: dict[str, object] = {
        "range": None if solved.span is None else [_exact_text(v) for v in solved.span],
        "demand": None if fearon.demand is None else _exact_text(fearon.demand),
        "war_probability": _exact_text(fearon.war_probability),
        "expected": _exact_text(fearon.expected),
    }
    private = fearon.private
    if private is not None and private.uniform is not None:
        found["uniform"] = [_exact_text(v) for v in private.uniform]
    if private is not None and private.types:
        found["types"] = {
            name: {"probability": _exact_text(p), "disagreement": _exact_text(d)} for name, p, d in private.types
        }
        found["accepted_by"] = list(fearon.accepted_by)
    return found


def bargaining_json(solved: SolvedBargaining | SolvedMultiIssue) -> dict[str, object]:
    """Machine-readable form of a solved bargaining game (``solve --json``): exact
    fraction strings where exact, decimal strings otherwise.

    Examples
    --------
    >>> from sim.model.stage_games import solve_bargaining_games
    >>> from sim.scenario.load import parse_scenario, _BARGAINING_EXAMPLE
    >>> [solved] = solve_bargaining_games(parse_scenario(_BARGAINING_EXAMPLE))
    >>> bargaining_json(solved)["solutions"]["rubinstein"]
    {'agreement': {'share': '10/19'}, 'utilities': {'A': '10/19', 'B': '9/19'}}
    """
    if isinstance(solved, SolvedMultiIssue):
        return multi_issue_json(solved)
    problem = solved.problem
    solutions: dict[str, object] = {}
    for solution in solved.solutions:
        solutions[solution.concept] = {
            "agreement": None if solution.agreement is None else {problem.issue: _exact_text(solution.agreement)},
            "utilities": {p: _exact_text(u) for p, u in zip(problem.parties, solution.utilities)},
        }
    solutions["range"] = None if solved.span is None else [_exact_text(v) for v in solved.span]
    if solved.fearon is not None:
        solutions["fearon"] = _fearon_json(solved)
    return {
        "name": problem.name,
        "form": "bargaining",
        "players": list(problem.parties),
        "issues": [
            {
                "name": problem.issue,
                "range": [_exact_text(problem.low), _exact_text(problem.high)],
                "unit": problem.unit,
            }
        ],
        "disagreement": {p: _exact_text(d) for p, d in zip(problem.parties, problem.disagreement)},
        "solutions": solutions,
        "notes": list(solved.notes),
    }
