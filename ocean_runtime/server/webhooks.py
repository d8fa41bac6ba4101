"""``POST /integration/<path>``: admit a webhook, hand it to the backend, answer.

| answer | when |
|---|---|
| 202 ``{"status": "accepted", "id": …}`` | authenticated, validated and durably queued |
| 400 | the body is not a JSON object, or no authenticated processor validates it |
| 401 | no processor of the path authenticates it |
| 404 | no processor is registered for the path |
| 413 | the body is over ``OCEAN__MAX_REQUEST_BODY_BYTES`` (refused while it streams, ``body_limit.py``) |
| 503 + ``Retry-After`` | shutting down, or the queues are full |

An event is acknowledged (202) only once the backend holds it, so an accepted event is never
silently dropped; a 503 tells the sender to try again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ocean_runtime.webhooks.admission import admit
from ocean_runtime.webhooks.backend import BackendUnavailableError

from .state import ServerState

if TYPE_CHECKING:
    from ocean_runtime.app.application import OceanApp
    from ocean_runtime.observability import OceanMetrics
    from ocean_runtime.webhooks import LiveEventsBackend

logger = logging.getLogger(__name__)

SHUTDOWN_RETRY_AFTER_SECONDS = 5


def webhook_route(
    app: OceanApp, backend: LiveEventsBackend, metrics: OceanMetrics, state: ServerState
) -> Route:
    """The route serving every path registered with ``ocean.add_webhook_processor``."""
    registered = {_normal(path): processors for path, processors in app.webhook_processors.items()}

    async def receive(request: Request) -> JSONResponse:
        path = _normal("/" + request.path_params["path"])
        processors = registered.get(path)
        if not processors:
            return _error(404, f"no webhook processor is registered for {path}")
        if state.stopping:
            metrics.webhook(path, "unavailable")
            return _error(503, "shutting down", retry_after=SHUTDOWN_RETRY_AFTER_SECONDS)
        body = await request.body()  # bounded: BodyLimitMiddleware refuses it while it streams
        with app.activated():  # authenticate() may read ocean.integration_config
            admission = await admit(processors, path, body, dict(request.headers))
        if admission.event is None:
            metrics.webhook(path, "unauthorized" if admission.status == 401 else "invalid")
            logger.info("Refused a webhook on %s (%d): %s", path, admission.status, admission.reason)
            return _error(admission.status, admission.reason)
        try:
            await backend.submit(admission.event)
        except BackendUnavailableError as exc:
            metrics.webhook(path, "unavailable")
            return _error(503, str(exc), retry_after=exc.retry_after)
        metrics.webhook(path, "accepted")
        return JSONResponse({"status": "accepted", "id": admission.event.id}, status_code=202)

    return Route("/integration/{path:path}", receive, methods=["POST"])


def _normal(path: str) -> str:
    return "/" + path.strip("/")


def _error(status: int, message: str, *, retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(max(int(round(retry_after)), 1))} if retry_after is not None else None
    return JSONResponse({"status": "error", "message": message}, status_code=status, headers=headers)
