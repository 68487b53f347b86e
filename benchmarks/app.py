"""What the browser page's actions cost on the flagship, against a baseline measured in
the same run: the plain run of the same rounds with :func:`sim.run`.

Configurations (seconds each; all on the flagship, exact fractions, the page's own code
in :mod:`sim.app.session` and :mod:`sim.app.views`, no browser):

* ``sim.run, 12 rounds`` (the baseline): what a run of those rounds costs anyway;
* ``page: Step x 12``: twelve presses of Step, each followed by the views of the round's
  games (story line, equilibria, matrix HTML): the page's overhead over a run;
* ``page: move a slider at round 12``: the run replayed to round 12 with a new value,
  then the round's views (what a student waits for after moving a slider);
* ``page: draw round 12's figures``: the tree and bargaining pictures and the state
  figure, rendered to PNG as the page sends them;
* ``page: the same but the large tree``: what a Step draws (a tree of more than
  :data:`sim.app.views.SMALL_TREE_NODES` nodes is drawn only when the student asks).

Medians of ``--repeats`` repeats, interleaved so that machine noise hits all alike. Run
with ``make bench`` or ``.venv/bin/python benchmarks/app.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interleaved import measure, print_table

from sim.api import run
from sim.app.session import Session, sliders
from sim.app.views import game_view, state_figure
from sim.scenario.load import load_scenario

ROUNDS = 12
FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "eu_russia_ukraine_buffer_zone.yaml"
SCENARIO = load_scenario(FLAGSHIP)
SLIDER = sliders(SCENARIO)[0]


def plain_run() -> float:
    start = time.perf_counter()
    assert run(SCENARIO, rounds=ROUNDS).rounds_played == ROUNDS
    return time.perf_counter() - start


def _views(session: Session) -> None:
    for play in session.plays():
        game_view(play, session.model.scenario)


def stepped() -> float:
    start = time.perf_counter()
    session = Session(SCENARIO)
    for _ in range(ROUNDS):
        session.step()
        _views(session)
    return time.perf_counter() - start


AT_ROUND = Session(SCENARIO)
AT_ROUND.play_to(ROUNDS)
_moves = iter(range(10**9))


def moved() -> float:
    value = SLIDER.low + (SLIDER.high - SLIDER.low) * ((next(_moves) % 7) + 1) / 8  # a new value each time
    start = time.perf_counter()
    replayed = AT_ROUND.with_value(SLIDER.name, value)
    _views(replayed)
    assert replayed.round == ROUNDS
    return time.perf_counter() - start


def drawn(large: bool = True) -> float:
    start = time.perf_counter()
    views = [game_view(play, SCENARIO) for play in AT_ROUND.plays()]
    figures = [view.figure() for view in views if view.figure is not None and (large or not view.large)]
    figures.append(state_figure(AT_ROUND.tables()))
    for figure in figures:
        figure.savefig(io.BytesIO(), format="png")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    configurations = {
        f"sim.run, {ROUNDS} rounds (baseline)": plain_run,
        f"page: Step x {ROUNDS}, with the views": stepped,
        f"page: move {SLIDER.name} at round {ROUNDS}": moved,
        f"page: draw round {ROUNDS}'s figures (PNG)": drawn,
        "page: the same but the large tree (as shown)": lambda: drawn(large=False),
    }
    for configuration in configurations.values():  # imports and caches warm, outside the measurement
        configuration()
    print(f"the flagship, {ROUNDS} rounds")
    print_table(measure(configurations, args.repeats), next(iter(configurations)), "s", "x baseline", 3)


if __name__ == "__main__":
    main()
