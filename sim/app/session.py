"""What the browser page does, without a browser: the scenarios it offers, the sliders it
shows, reading an upload, and a scenario played round by round.

:mod:`sim.app.page` lays these out; everything a student can do on the page is a call
here, so it is tested here (``tests/test_app_session.py``) and only driven in a browser
by the browser test.
"""

from __future__ import annotations

import base64
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from sim.errors import ScenarioError, UserError
from sim.model.history import BargainingPlay, Play, TreePlay
from sim.model.negotiation import NegotiationModel
from sim.model.results import ERROR, RUNNING, RunTables
from sim.scenario.factors import Factor, parse_factor
from sim.scenario.load import Scenario, load_scenario, parse_scenario

__all__ = [
    "UPLOAD_LIMIT",
    "AnyPlay",
    "Session",
    "Slider",
    "load_file",
    "load_upload",
    "read_upload",
    "scenario_files",
    "sliders",
    "value_notes",
]

#: Largest upload the page reads, in bytes (scenarios are a few kilobytes; the flagship,
#: the largest shipped, is under 40 KB).
UPLOAD_LIMIT = 256 * 1024

#: One game played in one round, whatever its form.
AnyPlay = Play | TreePlay | BargainingPlay

#: Where a slider belongs on the page: the scenario's ``sweep:`` factors first, then the
#: other parameters, then the starting state (actors' variables and the parameters that
#: the dynamics change).
Group = Literal["swept", "parameter", "state"]

#: Steps of a slider whose range no sweep gives.
_DEFAULT_STEPS = 100


@dataclass(frozen=True)
class Slider:
    """A value the page lets the student move.

    Attributes
    ----------
    name : str
        A parameter or ``Actor.variable`` (the key of :meth:`Scenario.with_overrides`).
    low, high, step : float
        The slider's range and step.
    value : float
        The scenario's value (where the slider starts).
    group : str
        ``"swept"``, ``"parameter"`` or ``"state"``.
    origin : str
        Where the range comes from: ``"sweep: block"`` or ``"default range"``.
    note : str
        What the value is, from the comment after it in the scenario file (empty if none).
    """

    name: str
    low: float
    high: float
    step: float
    value: float
    group: Group
    origin: str
    note: str = ""


def sliders(scenario: Scenario) -> list[Slider]:
    """A slider for every numeric value a run starts from: the ``sweep:`` block's factors
    (with its range), the other parameters and the starting state (with a default range:
    ``[0, 1]`` for a value from 0 up to 1, else ``[0, 2·value]``, ``[-1, 0]`` for a value
    between -1 and 0, ``[2·value, 0]`` from -1 down: the value is never at an end but for
    0), in steps of 1, 2 or 5 times a power of ten, about a hundred of them; a value the
    file writes as a whole number (``theta: 0``, a switch or a counter) moves in whole
    steps from ``min(0, 2·value)`` to ``max(2, 2·value)``.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> sliders(parse_scenario(_EXAMPLE + "sweep: {params: {cost: '0:4:5'}}"))
    ... # doctest: +NORMALIZE_WHITESPACE
    [Slider(name='cost', low=0.0, high=4.0, step=1.0, value=1.0, group='swept', origin='sweep: block', note=''),
     Slider(name='A.x', low=0.0, high=2.0, step=1.0, value=0.0, group='state', origin='default range', note='')]
    """
    swept = _swept_factors(scenario)
    dynamic = set(scenario.dynamic_parameters)
    notes = value_notes(scenario.text)
    found: list[Slider] = []
    for name, factor in swept.items():
        found.append(_from_factor(factor, scenario.initial[name]))
    whole = _written_whole(scenario)
    for name in scenario.parameters:
        if name not in swept:
            group: Group = "state" if name in dynamic else "parameter"
            found.append(_default(name, scenario.initial[name], group, whole=name in whole))
    for actor, variables in scenario.actors.items():
        for variable in variables:
            name = f"{actor}.{variable}"
            if name not in swept:
                found.append(_default(name, scenario.initial[name], "state", whole=name in whole))
    order = {"swept": 0, "parameter": 1, "state": 2}
    found = [replace(slider, note=notes.get(slider.name, "")) for slider in found]
    return sorted(found, key=lambda slider: order[slider.group])  # stable: file order within a group


#: ``  name: value   # comment``: a key with a scalar value and a comment after it.
_COMMENTED_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):[ \t]+[^#{\[\n]*?#[ \t]?(?P<note>.*)$")
#: ``  key:`` opening a block (no value on its line).
_BLOCK_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):[ \t]*(#.*)?$")
#: A comment line alone: the note of the key above goes on when it is indented deeper.
_COMMENT_LINE = re.compile(r"^(?P<indent> *)#[ \t]?(?P<note>.*)$")


def value_notes(text: str) -> dict[str, str]:
    """What the scenario file's comments say of its parameters and actors' state: the
    comment after ``name: value`` and the comment lines below it indented deeper (the
    project's scenarios say there what each number models and where it comes from).

    Examples
    --------
    >>> text = "parameters:\\n  p: 0.6   # A's chance of winning\\n           #   a war [assumption]\\n"
    >>> text += "actors:\\n  A:\\n    state:\\n      fatigue: 1.0  # war fatigue\\n"
    >>> value_notes(text)
    {'p': "A's chance of winning a war [assumption]", 'A.fatigue': 'war fatigue'}
    """
    notes: dict[str, str] = {}
    path: list[tuple[int, str]] = []  # the open block keys, with their indentation
    last: tuple[str, int] | None = None  # the note being written, with its key's indentation
    for line in text.splitlines():
        comment = _COMMENT_LINE.match(line)
        if comment:
            if last is not None and len(comment["indent"]) > last[1]:
                notes[last[0]] = f"{notes[last[0]]} {comment['note'].strip()}".strip()
            else:
                last = None
            continue
        if not line.strip():
            continue
        last = None
        indent = len(line) - len(line.lstrip(" "))
        path = [(i, key) for i, key in path if i < indent]
        if block := _BLOCK_KEY.match(line):
            path.append((indent, block["key"]))
        elif keyed := _COMMENTED_KEY.match(line):
            name = _value_name([key for _, key in path], keyed["key"])
            if name is not None:
                notes[name] = keyed["note"].strip()
                last = (name, indent)
    return notes


def _value_name(path: list[str], key: str) -> str | None:
    """``G_D`` under ``parameters``, ``EU.pi`` under ``actors: EU: state``, else None."""
    if path == ["parameters"]:
        return key
    if len(path) == 3 and path[0] == "actors" and path[2] == "state":
        return f"{path[1]}.{key}"
    return None


def _swept_factors(scenario: Scenario) -> dict[str, Factor]:
    """The ``sweep:`` block's numeric factors of values a run starts from (not ``select``)."""
    block = scenario.spec.sweep
    if block is None:
        return {}
    factors: dict[str, Factor] = {}
    for name, value in block.params.items():
        if name not in scenario.initial:
            continue  # a selection rule or a solver: not a number
        text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
        factor = parse_factor(f"{name}={text}")
        if factor.values is None or all(isinstance(v, float) for v in factor.values):
            factors[name] = factor
    return factors


def _from_factor(factor: Factor, value: float) -> Slider:
    if factor.values is not None:
        levels = sorted(float(v) for v in factor.values)
        low, high = levels[0], levels[-1]
        gaps = {round(b - a, 12) for a, b in itertools.pairwise(levels)}
        step = gaps.pop() if len(gaps) == 1 else (high - low) / _DEFAULT_STEPS
    else:
        assert factor.low is not None and factor.high is not None
        low, high = factor.low, factor.high
        step = (high - low) / (factor.count - 1) if factor.count and factor.count > 1 else (high - low) / _DEFAULT_STEPS
    low, high = min(low, value), max(high, value)
    return Slider(factor.name, low, high, _nice(step, high - low), value, "swept", "sweep: block")


def _written_whole(scenario: Scenario) -> set[str]:
    """The values the file writes as whole numbers (``theta: 0``, not ``0.0``): switches
    and counters, which move in whole steps."""
    spec = scenario.spec
    found = {name for name, value in spec.parameters.items() if isinstance(value, int)}
    for actor, body in spec.actors.items():
        found |= {f"{actor}.{name}" for name, value in body.state.items() if isinstance(value, int)}
    return found


def _default(name: str, value: float, group: Group, *, whole: bool = False) -> Slider:
    if whole:  # a switch (0, 1, 2) or a counter: whole steps, room up to twice the value or 2
        low, high = min(0.0, 2 * value), max(2.0, 2 * value)
        return Slider(name, low, high, 1.0, value, group, "default range")
    if 0 <= value < 1:
        low, high = 0.0, 1.0
    elif value >= 1:
        low, high = 0.0, 2 * value
    elif value > -1:
        low, high = -1.0, 0.0
    else:
        low, high = 2 * value, 0.0
    return Slider(name, low, high, _nice((high - low) / _DEFAULT_STEPS, high - low), value, group, "default range")


def _nice(step: float, span: float) -> float:
    """A positive step of 1, 2 or 5 times a power of ten, at most ``step`` (a whole range
    for a zero span).

    Examples
    --------
    >>> _nice(0.0075, 0.75), _nice(0.02, 2.0), _nice(3.0, 300.0), _nice(0.0, 0.0)
    (0.005, 0.02, 2.0, 1.0)
    """
    if not step > 0 or not math.isfinite(step):
        return 1.0 if span == 0 else span
    power = math.floor(math.log10(step))
    for mantissa in (5, 2, 1):
        nice = mantissa * 10.0**power
        if nice <= step * (1 + 1e-9):
            return float(f"{nice:.12g}")
    return float(f"{10.0**power:.12g}")


def scenario_files(folder: str | Path) -> list[str]:
    """The scenario files under ``folder`` (``*.yaml`` and ``*.yml``, subfolders
    included), as paths relative to it, sorted: top-level files first.

    Examples
    --------
    >>> scenario_files("scenarios")[:2]
    ['buffer_zone.yaml', 'escalation_hazard.yaml']
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    found = [p for p in root.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file()]
    relative = [p.relative_to(root) for p in found]
    return [str(p) for p in sorted(relative, key=lambda p: (len(p.parts), str(p)))]


def load_upload(name: str, data: bytes) -> Scenario:
    """Check an uploaded scenario: at most :data:`UPLOAD_LIMIT` bytes of UTF-8 YAML.

    Raises
    ------
    ScenarioError
        Too large, not text, or not a valid scenario: the message names the file, the
        line and the field, as for a file on disk.

    Examples
    --------
    >>> load_upload("mine.yaml", b"name: x\\nrounds: 0\\n")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: mine.yaml:2: rounds: Input should be greater than or equal to 1
    """
    shown_name = Path(name).name or "upload"
    if len(data) > UPLOAD_LIMIT:
        raise _too_large(name, len(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text (byte {exc.start}); save the scenario as UTF-8", file=shown_name) from None
    return parse_scenario(text, shown_name)


def _too_large(name: str, size: int | None) -> ScenarioError:
    said = f"{size:,} bytes, more" if size is not None and size > UPLOAD_LIMIT else "more"
    return ScenarioError(
        f"{said} than the page reads ({UPLOAD_LIMIT:,}); a scenario is a few kilobytes: is this the right file?",
        file=Path(name).name or "upload",
    )


def read_upload(message: Mapping[str, object]) -> Scenario:
    """Check what the page's upload field sent: ``{"name", "size", "data"}`` with the
    file's bytes in base64 (``data`` None when the page found the file too large to send).

    Raises
    ------
    ScenarioError
        As :func:`load_upload`, or if the message is not such a file.

    Examples
    --------
    >>> from sim.scenario.load import _EXAMPLE
    >>> read_upload({"name": "tiny.yaml", "size": 9, "data": base64.b64encode(_EXAMPLE.encode()).decode()}).name
    'tiny'
    >>> read_upload({"name": "big.yaml", "size": 10**7, "data": None})
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: big.yaml: 10,000,000 bytes, more than the page reads (262,144); a scenario ...
    """
    name = str(message.get("name") or "upload")
    data = message.get("data")
    size = message.get("size")
    if data is None or not isinstance(data, str) or len(data) > 4 * (UPLOAD_LIMIT // 3 + 1):
        raise _too_large(name, size if isinstance(size, int) else None)
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        raise ScenarioError("the upload arrived damaged; upload it again", file=Path(name).name) from None
    return load_upload(name, raw)


def load_file(folder: str | Path, relative: str) -> Scenario:
    """Load one of :func:`scenario_files`' files (a path outside ``folder`` is refused)."""
    root = Path(folder).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ScenarioError(f"not a scenario of {folder}", file=relative)
    return load_scenario(path)


@dataclass
class Session:
    """A scenario played round by round with the values the sliders set.

    Parameters
    ----------
    scenario : Scenario
        As loaded (the sliders' values are applied on top).
    values : mapping, optional
        Slider name -> value, where it differs from the scenario's.

    Attributes
    ----------
    model : NegotiationModel
        The mesa model being played.
    error : str or None
        The message of the error that stopped the run (a formula failing in some round),
        else None.

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> session = Session(parse_scenario(_EXAMPLE))
    >>> session.step()
    >>> session.round, session.running, [p.labels for p in session.plays()]
    (1, True, [('go',)])
    >>> moved = session.with_value("cost", 2.0)
    >>> moved.round, [p.labels for p in moved.plays()]
    (1, [('stay',)])
    """

    scenario: Scenario
    values: Mapping[str, float] = field(default_factory=dict)
    model: NegotiationModel = field(init=False)
    error: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        played = self.scenario.with_overrides(self.values) if self.values else self.scenario
        self.model = NegotiationModel(played, seed=self.scenario.seed)

    @property
    def round(self) -> int:
        """Rounds played so far."""
        return int(self.model.round) - (1 if self.error else 0)

    @property
    def max_rounds(self) -> int:
        """The scenario's round limit."""
        return int(self.model.max_rounds)

    @property
    def running(self) -> bool:
        """Whether another round can be played."""
        return bool(self.model.running) and self.error is None

    @property
    def stop_reason(self) -> str:
        """``"running"``, ``"rounds"``, ``"stop_when"`` or ``"error"``."""
        if self.error is not None:
            return ERROR
        return RUNNING if self.model.stop_reason is None else str(self.model.stop_reason)

    def step(self) -> None:
        """Play one round (nothing once the run has stopped); an error in the scenario's
        formulas stops the run and is kept in :attr:`error`."""
        if not self.running:
            return
        try:
            self.model.step()
        except UserError as exc:
            self.error = str(exc)

    def play_to(self, round_number: int) -> None:
        """Play until ``round_number`` rounds are played or the run stops."""
        while self.running and self.round < round_number:
            self.step()

    def with_value(self, name: str, value: float) -> Session:
        """The same scenario with one slider moved, replayed to the same round."""
        values = {**self.values, name: value}
        moved = Session(self.scenario, values)
        moved.play_to(self.round)
        return moved

    def restarted(self) -> Session:
        """The same scenario and values, back before round 1."""
        return Session(self.scenario, self.values)

    def plays(self, round_number: int | None = None) -> list[AnyPlay]:
        """The games played in a round (the last one played by default), in play order."""
        number = self.round if round_number is None else round_number
        history = self.model.history
        records: list[AnyPlay] = [*history.plays, *history.tree_plays, *history.bargaining_plays]
        order = {plan.name: k for k, plan in enumerate(self.model.scenario.stages)}
        return sorted((p for p in records if p.round == number), key=lambda p: order[p.game])

    def tables(self) -> RunTables:
        """The run so far as tables (the same as :func:`sim.run` returns for it)."""
        history = self.model.history.up_to(self.round)
        return RunTables(
            self.model.scenario, self.model.seed, self.max_rounds, self.round, self.stop_reason, history, self.error
        )
