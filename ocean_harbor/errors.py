"""Port-shaped errors: every failure answers ``{"ok": false, "error": code, "message": ...}``.

Port's clients call ``response.json()`` on error responses too, so an HTML error page (or an
empty body) would crash them. Handlers below turn routing errors (404/405), bad JSON bodies,
``HarborError`` and unexpected exceptions into JSON with the right status.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocean_harbor import json_codec

logger = logging.getLogger("ocean_harbor")

# Port's error codes for the statuses the harbor answers on its own.
STATUS_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "request_entity_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class HarborError(Exception):
    """An API error answered as Port does.

    Args:
        status: the HTTP status.
        error: Port's error code (``not_found``, ``invalid_request``, ...).
        message: what went wrong and, when useful, how to fix it.
        details: extra keys merged into the body.
    """

    def __init__(self, status: int, error: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {"ok": False, "error": self.error, "message": self.message, **self.details}


def not_found(message: str) -> HarborError:
    """A 404 ``not_found`` error."""
    return HarborError(404, "not_found", message)


def invalid(message: str, status: int = 422) -> HarborError:
    """A 422 (or ``status``) ``invalid_request`` error naming the bad field."""
    return HarborError(status, "invalid_request", message)


def error_response(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """A Port-shaped JSON error response."""
    return JSONResponse(
        {"ok": False, "error": error, "message": message}, status_code=status, headers=headers
    )


async def read_json(request: Request) -> Any:
    """The request's JSON body; an empty body reads as ``{}``.

    Raises:
        HarborError: 400 when the body is not valid JSON.
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json_codec.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"The request body is not valid JSON: {exc}", status=400) from None
    except RecursionError:
        raise invalid("The request body nests arrays/objects too deeply.") from None


def require_json(request: Request) -> None:
    """Refuses a body that is not declared JSON (``Content-Type: application/json``).

    A browser page may send ``text/plain`` to any origin without asking first; JSON it may not,
    so a route that insists on it cannot be fed from another site.

    Raises:
        HarborError: 415 naming the content type received.
    """
    declared = request.headers.get("content-type", "")
    media = declared.split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise HarborError(
            415,
            "unsupported_media_type",
            f"The body must be JSON (Content-Type: application/json), got {declared or 'no Content-Type'}.",
        )


async def read_object(request: Request) -> dict[str, Any]:
    """The request's JSON body, which must be an object."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise invalid(f"The request body must be a JSON object, got {type(body).__name__}.")
    return body


def expect(body: dict[str, Any], key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """Reads ``body[key]`` and checks its JSON type, naming the key when it is wrong.

    Raises:
        HarborError: 422 when the key is missing (and required) or has the wrong type.
    """
    if key not in body or body[key] is None:
        if required:
            raise invalid(f"body/{key} is required.")
        return None
    value = body[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    # bool is an int in Python but not a number in JSON.
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(_json_type_name(k) for k in kinds)
        raise invalid(f"body/{key} must be {names}, got {json.dumps(value)[:80]}.")
    return value


def _json_type_name(kind: type) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        kind, "a number" if kind in (int, float) else kind.__name__
    )


async def _harbor_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HarborError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Route {request.method} {request.url.path} does not exist."
    elif exc.status_code == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
    else:
        message = str(exc.detail)
    code = STATUS_CODES.get(exc.status_code, "error")
    return error_response(exc.status_code, code, message, headers=dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("Unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        500, "internal_error", f"The harbor failed unexpectedly: {type(exc).__name__}: {exc}"
    )


class UnexpectedErrorMiddleware:
    """Answers a failure no handler knew as a Port-shaped 500 and keeps the connection.

    Starlette's own last resort answers, then re-raises to the server, which drops the kept-alive
    connection: every later request of that client fails too. This one sits just outside the
    routes, logs the failure and answers it; only a failure after the answer began goes on.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            logger.error("Unexpected error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
            response = error_response(
                500, "internal_error", f"The harbor failed unexpectedly: {type(exc).__name__}: {exc}"
            )
            await response(scope, receive, send)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    HarborError: _harbor_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}
