"""Cache expensive lookups for the length of one resync.

    @cache_per_resync
    async def team_members(team_id: str) -> list[dict]:      # called for every repository…
        return await fetch_members(team_id)                  # …fetched once per team per resync

    @cache_per_resync
    async def all_projects():                                # an async generator: its batches
        async for batch in paginate(client, "/projects"):    # are replayed to later callers
            yield batch

A cached value lives as long as the resync that produced it: the values are kept on the run's
event scope (``EventScope.cache``), so the next resync starts empty and nothing stale outlives
the run that read it (the reference keeps values across resyncs with no TTL, and its default
disk cache survives restarts), and runs going on at once — several apps in one process, a
live event beside a resync — never share or evict each other's values. Outside a resync
(``on_start``, a unit test calling the function directly) the function simply runs, uncached.

Concurrent callers of a coroutine with the same arguments share one call; a failed call is
not cached. A generator is stored only when it was read to the end.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Callable, Hashable
from typing import Any, TypeVar, cast

from ocean_runtime.context import current_scope

F = TypeVar("F", bound=Callable[..., Any])


def _run_cache() -> dict[Hashable, Any] | None:
    """The cache of the run this call belongs to, or None outside any run."""
    scope = current_scope()
    return scope.cache if scope is not None else None


def clear_resync_cache() -> None:
    """Drop the values cached by the current run (each run starts empty on its own)."""
    values = _run_cache()
    if values is not None:
        values.clear()


def cache_per_resync(function: F) -> F:
    """Decorator: cache an ``async def`` function's result, or an async generator's batches.

    Arguments must be hashable (or lists/dicts/sets of hashables); they are part of the key,
    so ``members("a")`` and ``members("b")`` are cached separately.
    """
    if inspect.isasyncgenfunction(function):
        return cast(F, _cache_generator(function))
    if inspect.iscoroutinefunction(function):
        return cast(F, _cache_coroutine(function))
    raise TypeError(f"@cache_per_resync needs an async function or async generator, got {function!r}")


def _cache_coroutine(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    async def cached(*args: Any, **kwargs: Any) -> Any:
        values = _run_cache()
        if values is None:
            return await function(*args, **kwargs)
        key = _key(function, args, kwargs)
        pending = values.get(key)
        if pending is None:
            pending = values[key] = asyncio.ensure_future(function(*args, **kwargs))
        try:
            # shield: one caller being cancelled must not cancel the call the others wait for.
            return await asyncio.shield(pending)
        except Exception:
            if values.get(key) is pending:
                del values[key]  # failures are not cached: the next caller tries again
            raise

    return cached


def _cache_generator(function: Callable[..., AsyncIterator[Any]]) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(function)
    async def cached(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        values = _run_cache()
        if values is None:
            async for batch in function(*args, **kwargs):
                yield batch
            return
        key = _key(function, args, kwargs)
        if key in values:
            for batch in values[key]:
                yield batch
            return
        collected: list[Any] = []
        async for batch in function(*args, **kwargs):
            collected.append(batch)
            yield batch
        values[key] = collected  # reached only when the generator was read to the end

    return cached


def _key(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    return (function, _frozen(args), _frozen(sorted(kwargs.items())))


def _frozen(value: Any) -> Hashable:
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(_frozen(v) for v in value))
    hash(value)  # an unhashable argument fails here with Python's own TypeError
    return cast(Hashable, value)
