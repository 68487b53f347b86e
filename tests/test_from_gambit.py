from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.game.efg import read_efg
from sim.game.tree import ExtensiveFormGame
from sim.scenario.from_gambit import scenario_from_efg

from .conftest import diplosim

GAMBIT = Path(__file__).parent / "data" / "gambit"
CORPUS = sorted(GAMBIT.rglob("*.efg"))
BAGWELL = GAMBIT / "catalog" / "journals" / "geb" / "bagwell1995.efg"
VON_STENGEL = GAMBIT / "catalog" / "journals" / "dcg" / "vonstengel1999" / "6x6_game_with_75_eq.nfg"


def _partition(game: ExtensiveFormGame) -> set[tuple[int, tuple[int, ...]]]:
    return {(infoset.player, infoset.nodes) for infoset in game.infosets}


def _readable(path: Path) -> bool:
    try:
        read_efg(path)
    except ScenarioError:  # imperfect recall: diplosim's trees need perfect recall
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in CORPUS if _readable(p)], ids=lambda p: str(p.relative_to(GAMBIT)))
def test_every_gambit_tree_plays_as_a_scenario_with_the_same_game(path: Path) -> None:
    original = read_efg(path)
    scenario = scenario_from_efg(path)
    [plan] = scenario.trees
    built = plan.template.build(scenario.namespace(), exact=True)
    assert len(built.players) == len(original.players)
    assert [(n.kind, n.parent, n.payoffs, n.probabilities) for n in built.nodes] == [
        (n.kind, n.parent, n.payoffs, n.probabilities) for n in original.nodes
    ]
    assert dict(built.exact_payoffs or {}) == dict(original.exact_payoffs or {})
    assert dict(built.exact_probabilities or {}) == dict(original.exact_probabilities or {})
    assert _partition(built) == _partition(original)


def test_names_gambit_allows_are_made_valid_and_unique(tmp_path: Path) -> None:
    file = tmp_path / "2 coins.efg"
    # players "Player 1", "" (which the reader names "_1", as Gambit does) and "round" (reserved
    # in formulas); moves "heads up" twice
    file.write_text(
        'EFG 2 R "two coins" { "Player 1" "" "round" } '
        'p "" 1 1 "" { "heads up" "heads up" } 0 '
        't "" 1 "" { 1 0 0 } '
        'p "" 2 1 "" { "x" } 0 '
        'p "" 3 1 "" { "y" } 0 '
        't "" 2 "" { 0 1 1 }'
    )
    scenario = scenario_from_efg(file)
    assert list(scenario.actors) == ["Player_1", "Player_1_2", "round_"]
    [plan] = scenario.trees
    assert plan.name == "game_2_coins"
    assert scenario.stages[0].name == "game_2_coins"
    root = plan.template.build(scenario.namespace()).nodes[0]
    assert root.moves == ("heads_up_1", "heads_up_2")  # the reader numbers repeated labels, as Gambit does


def test_run_and_validate_a_gambit_tree_and_refuse_to_run_a_matrix(tmp_path: Path) -> None:
    validated = diplosim("validate", str(BAGWELL), str(VON_STENGEL))
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.splitlines() == [
        f"ok: {BAGWELL}: 'Bagwell (GEB 1995) commitment and (un)observability', 2 actors, 1 game (1 as trees), "
        "0 dynamics rules",
        f'ok: {VON_STENGEL}: "von Stengel\'s 6x6 bimatrix game with 75 equilibria", a 6x6 game of 2 players',
    ]
    played = diplosim("run", str(BAGWELL), "--rounds", "3", "--out", str(tmp_path / "out"))
    assert played.returncode == 0, played.stderr
    assert "Round 3" in played.stdout and (tmp_path / "out" / "moves.csv").exists()
    refused = diplosim("run", str(VON_STENGEL))
    assert refused.returncode == 2
    assert refused.stderr == (
        f"diplosim: error: {VON_STENGEL}: a .nfg file is one game in normal form, not a scenario: solve it with "
        "diplosim solve, or write a scenario with the game to play it round by round\n"
    )
