"""``/health/live``, ``/health/ready``, ``/health/live-events`` and ``/metrics``.

``live`` answers 200 while the process serves HTTP; ``ready`` only once the listener and the
live-events queues run, and no longer once shutdown began (so a load balancer stops sending
webhooks before the queues drain). While Port is unreachable (``port_probe.py``) ``ready``
says ``"status": "degraded"`` with the reason — still 200: accepted webhooks wait durably in
the queue until Port is back, so turning senders away (most never retry) would lose events.
``live-events`` shows the queue depth and the recent webhook failures; ``/metrics`` is the
Prometheus text of the integration's own registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .state import ServerState

if TYPE_CHECKING:
    from ocean_runtime.observability import OceanMetrics

    from .port_probe import PortHealth


def health_routes(
    state: ServerState,
    metrics: OceanMetrics,
    *,
    live_events: Callable[[], dict[str, Any]] | None = None,
    port_health: Callable[[], PortHealth] | None = None,
) -> list[Route]:
    """The health and metrics routes.

    Args:
        state: the service's lifecycle flags.
        metrics: the integration's metrics.
        live_events: a JSON-ready summary of the live-events queues (None: not served).
        port_health: whether Port is reachable now (None: not reported).
    """

    async def live(request: Request) -> JSONResponse:
        return JSONResponse({"status": "healthy", "check": "live"})

    async def ready(request: Request) -> JSONResponse:
        if state.stopping:
            return JSONResponse({"status": "stopping", "check": "ready"}, status_code=503)
        if not state.ready:
            return JSONResponse({"status": "starting", "check": "ready"}, status_code=503)
        port = port_health() if port_health is not None else None
        if port is None:
            return JSONResponse({"status": "healthy", "check": "ready"})
        status = "healthy" if port.reachable else "degraded"
        return JSONResponse({"status": status, "check": "ready", "port": port.as_json()})

    async def events(request: Request) -> JSONResponse:
        assert live_events is not None
        return JSONResponse(live_events())

    async def scrape(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    routes = [
        Route("/health", live, methods=["GET"]),
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
        Route("/metrics", scrape, methods=["GET"]),
        Route("/metrics/", scrape, methods=["GET"]),
    ]
    if live_events is not None:
        routes.append(Route("/health/live-events", events, methods=["GET"]))
    return routes
