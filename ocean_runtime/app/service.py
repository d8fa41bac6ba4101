"""The long-running integration: health endpoints, listeners and a clean shutdown.

``serve`` runs, in one event loop: a Starlette app on ``--port`` (``/health``,
``/health/live``, ``/health/ready``), the start-up resync, the POLLING listener and the
schedule — until ``stop`` is set (SIGINT/SIGTERM in the CLI). A resync running at that moment
is cancelled, which reports it ``aborted`` to Port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocean_runtime.errors import AbortRunError, UserInputError

from .listeners import (
    ResyncTrigger,
    current_request_stamp,
    poll_resync_requests,
    run_resyncs,
    schedule_resyncs,
)

if TYPE_CHECKING:
    from ocean_runtime.sync import ResyncReport

    from .runner import IntegrationRunner

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


def health_app(*, ready: Callable[[], bool]) -> Starlette:
    """Starlette app answering ``/health``, ``/health/live`` and ``/health/ready``.

    Args:
        ready: True once the integration has started (docked and listening).
    """

    async def health(request: Request) -> JSONResponse:
        check = request.path_params.get("check", "live")
        if check == "ready" and not ready():
            return JSONResponse({"status": "starting", "check": check}, status_code=503)
        return JSONResponse({"status": "healthy", "check": check})

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/health/{check:str}", health, methods=["GET"]),
        ]
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(
    runner: IntegrationRunner,
    *,
    sock: socket.socket,
    listener_type: str,
    poll_interval: float,
    schedule_minutes: float | None,
    stop: asyncio.Event,
    on_report: Callable[[ResyncReport], None] | None = None,
) -> None:
    """Run the integration until ``stop`` is set.

    Args:
        runner: a prepared runner (start handlers ran, defaults docked).
        sock: the listening socket of the health endpoints (see ``bind_socket``).
        listener_type: ``POLLING`` (poll Port's resync requests) or another type that only
            resyncs at start-up and on schedule.
        poll_interval: seconds between polls.
        schedule_minutes: the scheduled resync interval, if any.
        stop: set it to shut down.
        on_report: called with each resync's report.
    """
    started = False
    server = _Server(
        uvicorn.Config(
            health_app(ready=lambda: started), log_level="warning", access_log=False, lifespan="off"
        )
    )
    trigger = ResyncTrigger()
    trigger.request("start-up")
    tasks: list[asyncio.Task[Any]] = [asyncio.create_task(server.serve([sock]), name="health-server")]
    tasks.append(
        asyncio.create_task(run_resyncs(trigger, runner.resync, on_report=on_report), name="resyncs")
    )
    if listener_type.upper() == "POLLING":
        initial = await current_request_stamp(runner.port)
        tasks.append(
            asyncio.create_task(
                poll_resync_requests(runner.port, trigger, interval_seconds=poll_interval, initial=initial),
                name="polling",
            )
        )
    if schedule_minutes:
        tasks.append(asyncio.create_task(schedule_resyncs(trigger, interval_minutes=schedule_minutes)))
    started = True
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = None if task is stopping else task.exception()
            if error is not None:
                raise error
            if task is tasks[0] and not stop.is_set():
                raise AbortRunError("the health server stopped unexpectedly")
    finally:
        server.should_exit = True
        for task in [stopping, *tasks[1:]]:
            task.cancel()
        await asyncio.wait([stopping, *tasks], timeout=SHUTDOWN_GRACE_SECONDS)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket for the health server; a taken port is a user error, not a crash."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserInputError(
            f"cannot listen on port {port}: {exc.strerror}",
            location="--port",
            fix="pick a free port with `--port N` (0 picks any free port)",
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock
