"""Building game trees: layout, subgames, and every kind of bad tree refused with its node."""

from __future__ import annotations

import pytest

from sim.game.tree import Chance, Decision, Terminal, TreeError, build


def coin_then_guess() -> Decision:
    # The guesser does not see the coin: both guess nodes share the information set "guess".
    guess = {"H": Terminal((1.0, -1.0)), "T": Terminal((-1.0, 1.0))}
    return Decision(
        "Hider",
        {
            "h": Decision("Guesser", guess, infoset="guess"),
            "t": Decision("Guesser", {"H": Terminal((-1.0, 1.0)), "T": Terminal((1.0, -1.0))}, infoset="guess"),
        },
    )


def test_nodes_are_in_pre_order_with_paths_and_information_sets() -> None:
    game = build("pennies", ("Hider", "Guesser"), coin_then_guess())
    assert [node.path for node in game.nodes] == ["", "h", "h/H", "h/T", "t", "t/H", "t/T"]
    assert [(s.label, s.player, s.nodes) for s in game.infosets] == [("(root)", 0, (0,)), ("guess", 1, (1, 4))]
    assert game.terminals == (2, 3, 5, 6)
    assert not game.perfect_information and not game.has_chance
    assert game.subgame_roots == (0,)  # "guess" spans both subtrees: no proper subgame
    assert list(game.subtree(4)) == [4, 5, 6]


def test_a_perfect_information_tree_has_a_subgame_at_every_decision() -> None:
    game = build(
        "seq",
        ("A", "B"),
        Decision("A", {"x": Decision("B", {"l": Terminal((1, 0)), "r": Terminal((0, 1))}), "y": Terminal((2, 2))}),
    )
    assert game.perfect_information
    assert game.subgame_roots == (0, 1)


@pytest.mark.parametrize(
    ("tree", "fragment", "path"),
    [
        (Decision("Nobody", {"x": Terminal((0, 0))}), "unknown player 'Nobody' (players: A, B)", ""),
        (Decision("A", {}), "a decision needs at least one move", ""),
        (Decision("A", {"x": Terminal((0,))}), "1 payoffs for 2 players", "x"),
        (Decision("A", {"x": Terminal((float("nan"), 0))}), "payoffs must be finite", "x"),
        (
            Chance({"a": (0.5, Terminal((0, 0))), "b": (0.4, Terminal((0, 0)))}),
            "chance probabilities sum to 0.9, not 1",
            "",
        ),
        (
            Chance({"a": (1.5, Terminal((0, 0))), "b": (-0.5, Terminal((0, 0)))}),
            "chance probabilities must be numbers of at least 0",
            "",
        ),
        (
            Decision(
                "A",
                {
                    "x": Decision("B", {"l": Terminal((0, 0))}, infoset="s"),
                    "y": Decision("A", {"l": Terminal((0, 0))}, infoset="s"),
                },
            ),
            "information set 's' spans two players (B and A)",
            "y",
        ),
        (
            Decision(
                "A",
                {
                    "x": Decision("B", {"l": Terminal((0, 0))}, infoset="s"),
                    "y": Decision("B", {"r": Terminal((0, 0))}, infoset="s"),
                },
            ),
            "the nodes of information set 's' must have the same moves: l elsewhere, r here",
            "y",
        ),
        (
            Decision(  # A forgets its first move: imperfect recall
                "A",
                {
                    "x": Decision("A", {"l": Terminal((0, 0)), "r": Terminal((1, 1))}, infoset="later"),
                    "y": Decision("A", {"l": Terminal((0, 0)), "r": Terminal((1, 1))}, infoset="later"),
                },
            ),
            "imperfect recall: A cannot tell the nodes of information set 'later' apart",
            "y",
        ),
    ],
    ids=[
        "unknown player",
        "no moves",
        "payoff count",
        "nan payoff",
        "sum",
        "negative",
        "two players",
        "moves",
        "recall",
    ],
)
def test_bad_trees_are_refused_with_the_node_path(tree: Decision | Chance, fragment: str, path: str) -> None:
    with pytest.raises(TreeError) as caught:
        build("bad", ("A", "B"), tree)
    assert fragment in caught.value.message
    assert caught.value.path == path
    assert str(caught.value).startswith(f"node {path or '(root)'}: ")


def test_too_many_nodes_are_refused_before_the_tree_is_built() -> None:
    wide = Decision("A", {f"m{i}": Terminal((0, 0)) for i in range(6000)})
    with pytest.raises(TreeError, match="more than 5000 nodes"):
        build("wide", ("A", "B"), wide)
