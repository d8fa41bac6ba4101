"""Dotted paths into JSON answers: ``data.items``, ``meta.next_cursor``, ``pages.0.url``.

Enough for where APIs put their items and cursors; anything fancier belongs in the mapping.
"""

from __future__ import annotations

from typing import Any

MISSING: Any = object()


def get_path(body: Any, path: str | None) -> Any:
    """The value at ``path`` in ``body`` (``None``/``""``: the body itself), or ``MISSING``.

    Args:
        body: decoded JSON.
        path: dot-separated keys; a numeric part indexes a list.
    """
    if not path:
        return body
    current = body
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return MISSING
            current = current[part]
        elif isinstance(current, list) and _is_index(part):
            index = int(part)
            if not -len(current) <= index < len(current):
                return MISSING
            current = current[index]
        else:
            return MISSING
    return current


def _is_index(part: str) -> bool:
    return part.lstrip("-").isdigit()


def describe_shape(value: Any) -> str:
    """A short description of ``value`` for error messages (its type, or an object's keys)."""
    if isinstance(value, dict):
        keys = ", ".join(sorted(map(str, value))[:12])
        return f"an object with keys [{keys}]"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {value!r:.40}"
