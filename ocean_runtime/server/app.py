"""``create_server``: the HTTP app (ASGI) of a running integration.

    {prefix}/health, /health/live, /health/ready, /health/live-events   health (health.py)
    {prefix}/metrics                                                    Prometheus text
    {prefix}/integration/<path>                                         webhooks (webhooks.py)
    /resync                                                             WEBHOOK listener only

``{prefix}`` is ``OCEAN__PATH_PREFIX``. ``/resync`` is at the root, where Port calls it (as in
the reference). Every route's request body is refused while it streams in once it is larger
than ``max_body_bytes`` (``body_limit.py``). Webhook POSTs go straight to their bare ASGI
endpoint (``webhooks.py``: they are the hot path); everything else through Starlette.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from .body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from .health import health_routes
from .state import ServerState
from .webhooks import ROUTE, WebhookEndpoint

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from ocean_runtime.app.application import OceanApp
    from ocean_runtime.events import ResyncTrigger
    from ocean_runtime.observability import OceanMetrics
    from ocean_runtime.webhooks import LiveEventsBackend

    from .port_probe import PortHealth


def create_server(
    app: OceanApp,
    *,
    state: ServerState,
    metrics: OceanMetrics,
    backend: LiveEventsBackend | None = None,
    live_events: Callable[[], dict[str, Any]] | None = None,
    port_health: Callable[[], PortHealth] | None = None,
    resync_trigger: ResyncTrigger | None = None,
    path_prefix: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> ASGIApp:
    """The integration's HTTP app.

    Args:
        app: the integration (its webhook processors).
        state: lifecycle flags the service sets.
        metrics: the integration's metrics.
        backend: where accepted webhooks go; None serves no webhook route.
        live_events: summary for ``/health/live-events``.
        port_health: whether Port is reachable now (``/health/ready`` says degraded when not).
        resync_trigger: serve ``POST /resync`` into this trigger (WEBHOOK listener).
        path_prefix: mount everything but ``/resync`` under this prefix.
        max_body_bytes: the largest request body any route reads (``OCEAN__MAX_REQUEST_BODY_BYTES``).
    """
    routes: list[BaseRoute] = list(
        health_routes(state, metrics, live_events=live_events, port_health=port_health)
    )
    prefix = "/" + path_prefix.strip("/") if path_prefix and path_prefix.strip("/") else ""
    if backend is not None:
        # Only other methods reach Starlette here (405, with the Allow header).
        routes.append(Route(ROUTE + "{path:path}", _not_reached, methods=["POST"]))
    top: list[BaseRoute] = [Mount(prefix, routes=routes)] if prefix else routes
    if resync_trigger is not None:
        top.append(_resync_route(resync_trigger))
    rest = Starlette(routes=top, middleware=[Middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)])
    if backend is None:
        return rest
    webhooks = WebhookEndpoint(app, backend, metrics, state, max_body_bytes=max_body_bytes, prefix=prefix)

    async def server(scope: Scope, receive: Receive, send: Send) -> None:
        if webhooks.serves(scope):
            await webhooks(scope, receive, send)
        else:
            await rest(scope, receive, send)

    return server


async def _not_reached(request: Request) -> JSONResponse:
    raise AssertionError("webhook POSTs are answered by WebhookEndpoint")


def _resync_route(trigger: ResyncTrigger) -> Route:
    async def resync(request: Request) -> JSONResponse:
        # Answer at once: the resync may take hours (the reference holds the request open).
        trigger.request("a resync request from Port (POST /resync)")
        return JSONResponse({"status": "accepted"}, status_code=202)

    return Route("/resync", resync, methods=["POST"])
