"""The long-running integration: HTTP server, listener, resyncs, live events, clean shutdown.

``IntegrationService`` assembles, for one prepared ``IntegrationRunner``:

- the resync worker (one resync at a time, requests coalesced) and the listener's triggers
  (``ocean_runtime.events``);
- the live-events backend, draining into a ``WebhookDispatcher`` (``ocean_runtime.webhooks``);
- the Starlette app (``ocean_runtime.server``): health, metrics, webhooks, ``/resync``;
- the actions processor (``ocean_runtime.actions``) when ``OCEAN__ACTIONS_PROCESSOR__ENABLED``.

``serve`` runs it behind uvicorn until ``stop`` is set (SIGINT/SIGTERM in the CLI). Shutdown:
readiness turns 503 and new webhooks get 503, a running resync is cancelled (reported
``aborted`` to Port), queued webhooks and running action runs are given until
``max_wait_seconds_before_shutdown`` (webhooks left stay queued on disk for the next start; an
interrupted action run is offered again once its claim expires), then the server stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from ocean_runtime.app.actions_setup import create_actions_processor
from ocean_runtime.errors import AbortRunError, UserInputError
from ocean_runtime.events import ResyncTrigger, listener_plan, run_resyncs, start_listener
from ocean_runtime.observability import OceanMetrics
from ocean_runtime.server import PortProbe, ServerState, create_server
from ocean_runtime.webhooks import create_backend
from ocean_runtime.webhooks.dispatcher import WebhookDispatcher
from ocean_runtime.webhooks.failures import FailureLog

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ocean_runtime.config import OceanSettings
    from ocean_runtime.sync import ResyncReport
    from ocean_runtime.webhooks import LiveEventsBackend, WebhookEvent

    from .runner import IntegrationRunner

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


class IntegrationService:
    """Everything a listening integration runs besides uvicorn (see the module docstring).

    Args:
        runner: a prepared runner (start handlers ran, defaults docked).
        on_report: called with each resync's report.
        backend: the live-events backend (default: the one the settings choose).
    """

    def __init__(
        self,
        runner: IntegrationRunner,
        *,
        on_report: Callable[[ResyncReport], None] | None = None,
        backend: LiveEventsBackend | None = None,
    ) -> None:
        self.runner = runner
        self.settings = _settings(runner)
        self.plan = listener_plan(self.settings)
        self.metrics = OceanMetrics()
        self.state = ServerState()
        self.trigger = ResyncTrigger()
        self.failures = FailureLog(runner.port)
        self.port_probe = PortProbe(runner.port)
        self._on_report = on_report
        self.tasks: list[asyncio.Task[Any]] = []
        self._probing: asyncio.Task[None] | None = None
        self._warming: asyncio.Task[None] | None = None
        self.backend: LiveEventsBackend | None = None
        self.dispatcher: WebhookDispatcher | None = None
        if self.plan.webhooks and runner.app.webhook_processors:
            self.dispatcher = WebhookDispatcher(
                runner.app,
                runner.port,
                metrics=self.metrics,
                failures=self.failures,
                timeout_seconds=self.settings.max_event_processing_seconds,
                concurrency=self.settings.live_events.concurrency,
            )
            self.backend = backend or create_backend(
                self.settings, directory=runner.app.directory, on_gave_up=self._gave_up
            )
            self.metrics.watch_queue(self.backend.depth)
        self.actions = (
            create_actions_processor(runner, self.settings, self.metrics) if self.plan.actions else None
        )
        self.asgi: ASGIApp = create_server(
            runner.app,
            state=self.state,
            metrics=self.metrics,
            backend=self.backend,
            live_events=self._live_events if self.backend is not None else None,
            port_health=lambda: self.port_probe.health,
            resync_trigger=self.trigger if self.plan.resync_route else None,
            path_prefix=self.settings.path_prefix,
            max_body_bytes=self.settings.max_request_body_bytes,
        )

    async def start(self) -> None:
        """Start the resync worker, the listener and the live-events delivery; then ready."""
        if self.plan.resyncs:
            worker = run_resyncs(self.trigger, self.runner.resync, on_report=self._report)
            self.tasks.append(asyncio.create_task(worker, name="resyncs"))
        self.tasks.extend(await start_listener(self.settings, self.runner.port, self.trigger))
        if self.backend is not None and self.dispatcher is not None:
            await self.backend.start(self.dispatcher.process, ready=self.dispatcher.ready)
            # Not in ``tasks``: those run as long as the service, and this one ends at once.
            self._warming = asyncio.create_task(self.dispatcher.warm(), name="live-mapping-warm-up")
        if self.actions is not None:
            with self.runner.app.activated():  # executors read ocean.integration_config
                self.tasks.extend(self.actions.start())
        self._probing = asyncio.create_task(self.port_probe.run(), name="port-probe")
        self.state.ready = True

    async def stop(self) -> None:
        """Refuse new webhooks, cancel resyncs, drain the queues until the deadline."""
        self.state.stopping = True
        deadline = time.monotonic() + self.settings.max_wait_seconds_before_shutdown
        if self.actions is not None:
            await self.actions.stop(deadline)
        for task in [*self.tasks, *(t for t in (self._probing, self._warming) if t is not None)]:
            task.cancel()
        if self.backend is not None:
            await self.backend.stop(deadline)
        if self.dispatcher is not None:
            await self.dispatcher.aclose()
        await self.failures.flush()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=SHUTDOWN_GRACE_SECONDS)

    def _report(self, report: ResyncReport) -> None:
        self.metrics.observe_resync(report)
        if self._on_report is not None:
            self._on_report(report)

    async def _gave_up(self, event: WebhookEvent, reason: str) -> None:
        self.failures.record(event, reason)
        self.metrics.webhook(event.path, "failed")

    def _live_events(self) -> dict[str, Any]:
        assert self.backend is not None
        return {
            "backend": self.settings.live_events.backend,
            "depth": self.backend.depth(),
            "port": self.port_probe.health.as_json(),
            **self.failures.snapshot(),
        }


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(
    runner: IntegrationRunner,
    *,
    sock: socket.socket,
    stop: asyncio.Event,
    on_report: Callable[[ResyncReport], None] | None = None,
) -> None:
    """Run the integration until ``stop`` is set.

    Args:
        runner: a prepared runner (start handlers ran, defaults docked).
        sock: the listening socket (see ``bind_socket``).
        stop: set it to shut down.
        on_report: called with each resync's report.

    Raises:
        AbortRunError: the HTTP server stopped on its own.
    """
    service = IntegrationService(runner, on_report=on_report)
    config = uvicorn.Config(
        service.asgi, log_level="warning", access_log=False, lifespan="off", proxy_headers=False
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve([sock]), name="http-server")
    stopping = asyncio.create_task(stop.wait())
    try:
        await service.start()
        watched = [stopping, serving, *service.tasks]
        done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = None if task is stopping else task.exception()
            if error is not None:
                raise error
            if task is serving and not stop.is_set():
                raise AbortRunError("the HTTP server stopped unexpectedly")
    finally:
        stopping.cancel()
        await service.stop()
        server.should_exit = True
        await asyncio.wait([serving], timeout=SHUTDOWN_GRACE_SECONDS)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket for the HTTP server; a taken port is a user error, not a crash."""
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
    # Accepted connections inherit it: without it uvicorn answers every keep-alive request after
    # the first one ~40 ms late (Nagle's algorithm meeting the client's delayed ACK).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _settings(runner: IntegrationRunner) -> OceanSettings:
    if runner.app.settings is None:
        raise UserInputError("the integration has no settings; load it with load_integration(DIR)")
    return runner.app.settings
