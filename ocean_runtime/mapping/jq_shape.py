"""What the shape of a jq expression tells without running it (analyses over ``jq_tree``).

* ``one_output``: the expression surely gives exactly one output or an error (never 0, never
  2+), so its "first output or null" is simply ``try E catch null`` — much cheaper in jq than
  ``[first(E)?] | .[0]``. Conservative: anything that may iterate (``.[]``, ``,``, ``..``,
  ``select``, ``empty``, ``?``, ``try`` without ``catch``, unknown functions) answers False.
* ``needs_own_program``: the expression cannot share a jq program with others, because its
  result depends on the program around it (``input``, ``halt``, ``$__loc__``...) or because it
  could not be tokenized with certainty (a comment could swallow what follows it).
"""

from __future__ import annotations

from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_tokens import NotUnderstood, Token, tokenize
from ocean_runtime.mapping.jq_tree import (
    Assign,
    Binary,
    Bind,
    Call,
    Collect,
    Format,
    Identity,
    If,
    Index,
    Label,
    Literal,
    Negate,
    Node,
    ObjectCons,
    Pipe,
    Reduce,
    Slice,
    Text,
    Try,
    Var,
    children,
    pattern_keys,
    walk,
)

# Builtins whose result depends on the whole program or its input stream, not on the item.
_PROGRAM_WIDE = frozenset(
    {
        "input",
        "inputs",
        "input_line_number",
        "input_filename",
        "halt",
        "halt_error",
        "debug",
        "stderr",
        "get_search_list",
        "get_prog_origin",
        "get_jq_origin",
        "$__loc__",
        "$__prog_args",
    }
)

# Builtins that give exactly one output (or an error) when their arguments do.
_ONE_OUTPUT = frozenset(
    [
        "not",
        "length",
        "utf8bytelength",
        "keys",
        "keys_unsorted",
        "has",
        "in",
        "inside",
        "contains",
        "map",
        "map_values",
        "with_entries",
        "to_entries",
        "from_entries",
        "add",
        "any",
        "all",
        "flatten",
        "join",
        "split",
        "ascii_downcase",
        "ascii_upcase",
        "ltrimstr",
        "rtrimstr",
        "trim",
        "ltrim",
        "rtrim",
        "startswith",
        "endswith",
        "test",
        "tostring",
        "tonumber",
        "type",
        "tojson",
        "fromjson",
        "sort",
        "sort_by",
        "group_by",
        "unique",
        "unique_by",
        "min",
        "max",
        "min_by",
        "max_by",
        "reverse",
        "floor",
        "ceil",
        "round",
        "sqrt",
        "fabs",
        "pow",
        "log",
        "exp",
        "log10",
        "index",
        "rindex",
        "indices",
        "implode",
        "explode",
        "getpath",
        "setpath",
        "delpaths",
        "del",
        "transpose",
        "isempty",
        "IN",
        "env",
        "builtins",
        "now",
        "todate",
        "fromdate",
        "todateiso8601",
        "fromdateiso8601",
        "strftime",
        "strptime",
        "mktime",
        "gmtime",
        "localtime",
        "error",
        "infinite",
        "nan",
        "isinfinite",
        "isnan",
        "isnormal",
        "sub",
        "gsub",
        "significand",
        "walk",
        "abs",
        "toarray",
    ]
)


def one_output(tree: Node | None) -> bool:
    """True when ``tree`` surely gives exactly one output or an error (None: not modelled)."""
    if tree is None:
        return False
    try:
        return _one(tree)
    except RecursionError:
        return False


def _one(node: Node) -> bool:
    if isinstance(node, Identity | Literal | Var | Format | Collect):
        return True  # `[E]` gives one array whatever E gives
    if isinstance(node, Index | Slice) and node.optional:
        return False
    if isinstance(node, Try):
        return node.handler is not None and _one(node.body) and _one(node.handler)
    if isinstance(node, If):
        parts = [part for branch in node.branches for part in branch]
        return all(_one(part) for part in parts) and (node.otherwise is None or _one(node.otherwise))
    if isinstance(node, Call):
        return node.name in _ONE_OUTPUT and all(_one(argument) for argument in node.args)
    if isinstance(node, Reduce):
        return _one(node.init) and _one(node.update) and all(_one(k) for k in pattern_keys(node.pattern))
    if isinstance(node, Bind | Label | Pipe | Binary | Assign | Negate | Index | Slice | Text | ObjectCons):
        return all(_one(child) for child in children(node))
    return False  # `..`, `.[]`, `,`, foreach, break


def needs_own_program(expression: str) -> bool:
    """True when a (quote-rewritten) expression cannot share a jq program with others."""
    tree = parse_tree(expression)
    if tree is not None:
        return any(_program_wide_node(node) for node in walk(tree))
    try:
        tokens = tokenize(expression)  # not modelled (a `def`...): look at its words
    except (NotUnderstood, IndexError, RecursionError):
        return True
    return _program_wide_tokens(tokens)


def _program_wide_node(node: Node) -> bool:
    if isinstance(node, Call):
        return node.name in _PROGRAM_WIDE
    return isinstance(node, Var) and f"${node.name}" in _PROGRAM_WIDE


def _program_wide_tokens(tokens: list[Token]) -> bool:
    for token in tokens:
        if token.kind in ("ident", "var") and token.text in _PROGRAM_WIDE:
            return True
        if any(_program_wide_tokens(part) for part in token.parts or []):
            return True
    return False
