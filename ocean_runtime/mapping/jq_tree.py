"""The tree of a jq expression: one parse (``jq_parse``), every analysis a function over it.

Each node is one construct of jq's grammar with its children; nothing is evaluated or
simplified, so an analysis sees exactly what jq will run. The analyses:

* ``native.compile_tree`` — evaluate the tree in Python with jq's exact results (a subset);
* ``jq_reads.keys_read`` — the item keys the tree can read (to hand jq a cut-down item);
* ``jq_shape.one_output`` / ``jq_shape.program_wide`` — whether it surely gives one output,
  whether it depends on the program around it.

Numbers keep their source text: jq prints a literal as written (``1.0`` stays ``1.0``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


class Node:
    """A node of the tree."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Identity(Node):
    """``.``"""


@dataclass(frozen=True, slots=True)
class RecurseAll(Node):
    """``..``"""


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A constant: ``null``, ``true``, ``false``, a number or a string without interpolation.

    ``text`` is a number's source text (None for the others).
    """

    value: Any
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Text(Node):
    """A string with interpolations: literal pieces (str) and nodes, optionally ``@format``-ted."""

    pieces: tuple[str | Node, ...]
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Format(Node):
    """A bare ``@format`` (``@base64``): the input, formatted."""

    name: str


@dataclass(frozen=True, slots=True)
class Index(Node):
    """``T.key``, ``T."key"``, ``T[E]`` (``optional``: a trailing ``?`` on this step)."""

    target: Node
    key: Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Slice(Node):
    """``T[E:E]`` with either bound possibly absent."""

    target: Node
    start: Node | None
    end: Node | None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Iterate(Node):
    """``T[]``"""

    target: Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Collect(Node):
    """``[E]`` (``inner`` None for ``[]``)."""

    inner: Node | None


@dataclass(frozen=True, slots=True)
class ObjectCons(Node):
    """``{k: v, ...}``: each entry is (key node, value node); shorthands are spelled out."""

    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Pipe(Node):
    """``L | R``"""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comma(Node):
    """``L, R``"""

    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``L op R`` for ``+ - * / %``, comparisons, ``and``, ``or`` and ``//``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Assign(Node):
    """``L op R`` for ``= |= += -= *= /= %= //=``."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Negate(Node):
    """``-E``"""

    inner: Node


@dataclass(frozen=True, slots=True)
class Try(Node):
    """``try E catch H``; ``E?`` and ``try E`` have no handler."""

    body: Node
    handler: Node | None = None


@dataclass(frozen=True, slots=True)
class If(Node):
    """``if c then t elif ... else e end``; ``otherwise`` None when there is no ``else``."""

    branches: tuple[tuple[Node, Node], ...]
    otherwise: Node | None


@dataclass(frozen=True, slots=True)
class VarPattern:
    """``$name`` in a destructuring pattern."""

    name: str


@dataclass(frozen=True, slots=True)
class ArrayPattern:
    """``[p1, p2, ...]``"""

    items: tuple[Pattern, ...]


@dataclass(frozen=True, slots=True)
class ObjectPattern:
    """``{key: pattern, $name, ...}``: (key node, variable bound to the value or None, pattern or None)."""

    entries: tuple[tuple[Node, str | None, Pattern | None], ...]


Pattern = VarPattern | ArrayPattern | ObjectPattern


@dataclass(frozen=True, slots=True)
class Bind(Node):
    """``SOURCE as PATTERN | BODY``"""

    source: Node
    pattern: Pattern
    body: Node


@dataclass(frozen=True, slots=True)
class Reduce(Node):
    """``reduce SOURCE as PATTERN (INIT; UPDATE)``"""

    source: Node
    pattern: Pattern
    init: Node
    update: Node


@dataclass(frozen=True, slots=True)
class Foreach(Node):
    """``foreach SOURCE as PATTERN (INIT; UPDATE; EXTRACT)``"""

    source: Node
    pattern: Pattern
    init: Node
    update: Node
    extract: Node | None


@dataclass(frozen=True, slots=True)
class Label(Node):
    """``label $name | BODY``"""

    name: str
    body: Node


@dataclass(frozen=True, slots=True)
class Break(Node):
    """``break $name``"""

    name: str


@dataclass(frozen=True, slots=True)
class Var(Node):
    """``$name`` (``$__loc__``, ``$ENV`` too)."""

    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``name`` or ``name(a; b; ...)``: a builtin (user definitions are not modelled)."""

    name: str
    args: tuple[Node, ...] = ()


def children(node: Node) -> tuple[Node, ...]:
    """Every direct sub-expression of ``node`` (pattern keys included)."""
    if isinstance(node, Text):
        return tuple(piece for piece in node.pieces if isinstance(piece, Node))
    if isinstance(node, ObjectCons):
        return tuple(part for entry in node.entries for part in entry)
    if isinstance(node, If):
        found = [part for branch in node.branches for part in branch]
        return (*found, node.otherwise) if node.otherwise is not None else tuple(found)
    if isinstance(node, Bind | Reduce | Foreach):
        keys = pattern_keys(node.pattern)
        rest = [getattr(node, name, None) for name in ("source", "body", "init", "update", "extract")]
        return (*[part for part in rest if isinstance(part, Node)], *keys)
    if isinstance(node, Call):
        return node.args
    values = [getattr(node, field.name) for field in fields(node)]  # type: ignore[arg-type]
    return tuple(value for value in values if isinstance(value, Node))


def pattern_keys(pattern: Pattern) -> tuple[Node, ...]:
    """The key expressions of a destructuring pattern (``{(.k): $v}`` has ``.k``)."""
    if isinstance(pattern, VarPattern):
        return ()
    if isinstance(pattern, ArrayPattern):
        return tuple(key for item in pattern.items for key in pattern_keys(item))
    found: list[Node] = []
    for key, _, sub in pattern.entries:
        found.append(key)
        if sub is not None:
            found.extend(pattern_keys(sub))
    return tuple(found)


def walk(node: Node) -> list[Node]:
    """``node`` and every node below it."""
    found = [node]
    for child in children(node):
        found.extend(walk(child))
    return found
