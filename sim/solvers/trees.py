"""Equilibria of game trees: backward induction, Nash, subgame perfect, perfect Bayesian.

Game and profile layout: see :mod:`sim.game.tree`; the checks are :mod:`sim.game.behaviour`.

Solution concepts (:data:`CONCEPTS`)
    ``backward_induction``
        Trees of perfect information (every information set one node; chance allowed):
        every pure subgame-perfect equilibrium, by backward induction with every tie
        followed (Kuhn 1953, Selten 1965). Complete.
    ``nash``
        Every Nash equilibrium found, in behaviour strategies: the pure ones of the agent
        form (one move per information set, all combinations tried) and, for two players,
        the extreme equilibria of the reduced normal form (plans; solved by the project's
        vertex enumeration) mapped to behaviour strategies (Kuhn 1953: with perfect recall
        they are equivalent). Where an equilibrium leaves an information set of a player
        unreached by that player's own play, the move there is completed by a best reply
        (given the belief the others' play and chance would give it).
    ``subgame_perfect``
        Those Nash equilibria whose restriction to every subgame is a Nash equilibrium.
    ``pbe``
        Perfect Bayesian equilibria: subgame perfect, and sequentially rational at every
        information set, with beliefs from Bayes' rule wherever play reaches the set and,
        elsewhere, beliefs given by the scenario or any belief that makes the moves there
        optimal (the one used is reported). The default for trees with chance moves or
        information sets of several nodes, where plain Nash equilibria include
        non-credible threats.

Every equilibrium returned is verified (no profitable deviation, within the tolerance of
:func:`sim.game.behaviour.tolerance`); those that fail a concept's extra conditions are kept
and flagged, with the information set where they fail. Completeness: the pure equilibria
are all found; for two players the extreme equilibria of the reduced normal form are all
found; mixed equilibria of three or more players are not searched (the list is then
marked incomplete).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sim.errors import SolverError, SolverLimitError
from sim.game.behaviour import (
    beliefs,
    exact_regret,
    expected_payoffs,
    nash_regret,
    sequential_check,
    subgame_regret,
    tolerance,
)
from sim.game.readable import fraction_text
from sim.game.tree import Behaviour, ExtensiveFormGame, FloatArray
from sim.solvers import gambit
from sim.solvers.gambit import TIME_LIMIT
from sim.solvers.reduced_form import behaviour_of_plans, completed, exact_behaviour, reduced_normal_form

__all__ = [
    "CONCEPTS",
    "MAX_AGENT_PROFILES",
    "TreeEquilibrium",
    "TreeSolveResult",
    "backward_induction",
    "check_pbe",
    "default_concept",
    "exact_payoffs",
    "profile_text",
    "solve_tree",
]

CONCEPTS = ("backward_induction", "nash", "subgame_perfect", "pbe")
#: Most pure behaviour profiles tried (one move per information set, every combination).
MAX_AGENT_PROFILES = 200_000
#: Most pure subgame-perfect equilibria followed through ties by backward induction.
MAX_TIES = 10_000


@dataclass(frozen=True, eq=False)
class TreeEquilibrium:
    """One Nash equilibrium of a tree, in behaviour strategies, with what it satisfies.

    Attributes
    ----------
    behaviour : tuple of arrays
        A probability vector per information set (see :mod:`sim.game.tree`).
    payoffs : array of shape (players,)
        Expected payoffs.
    subgame_perfect : bool
        A Nash equilibrium in every subgame.
    sequentially_rational : bool
        Best moves at every information set given the beliefs.
    beliefs : tuple
        Per information set, the probability of each of its nodes (``None`` where no
        belief makes the moves there optimal).
    on_path : tuple of bool
        Per information set: reached with positive probability (beliefs by Bayes' rule).
    failures : tuple of (int, float)
        Information sets where the moves are not best, with the gain of deviating there:
        the non-credible threats and promises of the profile.
    exact : tuple of tuples of Fraction, or None
        The behaviour as fractions, where the game is exact and the equilibrium came from
        an exactly checked solution.
    """

    behaviour: Behaviour
    payoffs: FloatArray
    subgame_perfect: bool
    sequentially_rational: bool
    beliefs: tuple[FloatArray | None, ...]
    on_path: tuple[bool, ...]
    failures: tuple[tuple[int, float], ...]
    exact: tuple[tuple[Fraction, ...], ...] | None = None

    @property
    def is_pure(self) -> bool:
        """True if every information set has one move played with probability one."""
        return all(int(np.count_nonzero(mix)) == 1 for mix in self.behaviour)

    def satisfies(self, concept: str) -> bool:
        """Whether the equilibrium is a solution of ``concept``."""
        if concept in ("nash", "backward_induction"):
            return concept == "nash" or self.subgame_perfect
        if concept == "subgame_perfect":
            return self.subgame_perfect
        return self.subgame_perfect and self.sequentially_rational


@dataclass(frozen=True, eq=False)
class TreeSolveResult:
    """What solving a tree produced.

    Attributes
    ----------
    game : ExtensiveFormGame
    concept : str
        The solution concept asked for (see :data:`CONCEPTS`).
    equilibria : tuple of TreeEquilibrium
        Every Nash equilibrium found, solutions of the concept first, each flagged.
    complete : bool
        True if every solution of the concept is listed (pure and extreme mixed ones).
    notes : tuple of str
    """

    game: ExtensiveFormGame
    concept: str
    equilibria: tuple[TreeEquilibrium, ...]
    complete: bool
    notes: tuple[str, ...] = ()

    @property
    def solutions(self) -> tuple[TreeEquilibrium, ...]:
        """The equilibria that satisfy the concept."""
        return tuple(eq for eq in self.equilibria if eq.satisfies(self.concept))


def default_concept(game: ExtensiveFormGame) -> str:
    """``backward_induction`` for perfect information without chance, else ``pbe``."""
    return "backward_induction" if game.perfect_information and not game.has_chance else "pbe"


def solve_tree(
    game: ExtensiveFormGame,
    concept: str | None = None,
    *,
    mixed: bool | None = None,
    everything: bool = False,
    time_limit: float | None = None,
) -> TreeSolveResult:
    """The equilibria of ``game`` for a solution concept, verified and flagged.

    Parameters
    ----------
    game : ExtensiveFormGame
    concept : str, optional
        One of :data:`CONCEPTS`; :func:`default_concept` by default.
    mixed : bool, optional
        Two players: also search mixed equilibria (the extreme equilibria of the reduced
        normal form). ``None`` (the default) searches them when no pure solution exists;
        the list is marked complete only when they were searched.
    everything : bool
        Also list the Nash equilibria that are not solutions, flagged with where they
        fail (for teaching: the non-credible threats). Slower.
    time_limit : float, optional
        Seconds the solve may take (:data:`sim.solvers.gambit.TIME_LIMIT` by default). Trees
        with more work than :data:`IN_PROCESS_WORK` are solved in the worker process
        (:mod:`sim.solvers.worker`) and stopped there at the limit.

    Raises
    ------
    SolverError
        For ``backward_induction`` on a tree with information sets of several nodes, or
        an unknown concept.
    SolverLimitError
        For a tree too large for the enumeration, or one that runs past the limit.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> entry = build("entry", ("Entrant", "Incumbent"), Decision("Entrant", {
    ...     "Out": Terminal((0, 2)),
    ...     "In": Decision("Incumbent", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))})}))
    >>> for eq in solve_tree(entry, "nash", mixed=True).equilibria:
    ...     print(profile_text(entry, eq), "| subgame perfect:", eq.subgame_perfect)
    Entrant: In; Incumbent: Accommodate | subgame perfect: True
    Entrant: Out; Incumbent: Fight | subgame perfect: False
    Entrant: Out; Incumbent: 0.5 Fight + 0.5 Accommodate | subgame perfect: False
    >>> [profile_text(entry, eq) for eq in solve_tree(entry).solutions]  # backward induction
    ['Entrant: In; Incumbent: Accommodate']
    """
    concept = default_concept(game) if concept is None else concept
    if concept not in CONCEPTS:
        raise SolverError(f"unknown solution concept {concept!r} (known: {', '.join(CONCEPTS)})")
    limit = TIME_LIMIT if time_limit is None else time_limit
    if _work(game) > IN_PROCESS_WORK:
        return _solve_in_worker(game, concept, mixed, everything, limit)
    return solve_tree_here((game, concept, mixed, everything, limit))


#: Work (pure behaviour profiles times nodes) a solve may do in the calling process;
#: larger trees are solved in the worker under the time limit (a 34-node crisis tree
#: with 192 profiles: about 12,000).
IN_PROCESS_WORK = 200_000


def _work(game: ExtensiveFormGame) -> int:
    profiles = 1
    for infoset in game.infosets:
        profiles *= len(infoset.moves)
        if profiles > MAX_AGENT_PROFILES:
            break
    return profiles * len(game.nodes)


def _solve_in_worker(
    game: ExtensiveFormGame, concept: str, mixed: bool | None, everything: bool, limit: float
) -> TreeSolveResult:
    from sim.solvers import worker

    advice = "raise the time limit (time_limit, --time-limit) or simplify the tree"
    size = f"game {game.name} ({len(game.nodes)} nodes, {len(game.infosets)} information sets)"
    if limit <= 0:
        raise SolverLimitError(f"{size} is too large to solve with a time limit of 0 s; {advice}")
    try:
        result: TreeSolveResult = worker.call(
            "sim.solvers.trees:solve_tree_here", (game, concept, mixed, everything, limit), limit
        )
    except worker.TimeLimitError:
        raise SolverLimitError(
            f"{size}: {concept} did not finish within the time limit of {limit:g} s; {advice}"
        ) from None
    except worker.WorkerError as exc:
        if "SolverLimitError" in str(exc):
            raise SolverLimitError(str(exc).split(": ", 1)[1]) from None
        raise SolverError(f"solving game {game.name} failed: {exc}") from None
    return result


def solve_tree_here(request: tuple[ExtensiveFormGame, str, bool | None, bool, float]) -> TreeSolveResult:
    """:func:`solve_tree` in this process (the worker's side for large trees)."""
    game, concept, mixed, everything, limit = request
    if concept == "backward_induction":
        if not game.perfect_information:
            raise SolverError(
                f"backward induction needs perfect information, but game {game.name} has information sets "
                "of several nodes; use the concept pbe or subgame_perfect"
            )
        found = [_flagged(game, b) for b in backward_induction(game)]
        if everything:
            found += _pure_nash(game)
        return TreeSolveResult(game, concept, tuple(_sorted(_unique(found), concept)), True)
    found = _pure_pbe(game) if concept == "pbe" and not everything else _pure_nash(game)
    notes = []
    searched = mixed or (mixed is None and not any(eq.satisfies(concept) for eq in found))
    complete = game.n_players == 1
    if searched and game.n_players == 2:
        found += _reduced_form_nash(game, limit)[0]
        complete = True
    elif searched and game.n_players > 2:
        if gambit.available():
            mixed_found, complete = _reduced_form_nash(game, limit)
            found += mixed_found
            if not complete:
                notes.append("three or more players: Gambit's method on the reduced normal form may miss equilibria")
        else:
            notes.append(
                "three or more players: pure equilibria only; mixed ones need pygambit (pip install 'diplosim[gambit]')"
            )
    elif game.n_players > 1:
        notes.append("pure equilibria only: a pure solution exists, mixed ones were not searched")
    if not everything:
        found = [eq for eq in found if eq.satisfies(concept)]
    return TreeSolveResult(game, concept, tuple(_sorted(_unique(found), concept)), complete, tuple(notes))


def profile_text(game: ExtensiveFormGame, equilibrium: TreeEquilibrium) -> str:
    """``"Entrant: In; Incumbent: Accommodate"``: each player's moves, information set by
    information set (mixed moves as ``0.5 L + 0.5 R``)."""
    parts = []
    for player, name in enumerate(game.players):
        moves = []
        for k in game.infosets_of(player):
            mix = equilibrium.behaviour[k]
            labels = game.infosets[k].moves
            shown = equilibrium.exact[k] if equilibrium.exact is not None else mix.tolist()
            if int(np.count_nonzero(mix)) == 1:
                moves.append(labels[int(np.argmax(mix))])
            else:
                moves.append(" + ".join(f"{_probability(p)} {labels[m]}" for m, p in enumerate(shown) if p > 0))
        parts.append(f"{name}: {', '.join(moves)}")
    return "; ".join(parts)


def _probability(p: float | Fraction) -> str:
    return fraction_text(p) if isinstance(p, Fraction) else f"{p:.4g}"


# --- backward induction ---------------------------------------------------------------


def backward_induction(game: ExtensiveFormGame) -> list[Behaviour]:
    """Every pure subgame-perfect equilibrium of a perfect-information tree.

    From the leaves up, every combination of the children's subgame-perfect plays is
    kept, and the player at a node takes every move of maximal value to them (within the
    tolerance) given that combination: a tie changes nothing for the player who breaks
    it but may change what others get above, so each tie is an equilibrium of its own.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> g = build("tie", ("A", "B"), Decision("A", {
    ...     "x": Decision("B", {"l": Terminal((3, 1)), "r": Terminal((0, 1))}), "y": Terminal((1, 0))}))
    >>> [[mix.tolist() for mix in b] for b in backward_induction(g)]
    [[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]
    """
    tol = tolerance(game)
    value: dict[int, list[tuple[dict[int, int], FloatArray]]] = {}
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            value[k] = [({}, np.array(node.payoffs))]
            continue
        options: list[tuple[dict[int, int], FloatArray]] = []
        for combination in itertools.product(*(value.pop(child) for child in node.children)):
            merged = {key: move for choice, _ in combination for key, move in choice.items()}
            payoffs = [payoff for _, payoff in combination]
            if node.kind == "chance":
                options.append((merged, np.asarray(node.probabilities) @ np.array(payoffs)))
                continue
            best = max(payoff[node.player] for payoff in payoffs)
            options += [
                ({**merged, node.infoset: m}, payoff)
                for m, payoff in enumerate(payoffs)
                if payoff[node.player] >= best - tol
            ]
            _check_ties(options, game)
        value[k] = options
    return [game.pure_behaviour([choice[i] for i in range(len(game.infosets))]) for choice, _ in value[0]]


def _check_ties(options: list[tuple[dict[int, int], FloatArray]], game: ExtensiveFormGame) -> None:
    if len(options) > MAX_TIES:
        raise SolverLimitError(
            f"game {game.name} has more than {MAX_TIES:,} pure subgame-perfect equilibria (ties everywhere)"
        )


# --- pure equilibria of the agent form --------------------------------------------------


def _choices(game: ExtensiveFormGame) -> npt.NDArray[np.intp]:
    """Every pure behaviour profile, one move index per information set: shape (profiles, sets)."""
    sizes = [len(infoset.moves) for infoset in game.infosets]
    if not sizes:  # no decisions at all: one profile, which decides nothing
        return np.zeros((1, 0), dtype=np.intp)
    total = int(np.prod(sizes, dtype=object))
    if total > MAX_AGENT_PROFILES:
        raise SolverLimitError(
            f"game {game.name} has {total:,} pure behaviour profiles, more than the {MAX_AGENT_PROFILES:,} "
            "that are tried; simplify the tree"
        )
    grids = np.meshgrid(*(np.arange(n) for n in sizes), indexing="ij")
    return np.stack([grid.ravel() for grid in grids], axis=1).astype(np.intp).reshape(total, len(sizes))


def _pure_nash(game: ExtensiveFormGame) -> list[TreeEquilibrium]:
    """Every pure Nash equilibrium in behaviour strategies (profile by profile)."""
    tol = tolerance(game)
    found = []
    for choices in _choices(game).tolist():
        behaviour = game.pure_behaviour(choices)
        if _is_nash(game, behaviour, tol):
            found.append(_flagged(game, behaviour))
    return found


def check_pbe(game: ExtensiveFormGame, behaviour: Behaviour) -> TreeEquilibrium | None:
    """A pure profile, flagged (:class:`TreeEquilibrium`), if it is a perfect Bayesian
    equilibrium: no profitable deviation (exactly where the game is exact) and sequential
    rationality at every information set under Bayes' rule on the path and some belief
    off it; else None. One profile's check, for a candidate found another way.

    Examples
    --------
    >>> from sim.game.tree import Decision, Terminal, build
    >>> entry = build("entry", ("E", "I"), Decision("E", {
    ...     "Out": Terminal((0, 2)),
    ...     "In": Decision("I", {"Fight": Terminal((-1, -1)), "Accommodate": Terminal((1, 1))})}))
    >>> check_pbe(entry, entry.pure_behaviour([0, 0])) is None   # Out, backed by an empty threat
    True
    >>> check_pbe(entry, entry.pure_behaviour([1, 1])).payoffs.tolist()
    [1.0, 1.0]
    """
    if not _is_nash(game, behaviour, tolerance(game)):
        return None
    flagged = _flagged(game, behaviour)
    return flagged if flagged.sequentially_rational else None


def _is_nash(game: ExtensiveFormGame, behaviour: Behaviour, tol: float) -> bool:
    """No profitable deviation: within the tolerance in floats, and then exactly where the
    game is exact (the profile is pure, so exact too), so that payoffs of very different
    sizes (1e19 and 1) cannot hide a deviation below the tolerance."""
    if nash_regret(game, behaviour) > tol:
        return False
    if game.exact_payoffs is None or game.exact_probabilities is None:
        return True
    exact = [[Fraction(int(p)) for p in mix.tolist()] for mix in behaviour]
    return exact_regret(game, exact) <= 0


def _pure_pbe(game: ExtensiveFormGame) -> list[TreeEquilibrium]:
    """Every pure perfect Bayesian equilibrium: all profiles at once, those where no
    one-shot deviation at any information set pays (a necessary condition) are then
    checked in full."""
    choices = _choices(game)
    values, probability = _pure_tables(game, choices)
    tol = tolerance(game)
    passing = np.ones(len(choices), dtype=bool)
    rows = np.arange(len(choices))
    for k, infoset in enumerate(game.infosets):
        children = np.array([game.nodes[n].children for n in infoset.nodes])  # (nodes, moves)
        worth = values[:, children, infoset.player]  # (profiles, nodes, moves)
        played = worth[rows, :, choices[:, k]]  # (profiles, nodes)
        weight = probability[:, list(infoset.nodes)]
        total = weight.sum(axis=1)
        reached = total > 0
        belief = weight / np.where(reached, total, 1.0)[:, None]
        gain_on = np.max(np.einsum("pn,pnm->pm", belief, worth), axis=1) - np.einsum("pn,pn->p", belief, played)
        gain_off = np.min(np.max(worth, axis=2) - played, axis=1)  # 0 if the move is best at some node
        ok = np.where(reached, gain_on <= tol, (gain_off <= tol) | (len(infoset.moves) > 2))
        passing &= ok  # off path with 3+ moves: the full check decides (a belief may mix nodes)
    found = []
    for profile in np.flatnonzero(passing).tolist():
        behaviour = game.pure_behaviour(choices[profile].tolist())
        if _is_nash(game, behaviour, tol):
            found.append(_flagged(game, behaviour))
    return found


def _pure_tables(
    game: ExtensiveFormGame, choices: npt.NDArray[np.intp]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """For every pure profile at once: every node's value to every player, shape
    (profiles, nodes, players), and every node's probability, shape (profiles, nodes)."""
    count, rows = len(choices), np.arange(len(choices))
    values = np.zeros((count, len(game.nodes), game.n_players))
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            values[:, k] = node.payoffs
        elif node.kind == "chance":
            values[:, k] = np.einsum("c,pcq->pq", np.array(node.probabilities), values[:, list(node.children)])
        else:
            values[:, k] = values[rows, np.array(node.children)[choices[:, node.infoset]]]
    probability = np.zeros((count, len(game.nodes)))
    probability[:, 0] = 1.0
    for k, node in game.walk():
        for move, child in enumerate(node.children):
            if node.kind == "chance":
                probability[:, child] = probability[:, k] * node.probabilities[move]
            else:
                probability[:, child] = probability[:, k] * (choices[:, node.infoset] == move)
    return values, probability


def _reduced_form_nash(game: ExtensiveFormGame, limit: float) -> tuple[list[TreeEquilibrium], bool]:
    """The equilibria of the reduced normal form (solved and verified by the registry's
    default solver: vertex enumeration for two players, Gambit for more) in behaviour
    strategies, each flagged; and whether that list is complete."""
    from sim.solvers.registry import solve

    normal, every = reduced_normal_form(game)
    found = []
    result = solve(normal, time_limit=limit)
    for eq in result.equilibria:
        mixes = [mix.tolist() for mix in eq.strategies]
        partial = behaviour_of_plans(game, every, mixes)
        behaviour = completed(game, partial)
        exact = None
        if eq.exact is not None and all(b is not None for b in partial):
            exact = exact_behaviour(game, every, eq.exact)
        found.append(_flagged(game, behaviour, exact))
    return found, result.complete


# --- flags, order, duplicates ---------------------------------------------------------


def _flagged(
    game: ExtensiveFormGame, behaviour: Behaviour, exact: tuple[tuple[Fraction, ...], ...] | None = None
) -> TreeEquilibrium:
    tol = tolerance(game)
    perfect = all(subgame_regret(game, behaviour, root) <= tol for root in game.subgame_roots)
    check = sequential_check(game, behaviour)
    on_path = tuple(b is not None for b in beliefs(game, behaviour))
    if exact is None and game.exact_payoffs is not None and all(int(np.count_nonzero(m)) == 1 for m in behaviour):
        exact = tuple(tuple(Fraction(int(p)) for p in mix.tolist()) for mix in behaviour)  # pure: exact already
    if exact is not None:
        behaviour = tuple(np.array([float(p) for p in mix]) for mix in exact)
    for mix in behaviour:
        mix.setflags(write=False)
    payoffs = expected_payoffs(game, behaviour)
    payoffs.setflags(write=False)
    return TreeEquilibrium(behaviour, payoffs, perfect, check.rational, check.beliefs, on_path, check.failures, exact)


def exact_payoffs(game: ExtensiveFormGame, behaviour: Sequence[Sequence[Fraction]]) -> tuple[Fraction, ...] | None:
    """Expected payoffs in exact arithmetic, for an exact game and exact behaviour."""
    if game.exact_payoffs is None or game.exact_probabilities is None:
        return None
    value: dict[int, tuple[Fraction, ...]] = {}
    for k in range(len(game.nodes) - 1, -1, -1):
        node = game.nodes[k]
        if node.kind == "terminal":
            value[k] = game.exact_payoffs[k]
            continue
        weights = game.exact_probabilities[k] if node.kind == "chance" else behaviour[node.infoset]
        value[k] = tuple(
            sum((w * value[c][i] for w, c in zip(weights, node.children)), Fraction(0)) for i in range(game.n_players)
        )
    return value[0]


def _unique(found: list[TreeEquilibrium]) -> list[TreeEquilibrium]:
    """Without duplicates (equal to 9 decimals), preferring a copy with exact behaviour."""
    kept: dict[tuple[float, ...], TreeEquilibrium] = {}
    for eq in found:
        key = tuple(round(p, 9) + 0.0 for mix in eq.behaviour for p in mix.tolist())
        if key not in kept or (kept[key].exact is None and eq.exact is not None):
            kept[key] = eq
    return list(kept.values())


def _sorted(found: list[TreeEquilibrium], concept: str) -> list[TreeEquilibrium]:
    """Solutions of the concept first; then the perfect Bayesian ones, the subgame-perfect
    ones, pure before mixed, and earlier moves first."""

    def key(eq: TreeEquilibrium) -> tuple[object, ...]:
        flat = [p for mix in eq.behaviour for p in mix.tolist()]
        strength = (not eq.satisfies(concept), not eq.satisfies("pbe"), not eq.subgame_perfect, not eq.is_pure)
        return (*strength, tuple(-round(p * 1e9) for p in flat))

    return sorted(found, key=key)
