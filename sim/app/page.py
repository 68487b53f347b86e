"""The browser page (Solara): its layout and what each control calls.

What the page shows is computed in :mod:`sim.app.session` and :mod:`sim.app.views`;
this module only lays it out. Its state (the scenario, the run, the last error) is held
in Solara reactive variables, one set per browser tab. Started by
:func:`sim.app.server.serve` (``diplosim app``), which says, in environment variables,
which folder's scenarios to offer (:data:`FOLDER_VARIABLE`) and which one to open first
(:data:`SCENARIO_VARIABLE`).
"""

from __future__ import annotations

import html
import io
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

import solara

from sim.app.session import UPLOAD_LIMIT, Session, Slider, load_file, read_upload, scenario_files, sliders
from sim.app.views import GameView, game_view, state_figure
from sim.errors import UserError
from sim.scenario.load import Scenario, load_scenario
from sim.terminal import visible
from sim.viz.report import number, story_line

__all__ = ["FOLDER_VARIABLE", "SCENARIO_VARIABLE", "Page"]

#: The environment variable naming the folder whose scenarios the page offers.
FOLDER_VARIABLE = "DIPLOSIM_APP_FOLDER"
#: The environment variable naming the scenario the page opens first.
SCENARIO_VARIABLE = "DIPLOSIM_APP_SCENARIO"

_STYLE = """
.diplosim-matrix { border-collapse: collapse; margin: 6px 0 10px 0; font-variant-numeric: tabular-nums; }
.diplosim-matrix th, .diplosim-matrix td { border: 1px solid #bbb; padding: 4px 10px; text-align: center; }
.diplosim-matrix td.played { background: #fff2b3; }
.diplosim-matrix caption { caption-side: top; text-align: left; font-style: italic; }
.diplosim-chosen { font-weight: 600; }
.diplosim-note { display: block; font-size: 12px; color: #666; margin: -10px 0 8px 8px; line-height: 1.3; }
.v-btn.v-btn--disabled { opacity: 0.45; }
.diplosim-story { font-family: monospace; white-space: pre-wrap; font-size: 13px; }
"""

folder = solara.reactive(Path(os.environ.get(FOLDER_VARIABLE, "scenarios")))
#: The file shown as chosen (a path under the folder, or an upload's name).
chosen = solara.reactive("")
session = solara.reactive(cast(Session | None, None))
#: Bumped whenever the session changes (stepped in place, or replaced), so that figures are drawn anew.
version = solara.reactive(0)
#: The round whose games are shown (0: the last one played).
shown_round = solara.reactive(0)
#: The last problem to show inline (a scenario that does not load, a formula that failed).
problem = solara.reactive("")


@solara.component_vue("upload.vue")
def UploadField(limit: int, event_upload: Callable[[dict[str, Any]], None]) -> None:
    """A file field that sends the chosen file's bytes (base64) when it is small enough."""


#: PNGs of the page's figures by (session, version, round, game or "state"). They are drawn
#: inside an action, behind the progress bar, so that the page then only shows them; the
#: newest :data:`_MOST_PICTURES` are kept.
_PICTURES: dict[tuple[int, int, int, str], bytes] = {}
_MOST_PICTURES = 64
#: Resolution of the figures shown in the page (a full-size download uses 150).
_PAGE_DPI = 80


def _png(figure: Any, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _picture(key: tuple[int, int, int, str], draw: Callable[[], Any]) -> bytes:
    """The PNG of a figure, drawn the first time it is asked for."""
    if key not in _PICTURES:
        _PICTURES[key] = _png(draw(), _PAGE_DPI)
        while len(_PICTURES) > _MOST_PICTURES:
            _PICTURES.pop(next(iter(_PICTURES)))
    return _PICTURES[key]


#: The views of a round's games by (session, version, round): built once, by the action
#: (or by the first render of an earlier round), not at every render of the page.
_VIEWS: dict[tuple[int, int, int], list[GameView]] = {}


def _views(played: Session, drawn: int, number: int) -> list[GameView]:
    """The views of round ``number``'s games."""
    key = (id(played), drawn, number)
    if key not in _VIEWS:
        _VIEWS[key] = [game_view(play, played.model.scenario) for play in played.plays(number)]
        while len(_VIEWS) > _MOST_PICTURES:
            _VIEWS.pop(next(iter(_VIEWS)))
    return _VIEWS[key]


def _prepare(played: Session, drawn: int) -> None:
    """Build now what the page is about to show: the last round's views and figures (but
    large trees, drawn when asked) and the state over rounds."""
    if played.round == 0:
        return
    for view in _views(played, drawn, played.round):
        if view.figure is not None and not view.large:
            _picture((id(played), drawn, played.round, view.name), view.figure)
    if played.model.history.state_at(0):
        _picture((id(played), drawn, played.round, STATE), lambda: state_figure(played.tables()))


#: The key of the state figure among a round's pictures.
STATE = "state over rounds"


def _replace(played: Session) -> None:
    """Show another session (a new scenario, new values, a restart): drawn anew."""
    drawn = version.value + 1
    _prepare(played, drawn)
    session.set(played)
    shown_round.set(0)
    version.set(drawn)


def _open(scenario: Scenario, name: str) -> None:
    _replace(Session(scenario))
    chosen.set(name)
    problem.set("")


def pick(relative: str) -> None:
    """Open a scenario of the folder."""
    try:
        _open(load_file(folder.value, relative), relative)
    except UserError as exc:
        problem.set(str(exc))


def upload(message: dict[str, Any]) -> None:
    """Open an uploaded scenario, or show why it cannot be opened (the open one stays)."""
    try:
        scenario = read_upload(message)
    except UserError as exc:
        still = f"; still showing {session.value.scenario.name}" if session.value is not None else ""
        problem.set(f"not opened: {exc}{still}")
        return
    _open(scenario, f"{scenario.file} (uploaded)")


def open_first() -> None:
    """Open the scenario named on the command line, if any."""
    given = os.environ.get(SCENARIO_VARIABLE)
    if not given or session.value is not None:
        return
    path = Path(given)
    try:
        relative = str(path.resolve().relative_to(folder.value.resolve()))
    except ValueError:
        relative = ""
    if relative and relative in scenario_files(folder.value):
        pick(relative)
        return
    try:
        _open(load_scenario(path), path.name)
    except UserError as exc:
        problem.set(str(exc))


@solara.lab.task(prefer_threaded=True)
def act(action: Callable[[], None]) -> None:
    """Do what a button or slider asked, off the page's event loop: the page shows a
    progress bar and turns its controls off until it is done (a round of the flagship
    takes about a second)."""
    action()


def _changed(played: Session) -> None:
    if played.error:
        problem.set(f"the run stopped: {played.error}")
    drawn = version.value + 1
    _prepare(played, drawn)
    shown_round.set(0)
    version.set(drawn)


def step() -> None:
    """Play one round."""
    if session.value is not None:
        session.value.step()
        _changed(session.value)


def play_all() -> None:
    """Play the remaining rounds."""
    if session.value is not None:
        session.value.play_to(session.value.max_rounds)
        _changed(session.value)


def restart() -> None:
    """Back before round 1, with the same values."""
    if session.value is not None:
        _replace(session.value.restarted())
        problem.set("")


def move(name: str, value: float) -> None:
    """Set a slider's value and replay to the same round."""
    if session.value is not None:
        problem.set("")
        moved = session.value.with_value(name, float(value))
        _replace(moved)
        if moved.error:
            problem.set(f"the run stopped: {moved.error}")


def reset_values() -> None:
    """Every slider back to the scenario's value, replayed to the same round."""
    current = session.value
    if current is not None:
        fresh = Session(current.scenario)
        fresh.play_to(current.round)
        _replace(fresh)
        problem.set("")


@solara.component
def Page() -> None:
    """The whole page: the scenario and its sliders on the left, the round on the right."""
    solara.use_effect(open_first, [])
    solara.Style(_STYLE)
    solara.Title("diplosim")
    with solara.Sidebar():
        ScenarioPanel()
        SliderPanel()
    with solara.Column(style={"padding": "12px", "max-width": "1400px"}):
        RoundPanel()


@solara.component
def ScenarioPanel() -> None:
    """Pick or upload a scenario; problems shown inline."""
    files = scenario_files(folder.value)
    values = files if chosen.value in files or not chosen.value else [chosen.value, *files]
    solara.Select(
        label=f"Scenario (in {folder.value})", values=values, value=chosen.value, on_value=pick, disabled=act.pending
    )
    UploadField(limit=UPLOAD_LIMIT, event_upload=upload)
    if problem.value:
        solara.Error(visible(problem.value), classes=["diplosim-problem"])


@solara.component
def SliderPanel() -> None:
    """A slider per parameter and starting value: the sweep's factors first."""
    current = session.value
    if current is None:
        return
    found = sliders(current.scenario)
    swept = [s for s in found if s.group == "swept"]
    others = [s for s in found if s.group == "parameter"]
    state = [s for s in found if s.group == "state"]
    if found:
        solara.Button("Reset values", on_click=lambda: act(reset_values), text=True, small=True, disabled=act.pending)
    if swept:
        solara.Text("Swept in the scenario's sweep: block", style={"font-weight": "600"})
        for slider in swept:
            ValueSlider(slider, current.values.get(slider.name, slider.value))
    groups = (
        ("Parameters (fixed in a run)", others, not swept),
        ("Starting state (actors, and the parameters the dynamics change)", state, False),
    )
    for title, group, expand in groups:
        if group:
            with solara.Details(f"{title}: {len(group)}", expand=expand):
                for slider in group:
                    ValueSlider(slider, current.values.get(slider.name, slider.value))


@solara.component
def ValueSlider(slider: Slider, value: float) -> None:
    """One slider, labelled with its name and value, with what the file says of it below."""
    solara.SliderFloat(
        label=f"{slider.name} = {number(value)}",
        value=value,
        min=slider.low,
        max=slider.high,
        step=slider.step,
        on_value=lambda value: act(partial(move, slider.name, value)),
        tick_labels="end_points",
        disabled=act.pending,
    )
    if slider.note:
        solara.Text(visible(slider.note), classes=["diplosim-note"])


@solara.component
def RoundPanel() -> None:
    """The round counter, the controls, each game of the round, the state over time."""
    current = session.value
    _ = version.value  # redraw after a step
    if current is None:
        solara.Text("Pick a scenario on the left, or upload one.")
        return
    scenario = current.model.scenario
    solara.HTML(tag="h2", unsafe_innerHTML=_escaped(scenario.name))
    if scenario.spec.description:
        paragraph = " ".join(scenario.spec.description.split())  # line breaks of the YAML are not the reader's
        solara.Text(visible(paragraph), style={"color": "#444"})
    status = {"running": "", "rounds": " (all rounds played)", "stop_when": " (stopped: its condition held)"}
    ending = status.get(current.stop_reason, " (stopped by an error)")
    counter = f"Round {current.round} of {current.max_rounds}{ending}"
    solara.Text(counter, classes=["diplosim-round"], style={"font-size": "18px", "font-weight": "600"})
    busy = act.pending
    with solara.Row():
        solara.Button("Step", on_click=lambda: act(step), disabled=busy or not current.running, color="primary")
        solara.Button("Play to the end", on_click=lambda: act(play_all), disabled=busy or not current.running)
        solara.Button("Restart", on_click=lambda: act(restart), disabled=busy or current.round == 0)
    if busy:
        solara.ProgressLinear(True)
        solara.Text("playing…", classes=["diplosim-busy"])
    if current.error:
        solara.Error(f"Round {current.round + 1} failed: {visible(current.error)}", classes=["diplosim-run-error"])
    if current.round == 0:
        solara.Text("Press Step to play round 1.")
        return
    number = min(shown_round.value or current.round, current.round)
    if current.round > 1:
        solara.SliderInt(
            f"Show the games of round {number}",
            value=number,
            min=1,
            max=current.round,
            on_value=shown_round.set,
            thumb_label="always",
            tick_labels="end_points",
            disabled=busy,
        )
    if number != current.round:
        solara.Info(f"Showing round {number}'s games (the run is at round {current.round}).", dense=True)
    for view in _views(current, version.value, number):
        GameCard(view, (id(current), version.value, number))
    if current.model.history.state_at(0):
        StateFigure(current, version.value)
    Story(current)


def _escaped(text: str) -> str:
    return html.escape(visible(text))


@solara.component
def GameCard(view: GameView, drawn: tuple[int, int, int]) -> None:
    """One game of the round: the story line, the matrix or picture, the equilibria."""
    with solara.Card(title=visible(view.name)), solara.Column(gap="8px"):
        solara.Text(view.story, classes=["diplosim-story"])
        if view.meanings:
            solara.Text(f"Strategies: {view.meanings}")
        solara.Text(view.heading, style={"color": "#555"})
        if view.matrix:
            solara.HTML(tag="div", unsafe_innerHTML=view.matrix)  # escaped in sim.app.views
            solara.Text("* and bold: a best response to the other players' strategies; shaded: the cell played")
        if view.figure is not None:
            key = (*drawn, view.name)
            if view.large:
                LargeFigure(view.figure, key)
            else:
                GameFigure(view.figure, key)
        title = (
            "Solutions (the cooperative and alternating-offers benchmarks)"
            if view.form == "bargaining"
            else "Equilibria"
        )
        solara.Text(f"{title}: {view.status}", style={"font-weight": "600"})
        lines = []
        payoffs = "payoffs" if view.form == "bargaining" else "expected payoffs"
        for k, row in enumerate(view.equilibria, start=1):
            mark = "  ← chosen" if row.chosen else ""
            lines.append(f"{k}. {row.text}   {payoffs} ({row.payoffs})   [{row.note}]{mark}")
        solara.Text("\n".join(lines), classes=["diplosim-story", "diplosim-equilibria"])


@solara.component
def GameFigure(draw: Callable[[], Any], key: tuple[int, int, int, str]) -> None:
    """A game's tree or bargaining picture (drawn by the action that led here, or now)."""
    solara.Image(_picture(key, draw), format="png")


@solara.component
def LargeFigure(draw: Callable[[], Any], key: tuple[int, int, int, str]) -> None:
    """A large tree, drawn when asked (it takes a while, and reads best zoomed in)."""
    shown, show = solara.use_state(False)
    solara.Button(
        "Hide the tree" if shown else "Draw the tree (large)", on_click=lambda: show(not shown), text=True, small=True
    )
    if shown:
        GameFigure(draw, key)
        solara.FileDownload(
            lambda: _png(draw()),
            filename=f"{key[-1]}.png",
            label="Download the tree at full size (PNG)",
            mime_type="image/png",
        )


@solara.component
def StateFigure(current: Session, drawn: int) -> None:
    """The state over rounds, a panel per actor."""
    key = (id(current), drawn, current.round, STATE)
    solara.Image(_picture(key, lambda: state_figure(current.tables())), format="png")


@solara.component
def Story(current: Session) -> None:
    """Every round so far, as ``diplosim run`` tells it."""
    scenario = current.model.scenario
    lines = []
    for number_ in range(1, current.round + 1):
        lines.append(f"Round {number_}")
        lines += [f"  {visible(p.game)}: {visible(story_line(p, scenario).plain)}" for p in current.plays(number_)]
    with solara.Details("The story so far"):
        solara.Text("\n".join(lines), classes=["diplosim-story"])
