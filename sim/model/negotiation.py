"""The round loop: a mesa model that plays a scenario's stage games.

One round (``NegotiationModel.step``), for each game in the scenario's order:

1. build the payoff arrays from the current state (:meth:`PayoffTemplate.build`);
2. solve every equilibrium (:func:`sim.solvers.registry.solve`; each one verified);
3. select one (:func:`sim.solvers.selection.select`: the conditional cases whose ``when``
   holds, then the named rule);
4. realise the actions (``sample`` with the model's generator, or ``mode``) and
   record them, so later games of the round see them as ``game.Player``;
5. apply the dynamics rules marked ``after:`` this game.

A game with a ``when`` condition that does not hold at its turn is skipped that round,
with its ``after:`` rules; formulas keep reading what it played last.

A tree game (``tree:``) is built the same way (:meth:`TreeTemplate.build`), solved for its
concept (:func:`sim.solvers.trees.solve_tree`, verified), one solution selected and the
tree walked from the root with the model's generator
(:func:`sim.solvers.tree_play.play_tree`: chance moves are drawn, decisions drawn from
the chosen behaviour); later games and rules see each player's last move on the path as
``game.Player`` and the last chance move as ``game.chance``. A chance move that draws a
player's type (``types:``) is drawn once per run and kept if persistent; its ``beliefs``
get the posterior of each type by Bayes' rule from the moves played after the draw.

Then the end-of-round rules run, the state is recorded, and the model stops when
``stop_when`` holds or the round limit is reached. The one random generator is mesa's
``model.rng``, seeded from the scenario (or the ``seed`` argument); ``draw(p)`` in a
rule or in ``stop_when`` reads it too, one number per call, in the order the formulas are
evaluated (rules in file order, a rule's ``when`` before its ``set`` values in file order).
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from functools import lru_cache
from typing import Any

with warnings.catch_warnings():  # mesa imports tqdm.auto, which warns in notebooks without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    import mesa

from sim.errors import FormulaError, RunError, SolverError
from sim.game.bargaining import Bargaining, BargainingError, Number
from sim.game.tree import Behaviour, ExtensiveFormGame
from sim.model.agents import Actor
from sim.model.history import PARAMETERS, BargainingPlay, History, Play, TreePlay
from sim.scenario.bargaining_template import PrivateValues
from sim.scenario.expressions import UNIFORM, Formula
from sim.scenario.load import BargainingPlan, GamePlan, RulePlan, Scenario, TreePlan
from sim.scenario.semantics import TYPE
from sim.scenario.tree_template import TypeDraw
from sim.solvers.beliefs import bayes, likelihoods
from sim.solvers.fearon import posterior_after, screening_checked, uniform_demand
from sim.solvers.multi_issue import MultiIssueSpace
from sim.solvers.protocols import Negotiation, Step, negotiate, negotiate_over
from sim.solvers.registry import solve
from sim.solvers.selection import Settings, realise, select
from sim.solvers.tree_play import PlayedPath, play_tree, select_tree
from sim.solvers.trees import solve_tree

__all__ = ["NegotiationModel"]


def _answer(problem: Bargaining, offer: Number | None, floor: Number) -> Negotiation:
    """The responder's answer to a take-it-or-leave-it offer (``None``: none made): it
    accepts when the offer is worth at least ``floor``, its disagreement payoff."""
    proposer = problem.first
    responder = 1 - proposer
    fallback = [problem.disagreement[0], problem.disagreement[1]]
    fallback[responder] = floor
    if offer is None:
        return Negotiation((), "no_offer", None, (fallback[0], fallback[1]))
    worth = (problem.utility(0, offer), problem.utility(1, offer))
    yes = worth[responder] >= floor
    responses = ["propose", "propose"]
    responses[responder] = "accept" if yes else "reject"
    step = Step(1, problem.parties[proposer], offer, worth, (responses[0], responses[1]))
    if yes:
        return Negotiation((step,), "agreement", offer, worth)
    return Negotiation((step,), "rejected", None, (fallback[0], fallback[1]))


def _pick(private: PrivateValues, quantile: float) -> int:
    """The type whose share of the cumulative distribution holds ``quantile``."""
    total = 0.0
    for k, (_, probability, _) in enumerate(private.types):
        total += float(probability)
        if quantile < total:
            return k
    return max(k for k, (_, probability, _) in enumerate(private.types) if probability > 0)


@lru_cache(maxsize=1024)
def _split(target: str) -> tuple[str, str]:
    """``"Actor.variable"`` -> ``("Actor", "variable")``; a parameter -> ``(name, "")``."""
    actor, _, variable = target.partition(".")
    return actor, variable


class NegotiationModel(mesa.Model):  # type: ignore[misc]
    """A scenario played round by round.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Seed of the model's generator; the scenario's ``seed`` by default.
    rounds : int, optional
        Round limit; the scenario's ``rounds`` by default.
    exact : bool
        Also compute payoffs and equilibria in exact fractions where possible (slower;
        sweeps turn it off).

    Attributes
    ----------
    actors : dict
        Actor name -> :class:`~sim.model.agents.Actor`.
    parameters : dict
        Current parameter values (the dynamics may change some).
    round : int
        Rounds played so far.
    stop_reason : str or None
        ``"stop_when"`` or ``"rounds"`` once the model has stopped.
    history : History

    Examples
    --------
    >>> from sim.scenario.load import parse_scenario, _EXAMPLE
    >>> model = NegotiationModel(parse_scenario(_EXAMPLE), seed=1)
    >>> while model.running:
    ...     model.step()
    >>> model.round, model.stop_reason, model.history.plays[0].labels
    (2, 'rounds', ('go',))
    """

    def __init__(
        self, scenario: Scenario, *, seed: int | None = None, rounds: int | None = None, exact: bool = True
    ) -> None:
        self.seed = scenario.seed if seed is None else seed
        super().__init__(rng=self.seed)
        self.scenario = scenario
        self.max_rounds = scenario.rounds if rounds is None else rounds
        self.exact = exact
        self.parameters: dict[str, float] = {p: scenario.initial[p] for p in scenario.parameters}
        self.actors: dict[str, Actor] = {
            name: Actor(self, name, {v: scenario.initial[f"{name}.{v}"] for v in variables})
            for name, variables in scenario.actors.items()
        }
        self.played: dict[str, Any] = dict.fromkeys(scenario.strategy_keys)
        self.played.update(scenario.outcome_values)
        self.round = 0
        self.stop_reason: str | None = None
        self.history = History()
        # persistent types, the actor's: (actor, its type names) -> the type drawn first, which
        # every game drawing the same actor's type from the same names then sees
        self.types: dict[tuple[str, tuple[str, ...]], str] = {}
        self._quantiles: dict[str, float] = {}  # bargaining game -> its uniform private value's persistent draw
        self._recorded_parameters = scenario.dynamic_parameters
        self._record_state()

    def namespace(self) -> dict[str, Any]:
        """Every value a formula can read now: parameters, ``Actor.variable``,
        ``game.Player`` (last played label or None) and ``round``; and, under
        :data:`~sim.scenario.expressions.UNIFORM`, the model's generator (``rng.random``)
        that ``draw(p)`` in the dynamics and ``stop_when`` reads."""
        values: dict[str, Any] = {UNIFORM: self.rng.random}
        values.update(self.parameters)
        for name, actor in self.actors.items():
            for variable, value in actor.state.items():
                values[f"{name}.{variable}"] = value
        values.update(self.played)
        values["round"] = self.round
        return values

    def step(self) -> None:
        """Play one round (nothing once the model has stopped)."""
        if not self.running:
            return
        self.round += 1
        values = self.namespace()  # built once a round (so edits between rounds count), then kept current
        for plan in self.scenario.stages:
            if plan.when is not None and not self._evaluate(plan.when, values, plan.name):
                continue  # not played this round, nor its `after:` rules
            if isinstance(plan, TreePlan):
                self._play_tree(plan, values)
            elif isinstance(plan, BargainingPlan):
                self._play_bargaining(plan, values)
            else:
                self._play(plan, values)
            self._apply_rules(plan.name, values)
        self._apply_rules(None, values)
        self._record_state()
        self._check_stop(values)

    def run(self) -> None:
        """Play rounds until the model stops."""
        while self.running:
            self.step()

    def _play(self, plan: GamePlan, values: dict[str, Any]) -> None:
        try:
            game = plan.template.build(values, exact=self.exact)
        except RunError as exc:
            raise RunError(f"round {self.round}, {exc}") from None
        try:
            result = solve(game, plan.solver, time_limit=plan.time_limit)
            if not result.equilibria:  # only an incomplete solver can return none (solve() checks)
                raise RunError(
                    f"round {self.round}, game {plan.name}: the solver {result.method} found no equilibrium "
                    "(it does not promise to find every one); choose a complete solver: auto or vertex_enumeration"
                )
            preferred = [case.profile for case in plan.cases if self._evaluate(case.when, values, plan.name)]
            selection = select(result, plan.rule, self.rng, preferred, Settings(plan.logit_lambda))
        except SolverError as exc:
            raise SolverError(f"round {self.round}: {exc}") from exc
        profile = realise(selection.chosen(result), plan.play, self.rng)
        for player, label in zip(plan.players, game.labels_of(profile)):
            self.played[f"{plan.name}.{player}"] = values[f"{plan.name}.{player}"] = label
        self.history.plays.append(Play(self.round, result, selection, profile))

    def _play_tree(self, plan: TreePlan, values: dict[str, Any]) -> None:
        try:
            game = plan.template.build(values, exact=self.exact)
        except RunError as exc:
            raise RunError(f"round {self.round}, {exc}") from None
        try:
            result = solve_tree(game, plan.concept, time_limit=plan.time_limit)
            preferred = [case.prefer for case in plan.cases if self._evaluate(case.when, values, plan.name)]
            chosen, reason = select_tree(result, plan.rule, self.rng, preferred)
        except SolverError as exc:
            raise SolverError(f"round {self.round}: {exc}") from exc
        draws = plan.template.type_draws
        index_of = {node.path: k for k, node in game.walk()} if draws else {}
        fixed = {}
        for draw in draws:
            moves = game.nodes[index_of[draw.path]].moves
            kept = self.types.get((draw.player, tuple(moves))) if draw.persistent else None
            if kept is not None:
                fixed[index_of[draw.path]] = moves.index(kept)
        path = play_tree(game, chosen.behaviour, self.rng, play=plan.play, fixed=fixed)
        for draw in draws:
            self._learn(plan, game, chosen.behaviour, path, draw, index_of[draw.path], values)
        for key, _ in plan.labels:
            actor = key[len(plan.name) + 1 :]
            if not actor.startswith(f"{TYPE}."):
                self.played[key] = values[key] = path.last_move_of(actor)
        for draw in draws:  # the type drawn, for formulas: game.type.Player
            made = next((move.move for move in path.moves if move.node == index_of[draw.path]), None)
            if made is not None:
                key = f"{plan.name}.{TYPE}.{draw.player}"
                self.played[key] = values[key] = made
        self.history.tree_plays.append(TreePlay(self.round, result, chosen, reason, path))

    def _learn(
        self,
        plan: TreePlan,
        game: ExtensiveFormGame,
        behaviour: Behaviour,
        path: PlayedPath,
        draw: TypeDraw,
        node: int,
        values: dict[str, Any],
    ) -> None:
        """After a tree with a type draw at ``node`` was played: keep a persistent type,
        and set each belief to the posterior of its type given what the belief's holder
        (the actor of ``Actor.variable``) saw: every move made after the draw except
        ``hidden`` decisions and the moves its own information sets say it cannot tell
        apart (Bayes' rule with this round's prior and the selected behaviour of each type;
        an observation impossible under every type keeps the prior)."""
        made = next((move for move in path.moves if move.node == node), None)
        if made is None:  # the draw was not on the path played
            return
        moves = game.nodes[node].moves
        if draw.persistent:
            self.types.setdefault((draw.player, tuple(moves)), made.move)
        if not draw.beliefs:
            return
        posteriors: dict[str, list[float]] = {}  # holder -> posterior over the types
        for label, target in draw.beliefs:
            holder = _split(target)[0]
            if holder not in posteriors:
                hidden = plan.template.unseen_by(game, holder) | {node}
                likelihood = likelihoods(game, behaviour, node, path.terminal, hidden=hidden.__contains__)
                posteriors[holder] = bayes(list(game.nodes[node].probabilities), likelihood)
            self._set(target, float(posteriors[holder][moves.index(label)]), values)

    def _play_bargaining(self, plan: BargainingPlan, values: dict[str, Any]) -> None:
        template = plan.template
        if template.several:
            self._record_bargaining(plan, self._play_several(plan, values), values)
            return
        try:
            problem = template.build(values)
            protocol = template.build_protocol(values)
            private = template.build_private(values) if template.private is not None else None
        except RunError as exc:
            raise RunError(f"round {self.round}, {exc}") from None
        try:
            if private is None:
                play = BargainingPlay(self.round, problem, negotiate(problem, protocol, self.rng))
            else:
                play = self._screen(plan, problem, private, values)
        except BargainingError as exc:
            raise RunError(f"round {self.round}, game {str(exc).removeprefix('bargaining ')}") from None
        except SolverError as exc:
            raise SolverError(f"round {self.round}: {exc}") from exc
        self._record_bargaining(plan, play, values, typed=private is not None and bool(private.types))

    def _play_several(self, plan: BargainingPlan, values: dict[str, Any]) -> BargainingPlay:
        """A game over several issues: its protocol played on the issues' offer space
        (:class:`~sim.solvers.multi_issue.MultiIssueSpace`); no agreement gives both a gain:
        ``"no_range"``, nothing offered."""
        template = plan.template
        try:
            problem = template.build_multi(values)
            protocol = template.build_protocol(values)
            breakdown = (
                Fraction(0)
                if template.breakdown is None
                else template.value(template.breakdown, values, "breakdown risk")
            )
            if not 0 <= breakdown < 1:
                raise RunError(f"game {plan.name}: the breakdown risk must lie in [0, 1), not {float(breakdown):g}")
            space = MultiIssueSpace(problem)
            if not space.has_range():
                negotiation = Negotiation((), "no_range", None, problem.disagreement)
            else:
                negotiation = negotiate_over(
                    space,
                    protocol,
                    self.rng,
                    first=template.first,
                    breakdown=breakdown,
                    disagreement=problem.disagreement,
                )
        except RunError as exc:
            raise RunError(f"round {self.round}, {exc}") from None
        except BargainingError as exc:
            raise RunError(f"round {self.round}, game {str(exc).removeprefix('bargaining ')}") from None
        except SolverError as exc:
            raise SolverError(f"round {self.round}: {exc}") from exc
        return BargainingPlay(self.round, problem, negotiation)

    def _record_bargaining(
        self, plan: BargainingPlan, play: BargainingPlay, values: dict[str, Any], *, typed: bool = False
    ) -> None:
        """What later games and rules read of a negotiation: ``game.agreed``, ``game.offers``,
        ``game.outcome``, ``game.agreement.<issue>`` for each issue, and with private types
        ``game.type``."""
        negotiation = play.negotiation
        outcome = {
            f"{plan.name}.agreed": 1.0 if negotiation.agreed else 0.0,
            f"{plan.name}.offers": float(len(negotiation.steps)),
            f"{plan.name}.outcome": negotiation.outcome,
        }
        if negotiation.agreement is not None:
            for issue, value in zip(play.issues, play.values(negotiation.agreement), strict=True):
                outcome[f"{plan.name}.agreement.{issue}"] = value
        if typed:
            outcome[f"{plan.name}.type"] = play.type
        self.played.update(outcome)
        values.update(outcome)
        self.history.bargaining_plays.append(play)

    def _screen(
        self, plan: BargainingPlan, problem: Bargaining, private: PrivateValues, values: dict[str, Any]
    ) -> BargainingPlay:
        """A take-it-or-leave-it offer to a responder whose disagreement payoff is private:
        its type is drawn (once per run if persistent), the proposer makes the offer that
        is best against its beliefs, the responder accepts if the offer is worth its own
        disagreement payoff; the beliefs become the posterior given its answer."""
        template = plan.template
        assert template.private is not None
        if private.uniform is not None:
            quantile = self._quantiles.get(plan.name)
            if quantile is None:
                quantile = float(self.rng.random())
                if template.private.persistent:
                    self._quantiles[plan.name] = quantile
            low, high = private.uniform
            floor: Number = float(low) + (float(high) - float(low)) * quantile
            demand = uniform_demand(problem, low, high)
            offer, war, drawn = demand.offer, demand.war_probability, f"{floor:.6g}"
            accepting: tuple[int, ...] = ()
        else:
            name, floor = self._private_type(plan, problem, private)
            types = [(p, d) for _, p, d in private.types]
            screening, _ = screening_checked(problem, types, [n for n, _, _ in private.types])
            offer, war, drawn, accepting = screening.offer, screening.war_probability, name, screening.accepted_by
        negotiation = _answer(problem, offer, floor)
        if template.private.beliefs and offer is not None:
            posterior = posterior_after(types, accepting, negotiation.agreed)
            names = [n for n, _, _ in private.types]
            for label, target in template.private.beliefs:
                self._set(target, float(posterior[names.index(label)]), values)
        return BargainingPlay(self.round, problem, negotiation, drawn, war)

    def _private_type(self, plan: BargainingPlan, problem: Bargaining, private: PrivateValues) -> tuple[str, Number]:
        """The responder's type this round and its disagreement payoff: the actor's
        persistent type if one was drawn (by this game or another drawing the same
        actor's type from the same names), else a new draw at this round's prior."""
        assert plan.template.private is not None
        names = tuple(name for name, _, _ in private.types)
        key = (problem.parties[private.player], names)
        name = self.types.get(key) if plan.template.private.persistent else None
        if name is None:
            name = names[_pick(private, float(self.rng.random()))]
            if plan.template.private.persistent:
                self.types[key] = name
        return name, private.types[names.index(name)][2]

    def _set(self, target: str, value: float, values: dict[str, Any]) -> None:
        actor, variable = _split(target)
        if variable:
            self.actors[actor].state[variable] = value
        else:
            self.parameters[target] = value
        values[target] = value

    def _apply_rules(self, after: str | None, values: dict[str, Any]) -> None:
        for rule in self.scenario.rules:
            if rule.after == after:
                self._apply_rule(rule, values)

    def _apply_rule(self, rule: RulePlan, values: dict[str, Any]) -> None:
        if rule.when is not None and not self._evaluate(rule.when, values, rule):
            return
        updates = [(target, float(self._evaluate(formula, values, rule))) for target, formula in rule.assignments]
        for target, value in updates:
            self._set(target, value, values)

    def _evaluate(self, formula: Formula, values: dict[str, Any], where: str | RulePlan) -> Any:
        try:
            return formula.evaluate(values)
        except FormulaError as exc:
            place = f"dynamics[{where.index}]" if isinstance(where, RulePlan) else where
            raise RunError(f"round {self.round}, {place}: {exc}") from None

    def _check_stop(self, values: dict[str, Any]) -> None:
        stop = self.scenario.stop_when
        if stop is not None and self._evaluate(stop, values, "stop_when"):
            self.stop_reason = "stop_when"
        elif self.round >= self.max_rounds:
            self.stop_reason = "rounds"
        if self.stop_reason is not None:
            self.running = False

    def _record_state(self) -> None:
        rows = self.history.state
        for name, actor in self.actors.items():
            rows.extend((self.round, name, variable, value) for variable, value in actor.state.items())
        rows.extend((self.round, PARAMETERS, p, self.parameters[p]) for p in self._recorded_parameters)
