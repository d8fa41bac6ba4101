"""Running an integration's resync handlers: raw batches out, failures remembered.

A handler is ``async def f(kind)`` that returns a list of dicts, or an async generator that
yields lists of dicts. Both shapes end up as a stream of raw batches handed to ``emit`` (which
blocks while the pipeline behind it is full — that is what keeps memory flat). A handler that
raises, or yields something that is not a batch, fails its kind: the reason is remembered with
the line of the user's code, the other handlers still run, and reconcile will delete nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocean_runtime.errors import AbortRunError

from .report import KindReport
from .user_code import describe_exception

# A returned list is cut into batches of this many items, so a handler returning 100 000
# items streams through mapping and upserts like a generator would.
LIST_BATCH_SIZE = 500

RawBatch = list[dict[str, Any]]
Emit = Callable[[RawBatch], Awaitable[None]]


@dataclass(frozen=True)
class ResyncHandler:
    """A function registered with ``@ocean.on_resync``.

    Attributes:
        kind: the kind it serves, or None for every kind.
        function: ``async def f(kind)`` returning a list of dicts, or an async generator
            yielding such lists.
    """

    kind: str | None
    function: Callable[[str], Any]

    @property
    def name(self) -> str:
        """The function's name, for reports."""
        return str(getattr(self.function, "__name__", repr(self.function)))


async def run_handlers(
    handlers: Sequence[ResyncHandler],
    kind: str,
    emit: Emit,
    report: KindReport,
    *,
    directory: Path | None = None,
) -> None:
    """Run every handler of ``kind`` in turn and ``emit`` the raw batches they produce.

    Failures of user code are recorded on ``report`` (the kind fails); ``AbortRunError`` (Port
    unreachable…) and cancellation propagate.
    """
    if not handlers:
        report.fail(
            f"no @ocean.on_resync handler for kind '{kind}' — add one in main.py, "
            "or remove the resource from the port-app-config"
        )
        return
    for handler in handlers:
        try:
            await _run_one(handler, kind, emit, report)
        except AbortRunError:
            raise
        except Exception as exc:
            report.fail(f"handler {handler.name} raised {describe_exception(exc, directory)}")


async def _run_one(handler: ResyncHandler, kind: str, emit: Emit, report: KindReport) -> None:
    result = handler.function(kind)
    if inspect.isasyncgen(result):
        async for batch in result:
            checked = _checked_batch(batch, handler, "yielded", report)
            if checked:
                await emit(checked)
        return
    if inspect.isawaitable(result):
        items = _checked_batch(await result, handler, "returned", report)
        for start in range(0, len(items), LIST_BATCH_SIZE):
            await emit(items[start : start + LIST_BATCH_SIZE])
        return
    report.fail(
        f"handler {handler.name} is neither a coroutine nor an async generator function "
        f"(it returned {type(result).__name__})"
    )


def _checked_batch(batch: Any, handler: ResyncHandler, verb: str, report: KindReport) -> RawBatch:
    """The batch if it is a list of dicts; otherwise the kind fails and nothing is used."""
    if batch is None and verb == "returned":
        return []
    if isinstance(batch, list | tuple):
        bad = next((item for item in batch if not isinstance(item, dict)), None)
        if bad is None:
            return list(batch)
        report.fail(
            f"handler {handler.name} {verb} a batch containing {type(bad).__name__} {bad!r:.60} — "
            "every raw item must be a dict"
        )
        return []
    report.fail(
        f"handler {handler.name} {verb} {type(batch).__name__} {batch!r:.60} — "
        f"it must {'yield' if verb == 'yielded' else 'return'} a list of dicts"
    )
    return []
