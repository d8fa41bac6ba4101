"""Expressions of a resource that cannot be used, and the errors that name them.

An expression is unusable when jq refuses it (a syntax error, found when the resource is
compiled) or when evaluating it goes over its jq budget (time, memory, a crash: found while
mapping). Either way the message names the file, the key path, the expression and what is
wrong, so one broken expression fails only its own resource (``sync.plan``), and ``ocean map``
can show every field that works next to the ones that do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping.jq_expr import JQCompileError
from ocean_runtime.mapping.jq_sandbox import MEMORY_VARIABLE, TIMEOUT_VARIABLE
from ocean_runtime.mapping.plan import BudgetBreach

SYNTAX_FIX = (
    "fix the jq syntax (try it with `ocean map`); jq string literals need double quotes, e.g. '\"service\"'"
)
BUDGET_FIX = (
    f"look for a loop or a result that grows without end; if the expression is right, raise "
    f"{TIMEOUT_VARIABLE} or {MEMORY_VARIABLE}"
)


@dataclass(frozen=True)
class ExpressionProblem:
    """An expression of the resource that cannot be used.

    Attributes:
        location: its key path, e.g. ``resources[1].port.entity.mappings.properties.url``.
        expression: the expression as written.
        reason: jq's syntax error, or the budget it went over (``took longer than 10 s, ...``).
        kind: ``syntax`` or ``budget``.
    """

    location: str
    expression: str
    reason: str
    kind: str

    @classmethod
    def of_syntax(cls, location: str, error: JQCompileError) -> ExpressionProblem:
        return cls(location, error.expression, error.reason, "syntax")

    @classmethod
    def of_breach(cls, breach: BudgetBreach) -> ExpressionProblem:
        return cls(breach.location, breach.expression, breach.reason, "budget")

    @property
    def message(self) -> str:
        """What is wrong, naming the expression."""
        if self.kind == "budget":
            return f"jq expression {self.expression!r} {self.reason}"
        return f"invalid jq expression {self.expression!r}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "location": self.location,
            "expression": self.expression,
            "error": self.reason,
            "kind": self.kind,
        }

    def error(self, source: str) -> UserInputError:
        """This problem as the error a run ends with (file, key path, expression, fix)."""
        fix = BUDGET_FIX if self.kind == "budget" else SYNTAX_FIX
        return UserInputError(self.message, file=source, location=self.location, fix=fix)


def invalid_expressions(problems: list[ExpressionProblem], source: str) -> UserInputError:
    """Every syntax problem of a resource as one error (the first names its key path)."""
    error = problems[0].error(source)
    if len(problems) > 1:
        others = "; ".join(f"{p.location}: {p.expression!r}: {p.reason}" for p in problems[1:])
        error = UserInputError(
            f"{error.message} (also: {others})", file=source, location=error.location, fix=error.fix
        )
    return error
