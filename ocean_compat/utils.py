"""Published utilities (``port_ocean.utils.*``): caches, async iterators, time, queues, signals."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ocean_runtime.http import cache_per_resync

logger = logging.getLogger(__name__)
T = TypeVar("T")


# -- caches: one value per call per resync (Ocean's cache_per_resync) --------------------------------


def cache_iterator_result(*_: Any, **__: Any) -> Callable[[Any], Any]:
    """Published ``@cache_iterator_result()``: an async generator's batches, once per resync."""
    return cache_per_resync


def cache_coroutine_result(*_: Any, **__: Any) -> Callable[[Any], Any]:
    """Published ``@cache_coroutine_result()``: a coroutine's result, once per resync."""
    return cache_per_resync


def hash_func(func: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """A stable key for a call (function name and arguments)."""
    text = f"{func.__module__}.{func.__qualname__}:{args!r}:{sorted(kwargs.items())!r}"
    return hashlib.sha256(text.encode()).hexdigest()


# -- async iterators ------------------------------------------------------------------------------------


async def stream_async_iterators_tasks(*tasks: AsyncIterable[Any]) -> AsyncIterator[Any]:
    """Items of several async iterators as they arrive (the first failure stops the stream)."""
    async for item in _merge(tasks, defer_errors=False):
        yield item


async def stream_independent_async_iterators(
    *iterators: AsyncIterable[T], context: str = ""
) -> AsyncIterator[T]:
    """Like ``stream_async_iterators_tasks``, but failures are raised together after the others end."""
    async for item in _merge(iterators, defer_errors=True, context=context):
        yield item


async def _merge(
    iterators: Sequence[AsyncIterable[Any]], *, defer_errors: bool, context: str = ""
) -> AsyncIterator[Any]:
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(maxsize=len(iterators) or 1)

    async def drain(iterator: AsyncIterable[Any]) -> None:
        try:
            async for item in iterator:
                await queue.put(("item", item))
        except Exception as exc:
            await queue.put(("error", exc))
        finally:
            await queue.put(("done", None))

    tasks = [asyncio.create_task(drain(iterator)) for iterator in iterators]
    errors: list[Exception] = []
    running = len(tasks)
    try:
        while running:
            kind, value = await queue.get()
            if kind == "item":
                yield value
            elif kind == "done":
                running -= 1
            elif defer_errors:
                errors.append(value)
            else:
                raise value
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if errors:
        raise ExceptionGroup(f"{context or 'streams'}: {len(errors)} iterator(s) failed", errors)


async def semaphore_async_iterator(
    semaphore: asyncio.Semaphore, function: Callable[[], AsyncIterator[Any]]
) -> AsyncIterator[Any]:
    """Runs the async iterator ``function()`` while holding ``semaphore``."""
    async with semaphore:
        async for item in function():
            yield item


async def process_in_queue(
    objects_to_process: list[Any],
    func: Callable[..., Coroutine[Any, Any, T]],
    *args: Any,
    concurrency: int = 50,
) -> list[T]:
    """``func(obj, *args)`` for every object, at most ``concurrency`` at a time, results in order."""
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(obj: Any) -> T:
        async with limit:
            return await func(obj, *args)

    return list(await asyncio.gather(*(one(obj) for obj in objects_to_process)))


# -- time -----------------------------------------------------------------------------------------------


def days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def months_ago(months: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=30 * months)


def to_rfc3339(value: datetime, *, timespec: str = "seconds") -> str:
    """RFC 3339 in UTC, ending in ``Z``."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.isoformat(timespec=timespec).replace("+00:00", "Z")


def get_time(seconds_precision: bool = True) -> float:
    now = time.time()
    return float(int(now)) if seconds_precision else now


def generate_uuid() -> str:
    return str(uuid.uuid4())


# -- signals ----------------------------------------------------------------------------------------------


class SignalHandler:
    """Published ``signal_handler``: callbacks registered for shutdown (kept; run by ``exit``)."""

    def __init__(self) -> None:
        self._callbacks: dict[str, Callable[[], Any]] = {}

    def register(self, callback: Callable[[], Any]) -> str:
        key = str(uuid.uuid4())
        self._callbacks[key] = callback
        return key

    def unregister(self, key: str) -> None:
        self._callbacks.pop(key, None)

    async def exit(self) -> None:
        for callback in list(self._callbacks.values()):
            result = callback()
            if inspect.isawaitable(result):
                await result


signal_handler = SignalHandler()


# -- auth, logs, queues ---------------------------------------------------------------


class OAuthClient:
    """Published OAuth-aware client base: ``external_access_token`` when OAuth is configured."""

    def __init__(self) -> None:
        return None

    def is_oauth_enabled(self) -> bool:
        from .context import ocean

        return ocean.app.config.oauth_access_token_file_path is not None

    @property
    def external_access_token(self) -> str:
        from .context import ocean

        token = ocean.app.load_external_oauth_access_token()
        if token is None:
            raise ValueError("No external access token found")
        return str(token)

    def refresh_request_auth_creds(self, request: Any) -> Any:
        return request


class _SensitiveLogFilter:
    """Published ``sensitive_log_filter``: secrets registered here are kept out of logs."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def hide_sensitive_strings(self, *values: str) -> None:
        self.secrets.update(value for value in values if value)


sensitive_log_filter = _SensitiveLogFilter()


class GroupQueue(asyncio.Queue[Any]):
    """Published per-group queue; a plain FIFO here (Ocean orders live events itself)."""

    def __init__(self, group_key: str | None = None, name: str | None = None, **_: Any) -> None:
        super().__init__()
        self.group_key = group_key
