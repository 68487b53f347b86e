"""The scenario schema (:mod:`sim.scenario.spec`): every block a scenario can hold gets
"did you mean" hints for a misspelled field."""

from __future__ import annotations

import types
import typing

import pydantic

from sim.scenario import spec


def _nested_models(model: type[pydantic.BaseModel]) -> set[type[pydantic.BaseModel]]:
    """Every model reachable from ``model`` through its fields (lists, mappings, unions)."""
    found: set[type[pydantic.BaseModel]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        for field in current.model_fields.values():
            stack = [field.annotation]
            while stack:
                kind = stack.pop()
                if isinstance(kind, type) and issubclass(kind, pydantic.BaseModel):
                    if kind not in found:
                        found.add(kind)
                        todo.append(kind)
                    continue
                if isinstance(kind, (types.UnionType, typing._GenericAlias)) or typing.get_origin(kind) is not None:
                    stack.extend(typing.get_args(kind))
    return found


def test_every_nested_block_has_field_hints() -> None:
    # a block missing from the hint table answered a typo with "(allowed: )": every model
    # reachable from the top level must be listed as some field's child
    reachable = _nested_models(spec.ScenarioSpec)
    listed = {child for _, child in spec._CHILDREN.values()}
    assert reachable - listed == set()


def test_a_typo_in_a_nested_block_names_the_field_and_the_allowed_ones() -> None:
    path = ("games", "g", "bargaining", "protocol", "mediator", "bais")
    message = spec._pydantic_message({"type": "extra_forbidden", "loc": path}, path)
    assert message == "unknown field 'bais' (did you mean 'bias'?) (allowed: bias, credibility, ideal, name)"
