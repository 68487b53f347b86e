"""Equilibria of game trees, against values derived by hand and against the normal form."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.game.behaviour import expected_payoffs, nash_regret, sequential_check, tolerance
from sim.game.equilibrium import regret
from sim.game.tree import Chance, Decision, ExtensiveFormGame, Spec, Terminal, build
from sim.solvers.reduced_form import behaviour_of_plans, reduced_normal_form
from sim.solvers.registry import solve
from sim.solvers.trees import backward_induction, exact_payoffs, profile_text, solve_tree


def T(*payoffs: F | int) -> Terminal:
    """A terminal with exact payoffs."""
    exact = tuple(F(p) for p in payoffs)
    return Terminal(tuple(float(p) for p in exact), exact)


def C(moves: dict[str, tuple[F, Spec]]) -> Chance:
    """A chance node with exact probabilities."""
    return Chance({m: (float(p), child) for m, (p, child) in moves.items()}, tuple(F(p) for p, _ in moves.values()))


ENTRY = build(
    "entry",
    ("Entrant", "Incumbent"),
    Decision("Entrant", {"Out": T(0, 2), "In": Decision("Incumbent", {"Fight": T(-1, -1), "Accommodate": T(1, 1)})}),
)


def test_entry_deterrence_has_one_subgame_perfect_equilibrium_and_a_non_credible_threat() -> None:
    # Selten's chain store, one market: Out gives (0, 2); after In, Fight gives (-1, -1) and
    # Accommodate (1, 1). Backward induction: the incumbent accommodates (1 > -1), so the entrant
    # enters (1 > 0). (Out, Fight) is a Nash equilibrium too (0 >= -1 for the entrant; the
    # incumbent's move is never reached), but Fight is not a best reply once In happened: a
    # non-credible threat, worth 2 to the incumbent to abandon at the information set "In".
    # The Nash set also holds (Out, mixed) with P(Fight) >= 1/2; its extreme point is 1/2.
    result = solve_tree(ENTRY, "nash", mixed=True, everything=True)
    texts = [profile_text(ENTRY, eq) for eq in result.equilibria]
    assert texts == [
        "Entrant: In; Incumbent: Accommodate",
        "Entrant: Out; Incumbent: Fight",
        "Entrant: Out; Incumbent: 1/2 Fight + 1/2 Accommodate",
    ]
    assert [eq.subgame_perfect for eq in result.equilibria] == [True, False, False]
    threat = result.equilibria[1]
    assert [(ENTRY.infosets[k].label, gain) for k, gain in threat.failures] == [("In", 2.0)]
    assert threat.on_path == (True, False)
    assert result.equilibria[2].exact == ((F(1), F(0)), (F(1, 2), F(1, 2)))
    (spe,) = solve_tree(ENTRY).solutions
    assert profile_text(ENTRY, spe) == "Entrant: In; Incumbent: Accommodate"
    assert spe.payoffs.tolist() == [1.0, 1.0]


def centipede(stages: int) -> ExtensiveFormGame:
    """Rosenthal's centipede: at stage t the mover takes (t + 2 for the mover, t for the
    other) or passes; if the last mover passes, both get ``stages``."""

    def stage(t: int) -> Spec:
        if t == stages:
            return T(stages, stages)
        mover = t % 2
        take = (t + 2, t) if mover == 0 else (t, t + 2)
        return Decision(("A", "B")[mover], {"take": T(*take), "pass": stage(t + 1)})

    return build(f"centipede{stages}", ("A", "B"), stage(0))


@pytest.mark.parametrize("stages", [2, 4, 6])
def test_centipede_unravels_to_taking_at_once(stages: int) -> None:
    # At the last stage t = stages - 1 the mover takes (stages + 1 > stages); at any earlier stage t,
    # passing gets the mover t + 1 (the next mover takes), taking gets t + 2: take. So the unique
    # SPE takes at every stage, and the game ends at once with payoffs (2, 0).
    (spe,) = backward_induction(centipede(stages))
    assert all(mix.tolist() == [1.0, 0.0] for mix in spe)
    assert expected_payoffs(centipede(stages), spe).tolist() == [2.0, 0.0]


def test_backward_induction_lists_every_tie() -> None:
    # B is indifferent (1 = 1) after x; A then gets 3 (B plays l: A plays x) or 0 (B plays r: A
    # plays y for 1 > 0). Both are subgame perfect; after y, nothing is left to decide.
    game = build("tie", ("A", "B"), Decision("A", {"x": Decision("B", {"l": T(3, 1), "r": T(0, 1)}), "y": T(1, 0)}))
    found = [profile_text(game, eq) for eq in solve_tree(game).solutions]
    assert found == ["A: x; B: l", "A: y; B: r"]


def troop_crisis(pi: F = F(3, 10), a_eu: F = F(1, 2)) -> ExtensiveFormGame:
    """The 34-terminal troop crisis of the flagship brief at esc = 0, with no lock-in.

    Chance picks Russia's type (resolved r with probability pi, else o); the EU, not seeing it,
    picks D, M or H; after D or M Russia picks R or E; chance implements the other move with
    probability 1/20; after a realised E the EU stands firm (S, then a wider war with p_X) or
    backs down (B). Parameters: G = 3/5, 7/20, 1/10; k = d = 1, 3/10; B = 4, W = 2, lambda = 1/2,
    c_E = 3/10, p = 3/100, 1/50; K_EU = K_o = 20, K_r = 5; A_RU = 1/5."""
    g = {"D": F(3, 5), "M": F(7, 20), "H": F(1, 10)}
    k = d = {"D": F(1), "M": F(3, 10)}
    b, w, lam, c_e, a_ru, k_eu = F(4), F(2), F(1, 2), F(3, 10), F(1, 5), F(20)
    p = {"D": F(3, 100), "M": F(1, 50)}
    k_war = {"r": F(5), "o": F(20)}
    eps = F(1, 20)

    def after_incident(theta: str, x: str) -> Decision:
        firm = C(
            {
                "war": (p[x], T(b * g[x] * (1 - lam) - k[x] - d[x] - k_eu, -w * g[x] * (1 - lam) - c_e - k_war[theta])),
                "no war": (1 - p[x], T(b * g[x] * (1 - lam) - k[x] - d[x], -w * g[x] * (1 - lam) - c_e)),
            }
        )
        back = T(b * g["H"] - k[x] - d[x] - a_eu, -w * g["H"] - c_e)
        return Decision("EU", {"S": firm, "B": back}, infoset=f"EU after an incident at {x}")

    def russia(theta: str, x: str) -> Decision:
        tolerate = T(b * g[x] - k[x], -w * g[x] - a_ru)
        return Decision(
            "Russia",
            {
                "R": C({"R": (1 - eps, tolerate), "E": (eps, after_incident(theta, x))}),
                "E": C({"E": (1 - eps, after_incident(theta, x)), "R": (eps, tolerate)}),
            },
            infoset=f"Russia {theta} after {x}",
        )

    def eu(theta: str) -> Decision:
        return Decision(
            "EU", {"D": russia(theta, "D"), "M": russia(theta, "M"), "H": T(b * g["H"], -w * g["H"])}, infoset="EU"
        )

    return build("troop crisis", ("EU", "Russia"), C({"r": (pi, eu("r")), "o": (1 - pi, eu("o"))}))


def test_the_troop_crisis_has_the_one_pbe_of_the_brief() -> None:
    # CHECK 2 of the model brief: EU monitors (M), firm after an incident at D and at M; the
    # resolved type escalates at D and M, the opportunistic one tolerates. Payoffs: EU
    # 163/250 = (1 - P_E)(B G_M - k_M) + P_E (B G_M / 2 - k_M - d_M - p_M K_EU) with
    # P_E = 3/10 * 19/20 + 7/10 * 1/20 = 8/25; Russia -69/80 ex ante.
    game = troop_crisis()
    assert len(game.terminals) == 34
    result = solve_tree(game)
    (pbe,) = result.solutions
    assert profile_text(game, pbe) == "EU: M, S, S; Russia: E, E, R, R"
    assert pbe.exact is not None
    assert exact_payoffs(game, pbe.exact) == (F(163, 250), F(-69, 80))
    assert pbe.sequentially_rational and pbe.subgame_perfect


@pytest.mark.parametrize(
    ("pi", "posture"),
    [(F(1, 10), "D"), (F(22, 126), "D"), (F(24, 126), "M"), (F(3, 10), "M"), (F(49, 100), "M"), (F(3, 5), "H")],
)
def test_the_eu_posture_follows_the_belief_thresholds(pi: F, posture: str) -> None:
    # CHECK 1: with P_E = 1/20 + 9/10 pi, U(D) = 7/5 - 14/5 P_E, U(M) = 11/10 - 7/5 P_E, U(H) = 2/5:
    # D iff pi < 23/126, M iff 23/126 <= pi < 1/2, H iff pi >= 1/2.
    game = troop_crisis(pi)
    postures = {profile_text(game, eq).split(",")[0] for eq in solve_tree(game).solutions}
    assert postures == {f"EU: {posture}"}


def test_a_threat_off_the_path_needs_a_supporting_belief() -> None:
    # Signalling: the sender (type strong or weak, 1/2 each) sends a or b; the receiver sees the
    # message, not the type. Pooling on a with the receiver fighting after b: b is off the path,
    # and fighting after b is a best reply only if the receiver believes b comes from the weak
    # type (fight pays 1 against weak, -1 against strong): the belief found puts weight on weak.
    def sender(theta: str) -> Decision:
        fight_pays = 1 if theta == "weak" else -1
        reply = {"fight": T(-1, fight_pays), "yield": T(1, 0)}
        return Decision(
            "S",
            {
                "a": Decision("R", reply, infoset="after a"),
                "b": Decision("R", dict(reply), infoset="after b"),
            },
            infoset=theta,
        )

    game = build("signal", ("S", "R"), C({"strong": (F(1, 2), sender("strong")), "weak": (F(1, 2), sender("weak"))}))
    labels = [s.label for s in game.infosets]
    pooling = game.pure_behaviour(
        [{"strong": 0, "after a": 1, "after b": 0, "weak": 0}[label] for label in labels]
    )  # both types send a; R yields after a, fights after b
    check = sequential_check(game, pooling)
    assert check.rational
    belief_after_b = check.beliefs[labels.index("after b")]
    assert belief_after_b is not None
    nodes = game.infosets[labels.index("after b")].nodes
    weak_weight = sum(p for n, p in zip(nodes, belief_after_b.tolist()) if game.nodes[n].path.startswith("weak"))
    assert weak_weight >= 0.5


# --- laws on random trees ----------------------------------------------------------------


@st.composite
def perfect_information_trees(draw: st.DrawFn) -> ExtensiveFormGame:
    def node(depth: int) -> Spec:
        if depth == 0 or draw(st.integers(0, 3)) == 0:
            return T(draw(st.integers(-3, 3)), draw(st.integers(-3, 3)))
        moves = draw(st.integers(2, 3)) if depth == 2 else 2
        if draw(st.integers(0, 4)) == 0:
            share = [F(1, moves)] * moves
            return C({f"c{m}": (share[m], node(depth - 1)) for m in range(moves)})
        return Decision(draw(st.sampled_from(["A", "B"])), {f"m{m}": node(depth - 1) for m in range(moves)})

    root = Decision("A", {"x": node(2), "y": node(2)})
    return build("random", ("A", "B"), root)


@settings(max_examples=60, deadline=None)
@given(perfect_information_trees())
@pytest.mark.slow
def test_every_subgame_perfect_equilibrium_is_a_nash_equilibrium_of_the_reduced_normal_form(
    game: ExtensiveFormGame,
) -> None:
    normal, every = reduced_normal_form(game)
    for behaviour in backward_induction(game):
        assert nash_regret(game, behaviour) <= tolerance(game)
        mixes = []  # the plan each player's pure behaviour picks
        for player, own in enumerate(every):
            mix = np.zeros(len(own))
            chosen = next(
                i for i, plan in enumerate(own) if all(int(np.argmax(behaviour[k])) == m for k, m in plan.items())
            )
            mix[chosen] = 1.0
            mixes.append(mix)
            del player
        assert regret(normal, mixes) <= 1e-9 * max(1.0, normal.payoff_scale)


@settings(max_examples=40, deadline=None)
@given(perfect_information_trees())
@pytest.mark.slow
def test_nash_equilibria_of_trees_are_the_reduced_normal_forms_mapped_to_behaviour(game: ExtensiveFormGame) -> None:
    # Kuhn: every extreme equilibrium of the reduced normal form, mapped to behaviour strategies,
    # gives the same expected payoffs and is a Nash equilibrium of the tree.
    normal, every = reduced_normal_form(game)
    assume(math.comb(sum(normal.shape), normal.shape[0]) <= 3000)  # enumerated in this process, quickly
    for eq in solve(normal).equilibria:
        partial = behaviour_of_plans(game, every, [mix.tolist() for mix in eq.strategies])
        behaviour = tuple(b if b is not None else np.eye(len(s.moves))[0] for b, s in zip(partial, game.infosets))
        np.testing.assert_allclose(expected_payoffs(game, behaviour), eq.payoffs, atol=1e-9)
        assert nash_regret(game, behaviour) <= 1e-7 * max(1.0, normal.payoff_scale)
    found = solve_tree(game, "nash", mixed=True, everything=True)
    assert all(nash_regret(game, eq.behaviour) <= tolerance(game) for eq in found.equilibria)
    assert any(eq.subgame_perfect for eq in found.equilibria)


def test_a_three_player_tree_without_a_pure_equilibrium_gets_its_mixed_one_through_gambit() -> None:
    from sim.solvers import gambit

    if not gambit.available():
        pytest.skip("needs pygambit (pip install 'diplosim[gambit]')")

    # A and B play matching pennies (B does not see A's coin); C only watches (payoff 0).
    # Matching pennies has no pure equilibrium and one mixed: both play heads with 1/2.
    def pennies(a: str) -> Decision:
        return Decision("B", {b: T(*((1, -1, 0) if a == b else (-1, 1, 0))) for b in ("h", "t")}, infoset="B")

    game = build("pennies and a watcher", ("A", "B", "C"), Decision("A", {"h": pennies("h"), "t": pennies("t")}))
    result = solve_tree(game)
    assert [profile_text(game, eq) for eq in result.solutions] == ["A: 1/2 h + 1/2 t; B: 1/2 h + 1/2 t; C: "]
    assert result.solutions[0].payoffs.tolist() == [0.0, 0.0, 0.0]
    assert result.notes == ("three or more players: Gambit's method on the reduced normal form may miss equilibria",)
    assert result.complete is False
