"""Which top-level keys of the item a jq expression reads — so jq gets only those.

Handing a whole ~2 KB item to jq costs ~200 µs (jq parses it); most expressions read two or
three keys. ``keys_read(tree)`` returns the keys an expression can read from the item, or None
when it might look at the item as a whole. With a key set, evaluating on ``{k: item[k] for k in
keys if k in item}`` gives exactly the same result, because the expression can only ever ask the
item for those keys, and a missing key reads as null just like an absent one.

The analysis follows whether a node's input is the item itself ("root context"):

* ``.a``, ``."a"``, ``.["a"]`` on the root read key ``a``; what they give is not the root;
* an index expression runs on the term's own input (``.a[.k]`` reads ``k``);
* the right side of ``|`` does not run on the root; ``E as $x | body`` runs body on the root;
* operators, ``if``, ``try``, ``[...]``, ``{...}`` and interpolation pass the root context down;
  a ``catch`` handler gets the error, ``reduce``/``foreach`` updates get the accumulator;
* anything that may give the root itself or look at all of it reads the whole item: ``.``,
  ``..``, ``.[]``, a bare ``@format``, an assignment on the root, an ``if`` without ``else``
  (its missing branch is ``.``), and every builtin except those that never look at their
  input (``first(f)``, ``range``, ``env``, ``error(msg)``...).

A variable holds what its binding's source gave; binding the root itself (``. as $r``) already
reads the whole item at the source, so variables never widen what is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ocean_runtime.mapping.jq_tree import (
    Assign,
    Bind,
    Call,
    Foreach,
    Format,
    Identity,
    If,
    Index,
    Iterate,
    Literal,
    Node,
    Pipe,
    RecurseAll,
    Reduce,
    Slice,
    Try,
    children,
    pattern_keys,
)

# Builtins that never look at their input: (name, arity) → arguments that still run on it.
_INPUT_FREE: Mapping[tuple[str, int], tuple[int, ...]] = MappingProxyType(
    {
        ("empty", 0): (),
        ("env", 0): (),
        ("now", 0): (),
        ("builtins", 0): (),
        ("infinite", 0): (),
        ("nan", 0): (),
        ("null", 0): (),
        ("true", 0): (),
        ("false", 0): (),
        ("first", 1): (0,),
        ("last", 1): (0,),
        ("limit", 2): (0, 1),
        ("isempty", 1): (0,),
        ("error", 1): (0,),
        ("range", 1): (0,),
        ("range", 2): (0, 1),
        ("range", 3): (0, 1, 2),
        ("add", 1): (0,),
        ("any", 2): (0,),
        ("all", 2): (0,),
        ("IN", 2): (0, 1),
    }
)


class _Whole(Exception):
    """The expression may read the item as a whole."""


def keys_read(tree: Node | None) -> frozenset[str] | None:
    """The top-level item keys ``tree`` can read, or None if it may read the whole item."""
    if tree is None:
        return None
    keys: set[str] = set()
    try:
        _visit(tree, True, keys)
    except (_Whole, RecursionError):
        return None
    return frozenset(keys)


def _visit(node: Node, root: bool, keys: set[str]) -> None:
    """Adds the keys ``node`` reads; ``root`` when its input is the item itself."""
    if not root:
        return  # off the root nothing reads the item (variables never hold it, see above)
    if isinstance(node, Identity | RecurseAll | Format):
        raise _Whole
    if isinstance(node, Index | Slice | Iterate) and isinstance(node.target, Identity):
        _root_step(node, keys)
    elif isinstance(node, Pipe):
        _visit(node.left, True, keys)
        _visit(node.right, False, keys)
    elif isinstance(node, Assign):
        raise _Whole  # an update gives the (modified) item itself
    elif isinstance(node, If) and node.otherwise is None:
        raise _Whole  # the missing else branch is `.`
    elif isinstance(node, Try) and node.handler is not None:
        _visit(node.body, True, keys)
        _visit(node.handler, False, keys)  # the handler gets the error
    elif isinstance(node, Reduce | Foreach):
        _visit(node.source, True, keys)
        _visit(node.init, True, keys)
        for other in (node.update, getattr(node, "extract", None), *pattern_keys(node.pattern)):
            if other is not None:
                _visit(other, False, keys)  # the accumulator / the value destructured
    elif isinstance(node, Bind):
        _visit(node.source, True, keys)
        for key in pattern_keys(node.pattern):
            _visit(key, False, keys)
        _visit(node.body, True, keys)  # the body runs on the same input as the source
    elif isinstance(node, Call):
        _root_call(node, keys)
    else:
        for child in children(node):
            _visit(child, True, keys)


def _root_step(node: Index | Slice | Iterate, keys: set[str]) -> None:
    """``.a``, ``.["a"]``, ``.[0]`` on the item; computed keys, slices and ``.[]`` read it all."""
    if isinstance(node, Index) and isinstance(node.key, Literal):
        value = node.key.value
        if isinstance(value, str):
            keys.add(value)
            return
        if type(value) is int:
            return  # an object indexed by a number is an error, projected or not
    raise _Whole


def _root_call(node: Call, keys: set[str]) -> None:
    allowed = _INPUT_FREE.get((node.name, len(node.args)))
    if allowed is None:
        raise _Whole
    for position, argument in enumerate(node.args):
        _visit(argument, position in allowed, keys)
