"""``BodyLimitMiddleware``: a request body over the limit is refused while it streams in.

The integration's server listens on every interface (webhooks come from the internet), so a
body must never be read whole before it is judged. Every route of the app goes through this:

- a declared ``Content-Length`` over the limit gets 413 before a byte of the body is read;
- a body without one (``Transfer-Encoding: chunked``) is counted as it arrives, and the first
  chunk that crosses the limit ends the request with 413 — at most the limit is ever held;
- a malformed ``Content-Length`` gets 400.

The connection is closed after such an answer (the rest of the body is never read), so a
sender cannot keep streaming into a kept-alive connection.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024  # GitHub's own cap on webhook payloads


class BodyTooLargeError(Exception):
    """Raised from ``receive`` when the counted body crosses the limit."""


class BodyLimitMiddleware:
    """Refuses request bodies larger than ``max_bytes`` (see the module docstring).

    Args:
        app: the ASGI app to protect.
        max_bytes: the largest body accepted, in bytes.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is None:
            await _refuse(send, 400, "the Content-Length header is not a number")
            return
        if declared > self.max_bytes:
            await _refuse(send, 413, self._too_large())
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._counting(receive), watched_send)
        except BodyTooLargeError:
            if started:  # too late to answer: the connection just ends
                raise
            await _refuse(send, 413, self._too_large())

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLargeError
            return message

        return counted

    def _too_large(self) -> str:
        return (
            f"the request body is larger than {self.max_bytes} bytes "
            "(OCEAN__MAX_REQUEST_BODY_BYTES sets the limit)"
        )


def _declared_length(scope: Scope) -> int | None:
    """The declared ``Content-Length`` (0 when absent), None when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return 0


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"status": "error", "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
