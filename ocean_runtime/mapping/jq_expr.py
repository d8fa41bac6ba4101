"""Turning a port-app-config expression into a compiled jq program, as Port does.

Port rewrites single quotes that delimit strings into double quotes before compiling
(``.org + '/' + .repo`` → ``.org + "/" + .repo``); the reference ports Port's own regex, and so
do we, so that the same mapping means the same thing everywhere.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import jq

from ocean_runtime.errors import OceanError
from ocean_runtime.mapping.jq_tokens import NotUnderstood, Token, tokenize

if TYPE_CHECKING:
    from ocean_runtime.mapping.jq_sandbox import JqSandbox

# A quote at a word boundary that is not itself next to a space or a double quote.
_STRING_SINGLE_QUOTE = re.compile(r"(^|\s)'(?!\s|\")|(?<!\s|\")'(\s|$)")


class JQCompileError(OceanError):
    """A mapping expression is not valid jq (after Port's quote rewriting)."""

    def __init__(self, expression: str, reason: str) -> None:
        self.expression = expression
        self.reason = reason
        super().__init__(f"jq error in {expression!r}: {reason}")


def rewrite_single_quotes(expression: str) -> str:
    """Rewrites string-delimiting single quotes into double quotes, as Port does."""
    return _STRING_SINGLE_QUOTE.sub(lambda m: f'{m.group(1) or ""}"{m.group(2) or ""}', expression)


def checked_program(expression: str, *, sandbox: JqSandbox | None = None) -> Any | None:
    """Checks that a port-app-config expression is valid jq, building nothing big in this process.

    jq folds operations on constants while it compiles, and ``"a" * 1000000000`` is a gigabyte
    before anything runs: an expression that may fold without bound (one with a ``*``, or one
    that cannot be tokenized) is compiled in a budgeted jq worker (``sandbox``, else a
    short-lived one) and not here; any other is compiled here (bounded by its own size).

    Returns:
        The program compiled in this process, or None when it was compiled in the worker only.

    Raises:
        JQCompileError: the expression is not valid jq.
        JqBudgetError: compiling it goes over the jq budget.
    """
    if _may_fold_without_bound(expression):
        _compile_in_worker(expression, sandbox)
        return None
    return _compile(expression)


def check_jq(expression: str, *, sandbox: JqSandbox | None = None) -> None:
    """Checks that ``expression`` is valid jq, building nothing big here (see ``checked_program``).

    Raises:
        JQCompileError: the expression is not valid jq.
        JqBudgetError: compiling it goes over the jq budget.
    """
    checked_program(expression, sandbox=sandbox)


def compile_jq(expression: str, *, sandbox: JqSandbox | None = None) -> Any:
    """Compiles a port-app-config expression into a program that runs in this process.

    An expression that may fold a huge constant is checked in the worker first (see
    ``checked_program``), so one over the budget is refused before it is built here.
    Compiling costs a few milliseconds (jq compiles its builtins every time): a caller that
    compiles the same text often keeps the program.

    Raises:
        JQCompileError: the expression is not valid jq.
        JqBudgetError: compiling it goes over the jq budget.
    """
    program = checked_program(expression, sandbox=sandbox)
    return _compile(expression) if program is None else program


def _compile(expression: str) -> Any:
    try:
        return jq.compile(rewrite_single_quotes(expression))
    except ValueError as exc:
        raise JQCompileError(expression, _first_line(str(exc))) from None


def _may_fold_without_bound(expression: str) -> bool:
    """Only ``*`` makes a constant grow faster than the expression (string repetition)."""
    try:
        tokens = tokenize(rewrite_single_quotes(expression))
    except (NotUnderstood, IndexError, RecursionError):
        return True
    return _has_star(tokens)


def _has_star(tokens: list[Token]) -> bool:
    for token in tokens:
        if (token.kind == "op" and token.text.startswith("*")) or any(map(_has_star, token.parts or [])):
            return True
    return False


def _compile_in_worker(expression: str, sandbox: JqSandbox | None) -> None:
    from ocean_runtime.mapping.jq_sandbox import JqSandbox

    try:
        if sandbox is not None:
            sandbox.check_compiles(rewrite_single_quotes(expression))
            return
        with JqSandbox() as own:
            own.check_compiles(rewrite_single_quotes(expression))
    except ValueError as exc:
        raise JQCompileError(expression, _first_line(str(exc))) from None


_NOT_JSON_SERIALIZABLE = re.compile(r"not\s+JSON\s+serializable", re.IGNORECASE)


class NoOutput(Exception):
    """The expression produced no output at all (``empty``, a ``select`` that matched nothing)."""


def first_output(program: Any, data: Any) -> Any:
    """The first output of a compiled program on ``data``, as the reference takes it.

    Input jq cannot serialise (dates, non-string keys) is retried after
    ``make_json_compatible``, as the reference does.

    Raises:
        NoOutput: the program produced nothing.
        ValueError: jq raised an error (the message is jq's).
    """
    from ocean_runtime.mapping.plain import make_json_compatible

    try:
        outputs = program.input_value(data)
    except TypeError as exc:
        if not _NOT_JSON_SERIALIZABLE.search(str(exc)):
            raise ValueError(str(exc)) from None
        outputs = program.input_value(make_json_compatible(data))
    for value in outputs:
        return value
    raise NoOutput


def first_or_none(program: Any, data: Any) -> tuple[Any, bool]:
    """``(first output, ok)``: ``(None, False)`` when jq failed, ``(None, True)`` when it gave nothing."""
    try:
        return first_output(program, data), True
    except NoOutput:
        return None, True
    except Exception:  # any jq failure maps to null, as in the reference
        return None, False


def _first_line(message: str) -> str:
    """jq's first line without its ``jq: error:`` prefix and the colon that led to the source."""
    lines = message.strip().splitlines()
    if not lines:
        return "syntax error"
    return lines[0].removeprefix("jq: error: ").rstrip(":").strip() or "syntax error"
