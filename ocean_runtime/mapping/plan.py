"""Compiling one mapping leaf (or the selector) into the cheapest faithful way to evaluate it.

Every expression is compiled by jq once, so an invalid one is reported before any item is
mapped. Then each is classified:

* ``LITERAL``  — input-independent (``'"service"'``): evaluated once, at compile time;
* ``PATH``     — a plain path (``.owner.login``) or a comparison of one with a literal
                 (``.archived == false``): evaluated in Python (``plain``);
* ``BATCHED``  — anything else: evaluated by the resource's combined jq program (``jq_batch``);
* ``ALONE``    — needs a program of its own (``input``, ``$__loc__``, ...): run per item.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocean_runtime.mapping.jq_batch import can_batch
from ocean_runtime.mapping.jq_expr import (
    JQCompileError,
    NoOutput,
    compile_jq,
    first_output,
    rewrite_single_quotes,
)
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    PlainComparison,
    PlainPath,
    has_non_string_keys,
    is_literal,
    parse_plain_comparison,
    parse_plain_path,
    to_jq_value,
)

Getter = Callable[[Any, "list[Any] | None"], Any]
"""``getter(item, batched_values)`` → the leaf's value for one item."""


class Strategy(enum.Enum):
    LITERAL = "literal"
    PATH = "path"
    BATCHED = "batched"
    ALONE = "alone"


@dataclass
class CompiledExpression:
    """One expression of the config, ready to evaluate.

    Attributes:
        expression: the text as written in the config (None for a YAML ``null`` leaf).
        location: where it is in the config, e.g. ``resources[0].port.entity.mappings.title``.
        strategy: how it is evaluated (see the module docstring).
        value: the value of a ``LITERAL``.
        path: the Python evaluator of a ``PATH`` (a path or a comparison).
        program: the compiled jq program (for ``ALONE``, and as fallback for ``PATH``).
        batch_slot: position among the combined program's fields (``BATCHED`` leaves).
    """

    expression: str | None
    location: str
    strategy: Strategy
    value: Any = None
    path: PlainPath | PlainComparison | None = None
    program: Any = None
    batch_slot: int = -1

    @classmethod
    def compile(cls, expression: str | None, location: str) -> CompiledExpression:
        """Classifies and compiles ``expression``.

        Raises:
            JQCompileError: the expression is not valid jq.
        """
        if expression is None:
            # YAML `title: null`: the reference maps it to null (and reports it).
            return cls(None, location, Strategy.LITERAL)
        program = compile_jq(expression)
        rewritten = rewrite_single_quotes(expression)
        if is_literal(rewritten):
            try:
                value = first_output(program, None)
            except (NoOutput, ValueError) as exc:  # cannot happen for a scalar literal
                raise JQCompileError(expression, str(exc)) from None
            return cls(expression, location, Strategy.LITERAL, value=value, program=program)
        path: PlainPath | PlainComparison | None = parse_plain_path(rewritten)
        if path is None:
            path = parse_plain_comparison(rewritten, _literal_value)
        if path is not None:
            return cls(expression, location, Strategy.PATH, path=path, program=program)
        strategy = Strategy.BATCHED if can_batch(rewritten) else Strategy.ALONE
        return cls(expression, location, strategy, program=program)

    def getter(self) -> Getter:
        """A function giving this expression's value for an item (the per-item hot path)."""
        if self.strategy is Strategy.LITERAL:
            value = self.value
            return lambda data, batched: value
        if self.strategy is Strategy.BATCHED:
            slot = self.batch_slot
            return lambda data, batched: batched[slot] if batched is not None else self.evaluate_alone(data)
        if self.strategy is Strategy.ALONE:
            return lambda data, batched: self.evaluate_alone(data)
        assert self.path is not None
        if (
            isinstance(self.path, PlainPath)
            and len(self.path.steps) == 1
            and isinstance(self.path.steps[0], str)
        ):
            return _top_level_key_getter(self.path.steps[0], self.evaluate_alone)
        return lambda data, batched: self.evaluate_alone(data)

    def evaluate_alone(self, data: Any) -> Any:
        """The reference's result for one item: first output, or None on no output / error."""
        if self.strategy is Strategy.LITERAL:
            return self.value
        if self.strategy is Strategy.PATH:
            assert self.path is not None
            try:
                return self.path.evaluate(data)
            except PathError:
                return None
            except NotPlain:
                pass
        try:
            return first_output(self.program, data)
        except (NoOutput, ValueError):
            return None


@dataclass
class Leaf:
    """A mapping leaf: where its value goes and how it is reported when null."""

    key: str  # misconfiguration key: "properties.url", "identifier.rules.value"
    compiled: CompiledExpression


@dataclass
class MappingPlan:
    """The mapping as a template (dicts/lists with leaf numbers) plus its compiled leaves."""

    template: Any
    leaves: list[Leaf] = field(default_factory=list)


def build_plan(
    mapping: dict[str, Any], location: str, errors: list[tuple[str, JQCompileError]]
) -> MappingPlan:
    """Compiles every leaf of ``mapping`` (a ``model_dump(exclude_unset=True)``).

    Invalid expressions are appended to ``errors`` as ``(location, JQCompileError)`` so they
    can all be reported at once.
    """
    plan = MappingPlan(template=None)
    plan.template = _walk(mapping, "", location, plan, errors)
    return plan


def _walk(
    node: Any, key: str, location: str, plan: MappingPlan, errors: list[tuple[str, JQCompileError]]
) -> Any:
    if isinstance(node, dict):
        return {
            name: _walk(value, f"{key}.{name}" if key else name, f"{location}.{name}", plan, errors)
            for name, value in node.items()
        }
    if isinstance(node, list):
        # List elements (search-query rules) are reported without their index, as the reference does.
        return [_walk(value, key, f"{location}[{i}]", plan, errors) for i, value in enumerate(node)]
    try:
        compiled = CompiledExpression.compile(node, location)
    except JQCompileError as exc:
        errors.append((location, exc))
        compiled = CompiledExpression(node, location, Strategy.LITERAL)
    plan.leaves.append(Leaf(key, compiled))
    return _Slot(len(plan.leaves) - 1)


def _literal_value(text: str) -> Any:
    """A scalar literal's value as jq reads it (``1.0`` is 1)."""
    return first_output(compile_jq(text), None)


def _top_level_key_getter(key: str, general: Callable[[Any], Any]) -> Getter:
    """``.key`` on an object, the most common leaf, without the general path machinery."""

    def get(data: Any, batched: list[Any] | None) -> Any:
        if not isinstance(data, dict):
            return general(data)
        value = data.get(key)
        if value is None and key not in data and has_non_string_keys(data):
            return general(data)
        if value is None or type(value) is str or type(value) is bool:
            return value
        try:
            return to_jq_value(value)
        except NotPlain:
            return general(data)

    return get


class _Slot(int):
    """A leaf number inside the template (an int subclass so it cannot be mistaken for data)."""


def entity_builder(template: Any) -> Callable[[list[Any]], Any]:
    """A function filling the template with leaf values: the mapped entity (only mapped keys)."""
    if isinstance(template, _Slot):
        slot = int(template)
        return lambda values: values[slot]
    if isinstance(template, dict):
        if all(isinstance(value, _Slot) for value in template.values()):
            pairs = [(name, int(value)) for name, value in template.items()]
            return lambda values: {name: values[slot] for name, slot in pairs}
        parts = [(name, entity_builder(value)) for name, value in template.items()]
        return lambda values: {name: build(values) for name, build in parts}
    items = [entity_builder(value) for value in template]
    return lambda values: [build(values) for build in items]
