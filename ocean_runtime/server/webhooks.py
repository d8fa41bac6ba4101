"""``POST /integration/<path>``: admit a webhook, hand it to the backend, answer.

| answer | when |
|---|---|
| 202 ``{"status": "accepted", "id": …}`` | authenticated, validated and durably queued |
| 400 | the body is not a JSON object, or no authenticated processor validates it |
| 401 | no processor of the path authenticates it |
| 404 | no processor is registered for the path |
| 413 | the body is over ``OCEAN__MAX_REQUEST_BODY_BYTES`` (refused while it streams) |
| 503 + ``Retry-After`` | shutting down, or the queues are full |

An event is acknowledged (202) only once the backend holds it, so an accepted event is never
silently dropped; a 503 tells the sender to try again.

This is the one route on the hot path of a webhook burst, so it is a bare ASGI app
(``WebhookEndpoint``), not a Starlette route: no middleware chain, ``Request`` or
``Response`` object per event — the framework cost ~40 % of the CPU of an event before. It
keeps the same guards the rest of the server gets from ``BodyLimitMiddleware``: a declared
length over the limit is refused before a byte is read, a streamed body the moment it crosses
it (``body_limit.read_body``).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from ocean_runtime.webhooks.admission import admit
from ocean_runtime.webhooks.backend import BackendUnavailableError

from .body_limit import BodyTooLargeError, answer, declared_length, read_body, refuse, too_large
from .state import ServerState

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from ocean_runtime.app.application import OceanApp
    from ocean_runtime.observability import OceanMetrics
    from ocean_runtime.webhooks import LiveEventsBackend

logger = logging.getLogger(__name__)

SHUTDOWN_RETRY_AFTER_SECONDS = 5
ROUTE = "/integration/"

_Outcome = tuple[int, str, "float | None"]  # status, event id or why not, Retry-After


class WebhookEndpoint:
    """The ASGI app serving every path registered with ``ocean.add_webhook_processor``.

    Args:
        app: the integration (its processors).
        backend: where accepted events go.
        metrics: where outcomes are counted.
        state: lifecycle flags (``stopping``: answer 503).
        max_body_bytes: the largest body read.
        prefix: ``OCEAN__PATH_PREFIX`` ("" or "/something").
    """

    def __init__(
        self,
        app: OceanApp,
        backend: LiveEventsBackend,
        metrics: OceanMetrics,
        state: ServerState,
        *,
        max_body_bytes: int,
        prefix: str = "",
    ) -> None:
        self._app = app
        self._backend = backend
        self._metrics = metrics
        self._state = state
        self._max_bytes = max_body_bytes
        self.route = prefix + ROUTE
        self._registered = {_normal(path): processors for path, processors in app.webhook_processors.items()}

    def serves(self, scope: Scope) -> bool:
        """Whether ``scope`` is a webhook this endpoint answers (a POST under the route)."""
        path: str = scope.get("path", "")
        return path.startswith(self.route) and scope["type"] == "http" and scope["method"] == "POST"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = declared_length(scope)
        if declared is None:
            await refuse(send, 400, "the Content-Length header is not a number")
            return
        if declared > self._max_bytes:
            await refuse(send, 413, too_large(self._max_bytes))
            return
        path = _normal(scope["path"][len(self.route) :])
        try:
            outcome = await self._receive(path, scope, receive)
        except BodyTooLargeError:
            await refuse(send, 413, too_large(self._max_bytes))
            return
        if outcome is None:  # the sender left before its body arrived: nobody to answer
            return
        status, message, retry_after = outcome
        if status == 202:
            await answer(send, 202, b'{"status":"accepted","id":"' + message.encode() + b'"}')
            return
        body = json.dumps({"status": "error", "message": message}).encode()
        await answer(send, status, body, retry_after=retry_after)

    async def _receive(self, path: str, scope: Scope, receive: Receive) -> _Outcome | None:
        """``(202, event id, None)``, ``(status, why not, Retry-After)``, or None (disconnected)."""
        processors = self._registered.get(path)
        if not processors:
            return 404, f"no webhook processor is registered for {path}", None
        if self._state.stopping:
            self._metrics.webhook(path, "unavailable")
            return 503, "shutting down", SHUTDOWN_RETRY_AFTER_SECONDS
        body = await read_body(receive, self._max_bytes)
        if body is None:
            return None
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        with self._app.activated():  # authenticate() may read ocean.integration_config
            admission = await admit(processors, path, body, headers)
        if admission.event is None:
            self._metrics.webhook(path, "unauthorized" if admission.status == 401 else "invalid")
            logger.info("Refused a webhook on %s (%d): %s", path, admission.status, admission.reason)
            return admission.status, admission.reason, None
        try:
            await self._backend.submit(admission.event)
        except BackendUnavailableError as exc:
            self._metrics.webhook(path, "unavailable")
            return 503, str(exc), exc.retry_after
        self._metrics.webhook(path, "accepted")
        return 202, admission.event.id, None


def _normal(path: str) -> str:
    return "/" + path.strip("/")
