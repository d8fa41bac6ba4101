"""``BodyLimitMiddleware``: a request body over the limit is refused while it streams in.

The integration's server listens on every interface (webhooks come from the internet), so a
body must never be read whole before it is judged. Every route of the app goes through this:

- a declared ``Content-Length`` over the limit gets 413 before a byte of the body is read;
- a body without one (``Transfer-Encoding: chunked``) is counted as it arrives, and the first
  chunk that crosses the limit ends the request with 413 — at most the limit is ever held;
- a malformed ``Content-Length`` gets 400.

The connection is closed after such an answer (the rest of the body is never read), so a
sender cannot keep streaming into a kept-alive connection. The webhook route, a bare ASGI app
for speed (``webhooks.py``), applies the same rules with the functions below.
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
        declared = declared_length(scope)
        if declared is None:
            await refuse(send, 400, "the Content-Length header is not a number")
            return
        if declared > self.max_bytes:
            await refuse(send, 413, too_large(self.max_bytes))
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
            await refuse(send, 413, too_large(self.max_bytes))

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


async def read_body(receive: Receive, max_bytes: int) -> bytes | None:
    """The whole request body, counted as it arrives; None when the sender disconnected.

    Raises:
        BodyTooLargeError: the body crossed ``max_bytes`` (nothing beyond it was read).
    """
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None  # http.disconnect
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > max_bytes:
            raise BodyTooLargeError
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def too_large(max_bytes: int) -> str:
    """Why a body over ``max_bytes`` is refused, naming the setting."""
    return f"the request body is larger than {max_bytes} bytes (OCEAN__MAX_REQUEST_BODY_BYTES sets the limit)"


def declared_length(scope: Scope) -> int | None:
    """The declared ``Content-Length`` (0 when absent), None when it is not a number."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return 0


async def refuse(send: Send, status: int, message: str) -> None:
    """Answer ``{"status": "error", "message": …}`` and close the connection (the body unread)."""
    body = json.dumps({"status": "error", "message": message}).encode()
    await answer(send, status, body, close=True)


async def answer(
    send: Send, status: int, body: bytes, *, retry_after: float | None = None, close: bool = False
) -> None:
    """Send a whole JSON answer; ``Retry-After`` in whole seconds (at least 1) when given."""
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(int(round(retry_after)), 1)).encode()))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
