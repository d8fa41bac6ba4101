"""Published ``JQEntityProcessor`` / ``JQEntityProcessorSync``: integrations call ``_search``.

A few integrations evaluate jq themselves (GitLab's ``file://`` values, the custom HTTP
integration's data paths) through the processor's ``_search(data, pattern)``. It runs the
expression with the ``jq`` library, after Port's single-quote rewriting, returning the first
output (or None), as the published one does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ocean_runtime.mapping import compile_jq

# Compiling costs milliseconds (jq compiles its builtins each time) and integrations call
# ``_search`` per item with a handful of patterns.
_compiled = lru_cache(maxsize=256)(compile_jq)


def _first(data: Any, pattern: str) -> Any:
    try:
        program = _compiled(pattern)
        return program.input_value(data).first()
    except (StopIteration, ValueError):
        return None


class JQEntityProcessor:
    """Published entity processor; here only its jq search helpers."""

    def __init__(self, context: Any = None) -> None:
        self.context = context

    async def _search(self, data: Any, pattern: str, field: str | None = None) -> Any:
        return _first(data, pattern)

    async def _search_as_bool(self, data: Any, pattern: str) -> bool:
        value = _first(data, pattern)
        if isinstance(value, bool):
            return value
        raise ValueError(f"Expected boolean value, got {type(value)} instead")


class JQEntityProcessorSync:
    """Published synchronous variant."""

    @staticmethod
    def _search(data: Any, pattern: str) -> Any:
        return _first(data, pattern)
