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

Plain paths are evaluated in Python; anything else runs in the mapping's ``JqSandbox``, one
program per batch (``[.[] | [list, parent without it]]``), and a budget breach names
``itemsToParse``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping.jq_batch import BATCH_ITEMS
from ocean_runtime.mapping.jq_expr import NoOutput, checked_program, rewrite_single_quotes
from ocean_runtime.mapping.jq_sandbox import JqBudgetError, JqSandbox
from ocean_runtime.mapping.jq_shape import needs_own_program
from ocean_runtime.mapping.plain import (
    NotPlain,
    PathError,
    PlainPath,
    has_non_string_keys,
    jq_type,
    parse_plain_path,
    to_jq_value,
)
from ocean_runtime.mapping.plan import BudgetBreach
from ocean_runtime.mapping.result import ItemError

_JQ: Any = object()  # "Python cannot decide: ask jq"

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

    def __init__(
        self,
        expression: str,
        *,
        name: str,
        top_level_transform: bool,
        location: str,
        source: str,
        sandbox: JqSandbox | None = None,
    ):
        self.expression = expression
        self.name = name
        self.location = location
        self._compile(expression, sandbox)
        self._text = rewrite_single_quotes(expression)
        self._plain = parse_plain_path(self._text)
        self._own_program = needs_own_program(self._text)
        self._delete: tuple[PlainPath | None, str] | None = None
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
            deletion = f". | del({path})"
            self._compile(deletion, sandbox)
            self._delete = (simple, deletion)

    def _compile(self, expression: str, sandbox: JqSandbox | None) -> None:
        try:
            checked_program(expression, sandbox=sandbox)  # evaluated in Python or in the sandbox only
        except JqBudgetError as exc:
            raise BudgetBreach(self.location, self.expression, exc.reason) from None

    @property
    def in_python(self) -> bool:
        """True when both the list and its removal are read in Python (plain paths)."""
        return self._plain is not None and (self._delete is None or self._delete[0] is not None)

    def expand(self, raw_items: list[Any], sandbox: JqSandbox) -> tuple[list[ExpandedItem], list[ItemError]]:
        """Expands every raw item; returns the objects to map and the skipped parents.

        Raises:
            BudgetBreach: jq went over its budget on the expression (or the removal of its list).
        """
        expanded: list[ExpandedItem] = []
        warnings: list[ItemError] = []
        evaluated = self._evaluate(raw_items, sandbox)
        for index, (elements, parent) in enumerate(evaluated):
            if self._delete is not None and parent is None:
                message = f"removing the list of {self.expression!r} from the item failed; item skipped"
                warnings.append(ItemError(index, message))
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

    def _evaluate(self, parents: list[Any], sandbox: JqSandbox) -> list[tuple[Any, Any]]:
        """(list, parent without it) of every parent: in Python when it can, else in jq."""
        results = [(self._elements(parent), self._without_list(parent)) for parent in parents]
        for_jq = [i for i, (elements, parent) in enumerate(results) if elements is _JQ or parent is _JQ]
        if for_jq:
            from_jq = self._in_jq([parents[i] for i in for_jq], sandbox)
            for i, (elements, parent) in zip(for_jq, from_jq, strict=True):
                python_elements, python_parent = results[i]
                results[i] = (
                    elements if python_elements is _JQ else python_elements,
                    parent if python_parent is _JQ else python_parent,
                )
        return results

    def _elements(self, parent: Any) -> Any:
        if self._plain is None:
            return _JQ
        try:
            # The elements are copied: mapping must not alias the caller's data.
            return self._plain.evaluate(parent)
        except PathError:
            return None
        except NotPlain:
            return _JQ

    def _without_list(self, parent: Any) -> Any:
        if self._delete is None:
            return parent
        simple = self._delete[0]
        # The reference deletes with jq, so the parent comes back as jq hands values back
        # (integral floats as ints, big ints rounded). Only the keys the resource's expressions
        # read (``keys_read``, None for all) can show the difference: those are converted with
        # ``to_jq_value``; what it refuses (non-string keys, huge numbers) is left to jq.
        if simple is None or not isinstance(parent, dict) or has_non_string_keys(parent):
            return _JQ
        converted = dict(parent)
        try:
            for key in parent if self.keys_read is None else self.keys_read:
                if key in converted:
                    converted[key] = to_jq_value(converted[key])
            return _delete_path(converted, simple.steps)  # type: ignore[arg-type]
        except PathError:
            return None
        except NotPlain:
            return _JQ

    def _in_jq(self, parents: list[Any], sandbox: JqSandbox) -> list[tuple[Any, Any]]:
        """Both values for each parent from one jq program (item by item if the batch fails)."""
        deletion = self._delete[1] if self._delete is not None else "."
        program = f"[.[] | [([first(\n{self._text}\n)?] | .[0]), ([first({deletion})?] | .[0])]]"
        try:
            if self._own_program:
                return [self._one_in_jq(parent, deletion, sandbox) for parent in parents]
            try:
                outputs = []
                for start in range(0, len(parents), BATCH_ITEMS):
                    chunk = parents[start : start + BATCH_ITEMS]
                    outputs += sandbox.first_output(program, chunk, convert=False)
                return [(elements, parent) for elements, parent in outputs]
            except (TypeError, ValueError, NoOutput):
                return [self._one_in_jq(parent, deletion, sandbox) for parent in parents]
        except JqBudgetError as exc:
            raise BudgetBreach(self.location, self.expression, exc.reason) from None

    def _one_in_jq(self, parent: Any, deletion: str, sandbox: JqSandbox) -> tuple[Any, Any]:
        values = []
        for program in (self._text, deletion):
            try:
                values.append(sandbox.first_output(program, parent))
            except (NoOutput, ValueError):
                values.append(None)
        return values[0], values[1]


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
