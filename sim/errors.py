"""The project's exception types.

Library code raises these; only the command line turns them into messages and exit
codes. :class:`UserError` and its subclasses mean *bad input* (exit code 2): the user
can fix them. Anything else is a bug in diplosim (exit code 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any


class DiplosimError(Exception):
    """Base class of every error diplosim raises on purpose."""


class UserError(DiplosimError):
    """Bad input that the user can fix: a scenario, a formula, a flag.

    ``partial`` is set when the error stopped a run that had begun (a formula failing in
    round 3): the run up to its last complete round, with ``stop_reason`` ``"error"``
    (a :class:`sim.model.results.RunTables`; from :func:`sim.run`, a
    :class:`sim.api.RunResult`), so that the rounds played can be read and saved.
    """

    partial: Any = None


class ScenarioError(UserError):
    """A scenario file that cannot be loaded, with the place of the problem.

    Parameters
    ----------
    message : str
        What is wrong, and how to fix it.
    file : str, optional
        The scenario file (or ``"<string>"``).
    line : int, optional
        The 1-based line of the offending YAML node.
    field : str, optional
        The dotted path of the field, e.g. ``games.troop_deployment.players``.

    Examples
    --------
    >>> str(ScenarioError("unknown actor 'EUU'", file="a.yaml", line=3, field="games.g.players"))
    "a.yaml:3: games.g.players: unknown actor 'EUU'"
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f": {self.field}"
        return f"{where}: {self.message}"


class FormulaError(UserError):
    """A formula that is not allowed, or that failed when evaluated.

    ``origin`` names where the formula comes from (file, line, field) once known.
    """

    def __init__(self, message: str, *, formula: str = "", origin: str = "") -> None:
        self.message = message
        self.formula = formula
        self.origin = origin
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"formula {self.formula!r}: {self.message}" if self.formula else self.message
        return f"{self.origin}: {text}" if self.origin else text


class RunError(UserError):
    """A scenario that loaded but failed while running (e.g. a division by zero)."""


class UsageError(UserError):
    """A bad command-line value or API argument (an unknown ``--set`` name, ...)."""


class OutputError(UserError):
    """An output path that diplosim must not or cannot write: a device, FIFO or folder
    where a file is expected, a read-only folder, a full disk (see :mod:`sim.files`).

    ``cause`` is the operating system's error when there is one (a full disk), so that a
    caller can say what it means for its own files (a sweep: which runs are saved)."""

    def __init__(self, message: str, *, cause: OSError | None = None) -> None:
        self.cause = cause
        super().__init__(message)


class SolverChoiceError(UserError):
    """A solver that was asked for something it cannot do: an unknown solver name, or a
    game with a number of players the solver does not handle. The user's choice is
    wrong, not the solver: contrast :class:`SolverError`."""


class SweepError(UsageError):
    """A sweep that cannot be planned, or whose output folder cannot be used (held by
    another sweep, a malformed manifest, a full disk).

    ``field`` names the sweep field at fault (``("params", "G_H")``, ``("samples",)``) so
    that a mistake read from a ``sweep:`` block can be reported at its line; ``problem``
    is the message without the command-line flag it starts with.

    Examples
    --------
    >>> error = SweepError("--rounds 0: give at least 1", field=("rounds",), problem="give at least 1")
    >>> str(error), error.field
    ('--rounds 0: give at least 1', ('rounds',))
    """

    def __init__(self, message: str, *, field: tuple[str, ...] = (), problem: str | None = None) -> None:
        self.field = field
        self.problem = message if problem is None else problem
        super().__init__(message)


class SolverError(DiplosimError):
    """A solver that failed or returned something unusable (a bug, or a numerical
    failure inside the solver; a wrong choice of solver is :class:`SolverChoiceError`)."""


class SolverLimitError(UserError):
    """A game that the chosen solver cannot solve within the limits the user set (a time
    limit): the message names the limit and how to raise it."""


def did_you_mean(word: str, candidates: list[str]) -> str:
    """A hint naming the closest candidate, or ``""``.

    Examples
    --------
    >>> did_you_mean("stratgies", ["strategies", "players"])
    " (did you mean 'strategies'?)"
    """
    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown(kind: str, word: str, known: Sequence[str]) -> str:
    """Message for a name that is not among ``known``, with the closest match.

    Examples
    --------
    >>> unknown("game", "bufer_zone", ["troop", "buffer_zone"])
    "unknown game 'bufer_zone' (did you mean 'buffer_zone'?) (known: troop, buffer_zone)"
    """
    return f"unknown {kind} {word!r}{did_you_mean(word, list(known))} (known: {', '.join(known) or 'none'})"
