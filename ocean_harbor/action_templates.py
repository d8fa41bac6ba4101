"""Port's ``{{ jq }}`` templates in an action's invocation method, rendered for one run.

An ``INTEGRATION_ACTION`` says what its executor gets, e.g.::

    "integrationActionExecutionProperties": {
        "service": "{{ .entity.identifier }}",
        "version": "{{ .inputs.version }}",
        "note": "deployed by {{ .trigger.by.user.email }}"
    }

A string that is exactly one template becomes the template's JSON value (``.inputs.version``
stays a number); a template inside other text is spliced in as text (strings as they are, other
values as JSON). Objects and lists are rendered item by item. The templates read a context of
``inputs``, ``entity``, ``action``, ``run`` and ``trigger`` (as Port's do).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jq

from ocean_harbor.errors import invalid

# ``{{ expression }}``: the expression holds no ``{{`` or ``}}`` of its own.
TEMPLATE = re.compile(r"\{\{((?:(?!\{\{|\}\}).)*)\}\}", re.DOTALL)
MAX_RESULT_CHARS = 100_000


def render(value: Any, context: dict[str, Any], path: str = "") -> Any:
    """``value`` with every template evaluated against ``context``.

    Raises:
        HarborError: 422 naming the key whose template does not compile or fails.
    """
    if isinstance(value, dict):
        return {key: render(item, context, f"{path}.{key}" if path else key) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, context, f"{path}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, str) or "{{" not in value:
        return value
    whole = TEMPLATE.fullmatch(value.strip())
    if whole is not None:
        return _evaluate(whole.group(1), context, path)
    return TEMPLATE.sub(lambda match: _as_text(_evaluate(match.group(1), context, path)), value)


def _evaluate(expression: str, context: dict[str, Any], path: str) -> Any:
    try:
        results = _compiled(expression.strip()).input_value(context).all()
    except ValueError as exc:
        raise invalid(
            f"invocationMethod.integrationActionExecutionProperties.{path}: the template "
            f"{{{{{expression}}}}} failed: {_jq_message(exc)}"
        ) from None
    return results[0] if results else None


@lru_cache(maxsize=256)
def _compiled(expression: str) -> Any:
    return jq.compile(expression or ".")


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"))[:MAX_RESULT_CHARS]


def _jq_message(exc: ValueError) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return first_line.removeprefix("jq: error: ").removesuffix(":").strip() or "error"
