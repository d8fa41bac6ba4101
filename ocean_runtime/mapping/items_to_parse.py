"""``itemsToParse``: one entity per element of a list inside each raw item.

For each raw item ("parent"):

1. ``itemsToParse`` is evaluated on the parent; it must give a list.
2. With ``itemsToParseTopLevelTransform`` (the default) the list is removed from the parent
   with ``del(<path>)``, where ``<path>`` is read off the expression the way the reference does
   it (the first plain path of the first pipe segment that has one).
3. Each element gives a new object ``{**parent, <itemsToParseName>: element}``, so mappings see
   ``.item.x`` next to the parent's own keys.

A parent is skipped with a warning when the list is not a list, or when the ``del`` gives null or
fails. The caller's items are never modified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping.jq_expr import NoOutput, compile_jq, first_output, rewrite_single_quotes
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    PlainPath,
    has_non_string_keys,
    jq_type,
    parse_plain_path,
    to_jq_value,
)
from ocean_runtime.mapping.result import ItemError

_VARIABLE_BINDING = re.compile(r"^\.\s+as\s+\$\w+")
_FIRST_PATH = re.compile(r"(\.[\w]+|\.\[[^\]]+\])(\.[\w]+|\[[^\]]+\]|\.\[[^\]]+\])*")
_LEADING_PARENS = re.compile(r"\((.*?)\)", re.DOTALL)


def deletion_path(expression: str) -> str | None:
    """The path ``itemsToParseTopLevelTransform`` removes, as the reference extracts it.

    ``.files`` → ``.files``; ``. as $all | ($all | .file.content.raw) // {}`` →
    ``.file.content.raw``; None when no plain path is found.
    """
    chain = expression.strip()
    if chain.startswith("("):
        match = _LEADING_PARENS.match(chain)
        if match is None:
            return None
        chain = match.group(1).strip()
    for segment in (part.strip() for part in chain.split("|")):
        if _VARIABLE_BINDING.match(segment) or segment == "." or segment.startswith("$"):
            continue
        path = _FIRST_PATH.match(segment)
        if path:
            return path.group(0).strip()
    return None


@dataclass(slots=True)
class ExpandedItem:
    """One object to map: a raw item, or a parent merged with one list element.

    Not frozen: one is made per mapped object, and a frozen dataclass's ``__init__`` costs
    several times more.
    """

    index: int
    element: int | None
    data: Any


class ItemsToParse:
    """A compiled ``itemsToParse`` setting of one resource.

    Raises (from the constructor):
        UserInputError: the expression is invalid jq, or no path to remove can be read from
            it while ``itemsToParseTopLevelTransform`` is on (the reference would then
            silently skip every item).
    """

    def __init__(self, expression: str, *, name: str, top_level_transform: bool, location: str, source: str):
        self.expression = expression
        self.name = name
        self._program = compile_jq(expression)
        self._plain = parse_plain_path(rewrite_single_quotes(expression))
        self._delete: tuple[PlainPath | None, Any] | None = None
        self.keys_read: frozenset[str] | None = None
        if top_level_transform:
            path = deletion_path(expression)
            if path is None:
                raise UserInputError(
                    f"cannot tell which key of the item {expression!r} reads, so it cannot be removed "
                    "from the merged items",
                    file=source,
                    location=location,
                    fix="set `itemsToParseTopLevelTransform: false`, or start the expression with the "
                    "path of the list (e.g. `.files | ...`)",
                )
            plain = parse_plain_path(path)
            simple = plain if plain and plain.steps and all(isinstance(s, str) for s in plain.steps) else None
            self._delete = (simple, compile_jq(f". | del({path})"))

    def expand(self, raw_items: list[Any]) -> tuple[list[ExpandedItem], list[ItemError]]:
        """Expands every raw item; returns the objects to map and the skipped parents."""
        expanded: list[ExpandedItem] = []
        warnings: list[ItemError] = []
        for index, parent in enumerate(raw_items):
            elements = self._elements(parent)
            if self._delete is not None:
                parent = self._without_list(parent)
                if parent is None:
                    warnings.append(
                        ItemError(
                            index,
                            f"removing the list of {self.expression!r} from the item failed; item skipped",
                        )
                    )
                    continue
            if not isinstance(elements, list):
                warnings.append(
                    ItemError(
                        index,
                        f"itemsToParse {self.expression!r} gave {jq_type(elements)}, expected an array; "
                        "item skipped",
                    )
                )
                continue
            if not isinstance(parent, dict):
                warnings.append(
                    ItemError(index, f"the item is {jq_type(parent)}, not an object; item skipped")
                )
                continue
            for position, element in enumerate(elements):
                merged = dict(parent)
                merged[self.name] = element
                expanded.append(ExpandedItem(index, position, merged))
        return expanded, warnings

    def _elements(self, parent: Any) -> Any:
        if self._plain is not None:
            try:
                # The elements are copied: mapping must not alias the caller's data.
                return self._plain.evaluate(parent)
            except PathError:
                return None
            except NotPlain:
                pass
        try:
            return first_output(self._program, parent)
        except (NoOutput, ValueError):
            return None

    def _without_list(self, parent: Any) -> Any:
        assert self._delete is not None
        simple, program = self._delete
        # The reference deletes with jq, so the parent comes back as jq hands values back
        # (integral floats as ints, big ints rounded). Only the keys the resource's expressions
        # read (``keys_read``, None for all) can show the difference: those are converted with
        # ``to_jq_value``; what it refuses (non-string keys, huge numbers) is left to jq.
        if simple is not None and isinstance(parent, dict) and not has_non_string_keys(parent):
            converted = dict(parent)
            try:
                for key in parent if self.keys_read is None else self.keys_read:
                    if key in converted:
                        converted[key] = to_jq_value(converted[key])
                return _delete_path(converted, simple.steps)  # type: ignore[arg-type]
            except PathError:
                return None
            except NotPlain:
                pass
        try:
            return first_output(program, parent)
        except (NoOutput, ValueError):
            return None


def _delete_path(obj: dict[str, Any], steps: tuple[str, ...]) -> dict[str, Any]:
    """``del(.a.b)`` in Python: copies the objects along the path, leaves the input untouched."""
    key, rest = steps[0], steps[1:]
    copy = dict(obj)
    if not rest:
        copy.pop(key, None)
        return copy
    child = obj.get(key)
    if child is None:
        return copy
    if not isinstance(child, dict):
        raise PathError(f"cannot delete a field of {jq_type(child)}")
    copy[key] = _delete_path(child, rest)
    return copy
