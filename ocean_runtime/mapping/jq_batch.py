"""One jq program per resource that evaluates every jq-only leaf of a whole batch in one call.

Calling jq once per expression per item re-serialises the item each time (the reference's
main cost). Here every expression is wrapped so that it keeps the reference's meaning on its
own — first output only, no output or an error gives null — and the wrapped expressions are
put side by side in one program run over the batch::

    [.[] | <selector> as $s | if $s[0] == 1 then [1, [F1, F2, ...]] else $s end]

    selector  (try ([first(SEL)] | [0] false, [1] true, [2] no output, [3, v] not a boolean)
               catch [4, message])
    field     ([first(EXPR)?] | .[0])   or, when EXPR surely gives one output, (try EXPR catch null)

Expressions are put on their own lines so a trailing ``# comment`` cannot swallow the wrapper.
Only the item keys the expressions read are handed to jq (``jq_reads.keys_read``): parsing the
whole ~2 KB item is what costs most. The program runs in the mapping's ``JqSandbox``, at most
``BATCH_ITEMS`` items per call (each call has the budget of one jq evaluation). If the batch
call fails as a whole (input jq cannot serialise), the caller falls back to item by item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocean_runtime.mapping.jq_expr import NoOutput, rewrite_single_quotes
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_reads import keys_read
from ocean_runtime.mapping.jq_sandbox import JqBudgetError, JqSandbox
from ocean_runtime.mapping.jq_shape import needs_own_program, one_output
from ocean_runtime.mapping.plain import has_non_string_keys

SELECT_FALSE, SELECT_TRUE, SELECT_EMPTY, SELECT_NOT_BOOLEAN, SELECT_ERROR = range(5)
BATCH_ITEMS = 256

# Each wrapper keeps the reference's "first output; none or an error gives null" on its own.
# The cheap forms are only used for expressions that surely give exactly one output.
_SELECTOR = (
    "(try ([first(\n{expr}\n)] | if length == 0 then [2] "
    "elif .[0] == true then [1] elif .[0] == false then [0] else [3, .[0]] end) catch [4, .])"
)
_SELECTOR_ONE = (
    "(try ((\n{expr}\n) | if . == true then [1] elif . == false then [0] else [3, .] end) catch [4, .])"
)
_FIELD = "([first(\n{expr}\n)?] | .[0])"
_FIELD_ONE = "(try (\n{expr}\n) catch null)"


def can_batch(expression: str) -> bool:
    """False for expressions that must run alone (``input``, ``halt``, ``$__loc__``, comments)."""
    return not needs_own_program(expression)


class BatchProgram:
    """The combined program for a selector (optional) and a list of field expressions.

    Args:
        selector: the selector expression, or None when the caller evaluates it.
        fields: field expressions (as written in the config; quotes are rewritten here).
        sandbox: the jq worker it is compiled (and later run) in.

    Raises:
        ValueError: the combined program does not compile, or compiling it goes over the jq
            budget (callers then run the expressions one by one).
    """

    def __init__(self, selector: str | None, fields: Sequence[str], sandbox: JqSandbox) -> None:
        self.has_selector = selector is not None
        rewritten = [rewrite_single_quotes(f) for f in fields]
        everything = rewritten if selector is None else [*rewritten, rewrite_single_quotes(selector)]
        self.keys = _union_of_keys(everything)
        wrapped = ", ".join(_wrap(f, _FIELD, _FIELD_ONE) for f in rewritten)
        if selector is not None:
            item = _wrap(rewrite_single_quotes(selector), _SELECTOR, _SELECTOR_ONE)
            if fields:
                item += f" as $__ocean_selected | if $__ocean_selected[0] == 1 then [1, [{wrapped}]] "
                item += "else $__ocean_selected end"
        else:
            item = f"[{wrapped}]"
        self.text = f"[.[] | {item}]"
        try:
            sandbox.check_compiles(self.text)  # refused here, not per batch; kept compiled there
        except JqBudgetError as exc:
            raise ValueError(exc.reason) from None

    def run(self, items: list[Any], sandbox: JqSandbox) -> list[Any]:
        """Runs the program on a batch in ``sandbox``; one result per item.

        With a selector each result is ``[code]``, ``[code, detail]`` or
        ``[SELECT_TRUE, [field values]]``; without, it is the list of field values.

        Raises:
            TypeError: the batch holds values jq cannot serialise.
            ValueError: jq stopped the whole program (``halt``, internal errors).
            JqBudgetError: a call went over its budget.
        """
        keys = self.keys
        if keys is not None:
            items = [_project(item, keys) for item in items]
        results: list[Any] = []
        for start in range(0, len(items), BATCH_ITEMS):
            chunk = items[start : start + BATCH_ITEMS]
            try:
                outputs = sandbox.first_output(self.text, chunk, convert=False)
            except NoOutput:
                outputs = None
            if not isinstance(outputs, list) or len(outputs) != len(chunk):
                # Only a program-wide stop (e.g. `halt`) gets here: let the caller go item by item.
                raise ValueError("the combined program did not give one result per item")
            results += outputs
        return results


def _project(item: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(item, dict):
        return item
    projected = {key: item[key] for key in keys if key in item}
    if len(projected) < len(keys) and has_non_string_keys(item):
        return item  # jq would see {1: x} as {"1": x}: let it see the whole item
    return projected


def _wrap(expression: str, general: str, one_output_form: str) -> str:
    return (one_output_form if one_output(parse_tree(expression)) else general).format(expr=expression)


def _union_of_keys(expressions: Sequence[str]) -> tuple[str, ...] | None:
    """The item keys all ``expressions`` read together, or None if one reads the whole item."""
    keys: set[str] = set()
    for expression in expressions:
        read = keys_read(parse_tree(expression))
        if read is None:
            return None
        keys |= read
    return tuple(sorted(keys))
