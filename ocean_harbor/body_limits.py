"""Request bodies refused while they stream in: no route reads more than its limit.

A route that reads a whole body before checking its size lets one client fill the harbor's
memory (eight 100 MB bodies to the token route took it past 1 GB). ``BodyLimitMiddleware``
answers **413** — with ``Connection: close``, so the rest of the body is never read — as soon
as a body is known to be too big: at once when ``Content-Length`` says so, otherwise when the
bytes received so far pass the limit (a chunked body). Limits, by route:

- ``POST /v1/auth/access_token``: 16 KiB (two short strings);
- entity upserts (``…/entities``, ``…/entities/bulk``): 1 MiB + 4 KiB (Port's 1 MiB of entities
  and the envelope; a bigger bulk request is how clients learn to send entities one by one);
- everything else: 8 MiB (blueprints, pages, port-app-configs, log batches).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocean_harbor.errors import HarborError, error_response

KIB = 1024
MIB = 1024 * KIB


class BodyTooLarge(HarborError):
    """A request body over its route's limit (answered 413 and the connection closed)."""

    def __init__(self, limit: int, path: str) -> None:
        super().__init__(
            413,
            "request_entity_too_large",
            f"The request body to {path} is over {_size(limit)}; send less per request.",
        )


@dataclass(frozen=True)
class BodyLimits:
    """The most bytes a request body may have, by kind of route."""

    token: int = 16 * KIB
    entities: int = MIB + 4 * KIB
    default: int = 8 * MIB

    def for_path(self, path: str) -> int:
        """The limit of a request to ``path``."""
        if path == "/v1/auth/access_token":
            return self.token
        if path.endswith(("/entities", "/entities/bulk")) and path.startswith("/v1/blueprints/"):
            return self.entities
        return self.default


class BodyLimitMiddleware:
    """Refuses a body over its route's limit before it is read (see the module docstring)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self.limits.for_path(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(BodyTooLarge(limit, path), scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit, path)  # answered by the app's HarborError handler
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and received > limit:
                message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        await self.app(scope, counting_receive, closing_send)


async def _refuse(error: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(error.status, error.error, error.message, headers={"Connection": "close"})
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit // KIB} KiB"
