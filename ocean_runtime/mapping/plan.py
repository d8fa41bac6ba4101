"""Compiling one mapping leaf (or the selector) into the cheapest faithful way to evaluate it.

Every expression is compiled by jq once, so an invalid one is reported before any item is
mapped. Then each is classified:

* ``LITERAL``  — input-independent (``'"service"'``): evaluated once, at compile time;
* ``PATH``     — a plain path (``.owner.login``), a comparison of one with a literal
                 (``.archived == false``) or another expression of the jq subset that
                 ``native`` evaluates: evaluated in Python, with jq for the odd item;
* ``BATCHED``  — anything else: evaluated by the resource's combined jq program (``jq_batch``);
* ``ALONE``    — needs a program of its own (``input``, ``$__loc__``, ...): run per item.

``LITERAL`` and ``PATH`` are bounded by construction and stay in this process (a ``PATH`` leaf's
odd item goes to jq here too: the same bounded expression). ``BATCHED`` and ``ALONE`` may loop
or grow without bound, so they run in the mapping's ``JqSandbox`` (a worker process with a
time and memory budget); a breach raises ``BudgetBreach`` naming the expression.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocean_runtime.errors import OceanError
from ocean_runtime.mapping.jq_batch import can_batch
from ocean_runtime.mapping.jq_expr import (
    JQCompileError,
    NoOutput,
    checked_program,
    compile_jq,
    first_output,
    rewrite_single_quotes,
)
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_sandbox import JqBudgetError, JqSandbox
from ocean_runtime.mapping.native import NativeExpression, compile_tree
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    PlainComparison,
    PlainPath,
    is_literal,
    path_reader,
    plain_comparison,
    plain_path,
    to_jq_value,
)

Getter = Callable[[Any, "list[Any] | None"], Any]
"""``getter(item, batched_values)`` → the leaf's value for one item."""


class BudgetBreach(OceanError):
    """An expression went over its jq budget (see ``jq_sandbox``).

    Attributes:
        location: where it is, e.g. ``resources[0].port.entity.mappings.properties.x``.
        expression: the expression as written.
        reason: what happened, e.g. ``took longer than 10 s, its time budget (...)``.
    """

    def __init__(self, location: str, expression: str, reason: str) -> None:
        self.location = location
        self.expression = expression
        self.reason = reason
        super().__init__(f"{location}: jq expression {expression!r} {reason}")


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
        path: the Python evaluator of a ``PATH`` (a path, a comparison or a native expression).
        program: the jq program compiled in this process: a ``PATH``'s fallback for the items
            Python cannot decide (``BATCHED`` and ``ALONE`` run in the sandbox only).
        batch_slot: position among the combined program's fields (``BATCHED`` leaves).
    """

    expression: str | None
    location: str
    strategy: Strategy
    value: Any = None
    path: PlainPath | PlainComparison | NativeExpression | None = None
    program: Any = None
    batch_slot: int = -1

    @classmethod
    def compile(
        cls, expression: str | None, location: str, sandbox: JqSandbox | None = None
    ) -> CompiledExpression:
        """Classifies and compiles ``expression``.

        Raises:
            JQCompileError: the expression is not valid jq.
            BudgetBreach: compiling it went over the jq budget (see ``jq_expr.checked_program``).
        """
        if expression is None:
            # YAML `title: null`: the reference maps it to null (and reports it).
            return cls(None, location, Strategy.LITERAL)
        try:
            program = checked_program(expression, sandbox=sandbox)  # None: checked in the worker only
            rewritten = rewrite_single_quotes(expression)
            tree = parse_tree(rewritten)
            if is_literal(tree):
                value = _literal(expression, program, sandbox)
                return cls(expression, location, Strategy.LITERAL, value=value)
            path: PlainPath | PlainComparison | NativeExpression | None = plain_path(tree)
            if path is None:
                path = plain_comparison(tree)
            if path is None:
                path = compile_tree(rewritten, tree)
            if path is not None:
                # Bounded: its odd item may run in this process (the program is its fallback).
                program = compile_jq(expression, sandbox=sandbox) if program is None else program
                return cls(expression, location, Strategy.PATH, path=path, program=program)
        except JqBudgetError as exc:
            raise BudgetBreach(location, expression, exc.reason) from None
        # Evaluated in the sandbox only: no program is kept here.
        strategy = Strategy.BATCHED if can_batch(rewritten) else Strategy.ALONE
        return cls(expression, location, strategy)

    def getter(self, sandbox: JqSandbox) -> Getter:
        """A function giving this expression's value for an item (the per-item hot path)."""
        if self.strategy is Strategy.LITERAL:
            value = self.value
            return lambda data, batched: value
        if self.strategy is Strategy.BATCHED:
            slot = self.batch_slot
            return lambda data, batched: (
                batched[slot] if batched is not None else self.evaluate_alone(data, sandbox)
            )
        if self.strategy is Strategy.ALONE:
            return lambda data, batched: self.evaluate_alone(data, sandbox)
        assert self.path is not None
        steps = self.path.steps if isinstance(self.path, PlainPath) else ()
        if len(steps) == 1 and type(steps[0]) is str:
            return _key_getter(steps[0], _python_getter(path_reader(steps), self._evaluate_with_jq))
        if isinstance(self.path, PlainPath):
            read: Callable[[Any], Any] = path_reader(self.path.steps)
        elif isinstance(self.path, NativeExpression):
            read = self.path.evaluate_unfinished
        else:
            read = self.path.evaluate
        return _python_getter(read, self._evaluate_with_jq)

    def evaluate_alone(self, data: Any, sandbox: JqSandbox) -> Any:
        """The reference's result for one item: first output, or None on no output / error.

        Raises:
            BudgetBreach: jq went over its budget on this expression.
        """
        if self.strategy is Strategy.LITERAL:
            return self.value
        if self.strategy is Strategy.PATH:
            assert self.path is not None
            try:
                return self.path.evaluate(data)
            except PathError:
                return None
            except NotPlain:
                return self._evaluate_with_jq(data)
        try:
            return self.first_in_sandbox(data, sandbox)
        except (NoOutput, ValueError):
            return None

    def first_in_sandbox(self, data: Any, sandbox: JqSandbox) -> Any:
        """jq's first output for one item, run in ``sandbox``.

        Raises:
            NoOutput: no output.
            ValueError: jq's error.
            BudgetBreach: the budget was exceeded.
        """
        assert self.expression is not None
        try:
            return sandbox.first_output(rewrite_single_quotes(self.expression), data)
        except JqBudgetError as exc:
            raise BudgetBreach(self.location, self.expression, exc.reason) from None

    def _evaluate_with_jq(self, data: Any) -> Any:
        try:
            return first_output(self.program, data)
        except (NoOutput, ValueError):
            return None


def _literal(expression: str, program: Any, sandbox: JqSandbox | None) -> Any:
    """A scalar literal's value, as jq reads it (``1.0`` stays a float, ``1e1000`` is a float)."""
    try:
        return first_output(compile_jq(expression, sandbox=sandbox) if program is None else program, None)
    except (NoOutput, ValueError) as exc:  # cannot happen for a scalar literal
        raise JQCompileError(expression, str(exc)) from None


def _python_getter(read: Callable[[Any], Any], with_jq: Callable[[Any], Any]) -> Getter:
    """The per-item getter of a ``PATH`` leaf: Python first, jq for the item Python cannot decide."""

    def get(data: Any, batched: list[Any] | None) -> Any:
        try:
            value = read(data)
            kind = type(value)
            if kind is str or value is None or kind is bool:
                return value
            return to_jq_value(value)
        except PathError:
            return None  # a jq error: the reference maps it to null
        except NotPlain:
            return with_jq(data)

    return get


def _key_getter(key: str, general: Getter) -> Getter:
    """``.key``, the most common leaf, in one step for the common values; else ``general``."""
    low, high = -(2**53), 2**53

    def get(data: Any, batched: list[Any] | None) -> Any:
        if type(data) is dict:
            value: Any = data.get(key)
            kind = type(value)
            if kind is str or kind is bool or (kind is int and low <= value <= high):
                return value
        return general(data, batched)

    return get


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


CompileErrors = list[tuple[str, "JQCompileError | BudgetBreach"]]


def build_plan(
    mapping: dict[str, Any], location: str, errors: CompileErrors, sandbox: JqSandbox | None = None
) -> MappingPlan:
    """Compiles every leaf of ``mapping`` (a ``model_dump(exclude_unset=True)``).

    Invalid expressions are appended to ``errors`` as ``(location, JQCompileError)`` so they
    can all be reported at once.
    """
    plan = MappingPlan(template=None)
    plan.template = _walk(mapping, "", location, plan, errors, sandbox)
    return plan


def _walk(
    node: Any, key: str, location: str, plan: MappingPlan, errors: CompileErrors, sandbox: JqSandbox | None
) -> Any:
    if isinstance(node, dict):
        return {
            name: _walk(value, f"{key}.{name}" if key else name, f"{location}.{name}", plan, errors, sandbox)
            for name, value in node.items()
        }
    if isinstance(node, list):
        # List elements (search-query rules) are reported without their index, as the reference does.
        return [_walk(value, key, f"{location}[{i}]", plan, errors, sandbox) for i, value in enumerate(node)]
    try:
        compiled = CompiledExpression.compile(node, location, sandbox)
    except (JQCompileError, BudgetBreach) as exc:
        errors.append((location, exc))
        compiled = CompiledExpression(node, location, Strategy.LITERAL)
    plan.leaves.append(Leaf(key, compiled))
    return _Slot(len(plan.leaves) - 1)


class _Slot(int):
    """A leaf number inside the template (an int subclass so it cannot be mistaken for data)."""


def entity_builder(template: Any) -> Callable[[list[Any]], Any]:
    """A function filling the template with leaf values: the mapped entity (only mapped keys).

    It is generated as one Python expression (``{'identifier': v[0], 'properties': {...}}``):
    one entity is built per item, and a single literal beats nested loops over the template.
    Keys are written with ``repr``, so any key text is safe.
    """
    source = f"lambda v: {_builder_source(template)}"
    built: Callable[[list[Any]], Any] = eval(source, {"__builtins__": {}})  # noqa: S307 - our own text
    return built


def _builder_source(template: Any) -> str:
    if isinstance(template, _Slot):
        return f"v[{int(template)}]"
    if isinstance(template, dict):
        fields = ", ".join(f"{name!r}: {_builder_source(value)}" for name, value in template.items())
        return "{" + fields + "}"
    return "[" + ", ".join(_builder_source(value) for value in template) + "]"
