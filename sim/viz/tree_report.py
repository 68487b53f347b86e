"""Game trees for people: the tree as text, the steps of backward induction, and the
non-credible threats of Nash equilibria that are not subgame perfect or sequentially
rational. Plain text (no markup); the command line prints it.

Game layout: see :mod:`sim.game.tree`.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np

from sim.game.behaviour import exact_beliefs, tolerance, values
from sim.game.readable import fraction_text
from sim.game.tree import ExtensiveFormGame
from sim.solvers.beliefs import bayes, likelihoods, observation
from sim.solvers.trees import TreeEquilibrium, TreeSolveResult, exact_payoffs, profile_text

__all__ = ["induction_steps", "posterior_lines", "threats", "tree_json", "tree_lines", "tree_text"]


def number(value: float | Fraction) -> str:
    """A payoff or probability for reading: fractions as written, floats to 4 digits."""
    if isinstance(value, Fraction):
        return fraction_text(value)
    return format(float(value), ".4g")


def tree_text(game: ExtensiveFormGame, path_of: TreeEquilibrium | None = None) -> str:
    """The tree, one node per line; with an equilibrium, its moves are marked ``*`` (the
    moves played with positive probability; mixed ones with their probability).

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("entry", ("Entrant", "Incumbent"), Decision("Entrant", {
    ...     "Out": Terminal((0, 2)), "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)),
    ...                                                       "Accommodate": Terminal((1, 1))})}))
    >>> print(tree_text(g))
    entry: payoffs (Entrant, Incumbent)
    Entrant at (root)
    ├─ Out: (0, 2)
    └─ In: Incumbent at In
       ├─ Fight: (-1, -1)
       └─ Accommodate: (1, 1)
    """
    lines = [f"{game.name}: payoffs ({', '.join(game.players)})", _label(game, 0)]
    _children(game, 0, "", path_of, lines)
    return "\n".join(lines)


def _label(game: ExtensiveFormGame, k: int) -> str:
    node = game.nodes[k]
    if node.kind == "terminal":
        exact = game.exact_payoffs[k] if game.exact_payoffs is not None else node.payoffs
        return f"({', '.join(number(p) for p in exact)})"
    if node.kind == "chance":
        return "chance"
    infoset = game.infosets[node.infoset]
    shared = f" (with {len(infoset.nodes) - 1} other node{'s' if len(infoset.nodes) > 2 else ''})"
    return f"{game.players[node.player]} at {infoset.label}{shared if len(infoset.nodes) > 1 else ''}"


def _children(game: ExtensiveFormGame, k: int, indent: str, path_of: TreeEquilibrium | None, lines: list[str]) -> None:
    node = game.nodes[k]
    for m, child in enumerate(node.children):
        last = m == len(node.children) - 1
        move = node.moves[m]
        if node.kind == "chance":
            probability = game.exact_probabilities[k][m] if game.exact_probabilities is not None else None
            move += f" [{number(probability if probability is not None else node.probabilities[m])}]"
        elif path_of is not None:
            p = float(path_of.behaviour[node.infoset][m])
            move += "" if p == 0 else " *" if p == 1 else f" *{number(p)}"
        lines.append(f"{indent}{'└─' if last else '├─'} {move}: {_label(game, child)}")
        _children(game, child, indent + ("   " if last else "│  "), path_of, lines)


def induction_steps(game: ExtensiveFormGame) -> list[str]:
    """Backward induction, node by node from the bottom: what each mover compares and
    chooses (a perfect-information tree; ties are named as ties).

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("entry", ("Entrant", "Incumbent"), Decision("Entrant", {
    ...     "Out": Terminal((0, 2)), "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)),
    ...                                                       "Accommodate": Terminal((1, 1))})}))
    >>> print("\\n".join(induction_steps(g)))
    At In, Incumbent compares Fight (-1) with Accommodate (1): chooses Accommodate.
    At (root), Entrant compares Out (0) with In (1): chooses In.
    """
    tol = tolerance(game)
    value = np.zeros((len(game.nodes), game.n_players))
    steps = []
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            value[k] = node.payoffs
            continue
        options = value[list(node.children)]
        if node.kind == "chance":
            value[k] = np.asarray(node.probabilities) @ options
            continue
        own = options[:, node.player]
        best = [m for m in range(len(node.moves)) if own[m] >= own.max() - tol]
        value[k] = options[best[0]]
        compared = " with ".join(f"{move} ({number(v)})" for move, v in zip(node.moves, own.tolist()))
        chosen = (
            f"chooses {node.moves[best[0]]}"
            if len(best) == 1
            else f"is indifferent between {' and '.join(node.moves[m] for m in best)} (each is an equilibrium)"
        )
        steps.append(f"At {node.path or '(root)'}, {game.players[node.player]} compares {compared}: {chosen}.")
    return steps


def threats(result: TreeSolveResult) -> list[str]:
    """For each Nash equilibrium that is not a solution of the concept: where it fails,
    the move it prescribes there, and what a best reply would gain instead."""
    game = result.game
    lines = []
    for eq in result.equilibria:
        if eq.satisfies(result.concept):
            continue
        lines.append(f"Nash equilibrium {profile_text(game, eq)} is not {_concept_words(result.concept)}:")
        now = values(game, eq.behaviour)
        for k, gain in eq.failures:
            infoset = game.infosets[k]
            owner = game.players[infoset.player]
            played = " / ".join(infoset.moves[m] for m, p in enumerate(eq.behaviour[k].tolist()) if p > 0)
            belief = eq.beliefs[k]
            weights = belief if belief is not None else np.full(len(infoset.nodes), 1.0 / len(infoset.nodes))
            worth = [
                sum(w * now[game.nodes[n].children[m], infoset.player] for n, w in zip(infoset.nodes, weights))
                for m in range(len(infoset.moves))
            ]
            better = infoset.moves[int(np.argmax(worth))]
            if eq.on_path[k]:
                lines.append(
                    f"  at {infoset.label}, {owner}'s {played} is not a best reply: {better} gains {number(gain)}."
                )
            else:
                lines.append(
                    f"  at {infoset.label}, never reached in this equilibrium, {owner} would not play {played}: "
                    f"{better} gains {number(gain)} there. The equilibrium rests on a non-credible threat."
                )
        if not eq.failures and not eq.subgame_perfect:
            lines.append("  the play of some subgame is not an equilibrium of that subgame.")
    return lines


def _concept_words(concept: str) -> str:
    return {
        "backward_induction": "subgame perfect",
        "subgame_perfect": "subgame perfect",
        "pbe": "a perfect Bayesian equilibrium",
        "nash": "a Nash equilibrium",
    }[concept]


def tree_lines(result: TreeSolveResult) -> list[str]:
    """The teaching view of a solved tree: the tree with the first solution's moves
    marked, backward induction (perfect information), every equilibrium with what it
    satisfies, and the non-credible threats of those that are not solutions."""
    game = result.game
    lines = tree_text(game, result.solutions[0] if result.solutions else None).splitlines()
    if game.perfect_information:
        lines += ["", "Backward induction:", *(f"  {step}" for step in induction_steps(game))]
    status = "complete list" if result.complete else "possibly incomplete"
    lines += ["", f"Equilibria ({len(result.equilibria)}, {status}; solution concept {result.concept}):"]
    for k, eq in enumerate(result.equilibria, start=1):
        flags = ", ".join(
            name
            for name, holds in (
                ("solution", eq.satisfies(result.concept)),
                ("subgame perfect", eq.subgame_perfect),
                ("sequentially rational", eq.sequentially_rational),
            )
            if holds
        )
        payoffs = _payoffs_exact(game, eq)
        lines.append(f"  {k}. {profile_text(game, eq)}   payoffs ({', '.join(payoffs)})   [{flags or 'Nash only'}]")
    threat_lines = threats(result)
    if threat_lines:
        lines += ["", *threat_lines]
    lines += [f"note: {note}" for note in result.notes]
    return lines


def posterior_lines(
    result: TreeSolveResult,
    types_at: int,
    hidden: Callable[[int], bool] = lambda node: False,
    observer: str = "",
) -> list[str]:
    """For a Bayesian game: the posterior over the types drawn at ``types_at`` after each
    possible observation (every move of the path but the draw itself and ``hidden``
    nodes), under the first solution, with the observation's probability; ``observer``
    names who observes, in the heading.

    Examples
    --------
    >>> from sim.game.tree import Chance, Decision, Terminal, build
    >>> from sim.solvers.trees import solve_tree
    >>> def typed(gain):  # a strong type gains from fighting, a weak one does not
    ...     return Decision("S", {"fight": Terminal((gain,)), "fold": Terminal((0,))}, infoset=None)
    >>> game = build("g", ("S",), Chance({"strong": (0.25, typed(1)), "weak": (0.75, typed(-1))}))
    >>> print("\\n".join(posterior_lines(solve_tree(game), 0)))
    Beliefs about the types drawn at (root), after each observation (first solution):
      after fight (probability 0.25): strong 1, weak 0
      after fold (probability 0.75): strong 0, weak 1
    """
    game = result.game
    draw = game.nodes[types_at]
    seer = f" as {observer} sees them" if observer else ""
    lines = [
        f"Beliefs about the types drawn at {draw.path or '(root)'}, after each observation{seer} (first solution):"
    ]
    if not result.solutions:
        return [*lines, "  (no solution found)"]
    behaviour = result.solutions[0].behaviour

    def hides(node: int) -> bool:
        return node == types_at or hidden(node)

    shown_already: set[tuple[str, ...]] = set()
    for terminal in game.terminals:
        if terminal not in game.subtree(types_at):
            continue
        seen = observation(game, terminal, hides)
        if seen in shown_already:
            continue
        shown_already.add(seen)
        likelihood = likelihoods(game, behaviour, types_at, terminal, hides)
        chance_of = sum(p * q for p, q in zip(draw.probabilities, likelihood))
        posterior = bayes(list(draw.probabilities), likelihood)
        beliefs = ", ".join(f"{move} {number(p)}" for move, p in zip(draw.moves, posterior))
        words = ", ".join(seen) or "nothing"
        if chance_of > 0:
            lines.append(f"  after {words} (probability {number(chance_of)}): {beliefs}")
        else:
            lines.append(f"  after {words} (off the path: the prior stays): {beliefs}")
    return lines


def _payoffs_exact(game: ExtensiveFormGame, eq: TreeEquilibrium) -> list[str]:
    exact = exact_payoffs(game, eq.exact) if eq.exact is not None else None
    return [number(p) for p in (exact if exact is not None else eq.payoffs.tolist())]


def tree_json(result: TreeSolveResult) -> dict[str, object]:
    """Machine-readable form of a solved tree (``solve --json``): per equilibrium, each
    player's behaviour at each information set (labelled as in the game), the expected
    payoffs, whether it is subgame perfect and sequentially rational, and the beliefs at
    each information set (by node path). Exact fraction strings where the game and the
    equilibrium are exact, decimal strings otherwise."""
    game = result.game
    return {
        "name": game.name,
        "form": "extensive",
        "players": list(game.players),
        "concept": result.concept,
        "complete": result.complete,
        "equilibria": [_equilibrium_json(game, eq, result.concept) for eq in result.equilibria],
        "notes": list(result.notes),
    }


def _equilibrium_json(game: ExtensiveFormGame, eq: TreeEquilibrium, concept: str) -> dict[str, object]:
    exact = eq.exact
    behaviour: dict[str, dict[str, dict[str, str]]] = {player: {} for player in game.players}
    for k, infoset in enumerate(game.infosets):
        probabilities = exact[k] if exact is not None else eq.behaviour[k].tolist()
        behaviour[game.players[infoset.player]][infoset.label] = {
            move: _text(p) for move, p in zip(infoset.moves, probabilities)
        }
    beliefs: dict[str, dict[str, str]] = {}
    exact_belief = exact_beliefs(game, exact) if exact is not None and game.exact_payoffs is not None else None
    for k, infoset in enumerate(game.infosets):
        belief = exact_belief[k] if exact_belief is not None and exact_belief[k] is not None else eq.beliefs[k]
        if belief is not None:
            beliefs[infoset.label] = {
                game.nodes[n].path or "(root)": _text(p) for n, p in zip(infoset.nodes, list(belief))
            }
    return {
        "behaviour": behaviour,
        "payoffs": dict(zip(game.players, _payoffs_exact(game, eq) if exact is not None else map(_text, eq.payoffs))),
        "subgame_perfect": eq.subgame_perfect,
        "sequentially_rational": eq.sequentially_rational,
        "solution": eq.satisfies(concept),
        "beliefs": beliefs,
        "failures": [{"infoset": game.infosets[k].label, "gain": _text(gain)} for k, gain in eq.failures],
    }


def _text(value: float | Fraction) -> str:
    return str(value) if isinstance(value, Fraction) else format(float(value), ".10g")
