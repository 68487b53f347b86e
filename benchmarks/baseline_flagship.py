"""The flagship scenario written as a plain mesa + nashpy model: the benchmark baseline.

This is what a researcher would write without diplosim: the same three stage games
(Switzerland's mediation decision, the troop game, the buffer-zone game), the same
selection rules (risk dominance; the mutual zone when both trusts reach the
threshold), the same state updates and rounds, with payoffs computed in Python, every
equilibrium from ``nashpy.Game.vertex_enumeration`` and a mesa ``DataCollector``
collecting every round. The numbers are the flagship's defaults
(``scenarios/variants/eu_russia_ukraine_simultaneous.yaml``, the first flagship); ``G_H`` and
``mediation_strength`` can be changed, as the sweep does.
"""

from __future__ import annotations

import warnings

import mesa
import nashpy
import numpy as np

P = {
    "G_D": 0.60, "G_M": 0.30, "G_H": 0.10, "k_D": 1.0, "k_M": 0.35, "k_H": 0.0,
    "p_D": 0.10, "p_M": 0.04, "p_H": 0.01, "K_EU": 20, "K_RU": 20, "B_EU": 4.0, "d_EU": 1.0,
    "W_RU": 1.8, "C_RU": 2.5, "c_E": 0.3, "c_UA": 1.0, "c_RU": 0.8, "gain_RU": 0.9, "loss_UA": 0.6,
    "i_B": 0.5, "i_H": 0.4, "b_RU": 0.6, "b_UA": 1.0, "s_UA": 0.2, "s_RU": 0.2, "kappa": 0.4, "hL": 2.0,
    "S_RU": 0.6, "sigma": 0.5, "P_RU": 3.0, "P_UA": 1.5, "e_UA": 0.15, "e_RU": 0.5, "lambda_UA": 0.3,
    "b_CH": 1.0, "r_CH": 0.2, "k_CH": 0.1, "dP_settlement": 0.1, "mediation_strength": 0.5, "m_tau": 0.03,
    "f_UA": 0.02, "f_RU": 0.015, "recovery": 0.05, "noise": 0.1, "q_comply": 0.3, "trust_needed": 0.5,
    "audience_growth": 0.02, "esc_up": 0.10, "esc_down": 0.05, "territory_loss": 0.0006,
}  # fmt: skip


class Actor(mesa.Agent):
    def __init__(self, model: mesa.Model, name: str, **state: float) -> None:
        super().__init__(model)
        self.name = name
        self.__dict__.update(state)


def equilibria(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = list(nashpy.Game(a, b).vertex_enumeration())
    unique: list[tuple[np.ndarray, np.ndarray]] = []
    for x, y in found:
        if not any(np.allclose(x, u) and np.allclose(y, v) for u, v in unique):
            unique.append((x, y))
    return unique


def pure(eqs: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[int, int]]:
    return [(int(np.argmax(x)), int(np.argmax(y))) for x, y in eqs if np.isclose(x.max(), 1) and np.isclose(y.max(), 1)]


def risk_dominant(a: np.ndarray, b: np.ndarray, eqs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[int, int]:
    candidates = pure(eqs)
    if len(candidates) == 1:
        return candidates[0]
    wins = []
    for i, (a1, b1) in enumerate(candidates):
        count = 0
        for j, (a2, b2) in enumerate(candidates):
            if i != j and a1 != a2 and b1 != b2:
                mine = (a[a1, b1] - a[a2, b1]) * (b[a1, b1] - b[a1, b2])
                theirs = (a[a2, b2] - a[a1, b2]) * (b[a2, b2] - b[a2, b1])
                count += mine > theirs + 1e-9
        wins.append(count)
    return candidates[int(np.argmax(wins))]


class PlainFlagship(mesa.Model):
    def __init__(self, seed: int, rounds: int = 24, **changes: float) -> None:
        super().__init__(rng=seed)
        self.p = {**P, **changes}
        self.eu = Actor(self, "EU", audience=1.0)
        self.ru = Actor(self, "Russia", fatigue=1.0, trust=0.40, audience=1.0)
        self.ua = Actor(self, "Ukraine", fatigue=1.0, trust=0.20, audience=0.88, territory=0.81)
        self.ch = Actor(self, "Switzerland", acceptance_UA=1.0, acceptance_RU=0.5)
        self.G, self.m, self.esc, self.round, self.rounds = 0.10, 0.0, 0.0, 0, rounds
        self.played: list[tuple[str, ...]] = []
        self.collector = mesa.DataCollector(
            model_reporters={"G": "G", "m": "m", "esc": "esc"},
            agent_reporters={"state": lambda agent: dict(vars(agent))},
        )

    def troop_game(self) -> tuple[np.ndarray, np.ndarray]:
        p, a, b = self.p, np.zeros((3, 2)), np.zeros((3, 2))
        for i, x in enumerate("DMH"):
            g, k, px = p[f"G_{x}"], p[f"k_{x}"], p[f"p_{x}"]
            war = min(1.0, px * (1 + 2 * self.esc))
            a[i, 0], b[i, 0] = p["B_EU"] * g - k, -p["W_RU"] * g
            a[i, 1] = -k - war * p["K_EU"] - p["d_EU"] - self.eu.audience * (x != "H")
            b[i, 1] = p["C_RU"] * (1 - g) - p["c_E"] - war * p["K_RU"]
        return a, b

    def buffer_game(self) -> tuple[np.ndarray, np.ndarray]:
        p, G = self.p, self.G
        cU, cR = p["c_UA"] * self.ua.fatigue, p["c_RU"] * self.ru.fatigue
        kappa, vul = p["kappa"] * (1 - self.m), (1 - G) * p["hL"]
        a = np.array([
            [-p["s_UA"] - kappa - vul, -p["s_UA"] - p["b_UA"] - self.ua.audience - vul,
             -cU - p["loss_UA"] * (1 + p["sigma"]) - self.ua.audience],
            [-p["i_H"] * cU + p["e_UA"] - G * p["P_UA"] - p["lambda_UA"], -p["i_B"] * (cU + p["loss_UA"]),
             -cU - p["loss_UA"]],
        ])  # fmt: skip
        b = np.array([
            [-p["s_RU"] - kappa - self.ru.audience + p["S_RU"], p["b_RU"] - G * p["P_RU"],
             -cR + p["gain_RU"] * (1 + p["sigma"]) - G * p["P_RU"]],
            [-p["i_H"] * cR - p["e_RU"] - p["s_RU"] - self.ru.audience, p["i_B"] * (p["gain_RU"] - cR),
             -cR + p["gain_RU"]],
        ])  # fmt: skip
        return a, b

    def step(self) -> None:
        p = self.p
        self.round += 1
        mediate = (
            p["b_CH"] * self.ch.acceptance_UA * self.ch.acceptance_RU * p["dP_settlement"] + p["r_CH"] - p["k_CH"] > 0
        )
        self.m = p["mediation_strength"] if mediate else 0.0
        a, b = self.troop_game()
        eu, ru = risk_dominant(a, b, equilibria(a, b))
        posture, answer = "DMH"[eu], "RE"[ru]
        self.G = p[f"G_{posture}"]
        self.esc = min(1.0, max(0.0, self.esc + p["esc_up"] if answer == "E" else self.esc - p["esc_down"]))
        a, b = self.buffer_game()
        eqs = equilibria(a, b)
        trusting = self.ua.trust >= p["trust_needed"] and self.ru.trust >= p["trust_needed"]
        ua, rz = (0, 0) if trusting and (0, 0) in pure(eqs) else risk_dominant(a, b, eqs)
        self.update(mediate, posture, "WH"[ua], "WBO"[rz])
        self.played.append(("mediate" if mediate else "abstain", posture, answer, "WH"[ua], "WBO"[rz]))
        self.collector.collect(self)
        if ("WH"[ua], "WBO"[rz]) == ("W", "W") or self.round >= self.rounds:
            self.running = False

    def update(self, mediate: bool, posture: str, ua: str, ru: str) -> None:
        p = self.p
        intensity = {"O": 1.0, "B": 0.5, "W": 0.0}[ru]
        for actor, f in ((self.ua, p["f_UA"]), (self.ru, p["f_RU"])):
            actor.fatigue = (
                actor.fatigue + f * intensity if intensity > 0 else 1 + (1 - p["recovery"]) * (actor.fatigue - 1)
            )
        eps = p["noise"] * (1 - self.m)
        like_t, like_u = 1 - eps, p["q_comply"] * (1 - eps) + (1 - p["q_comply"]) * eps
        for actor, withdrew, complied in ((self.ua, ua == "W", ru == "W"), (self.ru, ru == "W", ua == "W")):
            if withdrew:
                t = actor.trust
                lt, lu = (like_t, like_u) if complied else (1 - like_t, 1 - like_u)
                actor.trust = t * lt / (t * lt + (1 - t) * lu)
        if mediate:
            for actor in (self.ua, self.ru):
                actor.trust = actor.trust + p["m_tau"] * (1 - actor.trust)
        self.ua.audience += p["audience_growth"] * (ua == "H")
        self.ru.audience += p["audience_growth"] * (ru != "W")
        self.eu.audience += p["audience_growth"] * (posture != "H")
        self.ua.territory -= p["territory_loss"] * intensity


def run_plain(seed: int, rounds: int = 24, **changes: float) -> PlainFlagship:
    model = PlainFlagship(seed, rounds, **changes)
    while model.running:
        model.step()
    return model
