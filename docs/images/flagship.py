"""Draw docs/images/flagship.png, the README's picture of the flagship's run.

Two runs of scenarios/eu_russia_ukraine_buffer_zone.yaml side by side, month by month: the
default seed (2), in which Russia is resolved, and seed 4, in which it is opportunistic.
Rows: the West's belief that Russia is resolved; the EU's moves in the troop crisis
(posture, then its answer to an incident); Russia's intended move; chance (an incident or
none, and after the EU stands firm the wider-war draw); the zone (Ukraine's offers, accepted
or rejected, and the km of the zone in force on Ukraine's side).

Run from the repository's root:  python docs/images/flagship.py
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.api import RunResult, run
from sim.viz.plots import PALETTE, move_timeline, new_figure, state_trajectories

if TYPE_CHECKING:
    from matplotlib.axes import Axes

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "eu_russia_ukraine_buffer_zone.yaml"
OUT = ROOT / "docs" / "images" / "flagship.png"
WORLDS = ((2, "seed 2 (the default): Russia resolved"), (4, "seed 4: Russia opportunistic"))
EU_MOVES = ("hold_back", "monitors", "force", "stand_firm.monitors", "stand_firm.force")  # made in the two runs
CHANCE = ("no_incident", "incident", "contained", "wider_war")  # chance's type draws are left out
ROWS = 5  # belief, EU, Russia, chance, zone
MONTHS = 24  # the scenario's rounds


def draw_world(result: RunResult, title: str, axes: Sequence[Axes]) -> None:
    """One column of the figure: one run, month by month."""
    belief = state_trajectories(result.state, ["EU.pi", "pi_crisis"], ax=axes[0])
    belief.set_title(title, fontsize="large")
    belief.set_ylabel("P(Russia resolved)")
    belief.set_ylim(-0.05, 1.05)
    belief.legend(["end of the month", "after the month's crisis"], fontsize="small", loc="center right")
    move_timeline(result.moves, "crisis", "EU", only=EU_MOVES, ax=axes[1]).set_title("the EU's posture and its answer")
    move_timeline(result.moves, "crisis", "Russia", only=("tolerate", "strike"), ax=axes[2]).set_title(
        "Russia's intended move (hidden from the West)"
    )
    move_timeline(result.moves, "crisis", "chance", only=CHANCE, ax=axes[3]).set_title(
        "chance: an incident or none; then wider war or contained"
    )
    zone = axes[4]
    state = result.state
    km = state[state["variable"] == "zone_km"].set_index("round")["value"]
    in_force = state[state["variable"] == "zone"].set_index("round")["value"] == 1
    km = km.where(in_force)  # no line while no zone is in force
    zone.step(
        km.index, km.to_numpy(dtype=float), where="post", color=PALETTE[2], label="zone in force (km on Ukraine's side)"
    )
    offers: pd.DataFrame = result.offers[result.offers["player"] == "Russia"]
    for answer, marker, colour in (("accept", "o", PALETTE[2]), ("reject", "X", PALETTE[5])):
        made = offers[offers["response"] == answer]
        label = f"Ukraine's offer, {answer}ed"
        zone.plot(made["round"], made["offer"], marker, color=colour, markersize=9, label=label)
    zone.set_ylim(-1, 41)
    zone.set_ylabel("km of the 40 km zone")
    zone.set_title("the zone: Ukraine's offers and the zone in force")
    zone.legend(fontsize="small", loc="upper right")
    for ax in axes:
        ax.set_xlim(-0.5, MONTHS + 0.5)
        ax.set_xlabel("")
    axes[-1].set_xlabel("month (0 = start)")


def main() -> None:
    figure = new_figure((13.0, 12.0))
    grid = figure.subplots(ROWS, 2, sharex=True, height_ratios=(1.4, 1.3, 0.7, 1.0, 1.4))
    for column, (seed, title) in enumerate(WORLDS):
        draw_world(run(SCENARIO, seed=seed), title, list(grid[:, column]))
    figure.suptitle("The flagship's run (v2), month by month: the same crisis against the two types of Russia")
    figure.savefig(OUT, dpi=100)
    print(OUT.relative_to(ROOT))


if __name__ == "__main__":
    main()
