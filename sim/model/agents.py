"""The actors of a crisis as mesa agents.

An :class:`Actor` is a state, bloc or mediator. It holds its named numeric state (the
``state:`` of the scenario); what it plays each round is decided by the equilibrium
the model selects, and how its state moves by the scenario's dynamics.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

with warnings.catch_warnings():  # mesa imports tqdm.auto, which warns in notebooks without ipywidgets
    warnings.filterwarnings("ignore", message="IProgress not found")
    import mesa

__all__ = ["Actor"]


class Actor(mesa.Agent):  # type: ignore[misc]
    """One actor of a scenario.

    Parameters
    ----------
    model : mesa.Model
        The model the actor belongs to (a :class:`sim.model.negotiation.NegotiationModel`;
        mesa registers the actor there).
    name : str
        The actor's name in the scenario (``"EU"``).
    state : mapping
        Its starting state, variable name -> value.

    Attributes
    ----------
    name : str
    state : dict
        The current state; the model's dynamics write it.
    """

    def __init__(self, model: mesa.Model, name: str, state: Mapping[str, float]) -> None:
        super().__init__(model)
        self.name = name
        self.state: dict[str, float] = dict(state)

    def __repr__(self) -> str:
        return f"Actor({self.name!r}, {self.state})"
